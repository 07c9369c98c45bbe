import json

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.optical_crm.models.optical_crm_event import PURCHASE_EVENT_TYPES

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
        return self._focus_insert(to_create)

    @api.model
    def _focus_insert(self, vals_list):
        """Create the new events of FOCUS records in one statement: the
        mappers validated every value, and events are this project's own
        table. What ``create`` does beyond the rows is done for the batch:
        ``is_purchase``, the amount rounded in the shop's currency, the
        customers' shop recomputed by its one rule (``optical_shop_id``) and
        the supersede rule (``_optical_events_added``)."""
        if not vals_list:
            return self.browse()
        companies = self.env["res.company"].browse({vals["company_id"] for vals in vals_list})
        currencies = {company.id: company.currency_id for company in companies}
        for vals in vals_list:
            # What the ORM checks on create, kept: a value the column cannot hold fails here, not in SQL.
            self._fields["event_type"].convert_to_cache(vals["event_type"], self)
            self._fields["lens_type"].convert_to_cache(vals.get("lens_type") or False, self)
        now = fields.Datetime.now()
        self.env.cr.execute(SQL(
            """INSERT INTO optical_crm_event
                      (partner_id, event_type, event_date, lens_type, company_id, active, source, description,
                       amount, data, is_purchase, focus_record_id, create_uid, write_uid, create_date, write_date)
               SELECT v.partner_id, v.event_type, v.event_date, v.lens_type, v.company_id, TRUE, 'focus',
                      v.description, v.amount, v.data::jsonb, v.event_type = ANY(%(purchases)s), v.record_id,
                      %(uid)s, %(uid)s, %(now)s, %(now)s
                 FROM unnest(%(partners)s::int[], %(types)s::varchar[], %(dates)s::date[], %(lenses)s::varchar[],
                             %(companies)s::int[], %(descriptions)s::varchar[], %(amounts)s::numeric[],
                             %(data)s::text[], %(records)s::int[])
                      AS v(partner_id, event_type, event_date, lens_type, company_id, description, amount, data,
                           record_id)
            RETURNING id""",
            purchases=list(PURCHASE_EVENT_TYPES), uid=self.env.uid, now=now,
            partners=[vals["partner_id"] for vals in vals_list],
            types=[vals["event_type"] for vals in vals_list],
            dates=[vals["event_date"] for vals in vals_list],
            lenses=[vals.get("lens_type") or None for vals in vals_list],
            companies=[vals["company_id"] for vals in vals_list],
            descriptions=[vals.get("description") or None for vals in vals_list],
            amounts=[currencies[vals["company_id"]].round(vals["amount"]) if vals.get("amount") else None
                     for vals in vals_list],
            data=[json.dumps(vals["data"]) if vals.get("data") else None for vals in vals_list],
            records=[vals["focus_record_id"] for vals in vals_list],
        ))
        events = self.browse([row[0] for row in self.env.cr.fetchall()])
        partners = self.env["res.partner"].browse({vals["partner_id"] for vals in vals_list})
        records = self.env["optical.focus.record"].browse({vals["focus_record_id"] for vals in vals_list})
        partners.invalidate_recordset(["optical_event_ids"])
        records.invalidate_recordset(["event_ids"])
        # The customer's shop follows their most recent event: one statement,
        # writing only the customers whose shop changes.
        partners._optical_update_shops(partners.ids)
        events._optical_events_added()
        return events

    def _focus_differs(self, name, value):
        current = self[name]
        if isinstance(current, models.BaseModel):
            return current.id != (value or False)
        if name == "amount":
            return round(current or 0.0, 2) != round(value or 0.0, 2)
        return (current or False) != (value or False)
