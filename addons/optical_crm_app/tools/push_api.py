"""The HTTP push provider: every notification to a device goes through
``PushProvider.send`` so tests (and other providers) replace one thing.

Protocol: ``POST <url>`` with ``Authorization: Bearer <api key>``, header
``Idempotency-Key`` and a JSON body ``{"token", "title", "body", "data"}``.
Retries (what is retried, how often, the backoff) are core's
``optical_crm/tools/http_client.py``; a retry of the same notification
carries the same idempotency key, so the push service delivers it once even
when an answer was lost on the way."""
from odoo.addons.optical_crm.tools.http_client import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    bearer_header,
    post_json,
    retrying_session,
)

# The device's push token is no longer valid.
STATUS_TOKEN_INVALID = frozenset({404, 410})


class PushError(Exception):
    """A notification that could not be delivered.

    ``permanent``: retrying will not help (bad request, refused key).
    ``token_invalid``: the device's push token is no longer valid.
    """

    def __init__(self, message, permanent=False, token_invalid=False):
        super().__init__(message)
        self.permanent = permanent
        self.token_invalid = token_invalid


class PushProvider:
    """Plain class around a retrying ``requests`` session: one method, ``send``."""

    def __init__(self, url, api_key=None, timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES, backoff=DEFAULT_BACKOFF,
                 sleep=None):
        if not url:
            raise PushError("push_url: no push service is configured", permanent=True)
        self.url = url
        self.timeout = timeout
        # Every call goes to the one URL: the environment's proxy for it is read once.
        self.session = retrying_session(retries, backoff, sleep, bearer_header(api_key), url=url)

    def send(self, token, title, body, data=None, idempotency_key=None):
        """Push one notification to one device; returns the service's JSON
        answer (a dict, possibly empty). Raises ``PushError`` when it finally
        fails."""
        if not token:
            raise PushError("token: the device has no push token", permanent=True, token_invalid=True)
        if not idempotency_key:
            raise PushError("idempotency_key: required so that a retry never pushes twice", permanent=True)
        payload = {"token": token, "title": title or "", "body": body or "", "data": data or {}}
        result = post_json(self.session, self.url, payload, timeout=self.timeout,
                           headers={"Idempotency-Key": idempotency_key})
        if result.outcome == "ok":
            try:
                answer = result.response.json()
            except ValueError:
                answer = {}
            return answer if isinstance(answer, dict) else {}
        if result.outcome in ("timeout", "connection_error"):
            raise PushError("push service unreachable: %s" % result.detail)
        message = "push service answered %s" % result.detail
        if result.outcome == "rejected":
            raise PushError(message, permanent=True, token_invalid=result.status in STATUS_TOKEN_INVALID)
        raise PushError(message)
