import secrets

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..tools.whatsapp_api import META_CATEGORY, META_STATUS, CloudApi, meta_buttons


class OpticalCrmWhatsappAccount(models.Model):
    """A shop's WhatsApp Business number on Meta's Cloud API. The secrets
    (access token, app secret, verify token) are read and written by the
    administrators only, like the SMS gateway key."""

    _name = "optical.crm.whatsapp.account"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "WhatsApp account"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", "Shop", required=True, index=True,
                                 default=lambda self: self.env.company)
    api_url = fields.Char("Graph API URL", required=True, default="https://graph.facebook.com/v21.0",
                          help="Meta's Graph API base, its version included.")
    phone_number_id = fields.Char("Phone number ID", required=True, index=True,
                                  help="The id Meta gives the shop's WhatsApp number (WhatsApp Manager).")
    business_account_id = fields.Char("WhatsApp Business Account ID", required=True, index=True)
    access_token = fields.Char(groups="base.group_system", copy=False,
                               help="A permanent token of a system user of the shop's Meta business.")
    app_secret = fields.Char(groups="base.group_system", copy=False,
                             help="The app secret of the Meta app: Meta signs its notifications with it.")
    verify_token = fields.Char(groups="base.group_system", copy=False,
                               default=lambda self: secrets.token_urlsafe(24),
                               help="Typed in the Meta app's webhook settings, checked when Meta connects.")
    webhook_url = fields.Char(compute="_compute_webhook_url", help="The callback URL to give Meta.")
    cost_marketing = fields.Float("Price of a marketing message", digits=(12, 4),
                                  help="What Meta charges the shop for a marketing template message.")
    cost_utility = fields.Float("Price of a utility message", digits=(12, 4),
                                help="What Meta charges the shop for a utility template message.")
    template_ids = fields.One2many("optical.crm.whatsapp.template", "account_id", "Templates")
    last_sync = fields.Datetime("Templates synced on", readonly=True)

    _sql_constraints = [
        ("phone_number_id_unique", "UNIQUE(phone_number_id)", "A WhatsApp number belongs to one account."),
    ]

    def _compute_webhook_url(self):
        for account in self:
            account.webhook_url = "%s/optical_crm_whatsapp/webhook" % account.get_base_url()

    def _cloud_api(self):
        """The Cloud API client of this account (the product's own call: sudo for the token)."""
        self.ensure_one()
        Param = self.env["ir.config_parameter"]
        prefix = "optical_crm_whatsapp.api"
        return CloudApi(self.api_url, self.sudo().access_token,
                        timeout=Param._optical_param(prefix + "_timeout"),
                        retries=Param._optical_param(prefix + "_retries"),
                        backoff=Param._optical_param(prefix + "_backoff"))

    def action_sync_templates(self):
        """Read the account's templates from Meta: new ones are added, the
        status, category and text of known ones follow Meta's."""
        for account in self:
            account.check_access("write")
            api_client = account._cloud_api()
            try:
                templates = api_client.templates(account.business_account_id)
            except ValueError as error:
                raise UserError(self.env._("WhatsApp account %(account)s: Meta refused the template list: "
                                           "%(error)s", account=account.name, error=error)) from error
            finally:
                api_client.close()
            account._sync_templates(templates)
        return True

    def _sync_templates(self, meta_templates):
        self.ensure_one()
        # sudo: Meta's verdicts are the product's bookkeeping (the user may only ask for them).
        Template = self.env["optical.crm.whatsapp.template"].sudo()
        known = {(t.name, t.language): t for t in Template.with_context(active_test=False).search(
            [("account_id", "=", self.id)])}
        for meta in meta_templates:
            key = (meta.get("name"), meta.get("language"))
            if not all(key):
                continue
            body = next((c.get("text") for c in meta.get("components") or []
                         if isinstance(c, dict) and c.get("type") == "BODY"), "")
            values = {
                "status": META_STATUS.get((meta.get("status") or "").upper(), "pending"),
                "meta_id": meta.get("id"),
                "rejected_reason": meta.get("rejected_reason") if meta.get("rejected_reason") != "NONE" else False,
            }
            if meta.get("category") in META_CATEGORY:
                values["category"] = META_CATEGORY[meta["category"]]
            buttons = meta_buttons(meta.get("components"))
            if key in known:
                if body and not known[key].body:
                    values["body"] = body
                if "components" in meta and not known[key]._same_buttons(buttons):
                    values["button_ids"] = [Command.clear()] + _button_commands(buttons)
                known[key].write(values)
            else:
                Template.create(dict(values, account_id=self.id, name=key[0], language=key[1], body=body or "",
                                     category=values.get("category", "marketing"),
                                     button_ids=_button_commands(buttons)))
        self.sudo().last_sync = fields.Datetime.now()

    @api.model
    def _by_phone_number_id(self, phone_number_id):
        # sudo: the webhook's own lookup (public route), before any user is known.
        return self.sudo().search([("phone_number_id", "=", str(phone_number_id))], limit=1)


def _button_commands(buttons):
    """Create commands of a template's buttons (``meta_buttons``), in Meta's order."""
    return [Command.create({"sequence": index, "button_type": button["type"], "text": button["text"] or "-",
                            "url": button["url"] or False, "phone_number": button["phone_number"] or False})
            for index, button in enumerate(buttons)]
