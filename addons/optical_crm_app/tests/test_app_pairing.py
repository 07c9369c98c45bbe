import datetime

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppPairing(OpticalAppCase):

    def test_pairing_code_gives_an_api_key_stored_hashed(self):
        code = self.generate_code(self.mario)
        self.assertRegex(code, r"^[2-9A-Z]{4}-[2-9A-Z]{4}$")
        # The clear code is nowhere in the database, only its hash.
        self.assertNotIn(code.replace("-", ""), self.mario.sudo().optical_app_pairing_hash)
        self.assertTrue(self.mario.optical_app_pairing_active)
        response = self.call("POST", "/pair", body={
            "pairing_code": code.lower().replace("-", " "), "device_name": "Mario's phone", "push_token": "tok-m1"})
        self.assertEqual(response.status_code, 200, response.text)
        payload = response.json()
        self.assertEqual(payload["customer"], {"first_name": "Mario"})
        self.assertEqual(payload["shop"], {"name": "Ottica Centrale"})
        device = self.env["optical.app.device"].search([("partner_id", "=", self.mario.id)])
        self.assertEqual((device.name, device.company_id, device.sudo().push_token),
                         ("Mario's phone", self.shop_a, "tok-m1"))
        self.assertTrue(device.sudo().api_key_hash)
        self.assertNotEqual(device.sudo().api_key_hash, payload["api_key"])
        self.assertGreaterEqual(len(payload["api_key"]), 40)
        self.assertEqual(self.call("GET", "/messages", key=payload["api_key"]).status_code, 200)
        # The code was consumed.
        self.assertFalse(self.mario.optical_app_pairing_active)

    def test_a_code_is_single_use(self):
        code = self.generate_code(self.mario)
        self.assertEqual(self.call("POST", "/pair", body={"pairing_code": code}).status_code, 200)
        again = self.call("POST", "/pair", body={"pairing_code": code})
        self.assertJsonError(again, 401, "pairing_code")
        self.assertEqual(self.env["optical.app.device"].search_count([("partner_id", "=", self.mario.id)]), 1)

    def test_a_code_expires(self):
        code = self.generate_code(self.mario)
        expiry = self.mario.optical_app_pairing_expiry
        self.assertAlmostEqual(expiry, fields.Datetime.now() + datetime.timedelta(minutes=15),
                               delta=datetime.timedelta(minutes=1))
        # Fifteen minutes later (the expiry moved back as time cannot be frozen for the HTTP server).
        self.mario.optical_app_pairing_expiry = fields.Datetime.now() - datetime.timedelta(seconds=1)
        self.assertFalse(self.mario.optical_app_pairing_active)
        self.assertJsonError(self.call("POST", "/pair", body={"pairing_code": code}), 401, "expired")
        self.assertFalse(self.env["optical.app.device"].search([("partner_id", "=", self.mario.id)]))

    def test_a_new_code_replaces_the_previous_one(self):
        first = self.generate_code(self.mario)
        second = self.generate_code(self.mario)
        self.assertNotEqual(first, second)
        self.assertJsonError(self.call("POST", "/pair", body={"pairing_code": first}), 401, "pairing_code")
        self.assertEqual(self.call("POST", "/pair", body={"pairing_code": second}).status_code, 200)

    def test_the_shop_can_cancel_an_open_code(self):
        code = self.generate_code(self.mario)
        self.mario.with_user(self.staff_a).action_optical_app_revoke_pairing_code()
        self.assertJsonError(self.call("POST", "/pair", body={"pairing_code": code}), 401, "pairing_code")

    def test_wrong_codes_are_rate_limited_per_address(self):
        for _attempt in range(10):
            self.assertJsonError(self.call("POST", "/pair", body={"pairing_code": "ABCD-EFGH"}), 401, "pairing_code")
        code = self.generate_code(self.mario)
        # Even the right code is refused while the address is blocked.
        blocked = self.assertJsonError(self.call("POST", "/pair", body={"pairing_code": code}), 429, "pairing_code")
        self.assertEqual(blocked["error"], "too_many_attempts")
        self.assertTrue(self.mario.optical_app_pairing_active)
        # Another address is not blocked.
        Attempt = self.env["optical.app.pairing.attempt"]
        self.assertFalse(Attempt._is_blocked("10.0.0.9"))
        # Fifteen minutes later the address may try again.
        Attempt.search([("address", "=", "127.0.0.1")]).write(
            {"attempt_date": fields.Datetime.now() - datetime.timedelta(minutes=16)})
        self.assertEqual(self.call("POST", "/pair", body={"pairing_code": code}).status_code, 200)
        Attempt._gc_attempts()
        self.assertFalse(Attempt.search([("address", "=", "127.0.0.1")]))

    def test_malformed_requests_name_the_field(self):
        self.assertJsonError(self.call("POST", "/pair", raw="{not json", headers={"Content-Type": "application/json"}),
                             400, "body")
        self.assertJsonError(self.call("POST", "/pair", body={"code": "ABCD"}), 400, "pairing_code")
        self.assertJsonError(self.call("POST", "/pair", body={"pairing_code": 1234}), 400, "pairing_code")
        code = self.generate_code(self.mario)
        self.assertJsonError(self.call("POST", "/pair", body={"pairing_code": code, "device_name": ["x"]}),
                             400, "device_name")
        # A malformed request does not consume the code.
        self.assertEqual(self.call("POST", "/pair", body={"pairing_code": code}).status_code, 200)

    def test_api_refuses_calls_without_a_valid_key(self):
        for path in ("/messages", "/promotions", "/devices"):
            self.assertJsonError(self.call("GET", path), 401, "Authorization")
            self.assertJsonError(self.call("GET", path, key="not-a-key"), 401, "Authorization")
            self.assertJsonError(self.call("GET", path, headers={"Authorization": "Basic abc"}), 401, "Authorization")
        self.assertJsonError(self.call("POST", "/messages/1/read"), 401, "Authorization")
        # An unknown route or method is a JSON error too.
        self.assertJsonError(self.call("GET", "/nothing/here"), 404, "route")
        self.assertJsonError(self.call("GET", "/pair"), 404, "route")

    def test_several_devices_and_revocation(self):
        phone = self.pair(self.mario, device_name="Phone")
        tablet = self.pair(self.mario, device_name="Tablet", push_token="tok-tablet")
        lucia = self.pair(self.lucia)
        devices = self.call("GET", "/devices", key=phone).json()["devices"]
        self.assertEqual(sorted(d["name"] for d in devices), ["Phone", "Tablet"])
        self.assertEqual([d["name"] for d in devices if d["current"]], ["Phone"])
        tablet_id = next(d["id"] for d in devices if d["name"] == "Tablet")
        # A customer cannot revoke someone else's device.
        self.assertJsonError(self.call("POST", "/devices/%s/revoke" % tablet_id, key=lucia), 404, "device")
        self.assertEqual(self.call("GET", "/messages", key=tablet).status_code, 200)
        # The customer revokes the tablet from the phone.
        response = self.call("POST", "/devices/%s/revoke" % tablet_id, key=phone)
        self.assertEqual(response.json(), {"id": tablet_id, "revoked": True})
        self.assertJsonError(self.call("GET", "/messages", key=tablet), 401, "Authorization")
        self.assertEqual(self.call("GET", "/messages", key=phone).status_code, 200)
        tablet_device = self.env["optical.app.device"].with_context(active_test=False).browse(tablet_id)
        self.assertEqual((tablet_device.active, tablet_device.revoked_by), (False, "customer"))
        self.assertFalse(tablet_device.sudo().push_token)
        # The shop revokes the phone from the customer's form.
        phone_device = self.mario.optical_app_device_ids
        self.assertEqual(phone_device.name, "Phone")
        phone_device.with_user(self.staff_a).action_revoke()
        self.assertEqual(phone_device.revoked_by, "shop")
        self.assertJsonError(self.call("GET", "/messages", key=phone), 401, "Authorization")
        self.assertEqual(self.mario.optical_app_device_count, 0)
        # Lucia is untouched.
        self.assertEqual(self.call("GET", "/messages", key=lucia).status_code, 200)

    def test_the_device_registers_its_push_token(self):
        key = self.pair(self.mario)
        device = self.mario.optical_app_device_ids
        self.assertFalse(device.has_push_token)
        response = self.call("POST", "/device", key=key, body={"push_token": "tok-new", "device_name": "Pixel"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual((device.name, device.sudo().push_token, device.has_push_token), ("Pixel", "tok-new", True))
        self.call("POST", "/device", key=key, body={"push_token": None})
        self.assertFalse(device.has_push_token)
        self.assertJsonError(self.call("POST", "/device", key=key, body={}), 400, "push_token")
        self.assertJsonError(self.call("POST", "/device", key=key, body={"push_token": 5}), 400, "push_token")

    def test_staff_generate_codes_only_for_customers_of_their_shops(self):
        with self.assertRaises(AccessError):
            self.generate_code(self.bruno, user=self.staff_a)
        employee = new_test_user(self.env, "employee", groups="base.group_user", company_id=self.shop_a.id)
        with self.assertRaises(AccessError):
            self.generate_code(self.mario, user=employee)
        key = self.pair(self.bruno, user=self.staff_b)
        self.assertEqual(self.bruno.optical_app_device_ids.company_id, self.shop_b)
        self.assertTrue(key)
        # Staff see the devices of their shops only.
        Device = self.env["optical.app.device"]
        self.assertFalse(Device.with_user(self.staff_a).search([("partner_id", "=", self.bruno.id)]))
        self.assertTrue(Device.with_user(self.staff_b).search([("partner_id", "=", self.bruno.id)]))
        # Nobody moves a device to another customer (it would read their messages).
        for user in (self.staff_b, self.owner):
            with self.assertRaises(AccessError):
                self.bruno.optical_app_device_ids.with_user(user).write({"partner_id": self.lucia.id})

    def test_pairing_dialog_shows_the_code_and_its_qr_code(self):
        action = self.mario.with_user(self.staff_a).action_optical_app_pairing()
        code = action["context"]["optical_app_pairing_code"]
        wizard = Form(self.env[action["res_model"]].with_user(self.staff_a).with_context(**action["context"]))
        self.assertEqual(wizard.partner_id, self.mario)
        self.assertEqual(wizard.pairing_code, code)
        self.assertIn("code=%s" % code, wizard.qr_value)
        self.assertTrue(wizard.qr_image)
        self.assertEqual(self.call("POST", "/pair", body={"pairing_code": code}).status_code, 200)
