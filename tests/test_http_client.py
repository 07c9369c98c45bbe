"""Core's one home of outside calls (retry and backoff) against a real local HTTP server."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import load_tool

http_client = load_tool("optical_crm", "http_client")


class Server:
    """Answers each POST with the next planned ``(status, headers)``, then 200."""

    def __init__(self):
        self.plan = []
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append((dict(self.headers), body))
                status, headers = server.plan.pop(0) if server.plan else (200, {})
                data = b'{"ok": true}'
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%s/in" % self.httpd.server_port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    running = Server()
    yield running
    running.stop()


def call(server, retries=2, backoff=0.5, **kwargs):
    sleeps = []
    session = http_client.retrying_session(retries, backoff, sleeps.append, {"Authorization": "Bearer k"})
    with session:
        result = http_client.post_json(session, server.url, {"reference": "r1"}, timeout=2, **kwargs)
    return result, sleeps


def test_retries_means_repeats_after_the_first_attempt(server):
    server.plan = [(503, {}), (500, {}), (502, {})]
    result, sleeps = call(server, retries=2)
    assert (result.outcome, result.status, result.attempts) == ("server_error", 502, 3)
    assert "HTTP 502" in result.detail and "3 attempts" in result.detail
    assert len(server.requests) == 3
    # The first retry waits too: backoff, then twice the backoff.
    assert sleeps == [0.5, 1.0]


def test_every_retryable_status_is_retried_with_the_same_body(server):
    server.plan = [(status, {}) for status in sorted(http_client.RETRY_STATUSES)]
    result, _sleeps = call(server, retries=len(server.plan), backoff=0)
    assert result.outcome == "ok"
    assert len(server.requests) == len(http_client.RETRY_STATUSES) + 1
    assert {body["reference"] for _headers, body in server.requests} == {"r1"}
    assert {headers["Authorization"] for headers, _body in server.requests} == {"Bearer k"}


def test_other_statuses_are_final(server):
    server.plan = [(400, {})]
    result, sleeps = call(server)
    assert (result.outcome, result.status) == ("rejected", 400)
    assert len(server.requests) == 1 and sleeps == []


def test_retry_after_is_honoured_but_capped(server):
    server.plan = [(429, {"Retry-After": "7"}), (503, {"Retry-After": "3600"})]
    result, sleeps = call(server, retries=2, backoff=0.1)
    assert result.outcome == "ok"
    assert sleeps == [7, http_client.MAX_BACKOFF]


def test_no_retries_is_one_attempt(server):
    server.plan = [(503, {})]
    result, sleeps = call(server, retries=0)
    assert (result.outcome, result.attempts, len(server.requests), sleeps) == ("server_error", 1, 1, [])


def test_refused_connection_is_a_connection_error():
    sleeps = []
    with http_client.retrying_session(1, 0.2, sleeps.append) as session:
        result = http_client.post_json(session, "http://127.0.0.1:9/in", {}, timeout=0.5)
    assert (result.outcome, result.status, result.attempts) == ("connection_error", None, 2)
    assert sleeps == [0.2]


def test_a_url_no_adapter_serves_is_a_failed_call_not_an_exception():
    session = http_client.retrying_session(retries=0)
    for url in ("ftp://127.0.0.1/push", "not a url", "http://[::1"):
        result = http_client.post_json(session, url, {"a": 1}, timeout=1)
        assert result.outcome == "connection_error", url
        assert result.detail


def test_a_session_for_one_url_no_adapter_serves_is_a_failed_call_not_an_exception():
    for url in ("ftp://127.0.0.1/push", "not a url", "http://[::1"):
        session = http_client.retrying_session(retries=0, url=url)
        result = http_client.post_json(session, url, {"a": 1}, timeout=1)
        assert result.outcome == "connection_error", url
        assert result.detail


def test_a_session_for_one_url_still_goes_through_the_proxy_of_the_environment(server, monkeypatch):
    # The shop's server reaches the outside through a proxy (HTTP_PROXY): the
    # local server plays the proxy, the gateway's host does not even resolve.
    monkeypatch.setenv("HTTP_PROXY", server.url.rsplit("/", 1)[0])
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    url = "http://gateway.invalid/api/sms"
    with http_client.retrying_session(0, 0, headers={"Authorization": "Bearer k"}, url=url) as session:
        for reference in ("r1", "r2"):
            result = http_client.post_json(session, url, {"reference": reference}, timeout=2)
            assert result.outcome == "ok"
    assert [body["reference"] for _headers, body in server.requests] == ["r1", "r2"]
    assert {headers["Authorization"] for headers, _body in server.requests} == {"Bearer k"}


def test_no_proxy_of_the_environment_is_honoured_for_a_session_for_one_url(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with http_client.retrying_session(0, 0, url=server.url) as session:
        result = http_client.post_json(session, server.url, {"reference": "r1"}, timeout=2)
    assert result.outcome == "ok" and len(server.requests) == 1


def test_a_service_that_deduplicates_nothing_is_retried_only_when_it_did_not_process(server):
    """``deduplicated=False`` (WhatsApp's Cloud API): 429/503 are retried, a
    500 (it may have sent) is final, and so is a read timeout (tested below)."""
    server.plan = [(429, {"Retry-After": "1"}), (503, {})]
    sleeps = []
    with http_client.retrying_session(2, 0, sleeps.append, deduplicated=False) as session:
        result = http_client.post_json(session, server.url, {"reference": "r1"}, timeout=2)
    assert (result.outcome, len(server.requests), sleeps) == ("ok", 3, [1])
    server.plan, server.requests = [(500, {})], []
    with http_client.retrying_session(2, 0, sleeps.append, deduplicated=False) as session:
        result = http_client.post_json(session, server.url, {"reference": "r2"}, timeout=2)
    assert (result.outcome, result.status, len(server.requests)) == ("rejected", 500, 1)


def test_a_read_timeout_is_not_retried_when_the_service_deduplicates_nothing():
    """The request left: its outcome is unknown, the caller decides, one attempt only."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    accepted = []
    threading.Thread(target=lambda: [accepted.append(listener.accept()) for _n in range(3)], daemon=True).start()
    url = "http://127.0.0.1:%s/in" % listener.getsockname()[1]
    try:
        with http_client.retrying_session(2, 0, lambda _s: None, deduplicated=False) as session:
            result = http_client.post_json(session, url, {"reference": "r1"}, timeout=0.3)
        assert result.outcome == "timeout"
        assert len(accepted) == 1
    finally:
        listener.close()


def test_get_json(server):
    """GET through the same session (WhatsApp's template list)."""
    with http_client.retrying_session(0, 0) as session:
        result = http_client.get_json(session, server.url.replace("/in", "/missing"), params={"a": 1}, timeout=2)
    assert result.outcome == "rejected" and result.status == 501  # the test server has no do_GET
