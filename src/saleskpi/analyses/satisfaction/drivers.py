"""Drivers of satisfaction: how much of an outcome (the NPS answer) each attribute score explains.

Derived importance splits the R² of a linear regression of the outcome on the attribute scores
among the attributes, so that correlated attributes (the halo: a customer who likes us rates
everything higher) share what they explain instead of one taking it all:

- Relative weights (Johnson 2000, "A Heuristic Method for Estimating the Relative Weight of
  Predictor Variables in Multiple Regression", Multivariate Behavioral Research 35(1): 1–19):
  with the predictors' correlation matrix R_xx = V Λ Vᵀ, Λ* = V Λ^½ Vᵀ (the correlations of the
  predictors with their nearest orthogonal counterparts), β* = Λ*⁻¹ r_xy (the outcome regressed
  on the orthogonal counterparts), ε_j = Σ_k (Λ*_jk)² (β*_k)²; Σ_j ε_j = R².
- LMG / Shapley value (Lindeman, Merenda & Gold 1980, "Introduction to Bivariate and Multivariate
  Analysis", Scott Foresman, p. 119 ff.; Grömping 2006, "Relative Importance for Linear
  Regression in R: The Package relaimpo", J. Statistical Software 17(1), eq. 4):
  φ_j = Σ_{S ⊆ P∖{j}} |S|! (p − |S| − 1)! / p! · (R²(S ∪ {j}) − R²(S)); Σ_j φ_j = R².

Stated importance (the importance_* answers) is the customer's own word, which is known to be
flat and near the ceiling ("everything matters"); the ``drivers`` result shows both.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from saleskpi.errors import UsageError

__all__ = ["importance", "r_squared", "IMPORTANCE_METHODS", "MAX_LMG_PREDICTORS"]

IMPORTANCE_METHODS = ("relative-weights", "lmg")
#: LMG visits all 2^p subsets: beyond this many predictors it is refused (use relative weights).
MAX_LMG_PREDICTORS = 15


def r_squared(rxx: np.ndarray, rxy: np.ndarray) -> float:
    """R² of the standardised regression: r_xyᵀ R_xx⁻¹ r_xy (0 for no predictor)."""
    if len(rxy) == 0:
        return 0.0
    return float(rxy @ np.linalg.solve(rxx, rxy))


def _relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    # Johnson (2000), eqs. 1-4: R_xx = V Λ Vᵀ; Λ* = V Λ^½ Vᵀ; β* = Λ*⁻¹ r_xy; ε_j = Σ_k Λ*_jk² β*_k²
    evals, evecs = np.linalg.eigh(rxx)
    lam = evecs @ np.diag(np.sqrt(np.clip(evals, 0, None))) @ evecs.T
    beta = np.linalg.solve(lam, rxy)
    return (lam ** 2) @ (beta ** 2)


def _lmg(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    # Grömping (2006), eq. 4: the Shapley value of R² over all orderings of the predictors
    p = len(rxy)
    r2 = {}
    for k in range(p + 1):
        for s in itertools.combinations(range(p), k):
            idx = list(s)
            r2[s] = r_squared(rxx[np.ix_(idx, idx)], rxy[idx])
    phi = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            weight = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
            for s in itertools.combinations(others, k):
                phi[j] += weight * (r2[tuple(sorted(s + (j,)))] - r2[s])
    return phi


def importance(frame: pd.DataFrame, *, target: str, predictors, method: str = "relative-weights") -> pd.Series:
    """Each predictor's raw weight: its share of the R² of ``target`` regressed on ``predictors``
    (the weights sum to R²), by Johnson's relative weights or LMG (module docstring).

    Rows missing the target or any predictor are left out (complete cases). The result is a
    Series indexed by predictor; ``.attrs`` holds ``r_squared``, ``n`` (rows used) and ``method``.

    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(200, 2))
    >>> f = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": x[:, 0] + 0.5 * x[:, 1]})
    >>> w = importance(f, target="y", predictors=["a", "b"])
    >>> round(float(w.sum()), 6) == round(w.attrs["r_squared"], 6) == 1.0
    True
    """
    if method not in IMPORTANCE_METHODS:
        raise UsageError(f"The 'method' parameter of importance must be 'relative-weights' or 'lmg'. "
                         f"Got {method!r} instead.")
    predictors = list(predictors)
    if not predictors or len(set(predictors)) != len(predictors) or target in predictors:
        raise UsageError("The 'predictors' parameter of importance must name distinct columns other than the "
                         f"target. Got {predictors!r} instead.")
    missing = [c for c in [target, *predictors] if c not in frame.columns]
    if missing:
        raise UsageError(f"The 'frame' parameter of importance must hold the columns {[target, *predictors]!r}. "
                         f"It has no {missing[0]!r}.")
    if method == "lmg" and len(predictors) > MAX_LMG_PREDICTORS:
        raise UsageError(f"The 'predictors' parameter of importance must name at most {MAX_LMG_PREDICTORS} "
                         f"columns with method='lmg' (2^p subsets). Got {len(predictors)}; use "
                         "method='relative-weights'.")
    data = frame[[target, *predictors]].astype(float).dropna()
    n = len(data)
    if n < len(predictors) + 2:
        raise UsageError(f"The 'frame' parameter of importance must have at least {len(predictors) + 2} complete "
                         f"rows for {len(predictors)} predictors. Got {n}.")
    constant = [c for c in data.columns if data[c].std() == 0]
    if constant:
        raise UsageError(f"The 'frame' parameter of importance must have varying columns; {constant[0]!r} has "
                         "one value in every complete row.")
    corr = np.corrcoef(data.to_numpy().T)
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    if np.linalg.matrix_rank(rxx) < len(predictors):
        raise UsageError("The 'predictors' parameter of importance must name columns that are not linear "
                         "combinations of each other (their correlation matrix is singular).")
    weights = _relative_weights(rxx, rxy) if method == "relative-weights" else _lmg(rxx, rxy)
    out = pd.Series(weights, index=predictors, name=method)
    out.attrs.update(r_squared=r_squared(rxx, rxy), n=n, method=method)
    return out
