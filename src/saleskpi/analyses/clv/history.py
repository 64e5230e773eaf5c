"""Historical value (``clv-history``): what each customer has been worth, year by year.

Per customer and calendar year: purchases, margin, purchase days and the margin compounded to
today's money, ``margin * (1 + d)^k`` for the year k years before the as-of year, and a total
row with the weighted profit ``sum_k w_k * margin_k * (1 + d)^k`` over the full years (Kumar &
Reinartz, *Customer Relationship Management*, 2nd ed. 2012, "past customer value"). All money
is computed in exact decimals, so that every engine gives the same cents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import ibis
import numpy as np

from saleskpi.analyses.clv.days import customer_days, history_start
from saleskpi.analyses.periods import Window, coverage
from saleskpi.analyses.shared import note_of
from saleskpi.config import ClvSection as _CLV
from saleskpi.errors import UsageError

__all__ = ["CENT_PLACES", "DEFAULT_HISTORY_WEIGHTS", "NOTE_NO_MARGIN", "history", "history_gap", "history_weights",
           "weights_covered", "year_coverage"]

#: Default weights of the full years in the weighted profit, the most recent year first.
DEFAULT_HISTORY_WEIGHTS: tuple[float, ...] = tuple(_CLV.model_fields["history_weights"].examples[0])

#: Default full years shown and yearly compounding rate: ``[clv] history_years`` and
#: ``history_rate`` of the settings model (written once there), which the analysis passes.
DEFAULT_HISTORY_YEARS = _CLV.model_fields["history_years"].default
DEFAULT_HISTORY_RATE = _CLV.model_fields["history_rate"].default

#: Money results are given to the cent (the decimal places of the contract's money columns).
CENT_PLACES = 2
#: Decimal places of the compounding factors and weights: enough that 1.08^5 = 1.4693280768
#: is exact, and a weight of 0.35 / 0.8 = 0.4375 too.
FACTOR_PLACES = 10

#: Money in ``clv-history``: exact decimals, so that sums and half-cent roundings are the same on
#: every engine (a double sum of cents x weights lands a hair either side of a half cent).
MONEY = f"decimal(18, {CENT_PLACES})"
#: Scale of the compounding factors and weights as decimals (1.08^5 = 1.4693280768 exactly).
FACTOR = f"decimal(18, {FACTOR_PLACES})"
#: Money multiplied by a factor or weight: a margin of a million or more times a factor of 10
#: places needs more than 18 digits (DuckDB multiplies two 18-digit decimals in 18 digits and
#: raises "Overflow in multiplication of DECIMAL(18)"); exact either way.
WIDE = f"decimal(38, {FACTOR_PLACES})"
#: Below this size a product of money (18 digits, 2 places) and a factor (10 places) fits 18
#: digits with 12 places: DuckDB then multiplies and rounds it in 64-bit integers, a hundred
#: times faster than rounding a 38-digit product (0.9 s per 1.5 million rows).
NARROW_PRODUCT = Decimal(999_999)

#: The columns of ``clv-history`` after the customer's territory and rep, in order.
COLUMNS = ["customer_id", "year", "period", "purchases_value", "margin_value", "purchase_days",
           "discount_factor", "margin_discounted", "weight", "weighted_profit", "rank_by_weighted_profit",
           "history_coverage", "note"]

#: ``note`` of a year whose margin is not known (a line without a cost or margin).
NOTE_NO_MARGIN = ("margin empty: a line has no cost or margin; import the sales with cost or margin, "
                  "or set [clv] margin_basis = \"assumed\" (the products' margin_rate, else an assumed margin rate) or \"revenue\"")


def history_weights(years: int, weights: Sequence[float] | None = None) -> np.ndarray:
    """Weights of the full years, the most recent first, normalised to sum 1.

    ``weights`` default to :data:`DEFAULT_HISTORY_WEIGHTS`, cut to ``years`` (or padded with
    the last weight when more years are asked) before the normalisation.
    """
    if years < 1:
        raise UsageError(f"The 'years' argument of history_weights must be an int >= 1. Got {years!r} instead.")
    if weights is None:
        base = list(DEFAULT_HISTORY_WEIGHTS[:years])
        base += [DEFAULT_HISTORY_WEIGHTS[-1]] * (years - len(base))
    else:
        base = [float(w) for w in weights]
        if len(base) != years:
            raise UsageError(f"history_weights: {len(base)} weight(s) given for {years} year(s); give one "
                             "weight per full year, the most recent first.")
    w = np.asarray(base, dtype=float)
    if np.any(w < 0) or not w.sum() > 0:
        raise UsageError(f"history_weights: the weights must be >= 0 and not all 0. Got {base} instead.")
    return w / w.sum()


def _decimal(value: float | Decimal, places: int = FACTOR_PLACES) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _times(money: ibis.Value, factor: ibis.Value, largest: Decimal) -> ibis.Value:
    """``money x factor`` rounded to the cent (half away from zero), exactly: in 18 digits where
    ``|money| x largest`` (``largest``: the greatest value ``factor`` takes) stays below
    :data:`NARROW_PRODUCT`, else in 38 (:data:`WIDE`). Both give the same cents."""
    narrow = (money * factor).round(CENT_PLACES).cast(MONEY)
    wide = (money.cast(WIDE) * factor).round(CENT_PLACES).cast(MONEY)
    limit = (NARROW_PRODUCT / max(largest, Decimal(1))).to_integral_value(rounding=ROUND_FLOOR)
    return ibis.ifelse(money.abs() < ibis.literal(limit, MONEY), narrow, wide)


def _year_rows(days: ibis.Table, as_of: dt.date, weights: np.ndarray,
               factors: dict[int, Decimal]) -> ibis.Table:
    """Per customer and year of ``days`` (already cut to the window): the sums, ``period``,
    ``discount_factor`` (1 + d)^k, ``margin_discounted`` = margin x factor to the cent and the
    year's weight as a decimal (``weight_``; 0 for the year to date and older years)."""
    days = days.select("customer_id", "date", value=days.value, margin=days.margin,
                       unknown=days.margin_lines < days.lines, year=days.date.year().cast("int64"))
    per_year = days.group_by(["customer_id", "year"]).aggregate(
        purchases_value=days.value.sum().cast(MONEY),
        # a year with a line that lacks its margin has no margin: empty, not 0 or a part
        margin_value=ibis.ifelse(days.unknown.any(), ibis.null(MONEY), days.margin.sum().fill_null(0).cast(MONEY)),
        purchase_days=days.date.count(where=days.value > 0),
    )
    age = ibis.literal(as_of.year, "int64") - per_year.year
    zero = ibis.literal(Decimal(0), FACTOR)
    weight = ibis.cases(*[(age == k + 1, ibis.literal(_decimal(wk), FACTOR)) for k, wk in enumerate(weights)],
                        else_=zero)
    factor = ibis.cases(*[(age == k, ibis.literal(f, FACTOR)) for k, f in factors.items()],
                        else_=ibis.null(FACTOR))
    return per_year.mutate(
        period=ibis.ifelse(age == 0, per_year.year.cast("string") + " YTD", per_year.year.cast("string")),
        discount_factor=factor.cast("float64"),
        margin_discounted=_times(per_year.margin_value, factor, max(factors.values())),
        weight_=weight,
    )


def _weighted(per_year: ibis.Table) -> ibis.Value:
    """Kumar & Reinartz (2012), past customer value: w_k margin_k (1 + d)^k, in exact decimals:
    38 digits, and the 12 places of the product (2 + 10; DuckDB keeps them, and rounds a sum
    of them to the cent far faster than one of 20 places)."""
    return per_year.margin_discounted.cast(f"decimal(38, {CENT_PLACES})") * per_year.weight_.cast(WIDE)


def _to_cent(exact: ibis.Value) -> ibis.Value:
    """A sum of :func:`_weighted` (12 places) rounded to the cent, half away from zero: in 18
    digits where it fits them (64-bit integers on DuckDB; see :data:`NARROW_PRODUCT`), else in 38."""
    narrow = exact.cast(f"decimal(18, {CENT_PLACES + FACTOR_PLACES})").round(CENT_PLACES).cast(MONEY)
    return ibis.ifelse(exact.abs() < ibis.literal(NARROW_PRODUCT, MONEY), narrow,
                       exact.round(CENT_PLACES).cast(MONEY))


def _total_rows(per_year: ibis.Table) -> ibis.Table:
    """One row per customer (``year`` NULL, ``period`` 'total'): the years added up, the weighted
    profit sum_k w_k margin_k (1 + d)^k to the cent and the customer's rank by it."""
    unknown = per_year.margin_value.isnull().any()
    total = per_year.group_by("customer_id").aggregate(
        purchases_value=per_year.purchases_value.sum().cast(MONEY),
        margin_value=ibis.ifelse(unknown, ibis.null(MONEY), per_year.margin_value.sum().cast(MONEY)),
        purchase_days=per_year.purchase_days.sum(),
        margin_discounted=ibis.ifelse(unknown, ibis.null(MONEY), per_year.margin_discounted.sum().cast(MONEY)),
        weighted_profit=ibis.ifelse(unknown, ibis.null(MONEY), _to_cent(_weighted(per_year).sum())),
    )
    # ranked among the customers with a weighted profit only (those without one first sorted last)
    order = ibis.row_number().over(order_by=[total.weighted_profit.isnull(), total.weighted_profit.desc(),
                                             total.customer_id])
    return total.mutate(
        rank_by_weighted_profit=ibis.ifelse(total.weighted_profit.isnull(), ibis.null("int64"),
                                            (order + 1).cast("int64")),
        year=ibis.null("int64"), period=ibis.literal("total"), discount_factor=ibis.null("float64"),
        weight=ibis.null("float64"))


def year_coverage(as_of: dt.date, years: int, first_day: dt.date | None) -> dict[int, float]:
    """Per calendar year of the history (``as_of.year - years`` .. ``as_of.year``): the share of
    its days, to the as-of date in the year to date, that the data (from ``first_day``) cover."""
    return {y: coverage(Window(dt.date(y, 1, 1), min(dt.date(y, 12, 31), as_of)), first_day)
            for y in range(as_of.year - years, as_of.year + 1)}


def weights_covered(as_of: dt.date, weights: np.ndarray, first_day: dt.date | None) -> float:
    """The weights of the full years (most recent first) times their coverage, summed: 1 when the
    data hold every weighted year whole."""
    cover = year_coverage(as_of, len(weights), first_day)
    return float(sum(wk * cover[as_of.year - 1 - k] for k, wk in enumerate(weights)))


def history_gap(as_of: dt.date, weights: np.ndarray, first_day: dt.date | None) -> str | None:
    """What the weighted profit lacks when the data do not hold its full years whole; None if
    they do."""
    covered = weights_covered(as_of, weights, first_day)
    if covered >= 1.0:
        return None
    first, last = as_of.year - len(weights), as_of.year - 1
    since = "there are no sales" if first_day is None else f"the sales begin on {first_day}"
    return (f"the weighted profit weighs the full years {first} to {last}, but {since}: the data cover "
            f"{covered:.0%} of the weights, and a year they do not hold counts as nothing bought; import the "
            f"sales from {first}-01-01, or set [clv] history_years (and history_weights) to the years you have")


def _with_coverage(per_year: ibis.Table, total: ibis.Table, as_of: dt.date, weights: np.ndarray,
                   first_day: dt.date | None) -> tuple[ibis.Table, ibis.Table]:
    """``history_coverage`` and ``note`` on the year and total rows."""
    cover = year_coverage(as_of, len(weights), first_day)
    year_cover = ibis.cases(*[(per_year.year == y, ibis.literal(c, "float64")) for y, c in cover.items()],
                            else_=ibis.literal(1.0, "float64"))
    since = "" if first_day is None else f" (the data begin on {first_day})"
    per_year = per_year.mutate(history_coverage=year_cover, note=note_of([
        (year_cover < 1.0, f"the data do not hold the whole year{since}"),
        (per_year.margin_value.isnull(), NOTE_NO_MARGIN)]))
    gap = history_gap(as_of, weights, first_day)
    total = total.mutate(history_coverage=ibis.literal(weights_covered(as_of, weights, first_day), "float64"),
                         note=note_of([(ibis.literal(gap is not None), gap or ""),
                                       (total.margin_value.isnull(), NOTE_NO_MARGIN)]))
    return per_year, total


def history(sales: ibis.Table, customers: ibis.Table, as_of: dt.date, *, years: int = DEFAULT_HISTORY_YEARS,
            yearly_rate: float = DEFAULT_HISTORY_RATE, weights: Sequence[float] | None = None,
            days: ibis.Table | None = None) -> ibis.Table:
    """The ``clv-history`` rows: customer x year, and one total row per customer.

    Parameters
    ----------
    sales, customers
        The workspace's invoice lines and customers (for territory and rep).
    as_of
        Today: the years are ``as_of.year - years`` .. ``as_of.year - 1`` (full) and
        ``as_of.year`` to the as-of date (year to date).
    years, yearly_rate, weights
        Full years shown; the yearly rate d that compounds a past year's margin to today's
        money, ``(1 + d)^(as_of.year - year)``; the weights of the full years, most recent
        first (:func:`history_weights`).
    days
        The workspace's customer x day table of these sales; without it the same is grouped
        from the lines (:func:`saleskpi.analyses.clv.days.customer_days`).

    Returns
    -------
    ibis.Table
        ``customer_id, territory_id, rep_id, year, period, purchases_value, margin_value,
        purchase_days, discount_factor, margin_discounted, weight, weighted_profit, rank``.
        Year rows exist where the customer has lines in that year; the total row
        (``year`` NULL, ``period`` 'total') exists for every customer with a line in the
        window. ``rank`` 1 = the highest weighted profit (ties by customer id).

    The money columns are ``decimal(18, 2)`` computed in decimals: the factor (1 + d)^k and the
    weights as decimals of 10 places, each year's ``margin_discounted`` = margin x factor
    rounded to the cent, and ``weighted_profit`` = the exact sum of ``margin_discounted x
    weight`` rounded to the cent, half away from zero, on every engine.
    """
    w = history_weights(years, weights)
    first_year = as_of.year - years
    rate = Decimal(str(float(yearly_rate)))
    factors = {k: _decimal((1 + rate) ** k) for k in range(years + 1)}
    d = customer_days(sales, days)
    first_day = history_start(d)
    # a day's value and margin are exact decimal sums of its lines (margin NULL: no line has one)
    d = d.filter((d.date >= dt.date(first_year, 1, 1)) & (d.date <= as_of))
    per_year = _year_rows(d, as_of, w, factors)
    total = _total_rows(per_year)
    # w_k margin_k (1 + d)^k of the year, to the cent (= _weighted rounded; the weights are <= 1)
    per_year = per_year.mutate(weight=per_year.weight_.cast("float64"),
                               weighted_profit=_times(per_year.margin_discounted, per_year.weight_, Decimal(1)),
                               rank_by_weighted_profit=ibis.null("int64"))
    per_year, total = _with_coverage(per_year, total, as_of, w, first_day)
    rows = ibis.union(per_year.select(COLUMNS), total.select(COLUMNS))
    info = customers.select(info_id=customers.customer_id, territory_id=customers.territory_id,
                            rep_id=customers.rep_id)
    rows = rows.left_join(info, rows.customer_id == info.info_id).drop("info_id")
    return rows.select("customer_id", "territory_id", "rep_id", *COLUMNS[1:]).order_by(
        [rows.customer_id, rows.year.isnull(), rows.year])
