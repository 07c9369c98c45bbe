from odoo.tests import tagged

from .common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppSegment(OpticalAppCase):
    """The segment "With the app", and the app channel in a segment's reach."""

    def test_app_users_and_their_reach(self):
        self.pair(self.mario)
        Segment = self.env["optical.crm.segment"]
        app_users = Segment.create({"name": "App", "criterion": "app_user", "company_id": self.shop_a.id})
        domain = (Segment._customer_domain(self.shop_a) + app_users._partner_domain(self.shop_a._optical_today())
                  + [("id", "in", (self.mario | self.lucia).ids)])
        self.assertEqual(self.env["res.partner"].search(domain), self.mario)
        everyone = [("id", "in", (self.mario | self.lucia).ids)]
        (channel, _label, reachable, reasons), = Segment._reach(everyone, channels=["app"])["channels"]
        self.assertEqual((channel, reachable, reasons), ("app", 1, [("The customer has no paired app", 1)]))
        # A revoked device no longer counts.
        self.mario.optical_app_device_ids._revoke("customer")
        self.assertFalse(self.env["res.partner"].search(domain))
