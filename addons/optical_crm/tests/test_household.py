import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
class TestHousehold(OpticalCrmCase):
    """A campaign sends one message per address several customers share;
    personal messages (a cycle's) stay per person."""

    def family(self, *emails):
        """Customers as Odoo and FOCUS create them (no company), the shop's by their first event."""
        partners = self.env["res.partner"].create([{
            "name": "Famiglia Conti %s" % i, "email": email, "optical_consent_marketing": True,
        } for i, email in enumerate(emails)])
        for partner in partners:
            self.event(partner, "new_customer", D(2026, 5, 1))
        return partners

    def campaign(self, partners, **values):
        campaign = self.env["optical.crm.campaign"].create({
            "name": "Natale", "company_id": self.shop_a.id, "date_start": D(2027, 12, 1), "date_end": D(2027, 12, 24),
            "partner_domain": str([("id", "in", partners.ids)]),
            "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "email", "body": "Buon Natale"})],
            **values,
        })
        campaign.action_schedule()
        return campaign

    def test_one_email_per_address(self):
        anna, bruno, carlo = family = self.family(
            "Conti@Example.com ", "conti@example.com", '"Carlo Conti" <conti@example.com>')
        other = self.family("other@example.com")
        self.assertFalse(family.company_id)
        with freeze_time("2027-11-28 09:00:00"):
            campaign = self.campaign(family | other)
            self.assertTrue(campaign.one_per_household)
            self.plan(D(2027, 11, 28))
            rows = self.communications(campaign_id=campaign.id)
            states = {c.partner_id: (c.state, c.skip_code) for c in rows}
            self.assertEqual(states, {anna: ("planned", False), bruno: ("skipped", "household"),
                                      carlo: ("skipped", "household"), other: ("planned", False)})
            self.assertEqual(rows.filtered(lambda c: c.partner_id == bruno).skip_reason,
                             "One per household: %s gets this message at the same address" % anna.name)
            # Anna withdraws her consent: the household's next customer gets it instead.
            anna.optical_consent_marketing = False
            states = {c.partner_id: (c.state, c.skip_code) for c in rows}
            self.assertEqual(states, {anna: ("skipped", "consent"), bruno: ("planned", False),
                                      carlo: ("skipped", "household"), other: ("planned", False)})
            self.assertIn(bruno.name, rows.filtered(lambda c: c.partner_id == carlo).skip_reason)
            self.assertEqual(self.plan(D(2027, 11, 28)), 0)
            # The reach counts households: Anna has no consent, Bruno and Carlo are one household, and the other.
            reach = self.Communication._reach_households(
                self.env["optical.crm.segment"]._reach(campaign._target_domain(), channels=["email"],
                                                        values={"campaign_id": campaign.id}),
                campaign._target_domain(), {"campaign_id": campaign.id}, campaign.company_id)
            (_channel, _label, reachable, reasons), = reach["channels"]
            self.assertEqual(reachable, 2)
            self.assertEqual(dict(reasons)["Same household as another customer"], 1)
            self.assertIn("Same household as another customer", campaign.reach_html)

    def test_reach_of_a_step_with_alternatives_counts_households(self):
        """A step with alternatives (e-mail, then a call) on a campaign of one per household: the campaign's
        reach shows the chain counted in households (the form used to fail on it)."""
        family = self.family("conti@example.com", "Conti@example.com")
        caller = self.family(False)
        caller.mobile = "+393331234567"
        with freeze_time("2027-11-28 09:00:00"):
            campaign = self.campaign(family | caller)
            campaign.step_ids.fallback_ids = [(0, 0, {"channel": "phone", "sequence": 1})]
            campaign.invalidate_recordset(["reach_html"])
            html = str(campaign.reach_html)
            self.assertIn("Same household as another customer", html)
            reach = self.Communication._reach_households(
                self.env["optical.crm.segment"]._reach(campaign._target_domain(), channels=["email"],
                                                        values={"campaign_id": campaign.id},
                                                        chains=[("email", "phone")]),
                campaign._target_domain(), {"campaign_id": campaign.id}, campaign.company_id)
            rows = {channel: (reachable, dict(reasons)) for channel, _label, reachable, reasons in reach["channels"]}
            # By e-mail: the household once. E-mail, else a call: the household once, and the one with a mobile.
            self.assertEqual(rows["email"][0], 1)
            self.assertEqual(rows[("email", "phone")][0], 2)
            self.assertEqual(rows[("email", "phone")][1]["Same household as another customer"], 1)

    def test_the_one_handed_over_keeps_it_and_per_person_when_asked(self):
        anna, bruno = family = self.family("conti@example.com", "CONTI@example.com")
        with freeze_time("2027-11-28 09:00:00"):
            campaign = self.campaign(family)
            self.plan(D(2027, 11, 28))
            rows = self.communications(campaign_id=campaign.id)
            self.assertEqual({c.partner_id: c.skip_code for c in rows}, {anna: False, bruno: "household"})
            campaign.one_per_household = False
            self.assertEqual(set(rows.mapped("state")), {"planned"})
            rows.filtered(lambda c: c.partner_id == bruno)._mark_sent()
            campaign.one_per_household = True
            states = {c.partner_id: (c.state, c.skip_code) for c in rows}
            self.assertEqual(states, {anna: ("skipped", "household"), bruno: ("sent", False)})

    def test_personal_messages_stay_per_person(self):
        family = self.family("conti@example.com", "conti@example.com")
        cycle = self.cycle("new_customer", [(0, "days", "email")], shop=self.shop_a)
        cycle.step_ids.body = "Benvenuti"
        for partner in family:
            self.event(partner, "new_customer", D(2027, 11, 29))
        with freeze_time("2027-11-28 09:00:00"):
            self.plan(D(2027, 11, 28))
        rows = self.communications(cycle_id=cycle.id)
        self.assertEqual(len(rows), 2)
        self.assertEqual(set(rows.mapped("state")), {"planned"})
