"""A first load at speed keeps every answer: event records of customers
already in Odoo are stored applied in one statement, and whatever goes wrong
afterwards still leaves each record with its true status; a customer Odoo
refuses costs that customer only."""
import datetime

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import FocusSyncCase

MUTED = ("odoo.sql_db", "odoo.addons.optical_crm.models.optical_crm_batch_mixin")


@tagged("post_install", "-at_install", "optical_focus_sync")
class TestFocusFirstLoad(FocusSyncCase):

    def customer(self, focus_id, surname, number, updated_at="2026-01-10T09:00:00", **data):
        values = {"codice_fiscale": None, "cognome": surname, "cellulare": "347%07d" % number,
                  "email": "%s.%d@example.com" % (surname.lower(), number)}
        return self.cliente(focus_id, updated_at, **dict(values, **data))

    def test_records_of_customers_already_in_odoo_are_applied_in_one_go(self):
        self.send(self.customer("C1", "Verdi", 1), self.customer("C2", "Bianchi", 2))
        answer = self.send(
            self.record("occhiale", "O1", cliente="C1", data_consegna="2026-01-12", tipo_lente="trifocale"),
            self.record("vendita", "V1", cliente="C2", data_consegna="2026-01-04", importo="45,50"),
            self.record("optometria", "E1", cliente="C9", data="2026-01-03"),  # C9 has not arrived
            self.record("vendita", "V2", cliente="C1", data_consegna="2026-02-30"),  # no valid date
        )
        self.assertEqual([result["status"] for result in answer["results"]], ["created", "created", "waiting", "error"])
        self.assertEqual([w["field"] for w in answer["results"][0]["warnings"]], ["tipo_lente"])
        verdi = self.focus_record("cliente", "C1").partner_id
        bianchi = self.focus_record("cliente", "C2").partner_id
        glasses = self.focus_record("occhiale", "O1")
        self.assertEqual((glasses.state, glasses.partner_id, glasses.customer_focus_id), ("applied", verdi, "C1"))
        self.assertTrue(glasses.applied_date)
        self.assertIn("tipo_lente", glasses.warning_text)
        self.assertEqual(glasses.event_ids.mapped("lens_type"), ["other"])
        self.assertEqual(self.events(verdi, "glasses_delivery").event_date, datetime.date(2026, 1, 12))
        sale = self.focus_record("vendita", "V1")
        self.assertEqual((sale.state, sale.partner_id, sale.has_warnings), ("applied", bianchi, False))
        self.assertEqual(self.events(bianchi, "sale_delivery").amount, 45.5)
        self.assertEqual(set(verdi.optical_focus_record_ids.mapped("focus_id")), {"C1", "O1"})
        waiting = self.focus_record("optometria", "E1")
        self.assertEqual((waiting.state, waiting.partner_id, waiting.customer_focus_id), ("waiting", self.Partner, "C9"))
        bad = self.focus_record("vendita", "V2")
        self.assertEqual((bad.state, bad.error_field, bad.partner_id), ("error", "data_consegna", self.Partner))
        self.assertFalse(bad.applied_date)
        self.store_a.invalidate_recordset()
        self.assertEqual((self.store_a.applied_count, self.store_a.waiting_count, self.store_a.error_count,
                          self.store_a.warning_count), (4, 1, 1, 1))
        # Sent again, they are the version already received.
        replay = self.send(self.record("occhiale", "O1", cliente="C1", data_consegna="2026-01-12",
                                       tipo_lente="trifocale"))
        self.assertEqual(replay["results"][0]["status"], "unchanged")

    def test_a_record_odoo_refuses_after_it_was_stored_applied_is_in_error_alone(self):
        self.send(self.customer("C1", "Verdi", 1))
        verdi = self.focus_record("cliente", "C1").partner_id
        # A real database rule the mappers know nothing of (rolled back with the test).
        self.env.cr.execute("ALTER TABLE optical_crm_event ADD CONSTRAINT focus_test_no_far_future "
                            "CHECK (event_date < '2099-01-01')")
        with mute_logger(*MUTED):
            answer = self.send(
                self.record("optometria", "E1", cliente="C1", data="2026-01-03"),
                self.record("vendita", "V1", cliente="C1", data_consegna="2099-06-01", importo="x"),
                self.record("vendita", "V2", cliente="C1", data_consegna="2026-01-05"),
            )
        self.assertEqual([result["status"] for result in answer["results"]], ["created", "error", "created"])
        self.assertIn("focus_test_no_far_future", answer["results"][1]["reason"])
        refused = self.focus_record("vendita", "V1")
        self.assertEqual((refused.state, refused.error_field), ("error", "record"))
        # Nothing of the applied record it was not: no customer, no date applied, no warnings.
        self.assertEqual((refused.partner_id, refused.applied_date, refused.has_warnings), (self.Partner, False, False))
        self.assertFalse(refused.event_ids)
        self.assertEqual(set(self.events(verdi).mapped("event_type")), {"new_customer", "optometry", "sale_delivery"})
        for focus_id in ("E1", "V2"):
            record = self.Record.search([("focus_id", "=", focus_id)])
            self.assertEqual((record.state, record.partner_id), ("applied", verdi))
        # Corrected in Odoo and retried: applied, and answered as created the first time.
        self.env.cr.execute("ALTER TABLE optical_crm_event DROP CONSTRAINT focus_test_no_far_future")
        refused.action_retry()
        self.assertEqual((refused.state, refused.partner_id), ("applied", verdi))

    def test_a_batch_refused_after_its_new_customers_were_created_makes_each_once(self):
        self.send(self.customer("C1", "Verdi", 1))
        self.env.cr.execute("ALTER TABLE optical_crm_event ADD CONSTRAINT focus_test_no_far_future "
                            "CHECK (event_date < '2099-01-01')")
        # Nothing to find him by but his name: created twice should the first try be left behind.
        name_only = self.cliente("C2", codice_fiscale=None, cognome="Neri", cellulare=None, email=None)
        with mute_logger(*MUTED):
            answer = self.send(name_only, self.record("vendita", "V1", cliente="C1", data_consegna="2099-06-01"))
        self.assertEqual([result["status"] for result in answer["results"]], ["created", "error"])
        self.assertEqual(self.Partner.search_count([("name", "=", "Mario Neri")]), 1)
        neri = self.focus_record("cliente", "C2").partner_id
        self.assertEqual((neri.name, self.events(neri).event_type), ("Mario Neri", "new_customer"))

    def test_a_record_whose_customer_fails_in_the_same_batch_waits(self):
        self.send(self.customer("C1", "Verdi", 1))
        answer = self.send(
            self.record("occhiale", "O1", cliente="C1", data_consegna="2026-01-12"),
            self.customer("C1", "Verdi", 1, "2026-01-11T09:00:00", cognome=None, nome=None),
        )
        self.assertEqual([result["status"] for result in answer["results"]], ["waiting", "error"])
        glasses = self.focus_record("occhiale", "O1")
        self.assertEqual((glasses.state, glasses.partner_id, glasses.applied_date), ("waiting", self.Partner, False))
        self.assertFalse(glasses.event_ids)

    def test_a_customer_odoo_refuses_costs_that_customer_only(self):
        # A rule on contacts the mappers know nothing of (rolled back with the test).
        self.env.cr.execute("ALTER TABLE res_partner ADD CONSTRAINT focus_test_no_refused "
                            "CHECK (name IS NULL OR name NOT LIKE '%Refused%')")
        customers = [self.customer("C%03d" % number, "Refused" if number == 57 else "Verdi", number)
                     for number in range(120)]
        with mute_logger(*MUTED):
            answer = self.send(*customers, self.record("optometria", "E1", cliente="C057", data="2026-01-03"),
                               self.record("optometria", "E2", cliente="C058", data="2026-01-03"))
        statuses = [result["status"] for result in answer["results"]]
        self.assertEqual(statuses, ["created"] * 57 + ["error"] + ["created"] * 62 + ["waiting", "created"])
        self.assertEqual(answer["results"][57]["field"], "record")
        self.assertIn("focus_test_no_refused", answer["results"][57]["reason"])
        self.assertEqual(self.Partner.search_count([("company_id", "=", self.shop_a.id), ("name", "=like", "% Verdi")]),
                         119)
        self.assertEqual(self.focus_record("cliente", "C057").state, "error")
        self.assertEqual(self.focus_record("optometria", "E2").partner_id, self.focus_record("cliente", "C058").partner_id)

    def test_two_copies_of_a_new_customer_and_their_records_make_one_customer(self):
        answer = self.send(
            self.customer("C1", "Verdi", 1, "2026-01-11T09:00:00", nome="Marco"),
            self.record("occhiale", "O1", cliente="C1", data_consegna="2026-01-12"),
            self.customer("C1", "Verdi", 1, nome="Mario"),
        )
        self.assertEqual([result["status"] for result in answer["results"]], ["created", "created", "ignored"])
        customer = self.focus_record("cliente", "C1").partner_id
        self.assertEqual(customer.name, "Marco Verdi")
        self.assertEqual(self.Partner.search_count([("mobile", "=", "+393470000001")]), 1)
        self.assertEqual(self.focus_record("occhiale", "O1").partner_id, customer)
        self.assertEqual(set(self.events(customer).mapped("event_type")), {"new_customer", "glasses_delivery"})
