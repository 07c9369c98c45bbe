from odoo import api, fields, models
from odoo.tools import SQL

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
        events = super().create(vals_list)
        events._optical_events_added()
        return events

    def _optical_events_added(self):
        """What new events change beyond their rows: a newer event may
        supersede the pending steps of an older one, only where a cyclic
        activity says so for that type of event. Called by ``create`` and by
        set-based writers of events (FOCUS sync)."""
        superseding = self.env["optical.crm.cycle"].sudo().search([
            ("event_type", "in", list(set(self.mapped("event_type")))), ("supersede", "=", True),
        ]).mapped("event_type")
        self.env["optical.crm.communication"]._apply_rules_for_partners(
            self.filtered(lambda e: e.event_type in superseding).partner_id)

    def write(self, vals):
        res = super().write(vals)
        if "active" in vals:
            self.env["optical.crm.communication"]._apply_rules_for_partners(self.partner_id)
        if "event_date" in vals:
            # A moved event moves its pending steps: drop them, the planner writes them again.
            self.env["optical.crm.communication"]._reschedule_events(self)
        return res

    @api.model
    def _generate_birthday_events(self, date_from, date_to, company_ids=None):
        """Materialise the birthdays falling within [date_from, date_to] as
        trigger events, one statement, each in the customer's shop
        (``res.partner.optical_shop_id``); 29 February falls on 28 February in
        other years (PostgreSQL's year arithmetic clamps the month end)."""
        company_filter = SQL("AND p.optical_shop_id IN %s", tuple(company_ids)) if company_ids else SQL()
        self.env.cr.execute(SQL(
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
            ON CONFLICT DO NOTHING
            """,
            uid=self.env.uid, company_filter=company_filter,
            **{"from": date_from, "to": date_to},
        ))
        created = self.env.cr.rowcount
        if created > BULK_ANALYZE_THRESHOLD:
            # Fresh statistics, or the planner's next joins are planned for an empty table.
            self.env.cr.execute("ANALYZE optical_crm_event")
        return created
