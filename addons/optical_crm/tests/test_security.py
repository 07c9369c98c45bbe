import datetime

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
class TestSecurity(OpticalCrmCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cycle("optometry", [(0, "days", "export")])
        cls.corso = cls.customer("Cliente Corso", shop=cls.shop_b)
        cls.event_a = cls.event(cls.mario, "optometry", D(2026, 3, 2))
        cls.event_b = cls.event(cls.corso, "optometry", D(2026, 3, 2), shop=cls.shop_b)
        cls.env["optical.crm.communication"]._plan_company(cls.shop_a, D(2026, 3, 1), D(2026, 3, 8))
        cls.env["optical.crm.communication"]._plan_company(cls.shop_b, D(2026, 3, 1), D(2026, 3, 8))

    def test_staff_see_only_their_shop(self):
        Communication = self.Communication.with_user(self.staff_a)
        self.assertEqual(Communication.search([]).mapped("company_id"), self.shop_a)
        events = self.Event.with_user(self.staff_a).search([])
        self.assertIn(self.event_a, events)
        self.assertEqual(events.mapped("company_id"), self.shop_a)
        self.assertEqual(self.Communication.with_user(self.staff_b).search([]).mapped("company_id"), self.shop_b)
        with self.assertRaises(AccessError):
            self.event_b.with_user(self.staff_a).read(["event_date"])

    def test_owner_sees_every_shop(self):
        owner_env = self.env(user=self.owner, context={"allowed_company_ids": [self.shop_a.id, self.shop_b.id]})
        shops = owner_env["optical.crm.communication"].search([]).mapped("company_id")
        self.assertEqual(shops, self.shop_a | self.shop_b)
        groups = owner_env["optical.crm.communication"].read_group([], ["company_id"], ["company_id"])
        self.assertEqual(len(groups), 2)

    def test_staff_cannot_plan(self):
        with self.assertRaises(AccessError):
            self.env["optical.crm.cycle"].with_user(self.staff_a).create({"name": "X", "event_type": "birthday"})
        with self.assertRaises(AccessError):
            self.env["optical.crm.campaign"].with_user(self.staff_a).create({
                "name": "X", "date_start": D(2026, 1, 1), "date_end": D(2026, 1, 2)})
