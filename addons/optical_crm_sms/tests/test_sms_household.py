import datetime

from odoo.tests import tagged

from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsHousehold(OpticalSmsCommon):
    """One SMS of a campaign per mobile number, however it is written."""

    def test_three_customers_one_mobile_one_sms(self):
        today = self.shop._optical_today()
        # Customers as Odoo and FOCUS create them (no company), the shop's by their first event.
        family = self.env["res.partner"].create([{
            "name": name, "mobile": mobile, "optical_consent_marketing": True, "optical_consent_sms": True,
        } for name, mobile in (("Rita Sala", "+39 333 1234567"), ("Ugo Sala", "3331234567"),
                               ("Ivo Sala", "0039 333 1234567"))])
        neighbour = self.env["res.partner"].create({
            "name": "Eva Porta", "mobile": "+39 333 7654321", "optical_consent_marketing": True,
            "optical_consent_sms": True})
        customers = family | neighbour
        self.env["optical.crm.event"].create([{
            "partner_id": partner.id, "event_type": "new_customer", "company_id": self.shop.id,
            "event_date": today - datetime.timedelta(days=30)} for partner in customers])
        self.assertFalse(customers.company_id)
        campaign = self.env["optical.crm.campaign"].create({
            "name": "Saldi", "company_id": self.shop.id, "date_start": today, "date_end": today,
            "partner_domain": str([("id", "in", customers.ids)]),
            "step_ids": [(0, 0, {"name": "SMS", "channel": "sms", "day_offset": 0, "body": "Saldi!"})],
        })
        campaign.action_schedule()
        # The reach counts households: two numbers for four customers.
        reach = self.env["optical.crm.communication"]._reach_households(
            self.env["optical.crm.segment"]._reach(campaign._target_domain(), channels=["sms"],
                                                   values={"campaign_id": campaign.id}),
            campaign._target_domain(), {"campaign_id": campaign.id}, self.shop)
        (_channel, _label, reachable, reasons), = reach["channels"]
        self.assertEqual((reachable, dict(reasons)), (2, {"Same household as another customer": 2}))
        self.env["optical.crm.communication"]._cron_plan_company(self.shop)
        rows = self.env["optical.crm.communication"].search([("campaign_id", "=", campaign.id)])
        self.assertEqual({c.partner_id.name: (c.state, c.skip_code) for c in rows}, {
            "Rita Sala": ("planned", False), "Ugo Sala": ("skipped", "household"),
            "Ivo Sala": ("skipped", "household"), "Eva Porta": ("planned", False)})
        self.assertEqual(set(rows.filtered(lambda c: c.skip_code).mapped("skip_reason")),
                         {"One per household: Rita Sala gets this message at the same address"})
        with self.gateway() as gateway:
            self._send()
        self.assertEqual(sorted(body["to"] for body in gateway.delivered.values()),
                         ["+393331234567", "+393337654321"])
