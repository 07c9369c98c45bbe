import json

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.sms.controllers.main import SmsController

from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsOdooContract(HttpCase, OpticalSmsCommon):
    """The project's override of Odoo's ``/sms/status`` answers as Odoo's
    own does: IAP must be able to tell a rejected report from a taken one."""

    # What Odoo's test_mail_sms posts as a malformed report.
    MALFORMED = [{"sms_status": "delivered", "uuids": ["not a uuid"]}]

    def _post_status(self, message_statuses):
        payload = {"jsonrpc": "2.0", "method": "call", "id": 0, "params": {"message_statuses": message_statuses}}
        if message_statuses is None:
            del payload["params"]["message_statuses"]
        with mute_logger("odoo.addons.sms.controllers.main", "odoo.addons.optical_crm_sms.controllers.main",
                         "odoo.http"):
            response = self.url_open("/sms/status", data=json.dumps(payload),
                                     headers={"Content-Type": "application/json"})
        self.env.invalidate_all()
        return response

    def _odoo_error(self, message_statuses):
        """The error Odoo's own ``/sms/status`` raises for this report."""
        with self.assertRaises(UserError) as caught, mute_logger("odoo.addons.sms.controllers.main"):
            for status in message_statuses:
                SmsController._check_status_values(status["uuids"], status["sms_status"], message_statuses)
        return caught.exception

    def _queued(self):
        communication = self._plan(self.customers[0], self.step_sms)
        self.env["optical.crm.communication"]._cron_send_communications()
        self.assertEqual(communication.sms_id.state, "outgoing")
        return communication

    def _assert_odoo_error(self, response, expected):
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertNotIn("result", answer, "a malformed report must not be answered as taken")
        error = answer["error"]
        self.assertEqual(error["code"], 200)
        self.assertEqual(error["message"], "Odoo Server Error")
        self.assertEqual(error["data"]["name"], "%s.%s" % (type(expected).__module__, type(expected).__name__))
        self.assertEqual(error["data"]["message"], str(expected))

    def test_malformed_report_gets_odoo_error_with_either_provider(self):
        communication = self._queued()
        expected = self._odoo_error(self.MALFORMED)
        for provider in ("iap", "http"):
            with self.subTest(provider=provider):
                self.env["ir.config_parameter"].sudo().set_param("optical_crm_sms.provider", provider)
                self._assert_odoo_error(self._post_status(self.MALFORMED), expected)
                self.assertEqual((communication.state, communication.sms_id.state), ("sent", "outgoing"))

    def test_report_of_wrong_shape_gets_odoo_error_not_an_internal_one(self):
        # Odoo answers these with a KeyError or a TypeError; the override answers
        # them with the error Odoo gives a malformed report.
        expected = self._odoo_error(self.MALFORMED)
        self.env["ir.config_parameter"].sudo().set_param("optical_crm_sms.provider", "iap")
        for statuses in (None, "x", [{"sms_status": 1}], [{"sms_status": "delivered", "uuids": "nope"}],
                         [{"sms_status": "delivered"}], [{"sms_status": "", "uuids": ["0" * 32]}], ["x"]):
            with self.subTest(statuses=statuses):
                self._assert_odoo_error(self._post_status(statuses), expected)

    def test_well_formed_report_with_the_http_provider_is_ok_and_moves_nothing(self):
        communication = self._queued()
        response = self._post_status([{"sms_status": "delivered", "uuids": [communication.sms_reference]}])
        self.assertEqual(response.json(), {"jsonrpc": "2.0", "id": 0, "result": "OK"})
        self.assertEqual((communication.state, communication.sms_id.state, communication.sms_id.to_delete),
                         ("sent", "outgoing", False))
        # An empty list is a report of nothing, as for Odoo.
        self.assertEqual(self._post_status([]).json()["result"], "OK")
