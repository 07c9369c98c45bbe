import json
import logging

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools.mappers import RECORD_TYPES, MappingError, map_record

_logger = logging.getLogger(__name__)

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
    _description = "FOCUS record"
    _order = "received_date desc, id desc"
    _rec_name = "focus_id"
    _check_company_auto = True

    store_id = fields.Many2one("optical.focus.store", "FOCUS shop", required=True, index=True, ondelete="cascade")
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
    # Binder
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

    def _status(self, status):
        """Answer for this record: ``status`` when applied, else why not."""
        self.ensure_one()
        return answer(self.record_type, self.focus_id, status, self.state, self.warnings, self.error_field,
                       self.error_message)

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
        company = {store.id: store.company_id.id for store in stores}
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
                 FROM unnest(%(stores)s::int[], %(companies)s::int[], %(types)s::varchar[], %(ids)s::varchar[],
                             %(updated)s::timestamp[], %(deleted)s::bool[], %(payloads)s::text[], %(prints)s::varchar[],
                             %(preset)s::bool[], %(partners)s::int[], %(customers)s::varchar[], %(warnings)s::text[])
                      AS v(store_id, company_id, record_type, focus_id, updated_at, deleted, payload, print,
                           preset, partner_id, customer, warnings)
            RETURNING id, store_id, record_type, focus_id""",
            now=now, uid=self.env.uid,
            stores=[vals["store_id"] for vals in vals_list],
            companies=[company[vals["store_id"]] for vals in vals_list],
            types=[vals["record_type"] for vals in vals_list],
            ids=[vals["focus_id"] for vals in vals_list],
            updated=[vals["updated_at"] for vals in vals_list],
            deleted=[bool(vals["deleted"]) for vals in vals_list],
            payloads=[json.dumps(vals["payload"]) for vals in vals_list],
            prints=[vals.get("fingerprint") for vals in vals_list],
            preset=[bool(preset) for preset in presets],
            partners=[preset["partner_id"] if preset else None for preset in presets],
            customers=[preset["customer_focus_id"] if preset else None for preset in presets],
            warnings=[json.dumps(preset["warnings"]) if preset and preset["warnings"] else None
                      for preset in presets],
        ))
        by_key = {(store_id, record_type, focus_id): record_id
                  for record_id, store_id, record_type, focus_id in self.env.cr.fetchall()}
        records = self.browse([by_key[vals["store_id"], vals["record_type"], vals["focus_id"]] for vals in vals_list])
        stores.invalidate_recordset(["record_ids"])
        if any(presets):
            self.env["res.partner"].invalidate_model(["optical_focus_record_ids"])
        return records, {record.id: preset for record, preset in zip(records, presets, strict=True) if preset}

    @api.model
    def _update_received(self, rows_values):
        """Store the new version of FOCUS records already stored, in one
        statement: ``[(record, {"updated_at", "deleted", "payload", "fingerprint",
        ...})]``, as received, to be applied. The values were checked as for
        :meth:`_insert_received`."""
        records = self.browse([row.id for row, _values in rows_values])
        records.flush_recordset()
        self.env.cr.execute(SQL(
            """UPDATE optical_focus_record r
                  SET updated_at = v.updated_at, deleted = v.deleted, payload = v.payload::jsonb,
                      fingerprint = v.print, state = 'received', error_field = NULL, error_message = NULL,
                      write_date = %(now)s, write_uid = %(uid)s
                 FROM unnest(%(ids)s::int[], %(updated)s::timestamp[], %(deleted)s::bool[], %(payloads)s::text[],
                             %(prints)s::varchar[]) AS v(id, updated_at, deleted, payload, print)
                WHERE r.id = v.id""",
            now=fields.Datetime.now(), uid=self.env.uid, ids=records.ids,
            updated=[values["updated_at"] for _row, values in rows_values],
            deleted=[bool(values["deleted"]) for _row, values in rows_values],
            payloads=[json.dumps(values["payload"]) for _row, values in rows_values],
            prints=[values.get("fingerprint") for _row, values in rows_values],
        ))
        records.invalidate_recordset(["updated_at", "deleted", "payload", "fingerprint", "state", "error_field",
                                      "error_message", "write_date", "write_uid"])
        return records

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
        # planned on statistics a bulk load has made stale.)
        self.env.cr.execute(SQL(
            """SELECT k.store_id, k.focus_id, r.partner_id
                 FROM unnest(%s::int[], %s::varchar[]) AS k(store_id, focus_id)
                CROSS JOIN LATERAL (
                      SELECT partner_id FROM optical_focus_record
                       WHERE store_id = k.store_id AND record_type = 'cliente' AND focus_id = k.focus_id
                         AND state = 'applied' AND partner_id IS NOT NULL OFFSET 0) r""",
            [key[0] for key in keys], [key[1] for key in keys]))
        return {(store_id, focus_id): partner_id for store_id, focus_id, partner_id in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # Applying
    # ------------------------------------------------------------------

    def _apply(self, presets=None, release=True):
        """Apply these records to Odoo: customers first, then the records
        waiting for those customers (unless ``release`` is False), then
        events. Returns the status of every record by id, and the waiting
        records that got applied. ``presets``: see :meth:`_insert_received`."""
        statuses = {}
        customers = self.filtered(lambda r: r.record_type == "cliente")
        others = self - customers
        customers._apply_customers(statuses, presets)
        released = customers._released() - others if release else self.browse()
        (others | released)._apply_events(statuses, presets)
        return statuses, released

    def _released(self):
        """The records waiting for these customer records, now applied."""
        arrived = self.filtered(lambda r: r.record_type == "cliente" and r.state == "applied" and r.partner_id)
        if not arrived:
            return self.browse()
        keys = {(r.store_id.id, r.focus_id) for r in arrived}
        return self.search([
            ("state", "=", "waiting"),
            ("store_id", "in", arrived.store_id.ids),
            ("customer_focus_id", "in", list({r.focus_id for r in arrived})),
        ]).filtered(lambda r: (r.store_id.id, r.customer_focus_id) in keys)

    def _apply_safely(self):
        """:meth:`_apply`, but a record that Odoo refuses for a reason the
        mappers do not know (a constraint of another module, …) only puts that
        record in error (core's batch isolation, ``optical_crm_batch_mixin.py``):
        a waiting record its customer releases never fails the customer."""
        Batch = self.env["optical.crm.communication"]
        failed = []

        def refused(record, error):
            record._set_error("record", "Odoo refused it: %s" % (str(error).strip().splitlines() or [""])[0])
            failed.append(record)

        result, error = Batch._run_isolated(self._apply)
        if error is None:
            return result
        # Then without the waiting records the customers release (a batch,
        # else record by record, customers first so that the records of the
        # batch find them), and those released after them, each on its own.
        records = self.sorted(lambda r: r.record_type != "cliente")
        statuses = {}
        for record_statuses, _none in Batch._process_isolated(
                records, lambda batch: batch._apply(release=False), refused):
            statuses.update(record_statuses)
        released = records._released() - records
        for record_statuses, _none in Batch._process_isolated(
                released, lambda batch: batch._apply(release=False), refused):
            statuses.update(record_statuses)
        for record in failed:
            statuses[record.id] = record._status("error")
        return statuses, released

    def _map(self, presets=None):
        """Map every record's payload; records that cannot be mapped are put
        in error. Returns ``{record: mapped}`` for the others. A record stored
        applied in advance (``presets``) was mapped then, from the same data."""
        mapped = {}
        presets = presets or {}
        for record in self:
            if record.id in presets:
                mapped[record] = presets[record.id]["mapped"]
                continue
            if record.deleted:
                mapped[record] = None
                continue
            try:
                mapped[record] = map_record(record.record_type, record.payload or {})
            except MappingError as error:
                record._set_error(error.field, error.reason)
        return mapped

    def _set_error(self, field, reason, state="error"):
        self.write({"state": state, "error_field": field, "error_message": reason})

    def _set_applied(self, statuses, values_by_record, presets=None):
        """Mark these records applied, with their customer: one UPDATE for the
        whole batch (a write per record costs more than the rest of the batch).
        A record stored applied in advance with these very values
        (``presets``, :meth:`_insert_received`) is not written again."""
        if not self:
            return
        presets = presets or {}
        values = [values_by_record.get(record, {}) for record in self]
        to_write = []
        for record, value in zip(self, values, strict=True):
            preset = presets.get(record.id)
            status = "deleted" if record.deleted else (
                "updated" if record.applied_date and not preset else "created")
            statuses[record.id] = {"type": record.record_type, "id": record.focus_id, "status": status}
            if value.get("warnings"):
                statuses[record.id]["warnings"] = list(value["warnings"])
            if not preset or (preset["partner_id"], preset["customer_focus_id"], preset["warnings"]) != (
                    value.get("partner_id"), value.get("customer_focus_id"), list(value.get("warnings") or []) or None):
                to_write.append((record, value))
        if to_write:
            self.browse([record.id for record, _value in to_write])._write_applied(
                [value for _record, value in to_write])

    def _write_applied(self, values):
        """The UPDATE of :meth:`_set_applied`: ``values`` aligned with ``self``."""
        self.flush_recordset()
        self.env.cr.execute(SQL(
            """UPDATE optical_focus_record r
                  SET state = 'applied', applied_date = %(now)s, error_field = NULL, error_message = NULL,
                      partner_id = COALESCE(v.partner_id, r.partner_id),
                      customer_focus_id = COALESCE(v.customer, r.customer_focus_id),
                      warnings = v.warnings::jsonb, has_warnings = v.warnings IS NOT NULL,
                      write_date = %(now)s, write_uid = %(uid)s
                 FROM unnest(%(ids)s::int[], %(partners)s::int[], %(customers)s::varchar[], %(warnings)s::text[])
                      AS v(id, partner_id, customer, warnings)
                WHERE r.id = v.id""",
            now=fields.Datetime.now(), uid=self.env.uid, ids=self.ids,
            partners=[value.get("partner_id") or None for value in values],
            customers=[value.get("customer_focus_id") or None for value in values],
            warnings=[json.dumps(value["warnings"]) if value.get("warnings") else None for value in values],
        ))
        self.invalidate_recordset(["state", "applied_date", "error_field", "error_message", "partner_id",
                                   "customer_focus_id", "warnings", "has_warnings", "write_date", "write_uid"])
        self.env["res.partner"].invalidate_model(["optical_focus_record_ids"])

    def _reset_presets(self):
        """Records stored applied in advance (:meth:`_insert_received`) back
        to received (or the state applying them gave them), as
        :meth:`_insert_received` stores any other."""
        self.flush_recordset()
        self.env.cr.execute(SQL(
            """UPDATE optical_focus_record
                  SET state = CASE WHEN state = 'applied' THEN 'received' ELSE state END,
                      partner_id = NULL, customer_focus_id = NULL, warnings = NULL,
                      has_warnings = FALSE, applied_date = NULL
                WHERE id = ANY(%s)""", self.ids))
        self.invalidate_recordset(["state", "partner_id", "customer_focus_id", "warnings", "has_warnings",
                                   "applied_date"])
        self.env["res.partner"].invalidate_model(["optical_focus_record_ids"])

    def _record_errors(self, statuses):
        for record in self.filtered(lambda r: r.state in ("error", "waiting")):
            statuses[record.id] = record._status("error")

    def _apply_customers(self, statuses, presets=None):
        """``cliente`` records → partners (linked when already in Odoo), and
        their ``new_customer`` event. A record stored applied in advance
        (``presets``) has its partner already."""
        presets = presets or {}
        mapped = self._map(presets)
        partners = self._bring_customers([
            (record, record.company_id.id, record.partner_id, result)
            for record, result in mapped.items() if result is not None and record.id not in presets])
        for record_id, preset in presets.items():
            partners[self.browse(record_id)] = self.env["res.partner"].browse(preset["partner_id"])

        applied = self.browse([record.id for record in mapped])
        customer_values = {}
        for record in applied:
            partner = partners.get(record) or record.partner_id
            customer_values[record] = {"partner_id": partner.id, "customer_focus_id": record.focus_id,
                                       "warnings": (mapped[record] or {}).get("warnings")}
        specs = {
            record: (customer_values[record]["partner_id"], mapped[record]["events"])
            for record in applied if mapped[record] is not None
        }
        applied.filtered("deleted")._archive_customer_events()
        self.env["optical.crm.event"]._focus_sync(specs)
        applied._set_applied(statuses, customer_values, presets)
        self._record_errors(statuses)

    @api.model
    def _bring_customers(self, items):
        """Bring mapped customers into Odoo: ``items`` is ``[(key, company id,
        partner already bound or empty, mapped)]``; a bound partner is
        written, else one already in the shop is linked and written, else one
        is created (once for two customers of the batch that are the same
        person). Returns ``{key: partner}``. A bad province is dropped with a
        warning, added to the mapped values."""
        italy = self.env.ref("base.it")
        provinces = {m["province"] for _k, _c, _p, m in items if m["province"]}
        states = {
            state.code: state.id
            for state in self.env["res.country.state"].search([("country_id", "=", italy.id), ("code", "in", list(provinces))])
        } if provinces else {}
        titles = {
            "M": self.env.ref("base.res_partner_title_mister", raise_if_not_found=False),
            "F": self.env.ref("base.res_partner_title_madam", raise_if_not_found=False),
        }
        partner_values = {}
        for key, _company_id, _partner, result in items:
            if result["province"] and result["province"] not in states:
                result["warnings"].append({"field": "provincia", "reason": "%r is not an Italian province code: "
                                           "dropped" % result["province"]})
                result["province"] = None
            values = dict(result["partner"], country_id=italy.id)
            if result["province"] or "provincia" not in {w["field"] for w in result["warnings"]}:
                values["state_id"] = states.get(result["province"], False)
            if result["sex"] and titles[result["sex"]]:
                values["title"] = titles[result["sex"]].id
            partner_values[key] = values

        # The contact rules (consent changed…) are applied once for the batch, below.
        Partner = self.env["res.partner"].with_context(**QUIET_CONTEXT, optical_defer_rules=True)
        written = Partner
        for key, _company_id, partner, _result in items:
            if partner:
                partner.with_env(Partner.env).write(partner_values[key])
                written |= partner
        unbound = [(key, company_id) for key, company_id, partner, _result in items if not partner]
        partners = {key: partner for key, _company_id, partner, _result in items if partner}
        partners.update(self._match_partners({key: (company_id, partner_values[key]) for key, company_id in unbound}))
        to_create, create_keys, create_index = [], [], {}
        for key, company_id in unbound:
            values = partner_values[key]
            if key in partners:
                partner = partners[key].with_env(Partner.env)
                partner.write({k: v for k, v in values.items() if v or k.startswith("optical_consent_")})
                written |= partner
                continue
            # Two new customers of the same batch that are the same person make one partner.
            keys = [(company_id, *identity) for identity in _identity_keys(values)]
            index = next((create_index[identity] for identity in keys if identity in create_index
                          and _same_person(to_create[create_index[identity]], values)), None)
            if index is None:
                index = len(to_create)
                # The salesperson Odoo would compute (a contact's comes from its parent company: a
                # FOCUS customer has none), given: computing it before the INSERT costs Odoo a
                # draft record per customer.
                to_create.append(dict(values, company_id=company_id, user_id=False))
            for identity in keys:
                create_index.setdefault(identity, index)
            create_keys.append((key, index))
        created = Partner.create(to_create)
        for key, index in create_keys:
            partners[key] = created[index]
        self.env["optical.crm.communication"]._apply_rules_for_partners(written)
        return partners

    def _match_partners(self, values_by_key):
        """Customers already in Odoo: same fiscal code, else same mobile or
        e-mail with the same name (and no other fiscal code), in the shop's
        company (``values_by_key``: ``{key: (company id, partner values)}``).
        One query per shop. Yields ``(key, partner)``."""
        by_company = {}
        for key, (company_id, values) in values_by_key.items():
            by_company.setdefault(company_id, []).append((key, values))
        for company_id, items in by_company.items():
            fiscal_codes = [v["optical_fiscal_code"] for _r, v in items if v.get("optical_fiscal_code")]
            mobiles = [v["mobile"] for _r, v in items if v.get("mobile")]
            emails = [v["email"] for _r, v in items if v.get("email")]
            # One probe of an index per value (LATERAL): the cost of a batch
            # does not grow with the number of customers already in Odoo.
            # (OFFSET 0 keeps each probe a parameterised index scan.)
            probes = [SQL("""SELECT x.* FROM unnest(%s::varchar[]) AS v(value)
                             CROSS JOIN LATERAL (
                                   SELECT id, optical_fiscal_code, mobile, lower(email), lower(name) FROM res_partner
                                    WHERE %s = v.value AND company_id = %s AND active OFFSET 0) x""",
                          values, expression, company_id)
                      for values, expression in ((fiscal_codes, SQL("optical_fiscal_code")), (mobiles, SQL("mobile")),
                                                 (emails, SQL("lower(email)")))
                      if values]
            if not probes:
                continue
            self.env["res.partner"].flush_model(["optical_fiscal_code", "mobile", "email", "name", "company_id"])
            self.env.cr.execute(SQL("%s ORDER BY 1", SQL(" UNION ").join(probes)))
            index = {}
            for partner_id, fiscal_code, mobile, email, name in self.env.cr.fetchall():
                if fiscal_code:
                    index.setdefault(("cf", fiscal_code), partner_id)
                if mobile:
                    index.setdefault(("mobile", mobile, name), (partner_id, fiscal_code))
                if email:
                    index.setdefault(("email", email, name), (partner_id, fiscal_code))
            for item_key, values in items:
                partner_id = index.get(("cf", values.get("optical_fiscal_code")))
                if not partner_id:
                    name = values["name"].lower()
                    for key in (("mobile", values.get("mobile"), name), ("email", values.get("email"), name)):
                        candidate = index.get(key)
                        if candidate and (not candidate[1] or not values.get("optical_fiscal_code")):
                            partner_id = candidate[0]
                            break
                if partner_id:
                    yield item_key, self.env["res.partner"].browse(partner_id)

    def _archive_customer_events(self):
        """A customer deleted in FOCUS: their FOCUS events of that shop are
        archived (core cancels the pending communications)."""
        events = self.env["optical.crm.event"].search([
            ("partner_id", "in", self.partner_id.ids), ("source", "=", "focus"),
            ("company_id", "in", self.company_id.ids),
        ])
        if events:
            events.write({"active": False})

    def _apply_events(self, statuses, presets=None):
        """Records of the other types → trigger events of their customer; a
        record whose customer has not arrived waits for it."""
        mapped = self._map(presets)
        live = {record: result for record, result in mapped.items() if result is not None}
        customers = self._customer_partners({(record.store_id.id, result["customer"]) for record, result in live.items()})
        specs, values_by_record, waiting = {}, {}, {}
        for record, result in mapped.items():
            if result is None:
                if record.event_ids:
                    record.event_ids.write({"active": False})
                values_by_record[record] = {}
                continue
            partner_id = customers.get((record.store_id.id, result["customer"]))
            if not partner_id:
                waiting[record] = result["customer"]
                continue
            specs[record] = (partner_id, result["events"])
            values_by_record[record] = {"partner_id": partner_id, "customer_focus_id": result["customer"],
                                        "warnings": result["warnings"]}
        if presets:
            # Stored applied in advance, but not applied now after all.
            self.browse([record.id for record in self if record.id in presets
                         and record not in values_by_record])._reset_presets()
        self.browse([record.id for record in waiting])._set_waiting(waiting)
        self.env["optical.crm.event"]._focus_sync(specs)
        self.browse([record.id for record in values_by_record])._set_applied(statuses, values_by_record, presets)
        self._record_errors(statuses)

    def _set_waiting(self, customers):
        """These records wait for their customer (``customers``: {record:
        FOCUS customer id}): one UPDATE for the batch."""
        if not self:
            return
        self.flush_recordset()
        self.env.cr.execute(SQL(
            """UPDATE optical_focus_record r
                  SET state = 'waiting', customer_focus_id = v.customer, error_field = 'cliente',
                      error_message = v.reason, write_date = %(now)s, write_uid = %(uid)s
                 FROM unnest(%(ids)s::int[], %(customers)s::varchar[], %(reasons)s::varchar[])
                      AS v(id, customer, reason)
                WHERE r.id = v.id""",
            now=fields.Datetime.now(), uid=self.env.uid, ids=self.ids,
            customers=[customers[record] for record in self],
            reasons=["customer %s has not arrived from FOCUS yet" % customers[record] for record in self],
        ))
        self.invalidate_recordset(["state", "customer_focus_id", "error_field", "error_message", "write_date",
                                   "write_uid"])

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


def _same_person(known, values):
    """Two customers that share a key are one unless their fiscal codes differ."""
    return not (known.get("optical_fiscal_code") and values.get("optical_fiscal_code")
                and known["optical_fiscal_code"] != values["optical_fiscal_code"])


def _identity_keys(values):
    name = values["name"].lower()
    keys = []
    if values.get("optical_fiscal_code"):
        keys.append(("cf", values["optical_fiscal_code"]))
    if values.get("mobile"):
        keys.append(("mobile", values["mobile"], name))
    if values.get("email"):
        keys.append(("email", values["email"], name))
    return keys


def answer(record_type, focus_id, status, state, warnings, error_field, error_message):
    """Answer for a stored record: ``status`` when applied, else why not."""
    result = {"type": record_type, "id": focus_id}
    if state == "applied":
        result["status"] = status
        if warnings:
            result["warnings"] = warnings
    else:
        result.update(status="waiting" if state == "waiting" else "error", field=error_field, reason=error_message)
    return result
