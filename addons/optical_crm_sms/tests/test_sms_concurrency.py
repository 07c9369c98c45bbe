from unittest.mock import patch

import requests

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.optical_crm.tests.common import RealServerCase

INBOUND = "/optical_crm_sms/v1/inbound"


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsConcurrentStop(RealServerCase):
    """Two STOPs for one number at once, as two gateway workers send them:
    one of them answered 422 (the blacklist's unique number) and its inbound
    SMS was lost."""

    NUMBER = "+393470009171"  # no customer has it: the test touches no customer
    KEY = "test-concurrent-stop-0123456789abcdef"

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            previous = env["ir.config_parameter"].get_param("optical_crm_sms.gateway_api_key")
            env["ir.config_parameter"].set_param("optical_crm_sms.gateway_api_key", self.KEY)
        self.addCleanup(self._clean, previous)

    def _clean(self, previous):
        with self.committed_env() as env:
            env["ir.config_parameter"].set_param("optical_crm_sms.gateway_api_key", previous or False)
            env["optical.crm.sms.inbound"].search([("number", "=", self.NUMBER)]).unlink()
            env["phone.blacklist"].with_context(active_test=False).search([("number", "=", self.NUMBER)]).unlink()

    def stop(self):
        return requests.post(self.url(INBOUND), json={"from": self.NUMBER, "text": "STOP"}, timeout=60,
                             headers={"Authorization": "Bearer %s" % self.KEY})

    def test_two_stops_at_once_are_both_taken_and_logged(self):
        Blacklist = self.registry["phone.blacklist"]
        # Both requests look for the number before either adds it.
        with patch.object(Blacklist, "_add", self.meeting(Blacklist._add)), \
                mute_logger("odoo.sql_db", "odoo.addons.optical_crm_sms.controllers.main"):
            responses = self.concurrently(self.stop, self.stop)
        self.assertEqual([response.status_code for response in responses], [200, 200],
                         [response.text for response in responses])
        self.assertEqual([response.json()["stop"] for response in responses], [True, True])
        with self.committed_env() as env:
            entries = env["phone.blacklist"].with_context(active_test=False).search([("number", "=", self.NUMBER)])
            self.assertEqual(len(entries), 1)
            self.assertTrue(entries.active)
            inbound = env["optical.crm.sms.inbound"].search([("number", "=", self.NUMBER)])
            self.assertEqual(inbound.mapped("is_stop"), [True, True], "each STOP is logged once")
