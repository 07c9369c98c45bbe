from odoo import api, models


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _optical_param_defaults(self):
        return {
            **super()._optical_param_defaults(),
            "optical_crm_app.push_url": "",
            "optical_crm_app.push_api_key": "",
            **self._optical_http_defaults("optical_crm_app.push"),
            "optical_crm_app.push_batch_size": 100,
            # Cron runs a notification may take before it is failed.
            "optical_crm_app.push_max_attempts": 5,
            "optical_crm_app.pairing_code_minutes": 15,
            # Wrong pairing codes from one address within the window before it is blocked.
            "optical_crm_app.pairing_max_wrong": 10,
            "optical_crm_app.pairing_window_minutes": 15,
            # Wrong pairing codes from one IPv6 /48 within the window before it is blocked.
            "optical_crm_app.pairing_max_wrong_network": 30,
            # Pairing attempts from all addresses together within the window before the owners are
            # alerted (once per window; nobody is blocked for it).
            "optical_crm_app.pairing_max_wrong_global": 200,
            # Messages a customer may write from the app in CHAT_RATE_WINDOW.
            "optical_crm_app.chat_rate_limit": 10,
        }
