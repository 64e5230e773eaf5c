"""Difference-in-differences by OLS with the treated x post interaction.

The regression (Angrist & Pischke 2009, *Mostly Harmless Econometrics*, ch. 5.2, eq. 5.2.3;
Card & Krueger 1994, AER 84(4), the 2x2 design of their table 3)::

    y_it = β0 + β1·treated_i + β2·post_t + δ·(treated_i × post_t) + x_it'γ + ε_it

δ is the difference-in-differences: without controls it equals exactly
(ȳ_treated,post − ȳ_treated,pre) − (ȳ_control,post − ȳ_control,pre), the difference of the
four cell means. Its standard error is the classical OLS one, or, with ``cluster``, the
cluster-robust (CR1) sandwich

    V = c · (X'X)⁻¹ (Σ_g X_g' û_g û_g' X_g) (X'X)⁻¹,  c = G/(G−1) · (N−1)/(N−K)

(Cameron & Miller 2015, "A Practitioner's Guide to Cluster-Robust Inference", J. Human
Resources 50(2), eq. 11 and the CR1 factor of section II.C), with the interval from Student's
t with G − 1 degrees of freedom (their section VI.B); the classical interval uses N − K.
statsmodels fits the regression.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from saleskpi.errors import UsageError

__all__ = ["DidEstimate", "did"]


@dataclass(frozen=True)
class DidEstimate:
    """The difference-in-differences δ, its standard error, interval at ``level``, two-sided
    p-value, the rows it rests on (``n``) and the clusters (``clusters``; None: not clustered).
    ``counterfactual`` is what the treated would have had after without the treatment,
    β0 + β1 + β2 (the controls at zero), and ``relative``/``relative_ci_*`` δ / counterfactual
    with its delta-method interval (None when the counterfactual is not positive)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pvalue: float
    n: int
    clusters: int | None
    counterfactual: float
    relative: float | None
    relative_ci_low: float | None
    relative_ci_high: float | None


def _binary(frame: pd.DataFrame, name: str, param: str) -> np.ndarray:
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    wrong = ~np.isin(values, (0.0, 1.0))
    if wrong.any():
        raise UsageError(f"The '{param}' column {name!r} of did must hold 0/1 or true/false in every row. "
                         f"Got {frame[name].to_numpy()[wrong][0]!r} instead.")
    return values


def did(frame: pd.DataFrame, *, outcome: str, treated: str, post: str, controls: Sequence[str] = (),
        cluster: str | None = None, level: float = 0.95) -> DidEstimate:
    """The difference-in-differences of ``outcome`` between ``treated`` and the others, ``post``
    against before, from the rows of ``frame`` (one row per unit and period).

    ``treated`` and ``post`` are 0/1 (or boolean) columns; ``controls`` further regressors;
    ``cluster`` a column whose groups get cluster-robust errors (units observed several
    times: cluster on the unit). Rows with a missing outcome or control are dropped. Raises
    UsageError when a column is missing, a cell of the 2x2 design is empty, or there are too
    few rows or clusters for a standard error."""
    from scipy import stats  # scipy.stats takes a second to import: only when used
    import statsmodels.api as sm

    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise UsageError(f"The 'level' parameter of did must be a float in (0, 1). Got {level!r} instead.")
    names = list(dict.fromkeys([outcome, treated, post, *controls, *([cluster] if cluster is not None else [])]))
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise UsageError(f"did: the frame has no column {missing[0]!r}; the columns are "
                         f"{', '.join(map(str, frame.columns))}.")
    used = frame[names].dropna(subset=[outcome, *controls])
    y = pd.to_numeric(used[outcome], errors="coerce").to_numpy(dtype=float)
    t, p = _binary(used, treated, "treated"), _binary(used, post, "post")
    for tv, pv in ((1, 1), (1, 0), (0, 1), (0, 0)):
        if not ((t == tv) & (p == pv)).any():
            cell = f"{'treated' if tv else 'control'} {'after' if pv else 'before'}"
            raise UsageError(f"did: no row is {cell} ({treated} = {tv}, {post} = {pv}); a difference-in-"
                             "differences needs rows in each of the four cells.")
    x = np.column_stack([np.ones_like(y), t, p, t * p,
                         *(pd.to_numeric(used[c], errors="coerce").to_numpy(dtype=float) for c in controls)])
    n, k = x.shape
    if n <= k:
        raise UsageError(f"did: {n} rows for {k} coefficients; a standard error needs more rows than coefficients.")
    model = sm.OLS(y, x)
    if cluster is None:
        fit, df = model.fit(), n - k
        clusters = None
    else:
        groups = pd.factorize(used[cluster])[0]
        clusters = int(groups.max()) + 1
        if clusters < 2:
            raise UsageError(f"did: the rows fall into {clusters} cluster of {cluster!r}; clustered errors need at "
                             "least two clusters.")
        # CR1 (Cameron & Miller 2015, section II.C): statsmodels' default correction.
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True})
        df = clusters - 1
    beta, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    estimate, se = float(beta[3]), float(np.sqrt(max(cov[3, 3], 0.0)))
    q = float(stats.t.ppf(0.5 + level / 2, df))
    pvalue = float(2 * stats.t.sf(abs(estimate / se), df)) if se > 0 else (0.0 if estimate else 1.0)
    # What the treated would have had after: β0 + β1 + β2 (Angrist & Pischke eq. 5.2.3 at x = 0).
    g = np.zeros(k)
    g[:3] = 1.0
    counterfactual = float(g @ beta)
    relative = low = high = None
    if counterfactual > 0:
        # δ / c by the delta method: gradient (∂/∂δ, ∂/∂c) = (1/c, −δ/c²) over the joint covariance.
        grad = np.zeros(k)
        grad[3] = 1 / counterfactual
        grad -= g * estimate / counterfactual**2
        rel_se = float(np.sqrt(max(grad @ cov @ grad, 0.0)))  # rounding can make an exact fit's 0 negative
        relative = estimate / counterfactual
        low, high = relative - q * rel_se, relative + q * rel_se
    return DidEstimate(estimate=estimate, se=se, ci_low=estimate - q * se, ci_high=estimate + q * se, pvalue=pvalue,
                       n=int(n), clusters=clusters, counterfactual=counterfactual, relative=relative,
                       relative_ci_low=low, relative_ci_high=high)
