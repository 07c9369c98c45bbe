from odoo.tests import tagged

from odoo.addons.optical_crm.tests.access_matrix import AccessMatrixCase, ModelSpec


def _answer(case, shop):
    communication = case.env["optical.crm.communication"].create({
        "partner_id": case.customer("Rated %s" % shop.name, shop=shop, email="r%s@example.com" % shop.id).id,
        "company_id": shop.id, "channel": "export", "scheduled_date": "2026-03-02", "source": "manual",
        "purpose": "service", "body": "Hello"})
    return case.env["survey.user_input"].create({
        "survey_id": case.survey.id, "partner_id": communication.partner_id.id,
        "optical_communication_id": communication.id})


def _report_row(case, shop):
    answer = _answer(case, shop)
    case.env.flush_all()
    return case.env["optical.crm.satisfaction.report"].search([("user_input_id", "=", answer.id)])


@tagged("post_install", "-at_install", "optical_crm_survey", "optical_access")
class TestAccessMatrixSurvey(AccessMatrixCase):
    MODULE = "optical_crm_survey"
    MATRIX = {
        # A customer's rating and comments: their shop's only, for staff with Odoo's Survey / User
        # right too (new internal users get it from Odoo's default user template), who may
        # correct or delete their own shop's answers as Odoo lets survey users do.
        "survey.user_input": ModelSpec(
            make=_answer, rights={"assistant": "rwd", "owner": "rwd"}, write={"email": "changed@example.com"},
            shop_field=None),
        "optical.crm.satisfaction.report": ModelSpec(
            make=_report_row, rights={"assistant": "r", "owner": "r"}, shop_field=None),
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.survey = cls.env["survey.survey"].create({
            "title": "How did the new glasses go?", "access_mode": "token",
            "question_and_page_ids": [(0, 0, {
                "title": "How satisfied are you?", "question_type": "scale", "scale_min": 1, "scale_max": 10})],
        })
        survey_user = cls.env.ref("survey.group_survey_user")
        (cls.staff_a | cls.owner_a).write({"groups_id": [(4, survey_user.id)]})
