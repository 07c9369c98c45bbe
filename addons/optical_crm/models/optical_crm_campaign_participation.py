from odoo import api, fields, models
from odoo.exceptions import UserError


class OpticalCrmCampaignParticipation(models.Model):
    """A supplier campaign offered to one shop, and the shop's answer: joined
    (with the shop's own campaign, planned and sent as its own) or declined.
    The *Supplier campaigns* menu lists them, and shows for the users of a
    shop exactly when a supplier campaign is offered to one of their shops."""

    _name = "optical.crm.campaign.participation"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "Supplier campaign offered to a shop"
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _rec_name = "name"

    offer_id = fields.Many2one("optical.crm.campaign", "Supplier campaign", required=True, ondelete="cascade",
                               index=True, readonly=True)
    company_id = fields.Many2one("res.company", "Shop", required=True, index=True, readonly=True)
    state = fields.Selection(
        [("offered", "To answer"), ("joined", "Joined"), ("declined", "Declined")],
        default="offered", required=True, readonly=True, index=True)
    campaign_id = fields.Many2one("optical.crm.campaign", "Shop's campaign", readonly=True, ondelete="set null",
                                  index="btree_not_null")
    decision_user_id = fields.Many2one("res.users", "Answered by", readonly=True)
    decision_date = fields.Datetime("Answered on", readonly=True)
    # The supplier's campaign as the shop sees it (the offer itself belongs to whoever manages it).
    name = fields.Char(related="offer_id.name")
    supplier_id = fields.Many2one(related="offer_id.supplier_id")
    date_start = fields.Date(related="offer_id.date_start", store=True)
    date_end = fields.Date(related="offer_id.date_end")
    description = fields.Html(related="offer_id.description")
    offer_state = fields.Selection(related="offer_id.state", string="Supplier campaign state")
    offer_allow_target = fields.Boolean(related="offer_id.offer_allow_target")
    offer_allow_sender_name = fields.Boolean(related="offer_id.offer_allow_sender_name")
    channels = fields.Char(compute="_compute_channels")
    campaign_state = fields.Selection(related="campaign_id.state", string="Campaign state")
    result_contacted = fields.Integer("Customers contacted", compute="_compute_results")
    result_bought = fields.Integer("Customers who bought", compute="_compute_results")
    result_conversion = fields.Float("Conversion (%)", compute="_compute_results", digits=(16, 1))

    _sql_constraints = [
        ("offer_company_uniq", "UNIQUE (offer_id, company_id)", "A supplier campaign is offered once to a shop."),
    ]

    @api.depends("offer_id.step_ids.channel")
    def _compute_channels(self):
        labels = dict(self.env["optical.crm.campaign.step"]._fields["channel"]._description_selection(self.env))
        for participation in self:
            channels = participation.offer_id.sudo().step_ids.mapped("channel")
            participation.channels = ", ".join(labels.get(c, c) for c in dict.fromkeys(channels))

    @api.depends("campaign_id")
    def _compute_results(self):
        Analysis = self.env["optical.crm.analysis"]
        campaigns = self.campaign_id
        # Each participation belongs to one shop (record rules): its figures are that shop's.
        figures = Analysis.sudo()._figures_by([("campaign_id", "in", campaigns.ids)], "campaign_id") if campaigns else {}
        for participation in self:
            cell = figures.get(participation.campaign_id.sudo(), {}) if participation.campaign_id else {}
            participation.result_contacted = cell.get("customer_contacted", 0)
            participation.result_bought = cell.get("customer_bought", 0)
            participation.result_conversion = cell.get("conversion_rate") or 0.0

    @api.model_create_multi
    def create(self, vals_list):
        participations = super().create(vals_list)
        self._sync_menu_group()
        return participations

    def unlink(self):
        res = super().unlink()
        self._sync_menu_group()
        return res

    # ------------------------------------------------------------------
    # The shop's answer
    # ------------------------------------------------------------------

    def _check_can_answer(self):
        # Only the shop's owner answers: writing a participation is theirs (access rights).
        self.check_access("write")
        for participation in self:
            if participation.offer_state in ("done", "cancelled"):
                raise UserError(self.env._(
                    "Supplier campaign: %(name)s is over or withdrawn by the supplier.", name=participation.name))

    def action_join(self):
        """Join: the shop gets its own campaign, a copy of the supplier's,
        scheduled; it is planned for the shop's customers and sent as the
        shop's own."""
        self._check_can_answer()
        for participation in self.filtered(lambda p: p.state != "joined"):
            campaign = participation.campaign_id.sudo()
            if campaign:
                # Joined again after declining: the same campaign goes on, with the offer's steps of today.
                campaign.with_context(optical_offer_sync=True).action_draft()
                campaign._offer_sync_steps()
            else:
                offer = participation.offer_id.sudo()
                campaign = offer.with_context(optical_offer_sync=True, optical_offer_join=True).copy({
                    "name": offer.name,
                    "company_id": participation.company_id.id,
                    "offer_id": offer.id,
                    "user_id": self.env.user.id,
                })
            campaign.with_context(optical_offer_sync=True).action_schedule()
            participation.sudo().write({
                "state": "joined", "campaign_id": campaign.id,
                "decision_user_id": self.env.user.id, "decision_date": fields.Datetime.now(),
            })
        return True

    def action_decline(self):
        """Decline (or leave): nothing of it is planned for the shop; what was
        planned and not sent yet is cancelled."""
        self._check_can_answer()
        self.campaign_id.filtered(lambda c: c.state != "cancelled").sudo().with_context(
            optical_offer_sync=True).action_cancel()
        self.sudo().write({"state": "declined", "decision_user_id": self.env.user.id,
                           "decision_date": fields.Datetime.now()})
        return True

    def action_open_campaign(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "optical.crm.campaign",
            "res_id": self.campaign_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # The menu shows exactly when a supplier campaign is offered to the user's shops
    # ------------------------------------------------------------------

    @api.model
    def _sync_menu_group(self, users=None):
        """Give the *Supplier campaigns* menu's group to the shop users (of
        ``users``, default all) with a supplier campaign offered to one of
        their shops, and take it from the others."""
        group = self.env.ref("optical_crm.group_optical_supplier_campaign", raise_if_not_found=False)
        staff = self.env.ref("optical_crm.group_optical_crm_user", raise_if_not_found=False)
        if not group or not staff:
            return
        group = group.sudo()
        employees = self.env.ref("base.group_user").sudo()
        if group in employees.implied_ids:
            # The menu follows the shops' participations: not a Settings switch implied for every user.
            employees.write({"implied_ids": [(3, group.id)]})
        self.env.flush_all()
        companies = self.sudo().search([("offer_id.state", "!=", "cancelled")]).company_id
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        scope = users.sudo() if users is not None else Users.search([("groups_id", "in", group.ids)])
        if users is None and companies:
            scope |= Users.search([("groups_id", "in", staff.ids), ("company_ids", "in", companies.ids)])
        entitled = scope.filtered(lambda u: not u.share and staff in u.groups_id and u.company_ids & companies)
        to_add, to_remove = entitled - group.users, (scope & group.users) - entitled
        if to_add or to_remove:
            group.write({"users": [(4, u.id) for u in to_add] + [(3, u.id) for u in to_remove]})
