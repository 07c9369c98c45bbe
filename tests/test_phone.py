import pytest

from conftest import load_tool

phone = load_tool("optical_crm", "phone")


@pytest.mark.parametrize("number, country, e164, error", [
    ("347 123 4567", "IT", "+393471234567", None),
    ("+39 347 1234567", "IT", "+393471234567", None),
    ("0039 347 1234567", "IT", "+393471234567", None),
    ("+33 6 12 34 56 78", "IT", "+33612345678", None),        # French mobile from an Italian shop
    ("06 1234 5678", "IT", "+390612345678", "landline"),       # Rome landline
    ("02 1234 5678", "IT", "+390212345678", "landline"),
    ("347", "IT", None, "invalid"),
    ("not a number", "IT", None, "invalid"),
    ("", "IT", None, "missing"),
    (None, "IT", None, "missing"),
    ("612345678", "FR", "+33612345678", None),
    ("347 123 4567", None, "+393471234567", None),            # no country: Italy
])
def test_normalize_mobile(number, country, e164, error):
    assert tuple(phone.normalize_mobile(number, country)) == (e164, error)


@pytest.mark.parametrize("number, e164, error", [
    ("02 1234 5678", "+390212345678", None),                   # a landline is a phone number
    ("0039 347 1234567", "+393471234567", None),
    ("12", None, "impossible"),
    ("036 7492492", None, "invalid"),                          # possible, unknown area code
    ("abc", None, "unreadable"),
    ("  ", None, "missing"),
])
def test_normalize_phone(number, e164, error):
    assert tuple(phone.normalize_phone(number)) == (e164, error)
