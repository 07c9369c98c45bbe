import datetime
from unittest.mock import patch

from odoo import api
from odoo.tests import tagged

from ..report import optical_crm_pivot_mixin
from .common_tour import OpticalTourCase


@tagged("post_install", "-at_install", "optical_crm", "optical_crm_tour")
class TestTourResults(OpticalTourCase):
    """The owner opens a cyclic activity with a control group and reads, in
    a real browser at 1366 px, its uplift on the form and in the analysis:
    every measure on screen, the amounts in euros."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = cls.env.company
        # The amounts show the shop's currency: euros.
        cls.env.ref("base.EUR").active = True
        cls.shop.currency_id = cls.env.ref("base.EUR")
        # The tour reads English texts and numbers: the owner works in English, whatever language
        # the database was created in (an Italian one may not even have English active).
        cls.env["res.lang"]._activate_lang("en_US")
        cls.owner = cls.shop_user(cls.env, "tour_owner", "Tour Owner", cls.shop, owner=True, email=False,
                                  lang="en_US")
        cls.cycle = cls.env["optical.crm.cycle"].create({
            "name": "Tour recall", "event_type": "optometry", "company_id": cls.shop.id, "holdout_percent": 40,
            "step_ids": [(0, 0, {"name": "Tour offer", "interval_number": 0, "interval_unit": "days",
                                 "channel": "export"})],
        })
        step = cls.cycle.step_ids
        day = datetime.date(2026, 3, 2)
        partners = cls.env["res.partner"].create([{"name": "Tour cliente %s" % n} for n in range(70)])
        Communication, Event = cls.env["optical.crm.communication"], cls.env["optical.crm.event"]
        # 12 of 40 contacted bought (30%), 3 of 30 held out (10%).
        for n, partner in enumerate(partners):
            contacted = n < 40
            purchase = Event.create({"partner_id": partner.id, "event_type": "sale_delivery", "amount": 100,
                                     "event_date": day + datetime.timedelta(days=8), "company_id": cls.shop.id}) \
                if (n < 12 or 40 <= n < 43) else Event
            Communication.create({
                "partner_id": partner.id, "company_id": cls.shop.id, "channel": "export", "source": "cycle",
                "cycle_id": cls.cycle.id, "cycle_step_id": step.id, "scheduled_date": day,
                "state": "sent" if contacted else "skipped", "skip_code": False if contacted else "holdout",
                "sent_date": datetime.datetime(2026, 3, 2, 9) if contacted else False,
                "purchased_after_contact": bool(purchase), "purchase_event_id": purchase.id,
            })

    def test_owner_reads_the_uplift(self):
        # The pivot asks its groupings at once, and gets them in one pass (however few rows a customer has here).
        Analysis = type(self.env["optical.crm.analysis"])
        asked = []

        @api.model
        def read_group_sets(model, domain, fields, groupbys):
            answer = read_group_sets.original(model, domain, fields, groupbys)
            asked.append((groupbys, answer is not None))
            return answer

        read_group_sets.original = Analysis.read_group_sets
        with patch.object(optical_crm_pivot_mixin, "SETS_MIN_SHRINK", 0), \
                patch.object(Analysis, "read_group_sets", read_group_sets):
            self.start_tour("/odoo/action-optical_crm.optical_crm_cycle_action/%s" % self.cycle.id,
                            "optical_crm_results_tour", login="tour_owner", timeout=180)
        self.assertIn(([[], ["cycle_step_id"], ["cycle_step_id", "company_id"]], True), asked)
