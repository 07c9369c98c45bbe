import datetime
import json

from odoo import Command, fields
from odoo.tests import HttpCase

from odoo.addons.optical_crm.tests.common import LoopbackHttp, OpticalCrmCase

from ..tools import whatsapp_api
from .cloud_api_server import LocalCloudApi


class WhatsappCase(LoopbackHttp, OpticalCrmCase, HttpCase):
    """Shop A's WhatsApp account on a real local stand-in of the Cloud API,
    an approved template, a customer who gave WhatsApp consent (Mario) and
    one who did not (Lucia)."""

    TOKEN = "test-access-token-0123456789"
    SECRET = "test-app-secret-abcdef"
    VERIFY = "test-verify-token-xyz"
    PHONE_NUMBER_ID = "109876543210"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cloud = LocalCloudApi(cls.TOKEN).__enter__()
        cls.addClassCleanup(cls.cloud.__exit__, None, None, None)
        params = cls.env["ir.config_parameter"]
        params.set_param("optical_crm_whatsapp.api_backoff", "0")
        params.set_param("optical_crm_whatsapp.api_timeout", "1")
        cls.shop_a.write({"country_id": cls.env.ref("base.it").id, "optical_send_calendar_id": False})
        cls.shop_b.write({"country_id": cls.env.ref("base.it").id, "optical_send_calendar_id": False})
        cls.account = cls.env["optical.crm.whatsapp.account"].create({
            "name": "Ottica Centrale WhatsApp", "company_id": cls.shop_a.id, "api_url": cls.cloud.url,
            "phone_number_id": cls.PHONE_NUMBER_ID, "business_account_id": "WABA1",
            "access_token": cls.TOKEN, "app_secret": cls.SECRET, "verify_token": cls.VERIFY,
            "cost_marketing": 0.0572, "cost_utility": 0.03,
        })
        cls.template = cls.env["optical.crm.whatsapp.template"].create({
            "name": "eye_exam_reminder", "language": "it", "account_id": cls.account.id, "category": "marketing",
            "body": "Ciao {{1}}, è ora del controllo della vista da {{2}}.", "variables": "first_name,shop",
        })
        cls.template.status = "approved"
        cls.mario.optical_consent_whatsapp = True
        cls.cycle_wa = cls.env["optical.crm.cycle"].create({
            "name": "Eye exam on WhatsApp", "event_type": "optometry", "company_id": cls.shop_a.id,
            "step_ids": [Command.create({
                "name": "WhatsApp reminder", "interval_number": 0, "interval_unit": "days", "channel": "whatsapp",
                "whatsapp_template_id": cls.template.id, "body": "Ciao {{ object.first_name }}",
            })],
        })

    def setUp(self):
        super().setUp()
        with self.cloud.lock:
            self.cloud.requests.clear()
            self.cloud.posts.clear()
            self.cloud.plan.clear()

    # ------------------------------------------------------------------

    def send_today(self, *partners):
        """Plan the WhatsApp step for ``partners`` today, run the sender and the poster."""
        today = self.shop_a._optical_today()
        for partner in partners:
            self.event(partner, "optometry", today)
        self.plan(today)
        self.Communication._cron_send_communications()
        self.Communication._cron_whatsapp_post()
        self.env.invalidate_all()
        return self.Communication.search([("cycle_id", "=", self.cycle_wa.id),
                                          ("partner_id", "in", [p.id for p in partners])], order="id")

    def webhook(self, payload, secret=None, signature=None):
        raw = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json",
                   "X-Hub-Signature-256": signature or whatsapp_api.signature(raw, secret or self.SECRET)}
        response = self.url_open("/optical_crm_whatsapp/webhook", data=raw, headers=headers)
        self.env.invalidate_all()
        return response

    def inbound(self, partner_number, text, wamid, hours_ago=0):
        """A message the customer wrote, kept as the webhook keeps it, ``hours_ago``."""
        return self.env["optical.crm.whatsapp.message"].create({
            "account_id": self.account.id, "company_id": self.shop_a.id,
            "partner_id": partner_number.id, "direction": "in", "number": partner_number.mobile,
            "body": text, "wamid": wamid,
            "date": fields.Datetime.now() - datetime.timedelta(hours=hours_ago),
        })
