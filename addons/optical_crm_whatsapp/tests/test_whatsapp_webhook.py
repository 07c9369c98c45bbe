from odoo.tests import tagged

from .cloud_api_server import notification, status
from .common import WhatsappCase


@tagged("post_install", "-at_install", "optical_crm_whatsapp")
class TestWhatsappWebhook(WhatsappCase):

    def test_handshake(self):
        """Meta's verification: the challenge echoed as plain text for the
        right verify token, 403 otherwise."""
        url = "/optical_crm_whatsapp/webhook?hub.mode=subscribe&hub.verify_token=%s&hub.challenge=1158201444"
        response = self.url_open(url % self.VERIFY)
        self.assertEqual((response.status_code, response.text), (200, "1158201444"))
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
        self.assertEqual(self.url_open(url % "wrong-token").status_code, 403)
        self.assertEqual(self.url_open(url.replace("subscribe", "unsubscribe") % self.VERIFY).status_code, 403)
        self.assertEqual(self.url_open("/optical_crm_whatsapp/webhook").status_code, 403)

    def test_statuses_applied_once_under_repeats(self):
        """sent, delivered, delivered again, a late sent and a failed after
        delivery: the communication is done once and never moves back."""
        mario = self.send_today(self.mario)
        reference, wamid = mario.whatsapp_reference, mario.whatsapp_message_id
        sent = notification(self.PHONE_NUMBER_ID, [status(reference, "sent", wamid)])
        delivered = notification(self.PHONE_NUMBER_ID, [status(reference, "delivered", wamid)])
        self.assertEqual(self.webhook(sent).status_code, 200)
        self.assertEqual((mario.state, mario.whatsapp_state), ("sent", "sent"))
        self.assertEqual(self.webhook(delivered).status_code, 200)
        self.assertEqual((mario.state, mario.whatsapp_state), ("done", "delivered"))
        outcome_date = mario.outcome_date
        for payload in (delivered, sent, delivered, notification(self.PHONE_NUMBER_ID, [
                status(reference, "failed", wamid, errors=[{"code": 131026, "title": "Message undeliverable"}])])):
            self.assertEqual(self.webhook(payload).status_code, 200)
            self.assertEqual((mario.state, mario.whatsapp_state, mario.outcome_date),
                             ("done", "delivered", outcome_date))
        read = notification(self.PHONE_NUMBER_ID, [status(reference, "read", wamid)])
        self.webhook(read)
        self.webhook(read)
        self.assertEqual((mario.state, mario.whatsapp_state), ("done", "read"))

    def test_failed_status_with_metas_error(self):
        """A failed status fails the communication with Meta's error."""
        mario = self.send_today(self.mario)
        self.webhook(notification(self.PHONE_NUMBER_ID, [status(
            mario.whatsapp_reference, "failed", mario.whatsapp_message_id,
            errors=[{"code": 131026, "title": "Message undeliverable",
                     "error_data": {"details": "Receiver is incapable of receiving this message"}}])]))
        self.assertEqual(mario.state, "failed")
        self.assertIn("131026", mario.failure_reason)
        self.assertIn("Receiver is incapable", mario.failure_reason)

    def test_forged_signature_refused(self):
        """A body signed with another secret, unsigned or altered: 401, nothing applied."""
        mario = self.send_today(self.mario)
        payload = notification(self.PHONE_NUMBER_ID, [status(mario.whatsapp_reference, "delivered")])
        self.assertEqual(self.webhook(payload, secret="not-the-app-secret").status_code, 401)
        self.assertEqual(self.webhook(payload, signature="sha256=" + "0" * 64).status_code, 401)
        response = self.url_open("/optical_crm_whatsapp/webhook", data=b'{"entry": []}',
                                 headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 401)
        # Another account's number with this account's secret: 401 as well.
        self.assertEqual(self.webhook(notification("999", [status(mario.whatsapp_reference, "delivered")]))
                         .status_code, 401)
        self.assertEqual((mario.state, mario.whatsapp_state), ("sent", "accepted"))

    def test_inbound_message_to_the_customer_once(self):
        """A customer's message lands in their chatter with a "WhatsApp
        message" activity for the shop's staff, once whatever Meta repeats."""
        payload = notification(self.PHONE_NUMBER_ID, messages=[{
            "from": "393331112233", "id": "wamid.IN100", "timestamp": "1765000000", "type": "text",
            "text": {"body": "Buongiorno, i miei occhiali sono pronti?"}}])
        for _attempt in range(2):
            self.assertEqual(self.webhook(payload).status_code, 200)
        messages = self.env["optical.crm.whatsapp.message"].search([("wamid", "=", "wamid.IN100")])
        self.assertEqual((messages.partner_id, messages.direction, messages.company_id),
                         (self.mario, "in", self.shop_a))
        activities = self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "=", self.mario.id),
            ("activity_type_id", "=", self.env.ref("optical_crm_whatsapp.mail_activity_type_whatsapp").id)])
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.staff_a)
        notes = self.mario.message_ids.filtered(lambda m: "i miei occhiali sono pronti" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        # The window is open now: staff may answer in free text.
        wizard = self.env["optical.crm.whatsapp.reply"].with_user(self.staff_a).create({"partner_id": self.mario.id})
        self.assertTrue(wizard.window_open)

    def test_inbound_customer_of_another_shop_not_matched(self):
        """A number is looked up among the account's shop's customers only."""
        other = self.customer("Mario Corso", shop=self.shop_b, mobile="+39 333 1112299")
        self.webhook(notification(self.PHONE_NUMBER_ID, messages=[{
            "from": "393331112299", "id": "wamid.IN200", "type": "text", "text": {"body": "Ciao"}}]))
        message = self.env["optical.crm.whatsapp.message"].search([("wamid", "=", "wamid.IN200")])
        self.assertTrue(message)
        self.assertFalse(message.partner_id)
        self.assertFalse(other.message_ids.filtered(lambda m: "Ciao" in (m.body or "")))

    def test_stop_revokes_whatsapp_consent(self):
        """STOP (the same opt-out words as SMS) revokes the WhatsApp consent;
        the next WhatsApp step skips the customer with the reason."""
        self.mario.mobile = "333 111 2233"
        self.webhook(notification(self.PHONE_NUMBER_ID, messages=[{
            "from": "393331112233", "id": "wamid.IN300", "type": "text", "text": {"body": "STOP per favore"}}]))
        self.assertFalse(self.mario.optical_consent_whatsapp)
        self.assertTrue(self.mario.optical_consent_sms, "STOP on WhatsApp leaves the SMS consent alone")
        self.assertTrue(self.mario.message_ids.filtered(lambda m: "STOP received on WhatsApp" in (m.body or "")))
        communication = self.send_today(self.mario)
        self.assertEqual((communication.state, communication.skip_reason), ("skipped", "No WhatsApp consent"))
        self.assertFalse(self.cloud.messages())
