"""ABC analysis: fixed cut-offs worked by hand, computed ABC against the METHODS.md oracles."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.interpolate import CubicSpline

from saleskpi.analyses.abc import classify
from saleskpi.analyses.abc.spline import fmm_coefficients, fmm_eval
from saleskpi.errors import UsageError

# --- fixed cut-offs (method="pareto"), worked by hand ----------------------------------------


def test_pareto_customer_who_reaches_cutoff_exactly_closes_the_class():
    # total 100; shares before each customer: 0, .50, .80, .90, .95
    r = classify([50, 30, 10, 5, 5])
    assert r.classes.tolist() == ["A", "A", "B", "B", "C"]
    assert (r.limit_ab, r.limit_bc) == (30.0, 5.0)
    assert r.counts == {"A": 2, "B": 2, "C": 1}
    assert r.method == "pareto"
    assert r.pareto_point is r.break_even_point is r.submarginal_point is None


def test_pareto_customer_who_crosses_cutoff_is_in_the_upper_class():
    # shares before: 0, .4, .7 (< .8, so A although he takes the sum to .9), .9 (< .95: B)
    r = classify([10, 40, 20, 30])
    assert r.classes.tolist() == ["B", "A", "A", "A"]
    assert (r.limit_ab, r.limit_bc) == (20.0, 10.0)


def test_pareto_ties_are_broken_by_position_by_default():
    # the two 5s straddle the 95 % cut-off: the earlier one is B, the later one C
    r = classify([5, 50, 5, 30, 10])
    assert r.classes.tolist() == ["B", "A", "C", "A", "B"]


def test_pareto_ties_are_broken_by_id():
    values = [5, 50, 5, 30, 10]
    r = classify(values, ids=["k", "b", "c", "d", "e"])  # the second 5 has the smaller id
    assert r.classes.tolist() == ["C", "A", "B", "A", "B"]
    r = classify(values, ids=[104, 100, 103, 101, 102])
    assert r.classes.tolist() == ["C", "A", "B", "A", "B"]


def test_pareto_result_does_not_depend_on_input_order_when_ids_are_given():
    values = np.array([5, 50, 5, 30, 10, 0, 7])
    ids = np.array([11, 12, 13, 14, 15, 16, 17])
    ref = dict(zip(ids.tolist(), classify(values, ids=ids).classes.tolist(), strict=True))
    perm = np.array([6, 2, 0, 5, 1, 4, 3])
    got = classify(values[perm], ids=ids[perm]).classes.tolist()
    assert got == [ref[i] for i in ids[perm].tolist()]


def test_pareto_share_on_the_cutoff_in_decimals_is_not_moved_by_float_rounding():
    # 0.7 + 0.1 == 0.7999999999999999 in floats; in money terms it is exactly 80 %
    r = classify([0.7, 0.1, 0.1, 0.1])
    assert r.classes.tolist() == ["A", "A", "B", "B"]


def test_pareto_custom_cutoffs():
    # shares before: 0, .4, .7, .9; cut-offs 50 % / 75 %
    r = classify([40, 30, 20, 10], cutoffs=(0.5, 0.75))
    assert r.classes.tolist() == ["A", "A", "B", "C"]
    assert (r.limit_ab, r.limit_bc) == (30.0, 20.0)


def test_pareto_one_big_customer_can_leave_b_empty():
    # shares before: 0, .97, .99 -> the first crosses both cut-offs and is A
    r = classify([97, 2, 1])
    assert r.classes.tolist() == ["A", "C", "C"]
    assert (r.limit_ab, r.limit_bc) == (97.0, 97.0)


def test_pareto_single_customer_is_a():
    r = classify([120.0])
    assert r.classes.tolist() == ["A"]
    assert (r.limit_ab, r.limit_bc) == (120.0, 120.0)


@pytest.mark.parametrize("method", ["pareto", "computed"])
def test_all_zero_input_is_all_c_without_limits(method):
    r = classify([0, 0.0, None, -3], method=method)
    assert r.classes.tolist() == ["C", "C", "C", "C"]
    assert math.isnan(r.limit_ab) and math.isnan(r.limit_bc)
    assert r.pareto_point is None


def test_single_zero_customer_is_c():
    assert classify([0]).classes.tolist() == ["C"]


def test_pareto_negative_and_missing_values_count_as_zero_and_are_c():
    # cleaned: [0, 60, 0, 30, 10, 0]; shares before 60, 30, 10: 0, .6, .9
    r = classify([-5, 60, None, 30, 10, float("nan")])
    assert r.classes.tolist() == ["C", "A", "C", "A", "B", "C"]
    assert (r.limit_ab, r.limit_bc) == (30.0, 10.0)


def test_pareto_zero_customers_are_c_and_ties_follow_ids():
    # sorted: 50 (id 3), 50 (id 4), zeros; shares before 0, .5 -> A, B; zeros C whatever the ids
    r = classify([0, 50, 0, 50], cutoffs=(0.5, 0.99), ids=[1, 4, 2, 3])
    assert r.classes.tolist() == ["C", "B", "C", "A"]


# --- computed ABC (Ultsch & Lötsch 2015), oracles from METHODS.md ----------------------------

SMALL = [1, 15, 25, 17, 2, 3, 5, 6, 2, 3, 22]


def test_computed_oracle_small_data_set():
    r = classify(SMALL, method="computed")
    assert r.counts == {"A": 3, "B": 2, "C": 6}
    assert r.classes.tolist() == ["C", "B", "A", "A", "C", "C", "C", "B", "C", "C", "A"]
    assert (r.limit_ab, r.limit_bc) == (15.0, 6.0)
    assert tuple(round(v, 4) for v in r.pareto_point) == (0.35, 0.7651)
    assert tuple(round(v, 4) for v in r.break_even_point) == (0.37, 0.7891)
    assert tuple(round(v, 4) for v in r.submarginal_point) == (0.45, 0.8393)


def uniform_values(n: int = 1000) -> np.ndarray:
    """Values whose ABC curve is exactly y = 2x − x² at x = i/n: the odd numbers 2n−1, ..., 1.

    The i-th largest must be n²·(F(i/n) − F((i−1)/n)) = 2n − 2i + 1 for F(x) = 2x − x²,
    i.e. values decreasing linearly (the ABC curve of a uniform distribution).
    """
    return np.arange(2 * n - 1, 0, -2, dtype=float)


def test_uniform_values_give_the_curve_2x_minus_x_squared():
    v = uniform_values()
    x = np.arange(1, v.size + 1) / v.size
    np.testing.assert_allclose(np.cumsum(v) / v.sum(), 2 * x - x**2, rtol=0, atol=1e-15)


def test_computed_oracle_uniform_curve():
    r = classify(uniform_values(), method="computed")
    assert r.pareto_point == pytest.approx((0.41025, 0.65219), abs=0.005)
    assert r.break_even_point == pytest.approx((0.5, 0.75), abs=0.005)
    assert r.submarginal_point == pytest.approx((0.61454, 0.85142), abs=0.005)
    # on the 0.001 grid: x² + (1 − x)⁴ is smallest at 0.410, where y = 0.82 − 0.1681
    assert r.pareto_point == pytest.approx((0.41, 0.6519), abs=1e-12)


def test_computed_classes_follow_the_value_limits():
    r = classify(uniform_values(), method="computed")
    v = uniform_values()
    assert r.limit_ab > r.limit_bc
    np.testing.assert_array_equal(r.classes == "A", v > r.limit_ab)
    np.testing.assert_array_equal(r.classes == "C", v < r.limit_bc)


def test_computed_zero_and_negative_values_are_c_and_order_is_kept():
    data = SMALL + [0, -4, None]
    r = classify(data, method="computed")
    assert r.classes.tolist()[-3:] == ["C", "C", "C"]
    perm = np.random.default_rng(7).permutation(len(SMALL))
    shuffled = classify(np.array(SMALL)[perm], method="computed")
    assert shuffled.classes.tolist() == classify(SMALL, method="computed").classes[perm].tolist()


def test_computed_ids_do_not_change_the_classes():
    r = classify(SMALL, method="computed", ids=list(range(100, 89, -1)))
    assert r.classes.tolist() == classify(SMALL, method="computed").classes.tolist()


# --- the fmm spline (R spline(method="fmm"); Forsythe, Malcolm & Moler 1977) -----------------


def _third_divided_difference(x: np.ndarray, y: np.ndarray) -> float:
    table = list(y)
    for order in (1, 2, 3):
        table = [(table[i + 1] - table[i]) / (x[i + order] - x[i]) for i in range(4 - order)]
    return table[0]


def _small_curve() -> tuple[np.ndarray, np.ndarray]:
    s = np.sort(np.array(SMALL, dtype=float))[::-1]
    x = np.concatenate(([0.0], np.arange(1, s.size + 1) / s.size))
    y = np.concatenate(([0.0], np.cumsum(s) / s.sum()))
    return x, y


def test_fmm_spline_has_the_defining_properties():
    x, y = _small_curve()
    b, c, d = fmm_coefficients(x, y)
    h = np.diff(x)
    # interpolates at both ends of every interval
    np.testing.assert_allclose(y[:-1] + h * (b + h * (c + h * d)), y[1:], rtol=0, atol=1e-14)
    # first and second derivatives continuous at interior knots
    hl, bl, cl, dl = h[:-1], b[:-1], c[:-1], d[:-1]
    np.testing.assert_allclose(bl + hl * (2 * cl + 3 * hl * dl), b[1:], atol=1e-12)
    np.testing.assert_allclose(2 * cl + 6 * hl * dl, 2 * c[1:], atol=1e-10)
    # FMM end conditions: third derivative = that of the cubic through the 4 end points
    assert 6 * d[0] == pytest.approx(6 * _third_divided_difference(x[:4], y[:4]), rel=1e-12)
    assert 6 * d[-1] == pytest.approx(6 * _third_divided_difference(x[-4:], y[-4:]), rel=1e-12)


def test_fmm_is_not_scipy_not_a_knot():
    x, y = _small_curve()
    grid = np.arange(101) * 0.01
    fmm = fmm_eval(x, y, fmm_coefficients(x, y), grid)
    not_a_knot = CubicSpline(x, y)(grid)
    assert np.max(np.abs(fmm - not_a_knot)) > 5e-4  # largest near x = 0.03
    # at the oracle points the two agree to 4 decimals only (5e-6 apart)
    assert fmm[35] == pytest.approx(0.765097, abs=1e-6)
    assert not_a_knot[35] == pytest.approx(0.765102, abs=1e-6)


def test_fmm_reproduces_a_cubic_and_few_points():
    x = np.array([0.0, 0.1, 0.3, 0.35, 0.7, 1.0])
    cubic = 1 - 2 * x + 3 * x**2 - 5 * x**3
    t = np.linspace(0, 1, 37)
    got = fmm_eval(x, cubic, fmm_coefficients(x, cubic), t)
    np.testing.assert_allclose(got, 1 - 2 * t + 3 * t**2 - 5 * t**3, atol=1e-12)
    slope = fmm_eval(x, cubic, fmm_coefficients(x, cubic), t, deriv=1)
    np.testing.assert_allclose(slope, -2 + 6 * t - 15 * t**2, atol=1e-11)
    # three points: the parabola through them; two points: the line
    x3, y3 = np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.75, 1.0])  # y = 2x − x²
    parabola = fmm_eval(x3, y3, fmm_coefficients(x3, y3), t)
    np.testing.assert_allclose(parabola, 2 * t - t**2, atol=1e-15)
    x2, y2 = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    np.testing.assert_allclose(fmm_eval(x2, y2, fmm_coefficients(x2, y2), t), t, atol=0)


# --- parameter validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cutoffs", "shown"),
    [
        ((0.95, 0.8), "(0.95, 0.8)"),
        ((0.8, 0.8), "(0.8, 0.8)"),
        ((0.0, 0.9), "(0.0, 0.9)"),
        ((0.8, 1.0), "(0.8, 1.0)"),
        ((0.8,), "(0.8,)"),
        ("ab", "'ab'"),
        (None, "None"),
    ],
)
def test_bad_cutoffs_are_refused(cutoffs, shown):
    expected = (
        "The 'cutoffs' parameter of classify must be two increasing floats in (0, 1). "
        f"Got {shown} instead."
    )
    with pytest.raises(UsageError) as info:
        classify([1, 2, 3], cutoffs=cutoffs)
    assert str(info.value).startswith(expected)


def test_bad_method_is_refused():
    expected = (
        r"The 'method' parameter of classify must be 'pareto' or 'computed'\. "
        r"Got 'abc' instead\."
    )
    with pytest.raises(UsageError, match=expected):
        classify([1, 2, 3], method="abc")


def test_ids_must_match_the_values():
    with pytest.raises(UsageError, match=r"one id per value \(3 values\). Got 2 ids instead."):
        classify([1, 2, 3], ids=[1, 2])
    with pytest.raises(UsageError, match=r"must hold unique ids. Got 'x' more than once instead."):
        classify([1, 2, 3], ids=["x", "y", "x"])


def test_bad_values_are_refused():
    with pytest.raises(UsageError, match=r"non-empty 1-D sequence of numbers. Got shape \(0,\) inst"):
        classify([])
    with pytest.raises(UsageError, match=r"must hold finite numbers .* Got \+inf at position 1 "):
        classify([1, float("inf")])
    with pytest.raises(UsageError, match=r"must be a sequence of numbers"):
        classify(["a", "b"])


def test_computed_needs_three_values():
    with pytest.raises(UsageError, match=r"at least 3 values for method='computed'. Got 2 inst"):
        classify([5, 1], method="computed")


# --- the classes of the abc analysis: unknown is not C -------------------------------------------


def _summary(**columns):
    base = {"customer_id": ["C1", "C2", "C3", "C4"], "turnover_value_12m": [50.0, 30.0, 20.0, 0.0],
            "turnover_volume_12m": [5.0, 3.0, 2.0, 0.0], "potential_value": [100.0, 0.0, np.nan, np.nan],
            "share_of_wallet_by_value": [0.5, np.nan, np.nan, np.nan],
            "share_of_wallet_by_volume": [0.5, np.nan, np.nan, np.nan]}
    return pd.DataFrame({**base, **columns})


def test_a_known_zero_potential_is_c_an_unknown_one_has_no_class():
    from saleskpi.analyses.abc import classes_by_criterion, missing_reasons
    from saleskpi.config import AbcSection

    frame = _summary()
    classes, limits = classes_by_criterion(frame, AbcSection())
    assert classes.class_by_potential.tolist() == ["A", "C", None, None]
    assert classes.class_by_share.tolist() == ["A", None, None, None]
    # 50 (0 % before), 30 (50 % before: A), 20 (80 % before: B), 0 (C)
    assert classes.class_by_value.tolist() == ["A", "A", "B", "C"]
    assert limits["potential"] == (100.0, 100.0, None)
    reasons = missing_reasons(frame.join(classes)).tolist()
    assert reasons == [None, "potential is zero: no class by share, no cell",
                       "no potential estimate: no class by potential or share, no cell",
                       "no potential estimate: no class by potential or share, no cell"]


@pytest.mark.parametrize("method", ["pareto", "computed"])
def test_too_few_shares_for_the_share_method_keep_their_row_with_the_reason(method):
    from saleskpi.analyses.abc import classes_by_criterion, missing_reasons
    from saleskpi.config import AbcSection

    frame = _summary(share_of_wallet_by_value=[0.5, 0.1, np.nan, np.nan])
    classes, limits = classes_by_criterion(frame, AbcSection(share_method=method))
    assert classes.class_by_share.tolist() == [None] * 4
    ab, bc, reason = limits["share"]
    assert np.isnan(ab) and np.isnan(bc)
    assert reason == (f"only 2 customer(s) have a share; share_method '{method}' needs at least 3 (or set [abc] "
                      'share_method = "thresholds")')
    assert missing_reasons(frame.join(classes)).iloc[0] == (
        "too few customers have a share for [abc] share_method: no class by share, no cell")
