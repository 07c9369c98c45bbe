import base64
import json

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import FocusSyncCase


@tagged("post_install", "-at_install", "optical_focus_sync")
class TestFocusSecurityAndImport(FocusSyncCase):

    def test_staff_see_their_shop_only_and_cannot_configure(self):
        self.send(self.cliente("C1"))
        self.send(self.cliente("C1"), token=self.token_b, store="MI02")
        Store = self.env["optical.focus.store"]
        self.assertEqual(Store.with_user(self.staff_a).search([]), self.store_a)
        self.assertEqual(Store.with_user(self.staff_b).search([]), self.store_b)
        records = self.Record.with_user(self.staff_a).search([])
        self.assertEqual(records.store_id, self.store_a)
        with self.assertRaises(AccessError):
            Store.with_user(self.staff_a).create({"name": "X", "code": "X1", "company_id": self.shop_a.id})
        with self.assertRaises(AccessError):
            records.with_user(self.staff_a).action_retry()
        with self.assertRaises(AccessError):
            self.store_a.with_user(self.staff_a).token_hash  # noqa: B018
        with self.assertRaises(AccessError):
            self.store_a.with_user(self.staff_a).generate_token()
        self.assertEqual(self.post([self.cliente("C2")]).status_code, 200, "the shop's token still works")

    def test_owner_generates_the_token_shown_once(self):
        action = self.store_a.with_user(self.owner).action_generate_token()
        # A dialog with a copy button, not a toast; the store no longer offers "Generate token".
        self.assertEqual((action["res_model"], action["target"]), ("optical.focus.token.wizard", "new"))
        token = action["context"]["default_token"]
        dialog = self.env["optical.focus.token.wizard"].with_user(self.owner).with_context(**action["context"])
        self.assertEqual(dialog.default_get(["token"])["token"], token)
        self.assertIn('widget="CopyClipboardChar"', dialog.get_view(view_type="form")["arch"])
        self.assertTrue(self.store_a.has_token)
        self.assertEqual(self.post([self.cliente("C1")], token=token).status_code, 200)
        self.assertEqual(self.post([self.cliente("C2")]).status_code, 401)

    def test_import_json_lines_runs_the_same_pipeline(self):
        lines = [
            self.record("occhiale", "O1", cliente="C1", data_consegna="2026-01-12", tipo_lente="progressiva"),
            self.cliente("C1"),
            self.record("vendita", "V1", cliente="C1", data_consegna="2026-13-01"),
        ]
        content = "\n".join(json.dumps(line) for line in lines) + "\n{broken\n"
        wizard = self._import(content.encode(), "jsonl")
        self.assertEqual((wizard.created_count, wizard.error_count, wizard.waiting_count), (2, 2, 0))
        self.assertIn("line 3: vendita V1: data_consegna", wizard.error_report)
        self.assertIn("line 4: line: not valid JSON", wizard.error_report)
        partner = self.focus_record("cliente", "C1").partner_id
        self.assertEqual(self.events(partner, "glasses_delivery").lens_type, "progressive")
        # The same file again changes nothing.
        wizard = self._import(content.encode(), "jsonl")
        self.assertEqual((wizard.created_count, wizard.unchanged_count, wizard.error_count), (0, 2, 2))

    def test_import_csv_per_record_type(self):
        customers = ("id;updated_at;cognome;nome;cellulare;codice_fiscale;consenso_marketing\n"
                     "C1;2026-01-10T09:00:00;ROSSI;MARIO;3471234567;RSSMRA85T10A562S;S\n"
                     "C2;2026-01-10T09:00:00;BIANCHI;LUCIA;12;;N\n"
                     "C3;2026-01-10T09:00:00;;;3331112233;;N\n")
        wizard = self._import(customers.encode("latin-1"), "csv", "cliente")
        # A bad mobile costs the mobile, not the customer; no name at all is refused.
        self.assertEqual((wizard.created_count, wizard.error_count, wizard.warning_count), (2, 1, 1))
        self.assertIn("line 3: cliente C2: cellulare: '12' is not a valid phone number", wizard.warning_report)
        self.assertIn("line 4: cliente C3: cognome", wizard.error_report)
        supplies = "id,updated_at,cliente,data_consegna,data_prossima_fornitura\nL1,2026-01-10,C1,2026-01-05,2026-04-05\n"
        wizard = self._import(supplies.encode(), "csv", "fornitura_lac")
        self.assertEqual(wizard.created_count, 1)
        partner = self.focus_record("cliente", "C1").partner_id
        self.assertEqual(partner.name, "Mario Rossi")
        self.assertEqual(set(self.events(partner).mapped("event_type")), {"lac_delivery", "lac_next_supply"})

    def _import(self, content, file_format, record_type=None):
        form = Form(self.env["optical.focus.import.wizard"].with_user(self.owner).with_context(
            default_store_id=self.store_a.id))
        form.file_format = file_format
        if record_type:
            form.record_type = record_type
        form.file = base64.b64encode(content)
        wizard = form.save()
        wizard.action_import()
        return wizard

    def test_owner_opens_the_records_of_a_shop_by_status(self):
        self.send(self.cliente("C1"), self.cliente("C2", cognome=None, nome=None),
                  self.cliente("C3", email="x@"),
                  self.record("vendita", "V1", cliente="C9", data_consegna="2026-01-04"))
        store = self.store_a.with_user(self.owner)
        self.assertEqual(store.warning_count, 1)
        for action, expected in ((store.action_view_applied(), ["C3", "C1"]), (store.action_view_errors(), ["C2"]),
                                 (store.action_view_waiting(), ["V1"]), (store.action_view_warnings(), ["C3"])):
            self.assertEqual(self.Record.with_user(self.owner).search(action["domain"]).mapped("focus_id"), expected)
