from odoo import api, fields, models

from ..tools.http_api import api_datetime


class OpticalAppMessage(models.Model):
    """One message in the customer's chat of the app (Il Mio Ottico): one per
    ``app`` communication. Reading it in the app marks the communication
    opened, which the analysis counts as read."""

    _name = "optical.app.message"
    _description = "App message"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", "Customer", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", "Shop", required=True, index=True,
                                 default=lambda self: self.env.company)
    communication_id = fields.Many2one("optical.crm.communication", index=True,
                                       ondelete="set null", readonly=True)
    campaign_id = fields.Many2one(related="communication_id.campaign_id", store=True)
    date = fields.Datetime("Sent on", required=True, default=fields.Datetime.now, index=True, readonly=True)
    title = fields.Char(required=True)
    body = fields.Text("Text")
    link_url = fields.Char("Link", help="A page the app opens from the message (e.g. the landing page).")
    delivery = fields.Selection(
        [("push", "Chat and push notification"), ("chat", "Chat only")], default="chat", required=True,
        readonly=True, help="Chat only: no paired device of the customer can receive push notifications.")
    is_read = fields.Boolean("Read", readonly=True, index=True)
    read_date = fields.Datetime("Read on", readonly=True)
    push_ids = fields.One2many("optical.app.push", "message_id", "Push notifications")

    _sql_constraints = [
        ("communication_uniq", "UNIQUE (communication_id)", "A communication gives one app message only."),
    ]

    def _mark_read(self):
        """Read in the app: the message and its communication (opened)."""
        unread = self.filtered(lambda message: not message.is_read)
        if not unread:
            return
        now = fields.Datetime.now()
        unread.write({"is_read": True, "read_date": now})
        unread.communication_id.filtered(lambda c: not c.opened).write({"opened": True, "opened_date": now})

    def _to_api(self):
        self.ensure_one()
        return {
            "id": self.id,
            "title": self.title,
            "text": self.body or "",
            "link_url": self.link_url or None,
            "date": api_datetime(self.date),
            "read": self.is_read,
            "read_date": api_datetime(self.read_date),
            "campaign_id": self.campaign_id.id or None,
        }

    @api.model
    def _api_page(self, partner, limit, offset):
        """The customer's messages, newest first."""
        domain = [("partner_id", "=", partner.id)]
        messages = self.search(domain, limit=limit, offset=offset)
        return {
            "messages": [message._to_api() for message in messages],
            "total": self.search_count(domain),
            "unread": self.search_count(domain + [("is_read", "=", False)]),
            "limit": limit,
            "offset": offset,
        }
