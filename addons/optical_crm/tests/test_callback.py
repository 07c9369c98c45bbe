import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
@freeze_time("2026-03-09 09:00:00")
class TestCallback(OpticalCrmCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cycle("glasses_delivery", [(1, "weeks", "phone", "service")])
        # A second assistant of the shop: not the callback user, no e-mail address.
        cls.assistant = new_test_user(
            cls.env, "assistant_a", groups="optical_crm.group_optical_crm_user", email=False,
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id], name="Sara Assistant", lang="en_US",
        )
        cls.staff_a.lang = "en_US"

    def setUp(self):
        super().setUp()
        self.event(self.mario, "glasses_delivery", D(2026, 3, 2), lens_type="progressive")
        self.plan(D(2026, 3, 9))
        self.Communication._cron_send_communications()
        self.call = self.communications(partner_id=self.mario.id).with_user(self.staff_a)
        self.assertEqual(self.call.state, "sent")
        self.activity = self.call.activity_id

    def chatter(self):
        return "\n".join(self.mario.message_ids.mapped("body"))

    def call_list(self, user, **search_defaults):
        """What ``user`` sees in the call list with its default filters."""
        return self.action_records("optical_crm.optical_crm_communication_action_callback", user, **search_defaults)

    def done_activities(self):
        return self.env["mail.activity"].with_context(active_test=False).search([
            ("res_model", "=", "res.partner"), ("res_id", "=", self.mario.id), ("active", "=", False)])

    def test_reached_with_note_goes_to_the_chatter(self):
        self.call.action_callback_done("reached", "Adapting well, happy with the lenses")
        self.assertEqual((self.call.state, self.call.callback_outcome), ("done", "reached"))
        self.assertEqual(self.call.callback_note, "Adapting well, happy with the lenses")
        self.assertIn("Adapting well, happy with the lenses", self.chatter())
        self.assertIn("Callback: Reached", self.chatter())
        # The activity is done: no longer in the staff's to-do list.
        self.assertFalse(self.env["mail.activity"].search([
            ("id", "=", self.call.activity_id.id), ("active", "=", True)]))
        # One attempt recorded, once.
        self.assertEqual(self.call.callback_attempts, 1)
        self.assertEqual(self.call.callback_attempt_ids.mapped("outcome"), ["reached"])

    def test_no_answer_retries_then_gives_up(self):
        self.call.action_callback_done("no_answer", "Rang ten times")
        self.assertEqual((self.call.state, self.call.callback_attempts), ("sent", 1))
        self.assertEqual(self.call.activity_id.date_deadline, D(2026, 3, 10))
        # The list shows the day the call is due now, not its first day.
        self.assertEqual(self.call.scheduled_date, D(2026, 3, 10))
        self.assertIn("attempt 1 of 3", self.chatter())
        self.call.action_callback_done("no_answer", "Voicemail")
        self.call.action_callback_done("no_answer")
        self.assertEqual((self.call.state, self.call.callback_attempts), ("failed", 3))
        self.assertEqual(self.call.failure_reason, "Not reached after 3 attempts")
        # Every attempt's note is kept.
        self.assertEqual(sorted(self.call.callback_attempt_ids.mapped("note"), key=str),
                         sorted(["Rang ten times", "Voicemail", False], key=str))
        with self.assertRaisesRegex(UserError, "State"):
            self.call.action_callback_done("reached")

    def test_wrong_number_fails(self):
        self.call.action_callback_done("wrong_number", "Number of someone else")
        self.assertEqual((self.call.state, self.call.failure_reason), ("failed", "Wrong number"))
        self.assertEqual(self.call.callback_outcome, "wrong_number")

    def test_postpone_moves_the_call_to_its_new_day(self):
        self.call.action_callback_postpone(D(2026, 3, 12), "Customer on holiday")
        self.assertEqual(self.call.state, "sent")
        self.assertEqual(self.call.activity_id.date_deadline, D(2026, 3, 12))
        self.assertEqual(self.call.scheduled_date, D(2026, 3, 12))
        # The date in the shop's date format.
        self.assertIn("Callback postponed to %s" % self.shop_date(D(2026, 3, 12)), self.chatter())
        self.assertNotIn("2026-03-12", self.chatter())
        self.assertNotIn(self.call, self.call_list(self.staff_a))
        with freeze_time("2026-03-12 09:00:00"):
            self.assertIn(self.call, self.call_list(self.staff_a))
        with self.assertRaisesRegex(UserError, "Date"):
            self.call.action_callback_postpone(D(2026, 3, 1))

    def test_call_back_later_today_or_on_a_date(self):
        self.call.action_callback_done("call_back_later", "After 6pm")
        self.assertEqual((self.call.state, self.call.scheduled_date), ("sent", D(2026, 3, 9)))
        self.assertIn(self.call, self.call_list(self.staff_a))
        self.call.action_callback_done("call_back_later", "Next week", date=D(2026, 3, 16))
        self.assertEqual((self.call.scheduled_date, self.call.activity_id.date_deadline),
                         (D(2026, 3, 16), D(2026, 3, 16)))
        self.assertEqual(self.call.callback_attempt_ids.mapped("note"), ["Next week", "After 6pm"])

    def test_give_up_is_logged_as_given_up(self):
        with self.assertRaisesRegex(UserError, "Reason"):
            self.call.action_callback_give_up("  ")
        self.call.action_callback_give_up("Customer moved abroad")
        self.assertEqual((self.call.state, self.call.skip_reason, self.call.callback_outcome),
                         ("cancelled", "Customer moved abroad", "given_up"))
        self.assertIn("Callback given up: Customer moved abroad", self.chatter())
        # Not counted as a done activity, and gone from the to-do list.
        self.assertFalse(self.done_activities())
        self.assertFalse(self.activity.exists())

    def test_unknown_outcome_names_the_field(self):
        with self.assertRaisesRegex(UserError, "Outcome"):
            self.call.action_callback_done("maybe")

    def test_another_assistant_works_the_shop_calls(self):
        """An assistant who is not the callback user, without an e-mail
        address, sees the shop's unassigned calls by default and records
        every outcome."""
        self.assertFalse(self.call.user_id, "a call belongs to the shop until someone takes it")
        self.assertEqual(self.activity.user_id, self.staff_a, "the shop's callback user gets the reminder")
        self.assertIn(self.call, self.call_list(self.assistant))
        # The callback activity shows in the customer's chatter for them too.
        self.assertEqual(self.mario.with_user(self.assistant).activity_ids, self.activity)
        call = self.call.with_user(self.assistant)
        call.action_callback_done("no_answer", "First try")
        call.action_callback_done("call_back_later", "Busy")
        call.action_callback_postpone(D(2026, 3, 10), "At work today")
        call.action_callback_done("reached", "All good")
        self.assertEqual((call.state, call.callback_outcome, call.callback_attempts), ("done", "reached", 3))
        self.assertEqual(call.callback_attempt_ids.user_id, self.assistant)
        self.assertIn("All good", self.chatter())

    def test_another_assistant_gives_up(self):
        self.call.with_user(self.assistant).action_callback_give_up("Deceased")
        self.assertEqual(self.call.state, "cancelled")

    def test_staff_of_another_shop_cannot_record(self):
        with self.assertRaises(AccessError):
            self.call.with_user(self.staff_b).action_callback_done("reached")
        self.assertEqual(self.call.state, "sent")

    def test_assignment_moves_the_activity(self):
        self.call.with_user(self.assistant).action_callback_take()
        self.assertEqual((self.call.user_id, self.activity.user_id), (self.assistant, self.assistant))
        self.assertIn(self.call, self.call_list(self.assistant))
        self.assertNotIn(self.call, self.call_list(self.staff_a))
        self.assertIn(self.call, self.call_list(self.staff_a, my_callbacks=0))
        # Reassigned by the owner from the call's form.
        self.call.with_user(self.owner).write({"user_id": self.staff_a.id})
        self.assertEqual(self.activity.user_id, self.staff_a)
        # Or from the activity: the call follows, its date too.
        self.activity.with_user(self.staff_a).write({"user_id": self.assistant.id, "date_deadline": D(2026, 3, 11)})
        self.assertEqual((self.call.user_id, self.call.scheduled_date), (self.assistant, D(2026, 3, 11)))

    # -- the activity's own "Done" and "Delete" (chatter, systray) ----------

    def test_done_from_the_activity_list(self):
        self.activity.with_user(self.staff_a).action_feedback(feedback="Called from the activity list")
        self.assertEqual((self.call.state, self.call.callback_outcome), ("done", "reached"))
        self.assertEqual(self.call.callback_note, "Called from the activity list")

    def test_done_from_the_chatter_by_another_assistant(self):
        """Marking someone else's callback activity done from the chatter:
        the call is reached, counted once, and leaves the call list."""
        self.activity.with_user(self.assistant).action_feedback(feedback="Reached from the chatter")
        self.assertEqual((self.call.state, self.call.callback_outcome, self.call.callback_attempts),
                         ("done", "reached", 1))
        self.assertEqual(self.call.callback_attempt_ids.mapped("note"), ["Reached from the chatter"])
        self.assertNotIn(self.call, self.call_list(self.assistant, my_callbacks=0, due=0))
        self.assertIn("Reached from the chatter", self.chatter())
        self.assertEqual(len(self.done_activities()), 1)

    def test_dialog_outcome_is_recorded_once(self):
        self.call.action_callback_done("reached", "Once")
        self.assertEqual(self.call.callback_attempts, 1)
        self.assertEqual(len(self.call.callback_attempt_ids), 1)
        self.assertEqual(self.mario.message_ids.mapped("body").count(
            next(b for b in self.mario.message_ids.mapped("body") if "Once" in b)), 1)

    def test_wrong_number_stays_wrong_number(self):
        self.call.action_callback_done("wrong_number")
        self.assertEqual((self.call.state, self.call.callback_outcome), ("failed", "wrong_number"))
        self.assertEqual(self.call.callback_attempts, 1)

    def test_deleting_the_activity_gives_the_call_up(self):
        self.activity.with_user(self.assistant).unlink()
        self.assertEqual((self.call.state, self.call.callback_outcome), ("cancelled", "given_up"))
        self.assertEqual(self.call.skip_reason, "Callback activity deleted")
        self.assertIn("Callback activity deleted", self.chatter())
        self.assertNotIn(self.call, self.call_list(self.assistant, my_callbacks=0, due=0))

    def test_deleting_a_done_activity_keeps_the_outcome(self):
        self.call.action_callback_done("reached", "Fine")
        self.done_activities().unlink()
        self.assertEqual((self.call.state, self.call.callback_outcome), ("done", "reached"))

    def test_wizard(self):
        wizard = self.env["optical.crm.callback.wizard"].with_user(self.staff_a).create({
            "communication_ids": [(6, 0, self.call.ids)], "action": "done", "outcome": "call_back_later",
            "note": "Call after 6pm",
        })
        # The dialog shows why to call and the call script.
        self.assertIn("Progressive", wizard.callback_reason)
        self.assertIn("on %s" % self.shop_date(D(2026, 3, 2)), wizard.callback_reason)
        self.assertEqual(wizard.script, self.call.body)
        self.assertEqual(wizard.date, D(2026, 3, 9), "call back later: later today by default")
        wizard.action_confirm()
        self.assertEqual((self.call.state, self.call.callback_outcome), ("sent", "call_back_later"))
        self.assertEqual(self.call.activity_id.date_deadline, D(2026, 3, 9))
        action = self.call.action_open_callback_wizard()
        self.assertEqual(action["name"], "Call Mario Rossi")

    def test_dates_in_texts_as_the_shop_writes_them(self):
        self.assertEqual(self.call.event_date_text, self.shop_date(D(2026, 3, 2)))
        self.assertIn("(%s)" % self.shop_date(D(2026, 3, 2)), self.call.event_id.display_name)
        self.assertNotIn("2026-03-02", self.call.event_id.display_name)
        # An event being entered, its shop field cleared, is named with the date as the shop writes it too.
        draft = self.env["optical.crm.event"].new({
            "partner_id": self.mario.id, "event_type": "glasses_delivery", "event_date": D(2026, 3, 2),
            "company_id": False})
        self.assertFalse(draft.company_id)
        self.assertIn("(%s)" % self.shop_date(D(2026, 3, 2)), draft.display_name)
        self.assertNotIn("2026-03-02", draft.display_name)
