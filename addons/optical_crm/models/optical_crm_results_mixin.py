from markupsafe import Markup

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
    result_uplift = fields.Char("Thanks to the contact", compute="_compute_results")
    result_table = fields.Html("Results by step and shop", compute="_compute_result_table", sanitize=False)

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

    @api.depends_context("uid")
    def _compute_result_table(self):
        """Per step and shop: contacted and control customers, who bought, and
        the uplift or why it is not given yet."""
        Analysis = self.env["optical.crm.analysis"]
        step_field = self._results_field.replace("_id", "_step_id")
        cells = Analysis._figures_by([(self._results_field, "in", self.ids)],
                                     [self._results_field, step_field, "company_id"]) if self.ids else {}
        _ = self.env._
        heads = [_("Step"), _("Shop"), _("Contacted"), _("Bought"), _("Control group"), _("Bought"), _("Thanks to the contact")]
        for record in self:
            lines = [(key[1], key[2], cell) for key, cell in cells.items() if key[0] == record._origin]
            if not lines:
                record.result_table = False
                continue

            def rate(bought, customers):
                return "%s (%.1f%%)" % (bought, 100.0 * bought / customers) if customers else str(bought)

            body = Markup("").join(
                Markup("<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td><td class='text-end'>%s</td>"
                       "<td class='text-end'>%s</td><td class='text-end'>%s</td><td>%s</td></tr>") % (
                    step.name or "", shop.name or "", cell["customer_contacted"],
                    rate(cell["customer_bought"], cell["customer_contacted"]), cell["customer_control"],
                    rate(cell["customer_control_bought"], cell["customer_control"]),
                    Analysis._uplift_text(cell) if cell["customer_control"] else "")
                for step, shop, cell in sorted(lines, key=lambda line: (line[0].sequence, line[0].id, line[1].id)))
            record.result_table = Markup(
                "<table class='table table-sm o_optical_results'><thead><tr>%s</tr></thead><tbody>%s</tbody></table>"
            ) % (Markup("").join(Markup("<th>%s</th>") % head for head in heads), body)

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

