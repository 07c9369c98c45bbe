from odoo.tests import tagged

from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsAnalysis(OpticalSmsCommon):

    def test_results_count_sms_cost_and_delivered_as_reached(self):
        communications = self._plan(self.customers, self.step_sms)
        with self.gateway():
            self._send()
        self.assertEqual(set(communications.mapped("state")), {"sent"})
        # The gateway reports the first SMS delivered: that customer is reached.
        communications[0]._sms_update_from_delivery("sent")
        cells = self.env["optical.crm.analysis"].with_user(self.manager).read_group(
            [("cycle_id", "=", self.cycle.id)],
            ["customer_contacted:count_distinct", "customer_reached:count_distinct", "cost:sum"],
            ["cycle_id"], lazy=False)
        self.assertEqual(len(cells), 1)
        # One segment each at 0.05.
        self.assertEqual((cells[0]["customer_contacted"], cells[0]["customer_reached"], round(cells[0]["cost"], 4)),
                         (3, 1, 0.15))
