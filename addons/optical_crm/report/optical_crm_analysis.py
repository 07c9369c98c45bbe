from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.optical_crm_communication import SOURCES
from ..models.optical_crm_step_mixin import PURPOSES, channel_selection
from ..tools.uplift import MIN_CUSTOMERS, return_on_cost, revenue_uplift, two_proportion_uplift

# Ratios computed per cell from the counts below by tools.uplift (never summed).
DERIVED_MEASURES = (
    "conversion_rate", "control_rate", "uplift", "uplift_low", "uplift_high",
    "revenue_per_customer", "control_revenue_per_customer", "revenue_uplift", "return_on_cost",
)
BASE_MEASURES = (
    "customer_contacted:count_distinct", "customer_bought:count_distinct", "customer_control:count_distinct",
    "customer_control_bought:count_distinct", "revenue:sum", "control_revenue:sum", "cost:sum",
)
# The counts each ratio needs: only those are asked of the database (each
# customer count is a COUNT(DISTINCT), the costly part of a cell).
DERIVED_NEEDS = {
    "conversion_rate": ("customer_contacted", "customer_bought"),
    "control_rate": ("customer_control", "customer_control_bought"),
    "uplift": ("customer_contacted", "customer_bought", "customer_control", "customer_control_bought"),
    "revenue_per_customer": ("customer_contacted", "revenue"),
    "control_revenue_per_customer": ("customer_control", "control_revenue"),
    "revenue_uplift": ("customer_contacted", "revenue", "customer_control", "control_revenue"),
    "return_on_cost": ("revenue", "cost"),
}
DERIVED_NEEDS["uplift_low"] = DERIVED_NEEDS["uplift_high"] = DERIVED_NEEDS["uplift"]
# Revenue is the sum of the distinct purchase events of the group: a purchase
# following two contacts of the same cycle counts once.
DISTINCT_REVENUE = {"revenue:sum": "purchase_event_id", "control_revenue:sum": "control_purchase_event_id"}
# The customer counts as bits of the flags a customer's rows of a group carry
# (see _pivot_one_pass).
CUSTOMER_BITS = {
    "customer_targeted": 1, "customer_contacted": 2, "customer_reached": 4, "customer_bought": 8,
    "customer_control": 16, "customer_control_bought": 32,
}
SET_AGGREGATES = {"__count", "cost:sum", *DISTINCT_REVENUE, *("%s:count_distinct" % name for name in CUSTOMER_BITS)}


def shop_today_sql(calendar_alias, partner_alias):
    """The shop's today in a SQL view, from the shop's sending calendar
    (``calendar_alias``) and its partner (``partner_alias``): the twin of
    ``res.company._optical_today`` (its time zone rule), held to it by a test.
    A view cannot bake the day in as set-based statements do."""
    return SQL("(NOW() AT TIME ZONE COALESCE(%s, %s, 'Europe/Rome'))::date",
               SQL.identifier(calendar_alias, "tz"), SQL.identifier(partner_alias, "tz"))


class OpticalCrmAnalysis(models.Model):
    """Results of the communications, counted in customers: who was targeted,
    contacted, reached, who bought after the contact, what it brought and cost,
    and the same purchase rate for the control group, whence the uplift.

    One row per communication (cancelled ones left out); every customer count
    is a ``count_distinct`` of a column holding the customer when the row
    qualifies, so a customer contacted three times counts once in any cell.
    """

    _name = "optical.crm.analysis"
    _inherit = ["optical.crm.pivot.mixin"]
    _description = "Communication results"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    # What the pivot's groupings at once answer (optical.crm.pivot.mixin, _pivot_one_pass).
    _pivot_set_aggregates = frozenset(SET_AGGREGATES)
    # What the view reads: pending writes to these are flushed before a query.
    _depends = {
        "optical.crm.communication": [
            "partner_id", "company_id", "channel", "source", "purpose", "state", "skip_code", "scheduled_date",
            "cycle_id", "cycle_step_id", "campaign_id", "campaign_step_id", "callback_attempts", "analysis_contact",
            "opened", "purchased_after_contact", "purchase_event_id",
        ],
        "optical.crm.campaign": ["supplier_id", "offer_id"],
        "res.partner": ["optical_shop_id"],
        "optical.crm.event": ["amount"],
        "res.company": ["optical_call_minutes", "optical_call_hourly_cost", "optical_send_calendar_id", "currency_id"],
    }

    communication_id = fields.Many2one("optical.crm.communication", readonly=True)
    date = fields.Date(readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    company_id = fields.Many2one("res.company", "Shop", readonly=True, help="The shop that sent the communication.")
    currency_id = fields.Many2one("res.currency", readonly=True, help="The currency of the shop.")
    customer_shop_id = fields.Many2one(
        "res.company", "Customer's shop", readonly=True,
        help="The shop the customer belongs to (their company, else their most recent trigger event's shop, "
        "else the single shop).")
    channel = fields.Selection(channel_selection, readonly=True)
    source = fields.Selection(SOURCES, readonly=True)
    purpose = fields.Selection(PURPOSES, readonly=True)
    cycle_id = fields.Many2one("optical.crm.cycle", "Cyclic activity", readonly=True)
    cycle_step_id = fields.Many2one("optical.crm.cycle.step", "Cycle step", readonly=True)
    campaign_id = fields.Many2one("optical.crm.campaign", readonly=True)
    campaign_step_id = fields.Many2one("optical.crm.campaign.step", "Campaign step", readonly=True)
    supplier_id = fields.Many2one("res.partner", readonly=True)
    offer_id = fields.Many2one("optical.crm.campaign", "Supplier campaign", readonly=True,
                               help="The supplier's campaign the shop joined: its figures across every shop.")
    audience = fields.Selection(
        [("contacted", "Contacted"), ("control", "Control group"), ("other", "Not contacted")],
        "Group", readonly=True,
        help="Contacted: the message went out (a call counts once it was made). Control group: held out "
        "on purpose, its day has come. Not contacted: planned, skipped or failed.")
    purchase_event_id = fields.Many2one("optical.crm.event", "Purchase after contact", readonly=True)
    control_purchase_event_id = fields.Many2one("optical.crm.event", "Purchase in the control group", readonly=True)

    customer_targeted = fields.Integer("Customers targeted", aggregator="count_distinct", readonly=True)
    customer_contacted = fields.Integer("Customers contacted", aggregator="count_distinct", readonly=True)
    customer_reached = fields.Integer(
        "Customers reached", aggregator="count_distinct", readonly=True,
        help="SMS delivered, call answered, e-mail or app message opened, landing page opened.")
    customer_bought = fields.Integer("Customers who bought", aggregator="count_distinct", readonly=True,
                                     help="Contacted customers who bought within the shop's window after it.")
    customer_control = fields.Integer("Control customers", aggregator="count_distinct", readonly=True)
    customer_control_bought = fields.Integer("Control customers who bought", aggregator="count_distinct",
                                             readonly=True)
    caller_id = fields.Many2one("res.users", "Called by", readonly=True,
                                help="Who made the call (its last attempt): the results per assistant.")
    calls_made = fields.Integer("Calls made", aggregator="sum", readonly=True)
    call_minutes = fields.Float("Time on the phone (minutes)", digits=(16, 0), aggregator="sum", readonly=True,
                                help="Calls made times the shop's minutes per call.")
    # Amounts in the shop's currency (the pivot shows it: fields_get).
    revenue = fields.Monetary("Revenue after contact", aggregator="sum", readonly=True)
    control_revenue = fields.Monetary("Control group revenue", aggregator="sum", readonly=True)
    cost = fields.Monetary(aggregator="sum", readonly=True,
                           help="SMS segments times their price; calls made times minutes per call times the "
                           "shop's hourly cost.")
    conversion_rate = fields.Float("Conversion (%)", aggregator="sum", readonly=True,
                                   help="Customers who bought after contact / customers contacted.")
    control_rate = fields.Float("Control conversion (%)", aggregator="sum", readonly=True)
    uplift = fields.Float(
        "Bought thanks to the contact (% points)", aggregator="sum", readonly=True,
        help="Conversion of the contacted minus conversion of the control group, in percentage points; "
        "empty below %s customers in either group." % MIN_CUSTOMERS)
    uplift_low = fields.Float("Bought thanks to the contact, at least (% points)", aggregator="sum", readonly=True,
                              help="The low end of the 95% range of the uplift.")
    uplift_high = fields.Float("Bought thanks to the contact, at most (% points)", aggregator="sum", readonly=True,
                               help="The high end of the 95% range of the uplift.")
    revenue_per_customer = fields.Monetary("Revenue per contacted customer", aggregator="sum", readonly=True)
    control_revenue_per_customer = fields.Monetary("Revenue per control customer", aggregator="sum", readonly=True)
    revenue_uplift = fields.Monetary("Extra revenue per customer thanks to the contact", aggregator="sum",
                                     readonly=True,
                                     help="Revenue per contacted customer minus revenue per control customer.")
    return_on_cost = fields.Float("Return on cost (× the cost)", digits=(16, 2), aggregator="sum", readonly=True,
                                  help="Revenue after contact divided by its cost: 3.00 means three times the cost.")

    # ------------------------------------------------------------------
    # The view
    # ------------------------------------------------------------------

    @api.model
    def _channel_cost_sql(self):
        """What the communication ``c`` cost beyond calls, stored on it when it
        went out: each channel's ``cost_sql`` (SMS segments, …). A channel
        module whose cost is a column adds it to ``_depends``."""
        costs = {id(channel.cost_sql): channel.cost_sql
                 for channel in self.env["optical.crm.communication"]._optical_channels()
                 if channel.cost_sql is not None}  # a column shared by channels (sms, sms_link) once
        return SQL(" + ").join([SQL("0"), *costs.values()])

    @api.model
    def _call_cost_factors(self):
        """Each shop's cost of one call (its minutes per call at its hourly
        cost), as a list a SQL array reads by the shop's id."""
        self.env["res.company"].flush_model(["optical_call_minutes", "optical_call_hourly_cost"])
        shops = self.env.execute_query(SQL(
            "SELECT id, COALESCE(optical_call_minutes, 0) * COALESCE(optical_call_hourly_cost, 0) / 60.0 "
            "FROM res_company"))
        factors = [None] * max((shop_id for shop_id, _cost in shops), default=0)
        for shop_id, cost in shops:
            factors[shop_id - 1] = cost
        return factors

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        contacted = SQL("(c.analysis_contact = 1)")
        # A held-out customer counts once the day their message would have gone out has come, in
        # the shop's time zone: a day more than one before UTC's has come everywhere, a day more
        # than one after has come nowhere; only the days in between ask for the shop's today.
        utc_today = SQL("(NOW() AT TIME ZONE 'UTC')::date")
        control = SQL(
            """(c.analysis_contact = 2
                AND (c.scheduled_date < %(utc_today)s - 1
                     OR (c.scheduled_date <= %(utc_today)s + 1
                         AND c.scheduled_date <= (SELECT %(today)s FROM res_company shop
                                                    LEFT JOIN resource_calendar shop_calendar
                                                           ON shop_calendar.id = shop.optical_send_calendar_id
                                                    LEFT JOIN res_partner shop_partner
                                                           ON shop_partner.id = shop.partner_id
                                                   WHERE shop.id = c.company_id))))""",
            utc_today=utc_today, today=shop_today_sql("shop_calendar", "shop_partner"))
        # Calls made: their cost is the shop's cost of a call times their number.
        call_attempts = SQL("CASE WHEN c.channel = 'phone' THEN COALESCE(c.callback_attempts, 0) ELSE 0 END")
        self.env.cr.execute(SQL(
            """CREATE OR REPLACE VIEW %(table)s AS (
                SELECT c.id, c.id AS communication_id, c.scheduled_date AS date, c.partner_id, c.company_id,
                       co.currency_id,
                       COALESCE(p.optical_shop_id, c.company_id) AS customer_shop_id,
                       c.channel, c.source, c.purpose, c.cycle_id, c.cycle_step_id, c.campaign_id,
                       c.campaign_step_id, ca.supplier_id, ca.offer_id,
                       CASE WHEN %(contacted)s THEN 'contacted' WHEN %(control)s THEN 'control' ELSE 'other' END
                           AS audience,
                       CASE WHEN %(contacted)s AND c.purchased_after_contact THEN c.purchase_event_id END
                           AS purchase_event_id,
                       CASE WHEN %(control)s AND c.purchased_after_contact THEN c.purchase_event_id END
                           AS control_purchase_event_id,
                       CASE WHEN c.skip_code IS DISTINCT FROM 'holdout' THEN c.partner_id END AS customer_targeted,
                       CASE WHEN %(contacted)s THEN c.partner_id END AS customer_contacted,
                       CASE WHEN %(contacted)s AND (c.state = 'done' OR c.opened) THEN c.partner_id END
                           AS customer_reached,
                       CASE WHEN %(contacted)s AND c.purchased_after_contact THEN c.partner_id END
                           AS customer_bought,
                       CASE WHEN %(control)s THEN c.partner_id END AS customer_control,
                       CASE WHEN %(control)s AND c.purchased_after_contact THEN c.partner_id END
                           AS customer_control_bought,
                       NULL::float AS revenue, NULL::float AS control_revenue,
                       (%(call_attempts)s * COALESCE(co.optical_call_minutes, 0)
                        * COALESCE(co.optical_call_hourly_cost, 0) / 60.0 + %(channel_cost)s)::float AS cost,
                       -- The parts of the cost, which the sum of a group adds up without the shop's row.
                       %(call_attempts)s AS call_attempts, (%(channel_cost)s)::float AS channel_cost,
                       -- Results per assistant: who made the call, how many, how long.
                       CASE WHEN c.channel = 'phone' THEN (
                           SELECT a.user_id FROM optical_crm_callback_attempt a
                            WHERE a.communication_id = c.id ORDER BY a.id DESC LIMIT 1) END AS caller_id,
                       %(call_attempts)s AS calls_made,
                       (%(call_attempts)s * COALESCE(co.optical_call_minutes, 0))::float AS call_minutes,
                       NULL::float AS conversion_rate, NULL::float AS control_rate, NULL::float AS uplift,
                       NULL::float AS uplift_low, NULL::float AS uplift_high, NULL::float AS revenue_per_customer,
                       NULL::float AS control_revenue_per_customer, NULL::float AS revenue_uplift,
                       NULL::float AS return_on_cost
                  FROM optical_crm_communication c
                  -- Left joins on unique keys: PostgreSQL drops them when a query reads none of their columns.
                  LEFT JOIN res_company co ON co.id = c.company_id
                  LEFT JOIN res_partner p ON p.id = c.partner_id
                  LEFT JOIN optical_crm_campaign ca ON ca.id = c.campaign_id
                 WHERE c.state <> 'cancelled'
            )""",
            table=SQL.identifier(self._table), contacted=contacted, control=control, call_attempts=call_attempts,
            channel_cost=self._channel_cost_sql()))

    # ------------------------------------------------------------------
    # Aggregates: cost, distinct revenue
    # ------------------------------------------------------------------

    def _row_cost_sql(self, query):
        """A row's cost, in whole millionths (floats add whole numbers below
        2^53 exactly: the same total whatever the order of the rows, in one
        pass or another, and cheaper to sum than numeric), without joining
        its shop to every row: the shops' cost of a call goes in as an array
        read by the shop's id."""
        return SQL("ROUND((%s + %s * COALESCE((%s::float8[])[%s], 0)) * 1000000)",
                   SQL.identifier(self._table, "channel_cost"), SQL.identifier(self._table, "call_attempts"),
                   self._call_cost_factors(), self._field_to_sql(self._table, "company_id", query))

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec in DISTINCT_REVENUE:
            # ``= ANY`` matches each event once, however often the array repeats it; the rows
            # without a purchase (most) stay out of the array.
            event = self._field_to_sql(self._table, DISTINCT_REVENUE[aggregate_spec], query)
            return SQL("(SELECT COALESCE(SUM(pe.amount), 0) FROM optical_crm_event pe "
                       "WHERE pe.id = ANY(ARRAY_AGG(%s) FILTER (WHERE %s IS NOT NULL)))", event, event)
        if aggregate_spec == "cost:sum":
            return SQL("SUM(%s) / 1000000", self._row_cost_sql(query))
        if aggregate_spec.split(":")[0] in DERIVED_MEASURES:
            return SQL("NULL")
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------------
    # The pivot's groupings at once (optical.crm.pivot.mixin)
    # ------------------------------------------------------------------

    def _pivot_aggregates(self, fields):
        return self._counted_fields(fields)

    def _read_group_settings(self):
        # Customer counts are COUNT(DISTINCT …), each sorting the rows of the period: sorted in
        # memory rather than on disk, and without just-in-time compilation (it costs more than
        # it saves on these statements). For this transaction only.
        self.env.cr.execute("SET LOCAL jit = off")
        self.env.cr.execute("SET LOCAL work_mem = '128MB'")

    def _pivot_one_pass(self, query, group_terms, aggregates):
        """Counting customers is the costly part of the results: a
        COUNT(DISTINCT) sorts every row of the period, once per count and
        grouping. Here the rows are first summed up per group of the finest
        grouping and customer (and purchase): which of the customer's rows
        qualify for which count become bits of one flag, and a customer
        counts in a group when one of their rows there has the bit. The
        groupings then count customers among those sums, fewer than the
        rows when customers have several rows in a group."""
        names = {spec.split(":")[0] for spec in aggregates}
        flags = SQL(" + ").join([SQL("0"), *(
            SQL("(%s IS NOT NULL)::int * %s", self._field_to_sql(self._table, name, query), bit)
            for name, bit in CUSTOMER_BITS.items() if name in names)])
        # The purchases asked for: a customer's distinct purchases make the revenue.
        events = {column: self._field_to_sql(self._table, DISTINCT_REVENUE[spec], query)
                  for column, spec in (("event_id", "revenue:sum"), ("control_event_id", "control_revenue:sum"))
                  if spec in aggregates}
        partner = self._field_to_sql(self._table, "partner_id", query)
        query.groupby = SQL(", ").join([*group_terms, partner, *events.values()])
        inner = query.select(
            *(SQL("%s AS %s", term, SQL.identifier("g%s" % index)) for index, term in enumerate(group_terms)),
            SQL("%s AS partner_id", partner),
            *(SQL("%s AS %s", event, SQL.identifier(column)) for column, event in events.items()),
            SQL("COUNT(*) AS n, BIT_OR(%s) AS flags, SUM(%s) AS cost", flags, self._row_cost_sql(query)))

        def outer(spec):
            if spec == "__count":
                return SQL("COALESCE(SUM(n), 0)::bigint")
            if spec == "cost:sum":
                return SQL("SUM(cost) / 1000000")
            if spec in DISTINCT_REVENUE:
                column = SQL.identifier("control_event_id" if spec == "control_revenue:sum" else "event_id")
                return SQL("(SELECT COALESCE(SUM(pe.amount), 0) FROM optical_crm_event pe "
                           "WHERE pe.id = ANY(ARRAY_AGG(%s) FILTER (WHERE %s IS NOT NULL)))", column, column)
            return SQL("COUNT(DISTINCT partner_id) FILTER (WHERE flags & %s <> 0)", CUSTOMER_BITS[spec.split(":")[0]])

        return inner, {spec: outer(spec) for spec in aggregates}

    # ------------------------------------------------------------------
    # Ratios from tools.uplift
    # ------------------------------------------------------------------

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        """The amounts carry the shops' currency when the user's shops share
        one: the pivot formats a monetary measure with ``currencyId``."""
        descriptions = super().fields_get(allfields, attributes)
        currencies = self.env.companies.currency_id
        if len(currencies) == 1:
            for description in descriptions.values():
                if description.get("type") == "monetary":
                    description["currencyId"] = currencies.id
        return descriptions

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        if not {spec.split(":")[0] for spec in fields} & set(DERIVED_MEASURES):
            groups = super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby,
                                        lazy=lazy)
        else:
            groups = super().read_group(domain, self._counted_fields(fields), groupby, offset=offset, limit=limit,
                                        orderby=orderby, lazy=lazy)
            for group in groups:
                # The web client shows False as an empty cell: no figure rather than noise.
                group.update({key: False if value is None else value for key, value in self._figures(group).items()})
        return self._name_empty_groups(groups)

    @api.model
    def _name_empty_groups(self, groups):
        """A group without a cycle holds the campaigns' rows, one without a
        campaign the cyclic activities': named so rather than "None"."""
        campaigns, cycles = self.env._("Campaigns"), self.env._("Cyclic activities")
        labels = {"cycle_id": campaigns, "cycle_step_id": campaigns, "campaign_id": cycles, "campaign_step_id": cycles}
        for group in groups:
            for name, label in labels.items():
                if group.get(name, True) is False:
                    group[name] = (False, label)
        return groups

    @api.model
    def _counted_fields(self, fields):
        """``fields`` (read_group's) with the ratios replaced by the counts
        they are worked out from."""
        names = {spec.split(":")[0] for spec in fields}
        needed = {name for derived in names & set(DERIVED_MEASURES) for name in DERIVED_NEEDS[derived]}
        return [spec for spec in fields if spec.split(":")[0] not in DERIVED_MEASURES] + [
            spec for spec in BASE_MEASURES if spec.split(":")[0] in needed - names]

    @api.model
    def _figures(self, counts):
        """The ratios of one cell from its counts (``BASE_MEASURES`` names):
        percentages for rates, None where there is nothing to divide or too
        few customers to tell an uplift from noise."""
        # Buyers count against their group only when the group's customers were counted too (a pivot
        # showing buyers and return on cost asks for no contacted customers).
        contacted = counts.get("customer_contacted") or 0
        bought = (counts.get("customer_bought") or 0) if "customer_contacted" in counts else 0
        control = counts.get("customer_control") or 0
        control_bought = (counts.get("customer_control_bought") or 0) if "customer_control" in counts else 0
        revenue, control_revenue = counts.get("revenue") or 0.0, counts.get("control_revenue") or 0.0
        rates = two_proportion_uplift(bought, contacted, control_bought, control)
        per_contacted, per_control, per_uplift = revenue_uplift(revenue, contacted, control_revenue, control)

        def pct(value):
            return value * 100 if value is not None else None

        return {
            "conversion_rate": pct(rates.rate_contacted),
            "control_rate": pct(rates.rate_control),
            "uplift": pct(rates.uplift),
            "uplift_low": pct(rates.ci_low),
            "uplift_high": pct(rates.ci_high),
            "revenue_per_customer": per_contacted,
            "control_revenue_per_customer": per_control,
            "revenue_uplift": per_uplift,
            "return_on_cost": return_on_cost(revenue, counts.get("cost") or 0.0),
            "enough_customers": rates.enough,
        }

    @api.model
    def _figures_by(self, domain, groupby):
        """{group key: counts and figures} for the cells of ``groupby`` (a
        field, the key is its value; or a list of fields, the key a tuple)."""
        specs = [groupby] if isinstance(groupby, str) else list(groupby)
        rows = self._read_group(domain, specs, list(BASE_MEASURES))
        result = {}
        for row in rows:
            counts = dict(zip([spec.split(":")[0] for spec in BASE_MEASURES], row[len(specs):], strict=True))
            counts.update(self._figures(counts))
            result[row[0] if isinstance(groupby, str) else row[:len(specs)]] = counts
        return result

    @api.model
    def _uplift_text(self, figures):
        """The uplift in a shop owner's words, or why it is not given."""
        if not figures or not figures.get("enough_customers"):
            return self.env._("Not enough customers yet")
        lang = self.env["res.lang"]._lang_get(self.env.lang or "en_US")

        def points(value):
            # The reader's decimal separator: "+20,0" in Italian.
            return lang.format("%+.1f", value, grouping=True) if lang else "%+.1f" % value

        return self.env._("%(uplift)s pts (95%%: %(low)s to %(high)s)", uplift=points(figures["uplift"]),
                          low=points(figures["uplift_low"]), high=points(figures["uplift_high"]))
