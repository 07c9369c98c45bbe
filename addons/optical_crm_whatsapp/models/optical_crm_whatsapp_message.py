from odoo import api, fields, models


class OpticalCrmWhatsappMessage(models.Model):
    """The WhatsApp conversation with a customer: what they wrote to the
    shop's number and what staff answered. Their last message opens Meta's
    customer-service window (free text allowed for 24 hours)."""

    _name = "optical.crm.whatsapp.message"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "WhatsApp message"
    _order = "date desc, id desc"
    _check_company_auto = True

    account_id = fields.Many2one("optical.crm.whatsapp.account", "WhatsApp account", required=True,
                                 ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", "Shop", required=True, index=True)
    partner_id = fields.Many2one("res.partner", "Customer", index="btree_not_null", ondelete="cascade")
    direction = fields.Selection([("in", "Received"), ("out", "Sent")], required=True)
    number = fields.Char(required=True, help="The customer's number in E.164.")
    body = fields.Text()
    message_type = fields.Char("Type", default="text")
    wamid = fields.Char("WhatsApp message id", index=True, readonly=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    is_stop = fields.Boolean("STOP")
    author_id = fields.Many2one("res.users", "Answered by", ondelete="set null")

    _sql_constraints = [
        # Meta sends a notification again until it gets 200: a message is kept once.
        ("wamid_unique", "UNIQUE(wamid)", "A WhatsApp message is kept once."),
    ]

    @api.model
    def _window_end(self, partner, account):
        """When the customer-service window of ``partner`` on ``account``
        closes (24 hours after their last message), or False."""
        last = self.sudo().search([("partner_id", "=", partner.id), ("account_id", "=", account.id),
                                   ("direction", "=", "in")], order="date desc", limit=1)
        return last and fields.Datetime.add(last.date, hours=24)
