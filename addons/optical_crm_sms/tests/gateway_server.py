"""A real HTTP SMS gateway on 127.0.0.1 for the tests and the benchmark.

Plain Python (no Odoo): the module's tests, the plain tests in ``tests/`` and
``bench/bench_sms.py`` all start this one.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalSmsGateway:
    """A real HTTP SMS gateway on 127.0.0.1 (port chosen by the system).

    It checks the Bearer key, keeps one SMS per ``reference`` (as a reseller
    does, so that a retry never sends twice) and can be told how to answer a
    reference: ``plan[reference] = ["timeout", "503", "ok"]`` (one action per
    attempt; ``timeout`` keeps the SMS but answers too late). ``delay``
    (seconds) slows every answer down, as a busy gateway does; ``on_accept``,
    when set, is called with the body of every SMS accepted. ``arrivals``:
    (``time.time()`` when its body was read, body, headers) of every POST.
    """

    def __init__(self, api_key):
        self.api_key = api_key
        self.requests = []          # (client address, authorization, body) of every POST
        self.arrivals = []
        self.delivered = {}         # reference -> body, once per reference
        self.plan = {}
        self.delay = 0
        self.on_accept = None
        self.lock = threading.Lock()
        self.release = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes: without TCP_NODELAY, Nagle's
            # algorithm and the client's delayed ACK stall each answer ~40 ms.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                received = time.time()
                authorization = self.headers.get("Authorization")
                with gateway.lock:
                    gateway.arrivals.append((received, body, dict(self.headers)))
                    gateway.requests.append((self.client_address, authorization, body))
                    actions = gateway.plan.get(body.get("reference")) or []
                    action = actions.pop(0) if actions else "ok"
                if authorization != "Bearer %s" % gateway.api_key:
                    return self._answer(401, {"error": "bad key"})
                if action == "timeout":
                    with gateway.lock:
                        gateway.delivered.setdefault(body["reference"], body)
                    gateway.release.wait(3)
                    self.close_connection = True
                    return None
                status = 200 if action == "ok" else int(action)
                if gateway.delay:
                    time.sleep(gateway.delay)
                if status < 300:
                    with gateway.lock:
                        gateway.delivered.setdefault(body["reference"], body)
                    if gateway.on_accept:
                        gateway.on_accept(body)
                return self._answer(status, {"reference": body.get("reference")})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%s/api/sms" % self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def references(self):
        return [body["reference"] for _client, _auth, body in self.requests]
