from odoo import api, fields, models


class OpticalCrmEvent(models.Model):
    _inherit = "optical.crm.event"

    focus_record_id = fields.Many2one(
        "optical.focus.record", "FOCUS record", index="btree_not_null", ondelete="set null", readonly=True,
        help="The FOCUS record this event comes from.",
    )

    @api.model
    def _focus_sync(self, specs):
        """Bring the events of FOCUS records in line with their mapped values.

        ``specs``: ``{focus record: (partner id, {event_type: values or None})}``.
        A new date creates the event, a changed one moves it (core moves its
        pending communications), a date gone archives it (core cancels them).
        New events are created in one batch (:meth:`_focus_insert`).
        """
        if not specs:
            return self.browse()
        records = self.env["optical.focus.record"].browse([record.id for record in specs])
        existing = {
            (event.focus_record_id.id, event.event_type): event
            for event in self.with_context(active_test=False).search([("focus_record_id", "in", records.ids)])
        }
        to_create, to_archive = [], self.browse()
        for record, (partner_id, events) in specs.items():
            for event_type, mapped in events.items():
                event = existing.get((record.id, event_type), self.browse())
                if mapped is None:
                    to_archive |= event.filtered("active")
                elif event:
                    event._focus_update(_focus_values(partner_id, mapped))
                else:
                    to_create.append(_focus_new(record, event_type, _focus_values(partner_id, mapped)))
        if to_archive:
            to_archive.write({"active": False})
        return self._focus_insert(to_create)

    @api.model
    def _focus_insert(self, vals_list):
        """Create new events of FOCUS records in one statement, through core's
        :meth:`_create_set_based` (everything ``create`` does, for the batch)."""
        return self._create_set_based([dict(vals, source="focus") for vals in vals_list])

    def _focus_update(self, values):
        """Write what changed of ``values`` on this FOCUS event (archived: active again)."""
        changes = {name: value for name, value in values.items() if self._focus_differs(name, value)}
        if not self.active:
            changes["active"] = True
        if changes:
            self.write(changes)

    def _focus_differs(self, name, value):
        current = self[name]
        if isinstance(current, models.BaseModel):
            return current.id != (value or False)
        if name == "amount":
            return round(current or 0.0, 2) != round(value or 0.0, 2)
        return (current or False) != (value or False)


def _focus_new(record, event_type, values):
    """The values of a new event of a FOCUS record. Empty values are the
    defaults: leaving them out spares converting them."""
    return dict({name: value for name, value in values.items() if value},
                event_type=event_type, company_id=record.company_id.id, focus_record_id=record.id)


def _focus_values(partner_id, mapped):
    """The event fields a FOCUS record sets, from its mapped values."""
    return {
        "partner_id": partner_id,
        "event_date": mapped["event_date"],
        "lens_type": mapped.get("lens_type", False),
        "description": mapped.get("description", False),
        "amount": mapped.get("amount", 0.0),
        "data": mapped.get("data") or False,
    }
