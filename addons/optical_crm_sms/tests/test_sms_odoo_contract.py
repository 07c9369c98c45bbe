import json
from unittest.mock import patch

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.optical_crm.tools.set_based import update_same
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


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsCreateSetBased(OpticalSmsCommon):
    """The sender's set-based creation of ``sms.sms`` gives what Odoo's
    ``create`` gives, field by field."""

    def _vals(self):
        communication = self._plan(self.customers[0], self.step_sms)
        return [
            {"number": "+393331112233", "body": "Ciao Anna, è ora del controllo!", "partner_id": self.customers[0].id,
             "optical_communication_id": communication.id},
            # Untidy: no customer, no communication, an empty text.
            {"number": "+393334445566", "body": "", "partner_id": False},
        ]

    def _values(self, sms, names):
        return [{name: record[name] for name in names} for record in sms]

    def test_set_based_sms_are_created_sms_field_by_field(self):
        Sms = self.env["sms.sms"].sudo()  # as the sender creates them
        vals = self._vals()
        created, set_based = Sms.create(vals), Sms._optical_create_outgoing(vals)
        names = [name for name in Sms._fields if name not in ("id", "uuid", "display_name")]
        # As they are in the cache just after creation, then as read back.
        self.assertEqual(self._values(set_based, names), self._values(created, names))
        self.env.invalidate_all()
        self.assertEqual(self._values(set_based, names), self._values(created, names))
        self.assertEqual(set_based.mapped("state"), ["outgoing", "outgoing"])
        # Every column of the rows, but each SMS's own reference.
        self.env.cr.execute("SELECT * FROM sms_sms WHERE id IN %s ORDER BY id", [tuple((created | set_based).ids)])
        rows = [{key: value for key, value in row.items() if key not in ("id", "uuid")}
                for row in self.env.cr.dictfetchall()]
        self.assertEqual(rows[2:], rows[:2])
        uuids = (created | set_based).mapped("uuid")
        self.assertEqual(len(set(uuids)), 4)
        self.assertTrue(all(len(uuid) == 32 and int(uuid, 16) >= 0 for uuid in uuids))

    def test_set_based_creation_refused_as_create_is(self):
        vals = self._vals()
        with self.assertRaises(AccessError):
            self.env["sms.sms"].with_user(self.staff).create(vals)
        with self.assertRaises(AccessError):
            self.env["sms.sms"].with_user(self.staff)._optical_create_outgoing(vals)

    def test_a_module_overriding_create_is_called(self):
        Sms = type(self.env["sms.sms"])
        calls = []

        @api.model_create_multi
        def create(this, vals_list):
            calls.append(len(vals_list))
            return models.BaseModel.create(this, vals_list)

        with patch.object(Sms, "create", create):
            sms = self.env["sms.sms"].sudo()._optical_create_outgoing(self._vals())
        self.assertEqual((calls, sms.mapped("number")), ([2], ["+393331112233", "+393334445566"]))


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsWriteSetBased(OpticalSmsCommon):
    """The queue's set-based state writes give what Odoo's ``write`` gives,
    field by field."""

    def _pair(self):
        Sms = self.env["sms.sms"].sudo()  # as the queue writes them
        vals = [{"number": "+39333111%04d" % index, "body": "Ciao!", "partner_id": self.customers[0].id}
                for index in range(3)]
        return Sms.create(vals), Sms.create(vals)

    def test_set_based_state_written_as_write_writes_it(self):
        names = [name for name in self.env["sms.sms"]._fields if name not in ("id", "uuid", "display_name")]
        for vals in ({"state": "pending", "failure_type": False, "to_delete": True, "optical_next_attempt": False},
                     {"state": "error", "failure_type": "sms_server", "to_delete": False,
                      "optical_next_attempt": "2026-12-08 10:00:00"}):
            written, set_based = self._pair()
            # Untidy: changes of the ORM not flushed yet, one of a field written here.
            written[0].body = set_based[0].body = "Changed before"
            written[1].to_delete = set_based[1].to_delete = not vals["to_delete"]
            written.write(vals)
            set_based._optical_write_same(vals)
            self.assertEqual([{name: sms[name] for name in names} for sms in set_based],
                             [{name: sms[name] for name in names} for sms in written])
            self.env.invalidate_all()
            self.assertEqual([{name: sms[name] for name in names} for sms in set_based],
                             [{name: sms[name] for name in names} for sms in written])
            self.assertEqual(set_based.mapped("state"), [vals["state"]] * 3)
            self.assertEqual(set_based[0].body, "Changed before")
            self.assertEqual(set_based.mapped("to_delete"), [vals["to_delete"]] * 3)
            self.env.cr.execute("SELECT * FROM sms_sms WHERE id IN %s ORDER BY id", [tuple((written | set_based).ids)])
            rows = [{key: value for key, value in row.items() if key not in ("id", "uuid", "number")}
                    for row in self.env.cr.dictfetchall()]
            self.assertEqual(rows[3:], rows[:3])
        # No values: as write, the log columns only.
        self.assertTrue(set_based._optical_write_same({}))

    def test_set_based_write_refused_as_write_is(self):
        written, set_based = self._pair()
        for sms in (written, set_based):
            with self.assertRaises(AccessError):
                sms.with_user(self.staff)._optical_write_same({"state": "pending"})
        with self.assertRaises(AccessError):
            written.with_user(self.staff).write({"state": "pending"})
        self.assertEqual((written | set_based).mapped("state"), ["outgoing"] * 6)

    def test_a_module_overriding_write_is_called(self):
        Sms = type(self.env["sms.sms"])
        calls = []

        def write(this, vals):
            calls.append(sorted(vals))
            return models.BaseModel.write(this, vals)

        written, _set_based = self._pair()
        with patch.object(Sms, "write", write):
            written._optical_write_same({"state": "pending", "to_delete": True})
        self.assertEqual((calls, written.mapped("state")), ([["state", "to_delete"]], ["pending"] * 3))

    def test_what_sql_may_not_write_goes_through_write(self):
        """A many2one is written by ``write`` (the inverse caches of what it
        points to); the queue's plain columns by one UPDATE."""
        written, _set_based = self._pair()
        with patch("odoo.addons.optical_crm_sms.models.sms_sms.update_same", wraps=update_same) as sql:
            written._optical_write_same({"state": "pending", "to_delete": True})
            self.assertEqual(sql.call_count, 1)
            written._optical_write_same({"partner_id": self.customers[1].id})
            self.assertEqual(sql.call_count, 1)
        self.env.invalidate_all()
        self.assertEqual([sms.partner_id for sms in written], [self.customers[1]] * 3)
        self.assertEqual(written.mapped("state"), ["pending"] * 3)
