"""Survey scores with their uncertainty: NPS, top-2-box CSAT, mean CES and a change's test.

Each estimate may be weighted (raking or value weights); a weighted estimate's variance uses
Kish's effective sample size n_eff = (Σw)² / Σw² (Kish 1992, "Weighting for Unequal P_i",
Journal of Official Statistics 8(2): 183–200, eq. 2: the design effect of weighting
deff = n·Σw² / (Σw)², so n_eff = n / deff). Unweighted, n_eff = n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from saleskpi.errors import UsageError

__all__ = ["Estimate", "nps", "top_box_share", "mean_score", "difference_test", "effective_n"]

#: NPS answer categories (Reichheld 2003, "The One Number You Need to Grow", HBR 81(12)).
PROMOTER_FROM, DETRACTOR_UP_TO = 9, 6
NPS_METHODS = ("wald", "adjusted-wald")


@dataclass(frozen=True)
class Estimate:
    """A survey figure: its value, standard error, interval at the stated level, the number of
    answers it rests on (``n``) and their effective number under the weights (``n_effective``)."""

    value: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_effective: float


def _level(level: float, caller: str) -> float:
    from scipy import stats  # scipy.stats takes a second to import: only when used
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise UsageError(f"The 'level' parameter of {caller} must be a float in (0, 1). Got {level!r} instead.")
    return float(stats.norm.ppf(0.5 + level / 2))


def _answers(values: ArrayLike, weights: ArrayLike | None, caller: str, low: float, high: float):
    """The answered values (missing ones dropped) and their weights, checked."""
    v = np.asarray(values, dtype=float).ravel()
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.shape != v.shape:
        raise UsageError(f"The 'weights' parameter of {caller} must have one weight per score ({len(v)}). "
                         f"Got {len(w)} instead.")
    keep = ~np.isnan(v)
    v, w = v[keep], w[keep]
    bad = (v < low) | (v > high)
    if bad.any():
        raise UsageError(f"The 'scores' parameter of {caller} must hold scores from {low:g} to {high:g}. "
                         f"Got {v[bad][0]:g} instead.")
    if (~np.isfinite(w)).any() or (w < 0).any():
        raise UsageError(f"The 'weights' parameter of {caller} must hold finite weights >= 0. "
                         f"Got {w[~np.isfinite(w) | (w < 0)][0]!r} instead.")
    return v, w


def effective_n(weights: ArrayLike) -> float:
    """Kish's effective sample size (Σw)² / Σw² (Kish 1992, JOS 8(2), eq. 2); 0 for no weight."""
    w = np.asarray(weights, dtype=float)
    sq = float((w * w).sum())
    return float(w.sum()) ** 2 / sq if sq > 0 else 0.0


def _empty(n: int) -> Estimate:
    return Estimate(math.nan, math.nan, math.nan, math.nan, n, 0.0)


def nps(scores: ArrayLike, *, weights: ArrayLike | None = None, method: str = "wald",
        level: float = 0.95) -> Estimate:
    """Net Promoter Score of 0–10 answers, in points (−100..100), with its interval.

    NPS = 100 (p − d), p the share of promoters (9–10), d of detractors (0–6). Its variance is
    Var = (p + d − (p − d)²) / n (Rocks 2016, "Interval Estimation for the 'Net Promoter Score'",
    The American Statistician 70(4): 365–372: the variance of a difference of two multinomial
shares; as METHODS.md states it). ``method="wald"``: NPS ± z·SE.
    ``method="adjusted-wald"`` (Rocks 2016, the adjusted Wald interval): add 3 answers,
    ¾ promoter and ¾ detractor (and 1.5 passives), so p̃ = (P + ¾)/(n + 3), d̃ = (D + ¾)/(n + 3);
    the interval is 100 (p̃ − d̃) ± z·SE(p̃, d̃, n + 3). ``value`` is the observed NPS in both.

    With ``weights`` (one per score), p and d are weighted shares and n is Kish's effective n.
    Missing scores (NaN) are left out; ``n`` counts the answers used. Without answers the
    figures are NaN.

    >>> e = nps([10] * 50 + [8] * 30 + [3] * 20)
    >>> round(e.value, 3), round(e.se, 3), round(e.ci_low, 2), round(e.ci_high, 2)
    (30.0, 7.81, 14.69, 45.31)
    """
    if method not in NPS_METHODS:
        raise UsageError(f"The 'method' parameter of nps must be 'wald' or 'adjusted-wald'. Got {method!r} instead.")
    z = _level(level, "nps")
    v, w = _answers(scores, weights, "nps", 0, 10)
    total = float(w.sum())
    if total <= 0:
        return _empty(len(v))
    n_eff = effective_n(w)
    p = float(w[v >= PROMOTER_FROM].sum()) / total
    d = float(w[v <= DETRACTOR_UP_TO].sum()) / total
    if method == "adjusted-wald":
        # Rocks (2016), adjusted Wald: n + 3 answers, promoters + 3/4, detractors + 3/4
        cp, cd, cn = (p * n_eff + 0.75) / (n_eff + 3), (d * n_eff + 0.75) / (n_eff + 3), n_eff + 3
    else:
        cp, cd, cn = p, d, n_eff
    se = 100 * math.sqrt(max(cp + cd - (cp - cd) ** 2, 0.0) / cn)  # Rocks (2016): (p + d - (p - d)^2) / n
    centre = 100 * (cp - cd)
    return Estimate(100 * (p - d), se, centre - z * se, centre + z * se, len(v), n_eff)


def top_box_share(scores: ArrayLike, *, top: float, low: float, high: float, weights: ArrayLike | None = None,
                  level: float = 0.95) -> Estimate:
    """Share of answers at or above ``top`` (CSAT top-2-box: 4–5 of 1–5) with the Wilson score
    interval (Wilson 1927, "Probable Inference...", JASA 22(158): 209–212:
    (p̂ + z²/2n ± z √(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)); SE = √(p̂(1 − p̂)/n). Weighted: n = Kish's n_eff."""
    z = _level(level, "top_box_share")
    v, w = _answers(scores, weights, "top_box_share", low, high)
    total = float(w.sum())
    if total <= 0:
        return _empty(len(v))
    n = effective_n(w)
    p = float(w[v >= top].sum()) / total
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Estimate(p, math.sqrt(p * (1 - p) / n), centre - half, centre + half, len(v), n)


def mean_score(scores: ArrayLike, *, low: float, high: float, weights: ArrayLike | None = None,
               level: float = 0.95) -> Estimate:
    """Mean score (CES: mean effort 1–7) with the t interval mean ± t(n − 1)·s/√n (Student 1908);
    weighted: the weighted mean and variance, n = Kish's n_eff. NaN figures below two answers."""
    from scipy import stats  # scipy.stats takes a second to import: only when used
    _level(level, "mean_score")
    v, w = _answers(scores, weights, "mean_score", low, high)
    total = float(w.sum())
    if total <= 0:
        return _empty(len(v))
    n = effective_n(w)
    m = float((w * v).sum()) / total
    if n <= 1:
        return Estimate(m, math.nan, math.nan, math.nan, len(v), n)
    var = float((w * (v - m) ** 2).sum()) / total * n / (n - 1)
    se = math.sqrt(var / n)
    t = float(stats.t.ppf(0.5 + level / 2, n - 1))
    return Estimate(m, se, m - t * se, m + t * se, len(v), n)


def difference_test(later: Estimate, earlier: Estimate) -> tuple[float, float, float]:
    """(change, z, two-sided p) of two estimates from independent samples: the variances of
    independent estimates add, z = (x₁ − x₂) / √(SE₁² + SE₂²), a two-sample z test on the
    variances above (for two NPS: Rocks 2016's variance of each).
    NaN where either has no standard error."""
    from scipy import stats  # scipy.stats takes a second to import: only when used
    se = math.hypot(later.se, earlier.se)
    change = later.value - earlier.value
    if not (se > 0) or math.isnan(change):
        return change, math.nan, math.nan
    zv = change / se
    return change, zv, float(2 * stats.norm.sf(abs(zv)))
