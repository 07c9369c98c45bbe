"""Calls to services outside Odoo (SMS gateway, push service): the one home
of retry and backoff.

Every outside call goes through a ``requests`` session built by
:func:`retrying_session`, whose urllib3 :class:`Retry` gives one meaning to
each setting, whoever calls:

- ``retries``: how many times a failed call is *repeated* after the first
  attempt (``retries=2`` is at most three attempts);
- retried: connection errors, timeouts and the statuses in
  :data:`RETRY_STATUSES`, for every method (a POST too: every caller sends a
  reference or an idempotency key that never changes across retries, so the
  service drops what it already has);
- ``backoff``: the wait before the n-th retry is ``backoff * 2 ** (n - 1)``
  seconds, or the server's ``Retry-After`` when it gives one, never more than
  :data:`MAX_BACKOFF`; ``sleep`` is injectable so tests do not wait.

:func:`post_json` returns a :class:`CallResult` and never raises for an
HTTP or network failure: the caller maps its ``outcome`` onto its own states.
"""
import logging
import time
from collections import namedtuple

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

_logger = logging.getLogger(__name__)

# Shared defaults of every outside call (system parameters override them).
DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF = 0.5
# A ``Retry-After`` of an hour must not hold a cron worker for an hour.
MAX_BACKOFF = 30.0
# Request timeout, too early, rate limited, and the server errors a retry can cure.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# For a service that de-duplicates nothing (WhatsApp's Cloud API): only the
# statuses saying the request was not processed are retried, and never an
# error after the request was sent (a read timeout, a reset): its outcome is
# unknown, and the caller decides when to post it again.
NOT_PROCESSED_STATUSES = frozenset({408, 425, 429, 503})

CallResult = namedtuple("CallResult", "outcome status response detail attempts")
CallResult.__doc__ = """outcome: 'ok' (2xx), 'rejected' (any other status that is not retried),
'server_error' (a retried status, after the last attempt), 'timeout' or 'connection_error' (after
the last attempt); status: the HTTP status or None; response: the ``requests`` response or None;
detail: why, for the user ("" when ok); attempts: how many attempts the call may have taken."""


class BackoffRetry(Retry):
    """urllib3's ``Retry`` with the project's backoff (the first retry waits
    too) and an injectable ``sleep_function``."""

    sleep_function = staticmethod(time.sleep)

    def new(self, **kwargs):
        retry = super().new(**kwargs)
        retry.sleep_function = self.sleep_function
        return retry

    def get_backoff_time(self):
        errors = len(self.history)
        if not errors:
            return 0
        return min(self.backoff_factor * 2 ** (errors - 1), MAX_BACKOFF)

    def sleep(self, response=None):
        delay = None
        if response is not None and self.respect_retry_after_header:
            delay = self.get_retry_after(response)
        if delay is None:
            delay = self.get_backoff_time()
        delay = min(delay, MAX_BACKOFF)
        if delay > 0:
            self.sleep_function(delay)


def make_retry(retries=DEFAULT_RETRIES, backoff=DEFAULT_BACKOFF, sleep=None, deduplicated=True):
    """The :class:`BackoffRetry` of one call: ``retries`` repeats at most.
    ``deduplicated=False``: the service drops no repeated request, so only
    connection failures and :data:`NOT_PROCESSED_STATUSES` are retried."""
    extra = {} if deduplicated else {"read": 0, "other": 0}
    retry = BackoffRetry(
        total=max(int(retries), 0),
        redirect=0,
        raise_on_redirect=False,
        status_forcelist=RETRY_STATUSES if deduplicated else NOT_PROCESSED_STATUSES,
        **extra,
        allowed_methods=None,  # every method: callers send an idempotency reference
        backoff_factor=max(float(backoff), 0.0),
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    if sleep is not None:
        retry.sleep_function = sleep
    return retry


def retrying_session(retries=DEFAULT_RETRIES, backoff=DEFAULT_BACKOFF, sleep=None, headers=None, url=None,
                     deduplicated=True):
    """A keep-alive ``requests.Session`` retrying as described above.

    Given the ``url`` every call of the session goes to, the proxy the
    environment sets for it (``HTTPS_PROXY``, ``NO_PROXY``…) is read once,
    here, instead of on every call: ``requests`` reads the whole environment
    twice per call otherwise, which was half of a gateway session's CPU
    time. The session then trusts nothing else from the environment (no
    ``.netrc`` credentials in place of the caller's ``Authorization``)."""
    session = requests.Session()
    try:
        proxies = requests.utils.get_environ_proxies(url) if url else None
    except ValueError:
        # An address requests cannot read: the session stays as requests makes it, and the
        # call reports the address as its own failure.
        proxies = None
    if proxies is not None:
        session.proxies.update(proxies)
        session.trust_env = False
    adapter = HTTPAdapter(max_retries=make_retry(retries, backoff, sleep, deduplicated))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if headers:
        session.headers.update(headers)
    return session


def bearer_header(api_key):
    """``{"Authorization": "Bearer <key>"}``, or ``{}`` without a key."""
    return {"Authorization": "Bearer %s" % api_key} if api_key else {}


def post_json(session, url, payload, timeout=DEFAULT_TIMEOUT, headers=None):
    """POST ``payload`` as JSON through ``session``; returns a :data:`CallResult`."""
    return _call(session, "post", url, timeout, json=payload, headers=headers)


def get_json(session, url, params=None, timeout=DEFAULT_TIMEOUT, headers=None):
    """GET ``url`` through ``session``; returns a :data:`CallResult`."""
    return _call(session, "get", url, timeout, params=params, headers=headers)


def _call(session, method, url, timeout, **kwargs):
    try:
        adapter = session.get_adapter(url)
    except requests.RequestException as error:
        # A URL no adapter serves (ftp://, a typo): the caller's failure, like any other.
        return CallResult("connection_error", None, None, str(error)[:200], 0)
    retry = getattr(adapter, "max_retries", None)
    attempts = (retry.total if retry is not None and retry.total else 0) + 1
    try:
        response = session.request(method, url, timeout=timeout, **kwargs)
    except requests.RequestException as error:
        reason = error.args[0] if error.args else None
        reason = getattr(reason, "reason", reason)
        # urllib3 1.x makes a refused connection a kind of connect timeout.
        timed_out = isinstance(error, requests.Timeout) or isinstance(reason, Urllib3Timeout)
        if timed_out and not isinstance(reason, NewConnectionError):
            outcome, detail = "timeout", "no answer within %ss" % timeout
        else:
            outcome, detail = "connection_error", str(error)[:200]
        return CallResult(outcome, None, None, "%s (after %s attempts)" % (detail, attempts), attempts)
    if 200 <= response.status_code < 300:
        return CallResult("ok", response.status_code, response, "", attempts)
    detail = "HTTP %s: %s" % (response.status_code, response.text[:200])
    forced = getattr(retry, "status_forcelist", None) or RETRY_STATUSES
    if response.status_code in forced:
        return CallResult("server_error", response.status_code, response,
                          "%s (after %s attempts)" % (detail, attempts), attempts)
    return CallResult("rejected", response.status_code, response, detail, attempts)
