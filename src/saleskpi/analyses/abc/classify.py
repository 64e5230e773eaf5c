"""ABC analysis: sort customers (or products) into classes A, B and C by their value.

``classify(values, method=...)`` is the whole public surface. Two methods:

* ``"pareto"`` — fixed cut-offs on the cumulative share of the total (80 % / 95 % by default).
* ``"computed"`` — computed ABC analysis, Ultsch & Lötsch (2015), "Computed ABC Analysis for
  Rational Selection of Most Informative Variables in Multivariate Data", PLoS One 10(6):
  e0129767, as implemented by the reference R package ABCanalysis 1.2.1 (``ABCcurve`` and
  ``ABCanalysis``). The steps are numbered as in METHODS.md, "ABC analysis".

Everything here is plain numpy/scipy on a vector already in memory; the table-level analysis
only calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from saleskpi.analyses.abc.spline import fmm_coefficients, fmm_eval
from saleskpi.errors import UsageError

__all__ = ["ABCResult", "classify"]

Method = Literal["pareto", "computed"]

#: A cumulative share within this distance below a cut-off counts as having reached it, so
#: that float rounding of a sum of money values (0.7 + 0.1 = 0.7999999999999999) does not move
#: a customer across a boundary that the decimal numbers put him exactly on.
_SHARE_TOLERANCE = 1e-9

#: The computed method needs a curve, and the reference port (PyPI abc-analysis) refuses fewer.
MIN_VALUES_COMPUTED = 3


@dataclass(frozen=True, eq=False)
class ABCResult:
    """The outcome of :func:`classify`.

    Attributes
    ----------
    classes
        ``'A'``, ``'B'`` or ``'C'`` for every input value, in input order (numpy ``<U1`` array).
    limit_ab, limit_bc
        The value limits, in the unit of the input (NaN when no value is positive).
        ``method="pareto"``: the value of the customer who crosses ``cutoff_a`` (the smallest
        value in A) and of the one who crosses ``cutoff_b`` (the smallest value in A or B).
        ``method="computed"``: the reference's ABLimit and BCLimit; A = value > ``limit_ab``,
        B = ``limit_bc`` <= value <= ``limit_ab``, C = value < ``limit_bc`` (or value 0).
    method
        The method used.
    pareto_point, break_even_point, submarginal_point
        ``(x, y)`` on the ABC curve (x = share of customers, y = share of value) for
        ``method="computed"``; None for ``"pareto"`` and when no value is positive.
    """

    classes: np.ndarray
    limit_ab: float
    limit_bc: float
    method: str
    pareto_point: tuple[float, float] | None = None
    break_even_point: tuple[float, float] | None = None
    submarginal_point: tuple[float, float] | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Number of customers in each class: ``{'A': ..., 'B': ..., 'C': ...}``."""
        return {c: int(np.count_nonzero(self.classes == c)) for c in "ABC"}


def classify(
    values: Sequence[float] | np.ndarray,
    *,
    method: Method = "pareto",
    cutoffs: tuple[float, float] = (0.8, 0.95),
    ids: Sequence[object] | np.ndarray | None = None,
) -> ABCResult:
    """Classify each value as A, B or C.

    Parameters
    ----------
    values
        One value per customer (sales, margin, potential...), any order. Missing values
        (None, NaN) and negative values count as 0; +inf is refused.
    method
        ``"pareto"`` (fixed cut-offs) or ``"computed"`` (Ultsch & Lötsch 2015).
    cutoffs
        ``(cutoff_a, cutoff_b)`` with ``0 < cutoff_a < cutoff_b < 1``: the cumulative shares
        that close class A and classes A+B. Used by ``"pareto"`` only (validated always).
    ids
        One unique, sortable id per value, used to break ties between equal values
        (smaller id first). Default: the input position. Only ``"pareto"`` needs it; the
        computed classes depend on the value alone.

    Returns
    -------
    ABCResult
        Classes in input order, the two value limits and, for ``"computed"``, the Pareto,
        break-even and submarginal points.

    Boundary rule of ``"pareto"``
    ------------------------------
    Customers are sorted by value, descending, ties by ``ids`` ascending. A customer is in A
    while the cumulative share of the customers *before* him is below ``cutoff_a``, in B while
    it is below ``cutoff_b``, otherwise in C. So the customer who crosses a cut-off belongs
    to the upper class: A is the smallest set of top customers holding at least ``cutoff_a``
    of the total, A and B together the smallest holding at least ``cutoff_b``. (A share
    within 1e-9 below a cut-off counts as reaching it, against float rounding.)

    Zero values
    -----------
    A customer whose value is 0 (or was missing or negative) is always C, by both methods.
    If no value is positive, every customer is C and the limits are NaN.

    Computed method (Ultsch & Lötsch 2015; R ABCanalysis 1.2.1)
    -----------------------------------------------------------
    1. sort descending; x_i = i/n, y_i = cumulative sum / total; add (0, 0);
    2. interpolate y(x) with R's ``spline(method="fmm")`` on the grid 0, 0.01, ..., 1
       (n < 101) or 0, 0.001, ..., 1; from the first grid point where y >= 1 on, y = 1;
    3. the derivative of the fmm spline through those grid points, evaluated at (1..m)/m
       (m = number of grid points); entry k is read as the slope at grid point k, as the
       reference does;
    4. Pareto point = the first grid point minimising x² + (1 − y)²; break-even point = the
       first grid point minimising |dy/dx − 1|;
    5. the A/B boundary is whichever of the two has the smaller x (ties: the Pareto point);
       the other one's x is Bx;
    6. submarginal point = the first grid point minimising (x − Bx)² + (1 − y)²;
    7. ``limit_ab`` = the sorted value at position round(x_AB·n), ``limit_bc`` likewise with
       the submarginal x (round half to even, as R); a position of 0 is read as 1 (R would
       return no limit there);
    8. A = value > ``limit_ab``; B = ``limit_bc`` <= value <= ``limit_ab``; C = value <
       ``limit_bc``. Zero values are C even when ``limit_bc`` is 0 (R would put them in B).

    It needs at least 3 values. As in the reference, the customer at the ``limit_ab``
    position is himself B, so A is empty when round(x_AB·n) is 1. PyPI ``abc-analysis``
    0.1.23 (a port using a not-a-knot spline) gives the same classes except on curves whose
    first or last few points bend sharply, where the end conditions move the break-even point.

    Raises
    ------
    UsageError
        For an unknown method, invalid cut-offs, ids that do not match the values, empty
        input, +inf or non-numeric values, or fewer than 3 values with ``"computed"``.

    Examples
    --------
    >>> r = classify([1, 15, 25, 17, 2, 3, 5, 6, 2, 3, 22], method="computed")
    >>> r.counts, r.limit_ab, r.limit_bc
    ({'A': 3, 'B': 2, 'C': 6}, 15.0, 6.0)
    """
    if method not in ("pareto", "computed"):
        raise UsageError(
            f"The 'method' parameter of classify must be 'pareto' or 'computed'. "
            f"Got {method!r} instead."
        )
    cutoff_a, cutoff_b = _check_cutoffs(cutoffs)
    v = _clean_values(values)
    n = v.size
    if method == "computed" and n < MIN_VALUES_COMPUTED:
        raise UsageError(
            f"The 'values' parameter of classify must hold at least {MIN_VALUES_COMPUTED} "
            f"values for method='computed'. Got {n} instead; use method='pareto' for so few."
        )
    order = _descending_order(v, ids)
    if not np.any(v > 0):
        return ABCResult(np.full(n, "C"), float("nan"), float("nan"), method)
    if method == "pareto":
        return _classify_pareto(v, order, cutoff_a, cutoff_b)
    return _classify_computed(v, order)


# --- validation --------------------------------------------------------------------------


def _check_cutoffs(cutoffs: object) -> tuple[float, float]:
    try:
        a, b = (float(c) for c in cutoffs)  # type: ignore[union-attr]
        ok = 0.0 < a < b < 1.0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise UsageError(
            f"The 'cutoffs' parameter of classify must be two increasing floats in (0, 1). "
            f"Got {cutoffs!r} instead. Pass (cutoff_a, cutoff_b), e.g. (0.8, 0.95)."
        )
    return a, b


def _clean_values(values: object) -> np.ndarray:
    """Values as a 1-D float array with missing and negative values set to 0.

    Reference: ABCanalysis 1.2.1 ``ABCcleanData`` (non-finite and negative -> 0), except that
    +inf is refused rather than silently zeroed.
    """
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise UsageError(
            "The 'values' parameter of classify must be a sequence of numbers (None or NaN "
            f"for missing). Got {_short(values)} instead."
        ) from None
    if v.ndim != 1 or v.size == 0:
        raise UsageError(
            "The 'values' parameter of classify must be a non-empty 1-D sequence of numbers. "
            f"Got shape {v.shape} instead."
        )
    if np.any(v == np.inf):
        raise UsageError(
            "The 'values' parameter of classify must hold finite numbers (None or NaN for "
            f"missing). Got +inf at position {int(np.argmax(v == np.inf))} instead."
        )
    return np.where(np.isnan(v) | (v < 0), 0.0, v)


def _descending_order(v: np.ndarray, ids: object) -> np.ndarray:
    """Indices sorting ``v`` descending, ties broken by ``ids`` ascending (default: position)."""
    if ids is None:
        return np.argsort(-v, kind="stable")
    key = np.asarray(ids)
    if key.ndim != 1 or key.size != v.size:
        raise UsageError(
            f"The 'ids' parameter of classify must hold one id per value ({v.size} values). "
            f"Got {key.size} ids instead."
        )
    uniq, counts = np.unique(key, return_counts=True)
    if uniq.size != key.size:
        raise UsageError(
            "The 'ids' parameter of classify must hold unique ids. "
            f"Got {uniq[counts > 1][0].item()!r} more than once instead."
        )
    return np.lexsort((key, -v))


def _short(obj: object, limit: int = 60) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- fixed cut-offs ----------------------------------------------------------------------


def _classify_pareto(
    v: np.ndarray, order: np.ndarray, cutoff_a: float, cutoff_b: float
) -> ABCResult:
    sorted_v = v[order]
    cum = np.cumsum(sorted_v)
    share_before = np.concatenate(([0.0], cum[:-1])) / cum[-1]
    sorted_cls = np.where(
        share_before < cutoff_a - _SHARE_TOLERANCE,
        "A",
        np.where(share_before < cutoff_b - _SHARE_TOLERANCE, "B", "C"),
    )
    sorted_cls[sorted_v <= 0] = "C"
    classes = np.empty(v.size, dtype="<U1")
    classes[order] = sorted_cls
    # Customer 0 is always A (nothing before him, and v > 0 somewhere), so both exist.
    last_a = np.flatnonzero(sorted_cls == "A")[-1]
    last_ab = np.flatnonzero(sorted_cls != "C")[-1]
    return ABCResult(classes, float(sorted_v[last_a]), float(sorted_v[last_ab]), "pareto")


# --- computed ABC (Ultsch & Lötsch 2015) ---------------------------------------------------


def _classify_computed(v: np.ndarray, order: np.ndarray) -> ABCResult:
    n = v.size
    sorted_v = v[order]
    grid, yld, slope = _abc_curve(sorted_v)

    # Step 4: Pareto point, closest to the ideal (0, 1); break-even point, slope closest to 1.
    # np.argmin returns the first minimum, as R's which.min.
    i_pareto = int(np.argmin(grid**2 + (1.0 - yld) ** 2))
    i_break_even = int(np.argmin(np.abs(slope - 1.0)))
    # Step 5: the one with the smaller x is the A/B boundary (R: ABexchanged).
    if grid[i_break_even] < grid[i_pareto]:
        i_ab, bx = i_break_even, grid[i_pareto]
    else:
        i_ab, bx = i_pareto, grid[i_break_even]
    # Step 6: submarginal point, closest to (Bx, 1).
    i_sub = int(np.argmin((grid - bx) ** 2 + (1.0 - yld) ** 2))

    # Step 7: limits at sorted positions round(x*n); Python's round is half-to-even like R's.
    def limit_at(x: float) -> float:
        position = max(1, round(x * n))
        return float(sorted_v[position - 1])

    limit_ab, limit_bc = limit_at(grid[i_ab]), limit_at(grid[i_sub])
    # Step 8 (A wins where the limits would overlap; they cannot, since x_sub >= x_AB).
    classes = np.where(v > limit_ab, "A", np.where(v >= limit_bc, "B", "C"))
    classes[v <= 0] = "C"

    def point(i: int) -> tuple[float, float]:
        return (float(grid[i]), float(yld[i]))

    return ABCResult(
        classes,
        limit_ab,
        limit_bc,
        "computed",
        pareto_point=point(i_pareto),
        break_even_point=point(i_break_even),
        submarginal_point=point(i_sub),
    )


def _abc_curve(sorted_v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps 1–3: the interpolated ABC curve and its slope (R ABCanalysis 1.2.1 ``ABCcurve``).

    ``sorted_v`` is sorted descending with a positive total. Returns the grid ``x``, the
    interpolated cumulative share ``y`` on it, and the slope array (entry k belongs to grid
    point k, although R evaluates it at (k+1)/m; see step 3).
    """
    n = sorted_v.size
    # Step 1.
    y = np.cumsum(sorted_v)
    y = y / y[-1]
    x = np.arange(1, n + 1) / n
    if y[0] > 0:
        x = np.concatenate(([0.0], x))
        y = np.concatenate(([0.0], y))
    # Step 2. R: seq(0, 1, by = step) is 0 + (0:k) * step, capped at 1.
    step, m = (0.01, 101) if n < 101 else (0.001, 1001)
    grid = np.minimum(np.arange(m) * step, 1.0)
    yld = fmm_eval(x, y, fmm_coefficients(x, y), grid)
    reached = np.flatnonzero(yld >= 1.0)
    if reached.size and reached[0] < m - 1:
        yld[reached[0] :] = 1.0
    # Step 3. R: splinefun(Effort, Yield)(1:n/n, deriv = 1), n = length(Effort).
    at = np.arange(1, m + 1) / m
    slope = fmm_eval(grid, yld, fmm_coefficients(grid, yld), at, deriv=1)
    return grid, yld, slope
