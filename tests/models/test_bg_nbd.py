"""BG/NBD against the published CDNOW fit (Fader, Hardie & Lee 2005) and closed forms."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from saleskpi.errors import NotFittedError, UsageError
from saleskpi.models import BetaGeo, ConvergenceError


def test_cdnow_fit_matches_the_published_parameters(bgf):
    p = bgf.params_
    assert p["r"] == pytest.approx(0.2426, rel=1e-4)
    assert p["alpha"] == pytest.approx(4.4135, rel=1e-4)
    assert p["a"] == pytest.approx(0.7929, rel=1e-4)
    assert p["b"] == pytest.approx(2.4258, rel=1e-4)
    assert bgf.log_likelihood_ == pytest.approx(-9582.43, abs=0.005)


def test_cdnow_standard_errors_match_lifetimes(bgf):
    # lifetimes 0.11 BetaGeoFitter.summary on the same data
    se = bgf.standard_errors_
    assert se["r"] == pytest.approx(0.0126, rel=0.01)
    assert se["alpha"] == pytest.approx(0.3782, rel=0.01)
    assert se["a"] == pytest.approx(0.1857, rel=0.01)
    assert se["b"] == pytest.approx(0.7053, rel=0.01)


def test_cdnow_customer_predictions_match_the_published_values(bgf):
    one = {"frequency": 2, "recency": 30.43, "T": 38.86}
    assert bgf.expected_purchases(one, t=39)[0] == pytest.approx(1.2259, abs=5e-5)
    assert bgf.p_alive(one)[0] == pytest.approx(0.7266, abs=5e-5)


def _eq10_scipy(p, t, x, tx, big_t):
    """FHL 2005 eq. (10) written plainly with scipy's hyp2f1 (fine at moderate x)."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + big_t + t))
    num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp)
    den = 1 + (x > 0) * a / (b + x - 1) * ((alpha + big_t) / (alpha + tx)) ** (r + x)
    return num / den


def test_predictions_equal_the_plain_formulas(bgf, cdnow_summary):
    sample = cdnow_summary.iloc[::50]
    x, tx, big_t = (sample[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    for t in (1.0, 39.0, 104.0):
        expected = _eq10_scipy(bgf.params_, t, x, tx, big_t)
        np.testing.assert_allclose(bgf.expected_purchases(sample, t=t), expected, rtol=1e-10)
    r, alpha, a, b = (bgf.params_[k] for k in ("r", "alpha", "a", "b"))
    t = np.array([0.0, 1.0, 39.0, 520.0])
    eq9 = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    np.testing.assert_allclose(bgf.expected_purchases_new(t), eq9, rtol=1e-10, atol=1e-15)


def test_score_samples_add_up_to_the_log_likelihood(bgf, cdnow_summary):
    assert bgf.score_samples(cdnow_summary).sum() == pytest.approx(bgf.log_likelihood_, rel=1e-12)


def test_fit_accepts_an_ibis_table_and_weights(cdnow_summary, bgf):
    import ibis

    table = ibis.memtable(cdnow_summary[["frequency", "recency", "T"]])
    assert BetaGeo().fit(table).params_ == pytest.approx(bgf.params_, rel=1e-8)
    counted = cdnow_summary.groupby(["frequency", "recency", "T"], as_index=False).size()
    weighted = BetaGeo().fit(counted.rename(columns={"size": "weights"}))
    assert weighted.params_ == pytest.approx(bgf.params_, rel=1e-8)
    assert weighted.log_likelihood_ == pytest.approx(bgf.log_likelihood_, rel=1e-12)


def test_weights_equal_repeated_rows():
    rows = pd.DataFrame({"frequency": [0, 1, 3, 2], "recency": [0, 2, 7, 4.5], "T": [5, 8, 9, 6.5]})
    weights = np.array([3, 1, 2, 4])
    repeated = rows.loc[rows.index.repeat(weights)]
    m1 = BetaGeo().fit(repeated)
    m2 = BetaGeo().fit(rows.assign(weights=weights))
    assert m1.params_ == pytest.approx(m2.params_, rel=1e-6)
    assert m1.log_likelihood_ == pytest.approx(m2.log_likelihood_, rel=1e-10)


def test_extreme_customers_give_finite_values_without_warnings(bgf, cdnow_summary, extreme_customers):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ll = bgf.score_samples(extreme_customers)
        alive = bgf.p_alive(extreme_customers)
        expected = bgf.expected_purchases(extreme_customers, t=52)
        far = bgf.expected_purchases(extreme_customers, t=10_000)
        new = bgf.expected_purchases_new(np.array([0.0, 1.0, 10_000.0]))
        refit = BetaGeo().fit(pd.concat([cdnow_summary, extreme_customers]))
    for v in (ll, alive, expected, far, new):
        assert np.all(np.isfinite(v))
    assert np.all((alive >= 0) & (alive <= 1))
    # 10,000 purchases in 10,000 weeks, the last at T: about one a week, and alive
    assert alive[0] == pytest.approx(1.0, abs=1e-3)
    assert expected[0] == pytest.approx(52, rel=0.01)
    assert np.isfinite(refit.log_likelihood_)


def test_unfitted_model_refuses_to_predict():
    with pytest.raises(NotFittedError, match=r"^BetaGeo is not fitted yet; call fit\(data\) first\.$"):
        BetaGeo().expected_purchases({"frequency": 1, "recency": 1, "T": 2}, t=1)
    with pytest.raises(NotFittedError, match="BetaGeo is not fitted yet"):
        BetaGeo().p_alive({"frequency": 1, "recency": 1, "T": 2})


def test_non_convergence_raises_with_the_optimizer_message(cdnow_summary):
    with pytest.raises(ConvergenceError) as err:
        BetaGeo(maxiter=1).fit(cdnow_summary)
    assert "ITERATIONS REACHED LIMIT" in err.value.optimizer_message
    assert err.value.optimizer_message in str(err.value)
    assert str(err.value).startswith("BetaGeo did not converge")


def test_bad_data_is_refused_with_the_row():
    bad = {"frequency": [1, 2], "recency": [3.0, 9.0], "T": [5.0, 8.0]}
    with pytest.raises(UsageError, match=r"'recency' must be <= 'T'; 1 row\(s\) are not \(the first at position 1"):
        BetaGeo().fit(bad)
    with pytest.raises(UsageError, match="no column 'T'"):
        BetaGeo().fit({"frequency": [1], "recency": [1.0]})
    with pytest.raises(UsageError, match="'recency' must be 0 where 'frequency' is 0"):
        BetaGeo().fit({"frequency": [0], "recency": [1.0], "T": [2.0]})


def test_penalizer_shrinks_the_parameters(cdnow_summary, bgf):
    pen = BetaGeo(penalizer=0.01).fit(cdnow_summary)
    assert sum(v**2 for v in pen.params_.values()) < sum(v**2 for v in bgf.params_.values())


def test_large_data_fit_from_the_preconditioned_warm_start_reaches_the_plain_optimum():
    # 60,000 simulated customers with continuous ages: more distinct rows than the warm start's
    # 2 x 20,000, so the fit starts at the subsample's optimum in its curvature's coordinates
    from saleskpi.models.base import WARM_START_ROWS, Encoded

    rng = np.random.default_rng(15)
    n = 60_000
    big_t = rng.uniform(20.0, 80.0, n)
    possible = rng.poisson(rng.gamma(0.5, 1 / 5.0, n) * big_t)
    x = np.minimum(possible, rng.geometric(rng.beta(0.7, 3.0, n)))
    recency = np.where(x > 0, big_t * rng.beta(np.maximum(x, 1), possible - x + 1.0), 0.0)
    data = {"frequency": x.astype(float), "recency": recency, "T": big_t}
    enc = Encoded([data["frequency"], data["recency"], data["T"]])
    assert len(enc) > 2 * WARM_START_ROWS

    warm = BetaGeo().fit(data)
    plain = BetaGeo()
    plain._fit_params(plain._make_loglik(enc), float(enc.weights.sum()))  # from (1, 1, 1, 1)
    assert warm.params_ == pytest.approx(plain.params_, rel=1e-6)
    assert warm.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-12)
    assert warm.params_ == pytest.approx({"r": 0.5, "alpha": 5.0, "a": 0.7, "b": 3.0}, rel=0.1)
    assert warm.n_iterations_ < plain.n_iterations_
