from odoo import api, models


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _optical_param_defaults(self):
        return {
            **super()._optical_param_defaults(),
            "optical_focus_sync.max_records": 1000,
            "optical_focus_sync.max_body_bytes": 8 * 1024 * 1024,
            # A store with a token and no batch for this long is shown as silent.
            "optical_focus_sync.silence_hours": 24,
            # Notes are answered up to this many seconds ago (see _notes_since).
            "optical_focus_sync.notes_lag_seconds": 1,
        }
