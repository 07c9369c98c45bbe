import datetime

import psycopg2
from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from ..models.optical_crm_communication_holdout import holdout_bucket_sql
from ..tools.holdout import holdout_bucket, is_held_out
from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
class TestHoldout(OpticalCrmCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 1,000 customers as Odoo creates them (no company), most with consent.
        cls.crowd = cls.env["res.partner"].create([{
            "name": "Cliente %04d" % n, "optical_consent_marketing": n % 10 != 0,
        } for n in range(1000)])
        cls.exam = cls.cycle("optometry", [(0, "days", "export"), (1, "months", "export")], holdout_percent=10)
        cls.env["optical.crm.event"].create([{
            "partner_id": partner.id, "event_type": "optometry", "event_date": D(2026, 3, 2),
            "company_id": cls.shop_a.id,
        } for partner in cls.crowd])

    def held_out(self, **filters):
        # This test's customers only (demo data holds a control group of its own).
        return self.communications(skip_code="holdout", **filters).filtered(lambda c: c.partner_id in self.crowd)

    def test_sql_draw_matches_the_python_draw(self):
        self.env.cr.execute(SQL(
            "SELECT p, s, k, %s FROM generate_series(1, 400) p, (VALUES ('cycle'), ('campaign')) v(s), "
            "generate_series(1, 3) k", holdout_bucket_sql(SQL("p"), SQL("s"), SQL("k"))))
        rows = self.env.cr.fetchall()
        self.assertEqual(len(rows), 2400)
        self.assertEqual([row[3] for row in rows], [holdout_bucket(*row[:3]) for row in rows])

    def test_control_group_share_and_stability_across_runs(self):
        self.plan(D(2026, 3, 2))
        first_step = self.exam.step_ids[0]
        rows = self.communications(cycle_step_id=first_step.id)
        self.assertEqual(len(rows), 1000)
        held = rows.filtered(lambda c: c.skip_code == "holdout")
        # Customers without consent are never in the control group: they could not have been contacted.
        self.assertFalse(held.partner_id.filtered(lambda p: not p.optical_consent_marketing))
        consenting = self.crowd.filtered("optical_consent_marketing")
        self.assertEqual(len(consenting), 900)
        # 10% of 900 = 90; binomial sd = 9, three sd of tolerance.
        self.assertTrue(63 <= len(held) <= 117, len(held))
        self.assertEqual(held.partner_id, consenting.filtered(
            lambda p: is_held_out(p.id, "cycle", self.exam.id, 10)))
        self.assertEqual(set(held.mapped("state")), {"skipped"})
        self.assertTrue(all("Control group" in reason for reason in held.mapped("skip_reason")))
        # The planner runs again, a month later: the second step holds out the same customers.
        self.plan(D(2026, 3, 5))
        self.plan(D(2026, 4, 2))
        self.assertEqual(self.held_out(cycle_step_id=first_step.id), held)
        self.assertEqual(self.held_out(cycle_step_id=self.exam.step_ids[1].id).partner_id, held.partner_id)

    def test_held_out_customers_get_nothing_sent(self):
        with freeze_time("2026-03-02 10:00:00"):
            self.plan(D(2026, 3, 2))
            held = self.held_out()
            self.assertTrue(held)
            self.Communication._cron_send_communications()
        self.assertEqual(set(held.mapped("state")), {"skipped"})
        self.assertFalse(held.filtered("sent_date"))
        sent = self.communications(state="sent").filtered(lambda c: c.partner_id in self.crowd)
        self.assertEqual(len(sent) + len(held), 900)
        self.assertFalse(sent.partner_id & held.partner_id)

    def test_changing_the_share_only_moves_the_margin(self):
        with freeze_time("2026-03-02 08:00:00"):
            self.plan(D(2026, 3, 2))
            held_10 = self.held_out().partner_id
            self.exam.holdout_percent = 20
            # The sender applies the rules again on the day: the margin moves, the 10% stay.
            self.Communication._cron_send_communications()
            held_20 = self.held_out().partner_id
            self.assertTrue(held_10 < held_20)
            self.assertEqual(held_20, self.crowd.filtered(
                lambda p: p.optical_consent_marketing and is_held_out(p.id, "cycle", self.exam.id, 20)))

    def test_lowering_the_share_plans_contacts_still_ahead_again(self):
        self.plan(D(2026, 3, 2))
        with freeze_time("2026-03-30"):
            self.plan(D(2026, 3, 30))
            later = self.held_out(cycle_step_id=self.exam.step_ids[1].id)
            self.assertTrue(later)
            self.exam.holdout_percent = 0
            self.Communication._apply_rules(SQL("c.cycle_id = %s", self.exam.id))
        self.assertEqual(set(later.mapped("state")), {"planned"})

    def test_campaign_control_group(self):
        campaign = self.env["optical.crm.campaign"].create({
            "name": "Back to school", "date_start": D(2026, 9, 1), "date_end": D(2026, 9, 30),
            "holdout_percent": 25,
            "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "export"})],
        })
        # Customers with no company belong to the shop only through their events (issue 9):
        # for this campaign, the target is given them explicitly.
        self.crowd.write({"company_id": self.shop_a.id})
        with freeze_time("2026-08-30"):
            campaign.action_schedule()
            self.plan(D(2026, 8, 30))
        rows = self.communications(campaign_id=campaign.id).filtered(lambda c: c.partner_id in self.crowd)
        self.assertEqual(len(rows), 1000)
        held = rows.filtered(lambda c: c.skip_code == "holdout")
        self.assertEqual(held.partner_id, self.crowd.filtered(
            lambda p: p.optical_consent_marketing and is_held_out(p.id, "campaign", campaign.id, 25)))
        self.assertTrue(0.18 * 900 <= len(held) <= 0.32 * 900, len(held))

    def test_share_is_between_0_and_50(self):
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.exam.holdout_percent = 60
            self.env.flush_all()

    def test_control_group_purchases_are_measured_from_the_day_of_the_contact(self):
        self.plan(D(2026, 3, 2))
        held = self.held_out()[0]
        contacted = self.communications(state="planned")[0]
        contacted.write({"state": "sent", "sent_date": datetime.datetime(2026, 3, 2, 10, 0)})
        self.event(held.partner_id, "sale_delivery", D(2026, 3, 10), amount=90)
        self.event(contacted.partner_id, "sale_delivery", D(2026, 3, 12), amount=200)
        # A purchase before the (would-be) contact does not count.
        self.event(held.partner_id, "sale_delivery", D(2026, 2, 27), amount=500)
        with freeze_time("2026-03-25 10:00:00"):
            self.Communication._update_purchases()
        self.assertEqual(held.purchase_event_id.amount, 90)
        self.assertEqual(contacted.purchase_event_id.amount, 200)
