import datetime

from odoo.tests import HttpCase, new_test_user, tagged

from .common import OpticalCrmCase, OpticalRpcMixin

D = datetime.date
NOT_YOURS = "a shop you do not work for"


@tagged("post_install", "-at_install", "optical_crm")
class TestShopBound(OpticalRpcMixin, OpticalCrmCase, HttpCase):
    """Nothing moves into a shop its owner does not belong to: after every
    create and write, a record's shop is one of the user's, and a record of
    every shop (no shop) is made or changed only by a user of every shop
    (the reproductions of N6, 2026-12-07)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner_b = new_test_user(
            cls.env, "owner_b", groups="optical_crm.group_optical_crm_manager",
            company_id=cls.shop_b.id, company_ids=[cls.shop_b.id], name="Bianca Owner B",
        )
        cls.admin_b = new_test_user(
            cls.env, "admin_b", groups="optical_crm.group_optical_crm_manager,base.group_system",
            company_id=cls.shop_b.id, company_ids=[cls.shop_b.id], name="Settings Admin",
        )
        cls.campaign_b = cls.env["optical.crm.campaign"].create({
            "name": "Saldi Corso", "date_start": D(2026, 12, 1), "date_end": D(2026, 12, 24),
            "company_id": cls.shop_b.id,
            "step_ids": [(0, 0, {"name": "SMS", "day_offset": 0, "channel": "email", "body": "Saldi!"})],
        })
        cls.segment_b = cls.env["optical.crm.segment"].create({
            "name": "Clienti Corso", "criterion": "sms_consent", "company_id": cls.shop_b.id})
        cls.cycle_a = cls.cycle("optometry", [(1, "years", "email")], shop=cls.shop_a)
        cls.cycle_b = cls.cycle("optometry", [(1, "years", "email")], shop=cls.shop_b)
        cls.cycle_all = cls.cycle("birthday", [(0, "days", "email")])
        # A customer as Odoo creates them (no company): shop B's by its event.
        cls.corso = cls.env["res.partner"].create({"name": "Bruno Segreto"})
        cls.event_b = cls.event(cls.corso, "optometry", D(2026, 3, 2), shop=cls.shop_b)

    def assertMoveRefused(self, login, record, values):
        before = record.read(list(values))[0]
        self.login(login)
        self.assertRefused(record._name, "write", [record.id], values, message=NOT_YOURS
                           if values.get("company_id") else None)
        self.assertEqual(record.read(list(values))[0], before)

    def test_owner_cannot_move_her_records_into_another_shop(self):
        for record in (self.campaign_b, self.segment_b, self.cycle_b, self.event_b):
            self.assertMoveRefused("owner_b", record, {"company_id": self.shop_a.id})
        self.assertMoveRefused("staff_b", self.event_b, {"company_id": self.shop_a.id})
        # A step into another shop's cyclic activity (its shop follows the activity's).
        self.assertMoveRefused("owner_b", self.cycle_b.step_ids, {"cycle_id": self.cycle_a.id})
        self.assertMoveRefused("owner_b", self.campaign_b.step_ids, {"company_id": self.shop_a.id})

    def test_no_shop_means_every_shop(self):
        self.login("owner_b")
        message = self.assertRefused("optical.crm.segment", "write", [self.segment_b.id],
                                     {"company_id": False})
        self.assertIn("every shop", message)
        self.assertEqual(self.segment_b.company_id, self.shop_b)
        self.assertMoveRefused("owner_b", self.cycle_b, {"company_id": False})
        # A cyclic activity of every shop is changed only by someone of every shop.
        self.assertRefused("optical.crm.cycle", "write", [self.cycle_all.id], {"priority": 99})
        self.assertRefused("optical.crm.cycle.step", "write", [self.cycle_all.step_ids.id],
                           {"body": "Auguri da Bianca"})
        self.assertEqual((self.cycle_all.priority, self.cycle_all.step_ids.body[:5]), (10, "Dear "))
        # The owner of both shops and the Settings administrator may.
        both = {"allowed_company_ids": [self.shop_a.id, self.shop_b.id]}
        self.login("owner")
        self.rpc("optical.crm.cycle", "write", [self.cycle_all.id], {"priority": 20}, context=both)
        self.login("admin_b")
        self.rpc("optical.crm.cycle", "write", [self.cycle_all.id], {"priority": 30})
        self.assertEqual(self.cycle_all.priority, 30)

    def test_owner_cannot_create_in_another_shop(self):
        self.login("owner_b")
        self.assertRefused("optical.crm.campaign", "create", {
            "name": "Intrusa", "date_start": "2026-12-01", "date_end": "2026-12-24", "company_id": self.shop_a.id})
        self.assertRefused("optical.crm.segment", "create", {
            "name": "Intruso", "criterion": "sms_consent", "company_id": False})
        self.login("staff_b")
        self.assertRefused("optical.crm.event", "create", {
            "partner_id": self.corso.id, "event_type": "optometry", "event_date": "2026-03-03",
            "company_id": self.shop_a.id})
        self.assertFalse(self.env["optical.crm.campaign"].search([("name", "=", "Intrusa")]))
        self.assertFalse(self.env["optical.crm.segment"].search([("name", "=", "Intruso")]))

    def test_owner_works_in_her_shop(self):
        self.login("owner_b")
        campaign_id = self.rpc("optical.crm.campaign", "create", {
            "name": "Natale Corso", "date_start": "2026-12-01", "date_end": "2026-12-24"})
        campaign = self.env["optical.crm.campaign"].browse(campaign_id)
        self.assertEqual(campaign.company_id, self.shop_b)
        self.rpc("optical.crm.campaign", "write", [campaign_id], {"name": "Natale al Corso"})
        self.rpc("optical.crm.segment", "write", [self.segment_b.id], {"name": "Tutti i clienti"})
        self.login("staff_b")
        self.rpc("optical.crm.event", "create", {
            "partner_id": self.corso.id, "event_type": "optometry", "event_date": "2026-03-03"})
        self.assertEqual((campaign.name, self.segment_b.name), ("Natale al Corso", "Tutti i clienti"))
        # The owner of both shops moves a record between them.
        self.login("owner")
        self.rpc("optical.crm.segment", "write", [self.segment_b.id], {"company_id": self.shop_a.id},
                 context={"allowed_company_ids": [self.shop_a.id, self.shop_b.id]})
        self.assertEqual(self.segment_b.company_id, self.shop_a)
