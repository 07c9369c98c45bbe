from unittest.mock import patch

from odoo.tests import tagged

from .common import FocusSyncCase


@tagged("post_install", "-at_install", "optical_focus_sync")
class TestFocusIsolation(FocusSyncCase):
    """The FOCUS sync's part of the chaos test: a waiting record that Odoo
    refuses when its customer arrives fails alone; the customer and the
    other records waiting for it are applied, each once."""

    def test_a_waiting_record_that_raises_fails_alone(self):
        glasses = self.record("occhiale", "O1", cliente="C9", data_consegna="2026-01-12", tipo_lente="progressiva")
        exam = self.record("optometria", "E1", cliente="C9", data="2026-01-03", note="OD -1.25")
        self.assertEqual(self.statuses(self.send(glasses, exam)), [("occhiale", "O1", "waiting"),
                                                                   ("optometria", "E1", "waiting")])
        poison = self.focus_record("occhiale", "O1")
        Record = type(self.Record)
        apply_events = Record._apply_events

        def failing(records, *args, **kwargs):
            if poison in records:
                raise ValueError("a lens maker's constraint refused it")
            return apply_events(records, *args, **kwargs)

        with patch.object(Record, "_apply_events", failing):
            answer = self.send(self.cliente("C9"))
        self.assertEqual(self.statuses(answer), [("cliente", "C9", "created")])
        released = {result["id"]: result for result in answer["released"]}
        self.assertEqual(released["E1"]["status"], "created")
        self.assertEqual((released["O1"]["status"], released["O1"]["field"]), ("error", "record"))
        self.assertIn("a lens maker's constraint refused it", released["O1"]["reason"])
        partner = self.focus_record("cliente", "C9").partner_id
        self.assertTrue(partner)
        self.assertEqual(self.focus_record("optometria", "E1").state, "applied")
        self.assertEqual(len(self.events(partner, "optometry")), 1)
        self.assertFalse(self.events(partner, "glasses_delivery"))
        self.assertEqual((poison.state, poison.error_field), ("error", "record"))
        # Shown on the store, where the shop looks at its FOCUS records.
        self.assertEqual((self.store_a.waiting_count, self.store_a.error_count), (0, 1))
        # Once fixed, retried: applied once.
        poison.with_user(self.owner).action_retry()
        self.assertEqual(poison.state, "applied")
        self.assertEqual(len(self.events(partner, "glasses_delivery")), 1)
