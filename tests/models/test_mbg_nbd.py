"""MBG/NBD against the CDNOW fit reported by BTYDplus (Batislam et al. 2007) and closed forms."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from saleskpi.errors import NotFittedError
from saleskpi.models import BetaGeo, ModifiedBetaGeo


@pytest.fixture(scope="module")
def mbg(cdnow_summary):
    return ModifiedBetaGeo().fit(cdnow_summary)


def test_cdnow_fit_matches_btydplus(mbg):
    p = mbg.params_
    assert p["r"] == pytest.approx(0.5248, rel=2e-4)
    assert p["alpha"] == pytest.approx(6.183, rel=2e-4)
    assert p["a"] == pytest.approx(0.8914, rel=2e-4)
    assert p["b"] == pytest.approx(1.614, rel=2e-4)
    assert np.isfinite(mbg.log_likelihood_)


def test_predictions_equal_the_plain_formulas(mbg, cdnow_summary):
    r, alpha, a, b = (mbg.params_[k] for k in ("r", "alpha", "a", "b"))
    sample = cdnow_summary.iloc[::40]
    x, tx, big_t = (sample[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    t = 39.0
    # Wagner & Hoppe (2008) corrected conditional expectation, as lifetimes writes it
    hyp = hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + big_t + t))
    num = (a + b + x) / (a - 1) * (1 - hyp * ((alpha + big_t) / (alpha + big_t + t)) ** (r + x))
    alive = 1 / (1 + a / (b + x) * ((alpha + big_t) / (alpha + tx)) ** (r + x))
    np.testing.assert_allclose(mbg.p_alive(sample), alive, rtol=1e-12)
    np.testing.assert_allclose(mbg.expected_purchases(sample, t=t), num * alive, rtol=1e-10)
    ts = np.array([1.0, 39.0, 520.0])
    new = b / (a - 1) * (1 - (alpha / (alpha + ts)) ** r * hyp2f1(r, b + 1, a + b, ts / (alpha + ts)))
    np.testing.assert_allclose(mbg.expected_purchases_new(ts), new, rtol=1e-10)


def test_a_customer_without_repeat_purchase_may_be_gone(mbg, bgf):
    # BG/NBD: nobody can drop out before a repeat purchase; MBG/NBD: they can
    one = {"frequency": 0, "recency": 0.0, "T": 30.0}
    assert bgf.p_alive(one)[0] == 1.0
    assert 0 < mbg.p_alive(one)[0] < 1


def test_extreme_customers_give_finite_values_without_warnings(mbg, cdnow_summary, extreme_customers):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = [
            mbg.score_samples(extreme_customers),
            mbg.p_alive(extreme_customers),
            mbg.expected_purchases(extreme_customers, t=52),
            mbg.expected_purchases_new(np.array([0.0, 10_000.0])),
        ]
        refit = ModifiedBetaGeo().fit(pd.concat([cdnow_summary, extreme_customers]))
    assert all(np.all(np.isfinite(v)) for v in values)
    assert np.isfinite(refit.log_likelihood_)


def test_unfitted_model_refuses_to_predict():
    with pytest.raises(NotFittedError, match=r"^ModifiedBetaGeo is not fitted yet; call fit\(data\) first\.$"):
        ModifiedBetaGeo().expected_purchases_new(1.0)


def test_is_not_a_bg_nbd():
    assert not isinstance(ModifiedBetaGeo(), BetaGeo)


@pytest.mark.parametrize("params", [(0.3, 2.0, 0.4, 0.6), (0.25, 4.4, 0.8, 2.4), (0.3, 2.0, 1.0, 0.6)])
def test_expected_purchases_new_equals_the_integral_over_p(params):
    """E[X(t)] = E_p[(1-p)/p (1 - (alpha/(alpha+pt))^r)] (MBG/NBD), E_p[1/p (...)] (BG/NBD),
    also where a + b = 1 (eq. (9)'s 2F1 has c = 0) and a = 1 (its 0/0)."""
    from scipy.integrate import quad
    from scipy.stats import beta as beta_dist

    r, alpha, a, b = params
    for cls, weight in ((ModifiedBetaGeo, lambda p: (1 - p) / p), (BetaGeo, lambda p: 1 / p)):
        model = cls()
        model.params_ = dict(zip(("r", "alpha", "a", "b"), params, strict=True))
        for t in (1.0, 10.0, 100.0):
            f = lambda p: weight(p) * (1 - (alpha / (alpha + p * t)) ** r) * beta_dist.pdf(p, a, b)  # noqa: B023, E731
            expected = quad(f, 0, 1, limit=200, epsrel=1e-12)[0]
            assert model.expected_purchases_new(t)[()] == pytest.approx(expected, rel=1e-8)
