from unittest.mock import patch

from odoo import fields, sql_db
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppReliability(OpticalAppCase):
    """Inputs that answered 500, and the pairing limit counted before the code is checked."""

    def test_ids_beyond_postgresql_integers_are_not_found(self):
        key = self.pair(self.mario)
        for path in ("/messages/2147483648/read", "/messages/9223372036854775808/read",
                     "/devices/2147483648/revoke", "/devices/100000000000000000000000000/revoke"):
            self.assertJsonError(self.call("POST", path, key=key), 404, path.split("/")[1][:-1])
        self.assertJsonError(self.call("GET", "/promotions/2147483648/cover", key=key), 404, "campaign")

    def test_text_postgresql_cannot_store_names_its_field(self):
        key = self.pair(self.mario)
        self.assertJsonError(self.call("POST", "/device", key=key, body={"push_token": "tok\u0000"}), 400,
                             "push_token")
        self.assertJsonError(self.call("POST", "/device", key=key, body={"device_name": "Pixel\ud800"}), 400,
                             "device_name")
        code = self.generate_code(self.lucia)
        self.assertJsonError(self.call("POST", "/pair", body={"pairing_code": code, "device_name": "a\u0000"}),
                             400, "device_name")
        # Nested beyond the parser's recursion limit, within the route's body limit.
        deep = "[" * 10000 + "]" * 10000
        self.assertJsonError(self.call("POST", "/pair", raw=deep, headers={"Content-Type": "application/json"}),
                             400, "body")
        self.assertEqual(self.call("POST", "/pair", body={"pairing_code": code}).status_code, 200)

    def test_an_attempt_is_counted_before_its_code_is_checked_and_a_right_code_gives_it_back(self):
        Attempt = self.env["optical.app.pairing.attempt"]
        self.assertFalse(Attempt.search_count([("address", "=", "127.0.0.1")]))
        for _attempt in range(3):
            self.call("POST", "/pair", body={"pairing_code": "ABCD-EFGH"})
        self.assertEqual(Attempt.search_count([("address", "=", "127.0.0.1")]), 3)
        self.assertEqual(self.call("POST", "/pair", body={"pairing_code": self.generate_code(self.mario)})
                         .status_code, 200)
        self.assertEqual(Attempt.search_count([("address", "=", "127.0.0.1")]), 3)

    def test_many_wrong_codes_from_everywhere_alert_the_owners_and_block_nobody(self):
        """200 wrong codes from 20 addresses locked every customer of every shop out of pairing."""
        self.env["ir.config_parameter"].sudo().set_param("optical_crm_app.pairing_max_wrong_global", 5)
        Attempt = self.env["optical.app.pairing.attempt"]
        Attempt.create([{"address": "2001:db8:%s::/64" % n, "network": "2001:db8:%s::/48" % n} for n in range(5)])
        self.assertFalse(Attempt._is_blocked("2001:db8:77::1"))
        code = self.generate_code(self.mario)
        self.assertEqual(self.call("POST", "/pair", body={"pairing_code": code}).status_code, 200)
        # The owners are told, on their shop, once per window however many more come.
        alert_type = self.env.ref("optical_crm_app.mail_activity_type_pairing_alert")
        Activity = self.env["mail.activity"]
        alerts = Activity.search([("activity_type_id", "=", alert_type.id)])
        self.assertIn(self.owner, alerts.user_id)
        self.assertTrue(all(user.has_group("optical_crm.group_optical_crm_manager") for user in alerts.user_id))
        self.assertEqual(len(alerts), len(alerts.user_id), "one alert per owner")
        alert = alerts.filtered(lambda a: a.user_id == self.owner).with_user(self.owner)
        self.assertEqual((alert.res_model, alert.res_id), ("res.partner", self.shop_a.partner_id.id))
        self.assertIn("6 wrong pairing codes in the last 15 minutes, from 6 networks", alert.note)
        for _attempt in range(3):
            self.assertJsonError(self.call("POST", "/pair", body={"pairing_code": "ABCD-EFGH"}), 401, "pairing_code")
        self.assertEqual(Activity.search([("activity_type_id", "=", alert_type.id)]), alerts)
        # Marked done, the alert still counts for its window.
        alert.action_done()
        self.call("POST", "/pair", body={"pairing_code": "ABCD-EFGH"})
        self.assertFalse(Activity.search([("activity_type_id", "=", alert_type.id), ("user_id", "=", self.owner.id)]))

    def test_an_ipv6_site_is_limited_as_a_whole(self):
        """Without the limit on all addresses together, the /64s of one /48 are not free guesses."""
        Attempt = self.env["optical.app.pairing.attempt"]
        Attempt.create([{"address": "2001:db8:1:%x::/64" % n, "network": "2001:db8:1::/48"} for n in range(30)])
        self.assertTrue(Attempt._is_blocked("2001:db8:1:ffff::1"))
        self.assertIsNone(Attempt._reserve("2001:db8:1:ffff::1"))
        self.assertFalse(Attempt._is_blocked("2001:db8:2::1"))
        self.assertFalse(Attempt._is_blocked("192.0.2.7"))

    def test_a_push_service_address_requests_cannot_use_fails_the_push_not_the_queue(self):
        """Suspected: the push cron aborted on a ``requests`` error other than
        its own and pushed its batch again. Every such error is the push's."""
        self.pair(self.mario, push_token="tok-m")
        self.pair(self.lucia, push_token="tok-l")
        pushes = self.send(self.app_communication(self.mario)
                           | self.app_communication(self.lucia)).app_message_ids.push_ids
        Push = self.env["optical.app.push"]
        for url in ("http://[::1", "ftp://127.0.0.1/push", "http://127.0.0.1:9/push", "not a url"):
            self.env["ir.config_parameter"].sudo().set_param("optical_crm_app.push_url", url)
            pushes.write({"state": "pending", "attempts": 0, "next_attempt_date": fields.Datetime.now()})
            self.assertEqual(Push._cron_process_push_queue(), 2, url)
            self.env.invalidate_all()
            self.assertEqual(set(pushes.mapped("attempts")), {1}, url)
            self.assertTrue(all(pushes.mapped("last_error")), url)
        self.assertFalse(self.push_server.requests)

    def test_a_request_retried_after_a_serialization_failure_keeps_its_body(self):
        """Two calls of one device collided on the device row: Odoo retried
        the loser, which read an empty body and answered 400, the push token
        lost. The body is read cached: the retry sees it."""
        key = self.pair(self.mario)
        device = self.mario.optical_app_device_ids
        Device = type(device)
        original_write = Device.write
        collisions = []
        # A committed row no test writes, changed by "another worker" after this transaction's snapshot.
        self.env.cr.execute("SELECT min(id) FROM ir_module_category")
        row_id = self.env.cr.fetchone()[0]

        def colliding_write(records, vals):
            if "push_token" in vals and not collisions:
                collisions.append(vals)
                with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
                    other.execute("UPDATE ir_module_category SET write_date = write_date WHERE id = %s", [row_id])
                with mute_logger("odoo.sql_db"):
                    records.env.cr.execute("UPDATE ir_module_category SET write_date = write_date WHERE id = %s",
                                           [row_id])
            return original_write(records, vals)

        with patch.object(Device, "write", colliding_write), patch("odoo.service.model.time.sleep"):
            response = self.call("POST", "/device", key=key, body={"push_token": "tok-after-retry"})
        self.assertEqual(len(collisions), 1, "the first attempt collided")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(device.sudo().push_token, "tok-after-retry")

    def test_each_route_reads_no_more_body_than_its_fields_need(self):
        """The chat parsed a 19 MB body to keep a text of at most 2,000 characters."""
        key = self.pair(self.mario)
        Message = self.env["optical.app.message"]
        messages = Message.search_count([("partner_id", "=", self.mario.id)])
        Attempt = self.env["optical.app.pairing.attempt"]
        attempts = Attempt.search_count([])
        padding = "x" * (2 * 1024 * 1024)
        for path, body in (("/messages", {"text": "Ciao", "padding": padding}),
                           ("/device", {"device_name": "Pixel", "padding": padding}),
                           ("/pair", {"pairing_code": "ABCD-EFGH", "padding": padding})):
            payload = self.assertJsonError(self.call("POST", path, key=key, body=body), 413, "body")
            self.assertEqual(payload["error"], "too_large")
        # Without Content-Length (chunked), the body is cut at the limit all the same.
        chunks = (b'{"text": "Ciao", "padding": "', *[b"x" * 65536] * 32, b'"}')
        self.assertJsonError(self.call("POST", "/messages", key=key, raw=iter(chunks),
                                       headers={"Content-Type": "application/json"}), 413, "body")
        self.assertEqual(Message.search_count([("partner_id", "=", self.mario.id)]), messages)
        self.assertEqual(Attempt.search_count([]), attempts, "a refused body is no pairing attempt")
        # The largest text a customer may write passes, even with every character escaped.
        response = self.call("POST", "/messages", key=key, body={"text": "\U0001F453" * 2000})
        self.assertEqual(response.status_code, 201, response.text)
