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
