"""What PostgreSQL cannot store is refused per record, naming the field."""
import datetime
import json

import pytest

from conftest import load_tool

gatekeeper = load_tool("optical_focus_sync", "gatekeeper")
Refused = gatekeeper.Refused
NOW = datetime.datetime(2026, 3, 1, 12, 0, 0)


def record(**overrides):
    base = {"type": "cliente", "id": "C1", "updated_at": "2026-02-01T10:00:00+01:00",
            "data": {"cognome": "Rossi", "nome": "Anna"}}
    base.update(overrides)
    return base


def refused_field(value):
    with pytest.raises(Refused) as caught:
        gatekeeper.check_record(value, NOW)
    assert caught.value.reason
    return caught.value.field


def test_a_plain_record_passes():
    gatekeeper.check_record(record(), NOW)


@pytest.mark.parametrize("updated_at", [
    "0001-01-01T00:00:00+01:00",  # .NET/Delphi empty local date: Python cannot move it to UTC
    "0001-01-01T00:00:00Z",
    "1899-12-30T00:00:00",        # Delphi's day zero
    "9999-12-31T23:59:59+00:00",  # would outrank every later version for ever
    "2026-03-03T12:00:00Z",
    "2026-01-01\x0012:00:00",
    "2026-01-01T12:00:00\ud800",
])
def test_updated_at_that_cannot_order_versions_names_updated_at(updated_at):
    assert refused_field(record(updated_at=updated_at)) == "updated_at"


def test_updated_at_a_few_hours_ahead_is_a_clock_drift_and_passes():
    gatekeeper.check_record(record(updated_at="2026-03-01T20:00:00Z"), NOW)


@pytest.mark.parametrize("value", ["Ros\x00si", "\ud83d", "ok\udfff"])
def test_nul_and_lone_surrogates_name_the_field(value):
    assert refused_field(record(data={"cognome": value, "nome": "Anna"})) == "cognome"
    assert refused_field(record(id=value)) == "id"
    assert refused_field(record(data={value: "x"})) == "data"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_parsed_then_refused_by_field(number):
    parsed = gatekeeper.loads('{"records": [{"type": "vendita", "id": "V1", "data": {"importo": %s}}]}' % number)
    assert refused_field(parsed["records"][0]) == "importo"


def test_huge_integer_does_not_fail_the_body_but_its_record():
    parsed = gatekeeper.loads('[{"id": 1, "data": {"quantita": %s}}, {"id": 2}]' % ("9" * 5000))
    assert refused_field(parsed[0]) == "quantita"
    gatekeeper.check_record(parsed[1], NOW)


def test_deep_nesting_names_the_field_or_fails_the_body_cleanly():
    nested = {"x": 1}
    for _level in range(20):
        nested = {"x": nested}
    assert refused_field(record(data={"note": nested})) == "note"
    with pytest.raises(ValueError, match="nested too deeply"):
        gatekeeper.loads("[" * 200000 + "]" * 200000)


def test_non_utf8_body_is_a_value_error():
    with pytest.raises(ValueError):
        gatekeeper.loads(b'{"a": "\xff"}')


@pytest.mark.parametrize("value, expected", [
    ("2026-01-01T10:00:00+01:00", datetime.datetime(2026, 1, 1, 9, 0)),
    ("2026-01-01T10:00:00Z", datetime.datetime(2026, 1, 1, 10, 0)),
    ("2026-01-01T10:00:00", datetime.datetime(2026, 1, 1, 10, 0)),
])
def test_parse_moment(value, expected):
    assert gatekeeper.parse_moment(value, "since") == expected


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "yesterday", "", None, "2026-01-01\x00"])
def test_parse_moment_names_its_field(value):
    with pytest.raises(Refused) as caught:
        gatekeeper.parse_moment(value, "since")
    assert caught.value.field == "since"


def test_unstorable_finds_nothing_in_ordinary_json():
    value = json.loads('{"a": [1, 2.5, "è", null, true, {"b": "€"}]}')
    assert gatekeeper.unstorable(value) is None
