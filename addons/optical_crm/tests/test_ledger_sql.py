import datetime
import itertools

from odoo.tests import tagged
from odoo.tools import SQL

from ..models.optical_crm_communication import STATE_TRANSITIONS, state_change_sql, state_moves_to_sql
from .common import OpticalCrmCase

D = datetime.date
STATES = ("planned", "sent", "done", "skipped", "failed", "cancelled")


@tagged("post_install", "-at_install", "optical_crm")
class TestLedgerSql(OpticalCrmCase):
    """The set-based rules and the planner change ``state`` in SQL: each
    UPDATE matches only rows ``STATE_TRANSITIONS`` lets move to its state,
    as ``_set_state`` does in Python."""

    def allowed(self, old, new):
        return old == new or new in STATE_TRANSITIONS[old]

    def test_state_sql_is_the_transition_table(self):
        for old, new in itertools.product(STATES, STATES):
            self.env.cr.execute(SQL(
                "SELECT %s, %s FROM (VALUES (%s::varchar)) c(state)",
                state_moves_to_sql(new), state_change_sql(SQL("c.state"), SQL("%s::varchar", new)), old))
            moves, changes = self.env.cr.fetchone()
            self.assertEqual(moves, new in STATE_TRANSITIONS[old], (old, new))
            self.assertEqual(changes, self.allowed(old, new), (old, new))

    def one_in_each_state(self, partner=None, **values):
        communications = self.Communication.create([{
            "partner_id": (partner or self.mario).id, "company_id": self.shop_a.id, "channel": "email",
            "scheduled_date": self.shop_a._optical_today() + datetime.timedelta(days=2), "subject": state,
            **values,
        } for state in STATES])
        self.env.cr.execute(SQL(
            """UPDATE optical_crm_communication c
                  SET state = c.subject, skip_code = CASE WHEN c.subject = 'skipped' THEN 'consent' END
                WHERE c.id IN %s""", tuple(communications.ids)))
        self.env.invalidate_all()
        return communications

    def assertForwardOnly(self, communications, change):
        """Run ``change``: every row's state stays or moves as STATE_TRANSITIONS allows."""
        change()
        self.env.invalidate_all()
        moved = 0
        for communication in communications:
            old, new = communication.subject, communication.state
            self.assertTrue(self.allowed(old, new), "%s → %s" % (old, new))
            moved += old != new
        return moved

    def test_rules_move_forward_only(self):
        scope = lambda rows: SQL("c.id IN %s", tuple(rows.ids))  # noqa: E731
        Communication = self.Communication
        # A trigger event archived, a cyclic activity archived, a campaign cancelled: planned → cancelled.
        event = self.event(self.mario, "optometry", D(2026, 3, 2))
        rows = self.one_in_each_state(event_id=event.id)
        self.assertTrue(self.assertForwardOnly(rows, lambda: event.write({"active": False})))
        cycle = self.cycle("optometry", [(0, "days", "email")], shop=self.shop_a)
        rows = self.one_in_each_state(cycle_id=cycle.id, source="cycle")
        self.assertTrue(self.assertForwardOnly(rows, lambda: cycle.write({"active": False})))
        campaign = self.env["optical.crm.campaign"].create({
            "name": "Natale", "date_start": D(2026, 12, 1), "date_end": D(2026, 12, 24),
            "company_id": self.shop_a.id})
        rows = self.one_in_each_state(campaign_id=campaign.id, source="campaign")
        self.env.cr.execute("UPDATE optical_crm_campaign SET state = 'cancelled' WHERE id = %s", (campaign.id,))
        self.assertTrue(self.assertForwardOnly(rows, lambda: Communication._apply_rules(scope(rows))))
        # No consent: planned → skipped; consent back: skipped → planned.
        nadia = self.customer("Nadia Noconsent", consent=False, email="nadia@example.com")
        rows = self.one_in_each_state(partner=nadia)
        self.assertTrue(self.assertForwardOnly(rows, lambda: Communication._apply_rules(scope(rows))))
        rows = self.one_in_each_state()
        self.assertTrue(self.assertForwardOnly(rows, lambda: Communication._apply_rules(scope(rows))))

    def test_event_moved_to_the_past_cancels_forward_only(self):
        event = self.event(self.mario, "optometry", self.shop_a._optical_today())
        rows = self.one_in_each_state(event_id=event.id)
        rows.write({"scheduled_date": D(2020, 1, 1)})
        self.assertTrue(self.assertForwardOnly(
            rows, lambda: self.Communication._reschedule_events(event)))

    def test_a_verdict_read_before_the_row_moved_does_not_move_it_back(self):
        """A rule reads the rows, decides, then writes: a row sent (or done,
        cancelled) in between keeps its state. Without the guard, a sent
        SMS was skipped or planned again (and sent twice)."""
        rows = self.one_in_each_state()
        # Every row as the rule read it: still planned (a skip verdict) or skipped (planned again).
        verdicts = [(row.id, ("planned", None, None), ("pressure", "Contact pressure"), ()) for row in rows] + [
            (row.id, ("skipped", "pressure", "Contact pressure"), None, ()) for row in rows]
        self.assertForwardOnly(rows, lambda: self.Communication._replan_or_skip(verdicts[:len(rows)]))
        self.assertForwardOnly(rows, lambda: self.Communication._replan_or_skip(verdicts[len(rows):]))
        self.assertEqual(rows.filtered(lambda r: r.subject in ("sent", "done", "failed", "cancelled")).mapped(
            "state"), ["sent", "done", "failed", "cancelled"])
