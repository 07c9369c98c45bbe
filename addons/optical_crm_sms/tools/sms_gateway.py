"""HTTP JSON SMS gateway: the provider a shop configures with its SMS reseller.

Every call to the outside goes through :meth:`HttpSmsGateway.send_batch`, so
tests (and other providers) replace one thing. Each SMS is one ``POST`` of
``{"to", "text", "sender", "reference"}`` with ``Authorization: Bearer <key>``;
any 2xx answer means accepted. Retries (what is retried, how often, the
backoff) are core's ``optical_crm/tools/http_client.py``; a retry carries the
*same* reference, which the gateway uses to drop a message it already has: a
retry never sends twice. Batches of ``batch_size`` messages go over one
keep-alive session each, ``workers`` batches at a time (a reseller's gateway
answers in tens of milliseconds: one SMS after the other would take hours for
a big campaign).
"""
import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

from odoo.addons.optical_crm.tools.http_client import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    bearer_header,
    post_json,
    retrying_session,
)

GatewayResult = namedtuple("GatewayResult", "reference state detail")
GatewayResult.__doc__ = """state: 'accepted', 'rejected' (4xx: the gateway refused this SMS),
'invalid' (a field is missing, nothing was sent), 'timeout', 'server_error' (5xx) or
'connection_error' (after the last attempt), 'not_sent' (past the session's deadline, not posted);
detail: why, for the user."""

REQUIRED_FIELDS = ("to", "text", "reference")


class HttpSmsGateway:
    def __init__(self, url, api_key, timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES, backoff=DEFAULT_BACKOFF,
                 batch_size=100, workers=4, sleep=None):
        if not url:
            raise ValueError("gateway_url: the SMS gateway URL is not set")
        self.url = url
        self.api_key = api_key or ""
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.batch_size = max(int(batch_size), 1)
        self.workers = max(int(workers), 1)
        self.sleep = sleep

    def send_batch(self, messages, deadline=None):
        """Send ``messages`` (dicts with ``to``, ``text``, ``sender``,
        ``reference``). Returns one :data:`GatewayResult` per message, in
        order; a bad or refused message never stops the others. Past
        ``deadline`` (a ``time.monotonic()`` value) no message is posted any
        more: the rest are answered ``not_sent``, for a later session (a slow
        gateway must not keep a worker past its time limit, which would undo
        everything the session sent)."""
        batches = [messages[start:start + self.batch_size] for start in range(0, len(messages), self.batch_size)]
        if self.workers == 1 or len(batches) < 2:
            return [result for batch in batches for result in self._send_batch(batch, deadline)]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(batches))) as pool:
            return [result for results in pool.map(self._send_batch, batches, [deadline] * len(batches))
                    for result in results]

    def _send_batch(self, batch, deadline=None):
        """One batch over one keep-alive session."""
        with retrying_session(self.retries, self.backoff, self.sleep, bearer_header(self.api_key),
                              url=self.url) as session:
            return [
                GatewayResult(message.get("reference"), "not_sent", "")
                if deadline is not None and time.monotonic() > deadline else self._send_one(session, message)
                for message in batch
            ]

    def _send_one(self, session, message):
        reference = message.get("reference")
        missing = [field for field in REQUIRED_FIELDS if not message.get(field)]
        if missing:
            return GatewayResult(reference, "invalid", "%s: missing" % ", ".join(missing))
        payload = {
            "to": message["to"],
            "text": message["text"],
            "sender": message.get("sender") or "",
            "reference": reference,
        }
        result = post_json(session, self.url, payload, timeout=self.timeout)
        state = "accepted" if result.outcome == "ok" else result.outcome
        return GatewayResult(reference, state, result.detail)
