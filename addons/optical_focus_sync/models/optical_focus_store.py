import datetime
import json
import logging
import secrets
from collections import Counter

import psycopg2

from odoo import api, fields, models, sql_db
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.optical_crm.tools.http_api import check_secret, hash_secret

from ..tools.fingerprint import fingerprint, replay_key
from ..tools.gatekeeper import Refused, check_record
from ..tools.mappers import MappingError, map_record, parse_envelope
from .optical_focus_record import answer

_logger = logging.getLogger(__name__)

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

    # ------------------------------------------------------------------
    # Token
    # ------------------------------------------------------------------

    def generate_token(self):
        """Give the shop a new API token and return it in clear, once: only
        its hash is kept, the previous token stops working."""
        self.ensure_one()
        # Callable over RPC: only who may configure the shop gets a token.
        self.check_access("write")
        token = secrets.token_urlsafe(32)
        self.sudo().write({
            # 256 random bits: a plain SHA-256 is enough, no pepper needed.
            "token_hash": hash_secret(token),
            "has_token": True,
            "token_date": fields.Datetime.now(),
        })
        return token

    def action_generate_token(self):
        """The new token in a dialog with a copy button; closing it reloads
        the store, which then offers to replace the token, not to generate one."""
        self.ensure_one()
        token = self.generate_token()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New FOCUS token for %(store)s", store=self.name),
            "res_model": "optical.focus.token.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_store_id": self.id, "default_token": token},
        }

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
    # Receiving a batch
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
        Record = self.env["optical.focus.record"]
        results = [None] * len(records)
        # A replay costs one lookup for the whole batch: what FOCUS sends
        # again exactly as stored is answered here, without checks or writes.
        long_way, prints = self._answer_replayed(records, results)
        incoming = {}  # (type, id) → (position, updated_at, deleted, data)
        now = fields.Datetime.now()
        for position in long_way:
            record = records[position]
            try:
                # What PostgreSQL cannot store is refused here, record by record.
                check_record(record, now)
                record_type, focus_id, updated_at, deleted, data = parse_envelope(record)
            except (Refused, MappingError) as error:
                raw = record if isinstance(record, dict) else {}
                results[position] = _result(raw.get("type"), raw.get("id"), "error", error.field, error.reason)
                continue
            key = (record_type, focus_id)
            previous = incoming.get(key)
            if previous and previous[1] > updated_at:
                results[position] = _result(*key, "ignored", "updated_at",
                                            "a newer copy is in the same batch")
                continue
            if previous:
                results[previous[0]] = _result(*key, "ignored", "updated_at",
                                               "a later copy is in the same batch")
            incoming[key] = (position, updated_at, deleted, data)
        stored = Record._find(self, incoming)
        to_apply = Record.browse()
        new_vals, new_positions, updates = [], [], []
        for key, (position, updated_at, deleted, data) in incoming.items():
            row = stored.get(key)
            if not row:
                new_vals.append({
                    "store_id": self.id, "record_type": key[0], "focus_id": key[1],
                    "updated_at": updated_at, "deleted": deleted, "payload": data,
                    "fingerprint": prints[position],
                })
                new_positions.append(position)
            elif updated_at < row.updated_at:
                results[position] = _result(*key, "ignored", "updated_at", "older than the version already received (%s)"
                                            % fields.Datetime.to_string(row.updated_at))
            elif updated_at == row.updated_at:
                results[position] = row._status("unchanged")
            else:
                updates.append((position, row, {
                    "updated_at": updated_at, "deleted": deleted, "payload": data, "state": "received",
                    "fingerprint": prints[position], "error_field": False, "error_message": False}))
        # The gatekeeper refused what cannot be stored; should the database
        # still refuse a record, only that record is in error: the batch's one
        # UPDATE is then made again record by record.
        if updates:
            _done, error = _stored_safely(self.env.cr, Record._update_received,
                                          [(row, values) for _position, row, values in updates])
            for position, row, values in updates:
                if error:
                    _done, row_error = _stored_safely(self.env.cr, row.write, values)
                    if row_error:
                        results[position] = _result(row.record_type, row.focus_id, "error", "record", row_error)
                        continue
                results[position] = row
                to_apply |= row
        created, statuses, released = self._store_and_apply(new_vals, new_positions, results, incoming, to_apply)
        self.sudo().write({"last_batch_date": fields.Datetime.now(), "last_batch_count": len(records)})
        if created:
            self._refresh_statistics()
        results = [statuses[item.id] if isinstance(item, models.BaseModel) else item for item in results]
        for position, record in enumerate(records):
            if isinstance(record, dict) and "id" in record:
                # The id as FOCUS sent it (number or text).
                results[position] = dict(results[position], id=record["id"])
        return {
            "results": results,
            "released": [statuses[row.id] for row in released],
        }

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
            try:
                with self.env.cr.savepoint():
                    created, presets = Record._insert_received(new_vals, self._presets(new_vals, incoming))
                    statuses, released = (to_apply | created)._apply(presets)
            except psycopg2.OperationalError:
                raise  # concurrency: Odoo retries the whole request
            except Exception:  # noqa: BLE001 - the long way puts only what fails in error
                _logger.warning("FOCUS: a batch of %s new records could not be stored and applied at once, "
                                "taking the long way", len(new_vals), exc_info=True)
            else:
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
        created, error = _stored_safely(self.env.cr, lambda vals_list: Record._insert_received(vals_list)[0],
                                        new_vals)
        if not error:
            for position, row in zip(new_positions, created, strict=True):
                results[position] = row
            return created
        created = Record.browse()
        for position, values in zip(new_positions, new_vals, strict=True):
            row, error = _stored_safely(self.env.cr, Record.create, values)
            results[position] = _result(values["record_type"], values["focus_id"], "error", "record",
                                        error) if error else row
            created |= row or Record
        return created

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
        mapped = [None] * len(vals_list)
        for index, vals in enumerate(vals_list):
            if vals["deleted"]:
                continue
            try:
                result = map_record(vals["record_type"], vals["payload"] or {})
            except MappingError:
                continue  # put in error when applied
            if vals["record_type"] == "cliente" or ("cliente", result["customer"]) not in incoming:
                mapped[index] = result
        customers = Record._bring_customers([
            (index, self.company_id.id, self.env["res.partner"], result)
            for index, (vals, result) in enumerate(zip(vals_list, mapped, strict=True))
            if result and vals["record_type"] == "cliente"])
        partners = Record._customer_partners({
            (self.id, result["customer"])
            for vals, result in zip(vals_list, mapped, strict=True) if result and vals["record_type"] != "cliente"})
        presets = []
        for index, (vals, result) in enumerate(zip(vals_list, mapped, strict=True)):
            if not result:
                presets.append(None)
                continue
            if vals["record_type"] == "cliente":
                partner_id, customer = customers[index].id, vals["focus_id"]
            else:
                partner_id, customer = partners.get((self.id, result["customer"])), result["customer"]
            presets.append({"partner_id": partner_id, "customer_focus_id": customer,
                            "warnings": list(result["warnings"]) or None, "mapped": result} if partner_id else None)
        return presets

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

    def _answer_replayed(self, records, results):
        """Answer the records of the batch that FOCUS sends again exactly as
        stored (same type, id and fingerprint: :mod:`..tools.fingerprint`),
        with one lookup on the records' unique index for the whole batch: the
        stored record's status, as the long way would give it for a version
        already received. Returns the positions left for the long way and the
        fingerprint of every record (None when it has none)."""
        keys = [replay_key(record) for record in records]
        prints = [fingerprint(record) if key else None for record, key in zip(records, keys, strict=True)]
        # A record sent twice in the batch goes the long way (the newest copy wins).
        copies = Counter(key for key in keys if key)
        candidates = [position for position, key in enumerate(keys)
                      if key and copies[key] == 1 and prints[position]]
        same = {}
        if candidates:
            self.env["optical.focus.record"].flush_model()
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
                [keys[position][0] for position in candidates], [keys[position][1] for position in candidates],
                [prints[position] for position in candidates], self.id))
            same = {(row[0], row[1]): row for row in self.env.cr.fetchall()}
        long_way = []
        for position, key in enumerate(keys):
            row = same.get(key) if key and copies[key] == 1 else None
            if row is None:
                long_way.append(position)
                continue
            record_type, focus_id, state, warnings, error_field, error_message = row
            if isinstance(warnings, str):
                warnings = json.loads(warnings)
            results[position] = answer(record_type, focus_id, "unchanged", state, warnings, error_field,
                                       error_message)
        return long_way, prints

    # ------------------------------------------------------------------
    # Call notes back to FOCUS
    # ------------------------------------------------------------------

    def _notes_horizon(self):
        """The newest moment (naive UTC, whole second) before which every
        note is committed, as seen from a fresh connection: the start of the
        oldest transaction still running in this database (other than this
        request's), else now, minus ``optical_focus_sync.notes_lag_seconds``
        for clocks of Odoo servers that differ. A note is dated when it is
        written, inside a transaction that started before: a note not yet
        committed is never older than the horizon."""
        lag = self.env["ir.config_parameter"]._optical_param("optical_focus_sync.notes_lag_seconds")
        self.env.cr.execute(SQL("SELECT pg_backend_pid()"))
        own_pid = self.env.cr.fetchone()[0]
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(SQL(
                """SELECT LEAST(NOW(), MIN(xact_start)) AT TIME ZONE 'UTC'
                     FROM pg_stat_activity
                    WHERE datname = current_database() AND backend_type = 'client backend'
                      AND pid NOT IN (pg_backend_pid(), %s)""", own_pid))
            horizon = cr.fetchone()[0]
        if horizon is None:  # min() of nothing: LEAST ignores it, but be explicit
            horizon = fields.Datetime.now()
        return horizon.replace(microsecond=0) - datetime.timedelta(seconds=lag)

    def _notes_since(self, since):
        """Callback outcomes and notes recorded from ``since`` (naive UTC,
        included) up to the horizon (excluded) for the customers of this
        store: ``{FOCUS customer id: [note, …]}``, oldest first. Returns
        ``(until, notes)``: ``until`` is the next ``since``. A note recorded
        in the same second as a poll, or committed after a poll that started
        before it, is in the next answer (:meth:`_notes_horizon`)."""
        self.ensure_one()
        until = max(self._notes_horizon(), since)
        # Read from a snapshot taken after the horizon: what committed before
        # it is all there.
        with self.env.registry.cursor() as cr:
            return until, self.with_env(self.env(cr=cr))._notes_between(since, until)

    def _notes_between(self, since, until):
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT c.id, r.focus_id
                 FROM optical_crm_communication c
                 JOIN optical_focus_record r
                   ON r.partner_id = c.partner_id AND r.record_type = 'cliente' AND r.store_id = %s
                WHERE c.company_id = %s AND c.outcome_date >= %s AND c.outcome_date < %s
                ORDER BY c.outcome_date, c.id""",
            self.id, self.company_id.id, since, until))
        rows = self.env.cr.fetchall()
        communications = self.env["optical.crm.communication"].browse({row[0] for row in rows})
        lang = self.company_id._optical_lang()
        communications = communications.with_context(lang=lang)
        by_id = {communication.id: communication for communication in communications}
        outcomes = dict(communications._fields["callback_outcome"]._description_selection(communications.env))
        channels = dict(communications._fields["channel"]._description_selection(communications.env))
        attempt_outcomes = dict(self.env["optical.crm.callback.attempt"].with_context(lang=lang)
                                ._fields["outcome"]._description_selection(communications.env))
        notes = {}
        for communication_id, focus_id in rows:
            communication = by_id[communication_id]
            step = communication.cycle_step_id or communication.campaign_step_id
            notes.setdefault(focus_id, []).append({
                "communication_id": communication.id,
                "date": communication.outcome_date.isoformat(),
                "outcome": communication.callback_outcome or None,
                "outcome_label": outcomes.get(communication.callback_outcome) or None,
                "note": communication.callback_note or None,
                "attempts": communication.callback_attempts,
                "state": communication.state,
                "channel": communication.channel,
                "channel_label": channels.get(communication.channel),
                "step": step.name or None,
                "cycle": communication.cycle_id.name or None,
                "campaign": communication.campaign_id.name or None,
                "scheduled_date": fields.Date.to_string(communication.scheduled_date),
                # Every attempt at the call with its own note, oldest first.
                "call_attempts": [{
                    "date": attempt.create_date.isoformat(),
                    "outcome": attempt.outcome,
                    "outcome_label": attempt_outcomes.get(attempt.outcome),
                    "note": attempt.note or None,
                    "by": attempt.user_id.name,
                } for attempt in communication.callback_attempt_ids.sorted("id")],
            })
        return notes

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _action_records(self, state=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optical_focus_sync.optical_focus_record_action")
        action["domain"] = [("store_id", "=", self.id)] + ([("state", "=", state)] if state else [])
        action["context"] = {"default_store_id": self.id}
        return action

    def action_view_applied(self):
        return self._action_records("applied")

    def action_view_waiting(self):
        return self._action_records("waiting")

    def action_view_errors(self):
        return self._action_records("error")

    def action_view_warnings(self):
        action = self._action_records("applied")
        action["domain"] += [("has_warnings", "=", True)]
        return action

    def action_import(self):
        self.ensure_one()
        if not self.active:
            raise UserError(self.env._("Store: %s is archived.", self.name))
        return {
            "type": "ir.actions.act_window",
            "res_model": "optical.focus.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_store_id": self.id},
        }


def _stored_safely(cr, method, values):
    """``method(values)`` in a savepoint: ``(result, None)``, or ``(None,
    reason)`` when the database refused it. A concurrency error is raised for
    Odoo to retry the request."""
    try:
        with cr.savepoint():
            return method(values), None
    except psycopg2.OperationalError:
        raise
    except Exception as error:  # noqa: BLE001 - one record refused must not sink the batch
        _logger.warning("FOCUS: a record could not be stored", exc_info=True)
        return None, "Odoo could not store it: %s" % ((str(error).strip().splitlines() or [""])[0])


def _result(record_type, focus_id, status, field=None, reason=None):
    result = {"type": record_type, "id": focus_id, "status": status}
    if field:
        result.update(field=field, reason=reason)
    return result
