import datetime
from unittest.mock import patch

import psycopg2

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RealServerCase


@tagged("post_install", "-at_install", "optical_crm")
class TestPlannerConcurrency(RealServerCase):
    """Two planners of one shop at once, each in its own transaction (a cron
    worker and the "plan now" of a shop owner): every step is written once,
    and the one that comes second is retried as for any concurrent write,
    not recorded as a failure on the cyclic activity for its owner."""

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            company = env["res.company"].create({"name": "Concurrent planners shop"})
            self.company_id = company.id
            # As Odoo creates a contact: no company; the shop is its events'.
            customer = env["res.partner"].create({"name": "Concurrent customer"})
            self.customer_id = customer.id
            today = company._optical_today()
            self.cycle_id = env["optical.crm.cycle"].create({
                "name": "Concurrent planners", "event_type": "glasses_delivery", "company_id": company.id,
                "supersede": False,
                "step_ids": [(0, 0, {"name": "Call", "interval_number": 1, "interval_unit": "weeks",
                                     "channel": "phone", "purpose": "service"})],
            }).id
            # Two pairs picked up on one day, another two days before.
            for days in (1, 1, 3):
                env["optical.crm.event"].create({
                    "partner_id": customer.id, "company_id": company.id, "event_type": "glasses_delivery",
                    "event_date": today - datetime.timedelta(days=days), "lens_type": "progressive",
                })
        self.addCleanup(self._clean)

    def _clean(self):
        with self.committed_env() as env:
            company = env["res.company"].browse(self.company_id)
            env["optical.crm.communication"].search([("company_id", "=", company.id)]).unlink()
            env["optical.crm.event"].with_context(active_test=False).search(
                [("company_id", "=", company.id)]).unlink()
            env["optical.crm.cycle"].browse(self.cycle_id).unlink()
            env["optical.crm.run"].search([("company_id", "=", company.id)]).unlink()
            partners = env["res.partner"].browse(self.customer_id) | company.partner_id
            company.unlink()
            partners.unlink()

    def plan(self):
        """One planner run in a transaction of its own: the number planned,
        or the class of the error that ended it (its transaction rolled back)."""
        try:
            with self.committed_env() as env:
                company = env["res.company"].browse(self.company_id)
                today = company._optical_today()
                return env["optical.crm.communication"]._plan_company(
                    company, today - datetime.timedelta(days=3), today + datetime.timedelta(days=30))
        except psycopg2.Error as error:
            return type(error)

    def test_two_planners_at_once_write_each_step_once(self):
        Communication = self.registry["optical.crm.communication"]
        # Both look for what is missing before either writes it.
        with patch.object(Communication, "_insert_planned", self.meeting(Communication._insert_planned)), \
                mute_logger("odoo.sql_db", "odoo.addons.optical_crm.models.optical_crm_batch_mixin"):
            outcomes = self.concurrently(self.plan, self.plan)
        self.assertTrue(any(isinstance(outcome, int) and outcome >= 3 for outcome in outcomes), outcomes)
        # The other, whose snapshot does not see them, stops on a serialization failure: Odoo runs its
        # transaction again (as for any concurrent write), and the run plans nothing more.
        self.assertIn(psycopg2.errors.SerializationFailure, outcomes, outcomes)
        self.assertEqual(self.plan(), 0)
        with self.committed_env() as env:
            calls = env["optical.crm.communication"].search([("cycle_id", "=", self.cycle_id)])
            self.assertEqual(len(calls), 3)
            self.assertEqual(len(set(calls.mapped("event_id"))), 3, "one call per pair of glasses, two on one day")
            self.assertFalse(env["optical.crm.cycle"].browse(self.cycle_id).plan_error,
                             "the owner is not told of a failure that was not one")
