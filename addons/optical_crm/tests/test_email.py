import ast
import base64
import datetime
import re
from urllib.parse import urljoin

import lxml.html
import requests
from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, HttpCase, tagged

from .common import OpticalCrmCase

D = datetime.date
# A 1x1 red PNG: a shop logo that is not Odoo's default one.
LOGO = base64.b64encode(base64.b64decode(
    b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="))


@tagged("post_install", "-at_install", "optical_crm")
class TestEmail(OpticalCrmCase, HttpCase):
    """The e-mail channel sends the shop's e-mail: its layout, a rich body,
    an unsubscribe link to Odoo's blacklist, opens tracked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop_a.write({
            "logo": LOGO, "street": "Via Roma 12", "zip": "20121", "city": "Milano",
            "email": "info@otticacentrale.example", "country_id": cls.env.ref("base.it").id, "phone": "+39 02 1234567",
            "primary_color": "#1f6f8b", "secondary_color": "#e07a5f",
        })
        # The texts asserted below are English: the shop and its customers speak English here,
        # whatever language the database was created in (an Italian one may not even have English active).
        cls.env["res.lang"]._activate_lang("en_US")
        cls.shop_a.partner_id.lang = "en_US"
        (cls.mario | cls.lucia).lang = "en_US"
        cls.exam = cls.cycle("optometry", [(0, "days", "email"), (5, "days", "email")])
        cls.exam.step_ids[0].body_html = (
            '<p>Ciao <strong><t t-out="object.first_name"/></strong>, your new lenses are ready.</p>'
            '<p><img src="https://cdn.example.com/lenses.jpg" alt="Lenses"/></p>')

    def send(self, partner, day):
        with freeze_time("%s 10:00:00" % day):
            self.event(partner, "optometry", day)
            self.plan(day)
            self.Communication._cron_send_communications()
        return self.communications(partner_id=partner.id, channel="email")

    def test_email_in_shop_layout_and_unsubscribe_to_blacklist(self):
        first, second = self.send(self.mario, D(2026, 3, 2))
        self.assertEqual((first.state, second.state), ("sent", "planned"))
        mail = self.env["mail.mail"].search([("res_id", "=", self.mario.id), ("model", "=", "res.partner")])
        self.assertEqual(len(mail), 1)
        body = str(mail.body_html)
        # The rich body, personal, with its image.
        self.assertIn("Ciao <strong>Mario</strong>, your new lenses are ready.", body)
        self.assertIn('src="https://cdn.example.com/lenses.jpg"', body)
        # The shop's layout: logo, colours, name and address.
        self.assertIn("/logo.png?company=%s" % self.shop_a.id, body)
        self.assertIn("#1f6f8b", body)
        self.assertIn("#e07a5f", body)
        self.assertIn("Via Roma 12", body)
        self.assertIn("Milano", body)
        self.assertIn("info@otticacentrale.example", body)
        self.assertEqual(mail.email_from, 'Ottica Centrale <info@otticacentrale.example>')
        self.assertEqual(first.body_html, mail.body_html)
        # One-click unsubscribe for the mail client, as Odoo's mailings.
        self.assertIn("List-Unsubscribe-Post", mail.headers)

        # Opening the e-mail loads the pixel: the e-mail counts as opened.
        pixel = re.search(r'src="([^"]*/open\.gif)"', body).group(1)
        self.assertFalse(first.opened)
        response = self.url_open(pixel)
        self.assertEqual((response.status_code, response.headers["Content-Type"]), (200, "image/gif"))
        first.invalidate_recordset()
        self.assertTrue(first.opened)
        # A forged token is refused, and nothing answers 500.
        forged = pixel.replace("/open.gif", "x/open.gif")
        self.assertEqual(self.url_open(forged).status_code, 404)
        self.assertEqual(self.url_open("/optical_crm/email/999999/abc/unsubscribe").status_code, 404)

        # The customer follows the unsubscribe link in the footer: a page asks first (a mail
        # scanner opening the link changes nothing), its button unsubscribes.
        unsubscribe = re.search(r'href="([^"]*/unsubscribe)"', body).group(1)
        self.assertTrue(self.mario.optical_consent_email)
        response = self.url_open(unsubscribe)
        self.assertEqual(response.status_code, 200)
        self.assertIn("mario@example.com", response.text)
        self.assertIn("Do you want to stop receiving our e-mails", response.text)
        self.assertFalse(self.env["mail.blacklist"].search([("email", "=", "mario@example.com")]))
        self.mario.invalidate_recordset()
        self.assertTrue(self.mario.optical_consent_email)
        form = lxml.html.fromstring(response.text).xpath("//form[@method='post']")[0]
        fields_ = {field.get("name"): field.get("value") for field in form.xpath(".//input")}
        # The button's POST needs no session nor CSRF token: the token in the link authenticates.
        response = requests.post(urljoin(response.url, form.get("action")), data=fields_, timeout=10)
        self.assertEqual(response.status_code, 200)
        self.assertIn("mario@example.com will no longer receive our e-mails.", " ".join(
            lxml.html.fromstring(response.text).xpath("string(//p[hasclass('o_optical_unsubscribed')])").split()))
        blacklist = self.env["mail.blacklist"].search([("email", "=", "mario@example.com")])
        self.assertTrue(blacklist.active)
        self.mario.invalidate_recordset()
        self.assertFalse(self.mario.optical_consent_email)
        self.assertTrue(self.mario.optical_consent_sms, "Only e-mail consent is revoked")
        # The next marketing e-mail is skipped, saying why.
        second.invalidate_recordset()
        self.assertEqual((second.state, second.skip_code), ("skipped", "consent"))
        self.assertIn("Unsubscribed", second.skip_reason)
        # The shop sees it in the customer's chatter.
        self.assertIn("unsubscribed", self.mario.message_ids[0].body)

    def test_plain_text_step_in_layout_and_one_click_unsubscribe(self):
        self.exam.step_ids[0].body_html = False
        communication = self.send(self.lucia, D(2026, 3, 2))[:1]
        mail = self.env["mail.mail"].search([("res_id", "=", self.lucia.id), ("model", "=", "res.partner")])
        self.assertIn("Dear Lucia Bianchi, from Ottica Centrale", str(mail.body_html))
        self.assertIn("Via Roma 12", str(mail.body_html))
        headers = ast.literal_eval(mail.headers)
        one_click = headers["List-Unsubscribe"].strip("<>")
        response = self.url_open(one_click, data={"List-Unsubscribe": "One-Click"})
        self.assertEqual((response.status_code, response.text), (200, ""))
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", "lucia@example.com")]))
        self.assertEqual(communication.channel, "email")

    def test_link_scanners_and_previews_do_not_unsubscribe(self):
        communication = self.send(self.lucia, D(2026, 3, 2))[:1]
        unsubscribe = communication._email_url("unsubscribe")
        for agent in ("Mozilla/5.0 (compatible; Barracuda Sentinel)", "Microsoft Office/16.0 (SafeLinks)",
                      "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"):
            self.assertEqual(self.url_open(unsubscribe, headers={"User-Agent": agent}).status_code, 200)
        self.assertEqual(self.url_open(unsubscribe, head=True).status_code, 200)
        self.assertFalse(self.env["mail.blacklist"].search([("email", "=", "lucia@example.com")]))
        self.lucia.invalidate_recordset()
        self.assertTrue(self.lucia.optical_consent_email)

    def test_unsubscribe_page_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"].search([("name", "=", "optical_crm")])._update_translations(
            ["it_IT"], overwrite=True)
        self.lucia.lang = "it_IT"
        communication = self.send(self.lucia, D(2026, 3, 2))[:1]
        response = self.url_open(communication._email_url("unsubscribe"))
        page = lxml.html.fromstring(response.text)
        self.assertEqual(page.get("lang"), "it-IT")
        self.assertIn("Vuoi smettere di ricevere le nostre e-mail a questo indirizzo?", response.text)
        self.assertEqual(page.xpath("string(//form//button)"), "Annulla iscrizione")
        response = self.url_open(communication._email_url("unsubscribe"), data={"confirm": "1"})
        self.assertIn("non riceverà più le nostre e-mail.", response.text)
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", "lucia@example.com")]))

    def test_forged_links_get_not_found(self):
        communication = self.send(self.lucia, D(2026, 3, 2))[:1]
        for token in ("forged", "%ff%00", "%C3%A9t%C3%A9", "x" * 300):
            for action in ("open.gif", "unsubscribe"):
                response = self.url_open("/optical_crm/email/%s/%s/%s" % (communication.id, token, action))
                self.assertEqual(response.status_code, 404, (token, action))
        self.assertFalse(self.env["mail.blacklist"].search([("email", "=", "lucia@example.com")]))


@tagged("post_install", "-at_install", "optical_crm")
class TestEmailStepCheck(OpticalCrmCase):
    """An e-mail step that would send an empty e-mail is refused when saved,
    as the owner fills the form, not discovered by the customers."""

    def test_email_step_without_text_is_refused_at_save(self):
        # The message asserted is English: the owner reads it in English here, whatever their language.
        form = Form(self.env["optical.crm.cycle"].with_user(self.owner).with_context(lang="en_US"))
        form.name = "Eye exam"
        form.event_type = "optometry"
        with form.step_ids.new() as step:
            step.name = "Reminder"
            step.channel = "email"
            step.subject = "Your eye exam"
            step.interval_number = 12
        with self.assertRaisesRegex(ValidationError, "Text: the e-mail step Reminder has no text"):
            form.save()

    def test_email_step_with_rich_text_only_is_accepted(self):
        campaign = self.env["optical.crm.campaign"].with_user(self.owner).with_context(lang="en_US").create({
            "name": "Natale", "date_start": datetime.date(2026, 12, 1), "date_end": datetime.date(2026, 12, 24),
            "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "email", "subject": "Natale",
                                 "body_html": "<p>Un regalo per te</p>"})],
        })
        self.assertEqual(campaign.step_ids.channel, "email")
        with self.assertRaisesRegex(ValidationError, "Text: the e-mail step Offer has no text"):
            campaign.step_ids.body_html = "<p><br></p>"
