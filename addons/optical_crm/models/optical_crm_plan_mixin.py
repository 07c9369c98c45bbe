from functools import partial

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class OpticalCrmPlanMixin(models.AbstractModel):
    """What the planner plans: a cyclic activity or a campaign. Its steps'
    target (the expert filter and the segments) and how many customers each
    channel reaches, its control group, priority, responsible, the
    communications it planned, its planning failures
    (``optical.crm.plan.error.mixin``) and its results
    (``optical.crm.results.mixin``).

    Each model has ``step_ids`` and ``communication_ids`` and names in
    ``_results_field`` the communication's field pointing to it."""

    _name = "optical.crm.plan.mixin"
    _inherit = ["mail.thread", "optical.crm.shop.mixin", "optical.crm.plan.error.mixin",
                "optical.crm.results.mixin"]
    _description = "Cyclic activity or campaign"

    name = fields.Char(required=True, translate=True, tracking=True)
    partner_domain = fields.Char(
        "Customers", default="[]", help="Start only for the customers matching this filter."
    )
    segment_ids = fields.Many2many(
        "optical.crm.segment", string="Segments",
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="Start only for the customers of these ready-made targets, as of the day the step is planned.")
    segment_match = fields.Selection(
        [("all", "In every segment"), ("any", "In any segment")], "Customers in", default="all", required=True)
    reach_html = fields.Html("Reachable by channel", compute="_compute_reach", sanitize=False)
    company_id = fields.Many2one("res.company", "Shop", index=True, default=lambda self: self.env.company)
    priority = fields.Integer(
        default=10, help="When contacts collide under the contact pressure limit, the higher priority wins."
    )
    user_id = fields.Many2one("res.users", "Responsible", default=lambda self: self.env.user)
    holdout_percent = fields.Integer(
        "Control group (%)", default=0, tracking=True,
        help="Share of the customers (0-50%) who are not contacted, drawn once per customer: comparing "
        "them with the contacted ones shows what the contact causes.",
    )
    communication_count = fields.Integer(compute="_compute_communication_count")

    _sql_constraints = [
        ("holdout_percent_range", "CHECK (holdout_percent BETWEEN 0 AND 50)",
         "Control group: the share held out is between 0% and 50%."),
    ]

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        for record in self:
            self.env["optical.crm.communication"]._check_partner_filter(
                record.partner_domain, self._fields["partner_domain"].string)

    @api.depends("communication_ids")
    def _compute_communication_count(self):
        counts = dict(self.env["optical.crm.communication"]._read_group(
            [(self._results_field, "in", self.ids)], [self._results_field], ["__count"]
        ))
        for record in self:
            record.communication_count = counts.get(record._origin, 0)

    @api.depends("partner_domain", "segment_ids", "segment_match", "company_id", "step_ids.channel",
                 "step_ids.fallback_ids.channel", "step_ids.fallback_ids.sequence")
    @api.depends_context("company")
    def _compute_reach(self):
        """The customers the steps may go to today, and how many each of
        their channels can reach."""
        Segment = self.env["optical.crm.segment"]
        Communication = self.env["optical.crm.communication"]
        for record in self:
            # Seen as this record's contacts, so that its control group shows as such.
            values = {self._results_field: record._origin.id} if record._origin.id else {}
            steps = record.step_ids
            try:
                domain = record._target_domain()
                reach = Communication._try_partner_query(
                    partial(Segment._reach, domain, channels=steps.mapped("channel") or None,
                            purpose=record._reach_purpose(), values=values,
                            chains=[step._optical_chain() for step in steps]),
                    self._fields["partner_domain"].string)
            except ValidationError as error:
                record.reach_html = Markup("<p class='text-danger'>%s</p>") % error
                continue
            record.reach_html = Segment._reach_table(record._reach_counted(reach, domain, values))

    def _reach_purpose(self):
        """The purpose the reach is counted for: consent matters for marketing."""
        return "marketing"

    def _reach_counted(self, reach, domain, values):
        """The reach as shown: ``reach`` as ``optical.crm.segment._reach`` counts it."""
        return reach

    def _partner_filter_domain(self, company):
        """The customers the steps go to in ``company``: the expert filter and
        the segments (as of the shop's today); [] for all."""
        self.ensure_one()
        return self.env["optical.crm.communication"]._partner_domain(
            self.partner_domain, self._fields["partner_domain"].string
        ) + self.segment_ids._partner_domain(company._optical_today(), self.segment_match)

    def _target_domain(self, company=None):
        """The shop's customers the steps go to: by the customer's-shop rule
        (so contacts without a company count), its individual contacts that
        are not Odoo users, within the expert filter and the segments."""
        self.ensure_one()
        company = company or self.company_id or self.env.company
        return self._partner_filter_domain(company) + self.env["optical.crm.segment"]._customer_domain(company)

    def _stopped(self):
        """These records stopped (a cycle archived, a campaign cancelled): the
        rules look again at the customers of their planned contacts, cancel
        those (``_cancel_lost_reason``) and give their places under the
        contact pressure limit to the customers' others."""
        Communication = self.env["optical.crm.communication"]
        # sudo: the ledger's own bookkeeping, every shop's contacts of these records whoever stops them.
        pending = Communication.sudo().search([(self._results_field, "in", self.ids), ("state", "=", "planned")])
        Communication._apply_rules_for_partners(pending.partner_id)

    def action_view_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optical_crm.optical_crm_communication_action")
        action["domain"] = [(self._results_field, "=", self.id)]
        # Every communication the button counts, by state: no hidden date filter.
        action["context"] = {"search_default_group_by_state": 1}
        return action
