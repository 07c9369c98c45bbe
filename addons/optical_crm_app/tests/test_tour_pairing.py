from odoo.tests import tagged

from odoo.addons.optical_crm.tests.common_tour import OpticalTourCase


@tagged("post_install", "-at_install", "optical_crm_app", "optical_crm_tour")
class TestTourPairing(OpticalTourCase):
    """A shop assistant finds a customer from the Customers menu by mobile
    number and gives them a pairing code for the app."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        shop = cls.env.company
        cls.shop_user(cls.env, "pairing_assistant", "Sara Assistente", shop, email=False)
        cls.elena = cls.env["res.partner"].create({
            "name": "Tour Elena Costa", "mobile": "+39 347 123 4567", "company_id": shop.id,
            "optical_consent_app": True,
        })

    def test_find_customer_and_pair(self):
        self.start_tour("/odoo/action-optical_crm.optical_crm_communication_action_callback", "optical_crm_app_pairing_tour",
                        login="pairing_assistant", timeout=120)
        self.assertTrue(self.elena.optical_app_pairing_active, "a pairing code is waiting for the app")
