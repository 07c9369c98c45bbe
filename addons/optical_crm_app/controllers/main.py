"""The API of the shop's app (Il Mio Ottico), JSON over HTTP.

``POST /optical_app/v1/pair`` exchanges a pairing code for an API key; every
other call authenticates with ``Authorization: Bearer <api_key>`` and sees
only the data of the customer who paired the device. Errors follow core's
API conventions (``optical_crm/controllers/api.py``):
``{"error": "<code>", "message": "<what is wrong, naming the field>", "field": "<field>"}``."""
import functools
import logging

from odoo import http
from odoo.http import request

from odoo.addons.optical_crm.controllers.api import ApiError, json_body, json_response, request_bearer
from odoo.addons.optical_crm.tools.http_api import text_problem

from ..models.optical_app_message import CHAT_TEXT_MAX_LENGTH
from ..tools.http_api import api_datetime

_logger = logging.getLogger(__name__)

API = "/optical_app/v1"
DEFAULT_PAGE_SIZE = 20
MAX_RECORD_ID = 2 ** 31 - 1
MAX_PAGE_SIZE = 100
PAIRING_ATTEMPT_KEY = "optical_crm_app.pairing_attempt"
# The largest JSON body each route reads (413 above it): what its fields can
# hold, written with every character escaped (\uXXXX), and room to spare.
PAIR_MAX_BYTES = 32 * 1024  # pairing_code, device_name (64), push_token (4,096)
DEVICE_MAX_BYTES = 32 * 1024  # device_name (64), push_token (4,096)
MESSAGE_MAX_BYTES = 32 * 1024  # text (CHAT_TEXT_MAX_LENGTH = 2,000 characters)


def unauthorized(message, code="unauthorized"):
    return ApiError(401, message, code=code, headers=[("WWW-Authenticate", 'Bearer realm="optical_app"')])


def authenticated(route):
    """Resolve the calling device from its Bearer key (401 otherwise) and
    pass it to the route; turn ``ApiError`` into a JSON error."""

    @functools.wraps(route)
    def wrapper(self, *args, **kwargs):
        device = request.env["optical.app.device"].sudo()._authenticate(request_bearer())
        if not device:
            return unauthorized("Authorization: a valid 'Bearer <api_key>' is required.").response()
        try:
            for name, value in kwargs.items():
                # An id in the URL beyond what PostgreSQL can hold names no record.
                if name.endswith("_id") and isinstance(value, int) and not 0 < value <= MAX_RECORD_ID:
                    raise ApiError(404, "%s: no such record." % name.removesuffix("_id"))
            return route(self, device.with_context(lang=device.partner_id._optical_lang()), *args, **kwargs)
        except ApiError as error:
            return error.response()

    return wrapper


class OpticalAppController(http.Controller):
    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @staticmethod
    def _json_body(max_bytes):
        return json_body(dict, max_bytes=max_bytes, empty={})

    @staticmethod
    def _optional_string(body, name, max_length):
        value = body.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > max_length:
            raise ApiError(400, "%s: a string of at most %s characters is expected." % (name, max_length))
        if problem := text_problem(value):
            raise ApiError(400, "%s: %s." % (name, problem))
        return value.strip()

    @staticmethod
    def _int_param(name, default, minimum, maximum):
        raw = request.httprequest.args.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not minimum <= value <= maximum:
            raise ApiError(400, "%s: an integer from %s to %s is expected." % (name, minimum, maximum))
        return value

    @staticmethod
    def _device_to_api(device, current):
        return {
            "id": device.id,
            "name": device.name,
            "paired_date": api_datetime(device.paired_date),
            "last_seen_date": api_datetime(device.last_seen_date),
            "push": device.has_push_token,
            "current": device == current,
        }

    # ------------------------------------------------------------------
    # Pairing and devices
    # ------------------------------------------------------------------

    @http.route(f"{API}/pair", type="http", auth="public", methods=["POST"], csrf=False)
    def pair(self, **_kwargs):
        Attempt = request.env["optical.app.pairing.attempt"].sudo()
        address = request.httprequest.remote_addr or "unknown"
        too_many = ApiError(429, "pairing_code: too many wrong codes from your network, try again later.",
                            code="too_many_attempts")
        # This request's attempt, counted once: Odoo runs a request again after a
        # serialization failure (two devices racing with one code), with the same environ.
        environ = request.httprequest.environ
        attempt = environ.get(PAIRING_ATTEMPT_KEY)
        if attempt is None and Attempt._is_blocked(address):
            return too_many.response()
        try:
            body = self._json_body(PAIR_MAX_BYTES)
            code = body.get("pairing_code")
            if not isinstance(code, str) or not code.strip():
                raise ApiError(400, "pairing_code: required (the code shown by the shop).")
            name = self._optional_string(body, "device_name", 64)
            push_token = self._optional_string(body, "push_token", 4096)
        except ApiError as error:
            return error.response()
        # Counted before the code is checked: parallel guesses cannot all pass the limit.
        if attempt is None:
            attempt = environ[PAIRING_ATTEMPT_KEY] = Attempt._reserve(address)
        if not attempt:
            return too_many.response()
        device, api_key = request.env["optical.app.device"].sudo()._pair(code, name=name, push_token=push_token)
        if device:
            Attempt._release(attempt)
        else:
            return unauthorized("pairing_code: unknown, already used or expired; ask the shop for a new one.",
                                code="invalid_pairing_code").response()
        _logger.info("App paired: device %s of customer %s", device.id, device.partner_id.id)
        return json_response({
            "api_key": api_key,
            "device_id": device.id,
            "customer": {"first_name": device.partner_id._optical_first_name()},
            "shop": {"name": device.company_id.name},
        })

    @http.route(f"{API}/device", type="http", auth="public", methods=["POST"], csrf=False)
    @authenticated
    def device_update(self, device, **_kwargs):
        """Register or refresh the push token (and name) of the calling device;
        ``"push_token": null`` or ``""`` switches push notifications off."""
        body = self._json_body(DEVICE_MAX_BYTES)
        values = {}
        if "push_token" in body:
            values["push_token"] = self._optional_string(body, "push_token", 4096) or False
        if body.get("device_name") is not None:
            values["name"] = self._optional_string(body, "device_name", 64) or device.name
        if not values:
            raise ApiError(400, "push_token: give push_token and/or device_name.")
        device.write(values)
        return json_response(self._device_to_api(device, device))

    @http.route(f"{API}/devices", type="http", auth="public", methods=["GET"], csrf=False)
    @authenticated
    def devices(self, device, **_kwargs):
        devices = device.search([("partner_id", "=", device.partner_id.id)])
        return json_response({"devices": [self._device_to_api(d, device) for d in devices]})

    @http.route(f"{API}/devices/<int:device_id>/revoke", type="http", auth="public", methods=["POST"], csrf=False)
    @authenticated
    def device_revoke(self, device, device_id, **_kwargs):
        target = device.search([("id", "=", device_id), ("partner_id", "=", device.partner_id.id)])
        if not target:
            raise ApiError(404, "device: no such device.")
        target._revoke("customer")
        return json_response({"id": target.id, "revoked": True})

    # ------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------

    @http.route(f"{API}/messages", type="http", auth="public", methods=["GET"], csrf=False)
    @authenticated
    def messages(self, device, **_kwargs):
        limit = self._int_param("limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        offset = self._int_param("offset", 0, 0, 10 ** 9)
        page = device.env["optical.app.message"]._api_page(device.partner_id, limit, offset)
        return json_response(page)

    @http.route(f"{API}/messages", type="http", auth="public", methods=["POST"], csrf=False)
    @authenticated
    def message_post(self, device, **_kwargs):
        """The customer writes to the shop: ``{"text": "..."}`` → 201 with the
        message; it lands in the customer's chatter where the staff reply."""
        body = self._json_body(MESSAGE_MAX_BYTES)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "text: required, the message to the shop.")
        Message = device.env["optical.app.message"]
        if len(text) > CHAT_TEXT_MAX_LENGTH:
            raise ApiError(400, "text: a string of at most %s characters is expected." % CHAT_TEXT_MAX_LENGTH)
        if problem := text_problem(text):
            raise ApiError(400, "text: %s." % problem)
        if Message._chat_rate_limited(device.partner_id):
            raise ApiError(429, "text: too many messages in a short time, try again later.", code="too_many_messages")
        message = device._chat_receive(text.strip())
        return json_response(message._to_api(), status=201)

    @http.route(f"{API}/messages/<int:message_id>/read", type="http", auth="public", methods=["POST"], csrf=False)
    @authenticated
    def message_read(self, device, message_id, **_kwargs):
        message = device.env["optical.app.message"].search(
            [("id", "=", message_id), ("partner_id", "=", device.partner_id.id)])
        if not message:
            raise ApiError(404, "message: no such message.")
        message._mark_read()
        return json_response(message._to_api())

    # ------------------------------------------------------------------
    # Promotions
    # ------------------------------------------------------------------

    def _promotions(self, device):
        Campaign = device.env["optical.crm.campaign"]
        # The customer's shop (the core rule), as the customer may now belong to another shop.
        shop = device.partner_id.optical_shop_id or device.company_id
        campaigns = Campaign.search(Campaign._app_promotion_domain(shop),
                                    order="date_start desc, id desc")
        return campaigns._app_promotions_for(device.partner_id)

    @http.route(f"{API}/promotions", type="http", auth="public", methods=["GET"], csrf=False)
    @authenticated
    def promotions(self, device, **_kwargs):
        return json_response({"promotions": [campaign._to_api() for campaign in self._promotions(device)]})

    @http.route(f"{API}/promotions/<int:campaign_id>/cover", type="http", auth="public", methods=["GET"],
                csrf=False)
    @authenticated
    def promotion_cover(self, device, campaign_id, **_kwargs):
        """The cover image, only of a promotion the caller can see."""
        campaign = self._promotions(device).filtered(lambda c: c.id == campaign_id and c.app_cover_image)
        if not campaign:
            raise ApiError(404, "promotion: no such promotion or it has no cover image.")
        stream = request.env["ir.binary"].sudo()._get_image_stream_from(campaign, "app_cover_image")
        return stream.get_response(max_age=3600)

    @http.route(f"{API}/<path:path>", type="http", auth="public", csrf=False)
    def unknown(self, path, **_kwargs):
        """Any other address or method under the API: a JSON error, not a web page."""
        return ApiError(404, "route: no %s %s/%s in this API." % (request.httprequest.method, API, path)).response()
