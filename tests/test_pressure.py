import datetime

from conftest import load_tool

pressure = load_tool("optical_crm", "pressure")
D = datetime.date


def test_no_limit_accepts_everything():
    accepted, rejected = pressure.select_within_pressure([], [(1, D(2026, 1, 1), 1), (2, D(2026, 1, 1), 1)], 0, 30)
    assert accepted == [1, 2] and rejected == []


def test_higher_priority_wins_a_collision():
    # A campaign (priority 5) and a cycle step (priority 10) on the same day, max 1 in 30 days.
    accepted, rejected = pressure.select_within_pressure(
        [], [("campaign", D(2026, 2, 10), 5), ("cycle", D(2026, 2, 12), 10)], 1, 30)
    assert accepted == ["cycle"] and rejected == ["campaign"]


def test_contacts_already_made_count():
    accepted, rejected = pressure.select_within_pressure(
        [D(2026, 2, 1)], [("a", D(2026, 2, 20), 10), ("b", D(2026, 3, 5), 10)], 1, 30)
    assert accepted == ["b"] and rejected == ["a"]


def test_window_is_rolling_not_calendar():
    # Max 2 in 10 days: 1st, 5th accepted; 9th would make 3 in [1, 10]; 11th fits [5, 14]? 5, 11 -> 2: yes.
    candidates = [(1, D(2026, 1, 1), 1), (2, D(2026, 1, 5), 1), (3, D(2026, 1, 9), 1), (4, D(2026, 1, 11), 1)]
    accepted, rejected = pressure.select_within_pressure([], candidates, 2, 10)
    assert accepted == [1, 2, 4] and rejected == [3]


def test_ties_break_on_date_then_key():
    accepted, rejected = pressure.select_within_pressure(
        [], [(7, D(2026, 1, 3), 1), (3, D(2026, 1, 3), 1), (5, D(2026, 1, 2), 1)], 1, 5)
    assert accepted == [5] and sorted(rejected) == [3, 7]
