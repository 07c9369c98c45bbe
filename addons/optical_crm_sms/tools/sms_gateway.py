"""HTTP JSON SMS gateway: the provider a shop configures with its SMS reseller.

Every call to the outside goes through :meth:`HttpSmsGateway.send_batch`, so
tests (and other providers) replace one thing. Each SMS is one ``POST`` of
``{"to", "text", "sender", "reference"}`` with ``Authorization: Bearer <key>``;
any 2xx answer means accepted. Timeouts, connection errors, 429 and 5xx are
retried with exponential backoff and the *same* reference, which the gateway
uses to drop a message it already has: a retry never sends twice. Batches of
``batch_size`` messages go over one keep-alive session each, ``workers``
batches at a time (a reseller's gateway answers in tens of milliseconds: one
SMS after the other would take hours for a big campaign).
"""
import logging
import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

import requests

_logger = logging.getLogger(__name__)

GatewayResult = namedtuple("GatewayResult", "reference state detail")
GatewayResult.__doc__ = """state: 'accepted', 'rejected' (4xx: the gateway refused this SMS),
'invalid' (a field is missing, nothing was sent), 'timeout', 'server_error' (5xx) or
'connection_error' (after the last attempt); detail: why, for the user."""

REQUIRED_FIELDS = ("to", "text", "reference")
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class HttpSmsGateway:
    def __init__(self, url, api_key, timeout=10.0, max_attempts=3, backoff=0.5, batch_size=100, workers=4,
                 session=None, sleep=time.sleep):
        if not url:
            raise ValueError("gateway_url: the SMS gateway URL is not set")
        self.url = url
        self.api_key = api_key or ""
        self.timeout = timeout
        self.max_attempts = max(int(max_attempts), 1)
        self.backoff = backoff
        self.batch_size = max(int(batch_size), 1)
        self.workers = max(int(workers), 1)
        self.session = session
        self.sleep = sleep

    def send_batch(self, messages):
        """Send ``messages`` (dicts with ``to``, ``text``, ``sender``,
        ``reference``). Returns one :data:`GatewayResult` per message, in
        order; a bad or refused message never stops the others."""
        batches = [messages[start:start + self.batch_size] for start in range(0, len(messages), self.batch_size)]
        if self.session is not None or self.workers == 1 or len(batches) < 2:
            return [result for batch in batches for result in self._send_batch(batch)]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(batches))) as pool:
            return [result for results in pool.map(self._send_batch, batches) for result in results]

    def _send_batch(self, batch):
        """One batch over one keep-alive session."""
        session = self.session or requests.Session()
        try:
            session.headers.update({"Authorization": "Bearer %s" % self.api_key})
            return [self._send_one(session, message) for message in batch]
        finally:
            if self.session is None:
                session.close()

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
        state, detail = "connection_error", ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = session.post(self.url, json=payload, timeout=self.timeout)
            except requests.Timeout:
                state, detail = "timeout", "no answer within %ss" % self.timeout
            except requests.ConnectionError as error:
                state, detail = "connection_error", str(error)[:200]
            else:
                if 200 <= response.status_code < 300:
                    return GatewayResult(reference, "accepted", "")
                detail = "HTTP %s: %s" % (response.status_code, response.text[:200])
                if response.status_code not in RETRY_STATUS:
                    return GatewayResult(reference, "rejected", detail)
                state = "server_error"
            if attempt < self.max_attempts:
                _logger.info("SMS %s: attempt %s failed (%s), retrying", reference, attempt, detail)
                self.sleep(self.backoff * 2 ** (attempt - 1))
        return GatewayResult(reference, state, "%s (after %s attempts)" % (detail, self.max_attempts))
