from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsStepPreview(OpticalSmsCommon):
    """Preview and Send a test of SMS steps: the text as the customer's
    phone gets it, the landing page its link opens, and a test SMS through
    the gateway to the owner's own mobile, counted nowhere."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = cls._make_customers(["Anna Verdi"], ["+393471112233"])
        cls.manager.partner_id.mobile = "+393409998877"

    def wizard(self, user, step):
        return self.env["optical.crm.step.preview.wizard"].with_user(user).with_context(
            allowed_company_ids=self.shop.ids).create({"cycle_step_id": step.id, "partner_id": self.anna.id})

    def counts(self):
        self.env.flush_all()
        return {model: self.env[model].search_count([]) for model in (
            "optical.crm.communication", "optical.crm.analysis", "optical.crm.kpi.report", "sms.sms")}

    def test_preview_shows_the_sms_and_its_landing_page(self):
        before = self.counts()
        wizard = self.wizard(self.manager, self.step_link)
        self.assertFalse(wizard.error)
        # The link at its real length (appended: the text has no link placeholder), the page it opens.
        self.assertRegex(wizard.body, r"^Auguri Anna! http\S+/l/x{32}$")
        self.assertEqual(wizard.sms_segments, 1)
        self.assertIn("Happy birthday Anna!", wizard.landing_html)
        self.assertIn("a gift from Ottica Rossi", wizard.landing_html)
        self.assertEqual(self.counts(), before)

    def test_test_sms_goes_to_the_owner_through_the_gateway(self):
        before = self.counts()
        with self.gateway() as gateway:
            self.wizard(self.manager, self.step_sms).action_send_test()
            sms = self.env["sms.sms"].search([("number", "=", "+393409998877")])
            self.assertEqual(len(sms), 1)
            self.assertFalse(sms.optical_communication_id)
            self.env["sms.sms"]._process_queue()
        bodies = [body for body in gateway.delivered.values() if body["to"] == "+393409998877"]
        self.assertEqual([body["text"] for body in bodies], ["[TEST] Ciao Anna, è ora del controllo della vista!"])
        self.assertFalse([body for body in gateway.delivered.values() if body["to"] == "+393471112233"])
        before["sms.sms"] += 1  # the test SMS itself, of no communication
        self.assertEqual(self.counts(), before)
        self.assertIn("[TEST]", "\n".join(self.manager.partner_id.message_ids.mapped("body")))

    def test_owner_without_mobile_is_told(self):
        self.manager.partner_id.mobile = False
        with self.assertRaisesRegex(UserError, "no mobile number"):
            self.wizard(self.manager, self.step_sms).action_send_test()

    def test_assistant_cannot_send_a_test(self):
        with self.assertRaises(AccessError):
            self.wizard(self.staff, self.step_sms).action_send_test()
        self.assertFalse(self.env["sms.sms"].search([("number", "=", "+393409998877")]))
