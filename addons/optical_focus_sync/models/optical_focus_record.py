import json

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.optical_crm.models.optical_crm_batch_mixin import first_line

from ..tools.answers import stored_answer
from ..tools.mappers import RECORD_TYPES

RECORD_TYPE_SELECTION = [
    ("cliente", "Customer (cliente)"),
    ("fornitura_lac", "Contact-lens supply (fornitura_lac)"),
    ("occhiale", "Glasses (occhiale)"),
    ("optometria", "Eye exam (optometria)"),
    ("vendita", "Sale (vendita)"),
]
assert tuple(key for key, _label in RECORD_TYPE_SELECTION) == RECORD_TYPES

# Context of the partners and events the sync writes: FOCUS is the source of
# truth, so no chatter message or follower for each of thousands of records.
QUIET_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


class OpticalFocusRecord(models.Model):
    """One FOCUS record as last received, and its binding to Odoo.

    Keyed by (store, record type, FOCUS id): holds the last version received
    (``updated_at``, ``payload``), whether it was applied, waits for its
    customer or is in error (with the FOCUS field and the reason), and the
    Odoo records it stands for: the customer (``partner_id``) and the trigger
    events (``event_ids``). A person fixes a record in error and retries it.
    """

    _name = "optical.focus.record"
    _inherit = ["optical.crm.batch.mixin", "optical.crm.shop.mixin"]
    _description = "FOCUS record"
    _order = "received_date desc, id desc"
    _rec_name = "focus_id"
    _check_company_auto = True

    # No index of its own: the unique key (store_id, record_type, focus_id)
    # serves it. With one, PostgreSQL probed a new shop's records through it
    # (statistics know only the other shops: "no row") and scanned all of
    # that shop's records for every record of a batch.
    store_id = fields.Many2one("optical.focus.store", "FOCUS shop", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True, index=True, string="Shop")
    record_type = fields.Selection(RECORD_TYPE_SELECTION, "Type", required=True)
    focus_id = fields.Char("FOCUS id", required=True)
    updated_at = fields.Datetime("FOCUS updated on", required=True, help="updated_at of the version last received.")
    deleted = fields.Boolean("Deleted in FOCUS")
    # Not prefetched: read only to map a record (or show it), not whenever its state is.
    payload = fields.Json("FOCUS data", prefetch=False)
    payload_text = fields.Text(
        "Data", compute="_compute_payload_text", inverse="_inverse_payload_text",
        help="The FOCUS fields of the record as JSON; correct them and retry.",
    )
    state = fields.Selection(
        [("received", "Received"), ("applied", "Applied to Odoo"), ("waiting", "Waiting for customer"),
         ("error", "Error")],
        default="received", required=True, index=True,
    )
    error_field = fields.Char("Field in error")
    error_message = fields.Char("Error")
    warnings = fields.Json(
        readonly=True, copy=False,
        help="Optional values FOCUS sent that were dropped (or kept as written) when the record was "
        "applied: [{\"field\", \"reason\"}].")
    warning_text = fields.Text("Dropped values", compute="_compute_warning_text")
    has_warnings = fields.Boolean("With warnings", readonly=True, index=True, copy=False)
    customer_focus_id = fields.Char(
        "FOCUS customer id", index=True, help="The FOCUS customer the record belongs to.")
    partner_id = fields.Many2one("res.partner", "Customer", index=True, ondelete="set null")
    event_ids = fields.One2many("optical.crm.event", "focus_record_id", "Trigger events")
    received_date = fields.Datetime("Received on", default=fields.Datetime.now, required=True)
    fingerprint = fields.Char(
        readonly=True, copy=False,
        help="Digest of the record exactly as FOCUS last sent it: the same record sent again is answered "
        "'unchanged' from it, without being checked or applied again.")
    applied_date = fields.Datetime("Applied on")

    _sql_constraints = [
        ("focus_key_uniq", "unique(store_id, record_type, focus_id)",
         "A FOCUS record is stored once per shop, type and FOCUS id."),
    ]

    def init(self):
        # The store's index of a database installed before it was left to the unique key.
        self.env.cr.execute("DROP INDEX IF EXISTS optical_focus_record__store_id_index")

    @api.depends("record_type", "focus_id")
    def _compute_display_name(self):
        types = dict(RECORD_TYPE_SELECTION)
        for record in self:
            record.display_name = "%s %s" % (types.get(record.record_type, ""), record.focus_id or "")

    @api.depends("payload")
    def _compute_payload_text(self):
        for record in self:
            record.payload_text = json.dumps(record.payload or {}, indent=2, ensure_ascii=False, sort_keys=True)

    @api.depends("warnings")
    def _compute_warning_text(self):
        for record in self:
            record.warning_text = "\n".join(
                "%s: %s" % (warning.get("field"), warning.get("reason")) for warning in record.warnings or []
            ) or False

    def _inverse_payload_text(self):
        for record in self:
            try:
                payload = json.loads(record.payload_text or "{}")
            except ValueError as error:
                raise ValidationError(self.env._("Data: not valid JSON (%s).", error)) from error
            if not isinstance(payload, dict):
                raise ValidationError(self.env._("Data: a JSON object {\"field\": value, …} is expected."))
            record.payload = payload

    # ------------------------------------------------------------------
    # Binder: FOCUS keys ↔ stored records
    # ------------------------------------------------------------------

    @api.model
    def _find(self, store, keys):
        """The stored records of ``store`` for the (type, FOCUS id) ``keys``, by key."""
        if not keys:
            return {}
        keys = list(keys)
        self.flush_model()
        self.env.cr.execute(SQL(
            """SELECT r.id FROM unnest(%s::varchar[], %s::varchar[]) AS k(record_type, focus_id)
               CROSS JOIN LATERAL (SELECT id FROM optical_focus_record
                                    WHERE store_id = %s AND record_type = k.record_type AND focus_id = k.focus_id
                                    OFFSET 0) r""",
            [key[0] for key in keys], [key[1] for key in keys], store.id))
        rows = self.browse([row[0] for row in self.env.cr.fetchall()])
        return {(row.record_type, row.focus_id): row for row in rows}

    @api.model
    def _customer_partners(self, keys):
        """The partner of each applied FOCUS customer of ``keys`` ((store id,
        FOCUS customer id)): ``{key: partner id}``, one probe of the unique
        index per key."""
        if not keys:
            return {}
        keys = list(keys)
        self.flush_model()
        # (A row-value IN list made PostgreSQL scan every stored record once
        # per batch; OFFSET 0 keeps the probe from being flattened into a join
        # planned on statistics a bulk load has made stale, and on the unique
        # key alone: the other conditions are checked on the row found.)
        self.env.cr.execute(SQL(
            """SELECT k.store_id, k.focus_id, r.partner_id
                 FROM unnest(%s::int[], %s::varchar[]) AS k(store_id, focus_id)
                CROSS JOIN LATERAL (
                      SELECT partner_id, state FROM optical_focus_record
                       WHERE store_id = k.store_id AND record_type = 'cliente' AND focus_id = k.focus_id
                      OFFSET 0) r
                WHERE r.state = 'applied' AND r.partner_id IS NOT NULL""",
            [key[0] for key in keys], [key[1] for key in keys]))
        return {(store_id, focus_id): partner_id for store_id, focus_id, partner_id in self.env.cr.fetchall()}

    @api.model
    def _stored_as_sent(self, store, keys, prints):
        """The records of ``store`` stored under the (type, FOCUS id) ``keys``
        with the fingerprints ``prints`` (aligned): ``{key: (type, id, state,
        warnings, error_field, error_message)}``, one lookup for them all."""
        if not keys:
            return {}
        self.flush_model()
        # LATERAL (OFFSET 0: not flattened into a join): one probe of the
        # unique index per record, whatever the planner believes of the
        # table's size in the middle of a bulk load.
        self.env.cr.execute(SQL(
            """SELECT k.record_type, k.focus_id, r.state, r.warnings, r.error_field, r.error_message
                 FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[]) AS k(record_type, focus_id, print)
                CROSS JOIN LATERAL (
                      SELECT state, warnings, error_field, error_message, fingerprint FROM optical_focus_record
                       WHERE store_id = %s AND record_type = k.record_type AND focus_id = k.focus_id
                      OFFSET 0) r
                WHERE r.fingerprint = k.print""",
            [key[0] for key in keys], [key[1] for key in keys], prints, store.id))
        return {(row[0], row[1]): (*row[:3], json.loads(row[3]) if isinstance(row[3], str) else row[3], *row[4:])
                for row in self.env.cr.fetchall()}

    def _status(self, status):
        """Answer for this record: ``status`` when applied, else why not."""
        self.ensure_one()
        return stored_answer(self.record_type, self.focus_id, status, self.state, self.warnings, self.error_field,
                             self.error_message)

    # ------------------------------------------------------------------
    # Storing what FOCUS sent
    # ------------------------------------------------------------------

    @api.model
    def _insert_received(self, vals_list, presets=None):
        """Store new FOCUS records as received, in one statement: the values
        were checked by the gatekeeper and the envelope parser, and these
        rows are this module's own (no computed field but the shop).

        ``presets`` (aligned with ``vals_list``, None where there is none):
        a record whose outcome is already known (``{"partner_id",
        "customer_focus_id", "warnings", "mapped"}``: a customer whose partner
        is written, an event record whose customer is applied, and its mapped
        values) is stored applied at once, so that applying it writes its row
        no second time (:meth:`_set_applied`). Returns the records in the
        order of ``vals_list``, and the presets by record id."""
        presets = presets or [None] * len(vals_list)
        stores = self.env["optical.focus.store"].browse({vals["store_id"] for vals in vals_list})
        rows = _received_rows(vals_list, presets, {store.id: store.company_id.id for store in stores})
        now = fields.Datetime.now()
        self.env.cr.execute(SQL(
            """INSERT INTO optical_focus_record
                      (store_id, company_id, record_type, focus_id, updated_at, deleted, payload, fingerprint,
                       state, partner_id, customer_focus_id, warnings, has_warnings, applied_date,
                       received_date, create_uid, write_uid, create_date, write_date)
               SELECT v.store_id, v.company_id, v.record_type, v.focus_id, v.updated_at, v.deleted,
                      v.payload::jsonb, v.print, CASE WHEN v.preset THEN 'applied' ELSE 'received' END,
                      v.partner_id, v.customer, v.warnings::jsonb, v.warnings IS NOT NULL,
                      CASE WHEN v.preset THEN %(now)s::timestamp END,
                      %(now)s, %(uid)s, %(uid)s, %(now)s, %(now)s
                 FROM unnest(%(columns)s) AS v(store_id, company_id, record_type, focus_id, updated_at, deleted,
                                                payload, print, preset, partner_id, customer, warnings)
            RETURNING id, store_id, record_type, focus_id""",
            now=now, uid=self.env.uid,
            columns=SQL(", ").join(SQL("%s::%s[]", list(column), SQL(column_type))
                                   for column, column_type in zip(zip(*rows, strict=True), RECEIVED_TYPES, strict=True)),
        ))
        by_key = {tuple(row[1:]): row[0] for row in self.env.cr.fetchall()}
        records = self.browse([by_key[vals["store_id"], vals["record_type"], vals["focus_id"]] for vals in vals_list])
        # Before the rows are cached: invalidating a one2many invalidates its inverse field too.
        stores.invalidate_recordset(["record_ids"])
        self.env["res.partner"].invalidate_model(["optical_focus_record_ids"])
        records._received_cached(vals_list, rows, now)
        return records, _by_id(records, presets)

    def _received_cached(self, vals_list, rows, now):
        """The rows :meth:`_insert_received` just inserted, in the cache as
        inserted (aligned with ``vals_list`` and its ``rows``): applying them
        reads them from there, not from the database again. Not the payload
        (not prefetched, read only where it is mapped again): PostgreSQL's
        JSON writes some numbers otherwise (``1e+40``), and that is what a
        mapper must see."""
        cached = zip(*[_cached_row(vals, row, now) for vals, row in zip(vals_list, rows, strict=True)], strict=True)
        for name, column in zip(CACHED_FIELDS, cached, strict=True):
            field = self._fields[name]
            self.env.cache.update(self, field, [field.convert_to_cache(value, record)
                                                for record, value in zip(self, column, strict=True)])

    @api.model
    def _update_received(self, rows_values):
        """Store the new version of FOCUS records already stored, in one
        statement: ``[(record, {"updated_at", "deleted", "payload", "fingerprint",
        ...})]``, as received, to be applied. The values were checked as for
        :meth:`_insert_received`."""
        records = self.browse([row.id for row, _values in rows_values])
        records._write_per_row(
            ["updated_at", "deleted", "payload", "fingerprint", "state", "error_field", "error_message"],
            [(row.id, values["updated_at"], bool(values["deleted"]), json.dumps(values["payload"]),
              values.get("fingerprint"), "received", None, None) for row, values in rows_values])
        return records

    # ------------------------------------------------------------------
    # Applying, the batch else record by record
    # ------------------------------------------------------------------

    def _apply_safely(self):
        """:meth:`_apply`, but a record that Odoo refuses for a reason the
        mappers do not know (a constraint of another module, …) only puts that
        record in error: the batch is then applied record by record, customers
        first so that the records of the batch find them, and the records
        waiting for its customers after them, each on its own: a waiting
        record Odoo refuses never fails the customer that released it."""
        def refused(record, error):
            record._set_error("record", "Odoo refused it: %s" % first_line(error))
            return {record.id: record._status("error")}, self.browse()

        def apply_batch(batch):
            return batch._apply()

        def apply_one(record):
            return record._apply(release=False)

        records = self.sorted(lambda r: r.record_type != "cliente")
        whole, results = self._batch_else_each(records, apply_batch, apply_one, refused)
        if whole:
            return results
        released = records._released() - records
        for record in released:
            result, error = self._run_isolated(apply_one, record)
            results.append(result if error is None else refused(record, error))
        statuses = {}
        for record_statuses, _released in results:
            statuses.update(record_statuses)
        return statuses, released

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_retry(self):
        """Apply again records a person corrected (or whose customer is now there)."""
        self.check_access("write")
        records = self.filtered(lambda r: r.state in ("error", "waiting", "received"))
        # Applying writes customers and events as the sync does (the FOCUS
        # data decides), for whoever may correct FOCUS records.
        statuses, _released = records.sudo()._apply_safely()
        applied = len([s for s in statuses.values() if s["status"] not in ("error", "waiting")])
        failed = len(statuses) - applied
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("FOCUS records retried"),
                "message": self.env._("%(applied)s applied, %(failed)s still waiting or in error.",
                                      applied=applied, failed=failed),
                "type": "success" if not failed else "warning",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }


# Column types of the rows of :meth:`OpticalFocusRecord._insert_received`.
RECEIVED_TYPES = ("int", "int", "varchar", "varchar", "timestamp", "bool", "text", "varchar", "bool", "int",
                  "varchar", "text")


def _received_rows(vals_list, presets, company_by_store):
    return [_received_row(vals, company_by_store[vals["store_id"]], preset)
            for vals, preset in zip(vals_list, presets, strict=True)]


# The fields :meth:`OpticalFocusRecord._received_cached` puts in the cache, in the order of :func:`_cached_row`.
CACHED_FIELDS = ("store_id", "company_id", "record_type", "focus_id", "updated_at", "deleted", "fingerprint", "state",
                 "applied_date", "received_date", "partner_id", "customer_focus_id", "warnings", "has_warnings",
                 "error_field", "error_message")


def _cached_row(vals, row, now):
    """The values of :data:`CACHED_FIELDS` of a row just inserted (``row``: see :func:`_received_row`)."""
    applied = row[8]
    return (row[0], row[1], vals["record_type"], vals["focus_id"], vals["updated_at"], bool(vals["deleted"]),
            vals.get("fingerprint") or False, "applied" if applied else "received", now if applied else False, now,
            row[9], row[10] or False, json.loads(row[11]) if row[11] else False, row[11] is not None, False, False)


def _by_id(records, presets):
    """The presets of ``records`` (aligned) by record id."""
    return {record.id: preset for record, preset in zip(records, presets, strict=True) if preset}


def _received_row(vals, company_id, preset):
    """One row of :meth:`OpticalFocusRecord._insert_received`, in the order of :data:`RECEIVED_TYPES`."""
    preset = preset or {}
    warnings = preset.get("warnings")
    return (vals["store_id"], company_id, vals["record_type"], vals["focus_id"], vals["updated_at"],
            bool(vals["deleted"]), json.dumps(vals["payload"]), vals.get("fingerprint"), bool(preset),
            preset.get("partner_id"), preset.get("customer_focus_id"), json.dumps(warnings) if warnings else None)

