import re

from odoo import fields, models
from odoo.tools import SQL


class ResPartnerCustomer(models.Model):
    """The customer card of the Customers menu: what the shop needs at a
    glance (last purchase, next planned contact, open call)."""

    _inherit = "res.partner"

    optical_last_purchase_id = fields.Many2one(
        "optical.crm.event", "Last purchase", compute="_compute_optical_customer_card")
    optical_next_communication_id = fields.Many2one(
        "optical.crm.communication", "Next planned contact", compute="_compute_optical_customer_card")
    optical_open_call_id = fields.Many2one(
        "optical.crm.communication", "Open call", compute="_compute_optical_customer_card")

    optical_phone_search = fields.Char(
        "Mobile or phone", compute="_compute_optical_phone_search", search="_search_optical_phone_search",
        help="Finds a number however it was typed: spaces, dashes and the country code do not matter.")

    def _compute_optical_phone_search(self):
        self.optical_phone_search = False

    def _search_optical_phone_search(self, operator, value):
        digits = re.sub(r"\D", "", str(value or ""))
        if operator not in ("ilike", "like", "=", "=ilike") or len(digits) < 3:
            return [("id", "=", False)]
        pattern = "%" + digits + "%"
        return [("id", "in", SQL(
            "(SELECT id FROM res_partner WHERE regexp_replace(COALESCE(mobile, ''), '[^0-9]', '', 'g') LIKE %s "
            "OR regexp_replace(COALESCE(phone, ''), '[^0-9]', '', 'g') LIKE %s)", pattern, pattern))]

    def _compute_optical_customer_card(self):
        Event = self.env["optical.crm.event"]
        Communication = self.env["optical.crm.communication"]
        ids = self._origin.ids if self._origin else []
        # One query each, the first row per customer (the lists are ordered).
        last_purchase, next_contact, open_call = {}, {}, {}
        if ids:
            for event in Event.search([("partner_id", "in", ids), ("is_purchase", "=", True)],
                                      order="event_date desc, id desc"):
                last_purchase.setdefault(event.partner_id.id, event)
            for communication in Communication.search(
                    [("partner_id", "in", ids), ("state", "=", "planned")], order="scheduled_date, id"):
                next_contact.setdefault(communication.partner_id.id, communication)
            for communication in Communication.search(
                    [("partner_id", "in", ids), ("state", "=", "sent"), ("channel", "=", "phone")],
                    order="scheduled_date, id"):
                open_call.setdefault(communication.partner_id.id, communication)
        for partner in self:
            key = partner._origin.id
            partner.optical_last_purchase_id = last_purchase.get(key)
            partner.optical_next_communication_id = next_contact.get(key)
            partner.optical_open_call_id = open_call.get(key)

    def action_optical_open_call_outcome(self):
        self.ensure_one()
        return self.optical_open_call_id.action_open_callback_wizard()

    def get_formview_id(self, access_uid=None):
        """A link to a customer (a person who is not a user, as the Customers menu lists them) opens the
        customer card for the shop's staff, not the generic contact form."""
        user = self.env["res.users"].browse(access_uid or self.env.uid)
        if (len(self) == 1 and not self.is_company and not self.user_ids
                and user.has_group("optical_crm.group_optical_crm_user")):
            return self.env.ref("optical_crm.res_partner_view_form_customer").id
        return super().get_formview_id(access_uid=access_uid)

    def _message_get_suggested_recipients(self):
        """A reply in a customer's chatter reaches them by e-mail only if they accept e-mail: no pre-ticked
        customer recipient otherwise (an app chat reply reaches the app)."""
        recipients = super()._message_get_suggested_recipients()
        if len(self) == 1 and not self.is_company and not self.user_ids and not self.optical_consent_email:
            recipients = [recipient for recipient in recipients if recipient.get("partner_id") != self.id]
        return recipients

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        """A customer following their own card is not e-mailed what the shop writes there unless they accept
        e-mail (``_optical_keep_off_email``); naming them as a recipient still e-mails them."""
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        if len(self) == 1 and self._optical_keep_off_email():
            named = (msg_vals or {}).get("partner_ids") or message.partner_ids.ids
            if self.id not in named:
                recipients = [recipient for recipient in recipients
                              if not (recipient.get("id") == self.id and recipient.get("notif") == "email")]
        return recipients

    def _optical_keep_off_email(self):
        """Whether messages in this customer's chatter stay off their mailbox."""
        self.ensure_one()
        return not self.is_company and not self.user_ids and not self.optical_consent_email
