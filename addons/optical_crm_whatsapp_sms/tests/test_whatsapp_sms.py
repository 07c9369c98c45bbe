from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.optical_crm_sms.tests.common import use_gateway
from odoo.addons.optical_crm_sms.tests.gateway_server import LocalSmsGateway
from odoo.addons.optical_crm_whatsapp.tests.common import WhatsappCase

GATEWAY_KEY = "test-gateway-key-whatsapp-sms"


@tagged("post_install", "-at_install", "optical_crm_whatsapp_sms")
class TestWhatsappThenSms(WhatsappCase):
    """A cycle step on WhatsApp with SMS as its alternative, through the
    planner, the sender and the poster against the local stand-ins of Meta's
    Cloud API and of the SMS gateway: what a shop sees on each communication
    (the channel used, why WhatsApp was passed over) and what reached the
    customers' phones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gateway = LocalSmsGateway(GATEWAY_KEY).__enter__()
        cls.addClassCleanup(cls.gateway.__exit__, None, None, None)
        use_gateway(cls.env, GATEWAY_KEY, cls.gateway.url)
        cls.env["sms.sms"].search([("state", "=", "outgoing")]).write({"state": "canceled"})
        cls.shop_a.write({"optical_sms_cost_per_segment": 0.05, "optical_sms_sender": "OtticaCent"})
        cls.step = cls.cycle_wa.step_ids
        cls.step.write({"body": "Ciao {{ object.first_name }}, è ora del controllo della vista!",
                        "fallback_ids": [Command.create({"channel": "sms"})]})
        # Untidy data: a customer as Odoo creates one (no company), and one reachable nowhere.
        cls.sara = cls.env["res.partner"].create({
            "name": "Sara Senzaditta", "mobile": "+39 347 555 0101", "optical_consent_marketing": True,
            "optical_consent_sms": True})
        cls.nadia = cls.customer("Nadia Nessuno", email="nadia@example.com")

    def setUp(self):
        super().setUp()
        with self.gateway.lock:
            self.gateway.requests.clear()
            self.gateway.delivered.clear()

    def send_today(self, *partners):
        communications = super().send_today(*partners)
        self.env["sms.sms"]._process_queue()
        self.env.invalidate_all()
        return communications

    def test_whatsapp_with_consent_sms_for_the_rest(self):
        mario, lucia, sara, nadia = self.send_today(self.mario, self.lucia, self.sara, self.nadia)
        self.assertFalse(sara.partner_id.company_id)
        # Mario gave WhatsApp consent: WhatsApp, nothing passed over.
        self.assertEqual((mario.state, mario.channel, mario.fallback_note, mario.whatsapp_state),
                         ("sent", "whatsapp", False, "accepted"))
        self.assertEqual([(body["to"], body["template"]["name"], body["biz_opaque_callback_data"])
                          for body in self.cloud.messages()],
                         [("+393331112233", "eye_exam_reminder", mario.whatsapp_reference)])
        # Lucia and Sara did not: an SMS, saying why.
        for communication, number in ((lucia, "+393334445566"), (sara, "+393475550101")):
            self.assertEqual((communication.channel, communication.fallback_note),
                             ("sms", "WhatsApp: No WhatsApp consent"))
            self.assertIn(communication.state, ("sent", "done"))
            self.assertEqual(self.gateway.delivered[communication.sms_reference]["to"], number)
            self.assertIn("è ora del controllo della vista!",
                          self.gateway.delivered[communication.sms_reference]["text"])
        self.assertEqual(len(self.gateway.requests), 2)
        # Nadia has no mobile: reached by neither, skipped with the step's own channel's reason.
        self.assertEqual((nadia.state, nadia.channel, nadia.skip_reason), ("skipped", "whatsapp",
                                                                           "No WhatsApp consent"))
        self.assertEqual(nadia.fallback_note.splitlines(), ["WhatsApp: No WhatsApp consent", "SMS: No mobile number"])

    def test_template_paused_after_the_step_was_saved_falls_back_to_sms(self):
        """Meta pauses the template after the step was saved: the day's
        WhatsApp message goes as an SMS, with the reason; nothing at Meta."""
        today = self.shop_a._optical_today()
        self.event(self.mario, "optometry", today)
        self.plan(today)
        communication = self.communications(cycle_step_id=self.step.id, partner_id=self.mario.id)
        self.assertEqual((communication.state, communication.channel), ("planned", "whatsapp"))
        response = self.webhook({"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [{
            "field": "message_template_status_update", "value": {
                "event": "PAUSED", "message_template_name": "eye_exam_reminder", "message_template_language": "it",
                "reason": "LOW_QUALITY"}}]}]})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.template.status, "paused")
        self.Communication._cron_send_communications()
        self.Communication._cron_whatsapp_post()
        self.env["sms.sms"]._process_queue()
        self.env.invalidate_all()
        self.assertEqual(communication.channel, "sms")
        self.assertIn(communication.state, ("sent", "done"))
        self.assertEqual(communication.fallback_note, "WhatsApp: WhatsApp template not approved on the shop's "
                                                      "account (paused, rejected or disabled by Meta)")
        self.assertEqual(self.gateway.delivered[communication.sms_reference]["to"], "+393331112233")
        self.assertFalse(self.cloud.messages())

    def test_link_button_opens_the_landing_page(self):
        """A template whose link button ends with ``{{1}}`` sends the
        customer's personal landing link: the part after the registered
        start, in a ``url`` button component at the button's index."""
        page = self.env["optical.crm.landing.page"].create({
            "name": "Controllo", "company_id": self.shop_a.id, "title": "Ciao {{ object.first_name }}",
            "body": "<p>Prenota il controllo</p>", "validity_days": 30})
        base = self.shop_a.get_base_url()
        self.template.button_ids = [
            Command.create({"sequence": 0, "button_type": "phone_number", "text": "Chiama il negozio",
                            "phone_number": "+390212345678"}),
            Command.create({"sequence": 1, "button_type": "url", "text": "Prenota", "url": base + "/l/{{1}}"})]
        with self.assertRaisesRegex(ValidationError, "choose the page"):
            self.step.flush_recordset()
            self.step._check_whatsapp_landing_page()
        self.step.landing_page_id = page
        (mario,) = self.send_today(self.mario)
        self.assertEqual((mario.whatsapp_state, mario.landing_page_id), ("accepted", page))
        token = mario.sudo().landing_token
        self.assertTrue(token)
        self.assertEqual(mario.landing_url, "%s/l/%s" % (base, token))
        (body,) = self.cloud.messages()
        self.assertEqual(body["template"]["components"][1:], [
            {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": token}]}])
        self.assertEqual(mario.body.splitlines()[1:], ["[Chiama il negozio] +390212345678",
                                                      "[Prenota] %s/l/%s" % (base, token)])
        # The link opens the customer's page; the communication's WhatsApp page shows it.
        self.assertIn("Prenota il controllo", self.url_open("/l/%s" % token).text)
        arch = self.Communication.get_view(self.env.ref("optical_crm.optical_crm_communication_view_form").id)["arch"]
        page = arch[arch.index('name="whatsapp"'):]
        self.assertIn('name="landing_url"', page[:page.index("</page>")])

    def test_landing_page_shown_on_whatsapp_steps(self):
        """The step form offers the landing page on WhatsApp steps too (with
        the app module's glue installed or not: the conditions add up)."""
        for view, model in (("optical_crm.optical_crm_cycle_step_view_form", "optical.crm.cycle.step"),
                            ("optical_crm.optical_crm_campaign_step_view_form", "optical.crm.campaign.step")):
            arch = self.env[model].get_view(self.env.ref(view).id)["arch"]
            field = arch[arch.index('<field name="landing_page_id"'):]
            invisible = field[field.index('invisible="') + 11:field.index('"', field.index('invisible="') + 11)]
            self.assertIn("channel != 'sms_link'", invisible.replace("&apos;", "'"))
            self.assertIn("channel != 'whatsapp'", invisible.replace("&apos;", "'"))
