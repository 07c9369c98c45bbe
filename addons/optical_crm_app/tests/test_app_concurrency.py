import datetime
from unittest.mock import patch

import requests

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.optical_crm.tests.common import RealServerCase

from ..tools.pairing import generate_pairing_code, normalize_pairing_code

PAIR = "/optical_app/v1/pair"


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppConcurrentPairing(RealServerCase):
    """Two devices pairing with one code at once: the loser, retried by Odoo
    after a serialization failure, counted its wrong code twice."""

    def setUp(self):
        super().setUp()
        self.code = generate_pairing_code()
        with self.committed_env() as env:
            partner = env["res.partner"].create({"name": "Concurrent Pairing", "optical_consent_app": True})
            partner.write({
                "optical_app_pairing_hash": env["optical.app.device"]._hash(normalize_pairing_code(self.code)),
                "optical_app_pairing_expiry": fields.Datetime.now() + datetime.timedelta(minutes=15),
                "optical_app_pairing_company_id": env.company.id,
            })
            self.partner_id = partner.id
            env.cr.execute("SELECT COALESCE(max(id), 0) FROM optical_app_pairing_attempt")
            self.last_attempt = env.cr.fetchone()[0]
        self.addCleanup(self._clean)

    def _clean(self):
        with self.committed_env() as env:
            env.cr.execute("DELETE FROM optical_app_pairing_attempt WHERE id > %s", [self.last_attempt])
            # Its devices and messages go with it.
            env["res.partner"].browse(self.partner_id).unlink()

    def attempts(self):
        with self.committed_env() as env:
            env.cr.execute("SELECT count(*) FROM optical_app_pairing_attempt WHERE id > %s AND address = '127.0.0.1'",
                           [self.last_attempt])
            return env.cr.fetchone()[0]

    def pair(self):
        return requests.post(self.url(PAIR), json={"pairing_code": self.code}, timeout=60)

    def test_a_retried_pairing_counts_once(self):
        Device = self.registry["optical.app.device"]
        # Both requests hold the code before either consumes it.
        with patch.object(Device, "_pair", self.meeting(Device._pair)), mute_logger("odoo.sql_db"):
            responses = self.concurrently(self.pair, self.pair)
        self.assertEqual(sorted(response.status_code for response in responses), [200, 401],
                         [response.text for response in responses])
        # The right code gave its attempt back; the loser's counts once.
        self.assertEqual(self.attempts(), 1)
        with self.committed_env() as env:
            self.assertEqual(len(env["optical.app.device"].search([("partner_id", "=", self.partner_id)])), 1)

    def test_the_alert_is_written_by_the_attempts_own_transaction(self):
        """In production an attempt is counted (and the owners alerted) in a
        transaction of its own, committed at once: the alert stays whatever
        the request does next."""
        with self.committed_env() as env:
            Param = env["ir.config_parameter"]
            previous = Param.get_param("optical_crm_app.pairing_max_wrong_global")
            Param.set_param("optical_crm_app.pairing_max_wrong_global", 1)
            alert_type = env.ref("optical_crm_app.mail_activity_type_pairing_alert")
            env.cr.execute("SELECT (SELECT COALESCE(max(id), 0) FROM mail_activity), "
                           "(SELECT COALESCE(max(id), 0) FROM mail_mail), (SELECT COALESCE(max(id), 0) FROM mail_message)")
            last_activity, last_mail, last_message = env.cr.fetchone()

        def clean():
            with self.committed_env() as env:
                env["ir.config_parameter"].set_param("optical_crm_app.pairing_max_wrong_global", previous or False)
                env["mail.activity"].with_context(active_test=False).search([("id", ">", last_activity)]).unlink()
                env["mail.mail"].search([("id", ">", last_mail)]).unlink()
                env["mail.message"].search([("id", ">", last_message)]).unlink()
        self.addCleanup(clean)

        response = requests.post(self.url(PAIR), json={"pairing_code": "ABCD-EFGH"}, timeout=60)
        self.assertEqual(response.status_code, 401, response.text)
        with self.committed_env() as env:
            alerts = env["mail.activity"].with_context(active_test=False).search([
                ("id", ">", last_activity), ("activity_type_id", "=", alert_type.id)])
            self.assertTrue(alerts)
            self.assertTrue(all(user.has_group("optical_crm.group_optical_crm_manager") for user in alerts.user_id))
            # Each owner's e-mail waits in the queue: the public request sent nothing itself.
            mails = env["mail.mail"].search([("id", ">", last_mail)])
            self.assertEqual(set(mails.mapped("state")), {"outgoing"})
