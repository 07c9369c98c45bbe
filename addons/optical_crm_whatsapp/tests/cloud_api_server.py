"""A real HTTP stand-in for WhatsApp's Cloud API on 127.0.0.1, for the tests
and the reliability harness. Plain Python (no Odoo).

Like Meta, it de-duplicates nothing: every accepted post is a message on the
customer's phone. ``posts[reference]`` lists every accepted post of a
``biz_opaque_callback_data``, so a duplicate is seen here.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _Handler(BaseHTTPRequestHandler):
    """The stand-in's HTTP side; ``self.server.stand_in`` is the :class:`LocalCloudApi`."""
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _answer(self, status, payload, headers=()):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self):
        return self.headers.get("Authorization") == "Bearer %s" % self.server.stand_in.access_token

    def do_GET(self):
        url = urlsplit(self.path)
        with self.server.stand_in.lock:
            self.server.stand_in.requests.append((url.path, self.headers.get("Authorization"), None))
        if not self._authorized():
            return self._answer(401, {"error": {"message": "Invalid OAuth access token", "code": 190}})
        if not url.path.endswith("/message_templates"):
            return self._answer(404, {"error": {"message": "Unknown path", "code": 100}})
        page = int((parse_qs(url.query).get("page") or ["0"])[0])
        data = self.server.stand_in.templates[page * 2:page * 2 + 2]
        answer = {"data": data, "paging": {}}
        if len(self.server.stand_in.templates) > (page + 1) * 2:
            answer["paging"]["next"] = "http://127.0.0.1:%s%s?page=%s" % (
                self.server.stand_in.server.server_port, url.path, page + 1)
        return self._answer(200, answer)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        reference = body.get("biz_opaque_callback_data")
        with self.server.stand_in.lock:
            self.server.stand_in.requests.append((self.path, self.headers.get("Authorization"), body))
            actions = self.server.stand_in.plan.get(reference) or []
            action = actions.pop(0) if actions else "ok"
        if not self._authorized():
            return self._answer(401, {"error": {"message": "Invalid OAuth access token", "code": 190}})
        if action == "429":
            return self._answer(429, {"error": {"message": "Rate limit hit", "code": 130429}},
                                headers=[("Retry-After", str(self.server.stand_in.retry_after))])
        if action == "400":
            return self._answer(400, {"error": {
                "message": "(#132001) Template name does not exist in the translation", "code": 132001,
                "error_data": {"details": "template name (%s) does not exist" % (
                    body.get("template") or {}).get("name")}}})
        message_id = self.server.stand_in.accept(body)
        if action == "timeout":
            self.server.stand_in.release.wait(3)
            self.close_connection = True
            return None
        if self.server.stand_in.delay:
            time.sleep(self.server.stand_in.delay)
        return self._answer(200, {"messaging_product": "whatsapp",
                                  "contacts": [{"input": body.get("to"), "wa_id": body.get("to", "").lstrip("+")}],
                                  "messages": [{"id": message_id}]})


class LocalCloudApi:
    """``plan[reference] = ["429", "400", "timeout", "ok"]``: one action per
    attempt (``timeout`` accepts the message but answers too late;
    ``429`` answers with ``Retry-After: retry_after``). ``templates``: what
    the template list returns (two per page). ``on_accept(body, message_id)``
    is called for every message accepted; ``delay`` slows every answer."""

    VERSION = "v21.0"

    def __init__(self, access_token):
        self.access_token = access_token
        self.requests = []      # (path, authorization, body) of every call
        self.posts = {}         # reference -> [body, …] of every accepted post
        self.plan = {}
        self.templates = []
        self.delay = 0
        self.retry_after = 1
        self.on_accept = None
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.counter = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.stand_in = self
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%s/%s" % (self.server.server_port, self.VERSION)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def accept(self, body):
        with self.lock:
            self.counter += 1
            message_id = "wamid.TEST%06d" % self.counter
            self.posts.setdefault(body.get("biz_opaque_callback_data"), []).append(body)
        if self.on_accept:
            self.on_accept(body, message_id)
        return message_id

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def messages(self):
        return [body for _path, _auth, body in self.requests if body is not None]

    def duplicates(self):
        return {reference: len(bodies) for reference, bodies in self.posts.items() if len(bodies) > 1}


def notification(phone_number_id, statuses=(), messages=(), waba_id="WABA1"):
    """A Meta notification of the ``messages`` field."""
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "390212345678", "phone_number_id": phone_number_id}}
    if statuses:
        value["statuses"] = list(statuses)
    if messages:
        value["messages"] = list(messages)
    return {"object": "whatsapp_business_account",
            "entry": [{"id": waba_id, "changes": [{"field": "messages", "value": value}]}]}


def status(reference, state, message_id="wamid.X", recipient="393331112233", errors=None):
    item = {"id": message_id, "status": state, "timestamp": str(int(time.time())), "recipient_id": recipient,
            "biz_opaque_callback_data": reference}
    if errors:
        item["errors"] = errors
    return item
