import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
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

    optical_is_customer = fields.Boolean(
        "Shop customer", compute="_compute_optical_is_customer", search="_search_optical_is_customer",
        help="A person the shop sells to: not a company, not a company's or a supplier's contact, not an "
        "Odoo user. The Customers menu, campaigns and cyclic activities work on these.")
    optical_phone_search = fields.Char(
        "Mobile or phone", compute="_compute_optical_phone_search", search="_search_optical_phone_search",
        help="Finds a number however it was typed: spaces, dashes and the country code do not matter.")

    @api.model
    def _optical_customer_domain(self):
        """Who is a customer: an individual who is not an Odoo user and is not filed under a company
        (a business contact such as Odoo's demo "Deco Addict, Addison Olson"); with Odoo Invoicing
        installed, not a supplier who never bought."""
        domain = [("is_company", "=", False), ("user_ids", "=", False),
                  "|", ("parent_id", "=", False), ("parent_id.is_company", "=", False)]
        if "supplier_rank" in self._fields:
            domain += ["|", ("supplier_rank", "=", 0), ("customer_rank", ">", 0)]
        return domain

    @api.depends("is_company", "user_ids", "parent_id.is_company")
    def _compute_optical_is_customer(self):
        customers = self.filtered_domain(self._optical_customer_domain())
        for partner in self:
            partner.optical_is_customer = partner in customers

    def _search_optical_is_customer(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Shop customer: only 'is set' or 'is not set' can be searched."))
        domain = self._optical_customer_domain()
        return domain if (operator == "=") == value else ["!", *expression.normalize_domain(domain)]

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

    def _creation_message(self):
        """"Customer created" on a customer's card, in the language of the user who created it (Odoo's own
        line mixes the model's English name into the translated sentence: "Contact creato")."""
        if self.optical_is_customer:
            return self.with_context(lang=self.env.lang or self.env.user.lang).env._("Customer created")
        return super(ResPartnerCustomer, self.with_context(lang=self.env.lang or self.env.user.lang))._creation_message()

    def action_optical_open_call_outcome(self):
        self.ensure_one()
        return self.optical_open_call_id.action_open_callback_wizard()

    def get_formview_id(self, access_uid=None):
        """A link to a customer (as the Customers menu lists them) opens the
        customer card for the shop's staff, not the generic contact form."""
        user = self.env["res.users"].browse(access_uid or self.env.uid)
        if (len(self) == 1 and self.optical_is_customer
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
