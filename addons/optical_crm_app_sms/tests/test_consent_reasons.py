import dataclasses
import datetime
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.optical_crm.tests.common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm_app_sms")
class TestConsentReasons(OpticalCrmCase):
    """The SMS and app modules add their channels and the consent each needs
    to core's rules (``Channel.consent``): the most specific missing
    consent is the reason given."""

    def test_channel_specific_consent_reason(self):
        self.cycle("optometry", [(0, "days", "sms"), (0, "days", "app")])
        partner = self.customer("Solo Marketing", optical_consent_sms=False)
        partner.optical_consent_app = False
        self.event(partner, "optometry", D(2026, 3, 2))
        every_channel = [dataclasses.replace(channel, send="_send_export")
                         for channel in self.Communication._optical_channels()]
        with patch.object(type(self.Communication), "_optical_channels", return_value=every_channel):
            self.plan(D(2026, 3, 2))
        reasons = {c.channel: c.skip_reason for c in self.communications(partner_id=partner.id)}
        self.assertEqual(reasons, {"sms": "No SMS consent", "app": "No app consent"})

    def test_channels_added_by_their_modules(self):
        channels = dict(self.Communication._fields["channel"].selection)
        # Another channel module installed in the same database adds its own (WhatsApp).
        others = {"whatsapp"} if "optical.crm.whatsapp.account" in self.env else set()
        self.assertEqual(set(channels), {"phone", "sms", "sms_link", "app", "email", "export"} | others)
        self.assertIn("app", channels)
        step_channels = dict(self.env["optical.crm.cycle.step"]._fields["channel"].selection)
        self.assertEqual(step_channels.keys(), channels.keys())
        export_channels = dict(self.env["optical.crm.export.wizard"]._fields["channel"]._description_selection(self.env))
        self.assertEqual(export_channels.keys(), channels.keys())
