"""The app's push provider against a real local HTTP push service."""
import importlib.util
import pathlib

import pytest

from conftest import ADDONS, load_tool

push_api = load_tool("optical_crm_app", "push_api")

_spec = importlib.util.spec_from_file_location(
    "plain_optical_crm_app_push_server", pathlib.Path(ADDONS) / "optical_crm_app" / "tests" / "push_server.py")
push_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(push_server)


@pytest.fixture
def server():
    running = push_server.PushServer().start()
    yield running
    running.stop()


def provider(server, **kwargs):
    options = {"api_key": server.api_key, "timeout": 2, "retries": 2, "backoff": 0}
    options.update(kwargs)
    return push_api.PushProvider(server.url, **options)


def test_send_delivers_payload_with_idempotency_key(server):
    answer = provider(server).send("tok-1", "Hello", "Text", {"message_id": 7}, idempotency_key="m7-d1")
    assert answer == {"id": "m7-d1"}
    assert server.delivered == {"m7-d1": {"token": "tok-1", "title": "Hello", "body": "Text",
                                          "data": {"message_id": 7}}}


def test_5xx_is_retried_with_the_same_key_and_delivered_once(server):
    server.fail_next = [503, 502]
    provider(server).send("tok-1", "Hello", "Text", idempotency_key="m7-d1")
    assert [key for key, _payload in server.requests] == ["m7-d1"] * 3
    assert list(server.delivered) == ["m7-d1"]


def test_timeout_is_retried(server):
    server.fail_next = [0]
    provider(server, timeout=0.5).send("tok-1", "Hello", "Text", idempotency_key="k")
    assert list(server.delivered) == ["k"]
    assert len(server.requests) == 2


def test_gives_up_after_the_retries(server):
    server.fail_next = [500, 500, 500]
    with pytest.raises(push_api.PushError) as error:
        provider(server).send("tok-1", "Hello", "Text", idempotency_key="k")
    assert not error.value.permanent
    assert "500" in str(error.value)
    assert len(server.requests) == 3
    assert not server.delivered


def test_4xx_is_permanent_and_not_retried(server):
    server.fail_next = [410]
    with pytest.raises(push_api.PushError) as error:
        provider(server).send("tok-1", "Hello", "Text", idempotency_key="k")
    assert error.value.permanent and error.value.token_invalid
    assert len(server.requests) == 1


def test_wrong_api_key_is_permanent(server):
    with pytest.raises(push_api.PushError) as error:
        provider(server, api_key="wrong").send("tok-1", "Hello", "Text", idempotency_key="k")
    assert error.value.permanent and not error.value.token_invalid


def test_unreachable_service_is_retryable():
    unreachable = push_api.PushProvider("http://127.0.0.1:9/push", timeout=0.5, retries=1, backoff=0)
    with pytest.raises(push_api.PushError) as error:
        unreachable.send("tok", "t", "b", idempotency_key="k")
    assert not error.value.permanent


def test_bad_arguments_name_the_field():
    with pytest.raises(push_api.PushError, match="push_url"):
        push_api.PushProvider("")
    sender = push_api.PushProvider("http://127.0.0.1:9/push")
    with pytest.raises(push_api.PushError, match="token"):
        sender.send("", "t", "b", idempotency_key="k")
    with pytest.raises(push_api.PushError, match="idempotency_key"):
        sender.send("tok", "t", "b")
