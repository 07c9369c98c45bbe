import math

import pytest

from conftest import load_tool

uplift = load_tool("optical_crm", "uplift")
holdout = load_tool("optical_crm", "holdout")


def test_uplift_and_interval_match_the_hand_calculation():
    # 40 of 200 contacted customers bought (20%), 10 of 100 in the control group (10%).
    # se = sqrt(0.2*0.8/200 + 0.1*0.9/100) = sqrt(0.0008 + 0.0009) = 0.041231
    # 95% CI = 0.10 ± 1.96 * 0.041231 = 0.10 ± 0.080813 → [0.019187, 0.180813]
    result = uplift.two_proportion_uplift(40, 200, 10, 100)
    assert result.enough
    assert result.rate_contacted == pytest.approx(0.20)
    assert result.rate_control == pytest.approx(0.10)
    assert result.uplift == pytest.approx(0.10)
    assert result.ci_low == pytest.approx(0.019187, abs=1e-5)
    assert result.ci_high == pytest.approx(0.180813, abs=1e-5)
    assert result.significant


def test_interval_including_zero_is_not_significant():
    # 12/100 against 10/100: se = sqrt(.12*.88/100 + .1*.9/100) = sqrt(0.001956) = 0.044227
    result = uplift.two_proportion_uplift(12, 100, 10, 100)
    assert result.uplift == pytest.approx(0.02)
    assert result.ci_low == pytest.approx(0.02 - 1.959964 * math.sqrt(0.001956))
    assert result.ci_low < 0 < result.ci_high
    assert not result.significant


def test_not_enough_customers_gives_rates_but_no_uplift():
    result = uplift.two_proportion_uplift(5, 50, 1, 29)
    assert not result.enough
    assert result.rate_contacted == pytest.approx(0.1)
    assert result.rate_control == pytest.approx(1 / 29)
    assert result.uplift is None and result.ci_low is None and result.ci_high is None
    assert not uplift.two_proportion_uplift(0, 0, 0, 0).enough
    assert uplift.two_proportion_uplift(3, 30, 3, 30).enough


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="more buyers"):
        uplift.two_proportion_uplift(40, 30, 1, 100)
    with pytest.raises(ValueError, match="control"):
        uplift.two_proportion_uplift(4, 30, 1, -1)


def test_revenue_per_customer_and_return_on_cost():
    # 200 contacted customers bought 9,000 €, 100 control customers 3,000 €: 45 € against 30 €.
    assert uplift.revenue_uplift(9000, 200, 3000, 100) == (45, 30, 15)
    assert uplift.revenue_uplift(900, 20, 300, 100) == (45, 3, None)
    assert uplift.return_on_cost(9000, 120) == 75
    assert uplift.return_on_cost(9000, 0) is None


def test_holdout_is_stable_and_its_share_within_tolerance():
    ids = range(1, 1001)
    held = [p for p in ids if holdout.is_held_out(p, "cycle", 7, 10)]
    # 10% of 1,000: binomial sd = sqrt(1000 * .1 * .9) = 9.5, allow 3 sd.
    assert 100 - 29 <= len(held) <= 100 + 29
    assert held == [p for p in ids if holdout.is_held_out(p, "cycle", 7, 10)]
    # Raising the share only moves the margin: everybody held out at 10% still is at 20%.
    assert set(held) <= {p for p in ids if holdout.is_held_out(p, "cycle", 7, 20)}
    # Another cycle draws another group.
    assert held != [p for p in ids if holdout.is_held_out(p, "cycle", 8, 10)]
    assert not any(holdout.is_held_out(p, "campaign", 7, 0) for p in ids)


def test_holdout_bucket_known_values():
    # md5("1:cycle:1") starts 3927072d → 53; md5("42:campaign:3") starts a1c34655 → 1.
    assert holdout.holdout_bucket(1, "cycle", 1) == 0x3927072D % 100 == 53
    assert holdout.holdout_bucket(42, "campaign", 3) == 0xA1C34655 % 100 == 1
    with pytest.raises(ValueError, match="scope"):
        holdout.holdout_bucket(1, "event", 1)
