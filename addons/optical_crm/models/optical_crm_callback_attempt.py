from odoo import fields, models

from .optical_crm_communication_callback import CALLBACK_OUTCOMES


class OpticalCrmCallbackAttempt(models.Model):
    """One attempt at a phone callback, with its note: every attempt is kept
    (the communication shows the last one) and goes back to FOCUS."""

    _name = "optical.crm.callback.attempt"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "Call attempt"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    communication_id = fields.Many2one("optical.crm.communication", "Call", required=True, index=True,
                                       ondelete="cascade")
    partner_id = fields.Many2one(related="communication_id.partner_id", store=True)
    company_id = fields.Many2one(related="communication_id.company_id", store=True, index=True)
    user_id = fields.Many2one("res.users", "By", required=True, default=lambda self: self.env.user)
    outcome = fields.Selection(CALLBACK_OUTCOMES + [("postponed", "Postponed")], required=True)
    note = fields.Text()
    next_date = fields.Date("Call again on")
