from odoo.tests import tagged

from odoo.addons.optical_crm.tests.common import OpticalRpcCase


@tagged("post_install", "-at_install", "optical_crm_survey")
class TestSurveyAnswersShop(OpticalRpcCase):
    """A rating asked by a shop's communication is that shop's: another
    shop's staff, Survey users by Odoo's default, neither read nor change it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Shop staff are Survey users, as Odoo's default user template makes them.
        (cls.staff_a | cls.staff_b).write({"groups_id": [(4, cls.env.ref("survey.group_survey_user").id)]})
        cls.survey = cls.env["survey.survey"].create({
            "title": "How did the new glasses go?", "access_mode": "token",
            "question_and_page_ids": [(0, 0, {
                "title": "How satisfied are you?", "question_type": "text_box"})],
        })
        exam = cls.cycle("optometry", [(0, "days", "export")])
        exam.step_ids.survey_id = cls.survey
        # Contacts as Odoo creates them (no company): their shop is their event's.
        cls.anna, cls.bruno = cls.env["res.partner"].create([
            {"name": "Anna Verdi", "email": "anna@example.com"},
            {"name": "Bruno Neri", "email": "bruno@example.com"},
        ])
        today = cls.shop_a._optical_today()
        cls.event(cls.anna, "optometry", today)
        cls.event(cls.bruno, "optometry", today, shop=cls.shop_b)
        for shop in (cls.shop_a, cls.shop_b):
            cls.Communication._plan_company(shop, today, today)
        communications = cls.Communication.search([("partner_id", "in", (cls.anna | cls.bruno).ids)])
        communications._assign_survey_answers()
        cls.answer_a = communications.filtered(lambda c: c.partner_id == cls.anna).survey_user_input_id
        cls.answer_b = communications.filtered(lambda c: c.partner_id == cls.bruno).survey_user_input_id
        cls.answer_b._save_lines(cls.survey.question_ids, "Shop B was rude to me")
        cls.answer_a._save_lines(cls.survey.question_ids, "Lovely glasses")
        (cls.answer_a | cls.answer_b)._mark_done()

    def test_other_shop_answers_are_neither_read_nor_written(self):
        self.assertEqual((self.answer_a.optical_communication_id.company_id,
                          self.answer_b.optical_communication_id.company_id), (self.shop_a, self.shop_b))
        self.login(self.staff_a)
        fields = ["partner_id", "email", "state"]
        found = self.rpc("survey.user_input", "search_read", [("survey_id", "=", self.survey.id)], fields=fields)
        self.assertEqual([row["id"] for row in found], self.answer_a.ids)
        self.assertRefused("survey.user_input", "read", self.answer_b.ids, fields)
        self.assertRefused("survey.user_input", "write", self.answer_b.ids, {"email": "giulia@example.com"})
        self.assertEqual(self.answer_b.email, "bruno@example.com")
        lines = self.rpc("survey.user_input.line", "search_read", [("survey_id", "=", self.survey.id)],
                         fields=["value_text_box"])
        self.assertEqual([row["value_text_box"] for row in lines], ["Lovely glasses"])
        self.assertRefused("survey.user_input.line", "write", self.answer_b.user_input_line_ids.ids,
                           {"value_text_box": "Great shop"})
        self.assertEqual(self.answer_b.user_input_line_ids.value_text_box, "Shop B was rude to me")
        # Her shop's answer is hers to read.
        self.assertEqual(self.rpc("survey.user_input", "read", self.answer_a.ids, ["email"]),
                         [{"id": self.answer_a.id, "email": "anna@example.com"}])

    def test_survey_results_page_shows_own_shop_answers_only(self):
        self.login(self.staff_a)
        response = self.url_open("/survey/results/%s" % self.survey.id)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Lovely glasses", response.text)
        self.assertNotIn("Shop B was rude to me", response.text)
