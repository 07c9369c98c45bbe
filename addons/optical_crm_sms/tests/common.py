import datetime
from contextlib import contextmanager

from odoo import Command
from odoo.tests import common, new_test_user

from odoo.addons.optical_crm.tests.common import LoopbackHttp

from .gateway_server import LocalSmsGateway


def use_gateway(env, api_key, url="http://127.0.0.1:9/unused"):
    """Send SMS through the HTTP gateway provider at ``url`` (a ``LocalSmsGateway``'s), fast timeouts."""
    params = env["ir.config_parameter"].sudo()
    for key, value in {
        "optical_crm_sms.provider": "http",
        "optical_crm_sms.gateway_api_key": api_key,
        "optical_crm_sms.gateway_url": url,
        "optical_crm_sms.gateway_timeout": "0.5",
        "optical_crm_sms.gateway_backoff": "0",
        "optical_crm_sms.gateway_retries": "2",
    }.items():
        params.set_param(key, value)


class OpticalSmsCommon(LoopbackHttp, common.TransactionCase):
    """A shop with customers, an SMS cycle and an SMS-with-link cycle, and
    the HTTP gateway provider configured."""

    GATEWAY_KEY = "test-gateway-key-0123456789"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # The crons under test work on the whole database: whatever another
        # shop (demo data, a previous run) left due is set aside for the test.
        cls.env["optical.crm.communication"].search([("state", "=", "planned")]).write({"state": "cancelled"})
        cls.env["sms.sms"].search([("state", "=", "outgoing")]).write({"state": "canceled"})
        cls.shop = cls.env["res.company"].create({
            "name": "Ottica Rossi",
            "country_id": cls.env.ref("base.it").id,
            "optical_send_calendar_id": False,
            "optical_sms_cost_per_segment": 0.05,
            "optical_sms_sender": "OtticaRossi",
        })
        cls.manager = new_test_user(
            cls.env, "sms_owner", groups="optical_crm.group_optical_crm_manager",
            company_id=cls.shop.id, company_ids=[Command.set(cls.shop.ids)])
        cls.staff = new_test_user(
            cls.env, "sms_staff", groups="optical_crm.group_optical_crm_user",
            company_id=cls.shop.id, company_ids=[Command.set(cls.shop.ids)])
        cls.landing_page = cls.env["optical.crm.landing.page"].create({
            "name": "Birthday",
            "company_id": cls.shop.id,
            "title": "Happy birthday {{ object.first_name }}!",
            "body": "<p>Dear {{ object.first_name }}, a gift from {{ object.company_id.name }}.</p>"
                    "<p>{{ object.partner_id.email }}</p>",
            "validity_days": 30,
        })
        cls.cycle = cls.env["optical.crm.cycle"].create({
            "name": "Eye exam reminder",
            "event_type": "optometry",
            "company_id": cls.shop.id,
            "step_ids": [
                Command.create({
                    "name": "12 months SMS", "interval_number": 12, "interval_unit": "months",
                    "channel": "sms", "purpose": "marketing",
                    "body": "Ciao {{ object.first_name }}, è ora del controllo della vista!",
                }),
                Command.create({
                    "name": "Birthday link", "interval_number": 0, "interval_unit": "days",
                    "channel": "sms_link", "purpose": "marketing", "landing_page_id": cls.landing_page.id,
                    "body": "Auguri {{ object.first_name }}!",
                }),
            ],
        })
        cls.step_sms, cls.step_link = cls.cycle.step_ids.sorted("interval_number").sorted(
            lambda s: s.channel != "sms")
        use_gateway(cls.env, cls.GATEWAY_KEY)
        cls.customers = cls._make_customers(["Anna Bianchi", "Marco Verdi", "Giulia Neri"],
                                            ["347 111 2233", "+39 348 222 3344", "0039 349 333 4455"])

    @classmethod
    def _make_customers(cls, names, mobiles, **values):
        return cls.env["res.partner"].create([dict({
            "name": name, "mobile": mobile, "company_id": cls.shop.id,
            "optical_consent_marketing": True, "optical_consent_sms": True,
        }, **values) for name, mobile in zip(names, mobiles, strict=True)])

    @contextmanager
    def gateway(self):
        with LocalSmsGateway(self.GATEWAY_KEY) as gateway:
            self.env["ir.config_parameter"].sudo().set_param("optical_crm_sms.gateway_url", gateway.url)
            yield gateway

    def _plan(self, partners, step, date=None):
        """Due communications of ``step`` for ``partners``, as the planner writes them."""
        date = date or self.shop._optical_today()
        events = self.env["optical.crm.event"].create([{
            "partner_id": partner.id, "event_type": "optometry", "company_id": self.shop.id,
            "event_date": date - datetime.timedelta(days=365),
        } for partner in partners])
        return self.env["optical.crm.communication"].create([{
            "partner_id": event.partner_id.id, "company_id": self.shop.id, "channel": step.channel,
            "purpose": step.purpose, "scheduled_date": date, "source": "cycle", "cycle_id": step.cycle_id.id,
            "cycle_step_id": step.id, "event_id": event.id,
        } for event in events])

    def _send(self):
        """The sender's cron, then Odoo's SMS queue cron."""
        self.env["optical.crm.communication"]._cron_send_communications()
        self.env["sms.sms"]._process_queue()
        self.env.invalidate_all()
