"""What FOCUS sends that PostgreSQL cannot store: pure functions, no Odoo.

The mappers decide what a value *means*; this module only refuses, before
anything reaches the database, what could not be stored at all and would
otherwise make the whole batch fail: a NUL character (PostgreSQL text and
jsonb refuse it), a lone UTF-16 surrogate (not encodable in UTF-8), NaN and
Infinity (not JSON for jsonb), nesting deeper than any FOCUS record has, and
an ``updated_at`` outside the dates a record can carry (the empty date
``0001-01-01T00:00:00+01:00`` of .NET/Delphi programs, a date in the future
that would freeze the record against every later version). Every problem
names the field, as FOCUS calls it.
"""
import datetime
import json
import math


class Refused(ValueError):
    """A value that cannot be stored: ``field`` names the FOCUS field."""

    def __init__(self, field, reason):
        super().__init__("%s: %s" % (field, reason))
        self.field = field
        self.reason = reason

# A FOCUS record is {"type", "id", "updated_at", "data": {field: value}}; a
# value may itself be a small list or object. Anything deeper is not FOCUS.
MAX_DEPTH = 8
# The oldest updated_at that means a date (FOCUS 10 did not exist before).
MIN_UPDATED_AT = datetime.datetime(1990, 1, 1)
# How far ahead of Odoo's clock a FOCUS server's clock may run.
DEFAULT_MAX_AHEAD = datetime.timedelta(hours=24)
# Integers longer than this are not FOCUS data (and Python refuses to parse
# more than 4,300 digits, which would fail the whole body): read as a float,
# infinite when too large, and refused by field.
MAX_INT_DIGITS = 30


def parse_int_literal(literal):
    """``parse_int`` hook of :func:`loads`."""
    return int(literal) if len(literal) <= MAX_INT_DIGITS else float(literal)


def loads(body):
    """JSON body → Python, like :func:`json.loads`, raising ``ValueError``
    (with a reason) for anything that is not JSON, nested beyond what the
    parser can follow included. NaN and Infinity are parsed, to be refused by
    :func:`unstorable` for the record that holds them rather than for the
    whole batch."""
    try:
        return json.loads(body, parse_int=parse_int_literal)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except UnicodeDecodeError as error:
        raise ValueError("not UTF-8 (%s)" % error.reason) from None


def text_problem(value):
    """Why the string ``value`` cannot be stored, or None."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone UTF-16 surrogate, not a character"
    return None


def unstorable(value, field=None, depth=0):
    """``(field, reason)`` for the first value inside ``value`` that cannot
    be stored, or None. ``field`` is the FOCUS field the value belongs to:
    the key at the top of a record, or of its ``data``."""
    if isinstance(value, (str, float, bool, int)) or value is None:
        return _scalar_problem(value, field)
    if depth >= MAX_DEPTH:
        return field or "record", "nested more than %d levels deep" % MAX_DEPTH
    if isinstance(value, dict):
        return _object_problem(value, field, depth)
    if isinstance(value, list):
        return _array_problem(value, field, depth)
    return field or "record", "%s is not a JSON value" % type(value).__name__


def _scalar_problem(value, field):
    """:func:`unstorable` for a text, a number, a boolean or null."""
    if isinstance(value, str):
        reason = text_problem(value)
        return (field or "record", reason) if reason else None
    if isinstance(value, float) and not math.isfinite(value):
        return field or "record", "%r is not a number that can be stored" % value
    return None


def _array_problem(value, field, depth):
    """:func:`unstorable` for a JSON array: its items, in order."""
    for item in value:
        problem = unstorable(item, field, depth + 1)
        if problem:
            return problem
    return None


def _object_problem(value, field, depth):
    """:func:`unstorable` for a JSON object: its keys, then its values."""
    for key, item in value.items():
        reason = text_problem(key) if isinstance(key, str) else None
        if reason:
            return field or "record", "a key %s" % reason
        # The envelope's "data" is a container: its keys are the fields.
        inner = key if field in (None, "data") else field
        problem = unstorable(item, inner, depth + 1)
        if problem:
            return problem
    return None


def updated_at_problem(updated_at, now, max_ahead=DEFAULT_MAX_AHEAD):
    """Why a parsed ``updated_at`` (naive UTC) cannot order the versions of a
    record, or None: before :data:`MIN_UPDATED_AT` (an empty date), or ahead
    of ``now`` by more than ``max_ahead`` (it would outrank every later
    version of the record, for ever)."""
    if updated_at < MIN_UPDATED_AT:
        return "%s is not a real date (an empty date of the FOCUS program?)" % updated_at.isoformat()
    if updated_at > now + max_ahead:
        return "%s is in the future (Odoo's clock says %s UTC): check the FOCUS server's clock" % (
            updated_at.isoformat(), now.replace(microsecond=0).isoformat())
    return None


def check_record(record, now, max_ahead=DEFAULT_MAX_AHEAD):
    """Raise :class:`Refused` naming the field when a record of a batch
    (as FOCUS sent it, before :func:`mappers.parse_envelope`) cannot be
    stored or cannot be ordered by its ``updated_at``."""
    problem = unstorable(record)
    if problem:
        raise Refused(*problem)
    if isinstance(record, dict) and record.get("updated_at") is not None:
        updated_at = parse_moment(record["updated_at"], "updated_at")
        reason = updated_at_problem(updated_at, now, max_ahead)
        if reason:
            raise Refused("updated_at", reason)


def parse_moment(value, field):
    """An ISO 8601 date and time (``Z`` or an offset allowed) → naive UTC,
    or :class:`Refused` naming ``field``; the dates Python cannot move
    to UTC (year 1 with a positive offset) included."""
    if not isinstance(value, str) or not value.strip():
        raise Refused(field, "missing: an ISO date and time is required")
    problem = text_problem(value)
    if problem:
        raise Refused(field, problem)
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(raw)
        if moment.tzinfo is not None:
            moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise Refused(field, "%r is not an ISO date and time" % (value,)) from None
    return moment
