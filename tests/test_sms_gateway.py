"""The HTTP gateway provider against a real local HTTP server."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import load_tool

gateway_tool = load_tool("optical_crm_sms", "sms_gateway")


class Gateway:
    """A local SMS gateway: keeps one SMS per reference, and can be told to
    answer a reference with a status or to time out on its first attempts."""

    def __init__(self):
        self.requests = []
        self.delivered = {}
        self.plan = {}
        self.release = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.requests.append((self.headers.get("Authorization"), body))
                action = (gateway.plan.get(body["reference"]) or ["ok"]).pop(0)
                if action == "timeout":
                    gateway.delivered.setdefault(body["reference"], body)  # it arrived, the answer is late
                    gateway.release.wait(2)
                    return
                status = 200 if action == "ok" else int(action)
                if status < 300:
                    gateway.delivered.setdefault(body["reference"], body)
                data = b'{"ok": true}'
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%s/send" % self.server.server_port

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    server = Gateway()
    yield server
    server.close()


def make(gateway, **kw):
    sleeps = []
    kw.setdefault("timeout", 0.3)
    provider = gateway_tool.HttpSmsGateway(gateway.url, "k3y", backoff=0.01, sleep=sleeps.append, **kw)
    return provider, sleeps


def message(n):
    return {"to": "+39347000%04d" % n, "text": "Ciao %s" % n, "sender": "Ottica", "reference": "ref-%s" % n}


def test_batches_and_bearer(gateway):
    provider, _sleeps = make(gateway, batch_size=2)
    results = provider.send_batch([message(n) for n in range(5)])
    assert [r.state for r in results] == ["accepted"] * 5
    assert [r.reference for r in results] == ["ref-%s" % n for n in range(5)]
    assert {auth for auth, _body in gateway.requests} == {"Bearer k3y"}
    assert gateway.requests[0][1] == {"to": "+393470000000", "text": "Ciao 0", "sender": "Ottica",
                                      "reference": "ref-0"}
    assert len(gateway.delivered) == 5


def test_5xx_retried_with_backoff_same_reference(gateway):
    gateway.plan["ref-1"] = ["503", "500", "ok"]
    provider, sleeps = make(gateway, max_attempts=3)
    results = provider.send_batch([message(0), message(1)])
    assert [r.state for r in results] == ["accepted", "accepted"]
    assert [body["reference"] for _auth, body in gateway.requests] == ["ref-0", "ref-1", "ref-1", "ref-1"]
    assert sleeps == [0.01, 0.02]
    assert len(gateway.delivered) == 2


def test_timeout_retried_never_sent_twice(gateway):
    gateway.plan["ref-0"] = ["timeout", "ok"]
    provider, _sleeps = make(gateway)
    results = provider.send_batch([message(0)])
    assert results[0].state == "accepted"
    assert len([1 for _a, body in gateway.requests if body["reference"] == "ref-0"]) == 2
    assert len(gateway.delivered) == 1


def test_gives_up_after_attempts_and_goes_on(gateway):
    gateway.plan["ref-0"] = ["500", "502", "503"]
    gateway.plan["ref-1"] = ["400"]
    provider, _sleeps = make(gateway, max_attempts=3)
    bad = {"to": "", "text": "x", "reference": "ref-9"}
    results = provider.send_batch([message(0), message(1), bad, message(2)])
    assert [r.state for r in results] == ["server_error", "rejected", "invalid", "accepted"]
    assert "HTTP 503" in results[0].detail and "3 attempts" in results[0].detail
    assert results[1].detail.startswith("HTTP 400")
    assert results[2].detail == "to: missing"
    assert len(gateway.delivered) == 1


def test_connection_refused():
    provider = gateway_tool.HttpSmsGateway("http://127.0.0.1:9/send", "k", timeout=0.3, max_attempts=2,
                                           backoff=0, sleep=lambda s: None)
    assert provider.send_batch([message(0)])[0].state == "connection_error"


def test_url_required():
    with pytest.raises(ValueError, match="gateway_url"):
        gateway_tool.HttpSmsGateway("", "k")
