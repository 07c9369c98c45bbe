from odoo import api, fields, models

# Event fields a FOCUS record sets (the rest is the event's own business).
FOCUS_EVENT_FIELDS = ("partner_id", "event_date", "lens_type", "description", "amount", "data")


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
        New events are created in one batch.
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
                event = existing.get((record.id, event_type))
                if mapped is None:
                    if event and event.active:
                        to_archive |= event
                    continue
                values = {
                    "partner_id": partner_id,
                    "event_date": mapped["event_date"],
                    "lens_type": mapped.get("lens_type", False),
                    "description": mapped.get("description", False),
                    "amount": mapped.get("amount", 0.0),
                    "data": mapped.get("data") or False,
                }
                if not event:
                    # Empty values are the defaults: leaving them out spares the ORM converting
                    # them (a zero amount is rounded in the shop's currency, one event at a time).
                    to_create.append(dict({name: value for name, value in values.items() if value},
                                          event_type=event_type, company_id=record.company_id.id,
                                          source="focus", focus_record_id=record.id))
                    continue
                changes = {name: value for name, value in values.items() if event._focus_differs(name, value)}
                if not event.active:
                    changes["active"] = True
                if changes:
                    event.write(changes)
        if to_archive:
            to_archive.write({"active": False})
        return self.create(to_create)

    def _focus_differs(self, name, value):
        current = self[name]
        if isinstance(current, models.BaseModel):
            return current.id != (value or False)
        if name == "amount":
            return round(current or 0.0, 2) != round(value or 0.0, 2)
        return (current or False) != (value or False)
