from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.optical_crm.tests.common import OpticalCrmCase, OpticalRpcMixin

PAGE = "optical.crm.landing.page"


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsShopBound(OpticalRpcMixin, OpticalCrmCase, HttpCase):
    """A landing page stays in its owner's shops (N6, 2026-12-07)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner_b = new_test_user(
            cls.env, "owner_b", groups="optical_crm.group_optical_crm_manager",
            company_id=cls.shop_b.id, company_ids=[cls.shop_b.id], name="Bianca Owner B",
        )
        cls.page_b = cls.env[PAGE].create({"name": "Saldi Corso", "company_id": cls.shop_b.id})

    def test_owner_cannot_move_her_page_into_another_shop(self):
        self.login("owner_b")
        self.assertRefused(PAGE, "write", [self.page_b.id], {"company_id": self.shop_a.id},
                           message="a shop you do not work for")
        self.assertRefused(PAGE, "write", [self.page_b.id], {"company_id": False},
                           message="every shop")
        self.assertEqual(self.page_b.company_id, self.shop_b)
        self.assertRefused(PAGE, "create", {"name": "Intrusa", "company_id": self.shop_a.id})
        self.assertFalse(self.env[PAGE].search([("name", "=", "Intrusa")]))

    def test_owner_edits_her_page(self):
        self.login("owner_b")
        self.rpc(PAGE, "write", [self.page_b.id], {"title": "Saldi d'inverno"})
        page_id = self.rpc(PAGE, "create", {"name": "Natale"})
        self.assertEqual(self.env[PAGE].browse(page_id).company_id, self.shop_b)
        self.assertEqual(self.page_b.title, "Saldi d'inverno")
