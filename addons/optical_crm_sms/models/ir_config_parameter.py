from odoo import api, models


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _optical_param_defaults(self):
        return {
            **super()._optical_param_defaults(),
            # "http": the shop's HTTP gateway (tools/sms_gateway.py); anything else: Odoo's IAP.
            "optical_crm_sms.provider": "iap",
            "optical_crm_sms.gateway_url": "",
            "optical_crm_sms.gateway_api_key": "",
            **self._optical_http_defaults("optical_crm_sms.gateway"),
            "optical_crm_sms.gateway_batch_size": 100,
            "optical_crm_sms.gateway_workers": 4,
            # An SMS the gateway could not take is tried again for this long after its first failure.
            "optical_crm_sms.retry_hours": 24.0,
            # Seconds a gateway session may post for, so that it commits well within a worker's time limit.
            "optical_crm_sms.session_seconds": 60.0,
        }
