import datetime

from freezegun import freeze_time

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.optical_crm.tests.common import OpticalCrmCase, OpticalRpcMixin

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm_survey")
class TestSurveyRenderSecurity(HttpCase, OpticalRpcMixin, OpticalCrmCase):
    """The rating link is a placeholder an owner who is not a template editor
    may write; code beside it is refused at save (review N1)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("mail.restrict.template.rendering", True)
        cls.owner_a = new_test_user(
            cls.env, "owner_a", groups="optical_crm.group_optical_crm_manager",
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id], name="Marta Owner")
        cls.survey = cls.env["survey.survey"].create({"title": "How did it go?", "access_mode": "token"})
        cls.step = cls.cycle("optometry", [(0, "days", "export", "service")], shop=cls.shop_a).step_ids
        cls.anna = cls.env["res.partner"].create({"name": "Anna Verdi", "email": "anna@example.com"})

    def test_owner_writes_the_rating_link_not_code(self):
        self.assertFalse(self.owner_a.has_group("mail.group_mail_template_editor"))
        self.login("owner_a")
        answer = self.rpc_answer("optical.crm.cycle.step", "write", [self.step.id], {
            "body": "Ciao {{ object.first_name }}, un voto? {{ object.env['survey.user_input'].search([]) }}"})
        self.assertErrorAnswer(answer, "Text", self.step.name)
        answer = self.rpc_answer("optical.crm.cycle.step", "write", [self.step.id], {
            "survey_id": self.survey.id, "body": "Ciao {{ object.first_name }}, un voto? {{ object.survey_url }} Grazie"})
        self.assertNotIn("error", answer)
        with freeze_time("2026-03-02 10:00:00"):
            self.event(self.anna, "optometry", D(2026, 3, 2))
            self.plan(D(2026, 3, 2))
            communication = self.communications(cycle_step_id=self.step.id)
            communication.sudo()._send_batch()
        self.assertEqual(communication.state, "sent")
        self.assertTrue(communication.survey_url)
        self.assertEqual(communication.body, "Ciao Anna, un voto? %s Grazie" % communication.survey_url)
