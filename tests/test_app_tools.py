"""The app's pairing codes and HTTP helpers (no Odoo)."""
import datetime

from conftest import load_tool

pairing = load_tool("optical_crm_app", "pairing")
http_api = load_tool("optical_crm_app", "http_api")


def test_pairing_codes():
    code = pairing.generate_pairing_code()
    assert len(code) == 9 and code[4] == "-"
    assert pairing.normalize_pairing_code(code.lower().replace("-", " ")) == code.replace("-", "")
    assert pairing.normalize_pairing_code("0OIL-1234") == ""  # ambiguous characters are never issued
    assert pairing.normalize_pairing_code(None) == ""
    assert pairing.normalize_pairing_code(1234) == ""


def test_api_datetime():
    assert http_api.api_datetime(datetime.datetime(2026, 3, 2, 10, 5, 7, 123)) == "2026-03-02T10:05:07Z"
    assert http_api.api_datetime(False) is None


def test_rate_limit_key_is_the_address_or_its_ipv6_network():
    assert pairing.rate_limit_key("192.0.2.7") == "192.0.2.7"
    # One machine has a whole /64: every address of it is one key.
    assert pairing.rate_limit_key("2001:db8:1:2:aaaa::1") == pairing.rate_limit_key("2001:db8:1:2:ffff::9")
    assert pairing.rate_limit_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert pairing.rate_limit_key("2001:db8:1:3::1") != pairing.rate_limit_key("2001:db8:1:2::1")
    assert pairing.rate_limit_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert pairing.rate_limit_key("unknown") == "unknown"
    assert pairing.rate_limit_key(None) == "unknown"


def test_rate_limit_network_is_the_ipv6_site_or_the_ipv4_address():
    assert pairing.rate_limit_network("2001:db8:1:2::1") == "2001:db8:1::/48"
    assert pairing.rate_limit_network("2001:db8:1:ffff::9") == pairing.rate_limit_network("2001:db8:1:2::1")
    assert pairing.rate_limit_network("2001:db8:2:2::1") != pairing.rate_limit_network("2001:db8:1:2::1")
    assert pairing.rate_limit_network("192.0.2.7") == "192.0.2.7"
    assert pairing.rate_limit_network("::ffff:192.0.2.7") == "192.0.2.7"
    assert pairing.rate_limit_network(None) == "unknown"
    assert pairing.rate_limit_network("junk/64") == "junk/64"
