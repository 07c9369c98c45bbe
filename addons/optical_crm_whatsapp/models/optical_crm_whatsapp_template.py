from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools.whatsapp_api import body_variables, template_payload

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

    def _values(self, communication):
        return [PLACEHOLDERS[key][1](communication) or "" for key in self._variable_keys()]

    def _render_body(self, communication):
        """The text the customer reads (for the history)."""
        text = self.body or self.name
        for number, value in enumerate(self._values(communication), start=1):
            text = text.replace("{{%s}}" % number, str(value))
        return text

    def _payload(self, communication, to, reference):
        return template_payload(to, self.name, self.language, self._values(communication), reference,
                                self.header_image_url or None)

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
