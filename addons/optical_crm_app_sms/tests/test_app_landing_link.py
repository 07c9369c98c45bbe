import datetime

from odoo.tests import Form, tagged

from odoo.addons.optical_crm_app.tests.common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app_sms")
class TestAppLandingLink(OpticalAppCase):

    def test_app_message_opens_the_personal_landing_page(self):
        page = self.env["optical.crm.landing.page"].create({
            "name": "Happy birthday", "body": "<p>Happy birthday {{ object.first_name }}!</p>",
            "company_id": self.shop_a.id,
        })
        cycle = self.cycle("optometry", [(0, "days", "app")])
        cycle.step_ids.landing_page_id = page
        key = self.pair(self.mario)
        today = self.shop_a._optical_today()
        self.event(self.mario, "optometry", today)
        self.plan(today)
        communication = self.communications(partner_id=self.mario.id, cycle_id=cycle.id)
        self.send(communication)
        messages = self.call("GET", "/messages", key=key).json()["messages"]
        link = messages[0]["link_url"]
        self.assertTrue(link and "/l/" in link, messages[0])
        landing = self.url_open(link[link.index("/l/"):])
        self.assertEqual(landing.status_code, 200)
        self.assertIn("Happy birthday Mario", landing.text)
        self.assertNotIn("Rossi", landing.text)
        self.assertNotIn(self.mario.mobile, landing.text)

    def test_no_landing_page_no_link(self):
        cycle = self.cycle("optometry", [(0, "days", "app")])
        key = self.pair(self.lucia)
        today = self.shop_a._optical_today()
        self.event(self.lucia, "optometry", today - datetime.timedelta(days=0))
        self.plan(today)
        self.send(self.communications(partner_id=self.lucia.id, cycle_id=cycle.id))
        self.assertIsNone(self.call("GET", "/messages", key=key).json()["messages"][0]["link_url"])

    def test_app_step_landing_page_is_set_in_the_step_form(self):
        page = self.env["optical.crm.landing.page"].create({"name": "Promo", "company_id": self.shop_a.id})
        form = Form(self.env["optical.crm.cycle"])
        form.name = "After the eye exam"
        form.event_type = "optometry"
        with form.step_ids.new() as step:
            step.name = "App message"
            step.channel = "app"
            step.subject = "Ciao {{ object.first_name }}"
            step.landing_page_id = page  # visible for an app step, not only for an SMS with link
        self.assertEqual(form.save().step_ids.landing_page_id, page)
