import datetime

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import format_amount
from odoo.tools.safe_eval import safe_eval

from .common import OpticalCrmCase

D = datetime.date
TODAY = "2026-03-15 10:00:00"


@tagged("post_install", "-at_install", "optical_crm")
class TestSegment(OpticalCrmCase):
    """Ready-made targets on a known dataset, counts checked by hand (today is
    15 March 2026). A shop of its own, so no other customer counts; contacts
    created as Odoo creates them (no company) belong to the shop of their events."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop_c = cls.env["res.company"].create({"name": "Ottica Nuova"})
        cls.env.user.company_ids |= cls.shop_c
        Partner = cls.env["res.partner"]
        cls.anna = Partner.create({
            "name": "Anna Galli", "birthdate": D(1996, 3, 20), "mobile": "+393331234567",
            "email": "anna@example.com", "optical_consent_marketing": True, "optical_consent_sms": True})
        cls.bea = Partner.create({
            "name": "Bea Conti", "company_id": cls.shop_c.id, "birthdate": D(1955, 7, 1),
            "email": "bea@example.com", "optical_consent_marketing": True})
        cls.carlo = Partner.create({
            "name": "Carlo Riva", "birthdate": D(1980, 3, 1), "mobile": "+393339876543",
            "optical_consent_marketing": True, "optical_consent_sms": True})
        cls.dario = Partner.create({"name": "Dario Sala", "company_id": cls.shop_c.id, "phone": "+39 02 5551234"})
        elena = Partner.create({"name": "Elena Villa", "birthdate": D(1990, 3, 3), "optical_consent_marketing": True,
                                "optical_consent_sms": True, "mobile": "+393331112299"})
        shop_c = cls.shop_c
        cls.event(cls.anna, "lac_delivery", D(2026, 1, 10), shop=shop_c)
        cls.event(cls.bea, "glasses_entry", D(2023, 4, 20), shop=shop_c, lens_type="progressive", amount=450)
        cls.event(cls.bea, "glasses_delivery", D(2023, 5, 2), shop=shop_c, lens_type="progressive")
        cls.event(cls.carlo, "lac_entry", D(2025, 7, 1), shop=shop_c)
        cls.event(cls.carlo, "sale_delivery", D(2026, 2, 20), shop=shop_c, amount=80)
        # Another shop's customer never counts here.
        cls.event(elena, "lac_delivery", D(2026, 2, 1), shop=cls.shop_b)

    def segment(self, criterion, **values):
        return self.env["optical.crm.segment"].create({"name": criterion, "criterion": criterion,
                                                        "company_id": self.shop_c.id, **values})

    def customers(self, segments, match="all", extra=None):
        Segment = self.env["optical.crm.segment"]
        with freeze_time(TODAY):
            domain = (Segment._customer_domain(self.shop_c) + (extra or [])
                      + segments._partner_domain(self.shop_c._optical_today(), match))
            return self.env["res.partner"].search(domain)

    def test_each_segment_on_a_known_dataset(self):
        anna, bea, carlo, dario = self.anna, self.bea, self.carlo, self.dario
        cases = [
            (self.segment("lac_wearer", months=6), anna),
            (self.segment("lac_wearer", months=12), anna | carlo),
            (self.segment("progressive_wearer", months=0), bea),
            (self.segment("progressive_wearer", months=24), self.env["res.partner"]),
            (self.segment("not_seen", months=12), bea | dario),
            (self.segment("not_seen", months=36), dario),
            (self.segment("age_band", age_min=40, age_max=75), bea | carlo),
            # Anna turns 30 on the 20th; Carlo is 46.
            (self.segment("age_band", age_min=30, age_max=45), self.env["res.partner"]),
            (self.segment("purchase_amount", amount_min=100), bea),
            # Carlo's last purchase is the 80 € sale, not the older supply.
            (self.segment("purchase_amount", amount_min=50, amount_max=100), carlo),
            (self.segment("birthday_month"), anna | carlo),
            (self.segment("sms_consent"), anna | carlo),
        ]
        for segment, expected in cases:
            with self.subTest(segment=segment.description):
                self.assertEqual(self.customers(segment), expected)
                with freeze_time(TODAY):
                    segment.invalidate_recordset(["customer_count"])
                    self.assertEqual(segment.customer_count, len(expected))

    def test_segments_combine(self):
        lac_6, lac_12 = self.segment("lac_wearer", months=6), self.segment("lac_wearer", months=12)
        progressive, birthday = self.segment("progressive_wearer", months=0), self.segment("birthday_month")
        self.assertEqual(self.customers(lac_12 | birthday), self.anna | self.carlo)
        self.assertEqual(self.customers(lac_6 | birthday), self.anna)
        self.assertEqual(self.customers(lac_6 | progressive, match="any"), self.anna | self.bea)
        self.assertEqual(self.customers(lac_6 | progressive), self.env["res.partner"])

    def test_reachable_per_channel_and_why_not(self):
        Segment = self.env["optical.crm.segment"]
        not_seen = self.segment("not_seen", months=12)  # Bea and Dario
        self.env["mail.blacklist"]._add("bea@example.com")
        with freeze_time(TODAY):
            domain = Segment._customer_domain(self.shop_c) + not_seen._partner_domain(self.shop_c._optical_today())
            reach = Segment._reach(domain, channels=["phone", "email", "export"])
        self.assertEqual(reach["customers"], 2)
        by_channel = {channel: (reachable, dict(reasons)) for channel, _l, reachable, reasons in reach["channels"]}
        self.assertEqual(by_channel["phone"], (0, {"No marketing consent": 1, "No phone number": 1}))
        self.assertEqual(by_channel["email"], (0, {"No marketing consent": 1,
                                                   "Unsubscribed from e-mails (blacklisted address)": 1}))
        self.assertEqual(by_channel["export"], (1, {"No marketing consent": 1}))
        # Anna and Carlo: both have a mobile, only Anna an e-mail address.
        sms = self.segment("sms_consent")
        with freeze_time(TODAY):
            domain = Segment._customer_domain(self.shop_c) + sms._partner_domain(self.shop_c._optical_today())
            reach = Segment._reach(domain, channels=["phone", "email"])
        by_channel = {channel: (reachable, dict(reasons)) for channel, _l, reachable, reasons in reach["channels"]}
        self.assertEqual(by_channel, {"phone": (2, {}), "email": (1, {"No e-mail address": 1})})
        # The segment form shows it.
        with freeze_time(TODAY):
            self.assertIn("No e-mail address: 1", str(sms.reach_html))

    def test_a_channel_used_by_two_steps_is_counted_once(self):
        """A campaign with an offer and a reminder by the same channel reaches
        each customer once by that channel: one row, and its reachable and
        unreachable customers add up to the target."""
        Segment = self.env["optical.crm.segment"]
        not_seen = self.segment("not_seen", months=12)  # Bea and Dario
        with freeze_time(TODAY):
            domain = Segment._customer_domain(self.shop_c) + not_seen._partner_domain(self.shop_c._optical_today())
            reach = Segment._reach(domain, channels=["export", "export", "phone"])
        self.assertEqual([row[0] for row in reach["channels"]], ["export", "phone"])
        for _channel, _label, reachable, reasons in reach["channels"]:
            self.assertEqual(reachable + sum(count for _reason, count in reasons), reach["customers"])
        self.assertEqual(reach["channels"][0][2], 1)

    def test_campaign_and_cycle_plan_their_segments_with_the_raw_domain(self):
        sms = self.segment("sms_consent")
        with freeze_time(TODAY):
            campaign = self.env["optical.crm.campaign"].create({
                "name": "Spring", "company_id": self.shop_c.id, "date_start": D(2026, 3, 15),
                "date_end": D(2026, 3, 31), "segment_ids": [(6, 0, sms.ids)],
                "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "export"})],
            })
            self.assertEqual(campaign.target_count, 2)
            self.assertIn("2 customers", str(campaign.reach_html))
            # The raw domain still works, combined with the segments.
            campaign.partner_domain = "[('name', 'ilike', 'anna')]"
            self.assertEqual(campaign.target_count, 1)
            campaign.action_schedule()
            self.plan(D(2026, 3, 15), shop=self.shop_c)
        self.assertEqual(self.communications(campaign_id=campaign.id).partner_id, self.anna)

        # A cyclic activity started only for contact-lens wearers of the last 12 months.
        cycle = self.cycle("optometry", [(0, "days", "export")], shop=self.shop_c,
                           segment_ids=[(6, 0, self.segment("lac_wearer", months=12).ids)])
        for partner in (self.anna, self.bea, self.carlo):
            self.event(partner, "optometry", D(2026, 3, 15), shop=self.shop_c)
        with freeze_time(TODAY):
            self.plan(D(2026, 3, 15), shop=self.shop_c)
        self.assertEqual(self.communications(cycle_id=cycle.id).partner_id, self.anna | self.carlo)
        # Its form shows the shop's customers it may start for, and their reach on its channel.
        with freeze_time(TODAY):
            cycle.invalidate_recordset(["reach_html"])
            self.assertIn("2 customers", str(cycle.with_company(self.shop_c).reach_html))

    def test_segments_of_other_shops_are_hidden(self):
        shared = self.env["optical.crm.segment"].create({"name": "Everyone's", "criterion": "sms_consent"})
        theirs = self.env["optical.crm.segment"].create({"name": "Theirs", "criterion": "sms_consent",
                                                          "company_id": self.shop_b.id})
        visible = self.env["optical.crm.segment"].with_user(self.staff_a).search([])
        self.assertIn(shared, visible)
        self.assertNotIn(theirs, visible)

    def test_amount_reads_as_money(self):
        """The description writes amounts in the shop's currency, as the shop writes them (no "300.0")."""
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"].search([("name", "=", "optical_crm")])._update_translations(
            ["it_IT"], overwrite=True)
        euro = self.env.ref("base.EUR")
        self.shop_c.currency_id = euro
        segment = self.segment("purchase_amount", amount_min=300, amount_max=1250.5)
        self.assertEqual(segment.with_context(lang="it_IT").description,
                         "Ultimo acquisto da %s a %s" % (self.format_money(300, "it_IT"),
                                                          self.format_money(1250.5, "it_IT")))
        description = segment.with_context(lang="en_US").description
        self.assertNotRegex(description, r"\b300\.0\b", "a float as Python prints it")
        self.assertIn(euro.symbol, description)

    def format_money(self, amount, lang):
        return format_amount(self.env(context={"lang": lang}), amount, self.env.ref("base.EUR"))

    def test_company_contacts_are_not_customers(self):
        """A company, a company's contact person (Odoo's demo "Deco Addict, Addison Olson") and a supplier's
        contact are not the shop's customers: not listed, not targeted; a person who is only a customer is."""
        Partner = self.env["res.partner"]
        deco = Partner.create({"name": "Deco Addict", "is_company": True, "company_id": self.shop_c.id})
        addison = Partner.create({"name": "Addison Olson", "parent_id": deco.id, "company_id": self.shop_c.id,
                                  "email": "addison@example.com"})
        family = Partner.create({"name": "Gino Galli", "parent_id": self.anna.id, "company_id": self.shop_c.id})
        customers = self.customers(self.env["optical.crm.segment"])
        self.assertNotIn(deco, customers)
        self.assertNotIn(addison, customers)
        self.assertIn(family, customers, "a person filed under another person is still a customer")
        self.assertIn(self.bea, customers)
        if "supplier_rank" in Partner._fields:
            supplier = Partner.create({"name": "Lens Rep", "company_id": self.shop_c.id, "supplier_rank": 1})
            self.assertNotIn(supplier, self.customers(self.env["optical.crm.segment"]))
        # The Customers menu lists the same people.
        action = self.env["ir.actions.act_window"]._for_xml_id("optical_crm.res_partner_action_optical_customers")
        listed = Partner.search(safe_eval(action["domain"]))
        self.assertNotIn(addison, listed)
        self.assertIn(family, listed)
