import json

from odoo import fields, models

from ..tools.answers import answer
from ..tools.mappers import MappingError, map_record


class OpticalFocusRecordApply(models.Model):
    """The importer: stored FOCUS records → customers and trigger events."""

    _inherit = "optical.focus.record"

    def _apply(self, presets=None, release=True):
        """Apply these records to Odoo: customers first, then the records
        waiting for those customers (unless ``release`` is False), then
        events. Returns the status of every record by id, and the waiting
        records that got applied.
        ``presets``: see :meth:`_insert_received`."""
        statuses = {}
        customers = self.filtered(lambda r: r.record_type == "cliente")
        others = self - customers
        customers._apply_customers(statuses, presets)
        released = customers._released() - others if release else self.browse()
        (others | released)._apply_events(statuses, presets)
        return statuses, released

    def _released(self):
        """The records waiting for these customers that got applied."""
        arrived = self.filtered(lambda r: r.record_type == "cliente" and r.state == "applied" and r.partner_id)
        if not arrived:
            return self.browse()
        keys = {(r.store_id.id, r.focus_id) for r in arrived}
        return self.search([
            ("state", "=", "waiting"),
            ("store_id", "in", arrived.store_id.ids),
            ("customer_focus_id", "in", list({r.focus_id for r in arrived})),
        ]).filtered(lambda r: (r.store_id.id, r.customer_focus_id) in keys)

    def _map(self, presets=None):
        """Map every record's payload; records that cannot be mapped are put
        in error. Returns ``{record: mapped}`` for the others (None for a
        deleted record). A record stored applied in advance (``presets``) was
        mapped then, from the same data."""
        mapped = {}
        presets = presets or {}
        for record in self:
            try:
                mapped[record] = record._mapped(presets.get(record.id))
            except MappingError as error:
                record._set_error(error.field, error.reason)
        return mapped

    def _mapped(self, preset):
        if preset:
            return preset["mapped"]
        return None if self.deleted else map_record(self.record_type, self.payload or {})

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
        customer_values = {record: record._customer_values(partners.get(record), mapped[record]) for record in applied}
        specs = {record: (customer_values[record]["partner_id"], mapped[record]["events"])
                 for record in applied if mapped[record] is not None}
        applied.filtered("deleted")._archive_customer_events()
        self.env["optical.crm.event"]._focus_sync(specs)
        applied._set_applied(statuses, customer_values, presets)
        self._record_errors(statuses)

    def _customer_values(self, partner, mapped):
        """The values of an applied customer record: its partner (``partner``
        brought into Odoo, else the one bound), its warnings."""
        return {"partner_id": (partner or self.partner_id).id, "customer_focus_id": self.focus_id,
                "warnings": (mapped or {}).get("warnings")}

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
        specs, values_by_record, waiting = self._event_outcomes(self._map(presets), presets)
        if presets:
            # Stored applied in advance, but not applied now after all.
            self.browse([record.id for record in self if record.id in presets
                         and record not in values_by_record])._reset_presets()
        self.browse([record.id for record in waiting])._set_waiting(waiting)
        self.env["optical.crm.event"]._focus_sync(specs)
        self.browse([record.id for record in values_by_record])._set_applied(statuses, values_by_record, presets)
        self._record_errors(statuses)

    def _event_outcomes(self, mapped, presets=None):
        """What applying the mapped records (``{record: mapped or None}``)
        makes of each: ``specs`` of their events, the values of the records
        applied, the FOCUS customer of those that wait. A deleted record's
        events are archived. The partner of a record stored applied in
        advance (``presets``) was looked up then, in this transaction."""
        presets = presets or {}
        customers = self._customer_partners({
            (record.store_id.id, result["customer"]) for record, result in mapped.items()
            if result is not None and record.id not in presets})
        customers.update({(record.store_id.id, presets[record.id]["customer_focus_id"]): presets[record.id]["partner_id"]
                          for record in mapped if record.id in presets})
        specs, values_by_record, waiting = {}, {}, {}
        for record, result in mapped.items():
            partner_id = result and customers.get((record.store_id.id, result["customer"]))
            if result is None:
                record._archive_events()
                values_by_record[record] = {}
            elif not partner_id:
                waiting[record] = result["customer"]
            else:
                specs[record] = (partner_id, result["events"])
                values_by_record[record] = {"partner_id": partner_id, "customer_focus_id": result["customer"],
                                            "warnings": result["warnings"]}
        return specs, values_by_record, waiting

    def _archive_events(self):
        """A record deleted in FOCUS: its events are archived."""
        if self.event_ids:
            self.event_ids.write({"active": False})

    # ------------------------------------------------------------------
    # The state of applied records, one UPDATE per batch
    # ------------------------------------------------------------------

    def _set_error(self, field, reason, state="error"):
        self.write({"state": state, "error_field": field, "error_message": reason})

    def _set_waiting(self, customers):
        """These records wait for their customer (``customers``: {record:
        FOCUS customer id})."""
        self._write_per_row(
            ["state", "customer_focus_id", "error_field", "error_message"],
            [(record.id, "waiting", customers[record], "cliente",
              "customer %s has not arrived from FOCUS yet" % customers[record]) for record in self])

    def _set_applied(self, statuses, values_by_record, presets=None):
        """Mark these records applied, with their customer: one UPDATE for the
        whole batch (a write per record costs more than the rest of the batch).
        A record stored applied in advance with these very values
        (``presets``, :meth:`_insert_received`) is not written again."""
        presets = presets or {}
        to_write = []
        for record in self:
            value = values_by_record.get(record, {})
            preset = presets.get(record.id)
            statuses[record.id] = answer(record.record_type, record.focus_id, record._applied_status(preset),
                                         warnings=value.get("warnings"))
            if not _preset_matches(preset, value):
                to_write.append((record, value))
        self.browse([record.id for record, _value in to_write])._write_applied(
            [value for _record, value in to_write])

    def _applied_status(self, preset):
        if self.deleted:
            return "deleted"
        return "updated" if self.applied_date and not preset else "created"

    def _write_applied(self, values):
        """The UPDATE of :meth:`_set_applied`: ``values`` aligned with ``self``;
        a record without a partner (or customer) in its values keeps its own."""
        now = fields.Datetime.now()
        self._write_per_row(
            ["state", "applied_date", "error_field", "error_message", "partner_id", "customer_focus_id", "warnings",
             "has_warnings"],
            [(record.id, "applied", now, None, None,
              value.get("partner_id") or record.partner_id.id or None,
              value.get("customer_focus_id") or record.customer_focus_id or None,
              json.dumps(value["warnings"]) if value.get("warnings") else None, bool(value.get("warnings")))
             for record, value in zip(self, values, strict=True)])
        self.env["res.partner"].invalidate_model(["optical_focus_record_ids"])

    def _reset_presets(self):
        """Records stored applied in advance (:meth:`_insert_received`) back
        to received (or the state applying them gave them), as
        :meth:`_insert_received` stores any other."""
        self._write_per_row(
            ["state", "partner_id", "customer_focus_id", "warnings", "has_warnings", "applied_date"],
            [(record.id, "received" if record.state == "applied" else record.state, None, None, None, False, None)
             for record in self])
        self.env["res.partner"].invalidate_model(["optical_focus_record_ids"])

    def _record_errors(self, statuses):
        for record in self.filtered(lambda r: r.state in ("error", "waiting")):
            statuses[record.id] = record._status("error")


def _preset_matches(preset, value):
    """Whether a record stored applied in advance holds ``value`` already."""
    return bool(preset) and (preset["partner_id"], preset["customer_focus_id"], preset["warnings"]) == (
        value.get("partner_id"), value.get("customer_focus_id"), list(value.get("warnings") or []) or None)
