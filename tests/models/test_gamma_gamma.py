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
