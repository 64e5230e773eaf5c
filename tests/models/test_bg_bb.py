"""BG/BB against the published donations fit (Fader, Hardie & Shang 2010) and brute-force sums."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from saleskpi.errors import NotFittedError, UsageError
from saleskpi.models import BetaGeoBetaBinom, ConvergenceError


@pytest.fixture(scope="module")
def donations(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "cdnow" / "donations.csv")


@pytest.fixture(scope="module")
def bgbb(donations):
    return BetaGeoBetaBinom().fit(donations)


def test_donations_fit_matches_the_published_parameters(bgbb, donations):
    assert list(donations.columns) == ["frequency", "recency", "periods", "weights"]
    assert donations.weights.sum() == 11_104
    p = bgbb.params_
    assert round(p["alpha"], 3) == 1.204
    assert round(p["beta"], 3) == 0.750
    assert round(p["gamma"], 3) == 0.657
    assert round(p["delta"], 3) == 2.783
    assert bgbb.log_likelihood_ == pytest.approx(-33225.58, abs=0.005)
    assert (bgbb.score_samples(donations) * donations.weights).sum() == pytest.approx(bgbb.log_likelihood_, rel=1e-12)


def test_expectations_equal_brute_force_sums(bgbb, donations):
    al, be, ga, de = (bgbb.params_[k] for k in ("alpha", "beta", "gamma", "delta"))
    alive_through = lambda m: np.exp(betaln(ga, de + m) - betaln(ga, de))  # noqa: E731
    # a new customer: alpha/(alpha+beta) * sum_{i=1..n} P(alive at opportunity i)
    for n in (1, 6, 20):
        brute = al / (al + be) * sum(alive_through(i) for i in range(1, n + 1))
        assert bgbb.expected_purchases_new(n)[()] == pytest.approx(brute, rel=1e-12)
    # a known customer: 1/L * B(al+x+1, be+n-x)/B(al, be) * sum_i P(alive through n+i)
    x, tx, n = (donations[c].to_numpy(float) for c in ("frequency", "recency", "periods"))
    log_l = bgbb.score_samples(donations)
    for t in (1, 5):
        brute = np.exp(betaln(al + x + 1, be + n - x) - betaln(al, be) - log_l) * sum(
            alive_through(n + i) for i in range(1, t + 1)
        )
        np.testing.assert_allclose(bgbb.expected_purchases(donations, t=t), brute, rtol=1e-12)
    alive = np.exp(betaln(al + x, be + n - x) - betaln(al, be) + np.log(alive_through(n + 1)) - log_l)
    np.testing.assert_allclose(bgbb.p_alive(donations), alive, rtol=1e-12)


def test_gamma_equal_one_has_no_zero_division(bgbb):
    model = BetaGeoBetaBinom()
    model.params_ = {**bgbb.params_, "gamma": 1.0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = model.expected_purchases_new(6)
    de = bgbb.params_["delta"]
    al, be = bgbb.params_["alpha"], bgbb.params_["beta"]
    brute = al / (al + be) * sum(de / (de + i) for i in range(1, 7))  # B(1, de+i)/B(1, de)
    assert value[()] == pytest.approx(brute, rel=1e-9)


def test_bad_patterns_are_refused():
    with pytest.raises(UsageError, match="0 <= frequency <= recency <= periods"):
        BetaGeoBetaBinom().fit({"frequency": [3], "recency": [2], "periods": [6]})
    with pytest.raises(UsageError, match="whole numbers"):
        BetaGeoBetaBinom().fit({"frequency": [1.5], "recency": [2], "periods": [6]})


def test_unfitted_and_non_converged(donations):
    with pytest.raises(NotFittedError, match=r"^BetaGeoBetaBinom is not fitted yet; call fit\(data\) first\.$"):
        BetaGeoBetaBinom().expected_purchases_new(3)
    with pytest.raises(ConvergenceError, match="ITERATIONS REACHED LIMIT"):
        BetaGeoBetaBinom(maxiter=1).fit(donations)
