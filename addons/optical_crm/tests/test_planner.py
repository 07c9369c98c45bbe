import datetime
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools.schedule import birthdays_between, step_date
from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
class TestPlanner(OpticalCrmCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.progressive = cls.cycle(
            "glasses_delivery",
            [(1, "weeks", "phone", "service"), (3, "months", "email"), (12, "months", "export"),
             (24, "months", "export")],
            lens_type="progressive",
        )

    def test_plans_due_steps_once_across_runs(self):
        self.event(self.mario, "glasses_delivery", D(2026, 3, 2), lens_type="progressive")
        self.assertEqual(self.plan(D(2026, 3, 5)), 1)
        call = self.communications(partner_id=self.mario.id)
        self.assertEqual(len(call), 1)
        self.assertEqual((call.channel, call.scheduled_date, call.state, call.purpose),
                         ("phone", D(2026, 3, 9), "planned", "service"))
        # The planner runs again (every hour, or twice at once): nothing new.
        self.assertEqual(self.plan(D(2026, 3, 5)), 0)
        self.assertEqual(self.plan(D(2026, 3, 6)), 0)
        self.assertEqual(self.communications(partner_id=self.mario.id), call)

    def test_crash_between_runs_changes_nothing_done(self):
        self.event(self.mario, "glasses_delivery", D(2026, 3, 2), lens_type="progressive")
        self.event(self.lucia, "glasses_delivery", D(2026, 3, 3), lens_type="progressive")
        # A crash after the inserts but before the end of the run: the whole run is rolled back...
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            with patch.object(type(self.Communication), "_apply_rules", side_effect=RuntimeError("crash")):
                self.plan(D(2026, 3, 5))
        self.assertFalse(self.communications(channel="phone"))
        # ... and the next run plans everything exactly once.
        self.assertEqual(self.plan(D(2026, 3, 5)), 2)
        self.assertEqual(self.plan(D(2026, 3, 5)), 0)
        self.assertEqual(len(self.communications(channel="phone")), 2)

    def test_a_second_writer_cannot_duplicate_a_step(self):
        self.event(self.mario, "glasses_delivery", D(2026, 3, 2), lens_type="progressive")
        self.plan(D(2026, 3, 5))
        call = self.communications(partner_id=self.mario.id)
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.Communication.create({
                "partner_id": self.mario.id, "company_id": self.shop_a.id, "channel": "phone",
                "scheduled_date": call.scheduled_date, "event_id": call.event_id.id,
                "cycle_step_id": call.cycle_step_id.id, "source": "cycle",
            }).flush_recordset()

    def test_horizon_and_step_dates(self):
        self.event(self.mario, "glasses_delivery", D(2026, 1, 31), lens_type="progressive")
        # Nothing within the week of 10 March.
        self.plan(D(2026, 3, 10))
        self.assertFalse(self.communications(partner_id=self.mario.id))
        # 31 January + 3 months = 30 April (month end clamped); 7 days ahead of 24 April.
        self.plan(D(2026, 4, 24))
        email = self.communications(partner_id=self.mario.id, channel="email")
        self.assertEqual(email.scheduled_date, D(2026, 4, 30))
        self.assertEqual(email.scheduled_date, step_date(D(2026, 1, 31), 3, "months"))
        # 12 and 24 months later.
        self.plan(D(2027, 1, 28))
        self.plan(D(2028, 1, 28))
        self.assertEqual(self.communications(partner_id=self.mario.id, channel="export").mapped("scheduled_date"),
                         [D(2027, 1, 31), D(2028, 1, 31)])

    def test_sql_step_dates_match_the_python_rule(self):
        cycle = self.cycle("optometry", [(1, "months", "export"), (1, "years", "export"), (-5, "days", "export"),
                                         (0, "days", "export"), (2, "weeks", "export")])
        cases = [D(2027, 1, 31), D(2028, 2, 29), D(2027, 3, 31), D(2027, 12, 31)]
        partners = [self.customer("Customer %s" % day) for day in cases]
        for partner, day in zip(partners, cases, strict=True):
            self.event(partner, "optometry", day)
        self.Communication._plan_company(self.shop_a, D(2026, 12, 1), D(2029, 12, 31))
        for partner, day in zip(partners, cases, strict=True):
            for step in cycle.step_ids:
                communication = self.communications(partner_id=partner.id, cycle_step_id=step.id)
                self.assertEqual(communication.scheduled_date,
                                 step_date(day, step.interval_number, step.interval_unit),
                                 "%s from %s" % (step.name, day))

    def test_negative_offset_before_next_supply(self):
        self.cycle("lac_next_supply", [(-5, "days", "export")])
        self.event(self.mario, "lac_next_supply", D(2026, 5, 20))
        self.plan(D(2026, 5, 10))
        self.assertEqual(self.communications(partner_id=self.mario.id).scheduled_date, D(2026, 5, 15))

    def test_lens_type_and_customer_filters(self):
        self.event(self.mario, "glasses_delivery", D(2026, 3, 2), lens_type="single_vision")
        self.event(self.lucia, "glasses_delivery", D(2026, 3, 2), lens_type="progressive")
        vip = self.customer("Vip Verdi", comment="vip")
        self.cycle("glasses_delivery", [(1, "weeks", "export")], partner_domain="[('comment', 'ilike', 'vip')]")
        self.event(vip, "glasses_delivery", D(2026, 3, 2), lens_type="single_vision")
        self.plan(D(2026, 3, 5))
        self.assertFalse(self.communications(partner_id=self.mario.id))
        self.assertEqual(self.communications(partner_id=self.lucia.id).cycle_id, self.progressive)
        self.assertEqual(self.communications(partner_id=vip.id).channel, "export")

    def test_newer_event_supersedes_pending_steps(self):
        old = self.event(self.mario, "glasses_delivery", D(2025, 1, 10), lens_type="progressive")
        self.Communication._plan_company(self.shop_a, D(2025, 1, 1), D(2026, 2, 1))
        pending = self.communications(event_id=old.id, state="planned").filtered(
            lambda c: c.scheduled_date > D(2025, 6, 1))
        self.assertEqual(pending.mapped("scheduled_date"), [D(2026, 1, 10)])  # the 12-month step
        # New progressive glasses in June: the old ones' remaining steps are cancelled with a reason.
        new = self.event(self.mario, "glasses_delivery", D(2025, 6, 5), lens_type="progressive")
        self.Communication._plan_company(self.shop_a, D(2025, 6, 1), D(2026, 6, 30))
        self.assertFalse(self.communications(event_id=old.id, state="planned"))
        cancelled = self.communications(event_id=old.id, state="cancelled")
        self.assertTrue(cancelled)
        self.assertEqual(set(cancelled.mapped("skip_reason")), {"Superseded by a newer event"})
        self.assertTrue(self.communications(event_id=new.id, state="planned"))

    def test_sunglasses_after_progressive_glasses_keep_the_progressive_follow_up(self):
        # A shop that never opened the option (the cycle as created by default).
        # Its steps fall on other days than the progressive follow-up's: on the same day, the customer
        # would be contacted once for the event (test_step_preview.TestOverlappingCycles).
        every_pair = self.cycle("glasses_delivery", [(2, "weeks", "export"), (13, "months", "export")])
        progressive = self.event(self.mario, "glasses_delivery", D(2025, 1, 10), lens_type="progressive")
        sunglasses = self.event(self.mario, "glasses_delivery", D(2025, 3, 1), lens_type="other",
                                description="Sunglasses")
        self.Communication._plan_company(self.shop_a, D(2025, 1, 1), D(2026, 6, 30))
        # The progressive pair keeps its whole follow-up: the call, 3, 12 and 24... months within the window.
        self.assertEqual(self.communications(event_id=progressive.id, cycle_id=self.progressive.id).mapped("state"),
                         ["planned"] * 3)
        self.assertEqual(set(self.communications(event_id=progressive.id, cycle_id=every_pair.id).mapped("state")),
                         {"planned"})
        self.assertEqual(set(self.communications(event_id=sunglasses.id).mapped("state")), {"planned"})
        self.assertFalse(self.communications(state="cancelled"))

    def test_two_pairs_on_the_same_day_are_both_followed(self):
        first = self.event(self.mario, "glasses_delivery", D(2025, 1, 10), lens_type="progressive")
        second = self.event(self.mario, "glasses_delivery", D(2025, 1, 10), lens_type="progressive",
                            description="Second pair")
        self.Communication._plan_company(self.shop_a, D(2025, 1, 1), D(2026, 2, 1))
        for event in first | second:
            self.assertEqual(self.communications(event_id=event.id).mapped("state"), ["planned"] * 3)

    def test_contact_lenses_supersede_only_the_same_product(self):
        reminder = self.cycle("lac_next_supply", [(-7, "days", "export")])
        daily = self.event(self.mario, "lac_next_supply", D(2026, 4, 20), data={"prodotto": "Dailies Total1"})
        monthly = self.event(self.mario, "lac_next_supply", D(2026, 4, 25), description="Air Optix")
        self.plan(D(2026, 4, 12))
        self.assertEqual(self.communications(cycle_id=reminder.id).mapped("state"), ["planned", "planned"])
        # The same product again, later: only its older reminder stops.
        newer = self.event(self.mario, "lac_next_supply", D(2026, 5, 20), data={"prodotto": "DAILIES TOTAL1 "})
        self.assertEqual(self.communications(event_id=daily.id).state, "cancelled")
        self.assertEqual(self.communications(event_id=monthly.id).state, "planned")
        self.plan(D(2026, 5, 12))
        self.assertEqual(self.communications(event_id=newer.id).state, "planned")

    def test_birthday_every_year_and_29_february(self):
        self.cycle("birthday", [(0, "days", "export")])
        leap = self.customer("Bisesto Febbraio", birthdate=D(1992, 2, 29))
        self.plan(D(2027, 2, 25))
        wish = self.communications(partner_id=leap.id)
        self.assertEqual(wish.scheduled_date, D(2027, 2, 28))
        self.assertEqual(wish.event_id.event_type, "birthday")
        self.plan(D(2028, 2, 25))
        self.assertEqual(self.communications(partner_id=leap.id).mapped("scheduled_date"),
                         [D(2027, 2, 28), D(2028, 2, 29)])
        # Again: one birthday event per year, one wish.
        self.plan(D(2028, 2, 26))
        self.assertEqual(len(self.Event.search([("partner_id", "=", leap.id)])), 2)

    def test_birthday_sql_matches_the_python_rule(self):
        """The birthdays the planner materialises in SQL are the ones
        ``tools.schedule.birthdays_between`` gives: 29 February, the year's
        ends, a window across New Year, a customer born inside the window."""
        birthdates = [D(1992, 2, 29), D(2000, 2, 29), D(1970, 12, 31), D(1985, 1, 1), D(1999, 2, 28),
                      D(2000, 3, 1), D(2026, 12, 30), D(2027, 1, 2), D(2028, 2, 29)]
        customers = self.env["res.partner"].create([
            {"name": "Cliente %s" % index, "company_id": self.shop_a.id, "birthdate": birthdate}
            for index, birthdate in enumerate(birthdates)])
        self.env.flush_all()
        windows = [(D(2026, 12, 25), D(2027, 1, 5)), (D(2027, 2, 20), D(2027, 3, 5)),
                   (D(2028, 2, 27), D(2028, 3, 2)), (D(2026, 1, 1), D(2029, 12, 31))]
        for date_from, date_to in windows:
            self.Event._generate_birthday_events(date_from, date_to, self.shop_a.ids)
            events = self.Event.search([("partner_id", "in", customers.ids), ("event_type", "=", "birthday"),
                                        ("event_date", ">=", date_from), ("event_date", "<=", date_to)])
            self.assertEqual(
                sorted((event.partner_id.birthdate, event.event_date) for event in events),
                sorted((birthdate, day) for birthdate in birthdates
                       for day in birthdays_between(birthdate, date_from, date_to)),
                "%s - %s" % (date_from, date_to))

    @freeze_time("2026-03-04 10:00:00")
    def test_late_event_is_caught_up_and_moved_event_moves_its_steps(self):
        cycle = self.cycle("optometry", [(2, "days", "export"), (30, "days", "export")])
        exam = self.event(self.mario, "optometry", D(2026, 3, 1))
        # The event arrives on 4 March: its 2-day step (3 March) is within the 3-day catch-up.
        self.plan(D(2026, 3, 4))
        first = self.communications(partner_id=self.mario.id, cycle_id=cycle.id)
        self.assertEqual(first.scheduled_date, D(2026, 3, 3))
        exam.event_date = D(2026, 3, 3)
        self.assertEqual(first.scheduled_date, D(2026, 3, 5))
        exam.active = False
        self.assertEqual((first.state, first.skip_reason), ("cancelled", "Trigger event cancelled"))

    def test_removed_step_cancels_its_pending_contacts(self):
        self.event(self.mario, "glasses_delivery", D(2026, 3, 2), lens_type="progressive")
        self.plan(D(2026, 3, 5))
        call = self.communications(partner_id=self.mario.id)
        self.assertEqual(call.cycle_step_id.communication_count, 1)
        call.cycle_step_id.unlink()
        self.assertEqual((call.state, call.skip_reason), ("cancelled", "Step removed"))

    def test_purchase_after_contact(self):
        self.cycle("optometry", [(0, "days", "export")])
        self.event(self.mario, "optometry", D(2026, 3, 1))
        self.plan(D(2026, 3, 1))
        contact = self.communications(partner_id=self.mario.id)
        contact.write({"state": "sent", "sent_date": datetime.datetime(2026, 3, 1, 10, 0)})
        purchase = self.event(self.mario, "sale_delivery", D(2026, 3, 20), amount=120)
        self.event(self.lucia, "sale_delivery", D(2026, 3, 20))
        with freeze_time("2026-03-25 10:00:00"):
            self.Communication._update_purchases()
        self.assertTrue(contact.purchased_after_contact)
        self.assertEqual(contact.purchase_event_id, purchase)
