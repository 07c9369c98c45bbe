from odoo.tests import tagged

from .common_tour import OpticalTourCase


@tagged("post_install", "-at_install", "optical_crm", "optical_crm_tour")
class TestTourShopDay(OpticalTourCase):
    """A shop assistant's day in a real browser, on a desk screen and on a tablet: the call list fits
    (asserted from element geometry), postpone and no answer take 2 clicks, give up 3, and she changes a
    consent and logs a note on a customer opened from a call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_up_shop()
        cls.assistant = cls.shop_user(cls.env, "day_assistant", "Sara Assistente", cls.shop, email=False)
        cls.cycle = cls.env["optical.crm.cycle"].create({
            "name": "Follow-up of the progressive glasses delivered last week", "event_type": "glasses_delivery",
            "company_id": cls.shop.id,
            "step_ids": [(0, 0, {
                "name": "One week after", "interval_number": 1, "interval_unit": "weeks", "channel": "phone",
                "purpose": "service", "subject": "Call {{ object.first_name }}",
                "body": "Ask {{ object.first_name }} how the new progressive glasses feel.",
            })],
        })
        cls.customers = cls.env["res.partner"]
        for name in ("Tour Mario Rossi", "Tour Lucia Bianchi", "Tour Anna Neri", "Tour Paolo Gialli",
                     "Tour Giulia Verdi"):
            customer = cls.env["res.partner"].create({
                "name": name, "mobile": "+39 333 %03d %04d" % (100 + len(cls.customers), 4567)})
            cls.env["optical.crm.event"].create({
                "partner_id": customer.id, "event_type": "glasses_delivery", "event_date": cls.days_ago(7),
                "lens_type": "progressive", "company_id": cls.shop.id,
            })
            cls.customers |= customer
        Communication = cls.env["optical.crm.communication"]
        Communication._plan_company(cls.shop, cls.days_ago(3), cls.days_ago(-7))
        Communication.search([("cycle_id", "=", cls.cycle.id)])._send_batch()
        cls.calls = Communication.search([("cycle_id", "=", cls.cycle.id)])

    def call(self, name):
        return self.calls.filtered(lambda c: c.partner_id.name == name)

    def _walk(self):
        self.assertEqual(self.assistant.action_id.id, self.env.ref("optical_crm.optical_crm_communication_action_callback").id)
        self.assertEqual(set(self.calls.mapped("state")), {"sent"})
        self.start_tour("/odoo", "optical_crm_shop_day_tour", login="day_assistant", timeout=180)
        lucia = self.call("Tour Lucia Bianchi")
        self.assertEqual((lucia.state, lucia.scheduled_date), ("sent", self.days_ago(-1)))
        anna = self.call("Tour Anna Neri")
        self.assertEqual((anna.state, anna.callback_outcome, anna.callback_attempts), ("sent", "no_answer", 1))
        paolo = self.call("Tour Paolo Gialli")
        self.assertEqual((paolo.state, paolo.skip_reason), ("cancelled", "Moved abroad"))
        mario = self.customers.filtered(lambda p: p.name == "Tour Mario Rossi")
        self.assertTrue(mario.optical_consent_sms)
        note = mario.message_ids.filtered(lambda m: "Asked for the SMS reminders" in str(m.body))
        self.assertEqual((note.author_id, note.subtype_id), (self.assistant.partner_id, self.env.ref("mail.mt_note")))

    def test_shop_day_desk(self):
        self.browser_size = "1366x768"
        self._walk()

    def test_shop_day_tablet(self):
        self.browser_size = "768x1024"
        self._walk()
