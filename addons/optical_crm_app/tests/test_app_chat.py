from odoo.tests import tagged

from .common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppChat(OpticalAppCase):
    """The chat works both ways: the customer writes from the app, the message
    lands in the customer's chatter with an activity the shop cannot miss, and
    the staff's reply reaches the app (and its push)."""

    def setUp(self):
        super().setUp()
        self.mario_key = self.pair(self.mario, push_token="tok-mario")
        self.lucia_key = self.pair(self.lucia)

    def post_message(self, key, text):
        return self.call("POST", "/messages", key=key, body={"text": text})

    def chat_activities(self, partner):
        return self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "=", partner.id),
            ("activity_type_id", "=", self.env.ref("optical_crm_app.mail_activity_type_app_chat").id)])

    def test_customer_writes_and_staff_reply_reaches_the_app(self):
        response = self.post_message(self.mario_key, "  Are my new lenses ready?  ")
        self.assertEqual(response.status_code, 201, response.text)
        sent = response.json()
        self.assertEqual((sent["from"], sent["text"]), ("customer", "Are my new lenses ready?"))
        # In the customer's chatter, written by the customer...
        note = self.mario.message_ids.filtered(lambda m: "Are my new lenses ready?" in str(m.body))
        self.assertEqual(note.author_id, self.mario)
        # ... with an activity for the shop's caller, seen in their activities.
        activity = self.chat_activities(self.mario)
        self.assertEqual(activity.user_id, self.staff_a)
        self.assertIn("Are my new lenses ready?", str(activity.note))
        self.assertEqual(self.mario.with_user(self.staff_a).optical_app_chat_unanswered, 1)
        # A second message does not pile up a second activity.
        self.assertEqual(self.post_message(self.mario_key, "I can come on Friday").status_code, 201)
        self.assertEqual(len(self.chat_activities(self.mario)), 1)
        self.assertEqual(self.mario.optical_app_chat_unanswered, 2)

        # A log note stays internal.
        self.mario.with_user(self.staff_a).message_post(
            body="Lenses arrive Thursday", message_type="comment", subtype_xmlid="mail.mt_note")
        self.assertEqual(len(self.call("GET", "/messages", key=self.mario_key).json()["messages"]), 2)
        # Staff reply with "Send message" in the chatter: the reply reaches the app.
        self.mario.with_user(self.staff_a).message_post(
            body="Yes, see you on Friday!", message_type="comment", subtype_xmlid="mail.mt_comment")
        page = self.call("GET", "/messages", key=self.mario_key).json()
        self.assertEqual([(m["from"], m["text"]) for m in page["messages"]], [
            ("shop", "Yes, see you on Friday!"),
            ("customer", "I can come on Friday"),
            ("customer", "Are my new lenses ready?"),
        ])
        self.assertEqual(page["unread"], 1)
        # ... with its push notification to the customer's phone.
        self.Push = self.env["optical.app.push"]
        self.Push._cron_process_push_queue()
        (pushed,) = self.push_server.delivered.values()
        self.assertEqual((pushed["token"], pushed["body"]), ("tok-mario", "Yes, see you on Friday!"))
        # Answered: the activity is done and the counter is back to zero.
        self.assertFalse(self.chat_activities(self.mario))
        self.mario.invalidate_recordset()
        self.assertEqual(self.mario.optical_app_chat_unanswered, 0)
        # The customer reads the reply.
        reply_id = page["messages"][0]["id"]
        self.assertEqual(self.call("POST", "/messages/%s/read" % reply_id, key=self.mario_key).status_code, 200)
        self.assertEqual(self.call("GET", "/messages", key=self.mario_key).json()["unread"], 0)

    def test_customers_and_shops_are_isolated(self):
        mine = self.post_message(self.mario_key, "Private question").json()
        # Another customer sees nothing of it, and cannot touch it.
        self.assertEqual(self.call("GET", "/messages", key=self.lucia_key).json()["messages"], [])
        self.assertJsonError(self.call("POST", "/messages/%s/read" % mine["id"], key=self.lucia_key), 404, "message")
        # A reply to Lucia does not reach Mario.
        self.assertEqual(self.post_message(self.lucia_key, "Hello shop").status_code, 201)
        self.lucia.with_user(self.staff_a).message_post(
            body="Hello Lucia", message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertEqual([m["text"] for m in self.call("GET", "/messages", key=self.mario_key).json()["messages"]],
                         ["Private question"])
        # The other shop's staff do not see the message.
        Message = self.env["optical.app.message"]
        self.assertFalse(Message.with_user(self.staff_b).search([("id", "=", mine["id"])]))
        self.assertTrue(Message.with_user(self.staff_a).search([("id", "=", mine["id"])]))

    def test_rate_limit(self):
        self.env["ir.config_parameter"].sudo().set_param("optical_crm_app.chat_rate_limit", "3")
        for n in range(3):
            self.assertEqual(self.post_message(self.mario_key, "Message %s" % n).status_code, 201)
        self.assertJsonError(self.post_message(self.mario_key, "One more"), 429, "text")
        self.assertEqual(self.mario.optical_app_chat_unanswered, 3)
        # The limit is per customer: Lucia can still write.
        self.assertEqual(self.post_message(self.lucia_key, "Hello").status_code, 201)

    def test_bad_input_is_refused_naming_the_field(self):
        self.assertJsonError(self.call("POST", "/messages", body={"text": "hi"}), 401, "Authorization")
        self.assertJsonError(self.call("POST", "/messages", key="not-a-key", body={"text": "hi"}), 401,
                             "Authorization")
        self.assertJsonError(self.call("POST", "/messages", key=self.mario_key, raw="{not json"), 400, "body")
        self.assertJsonError(self.call("POST", "/messages", key=self.mario_key, body=["text"]), 400, "body")
        for bad in ({}, {"text": ""}, {"text": "   "}, {"text": 42}, {"text": ["a"]}, {"text": None},
                    {"text": "x" * 2001}, {"text": "nul\x00byte"}):
            self.assertJsonError(self.post_message(self.mario_key, bad.get("text")) if "text" in bad else
                                 self.call("POST", "/messages", key=self.mario_key, body=bad), 400, "text")
        self.assertJsonError(self.call("POST", "/messages", key=self.mario_key, raw='{"text": "\\ud800"}'), 400,
                             "text")
        self.assertEqual(self.mario.optical_app_chat_unanswered, 0)
        self.assertFalse(self.chat_activities(self.mario))
