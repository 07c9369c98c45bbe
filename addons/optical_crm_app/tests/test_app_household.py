import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.optical_crm.tests.common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppHousehold(OpticalCrmCase):
    """Customers paired on the same device get one app message of a campaign."""

    def test_one_app_message_per_device(self):
        # Customers as Odoo and FOCUS create them (no company), the shop's by their first event.
        sara, tom, eva = customers = self.env["res.partner"].create([{
            "name": name, "optical_consent_marketing": True, "optical_consent_app": True,
        } for name in ("Sara Riva", "Tom Riva", "Eva Monti")])
        for partner in customers:
            self.event(partner, "new_customer", D(2026, 5, 1))
        # Sara and Tom paired the family tablet; Eva her own phone.
        self.env["optical.app.device"].create([{
            "name": "Device", "partner_id": partner.id, "company_id": self.shop_a.id,
            "api_key_hash": "hash-%s" % partner.id, "push_token": token,
        } for partner, token in ((sara, "tablet"), (tom, "tablet"), (eva, "phone"))])
        campaign = self.env["optical.crm.campaign"].create({
            "name": "Natale", "company_id": self.shop_a.id, "date_start": D(2027, 12, 1), "date_end": D(2027, 12, 24),
            "partner_domain": str([("id", "in", customers.ids)]),
            "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "app", "body": "Buon Natale"})],
        })
        with freeze_time("2027-11-28 09:00:00"):
            campaign.action_schedule()
            self.plan(D(2027, 11, 28))
        rows = self.communications(campaign_id=campaign.id)
        self.assertEqual({c.partner_id: (c.state, c.skip_code) for c in rows}, {
            sara: ("planned", False), tom: ("skipped", "household"), eva: ("planned", False)})
