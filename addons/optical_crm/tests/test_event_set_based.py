"""The set-based creation of events is held to ``create``: the same values
give the same rows and the same side effects by both paths."""
import datetime

from odoo.exceptions import AccessError, UserError
from odoo.models import BaseModel
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import OpticalCrmCase

D = datetime.date

# The stored computed fields new events may change: the set-based path sets
# each of them (is_purchase in its INSERT, the customer's shop by
# _optical_update_shops); a new event has no communication yet, so the
# communications' callback deadline does not move.
KNOWN_DEPENDENTS = {
    "optical.crm.event.is_purchase",
    "res.partner.optical_shop_id",
    "optical.crm.communication.callback_deadline",
    # optical_crm_sms: read in the country of the customer's shop; the set-based path
    # updates them through _optical_update_shops -> _optical_shops_changed.
    "res.partner.optical_sms_number",
    "res.partner.optical_sms_status",
}


class Rollback(Exception):
    """Carries what a path produced out of the savepoint it undoes."""


@tagged("post_install", "-at_install")
class TestEventSetBased(OpticalCrmCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cycle("glasses_delivery", [(1, "weeks", "phone", "service"), (12, "months", "export")],
                  lens_type="progressive", supersede=True)
        cls.old = cls.event(cls.mario, "glasses_delivery", D(2025, 1, 10), lens_type="progressive")
        cls.Communication._plan_company(cls.shop_a, D(2025, 1, 1), D(2026, 2, 1))
        # A contact as Odoo creates it: no company; its shop comes from its most recent event.
        cls.walk_in = cls.env["res.partner"].create({"name": "Lucia Neri"})
        cls.partners = cls.mario | cls.lucia | cls.walk_in

    def vals_list(self):
        return [
            {"partner_id": self.mario.id, "event_type": "glasses_delivery", "event_date": D(2025, 6, 5),
             "lens_type": "progressive", "company_id": self.shop_a.id, "amount": 123.456,
             "description": "New pair", "data": {"montatura": "Ray-Ban"}},
            {"partner_id": self.walk_in.id, "event_type": "glasses_entry", "event_date": D(2025, 6, 1),
             "company_id": self.shop_b.id, "amount": 0.0, "source": "focus"},
            {"partner_id": self.lucia.id, "event_type": "sale_delivery", "event_date": D(2025, 5, 1)},
            {"partner_id": self.lucia.id, "event_type": "optometry", "event_date": D(2025, 5, 2),
             "active": False, "data": {}},
        ]

    def outcome(self, create):
        """Rows and side effects of ``create(vals_list)``, then undone."""
        self.env.invalidate_all()
        # Read before, as a writer would have them in its cache.
        self.partners.mapped("optical_event_ids")
        self.partners.mapped("optical_shop_id")
        try:
            with self.env.cr.savepoint():
                events = create(self.vals_list())
                seen_in_cache = {
                    # As the caller reads them next, from the cache the creation left.
                    "events": [(e.event_type, e.event_date, e.lens_type, e.description, e.data, e.active, e.source,
                                e.partner_id.id, e.is_purchase, e.amount, e.company_id.id) for e in events],
                    "customers' events": {p.name: sorted(p.optical_event_ids.mapped("event_date"))
                                          for p in self.partners},
                    "customers' shops": {p.name: p.optical_shop_id.name for p in self.partners},
                }
                self.env.flush_all()
                self.env.cr.execute("SELECT * FROM optical_crm_event WHERE id = ANY(%s) ORDER BY id", [events.ids])
                columns = [column.name for column in self.env.cr.description]
                rows = [{name: value for name, value in zip(columns, row, strict=True)
                         if name not in ("id", "create_date", "write_date")} for row in self.env.cr.fetchall()]
                self.env.cr.execute(
                    "SELECT id, state, skip_reason FROM optical_crm_communication WHERE partner_id = ANY(%s) "
                    "ORDER BY id", [self.partners.ids])
                communications = self.env.cr.fetchall()
                self.env.cr.execute("SELECT id, optical_shop_id FROM res_partner WHERE id = ANY(%s) ORDER BY id",
                                    [self.partners.ids])
                raise Rollback({"rows": rows, "communications": communications, "shops": self.env.cr.fetchall(),
                                **seen_in_cache})
        except Rollback as done:
            self.env.invalidate_all()
            return done.args[0]

    def test_same_rows_and_side_effects_as_create(self):
        Event = self.env["optical.crm.event"]
        by_create = self.outcome(Event.create)
        by_set = self.outcome(Event._create_set_based)
        # The case shows each side effect: the rows carry what create adds, the old pair's
        # pending step is superseded, the walk-in customer gets a shop.
        self.assertEqual([row["is_purchase"] for row in by_create["rows"]], [False, True, True, False])
        self.assertEqual([row["company_id"] for row in by_create["rows"]][2], self.shop_a.id)
        self.assertEqual(by_create["rows"][0]["amount"], 123.46)
        self.assertIn("cancelled", {state for _id, state, _reason in by_create["communications"]})
        self.assertEqual(by_create["customers' shops"]["Lucia Neri"], self.shop_b.name)
        for key in by_create:
            self.assertEqual(by_set[key], by_create[key], key)

    def test_both_refuse_the_same_values(self):
        Event = self.env["optical.crm.event"]
        base = {"partner_id": self.mario.id, "event_type": "glasses_delivery", "event_date": D(2025, 6, 5)}
        refused = [
            # A customer of another shop.
            ({"company_id": self.shop_b.id}, UserError),
            ({"event_type": "no_such_type"}, ValueError),
        ]
        for create in (Event.create, Event._create_set_based):
            for values, error in refused:
                with self.subTest(create=create.__name__, values=values), \
                        self.assertRaises(error), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                    create([dict(base, **values)])

    def test_staff_of_another_shop_is_refused_by_both(self):
        Event = self.env["optical.crm.event"].with_user(self.staff_b)
        values = {"partner_id": self.mario.id, "event_type": "optometry", "event_date": D(2025, 6, 5),
                  "company_id": self.shop_a.id}
        for create in (Event.create, Event._create_set_based):
            with self.subTest(create=create.__name__), self.assertRaises(AccessError), \
                    mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                create([values])

    def test_whatever_extends_create_extends_the_set_based_path(self):
        """A module overriding create, or adding a stored field that new events
        change, must teach _create_set_based the same (then update this list)."""
        Event = self.env["optical.crm.event"]
        for cls in type(Event).__mro__:
            if cls is not BaseModel and "create" in vars(cls) and issubclass(cls, BaseModel) \
                    and cls.__module__.startswith("odoo.addons.") \
                    and cls._name != "optical.crm.shop.mixin":  # its check: _set_based_created calls it
                self.assertIn("_create_set_based", vars(cls), "%s overrides create only" % cls)
        tree = self.registry.get_trigger_tree(list(Event._fields.values()))
        dependents = {str(field) for node in tree.depth_first() for field in node.root if field.store}
        self.assertLessEqual(dependents, KNOWN_DEPENDENTS)
        self.assertEqual([name for name, field in Event._fields.items() if getattr(field, "check_company", False)],
                         ["partner_id"])
