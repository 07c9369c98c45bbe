"""A real HTTP stand-in for WhatsApp's Cloud API on 127.0.0.1, for the tests
and the reliability harness. Plain Python (no Odoo).

Like Meta, it de-duplicates nothing: every accepted post is a message on the
customer's phone. ``posts[reference]`` lists every accepted post of a
``biz_opaque_callback_data``, so a duplicate is seen here.
"""
import time
from urllib.parse import parse_qs, urlsplit

from odoo.addons.optical_crm.tools.http_stand_in import JsonHandler, LocalStandIn

UNAUTHORIZED = {"error": {"message": "Invalid OAuth access token", "code": 190}}


class _Handler(JsonHandler):
    """The stand-in's HTTP side; ``self.server.stand_in`` is the :class:`LocalCloudApi`."""

    def _authorized(self):
        return self.headers.get("Authorization") == "Bearer %s" % self.server.stand_in.access_token

    def do_GET(self):
        cloud = self.server.stand_in
        url = urlsplit(self.path)
        cloud.record((url.path, self.headers.get("Authorization"), None), None)
        if not self._authorized():
            return self.answer(401, UNAUTHORIZED)
        if not url.path.endswith("/message_templates"):
            return self.answer(404, {"error": {"message": "Unknown path", "code": 100}})
        page = int((parse_qs(url.query).get("page") or ["0"])[0])
        answer = {"data": cloud.templates[page * 2:page * 2 + 2], "paging": {}}
        if len(cloud.templates) > (page + 1) * 2:
            answer["paging"]["next"] = "http://127.0.0.1:%s%s?page=%s" % (cloud.server.server_port, url.path, page + 1)
        return self.answer(200, answer)

    def do_POST(self):
        cloud = self.server.stand_in
        body = self.read_json()
        action = cloud.record((self.path, self.headers.get("Authorization"), body), body.get("biz_opaque_callback_data"))
        if not self._authorized():
            return self.answer(401, UNAUTHORIZED)
        if action == "429":
            return self.answer(429, {"error": {"message": "Rate limit hit", "code": 130429}},
                               headers=[("Retry-After", str(cloud.retry_after))])
        if action == "400":
            return self.answer(400, {"error": {
                "message": "(#132001) Template name does not exist in the translation", "code": 132001,
                "error_data": {"details": "template name (%s) does not exist" % (
                    body.get("template") or {}).get("name")}}})
        message_id = cloud.accept(body)
        if action == "timeout":
            return self.hang_up()
        if cloud.delay:
            time.sleep(cloud.delay)
        return self.answer(200, {"messaging_product": "whatsapp",
                                 "contacts": [{"input": body.get("to"), "wa_id": body.get("to", "").lstrip("+")}],
                                 "messages": [{"id": message_id}]})


class LocalCloudApi(LocalStandIn):
    """``plan[reference] = ["429", "400", "timeout", "ok"]``: one action per
    attempt (``timeout`` accepts the message but answers too late;
    ``429`` answers with ``Retry-After: retry_after``). ``templates``: what
    the template list returns (two per page). ``on_accept(body, message_id)``
    is called for every message accepted; ``delay`` slows every answer."""

    VERSION = "v21.0"
    handler = _Handler
    path = "/" + VERSION

    def __init__(self, access_token):
        self.access_token = access_token
        # ``requests``: (path, authorization, body) of every call
        self.posts = {}         # reference -> [body, …] of every accepted post
        self.templates = []
        self.retry_after = 1
        self.counter = 0
        super().__init__()

    def accept(self, body):
        with self.lock:
            self.counter += 1
            message_id = "wamid.TEST%06d" % self.counter
            self.posts.setdefault(body.get("biz_opaque_callback_data"), []).append(body)
        if self.on_accept:
            self.on_accept(body, message_id)
        return message_id

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
