import datetime
from functools import partial

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class OpticalCrmCampaign(models.Model):
    _name = "optical.crm.campaign"
    _description = "Campaign"
    _inherit = ["optical.crm.plan.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _results_field = "campaign_id"

    date_start = fields.Date("Start", required=True, tracking=True)
    date_end = fields.Date("End", required=True, tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("scheduled", "Scheduled"),
            ("running", "Running"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        default="draft", required=True, tracking=True, copy=False,
    )
    step_ids = fields.One2many("optical.crm.campaign.step", "campaign_id", "Steps", copy=True)
    partner_domain = fields.Char("Target customers",
                                 help="For experts: a filter on customers, combined with the segments.")
    segment_ids = fields.Many2many(
        help="Ready-made targets (contact-lens wearers, not seen for 12 months, ...), evaluated on the day "
        "the campaign is planned.")
    segment_match = fields.Selection(string="Customers")
    company_id = fields.Many2one(required=True)
    priority = fields.Integer(default=5)
    is_supplier_campaign = fields.Boolean("Supplier campaign", index=True)
    supplier_id = fields.Many2one("res.partner", help="The lens maker offering the campaign.")
    sender_name = fields.Char(
        "Sender name", help="The name the customer sees as sender of the campaign's e-mails, and of its SMS when "
        "it is 3 to 11 letters or digits. Empty: the shop's name.")
    description = fields.Html(translate=True)
    holdout_percent = fields.Integer(
        help="Share of the target (0-50%) who are not contacted, drawn once per customer: comparing "
        "them with the contacted ones shows what the campaign causes.",
    )
    one_per_household = fields.Boolean(
        "One per household", default=True, tracking=True,
        help="Customers who share a mobile number, an e-mail address or an app device get one message between "
        "them: the first customer who may get it does, the others are skipped (same household).")
    communication_ids = fields.One2many("optical.crm.communication", "campaign_id", "Communications")
    target_count = fields.Integer("Target size", compute="_compute_target_count",
                                  help="The shop's customers matching the filter.")
    target_problem = fields.Char("Target problem", compute="_compute_target_count",
                                 help="Why the target cannot be counted (a filter that does not run).")

    _sql_constraints = [
        ("dates_ordered", "CHECK (date_end >= date_start)", "A campaign cannot end before it starts."),
    ]

    @api.constrains("is_supplier_campaign", "supplier_id")
    def _check_supplier(self):
        for campaign in self:
            if campaign.is_supplier_campaign and not campaign.supplier_id:
                raise ValidationError(self.env._("Supplier: a supplier campaign needs its supplier."))

    @api.depends("partner_domain", "segment_ids", "segment_match", "company_id")
    def _compute_target_count(self):
        Partner = self.env["res.partner"]
        Communication = self.env["optical.crm.communication"]
        label = self._fields["partner_domain"].string
        for campaign in self:
            # A filter that no longer runs shows why instead of the count: the form still opens to fix it.
            campaign.target_count, campaign.target_problem = 0, False
            try:
                domain = campaign._target_domain()
                campaign.target_count = Communication._try_partner_query(partial(Partner.search_count, domain), label)
            except ValidationError as error:
                campaign.target_problem = str(error)

    @api.depends("one_per_household")
    def _compute_reach(self):
        return super()._compute_reach()

    def _reach_counted(self, reach, domain, values):
        if not self.one_per_household:
            return reach
        # Counted in households: one message per shared mobile, e-mail address or app device.
        return self.env["optical.crm.communication"]._reach_households(reach, domain, values, self.company_id)

    def _creation_message(self):
        """The chatter's first line as one sentence, so the Italian agrees ("Campagna creata"), in the
        language of the user who created the record."""
        return self.with_context(lang=self.env.lang or self.env.user.lang).env._("Campaign created")

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") == "cancelled":
            self._stopped()
        if "one_per_household" in vals and self.step_ids:
            self.env["optical.crm.communication"]._apply_rules(SQL("c.campaign_id IN %s", tuple(self.ids)))
        if "date_start" in vals:
            # A step's day counts from the start: contacts not sent yet move with it.
            self.step_ids._move_pending()
        return res

    def action_schedule(self):
        for campaign in self:
            if not campaign.step_ids:
                raise ValidationError(self.env._("Steps: campaign %s has no step to send.", campaign.name))
        self.write({"state": "scheduled"})
        self._update_states()

    def action_plan_now(self):
        """Plan the shop now instead of at the planner's next hourly run, to
        see what the campaign sends in the planning horizon (the planner is
        idempotent: its next run adds nothing twice)."""
        self.check_access("write")
        Communication = self.env["optical.crm.communication"]
        before = Communication.search_count([("campaign_id", "in", self.ids)])
        for company in self.company_id:
            Communication._cron_plan_company(company)
        planned = Communication.search_count([("campaign_id", "in", self.ids)]) - before
        company = self.company_id[:1] or self.env.company
        horizon_end = company._optical_today() + datetime.timedelta(days=max(company.optical_horizon_days, 0))
        if planned:
            message = self.env._("%(count)s communications planned up to %(date)s.",
                                 count=planned, date=company._optical_format_date(horizon_end))
        else:
            message = self.env._(
                "Nothing new to plan up to %(date)s: the planner looks %(days)s days ahead "
                "(the campaign starts on %(start)s).",
                date=company._optical_format_date(horizon_end), days=company.optical_horizon_days,
                start=company._optical_format_date(min(self.mapped("date_start")) if self else None))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Plan now"),
                "message": message,
                "type": "success" if planned else "info",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_cancel(self):
        self.write({"state": "cancelled"})

    def action_draft(self):
        self.write({"state": "draft"})

    @api.model
    def _update_states(self):
        """scheduled → running on the start date, running → done after the end date."""
        for company in self.env["res.company"].sudo().with_context(active_test=False).search([]):  # pylint: disable=no-search-all
            today = company._optical_today()
            shop = [("company_id", "=", company.id)]
            self.search(shop + [("state", "=", "scheduled"), ("date_start", "<=", today)]).write({"state": "running"})
            self.search(shop + [("state", "in", ("scheduled", "running")), ("date_end", "<", today)]).write(
                {"state": "done"})
