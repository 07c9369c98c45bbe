"""The Odoo side of the project's HTTP APIs: one JSON error shape, one way
to read a JSON body, the caller's Bearer token.

Every error of the SMS gateway callbacks, the app's API and the FOCUS sync
is ``{"error": "<code>", "message": "<what is wrong>", "field": "<name>"}``
with the matching HTTP status: ``error`` is a stable code for programs,
``message`` says what is wrong for people and starts with the field it
names, ``field`` names it for programs (``body``, ``Authorization``, a key
of the body or of the query string)."""
import functools
import json

from werkzeug.exceptions import RequestEntityTooLarge

from odoo.http import request
from odoo.tools import json_default

from ..tools.http_api import bearer_token

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NO_STORE = [("Cache-Control", "no-store")]


class ApiError(Exception):
    """An answer other than success: raised anywhere in a route wrapped with
    :func:`json_errors`, or turned into a response with :meth:`response`.
    Without ``field``, the field is the message's prefix before ``:``."""

    def __init__(self, status, message, field=None, code=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field or (message.partition(":")[0] if ":" in message else None)
        self.code = code or ERROR_CODES.get(status, "error")
        self.headers = headers or []

    def payload(self):
        return {"error": self.code, "message": self.message, "field": self.field}

    def response(self):
        return json_response(self.payload(), status=self.status, headers=self.headers)


def json_response(payload, status=200, headers=None):
    """A JSON answer that no proxy or browser keeps. ASCII: a value a client
    sent that is not text (a lone surrogate) is echoed escaped instead of
    failing the answer."""
    return request.make_response(
        json.dumps(payload, default=json_default),
        headers=[("Content-Type", "application/json; charset=utf-8")] + NO_STORE + list(headers or []),
        status=status,
    )


def json_errors(route):
    """Turn an :class:`ApiError` raised by ``route`` into its JSON answer."""

    @functools.wraps(route)
    def wrapper(*args, **kwargs):
        try:
            return route(*args, **kwargs)
        except ApiError as error:
            return error.response()

    return wrapper


def request_bearer():
    """The Bearer token of the current request, or ``""``."""
    return bearer_token(request.httprequest.headers.get("Authorization"))


def json_body(expect=dict, max_bytes=None, empty=None, loads=json.loads):
    """The request's JSON body, read once and cached on the request (a later
    reader gets the same bytes). ``expect``: the type(s) the top level must
    have; ``max_bytes``: the largest body accepted (413 above it, whether the
    client sent a ``Content-Length`` or not); ``empty``: what an empty body
    means (``None``: an error); ``loads``: the parser (``json.loads`` or
    one that raises ``ValueError`` like it). Raises :class:`ApiError` naming ``body`` or
    ``Content-Type``."""
    httprequest = request.httprequest
    if httprequest.mimetype in FORM_TYPES:
        # Odoo has already read such a body as a form: the JSON is gone.
        raise ApiError(415, "Content-Type: send the body as application/json, not as a form")
    if max_bytes is not None:
        too_large = ApiError(413, "body: more than the %d bytes allowed; send less at a time" % max_bytes)
        if httprequest.content_length is not None and httprequest.content_length > max_bytes:
            raise too_large
        # A body sent without Content-Length (chunked) is cut by werkzeug at the limit.
        httprequest.max_content_length = max_bytes
        try:
            raw = httprequest.get_data(cache=True)
        except RequestEntityTooLarge:
            raise too_large from None
        if len(raw) > max_bytes:
            raise too_large
    else:
        raw = httprequest.get_data(cache=True)
    if not raw.strip():
        if empty is not None:
            return empty
        raise ApiError(400, "body: empty, JSON is expected")
    try:
        data = loads(raw)
    except RecursionError:
        raise ApiError(400, "body: not valid JSON (nested too deeply)") from None
    except UnicodeDecodeError as error:
        raise ApiError(400, "body: not valid JSON (not UTF-8: %s)" % error.reason) from None
    except ValueError as error:
        raise ApiError(400, "body: not valid JSON (%s)" % error) from None
    if not isinstance(data, expect):
        names = " or ".join(JSON_NAMES.get(kind, kind.__name__) for kind in (
            expect if isinstance(expect, tuple) else (expect,)))
        raise ApiError(400, "body: a JSON %s is expected" % names)
    return data


JSON_NAMES = {dict: "object", list: "list"}
