from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.optical_crm.tools.opt_out import is_opt_out
from odoo.addons.optical_crm.tools.phone import normalize_mobile


class ResPartner(models.Model):
    _inherit = "res.partner"

    optical_consent_whatsapp = fields.Boolean(
        "WhatsApp consent", help="The customer accepts messages from the shop on WhatsApp (Meta asks for it).")
    optical_whatsapp_message_ids = fields.One2many("optical.crm.whatsapp.message", "partner_id", "WhatsApp")

    def action_optical_whatsapp_reply(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window", "res_model": "optical.crm.whatsapp.reply", "view_mode": "form",
            "target": "new", "name": self.env._("WhatsApp reply"), "context": {"default_partner_id": self.id},
        }

    @api.model
    def _optical_whatsapp_customers(self, account, e164):
        """The customers of the account's shop whose mobile (or phone), as
        typed, reads as ``e164`` (the project's one phone tool)."""
        digits = e164[-9:]
        country = account.company_id.partner_id.country_id.code or "IT"
        if len(digits) < 6:
            return self.browse()
        # The numbers as typed (spaces, dots, no prefix): their digits end with the number's.
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT id FROM res_partner
                WHERE optical_shop_id = %s AND active
                  AND (regexp_replace(COALESCE(mobile, ''), '[^0-9]', '', 'g') LIKE %s
                       OR regexp_replace(COALESCE(phone, ''), '[^0-9]', '', 'g') LIKE %s)""",
            account.company_id.id, "%" + digits, "%" + digits))
        # sudo: the webhook's own lookup, limited to the account's shop above.
        candidates = self.sudo().browse(row[0] for row in self.env.cr.fetchall())
        return candidates.filtered(lambda p: e164 in (
            normalize_mobile(p.mobile, country).e164, normalize_mobile(p.phone, country).e164))

    @api.model
    def _optical_whatsapp_inbound(self, account, message):
        """A message a customer wrote to the shop's number (Meta's
        ``messages[]`` item): kept once (Meta retries), into the customer's
        chatter with a "WhatsApp message" activity for the shop's staff.
        ``STOP`` (the SMS module's opt-out words, core's ``tools/opt_out.py``)
        revokes the WhatsApp consent and cancels what is queued for them.
        Returns the message kept, or an empty recordset for a repeat."""
        Message = self.env["optical.crm.whatsapp.message"].sudo()
        wamid = message.get("id")
        if not wamid or Message.search_count([("wamid", "=", wamid)], limit=1):
            return Message
        e164 = self._optical_whatsapp_inbound_number(account, message)
        message_type, text = self._optical_whatsapp_inbound_text(message)
        partners = self._optical_whatsapp_customers(account, e164)
        is_stop = is_opt_out(text)
        kept = self.env["optical.crm.whatsapp.message"]
        for partner in partners or [self.browse()]:
            kept |= Message.create({
                "account_id": account.id, "company_id": account.company_id.id, "partner_id": partner.id,
                "direction": "in", "number": e164, "body": text, "message_type": message_type,
                "wamid": wamid if not kept else False, "is_stop": is_stop,
                "date": fields.Datetime.now(),
            })
        if is_stop and partners:
            body = self._optical_whatsapp_inbound_stop(partners, e164)
        else:
            body = Markup("<p>%s</p><p>%s</p>") % (
                self.env._("WhatsApp message from %(number)s:", number=e164), text)
        self._optical_whatsapp_inbound_notify(account, partners, body, text, is_stop)
        return kept

    @api.model
    def _optical_whatsapp_inbound_number(self, account, message):
        """The sender's number of an inbound message in E.164, read in the
        country of the account's shop (as received when it does not parse)."""
        number = normalize_mobile("+" + str(message.get("from") or "").lstrip("+"),
                                  account.company_id.partner_id.country_id.code or "IT")
        return number.e164 or "+" + str(message.get("from") or "")

    @api.model
    def _optical_whatsapp_inbound_text(self, message):
        """``(message_type, text)`` of an inbound message: the text's body, a
        quick-reply button's label, or ``[type]`` for media and the like."""
        message_type = message.get("type") or "text"
        text = (message.get("text") or {}).get("body") if message_type == "text" else None
        if text is None and message_type == "button":
            text = (message.get("button") or {}).get("text")
        return message_type, text if text is not None else "[%s]" % message_type

    @api.model
    def _optical_whatsapp_inbound_stop(self, partners, e164):
        """Revoke the WhatsApp consent of ``partners`` and cancel their queued
        WhatsApp messages; returns the chatter note saying so."""
        partners.write({"optical_consent_whatsapp": False})
        self.env["optical.crm.communication"].sudo().search([
            ("partner_id", "in", partners.ids), ("channel", "=", "whatsapp"), ("state", "=", "sent"),
            ("whatsapp_state", "=", "queued")])._mark_cancelled(self.env._("STOP received on WhatsApp"), "consent")
        return Markup("<p>%s</p>") % self.env._(
            "STOP received on WhatsApp from %(number)s: the WhatsApp consent is revoked.", number=e164)

    @api.model
    def _optical_whatsapp_inbound_notify(self, account, partners, body, text, is_stop):
        """Post ``body`` in each customer's chatter and, unless it is a STOP,
        schedule a "WhatsApp message" activity for the shop's callback user."""
        activity_type = self.env.ref("optical_crm_whatsapp.mail_activity_type_whatsapp")
        for partner in partners:
            partner.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
            if not is_stop:
                user = account.company_id.optical_callback_user_id
                partner.activity_schedule(
                    activity_type_id=activity_type.id, summary=self.env._("WhatsApp message: answer the customer"),
                    note=text, user_id=user.id or self.env.ref("base.user_admin").id)
