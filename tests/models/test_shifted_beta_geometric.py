"""sBG against Fader & Hardie (2007) and the DEL / DERL values of METHODS.md."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import hyp2f1

from saleskpi.errors import NotFittedError, UsageError
from saleskpi.models import ConvergenceError, ShiftedBetaGeometric

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


@pytest.fixture(scope="module")
def regular():
    return ShiftedBetaGeometric().fit(REGULAR)


@pytest.fixture(scope="module")
def high_end():
    return ShiftedBetaGeometric().fit(HIGH_END)


def test_fits_match_the_paper(regular, high_end):
    assert regular.params_["alpha"] == pytest.approx(0.7041, abs=5e-5)
    assert regular.params_["beta"] == pytest.approx(1.1820, abs=5e-5)
    assert regular.log_likelihood_ == pytest.approx(-1680.27, abs=0.005)
    assert high_end.params_["alpha"] == pytest.approx(0.6681, abs=5e-5)
    assert high_end.params_["beta"] == pytest.approx(3.8061, abs=5e-5)
    assert high_end.log_likelihood_ == pytest.approx(-1611.16, abs=0.005)


def test_projected_survival_of_the_high_end_cohort(high_end):
    np.testing.assert_allclose(
        high_end.survival(np.arange(8, 13)), [0.460, 0.436, 0.414, 0.395, 0.378], atol=5e-4
    )
    # in-sample: the fitted curve follows the data
    np.testing.assert_allclose(high_end.survival(np.arange(8)) * 1000, HIGH_END, rtol=0.03)


def test_retention_and_churn_are_consistent(regular):
    t = np.arange(1, 10)
    np.testing.assert_allclose(regular.retention(t), regular.survival(t) / regular.survival(t - 1), rtol=1e-12)
    np.testing.assert_allclose(regular.churn_probability(t), regular.survival(t - 1) - regular.survival(t), rtol=1e-10)
    assert np.all(np.diff(regular.retention(t)) > 0)


def test_del_and_derl_match_methods(regular, high_end):
    assert regular.del_(0.10) == pytest.approx(3.695, abs=5e-4)
    assert high_end.del_(0.10) == pytest.approx(5.922, abs=5e-4)
    assert high_end.derl(0.10, renewals=7) == pytest.approx(7.530, abs=5e-4)  # n = 8
    a, b = high_end.params_["alpha"], high_end.params_["beta"]
    assert high_end.del_(0.10) == pytest.approx(hyp2f1(1, b, a + b, 1 / 1.1), rel=1e-12)
    # DEL as a sum of discounted survival, DERL as the discounted survival of the survivors
    t = np.arange(0, 2000)
    assert high_end.del_(0.10) == pytest.approx((high_end.survival(t) / 1.1**t).sum(), rel=1e-10)
    n = 8
    derl = (high_end.survival(t + n) / high_end.survival(n - 1) / 1.1**t).sum()
    assert high_end.derl(0.10, renewals=n - 1) == pytest.approx(derl, rel=1e-10)


def test_bad_inputs_are_refused(regular):
    with pytest.raises(UsageError, match="must not increase; period 2 has 700 after 600"):
        ShiftedBetaGeometric().fit([1000, 600, 700])
    with pytest.raises(UsageError, match="'discount' argument of ShiftedBetaGeometric must be a rate > 0"):
        regular.del_(0)
    with pytest.raises(UsageError, match="'renewals' argument"):
        regular.derl(0.1, renewals=-1)


def test_unfitted_and_non_converged():
    with pytest.raises(NotFittedError, match=r"^ShiftedBetaGeometric is not fitted yet; call fit\(data\) first\.$"):
        ShiftedBetaGeometric().survival(3)
    with pytest.raises(ConvergenceError, match="ITERATIONS REACHED LIMIT"):
        ShiftedBetaGeometric(maxiter=1).fit(REGULAR)
