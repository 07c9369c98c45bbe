"""SMS length and segment counting (GSM 03.38 / 3GPP TS 23.038).

A text made only of GSM-7 characters is sent 7 bits per character: 160
characters in one SMS, 153 per segment once it is split (the rest holds the
concatenation header). Characters of the extension table (``€ [ ] { } ~ ^ \\ |``
and form feed) take two septets and are never split between two segments.
Any other character (``à`` is GSM-7 but ``á``, ``ò``… and every emoji are not)
switches the whole text to UCS-2: 70 UTF-16 code units in one SMS, 67 per
segment; an emoji (a surrogate pair) is never split either.
"""
from collections import namedtuple

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_LIMITS = {"gsm7": 160, "ucs2": 70}
SEGMENT_LIMITS = {"gsm7": 153, "ucs2": 67}

SmsLength = namedtuple("SmsLength", "encoding units segments per_segment")
SmsLength.__doc__ = """encoding: 'gsm7' or 'ucs2'; units: septets (GSM-7) or UTF-16 code
units (UCS-2) of the whole text; segments: SMS billed (0 for an empty text);
per_segment: the size of one segment for this text."""


def sms_encoding(text):
    """'gsm7' when every character is in the GSM-7 alphabet, else 'ucs2'."""
    return "gsm7" if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text or "") else "ucs2"


def _char_units(char, encoding):
    if encoding == "gsm7":
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def sms_length(text):
    """Count the segments ``text`` is sent in. Returns an :data:`SmsLength`."""
    text = text or ""
    encoding = sms_encoding(text)
    units_list = [_char_units(char, encoding) for char in text]
    units = sum(units_list)
    if not units:
        return SmsLength(encoding, 0, 0, SINGLE_LIMITS[encoding])
    if units <= SINGLE_LIMITS[encoding]:
        return SmsLength(encoding, units, 1, SINGLE_LIMITS[encoding])
    limit = SEGMENT_LIMITS[encoding]
    segments, used = 1, 0
    for char_units in units_list:
        # A two-unit character (escape + char, or a surrogate pair) never straddles two segments.
        if used + char_units > limit:
            segments += 1
            used = 0
        used += char_units
    return SmsLength(encoding, units, segments, limit)
