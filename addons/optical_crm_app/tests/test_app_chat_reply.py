from odoo.tests import tagged
from odoo.tests.common import JsonRpcException

from .common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppChatReply(OpticalAppCase):
    """*Reply* on a customer's app message, as the browser sends it: the answer reaches the app, closes the
    activity and e-mails nobody; another shop's customer cannot be answered."""

    def setUp(self):
        super().setUp()
        self.pair(self.mario)
        self.pair(self.bruno, user=self.staff_b)
        self.question = self.env["optical.app.device"].search([("partner_id", "=", self.mario.id)])._chat_receive(
            "Are my lenses ready?")
        self.foreign = self.env["optical.app.device"].search([("partner_id", "=", self.bruno.id)])._chat_receive(
            "Hello")

    def kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request("/web/dataset/call_kw", {
            "model": model, "method": method, "args": args,
            "kwargs": dict(kwargs or {}, context={"allowed_company_ids": [self.shop_a.id]})})

    def reply(self, message, text):
        action = self.kw("optical.app.message", "action_reply", [[message.id]])
        wizard_id = self.kw("optical.app.reply.wizard", "create", [{"message_id": message.id, "body": text}],
                            {"context": action["context"]})
        return self.kw("optical.app.reply.wizard", "action_send", [[wizard_id]])

    def test_staff_reply_from_the_message(self):
        self.authenticate(self.staff_a.login, self.staff_a.login)
        self.reply(self.question, "Yes, come tomorrow")
        self.env.invalidate_all()
        answer = self.env["optical.app.message"].search([("partner_id", "=", self.mario.id), ("direction", "=", "out")])
        self.assertEqual(answer.body, "Yes, come tomorrow")
        self.assertTrue(self.question.is_answered)
        self.assertFalse(self.mario.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("optical_crm_app.mail_activity_type_app_chat")))
        self.assertNotIn(self.mario, answer.mail_message_id.notification_ids.res_partner_id)

    def test_another_shops_customer_cannot_be_answered(self):
        self.authenticate(self.staff_a.login, self.staff_a.login)
        with self.assertRaises(JsonRpcException):
            self.reply(self.foreign, "Not my customer")
        self.env.invalidate_all()
        self.assertFalse(self.env["optical.app.message"].search([
            ("partner_id", "=", self.bruno.id), ("direction", "=", "out")]))
        self.assertFalse(self.foreign.is_answered)

    def test_a_chatter_reply_to_an_app_customer_e_mails_nobody(self):
        """Even a customer who follows their own card and accepts e-mail gets the reply in the app only."""
        self.mario.message_subscribe(partner_ids=self.mario.ids)
        self.assertTrue(self.mario.optical_consent_email)
        reply = self.mario.with_user(self.staff_a).message_post(
            body="See you tomorrow", message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertNotIn(self.mario, reply.notification_ids.res_partner_id)
        self.assertEqual(self.env["optical.app.message"].search([
            ("partner_id", "=", self.mario.id), ("direction", "=", "out")]).body, "See you tomorrow")

    def test_pairing_does_not_make_the_customer_a_follower(self):
        self.assertNotIn(self.mario, self.mario.message_partner_ids)
