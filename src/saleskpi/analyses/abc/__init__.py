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

import ibis
import numpy as np
import pandas as pd
from scipy.linalg import solve_banded

from saleskpi.analyses import Analysis, Context, frame_table
from saleskpi.analyses.abc.results import RESULTS
from saleskpi.errors import UsageError

__all__ = ["ABCResult", "classify", "ANALYSIS"]

Method = Literal["pareto", "computed"]

#: A cumulative share within this distance below a cut-off counts as having reached it, so
#: that float rounding of a sum of money values (0.7 + 0.1 = 0.7999999999999999) does not move
#: a customer across a boundary that the decimal numbers put him exactly on.
_SHARE_TOLERANCE = 1e-9

#: The computed method needs a curve, and the reference port (PyPI abc-analysis) refuses fewer.
_MIN_VALUES_COMPUTED = 3


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
    if method == "computed" and n < _MIN_VALUES_COMPUTED:
        raise UsageError(
            f"The 'values' parameter of classify must hold at least {_MIN_VALUES_COMPUTED} "
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
    yld = _fmm_eval(x, y, _fmm_coefficients(x, y), grid)
    reached = np.flatnonzero(yld >= 1.0)
    if reached.size and reached[0] < m - 1:
        yld[reached[0] :] = 1.0
    # Step 3. R: splinefun(Effort, Yield)(1:n/n, deriv = 1), n = length(Effort).
    at = np.arange(1, m + 1) / m
    slope = _fmm_eval(grid, yld, _fmm_coefficients(grid, yld), at, deriv=1)
    return grid, yld, slope


def _fmm_coefficients(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cubic-spline coefficients with Forsythe–Malcolm–Moler end conditions (R ``fmm``).

    Forsythe, Malcolm & Moler (1977), *Computer Methods for Mathematical Computations*,
    §4.4, routine SPLINE, as in R's ``stats/src/splines.c`` (``fmm_spline``). On interval i,
    S(t) = y_i + b_i·dt + c_i·dt² + d_i·dt³ with dt = t − x_i. With h_i = x_{i+1} − x_i,
    Δ_i = (y_{i+1} − y_i)/h_i and σ_i = S''(x_i)/6 the system is

    * interior (i = 1..N−2): h_{i−1}σ_{i−1} + 2(h_{i−1} + h_i)σ_i + h_iσ_{i+1} = Δ_i − Δ_{i−1};
    * ends: the spline's third derivative on the first (last) interval equals that of the
      cubic through the first (last) four points, 6·f[x_0..x_3] (6·f[x_{N−4}..x_{N−1}]):
      −h_0σ_0 + h_0σ_1 = h_0²·f[x_0..x_3] and h_{N−2}σ_{N−2} − h_{N−2}σ_{N−1} =
      −h_{N−2}²·f[x_{N−4}..x_{N−1}]; with only 3 points the right sides are 0 (the
      parabola through them); with 2 points the spline is the line.

    (scipy's ``CubicSpline`` default, not-a-knot, is a different end condition.)
    """
    h = np.diff(x)
    delta = np.diff(y) / h
    n_pts = x.size
    if n_pts == 2:
        return delta.copy(), np.zeros(1), np.zeros(1)
    rhs = np.empty(n_pts)
    rhs[1:-1] = np.diff(delta)
    rhs[0] = rhs[-1] = 0.0
    if n_pts > 3:
        dd2 = np.diff(delta) / (x[2:] - x[:-2])  # second divided differences
        first = (dd2[1] - dd2[0]) / (x[3] - x[0])
        last = (dd2[-1] - dd2[-2]) / (x[-1] - x[-4])
        rhs[0] = h[0] ** 2 * first
        rhs[-1] = -(h[-1] ** 2) * last
    bands = np.zeros((3, n_pts))
    bands[0, 1:] = h  # super-diagonal
    bands[1, 0], bands[1, -1] = -h[0], -h[-1]
    bands[1, 1:-1] = 2.0 * (h[:-1] + h[1:])
    bands[2, :-1] = h  # sub-diagonal
    sigma = solve_banded((1, 1), bands, rhs)
    b = delta - h * (sigma[1:] + 2.0 * sigma[:-1])
    c = 3.0 * sigma[:-1]
    d = np.diff(sigma) / h
    return b, c, d


def _fmm_eval(
    x: np.ndarray,
    y: np.ndarray,
    coef: tuple[np.ndarray, np.ndarray, np.ndarray],
    t: np.ndarray,
    *,
    deriv: int = 0,
) -> np.ndarray:
    """The spline (``deriv=0``) or its first derivative (``deriv=1``) at ``t`` in [x_0, x_-1].

    A point on a knot is evaluated on the interval to its left, as R's ``spline_eval`` does
    for increasing points.
    """
    b, c, d = coef
    i = np.clip(np.searchsorted(x, t, side="left") - 1, 0, b.size - 1)
    dt = t - x[i]
    if deriv == 0:
        return y[i] + dt * (b[i] + dt * (c[i] + dt * d[i]))
    return b[i] + dt * (2.0 * c[i] + dt * 3.0 * d[i])


# --- the abc analysis (course topic 2): customers by purchases, potential and share -----------

CRITERIA = ("value", "volume", "potential", "share", "share_volume")

ABC_TYPES = {
    "customer_id": "string", "territory_id": "string", "rep_id": "string", "turnover_value_12m": "float64",
    "turnover_volume_12m": "float64", "potential_value": "float64", "share_of_wallet_by_value": "float64",
    "share_of_wallet_by_volume": "float64", **{f"class_by_{c}": "string" for c in CRITERIA},
    "cell": "string", "action": "string", "volume_value_mismatch": "boolean", "mismatch_signal": "string",
    "currency": "string",
}
LIMIT_TYPES = {"criterion": "string", "classification_method": "string", "limit_ab": "float64", "limit_bc": "float64",
               "customers_a": "int64", "customers_b": "int64", "customers_c": "int64"}
MIGRATION_TYPES = {"criterion": "string", "from_class": "string", "to_class": "string", "customers": "int64",
                   "previous_run": "int64"}

#: The built-in recommended action per (potential class, share class); the purchases class
#: does not change the advice by default. Override any of the 27 cells in [abc.actions].
DEFAULT_ACTIONS = {
    ("A", "A"): "defend: key-account plan, retain",
    ("A", "B"): "grow share: widen the assortment and target products",
    ("A", "C"): "grow share: priority",
    ("B", "A"): "retain: service and loyalty",
    ("B", "B"): "develop: widen the assortment",
    ("B", "C"): "grow share selectively",
    ("C", "A"): "serve efficiently",
    ("C", "B"): "maintain at low cost",
    ("C", "C"): "serve at the lowest cost (phone, online)",
}


def action_table(overrides: dict[str, str]) -> dict[str, str]:
    """All 27 cells ("CAC" = purchases C, potential A, share C) with their action."""
    table = {v + p + s: DEFAULT_ACTIONS[(p, s)] for v in "ABC" for p in "ABC" for s in "ABC"}
    table.update(overrides)
    return table


def classify_shares(shares: np.ndarray, thresholds: tuple[float, float]) -> np.ndarray:
    """Share-of-wallet classes by thresholds: A from ``thresholds[1]``, B from
    ``thresholds[0]``, C below; a missing share gets no class ('')."""
    low, high = thresholds
    out = np.where(shares >= high, "A", np.where(shares >= low, "B", "C")).astype("<U1")
    out[np.isnan(shares)] = ""
    return out


def classes_by_criterion(frame: pd.DataFrame, settings) -> pd.DataFrame:
    """One class column per criterion, plus the limits used, on the per-customer summary."""
    ids = frame.customer_id.to_numpy()
    out = pd.DataFrame(index=frame.index)
    limits = {}
    if frame.empty:  # no customers yet: nothing to classify
        for criterion in CRITERIA:
            out[f"class_by_{criterion}"] = pd.Series(dtype=str)
            limits[criterion] = (np.nan, np.nan)
        return out, limits
    for criterion, column in (("value", "turnover_value_12m"), ("volume", "turnover_volume_12m"),
                              ("potential", "potential_value")):
        r = classify(frame[column].to_numpy(dtype=float), method=settings.method, cutoffs=settings.cutoffs, ids=ids)
        out[f"class_by_{criterion}"] = r.classes
        limits[criterion] = (r.limit_ab, r.limit_bc)
    for criterion, column in (("share", "share_of_wallet_by_value"), ("share_volume", "share_of_wallet_by_volume")):
        shares = frame[column].to_numpy(dtype=float)
        if settings.share_method == "thresholds":
            out[f"class_by_{criterion}"] = classify_shares(shares, settings.share_thresholds)
            limits[criterion] = (settings.share_thresholds[1], settings.share_thresholds[0])
        else:
            known = ~np.isnan(shares)
            classes = np.full(len(shares), "", dtype="<U1")
            if known.sum() >= _MIN_VALUES_COMPUTED:
                r = classify(shares[known], method=settings.share_method, cutoffs=settings.cutoffs, ids=ids[known])
                classes[known] = r.classes
                limits[criterion] = (r.limit_ab, r.limit_bc)
            out[f"class_by_{criterion}"] = classes
    return out, limits


def mismatch_signal(by_value: np.ndarray, by_volume: np.ndarray) -> np.ndarray:
    """Where the value class differs from the volume class: a price or mix signal."""
    return np.where(by_value < by_volume, "value above volume: high prices or a rich mix",
                    np.where(by_value > by_volume, "value below volume: low prices or a poor mix", ""))


def customer_classes(ctx: Context) -> tuple[pd.DataFrame, dict]:
    w = ctx.result("wallet")
    w = w.filter(w.business_line.isnull()).select(
        "customer_id", "territory_id", "rep_id", "turnover_value_12m", "turnover_volume_12m", "potential_value",
        "share_of_wallet_by_value", "share_of_wallet_by_volume").order_by("customer_id")
    frame = w.to_pyarrow().to_pandas()
    for col in ("turnover_value_12m", "turnover_volume_12m", "potential_value", "share_of_wallet_by_value",
                "share_of_wallet_by_volume"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    settings = ctx.settings.abc
    classes, limits = classes_by_criterion(frame, settings)
    frame = frame.join(classes)
    actions = action_table(settings.actions)
    cell = frame.class_by_value + frame.class_by_potential + frame.class_by_share
    frame["cell"] = cell.where(frame.class_by_share != "", None)
    frame["action"] = frame.cell.map(actions)
    frame["volume_value_mismatch"] = frame.class_by_value != frame.class_by_volume
    frame["mismatch_signal"] = mismatch_signal(frame.class_by_value.to_numpy(), frame.class_by_volume.to_numpy())
    return frame, limits


def matrix(abc: ibis.Table, actions: dict[str, str]) -> ibis.Table:
    """All 27 cells with their customers, purchases, potential, the gap and the action."""
    cells = ibis.memtable(pd.DataFrame(
        [(v, p, s, v + p + s, actions[v + p + s]) for v in "ABC" for p in "ABC" for s in "ABC"],
        columns=["class_by_value", "class_by_potential", "class_by_share", "cell_key", "action"]))
    agg = abc.filter(abc.cell.notnull()).group_by("cell").aggregate(
        customers=abc.customer_id.count(), turnover_value_12m=abc.turnover_value_12m.sum(),
        potential_value=abc.potential_value.sum())
    out = cells.left_join(agg, cells.cell_key == agg.cell).drop("cell").rename(cell="cell_key")
    out = out.mutate(customers=out.customers.fill_null(0), turnover_value_12m=out.turnover_value_12m.fill_null(0),
                     potential_value=out.potential_value.fill_null(0))
    return out.mutate(gap_value=out.potential_value - out.turnover_value_12m).order_by("cell")


def migration(ctx: Context, current: pd.DataFrame) -> pd.DataFrame:
    """Class changes since the previous run that stored ``abc``: one row per criterion x
    from-class x to-class ('new' for customers not classified before — all of them on the
    first run —, 'gone' for the reverse, 'none' for a customer without a share class)."""
    cols = ["customer_id"] + [f"class_by_{c}" for c in ("value", "potential", "share")]
    previous, last = pd.DataFrame(columns=cols), None
    # the newest earlier run that finished (a run killed half-way is no baseline)
    stored = ctx.previous_result("abc")
    if stored is not None:
        frame = stored.select("run_id", *cols).to_pyarrow().to_pandas()
        if len(frame):
            last = int(frame.run_id.iloc[0])
            previous = frame[cols]
    both = current[cols].merge(previous, how="outer", on="customer_id", suffixes=("", "_before"))
    rows = []
    for criterion in ("value", "potential", "share"):
        now = both[f"class_by_{criterion}"].fillna("gone").replace("", "none")
        then = both[f"class_by_{criterion}_before"].fillna("new").replace("", "none")
        counts = pd.DataFrame({"from_class": then, "to_class": now}).value_counts().reset_index(name="customers")
        counts.insert(0, "criterion", criterion)
        rows.append(counts)
    out = pd.concat(rows, ignore_index=True).sort_values(["criterion", "from_class", "to_class"])
    out["previous_run"] = last
    return out.reset_index(drop=True)


def class_a(abc: ibis.Table, sales: ibis.Table) -> ibis.Table:
    """One row per class-A customer (by purchase value) with its sales, potential, share,
    classes and action: the key-account manager's list."""
    a = abc.filter(abc.class_by_value == "A")
    s = sales.filter((sales.level == "customer") & sales.business_line.isnull())
    s = s.select(
        sales_customer_id=s.customer_id, team_id=s.team_id, turnover_value_period=s.turnover_value_period,
        turnover_value_ly=s.turnover_value_ly, growth_value_vs_ly=s.growth_value_vs_ly,
        turnover_volume_period=s.turnover_volume_period, target_value=s.target_value,
        attainment_by_value=s.attainment_by_value, target_products_value=s.target_products_value,
        target_products_share=s.target_products_share, products_bought=s.products_bought,
        categories_bought=s.categories_bought, assortment_breadth=s.assortment_breadth, margin=s.margin,
        period=s.period)
    j = a.left_join(s, a.customer_id == s.sales_customer_id).drop("sales_customer_id")
    return j.order_by([j.turnover_value_12m.desc(), j.customer_id])


def run(ctx: Context) -> dict[str, ibis.Table]:
    frame, limits = customer_classes(ctx)
    currency = ctx.settings.workspace.currency
    abc = frame_table(frame.assign(currency=currency), ABC_TYPES)
    limit_rows = pd.DataFrame([(c, float(ab), float(bc)) for c, (ab, bc) in limits.items()],
                              columns=["criterion", "limit_ab", "limit_bc"])
    for letter in "ABC":
        limit_rows[f"customers_{letter.lower()}"] = [
            int((frame[f"class_by_{c}"] == letter).sum()) for c in limit_rows.criterion]
    limit_rows["classification_method"] = [ctx.settings.abc.share_method if c.startswith("share") else ctx.settings.abc.method
                            for c in limit_rows.criterion]
    return {
        "abc": abc,
        "abc-limits": frame_table(limit_rows, LIMIT_TYPES),
        "abc-matrix": matrix(abc, action_table(ctx.settings.abc.actions)).mutate(currency=ibis.literal(currency)),
        "abc-migration": frame_table(migration(ctx, frame), MIGRATION_TYPES),
        "class-a": class_a(abc, ctx.result("sales")),
    }


ANALYSIS = Analysis(name="abc", title="ABC analysis", results=RESULTS, run=run, depends_on=("sales", "wallet"))
