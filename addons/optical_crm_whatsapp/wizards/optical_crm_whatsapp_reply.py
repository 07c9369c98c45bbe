import uuid

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.optical_crm.tools.phone import normalize_mobile

from ..tools.whatsapp_api import text_payload


class OpticalCrmWhatsappReply(models.TransientModel):
    """Staff answer a customer on WhatsApp from their card: free text while
    Meta's customer-service window is open (24 hours after the customer's
    last message), an approved template otherwise."""

    _name = "optical.crm.whatsapp.reply"
    _description = "WhatsApp reply"

    partner_id = fields.Many2one("res.partner", "Customer", required=True, readonly=True)
    account_id = fields.Many2one("optical.crm.whatsapp.account", compute="_compute_window")
    window_end = fields.Datetime("Free text until", compute="_compute_window")
    window_open = fields.Boolean(compute="_compute_window")
    body = fields.Text("Your answer")
    template_id = fields.Many2one(
        "optical.crm.whatsapp.template",
        domain="[('status', '=', 'approved'), ('account_id', '=', account_id)]")

    @api.depends("partner_id")
    def _compute_window(self):
        now = fields.Datetime.now()
        for wizard in self:
            account = wizard._account()
            end = account and self.env["optical.crm.whatsapp.message"]._window_end(wizard.partner_id, account)
            wizard.account_id = account
            wizard.window_end = end or False
            wizard.window_open = bool(end and end > now)

    def _account(self):
        # sudo: the shop's account is the product's; staff do not read its settings.
        shop = self.partner_id.sudo().optical_shop_id
        return self.env["optical.crm.whatsapp.account"].sudo().search(
            [("company_id", "=", shop.id)], limit=1) if shop else self.env["optical.crm.whatsapp.account"]

    def action_send(self):
        self.ensure_one()
        _ = self.env._
        # The user's own right on the customer (the shop's record rules) first:
        # the rest is the product's bookkeeping.
        self.partner_id.check_access("read")
        account = self._account()
        if not account:
            raise UserError(_("WhatsApp: the shop of %(customer)s has no WhatsApp account.",
                              customer=self.partner_id.name))
        number = normalize_mobile(self.partner_id.mobile or self.partner_id.phone,
                                  account.company_id.partner_id.country_id.code or "IT")
        if number.error:
            raise UserError(_("Mobile: %(customer)s has no number WhatsApp can reach.", customer=self.partner_id.name))
        reference = uuid.uuid4().hex
        if self.window_open and (self.body or "").strip() and not self.template_id:
            payload, text = text_payload(number.e164, self.body.strip(), reference), self.body.strip()
        elif self.template_id:
            if self.template_id.status != "approved":
                raise UserError(_("Template: %(template)s is not approved by Meta.", template=self.template_id.name))
            communication = self.env["optical.crm.communication"].new({
                "partner_id": self.partner_id.id, "company_id": account.company_id.id, "channel": "whatsapp",
                "scheduled_date": fields.Date.today()})
            payload = self.template_id._payload(communication, number.e164, reference)
            text = self.template_id._render_body(communication)
        elif not self.window_open:
            raise UserError(_(
                "Template: %(customer)s last wrote more than 24 hours ago, so WhatsApp allows only an approved "
                "template; pick one.", customer=self.partner_id.name))
        else:
            raise UserError(_("Message: write the answer to %(customer)s.", customer=self.partner_id.name))
        api_client = account._cloud_api()
        try:
            outcome, message_id, reason = api_client.post_message(account.phone_number_id, payload)
        finally:
            api_client.close()
        if outcome != "ok":
            raise UserError(_("WhatsApp did not take the message: %(reason)s", reason=reason or outcome))
        self.env["optical.crm.whatsapp.message"].sudo().create({
            "account_id": account.id, "company_id": account.company_id.id, "partner_id": self.partner_id.id,
            "direction": "out", "number": number.e164, "body": text, "wamid": message_id,
            "message_type": "template" if self.template_id else "text", "author_id": self.env.uid,
        })
        # sudo: the note records what the user sent, as its author; staff do not edit customers.
        self.partner_id.sudo().message_post(
            author_id=self.env.user.partner_id.id, body=Markup("<p>%s</p><p>%s</p>") % (_("WhatsApp answer sent:"), text),
            message_type="comment", subtype_xmlid="mail.mt_note")
        return {"type": "ir.actions.act_window_close"}
