"""Small helpers of the app's HTTP API that need no Odoo."""


def bearer_token(header):
    """The token of an ``Authorization: Bearer <token>`` header, or ``""``."""
    if not header:
        return ""
    scheme, _sep, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


def api_datetime(value):
    """A naive UTC datetime as the API gives it: ISO 8601 with ``Z``, or None."""
    if not value:
        return None
    return value.replace(microsecond=0).isoformat() + "Z"
