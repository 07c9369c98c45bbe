from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    optical_fiscal_code = fields.Char(
        "Fiscal code", index="btree_not_null", copy=False,
        help="Italian fiscal code (codice fiscale); FOCUS customers with the same one are the same person.",
    )
    optical_focus_record_ids = fields.One2many("optical.focus.record", "partner_id", "FOCUS records")
