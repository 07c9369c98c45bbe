from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    optical_sms_cost_per_segment = fields.Float(related="company_id.optical_sms_cost_per_segment", readonly=False)
    optical_sms_sender = fields.Char(related="company_id.optical_sms_sender", readonly=False)
    optical_sms_provider = fields.Selection(
        [("iap", "Odoo SMS (IAP)"), ("http", "HTTP gateway (SMS reseller)")],
        "SMS provider", default="iap", config_parameter="optical_crm_sms.provider",
    )
    optical_sms_gateway_url = fields.Char("Gateway URL", config_parameter="optical_crm_sms.gateway_url")
    optical_sms_gateway_api_key = fields.Char("Gateway API key", config_parameter="optical_crm_sms.gateway_api_key")
