import pytest

from conftest import load_tool

phone = load_tool("optical_crm", "phone")
sms_number = load_tool("optical_crm_sms", "sms_number")


@pytest.mark.parametrize("mobile, status, e164", [
    ("", "missing", None),
    ("   ", "missing", None),
    ("12 34", "invalid", None),
    ("347 555", "invalid", None),
    ("06 1234 5678", "landline", "+390612345678"),
    ("347 123 4567", "ok", "+393471234567"),
    ("0039 348 765 4321", "ok", "+393487654321"),
    ("+39 349 000 1111", "blacklist", "+393490001111"),
])
def test_sms_status(mobile, status, e164):
    number = phone.normalize_mobile(mobile, "IT")
    assert (sms_number.sms_status(number, {"+393490001111", "+390612345678"}), number.e164) == (status, e164)


def test_every_status_is_declared():
    assert {key for key, _label in sms_number.SMS_STATUSES} == {"ok", "missing", "invalid", "landline", "blacklist"}
