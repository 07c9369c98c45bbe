import datetime
import json

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import FocusSyncCase


@tagged("post_install", "-at_install", "optical_focus_sync")
class TestFocusBatch(FocusSyncCase):

    def test_cliente_creates_customer_and_new_customer_event(self):
        answer = self.send(self.cliente("C1", sesso="M", indirizzo="Via Roma 1", cap="20121",
                                        telefono="02 1234567"))
        self.assertEqual(self.statuses(answer), [("cliente", "C1", "created")])
        self.assertEqual(answer["counts"], {"created": 1})
        partner = self.focus_record("cliente", "C1").partner_id
        self.assertEqual(partner.name, "Mario Rossi")
        self.assertEqual(partner._optical_first_name(), "Mario")
        self.assertEqual(partner.company_id, self.shop_a)
        self.assertEqual(partner.mobile, "+393471234567")
        self.assertEqual(partner.phone, "+39021234567")
        self.assertEqual(partner.email, "mario.rossi@example.com")
        self.assertEqual((partner.street, partner.zip, partner.city), ("Via Roma 1", "20121", "Milano"))
        self.assertEqual(partner.state_id.code, "MI")
        self.assertEqual(partner.country_id, self.env.ref("base.it"))
        self.assertEqual(partner.birthdate, datetime.date(1985, 12, 10))
        self.assertEqual(partner.optical_fiscal_code, "RSSMRA85T10A562S")
        self.assertEqual(partner.title, self.env.ref("base.res_partner_title_mister"))
        self.assertTrue(partner.optical_consent_marketing)
        self.assertTrue(partner.optical_consent_sms)
        self.assertFalse(partner.optical_consent_app)
        event = self.events(partner)
        self.assertEqual(len(event), 1)
        self.assertEqual((event.event_type, event.event_date, event.source, event.company_id),
                         ("new_customer", datetime.date(2020, 3, 1), "focus", self.shop_a))

    def test_events_of_every_record_type(self):
        answer = self.send(
            self.cliente("C1"),
            self.record("fornitura_lac", "L1", cliente="C1", data_inserimento="2026-01-02",
                        data_consegna="2026-01-05", data_prossima_fornitura="2026-04-05", prodotto="Acuvue Oasys",
                        tipo_ricambio="quindicinale", quantita=6),
            self.record("occhiale", "O1", cliente="C1", data_inserimento="2026-01-03", data_consegna="2026-01-12",
                        tipo_lente="progressiva", montatura="Ray-Ban", importo="450,00"),
            self.record("optometria", "E1", cliente="C1", data="2026-01-03", note="OD -1.25"),
            self.record("vendita", "V1", cliente="C1", data_consegna="2026-01-04", importo=35.5,
                        descrizione="Soluzione unica"),
        )
        self.assertEqual({status for _t, _i, status in self.statuses(answer)}, {"created"})
        partner = self.focus_record("cliente", "C1").partner_id
        events = {event.event_type: event for event in self.events(partner)}
        self.assertEqual(set(events), {"new_customer", "lac_entry", "lac_delivery", "lac_next_supply",
                                       "glasses_entry", "glasses_delivery", "optometry", "sale_delivery"})
        self.assertEqual(events["lac_next_supply"].event_date, datetime.date(2026, 4, 5))
        self.assertEqual(events["lac_delivery"].data["quantita"], 6)
        self.assertEqual(events["glasses_delivery"].lens_type, "progressive")
        self.assertEqual(events["glasses_delivery"].amount, 450.0)
        self.assertEqual(events["glasses_delivery"].event_date, datetime.date(2026, 1, 12))
        self.assertEqual(events["optometry"].description, "OD -1.25")
        self.assertTrue(events["sale_delivery"].is_purchase)
        self.assertEqual(events["sale_delivery"].amount, 35.5)
        self.assertEqual(set(self.focus_record("occhiale", "O1").event_ids.mapped("event_type")),
                         {"glasses_entry", "glasses_delivery"})

    def test_replay_changes_nothing(self):
        batch = [self.cliente("C1"), self.record("occhiale", "O1", cliente="C1", data_consegna="2026-01-12",
                                                 tipo_lente="progressiva")]
        self.send(*batch)
        partner = self.focus_record("cliente", "C1").partner_id
        write_date = partner.write_date
        events = self.events(partner)
        answer = self.send(*batch)
        self.assertEqual(self.statuses(answer), [("cliente", "C1", "unchanged"), ("occhiale", "O1", "unchanged")])
        self.assertEqual(self.Partner.search_count([("optical_fiscal_code", "=", "RSSMRA85T10A562S")]), 1)
        self.assertEqual(self.events(partner), events)
        self.assertEqual(partner.write_date, write_date)

    def test_newer_update_applies_older_is_ignored(self):
        self.send(self.cliente("C1", updated_at="2026-01-10T09:00:00"))
        answer = self.send(self.cliente("C1", updated_at="2026-01-11T09:00:00", cellulare="3489998877",
                                        consenso_sms="N"))
        self.assertEqual(self.statuses(answer), [("cliente", "C1", "updated")])
        partner = self.focus_record("cliente", "C1").partner_id
        self.assertEqual(partner.mobile, "+393489998877")
        self.assertFalse(partner.optical_consent_sms)
        answer = self.send(self.cliente("C1", updated_at="2026-01-10T12:00:00", cellulare="3470000000"))
        self.assertEqual(self.statuses(answer), [("cliente", "C1", "ignored")])
        self.assertEqual(answer["results"][0]["field"], "updated_at")
        self.assertEqual(partner.mobile, "+393489998877")
        self.assertEqual(self.focus_record("cliente", "C1").updated_at, datetime.datetime(2026, 1, 11, 9, 0))

    def test_record_before_its_customer_waits_then_applies(self):
        glasses = self.record("occhiale", "O1", cliente="C9", data_consegna="2026-01-12", tipo_lente="progressiva")
        answer = self.send(glasses)
        self.assertEqual(self.statuses(answer), [("occhiale", "O1", "waiting")])
        self.assertEqual(answer["results"][0]["field"], "cliente")
        self.assertEqual(self.focus_record("occhiale", "O1").state, "waiting")
        self.assertEqual(self.store_a.waiting_count, 1)
        # Re-sent while still waiting: still waiting, nothing lost.
        self.assertEqual(self.statuses(self.send(glasses)), [("occhiale", "O1", "waiting")])
        answer = self.send(self.cliente("C9"))
        self.assertEqual(self.statuses(answer), [("cliente", "C9", "created")])
        self.assertEqual(answer["released"], [{"type": "occhiale", "id": "O1", "status": "created"}])
        partner = self.focus_record("cliente", "C9").partner_id
        event = self.events(partner, "glasses_delivery")
        self.assertEqual((event.lens_type, event.event_date), ("progressive", datetime.date(2026, 1, 12)))
        self.assertEqual(self.store_a.waiting_count, 0)

    def test_numeric_ids_are_answered_as_sent(self):
        answer = self.send(self.cliente(1234), self.record("vendita", 77, cliente=1234, data_consegna="2026-01-04"))
        self.assertEqual(self.statuses(answer), [("cliente", 1234, "created"), ("vendita", 77, "created")])
        self.assertEqual(self.focus_record("vendita", "77").partner_id, self.focus_record("cliente", "1234").partner_id)

    def test_customer_later_in_the_same_batch(self):
        answer = self.send(
            self.record("vendita", "V1", cliente="C2", data_consegna="2026-01-04", importo="10"),
            self.cliente("C2"),
        )
        self.assertEqual(self.statuses(answer), [("vendita", "V1", "created"), ("cliente", "C2", "created")])

    def test_changed_date_moves_event_and_pending_communications(self):
        cycle = self.env["optical.crm.cycle"].create({
            "name": "Adaptation call", "event_type": "glasses_delivery", "company_id": self.shop_a.id,
            "step_ids": [(0, 0, {"name": "Call after one week", "interval_number": 7, "interval_unit": "days",
                                 "channel": "phone", "purpose": "service"})],
        })
        delivery = self.days(-2)
        self.send(self.cliente("C1"), self.record("occhiale", "O1", cliente="C1", data_consegna=str(delivery),
                                                  tipo_lente="progressiva"))
        self.env["optical.crm.communication"]._plan_company(self.shop_a, self.days(-3), self.days(7))
        event = self.focus_record("occhiale", "O1").event_ids
        communication = event.communication_ids
        self.assertEqual((communication.cycle_id, communication.state, communication.scheduled_date),
                         (cycle, "planned", self.days(5)))
        answer = self.send(self.record("occhiale", "O1", "2026-01-11T09:00:00", cliente="C1",
                                       data_consegna=str(self.days(-1)), tipo_lente="progressiva"))
        self.assertEqual(self.statuses(answer), [("occhiale", "O1", "updated")])
        self.assertEqual(event.event_date, self.days(-1))
        self.assertEqual(communication.scheduled_date, self.days(6))
        self.assertEqual(communication.state, "planned")

    def test_deleted_record_cancels_its_events(self):
        self.env["optical.crm.cycle"].create({
            "name": "Supply reminder", "event_type": "lac_next_supply", "company_id": self.shop_a.id,
            "step_ids": [(0, 0, {"name": "Reminder", "interval_number": -3, "interval_unit": "days",
                                 "channel": "phone"})],
        })
        self.send(self.cliente("C1"), self.record("fornitura_lac", "L1", cliente="C1",
                                                  data_consegna=str(self.days(-10)),
                                                  data_prossima_fornitura=str(self.days(5))))
        self.env["optical.crm.communication"]._plan_company(self.shop_a, self.days(-3), self.days(7))
        events = self.focus_record("fornitura_lac", "L1").event_ids
        self.assertEqual(len(events), 2)
        communication = events.communication_ids
        self.assertEqual(communication.state, "planned")
        answer = self.send(self.record("fornitura_lac", "L1", "2026-01-12T09:00:00", deleted=True))
        self.assertEqual(self.statuses(answer), [("fornitura_lac", "L1", "deleted")])
        self.assertFalse(any(events.mapped("active")))
        self.assertEqual(communication.state, "cancelled")
        # Deleted twice: nothing more to do.
        self.assertEqual(self.statuses(self.send(self.record("fornitura_lac", "L1", "2026-01-12T09:00:00",
                                                             deleted=True))),
                         [("fornitura_lac", "L1", "unchanged")])

    def test_date_gone_archives_that_event_only(self):
        self.send(self.cliente("C1"), self.record("occhiale", "O1", cliente="C1", data_inserimento="2026-01-03",
                                                  data_consegna="2026-01-12"))
        answer = self.send(self.record("occhiale", "O1", "2026-01-11T00:00:00", cliente="C1",
                                       data_inserimento="2026-01-03"))
        self.assertEqual(self.statuses(answer), [("occhiale", "O1", "updated")])
        events = self.focus_record("occhiale", "O1").with_context(active_test=False).event_ids
        self.assertEqual({e.event_type: e.active for e in events}, {"glasses_entry": True, "glasses_delivery": False})
        # The date comes back: the same event is active again.
        self.send(self.record("occhiale", "O1", "2026-01-12T00:00:00", cliente="C1", data_inserimento="2026-01-03",
                              data_consegna="2026-01-20"))
        delivery = events.filtered(lambda e: e.event_type == "glasses_delivery")
        self.assertTrue(delivery.active)
        self.assertEqual(delivery.event_date, datetime.date(2026, 1, 20))

    def test_deleted_customer_archives_their_focus_events(self):
        self.send(self.cliente("C1"), self.record("vendita", "V1", cliente="C1", data_consegna="2026-01-04"))
        partner = self.focus_record("cliente", "C1").partner_id
        answer = self.send(self.record("cliente", "C1", "2026-02-01T00:00:00", deleted=True))
        self.assertEqual(self.statuses(answer), [("cliente", "C1", "deleted")])
        self.assertFalse(self.events(partner).filtered("active"))
        self.assertTrue(partner.exists())

    def test_existing_customer_is_linked_not_duplicated(self):
        existing = self.Partner.create({"name": "Mario Rossi", "company_id": self.shop_a.id,
                                        "optical_fiscal_code": "RSSMRA85T10A562S", "phone": "+39021111111"})
        by_mobile = self.Partner.create({"name": "Lucia Bianchi", "company_id": self.shop_a.id,
                                         "mobile": "+393331112233"})
        same_mobile_other_name = self.Partner.create({"name": "Carla Verdi", "company_id": self.shop_a.id,
                                                      "mobile": "+393335556677"})
        other_shop = self.Partner.create({"name": "Anna Neri", "company_id": self.shop_b.id,
                                          "email": "anna@example.com"})
        answer = self.send(
            self.cliente("C1", telefono=None),
            self.cliente("C2", cognome="BIANCHI", nome="LUCIA", cellulare="333 111 2233", codice_fiscale=None,
                         email=None),
            self.cliente("C3", cognome="Gialli", nome="Carla", cellulare="3335556677", codice_fiscale=None,
                         email=None),
            self.cliente("C4", cognome="Neri", nome="Anna", email="ANNA@example.com", cellulare=None,
                         codice_fiscale=None),
        )
        self.assertEqual({status for _t, _i, status in self.statuses(answer)}, {"created"})
        self.assertEqual(self.focus_record("cliente", "C1").partner_id, existing)
        self.assertEqual(existing.phone, "+39021111111", "an empty FOCUS field does not wipe Odoo's value")
        self.assertEqual(existing.mobile, "+393471234567")
        self.assertEqual(self.focus_record("cliente", "C2").partner_id, by_mobile)
        self.assertNotEqual(self.focus_record("cliente", "C3").partner_id, same_mobile_other_name)
        self.assertNotIn(self.focus_record("cliente", "C4").partner_id, other_shop)
        self.assertEqual(self.focus_record("cliente", "C4").partner_id.company_id, self.shop_a)

    def test_same_person_twice_in_a_batch_makes_one_customer(self):
        answer = self.send(self.cliente("C1"), self.cliente("C7", email="altro@example.com"))
        self.assertEqual({status for _t, _i, status in self.statuses(answer)}, {"created"})
        self.assertEqual(self.focus_record("cliente", "C1").partner_id, self.focus_record("cliente", "C7").partner_id)
        self.assertEqual(self.Partner.search_count([("optical_fiscal_code", "=", "RSSMRA85T10A562S")]), 1)

    def test_same_id_twice_in_a_batch_keeps_the_newest(self):
        answer = self.send(self.cliente("C1", "2026-01-12T00:00:00", nome="Marco"),
                           self.cliente("C1", "2026-01-11T00:00:00", nome="Mario"))
        self.assertEqual(self.statuses(answer), [("cliente", "C1", "created"), ("cliente", "C1", "ignored")])
        self.assertEqual(self.focus_record("cliente", "C1").partner_id.name, "Marco Rossi")

    def test_bad_records_are_kept_with_their_error_and_others_applied(self):
        answer = self.send(
            self.cliente("C1", cognome=None, nome=None),
            self.cliente("C2", codice_fiscale="BNCLCU90A41F205X", cognome="Bianchi", nome="Lucia",
                         cellulare="3331112233", email=None),
            self.cliente("C3", cognome="Verdi", nome="Carla", codice_fiscale=None, cellulare="3335556677",
                         email=None),
            self.cliente("C4", cognome="Neri", codice_fiscale=None, cellulare="12", email=None),
            self.record("fattura", "F1", numero="12"),
            {"type": "vendita", "id": "V1", "updated_at": "ieri", "data": {"cliente": "C3"}},
            self.record("vendita", "V2", cliente="C3", data_consegna="2026-02-30"),
            self.record("vendita", "V3", cliente="C3", data_consegna="2026-02-03"),
            "not a record",
        )
        results = answer["results"]
        # Refused: no name, unknown type, no updated_at, an event without its own date, not a record.
        # Kept: a bad fiscal code or mobile only costs that value, named in a warning.
        self.assertEqual([result["status"] for result in results],
                         ["error", "created", "created", "created", "error", "error", "error", "created", "error"])
        self.assertEqual([result.get("field") for result in results],
                         ["cognome", None, None, None, "type", "updated_at", "data_consegna", None, "record"])
        self.assertEqual([[w["field"] for w in result.get("warnings", [])] for result in results],
                         [[], ["codice_fiscale"], [], ["cellulare"], [], [], [], [], []])
        self.assertIn("fattura", results[4]["reason"])
        lucia = self.focus_record("cliente", "C2").partner_id
        self.assertEqual((lucia.name, lucia.mobile, lucia.optical_fiscal_code), ("Lucia Bianchi", "+393331112233", False))
        bad = self.focus_record("vendita", "V2")
        self.assertEqual((bad.state, bad.error_field), ("error", "data_consegna"))
        self.assertFalse(bad.event_ids)
        self.assertEqual(self.store_a.error_count, 2)
        # A person corrects the date in the UI and retries.
        payload = json.loads(bad.payload_text)
        payload["data_consegna"] = "2026-02-28"
        bad.with_user(self.owner).payload_text = json.dumps(payload)
        bad.with_user(self.owner).action_retry()
        self.assertEqual(bad.state, "applied")
        self.assertEqual(bad.event_ids.event_date, datetime.date(2026, 2, 28))
        self.store_a.invalidate_recordset(["error_count"])
        self.assertEqual(self.store_a.error_count, 1)

    def test_a_record_odoo_refuses_does_not_sink_the_batch(self):
        # A real database rule the mappers know nothing of (rolled back with the test).
        self.env.cr.execute("ALTER TABLE optical_crm_event ADD CONSTRAINT focus_test_no_far_future "
                            "CHECK (event_date < '2099-01-01')")
        # The refused INSERTs are logged as bad queries, the fallback as a warning.
        with mute_logger("odoo.sql_db", "odoo.addons.optical_crm.models.optical_crm_batch_mixin"):
            answer = self.send(
                self.record("optometria", "E1", cliente="C1", data="2026-01-03"),
                self.record("vendita", "V1", cliente="C1", data_consegna="2099-06-01"),
                self.cliente("C1"),
            )
        self.assertEqual(self.statuses(answer), [("optometria", "E1", "created"), ("vendita", "V1", "error"),
                                                 ("cliente", "C1", "created")])
        self.assertEqual(answer["results"][1]["field"], "record")
        self.assertIn("focus_test_no_far_future", answer["results"][1]["reason"])
        refused = self.focus_record("vendita", "V1")
        self.assertEqual((refused.state, refused.error_field), ("error", "record"))
        partner = self.focus_record("cliente", "C1").partner_id
        self.assertEqual(set(self.events(partner).mapped("event_type")), {"new_customer", "optometry"})

    def test_a_fixed_customer_releases_its_waiting_records(self):
        self.send(self.cliente("C1", cognome=None, nome=None),
                  self.record("optometria", "E1", cliente="C1", data="2026-01-03"))
        self.assertEqual(self.focus_record("optometria", "E1").state, "waiting")
        bad = self.focus_record("cliente", "C1")
        bad.payload = dict(bad.payload, cognome="Rossi")
        bad.action_retry()
        self.assertEqual(bad.state, "applied")
        exam = self.focus_record("optometria", "E1")
        self.assertEqual(exam.state, "applied")
        self.assertEqual(exam.event_ids.partner_id, bad.partner_id)

    def test_payload_edit_must_be_json(self):
        self.send(self.cliente("C1", email="mario@"))
        with self.assertRaisesRegex(Exception, "Data: not valid JSON"):
            self.focus_record("cliente", "C1").payload_text = "{email: mario}"

    def test_stores_do_not_share_records(self):
        self.send(self.cliente("C1"))
        answer = self.send(self.record("vendita", "V1", cliente="C1", data_consegna="2026-01-04"),
                           token=self.token_b, store="MI02")
        self.assertEqual(self.statuses(answer), [("vendita", "V1", "waiting")])
        answer = self.send(self.cliente("C1"), token=self.token_b, store="MI02")
        partner_b = self.focus_record("cliente", "C1", self.store_b).partner_id
        self.assertEqual(partner_b.company_id, self.shop_b)
        self.assertNotEqual(partner_b, self.focus_record("cliente", "C1").partner_id)
        self.assertEqual(answer["released"][0]["status"], "created")
        self.assertEqual(self.events(partner_b, "sale_delivery").company_id, self.shop_b)
