import datetime
import itertools
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlsplit

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import DummyRLock, Registry
from odoo.osv import expression
from odoo.tests import BaseCase, HttpCase, TransactionCase, new_test_user
from odoo.tests.common import HOST, JsonRpcException, _super_send, get_db_name
from odoo.tools import config
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval


class LoopbackHttp:
    """A test case mixin: requests to 127.0.0.1 (the tests' own stand-ins of
    outside services) go out for real, with their own timeouts; Odoo's tests
    block other outgoing requests and raise every timeout to 10 s."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlsplit(r.url).hostname == "127.0.0.1":
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)


class OpticalCrmCase(TransactionCase):
    """Two shops, their staff and owner, customers, and helpers to build
    cycles and events. Dates are explicit: the tests freeze time when it matters."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.shop_a = cls.env.company
        cls.shop_a.write({
            "name": "Ottica Centrale", "optical_pressure_max": 0, "optical_horizon_days": 7,
            "optical_catchup_days": 3, "optical_callback_max_attempts": 3,
        })
        cls.shop_b = cls.env["res.company"].create({"name": "Ottica del Corso"})
        cls.staff_a = new_test_user(
            cls.env, "staff_a", groups="optical_crm.group_optical_crm_user",
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id], name="Giulia Staff",
        )
        cls.staff_b = new_test_user(
            cls.env, "staff_b", groups="optical_crm.group_optical_crm_user",
            company_id=cls.shop_b.id, company_ids=[cls.shop_b.id], name="Paolo Staff",
        )
        cls.owner = new_test_user(
            cls.env, "owner", groups="optical_crm.group_optical_crm_manager",
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id, cls.shop_b.id], name="Anna Owner",
        )
        cls.shop_a.optical_callback_user_id = cls.staff_a
        cls.shop_b.optical_callback_user_id = cls.staff_b
        # Start from a clean plan whatever the database holds (demo data included).
        cls.env["optical.crm.cycle"].search([]).write({"active": False})
        cls.env["optical.crm.campaign"].search([]).write({"state": "cancelled"})
        # Demo events are dated from the install day: they would meet the tests' own cycles.
        cls.env["optical.crm.event"].search([]).write({"active": False})
        cls.Communication = cls.env["optical.crm.communication"]
        cls.Event = cls.env["optical.crm.event"]
        cls.mario = cls.customer("Mario Rossi", mobile="+393331112233", email="mario@example.com")
        cls.lucia = cls.customer("Lucia Bianchi", mobile="+393334445566", email="lucia@example.com")

    @classmethod
    def customer(cls, name, shop=None, consent=True, **values):
        return cls.env["res.partner"].create({
            "name": name, "company_id": (shop or cls.shop_a).id,
            "optical_consent_marketing": consent, "optical_consent_sms": consent, "optical_consent_app": consent,
            **values,
        })

    @classmethod
    def cycle(cls, event_type, steps, shop=None, **values):
        """``steps``: (number, unit, channel[, purpose]) tuples."""
        return cls.env["optical.crm.cycle"].create({
            "name": "%s cycle" % event_type, "event_type": event_type,
            "company_id": shop.id if shop else False,
            "step_ids": [(0, 0, {
                "name": "%s %s %s" % (step[0], step[1], step[2]), "interval_number": step[0],
                "interval_unit": step[1], "channel": step[2],
                "purpose": step[3] if len(step) > 3 else "marketing",
                "subject": "Hello {{ object.first_name }}",
                "body": "Dear {{ object.partner_id.name }}, from {{ object.company_id.name }}",
            }) for step in steps],
            **values,
        })

    @classmethod
    def event(cls, partner, event_type, date, shop=None, **values):
        return cls.env["optical.crm.event"].create({
            "partner_id": partner.id, "event_type": event_type, "event_date": date,
            "company_id": (shop or cls.shop_a).id, **values,
        })

    def plan(self, today, shop=None):
        """Run the planner for one shop as if today were ``today``."""
        shop = shop or self.shop_a
        return self.Communication._plan_company(
            shop, today - datetime.timedelta(days=shop.optical_catchup_days),
            today + datetime.timedelta(days=shop.optical_horizon_days))

    def communications(self, **filters):
        domain = [(key, "=", value) for key, value in filters.items()]
        return self.Communication.search(domain, order="scheduled_date, id")

    def shop_date(self, date, shop=None):
        """``date`` as the shop writes it (its language's date format)."""
        shop = shop or self.shop_a
        lang = self.env["res.lang"]._get_data(code=shop.partner_id.lang or self.env.lang)
        return date.strftime(lang.date_format)

    def action_records(self, action, user, **search_defaults):
        """The records ``user`` sees on opening the window ``action`` (an XML
        id, or the dictionary a button returns) with its default filters, as
        the web client combines them: filters of one group (between
        separators) OR-ed, groups AND-ed with the action's domain.
        ``search_defaults`` overrides them (``name=0`` removes one)."""
        env = self.env(user=user, context={"allowed_company_ids": user.company_ids.ids})
        if isinstance(action, str):
            action = env["ir.actions.act_window"]._for_xml_id(action)
        Model = env[action["res_model"]]
        today = fields.Date.context_today(Model)
        eval_context = {"uid": user.id, "context_today": lambda: today, "relativedelta": relativedelta,
                        "datetime": safe_datetime, "allowed_company_ids": env.companies.ids}
        context = action.get("context") or {}
        if isinstance(context, str):
            context = safe_eval(context, dict(eval_context, active_id=False))
        active = {key[len("search_default_"):]: value for key, value in context.items()
                  if key.startswith("search_default_")}
        active.update(search_defaults)
        view_id = action.get("search_view_id") and action["search_view_id"][0]
        arch = etree.fromstring(Model.get_view(view_id, "search")["arch"])
        groups, current = [], []
        for node in arch:
            if node.tag == "filter" and node.get("domain"):
                current.append(node)
            else:
                groups.append(current)
                current = []
        groups.append(current)
        domain = action.get("domain") or []
        domains = [safe_eval(domain, eval_context) if isinstance(domain, str) else domain]
        for group in groups:
            chosen = [safe_eval(node.get("domain"), eval_context) for node in group if active.get(node.get("name"))]
            if chosen:
                domains.append(expression.OR(chosen))
        return Model.search(expression.AND(domains))


ACCESS_ERROR = "odoo.exceptions.AccessError"


class OpticalRpcMixin:
    """For an ``HttpCase``: calls as the web client sends them, JSON-RPC to
    ``/web/dataset/call_kw``, logged in (``login``) as a user whose password
    is their login (``new_test_user``), with the web client's context: the
    user's shops, their main shop first."""

    rpc_user = None
    rpc_context = None

    def login(self, user):
        """Log in as ``user`` (a record or a login) for the calls that follow."""
        if isinstance(user, str):
            user = self.env["res.users"].with_context(active_test=False).search([("login", "=", user)])
        if self.rpc_user != user or getattr(self, "session", None) is None or self.session.uid != user.id:
            self.authenticate(user.login, user.login)
        self.rpc_user = user
        self.rpc_context = {"lang": "en_US", "tz": "Europe/Rome", "uid": user.id,
                            "allowed_company_ids": (user.company_id | user.company_ids).ids}

    def rpc_answer(self, model, method, *args, **kwargs):
        """The JSON-RPC answer, ``{"result": …}`` or ``{"error": …}``; the
        call's ``context`` goes over the user's."""
        context = dict(self.rpc_context or {}, **kwargs.pop("context", {}))
        response = self.url_open("/web/dataset/call_kw", data=json.dumps({
            "jsonrpc": "2.0", "method": "call", "id": 0,
            "params": {"model": model, "method": method, "args": list(args), "kwargs": dict(kwargs, context=context)},
        }), headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200, response.text)
        # What the request wrote is read again from the database.
        self.env.invalidate_all()
        return response.json()

    def rpc(self, model, method, *args, **kwargs):
        """The result of the call; an error answer raises ``JsonRpcException``
        (its name, the server's message as a note)."""
        answer = self.rpc_answer(model, method, *args, **kwargs)
        if "error" in answer:
            error = JsonRpcException(code=answer["error"]["code"], message=answer["error"]["data"]["name"])
            error.add_note(answer["error"]["data"]["message"])
            raise error
        return answer["result"]

    def assertRefused(self, model, method, *args, error=ACCESS_ERROR, message=None, **kwargs):
        """The call answers an error of class ``error`` (None: any) whose
        message holds ``message``; its message."""
        answer = self.rpc_answer(model, method, *args, **kwargs)
        self.assertIn("error", answer, "%s.%s%r by %s was accepted" % (model, method, args, self.rpc_user.login))
        return self.assertErrorAnswer(answer, *([message] if message else []), error=error)

    def assertErrorAnswer(self, answer, *fragments, error=None):
        """``answer`` is an error of class ``error`` (None: any) whose message
        holds every ``fragment``; its message."""
        self.assertIn("error", answer, "refused expected, got %s" % answer.get("result"))
        data = answer["error"]["data"]
        if error:
            self.assertEqual(data["name"], error, data["message"])
        for fragment in fragments:
            self.assertIn(fragment, data["message"])
        return data["message"]


class OpticalRpcCase(OpticalRpcMixin, HttpCase, OpticalCrmCase):
    """The two shops of ``OpticalCrmCase``, driven through JSON-RPC."""

    def shop_today(self, shop=None):
        return (shop or self.shop_a)._optical_today()


class RealServerCase(BaseCase):
    """Requests to the running test server as in production: outside an
    ``HttpCase`` (whose requests share the test's transaction, one at a
    time), each request has its own transaction, runs at the same time as
    the others, and is run again by Odoo after a serialization failure.
    What a test commits, it removes (``addCleanup``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        # The test runner holds the registries' lock while tests run: requests
        # would wait for it (HttpCase lifts it the same way in test mode).
        locked, Registry._lock = Registry._lock, DummyRLock()
        cls.addClassCleanup(setattr, Registry, "_lock", locked)

    @contextmanager
    def committed_env(self):
        """A superuser environment on a transaction of its own, committed at the end."""
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    @staticmethod
    def url(path):
        return "http://%s:%s%s" % (HOST, config["http_port"], path)

    @staticmethod
    def concurrently(*calls):
        """The results of ``calls``, each run in a thread of its own, all at once."""
        with ThreadPoolExecutor(len(calls)) as pool:
            return [future.result() for future in [pool.submit(call) for call in calls]]

    @staticmethod
    def meeting(method, parties=2, timeout=20):
        """``method`` (of a model class) made to wait, on its first ``parties``
        calls, until all of them have reached it: the requests calling it are
        then surely in flight together, each in a transaction begun before
        the others wrote. Later calls (Odoo's retries) go straight through."""
        barrier = threading.Barrier(parties, timeout=timeout)
        calls = itertools.count()

        def meet(*args, **kwargs):
            if next(calls) < parties:
                barrier.wait()
            return method(*args, **kwargs)

        return meet
