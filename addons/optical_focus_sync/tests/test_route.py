import datetime
import json
import time

from odoo import fields
from odoo.tests import tagged

from .common import FocusSyncCase


@tagged("post_install", "-at_install", "optical_focus_sync")
class TestFocusRoute(FocusSyncCase):

    def test_wrong_or_missing_token_is_refused(self):
        for token in ("not-the-token", ""):
            response = self.post([self.cliente("C1")], token=token)
            self.assertEqual(response.status_code, 401)
            self.assertEqual(response.json()["field"], "Authorization")
        response = self.post([self.cliente("C1")], headers={"Authorization": "Basic %s" % self.token_a})
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.focus_record("cliente", "C1"))

    def test_token_of_another_store_is_refused(self):
        response = self.post([self.cliente("C1")], token=self.token_b, store="MI01")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["field"], "store")
        self.assertFalse(self.focus_record("cliente", "C1"))

    def test_archived_store_is_refused(self):
        self.store_a.active = False
        self.assertEqual(self.post([self.cliente("C1")]).status_code, 401)

    def test_new_token_replaces_the_old_one_and_only_its_hash_is_kept(self):
        old_token = self.token_a
        new_token = self.store_a.generate_token()
        self.assertNotEqual(new_token, old_token)
        self.assertGreaterEqual(len(new_token), 32)
        stored = self.store_a.sudo().token_hash
        self.assertNotIn(new_token, stored)
        self.env.cr.execute("SELECT count(*) FROM optical_focus_store WHERE token_hash = %s OR code = %s",
                            [new_token, new_token])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertEqual(self.post([self.cliente("C1")], token=old_token).status_code, 401)
        self.assertEqual(self.post([self.cliente("C1")], token=new_token).status_code, 200)

    def test_oversize_batch_is_refused_with_a_clear_message(self):
        self.env["ir.config_parameter"].set_param("optical_focus_sync.max_records", 2)
        response = self.post([self.cliente("C%s" % n) for n in range(3)])
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json()["error"], "too_large")
        self.assertEqual(response.json()["field"], "records")
        self.assertIn("3 records, more than the 2 allowed", response.json()["message"])
        self.assertFalse(self.focus_record("cliente", "C0"))
        self.assertEqual(self.post([self.cliente("C%s" % n) for n in range(2)]).status_code, 200)

    def test_oversize_body_is_refused(self):
        self.env["ir.config_parameter"].set_param("optical_focus_sync.max_body_bytes", 2000)
        response = self.post([self.cliente("C%s" % n) for n in range(10)])
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json()["field"], "body")
        self.assertIn("2000 bytes", response.json()["message"])

    def test_default_limits_let_a_batch_of_1000_pass(self):
        self.assertEqual(self.env["ir.config_parameter"]._optical_param("optical_focus_sync.max_records"), 1000)
        records = [self.record("vendita", "V%s" % n, cliente="NOBODY", data_consegna="2026-01-04",
                               descrizione="Occhiali da sole modello %s" % n, importo="129,90")
                   for n in range(1000)]
        answer = self.send(*records)
        self.assertEqual(answer["counts"], {"waiting": 1000})

    def test_body_whatever_the_content_type(self):
        body = json.dumps({"store": "MI01", "records": [self.cliente("C1")]})
        for content_type in ("", "text/plain", "application/json; charset=utf-8"):
            response = self.post(None, body=body, headers={"Content-Type": content_type})
            self.assertEqual(response.status_code, 200, "%s: %s" % (content_type, response.text))
            self.assertIn(response.json()["results"][0]["status"], ("created", "unchanged"))
        response = self.post(None, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(response.status_code, 415)
        self.assertEqual(response.json()["field"], "Content-Type")

    def test_malformed_body(self):
        cases = [
            ("{not json", "body"),
            ("[1, 2]", "body"),
            (json.dumps({"store": "MI01"}), "records"),
            (json.dumps({"store": "MI01", "records": {"type": "cliente"}}), "records"),
        ]
        for body, field in cases:
            response = self.post(None, body=body)
            self.assertEqual(response.status_code, 400, body)
            self.assertEqual(response.json()["field"], field)

    def test_last_batch_and_silence_per_store(self):
        self.assertTrue(self.store_a.is_silent)
        self.assertFalse(self.store_a.last_batch_date)
        self.send(self.cliente("C1"), self.cliente("C2", cognome=None, nome=None))
        self.assertFalse(self.store_a.is_silent)
        self.assertEqual(self.store_a.last_batch_count, 2)
        self.assertEqual((self.store_a.applied_count, self.store_a.error_count), (1, 1))
        self.store_a.sudo().last_batch_date = fields.Datetime.now() - datetime.timedelta(hours=30)
        self.store_a.invalidate_recordset()
        self.assertTrue(self.store_a.is_silent)

    def test_notes_give_callback_outcomes_by_focus_customer(self):
        self.send(self.cliente("C1"), self.cliente("C2", cognome="Bianchi", codice_fiscale=None,
                                                   cellulare="3331112233", email=None))
        mario = self.focus_record("cliente", "C1").partner_id
        lucia = self.focus_record("cliente", "C2").partner_id
        cycle = self.env["optical.crm.cycle"].create({
            "name": "Adaptation call", "event_type": "glasses_delivery", "company_id": self.shop_a.id,
            "step_ids": [(0, 0, {"name": "Call after one week", "interval_number": 7, "interval_unit": "days",
                                 "channel": "phone", "purpose": "service"})],
        })
        Communication = self.env["optical.crm.communication"]
        before = fields.Datetime.now() - datetime.timedelta(minutes=5)
        reached = Communication.create({
            "partner_id": mario.id, "company_id": self.shop_a.id, "channel": "phone", "purpose": "service",
            "scheduled_date": self.today, "state": "sent", "cycle_id": cycle.id,
            "cycle_step_id": cycle.step_ids.id,
        })
        reached.action_callback_done("no_answer", "Rang, no answer")
        reached.action_callback_done("reached", "Adapting well, back in March")
        Communication.create({
            "partner_id": lucia.id, "company_id": self.shop_a.id, "channel": "phone", "scheduled_date": self.today,
            "state": "sent", "callback_outcome": "no_answer", "outcome_date": before - datetime.timedelta(days=1),
        })
        other_shop = self.Partner.create({"name": "Anna Neri", "company_id": self.shop_b.id})
        Communication.create({
            "partner_id": other_shop.id, "company_id": self.shop_b.id, "channel": "phone",
            "scheduled_date": self.today, "state": "done", "callback_outcome": "reached",
            "outcome_date": fields.Datetime.now(),
        })
        time.sleep(2.1)  # FOCUS polls once the notes are behind the horizon (not in their own second)
        response = self.notes(before.isoformat() + "Z")
        self.assertEqual(response.status_code, 200, response.text)
        notes = response.json()["notes"]
        self.assertEqual(list(notes), ["C1"])
        self.assertEqual(len(notes["C1"]), 1)
        note = notes["C1"][0]
        self.assertEqual((note["outcome"], note["note"], note["channel"], note["step"], note["cycle"],
                          note["state"]),
                         ("reached", "Adapting well, back in March", "phone", "Call after one week",
                          "Adaptation call", "done"))
        # Every attempt's note reaches FOCUS, not only the last one.
        self.assertEqual([(a["outcome"], a["note"]) for a in note["call_attempts"]],
                         [("no_answer", "Rang, no answer"), ("reached", "Adapting well, back in March")])
        until = response.json()["until"]
        self.assertEqual(self.notes(until).json()["notes"], {})
        self.assertEqual(sorted(self.notes("2000-01-01T00:00:00").json()["notes"]), ["C1", "C2"])

    def test_notes_errors(self):
        self.assertEqual(self.notes("2026-01-01T00:00:00", token="wrong").status_code, 401)
        response = self.notes("yesterday")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["field"], "since")
        response = self.url_open("/optical_focus_sync/v1/notes",
                                 headers={"Authorization": "Bearer %s" % self.token_a})
        self.assertEqual(response.json()["field"], "since")

    def test_an_id_that_is_no_whole_number_is_named_not_called_missing(self):
        """A 40-digit id, 1e308 or -0.0 was refused as "id: missing"."""
        literals = ("1" * 40, "1e308", "-0.0", "12.5")  # 40 digits are read as 1.1111111111111112e+39
        records = ", ".join('{"type": "cliente", "id": %s, "updated_at": "2026-01-10T09:00:00", '
                            '"data": {"cognome": "Rossi"}}' % literal for literal in literals)
        sale = ('{"type": "vendita", "id": "V1", "updated_at": "2026-01-10T09:00:00", '
                '"data": {"cliente": %s, "data_consegna": "2026-01-04"}}' % ("9" * 40))
        response = self.post(None, body='{"store": "MI01", "records": [%s, %s]}' % (records, sale))
        self.assertEqual(response.status_code, 200, response.text)
        results = response.json()["results"]
        self.assertEqual([(result["status"], result["field"]) for result in results],
                         [("error", "id")] * 4 + [("error", "cliente")])
        for result, shown in zip(results, ("e+39", "1e+308", "-0.0", "12.5", "0" * 40), strict=True):
            self.assertNotIn("missing", result["reason"])
            self.assertIn("%s is not a FOCUS id: a text or a whole number is expected" % shown, result["reason"])
