from odoo.tests import tagged

from odoo.addons.optical_crm.tools.holdout import holdout_bucket

from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsRules(OpticalSmsCommon):
    """The SMS number rule plugs into core's 'plan again when the reason is
    gone': it only ever undoes its own skips."""

    def _customers_by_draw(self):
        """(one customer in the cycle's control group at 50%, one outside it)."""
        held = contacted = None
        for index in range(40):
            customer = self._make_customers(["Cliente %s" % index], ["347 555 %04d" % index])
            if holdout_bucket(customer.id, "cycle", self.cycle.id) < 50:
                held = held or customer
            else:
                contacted = contacted or customer
            if held and contacted:
                return held, contacted
        raise AssertionError("no customer on each side of the draw")

    def test_number_rule_undoes_only_its_own_skips(self):
        self.cycle.holdout_percent = 50
        held, other = self._customers_by_draw()
        communications = self._plan(held | other, self.step_sms)
        by_partner = {c.partner_id: c for c in communications}
        Communication = self.env["optical.crm.communication"]
        Communication._apply_rules_for_partners(held | other)
        self.assertEqual((by_partner[held].state, by_partner[held].skip_code), ("skipped", "holdout"))
        self.assertEqual(by_partner[other].state, "planned")
        # Both numbers become landlines: the control group stays the control group.
        held.mobile = other.mobile = "06 1234 5678"
        Communication._apply_rules_for_partners(held | other)
        self.assertEqual((by_partner[held].state, by_partner[held].skip_code), ("skipped", "holdout"))
        self.assertEqual((by_partner[other].state, by_partner[other].skip_code), ("skipped", "invalid_number"))
        # Both numbers fixed: the number skip is undone, the control group is not.
        held.mobile = other.mobile = "347 111 2233"
        Communication._apply_rules_for_partners(held | other)
        self.assertEqual((by_partner[other].state, by_partner[other].sms_number), ("planned", "+393471112233"))
        self.assertEqual((by_partner[held].state, by_partner[held].skip_code), ("skipped", "holdout"))
