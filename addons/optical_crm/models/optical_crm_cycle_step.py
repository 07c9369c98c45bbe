from odoo import fields, models


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

    def _optical_step_field(self):
        return "cycle_step_id"
