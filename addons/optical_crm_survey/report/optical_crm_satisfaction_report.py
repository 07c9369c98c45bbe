from odoo import fields, models, tools
from odoo.tools import SQL

from odoo.addons.optical_crm.models.optical_crm_step_mixin import channel_selection


class OpticalCrmSatisfactionReport(models.Model):
    """Ratings asked after a contact, from Odoo's survey answers: customers
    asked, customers who answered, and their average score (the mean of the
    scale and number answers of each completed answer)."""

    _name = "optical.crm.satisfaction.report"
    _description = "Satisfaction after contact"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    _depends = {
        "survey.user_input": ["state", "survey_id", "optical_communication_id"],
        "survey.user_input.line": ["user_input_id", "answer_type", "value_scale", "value_numerical_box",
                                   "skipped"],
        "optical.crm.communication": ["partner_id", "company_id", "channel", "scheduled_date", "cycle_id",
                                      "cycle_step_id", "campaign_id", "campaign_step_id"],
        "res.partner": ["optical_shop_id"],
    }

    user_input_id = fields.Many2one("survey.user_input", "Answer", readonly=True)
    survey_id = fields.Many2one("survey.survey", readonly=True)
    communication_id = fields.Many2one("optical.crm.communication", readonly=True)
    date = fields.Date(readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    company_id = fields.Many2one("res.company", "Shop", readonly=True)
    customer_shop_id = fields.Many2one("res.company", "Customer's shop", readonly=True)
    channel = fields.Selection(channel_selection, readonly=True)
    cycle_id = fields.Many2one("optical.crm.cycle", "Cyclic activity", readonly=True)
    cycle_step_id = fields.Many2one("optical.crm.cycle.step", "Cycle step", readonly=True)
    campaign_id = fields.Many2one("optical.crm.campaign", readonly=True)
    campaign_step_id = fields.Many2one("optical.crm.campaign.step", "Campaign step", readonly=True)
    answered = fields.Boolean(readonly=True)
    customer_asked = fields.Integer("Customers asked", aggregator="count_distinct", readonly=True)
    customer_answered = fields.Integer("Customers who answered", aggregator="count_distinct", readonly=True)
    score = fields.Float("Average score", digits=(16, 2), aggregator="avg", readonly=True,
                         help="Mean of the scale and number answers of each completed rating, averaged.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            """CREATE OR REPLACE VIEW %(table)s AS (
                SELECT ui.id, ui.id AS user_input_id, ui.survey_id, c.id AS communication_id,
                       c.scheduled_date AS date, c.partner_id, c.company_id,
                       COALESCE(p.optical_shop_id, c.company_id) AS customer_shop_id, c.channel,
                       c.cycle_id, c.cycle_step_id, c.campaign_id, c.campaign_step_id,
                       ui.state = 'done' AS answered,
                       c.partner_id AS customer_asked,
                       CASE WHEN ui.state = 'done' THEN c.partner_id END AS customer_answered,
                       CASE WHEN ui.state = 'done' THEN (
                           SELECT AVG(COALESCE(l.value_scale::float, l.value_numerical_box))
                             FROM survey_user_input_line l
                            WHERE l.user_input_id = ui.id AND NOT COALESCE(l.skipped, FALSE)
                              AND l.answer_type IN ('scale', 'numerical_box')) END AS score
                  FROM survey_user_input ui
                  JOIN optical_crm_communication c ON c.id = ui.optical_communication_id
                  LEFT JOIN res_partner p ON p.id = c.partner_id
            )""", table=SQL.identifier(self._table)))
