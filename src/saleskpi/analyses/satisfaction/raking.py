"""Raking (iterative proportional fitting) of survey weights to known population margins.

Deming & Stephan (1940), "On a Least Squares Adjustment of a Sampled Frequency Table When the
Expected Marginal Totals are Known", Annals of Mathematical Statistics 11(4): 427–444: in
turn for each margin, multiply the weights of every level by target / current total of that
level; repeat until every margin matches. For a two-way table the result keeps the seed's
odds ratios (Mosteller 1968, JASA 63(321): 1–28), which is how the tests work it out by hand.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from saleskpi.errors import UsageError

__all__ = ["rake"]


def _checked(frame: pd.DataFrame, targets: Mapping[str, Mapping[object, float]], w: np.ndarray) -> None:
    if not targets:
        raise UsageError("The 'targets' parameter of rake must map at least one column of the frame to its "
                         "{level: population total}. Got an empty mapping instead.")
    totals = {}
    for col, levels in targets.items():
        if col not in frame.columns:
            raise UsageError(f"rake: the target column '{col}' is not a column of the frame (columns: "
                             f"{', '.join(map(str, frame.columns))}). Name a column of the frame.")
        values = [float(t) for t in levels.values()]
        if any(not np.isfinite(t) or t < 0 for t in values):
            raise UsageError(f"rake: the targets of '{col}' must be population totals >= 0. Got {dict(levels)!r}.")
        present = frame[col]
        outside = sorted({str(v) for v in present.unique() if v not in levels})
        if outside:
            raise UsageError(f"rake: rows of the frame have {col} = {', '.join(outside)}, which has no target. "
                             f"Give every level of '{col}' a population total (or drop those rows).")
        seeded = set(present[w > 0].unique())
        absent = [str(k) for k, t in levels.items() if t > 0 and k not in seeded]
        if absent:
            raise UsageError(f"rake: the level {col} = {', '.join(absent)} has a population total but no "
                             "respondents (no row with a weight > 0), so no weight can reach it. Merge it "
                             "with a neighbouring level or leave the margin out.")
        totals[col] = sum(values)
    first_col, first = next(iter(totals.items()))
    for col, total in totals.items():
        if not np.isclose(total, first, rtol=1e-9, atol=0):
            raise UsageError(f"rake: the margins disagree on the population total: '{first_col}' sums to "
                             f"{first:g}, '{col}' to {total:g}. Every margin must describe the same population.")


def rake(frame: pd.DataFrame, targets: Mapping[str, Mapping[object, float]], *, weights: ArrayLike | None = None,
         max_iter: int = 100, tol: float = 1e-10) -> np.ndarray:
    """One weight per row of ``frame`` whose totals by each target column match its targets.

    Parameters
    ----------
    frame
        One row per respondent (or per cell of a table), with the columns the targets name.
    targets
        Maps a column of ``frame`` to ``{level: population total}``. Every margin must sum to
        the same total, every level present in the frame must have a target, and every level
        with a positive target must have a row of positive weight.
    weights
        Starting (design) weights, one per row; default 1.
    max_iter, tol
        At most ``max_iter`` sweeps over the margins; converged when no level's total differs
        from its target by more than ``tol`` times the population total.

    Returns
    -------
    numpy.ndarray
        The raked weights, in the order of ``frame``'s rows (Deming & Stephan 1940).
    """
    if not (isinstance(max_iter, int) and max_iter >= 1):
        raise UsageError(f"The 'max_iter' parameter of rake must be an int >= 1. Got {max_iter!r} instead.")
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise UsageError(f"The 'tol' parameter of rake must be a float > 0. Got {tol!r} instead.")
    w = np.ones(len(frame)) if weights is None else np.asarray(weights, dtype=float).copy()
    if w.shape != (len(frame),) or (~np.isfinite(w)).any() or (w < 0).any():
        raise UsageError(f"The 'weights' parameter of rake must hold one finite weight >= 0 per row of the frame "
                         f"({len(frame)}). Got {np.asarray(weights).shape[0] if np.ndim(weights) else weights!r}.")
    _checked(frame, targets, w)
    # the level of every row, per margin, as integer codes (fast group sums)
    margins = []
    for col, levels in targets.items():
        keys = list(levels)
        codes = pd.Categorical(frame[col], categories=keys).codes
        margins.append((codes, np.array([float(levels[k]) for k in keys])))
    population = float(margins[0][1].sum())
    for _ in range(max_iter):
        for codes, want in margins:
            have = np.bincount(codes, weights=w, minlength=len(want))
            # Deming & Stephan (1940): w <- w * target / current total, level by level
            factor = np.divide(want, have, out=np.zeros_like(want), where=have > 0)
            w = w * factor[codes]
        worst = max(np.abs(np.bincount(c, weights=w, minlength=len(t)) - t).max() for c, t in margins)
        if worst <= tol * population:
            return w
    raise UsageError(f"rake: the weights did not converge in {max_iter} sweeps (largest margin gap {worst:g}). "
                     "Raise max_iter, loosen tol, or merge sparse levels.")
