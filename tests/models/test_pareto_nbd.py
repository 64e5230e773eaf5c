"""Pareto/NBD against the published CDNOW fit, the hypergeometric form and brute-force integrals."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.special import gammaln, hyp2f1, logsumexp

from saleskpi.errors import NotFittedError
from saleskpi.models import ConvergenceError, ParetoNBD
from saleskpi.models import pareto_nbd
from saleskpi.models.pareto_nbd import _Prepared, _row_terms, _total


@pytest.fixture(scope="module")
def pnbd(cdnow_summary):
    return ParetoNBD().fit(cdnow_summary)


def test_cdnow_fit_matches_the_published_parameters(pnbd):
    p = pnbd.params_
    assert p["r"] == pytest.approx(0.5533, rel=1e-4)
    assert p["alpha"] == pytest.approx(10.578, rel=1e-4)
    assert p["s"] == pytest.approx(0.6062, rel=1e-4)
    assert p["beta"] == pytest.approx(11.668, rel=1e-4)
    assert pnbd.log_likelihood_ == pytest.approx(-9594.97, abs=0.01)


def _loglik_hyp2f1(params, x, tx, big_t):
    """F&H (2005) eq. (18)-(20) with scipy's hyp2f1, as lifetimes writes it (moderate x only)."""
    r, alpha, s, beta = params
    if alpha < beta:
        small, large, second = alpha, beta, r + x
    else:
        small, large, second = beta, alpha, s + 1
    rsx = r + s + x
    p1 = hyp2f1(rsx, second, rsx + 1, (large - small) / (large + tx))
    p2 = hyp2f1(rsx, second, rsx + 1, (large - small) / (large + big_t))
    log_a0 = logsumexp(
        [np.log(p1) + rsx * np.log(large + big_t), np.log(p2) + rsx * np.log(large + tx)],
        axis=0,
        b=[np.ones_like(x), -np.ones_like(x)],
    ) - rsx * np.log((large + tx) * (large + big_t))
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    a2 = np.logaddexp(-(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t),
                      np.log(s) + log_a0 - np.log(rsx))
    return a1 + a2


@pytest.mark.parametrize(
    "params",
    [(0.55, 10.6, 0.61, 11.7), (0.5, 3.0, 0.6, 30.0), (0.5, 40.0, 0.6, 2.0), (2.0, 1.0, 1.0, 1.0)],
)
def test_loglik_equals_the_hypergeometric_form(cdnow_summary, params):
    d = cdnow_summary
    x, tx, big_t = (d[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    ours = _row_terms(np.array(params), _Prepared(x, tx, big_t, np.ones(len(x))))[0]
    np.testing.assert_allclose(ours, _loglik_hyp2f1(params, x, tx, big_t), rtol=1e-10)


def _loglik_integral(params, x, tx, big_t):
    """L = C [P1 + s * integral_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau], by quadrature."""
    r, alpha, s, beta = params
    log_c = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    shift = -(r + x) * np.log(alpha + tx) - (s + 1) * np.log(beta + tx)  # integrand's maximum
    f = lambda tau: np.exp(-(r + x) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau) - shift)
    integral, _ = quad(f, tx, big_t, epsabs=0, epsrel=1e-12, limit=500, points=[tx + 1e-3, tx + 1.0])
    p1 = np.exp(-(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t) - shift)
    return log_c + shift + np.log(p1 + s * integral)


@pytest.mark.parametrize(
    "params",
    [(0.5, 1e-2, 0.6, 100.0), (0.5, 100.0, 0.6, 1e-2), (0.3, 5.0, 2.5, 0.05), (0.5, 1e-3, 0.6, 1e3)],
)
def test_loglik_equals_the_integral_where_alpha_and_beta_are_far_apart(params):
    rows = [(0, 0.0, 50.0), (1, 0.5, 50.0), (3, 2.0, 10.0), (40, 30.0, 52.0), (200, 10.0, 60.0)]
    x, tx, big_t = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    ours = _row_terms(np.array(params), _Prepared(x, tx, big_t, np.ones(len(x))))[0]
    expected = [_loglik_integral(params, *row) for row in rows]
    np.testing.assert_allclose(ours, expected, rtol=1e-9)


@pytest.mark.parametrize(
    "params", [(0.55, 10.6, 0.61, 11.7), (0.5, 0.5, 0.6, 30.0), (0.5, 40.0, 0.6, 0.5)]
)
def test_gradient_equals_finite_differences(cdnow_summary, params):
    d = cdnow_summary
    x, tx, big_t = (d[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    prep = _Prepared(x, tx, big_t, np.ones(len(x)))
    p = np.array(params)
    ll, grad = _total(p, prep)
    assert ll == pytest.approx(_row_terms(p, prep)[0].sum(), rel=1e-13)
    numeric = []
    for j in range(4):
        h = 1e-6 * p[j]
        up, down = p.copy(), p.copy()
        up[j] += h
        down[j] -= h
        numeric.append((_row_terms(up, prep)[0].sum() - _row_terms(down, prep)[0].sum()) / (2 * h))
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "params", [(0.55, 10.6, 0.61, 11.7), (0.5, 0.5, 0.6, 30.0), (0.5, 40.0, 0.6, 0.5), (0.9, 11.4, 1.04, 75.2)]
)
def test_grid_and_pairwise_series_give_the_same_likelihood_and_gradient(cdnow_summary, monkeypatch, params):
    d = cdnow_summary
    x, tx, big_t = (d[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    w = np.arange(len(x)) % 3 + 1.0
    p = np.array(params)
    on_grid = _Prepared(x, tx, big_t, w)
    assert on_grid.grid
    monkeypatch.setattr(pareto_nbd, "_GRID_RATIO", 0)
    by_pair = _Prepared(x, tx, big_t, w)
    assert not by_pair.grid
    np.testing.assert_allclose(_row_terms(p, on_grid)[0], _row_terms(p, by_pair)[0], rtol=1e-12)
    ll_grid, g_grid = _total(p, on_grid)
    ll_pair, g_pair = _total(p, by_pair)
    assert ll_grid == pytest.approx(ll_pair, rel=1e-13)
    np.testing.assert_allclose(g_grid, g_pair, rtol=1e-10)
    # the weights count rows: the weighted total is the sum over the rows repeated w times
    assert ll_grid == pytest.approx(float(np.dot(w, _row_terms(p, on_grid)[0])), rel=1e-13)


def test_predictions_equal_the_plain_formulas(pnbd, cdnow_summary):
    r, alpha, s, beta = (pnbd.params_[k] for k in ("r", "alpha", "s", "beta"))
    d = cdnow_summary.iloc[::30]
    x, tx, big_t = (d[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    ll = _loglik_hyp2f1((r, alpha, s, beta), x, tx, big_t)
    log_p1 = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
              - (r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t))
    alive = np.exp(log_p1 - ll)
    np.testing.assert_allclose(pnbd.p_alive(d), alive, rtol=1e-10)
    t = 39.0
    eq41 = (r + x) * (beta + big_t) / ((alpha + big_t) * (s - 1)) * (1 - ((beta + big_t) / (beta + big_t + t)) ** (s - 1))
    np.testing.assert_allclose(pnbd.expected_purchases(d, t=t), eq41 * alive, rtol=1e-10)
    ts = np.array([1.0, 39.0, 520.0])
    eq27 = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + ts)) ** (s - 1))
    np.testing.assert_allclose(pnbd.expected_purchases_new(ts), eq27, rtol=1e-12)


def test_expected_purchases_at_s_equal_one_is_the_logarithmic_limit(pnbd):
    model = ParetoNBD()
    model.params_ = {**pnbd.params_, "s": 1.0}
    r, alpha, beta = (pnbd.params_[k] for k in ("r", "alpha", "beta"))
    assert model.expected_purchases_new(10.0)[()] == pytest.approx(r * beta / alpha * np.log((beta + 10) / beta), rel=1e-12)


def test_extreme_customers_give_finite_values_without_warnings(pnbd, cdnow_summary, extreme_customers):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = [
            pnbd.score_samples(extreme_customers),
            pnbd.p_alive(extreme_customers),
            pnbd.expected_purchases(extreme_customers, t=52),
            pnbd.expected_purchases_new(np.array([0.0, 10_000.0])),
        ]
        refit = ParetoNBD().fit(pd.concat([cdnow_summary, extreme_customers]))
    assert all(np.all(np.isfinite(v)) for v in values)
    assert values[1][0] == pytest.approx(1.0, abs=1e-6)
    assert np.isfinite(refit.log_likelihood_)


def test_unfitted_model_refuses_to_predict():
    with pytest.raises(NotFittedError, match=r"^ParetoNBD is not fitted yet; call fit\(data\) first\.$"):
        ParetoNBD().p_alive({"frequency": 1, "recency": 1.0, "T": 2.0})


def test_non_convergence_raises_with_the_optimizer_message(cdnow_summary):
    with pytest.raises(ConvergenceError, match="ParetoNBD did not converge.*ITERATIONS REACHED LIMIT"):
        ParetoNBD(maxiter=1).fit(cdnow_summary)
