import datetime

from odoo.tests import tagged

from odoo.addons.optical_crm.tests.common import OpticalRpcMixin

from .common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppPairingShop(OpticalRpcMixin, OpticalAppCase):
    """Staff pair the app of their shops' customers only, also of customers
    without a company (whose shop comes from their events)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.segreto = Partner.create({"name": "Bruno Segreto", "mobile": "+393471112233"})
        cls.anna = Partner.create({"name": "Anna Verdi", "mobile": "+393471114455"})
        cls.nora = Partner.create({"name": "Nora Nuova", "mobile": "+393471116677"})
        today = cls.shop_a._optical_today()
        cls.event(cls.segreto, "optometry", today - datetime.timedelta(days=30), shop=cls.shop_b)
        cls.event(cls.anna, "optometry", today - datetime.timedelta(days=30))

    def test_other_shop_customer_cannot_be_paired(self):
        self.assertEqual(self.segreto.optical_shop_id, self.shop_b)
        self.login(self.staff_a)
        self.assertRefused("res.partner", "optical_app_generate_pairing_code", [self.segreto.id])
        self.assertRefused("res.partner", "action_optical_app_pairing", [self.segreto.id])
        self.assertFalse(self.segreto.optical_app_pairing_expiry)
        self.assertFalse(self.segreto.sudo().optical_app_pairing_hash)

    def test_own_and_unclaimed_customers_are_paired_to_the_user_shop(self):
        self.login(self.staff_a)
        for partner in (self.anna, self.nora):
            code = self.rpc("res.partner", "optical_app_generate_pairing_code", [partner.id])
            self.assertEqual(partner.sudo().optical_app_pairing_company_id, self.shop_a)
            response = self.call("POST", "/pair", body={"pairing_code": code})
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.json()["shop"], {"name": "Ottica Centrale"})
        # Shop B's staff pair their own customer, not shop A's.
        self.login(self.staff_b)
        self.rpc("res.partner", "optical_app_generate_pairing_code", [self.segreto.id])
        self.assertEqual(self.segreto.sudo().optical_app_pairing_company_id, self.shop_b)
        self.assertRefused("res.partner", "optical_app_generate_pairing_code", [self.anna.id])

    def test_colleague_of_another_shop_is_not_paired(self):
        """Partners of internal users stay visible across shops (Odoo shows
        them as authors and assignees): pairing still checks the shop."""
        colleague = self.staff_b.partner_id
        colleague.company_id = self.shop_b
        self.assertEqual(colleague.optical_shop_id, self.shop_b)
        self.login(self.staff_a)
        self.assertEqual(len(self.rpc("res.partner", "search_read", [("id", "=", colleague.id)], fields=["name"])), 1)
        self.assertRefused("res.partner", "optical_app_generate_pairing_code", [colleague.id])
        self.assertFalse(colleague.optical_app_pairing_expiry)
