from odoo import Command
from odoo.tests import tagged

from .common import WhatsappCase

PHONE = {"type": "PHONE_NUMBER", "text": "Chiama il negozio", "phone_number": "+390212345678"}
LINK = {"type": "URL", "text": "Prenota", "url": "https://ottica.example/l/{{1}}",
        "example": ["https://ottica.example/l/abc"]}


@tagged("post_install", "-at_install", "optical_crm_whatsapp")
class TestWhatsappButtons(WhatsappCase):
    """A template's buttons as Meta registers them: read from the account's
    template list, shown on the template, and sent as Meta's ``button``
    components (a dynamic link's ``{{1}}`` only: a phone number or a fixed
    link is registered at Meta and never sent)."""

    def meta_template(self, buttons, status="APPROVED"):
        return {"id": "77", "name": "eye_exam_reminder", "language": "it", "status": status,
                "category": "MARKETING", "components": [
                    {"type": "BODY", "text": "Ciao {{1}}, è ora del controllo della vista da {{2}}."},
                    {"type": "BUTTONS", "buttons": buttons}]}

    def test_buttons_synced_from_meta(self):
        self.cloud.templates = [self.meta_template([PHONE, LINK]),
                                {"id": "78", "name": "pickup_ready", "language": "it", "status": "APPROVED",
                                 "category": "UTILITY", "components": [
                                     {"type": "BODY", "text": "Pronti!"},
                                     {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Grazie"}]}]}]
        self.account.with_user(self.owner).action_sync_templates()
        buttons = self.template.button_ids
        self.assertEqual([(b.button_type, b.text, b.url, b.phone_number, b.dynamic) for b in buttons], [
            ("phone_number", "Chiama il negozio", False, "+390212345678", False),
            ("url", "Prenota", "https://ottica.example/l/{{1}}", False, True)])
        self.assertEqual(buttons[1].url_variable, "landing_url")
        pickup = self.env["optical.crm.whatsapp.template"].search([("name", "=", "pickup_ready")])
        self.assertEqual(pickup.button_ids.mapped("button_type"), ["quick_reply"])
        # Synced again unchanged: the same buttons, what the owner mapped kept.
        buttons[1].url_variable = "shop"
        self.account.with_user(self.owner).action_sync_templates()
        self.assertEqual(self.template.button_ids, buttons)
        self.assertEqual(buttons[1].url_variable, "shop")
        # Changed at Meta (the link button removed): the template follows Meta.
        self.cloud.templates = [self.meta_template([PHONE])]
        self.account.with_user(self.owner).action_sync_templates()
        self.assertEqual(self.template.button_ids.mapped("text"), ["Chiama il negozio"])

    def test_buttons_on_the_template_form(self):
        arch = self.env["optical.crm.whatsapp.template"].get_view(
            self.env.ref("optical_crm_whatsapp.optical_crm_whatsapp_template_view_form").id)["arch"]
        for field in ('name="button_ids"', 'name="button_type"', 'name="url"', 'name="phone_number"',
                      'name="url_variable"'):
            self.assertIn(field, arch)

    def test_fixed_buttons_are_not_sent(self):
        """A phone number and a fixed link: Meta has them, the message
        carries only the body; the history shows the buttons."""
        self.template.button_ids = [
            Command.create({"sequence": 0, "button_type": "phone_number", "text": "Chiama",
                            "phone_number": "+390212345678"}),
            Command.create({"sequence": 1, "button_type": "url", "text": "Sito", "url": "https://ottica.example"})]
        communication = self.send_today(self.mario)
        (body,) = self.cloud.messages()
        self.assertEqual([c["type"] for c in body["template"]["components"]], ["body"])
        self.assertEqual(communication.body.splitlines()[1:], [
            "[Chiama] +390212345678", "[Sito] https://ottica.example"])

    def test_dynamic_link_filled_per_message(self):
        """A link ending with ``{{1}}``, filled with a value of the message
        (here the shop's name): a ``url`` button component with the
        button's index among all the buttons (the phone number is 0)."""
        self.template.button_ids = [
            Command.create({"sequence": 0, "button_type": "phone_number", "text": "Chiama",
                            "phone_number": "+390212345678"}),
            Command.create({"sequence": 1, "button_type": "url", "text": "Il negozio",
                            "url": "https://ottica.example/negozi/{{1}}", "url_variable": "shop"})]
        communication = self.send_today(self.mario)
        self.assertEqual(communication.whatsapp_state, "accepted")
        (body,) = self.cloud.messages()
        self.assertEqual(body["template"]["components"], [
            {"type": "body", "parameters": [{"type": "text", "text": "Mario"},
                                            {"type": "text", "text": "Ottica Centrale"}]},
            {"type": "button", "sub_type": "url", "index": "1",
             "parameters": [{"type": "text", "text": "Ottica Centrale"}]}])

    def test_dynamic_link_without_its_link_fails_with_the_reason(self):
        """The message has no link for the button (no landing page without
        the SMS module): failed with the reason, nothing posted."""
        self.template.button_ids = [Command.create({
            "button_type": "url", "text": "Prenota", "url": "https://ottica.example/l/{{1}}"})]
        communication = self.send_today(self.mario)
        self.assertEqual(communication.state, "failed")
        self.assertIn("its button Prenota opens https://ottica.example/l/{{1}}", communication.failure_reason)
        self.assertFalse(self.cloud.messages())
