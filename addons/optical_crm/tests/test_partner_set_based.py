"""The set-based creation of customers is held to ``res.partner.create``:
the same values give the same rows, field by field, and the same side effects
by both paths, with the same rights."""
from odoo.exceptions import AccessError
from odoo.models import BaseModel
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import OpticalCrmCase

QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True,
         "mail_notrack": True}
# Overrides of create whose effects _create_set_based does itself (mail.thread's
# with tracking_disable: nothing; base's for a partner without parent or website:
# nothing but syncing children it has not yet) or refers to create.
KNOWN_CREATES = {"odoo.addons.base.models.res_partner", "odoo.addons.mail.models.mail_thread"}
# Compared through the partner's id, which differs by path.
BY_ID = {"id", "commercial_partner_id", "create_date", "write_date"}


class Rollback(Exception):
    """Carries what a path produced out of the savepoint it undoes."""


@tagged("post_install", "-at_install")
class TestPartnerSetBased(OpticalCrmCase):

    def vals_list(self):
        italy = self.env.ref("base.it")
        return [
            {"name": "Mario Verdi", "mobile": "+39 347 123 4567", "phone": "02 1234567",
             "email": "Mario.Verdi@Example.com", "street": "Via Roma 1", "zip": "20100", "city": "Milano",
             "country_id": italy.id, "state_id": self.env["res.country.state"].search(
                 [("country_id", "=", italy.id), ("code", "=", "MI")], limit=1).id,
             "title": self.env.ref("base.res_partner_title_mister").id, "company_id": self.shop_a.id,
             "optical_consent_marketing": True, "optical_consent_sms": True, "user_id": False},
            {"name": "Lucia Neri", "company_id": self.shop_a.id, "email": "lucia.neri@example.com"},
            {"name": "Ottica Amica", "is_company": True, "company_id": self.shop_a.id, "lang": "en_US"},
            {"name": "Senza negozio", "mobile": "+393471234568", "email": '"Anna" <ANNA@example.com>'},
        ]

    def outcome(self, create):
        """Rows, values as read and side effects of ``create(vals_list)``, then undone."""
        env = create.__self__.env
        self.env.invalidate_all()
        try:
            with self.env.cr.savepoint():
                partners = create(self.vals_list())
                read = [{
                    "commercial is self": partner.commercial_partner_id == partner,
                    **{name: partner[name] for name in (
                        "display_name", "complete_name", "phone_sanitized", "email_normalized", "partner_share",
                        "user_id", "optical_shop_id", "image_128", "is_blacklisted", "phone_blacklisted",
                        "mobile_blacklisted", "lang", "tz", "active", "type", "company_id")},
                } for partner in partners]
                env.flush_all()
                self.env.cr.execute("SELECT * FROM res_partner WHERE id = ANY(%s) ORDER BY id", [partners.ids])
                names = [column.name for column in self.env.cr.description]
                rows = []
                for values in self.env.cr.fetchall():
                    row = dict(zip(names, values, strict=True))
                    self.assertEqual(row["commercial_partner_id"], row["id"])
                    rows.append({name: value for name, value in row.items() if name not in BY_ID})
                counts = {}
                for table, model in (("mail_followers", "res_model"), ("mail_message", "model"),
                                     ("ir_attachment", "res_model")):
                    self.env.cr.execute(
                        "SELECT count(*) FROM %s WHERE %s = 'res.partner' AND res_id = ANY(%%s)" % (table, model),
                        [partners.ids])
                    counts[table] = self.env.cr.fetchone()[0]
                raise Rollback({"rows": rows, "read": read, "counts": counts})
        except Rollback as done:
            self.env.invalidate_all()
            return done.args[0]

    def assertSameOutcome(self, by_set, by_create):
        self.assertEqual(len(by_set["rows"]), len(by_create["rows"]))
        for row_set, row_create in zip(by_set["rows"], by_create["rows"], strict=True):
            for name in row_create:
                self.assertEqual(row_set[name], row_create[name], "%s of %s" % (name, row_create["name"]))
        self.assertEqual(by_set["read"], by_create["read"])
        self.assertEqual(by_set["counts"], by_create["counts"])

    def test_same_rows_and_side_effects_as_create(self):
        Partner = self.env["res.partner"].with_context(**QUIET)
        by_create = self.outcome(Partner.create)
        by_set = self.outcome(Partner._create_set_based)
        # The case shows what create computes: sanitized phone, normalized e-mail, complete name.
        first = by_create["rows"][0]
        self.assertEqual(first["phone_sanitized"], "+393471234567")
        self.assertEqual(first["email_normalized"], "mario.verdi@example.com")
        self.assertEqual(first["complete_name"], "Mario Verdi")
        self.assertTrue(first["partner_share"])
        self.assertSameOutcome(by_set, by_create)

    def test_same_as_create_for_a_shop_assistant(self):
        """A shop assistant (who may create contacts: Shop staff implies Contact Creation)
        creates customers of their shop by both paths alike; an internal user without that
        right is refused by both."""
        plain = new_test_user(self.env, "plain_internal", groups="base.group_user",
                              company_id=self.shop_a.id, company_ids=[self.shop_a.id])
        Plain = self.env["res.partner"].with_user(plain).with_context(**QUIET)
        for create in (Plain.create, Plain._create_set_based):
            with self.subTest(create=create.__name__), self.assertRaises(AccessError), \
                    mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                create([{"name": "Cliente di A", "company_id": self.shop_a.id}])
        self.assertTrue(self.staff_a.has_group("base.group_partner_manager"))
        Partner = self.env["res.partner"].with_user(self.staff_a).with_context(**QUIET)
        vals_list = self.vals_list
        self.vals_list = lambda: vals_list()[:2]  # their shop's customers
        self.assertSameOutcome(self.outcome(Partner._create_set_based), self.outcome(Partner.create))

    def test_staff_of_another_shop_is_refused_by_both(self):
        self.staff_b.groups_id |= self.env.ref("base.group_partner_manager")
        Partner = self.env["res.partner"].with_user(self.staff_b).with_context(**QUIET)
        for create in (Partner.create, Partner._create_set_based):
            with self.subTest(create=create.__name__), self.assertRaises(AccessError), \
                    mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                create([{"name": "Cliente di A", "company_id": self.shop_a.id}])

    def test_what_it_does_not_do_goes_through_create(self):
        """Chatter on, a parent company: create itself does it (its followers, its message, its sync)."""
        Partner = self.env["res.partner"].with_context(tracking_disable=False, mail_create_nolog=False)
        parent = self.env["res.partner"].create({"name": "Ottica Amica", "is_company": True, "city": "Milano"})
        partners = Partner._create_set_based([{"name": "Anna Rossi"},
                                              {"name": "Paolo Rossi", "parent_id": parent.id}])
        self.assertTrue(partners[0].message_ids)
        self.assertEqual(partners[1].commercial_partner_id, parent)
        self.assertEqual(partners[1].city, "Milano")

    def test_whatever_extends_create_extends_the_set_based_path(self):
        """A module overriding res.partner's create must teach _create_set_based the same
        (then add it to KNOWN_CREATES)."""
        Partner = self.env["res.partner"]
        for cls in type(Partner).__mro__:
            if cls is not BaseModel and "create" in vars(cls) and issubclass(cls, BaseModel) \
                    and cls.__module__.startswith("odoo.addons.") and cls.__module__ not in KNOWN_CREATES:
                self.assertIn("_create_set_based", vars(cls), "%s overrides create only" % cls)
