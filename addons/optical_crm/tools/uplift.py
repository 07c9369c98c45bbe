"""What the contact caused: contacted customers against the control group.

Pure functions, tested by hand calculations (``tests/test_uplift.py``); the
analysis report calls them for every cell it shows.

The uplift is the difference between two purchase rates (two independent
proportions); its 95% confidence interval is the normal (Wald) interval
``d ± 1.96 · sqrt(p1(1-p1)/n1 + p0(1-p0)/n0)``. Below ``MIN_CUSTOMERS`` in
either group the figures are noise, and no uplift is given.
"""
import math
from collections import namedtuple

MIN_CUSTOMERS = 30
Z_95 = 1.959963984540054

Uplift = namedtuple("Uplift", "enough rate_contacted rate_control uplift ci_low ci_high significant")


def two_proportion_uplift(bought_contacted, contacted, bought_control, control, min_customers=MIN_CUSTOMERS):
    """Purchase rates (0-1) of the contacted customers and of the control group,
    their difference and its 95% confidence interval.

    ``enough`` is False when either group has fewer than ``min_customers``:
    then the rates are still given (when computable) but the uplift and its
    interval are None. ``significant``: the interval does not include zero.
    """
    for name, value in (("bought_contacted", bought_contacted), ("contacted", contacted),
                        ("bought_control", bought_control), ("control", control)):
        if value is None or value < 0:
            raise ValueError("%s must be a count (0 or more), not %r" % (name, value))
    if bought_contacted > contacted or bought_control > control:
        raise ValueError("more buyers than customers in a group")
    rate_contacted = bought_contacted / contacted if contacted else None
    rate_control = bought_control / control if control else None
    if contacted < min_customers or control < min_customers:
        return Uplift(False, rate_contacted, rate_control, None, None, None, False)
    difference = rate_contacted - rate_control
    error = math.sqrt(rate_contacted * (1 - rate_contacted) / contacted
                      + rate_control * (1 - rate_control) / control)
    low, high = difference - Z_95 * error, difference + Z_95 * error
    return Uplift(True, rate_contacted, rate_control, difference, low, high, low > 0 or high < 0)


def revenue_uplift(revenue_contacted, contacted, revenue_control, control, min_customers=MIN_CUSTOMERS):
    """(revenue per contacted customer, per control customer, difference):
    the difference is None below ``min_customers`` in either group."""
    per_contacted = revenue_contacted / contacted if contacted else None
    per_control = revenue_control / control if control else None
    if contacted < min_customers or control < min_customers:
        return per_contacted, per_control, None
    return per_contacted, per_control, per_contacted - per_control


def return_on_cost(revenue, cost):
    """Revenue per unit of cost (None when nothing was spent)."""
    return revenue / cost if cost else None
