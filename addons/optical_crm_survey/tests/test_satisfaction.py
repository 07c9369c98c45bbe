import datetime

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.optical_crm.tests.common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm_survey")
class TestSatisfaction(OpticalCrmCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.survey = cls.env["survey.survey"].create({
            "title": "How did the new glasses go?",
            "access_mode": "token",
            "question_and_page_ids": [(0, 0, {
                "title": "How satisfied are you?", "question_type": "scale", "scale_min": 1, "scale_max": 10,
            })],
        })
        cls.question = cls.survey.question_ids
        cls.exam = cls.cycle("optometry", [(0, "days", "email"), (0, "days", "export")])
        cls.email_step, cls.export_step = cls.exam.step_ids
        cls.email_step.survey_id = cls.survey
        cls.export_step.write({"survey_id": cls.survey.id,
                               "body": "Ciao {{ object.first_name }}, ci dai un voto? {{ object.survey_url }} Grazie"})
        # Contacts as Odoo creates them: no company.
        cls.anna, cls.bruno = cls.env["res.partner"].create([
            {"name": "Anna Verdi", "email": "anna@example.com", "optical_consent_marketing": True},
            {"name": "Bruno Neri", "email": "bruno@example.com", "optical_consent_marketing": True},
        ])

    def send(self):
        with freeze_time("2026-03-02 10:00:00"):
            for partner in (self.anna, self.bruno):
                self.event(partner, "optometry", D(2026, 3, 2))
            self.plan(D(2026, 3, 2))
            self.Communication._cron_send_communications()
            self.Communication._cron_send_communications()

    def test_each_customer_gets_a_personal_link_once(self):
        self.send()
        emails = self.communications(cycle_step_id=self.email_step.id)
        self.assertEqual(emails.partner_id, self.anna | self.bruno)
        answers = emails.survey_user_input_id
        self.assertEqual(len(answers), 2)
        self.assertEqual(answers.partner_id, self.anna | self.bruno)
        self.assertEqual(answers.optical_communication_id, emails)
        for email in emails:
            answer = email.survey_user_input_id
            self.assertEqual(answer.partner_id, email.partner_id)
            self.assertIn("answer_token=%s" % answer.access_token, email.survey_url)
            # The step's text does not place the link: it is added at its end (the text SMS and app send).
            self.assertTrue(email.body.endswith(" " + email.survey_url), email.body)
            mail = self.env["mail.mail"].search([("res_id", "=", email.partner_id.id), ("model", "=", "res.partner")])
            self.assertEqual(len(mail), 1)
            self.assertIn(email.survey_url, mail.body_html)
        # The text placed the link itself: it is there once, where the owner put it.
        export = self.communications(cycle_step_id=self.export_step.id, partner_id=self.anna.id)
        self.assertEqual(export.body.count(export.survey_url), 1)
        self.assertTrue(export.body.endswith("%s Grazie" % export.survey_url))
        # Rendered again (a retry), the link stays the same.
        url = export.survey_url
        export._assign_survey_answers()
        self.assertEqual(export.survey_url, url)
        self.assertEqual(self.env["survey.user_input"].search_count([("partner_id", "=", self.anna.id)]), 2)

    def test_answers_flow_into_the_report(self):
        self.send()
        emails = self.communications(cycle_step_id=self.email_step.id)
        anna = emails.filtered(lambda c: c.partner_id == self.anna).survey_user_input_id
        anna._save_lines(self.question, "9")
        anna._mark_done()
        bruno_export = self.communications(cycle_step_id=self.export_step.id, partner_id=self.bruno.id)
        bruno_export.survey_user_input_id._save_lines(self.question, "6")
        bruno_export.survey_user_input_id._mark_done()
        Report = self.env["optical.crm.satisfaction.report"].with_user(self.owner)
        (cycle,) = Report.read_group(
            [("cycle_id", "=", self.exam.id)],
            ["customer_asked:count_distinct", "customer_answered:count_distinct", "score:avg"],
            ["cycle_id"], lazy=False)
        self.assertEqual((cycle["customer_asked"], cycle["customer_answered"], cycle["score"]), (2, 2, 7.5))
        steps = {group["cycle_step_id"][0]: group for group in Report.read_group(
            [("cycle_id", "=", self.exam.id)],
            ["customer_asked:count_distinct", "customer_answered:count_distinct", "score:avg"],
            ["cycle_step_id"], lazy=False)}
        self.assertEqual((steps[self.email_step.id]["customer_answered"], steps[self.email_step.id]["score"]), (1, 9))
        self.assertEqual((steps[self.export_step.id]["customer_answered"], steps[self.export_step.id]["score"]),
                         (1, 6))
        # Staff of another shop see none of it.
        self.assertFalse(self.env["optical.crm.satisfaction.report"].with_user(self.staff_b).search(
            [("cycle_id", "=", self.exam.id)]))

    def test_phone_step_cannot_ask_for_a_rating(self):
        with self.assertRaises(ValidationError):
            self.cycle("optometry", [(7, "days", "phone", "service")]).step_ids.survey_id = self.survey
