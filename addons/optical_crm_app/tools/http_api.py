"""Small helpers of the app's HTTP API that need no Odoo (the conventions
shared by every API are core's ``tools/http_api.py``)."""


def api_datetime(value):
    """A naive UTC datetime as the API gives it: ISO 8601 with ``Z``, or None."""
    if not value:
        return None
    return value.replace(microsecond=0).isoformat() + "Z"
