import logging
import re

import psycopg2

from odoo import fields, http
from odoo.http import request
from odoo.tools import SQL

from odoo.addons.optical_crm.controllers.api import ApiError, json_body, json_response, request_bearer
from odoo.addons.optical_crm.tools.http_api import same_secret, text_problem
from odoo.addons.sms.controllers import main

from ..tools.landing import is_visit

# The largest callback body the gateway may post: a list of a few thousand
# delivery reports or inbound SMS; anything larger is refused (413) unread.
CALLBACK_MAX_BYTES = 1024 * 1024

_logger = logging.getLogger(__name__)

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
PUBLIC_HEADERS = [
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex, nofollow"),
]


class ItemError(ApiError):
    """The error of one item of a callback, with the item's identifying keys."""

    def __init__(self, status, message, **context):
        super().__init__(status, message)
        self.context = context


class OpticalCrmSmsController(http.Controller):
    """The SMS gateway's callbacks (delivery reports, inbound SMS), both
    authenticated with the gateway key, and the public landing page."""

    # ------------------------------------------------------------------
    # Gateway callbacks
    # ------------------------------------------------------------------

    def _check_gateway_key(self):
        # No key configured means no callback is accepted.
        return same_secret(request_bearer(),
                           request.env["ir.config_parameter"]._optical_param("optical_crm_sms.gateway_api_key"))

    @staticmethod
    def _text_error(item, field, max_length=1600, **context):
        """An :class:`ItemError` when ``item[field]`` is not a usable text, else None."""
        value = item.get(field)
        reason = None
        if value is None or value == "":
            reason = "%s: missing" % field
        elif not isinstance(value, str) or not value.strip():
            reason = "%s: %r is not a text" % (field, value)
        elif len(value) > max_length:
            reason = "%s: longer than %d characters" % (field, max_length)
        elif problem := text_problem(value):
            reason = "%s: %s" % (field, problem)
        return ItemError(400, reason, **context) if reason else None

    def _handle_safely(self, handle, item):
        """``(result, status)`` of ``handle(item)`` in a savepoint: an item
        that fails is reported in error alone, the other items of the list
        are kept."""
        try:
            with request.env.cr.savepoint():
                return handle(item), 200
        except ItemError as error:
            return dict(error.payload(), **error.context), error.status
        except psycopg2.OperationalError:
            raise  # concurrency: Odoo retries the whole request
        except Exception:  # noqa: BLE001 - one bad item must not roll the good ones back
            _logger.warning("SMS gateway callback: item refused", exc_info=True)
            return ApiError(422, "record: could not be applied", code="unprocessable").payload(), 422

    def _callback(self, handle):
        """Apply ``handle`` to each item of the body (one object or a list of
        them): one item answers with its result or its error and status, a
        list with ``{"results": [...]}`` and 207 when any item failed."""
        try:
            if not self._check_gateway_key():
                raise ApiError(401, "Authorization: a valid Bearer gateway key is required")
            data = json_body((dict, list), max_bytes=CALLBACK_MAX_BYTES)
            items = data if isinstance(data, list) else [data]
            if not items or not all(isinstance(item, dict) for item in items):
                raise ApiError(400, "body: a JSON object or a list of JSON objects is expected")
        except ApiError as error:
            return error.response()
        results, statuses = zip(*[self._handle_safely(handle, item) for item in items], strict=True)
        failed = [status for status in statuses if status != 200]
        status = 200 if not failed else (failed[0] if len(items) == 1 else 207)
        return json_response(results[0] if len(items) == 1 else {"results": list(results)}, status=status)

    @http.route("/optical_crm_sms/v1/status", type="http", auth="public", methods=["POST"], csrf=False,
                save_session=False)
    def delivery_status(self, **_kwargs):
        """Delivery reports ``{"reference", "status"}`` (or a list of them)."""
        return self._callback(self._delivery_status)

    def _delivery_status(self, item):
        reference, status = item.get("reference"), item.get("status")
        if error := self._text_error(item, "reference", 128):
            raise error
        SmsSms = request.env["sms.sms"].sudo()
        known = set(SmsSms.HTTP_TO_SMS_STATE_SUCCESS) | set(SmsSms.HTTP_TO_SMS_FAILURE_TYPE)
        status = status.strip().lower() if isinstance(status, str) else None
        if status not in known:
            raise ItemError(400, "status: %r is not one of %s" % (item.get("status"), ", ".join(sorted(known))),
                            reference=reference)
        state = SmsSms._optical_delivery_report(reference, status)
        if state is None:
            raise ItemError(404, "reference: unknown SMS", reference=reference)
        return {"reference": reference, "state": state}

    @http.route("/optical_crm_sms/v1/inbound", type="http", auth="public", methods=["POST"], csrf=False,
                save_session=False)
    def inbound(self, **_kwargs):
        """Inbound SMS ``{"from", "text"}``: STOP blacklists the number."""
        return self._callback(self._inbound)

    def _inbound(self, item):
        number, text = item.get("from"), item.get("text")
        if error := self._text_error(item, "from", 64):
            raise error
        if isinstance(text, str) and not text.strip():
            text = text.strip()  # an empty SMS is still an SMS
        elif error := self._text_error(item, "text", **{"from": number}):
            raise error
        try:
            is_stop, partners = request.env["res.partner"].sudo()._optical_sms_inbound(number, text)
        except ValueError as error:
            raise ItemError(400, str(error), **{"from": number}) from None
        return {"from": number, "stop": is_stop, "customers": len(partners)}

    # ------------------------------------------------------------------
    # Landing page
    # ------------------------------------------------------------------

    def _landing_lookup(self, token):
        """The communication of ``token`` (or None) and whether its page may be shown."""
        if not TOKEN_PATTERN.match(token or ""):
            return None, False
        communication = request.env["optical.crm.communication"].sudo().search(
            [("landing_token", "=", token)], limit=1)
        # The search already matched it; compare again in constant time.
        if not communication or not same_secret(token, communication.landing_token):
            return None, False
        valid = (communication.landing_page_id.active and communication.state in ("sent", "done")
                 and communication.landing_expiry and communication.landing_expiry >= fields.Datetime.now())
        return communication, bool(valid)

    def _landing_communication(self, token):
        communication, valid = self._landing_lookup(token)
        return communication if valid else None

    def _landing_unavailable(self, communication):
        """An unknown or expired link: the shop's page, in the customer's
        language when the link is known, else in the browser's."""
        if communication:
            company, lang = communication.company_id, communication.partner_id.lang
        else:
            company = request.env["res.company"].sudo().search([], order="id", limit=1)
            lang = request.best_lang
        installed = dict(request.env["res.lang"].get_installed())
        for candidate in (lang, company.partner_id.lang, "en_US"):
            if candidate in installed:
                lang = candidate
                break
        else:
            lang = next(iter(installed))
        # Texts given from code: Odoo finds no translatable terms in a whole-page QWeb template.
        env = request.env(context=dict(request.env.context, lang=lang))
        values = {
            "title": env._("This link is no longer available"),
            "message": env._("The offer may have ended, or the link is not complete. "
                             "Call or visit us: we are glad to help."),
            "page_lang": lang.replace("_", "-"),
            **request.env["optical.crm.landing.page"]._landing_shop_values(company, lang),
        }
        response = request.render("optical_crm_sms.landing_unavailable", values, headers=PUBLIC_HEADERS)
        response.status_code = 404
        return response

    @http.route("/l/<string:token>", type="http", auth="public", methods=["GET"], sitemap=False,
                save_session=False)
    def landing(self, token, **_kwargs):
        communication, valid = self._landing_lookup(token)
        if not valid:
            return self._landing_unavailable(communication)
        # The shop's staff opening the link see a preview: not the customer's visit.
        preview = bool(request.session.uid) and request.env.user._is_internal()
        # A preview of the link (WhatsApp, Telegram, a mail scanner…) or a HEAD is shown, not counted.
        if not preview and is_visit(request.httprequest.method, request.httprequest.headers.get("User-Agent")):
            # One statement: concurrent visits are all counted.
            request.env.cr.execute(SQL(
                """UPDATE optical_crm_communication
                      SET landing_visits = COALESCE(landing_visits, 0) + 1, opened = TRUE,
                          opened_date = COALESCE(opened_date, NOW() AT TIME ZONE 'UTC')
                    WHERE id = %s""", communication.id))
            communication.invalidate_recordset(["landing_visits", "opened", "opened_date"])
        values = communication.landing_page_id._landing_values(communication)
        values["image_url"] = "/l/%s/image" % token if communication.landing_page_id.image else False
        values["preview"] = preview and request.env._(
            "Preview for the shop's staff: not counted as the customer's visit.")
        response = request.render("optical_crm_sms.landing_page", values, headers=PUBLIC_HEADERS)
        return response

    @http.route("/l/<string:token>/image", type="http", auth="public", methods=["GET"], sitemap=False,
                save_session=False)
    def landing_image(self, token, **_kwargs):
        communication = self._landing_communication(token)
        if not communication or not communication.landing_page_id.image:
            raise request.not_found()
        stream = request.env["ir.binary"]._get_image_stream_from(communication.landing_page_id, "image")
        return stream.get_response(max_age=3600)


class SmsController(main.SmsController):
    """Odoo's IAP delivery reports (``/sms/status``) also move the ledger:
    with the IAP provider too, a delivered SMS makes its communication done
    and an undelivered one failed with the reason. Odoo's answers are kept:
    ``"OK"`` for a report taken, Odoo's error for a malformed one."""

    @http.route()
    def update_sms_status(self, message_statuses=None, **_kwargs):
        # Checked before anything else, with either provider: a malformed
        # report gets Odoo's error (UserError "Bad parameters"), never "OK".
        self._optical_check_message_statuses(message_statuses)
        # IAP's reports are public (no key): with the HTTP gateway as the
        # provider no SMS goes through IAP, so such a report can only be forged.
        if request.env["sms.sms"].sudo()._optical_provider() == "http":
            _logger.info("SMS: IAP delivery report ignored, the HTTP gateway is the provider")
            return "OK"
        result = super().update_sms_status(message_statuses)
        SmsSms = request.env["sms.sms"].sudo()
        Communication = request.env["optical.crm.communication"].sudo()
        for status in message_statuses:
            communications = Communication.search([("sms_reference", "in", status["uuids"])])
            if state := SmsSms.IAP_TO_SMS_STATE_SUCCESS.get(status["sms_status"]):
                communications._sms_update_from_delivery(state)
            else:
                communications._sms_update_from_delivery("error", request.env._(
                    "SMS gateway: %(state)s", state=status["sms_status"]))
        return result

    @classmethod
    def _optical_check_message_statuses(cls, message_statuses):
        """Odoo's checks of a report (``_check_status_values``), preceded by
        those of its shape that Odoo leaves to a KeyError or a TypeError:
        a list of ``{"sms_status": text, "uuids": [text, ...]}``."""
        if not isinstance(message_statuses, list) or not all(
                isinstance(status, dict) and isinstance(status.get("sms_status"), str)
                and isinstance(status.get("uuids"), list) and all(isinstance(uuid, str) for uuid in status["uuids"])
                for status in message_statuses):
            # Odoo's check of an empty report: logs the report, raises Odoo's error.
            cls._check_status_values([], "", message_statuses)
        for status in message_statuses:
            cls._check_status_values(status["uuids"], status["sms_status"], message_statuses)
