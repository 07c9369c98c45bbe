"""The HTTP adapter FOCUS talks to: authentication, limits and JSON in and
out, with core's API conventions (``optical_crm/controllers/api.py``).
Everything else happens in ``optical.focus.store`` and
``optical.focus.record``."""
import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request

from odoo.addons.optical_crm.controllers.api import ApiError, json_body, json_errors, json_response, request_bearer

from ..tools import gatekeeper

_logger = logging.getLogger(__name__)


class FocusSyncController(http.Controller):

    def _store(self):
        """The store the ``Authorization: Bearer`` token belongs to, as superuser
        limited to the store's company; 401 otherwise."""
        token = request_bearer()
        store = None
        if token:
            request.update_env(user=SUPERUSER_ID)
            store = request.env["optical.focus.store"]._authenticate(token)
        if not store:
            raise ApiError(401, "Authorization: missing or wrong shop token")
        return store.with_company(store.company_id).with_context(allowed_company_ids=store.company_id.ids)

    @http.route("/optical_focus_sync/v1/batch", type="http", auth="none", methods=["POST"], csrf=False,
                save_session=False, readonly=False)
    @json_errors
    def batch(self, **_kwargs):
        store = self._store()
        param = request.env["ir.config_parameter"]._optical_param
        max_bytes = param("optical_focus_sync.max_body_bytes")
        length = request.httprequest.content_length
        if length is not None and length > max_bytes:
            raise ApiError(413, "body: %d bytes, more than the %d bytes allowed; send smaller batches"
                           % (length, max_bytes))
        payload = json_body(dict, max_bytes=max_bytes, loads=gatekeeper.loads)
        if payload.get("store") != store.code:
            raise ApiError(403, "store: the token does not belong to store %r" % (payload.get("store"),))
        records = payload.get("records")
        if not isinstance(records, list):
            raise ApiError(400, "records: expected a list of records")
        max_records = param("optical_focus_sync.max_records")
        if len(records) > max_records:
            raise ApiError(413, "records: %d records, more than the %d allowed in one batch; split the batch"
                           % (len(records), max_records))
        answer = store._receive(records)
        counts = {}
        for result in answer["results"]:
            counts[result["status"]] = counts.get(result["status"], 0) + 1
        _logger.info("FOCUS batch from %s: %s records, %s", store.code, len(records), counts)
        return json_response(dict(store=store.code, received=len(records), counts=counts, **answer))

    # Not readonly: the notes are read on the primary database, from a
    # snapshot taken after their horizon (``_notes_since``), never a replica.
    @http.route("/optical_focus_sync/v1/notes", type="http", auth="none", methods=["GET"], csrf=False,
                save_session=False, readonly=False)
    @json_errors
    def notes(self, since=None, **_kwargs):
        store = self._store()
        if not since:
            raise ApiError(400, "since: required, an ISO date and time")
        try:
            moment = gatekeeper.parse_moment(since, "since")
        except gatekeeper.Refused as error:
            raise ApiError(400, "since: %s" % error.reason) from None
        until, notes = store._notes_since(moment)
        return json_response({"store": store.code, "since": moment.isoformat(), "until": until.isoformat(),
                              "notes": notes})
