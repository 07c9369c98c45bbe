import json

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .optical_crm_batch_mixin import insert_missing

EVENT_TYPES = [
    ("birthday", "Birthday"),
    ("lac_delivery", "Contact-lens delivery"),
    ("lac_entry", "Contact-lens order"),
    ("lac_next_supply", "Next contact-lens supply"),
    ("glasses_delivery", "Glasses delivery"),
    ("glasses_entry", "Glasses order"),
    ("optometry", "Eye exam"),
    ("new_customer", "New customer"),
    ("sale_delivery", "Sale delivery"),
]

LENS_TYPES = [
    ("single_vision", "Single vision"),
    ("progressive", "Progressive"),
    ("bifocal", "Bifocal"),
    ("occupational", "Occupational"),
    ("other", "Other"),
]

# Above this many rows written at once, the planner refreshes the table's
# statistics so that PostgreSQL plans the following joins for the real sizes.
BULK_ANALYZE_THRESHOLD = 10_000

# Field types whose column value, as inserted set-based, is also their cache value.
CACHED_COLUMN_TYPES = frozenset({"boolean", "char", "date", "integer", "many2one", "selection"})

# Events that are a purchase, for "bought after contact" in the analysis.
PURCHASE_EVENT_TYPES = ("glasses_entry", "lac_entry", "sale_delivery")

GLASSES_EVENT_TYPES = ("glasses_entry", "glasses_delivery")
LAC_EVENT_TYPES = ("lac_entry", "lac_delivery", "lac_next_supply")


class OpticalCrmEvent(models.Model):
    _name = "optical.crm.event"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "Trigger event"
    _order = "event_date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, ondelete="cascade", check_company=True
    )
    event_type = fields.Selection(EVENT_TYPES, "Event", required=True)
    event_date = fields.Date(
        "Event date", required=True,
        help="The date FOCUS gives the event: its order entry date (data inserimento) for a glasses or "
             "contact-lens order, its delivery date (data consegna) for a delivery, the next supply date, "
             "the eye exam's date, the customer's creation date.")
    lens_type = fields.Selection(LENS_TYPES, "Lens type")
    company_id = fields.Many2one(
        "res.company", "Shop", required=True, default=lambda self: self.env.company
    )
    active = fields.Boolean(default=True, help="An archived event starts nothing and cancels its pending steps.")
    source = fields.Selection(
        [("manual", "Manual"), ("birthday", "Birth date"), ("focus", "FOCUS")],
        default="manual",
        required=True,
    )
    description = fields.Char()
    amount = fields.Monetary()
    currency_id = fields.Many2one(related="company_id.currency_id")
    data = fields.Json("Event data", help="Extra data of the event, available to templates as object.event_id.data.")
    is_purchase = fields.Boolean(compute="_compute_is_purchase", store=True)
    communication_ids = fields.One2many("optical.crm.communication", "event_id", "Communications")

    def init(self):
        # Type, date and shop are indexed together (below) as the planner and the
        # supersede rule read them; no single-column indexes to slow bulk inserts.
        # One birthday event per customer and day, so the planner can insert them blindly.
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS optical_crm_event_birthday_uniq "
            "ON optical_crm_event (partner_id, event_date) WHERE source = 'birthday'"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS optical_crm_event_type_partner_idx "
            "ON optical_crm_event (partner_id, event_type, event_date) WHERE active"
        )
        # The customer's shop is the shop of their most recent event (res.partner.optical_shop_id):
        # one index step per customer, also when all customers' shops are set again at once.
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS optical_crm_event_customer_shop_idx "
            "ON optical_crm_event (partner_id, event_date DESC, id DESC) INCLUDE (company_id) "
            "WHERE active AND source != 'birthday'"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS optical_crm_event_planner_idx "
            "ON optical_crm_event (company_id, event_type, event_date) WHERE active"
        )

    @api.model
    def _item_key_sql(self, alias):
        """The kind of item an event is about, as SQL on the event ``alias``:
        the lens type for glasses, the product for contact lenses (FOCUS's
        ``prodotto``, else the description); other events have one kind."""
        event = SQL.identifier(alias)
        return SQL(
            """(CASE WHEN %(e)s.event_type IN %(glasses)s THEN %(e)s.lens_type::text
                     WHEN %(e)s.event_type IN %(lac)s
                          THEN lower(btrim(COALESCE(%(e)s.data->>'prodotto', %(e)s.description)))
                END)""",
            e=event, glasses=GLASSES_EVENT_TYPES, lac=LAC_EVENT_TYPES)

    @api.model
    def _superseded_sql(self, alias):
        """SQL condition: the event ``alias`` is superseded, i.e. the same
        customer has a newer active event of the same type, in the same shop,
        for the same kind of item (a new progressive pair replaces the old
        progressive pair; sunglasses do not). Events of the same day never
        supersede each other (two pairs bought together). The one definition
        of the rule, used by the planner and by the rules on pending steps."""
        event = SQL.identifier(alias)
        return SQL(
            """EXISTS (SELECT 1 FROM optical_crm_event e2
                        WHERE e2.partner_id = %(e)s.partner_id AND e2.event_type = %(e)s.event_type
                          AND e2.company_id = %(e)s.company_id AND e2.active
                          AND e2.event_date > %(e)s.event_date
                          AND %(key2)s IS NOT DISTINCT FROM %(key)s)""",
            e=event, key=self._item_key_sql(alias), key2=self._item_key_sql("e2"))

    @api.depends("event_type")
    def _compute_is_purchase(self):
        for event in self:
            event.is_purchase = event.event_type in PURCHASE_EVENT_TYPES

    @api.depends("partner_id", "event_type", "event_date", "company_id")
    def _compute_display_name(self):
        labels = dict(self._fields["event_type"]._description_selection(self.env))
        for event in self:
            event.display_name = "%s – %s (%s)" % (
                labels.get(event.event_type, ""),
                event.partner_id.name or "",
                # The event's shop, or (an event being entered) the shop the user works in.
                (event.company_id or self.env.company)._optical_format_date(event.event_date),
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._optical_check_customers(self.env["res.partner"].browse(
            {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}))
        events = super().create(vals_list)
        events._optical_events_added()
        return events

    def _optical_check_customers(self, partners):
        """Staff file events only for their shops' customers, or for a
        customer of no shop yet (whose first event makes them the shop's)."""
        if self.env.su:
            return
        # Read as superuser to compare shops only: nothing of the customer is returned.
        if partners.sudo().optical_shop_id - self.env.companies:
            raise AccessError(self.env._(
                "Trigger event: this customer belongs to another shop; only that shop's staff can record "
                "their events."))

    def _optical_customer_shops(self):
        """The shop of each customer of these events (see ``write``)."""
        return {partner.id: partner.optical_shop_id for partner in self.partner_id.sudo()}

    def _optical_check_moves(self, shops_before):
        """An event never takes a customer away from a shop the user does
        not work in (re-dated, moved to another shop, archived or given to
        another customer)."""
        if self.env.su:
            return
        for partner in self.env["res.partner"].sudo().browse(list(shops_before)):
            before = shops_before[partner.id]
            if before and before not in self.env.companies and partner.optical_shop_id != before:
                raise AccessError(self.env._(
                    "Trigger event: this change would take a customer away from another shop; only that "
                    "shop's staff can make it."))

    def _optical_events_added(self):
        """What new events change beyond their rows: a newer event may
        supersede the pending steps of an older one, only where a cyclic
        activity says so for that type of event. Called by ``create`` and by
        :meth:`_create_set_based`."""
        superseding = self.env["optical.crm.cycle"].sudo().search([
            ("event_type", "in", list(set(self.mapped("event_type")))), ("supersede", "=", True),
        ]).mapped("event_type")
        # An event a step stops on makes that step's pending contacts pointless.
        superseding = set(superseding) | self.env["optical.crm.communication"]._stop_event_codes()
        self.env["optical.crm.communication"]._apply_rules_for_partners(
            self.filtered(lambda e: e.event_type in superseding).partner_id)

    # ------------------------------------------------------------------
    # Set-based creation
    # ------------------------------------------------------------------

    @api.model
    def _create_set_based(self, vals_list):
        """Create events as :meth:`create` does, in one ``INSERT … SELECT
        FROM unnest``: for writers of many events at once (the FOCUS sync), at
        the planner's speed. Does what ``create`` does beyond the rows, for
        the whole batch: access rights and rules, defaults, values checked and
        converted as the ORM converts them (a selection value refused, the
        amount rounded in the shop's currency), the stored computed fields,
        the caches of the inverse fields, the constraints, the company check,
        the customers' shop (``optical_shop_id``) and
        :meth:`_optical_events_added`. Held to ``create`` by
        ``tests/test_event_set_based.py``: a module that extends ``create``
        extends this method too (the test checks it)."""
        if not vals_list:
            return self.browse()
        self = self.browse()
        self.check_access("create")
        self._optical_check_customers(self.env["res.partner"].browse(
            {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}))
        rows = self._set_based_rows(vals_list)
        columns = sorted({name for row in rows for name in row})
        self.env.cr.execute(SQL(
            """INSERT INTO %(table)s (%(columns)s, create_uid, create_date, write_uid, write_date)
               SELECT v.*, %(uid)s, %(now)s, %(uid)s, %(now)s FROM unnest(%(arrays)s) AS v(%(columns)s)
            RETURNING id""",
            table=SQL.identifier(self._table),
            columns=SQL(", ").join(SQL.identifier(name) for name in columns),
            arrays=SQL(", ").join(
                SQL("%s::%s[]", [row.get(name) for row in rows], SQL(self._fields[name].column_type[1]))
                for name in columns),
            uid=self.env.uid, now=self.env.cr.now(),
        ))
        events = self.browse([row[0] for row in self.env.cr.fetchall()])
        events._set_based_created(columns, rows)
        return events

    def _set_based_created(self, columns, rows):
        """What :meth:`_create_set_based` does once the rows are inserted."""
        # Inverses first: invalidating a one2many invalidates its inverse field on every event.
        self._set_based_invalidate_inverses(columns, rows)
        self._set_based_cached(columns, rows)
        computed = [field for field in self._fields.values()
                    if field.store and field.compute and field.name not in columns]
        for field in computed:
            # A stored computed field the rows did not carry: the ORM computes it at the next flush.
            self.env.add_to_compute(field, self)
        self._validate_fields(columns)
        self.check_access("create")
        self._check_user_shop()
        if self._check_company_auto:
            self._set_based_check_company()
        partner_ids = list({row["partner_id"] for row in rows})
        self.env["res.partner"]._optical_update_shops(partner_ids)
        self._optical_events_added()

    @api.model
    def _set_based_computed(self, vals):
        """The stored computed fields of an event, from its values: what the
        ORM computes after ``create`` (``_compute_is_purchase``), here put in
        the INSERT itself. A stored computed field left out is computed by
        the ORM after the INSERT."""
        return {"is_purchase": vals.get("event_type") in PURCHASE_EVENT_TYPES}

    @api.model
    def _set_based_rows(self, vals_list):
        """``vals_list`` with the defaults ``create`` would add and the
        stored computed fields, converted to column values as the ORM does."""
        defaults = self._set_based_defaults(vals_list)
        currencies = {}
        # A plain field's column value depends on its value alone: converted once per distinct value.
        converted = {name: {} for name, field in self._fields.items() if field.type in CACHED_COLUMN_TYPES}
        rows = []
        for vals in vals_list:
            vals = dict(defaults, **vals)
            vals.update(self._set_based_computed(vals))
            row = {}
            for name, value in vals.items():
                known = converted.get(name)
                key = _plain_key(value) if known is not None else None
                if key is not None and key in known:
                    row[name] = known[key]
                else:
                    row[name] = self._set_based_column(self._fields[name], value, vals, currencies)
                    if key is not None:
                        known[key] = row[name]
            rows.append(row)
        return rows

    @api.model
    def _set_based_defaults(self, vals_list):
        """The defaults ``create`` would add to some values of ``vals_list``
        (one ``default_get`` for the batch); only columns may be given."""
        given = {name for vals in vals_list for name in vals}
        unknown = [name for name in given if not self._fields.get(name) or not self._fields[name].column_type]
        if unknown:
            # Relational lists and unknown names are create's alone.
            raise ValueError("Fields %s of %s cannot be created set-based" % (unknown, self._name))
        missing = [name for name, field in self._fields.items()
                   if field.column_type and any(name not in vals for vals in vals_list)]
        return self.default_get(missing)

    @api.model
    def _set_based_column(self, field, value, vals, currencies):
        """``value`` of ``field`` as the ORM would insert it (one value of an
        array); ``currencies``: the shops' currencies read so far."""
        if field.type == "monetary":
            # Rounded in the currency of the event's shop (currency_id is
            # company_id.currency_id), as Monetary.convert_to_column_insert does.
            company_id = vals.get("company_id")
            if company_id not in currencies:
                currencies[company_id] = self.env["res.company"].browse(company_id).currency_id
            value = float(value or 0.0)
            return currencies[company_id].round(value) if currencies[company_id] else value
        if field.type == "json":
            return json.dumps(value) if value else None
        # A selection value not in the selection raises here, as in create.
        return field.convert_to_column_insert(value, self, vals)

    def _set_based_cached(self, columns, rows):
        """The new events' values in the cache, as inserted: what follows
        (the rules, the constraints, the caller) reads them from there, not
        from the database again. Only fields whose column value is their
        cache value (not the JSON data, not the rounded amount)."""
        for name in columns:
            field = self._fields[name]
            if field.type in CACHED_COLUMN_TYPES:
                self.env.cache.update(self, field, [field.convert_to_cache(row.get(name), event)
                                                    for event, row in zip(self, rows, strict=True)])

    def _set_based_invalidate_inverses(self, columns, rows):
        """The one2many fields on the records the new events point to
        (a customer's events…) are read again from the database."""
        for name in columns:
            field = self._fields[name]
            for inverse in self.pool.field_inverses[field] if field.type == "many2one" else ():
                ids = {row[name] for row in rows if row.get(name)}
                self.env[inverse.model_name].browse(ids).invalidate_recordset([inverse.name])

    def _set_based_check_company(self):
        """``_check_company`` on the events whose customer belongs to another
        company, found in one query (the others pass it by construction)."""
        self.env.cr.execute(SQL(
            """SELECT e.id FROM optical_crm_event e JOIN res_partner p ON p.id = e.partner_id
                WHERE e.id = ANY(%s) AND p.company_id IS NOT NULL AND p.company_id != e.company_id""",
            self.ids))
        suspects = self.browse([row[0] for row in self.env.cr.fetchall()])
        if suspects:
            suspects._check_company()

    def write(self, vals):
        shops_before = {}
        partners_before, stop_types_before = self.partner_id, set(self.mapped("event_type"))
        if not self.env.su and {"partner_id", "company_id", "event_date", "active", "source"} & set(vals):
            if vals.get("partner_id"):
                self._optical_check_customers(self.env["res.partner"].browse(vals["partner_id"]))
            shops_before = self._optical_customer_shops()
        res = super().write(vals)
        self._optical_check_moves(shops_before)
        if "active" in vals:
            self.env["optical.crm.communication"]._apply_rules_for_partners(self.partner_id)
        if "event_date" in vals:
            # A moved event moves its pending steps: drop them, the planner writes them again.
            self.env["optical.crm.communication"]._reschedule_events(self)
        if "active" not in vals and {"event_date", "event_type", "partner_id"} & set(vals) and (
                {*self.mapped("event_type"), *stop_types_before}
                & self.env["optical.crm.communication"]._stop_event_codes(with_triggers=True)):
            # A stop event (or the trigger of a step with stop conditions) moved, changed or went to
            # another customer: the stop conditions of the customers' pending contacts are looked at again.
            self.env["optical.crm.communication"]._apply_rules_for_partners(self.partner_id | partners_before)
        return res

    def unlink(self):
        partners = self.filtered(
            lambda e: e.event_type in self.env["optical.crm.communication"]._stop_event_codes()).partner_id
        res = super().unlink()
        # A stop event removed: the contacts it stopped are planned again when still ahead.
        self.env["optical.crm.communication"]._apply_rules_for_partners(partners.exists())
        return res

    @api.model
    def _generate_birthday_events(self, date_from, date_to, company_ids=None):
        """Materialise the birthdays falling within [date_from, date_to] as
        trigger events, one statement, each in the customer's shop
        (``res.partner.optical_shop_id``); 29 February falls on 28 February in
        other years (PostgreSQL's year arithmetic clamps the month end)."""
        company_filter = SQL("AND p.optical_shop_id IN %s", tuple(company_ids)) if company_ids else SQL()
        created = insert_missing(self.env.cr, SQL(
            """
            INSERT INTO optical_crm_event
                   (partner_id, event_type, event_date, company_id, active, source, is_purchase,
                    create_uid, write_uid, create_date, write_date)
            SELECT p.id, 'birthday', b.day, p.optical_shop_id, TRUE, 'birthday', FALSE,
                   %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM res_partner p
              CROSS JOIN LATERAL (
                    SELECT (p.birthdate + make_interval(years => y - EXTRACT(YEAR FROM p.birthdate)::int))::date AS day
                      FROM generate_series(EXTRACT(YEAR FROM %(from)s::date)::int,
                                           EXTRACT(YEAR FROM %(to)s::date)::int) AS y
                   ) b
             WHERE p.birthdate IS NOT NULL AND p.active AND p.optical_shop_id IS NOT NULL
               AND b.day BETWEEN %(from)s AND %(to)s AND b.day >= p.birthdate
               %(company_filter)s
               -- already there: skip in bulk (an anti-join), the unique index guards the race
               AND NOT EXISTS (SELECT 1 FROM optical_crm_event x
                                WHERE x.partner_id = p.id AND x.event_date = b.day AND x.source = 'birthday')
            """,
            uid=self.env.uid, company_filter=company_filter,
            **{"from": date_from, "to": date_to},
        ))
        if created > BULK_ANALYZE_THRESHOLD:
            # Fresh statistics, or the planner's next joins are planned for an empty table.
            self.env.cr.execute("ANALYZE optical_crm_event")
        return created


def _plain_key(value):
    """``value`` as a key of the values converted already, None when it cannot be one."""
    try:
        hash(value)
    except TypeError:
        return None
    return type(value), value
