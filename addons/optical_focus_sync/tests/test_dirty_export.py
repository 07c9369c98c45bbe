import base64
import json

from odoo.tests import Form, tagged

from .common import FocusSyncCase

# What a real FOCUS export holds besides clean rows: (FOCUS field, value) → what is kept.
DIRTY_CUSTOMER_VALUES = [
    ("telefono", "036 7492492"),       # a landline with an unknown area code: kept as written
    ("telefono", "0"),                 # not a number at all: dropped
    ("email", "mario.rossi.example.com"),
    ("email", "rossi@"),
    ("data_nascita", "31/02/1980"),
    ("data_nascita", "1980-00-12"),
    ("cellulare", "12"),
    ("codice_fiscale", "RSSMRA85T10A562X"),
    ("provincia", "XX"),
    ("cap", "2012"),
    ("sesso", "?"),
    ("consenso_sms", "forse"),
    ("data_creazione", "2020-02-30"),
]


@tagged("post_install", "-at_install", "optical_focus_sync")
class TestDirtyExport(FocusSyncCase):
    """A FOCUS export as dirty as a real one: every customer and every event
    arrives; each dropped value is named in the record's warnings."""

    def export(self, customers=30):
        records, expected = [], {}  # (type, id) → the FOCUS fields its warnings must name
        for number in range(customers):
            customer = self.dirty_customer(number, expected)
            glasses, supply, exam, sale = self.dirty_events(number, expected)
            # FOCUS sends a customer's records before or after the customer, as it pleases.
            records += [glasses, customer, supply, exam, sale] if number % 2 else [customer, glasses, supply, exam, sale]
        return records, expected

    def dirty_customer(self, number, expected):
        focus_id = "C%03d" % number
        data = {"cognome": "CLIENTE%03d" % number, "nome": "ANNA", "cellulare": "347%07d" % number,
                "email": "anna%s@example.com" % number, "codice_fiscale": None, "data_nascita": "1980-05-%02d" % (1 + number % 28)}
        if number % 2 == 0:
            field, value = DIRTY_CUSTOMER_VALUES[(number // 2) % len(DIRTY_CUSTOMER_VALUES)]
            data[field] = value
            expected[("cliente", focus_id)] = [field]
        return self.cliente(focus_id, **data)

    def dirty_events(self, number, expected):
        focus_id = "C%03d" % number
        glasses = self.record("occhiale", "O%03d" % number, cliente=focus_id, data_consegna="2026-01-%02d" % (1 + number % 28),
                              tipo_lente="lenticolare" if number % 3 == 0 else "progressiva",
                              importo="12,50" if number % 3 else "dodici")
        expected[("occhiale", "O%03d" % number)] = ["tipo_lente", "importo"] if number % 3 == 0 else []
        supply = self.record("fornitura_lac", "L%03d" % number, cliente=focus_id, data_consegna="2026-01-05",
                             data_prossima_fornitura="05/04/2026", quantita="sei" if number % 5 == 0 else "6")
        expected[("fornitura_lac", "L%03d" % number)] = ["quantita"] if number % 5 == 0 else []
        exam = self.record("optometria", "E%03d" % number, cliente=focus_id, data="2026-01-03", note="OD -1,25")
        sale = self.record("vendita", "V%03d" % number, cliente=focus_id, data_consegna="2026-01-04",
                           importo="1.234,50" if number % 4 else "tanti")
        expected[("vendita", "V%03d" % number)] = ["importo"] if number % 4 == 0 else []
        expected[("optometria", "E%03d" % number)] = []
        return glasses, supply, exam, sale

    def assertEverythingArrived(self, customers, expected, store=None):
        records = self.Record.search([("store_id", "=", (store or self.store_a).id)])
        self.assertEqual(len(records), customers * 5)
        self.assertEqual(set(records.mapped("state")), {"applied"})
        partners = records.filtered(lambda r: r.record_type == "cliente").partner_id
        self.assertEqual(len(partners), customers)
        events = self.Event.search([("partner_id", "in", partners.ids)])
        # new_customer (except the one whose creation date is bad), glasses, 2 supply, exam, sale.
        self.assertEqual(len(events.filtered(lambda e: e.event_type != "new_customer")), customers * 5)
        self.assertEqual(set(events.mapped("active")), {True})
        for record in records:
            self.assertEqual([warning["field"] for warning in record.warnings or []],
                             expected.setdefault((record.record_type, record.focus_id), []),
                             "%s %s" % (record.record_type, record.focus_id))
        return partners, events

    def test_dirty_export_through_the_route(self):
        records, expected = self.export()
        answer = self.send(*records)
        self.assertFalse([r for r in answer["results"] if r["status"] in ("error", "waiting")
                          and (r["type"], r["id"]) not in {(x["type"], x["id"]) for x in answer["released"]}])
        partners, events = self.assertEverythingArrived(30, expected)
        # What was kept, as a shop looks at it.
        landline = self.focus_record("cliente", "C000").partner_id
        self.assertEqual(landline.phone, "036 7492492")
        self.assertEqual(self.focus_record("cliente", "C000").warnings,
                         [{"field": "telefono", "reason": "'036 7492492' is not a valid phone number, kept as written"}])
        bad_birth = self.focus_record("cliente", "C008")
        self.assertFalse(bad_birth.partner_id.birthdate)
        self.assertIn("31/02/1980", bad_birth.warning_text)
        no_at = self.focus_record("cliente", "C004")
        self.assertFalse(no_at.partner_id.email)
        self.assertEqual(no_at.partner_id.mobile, "+393470000004")
        # The answer to FOCUS names each field too.
        status = next(r for r in answer["results"] if r["id"] == "C004")
        self.assertEqual((status["status"], [w["field"] for w in status["warnings"]]), ("created", ["email"]))
        glasses = self.focus_record("occhiale", "O003").event_ids.filtered(lambda e: e.event_type == "glasses_delivery")
        self.assertEqual((glasses.lens_type, glasses.amount), ("other", 0.0))
        self.assertEqual(self.focus_record("occhiale", "O001").event_ids.amount, 12.5)
        self.assertEqual(self.focus_record("vendita", "V001").event_ids.amount, 1234.5)
        self.assertEqual(self.store_a.warning_count, len([f for f in expected.values() if f]))
        # Sent again, the same: a later FOCUS update with a corrected value clears the warning.
        self.send(self.cliente("C004", updated_at="2026-02-01T00:00:00", cognome="CLIENTE004", nome="ANNA",
                               cellulare="3470000004", email="anna4@example.com", codice_fiscale=None))
        no_at.invalidate_recordset()
        self.assertEqual((no_at.partner_id.email, no_at.warnings, no_at.has_warnings),
                         ("anna4@example.com", False, False))

    def test_a_dropped_value_keeps_what_odoo_had(self):
        self.send(self.cliente("C1", telefono="02 1234567"))
        partner = self.focus_record("cliente", "C1").partner_id
        self.send(self.cliente("C1", updated_at="2026-02-01T00:00:00", telefono="0", email="mario@"))
        self.assertEqual((partner.phone, partner.email), ("+39021234567", "mario.rossi@example.com"))

    def test_dirty_export_through_the_import_wizard(self):
        records, expected = self.export(customers=12)
        content = "\n".join(json.dumps(record) for record in records).encode()
        form = Form(self.env["optical.focus.import.wizard"].with_user(self.owner).with_context(
            default_store_id=self.store_a.id))
        form.file = base64.b64encode(content)
        wizard = form.save()
        wizard.action_import()
        self.assertEqual((wizard.created_count, wizard.error_count, wizard.waiting_count), (60, 0, 0))
        self.assertEverythingArrived(12, expected)
        self.assertIn("cliente C000: telefono: '036 7492492' is not a valid phone number", wizard.warning_report)
        self.assertIn("fornitura_lac L000: quantita:", wizard.warning_report)
        self.assertEqual(wizard.warning_count, len(self.Record.search([("has_warnings", "=", True)])))
