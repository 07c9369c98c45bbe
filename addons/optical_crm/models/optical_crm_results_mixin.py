from odoo import api, fields, models


class OpticalCrmResultsMixin(models.AbstractModel):
    """The results of a cyclic activity or a campaign on its form: customers
    contacted, who bought after, and the uplift over the control group, read
    from the analysis report (``optical.crm.analysis``) in one grouped query."""

    _name = "optical.crm.results.mixin"
    _description = "Communication results on a form"
    _results_field = None  # the analysis field pointing to the record

    result_contacted = fields.Integer("Customers contacted", compute="_compute_results")
    result_bought = fields.Integer("Customers who bought", compute="_compute_results")
    result_conversion = fields.Float("Conversion (%)", compute="_compute_results", digits=(16, 1))
    result_uplift = fields.Char("Uplift", compute="_compute_results")

    @api.depends_context("uid")
    def _compute_results(self):
        Analysis = self.env["optical.crm.analysis"]
        figures = Analysis._figures_by([(self._results_field, "in", self.ids)], self._results_field) if self.ids else {}
        self._assign_results(figures)

    def _assign_results(self, figures):
        """Set the result fields from ``figures`` ({record: counts and figures})."""
        Analysis = self.env["optical.crm.analysis"]
        for record in self:
            cell = figures.get(record._origin, {})
            record.result_contacted = cell.get("customer_contacted", 0)
            record.result_bought = cell.get("customer_bought", 0)
            record.result_conversion = cell.get("conversion_rate") or 0.0
            record.result_uplift = Analysis._uplift_text(cell)

    def action_view_results(self):
        self.ensure_one()
        step_field = self._results_field.replace("_id", "_step_id")
        action = self.env["ir.actions.act_window"]._for_xml_id("optical_crm.optical_crm_analysis_action")
        action["domain"] = [(self._results_field, "=", self.id)]
        action["display_name"] = self.display_name
        action["context"] = {"pivot_row_groupby": [step_field, "company_id"], "pivot_column_groupby": [],
                             "pivot_measures": ["customer_contacted", "customer_bought", "conversion_rate",
                                                "customer_control", "control_rate", "uplift", "uplift_low",
                                                "uplift_high", "revenue", "cost", "return_on_cost"]}
        return action


class OpticalCrmCycle(models.Model):
    _name = "optical.crm.cycle"
    _inherit = ["optical.crm.cycle", "optical.crm.results.mixin"]
    _results_field = "cycle_id"


class OpticalCrmCampaign(models.Model):
    _name = "optical.crm.campaign"
    _inherit = ["optical.crm.campaign", "optical.crm.results.mixin"]
    _results_field = "campaign_id"
