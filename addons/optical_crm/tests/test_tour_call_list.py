from odoo.tests import tagged

from .common_tour import OpticalTourCase


@tagged("post_install", "-at_install", "optical_crm", "optical_crm_tour")
class TestTourCallList(OpticalTourCase):
    """A shop assistant who is not the shop's callback user works the call
    list in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_up_shop()
        cls.assistant = cls.shop_user(cls.env, "assistant", "Sara Assistente", cls.shop, italian=True, email=False)
        cycle = cls.env["optical.crm.cycle"].create({
            "name": "Adaptation call", "event_type": "glasses_delivery", "company_id": cls.shop.id,
            "step_ids": [(0, 0, {
                "name": "One week after", "interval_number": 1, "interval_unit": "weeks", "channel": "phone",
                "purpose": "service", "subject": "Call {{ object.first_name }}",
                "body": "Ask {{ object.first_name }} how the new progressive glasses feel.",
            })],
        })
        cls.customers = cls.env["res.partner"]
        for name in ("Tour Mario Rossi", "Tour Lucia Bianchi", "Tour Anna Neri", "Tour Paolo Gialli",
                     "Tour Giulia Verdi"):
            customer = cls.env["res.partner"].create({"name": name, "mobile": "+39333%07d" % len(cls.customers),
                                                      "company_id": cls.shop.id})
            cls.env["optical.crm.event"].create({
                "partner_id": customer.id, "event_type": "glasses_delivery", "event_date": cls.days_ago(7),
                "lens_type": "progressive", "company_id": cls.shop.id,
            })
            cls.customers |= customer
        Communication = cls.env["optical.crm.communication"]
        Communication._plan_company(cls.shop, cls.days_ago(3), cls.days_ago(-7))
        Communication.search([("cycle_id", "=", cycle.id)])._send_batch()
        cls.calls = Communication.search([("cycle_id", "=", cycle.id)])

    def call(self, name):
        return self.calls.filtered(lambda c: c.partner_id.name == name)

    def test_assistant_works_the_call_list(self):
        self.assertEqual(set(self.calls.mapped("state")), {"sent"})
        self.start_tour("/odoo/action-optical_crm.optical_crm_communication_action_callback",
                        "optical_crm_call_list_tour", login="assistant", timeout=180)
        self.assertEqual((self.call("Tour Mario Rossi").state, self.call("Tour Mario Rossi").callback_note),
                         ("done", "Adapting well"))
        lucia = self.call("Tour Lucia Bianchi")
        self.assertEqual((lucia.state, lucia.callback_outcome, lucia.callback_attempts), ("sent", "no_answer", 1))
        anna = self.call("Tour Anna Neri")
        self.assertEqual((anna.state, anna.scheduled_date), ("sent", self.days_ago(-3)))
        self.assertEqual((self.call("Tour Paolo Gialli").state, self.call("Tour Paolo Gialli").skip_reason),
                         ("cancelled", "Moved abroad"))
        giulia = self.call("Tour Giulia Verdi")
        self.assertEqual((giulia.state, giulia.callback_outcome, giulia.user_id), ("done", "reached", self.assistant))
