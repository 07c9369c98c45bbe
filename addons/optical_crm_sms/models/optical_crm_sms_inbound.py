from odoo import fields, models


class OpticalCrmSmsInbound(models.Model):
    """Every SMS a customer — or anyone — sent to a shop's number, as the
    gateway handed it over. A text from a known number is also noted in the
    customer's chatter; one from an unknown number is kept here only, so
    that no reply (nor STOP) is ever lost. Read-only: it is what was received."""

    _name = "optical.crm.sms.inbound"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "Inbound SMS"
    _order = "received_date desc, id desc"
    _rec_name = "number"

    number = fields.Char("From", required=True, readonly=True, index=True)
    text = fields.Text(readonly=True)
    received_date = fields.Datetime("Received on", required=True, readonly=True, default=fields.Datetime.now)
    is_stop = fields.Boolean("STOP", readonly=True, help="The text asked for no more SMS: the number is blacklisted.")
    partner_ids = fields.Many2many("res.partner", string="Customers", readonly=True,
                                   help="The customers with this mobile number when it arrived.")
    known = fields.Boolean("From a customer", readonly=True)
    company_id = fields.Many2one(
        "res.company", "Shop", readonly=True, index=True,
        help="The shop of the customers it came from; empty for an unknown number (seen by the owner only).")
