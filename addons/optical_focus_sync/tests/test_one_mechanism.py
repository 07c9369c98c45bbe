"""The one 'batch, else record by record' mechanism of every FOCUS path,
and the one builder of the answers FOCUS gets."""
import psycopg2

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..tools.answers import answer, stored_answer

BATCH_LOGGER = "odoo.addons.optical_crm.models.optical_crm_batch_mixin"


@tagged("post_install", "-at_install", "optical_focus_sync")
class TestOneMechanism(TransactionCase):

    def run_batch(self, names, fail_on=(), error=ValueError):
        Partner = self.env["res.partner"]

        def one(name):
            partner = Partner.create({"name": "Focus mechanism %s" % name})
            if name in fail_on:
                raise error("%s refused\nsecond line" % name)
            return partner

        refused = []

        def on_refused(name, error):
            refused.append((name, str(error).splitlines()[0]))
            return None

        with mute_logger(BATCH_LOGGER):
            outcome = self.env["optical.crm.batch.mixin"]._batch_else_each(
                names, lambda items: [one(name) for name in items], one, on_refused)
        return outcome, refused

    def created(self):
        return sorted(self.env["res.partner"].search([("name", "like", "Focus mechanism %")]).mapped("name"))

    def test_a_batch_that_passes_is_done_once(self):
        (whole, results), refused = self.run_batch(["a", "b"])
        self.assertTrue(whole)
        self.assertEqual([partner.name for partner in results], ["Focus mechanism a", "Focus mechanism b"])
        self.assertEqual((refused, self.created()), ([], ["Focus mechanism a", "Focus mechanism b"]))

    def test_a_refused_batch_is_undone_and_only_the_refused_item_is_lost(self):
        (whole, results), refused = self.run_batch(["a", "bad", "c"], fail_on={"bad"})
        self.assertFalse(whole)
        self.assertEqual([partner and partner.name for partner in results],
                         ["Focus mechanism a", None, "Focus mechanism c"])
        self.assertEqual(refused, [("bad", "bad refused")])
        # The batch's own partner "a" was undone with it: each is created once.
        self.assertEqual(self.created(), ["Focus mechanism a", "Focus mechanism c"])

    def test_a_concurrency_error_is_left_for_odoo_to_retry_the_request(self):
        with self.assertRaises(psycopg2.OperationalError):
            self.run_batch(["a", "bad"], fail_on={"bad"}, error=psycopg2.OperationalError)

    def test_one_answer_builder(self):
        self.assertEqual(answer("cliente", "C1", "created"), {"type": "cliente", "id": "C1", "status": "created"})
        self.assertEqual(answer("vendita", "V1", "ignored", "updated_at", "older"),
                         {"type": "vendita", "id": "V1", "status": "ignored", "field": "updated_at",
                          "reason": "older"})
        warnings = [{"field": "telefono", "reason": "dropped"}]
        self.assertEqual(stored_answer("cliente", "C1", "unchanged", "applied", warnings, None, None),
                         {"type": "cliente", "id": "C1", "status": "unchanged", "warnings": warnings})
        self.assertEqual(stored_answer("vendita", "V1", "unchanged", "waiting", None, "cliente", "not yet"),
                         {"type": "vendita", "id": "V1", "status": "waiting", "field": "cliente",
                          "reason": "not yet"})
        self.assertEqual(stored_answer("vendita", "V1", "unchanged", "received", None, None, None),
                         {"type": "vendita", "id": "V1", "status": "error", "field": None, "reason": None})
