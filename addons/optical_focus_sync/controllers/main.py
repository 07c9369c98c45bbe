"""The HTTP adapter FOCUS talks to: authentication, limits and JSON in and
out. Everything else happens in ``optical.focus.store`` and
``optical.focus.record``."""
import json
import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request
from werkzeug.exceptions import RequestEntityTooLarge

from ..tools import gatekeeper

_logger = logging.getLogger(__name__)

DEFAULT_MAX_RECORDS = 1000
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024


class FocusSyncController(http.Controller):

    def _json(self, payload, status=200):
        return request.make_response(
            # ASCII: a value FOCUS sent that is not text (a lone surrogate)
            # is echoed escaped instead of failing the answer.
            json.dumps(payload, default=str),
            headers=[("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")],
            status=status,
        )

    def _error(self, status, message, field=None):
        payload = {"error": message}
        if field:
            payload["field"] = field
        return self._json(payload, status=status)

    def _store(self):
        """The store the ``Authorization: Bearer`` token belongs to, as superuser
        limited to the store's company, or None."""
        header = request.httprequest.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        request.update_env(user=SUPERUSER_ID)
        store = request.env["optical.focus.store"]._authenticate(token.strip())
        if not store:
            return None
        return store.with_company(store.company_id).with_context(allowed_company_ids=store.company_id.ids)

    def _limit(self, key, default):
        value = request.env["ir.config_parameter"].sudo().get_param(key)
        try:
            return int(value) if value else default
        except ValueError:
            _logger.warning("System parameter %s is not a number: %r", key, value)
            return default

    @http.route("/optical_focus_sync/v1/batch", type="http", auth="none", methods=["POST"], csrf=False,
                save_session=False, readonly=False)
    def batch(self, **_kwargs):
        store = self._store()
        if store is None:
            return self._error(401, "Authorization: missing or wrong shop token", field="Authorization")
        max_bytes = self._limit("optical_focus_sync.max_body_bytes", DEFAULT_MAX_BODY_BYTES)
        length = request.httprequest.content_length
        if length is not None and length > max_bytes:
            return self._error(413, "body: %d bytes, more than the %d bytes allowed; send smaller batches"
                               % (length, max_bytes), field="body")
        if request.httprequest.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # Odoo has already read such a body as a form: the JSON is gone.
            return self._error(415, "Content-Type: send the batch as application/json, not as a form",
                               field="Content-Type")
        # A body sent without Content-Length (chunked) is cut by werkzeug at the limit.
        request.httprequest.max_content_length = max_bytes
        try:
            body = request.httprequest.get_data()
        except RequestEntityTooLarge:
            body = None
        if body is None or len(body) > max_bytes:
            return self._error(413, "body: more than the %d bytes allowed; send smaller batches" % max_bytes,
                               field="body")
        try:
            payload = gatekeeper.loads(body or b"null")
        except ValueError as error:
            return self._error(400, "body: not valid JSON (%s)" % error, field="body")
        if not isinstance(payload, dict):
            return self._error(400, "body: expected a JSON object {\"store\", \"records\"}", field="body")
        if payload.get("store") != store.code:
            return self._error(403, "store: the token does not belong to store %r" % (payload.get("store"),),
                               field="store")
        records = payload.get("records")
        if not isinstance(records, list):
            return self._error(400, "records: expected a list of records", field="records")
        max_records = self._limit("optical_focus_sync.max_records", DEFAULT_MAX_RECORDS)
        if len(records) > max_records:
            return self._error(413, "records: %d records, more than the %d allowed in one batch; "
                               "split the batch" % (len(records), max_records), field="records")
        answer = store._receive(records)
        counts = {}
        for result in answer["results"]:
            counts[result["status"]] = counts.get(result["status"], 0) + 1
        _logger.info("FOCUS batch from %s: %s records, %s", store.code, len(records), counts)
        return self._json(dict(store=store.code, received=len(records), counts=counts, **answer))

    # Not readonly: the notes are read on the primary database, from a
    # snapshot taken after their horizon (``_notes_since``), never a replica.
    @http.route("/optical_focus_sync/v1/notes", type="http", auth="none", methods=["GET"], csrf=False,
                save_session=False, readonly=False)
    def notes(self, since=None, **_kwargs):
        store = self._store()
        if store is None:
            return self._error(401, "Authorization: missing or wrong shop token", field="Authorization")
        if not since:
            return self._error(400, "since: required, an ISO date and time", field="since")
        try:
            moment = gatekeeper.parse_moment(since, "since")
        except gatekeeper.Refused as error:
            return self._error(400, "since: %s" % error.reason, field="since")
        until, notes = store._notes_since(moment)
        return self._json({"store": store.code, "since": moment.isoformat(), "until": until.isoformat(),
                           "notes": notes})
