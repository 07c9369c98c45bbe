import datetime
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import SQL

from .cloud_api_server import notification, status
from .common import WhatsappCase


@tagged("post_install", "-at_install", "optical_crm_whatsapp")
class TestWhatsappChannel(WhatsappCase):

    def test_cycle_step_reaches_customers_with_consent(self):
        """A cycle's WhatsApp step posts Meta's template message to the
        customer with WhatsApp consent, with the communication's reference;
        the customer without consent is skipped with the reason."""
        mario, lucia = self.send_today(self.mario, self.lucia)
        self.assertEqual(lucia.state, "skipped")
        self.assertEqual(lucia.skip_code, "consent")
        self.assertEqual(lucia.skip_reason, "No WhatsApp consent")
        self.assertEqual(mario.state, "sent")
        self.assertEqual(mario.whatsapp_state, "accepted")
        self.assertTrue(mario.whatsapp_message_id.startswith("wamid."))
        messages = self.cloud.messages()
        self.assertEqual(len(messages), 1)
        path, authorization, body = self.cloud.requests[0]
        self.assertEqual(path, "/v21.0/%s/messages" % self.PHONE_NUMBER_ID)
        self.assertEqual(authorization, "Bearer %s" % self.TOKEN)
        self.assertEqual(body, {
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+393331112233",
            "type": "template", "biz_opaque_callback_data": mario.whatsapp_reference,
            "template": {"name": "eye_exam_reminder", "language": {"code": "it"}, "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Mario"},
                                                {"type": "text", "text": "Ottica Centrale"}]}]},
        })
        self.assertEqual(mario.body, "Ciao Mario, è ora del controllo della vista da Ottica Centrale.")
        self.assertAlmostEqual(mario.whatsapp_cost, 0.0572)
        # The poster again: nothing is posted twice.
        self.Communication._cron_whatsapp_post()
        self.assertEqual(len(self.cloud.messages()), 1)

    def test_cost_in_analysis(self):
        """The analysis counts the shop's price of the message's category."""
        self.assertIn("whatsapp_cost", str(self.env["optical.crm.analysis"]._channel_cost_sql().code))

    def test_step_refuses_unapproved_template(self):
        """A WhatsApp step is refused at save without a template, with one
        Meta has not approved, or with another shop's account's template."""
        pending = self.env["optical.crm.whatsapp.template"].create({
            "name": "birthday_offer", "language": "it", "account_id": self.account.id, "body": "Auguri!"})
        with self.assertRaisesRegex(ValidationError, "needs a template"):
            self.cycle_wa.step_ids.write({"whatsapp_template_id": False})
        with self.assertRaisesRegex(ValidationError, "birthday_offer of step WhatsApp reminder is Pending"):
            self.cycle_wa.step_ids.write({"whatsapp_template_id": pending.id})
        account_b = self.env["optical.crm.whatsapp.account"].create({
            "name": "Corso", "company_id": self.shop_b.id, "api_url": self.cloud.url, "phone_number_id": "B1",
            "business_account_id": "WABA2"})
        template_b = self.env["optical.crm.whatsapp.template"].create({
            "name": "eye_exam_reminder", "language": "it", "account_id": account_b.id})
        template_b.status = "approved"
        with self.assertRaisesRegex(ValidationError, "belongs to the WhatsApp account of Ottica del Corso"):
            self.cycle_wa.step_ids.write({"whatsapp_template_id": template_b.id})

    def test_owner_cannot_approve_a_template(self):
        """Meta decides a template's status: an owner's write is refused."""
        pending = self.env["optical.crm.whatsapp.template"].create({
            "name": "promo", "language": "it", "account_id": self.account.id})
        with self.assertRaisesRegex(Exception, "Meta decides"):
            pending.with_user(self.owner).write({"status": "approved"})
        self.assertEqual(pending.status, "pending")

    def test_template_rejected_after_the_step_was_saved(self):
        """Meta rejects the template after the step was saved (its
        notification): the day's communication is skipped with the reason,
        and nothing is posted; approved again, it is planned again."""
        today = self.shop_a._optical_today()
        self.event(self.mario, "optometry", today)
        self.plan(today)
        communication = self.Communication.search([("cycle_id", "=", self.cycle_wa.id)])
        self.assertEqual(communication.state, "planned")
        response = self.webhook({"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [{
            "field": "message_template_status_update", "value": {
                "event": "REJECTED", "message_template_id": 111, "message_template_name": "eye_exam_reminder",
                "message_template_language": "it", "reason": "INCORRECT_CATEGORY"}}]}]})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.template.status, "rejected")
        self.Communication._cron_send_communications()
        self.Communication._cron_whatsapp_post()
        self.env.invalidate_all()
        self.assertEqual(communication.state, "skipped")
        self.assertEqual(communication.skip_code, "whatsapp_template")
        self.assertIn("not approved", communication.skip_reason)
        self.assertFalse(self.cloud.messages())
        self.template.sudo().status = "approved"
        self.Communication._apply_rules(SQL("c.id = %s", communication.id))
        self.env.invalidate_all()
        self.assertEqual(communication.state, "planned")

    def test_meta_refuses_the_message(self):
        """Meta refuses the post (400, its error): failed with Meta's reason."""
        with patch.object(type(self.Communication), "_whatsapp_claim", autospec=True,
                          side_effect=self._claim_and_plan(["400"])):
            communication = self.send_today(self.mario)
        self.assertEqual(communication.state, "failed")
        self.assertIn("132001", communication.failure_reason)
        self.assertIn("WhatsApp refused the message", communication.failure_reason)

    def test_rate_limit_with_retry_after(self):
        """A 429 with Retry-After is retried after the wait Meta asks for, then accepted."""
        sleeps = []
        with patch("odoo.addons.optical_crm.tools.http_client.BackoffRetry.sleep_function",
                   side_effect=sleeps.append), \
                patch.object(type(self.Communication), "_whatsapp_claim", autospec=True,
                             side_effect=self._claim_and_plan(["429", "ok"])):
            communication = self.send_today(self.mario)
        self.assertEqual(communication.whatsapp_state, "accepted")
        self.assertEqual(sleeps, [1])
        self.assertEqual(len(self.cloud.posts[communication.whatsapp_reference]), 1)

    def test_rate_limit_persisting_is_tried_later(self):
        """Still rate limited after the retries: queued again for later, not failed, not lost."""
        with patch("odoo.addons.optical_crm.tools.http_client.BackoffRetry.sleep_function"), \
                patch.object(type(self.Communication), "_whatsapp_claim", autospec=True,
                             side_effect=self._claim_and_plan(["429", "429", "429"])):
            communication = self.send_today(self.mario)
        self.assertEqual(communication.state, "sent")
        self.assertEqual(communication.whatsapp_state, "queued")
        self.assertGreater(communication.whatsapp_next_attempt, fields.Datetime.now())
        self.assertFalse(self.cloud.posts)

    def test_unknown_outcome_posted_again_only_without_status(self):
        """A timeout leaves the outcome unknown: the message is not posted
        again before the wait, nor after it when a status naming its
        reference arrived; without a status it is posted again after the
        wait, with the same reference."""
        with patch.object(type(self.Communication), "_whatsapp_claim", autospec=True,
                          side_effect=self._claim_and_plan(["timeout"])):
            mario = self.send_today(self.mario)
        self.assertEqual(mario.whatsapp_state, "posting")
        self.assertEqual(len(self.cloud.posts[mario.whatsapp_reference]), 1)
        self.Communication._cron_whatsapp_post()
        self.assertEqual(len(self.cloud.posts[mario.whatsapp_reference]), 1, "posted again before the wait")
        later = fields.Datetime.now() + datetime.timedelta(seconds=901)
        # A status naming the reference arrived: it was sent, never posted again.
        self.webhook(notification(self.PHONE_NUMBER_ID, [status(mario.whatsapp_reference, "sent", "wamid.T1")]))
        with patch("odoo.fields.Datetime.now", return_value=later):
            self.Communication._cron_whatsapp_post()
        self.assertEqual(len(self.cloud.posts[mario.whatsapp_reference]), 1)
        self.assertEqual(mario.whatsapp_state, "sent")
        # Without a status: posted again after the wait, same reference.
        self.lucia.optical_consent_whatsapp = True
        with patch.object(type(self.Communication), "_whatsapp_claim", autospec=True,
                          side_effect=self._claim_and_plan(["timeout"])):
            lucia = self.send_today(self.lucia)
        self.assertEqual(len(self.cloud.posts[lucia.whatsapp_reference]), 1)
        with patch("odoo.fields.Datetime.now", return_value=later):
            self.Communication._cron_whatsapp_post()
        self.env.invalidate_all()
        self.assertEqual(len(self.cloud.posts[lucia.whatsapp_reference]), 2)
        self.assertEqual(lucia.whatsapp_state, "accepted")

    def _claim_and_plan(self, actions):
        """A claim that first tells the stand-in how to answer the reference."""
        original = type(self.Communication)._whatsapp_claim

        def claim(records):
            for record in records:
                self.cloud.plan[record.whatsapp_reference] = list(actions)
            return original(records)
        return claim

    def test_template_sync(self):
        """The account's templates are read from Meta, page after page."""
        self.cloud.templates = [
            {"id": "1", "name": "eye_exam_reminder", "language": "it", "status": "PAUSED", "category": "MARKETING",
             "components": [{"type": "BODY", "text": "Ciao {{1}}"}]},
            {"id": "2", "name": "pickup_ready", "language": "it", "status": "APPROVED", "category": "UTILITY",
             "components": [{"type": "BODY", "text": "I suoi occhiali sono pronti"}]},
            {"id": "3", "name": "pickup_ready", "language": "en_US", "status": "PENDING", "category": "UTILITY"},
        ]
        self.account.with_user(self.owner).action_sync_templates()
        templates = self.env["optical.crm.whatsapp.template"].search([("account_id", "=", self.account.id)])
        self.assertEqual({(t.name, t.language, t.status, t.category) for t in templates}, {
            ("eye_exam_reminder", "it", "paused", "marketing"), ("pickup_ready", "it", "approved", "utility"),
            ("pickup_ready", "en_US", "pending", "utility")})
        gets = [path for path, _auth, body in self.cloud.requests if body is None]
        self.assertEqual(gets, ["/v21.0/WABA1/message_templates"] * 2)

    # ------------------------------------------------------------------
    # Replies
    # ------------------------------------------------------------------

    def reply(self, **values):
        Reply = self.env["optical.crm.whatsapp.reply"].with_user(self.staff_a)
        return Reply.create(dict({"partner_id": self.mario.id}, **values))

    def test_reply_inside_the_window(self):
        """The customer wrote an hour ago: staff answer in free text."""
        self.inbound(self.mario, "Posso passare sabato?", "wamid.IN1", hours_ago=1)
        wizard = self.reply(body="Certo, la aspettiamo!")
        self.assertTrue(wizard.window_open)
        wizard.action_send()
        (body,) = self.cloud.messages()
        self.assertEqual((body["type"], body["text"]["body"], body["to"]), ("text", "Certo, la aspettiamo!",
                                                                            "+393331112233"))
        out = self.env["optical.crm.whatsapp.message"].search([("direction", "=", "out")])
        self.assertEqual((out.partner_id, out.author_id), (self.mario, self.staff_a))

    def test_reply_outside_the_window_needs_a_template(self):
        """The customer wrote 25 hours ago: free text is refused, an approved template goes."""
        self.inbound(self.mario, "Grazie", "wamid.IN2", hours_ago=25)
        wizard = self.reply(body="Buongiorno!")
        self.assertFalse(wizard.window_open)
        with self.assertRaisesRegex(UserError, "more than 24 hours ago"):
            wizard.action_send()
        self.assertFalse(self.cloud.messages())
        self.reply(template_id=self.template.id).action_send()
        (body,) = self.cloud.messages()
        self.assertEqual((body["type"], body["template"]["name"]), ("template", "eye_exam_reminder"))
        self.assertEqual(body["template"]["components"][0]["parameters"][0]["text"], "Mario")

    def test_reply_screen_says_so_before_typing(self):
        """The reply form shows the closed window and hides the free text."""
        arch = self.env["optical.crm.whatsapp.reply"].get_view()["arch"]
        self.assertIn('invisible="window_open"', arch)
        self.assertIn('name="body" invisible="not window_open"', arch)

    def test_campaign_step_on_whatsapp(self):
        """A campaign step may be on WhatsApp too, with an approved template."""
        campaign = self.env["optical.crm.campaign"].create({
            "name": "Natale", "company_id": self.shop_a.id, "date_start": "2026-12-01", "date_end": "2026-12-24",
            "step_ids": [Command.create({"name": "WhatsApp", "day_offset": 0, "channel": "whatsapp",
                                         "whatsapp_template_id": self.template.id})]})
        self.assertEqual(campaign.step_ids.whatsapp_template_id, self.template)

    def test_reply_through_the_door_as_staff(self):
        """Over JSON-RPC as the browser sends it: the shop's assistant
        answers her shop's customer; another shop's assistant is refused
        and nothing is posted."""
        self.inbound(self.mario, "Ciao", "wamid.IN9", hours_ago=1)

        def reply_as(login):
            self.authenticate(login, login)
            wizard_id = self.make_jsonrpc_request("/web/dataset/call_kw", {
                "model": "optical.crm.whatsapp.reply", "method": "create",
                "args": [{"partner_id": self.mario.id, "body": "Arrivo!"}], "kwargs": {}})
            return self.make_jsonrpc_request("/web/dataset/call_kw", {
                "model": "optical.crm.whatsapp.reply", "method": "action_send", "args": [[wizard_id]],
                "kwargs": {}})

        with self.assertRaises(JsonRpcException):
            reply_as("staff_b")
        self.assertFalse(self.cloud.messages())
        reply_as("staff_a")
        self.assertEqual([body["text"]["body"] for body in self.cloud.messages()], ["Arrivo!"])

    def test_customer_without_mobile_skipped(self):
        """No mobile number: skipped on the day with the reason, nothing posted."""
        self.lucia.write({"optical_consent_whatsapp": True, "mobile": False})
        communication = self.send_today(self.lucia)
        self.assertEqual((communication.state, communication.skip_code), ("skipped", "contact"))
        self.assertIn("No usable mobile number for WhatsApp", communication.skip_reason)
        self.assertFalse(self.cloud.messages())

    def test_communication_form_shows_whatsapp(self):
        """The communication's form has a WhatsApp page: number, template, Meta's status, cost."""
        arch = self.Communication.get_view(self.env.ref("optical_crm.optical_crm_communication_view_form").id)["arch"]
        page = arch[arch.index('name="whatsapp"'):]
        page = page[:page.index("</page>")]
        for field in ("whatsapp_number", "whatsapp_template_id", "whatsapp_state", "whatsapp_cost"):
            self.assertIn('name="%s"' % field, page)
