from odoo.tests import tagged

from odoo.addons.optical_crm.tests.common_tour import OpticalTourCase


@tagged("post_install", "-at_install", "optical_crm_app", "optical_crm_tour")
class TestTourChat(OpticalTourCase):
    """The app chat in a real browser: the assistant answers from the message, on a desk and on a tablet;
    the owner's reply in the chatter reaches the app and e-mails nobody."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        shop = cls.env.company
        cls.assistant = cls.shop_user(cls.env, "chat_assistant", "Sara Assistente", shop, email=False)
        cls.owner = cls.shop_user(cls.env, "chat_owner", "Anna Titolare", shop, owner=True, email="owner@example.com")
        shop.optical_callback_user_id = cls.assistant
        cls.chiara = cls.env["res.partner"].create({
            "name": "Tour Chiara Esposito", "mobile": "+39 347 765 4321", "email": "chiara@example.com",
            "company_id": shop.id, "optical_consent_app": True,
        })
        cls.device = cls.env["optical.app.device"].sudo().create({
            "partner_id": cls.chiara.id, "company_id": shop.id, "api_key_hash": "tour-not-a-real-key"})
        cls.device._chat_receive("Are my lenses ready?")

    def chat_activities(self):
        return self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "=", self.chiara.id),
            ("activity_type_id", "=", self.env.ref("optical_crm_app.mail_activity_type_app_chat").id)])

    def replies(self):
        return self.env["optical.app.message"].search([("partner_id", "=", self.chiara.id), ("direction", "=", "out")])

    def _answer_from_the_message(self):
        self.assertTrue(self.chat_activities())
        self.start_tour("/odoo", "optical_crm_app_chat_tour", login="chat_assistant", timeout=120)
        self.assertEqual(self.replies().mapped("body"), ["Yes, they are ready: see you tomorrow!"])
        self.assertFalse(self.chat_activities(), "the App message activity is done")
        reply = self.replies().mail_message_id
        self.assertEqual(reply.author_id, self.assistant.partner_id)
        self.assertFalse(reply.notification_ids.filtered(lambda n: n.notification_type == "email"),
                         "nobody is e-mailed")

    def test_answer_from_the_message_desk(self):
        self.browser_size = "1366x768"
        self._answer_from_the_message()

    def test_answer_from_the_message_tablet(self):
        self.browser_size = "768x1024"
        self._answer_from_the_message()

    def test_owner_reply_in_the_chatter_sends_no_e_mail(self):
        url = "/odoo/action-optical_crm.res_partner_action_optical_customers/%s" % self.chiara.id
        self.start_tour(url, "optical_crm_app_owner_reply_tour", login="chat_owner", timeout=120)
        reply = self.chiara.message_ids.filtered(lambda m: "Your lenses are ready" in str(m.body))
        self.assertEqual(reply.author_id, self.owner.partner_id)
        self.assertNotIn(self.chiara, reply.partner_ids)
        self.assertFalse(reply.notification_ids.filtered(lambda n: n.res_partner_id == self.chiara))
        mails = self.env["mail.mail"].search([("mail_message_id", "=", reply.id)])
        self.assertNotIn(self.chiara, mails.recipient_ids, "no e-mail to the customer")
        self.assertNotIn("chiara@example.com", " ".join(mails.mapped(lambda mail: mail.email_to or "")))
        self.assertEqual(self.replies().mapped("body"), ["Your lenses are ready"], "the reply reaches the app")
        self.assertFalse(self.chat_activities())
