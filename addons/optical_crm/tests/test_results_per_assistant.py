import datetime

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
class TestResultsPerAssistant(OpticalCrmCase):
    """The results grouped by who made the call: calls made, customers reached, who bought after the call,
    time on the phone."""

    def test_results_per_caller(self):
        self.shop_a.write({"optical_call_minutes": 5, "optical_purchase_window_days": 30})
        marco = new_test_user(self.env, "marco_staff", groups="optical_crm.group_optical_crm_user",
                              company_id=self.shop_a.id, company_ids=[self.shop_a.id], name="Marco Staff")
        cycle = self.cycle("glasses_delivery", [(7, "days", "phone", "service")], shop=self.shop_a)
        customers = [self.mario, self.lucia, self.customer("Anna Neri")]
        for customer in customers:
            self.event(customer, "glasses_delivery", D(2026, 3, 2))
        with freeze_time("2026-03-09 10:00:00"):
            self.plan(D(2026, 3, 9))
            calls = self.communications(cycle_id=cycle.id)
            calls._send_batch()
            mario, lucia, anna = (calls.filtered(lambda c, p=p: c.partner_id == p) for p in customers)
            # Giulia: Mario after one unanswered try, then reached; Marco: Lucia reached, Anna no answer.
            mario.with_user(self.staff_a).action_callback_done("no_answer")
        with freeze_time("2026-03-10 10:00:00"):
            mario.with_user(self.staff_a).action_callback_done("reached")
            lucia.with_user(marco).action_callback_done("reached")
            anna.with_user(marco).action_callback_done("no_answer")
        self.event(self.mario, "sale_delivery", D(2026, 3, 20), amount=300)
        with freeze_time("2026-03-25 10:00:00"):
            self.Communication._update_purchases()
        self.env.flush_all()
        groups = self.env["optical.crm.analysis"].with_user(self.owner).read_group(
            [("cycle_id", "=", cycle.id)],
            ["calls_made:sum", "call_minutes:sum", "customer_reached:count_distinct",
             "customer_bought:count_distinct"], ["caller_id"], lazy=False)
        results = {group["caller_id"][1]: (group["calls_made"], group["call_minutes"], group["customer_reached"],
                                           group["customer_bought"]) for group in groups}
        self.assertEqual(results, {"Giulia Staff": (2, 10, 1, 1), "Marco Staff": (2, 10, 1, 0)})
