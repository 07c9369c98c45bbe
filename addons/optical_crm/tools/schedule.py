"""Date arithmetic of cyclic-activity steps and birthdays.

Pure functions: the planner computes the same dates in SQL (PostgreSQL's
``date + interval`` clamps the end of month exactly like ``relativedelta``);
the tests hold both to these functions.
"""
import calendar
import datetime

from dateutil.relativedelta import relativedelta

INTERVAL_UNITS = ("days", "weeks", "months", "years")


def step_date(event_date, interval_number, interval_unit):
    """Date of a step ``interval_number`` ``interval_unit`` after ``event_date``.

    Calendar months and years: 31 January + 1 month is the last day of
    February; negative and zero offsets are allowed ("5 days before").
    """
    if interval_unit not in INTERVAL_UNITS:
        raise ValueError("interval_unit must be one of %s, not %r" % (", ".join(INTERVAL_UNITS), interval_unit))
    return event_date + relativedelta(**{interval_unit: int(interval_number)})


def birthday_in_year(birthdate, year):
    """The customer's birthday in ``year``: 29 February falls on 28 February
    in years that are not leap years."""
    if birthdate.month == 2 and birthdate.day == 29 and not calendar.isleap(year):
        return datetime.date(year, 2, 28)
    return birthdate.replace(year=year)


def birthdays_between(birthdate, date_from, date_to):
    """Every birthday of ``birthdate`` falling within [date_from, date_to]."""
    result = []
    for year in range(date_from.year, date_to.year + 1):
        if year < birthdate.year:
            continue
        day = birthday_in_year(birthdate, year)
        if date_from <= day <= date_to:
            result.append(day)
    return result


def offset_days_bounds(steps):
    """(lowest, highest) offset in days that ``steps`` may reach, counting a
    month as 31 days and a year as 366: used to widen a search window so that
    no step due in the horizon is missed. ``steps`` are (number, unit) pairs."""
    per_unit = {"days": 1, "weeks": 7, "months": 31, "years": 366}
    offsets = [int(number) * per_unit[unit] for number, unit in steps] or [0]
    return min(offsets), max(offsets)
