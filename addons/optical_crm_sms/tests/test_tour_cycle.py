from odoo.tests import tagged

from odoo.addons.optical_crm.tests.common_tour import OpticalTourCase

from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms", "optical_crm_tour")
class TestTourCycle(OpticalTourCase, OpticalSmsCommon):
    """The owner creates a cyclic activity with an SMS-with-link step and its page."""

    def test_owner_creates_a_cycle_with_an_sms_link_step(self):
        page = self.env["optical.crm.landing.page"].create({
            "name": "Tour page", "company_id": self.env.company.id, "title": "Happy birthday!",
        })
        self.shop_user(self.env, "cycle_owner", "Anna Titolare", self.env.company, owner=True)
        self.start_tour("/odoo/action-optical_crm.optical_crm_cycle_action", "optical_crm_sms_cycle_tour",
                        login="cycle_owner", timeout=180)
        cycle = self.env["optical.crm.cycle"].search([("name", "=", "Tour birthday wishes")])
        self.assertEqual(cycle.event_type, "birthday")
        self.assertEqual((cycle.step_ids.channel, cycle.step_ids.landing_page_id), ("sms_link", page))
