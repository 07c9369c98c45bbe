import datetime

import pytest

from conftest import load_tool

schedule = load_tool("optical_crm", "schedule")
D = datetime.date


@pytest.mark.parametrize("event, number, unit, expected", [
    (D(2026, 3, 1), 1, "weeks", D(2026, 3, 8)),
    (D(2026, 3, 1), 3, "months", D(2026, 6, 1)),
    (D(2026, 1, 31), 1, "months", D(2026, 2, 28)),      # month end clamped
    (D(2028, 1, 31), 1, "months", D(2028, 2, 29)),      # leap year
    (D(2026, 3, 31), -1, "months", D(2026, 2, 28)),
    (D(2028, 2, 29), 1, "years", D(2029, 2, 28)),
    (D(2026, 5, 10), -5, "days", D(2026, 5, 5)),         # "5 days before the next supply"
    (D(2026, 5, 10), 0, "days", D(2026, 5, 10)),
    (D(2026, 5, 10), 24, "months", D(2028, 5, 10)),
])
def test_step_date(event, number, unit, expected):
    assert schedule.step_date(event, number, unit) == expected


def test_step_date_rejects_unknown_unit():
    with pytest.raises(ValueError, match="interval_unit"):
        schedule.step_date(D(2026, 1, 1), 1, "fortnights")


def test_birthday_29_february_falls_on_28_in_other_years():
    born = D(1992, 2, 29)
    assert schedule.birthday_in_year(born, 2027) == D(2027, 2, 28)
    assert schedule.birthday_in_year(born, 2028) == D(2028, 2, 29)


def test_birthdays_between_spans_new_year_and_skips_before_birth():
    assert schedule.birthdays_between(D(1970, 1, 2), D(2026, 12, 28), D(2027, 1, 5)) == [D(2027, 1, 2)]
    assert schedule.birthdays_between(D(2027, 1, 2), D(2026, 12, 28), D(2027, 1, 5)) == [D(2027, 1, 2)]
    assert schedule.birthdays_between(D(2028, 1, 2), D(2026, 12, 28), D(2027, 1, 5)) == []


def test_offset_bounds_cover_units():
    assert schedule.offset_days_bounds([(-5, "days"), (1, "weeks"), (2, "years")]) == (-5, 732)
    assert schedule.offset_days_bounds([]) == (0, 0)
