import base64
import csv
import datetime
import io

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import OpticalCrmCase, OpticalRpcMixin
from .common_tour import OpticalTourCase

SECRET = "{{ object.env['ir.config_parameter'].get_param('database.secret') }}"
SECRET_QWEB = "<p t-out=\"object.env['ir.config_parameter'].get_param('database.secret')\"/>"
# What the rendering environment is: superuser or not, and whose rights.
WHO = "su={{ 'yes' if object.env.su else 'no' }} user={{ object.env.user.login }}"
WHO_QWEB = "<p>su=<t t-out=\"'yes' if object.env.su else 'no'\"/> user=<t t-out=\"object.env.user.login\"/></p>"


@tagged("post_install", "-at_install", "optical_crm")
class TestRenderSecurity(HttpCase, OpticalRpcMixin, OpticalCrmCase):
    """Texts are templates, not code (SPEC, "Each person does only what their
    role allows"): a shop owner who is not one of Odoo's template editors
    writes only the placeholders of the picker, and no text is ever evaluated
    with superuser rights, whoever wrote it (review N1)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo's default: template editing is restricted to the Template editor group.
        cls.env["ir.config_parameter"].set_param("mail.restrict.template.rendering", True)
        cls.owner_a = new_test_user(
            cls.env, "owner_a", groups="optical_crm.group_optical_crm_manager",
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id], name="Marta Owner")
        cls.editor_a = new_test_user(
            cls.env, "editor_a", groups="optical_crm.group_optical_crm_manager,mail.group_mail_template_editor",
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id], name="Elena Editor")
        # A customer as Odoo creates them: no company; her shop is her event's.
        cls.carla = cls.env["res.partner"].create({
            "name": "Carla Verdi", "email": "carla@example.com", "mobile": "+393335556677"})
        cls.today = cls.shop_a._optical_today()
        cls.secret = cls.env["ir.config_parameter"].get_param("database.secret")

    def setUp(self):
        super().setUp()
        self.assertFalse(self.owner_a.has_group("mail.group_mail_template_editor"))
        self.assertFalse(self.owner_a._is_admin())
        self.assertFalse(self.editor_a._is_admin())

    def step_values(self, **values):
        return {"name": "Check-up", "interval_number": 0, "interval_unit": "days", "channel": "export",
                "purpose": "service", "subject": "Hello", "body": "Dear customer", **values}

    def create_cycle(self, login, **step_values):
        """A cyclic activity of shop A with one step, created through JSON-RPC by ``login``."""
        self.login(login)
        answer = self.rpc_answer("optical.crm.cycle", "create", {
            "name": "Check-up", "event_type": "optometry", "company_id": self.shop_a.id,
            "step_ids": [Command.create(self.step_values(**step_values))]})
        return answer, self.env["optical.crm.cycle"].browse(answer.get("result"))

    def planned_for_carla(self, cycle):
        self.event(self.carla, "optometry", self.today)
        self.plan(self.today)
        communication = self.communications(cycle_id=cycle.id, partner_id=self.carla.id)
        self.assertEqual(communication.state, "planned")
        return communication

    def export_as(self, login, cycle):
        """The export wizard run through JSON-RPC by ``login``: the JSON answer of
        ``action_export`` and the CSV rows."""
        self.login(login)
        wizard = self.rpc_answer("optical.crm.export.wizard", "create", {
            "cycle_id": cycle.id, "date_from": str(self.today), "date_to": str(self.today),
            "file_format": "csv"})["result"]
        answer = self.rpc_answer("optical.crm.export.wizard", "action_export", [wizard])
        if "error" in answer:
            return answer, []
        data = self.rpc_answer("optical.crm.export.wizard", "read", [wizard], ["file_data"])["result"][0]["file_data"]
        return answer, list(csv.reader(io.StringIO(base64.b64decode(data).decode("utf-8-sig"))))

    # ------------------------------------------------------------------
    # At save: an owner writes placeholders, not code
    # ------------------------------------------------------------------

    def test_owner_cannot_save_code_in_any_text(self):
        cycle = self.cycle("optometry", [(0, "days", "export", "service")], shop=self.shop_a)
        step = cycle.step_ids
        self.login("owner_a")
        for field_name, label, value in (
            ("body", "Text", "Key: %s" % SECRET),
            ("subject", "Title", SECRET),
            ("body_html", "E-mail text", SECRET_QWEB),
            ("lang", "Language", "{{ object.env.user.lang }}"),
        ):
            with self.subTest(field=field_name):
                before = step[field_name]
                answer = self.rpc_answer("optical.crm.cycle.step", "write", [step.id], {field_name: value})
                self.assertErrorAnswer(answer, label, "Mail Template Editor", step.name)
                self.assertNotIn(self.secret, str(answer))
                step.invalidate_recordset()
                self.assertEqual(step[field_name], before, "nothing stored")
        answer, new_cycle = self.create_cycle("owner_a", body="Key: %s" % SECRET)
        self.assertErrorAnswer(answer, "Text", "{{ object.env['ir.config_parameter']")
        self.assertFalse(self.env["optical.crm.cycle"].search([("name", "=", "Check-up")]))

    def test_owner_cannot_save_code_in_a_translation(self):
        self.env["res.lang"]._activate_lang("it_IT")
        step = self.cycle("optometry", [(0, "days", "export", "service")], shop=self.shop_a).step_ids
        self.login("owner_a")
        answer = self.rpc_answer("optical.crm.cycle.step", "update_field_translations", [step.id], "body",
                                 {"it_IT": "Chiave: %s" % SECRET})
        self.assertErrorAnswer(answer, "Text")
        self.assertNotIn("database.secret", step.with_context(lang="it_IT").body or "")

    def test_n1_owner_campaign_step_with_code_is_refused(self):
        """The review's reproduction: a campaign, then an export step whose
        text reads the gateway key and the database secret."""
        self.login("owner_a")
        campaign = self.rpc_answer("optical.crm.campaign", "create", {
            "name": "t", "company_id": self.shop_a.id, "date_start": str(self.today),
            "date_end": str(self.today + datetime.timedelta(days=3))})["result"]
        answer = self.rpc_answer("optical.crm.campaign.step", "create", {
            "campaign_id": campaign, "name": "x", "day_offset": 0, "channel": "export", "subject": "x",
            "purpose": "service",
            "body": "K={{ object.env['ir.config_parameter'].get_param('optical_crm_sms.gateway_api_key') }} "
                    "S=%s" % SECRET})
        self.assertErrorAnswer(answer, "Text", "x")
        self.assertFalse(self.env["optical.crm.campaign.step"].search([("campaign_id", "=", campaign)]))
        for body_html, expression in (
            (SECRET_QWEB, "t-out=\"object.env['ir.config_parameter']"),
            ('<p t-if="object.env.su">x</p>', 't-if="object.env.su"'),
        ):
            with self.subTest(body_html=body_html):
                answer = self.rpc_answer("optical.crm.campaign.step", "create", {
                    "campaign_id": campaign, "name": "x", "day_offset": 0, "channel": "email", "subject": "x",
                    "purpose": "service", "body_html": body_html})
                self.assertErrorAnswer(answer, "E-mail text", expression)
                self.assertFalse(self.env["optical.crm.campaign.step"].search([("campaign_id", "=", campaign)]))

    def test_owner_placeholders_are_saved_and_sent(self):
        """Every placeholder the product documents works for an owner who is
        not a template editor, also for a customer without a company."""
        self.login("owner_a")
        allowed = self.rpc_answer("optical.crm.communication", "mail_allowed_qweb_expressions")["result"]
        for placeholder in ("object.first_name", "object.partner_id.name", "object.event_date_text",
                            "object.company_id.name"):
            self.assertIn(placeholder, allowed, "the picker offers it")
        answer, cycle = self.create_cycle(
            "owner_a", subject="Hello {{ object.first_name }}",
            body="Dear {{object.partner_id.name ||| customer}}, your exam of {{ object.event_date_text }} "
                 "at {{ object.company_id.name }}",
            body_html='<p>Hello <t t-out="object.first_name"/></p>')
        self.assertNotIn("error", answer)
        communication = self.planned_for_carla(cycle)
        # As the sender's cron does: a superuser batch.
        communication.sudo()._send_batch()
        self.assertEqual(communication.state, "sent")
        self.assertEqual(communication.subject, "Hello Carla")
        self.assertEqual(communication.body, "Dear Carla Verdi, your exam of %s at Ottica Centrale"
                         % self.shop_date(self.today))

    # ------------------------------------------------------------------
    # At rendering: never as superuser
    # ------------------------------------------------------------------

    def test_editor_code_runs_with_her_rights_in_the_export(self):
        """A template editor may write an expression; it is evaluated with her
        rights, not as superuser, even when an assistant exports it."""
        answer, cycle = self.create_cycle("editor_a", body=WHO)
        self.assertNotIn("error", answer)
        self.planned_for_carla(cycle)
        answer, rows = self.export_as("staff_a", cycle)
        self.assertNotIn("error", answer)
        self.assertEqual(rows[1][-1], "su=no user=editor_a")

    def test_editor_cannot_read_the_secret_through_the_export(self):
        answer, cycle = self.create_cycle("editor_a", body="S=%s" % SECRET)
        self.assertNotIn("error", answer)
        self.planned_for_carla(cycle)
        answer, rows = self.export_as("editor_a", cycle)
        self.assertIn("error", answer)
        self.assertNotIn(self.secret, str(answer) + str(rows))

    def test_editor_code_runs_with_her_rights_in_the_sender(self):
        answer, cycle = self.create_cycle("editor_a", channel="email", subject=WHO, body=WHO, body_html=WHO_QWEB)
        self.assertNotIn("error", answer)
        communication = self.planned_for_carla(cycle)
        communication.sudo()._send_batch()
        self.assertEqual(communication.state, "sent")
        self.assertEqual((communication.subject, communication.body), ("su=no user=editor_a",) * 2)
        self.assertIn("su=no user=editor_a", communication.body_html)

    def test_code_slipped_past_the_save_check_is_not_evaluated(self):
        """Code saved by a non-editor through a path that skips the check
        (a ``sudo()`` write) is refused when rendered, not evaluated."""
        cycle = self.cycle("optometry", [(0, "days", "export", "service")], shop=self.shop_a)
        cycle.step_ids.with_user(self.owner_a).sudo().write({"body": WHO})
        communication = self.planned_for_carla(cycle)
        with self.assertRaises(AccessError):
            communication.sudo()._send_batch()
        self.assertEqual(communication.state, "planned")


@tagged("post_install", "-at_install", "optical_crm", "optical_crm_tour")
class TestTourPlaceholder(OpticalTourCase):
    """An owner who is not a template editor picks a placeholder from the
    list instead of typing it, and saves it."""

    def test_owner_picks_a_placeholder(self):
        self.env["ir.config_parameter"].set_param("mail.restrict.template.rendering", True)
        new_test_user(self.env, "picker_owner", groups="optical_crm.group_optical_crm_manager",
                      company_id=self.env.company.id, company_ids=[self.env.company.id], name="Anna Titolare")
        self.start_tour("/odoo/action-optical_crm.optical_crm_cycle_action", "optical_crm_placeholder_tour",
                        login="picker_owner", timeout=180)
        step = self.env["optical.crm.cycle"].search([("name", "=", "Tour check-up")]).step_ids
        self.assertEqual(step.body.split(), ["Ciao", "{{object.first_name}}"])
