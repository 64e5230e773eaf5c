"""Gamma-Gamma against the published CDNOW fit (Fader, Hardie & Lee 2005, JMR 42(4))."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import gammaln

from saleskpi.errors import NotFittedError, UsageError
from saleskpi.models import ConvergenceError, GammaGamma


@pytest.fixture(scope="module")
def ggf(cdnow_summary):
    return GammaGamma().fit(cdnow_summary)


def _loglik(params, x, z):
    p, q, g = params
    return (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(g) + (p * x - 1) * np.log(z)
            + p * x * np.log(x) - (p * x + q) * np.log(x * z + g)).sum()


def test_cdnow_fit_matches_the_published_parameters(ggf, cdnow_summary):
    repeat = cdnow_summary[cdnow_summary.frequency > 0]
    assert len(repeat) == 946
    p = ggf.params_
    # The likelihood is flat here: the published point (lifetimes' optimizer stopped early)
    # lies within 3e-4 of ours and has a lower log-likelihood, by 2e-6.
    assert p["p"] == pytest.approx(6.2488, rel=5e-4)
    assert p["q"] == pytest.approx(3.7446, rel=5e-4)
    assert p["gamma"] == pytest.approx(15.4477, rel=5e-4)
    assert ggf.log_likelihood_ == pytest.approx(-4055.92, abs=0.005)
    x, z = repeat.frequency.to_numpy(float), repeat.monetary_value.to_numpy(float)
    assert ggf.log_likelihood_ == pytest.approx(_loglik(list(p.values()), x, z), rel=1e-13)
    assert ggf.log_likelihood_ >= _loglik([6.2488, 3.7446, 15.4477], x, z)


def test_large_data_fit_from_the_preconditioned_warm_start_reaches_the_plain_optimum():
    # 60,000 simulated repeat buyers with continuous mean spends (Gamma(p x, nu) / x, nu ~
    # Gamma(q, gamma)): more distinct rows than the warm start's 2 x 20,000, so the fit starts
    # at the subsample's optimum in its curvature's coordinates, as BG/NBD's does
    from saleskpi.models.base import WARM_START_ROWS, Encoded

    rng = np.random.default_rng(25)
    n = 60_000
    x = rng.integers(1, 12, n).astype(float)
    nu = rng.gamma(3.5, 1 / 20.0, n)
    zbar = rng.gamma(6.0 * x, 1.0 / nu) / x
    data = {"frequency": x, "monetary_value": zbar}
    enc = Encoded([x, zbar])
    assert len(enc) > 2 * WARM_START_ROWS

    warm = GammaGamma().fit(data)
    plain = GammaGamma()
    plain._fit_params(plain._make_loglik(enc), float(enc.weights.sum()))  # from (1, 1, 1)
    assert warm.params_ == pytest.approx(plain.params_, rel=1e-6)
    assert warm.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-12)
    assert warm.log_likelihood_ == pytest.approx(_loglik(list(warm.params_.values()), x, zbar), rel=1e-12)
    assert warm.params_ == pytest.approx({"p": 6.0, "q": 3.5, "gamma": 20.0}, rel=0.1)
    assert warm.n_iterations_ < plain.n_iterations_


def test_expected_spend_is_the_weighted_mean_of_population_and_customer():
    model = GammaGamma()
    model.params_ = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    data = {"frequency": [0, 2, 10], "monetary_value": [0.0, 20.0, 50.0]}
    # p (gamma + x z) / (p x + q - 1): 6*15/3 = 30; 6*(15+40)/15 = 22; 6*(15+500)/63
    np.testing.assert_allclose(model.expected_spend(data), [30.0, 22.0, 6 * 515 / 63], rtol=1e-14)
    assert model.mean_spend() == pytest.approx(30.0)


def test_extreme_customers_without_warnings(ggf, extreme_customers):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spend = ggf.expected_spend(extreme_customers)
        ll = ggf.score_samples(extreme_customers)
    assert np.all(np.isfinite(spend)) and np.all(np.isfinite(ll))
    assert spend[1] == pytest.approx(1e6, rel=1e-3)  # 10,000 purchases: her own mean wins


def test_refuses_non_positive_spend_of_repeat_buyers():
    with pytest.raises(UsageError, match="'monetary_value' must be > 0 where 'frequency' > 0"):
        GammaGamma().fit({"frequency": [1, 2], "monetary_value": [10.0, 0.0]})
    with pytest.raises(UsageError, match="no customer has a repeat purchase"):
        GammaGamma().fit({"frequency": [0, 0], "monetary_value": [0.0, 0.0]})


def test_unfitted_and_non_converged(cdnow_summary):
    with pytest.raises(NotFittedError, match=r"^GammaGamma is not fitted yet; call fit\(data\) first\.$"):
        GammaGamma().expected_spend({"frequency": [1], "monetary_value": [3.0]})
    with pytest.raises(ConvergenceError, match="ITERATIONS REACHED LIMIT"):
        GammaGamma(maxiter=1).fit(cdnow_summary)
