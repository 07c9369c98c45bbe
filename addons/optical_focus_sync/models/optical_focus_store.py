import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.optical_crm.models.optical_crm_batch_mixin import first_line
from odoo.addons.optical_crm.tools.http_api import check_secret, hash_secret

from ..tools.answers import answer
from ..tools.gatekeeper import Refused, check_record
from ..tools.mappers import MappingError, map_record, parse_envelope

# Tables a first load fills: their statistics are refreshed as they grow.
STATISTICS_TABLES = ("optical_crm_event", "optical_focus_record", "res_partner")

class OpticalFocusStore(models.Model):
    """A FOCUS 10 installation (one shop) pushing its records to Odoo.

    Holds the shop's API token (hashed) and receives its batches: every
    record is stored as received (``optical.focus.record``), then applied.
    """

    _name = "optical.focus.store"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "FOCUS shop"
    _order = "name"

    name = fields.Char(required=True)
    code = fields.Char(
        "Store code", required=True, index=True, copy=False,
        help="The code FOCUS sends as \"store\" in every batch.",
    )
    company_id = fields.Many2one(
        "res.company", "Shop", required=True, index=True, default=lambda self: self.env.company,
        help="Customers and trigger events of this FOCUS shop belong to this company.",
    )
    active = fields.Boolean(default=True)
    token_hash = fields.Char(copy=False, index=True, groups="base.group_system")
    has_token = fields.Boolean("Token set", copy=False, readonly=True)
    token_date = fields.Datetime("Token generated on", copy=False, readonly=True)
    last_batch_date = fields.Datetime("Last batch received", copy=False, readonly=True)
    last_batch_count = fields.Integer("Records in last batch", copy=False, readonly=True)
    is_silent = fields.Boolean(
        "FOCUS silent", compute="_compute_is_silent",
        help="No batch arrived within the silence threshold (system parameter "
        "optical_focus_sync.silence_hours, 24 hours by default).",
    )
    record_ids = fields.One2many("optical.focus.record", "store_id", "FOCUS records")
    applied_count = fields.Integer("Applied", compute="_compute_record_counts")
    waiting_count = fields.Integer("Waiting", compute="_compute_record_counts")
    error_count = fields.Integer("In error", compute="_compute_record_counts")
    warning_count = fields.Integer(
        "With warnings", compute="_compute_record_counts",
        help="Records applied without some optional values FOCUS sent (an invalid landline, an e-mail "
        "without @...): each names the field and why.")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "A FOCUS store code must be unique."),
    ]

    @api.depends("last_batch_date")
    def _compute_is_silent(self):
        hours = self.env["ir.config_parameter"]._optical_param("optical_focus_sync.silence_hours")
        limit = fields.Datetime.now() - datetime.timedelta(hours=hours)
        for store in self:
            store.is_silent = bool(store.has_token and (not store.last_batch_date or store.last_batch_date < limit))

    def _compute_record_counts(self):
        counts = {
            (store.id, state): count
            for store, state, count in self.env["optical.focus.record"]._read_group(
                [("store_id", "in", self.ids)], ["store_id", "state"], ["__count"])
        }
        for store in self:
            store.applied_count = counts.get((store.id, "applied"), 0)
            store.waiting_count = counts.get((store.id, "waiting"), 0)
            store.error_count = counts.get((store.id, "error"), 0)
        warnings = dict(self.env["optical.focus.record"]._read_group(
            [("store_id", "in", self.ids), ("state", "=", "applied"), ("has_warnings", "=", True)],
            ["store_id"], ["__count"]))
        for store in self:
            store.warning_count = warnings.get(store._origin, 0)

    def write(self, vals):
        if "company_id" in vals:
            # The token is the shop's: FOCUS keeps sending with it, so its
            # customers and events would land in the other shop.
            moved = self.sudo().filtered(lambda s: s.token_hash and s.company_id.id != vals["company_id"])
            if moved:
                raise UserError(self.env._(
                    "Shop: the FOCUS store %(store)s has a token of %(shop)s, so its shop cannot change. "
                    "Create a new FOCUS store for the other shop and give it its own token.",
                    store=moved[0].name, shop=moved[0].company_id.name))
        return super().write(vals)

    @api.model
    def _authenticate(self, token):
        """The active store whose token is ``token``, or an empty recordset.

        The hash finds the candidate; the final comparison is made in
        constant time, as the contract requires."""
        if not token:
            return self.browse()
        store = self.sudo().with_context(active_test=True).search([("token_hash", "=", hash_secret(token))], limit=1)
        if store and check_secret(token, store.token_hash):
            return store
        return self.browse()


    # ------------------------------------------------------------------
    # Receiving a batch: the importer
    # ------------------------------------------------------------------

    def _receive(self, records):
        """Store then apply the records of one batch; return their statuses,
        in order, plus the waiting records the batch released.

        Records: ``{"type", "id", "updated_at", "data", "deleted"}``. Every
        record gets ``{"type", "id", "status"}`` (created, updated, deleted,
        unchanged, ignored, waiting, error) and, unless it was applied, a
        ``field`` and ``reason``; an applied record whose optional values were
        dropped carries ``warnings`` ([{"field", "reason"}]). Nothing valid is
        lost because of a bad one.
        """
        self.ensure_one()
        # One batch per company at a time, since customers are matched per
        # company: every store of the company is locked (two stores of one
        # shop sending the same customer at once made two partners). A
        # concurrent batch waits here, then fails to serialise on the store
        # row the first one updated, and Odoo retries it on a fresh snapshot
        # where it sees the customers the first one created.
        self.env.cr.execute(SQL(
            "SELECT id FROM optical_focus_store WHERE company_id = %s ORDER BY id FOR UPDATE", self.company_id.id))
        results = [None] * len(records)
        # A replay costs one lookup for the whole batch: what FOCUS sends
        # again exactly as stored is answered here, without checks or writes.
        long_way, prints = self._answer_replayed(records, results)
        incoming = _incoming(records, long_way, results, fields.Datetime.now())
        new_vals, new_positions, updates = self._sort_incoming(incoming, prints, results)
        to_apply = self._store_updates(updates, results)
        created, statuses, released = self._store_and_apply(new_vals, new_positions, results, incoming, to_apply)
        self.sudo().write({"last_batch_date": fields.Datetime.now(), "last_batch_count": len(records)})
        if created:
            self._refresh_statistics()
        return {
            "results": [_as_sent(record, statuses[item.id] if isinstance(item, models.BaseModel) else item)
                        for record, item in zip(records, results, strict=True)],
            "released": [statuses[row.id] for row in released],
        }

    def _sort_incoming(self, incoming, prints, results):
        """The records of the batch against those stored: the new ones'
        values and positions, the newer versions to store (``[(position,
        record, values)]``); the others are answered in ``results``."""
        stored = self.env["optical.focus.record"]._find(self, incoming)
        new_vals, new_positions, updates = [], [], []
        for key, (position, updated_at, deleted, data) in incoming.items():
            row = stored.get(key)
            values = {"updated_at": updated_at, "deleted": deleted, "payload": data, "fingerprint": prints[position]}
            if not row:
                new_vals.append(dict(values, store_id=self.id, record_type=key[0], focus_id=key[1]))
                new_positions.append(position)
            elif updated_at < row.updated_at:
                results[position] = answer(*key, "ignored", "updated_at", "older than the version already received "
                                           "(%s)" % fields.Datetime.to_string(row.updated_at))
            elif updated_at == row.updated_at:
                results[position] = row._status("unchanged")
            else:
                updates.append((position, row, dict(values, state="received", error_field=False,
                                                    error_message=False)))
        return new_vals, new_positions, updates

    def _store_updates(self, updates, results):
        """Store the newer versions of records already stored, in one
        UPDATE; should the database still refuse one (the gatekeeper refused
        what cannot be stored), only that record is in error. Returns the
        records stored, to apply."""
        Record = self.env["optical.focus.record"]
        if not updates:
            return Record

        def refused(update, error):
            _position, row, _values = update
            return answer(row.record_type, row.focus_id, "error", "record",
                          "Odoo could not store it: %s" % first_line(error))

        def store_versions(items):
            return Record._update_received([(row, values) for _p, row, values in items])

        def store_version(update):
            return update[1].write(update[2])

        whole, outcomes = Record._batch_else_each(updates, store_versions, store_version, refused)
        to_apply = Record
        for (position, row, _values), outcome in zip(updates, outcomes if not whole else updates, strict=True):
            if isinstance(outcome, dict):
                results[position] = outcome
            else:
                results[position] = row
                to_apply |= row
        return to_apply

    def _store_and_apply(self, new_vals, new_positions, results, incoming, to_apply):
        """Store the records seen for the first time and apply them with the
        changed ones (``to_apply``, already stored). Returns the new records,
        the status of every record by id and the waiting records released.

        The short way first, under one savepoint: the new customers' partners
        brought into Odoo and the new records' outcome decided before they are
        stored (:meth:`_presets`), then all stored in one INSERT, those decided
        as applied, and everything applied. Should anything fail, all of it is
        undone and the batch takes the long way, where only what fails is in
        error: the new records stored as received (one by one should the
        database refuse one), then applied (record by record should Odoo
        refuse one)."""
        Record = self.env["optical.focus.record"]
        if new_vals:
            def short_way():
                created, presets = Record._insert_received(new_vals, self._presets(new_vals, incoming))
                return created, (to_apply | created)._apply(presets)

            done, error = Record._run_isolated(short_way)
            if error is None:
                created, (statuses, released) = done
                for position, row in zip(new_positions, created, strict=True):
                    results[position] = row
                return created, statuses, released
        created = self._store_new(new_vals, new_positions, results)
        to_apply |= created
        statuses, released = to_apply._apply_safely() if to_apply else ({}, Record)
        return created, statuses, released

    def _store_new(self, new_vals, new_positions, results):
        """Store the records seen for the first time as received, in one
        statement; should the database refuse one, store them one by one and
        put only that one in error. Returns the stored records."""
        Record = self.env["optical.focus.record"]
        if not new_vals:
            return Record

        def refused(values, error):
            return answer(values["record_type"], values["focus_id"], "error", "record",
                          "Odoo could not store it: %s" % first_line(error))

        def store_new_records(vals_list):
            return Record._insert_received(vals_list)[0]

        whole, outcomes = Record._batch_else_each(new_vals, store_new_records, Record.create, refused)
        for position, outcome in zip(new_positions, outcomes, strict=True):
            results[position] = outcome
        return outcomes if whole else Record.union(*[row for row in outcomes if not isinstance(row, dict)])

    def _presets(self, vals_list, incoming):
        """The outcome of the new records that is known before they are
        stored, aligned with ``vals_list`` (None for the others): ``{"partner_id",
        "customer_focus_id", "warnings", "mapped"}``, what applying them will
        write. A new customer (not deleted, its data valid) is brought into
        Odoo here, its partner created or linked; a new event record gets the
        partner of its customer when the customer is applied already and not
        sent again in this batch (the common case of a first load). Stored
        with the record, it spares the UPDATE of the rows just inserted (and
        PostgreSQL's checks of all their foreign keys again)."""
        Record = self.env["optical.focus.record"]
        mapped = [_premap(vals, incoming) for vals in vals_list]
        customers = Record._bring_customers([
            (index, self.company_id.id, self.env["res.partner"], result)
            for index, (vals, result) in enumerate(zip(vals_list, mapped, strict=True))
            if result and vals["record_type"] == "cliente"])
        partners = Record._customer_partners({
            (self.id, result["customer"])
            for vals, result in zip(vals_list, mapped, strict=True) if result and vals["record_type"] != "cliente"})
        return [_preset(vals, result, customers.get(index), partners, self.id)
                for index, (vals, result) in enumerate(zip(vals_list, mapped, strict=True))]

    def _refresh_statistics(self):
        """ANALYZE the tables a first load fills once their statistics are far
        off (more rows changed since the last ANALYZE than a fifth of the
        table, and at least 5,000): autovacuum does it too, but late in the
        middle of a load, and PostgreSQL then plans the next batches' joins
        for tables a fraction of their size."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
                WHERE s.relname IN %s AND s.n_mod_since_analyze > GREATEST(c.reltuples, 0) * 0.2 + 5000
                ORDER BY s.relname""",
            STATISTICS_TABLES))
        for (table,) in self.env.cr.fetchall():
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))


def _incoming(records, positions, results, now):
    """The records at ``positions`` that can be stored, by (type, FOCUS id):
    ``(position, updated_at, deleted, data)``, the newest copy of a record
    sent twice; the others are answered in ``results``."""
    incoming = {}
    for position in positions:
        record = records[position]
        try:
            # What PostgreSQL cannot store is refused here, record by record.
            check_record(record, now)
            record_type, focus_id, updated_at, deleted, data = parse_envelope(record)
        except (Refused, MappingError) as error:
            raw = record if isinstance(record, dict) else {}
            results[position] = answer(raw.get("type"), raw.get("id"), "error", error.field, error.reason)
            continue
        key = (record_type, focus_id)
        previous = incoming.get(key)
        if previous and previous[1] > updated_at:
            results[position] = answer(*key, "ignored", "updated_at", "a newer copy is in the same batch")
            continue
        if previous:
            results[previous[0]] = answer(*key, "ignored", "updated_at", "a later copy is in the same batch")
        incoming[key] = (position, updated_at, deleted, data)
    return incoming


def _premap(vals, incoming):
    """The mapped values of a new record whose outcome :meth:`_presets` can
    decide, else None (deleted, not valid, or its customer in the batch)."""
    if vals["deleted"]:
        return None
    try:
        result = map_record(vals["record_type"], vals["payload"] or {})
    except MappingError:
        return None  # put in error when applied
    if vals["record_type"] == "cliente" or ("cliente", result["customer"]) not in incoming:
        return result
    return None


def _preset(vals, result, customer, partners, store_id):
    """The preset of :meth:`_presets` for a new record mapped to ``result``:
    a customer brought into Odoo as ``customer``; another record gets the
    partner of its FOCUS customer from ``partners``. None when unknown."""
    if not result:
        return None
    if vals["record_type"] == "cliente":
        partner_id, customer_focus_id = customer.id, vals["focus_id"]
    else:
        partner_id, customer_focus_id = partners.get((store_id, result["customer"])), result["customer"]
    if not partner_id:
        return None
    return {"partner_id": partner_id, "customer_focus_id": customer_focus_id,
            "warnings": list(result["warnings"]) or None, "mapped": result}


def _as_sent(record, result):
    """``result`` with the id as FOCUS sent it (number or text)."""
    if isinstance(record, dict) and "id" in record:
        return dict(result, id=record["id"])
    return result
