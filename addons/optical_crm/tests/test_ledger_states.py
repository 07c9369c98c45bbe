from odoo.tests import tagged

from ..models.optical_crm_communication import STATE_TRANSITIONS
from .common import OpticalCrmCase

STATES = ("planned", "sent", "done", "skipped", "failed", "cancelled")


@tagged("post_install", "-at_install", "optical_crm")
class TestLedgerStates(OpticalCrmCase):
    """Every change of a communication's state goes through ``_set_state``:
    forward only, whatever calls it (a late report, a second click)."""

    def _one_in_each_state(self):
        communications = self.Communication.create([{
            "partner_id": self.mario.id, "company_id": self.shop_a.id, "channel": "export",
            "scheduled_date": "2026-03-02", "subject": state,
        } for state in STATES])
        for communication, state in zip(communications, STATES, strict=True):
            communication.state = state
        return communications

    def test_state_moves_forward_only(self):
        for target in STATES:
            communications = self._one_in_each_state()
            moved = communications._set_state(target)
            expected = {state for state in STATES if target in STATE_TRANSITIONS[state]}
            self.assertEqual(set(moved.mapped("subject")), expected, target)
            for communication in communications:
                self.assertEqual(communication.state, target if communication.subject in expected
                                 else communication.subject, target)

    def test_nothing_comes_back_from_done_or_cancelled(self):
        communications = self._one_in_each_state()
        final = communications.filtered(lambda c: c.state in ("done", "cancelled"))
        final._mark_sent()
        final._mark_failed("late error report")
        final._mark_skipped("consent", "No marketing consent")
        final._set_state("planned")
        self.assertEqual(final.mapped("state"), ["done", "cancelled"])
        self.assertFalse(any(final.mapped("failure_reason")))
        # A planned contact is never 'done' without being sent first.
        planned = communications.filtered(lambda c: c.state == "planned")
        self.assertFalse(planned._mark_done())
        self.assertEqual(planned.state, "planned")

    def test_state_with_values_per_row_moves_forward_only_in_one_write(self):
        # A sender writes each row's own text with the state: the same rule holds.
        for target in STATES:
            communications = self._one_in_each_state()
            moved = communications._set_state(target, per_row=(["body"], [
                (communication.id, "text of %s" % communication.subject) for communication in communications]),
                failure_reason="why")
            expected = {state for state in STATES if target in STATE_TRANSITIONS[state]}
            self.assertEqual(set(moved.mapped("subject")), expected, target)
            self.env.invalidate_all()
            for communication in communications:
                if communication.subject in expected:
                    self.assertEqual((communication.state, communication.body, communication.failure_reason),
                                     (target, "text of %s" % communication.subject, "why"), target)
                else:
                    self.assertEqual((communication.state, communication.body, communication.failure_reason),
                                     (communication.subject, False, False), target)
