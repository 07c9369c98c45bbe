import datetime

from odoo import api, fields, models
from odoo.tools import html2plaintext

from ..tools.http_api import api_datetime

# The customer may write this many messages per window (10 minutes) before the
# API answers 429; the system parameter optical_crm_app.chat_rate_limit changes it.
CHAT_RATE_WINDOW = datetime.timedelta(minutes=10)
CHAT_TEXT_MAX_LENGTH = 2000


class OpticalAppMessage(models.Model):
    """One message in the customer's chat of the app (Il Mio Ottico).

    To the customer: one per ``app`` communication, or a staff reply posted
    with *Send message* in the customer's chatter; reading it in the app marks
    the communication opened, which the analysis counts as read.
    From the customer: written in the app (``POST /optical_app/v1/messages``),
    posted in the customer's chatter, with an activity for the shop until
    someone replies."""

    _name = "optical.app.message"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "App message"
    _order = "date desc, id desc"
    # The push notifications list and the chat show the message by its title.
    _rec_name = "title"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", "Customer", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", "Shop", required=True, index=True,
                                 default=lambda self: self.env.company)
    communication_id = fields.Many2one("optical.crm.communication", index=True,
                                       ondelete="set null", readonly=True)
    campaign_id = fields.Many2one(related="communication_id.campaign_id", store=True)
    date = fields.Datetime("Sent on", required=True, default=fields.Datetime.now, index=True, readonly=True)
    direction = fields.Selection(
        [("out", "To the customer"), ("in", "From the customer")], default="out", required=True,
        readonly=True, index=True)
    mail_message_id = fields.Many2one("mail.message", "Chatter message", readonly=True, ondelete="set null",
                                      index="btree_not_null")
    is_answered = fields.Boolean("Answered", readonly=True, index=True,
                                 help="A message from the customer that the shop has replied to.")
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

    @api.model
    def _deliver(self, vals_list):
        """Create messages to customers and queue a push notification to each
        of their paired devices that can receive one; the push queue's cron
        pushes them after this transaction (inside the shop's sending window)."""
        partners = self.env["res.partner"].browse({vals["partner_id"] for vals in vals_list})
        devices = self.env["optical.app.device"].sudo().search([("partner_id", "in", partners.ids)])
        devices_by_partner = devices.grouped("partner_id")
        push_enabled = bool(self.env["ir.config_parameter"]._optical_param("optical_crm_app.push_url"))
        for vals in vals_list:
            partner_devices = devices_by_partner.get(self.env["res.partner"].browse(vals["partner_id"]), devices.browse())
            vals["delivery"] = "push" if push_enabled and any(partner_devices.mapped("push_token")) else "chat"
        messages = self.sudo().create(vals_list)
        pushes = self.env["optical.app.push"].sudo().create([
            {"message_id": message.id, "device_id": device.id, "company_id": message.company_id.id}
            for message in messages.filtered(lambda m: m.delivery == "push")
            for device in devices_by_partner[message.partner_id] if device.push_token
        ])
        if pushes:
            # Push right after this transaction commits, not at the cron's next round.
            self.env.ref("optical_crm_app.ir_cron_process_push_queue").sudo()._trigger()
        return messages

    # ------------------------------------------------------------------
    # Chat: the customer writes, the shop replies
    # ------------------------------------------------------------------

    @api.model
    def _chat_rate_limited(self, partner):
        """Whether the customer already wrote the most messages allowed in the window."""
        limit = self.env["ir.config_parameter"]._optical_param("optical_crm_app.chat_rate_limit")
        recent = self.sudo().search_count([
            ("partner_id", "=", partner.id), ("direction", "=", "in"),
            ("date", ">=", fields.Datetime.now() - CHAT_RATE_WINDOW),
        ])
        return recent >= limit

    @api.model
    def _chat_reply(self, partner, mail_message):
        """Staff replied with *Send message* in the customer's chatter: the
        reply reaches the app as a message (and its push); the customer's
        messages count as answered and the chat activity is done."""
        company = partner.optical_shop_id or self.env.company
        text = html2plaintext(mail_message.body or "").strip()
        if not text:
            return self.browse()
        message = self._deliver([{
            "partner_id": partner.id,
            "company_id": company.id,
            "direction": "out",
            # The customer reads it: in their language.
            "title": self.with_context(lang=partner._optical_lang()).env._("Message from %(shop)s", shop=company.name),
            "body": text,
            "mail_message_id": mail_message.id,
        }])
        self.sudo().search([("partner_id", "=", partner.id), ("direction", "=", "in"),
                            ("is_answered", "=", False)]).write({"is_answered": True})
        partner._optical_app_chat_activity_done(mail_message)
        return message

    def action_reply(self):
        """*Reply* on a message from the customer: a dialog whose answer reaches the app's chat."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reply to %(customer)s", customer=self.partner_id.display_name),
            "res_model": "optical.app.reply.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_message_id": self.id},
        }

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
            "from": "customer" if self.direction == "in" else "shop",
        }

    @api.model
    def _api_page(self, partner, limit, offset):
        """The customer's messages, newest first."""
        domain = [("partner_id", "=", partner.id)]
        messages = self.search(domain, limit=limit, offset=offset)
        return {
            "messages": [message._to_api() for message in messages],
            "total": self.search_count(domain),
            "unread": self.search_count(domain + [("direction", "=", "out"), ("is_read", "=", False)]),
            "limit": limit,
            "offset": offset,
        }
