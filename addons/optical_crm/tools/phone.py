"""Phone numbers, with ``phonenumbers``: the one phone tool of the project.

A number is read with the shop's country as the default region (Italy
without one); ``00`` is read as ``+``. :func:`normalize_phone` accepts any
valid number (the FOCUS sync), :func:`normalize_mobile` only numbers that can
receive SMS (mobile, or "fixed line or mobile" where a country does not tell
them apart).
"""
import functools
from collections import namedtuple

import phonenumbers
from phonenumbers import PhoneNumberType

DEFAULT_REGION = "IT"
SMS_NUMBER_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})

PhoneNumber = namedtuple("PhoneNumber", "e164 error")
PhoneNumber.__doc__ = """e164: the number as +<country><number>, or None;
error: None, 'missing', 'unreadable' (not a phone number at all), 'impossible' (not a
possible length), 'invalid' (possible, but not valid: an unknown area code) or, for
:func:`normalize_mobile`, 'landline'."""


def _read(number, country_code):
    """``(parsed number, None)`` or ``(None, 'missing' or 'unreadable')``:
    the number read, valid or not."""
    number = (number or "").strip()
    if not number:
        return None, "missing"
    if number.startswith("00"):
        number = "+" + number[2:]
    try:
        return phonenumbers.parse(number, (country_code or DEFAULT_REGION).upper()), None
    except phonenumbers.NumberParseException:
        return None, "unreadable"


def _parse(number, country_code):
    """``(parsed valid number, None)`` or ``(None, error)``."""
    parsed, error = _read(number, country_code)
    if error:
        return None, error
    if not phonenumbers.is_valid_number(parsed):
        return None, "invalid" if phonenumbers.is_possible_number(parsed) else "impossible"
    return parsed, None


def normalize_phone(number, country_code=DEFAULT_REGION):
    """Normalise any phone ``number`` to E.164. Returns a :data:`PhoneNumber`."""
    parsed, error = _parse(number, country_code)
    if error:
        return PhoneNumber(None, error)
    return PhoneNumber(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), None)


@functools.lru_cache(maxsize=2 ** 16)
def normalize_mobile(number, country_code=DEFAULT_REGION):
    """Normalise ``number`` to E.164 for an SMS. Returns a :data:`PhoneNumber`
    whose error is 'invalid' for anything that is not a valid number.

    Read once per distinct number and country (a pure function of them:
    the sender checks every number of a batch, families share one), and
    matched against the country's patterns once: ``number_type`` is what
    ``is_valid_number`` computes (a valid number is one of a known type)."""
    parsed, error = _read(number, country_code)
    if error:
        return PhoneNumber(None, "missing" if error == "missing" else "invalid")
    number_type = phonenumbers.number_type(parsed)
    if number_type == PhoneNumberType.UNKNOWN:
        return PhoneNumber(None, "invalid")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if number_type not in SMS_NUMBER_TYPES:
        return PhoneNumber(e164, "landline")
    return PhoneNumber(e164, None)
