"""The HTTP gateway provider against a real local HTTP server."""
import importlib.util

import pytest

from conftest import ADDONS, load_tool

gateway_tool = load_tool("optical_crm_sms", "sms_gateway")


def _load_gateway_server():
    path = ADDONS / "optical_crm_sms" / "tests" / "gateway_server.py"
    spec = importlib.util.spec_from_file_location("plain_optical_crm_sms_gateway_server", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LocalSmsGateway = _load_gateway_server().LocalSmsGateway


@pytest.fixture
def gateway():
    with LocalSmsGateway("k3y") as server:
        yield server


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
    assert {auth for _client, auth, _body in gateway.requests} == {"Bearer k3y"}
    assert gateway.delivered["ref-0"] == {"to": "+393470000000", "text": "Ciao 0", "sender": "Ottica",
                                          "reference": "ref-0"}
    assert len(gateway.delivered) == 5
    # Three batches of at most two, each over its own keep-alive connection, sent side by side.
    assert len({client for client, _auth, _body in gateway.requests}) == 3


def test_one_worker_sends_in_order(gateway):
    provider, _sleeps = make(gateway, batch_size=2, workers=1)
    provider.send_batch([message(n) for n in range(5)])
    assert gateway.references() == ["ref-%s" % n for n in range(5)]


def test_5xx_retried_with_backoff_same_reference(gateway):
    gateway.plan["ref-1"] = ["503", "500", "ok"]
    provider, sleeps = make(gateway, retries=2)
    results = provider.send_batch([message(0), message(1)])
    assert [r.state for r in results] == ["accepted", "accepted"]
    assert gateway.references() == ["ref-0", "ref-1", "ref-1", "ref-1"]
    assert sleeps == [0.01, 0.02]
    assert len(gateway.delivered) == 2


def test_timeout_retried_never_sent_twice(gateway):
    gateway.plan["ref-0"] = ["timeout", "ok"]
    provider, _sleeps = make(gateway)
    results = provider.send_batch([message(0)])
    assert results[0].state == "accepted"
    assert gateway.references().count("ref-0") == 2
    assert len(gateway.delivered) == 1


def test_gives_up_after_attempts_and_goes_on(gateway):
    gateway.plan["ref-0"] = ["500", "502", "503"]
    gateway.plan["ref-1"] = ["400"]
    provider, _sleeps = make(gateway, retries=2)
    bad = {"to": "", "text": "x", "reference": "ref-9"}
    results = provider.send_batch([message(0), message(1), bad, message(2)])
    assert [r.state for r in results] == ["server_error", "rejected", "invalid", "accepted"]
    assert "HTTP 503" in results[0].detail and "3 attempts" in results[0].detail
    assert results[1].detail.startswith("HTTP 400")
    assert results[2].detail == "to: missing"
    assert len(gateway.delivered) == 1


def test_connection_refused():
    provider = gateway_tool.HttpSmsGateway("http://127.0.0.1:9/send", "k", timeout=0.3, retries=1, backoff=0,
                                           sleep=lambda s: None)
    assert provider.send_batch([message(0)])[0].state == "connection_error"


def test_url_required():
    with pytest.raises(ValueError, match="gateway_url"):
        gateway_tool.HttpSmsGateway("", "k")


def test_nothing_is_posted_past_the_session_deadline(gateway):
    """A slow gateway: the session stops posting at its deadline, so that the
    worker commits what it sent before its time limit undoes it all."""
    import time

    gateway.delay = 0.1
    provider, _sleeps = make(gateway, batch_size=10, workers=1)
    results = provider.send_batch([message(n) for n in range(10)], deadline=time.monotonic() + 0.25)
    states = [result.state for result in results]
    sent = states.count("accepted")
    assert 1 <= sent <= 4
    assert states == ["accepted"] * sent + ["not_sent"] * (10 - sent)
    assert len(gateway.requests) == sent
