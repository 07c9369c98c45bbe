from odoo.tests import new_test_user, tagged

from odoo.addons.optical_crm.tests.common import OpticalRpcMixin

from .common import FocusSyncCase

STORE = "optical.focus.store"


@tagged("post_install", "-at_install", "optical_focus_sync")
class TestStoreShop(OpticalRpcMixin, FocusSyncCase):
    """A FOCUS store writes into its shop only: it stays in its owner's
    shops, and once it has a token its shop is fixed (N6, 2026-12-07)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner_b = new_test_user(
            cls.env, "focus_owner_b", groups="optical_crm.group_optical_crm_manager",
            company_id=cls.shop_b.id, company_ids=[cls.shop_b.id], name="Bianca Owner B")
        cls.mario = cls.env["res.partner"].create({
            "name": "Mario Rossi", "company_id": cls.shop_a.id, "mobile": "+393477700000",
            "email": "mario@example.com"})

    def test_owner_cannot_move_her_store_into_another_shop(self):
        self.login("focus_owner_b")
        self.assertRefused(STORE, "write", [self.store_b.id], {"company_id": self.shop_a.id},
                           error="odoo.exceptions.UserError")
        self.assertEqual(self.store_b.company_id, self.shop_b)
        # Nor one without a token yet.
        store = self.env[STORE].create({"name": "FOCUS Nuovo", "code": "MI03", "company_id": self.shop_b.id})
        self.assertRefused(STORE, "write", [store.id], {"company_id": self.shop_a.id},
                           message="a shop you do not work for")
        self.assertEqual(store.company_id, self.shop_b)
        # Shop B's token still writes into shop B only: shop A's customer is untouched.
        self.send(self.cliente("HJ-2", cognome="Rossi", nome="Mario", cellulare="347 7700000",
                               email="attacker@evil.example", consenso_marketing="N"),
                  token=self.token_b, store="MI02")
        self.assertEqual(self.mario.email, "mario@example.com")
        self.assertRefused(STORE, "create", {
            "name": "Intrusa", "code": "MI99", "company_id": self.shop_a.id})
        self.assertFalse(self.env[STORE].search([("code", "=", "MI99")]))

    def test_a_store_with_a_token_keeps_its_shop(self):
        both = {"allowed_company_ids": [self.shop_a.id, self.shop_b.id]}
        self.login("focus_owner")
        message = self.assertRefused(STORE, "write", [self.store_b.id],
                                     {"company_id": self.shop_a.id}, error="odoo.exceptions.UserError",
                                     context=both)
        self.assertIn("FOCUS Corso", message)
        self.assertEqual(self.store_b.company_id, self.shop_b)
        # Without a token yet, the owner of both shops may still correct it.
        store = self.env[STORE].create({"name": "FOCUS Nuovo", "code": "MI03", "company_id": self.shop_a.id})
        self.rpc(STORE, "write", [store.id], {"company_id": self.shop_b.id}, context=both)
        self.assertEqual(store.company_id, self.shop_b)
        self.rpc(STORE, "write", [self.store_b.id], {"name": "FOCUS Corso 2"}, context=both)
        self.assertEqual(self.store_b.name, "FOCUS Corso 2")
