from odoo import fields, models


class OpticalFocusTokenWizard(models.TransientModel):
    """Shows a new FOCUS token once, with a copy button. Never saved: the
    token reaches the dialog in its context and only its hash is kept."""

    _name = "optical.focus.token.wizard"
    _description = "New FOCUS token"

    store_id = fields.Many2one("optical.focus.store", "FOCUS store", readonly=True)
    token = fields.Char(readonly=True)
