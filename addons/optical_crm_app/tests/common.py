import json

from odoo.tests import HttpCase

from odoo.addons.optical_crm.tests.common import OpticalCrmCase

from .push_server import PushServer

API = "/optical_app/v1"


class OpticalAppCase(HttpCase, OpticalCrmCase):
    """The core's two shops, staff and customers, plus a real local push
    service and helpers that drive the app's API over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.push_server = PushServer().start()
        cls.addClassCleanup(cls.push_server.stop)
        cls.env["ir.config_parameter"].sudo().set_param("optical_crm_app.push_url", cls.push_server.url)
        params = {"push_api_key": cls.push_server.api_key, "push_timeout": "2", "push_retries": "1",
                  "push_backoff": "0", "push_max_attempts": "3"}
        for key, value in params.items():
            cls.env["ir.config_parameter"].sudo().set_param("optical_crm_app.%s" % key, value)
        # Any time is sending time, unless a test says otherwise.
        (cls.shop_a | cls.shop_b).optical_send_calendar_id = False
        cls.bruno = cls.customer("Bruno Verdi", shop=cls.shop_b)

    def setUp(self):
        super().setUp()
        # A session bound to the test database (the server hosts several).
        self.authenticate(None, None)
        self.push_server.requests.clear()
        self.push_server.delivered.clear()
        self.push_server.fail_next.clear()

    # ------------------------------------------------------------------
    # HTTP helpers
    # ------------------------------------------------------------------

    def call(self, method, path, key=None, body=None, raw=None, headers=None):
        headers = dict(headers or {})
        if key:
            headers["Authorization"] = "Bearer %s" % key
        data = raw
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        response = self.opener.request(method, self.base_url() + API + path, data=data, headers=headers, timeout=12)
        self.env.invalidate_all()
        return response

    def assertJsonError(self, response, status, field):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        payload = response.json()
        self.assertTrue(payload.get("error"))
        self.assertIn(field, payload["message"])
        # Core's one error shape: the field is named for programs too.
        self.assertEqual(payload["field"], payload["message"].partition(":")[0])
        if status == 401:
            self.assertTrue(response.headers.get("WWW-Authenticate", "").startswith("Bearer"))
        return payload

    def generate_code(self, partner, user=None):
        return partner.with_user(user or self.staff_a).optical_app_generate_pairing_code()

    def pair(self, partner, user=None, **body):
        code = self.generate_code(partner, user)
        response = self.call("POST", "/pair", body={"pairing_code": code, **body})
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["api_key"]

    # ------------------------------------------------------------------
    # Channel helpers
    # ------------------------------------------------------------------

    def app_communication(self, partner, purpose="marketing", shop=None, **values):
        return self.Communication.create({
            "partner_id": partner.id, "company_id": (shop or partner.company_id).id, "channel": "app",
            "purpose": purpose, "scheduled_date": (shop or partner.company_id)._optical_today(),
            "subject": "Hello %s" % partner._optical_first_name(), "body": "A message for you", **values,
        })

    def send(self, communications):
        communications._send_batch()
        self.env.invalidate_all()
        return communications
