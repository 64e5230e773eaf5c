"""The payout curve: the oracles of ../shared/METHODS.md (incentive pay), worked by hand."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from saleskpi.analyses.incentives import tiered_pay
from saleskpi.errors import UsageError

BRACKETS = [(0, 0.05), (100_000, 0.06), (125_000, 0.07)]


def test_marginal_tiers_pay_each_rate_on_its_slice():
    # 5 % of 100,000 + 6 % of 25,000 + 7 % of 25,000 = 5,000 + 1,500 + 1,750
    assert tiered_pay(150_000, BRACKETS) == Decimal("8250.00")
    assert tiered_pay(100_000, BRACKETS) == Decimal("5000.00")
    assert tiered_pay(0, BRACKETS) == Decimal("0.00")


def test_an_accelerator_above_target():
    # variable pay 100,000 at target, 1.5x on attainment above 100 %: the value is attainment x
    # target pay, so at 130 %: 100,000 + 1.5 x 30,000
    assert tiered_pay(1.30 * 100_000, [(0, 1), (100_000, 1.5)]) == Decimal("145000.00")
    assert tiered_pay(130_000, [(0, 1), (100_000, 1.5)], mode="retroactive") == Decimal("195000.00")


def test_a_decelerator_below_half():
    # 0.5x below 50 %: at 40 % the value is 40,000, all in the 0.5x tier
    tiers = [(0, 0.5), (50_000, 1)]
    assert tiered_pay(40_000, tiers) == Decimal("20000.00")
    assert tiered_pay(60_000, tiers) == Decimal("35000.00")  # 25,000 + 10,000


def test_retroactive_tiers_pay_the_reached_rate_on_everything():
    assert tiered_pay(150_000, BRACKETS, mode="retroactive") == Decimal("10500.00")  # 7 % of 150,000
    assert tiered_pay(99_999.99, BRACKETS, mode="retroactive") == Decimal("5000.00")  # 4,999.9995 -> cent up
    assert tiered_pay(50, [(100, 0.1)], mode="retroactive") == Decimal("0.00")  # below the first bound


def test_threshold_and_cap():
    assert tiered_pay(49_999, [(0, 1)], threshold=50_000) == Decimal("0.00")
    assert tiered_pay(50_000, [(0, 1)], threshold=50_000) == Decimal("50000.00")
    assert tiered_pay(300_000, [(0, 1), (100_000, 1.5)], cap=200_000) == Decimal("200000.00")


def test_money_is_exact_and_rounded_half_away_from_zero():
    # 0.1 + 0.2 in floats is 0.30000000000000004; the curve reads each float as its decimal
    assert tiered_pay(0.1, [(0, 3)]) == Decimal("0.30")
    assert tiered_pay("0.125", [(0, 1)]) == Decimal("0.13")  # a half cent goes up
    assert tiered_pay("0.135", [(0, 1)]) == Decimal("0.14")  # not to the even cent (banker's: 0.14 too)
    assert tiered_pay("0.145", [(0, 1)]) == Decimal("0.15")  # banker's rounding would give 0.14
    assert tiered_pay(Decimal("33.333333"), [(0, Decimal("0.3"))]) == Decimal("10.00")


def test_many_values_at_once():
    values = [150_000, None, 100_000, float("nan")]
    assert tiered_pay(values, BRACKETS) == [Decimal("8250.00"), None, Decimal("5000.00"), None]
    assert tiered_pay(np.array([150_000.0, 0.0]), BRACKETS) == [Decimal("8250.00"), Decimal("0.00")]
    series = pd.Series([150_000, 100_000], index=["R1", "R2"])
    paid = tiered_pay(series, BRACKETS)
    assert paid.to_dict() == {"R1": Decimal("8250.00"), "R2": Decimal("5000.00")}
    many = tiered_pay(np.full(10_000, 150_000.0), BRACKETS)
    assert len(many) == 10_000 and set(many) == {Decimal("8250.00")}


@pytest.mark.parametrize("tiers, message", [
    ([(0, 0.05), (100_000, 0.06), (100_000, 0.07)],
     "tier #3 starts at 100000, not above tier #2's 100000: give the tiers in strictly ascending order of "
     "lower bound, each bound once."),
    ([(100_000, 0.06), (0, 0.05)], "tier #2 starts at 0, not above tier #1's 100000"),
    ([(0, -0.05)], "tier #1 has the negative rate -0.05: give a rate >= 0 (book a clawback as an adjustment "
                   "with its reason)."),
    ([], "tiers is empty: give at least one (lower_bound, rate) pair, such as [(0, 0.05)]."),
    ([(0, 0.05, 1)], "tier #1 must be a (lower_bound, rate) pair, such as (100000, 0.06); got (0, 0.05, 1)."),
    ([(0, "five")], "tier #1 rate must be a number, got 'five'."),
])
def test_bad_tiers_are_refused_with_the_fix(tiers, message):
    with pytest.raises(UsageError) as caught:
        tiered_pay(1000, tiers)
    assert str(caught.value).startswith(message)


def test_bad_options_are_refused():
    with pytest.raises(UsageError, match="mode must be 'marginal' or 'retroactive', got 'flat'."):
        tiered_pay(1, [(0, 1)], mode="flat")
    with pytest.raises(UsageError, match=r"cap must be >= 0 \(the most the curve pays\), got -1."):
        tiered_pay(1, [(0, 1)], cap=-1)
    with pytest.raises(UsageError, match="value must be a number, got 'lots'."):
        tiered_pay("lots", [(0, 1)])
