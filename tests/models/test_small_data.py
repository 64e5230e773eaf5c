"""Fits on small customer bases, where the likelihood rises toward the edge of the parameter space.

In a small demo company the customers show too few drop-outs (or too little spread of the
margins within a customer) to tell a homogeneous population from a heterogeneous one: BG/NBD's
a and b grow together without bound (a/(a+b) fixed), Gamma-Gamma's p grows and gamma shrinks
(p gamma fixed), Pareto/NBD's s and beta grow together (s/beta fixed), which takes its
hypergeometric function to within 1e-12 of z = 1. The fits must still converge there, to a point whose log-likelihood the data
cannot improve on, with finite means. The summaries are built by the clv package's own functions, for
the main fit and the holdout calibration, as ``compute`` builds them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from saleskpi.analyses import clv
from saleskpi.config import ClvSection
from saleskpi.models import BetaGeo, GammaGamma, ParetoNBD

#: (customers, years, seed) of the small demo companies: every one of them had a BG/NBD or a
#: Gamma-Gamma fit that stopped with L-BFGS-B's ABNORMAL and was reported as not converged
#: before the log-likelihoods were computed in stable forms (18 of 60 companies of 100-300
#: customers over 1-3 years, seeds 1, 2, 3 and 7).
COMPANIES = [
    (100, 1, 1), (100, 1, 3), (100, 1, 7), (100, 3, 1), (100, 3, 7), (150, 1, 1), (150, 1, 7),
    (150, 2, 7), (150, 3, 3), (200, 1, 7), (200, 2, 2), (200, 2, 7), (200, 3, 3), (250, 1, 2),
    (250, 1, 3), (250, 3, 1), (250, 3, 2), (300, 3, 1),
]


#: Further companies for Pareto/NBD: its slowest fits while its hypergeometric function near
#: z = 1 was being made stable (s up to 1e10 on the ridge, r within 0.003 of 2).
PARETO_COMPANIES = [(200, 3, 2), (150, 1, 7), (150, 3, 3), (100, 2, 3), (100, 2, 1)]


def _summaries(path, customers: int, years: int, seed: int) -> dict[str, tuple[pd.DataFrame, np.ndarray]]:
    """The main and the holdout-calibration summary of a demo company, with their fit masks."""
    from saleskpi.demo import build_demo

    cfg = ClvSection()
    with build_demo(path, customers=customers, years=years, seed=seed) as ws:
        sales, people = ws.table("sales"), ws.table("customers")
        as_of = pd.Timestamp(sales.date.max().execute()).date()
        history_start = pd.Timestamp(sales.date.min().execute()).date()
        days = clv.purchase_days(sales, as_of)
        out = {}
        for fit, end in (("main", None), ("calibration", as_of - dt.timedelta(weeks=cfg.holdout_weeks))):
            summary = clv.model_summary(days, as_of, end)
            mask = clv.fit_population(summary, people, history_start, cfg.fit_customers)
            out[fit] = (summary, mask)
    return out


@pytest.fixture(scope="module")
def companies(tmp_path_factory):
    return {
        key: _summaries(tmp_path_factory.mktemp("small") / "ws", *key) for key in COMPANIES
    }


def _restarted(model, data):
    """The same model fitted again from its own optimum."""
    again = type(model)()
    again._start = tuple(model.params_.values())
    return again.fit(data)


def test_bg_nbd_and_gamma_gamma_converge_on_every_small_company(companies):
    for key, fits in companies.items():
        for fit, (summary, mask) in fits.items():
            purchases = clv.fit_purchase_model(summary, model="bgnbd", fit_mask=mask, what=f"{key} {fit}")
            p = purchases.params_
            assert np.isfinite(purchases.log_likelihood_), (key, fit)
            assert 0 < p["a"] / (p["a"] + p["b"]) < 1 and np.isfinite(p["r"] / p["alpha"]), (key, fit)
            spend = clv.fit_spend_model(summary, what=f"{key} {fit}")
            g = spend.params_
            assert np.isfinite(spend.log_likelihood_) and np.isfinite(g["p"] * g["gamma"]), (key, fit)


def test_a_bg_nbd_fit_on_the_ridge_reports_a_sensible_optimum(companies):
    # the 200-customer, 2-year company (seed 7) of docs/clv.md: its holdout calibration has a, b
    # running off together; the optimum is the homogeneous limit, a/(a+b) = 0.0031 drop-outs
    summary, mask = companies[(200, 2, 7)]["calibration"]
    data = summary.loc[mask, ["frequency", "recency", "T"]]
    model = BetaGeo().fit(data)
    p = model.params_
    assert p["a"] > 1e4 and p["b"] > 1e6  # on the ridge
    assert p["a"] / (p["a"] + p["b"]) == pytest.approx(0.0031, abs=0.0001)
    again = _restarted(model, data)
    assert again.log_likelihood_ == pytest.approx(model.log_likelihood_, abs=1e-6)
    assert again.params_["a"] / (again.params_["a"] + again.params_["b"]) == pytest.approx(
        p["a"] / (p["a"] + p["b"]), rel=1e-4)
    # the data can hardly tell the limit from a finite a: a = 8 (a/(a+b) kept) is about 0.013 lower
    at_optimum = model.score_samples(data).sum()
    assert at_optimum == pytest.approx(model.log_likelihood_, rel=1e-12)
    model.params_ = dict(p, a=8.0, b=8.0 * p["b"] / p["a"])
    assert 0 < float(at_optimum - model.score_samples(data).sum()) < 0.02


def test_a_gamma_gamma_fit_on_the_ridge_reports_a_sensible_optimum(companies):
    # the 100-customer, 1-year company (seed 1): the margins hardly vary within a customer, so p
    # grows and gamma shrinks with p gamma fixed
    summary, _ = companies[(100, 1, 1)]["main"]
    data = summary[clv.spend_rows(summary)][["frequency", "monetary_value"]]
    model = GammaGamma().fit(data)
    g = model.params_
    assert g["p"] > 1e3
    again = _restarted(model, data)
    assert again.log_likelihood_ == pytest.approx(model.log_likelihood_, abs=1e-6)
    assert again.params_["p"] * again.params_["gamma"] == pytest.approx(g["p"] * g["gamma"], rel=1e-4)
    assert model.score_samples(data).sum() == pytest.approx(model.log_likelihood_, rel=1e-12)


@pytest.fixture(scope="module")
def pareto_companies(tmp_path_factory, companies):
    more = {key: _summaries(tmp_path_factory.mktemp("small") / "ws", *key) for key in PARETO_COMPANIES}
    return {**companies, **more}


def test_pareto_nbd_converges_quickly_on_every_small_company(pareto_companies):
    # before the hypergeometric function near z = 1 had its own forms (linear transformation,
    # Gauss-Laguerre, continued fraction), 6 of the 120 fits of the 60 companies stopped with
    # ABNORMAL and 28 took more than 20 s; now each takes well under a second or two
    import time

    for key, fits in pareto_companies.items():
        for fit, (summary, mask) in fits.items():
            start = time.perf_counter()
            model = clv.fit_purchase_model(summary, model="pareto", fit_mask=mask, what=f"{key} {fit}")
            assert time.perf_counter() - start < 15, (key, fit)
            p = model.params_
            assert np.isfinite(model.log_likelihood_) and np.isfinite(p["s"] / p["beta"]), (key, fit)
            data = summary.loc[mask, ["frequency", "recency", "T"]]
            assert model.score_samples(data).sum() == pytest.approx(model.log_likelihood_, rel=1e-12)


def test_a_pareto_nbd_fit_on_the_ridge_reports_a_sensible_optimum(companies):
    # the 100-customer, 3-year company (seed 7): s and beta run off together (s about 1e10), the
    # optimum is the homogeneous drop-out limit; a restart from it finds the same point
    summary, mask = companies[(100, 3, 7)]["main"]
    data = summary.loc[mask, ["frequency", "recency", "T"]]
    model = ParetoNBD().fit(data)
    p = model.params_
    assert p["s"] > 1e4 and p["beta"] > 1e6  # on the ridge
    again = _restarted(model, data)
    assert again.log_likelihood_ == pytest.approx(model.log_likelihood_, abs=1e-6)
    assert again.params_["s"] / again.params_["beta"] == pytest.approx(p["s"] / p["beta"], rel=1e-3)
