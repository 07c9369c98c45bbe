"""The HTTP push provider: every notification to a device goes through
``PushProvider.send`` so tests (and other providers) replace one thing.

Protocol: ``POST <url>`` with ``Authorization: Bearer <api key>``, header
``Idempotency-Key`` and a JSON body ``{"token", "title", "body", "data"}``.
A retry of the same notification carries the same idempotency key, so the
push service delivers it once even when an answer was lost on the way."""
import logging
import time

import requests

_logger = logging.getLogger(__name__)

# HTTP status → outcome; any other 2xx is a success, any other 4xx permanent.
STATUS_RETRY = {408, 425, 429, 500, 502, 503, 504}
STATUS_TOKEN_INVALID = {404, 410}


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
    """Plain class around a ``requests`` session: one method, ``send``."""

    def __init__(self, url, api_key=None, timeout=10, retries=3, backoff=0.5, session=None):
        if not url:
            raise PushError("push_url: no push service is configured", permanent=True)
        self.url = url
        self.api_key = api_key
        self.timeout = timeout
        self.retries = max(int(retries), 0)
        self.backoff = max(float(backoff), 0.0)
        self.session = session or requests.Session()

    def _headers(self, idempotency_key):
        headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = "Bearer %s" % self.api_key
        return headers

    def send(self, token, title, body, data=None, idempotency_key=None):
        """Push one notification to one device; returns the service's JSON
        answer (a dict, possibly empty). Timeouts, connection errors and 5xx
        are retried with exponential backoff, with the same idempotency key.
        Raises ``PushError`` when it finally fails."""
        if not token:
            raise PushError("token: the device has no push token", permanent=True, token_invalid=True)
        if not idempotency_key:
            raise PushError("idempotency_key: required so that a retry never pushes twice", permanent=True)
        payload = {"token": token, "title": title or "", "body": body or "", "data": data or {}}
        headers = self._headers(idempotency_key)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.post(self.url, json=payload, headers=headers, timeout=self.timeout)
            except (requests.Timeout, requests.ConnectionError) as error:
                failure = PushError("push service unreachable: %s" % error)
            else:
                if 200 <= response.status_code < 300:
                    try:
                        answer = response.json()
                    except ValueError:
                        answer = {}
                    return answer if isinstance(answer, dict) else {}
                message = "push service answered %s: %s" % (response.status_code, response.text[:200])
                if response.status_code not in STATUS_RETRY:
                    raise PushError(message, permanent=True,
                                    token_invalid=response.status_code in STATUS_TOKEN_INVALID)
                failure = PushError(message)
            if attempt > self.retries:
                raise failure
            delay = self.backoff * (2 ** (attempt - 1))
            _logger.info("Push %s: attempt %s failed (%s), retrying in %.1fs", idempotency_key, attempt, failure, delay)
            if delay:
                time.sleep(delay)
