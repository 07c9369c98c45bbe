from functools import partial

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .optical_crm_event import EVENT_TYPES, LENS_TYPES


class OpticalCrmCycle(models.Model):
    _name = "optical.crm.cycle"
    _description = "Cyclic activity"
    _inherit = ["mail.thread", "optical.crm.shop.mixin"]
    _order = "priority desc, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    event_type = fields.Selection(EVENT_TYPES, "Trigger event", required=True, tracking=True)
    lens_type = fields.Selection(
        LENS_TYPES, "Only lens type", help="Start only for events of this lens type (e.g. progressive glasses)."
    )
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
    step_ids = fields.One2many("optical.crm.cycle.step", "cycle_id", "Steps", copy=True)
    company_id = fields.Many2one(
        "res.company", "Shop", index=True, default=lambda self: self.env.company,
        help="Empty: the cyclic activity runs for every shop.",
    )
    priority = fields.Integer(
        default=10, help="When contacts collide under the contact pressure limit, the higher priority wins."
    )
    supersede = fields.Boolean(
        "Newer event supersedes",
        default=True,
        help="When the customer comes back for the same kind of item, the follow-up of the older one "
        "stops: a new pair of progressive glasses replaces the old progressive pair's calls and "
        "messages (sunglasses or reading glasses bought later do not), a new supply of the same "
        "contact lenses replaces the old one's reminders. Items bought on the same day are all "
        "followed.",
    )
    user_id = fields.Many2one("res.users", "Responsible", default=lambda self: self.env.user)
    holdout_percent = fields.Integer(
        "Control group (%)", default=0, tracking=True,
        help="Share of the customers (0-50%) who are not contacted, drawn once per customer: comparing "
        "them with the contacted ones shows what the contact causes.",
    )
    communication_ids = fields.One2many("optical.crm.communication", "cycle_id", "Communications")
    communication_count = fields.Integer(compute="_compute_communication_count")

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        for record in self:
            self.env["optical.crm.communication"]._check_partner_filter(
                record.partner_domain, self._fields["partner_domain"].string)

    @api.depends("communication_ids")
    def _compute_communication_count(self):
        counts = dict(self.env["optical.crm.communication"]._read_group(
            [("cycle_id", "in", self.ids)], ["cycle_id"], ["__count"]
        ))
        for cycle in self:
            cycle.communication_count = counts.get(cycle._origin, 0)

    _sql_constraints = [
        ("holdout_percent_range", "CHECK (holdout_percent BETWEEN 0 AND 50)",
         "Control group: the share held out is between 0% and 50%."),
    ]

    def _creation_message(self):
        """The chatter's first line as one sentence, so the Italian agrees ("Attività ciclica creata"), in the
        language of the user who created the record."""
        return self.with_context(lang=self.env.lang or self.env.user.lang).env._("Cyclic activity created")

    def write(self, vals):
        res = super().write(vals)
        if "active" in vals and not vals["active"]:
            self.env["optical.crm.communication"]._cancel_planned(
                [("cycle_id", "in", self.ids)], self.env._("Cyclic activity archived")
            )
        return res

    @api.depends("partner_domain", "segment_ids", "segment_match", "company_id", "step_ids.channel",
                 "step_ids.purpose", "step_ids.fallback_ids.channel", "step_ids.fallback_ids.sequence")
    @api.depends_context("company")
    def _compute_reach(self):
        """The shop's customers the cyclic activity may start for today, and
        how many each of its channels can reach (service steps need no consent)."""
        Segment = self.env["optical.crm.segment"]
        for cycle in self:
            company = cycle.company_id or self.env.company
            try:
                domain = Segment._customer_domain(company) + cycle._partner_filter_domain(company)
            except ValidationError as error:
                cycle.reach_html = Markup("<p class='text-danger'>%s</p>") % error
                continue
            steps = cycle.step_ids
            purpose = "service" if steps and set(steps.mapped("purpose")) == {"service"} else "marketing"
            values = {"cycle_id": cycle._origin.id} if cycle._origin.id else {}
            try:
                reach = self.env["optical.crm.communication"]._try_partner_query(
                    partial(Segment._reach, domain, channels=steps.mapped("channel") or None, purpose=purpose,
                            values=values, chains=[step._optical_chain() for step in steps]),
                    self._fields["partner_domain"].string)
            except ValidationError as error:
                cycle.reach_html = Markup("<p class='text-danger'>%s</p>") % error
                continue
            cycle.reach_html = Segment._reach_table(reach)

    def _partner_filter_domain(self, company):
        """The customers this cyclic activity starts for in ``company``: the
        expert filter and the segments (as of the shop's today); [] for all."""
        self.ensure_one()
        return self.env["optical.crm.communication"]._partner_domain(
            self.partner_domain, self._fields["partner_domain"].string
        ) + self.segment_ids._partner_domain(company._optical_today(), self.segment_match)

    def action_view_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optical_crm.optical_crm_communication_action")
        action["domain"] = [("cycle_id", "=", self.id)]
        action["context"] = {"search_default_group_by_state": 1}
        return action
