from odoo import fields, models


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    optical_communication_id = fields.Many2one(
        "optical.crm.communication", "Communication", index="btree_not_null", ondelete="set null", readonly=True,
        help="The contact that asked the customer for this rating.")
