from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools.whatsapp_api import VARIABLE_RE, body_variables, template_payload, url_button_component, url_suffix

# What a template's numbered variables may be mapped to: key → (label, value of a communication).
PLACEHOLDERS = {
    "first_name": ("Customer's first name", lambda c: c.first_name),
    "name": ("Customer's name", lambda c: c.partner_id.name),
    "shop": ("Shop", lambda c: c.company_id.name),
    "shop_phone": ("Shop's phone", lambda c: c.company_id.phone),
    "event_date": ("Event date", lambda c: c.event_date_text if "event_date_text" in c else ""),
    "landing_url": ("Landing page link", lambda c: c.landing_url if "landing_url" in c else ""),
}


class OpticalCrmWhatsappTemplate(models.Model):
    """A message template as registered and approved at Meta: its name and
    language as Meta knows them, its category (what Meta charges) and its
    status (synced from the account and from Meta's notifications)."""

    _name = "optical.crm.whatsapp.template"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "WhatsApp template"
    _order = "name, language"
    _check_company_auto = True

    name = fields.Char(required=True, help="The template's name as registered at Meta (lower case, underscores).")
    language = fields.Char(required=True, default="it", help="The language code as registered at Meta (it, en_US…).")
    account_id = fields.Many2one("optical.crm.whatsapp.account", "WhatsApp account", required=True,
                                 ondelete="cascade", index=True, check_company=True)
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    active = fields.Boolean(default=True)
    category = fields.Selection([("marketing", "Marketing"), ("utility", "Utility")], required=True,
                                default="marketing")
    status = fields.Selection(
        [("pending", "Pending"), ("approved", "Approved"), ("rejected", "Rejected"), ("paused", "Paused"),
         ("disabled", "Disabled")], required=True, default="pending", readonly=True,
        help="Meta's verdict, synced from the account and from Meta's notifications.")
    rejected_reason = fields.Char("Meta's reason", readonly=True)
    meta_id = fields.Char("Meta template id", readonly=True, index="btree_not_null")
    body = fields.Text(help="The template's text as submitted to Meta, variables numbered {{1}}, {{2}}…")
    variables = fields.Char(
        help="What fills {{1}}, {{2}}… in order, comma separated: first_name, name, shop, shop_phone, "
        "event_date, landing_url.")
    header_image_url = fields.Char("Header image URL", help="For a template with an image header: a public URL.")
    button_ids = fields.One2many("optical.crm.whatsapp.template.button", "template_id", "Buttons", copy=True,
                                 help="The template's buttons as registered at Meta, in Meta's order.")

    _sql_constraints = [
        ("name_language_account_unique", "UNIQUE(account_id, name, language)",
         "A template name and language is registered once per account."),
    ]

    @api.depends("name", "language", "status")
    def _compute_display_name(self):
        statuses = dict(self._fields["status"]._description_selection(self.env))
        for template in self:
            template.display_name = "%s (%s) – %s" % (template.name, template.language, statuses.get(template.status))

    def write(self, vals):
        if not self.env.su and {"status", "meta_id"} & set(vals):
            raise AccessError(self.env._(
                "Status: Meta decides the status of WhatsApp template %(template)s; sync the account to read it.",
                template=self[:1].name))
        return super().write(vals)

    def _variable_keys(self):
        return [key.strip() for key in (self.variables or "").split(",") if key.strip()]

    @api.constrains("body", "variables")
    def _check_variables(self):
        for template in self:
            keys = template._variable_keys()
            unknown = [key for key in keys if key not in PLACEHOLDERS]
            if unknown:
                raise ValidationError(self.env._(
                    "Variables: %(keys)s of template %(template)s are not known; use %(known)s.",
                    keys=", ".join(unknown), template=template.name, known=", ".join(PLACEHOLDERS)))
            numbers = body_variables(template.body)
            if numbers and numbers != list(range(1, len(keys) + 1)):
                raise ValidationError(self.env._(
                    "Variables: the text of template %(template)s has %(count)s variables ({{1}}…); "
                    "name what fills each of them, in order.", template=template.name, count=len(numbers)))

    def _same_buttons(self, buttons):
        """The template's buttons are ``buttons`` (``meta_buttons``), in order."""
        return [(b.button_type, b.text, b.url or "", b.phone_number or "") for b in self.button_ids] == [
            (b["type"], b["text"] or "-", b["url"], b["phone_number"]) for b in buttons]

    def _values(self, communication):
        return [PLACEHOLDERS[key][1](communication) or "" for key in self._variable_keys()]

    def _render_body(self, communication):
        """The text the customer reads, its buttons below (for the history)."""
        text = self.body or self.name
        for number, value in enumerate(self._values(communication), start=1):
            text = text.replace("{{%s}}" % number, str(value))
        lines = [text]
        for button in self.button_ids:
            target = button.phone_number if button.button_type == "phone_number" else (
                button._link(communication) or button.url)
            lines.append(("[%s] %s" % (button.text, target or "")).strip())
        return "\n".join(lines)

    def _button_components(self, communication):
        """The ``button`` components of the message (dynamic URL buttons only:
        a phone number or a fixed link is registered at Meta, never sent), or
        raises ``ValidationError`` naming the button whose link is missing."""
        components = []
        for index, button in enumerate(self.button_ids):
            if not button.dynamic:
                continue
            suffix = url_suffix(button.url, button._link(communication))
            if not suffix:
                raise ValidationError(self.env._(
                    "WhatsApp template %(template)s: its button %(button)s opens %(url)s; this message has "
                    "nothing to fill it with, or a link starting elsewhere (%(link)s).", template=self.name,
                    button=button.text, url=button.url, link=button._link(communication) or "-"))
            components.append(url_button_component(index, suffix))
        return components

    def _payload(self, communication, to, reference):
        return template_payload(to, self.name, self.language, self._values(communication), reference,
                                self.header_image_url or None, buttons=self._button_components(communication))

    def _message_cost(self):
        account = self.account_id.sudo()
        return account.cost_marketing if self.category == "marketing" else account.cost_utility

    @api.model
    def _apply_meta_status(self, account, value):
        """Meta's ``message_template_status_update`` notification."""
        status = {"APPROVED": "approved", "REJECTED": "rejected", "PAUSED": "paused", "DISABLED": "disabled",
                  "PENDING": "pending", "FLAGGED": "approved", "REINSTATED": "approved",
                  "PENDING_DELETION": "disabled"}.get((value.get("event") or "").upper())
        if not status:
            return self.browse()
        domain = [("account_id", "=", account.id)]
        if value.get("message_template_id"):
            by_id = self.sudo().search(domain + [("meta_id", "=", str(value["message_template_id"]))])
            if by_id:
                by_id.write({"status": status, "rejected_reason": value.get("reason") or False})
                return by_id
        templates = self.sudo().search(domain + [("name", "=", value.get("message_template_name")),
                                                 ("language", "=", value.get("message_template_language"))])
        templates.write({"status": status, "rejected_reason": value.get("reason") or False})
        return templates


class OpticalCrmWhatsappTemplateButton(models.Model):
    """A button of a template as registered at Meta: a link (fixed, or whose
    ``{{1}}`` at the end is filled per message, e.g. with the customer's
    landing page link) or a phone number to call (the shop's), in Meta's order."""

    _name = "optical.crm.whatsapp.template.button"
    _description = "WhatsApp template button"
    _order = "template_id, sequence, id"

    template_id = fields.Many2one("optical.crm.whatsapp.template", required=True, ondelete="cascade",
                                  index=True)
    company_id = fields.Many2one(related="template_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    button_type = fields.Selection(
        [("url", "Open a link"), ("phone_number", "Call a number"), ("quick_reply", "Quick reply"),
         ("other", "Other")], "Type", required=True, default="url")
    text = fields.Char("Label", required=True)
    url = fields.Char("Link", help="As registered at Meta; a {{1}} at its end is filled per message.")
    phone_number = fields.Char("Phone number")
    dynamic = fields.Boolean(compute="_compute_dynamic", help="The link ends with a variable filled per message.")
    url_variable = fields.Selection(
        [(key, label) for key, (label, _value) in PLACEHOLDERS.items()], "Link filled with", default="landing_url",
        help="What the link's {{1}} opens: its part after the link's fixed start is sent to Meta.")

    @api.depends("button_type", "url")
    def _compute_dynamic(self):
        for button in self:
            button.dynamic = button.button_type == "url" and bool(VARIABLE_RE.search(button.url or ""))

    def _link(self, communication):
        """The link this button opens for ``communication``."""
        if not self.dynamic:
            return self.url
        return PLACEHOLDERS[self.url_variable or "landing_url"][1](communication) or ""
