"""Mobile numbers in E.164 for SMS, with ``phonenumbers``.

A number is read with the shop's country as the default region; only numbers
that can receive SMS (mobile, or "fixed line or mobile" where a country does
not tell them apart) are accepted.
"""
from collections import namedtuple

import phonenumbers
from phonenumbers import PhoneNumberType

SMS_NUMBER_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})

MobileNumber = namedtuple("MobileNumber", "e164 error")
MobileNumber.__doc__ = """e164: the number as +<country><number>, or None;
error: None, 'missing', 'invalid' or 'landline'."""


def normalize_mobile(number, country_code="IT"):
    """Normalise ``number`` to E.164 for an SMS. Returns a :data:`MobileNumber`."""
    number = (number or "").strip()
    if not number:
        return MobileNumber(None, "missing")
    if number.startswith("00"):
        number = "+" + number[2:]
    try:
        parsed = phonenumbers.parse(number, (country_code or "IT").upper())
    except phonenumbers.NumberParseException:
        return MobileNumber(None, "invalid")
    if not phonenumbers.is_valid_number(parsed):
        return MobileNumber(None, "invalid")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.number_type(parsed) not in SMS_NUMBER_TYPES:
        return MobileNumber(e164, "landline")
    return MobileNumber(e164, None)
