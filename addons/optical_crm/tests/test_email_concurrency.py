from unittest.mock import patch

import requests

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RealServerCase


@tagged("post_install", "-at_install", "optical_crm")
class TestEmailConcurrentUnsubscribe(RealServerCase):
    """The unsubscribe page's button and the mail client's one-click POST
    for one address at once: the second failed on mail.blacklist's unique
    e-mail."""

    EMAIL = "concurrent.unsubscribe@example.com"  # no other contact has it

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            partner = env["res.partner"].create({
                "name": "Concurrent Unsubscribe", "email": self.EMAIL, "optical_consent_marketing": True})
            communication = env["optical.crm.communication"].create({
                "partner_id": partner.id, "company_id": env.company.id, "channel": "email",
                "purpose": "marketing", "scheduled_date": env.company._optical_today(), "subject": "Hello",
                "body": "A message for you", "state": "sent",
            })
            self.partner_id = partner.id
            self.path = "/optical_crm/email/%s/%s/unsubscribe" % (
                communication.id, communication._email_token(communication.id))
        self.addCleanup(self._clean)

    def _clean(self):
        with self.committed_env() as env:
            # Its communications and messages go with it.
            env["res.partner"].browse(self.partner_id).unlink()
            env["mail.blacklist"].with_context(active_test=False).search([("email", "=", self.EMAIL)]).unlink()

    def unsubscribe(self, data):
        return requests.post(self.url(self.path), data=data, timeout=60)

    def test_the_button_and_the_one_click_at_once_both_unsubscribe(self):
        Blacklist = self.registry["mail.blacklist"]
        # Both requests look for the address before either adds it.
        with patch.object(Blacklist, "_add", self.meeting(Blacklist._add)), mute_logger("odoo.sql_db"):
            responses = self.concurrently(lambda: self.unsubscribe({"confirm": "1"}),
                                          lambda: self.unsubscribe({"List-Unsubscribe": "One-Click"}))
        self.assertEqual([response.status_code for response in responses], [200, 200],
                         [response.text[:300] for response in responses])
        self.assertIn("will no longer receive our e-mails", responses[0].text)
        with self.committed_env() as env:
            entries = env["mail.blacklist"].with_context(active_test=False).search([("email", "=", self.EMAIL)])
            self.assertEqual(len(entries), 1)
            self.assertTrue(entries.active)
            self.assertFalse(env["res.partner"].browse(self.partner_id).optical_consent_email)
