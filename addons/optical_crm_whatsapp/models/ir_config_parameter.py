from odoo import api, models


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _optical_param_defaults(self):
        return {
            **super()._optical_param_defaults(),
            **self._optical_http_defaults("optical_crm_whatsapp.api"),
            # Messages the poster takes per locked batch.
            "optical_crm_whatsapp.batch_size": 50,
            # Seconds a message whose post has an unknown outcome (a crash or a
            # timeout after the request left) waits for a status naming its
            # reference before it is posted again: the Cloud API de-duplicates nothing.
            "optical_crm_whatsapp.unknown_outcome_wait": 900,
            # Seconds before a message Meta did not process (rate limit) is tried again.
            "optical_crm_whatsapp.retry_delay": 60,
        }
