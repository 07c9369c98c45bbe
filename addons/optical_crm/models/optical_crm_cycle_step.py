from odoo import fields, models
from odoo.tools import SQL


class OpticalCrmCycleStep(models.Model):
    _name = "optical.crm.cycle.step"
    _inherit = ["optical.crm.step.mixin", "optical.crm.shop.mixin"]
    _description = "Cyclic activity step"
    _order = "cycle_id, sequence, id"

    cycle_id = fields.Many2one("optical.crm.cycle", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="cycle_id.company_id", store=True)
    interval_number = fields.Integer(
        "After", default=1, required=True, help="Offset from the event date; negative means before it."
    )
    interval_unit = fields.Selection(
        [("days", "Days"), ("weeks", "Weeks"), ("months", "Months"), ("years", "Years")],
        "Unit", default="days", required=True,
    )
    stop_event_type_ids = fields.Many2many(
        relation="optical_crm_cycle_step_stop_event_type_rel",
        help="Events that make this step pointless: a customer who had one after the trigger event and before the "
        "step's day is skipped (goal reached), and planned again if the event is removed before the day.")
    fallback_ids = fields.One2many(inverse_name="cycle_step_id")

    def _optical_step_field(self):
        return "cycle_step_id"

    def write(self, vals):
        res = super().write(vals)
        if {"fallback_ids", "stop_event_type_ids"} & set(vals) and self:
            # The pending contacts of the step take its new chain and stop conditions.
            self.env["optical.crm.communication"]._apply_rules(SQL("c.cycle_step_id IN %s", tuple(self.ids)))
        return res
