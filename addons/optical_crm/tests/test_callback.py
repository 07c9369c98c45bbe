import datetime

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
@freeze_time("2026-03-09 09:00:00")
class TestCallback(OpticalCrmCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cycle("glasses_delivery", [(1, "weeks", "phone", "service")])

    def setUp(self):
        super().setUp()
        self.event(self.mario, "glasses_delivery", D(2026, 3, 2))
        self.plan(D(2026, 3, 9))
        self.Communication._cron_send_communications()
        self.call = self.communications(partner_id=self.mario.id).with_user(self.staff_a)
        self.assertEqual(self.call.state, "sent")

    def chatter(self):
        return "\n".join(self.mario.message_ids.mapped("body"))

    def test_reached_with_note_goes_to_the_chatter(self):
        self.call.action_callback_done("reached", "Adapting well, happy with the lenses")
        self.assertEqual((self.call.state, self.call.callback_outcome), ("done", "reached"))
        self.assertEqual(self.call.callback_note, "Adapting well, happy with the lenses")
        self.assertIn("Adapting well, happy with the lenses", self.chatter())
        self.assertIn("Callback: Reached", self.chatter())
        # The activity is done: no longer in the staff's to-do list.
        self.assertFalse(self.env["mail.activity"].search([
            ("id", "=", self.call.activity_id.id), ("active", "=", True)]))

    def test_no_answer_retries_then_gives_up(self):
        self.call.action_callback_done("no_answer")
        self.assertEqual((self.call.state, self.call.callback_attempts), ("sent", 1))
        self.assertEqual(self.call.activity_id.date_deadline, D(2026, 3, 10))
        self.assertIn("attempt 1 of 3", self.chatter())
        self.call.action_callback_done("no_answer")
        self.call.action_callback_done("no_answer")
        self.assertEqual((self.call.state, self.call.callback_attempts), ("failed", 3))
        self.assertEqual(self.call.failure_reason, "Not reached after 3 attempts")
        with self.assertRaisesRegex(UserError, "State"):
            self.call.action_callback_done("reached")

    def test_wrong_number_fails(self):
        self.call.action_callback_done("wrong_number", "Number of someone else")
        self.assertEqual((self.call.state, self.call.failure_reason), ("failed", "Wrong number"))

    def test_postpone_moves_the_activity(self):
        self.call.action_callback_postpone(D(2026, 3, 12), "Customer on holiday")
        self.assertEqual(self.call.state, "sent")
        self.assertEqual(self.call.activity_id.date_deadline, D(2026, 3, 12))
        self.assertIn("Callback postponed to 2026-03-12", self.chatter())
        with self.assertRaisesRegex(UserError, "Date"):
            self.call.action_callback_postpone(D(2026, 3, 1))

    def test_give_up_needs_a_reason(self):
        with self.assertRaisesRegex(UserError, "Reason"):
            self.call.action_callback_give_up("  ")
        self.call.action_callback_give_up("Customer moved abroad")
        self.assertEqual((self.call.state, self.call.skip_reason, self.call.callback_outcome),
                         ("cancelled", "Customer moved abroad", "given_up"))
        self.assertIn("Customer moved abroad", self.chatter())

    def test_unknown_outcome_names_the_field(self):
        with self.assertRaisesRegex(UserError, "Outcome"):
            self.call.action_callback_done("maybe")

    def test_done_from_the_activity_list(self):
        self.call.activity_id.with_user(self.staff_a).action_feedback(feedback="Called from the activity list")
        self.assertEqual((self.call.state, self.call.callback_outcome), ("done", "reached"))
        self.assertEqual(self.call.callback_note, "Called from the activity list")

    def test_wizard(self):
        wizard = self.env["optical.crm.callback.wizard"].with_user(self.staff_a).create({
            "communication_ids": [(6, 0, self.call.ids)], "action": "done", "outcome": "call_back_later",
            "note": "Call after 6pm",
        })
        wizard.action_confirm()
        self.assertEqual((self.call.state, self.call.callback_outcome), ("sent", "call_back_later"))
        self.assertEqual(self.call.activity_id.date_deadline, D(2026, 3, 10))
