from odoo.tests import tagged

from .common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppChatLanguage(OpticalAppCase):
    """What the app chat writes in Odoo is in the language of who reads it: the activity's summary in the
    assignee's, the chatter's pairing note in the shop's, the reply's title in the customer's, whatever the
    language of the request that wrote it."""

    def setUp(self):
        super().setUp()
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"].search([("name", "in", ("optical_crm_app", "mail"))])._update_translations(
            ["it_IT"], overwrite=True)
        self.shop_a.partner_id.lang = "it_IT"
        self.staff_a.lang = "it_IT"
        self.shop_a.optical_callback_user_id = self.staff_a

    def test_summary_note_and_title_in_the_readers_language(self):
        self.mario.lang = "en_US"
        self.pair(self.mario)
        self.assertIn("App associata sul dispositivo", self.mario.message_ids[:1].body,
                      "the shop reads the pairing note in Italian")
        device = self.env["optical.app.device"].search([("partner_id", "=", self.mario.id)])
        device.with_context(lang="en_US")._chat_receive("Are my lenses ready?")
        activity = self.mario.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("optical_crm_app.mail_activity_type_app_chat"))
        self.assertEqual(activity.summary, "Messaggio dall'app di %s" % self.mario.name)
        # An Italian customer reads the title of an English-speaking assistant's reply in Italian.
        self.mario.lang = "it_IT"
        self.staff_a.lang = "en_US"
        self.mario.with_user(self.staff_a).with_context(lang="en_US").message_post(
            body="Yes, come tomorrow", message_type="comment", subtype_xmlid="mail.mt_comment")
        answer = self.env["optical.app.message"].search([("partner_id", "=", self.mario.id), ("direction", "=", "out")])
        self.assertEqual(answer.title, "Messaggio da %s" % self.shop_a.name)
