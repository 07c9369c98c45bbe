from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    optical_horizon_days = fields.Integer(related="company_id.optical_horizon_days", readonly=False)
    optical_catchup_days = fields.Integer(related="company_id.optical_catchup_days", readonly=False)
    optical_callback_user_id = fields.Many2one(related="company_id.optical_callback_user_id", readonly=False)
    optical_callback_max_attempts = fields.Integer(
        related="company_id.optical_callback_max_attempts", readonly=False
    )
    optical_pressure_max = fields.Integer(related="company_id.optical_pressure_max", readonly=False)
    optical_pressure_period_days = fields.Integer(
        related="company_id.optical_pressure_period_days", readonly=False
    )
    optical_purchase_window_days = fields.Integer(
        related="company_id.optical_purchase_window_days", readonly=False
    )
    optical_call_minutes = fields.Float(related="company_id.optical_call_minutes", readonly=False)
    optical_call_hourly_cost = fields.Float(related="company_id.optical_call_hourly_cost", readonly=False)
    optical_pair_life_months = fields.Integer(related="company_id.optical_pair_life_months", readonly=False)
    optical_send_calendar_id = fields.Many2one(related="company_id.optical_send_calendar_id", readonly=False)
    optical_plan_last_date = fields.Datetime(related="company_id.optical_plan_last_date")
    optical_plan_last_planned = fields.Integer(related="company_id.optical_plan_last_planned")
    optical_plan_last_failed = fields.Integer(related="company_id.optical_plan_last_failed")
    optical_plan_last_error = fields.Text(related="company_id.optical_plan_last_error")
    optical_send_last_date = fields.Datetime(related="company_id.optical_send_last_date")
    optical_send_last_sent = fields.Integer(related="company_id.optical_send_last_sent")
    optical_send_last_failed = fields.Integer(related="company_id.optical_send_last_failed")
