"""What every model shares: the estimator contract, input reading, aggregation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import saleskpi.models as models
from saleskpi.errors import SaleskpiError, UsageError
from saleskpi.models import BetaGeo, ConvergenceError, GammaGamma, ParetoNBD
from saleskpi.models.base import Encoded, aggregate, read_columns

ALL = [models.BetaGeo, models.ParetoNBD, models.ModifiedBetaGeo, models.BetaGeoBetaBinom,
       models.GammaGamma, models.ShiftedBetaGeometric]


def test_public_names():
    assert sorted(models.__all__) == sorted(
        ["BetaGeo", "BetaGeoBetaBinom", "ConvergenceError", "GammaGamma", "ModifiedBetaGeo",
         "ParetoNBD", "ShiftedBetaGeometric"]
    )
    assert issubclass(ConvergenceError, SaleskpiError)


@pytest.mark.parametrize("cls", ALL)
def test_constructor_only_stores_keyword_hyper_parameters(cls):
    model = cls(penalizer=0.1, maxiter=50, tol=1e-6)
    assert model.get_params() == {"penalizer": 0.1, "maxiter": 50, "tol": 1e-6}
    assert not hasattr(model, "params_")
    assert repr(model) == f"{cls.__name__}(penalizer=0.1, maxiter=50, tol=1e-06)"
    assert repr(cls()) == f"{cls.__name__}()"
    with pytest.raises(TypeError):
        cls(0.1)  # keyword-only
    assert model.set_params(penalizer=0.0) is model and model.penalizer == 0.0
    with pytest.raises(UsageError, match=f"{cls.__name__} has no parameter 'alpha'"):
        model.set_params(alpha=1)


def test_hyper_parameters_are_checked_at_fit():
    data = {"frequency": [1, 0], "recency": [1.0, 0.0], "T": [2.0, 3.0]}
    with pytest.raises(UsageError, match=r"^The 'penalizer' parameter of BetaGeo must be a float >= 0\. Got -1 instead\.$"):
        BetaGeo(penalizer=-1).fit(data)
    with pytest.raises(UsageError, match="The 'maxiter' parameter of ParetoNBD must be an int >= 1. Got 0 instead."):
        ParetoNBD(maxiter=0).fit(data)


def test_read_columns_from_frames_tables_and_mappings():
    import ibis

    frame = pd.DataFrame({"frequency": [1, 2], "monetary_value": [3.0, 4.5]})
    for data in (frame, pa.Table.from_pandas(frame), ibis.memtable(frame), frame.to_dict("list")):
        cols = read_columns(data, ("frequency", "monetary_value"), owner="x")
        np.testing.assert_array_equal(cols["monetary_value"], [3.0, 4.5])
    with pytest.raises(UsageError, match="column 'monetary_value' must be finite numbers; 1 value"):
        read_columns({"frequency": [1], "monetary_value": [None]}, ("frequency", "monetary_value"), owner="x")
    with pytest.raises(UsageError, match="Expected a pandas DataFrame"):
        read_columns([1, 2], ("frequency",), owner="x")


def test_models_fit_on_an_ibis_table():
    import ibis

    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, 300)
    spend = rng.gamma(6.0 * x, 1 / (x * rng.gamma(4.0, 1 / 15.0, 300)))  # mean of x spends
    frame = pd.DataFrame({"frequency": x, "monetary_value": spend})
    a = GammaGamma().fit(ibis.memtable(frame))
    b = GammaGamma().fit(frame)
    assert a.params_ == b.params_


def test_aggregate_collapses_identical_rows():
    x = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    t = np.array([2.0, 0.0, 2.0, 3.0, 0.0])
    (ux, ut), w = aggregate(x, t, weights=np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert list(zip(ux, ut, w, strict=True)) == [(0.0, 0.0, 7.0), (1.0, 2.0, 4.0), (1.0, 3.0, 4.0)]
    enc = Encoded([x, t + 0.5])
    for values, codes, col in zip(enc.values, enc.codes, enc.columns, strict=True):
        np.testing.assert_array_equal(values[codes], col)


def test_warm_start_gives_the_same_optimum_on_large_data():
    # BG/NBD customers (r, alpha, a, b) = (0.8, 5, 1, 3), ages up to 2 years, in days / 7
    rng = np.random.default_rng(7)
    n = 60_000
    big_t = rng.integers(1, 731, n) / 7
    lam, p = rng.gamma(0.8, 1 / 5.0, n), rng.beta(1.0, 3.0, n)
    x, tx, now = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.arange(n)
    while active.size:
        now[active] += rng.exponential(1 / lam[active])
        active = active[now[active] <= big_t[active]]
        x[active] += 1
        tx[active] = np.ceil(now[active] * 7) / 7
        active = active[rng.random(active.size) >= p[active]]
    tx = np.minimum(tx, big_t)
    data = pd.DataFrame({"frequency": x, "recency": tx, "T": big_t})
    assert len(Encoded([x, tx, big_t]).warm_start_subsamples()) == 1
    warm = BetaGeo().fit(data)
    cold = BetaGeo()
    enc = Encoded([x, tx, big_t])
    cold._fit_params(cold._make_loglik(enc), float(n))
    assert warm.params_ == pytest.approx(cold.params_, rel=1e-5)
    assert warm.params_ == pytest.approx({"r": 0.8, "alpha": 5.0, "a": 1.0, "b": 3.0}, rel=0.15)
