import pytest

from conftest import load_tool

segments = load_tool("optical_crm_sms", "sms_segments")


@pytest.mark.parametrize("text, encoding, units, count", [
    ("", "gsm7", 0, 0),
    ("Ciao Anna", "gsm7", 9, 1),
    ("a" * 160, "gsm7", 160, 1),
    ("a" * 161, "gsm7", 161, 2),
    ("a" * 306, "gsm7", 306, 2),
    ("a" * 307, "gsm7", 307, 3),
    ("è ò à ù ì é", "gsm7", 11, 1),             # Italian accents of the GSM-7 alphabet
    ("Sconto 10€", "gsm7", 11, 1),               # € is an extension character: two septets
    ("€" * 80, "gsm7", 160, 1),
    ("€" * 81, "gsm7", 162, 2),
    ("Perché no?", "gsm7", 10, 1),
    ("Così", "gsm7", 4, 1),
    ("Caffè sì, perché", "gsm7", 16, 1),
    ("Città È", "ucs2", 7, 1),                   # È (capital) is not GSM-7
    ("ó", "ucs2", 1, 1),
    ("a" * 70 + "á", "ucs2", 71, 2),
    ("á" * 70, "ucs2", 70, 1),
    ("á" * 134, "ucs2", 134, 2),
    ("á" * 135, "ucs2", 135, 3),
    ("Auguri 🎂", "ucs2", 9, 1),                 # an emoji is a surrogate pair: two code units
    ("🎂" * 35, "ucs2", 70, 1),
    ("🎂" * 36, "ucs2", 72, 2),
])
def test_sms_length(text, encoding, units, count):
    result = segments.sms_length(text)
    assert (result.encoding, result.units, result.segments) == (encoding, units, count)


def test_extension_character_never_split():
    # 152 septets then '€' (2 septets) does not fit in the first 153-septet segment.
    text = "a" * 152 + "€" + "a" * 152
    assert segments.sms_length(text).segments == 3
    text = "a" * 151 + "€" + "a" * 153
    assert segments.sms_length(text).segments == 2


def test_emoji_never_split():
    text = "a" * 66 + "🎂" + "a" * 66
    assert segments.sms_length(text).segments == 3
    text = "a" * 65 + "🎂" + "a" * 67
    assert segments.sms_length(text).segments == 2


def test_per_segment_size():
    assert segments.sms_length("a").per_segment == 160
    assert segments.sms_length("a" * 200).per_segment == 153
    assert segments.sms_length("🎂" * 40).per_segment == 67
