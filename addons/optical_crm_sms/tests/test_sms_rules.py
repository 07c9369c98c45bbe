from dateutil.relativedelta import relativedelta

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
        # Both numbers become landlines: both are skipped for the number, so the
        # control group holds no customer the shop could not have reached.
        held.mobile = other.mobile = "06 1234 5678"
        Communication._apply_rules_for_partners(held | other)
        self.assertEqual((by_partner[held].state, by_partner[held].skip_code), ("skipped", "invalid_number"))
        self.assertEqual((by_partner[other].state, by_partner[other].skip_code), ("skipped", "invalid_number"))
        # Both numbers fixed: the number skip is undone, the control group is
        # the control group again (never planned).
        held.mobile = other.mobile = "347 111 2233"
        Communication._apply_rules_for_partners(held | other)
        self.assertEqual((by_partner[other].state, by_partner[other].sms_number), ("planned", "+393471112233"))
        self.assertEqual((by_partner[held].state, by_partner[held].skip_code), ("skipped", "holdout"))

    def test_control_group_holds_only_reachable_customers(self):
        """Customers as Odoo creates them (no company), some without a usable
        mobile: the planner never holds out one it could not have sent an SMS
        to; once the number is fixed the draw decides again, and running the
        planner and the rules again changes nothing."""
        self.cycle.holdout_percent = 50
        Communication = self.env["optical.crm.communication"]
        bad_mobiles = [False, "12 34", "06 1234 5678", "347 555", "", "+39 06 555 1234"]
        good = self._make_customers(["Buono %s" % i for i in range(4)],
                                    ["347 444 %04d" % i for i in range(4)], company_id=False)
        bad = self.env["res.partner"]
        for index in range(60):
            bad |= self._make_customers(["Senza numero %s" % index], [bad_mobiles[index % len(bad_mobiles)]],
                                        company_id=False)
            draws = {holdout_bucket(p.id, "cycle", self.cycle.id) < 50 for p in bad}
            if len(bad) >= len(bad_mobiles) and draws == {True, False}:
                break
        held = bad.filtered(lambda p: holdout_bucket(p.id, "cycle", self.cycle.id) < 50)
        self.assertTrue(held and held != bad, "bad numbers on both sides of the draw")
        today = self.shop._optical_today()
        self.env["optical.crm.event"].create([{
            "partner_id": partner.id, "event_type": "optometry", "company_id": self.shop.id,
            "event_date": today - relativedelta(months=12),
        } for partner in good | bad])

        def rows():
            return Communication.search([("partner_id", "in", (good | bad).ids),
                                         ("cycle_step_id", "=", self.step_sms.id)])

        def snapshot():
            self.env.invalidate_all()
            return {(c.partner_id, c.state, c.skip_code, c.skip_reason, c.sms_number) for c in rows()}

        Communication._plan_company(self.shop, today, today)
        by_partner = {c.partner_id: c for c in rows()}
        self.assertEqual(set(by_partner), set(good | bad))
        for partner in bad:
            self.assertEqual(by_partner[partner].state, "skipped")
            self.assertIn(by_partner[partner].skip_code, ("contact", "invalid_number"), partner.mobile)
        Communication._apply_rules_for_partners(good | bad)
        self.assertNotIn("holdout", {by_partner[p].skip_code for p in bad})
        for partner in good:
            in_draw = holdout_bucket(partner.id, "cycle", self.cycle.id) < 50
            self.assertEqual(by_partner[partner].skip_code or "planned", "holdout" if in_draw else "planned")
        # The numbers are fixed: the draw decides, as for everyone else.
        for index, partner in enumerate(bad):
            partner.mobile = "348 777 %04d" % index
        Communication._apply_rules_for_partners(bad)
        for partner in bad:
            communication = by_partner[partner]
            if partner in held:
                self.assertEqual((communication.state, communication.skip_code), ("skipped", "holdout"))
            else:
                self.assertEqual((communication.state, communication.skip_code), ("planned", False))
                self.assertTrue(communication.sms_number.startswith("+39348777"))
        # Running the planner and the rules again changes nothing.
        before = snapshot()
        Communication._plan_company(self.shop, today, today)
        Communication._apply_rules_for_partners(good | bad)
        self.assertEqual(snapshot(), before)
        self.assertEqual(len(rows()), len(good | bad))
