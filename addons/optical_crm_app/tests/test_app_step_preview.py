from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.optical_crm.tests.common import OpticalCrmCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppStepPreview(OpticalCrmCase):
    """Send a test of an app step: a message in the owner's own paired app,
    through the app's delivery, counted nowhere."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cycle = cls.cycle("glasses_delivery", [(1, "weeks", "app")], shop=cls.shop_a)
        cls.step = cycle.step_ids

    def wizard(self):
        return self.env["optical.crm.step.preview.wizard"].with_user(self.owner).with_context(
            allowed_company_ids=self.shop_a.ids).create({"cycle_step_id": self.step.id, "partner_id": self.mario.id})

    def counts(self):
        self.env.flush_all()
        return {model: self.env[model].search_count([]) for model in (
            "optical.crm.communication", "optical.crm.analysis", "optical.app.report")}

    def test_test_message_goes_to_the_owners_app(self):
        self.env["optical.app.device"].create({
            "name": "Anna's phone", "partner_id": self.owner.partner_id.id, "company_id": self.shop_a.id,
            "api_key_hash": "hash-owner-test"})
        before = self.counts()
        self.wizard().action_send_test()
        message = self.env["optical.app.message"].search([("partner_id", "=", self.owner.partner_id.id)])
        self.assertEqual(message.mapped("title"), ["[TEST] Hello Mario"])
        self.assertFalse(message.communication_id)
        self.assertFalse(self.env["optical.app.message"].search([("partner_id", "=", self.mario.id)]))
        self.assertEqual(self.counts(), before)

    def test_owner_without_app_is_told(self):
        with self.assertRaisesRegex(UserError, "no paired app"):
            self.wizard().action_send_test()
