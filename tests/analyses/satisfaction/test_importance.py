"""Derived importance against the published oracle of METHODS.md (Johnson 2000; LMG as in
Grömping 2006): R_xx = [[1, .5, .3], [.5, 1, .2], [.3, .2, 1]], r_xy = (.6, .5, .3) ->
R² 0.42588; relative weights 0.23746 / 0.14338 / 0.04505; LMG 0.23960 / 0.14252 / 0.04376.

The frame is built so that its sample correlation matrix is exactly the oracle's: white noise
made exactly orthonormal (QR), then coloured by the Cholesky factor of the full matrix."""

import numpy as np
import pandas as pd
import pytest

from saleskpi.analyses.satisfaction import importance
from saleskpi.errors import UsageError

R = np.array([[1.0, 0.6, 0.5, 0.3], [0.6, 1.0, 0.5, 0.3], [0.5, 0.5, 1.0, 0.2], [0.3, 0.3, 0.2, 1.0]])


def oracle_frame(n=500, seed=3):
    z = np.random.default_rng(seed).normal(size=(n, 4))
    z -= z.mean(0)
    q, _ = np.linalg.qr(z)  # orthonormal, mean-zero columns: sample correlation = identity
    x = q @ np.linalg.cholesky(R).T * np.sqrt(n - 1)
    return pd.DataFrame(x, columns=["y", "a", "b", "c"])


def test_oracle_correlation_is_exact():
    assert np.allclose(oracle_frame().corr().to_numpy(), R, atol=1e-12)


@pytest.mark.parametrize("method, expected", [("relative-weights", (0.23746, 0.14338, 0.04505)),
                                              ("lmg", (0.23960, 0.14252, 0.04376))])
def test_published_weights(method, expected):
    w = importance(oracle_frame(), target="y", predictors=["a", "b", "c"], method=method)
    assert [round(v, 5) for v in w] == list(expected)
    assert round(w.attrs["r_squared"], 5) == 0.42588
    assert w.sum() == pytest.approx(w.attrs["r_squared"], abs=1e-12)
    assert w.attrs["n"] == 500 and w.attrs["method"] == method


def test_uncorrelated_predictors_get_their_squared_correlation():
    """With orthogonal predictors both methods give r_j² (nothing to share)."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(100, 3))
    q, _ = np.linalg.qr(z - z.mean(0))  # orthonormal, mean-zero columns
    f = pd.DataFrame({"a": q[:, 0], "b": q[:, 1], "y": 0.8 * q[:, 0] + 0.3 * q[:, 1] + 0.5 * q[:, 2]})
    r = f.corr()["y"]
    for method in ("relative-weights", "lmg"):
        w = importance(f, target="y", predictors=["a", "b"], method=method)
        assert w["a"] == pytest.approx(r["a"] ** 2) and w["b"] == pytest.approx(r["b"] ** 2)


def test_missing_rows_are_left_out():
    f = oracle_frame()
    g = pd.concat([f, pd.DataFrame({"y": [np.nan, 1.0], "a": [1.0, np.nan], "b": [0.0, 0.0], "c": [1.0, 1.0]})])
    w = importance(g, target="y", predictors=["a", "b", "c"])
    assert w.attrs["n"] == 500 and round(w.attrs["r_squared"], 5) == 0.42588


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "shapley"}, "must be 'relative-weights' or 'lmg'"),
    ({"predictors": ["a", "zz"]}, "It has no 'zz'"),
    ({"predictors": ["a", "a"]}, "distinct columns"),
    ({"predictors": ["y", "a"]}, "distinct columns other than the target"),
])
def test_bad_calls_are_refused(kwargs, message):
    args = {"target": "y", "predictors": ["a", "b"]} | kwargs
    with pytest.raises(UsageError, match=message):
        importance(oracle_frame(), **args)


def test_singular_and_constant_predictors_are_refused():
    f = oracle_frame()
    with pytest.raises(UsageError, match="singular"):
        importance(f.assign(d=f["a"] + f["b"]), target="y", predictors=["a", "b", "d"])
    with pytest.raises(UsageError, match="'k' has one value"):
        importance(f.assign(k=1.0), target="y", predictors=["a", "k"])
