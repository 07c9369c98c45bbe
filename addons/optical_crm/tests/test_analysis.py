import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..report import optical_crm_pivot_mixin
from ..report.optical_crm_analysis import shop_today_sql
from .common import OpticalCrmCase

D = datetime.date
DT = datetime.datetime

MEASURES = [
    "customer_targeted:count_distinct", "customer_contacted:count_distinct", "customer_reached:count_distinct",
    "customer_bought:count_distinct", "customer_control:count_distinct", "conversion_rate:sum",
    "control_rate:sum", "uplift:sum", "uplift_low:sum", "uplift_high:sum", "revenue:sum", "control_revenue:sum",
    "revenue_per_customer:sum", "control_revenue_per_customer:sum", "revenue_uplift:sum", "cost:sum",
    "return_on_cost:sum", "__count",
]


@tagged("post_install", "-at_install", "optical_crm")
class TestAnalysis(OpticalCrmCase):
    """Every figure of the results on a small dataset checked by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Analysis = cls.env["optical.crm.analysis"]
        # A call costs 6 minutes at 30 an hour: 3 per attempt.
        cls.shop_a.write({"optical_call_minutes": 6, "optical_call_hourly_cost": 30,
                          "optical_purchase_window_days": 30})
        cls.exam = cls.cycle("optometry", [(0, "days", "phone"), (1, "weeks", "email")])
        cls.call_step, cls.mail_step = cls.exam.step_ids
        # Contacts as Odoo creates them: no company.
        names = ("Anna Verdi", "Bruno Neri", "Carla Gialli", "Dario Blu", "Elena Rosa")
        cls.anna, cls.bruno, cls.carla, cls.dario, cls.elena = cls.env["res.partner"].create(
            [{"name": name, "optical_consent_marketing": True} for name in names])

    @classmethod
    def contact(cls, partner, step, state, sent=None, **values):
        return cls.Communication.create({
            "partner_id": partner.id, "company_id": cls.shop_a.id, "channel": step.channel, "source": "cycle",
            "cycle_id": step.cycle_id.id, "cycle_step_id": step.id, "state": state,
            "scheduled_date": (sent or DT(2026, 3, 2)).date(), "sent_date": sent, **values,
        })

    def update_purchases(self, today=None):
        today = today or D(2026, 3, 25)
        with freeze_time(datetime.datetime.combine(today, datetime.time(10))):
            self.Communication._update_purchases()

    def cells(self, domain, groupby, user=None):
        Analysis = self.Analysis.with_user(user) if user else self.Analysis
        return {group[groupby][0] if isinstance(group[groupby], tuple) else group[groupby]: group
                for group in Analysis.read_group(domain, MEASURES, [groupby], lazy=False)}

    def build_exam_results(self):
        sent = DT(2026, 3, 2, 9, 0)
        # Anna: called (2 attempts, answered), then an e-mail; both precede one purchase of 300.
        self.contact(self.anna, self.call_step, "done", sent, callback_attempts=2, callback_outcome="reached")
        self.contact(self.anna, self.mail_step, "sent", DT(2026, 3, 9, 9, 0))
        # Bruno: the call is in the list but not made yet: targeted, not contacted.
        self.contact(self.bruno, self.call_step, "sent", sent)
        # Carla: three attempts, no answer; she bought before the call (does not count).
        self.contact(self.carla, self.call_step, "failed", sent, callback_attempts=3, callback_outcome="no_answer")
        # Dario: e-mail opened (reached), bought 120 after it.
        self.contact(self.dario, self.mail_step, "sent", DT(2026, 3, 9, 9, 0), opened=True)
        # Elena: no consent for the e-mail: skipped, only targeted.
        self.contact(self.elena, self.mail_step, "skipped", skip_code="consent", scheduled_date=D(2026, 3, 9))
        self.event(self.anna, "sale_delivery", D(2026, 3, 20), amount=300)
        self.event(self.dario, "sale_delivery", D(2026, 3, 15), amount=120)
        self.event(self.carla, "sale_delivery", D(2026, 2, 27), amount=999)
        self.update_purchases()

    def test_bought_after_contact_within_the_purchase_window_only(self):
        """The shop's purchase window is 30 days: a purchase on the day of the
        contact and on its 30th day counts, the day before or the 31st does
        not; the first purchase in the window is the one named; an archived
        sale, an eye exam and a contact never made do not count."""
        sent = DT(2026, 3, 2, 9, 0)
        frank = self.env["res.partner"].create({"name": "Franco Viola"})
        contacts = {partner: self.contact(partner, self.mail_step, state, sent) for partner, state in [
            (self.anna, "sent"), (self.bruno, "done"), (self.carla, "sent"), (self.dario, "sent"),
            (self.elena, "sent"), (frank, "failed")]}
        self.event(self.anna, "sale_delivery", D(2026, 3, 2), amount=10)  # the day of the contact
        self.event(self.anna, "sale_delivery", D(2026, 3, 20), amount=20)  # later: not the first
        self.event(self.bruno, "sale_delivery", D(2026, 4, 1), amount=30)  # day 30
        self.event(self.carla, "sale_delivery", D(2026, 4, 2), amount=40)  # day 31
        self.event(self.dario, "sale_delivery", D(2026, 3, 1), amount=50)  # the day before
        self.event(self.dario, "optometry", D(2026, 3, 5))  # not a purchase
        self.event(self.elena, "sale_delivery", D(2026, 3, 10), amount=60, active=False)  # cancelled sale
        self.event(frank, "sale_delivery", D(2026, 3, 10), amount=70)  # the e-mail never went out
        self.update_purchases(today=D(2026, 4, 3))
        bought = {partner.name: contact.purchase_event_id.amount
                  for partner, contact in contacts.items() if contact.purchased_after_contact}
        self.assertEqual(bought, {"Anna Verdi": 10, "Bruno Neri": 30})
        self.assertFalse(any(contacts[p].purchase_event_id for p in (self.carla, self.dario, self.elena, frank)))

    def test_customers_not_rows_conversion_revenue_cost_and_return(self):
        self.build_exam_results()
        cycle = self.cells([("cycle_id", "=", self.exam.id)], "cycle_id")[self.exam.id]
        self.assertEqual(cycle["__count"], 6)  # six rows ...
        self.assertEqual(cycle["customer_targeted"], 5)  # ... five customers
        self.assertEqual(cycle["customer_contacted"], 3)  # Anna, Carla, Dario (Bruno's call not made)
        self.assertEqual(cycle["customer_reached"], 2)  # Anna answered, Dario opened
        self.assertEqual(cycle["customer_bought"], 2)  # Anna, Dario
        self.assertAlmostEqual(cycle["conversion_rate"], 200 / 3)
        self.assertAlmostEqual(cycle["revenue"], 420)  # Anna's 300 once, though two contacts preceded it
        self.assertAlmostEqual(cycle["cost"], 15)  # 5 calls made × 6 min × 30/h
        self.assertAlmostEqual(cycle["return_on_cost"], 28)
        self.assertAlmostEqual(cycle["revenue_per_customer"], 140)
        self.assertFalse(cycle["uplift"])  # no control group: no uplift, not a zero
        steps = self.cells([("cycle_id", "=", self.exam.id)], "cycle_step_id")
        call, mail = steps[self.call_step.id], steps[self.mail_step.id]
        self.assertEqual((call["customer_targeted"], call["customer_contacted"], call["customer_reached"],
                          call["customer_bought"]), (3, 2, 1, 1))
        self.assertEqual((mail["customer_targeted"], mail["customer_contacted"], mail["customer_reached"],
                          mail["customer_bought"]), (3, 2, 1, 2))
        self.assertAlmostEqual(call["revenue"], 300)
        self.assertAlmostEqual(mail["revenue"], 420)
        self.assertAlmostEqual(call["cost"], 15)
        self.assertFalse(mail["cost"])
        self.assertFalse(mail["return_on_cost"])  # nothing spent: no ratio
        # Buyers and return on cost alone: no conversion without the customers contacted, no error.
        (some,) = self.Analysis.read_group([("cycle_id", "=", self.exam.id)],
                                           ["customer_bought:count_distinct", "return_on_cost:sum"], [], lazy=False)
        self.assertEqual(some["customer_bought"], 2)
        self.assertAlmostEqual(some["return_on_cost"], 28)
        # A pivot showing only the ratios gets them right: their counts are asked for them.
        (alone,) = self.Analysis.read_group([("cycle_id", "=", self.exam.id)],
                                            ["conversion_rate:sum", "return_on_cost:sum"], ["cycle_id"], lazy=False)
        self.assertAlmostEqual(alone["conversion_rate"], 200 / 3)
        self.assertAlmostEqual(alone["return_on_cost"], 28)
        channels = self.cells([("cycle_id", "=", self.exam.id)], "channel")
        self.assertEqual(channels["phone"]["customer_contacted"], 2)

    def test_results_on_the_cycle_form(self):
        self.build_exam_results()
        self.exam.invalidate_recordset()
        self.assertEqual((self.exam.result_contacted, self.exam.result_bought), (3, 2))
        self.assertAlmostEqual(self.exam.result_conversion, 66.7)
        self.assertEqual(self.exam.result_uplift, "Not enough customers yet")
        action = self.exam.action_view_results()
        self.assertEqual(action["res_model"], "optical.crm.analysis")
        self.assertEqual(self.Analysis.search(action["domain"]).partner_id,
                         self.anna | self.bruno | self.carla | self.dario | self.elena)

    def build_control_group(self, contacted=40, bought=12, control=30, control_bought=3):
        """A campaign-like cycle with a control group: ``bought`` of ``contacted``
        customers bought 100 each after the SMS, ``control_bought`` of ``control``."""
        promo = self.cycle("birthday", [(0, "days", "export")], holdout_percent=40)
        step = promo.step_ids
        partners = self.env["res.partner"].create([{"name": "Cliente %s" % n} for n in range(contacted + control)])
        for n, partner in enumerate(partners):
            if n < contacted:
                self.contact(partner, step, "sent", DT(2026, 3, 2, 9, 0))
                buys = n < bought
            else:
                self.contact(partner, step, "skipped", skip_code="holdout", scheduled_date=D(2026, 3, 2))
                buys = n - contacted < control_bought
            if buys:
                self.event(partner, "sale_delivery", D(2026, 3, 10), amount=100)
        self.update_purchases()
        return promo

    def test_uplift_and_its_interval_match_the_hand_calculation(self):
        promo = self.build_control_group()
        cell = self.cells([("cycle_id", "=", promo.id)], "cycle_id")[promo.id]
        # 12/40 = 30% against 3/30 = 10%: +20 pts; se = sqrt(.3*.7/40 + .1*.9/30) = 0.090830,
        # 95% interval 20 ± 17.80 → [2.20, 37.80] pts.
        self.assertEqual((cell["customer_contacted"], cell["customer_control"]), (40, 30))
        self.assertAlmostEqual(cell["conversion_rate"], 30)
        self.assertAlmostEqual(cell["control_rate"], 10)
        self.assertAlmostEqual(cell["uplift"], 20)
        self.assertAlmostEqual(cell["uplift_low"], 2.198, places=2)
        self.assertAlmostEqual(cell["uplift_high"], 37.802, places=2)
        # Revenue: 1,200 over 40 = 30 per contacted customer, 300 over 30 = 10 per control customer.
        self.assertAlmostEqual(cell["revenue"], 1200)
        self.assertAlmostEqual(cell["control_revenue"], 300)
        self.assertAlmostEqual(cell["revenue_per_customer"], 30)
        self.assertAlmostEqual(cell["control_revenue_per_customer"], 10)
        self.assertAlmostEqual(cell["revenue_uplift"], 20)
        # Control customers are neither targeted nor contacted.
        self.assertEqual(cell["customer_targeted"], 40)
        promo.invalidate_recordset()
        self.assertEqual(promo.result_uplift, "+20.0 pts (95%: +2.2 to +37.8)")
        # The form's Results tab, per step and shop.
        self.assertIn("<td>%s</td><td>%s</td>" % (promo.step_ids.name, self.shop_a.name), promo.result_table)
        self.assertIn("12 (30.0%)", promo.result_table)
        self.assertIn("3 (10.0%)", promo.result_table)
        self.assertIn("+20.0 pts (95%: +2.2 to +37.8)", promo.result_table)
        # In Italian, with the Italian decimal comma.
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"].search([("name", "=", "optical_crm")])._update_translations(
            ["it_IT"], overwrite=True)
        promo.invalidate_recordset()
        self.assertEqual(promo.with_context(lang="it_IT").result_uplift, "+20,0 punti (95%: da +2,2 a +37,8)")

    def test_not_enough_customers_yet(self):
        promo = self.build_control_group(contacted=40, bought=12, control=20, control_bought=1)
        cell = self.cells([("cycle_id", "=", promo.id)], "cycle_id")[promo.id]
        self.assertAlmostEqual(cell["conversion_rate"], 30)
        self.assertAlmostEqual(cell["control_rate"], 5)
        self.assertFalse(cell["uplift"])
        self.assertFalse(cell["uplift_low"])
        self.assertFalse(cell["revenue_uplift"])
        promo.invalidate_recordset()
        self.assertEqual(promo.result_uplift, "Not enough customers yet")
        self.assertIn("Not enough customers yet", promo.result_table)
        self.assertNotIn("pts", promo.result_table)

    def test_staff_see_only_their_shops_the_owner_sees_all(self):
        self.build_exam_results()
        zeno = self.customer("Zeno Viola", shop=self.shop_b)
        self.Communication.create({
            "partner_id": zeno.id, "company_id": self.shop_b.id, "channel": "email", "source": "cycle",
            "cycle_id": self.exam.id, "cycle_step_id": self.mail_step.id, "state": "sent",
            "scheduled_date": D(2026, 3, 2), "sent_date": DT(2026, 3, 2, 9, 0)})
        domain = [("cycle_id", "=", self.exam.id)]
        owner = self.cells(domain, "company_id", user=self.owner.with_context(
            allowed_company_ids=[self.shop_a.id, self.shop_b.id]))
        self.assertEqual({shop: cell["customer_contacted"] for shop, cell in owner.items()},
                         {self.shop_a.id: 3, self.shop_b.id: 1})
        self.assertEqual(list(self.cells(domain, "company_id", user=self.staff_b)), [self.shop_b.id])

    def test_shop_today_in_the_views_matches_the_shops_today(self):
        # Shops far apart in time zones: one of them is on another date for most of the day.
        calendar = self.env["resource.calendar"].create({"name": "Auckland hours", "tz": "Pacific/Auckland"})
        self.shop_b.write({"optical_send_calendar_id": calendar.id})
        self.shop_a.write({"optical_send_calendar_id": False})
        self.shop_a.partner_id.tz = "America/Los_Angeles"
        self.env.flush_all()
        for shop in (self.shop_a, self.shop_b):
            self.env.cr.execute(SQL(
                """SELECT %s FROM res_company co
                     LEFT JOIN resource_calendar shop_calendar ON shop_calendar.id = co.optical_send_calendar_id
                     LEFT JOIN res_partner shop_partner ON shop_partner.id = co.partner_id
                    WHERE co.id = %s""", shop_today_sql("shop_calendar", "shop_partner"), shop.id))
            self.assertEqual(self.env.cr.fetchone()[0], shop._optical_today())

    def test_held_out_customers_count_from_their_shops_day(self):
        """A held-out customer joins the control group on the day their
        message would have gone out, that day in their shop's time zone: a
        shop in Auckland and one in Los Angeles, whose dates differ from UTC's
        for most of the day; rows for the shop's today and before count, its
        tomorrow not yet."""
        calendar = self.env["resource.calendar"].create({"name": "Auckland hours", "tz": "Pacific/Auckland"})
        self.shop_b.write({"optical_send_calendar_id": calendar.id})
        self.shop_a.write({"optical_send_calendar_id": False})
        self.shop_a.partner_id.tz = "America/Los_Angeles"
        one_day = datetime.timedelta(days=1)
        expected = {}
        for shop in (self.shop_a, self.shop_b):
            today = shop._optical_today()
            expected[shop.id] = 0
            for offset in (-40, -2, -1, 0, 1, 2):
                partner = self.env["res.partner"].create({"name": "Held %s %s" % (shop.name, offset)})
                self.Communication.create({
                    "partner_id": partner.id, "company_id": shop.id, "channel": "email", "source": "cycle",
                    "cycle_id": self.exam.id, "cycle_step_id": self.mail_step.id, "state": "skipped",
                    "skip_code": "holdout", "scheduled_date": today + offset * one_day})
                expected[shop.id] += offset <= 0
        cells = self.cells([("cycle_id", "=", self.exam.id)], "company_id")
        self.assertEqual({shop: cell["customer_control"] for shop, cell in cells.items()}, expected)
        self.assertEqual(expected, {self.shop_a.id: 4, self.shop_b.id: 4})

    def test_each_shop_pays_its_own_calls(self):
        """A call costs each shop its own minutes at its own hourly cost: the
        shop's cells, the total and the rows agree."""
        self.shop_b.write({"optical_call_minutes": 10, "optical_call_hourly_cost": 60})  # 10 per call
        self.contact(self.anna, self.call_step, "done", DT(2026, 3, 2, 9, 0), callback_attempts=2)  # 2 × 3
        self.Communication.create({
            "partner_id": self.bruno.id, "company_id": self.shop_b.id, "channel": "phone", "source": "cycle",
            "cycle_id": self.exam.id, "cycle_step_id": self.call_step.id, "state": "failed",
            "scheduled_date": D(2026, 3, 2), "callback_attempts": 3})  # 3 × 10
        self.contact(self.carla, self.mail_step, "sent", DT(2026, 3, 9, 9, 0))
        domain = [("cycle_id", "=", self.exam.id)]
        cells = self.cells(domain, "company_id")
        self.assertAlmostEqual(cells[self.shop_a.id]["cost"], 6)
        self.assertAlmostEqual(cells[self.shop_b.id]["cost"], 30)
        (total,) = self.Analysis.read_group(domain, ["cost:sum"], [], lazy=False)
        self.assertAlmostEqual(total["cost"], 36)
        self.assertAlmostEqual(sum(self.Analysis.search(domain).mapped("cost")), 36)

    def test_set_based_state_changes_reach_the_results(self):
        """The sender and the planner move states with set-based UPDATEs, not
        through the ORM: the results follow them (a planned e-mail sent, a
        call made, a held-out row) as they follow the ORM's writes."""
        mail = self.contact(self.anna, self.mail_step, "planned")
        call = self.contact(self.bruno, self.call_step, "sent")
        held = self.contact(self.carla, self.mail_step, "planned")
        self.env.flush_all()

        def contacted():
            self.env.invalidate_all()
            (cell,) = self.Analysis.read_group([("cycle_id", "=", self.exam.id)],
                                               ["customer_contacted:count_distinct", "customer_control:count_distinct"],
                                               [], lazy=False)
            return cell["customer_contacted"], cell["customer_control"]

        self.assertEqual(contacted(), (0, 0))
        self.env.cr.execute("UPDATE optical_crm_communication SET state = 'sent' WHERE id = %s", [mail.id])
        self.env.cr.execute("UPDATE optical_crm_communication SET callback_attempts = 1 WHERE id = %s", [call.id])
        self.env.cr.execute("UPDATE optical_crm_communication SET state = 'skipped', skip_code = 'holdout' "
                            "WHERE id = %s", [held.id])
        self.assertEqual(contacted(), (2, 1))

    def test_the_rows_part_is_a_field_of_the_ledger_the_database_writes(self):
        """``analysis_contact`` is a declared field of the ledger whose column
        PostgreSQL generates: a set-based UPDATE changes it, a copy leaves it out."""
        mail = self.contact(self.anna, self.mail_step, "planned")
        self.env.flush_all()
        self.assertEqual(self.Communication._analysis_contact_column(), ("integer", "s"))
        self.assertEqual(mail.analysis_contact, 0)
        self.env.cr.execute("UPDATE optical_crm_communication SET state = 'sent' WHERE id = %s", [mail.id])
        mail.invalidate_recordset(["analysis_contact"])
        self.assertEqual(mail.analysis_contact, 1)
        self.assertFalse(mail.copy_data()[0].get("analysis_contact"))

    def test_what_the_owner_reads_amounts_named_groups_units(self):
        """Review of 2026-12-07, defect 14: amounts are in the shop's
        currency, the group without a cycle is the campaigns (and the one
        without a campaign the cyclic activities), return on cost says it is
        a multiple of the cost, the uplift is in a shop owner's words."""
        self.build_exam_results()
        campaign = self.env["optical.crm.campaign"].create({
            "name": "Saldi", "date_start": D(2026, 3, 1), "date_end": D(2026, 3, 31),
            "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "export"})]})
        self.Communication.create({
            "partner_id": self.elena.id, "company_id": self.shop_a.id, "channel": "export", "source": "campaign",
            "campaign_id": campaign.id, "campaign_step_id": campaign.step_ids.id, "state": "sent",
            "scheduled_date": D(2026, 3, 2), "sent_date": DT(2026, 3, 2, 9, 0)})
        Analysis = self.Analysis.with_user(self.owner).with_context(allowed_company_ids=[self.shop_a.id])
        fields = Analysis.fields_get(attributes=["type", "string", "currency_field"])
        for name in ("revenue", "control_revenue", "cost", "revenue_per_customer", "control_revenue_per_customer",
                     "revenue_uplift"):
            self.assertEqual((fields[name]["type"], fields[name]["currency_field"]), ("monetary", "currency_id"), name)
            self.assertEqual(fields[name]["currencyId"], self.shop_a.currency_id.id, name)
        self.assertEqual(fields["return_on_cost"]["type"], "float")
        self.assertIn("× the cost", fields["return_on_cost"]["string"])
        for name in ("uplift", "uplift_low", "uplift_high", "revenue_uplift"):
            self.assertIn("thanks to the contact", fields[name]["string"].lower(), name)
            self.assertNotIn("uplift", fields[name]["string"].lower(), name)
        (cell,) = Analysis.read_group([("cycle_id", "=", self.exam.id)], ["revenue:sum", "currency_id"],
                                      ["currency_id"], lazy=False)
        self.assertEqual(cell["currency_id"][0], self.shop_a.currency_id.id)
        # Groups without a cycle or campaign are named as what they are, in the pivot's one pass too.
        self.enterContext(patch.object(optical_crm_pivot_mixin, "SETS_MIN_SHRINK", 0))
        for groupby, label, value in (("cycle_id", "Campaigns", self.exam.id),
                                      ("cycle_step_id", "Campaigns", self.call_step.id),
                                      ("campaign_id", "Cyclic activities", campaign.id),
                                      ("campaign_step_id", "Cyclic activities", campaign.step_ids.id)):
            one = Analysis.read_group([], MEASURES, [groupby], lazy=False)
            (at_once,) = Analysis.read_group_sets([], MEASURES, [[groupby]])
            for groups in (one, at_once):
                names = {group[groupby][0]: group[groupby][1] for group in groups}
                self.assertEqual(names[False], label, groupby)
                self.assertIn(value, names, groupby)
        # Shops of two currencies: no one currency for their sums.
        eur, chf = self.env.ref("base.EUR"), self.env.ref("base.CHF")
        (eur | chf).active = True
        self.shop_a.currency_id, self.shop_b.currency_id = eur, chf
        both = Analysis.with_context(allowed_company_ids=[self.shop_a.id, self.shop_b.id])
        self.assertNotIn("currencyId", both.fields_get(["revenue"])["revenue"])
        self.assertEqual(Analysis.fields_get(["revenue"])["revenue"]["currencyId"], eur.id)

    def test_an_italian_owner_reads_the_results_in_italian(self):
        """The labels of defect 14 as the review read them, in Italian: the
        form's button, the measures, the campaigns' group."""
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"].search([("name", "=", "optical_crm")])._update_translations(
            ["it_IT"], overwrite=True)
        self.build_exam_results()
        Analysis = self.Analysis.with_user(self.owner).with_context(lang="it_IT", allowed_company_ids=[self.shop_a.id])
        form = self.env["optical.crm.cycle"].with_user(self.owner).with_context(lang="it_IT").get_views(
            [(False, "form")])["views"]["form"]["arch"]
        self.assertIn("Grazie al contatto", form)
        self.assertNotIn("Uplift", form)
        strings = {name: field["string"] for name, field in Analysis.fields_get(attributes=["string"]).items()}
        self.assertEqual(strings["return_on_cost"], "Ritorno sul costo (× il costo)")
        self.assertEqual(strings["uplift"], "Acquisti grazie al contatto (punti %)")
        self.assertEqual(strings["revenue_uplift"], "Fatturato in più per cliente grazie al contatto")
        groups = Analysis.read_group([], ["customer_contacted:count_distinct"], ["campaign_id"], lazy=False)
        self.assertEqual([group["campaign_id"][1] for group in groups if not group["campaign_id"][0]],
                         ["Attività cicliche"])

    def test_groups_come_in_their_models_order(self):
        """A pivot by cycle lists the cycles by priority, then name, as Odoo
        orders them, the rows of no cycle (a campaign's) where Odoo puts them;
        by step, campaign and shop too, in both directions: the same order as
        Odoo's own join of the cycles to every row."""
        urgent = self.cycle("glasses_delivery", [(1, "weeks", "export")], name="Zeta urgent", priority=50)
        archived = self.cycle("birthday", [(0, "days", "email")], name="Alpha old", active=False)
        campaign = self.env["optical.crm.campaign"].create({
            "name": "Back to school", "date_start": D(2026, 9, 1), "date_end": D(2026, 9, 30),
            "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "export"})],
        })
        self.contact(self.anna, self.call_step, "done", DT(2026, 3, 2, 9, 0), callback_attempts=1)
        self.contact(self.bruno, self.mail_step, "sent", DT(2026, 3, 9, 9, 0))
        self.contact(self.carla, urgent.step_ids, "sent", DT(2026, 3, 9, 9, 0))
        self.contact(self.dario, archived.step_ids, "sent", DT(2026, 3, 9, 9, 0))
        self.Communication.create({
            "partner_id": self.elena.id, "company_id": self.shop_b.id, "channel": "export", "source": "campaign",
            "campaign_id": campaign.id, "campaign_step_id": campaign.step_ids.id, "state": "sent",
            "scheduled_date": D(2026, 9, 1), "sent_date": DT(2026, 9, 1, 9, 0)})
        ours = self.anna | self.bruno | self.carla | self.dario | self.elena

        def order(groupby, direction=""):
            groups = self.Analysis.read_group([("partner_id", "in", ours.ids)], ["customer_contacted:count_distinct"],
                                              [groupby], orderby=(groupby + " " + direction).strip(), lazy=False)
            return [group[groupby] and group[groupby][0] for group in groups]

        # Highest priority first, then by name; the campaign's row has no cycle and comes first, as in Odoo.
        self.assertEqual(order("cycle_id"), [False, urgent.id, archived.id, self.exam.id])
        for groupby in ("cycle_id", "cycle_step_id", "campaign_id", "campaign_step_id", "company_id"):
            for direction in ("", "desc", "asc nulls first", "desc nulls last"):
                ranked = order(groupby, direction)
                with patch.object(optical_crm_pivot_mixin, "RANKED_GROUPS_MAX", 0):
                    self.assertEqual(ranked, order(groupby, direction), (groupby, direction))

    def test_the_pivots_groupings_at_once_match_one_by_one(self):
        """The pivot of the results asks all its groupings at once
        (read_group_sets): every cell equals what read_group gives for that
        grouping alone, for the owner and for a shop's staff, with a control
        group, calls and their costs, and for a period with no row."""
        self.build_exam_results()
        self.build_control_group()
        # A call of 7 minutes at 37.30 an hour: costs that floats add up differently in another order.
        self.shop_b.write({"optical_call_minutes": 7, "optical_call_hourly_cost": 37.3})
        zeno = self.customer("Zeno Viola", shop=self.shop_b)
        for state, attempts in (("done", 2), ("failed", 1), ("done", 3), ("failed", 2), ("done", 1)):
            self.Communication.create({
                "partner_id": zeno.id, "company_id": self.shop_b.id, "channel": "phone", "source": "cycle",
                "cycle_id": self.exam.id, "cycle_step_id": self.call_step.id, "state": state,
                "scheduled_date": D(2026, 4, 2), "callback_attempts": attempts})
        # A campaign's row: no cycle, whose group goes where Odoo puts it among the cycles.
        campaign = self.env["optical.crm.campaign"].create({
            "name": "Back to school", "date_start": D(2026, 9, 1), "date_end": D(2026, 9, 30),
            "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "export"})]})
        self.Communication.create({
            "partner_id": zeno.id, "company_id": self.shop_b.id, "channel": "export", "source": "campaign",
            "campaign_id": campaign.id, "campaign_step_id": campaign.step_ids.id, "state": "sent",
            "scheduled_date": D(2026, 9, 1), "sent_date": DT(2026, 9, 1, 9, 0)})
        groupbys = [[], ["source"], ["cycle_id"], ["cycle_id", "date:month"], ["date:month"], ["company_id"],
                    ["source", "customer_shop_id"], ["customer_shop_id"], ["cycle_step_id", "audience"],
                    ["channel", "campaign_id"]]
        owner = self.owner.with_context(allowed_company_ids=[self.shop_a.id, self.shop_b.id])
        # A customer has a row or two here, a dozen in a shop's year: the one pass is made whatever it sums up.
        self.enterContext(patch.object(optical_crm_pivot_mixin, "SETS_MIN_SHRINK", 0))
        for user, domain in ((None, []), (owner, [("date", ">=", D(2026, 3, 1))]), (self.staff_b, []),
                             (None, [("date", ">=", D(2030, 1, 1))])):
            Analysis = self.Analysis.with_user(user) if user else self.Analysis
            at_once = Analysis.read_group_sets(domain, MEASURES, groupbys)
            self.assertEqual(len(at_once), len(groupbys))
            for groupby, groups in zip(groupbys, at_once, strict=True):
                one = Analysis.read_group(domain, MEASURES, groupby, lazy=False)
                self.assertEqual(groups, one, (user and user.name, domain, groupby))
        self.assertEqual(at_once[0][0]["__count"], 0)
        # A grouping asked twice is answered twice, nothing asked gets nothing.
        twice = self.Analysis.read_group_sets([], MEASURES, [["source"], [], ["source"], []])
        self.assertEqual(twice[0], twice[2])
        self.assertEqual(len(twice[1]), 1)
        self.assertEqual(twice[1], twice[3])
        self.assertEqual(self.Analysis.read_group_sets([], MEASURES, []), [])
        # More groupings than a pivot asks: one by one, as read_group.
        self.assertIsNone(self.Analysis.read_group_sets([], MEASURES, [["source"]] * 65))

    def test_groupings_that_cannot_go_together_are_asked_one_by_one(self):
        self.build_exam_results()
        # By customer when there are too many to rank, by a measure the one pass does not count, or
        # groupings listing their fields in different orders: None, the pivot asks one by one.
        self.enterContext(patch.object(optical_crm_pivot_mixin, "SETS_MIN_SHRINK", 0))
        self.assertTrue(self.Analysis.read_group_sets([], MEASURES, [[], ["partner_id"]]))
        with patch.object(optical_crm_pivot_mixin, "RANKED_GROUPS_MAX", 0):
            self.assertIsNone(self.Analysis.read_group_sets([], MEASURES, [[], ["partner_id"]]))
        self.assertIsNone(self.Analysis.read_group_sets([], ["communication_id:count_distinct"], [[]]))
        self.assertIsNone(self.Analysis.read_group_sets([], MEASURES, [["source", "channel"], ["channel", "source"]]))
        # When PostgreSQL expects the sums to be hardly fewer than the rows, one pass would not pay.
        with patch.object(optical_crm_pivot_mixin, "SETS_MIN_SHRINK", 4):
            rows = SQL("SELECT 1 FROM generate_series(1, 100000) g")
            self.assertTrue(self.Analysis._sums_up(SQL("SELECT 1 FROM generate_series(1, 100000) g GROUP BY g / 10000"),
                                                   rows))
            ledger = SQL("SELECT 1 FROM optical_crm_communication")
            self.assertFalse(self.Analysis._sums_up(SQL("SELECT 1 FROM optical_crm_communication GROUP BY id"), ledger))

    def test_the_groupings_at_once_are_for_the_crm_users_only(self):
        """An internal user outside the CRM (the shop's accountant) and a
        portal customer get no figure, however they ask."""
        self.build_exam_results()
        accountant = new_test_user(self.env, "accountant", groups="base.group_user")
        customer = new_test_user(self.env, "portal_customer", groups="base.group_portal")
        for user in (accountant, customer):
            for fields in (MEASURES, ["communication_id:count_distinct"]):
                with self.assertRaises(AccessError):
                    self.Analysis.with_user(user).read_group_sets([], fields, [[], ["source"]])
