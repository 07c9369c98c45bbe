from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import SQL, format_amount

LAC_EVENT_TYPES = ("lac_delivery", "lac_entry", "lac_next_supply")
GLASSES_EVENT_TYPES = ("glasses_delivery", "glasses_entry")


class OpticalCrmSegment(models.Model):
    """A ready-made target: a named group of customers built on the trigger
    events (contact-lens wearers, progressive-lens wearers, not seen for N
    months, ...), evaluated on the day it is used. Campaigns and cyclic
    activities combine segments; the raw filter stays for experts.

    Each kind of segment is a customer domain (``_criterion_domain``);
    modules add kinds with ``selection_add`` and extend that method."""

    _name = "optical.crm.segment"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "Customer segment"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", "Shop", index=True,
                                 help="Empty: the segment is offered to every shop.")
    criterion = fields.Selection(
        [
            ("lac_wearer", "Contact-lens wearers"),
            ("progressive_wearer", "Progressive-lens wearers"),
            ("not_seen", "Not seen for N months"),
            ("age_band", "Age band"),
            ("purchase_amount", "Last purchase amount"),
            ("birthday_month", "Birthday this month"),
            ("sms_consent", "With SMS consent"),
        ],
        required=True, default="lac_wearer",
    )
    months = fields.Integer(
        default=12,
        help="Contact-lens wearers: a contact-lens supply in the last N months. Progressive-lens wearers: "
        "glasses in the last N months (0: ever). Not seen: no visit or purchase in the last N months.")
    age_min = fields.Integer("From age", default=0)
    age_max = fields.Integer("To age", default=120)
    amount_min = fields.Float("Amount from", default=0.0)
    amount_max = fields.Float("Amount to", default=0.0, help="0: no upper limit.")
    description = fields.Text(compute="_compute_description")
    customer_count = fields.Integer("Customers", compute="_compute_customer_count")
    reach_html = fields.Html("Reachable by channel", compute="_compute_reach", sanitize=False)

    _sql_constraints = [
        ("months_positive", "CHECK (months >= 0)", "Months cannot be negative."),
        ("ages_ordered", "CHECK (age_min >= 0 AND age_max >= age_min)",
         "The age band must go from a lower to a higher age."),
        ("amounts_ordered", "CHECK (amount_min >= 0 AND (amount_max = 0 OR amount_max >= amount_min))",
         "The amount band must go from a lower to a higher amount."),
    ]

    @api.constrains("criterion", "months")
    def _check_months(self):
        for segment in self:
            if segment.criterion in ("lac_wearer", "not_seen") and segment.months <= 0:
                raise ValidationError(self.env._("Months: segment %(name)s needs at least one month.",
                                                 name=segment.name))

    @api.depends("criterion", "months", "age_min", "age_max", "amount_min", "amount_max", "company_id")
    @api.depends_context("lang", "company")
    def _compute_description(self):
        for segment in self:
            segment.description = segment._describe()

    def _describe(self):
        self.ensure_one()
        _ = self.env._
        labels = dict(self._fields["criterion"]._description_selection(self.env))
        if self.criterion == "lac_wearer":
            return _("A contact-lens supply in the last %(months)s months", months=self.months)
        if self.criterion == "progressive_wearer":
            if self.months:
                return _("Progressive glasses in the last %(months)s months", months=self.months)
            return _("Progressive glasses, ever")
        if self.criterion == "not_seen":
            return _("No visit or purchase in the last %(months)s months", months=self.months)
        if self.criterion == "age_band":
            return _("Aged %(low)s to %(high)s", low=self.age_min, high=self.age_max)
        if self.criterion == "purchase_amount":
            # Amounts as the shop writes them: "€ 300,00", not "300.0".
            currency = (self.company_id or self.env.company).currency_id
            low = format_amount(self.env, self.amount_min, currency)
            if self.amount_max:
                return _("Last purchase from %(low)s to %(high)s", low=low,
                         high=format_amount(self.env, self.amount_max, currency))
            return _("Last purchase of at least %(low)s", low=low)
        return labels.get(self.criterion, "")

    # ------------------------------------------------------------------
    # Customers of a segment
    # ------------------------------------------------------------------

    def _criterion_domain(self, today):
        """The customers of this segment on ``today``, as a res.partner domain."""
        self.ensure_one()
        Partner = self.env["res.partner"].with_context(active_test=False)
        if self.criterion == "lac_wearer":
            return [("optical_event_ids", "any", [
                ("event_type", "in", LAC_EVENT_TYPES), ("active", "=", True),
                ("event_date", ">", today - relativedelta(months=self.months)), ("event_date", "<=", today)])]
        if self.criterion == "progressive_wearer":
            events = [("event_type", "in", GLASSES_EVENT_TYPES), ("lens_type", "=", "progressive"),
                      ("active", "=", True), ("event_date", "<=", today)]
            if self.months:
                events.append(("event_date", ">", today - relativedelta(months=self.months)))
            return [("optical_event_ids", "any", events)]
        if self.criterion == "not_seen":
            return [("optical_event_ids", "not any", [
                ("event_type", "!=", "birthday"), ("active", "=", True),
                ("event_date", ">", today - relativedelta(months=self.months))])]
        if self.criterion == "age_band":
            # Aged age_min to age_max (included) on today.
            return [("birthdate", "<=", today - relativedelta(years=self.age_min)),
                    ("birthdate", ">", today - relativedelta(years=self.age_max + 1))]
        if self.criterion == "purchase_amount":
            # The amount of each customer's most recent purchase (FOCUS sends one per sale), in one pass.
            query = Partner._search([])
            high = SQL("AND last.amount <= %s", self.amount_max) if self.amount_max else SQL()
            query.add_where(SQL(
                """%(partner)s IN (SELECT last.partner_id
                                     FROM (SELECT DISTINCT ON (e.partner_id) e.partner_id, e.amount
                                             FROM optical_crm_event e
                                            WHERE e.is_purchase AND e.active AND e.event_date <= %(today)s
                                            ORDER BY e.partner_id, e.event_date DESC, e.id DESC) last
                                    WHERE last.amount >= %(low)s %(high)s)""",
                partner=SQL.identifier(query.table, "id"), today=today, low=self.amount_min, high=high))
            return [("id", "in", query)]
        if self.criterion == "birthday_month":
            query = Partner._search([("birthdate", "!=", False)])
            query.add_where(SQL("EXTRACT(MONTH FROM %s) = %s",
                                SQL.identifier(query.table, "birthdate"), today.month))
            return [("id", "in", query)]
        if self.criterion == "sms_consent":
            return [("optical_consent_marketing", "=", True), ("optical_consent_sms", "=", True)]
        raise ValidationError(self.env._("Customers: unknown kind of segment %(kind)r.", kind=self.criterion))

    def _partner_domain(self, today, match="all"):
        """The customers of these segments combined: in all of them
        (``match`` = ``all``) or in any."""
        domains = [segment._criterion_domain(today) for segment in self]
        if not domains:
            return []
        return expression.AND(domains) if match == "all" else expression.OR(domains)

    @api.model
    def _customer_domain(self, company):
        """The shop's customers (``res.partner.optical_is_customer``), by the
        customer's-shop rule."""
        return [("optical_shop_id", "=", company.id), ("optical_is_customer", "=", True)]

    # ------------------------------------------------------------------
    # Reach: how many can be contacted on each channel, and why not the rest
    # ------------------------------------------------------------------

    def _shop_domain(self):
        """This segment's customers in its shop (or the current one), today."""
        self.ensure_one()
        company = self.company_id or self.env.company
        return self._customer_domain(company) + self._partner_domain(company._optical_today())

    @api.depends("criterion", "months", "age_min", "age_max", "amount_min", "amount_max", "company_id")
    @api.depends_context("company")
    def _compute_customer_count(self):
        Partner = self.env["res.partner"]
        for segment in self:
            segment.customer_count = Partner.search_count(segment._shop_domain())

    @api.depends("criterion", "months", "age_min", "age_max", "amount_min", "amount_max", "company_id")
    @api.depends_context("company")
    def _compute_reach(self):
        for segment in self:
            segment.reach_html = self._reach_table(self._reach(segment._shop_domain()))

    @api.model
    def _reach(self, domain, channels=None, purpose="marketing", values=None, chains=None):
        """Customers of ``domain`` and, per channel, how many can be reached and
        why the others cannot: the sending rules (``_skip_conditions``: consent,
        e-mail blacklist, ...) then the contact details the channel needs
        (``_reach_contact_conditions``), the first reason that holds counted.

        The rules see each (customer, channel) as a communication ``c`` that
        would be planned, with ``values`` (``campaign_id``, ``cycle_id``,
        ``company_id``) set on it.

        ``chains``: lists of channels (a step's channel and its alternatives):
        each gets a row too, reachable when one of its channels is (the
        reasons: those of its first channel).

        Returns ``{"customers": n, "channels": [(channel, label, reachable, [(reason, n)])]}``."""
        Communication = self.env["optical.crm.communication"]
        registry = Communication._channel_registry()
        # Each channel once: a campaign with two SMS steps reaches its customers by SMS once.
        channels = list(dict.fromkeys(channel for channel in (channels or registry) if channel in registry))
        self.env.flush_all()
        query = self.env["res.partner"].with_context(active_test=True)._search(domain)
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM (%s) t", query.select()))
        total = self.env.cr.fetchone()[0]
        labels = dict(Communication._fields["channel"]._description_selection(self.env))
        result = {"customers": total, "channels": []}
        if not total or not channels:
            return result
        reason = self._reach_reason_sql()
        row = self._reach_row_sql(values or {}, purpose)
        # Short and set-based: compiling it (JIT) would cost more than running it.
        self.env.cr.execute("SET LOCAL jit = off")
        counts = self._reach_channel_counts(channels, reason, row, query)
        # A chain reaches a customer when one of its channels does.
        chains = self._reach_chains(chains, registry)
        for chain in chains:
            counts[chain] = self._reach_chain_counts(chain, reason, row, query)
        self.env.cr.execute("SET LOCAL jit TO DEFAULT")
        for key in [*channels, *chains]:
            reasons = counts.get(key, {})
            reachable = reasons.pop(None, 0)
            label = " → ".join(labels.get(channel, channel) for channel in key) if isinstance(key, tuple) \
                else labels.get(key, key)
            result["channels"].append((key, label, reachable, sorted(reasons.items(), key=lambda item: -item[1])))
        return result

    @api.model
    def _reach_reason_sql(self):
        """Why the communication ``c`` cannot be sent (NULL when it can): the
        first sending rule that holds, else the first missing contact detail."""
        Communication = self.env["optical.crm.communication"]
        skip_code, skip_reason = Communication._skip_case_sql()
        contact = Communication._reach_contact_conditions()
        contact_reason = SQL("CASE %s ELSE NULL END", SQL(" ").join(
            SQL("WHEN c.channel = %s AND %s THEN %s", channel, condition, reason)
            for channel, conditions in contact.items() for condition, reason in conditions
        )) if contact else SQL("NULL")
        return SQL("CASE WHEN %s IS NOT NULL THEN %s ELSE %s END", skip_code, skip_reason, contact_reason)

    @api.model
    def _reach_row_sql(self, values, purpose):
        """The communication ``c`` the planner would insert for customer ``p``
        on channel ``ch.channel``, with ``values`` set on it."""
        # The rules see each (customer, channel) as the row the planner would insert:
        # its columns (PLANNED_COLUMNS) are all a rule may read, as in the planner's INSERT.
        return SQL(
            """SELECT p.id AS partner_id, %(company)s::int AS company_id, ch.channel::varchar AS channel,
                      %(purpose)s::varchar AS purpose, %(today)s::date AS scheduled_date, %(source)s::varchar AS source,
                      0 AS priority, %(cycle)s::int AS cycle_id, NULL::int AS cycle_step_id, NULL::int AS event_id,
                      %(campaign)s::int AS campaign_id, NULL::int AS campaign_step_id""",
            company=values.get("company_id"), purpose=purpose,
            today=(self.env["res.company"].browse(values.get("company_id")) or self.env.company)._optical_today(),
            source="cycle" if values.get("cycle_id") else "campaign" if values.get("campaign_id") else "manual",
            cycle=values.get("cycle_id"), campaign=values.get("campaign_id"))

    @api.model
    def _reach_channel_counts(self, channels, reason, row, query):
        """``{channel: {reason: customers}}`` for the customers of ``query``
        (reason None: reachable)."""
        self.env.cr.execute(SQL(
            """SELECT x.channel, x.reason, COUNT(*)
                 FROM (SELECT c.channel, %(reason)s AS reason
                         FROM res_partner p
                        CROSS JOIN (VALUES %(channels)s) AS ch(channel)
                        CROSS JOIN LATERAL (%(row)s) c
                        WHERE p.id IN %(partners)s) x
                GROUP BY 1, 2""",
            reason=reason, channels=SQL(", ").join(SQL("(%s)", channel) for channel in channels),
            row=row, partners=query.subselect(),
        ))
        counts = {}
        for channel, why, count in self.env.cr.fetchall():
            counts.setdefault(channel, {})[why] = count
        return counts

    @api.model
    def _reach_chains(self, chains, registry):
        """The chains worth a row: each once, its known channels each once,
        at least two of them."""
        return [chain for chain in dict.fromkeys(
            tuple(channel for channel in dict.fromkeys(chain) if channel in registry) for chain in chains or ())
            if len(chain) > 1]

    @api.model
    def _reach_chain_counts(self, chain, reason, row, query):
        """``{reason: customers}`` for the customers of ``query`` on ``chain``:
        reachable (None) when one of its channels is, else its first
        channel's reason."""
        self.env.cr.execute(SQL(
            """SELECT CASE WHEN x.reached THEN NULL ELSE x.reason END, COUNT(*)
                 FROM (SELECT p.id, BOOL_OR(r.reason IS NULL) AS reached,
                              (ARRAY_AGG(r.reason ORDER BY ch.ord))[1] AS reason
                         FROM res_partner p
                        CROSS JOIN (VALUES %(chain)s) AS ch(ord, channel)
                        CROSS JOIN LATERAL (%(row)s) c
                        CROSS JOIN LATERAL (SELECT %(reason)s AS reason) r
                        WHERE p.id IN %(partners)s
                        GROUP BY p.id) x
                GROUP BY 1""",
            reason=reason,
            chain=SQL(", ").join(SQL("(%s, %s)", position, channel) for position, channel in enumerate(chain)),
            row=row, partners=query.subselect()))
        return dict(self.env.cr.fetchall())

    @api.model
    def _reach_table(self, reach):
        _ = self.env._
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td class='text-end'><b>%s</b></td><td class='text-muted'>%s</td></tr>") % (
                label, reachable,
                Markup("; ").join(Markup("%s: %s") % (reason, count) for reason, count in reasons) or "—")
            for _channel, label, reachable, reasons in reach["channels"])
        return Markup(
            "<p><b>%s</b></p><table class='table table-sm o_optical_reach'><thead><tr><th>%s</th>"
            "<th class='text-end'>%s</th><th>%s</th></tr></thead><tbody>%s</tbody></table>") % (
            _("%(count)s customers", count=reach["customers"]),
            _("Channel"), _("Reachable"), _("Not reachable, because"), rows)
