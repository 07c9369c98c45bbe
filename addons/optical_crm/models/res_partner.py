from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

CONSENT_FIELDS = ("optical_consent_marketing", "optical_consent_sms", "optical_consent_app")


class ResPartner(models.Model):
    _inherit = "res.partner"

    birthdate = fields.Date("Birth date", index=True)
    optical_first_name = fields.Char(
        "First name", help="Used to address the customer personally; the first word of the name when empty."
    )
    optical_consent_marketing = fields.Boolean(
        "Marketing consent", help="The customer accepts promotional contacts (calls, e-mail, letters)."
    )
    optical_consent_sms = fields.Boolean("SMS consent", help="The customer accepts promotional SMS.")
    optical_consent_app = fields.Boolean(
        "App consent", help="The customer accepts promotional messages in the shop's app."
    )
    optical_consent_email = fields.Boolean(
        "E-mail consent", compute="_compute_optical_consent_email",
        help="Marketing consent, and the address is not on the e-mail blacklist (the customer did not "
        "unsubscribe).",
    )
    optical_event_ids = fields.One2many("optical.crm.event", "partner_id", "Trigger events")
    optical_communication_ids = fields.One2many("optical.crm.communication", "partner_id", "Communications")
    optical_communication_count = fields.Integer(compute="_compute_optical_communication_count")
    optical_shop_id = fields.Many2one(
        "res.company", "Customer's shop", compute="_compute_optical_shop_id", store=True, index=True,
        help="The shop this customer belongs to for birthdays, campaigns, app promotions, lists and "
        "analysis: the contact's company; else the shop of their most recent trigger event; else, "
        "when the database has a single shop, that shop.",
    )

    @api.depends("optical_communication_ids")
    def _compute_optical_communication_count(self):
        counts = dict(
            self.env["optical.crm.communication"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.optical_communication_count = counts.get(partner._origin, 0)

    @api.model
    def _optical_shop_sql(self, alias):
        """The customer's shop of the ``res_partner`` row ``alias`` as an SQL
        expression: the one definition of the rule, used by the stored field
        (``optical_shop_id``) and by set-based statements. Birthday events are
        derived from the shop, so they do not decide it."""
        partner = SQL.identifier(alias)
        return SQL(
            """COALESCE(
                   %(p)s.company_id,
                   (SELECT e.company_id FROM optical_crm_event e
                     WHERE e.partner_id = %(p)s.id AND e.active AND e.source != 'birthday'
                     ORDER BY e.event_date DESC, e.id DESC LIMIT 1),
                   (SELECT MIN(co.id) FROM res_company co WHERE co.active HAVING COUNT(*) = 1))""",
            p=partner,
        )

    @api.depends("company_id", "optical_event_ids.company_id", "optical_event_ids.event_date",
                 "optical_event_ids.active")
    def _compute_optical_shop_id(self):
        # A partner of a company is that company's (the first term of _optical_shop_sql).
        by_events = self.filtered(lambda partner: partner.id and not partner.company_id)
        shops = {}
        if by_events:
            self.env["optical.crm.event"].flush_model(["partner_id", "company_id", "event_date", "active", "source"])
            self.flush_model(["company_id"])
            self.env.cr.execute(SQL(
                "SELECT p.id, %s FROM res_partner p WHERE p.id IN %s",
                self._optical_shop_sql("p"), tuple(by_events.ids)))
            shops = dict(self.env.cr.fetchall())
        single = self.env["res.company"].sudo().search([], limit=2)
        single = single if len(single) == 1 else single.browse()
        for partner in self:
            if partner.company_id or not partner.id:
                # A contact being created on a form: no event yet.
                partner.optical_shop_id = partner.company_id or single
            else:
                # Without row yet (computed before a set-based INSERT): no event either.
                partner.optical_shop_id = shops.get(partner.id, single)

    def _get_redirect_suggested_company(self):
        # A customer without a company is seen in their shop (rule res_partner_rule_optical_shop): an owner
        # opening a link to them is offered that shop.
        return super()._get_redirect_suggested_company() or self.optical_shop_id

    @api.model
    def _optical_update_shops(self, partner_ids=None):
        """Set every customer's shop again, in one statement (a shop was added
        or removed: "the single shop" may have changed); only those of
        ``partner_ids`` when given (events written in bulk for them: a
        partner of a company is that company's whatever its events). Only
        the rows whose shop changes are written."""
        self.env.flush_all()
        scope = SQL("WHERE p.id = ANY(%s) AND p.company_id IS NULL", list(partner_ids)) \
            if partner_ids is not None else SQL()
        self.env.cr.execute(SQL(
            """UPDATE res_partner p SET optical_shop_id = x.shop_id
                 FROM (SELECT p.id, %s AS shop_id FROM res_partner p %s) x
                WHERE p.id = x.id AND p.optical_shop_id IS DISTINCT FROM x.shop_id
            RETURNING p.id""",
            self._optical_shop_sql("p"), scope))
        changed = [partner_id for (partner_id,) in self.env.cr.fetchall()]
        self.invalidate_model(["optical_shop_id"])
        if changed:
            self._optical_shops_changed(changed)
        return len(changed)

    @api.model
    def _optical_shops_changed(self, partner_ids):
        """The shop of ``partner_ids`` was set in SQL (``_optical_update_shops``):
        modules update what they store from it."""

    @api.depends("optical_consent_marketing", "is_blacklisted")
    def _compute_optical_consent_email(self):
        for partner in self:
            partner.optical_consent_email = partner.optical_consent_marketing and not partner.is_blacklisted

    def write(self, vals):
        res = super().write(vals)
        if "company_id" in vals and not self.env.su:
            self._optical_check_own_shop()
        # A writer of many customers (FOCUS sync) defers the rules with the
        # context key ``optical_defer_rules`` and applies them once for all.
        if (any(field in vals for field in CONSENT_FIELDS) or vals.get("active") is False) \
                and not self.env.context.get("optical_defer_rules"):
            self.env["optical.crm.communication"]._apply_rules_for_partners(self)
        return res

    def _optical_check_own_shop(self):
        """Shop staff write their shop's customers (rule res_partner_rule_optical_shop), but may not hand
        one to a shop they do not work in."""
        outside = self.filtered(lambda partner: partner.partner_share and partner.optical_shop_id
                                and partner.optical_shop_id not in self.env.user.company_ids)
        if outside:
            raise AccessError(self.env._(
                "%(customer)s: you can only assign a customer to a shop you work in.",
                customer=", ".join(outside.mapped("display_name"))))

    def _optical_lang(self):
        """The language to speak to this customer in: theirs when the
        database has it installed, else their shop's, else the database's
        default. A language since removed (or set by an import) never breaks a
        page or a message: every place a customer's language is used asks here."""
        self.ensure_one()
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        if self.lang in installed:
            return self.lang
        return (self.optical_shop_id or self.company_id or self.env.company)._optical_lang()

    def _optical_first_name(self):
        self.ensure_one()
        return self.optical_first_name or (self.name or "").split(" ")[0]

    def action_view_optical_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optical_crm.optical_crm_communication_action")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
