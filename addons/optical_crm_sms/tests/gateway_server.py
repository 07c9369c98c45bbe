"""A real HTTP SMS gateway on 127.0.0.1 for the tests and the benchmark.

Plain Python (no Odoo): the module's tests, the plain tests in ``tests/`` and
``bench/bench_sms.py`` all start this one.
"""
import time

from odoo.addons.optical_crm.tools.http_stand_in import JsonHandler, LocalStandIn


class _GatewayHandler(JsonHandler):

    def do_POST(self):
        gateway = self.server.stand_in
        body = self.read_json()
        received = time.time()
        authorization = self.headers.get("Authorization")
        with gateway.lock:
            gateway.arrivals.append((received, body, dict(self.headers)))
        action = gateway.record((self.client_address, authorization, body), body.get("reference"))
        if authorization != "Bearer %s" % gateway.api_key:
            return self.answer(401, {"error": "bad key"})
        if action == "timeout":
            with gateway.lock:
                gateway.delivered.setdefault(body["reference"], body)
            return self.hang_up()
        status = 200 if action == "ok" else int(action)
        if gateway.delay:
            time.sleep(gateway.delay)
        if status < 300:
            with gateway.lock:
                gateway.delivered.setdefault(body["reference"], body)
            if gateway.on_accept:
                gateway.on_accept(body)
        return self.answer(status, {"reference": body.get("reference")})


class LocalSmsGateway(LocalStandIn):
    """A real HTTP SMS gateway on 127.0.0.1 (port chosen by the system).

    It checks the Bearer key, keeps one SMS per ``reference`` (as a reseller
    does, so that a retry never sends twice) and can be told how to answer a
    reference: ``plan[reference] = ["timeout", "503", "ok"]`` (one action per
    attempt; ``timeout`` keeps the SMS but answers too late). ``delay``
    (seconds) slows every answer down, as a busy gateway does; ``on_accept``,
    when set, is called with the body of every SMS accepted. ``arrivals``:
    (``time.time()`` when its body was read, body, headers) of every POST.
    """

    handler = _GatewayHandler
    path = "/api/sms"

    def __init__(self, api_key):
        self.api_key = api_key
        self.delivered = {}         # reference -> body, once per reference
        self.arrivals = []
        # ``requests``: (client address, authorization, body) of every POST
        super().__init__()

    def references(self):
        return [body["reference"] for _client, _auth, body in self.requests]
