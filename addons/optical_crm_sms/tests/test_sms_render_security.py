import datetime

from freezegun import freeze_time

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.optical_crm.tests.common import OpticalRpcMixin
from odoo.addons.optical_crm.tests.common_tour import OpticalTourCase

from ..tools.landing import render_landing_html
from .common import OpticalSmsCommon

SECRET = "{{ object.env['ir.config_parameter'].get_param('database.secret') }}"


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsRenderSecurity(HttpCase, OpticalRpcMixin, OpticalSmsCommon):
    """Texts are templates, not code, for the SMS module's texts too: a shop
    owner who is not one of Odoo's template editors writes only placeholders
    in a landing page and an SMS step (review N1)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("mail.restrict.template.rendering", True)
        cls.manager.password = "sms_owner"

    def setUp(self):
        super().setUp()
        self.assertFalse(self.manager.has_group("mail.group_mail_template_editor"))
        self.login("sms_owner")

    def test_owner_cannot_save_code_in_a_landing_page(self):
        page = self.landing_page
        for field_name, label, value in (
            ("title", "Title", "Hello %s" % SECRET),
            ("body", "Content", "<p>Dear %s</p>" % SECRET),
            ("body", "Content", "<p>{{ object.partner_id.email }}</p>"),
        ):
            with self.subTest(field=field_name, value=value):
                before = page[field_name]
                answer = self.rpc_answer("optical.crm.landing.page", "write", [page.id], {field_name: value})
                self.assertErrorAnswer(answer, label, "Birthday", "{{ object.first_name }}")
                page.invalidate_recordset()
                self.assertEqual(page[field_name], before, "nothing stored")
        answer = self.rpc_answer("optical.crm.landing.page", "create", {
            "name": "Gift", "company_id": self.shop.id, "body": "<p>%s</p>" % SECRET})
        self.assertErrorAnswer(answer, "Content", "Gift")
        self.assertFalse(self.env["optical.crm.landing.page"].search([("name", "=", "Gift")]))

    def test_owner_landing_page_placeholders_are_saved(self):
        """The page's placeholders, as typed or as the picker writes them
        (no spaces, a text for an empty value), are saved and shown."""
        allowed = self.rpc_answer("optical.crm.landing.placeholder", "mail_allowed_qweb_expressions")["result"]
        self.assertEqual(set(allowed), {"object.first_name", "object.company_id", "object.company_id.name"})
        answer = self.rpc_answer("optical.crm.landing.page", "create", {
            "name": "Gift", "company_id": self.shop.id, "title": "Hello {{object.first_name ||| friend}}",
            "body": "<p>A gift from {{ object.company_id.name }}</p>"})
        self.assertNotIn("error", answer)
        page = self.env["optical.crm.landing.page"].browse(answer["result"])
        self.assertEqual(render_landing_html(page.title, {"first_name": "Anna"}), "Hello Anna")
        self.assertEqual(render_landing_html(page.title, {"first_name": ""}), "Hello friend")
        self.assertEqual(render_landing_html(page.body, {"shop_name": "Ottica <Rossi>"}),
                         "<p>A gift from Ottica &lt;Rossi&gt;</p>")

    def test_owner_cannot_save_code_in_an_sms_step(self):
        for body in (
            "Until %s" % SECRET,
            "Until {{ format_datetime(object.landing_expiry, dt_format='dd/MM') }}",
        ):
            with self.subTest(body=body):
                answer = self.rpc_answer("optical.crm.cycle.step", "write", [self.step_link.id], {"body": body})
                self.assertErrorAnswer(answer, "Text", self.step_link.name)
                self.step_link.invalidate_recordset()
                self.assertEqual(self.step_link.body, "Auguri {{ object.first_name }}!")

    def test_owner_placeholders_are_sent_by_sms(self):
        """The link's last day, a placeholder instead of an expression, for a
        customer without a company."""
        allowed = self.rpc_answer("optical.crm.communication", "mail_allowed_qweb_expressions")["result"]
        self.assertIn("object.landing_url", allowed)
        self.assertIn("object.landing_expiry_text", allowed)
        answer = self.rpc_answer("optical.crm.cycle.step", "write", [self.step_link.id], {
            "body": "Auguri {{ object.first_name }}, fino al {{ object.landing_expiry_text }}: "
                    "{{ object.landing_url }}"})
        self.assertNotIn("error", answer)
        rita = self.env["res.partner"].create({
            "name": "Rita Neri", "mobile": "+393471234567", "optical_consent_marketing": True,
            "optical_consent_sms": True})
        with self.gateway(), freeze_time("2026-03-02 10:00:00"):
            communication = self._plan(rita, self.step_link)
            self._send()
        self.assertEqual(communication.state, "sent")
        self.assertEqual(communication.body, "Auguri Rita, fino al %s: %s" % (
            self.shop._optical_format_date(datetime.date(2026, 4, 1)), communication.landing_url))


@tagged("post_install", "-at_install", "optical_crm_sms", "optical_crm_tour")
class TestTourLandingPlaceholder(OpticalTourCase):
    """An owner who is not a template editor picks a landing page's
    placeholder from the list of what the page can show."""

    def test_owner_picks_a_landing_placeholder(self):
        self.env["ir.config_parameter"].set_param("mail.restrict.template.rendering", True)
        new_test_user(self.env, "page_owner", groups="optical_crm.group_optical_crm_manager",
                      company_id=self.env.company.id, company_ids=[self.env.company.id], name="Anna Titolare")
        self.start_tour("/odoo/action-optical_crm_sms.optical_crm_landing_page_action",
                        "optical_crm_sms_landing_placeholder_tour", login="page_owner", timeout=180)
        page = self.env["optical.crm.landing.page"].search([("name", "=", "Tour gift")])
        self.assertEqual(page.title.split(), ["Ciao", "{{object.first_name}}"])
        self.assertEqual(render_landing_html(page.title, {"first_name": "Anna"}), "Ciao Anna")
