"""Contact pressure: at most ``max_contacts`` marketing contacts for a customer
in any window of ``period_days`` consecutive days.

Pure function so that the rule is tested without a database; the planner feeds
it only the customers whose contacts could exceed the limit.
"""
import datetime


def _window_fits(accepted, day, max_contacts, period_days):
    """True when adding ``day`` keeps every ``period_days`` window that
    contains it at no more than ``max_contacts`` contacts."""
    span = datetime.timedelta(days=period_days - 1)
    # A window containing ``day`` can slide right until it starts on one of its
    # contacts, so only windows starting on ``day`` or on an earlier accepted
    # contact less than a period before it need counting.
    starts = {day} | {d for d in accepted if day - span <= d <= day}
    for start in starts:
        end = start + span
        if 1 + sum(1 for d in accepted if start <= d <= end) > max_contacts:
            return False
    return True


def select_within_pressure(fixed_dates, candidates, max_contacts, period_days):
    """Choose which candidate contacts of ONE customer may go ahead.

    :param fixed_dates: dates of contacts already made (they always count)
    :param candidates: iterable of (key, date, priority); the higher priority
        wins, then the earlier date, then the smaller key
    :return: (accepted_keys, rejected_keys)
    """
    if not max_contacts or max_contacts <= 0:
        keys = [c[0] for c in candidates]
        return keys, []
    accepted_dates = list(fixed_dates)
    accepted, rejected = [], []
    for key, day, _priority in sorted(candidates, key=lambda c: (-c[2], c[1], c[0])):
        if _window_fits(accepted_dates, day, max_contacts, period_days):
            accepted_dates.append(day)
            accepted.append(key)
        else:
            rejected.append(key)
    return accepted, rejected
