import datetime

from odoo.tests import tagged

from .common import OpticalCrmCase

D = datetime.date
MEASURES = ["buyer:count_distinct", "new_buyer:count_distinct", "returning_buyer:count_distinct",
            "return_days:avg", "receipt:avg", "revenue:sum", "pair_in_use:sum", "customer:count_distinct"]


@tagged("post_install", "-at_install", "optical_crm")
class TestKpiReport(OpticalCrmCase):
    """The guide's figures on a hand-checked set of events."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop_a.optical_pair_life_months = 24
        cls.Kpi = cls.env["optical.crm.kpi.report"]
        # Contacts as Odoo creates them (no company): their shop is their events' shop.
        cls.anna, cls.bruno, cls.carla = cls.env["res.partner"].create(
            [{"name": "Anna Verdi"}, {"name": "Bruno Neri"}, {"name": "Carla Gialli"}])
        today = D.today()
        cls.year = today.year - 1
        y = cls.year
        # Anna: first purchase in January, back in March (59 days; a sale the same day is the same
        # visit), back again in June (90 days after March).
        cls.event(cls.anna, "glasses_entry", D(y, 1, 11), amount=100)
        cls.event(cls.anna, "glasses_entry", D(y, 3, 11), amount=200)
        cls.event(cls.anna, "sale_delivery", D(y, 3, 11), amount=50)
        cls.event(cls.anna, "lac_entry", D(y, 6, 9), amount=300)
        # Bruno: one purchase in February; a purchase without amount leaves the average receipt alone.
        cls.event(cls.bruno, "sale_delivery", D(y, 2, 1), amount=80)
        cls.event(cls.bruno, "optometry", D(y, 2, 1))
        # Carla: glasses delivered a year ago (in use), a supply delivered four years ago (not any more).
        cls.event(cls.carla, "glasses_delivery", today - datetime.timedelta(days=365), lens_type="progressive")
        cls.event(cls.carla, "lac_delivery", today - datetime.timedelta(days=4 * 365))
        cls.customers = cls.anna | cls.bruno | cls.carla

    def cell(self, domain=(), groupby="customer_shop_id"):
        domain = [("partner_id", "in", self.customers.ids)] + list(domain)
        return self.Kpi.read_group(domain, MEASURES, [groupby], lazy=False)

    def test_guide_figures_per_shop(self):
        (shop,) = self.cell()
        self.assertEqual(shop["customer_shop_id"][0], self.shop_a.id)
        self.assertEqual(shop["customer"], 3)
        self.assertEqual(shop["buyer"], 2)
        self.assertEqual(shop["new_buyer"], 2)  # Anna and Bruno each bought for the first time
        self.assertEqual(shop["returning_buyer"], 1)  # Anna came back
        self.assertEqual(shop["return_days"], (59 + 90) / 2)  # median of 59 and 90
        self.assertAlmostEqual(shop["receipt"], (100 + 200 + 50 + 300 + 80) / 5)
        self.assertAlmostEqual(shop["revenue"], 730)
        self.assertEqual(shop["pair_in_use"], 1)

    def test_new_and_returning_per_period(self):
        months = {group["date:month"]: group for group in self.cell([("is_purchase", "=", True)], "date:month")}
        self.assertEqual(len(months), 4)
        self.assertEqual([(g["new_buyer"], g["returning_buyer"]) for g in months.values()],
                         [(1, 0), (1, 0), (0, 1), (0, 1)])

    def test_staff_of_another_shop_see_nothing(self):
        self.assertFalse(self.Kpi.with_user(self.staff_b).search([("partner_id", "in", self.customers.ids)]))
        self.assertTrue(self.Kpi.with_user(self.staff_a).search([("partner_id", "in", self.customers.ids)]))
