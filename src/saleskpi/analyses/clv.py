"""Customer lifetime value (course topic 4): what each customer has been worth, and will be.

Results (docs/clv.md tells how to read them):

``clv-history``
    Historical value. Per customer and calendar year over the last ``[clv] history_years`` full
    years and the year to date: purchases (net value), margin (net value - cost), purchase days,
    and the margin compounded to today's money at the yearly rate ``history_rate``:
    ``margin * (1 + d)^k`` for the year k years before the as-of year (Kumar & Reinartz,
    *Customer Relationship Management*, 2nd ed. 2012, "past customer value"). One more row per
    customer (``year`` NULL, ``period`` 'total') adds them up, with the weighted profit
    ``sum_k w_k * margin_k * (1 + d)^k`` over the full years (weights, most recent year first,
    normalised to sum 1: a weighted average year's profit) and the customer's ``rank`` by it.

``clv``
    Predicted value per customer. Repeat purchases by BG/NBD (Fader, Hardie & Lee 2005,
    Marketing Science 24(2)) or Pareto/NBD (Schmittlein, Morrison & Colombo 1987) on the
    summary of purchase days (:func:`saleskpi.analyses.clv_summary.rfm_summary`, weeks);
    margin per purchase by Gamma-Gamma (Fader, Hardie & Lee 2005, J. Marketing Research
    42(4)) fitted on the MARGIN of the repeat purchase days. P(alive), expected purchases and
    the discounted expected margin over 12 and 36 months (:func:`discounted_purchases`), the
    future opportunity if share of wallet reached its target (:func:`opportunity`) and an
    allowable offer budget (:func:`offer_budget`). The purchase model needs dates only: without
    cost or margin the margin columns are NULL and ``note`` says why (:func:`fit_all`).

``clv-validation``
    The same models calibrated on the history before the last ``holdout_weeks`` weeks and
    asked to predict those weeks: by decile of predicted purchases, customers and the mean
    predicted and actual purchases and margin (a total row has ``decile`` NULL).

``clv-params``
    The fitted parameters of both fits (the main one and the calibration one), with standard
    errors, the number of customers and the log-likelihood; a model that could not be fitted
    has one row with the reason in ``note`` (the compute goes on).

``clv-wallet``
    This run's share of wallet beside CLV: by share band, customers, mean P(alive) and CLV,
    and the Pearson and Spearman correlations of share and ``clv_12m`` (:func:`wallet_link`).

A purchase day is a customer's invoice day whose lines add up to a positive net value (a day
with only returns or credit notes is no purchase; its value and margin count in the
historical value only). Only the per-customer summary is pulled into memory for the fits.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import ibis
import numpy as np
import pandas as pd
from scipy.stats import rankdata

from saleskpi.analyses import Analysis, Context, frame_table
from saleskpi.analyses.clv_summary import TIME_UNIT_DAYS, rfm_summary
from saleskpi.derived.purchase_days import sales_days
from saleskpi.errors import SaleskpiError, UsageError
from saleskpi.models import BetaGeo, ConvergenceError, GammaGamma, ParetoNBD

__all__ = [
    "ANALYSIS",
    "DEFAULT_HISTORY_WEIGHTS",
    "NOTE_NO_MARGIN",
    "WEEKS_PER_MONTH",
    "Fits",
    "discounted_purchases",
    "fit_all",
    "fit_models",
    "fit_purchase_model",
    "fit_spend_model",
    "history",
    "history_weights",
    "margin_per_purchase",
    "offer_budget",
    "opportunity",
    "predict",
    "purchase_days",
    "validation",
    "wallet_link",
]

#: Default weights of the full years in the weighted profit, the most recent year first.
DEFAULT_HISTORY_WEIGHTS: tuple[float, ...] = (0.35, 0.25, 0.20, 0.12, 0.08)

#: Weeks in an average month (a Julian year of 365.25 days / 12 / 7 days).
WEEKS_PER_MONTH = 365.25 / 12.0 / 7.0

#: Horizons of the predicted value, in months.
HORIZONS = (12, 36)

#: Customers scored at once (P(alive) and the value gather); bounds the memory of a large base.
CHUNK_ROWS = 500_000

#: Iteration limit of the model fits (a module constant so that a test can force a failure).
MAXITER = 2000

#: Fewer customers acquired inside the history than this: the fit takes every customer.
MIN_FIT_CUSTOMERS = 50

#: Below these counts a model is not fitted: the purchase model (P(alive), expected purchases)
#: needs MIN_MODEL_CUSTOMERS customers, Gamma-Gamma (the margin per purchase) MIN_REPEAT_BUYERS
#: repeat buyers with a known, positive margin. The results then say why in their ``note``
#: (the rest of the run goes on).
MIN_MODEL_CUSTOMERS = 20
MIN_REPEAT_BUYERS = 10

MODEL_NAMES = {"bgnbd": "BG/NBD", "pareto": "Pareto/NBD"}

# margin_basis values in the clv result
BASIS_MODEL = "gamma-gamma"
BASIS_POPULATION = "population mean (no repeat purchase)"
BASIS_OWN = "own mean (not positive)"
BASIS_FIRST = "gamma-gamma on the first purchase (no finite population mean)"
BASIS_FIRST_OWN = "first purchase (no finite population mean)"


# --- historical value --------------------------------------------------------------------------


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


#: Money in ``clv-history``: exact decimals, so that sums and half-cent roundings are the same on
#: every engine (a double sum of cents x weights lands a hair either side of a half cent).
MONEY = "decimal(18, 2)"
#: Scale of the compounding factors and weights as decimals (1.08^5 = 1.4693280768 exactly).
FACTOR = "decimal(18, 10)"
#: Money multiplied by a factor or weight: a margin of a million or more times a factor of 10
#: places needs more than 18 digits (DuckDB multiplies two 18-digit decimals in 18 digits and
#: raises "Overflow in multiplication of DECIMAL(18)"); exact either way.
WIDE = "decimal(38, 10)"


def _decimal(value: float | Decimal, places: int = 10) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def history(sales: ibis.Table, customers: ibis.Table, as_of: dt.date, *, years: int = 5,
            yearly_rate: float = 0.08, weights: Sequence[float] | None = None,
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
        The workspace's customer x day table of these sales
        (:meth:`saleskpi.workspace.Workspace.purchase_days`); without it the same is grouped
        from the lines (:func:`saleskpi.analyses.purchase_days.sales_days`).

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
    d = sales_days(sales) if days is None else days
    # a day's value and margin are exact decimal sums of its lines (margin NULL: no line has one)
    d = d.filter((d.date >= dt.date(first_year, 1, 1)) & (d.date <= as_of))
    days = d.select("customer_id", "date", value=d.value, margin=d.margin, year=d.date.year().cast("int64"))
    per_year = days.group_by(["customer_id", "year"]).aggregate(
        purchases_value=days.value.sum().cast(MONEY),
        margin_value=days.margin.sum().fill_null(0).cast(MONEY),
        purchase_days=days.date.count(where=days.value > 0),
    )
    age = ibis.literal(as_of.year, "int64") - per_year.year
    zero = ibis.literal(Decimal(0), FACTOR)
    weight = ibis.cases(*[(age == k + 1, ibis.literal(_decimal(wk), FACTOR)) for k, wk in enumerate(w)],
                        else_=zero)
    factor = ibis.cases(*[(age == k, ibis.literal(f, FACTOR)) for k, f in factors.items()],
                        else_=ibis.null(FACTOR))
    per_year = per_year.mutate(
        period=ibis.ifelse(age == 0, per_year.year.cast("string") + " YTD", per_year.year.cast("string")),
        discount_factor=factor.cast("float64"),
        margin_discounted=(per_year.margin_value.cast(WIDE) * factor).round(2).cast(MONEY),
        weight_=weight,
    )
    # Kumar & Reinartz (2012), past customer value: sum_k w_k margin_k (1 + d)^k, in decimals
    weighted = per_year.margin_discounted.cast(WIDE) * per_year.weight_
    total = per_year.group_by("customer_id").aggregate(
        purchases_value=per_year.purchases_value.sum().cast(MONEY),
        margin_value=per_year.margin_value.sum().cast(MONEY),
        purchase_days=per_year.purchase_days.sum(),
        margin_discounted=per_year.margin_discounted.sum().cast(MONEY),
        weighted_profit=weighted.sum().round(2).cast(MONEY),
    )
    total = total.mutate(
        rank=(ibis.row_number().over(order_by=[total.weighted_profit.desc(), total.customer_id]) + 1).cast("int64"),
        year=ibis.null("int64"), period=ibis.literal("total"), discount_factor=ibis.null("float64"),
        weight=ibis.null("float64"))
    per_year = per_year.mutate(weight=per_year.weight_.cast("float64"),
                               weighted_profit=weighted.round(2).cast(MONEY), rank=ibis.null("int64"))
    columns = ["customer_id", "year", "period", "purchases_value", "margin_value", "purchase_days",
               "discount_factor", "margin_discounted", "weight", "weighted_profit", "rank"]
    rows = ibis.union(per_year.select(columns), total.select(columns))
    info = customers.select(info_id=customers.customer_id, territory_id=customers.territory_id,
                            rep_id=customers.rep_id)
    rows = rows.left_join(info, rows.customer_id == info.info_id).drop("info_id")
    return rows.select("customer_id", "territory_id", "rep_id", *columns[1:]).order_by(
        [rows.customer_id, rows.year.isnull(), rows.year])


# --- the summary the models take -----------------------------------------------------------------


def purchase_days(sales: ibis.Table, as_of: dt.date, *, days: ibis.Table | None = None) -> ibis.Table:
    """One row per customer x purchase day up to ``as_of``: ``value`` (net), ``margin`` and
    ``margin_known``.

    A purchase day is a day whose lines add up to a positive net value; days of returns or
    credit notes only are left out. ``margin_known`` is true where every line of the day has a
    cost or a margin; lines without either add no margin.

    ``days`` is the workspace's customer x day table of these sales
    (:meth:`saleskpi.workspace.Workspace.purchase_days`); without it the same table is grouped
    from the lines (:func:`saleskpi.analyses.purchase_days.sales_days`). Its sums are exact
    decimals: lines that cancel out (a sale and its return on one day) add up to exactly 0,
    which a double sum can leave a hair above 0 (a purchase day too many).
    """
    d = sales_days(sales) if days is None else days
    d = d.filter((d.date <= as_of) & (d.value > 0))
    return d.select("customer_id", "date", value=d.value.cast("float64"),
                    margin=d.margin.cast("float64").fill_null(0.0), margin_known=d.margin_lines == d.lines)


def _summary(days: ibis.Table, as_of: dt.date, calibration_end: dt.date | None = None) -> pd.DataFrame:
    """rfm_summary of the purchase days' margins (weeks), in memory, with ``first_purchase`` (date),
    ``first_margin`` (the margin of the first purchase day) and ``margin_known`` (every purchase
    day of the customer up to the as-of date has its margin)."""
    # one row per customer and day already: no same-day sum (rfm_summary's unique_days)
    summary = rfm_summary(days, customer="customer_id", date="date", value="margin",
                          observation_end=as_of, calibration_end=calibration_end, time_unit="W",
                          unique_days=True)
    first = days.group_by("customer_id").aggregate(
        first_margin=days.margin.argmin(days.date),
        margin_known=days.margin_known.cast("int64").min() == 1)
    summary = summary.left_join(first, summary.customer_id == first.customer_id).drop("customer_id_right")
    frame = summary.to_pyarrow().to_pandas().sort_values("customer_id", ignore_index=True)
    frame["margin_known"] = frame["margin_known"].fillna(False).astype(bool)
    week = TIME_UNIT_DAYS["W"]
    cal = as_of if calibration_end is None else calibration_end
    frame["first_purchase"] = pd.Timestamp(cal) - pd.to_timedelta(np.round(frame["T"] * week), unit="D")
    return frame


def _fit_population(frame: pd.DataFrame, customers: ibis.Table, history_start: dt.date,
                    fit_customers: str) -> np.ndarray:
    """Which customers the purchase model is fitted on (a boolean mask over ``frame``).

    ``acquired_in_history``: customers acquired on or after the first day of the sales history
    (``customers.acquired_on``; where it is not given, the first purchase day stands for it).
    Customers acquired earlier are left-truncated: their first purchase in the data is not
    their first, and their earlier drop-out chances are unseen. With fewer than
    ``MIN_FIT_CUSTOMERS`` such customers, or ``fit_customers = "all"``, every customer.
    """
    everyone = np.ones(len(frame), dtype=bool)
    if fit_customers == "all":
        return everyone
    acq = customers.select("customer_id", "acquired_on").to_pyarrow().to_pandas()
    acquired = frame[["customer_id"]].merge(acq, on="customer_id", how="left")["acquired_on"]
    acquired = pd.to_datetime(acquired).fillna(frame["first_purchase"])
    mask = (acquired >= pd.Timestamp(history_start)).to_numpy()
    return mask if mask.sum() >= MIN_FIT_CUSTOMERS else everyone


# --- the models ----------------------------------------------------------------------------------

#: ``note`` of a customer whose purchase days lack cost or margin (the model fits went well).
NOTE_NO_MARGIN = ("no margin: cost or margin is missing on some or all of this customer's purchase days, so "
                  "margin_per_purchase, clv_12m, clv_36m and offer_budget are empty (P(alive) and the expected "
                  "purchases need dates only); import the sales with cost or margin to get them")


def spend_rows(summary: pd.DataFrame) -> np.ndarray:
    """The customers Gamma-Gamma is fitted on: repeat buyers whose every purchase day has its
    margin and whose mean margin per repeat purchase day is positive."""
    known = summary["margin_known"].to_numpy(dtype=bool) if "margin_known" in summary else True
    return ((summary["frequency"] > 0) & (summary["monetary_value"] > 0)).to_numpy() & known


def _purchase_model(name: str, penalizer: float):
    if name == "bgnbd":
        return BetaGeo(penalizer=penalizer, maxiter=MAXITER)
    if name == "pareto":
        return ParetoNBD(penalizer=penalizer, maxiter=MAXITER)
    raise UsageError(f"clv: unknown purchase model {name!r}; use 'bgnbd' or 'pareto'.")


def fit_purchase_model(summary: pd.DataFrame, *, model: str = "bgnbd", penalizer: float = 0.0,
                       fit_mask: np.ndarray | None = None, what: str = "the clv fit"):
    """The purchase model (BG/NBD or Pareto/NBD) fitted on ``summary[fit_mask]``: frequency,
    recency and T only, no money. A fit that does not converge raises
    :class:`saleskpi.models.ConvergenceError` naming the fit, the data, the optimizer's message
    and the fix."""
    mask = np.ones(len(summary), dtype=bool) if fit_mask is None else fit_mask
    data = summary.loc[mask, ["frequency", "recency", "T"]]
    label = MODEL_NAMES.get(model, model)
    purchases = _purchase_model(model, penalizer)
    try:
        purchases.fit(data)
    except ConvergenceError as exc:
        raise ConvergenceError(
            f"{what}: the {label} purchase model on {len(data):,} customers did not converge "
            f"(optimizer: {exc.optimizer_message!r}). Try [clv] model = "
            f"\"{'pareto' if model == 'bgnbd' else 'bgnbd'}\" or a small [clv] penalizer such as 0.001 "
            "in settings.toml.", optimizer_message=exc.optimizer_message) from None
    return purchases


def fit_spend_model(summary: pd.DataFrame, *, penalizer: float = 0.0, what: str = "the clv fit") -> GammaGamma:
    """Gamma-Gamma fitted on the margins of :func:`spend_rows` (the spend process is not
    truncated by an early acquisition, so every such repeat buyer counts). Raises
    :class:`saleskpi.errors.SaleskpiError` with fewer than two of them and
    :class:`saleskpi.models.ConvergenceError` when the fit does not converge."""
    repeat = summary[spend_rows(summary)]
    if len(repeat) < 2:
        raise SaleskpiError(
            f"{what}: only {len(repeat)} customer(s) have repeat purchases with a known, positive margin; "
            "the Gamma-Gamma margin model needs more. Check that the sales have cost or margin.")
    spend = GammaGamma(penalizer=penalizer, maxiter=MAXITER)
    try:
        spend.fit(repeat[["frequency", "monetary_value"]])
    except ConvergenceError as exc:
        raise ConvergenceError(
            f"{what}: the Gamma-Gamma margin model on {len(repeat):,} repeat buyers did not converge "
            f"(optimizer: {exc.optimizer_message!r}). Try a small [clv] penalizer such as 0.001 in "
            "settings.toml.", optimizer_message=exc.optimizer_message) from None
    return spend


def fit_models(summary: pd.DataFrame, *, model: str = "bgnbd", penalizer: float = 0.0,
               fit_mask: np.ndarray | None = None, what: str = "the clv fit"):
    """Both fits, raising on the first failure: ``(purchase_model, gamma_gamma)``
    (:func:`fit_purchase_model`, :func:`fit_spend_model`)."""
    return (fit_purchase_model(summary, model=model, penalizer=penalizer, fit_mask=fit_mask, what=what),
            fit_spend_model(summary, penalizer=penalizer, what=what))


@dataclass
class Fits:
    """The outcome of the two fits of one calibration: each model, or why there is none."""

    purchases: object | None
    spend: GammaGamma | None
    purchase_note: str | None
    spend_note: str | None
    n_purchase: int
    n_spend: int


def fit_all(summary: pd.DataFrame, fit_mask: np.ndarray, *, model: str = "bgnbd", penalizer: float = 0.0,
            what: str = "the clv fit") -> Fits:
    """Fit what the data allow and say why a fit is missing, instead of failing the run.

    The purchase model needs ``MIN_MODEL_CUSTOMERS`` customers to fit and dates only;
    Gamma-Gamma needs ``MIN_REPEAT_BUYERS`` repeat buyers with a known, positive margin. A fit
    that does not converge leaves its model None and its note the whole
    :class:`~saleskpi.models.ConvergenceError` message (the optimizer's message and the fix).
    """
    n_fit = int(fit_mask.sum())
    purchases = spend = None
    p_note = s_note = None
    if n_fit < MIN_MODEL_CUSTOMERS:
        p_note = (f"{what}: too few customers to fit the purchase model: {n_fit} "
                  f"(at least {MIN_MODEL_CUSTOMERS} needed)")
    else:
        try:
            purchases = fit_purchase_model(summary, model=model, penalizer=penalizer, fit_mask=fit_mask, what=what)
        except ConvergenceError as exc:
            p_note = str(exc)
    n_spend = int(spend_rows(summary).sum())
    if "margin_known" in summary and len(summary) and not summary["margin_known"].any():
        s_note = (f"{what}: no cost or margin in the sales, so no margin model (Gamma-Gamma): the "
                  "margin-based value is not computed")
    elif n_spend < MIN_REPEAT_BUYERS:
        s_note = (f"{what}: too few repeat buyers with a known, positive margin to fit the margin model "
                  f"(Gamma-Gamma): {n_spend} (at least {MIN_REPEAT_BUYERS} needed)")
    else:
        try:
            spend = fit_spend_model(summary, penalizer=penalizer, what=what)
        except ConvergenceError as exc:
            s_note = str(exc)
    return Fits(purchases, spend, p_note, s_note, n_fit, n_spend)


def margin_per_purchase(spend: GammaGamma, frequency: np.ndarray, monetary_value: np.ndarray,
                        first_margin: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Expected margin per future purchase, and its basis, per customer.

    * repeat buyers with a positive mean margin z over their x repeat purchase days: the
      Gamma-Gamma conditional expectation p (gamma + x z) / (p x + q - 1) (FHL 2005 JMR; Fader
      & Hardie 2013, note 025, eq. (5));
    * no repeat purchase: the population mean p gamma / (q - 1). When the fit gives q <= 1
      that mean is infinite (margins per purchase are heavy-tailed across customers, as in a
      B2B base with a few very large customers); the customer's first purchase day is then
      taken as one observation, p (gamma + z_1) / (p + q - 1), where its margin z_1 is
      positive, and z_1 itself otherwise;
    * a non-positive mean margin over the repeat purchases (they sold at or below cost): that
      mean itself, as it stands. Gamma-Gamma cannot describe such amounts, and the population
      mean would credit a loss-making customer with an average profit.
    """
    p, q, g = spend.params_["p"], spend.params_["q"], spend.params_["gamma"]
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    positive = (x > 0) & (m > 0) & (p * x + q - 1.0 > 0)
    own = (x > 0) & ~positive
    new = x == 0
    out = np.empty(len(x))
    basis = np.empty(len(x), dtype=object)
    out[positive] = p * (g + x[positive] * m[positive]) / (p * x[positive] + q - 1.0)
    basis[positive] = BASIS_MODEL
    out[own] = m[own]
    basis[own] = BASIS_OWN
    if q > 1:
        out[new] = spend.mean_spend()
        basis[new] = BASIS_POPULATION
    else:
        z1 = np.zeros(len(x)) if first_margin is None else np.asarray(first_margin, dtype=float)
        shrink = new & (z1 > 0) & (p + q - 1.0 > 0)
        out[shrink] = p * (g + z1[shrink]) / (p + q - 1.0)
        basis[shrink] = BASIS_FIRST
        rest = new & ~shrink
        out[rest] = z1[rest]
        basis[rest] = BASIS_FIRST_OWN
    return out, basis.astype(str)


def discounted_purchases(model, frequency, recency, T, *, months: Sequence[int] = HORIZONS,
                         monthly_rate: float = 0.01,
                         weeks_per_month: float = WEEKS_PER_MONTH) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Expected and discounted expected purchases over each horizon of ``months``.

    The discounted expected transactions of Fader, Hardie & Lee (2005), "RFM and CLV", J.
    Marketing Research 42(4), in the monthly form lifetimes computes
    (``customer_lifetime_value``): with E(t) = E[Y(t) | x, t_x, T] the model's expected repeat
    purchases in the next t weeks and t_m = m * ``weeks_per_month``,

        DET(M) = sum_{m=1..M} (E(t_m) - E(t_{m-1})) / (1 + d)^m,

    so that the discounted expected margin is DET(M) times the margin per purchase. Returns
    ``{M: (E(t_M), DET(M))}`` as arrays over the customers. The time unit of the model is the
    week.

    E factorises as P(alive | x, t_x, T) * g(x, T, t) in the three models (FHL 2005 eq. (10);
    Fader & Hardie 2005 note 009 eq. (41)), so g is computed once per distinct (x, T) pair,
    as E / P(alive) at t_x = T (at t_x = 0 where x = 0), and P(alive) once per customer.
    """
    if not monthly_rate > -1 or not math.isfinite(monthly_rate):
        raise UsageError(f"The 'monthly_rate' argument of discounted_purchases must be a rate > -1. "
                         f"Got {monthly_rate!r} instead.")
    horizons = sorted({int(m) for m in months})
    if not horizons or horizons[0] < 1:
        raise UsageError(f"The 'months' argument of discounted_purchases must be whole months >= 1. "
                         f"Got {list(months)!r} instead.")
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    big_t = np.asarray(T, dtype=float)
    n = len(x)
    # distinct (x, T) pairs
    u_t, i_t = np.unique(big_t, return_inverse=True)
    u_x, i_x = np.unique(x, return_inverse=True)
    u_key, i_pair = np.unique(i_x.astype(np.int64) * len(u_t) + i_t, return_inverse=True)
    px, pt = u_x[u_key // len(u_t)], u_t[u_key % len(u_t)]
    pairs = {"frequency": px, "recency": np.where(px > 0, pt, 0.0), "T": pt}
    alive_pairs = model.p_alive(pairs)
    out_pairs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    previous = np.zeros(len(px))
    det = np.zeros(len(px))
    for m in range(1, horizons[-1] + 1):
        cumulative = model.expected_purchases(pairs, t=m * weeks_per_month) / alive_pairs
        det += (cumulative - previous) / (1.0 + monthly_rate) ** m
        previous = cumulative
        if m in horizons:
            out_pairs[m] = (cumulative.copy(), det.copy())
    result = {m: (np.empty(n), np.empty(n)) for m in horizons}
    for start in range(0, n, CHUNK_ROWS):
        part = slice(start, min(n, start + CHUNK_ROWS))
        alive = model.p_alive({"frequency": x[part], "recency": tx[part], "T": big_t[part]})
        idx = i_pair[part]
        for m in horizons:
            result[m][0][part] = out_pairs[m][0][idx] * alive
            result[m][1][part] = out_pairs[m][1][idx] * alive
    return result


def annuity(months: int, monthly_rate: float) -> float:
    """Present value of 1/12 a month for ``months`` months: sum_{m=1..M} (1/12) / (1 + d)^m.

    A yearly amount spread evenly over the months and discounted as the predicted margin is
    (12 months at d = 0 give 1, 36 give 3)."""
    return float(sum((1.0 / 12.0) / (1.0 + monthly_rate) ** m for m in range(1, months + 1)))


def opportunity(margin_rate, share_of_wallet, potential_value, *, target_share: float = 0.5,
                months: int = 12, monthly_rate: float = 0.01) -> np.ndarray:
    """The margin a customer would add over ``months`` if its share of wallet reached the target.

    opportunity = max(0, margin_rate * (target_share - share_of_wallet) * potential_value) *
    :func:`annuity` (months, monthly_rate), with ``potential_value`` the yearly wallet (the
    ``wallet`` result) and ``margin_rate`` = margin / net value. NaN where the share or the
    potential is unknown. A customer at or above the target has no opportunity (0).
    """
    rate = np.asarray(margin_rate, dtype=float)
    share = np.asarray(share_of_wallet, dtype=float)
    pot = np.asarray(potential_value, dtype=float)
    yearly = rate * (target_share - share) * pot
    with np.errstate(invalid="ignore"):
        yearly = np.where(np.isnan(yearly), np.nan, np.maximum(yearly, 0.0))
    return yearly * annuity(months, monthly_rate)


def offer_budget(clv_12m, *, budget_share: float = 0.10) -> np.ndarray:
    """Allowable offer budget: ``budget_share`` of the 12-month predicted margin, never below 0."""
    return np.maximum(np.asarray(clv_12m, dtype=float), 0.0) * budget_share


# --- prediction and validation -------------------------------------------------------------------


def predict(summary: pd.DataFrame, purchases, spend: GammaGamma | None, *, monthly_rate: float = 0.01,
            months: Sequence[int] = HORIZONS) -> pd.DataFrame:
    """Per customer of ``summary``: p_alive, expected purchases, margin per purchase and the
    discounted expected margin (``clv_<M>m``) for each horizon.

    Without ``spend`` (no margin model) and for customers whose margin is not known
    (``summary.margin_known`` false) the margin columns are NaN and ``margin_basis`` None."""
    x, tx, big_t = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    values = discounted_purchases(purchases, x, tx, big_t, months=months, monthly_rate=monthly_rate)
    if spend is None:
        margin = np.full(len(x), np.nan)
        basis = np.full(len(x), None, dtype=object)
    else:
        margin, basis = margin_per_purchase(spend, x, summary["monetary_value"].to_numpy(dtype=float),
                                            summary["first_margin"].to_numpy(dtype=float))
        basis = basis.astype(object)
        if "margin_known" in summary:
            unknown = ~summary["margin_known"].to_numpy(dtype=bool)
            margin[unknown] = np.nan
            basis[unknown] = None
    out = pd.DataFrame({"customer_id": summary["customer_id"].to_numpy()})
    alive = np.empty(len(x))
    for start in range(0, len(x), CHUNK_ROWS):
        part = slice(start, min(len(x), start + CHUNK_ROWS))
        alive[part] = purchases.p_alive({"frequency": x[part], "recency": tx[part], "T": big_t[part]})
    out["p_alive"] = alive
    for m in sorted(values):
        out[f"expected_purchases_{m}m"] = values[m][0]
    out["margin_per_purchase"] = margin
    out["margin_basis"] = basis
    for m in sorted(values):
        out[f"clv_{m}m"] = values[m][1] * margin
    return out


def _deciles(score: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Decile 1 (lowest) .. 10 (highest) of ``score``, equal counts, ties broken by id."""
    order = np.lexsort((ids, score))
    rank = np.empty(len(score), dtype=np.int64)
    rank[order] = np.arange(len(score))
    return (rank * 10) // max(len(score), 1) + 1


def validation(days: ibis.Table, customers: ibis.Table, as_of: dt.date, *, holdout_weeks: int = 26,
               model: str = "bgnbd", penalizer: float = 0.0, fit_customers: str = "acquired_in_history",
               history_start: dt.date | None = None):
    """Calibrate on the purchase days up to ``as_of - holdout_weeks`` weeks, predict the holdout.

    Returns ``(table, per_customer, fits)``: the ``clv-validation`` frame by decile of
    predicted holdout purchases (1 = lowest, 10 = highest, and a total row with ``decile``
    NULL) over every customer first seen in the calibration period, the per-customer frame
    behind it (``predicted_purchases``, ``actual_purchases``, ``predicted_margin`` = predicted
    purchases x margin per purchase, ``actual_margin``) and the calibration's :class:`Fits`.
    The margin means are over the customers whose margin is known (NaN without a margin
    model). Without a purchase model (too few customers, or no convergence) the table is one
    row (``decile`` NULL) with the customers and the reason in ``note``, and ``per_customer``
    is empty.
    """
    calibration_end = as_of - dt.timedelta(weeks=holdout_weeks)
    what = f"the clv holdout calibration (to {calibration_end})"
    summary = _summary(days, as_of, calibration_end)
    start = history_start or (summary["first_purchase"].min().date() if len(summary) else calibration_end)
    mask = _fit_population(summary, customers, start, fit_customers)
    fits = fit_all(summary, mask, model=model, penalizer=penalizer, what=what)
    if fits.purchases is None:
        table = pd.DataFrame({"decile": [pd.NA], "customers": [len(summary)], "note": [fits.purchase_note]})
        table["calibration_end"] = calibration_end
        table["holdout_weeks"] = holdout_weeks
        return table, pd.DataFrame(), fits
    x, tx, big_t = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    duration = float(summary["duration_holdout"].iloc[0])
    predicted = fits.purchases.expected_purchases({"frequency": x, "recency": tx, "T": big_t}, t=duration)
    known = summary["margin_known"].to_numpy(dtype=bool)
    if fits.spend is None:
        margin = np.full(len(x), np.nan)
    else:
        margin, _ = margin_per_purchase(fits.spend, x, summary["monetary_value"].to_numpy(dtype=float),
                                        summary["first_margin"].to_numpy(dtype=float))
    actual_margin = (summary["frequency_holdout"].to_numpy(dtype=float)
                     * summary["monetary_value_holdout"].to_numpy(dtype=float))
    per = pd.DataFrame({
        "customer_id": summary["customer_id"].to_numpy(),
        "in_fit": mask,
        "predicted_purchases": predicted,
        "actual_purchases": summary["frequency_holdout"].to_numpy(dtype=float),
        "predicted_margin": np.where(known, predicted * margin, np.nan),
        "actual_margin": np.where(known & np.isfinite(margin), actual_margin, np.nan),
    })
    per["decile"] = _deciles(per["predicted_purchases"].to_numpy(), per["customer_id"].astype(str).to_numpy())
    agg = dict(customers=("customer_id", "size"),
               predicted_purchases_mean=("predicted_purchases", "mean"),
               actual_purchases_mean=("actual_purchases", "mean"),
               predicted_margin_mean=("predicted_margin", "mean"),
               actual_margin_mean=("actual_margin", "mean"))
    table = per.groupby("decile").agg(**agg).reset_index()
    total = per.assign(decile=0).groupby("decile").agg(**agg).reset_index()
    total["decile"] = pd.NA
    table = pd.concat([table, total], ignore_index=True)
    table["predicted_purchases_total"] = table["predicted_purchases_mean"] * table["customers"]
    table["actual_purchases_total"] = table["actual_purchases_mean"] * table["customers"]
    table["calibration_end"] = calibration_end
    table["holdout_weeks"] = holdout_weeks
    n_unknown = int((~known).sum())
    if fits.spend is None:
        note = fits.spend_note
    elif n_unknown:
        note = (f"the margin means leave out the {n_unknown:,} customer(s) whose cost or margin is missing on "
                "some purchase day")
    else:
        note = None
    table["note"] = note
    return table, per, fits


def params_frame(fit: str, fits: Fits, model: str) -> pd.DataFrame:
    """Rows of ``clv-params`` for one fit: every parameter and the means they imply; a model
    that could not be fitted gives one row (``parameter`` NULL) with the reason in ``note``."""
    rows = []
    label = MODEL_NAMES[model]
    for name, m, n, note in ((label, fits.purchases, fits.n_purchase, fits.purchase_note),
                             ("Gamma-Gamma", fits.spend, fits.n_spend, fits.spend_note)):
        if m is None:
            rows.append({"fit": fit, "model": name, "parameter": None, "value": None, "standard_error": None,
                         "log_likelihood": None, "customers": n, "note": note})
            continue
        for parameter, value in m.params_.items():
            rows.append({"fit": fit, "model": name, "parameter": parameter, "value": value,
                         "standard_error": m.standard_errors_.get(parameter), "log_likelihood": m.log_likelihood_,
                         "customers": n, "note": None})
    derived = {}
    if fits.purchases is not None:
        p = fits.purchases.params_
        derived["mean purchase rate per week (r/alpha)"] = p["r"] / p["alpha"]
        if model == "bgnbd":
            derived["mean drop-out probability per purchase (a/(a+b))"] = p["a"] / (p["a"] + p["b"])
        else:
            derived["mean drop-out rate per week (s/beta)"] = p["s"] / p["beta"]
    if fits.spend is not None:
        mean = fits.spend.mean_spend()
        derived["mean margin per purchase (p gamma/(q-1); NULL: infinite, q <= 1)"] = (
            mean if math.isfinite(mean) else None)
    for name, value in derived.items():
        rows.append({"fit": fit, "model": "derived", "parameter": name, "value": value,
                     "standard_error": None, "log_likelihood": None, "customers": None, "note": None})
    return pd.DataFrame(rows)


#: Share-of-wallet bands of ``clv-wallet``: (label, from, to); a share is in [from, to), a
#: negative one (returns above purchases) in the first band and 1 in the last.
SHARE_BANDS = (("0-20 %", 0.0, 0.2), ("20-40 %", 0.2, 0.4), ("40-60 %", 0.4, 0.6), ("60-80 %", 0.6, 0.8),
               ("80-100 %", 0.8, 1.0))
NO_SHARE = "no share"
ALL_SHARES = "all with a share"


def wallet_link(frame: pd.DataFrame) -> pd.DataFrame:
    """Share of wallet against CLV (the link of issue 3's wallet section): per share band,
    customers and their mean P(alive), mean and total ``clv_12m``, mean ``clv_36m`` and total
    ``opportunity_12m``; a row for the customers without a share; and one over every customer
    with a share that adds the correlations of share and ``clv_12m``: Pearson's r and
    Spearman's rank correlation (Spearman 1904, Am. J. Psychology 15(1): Pearson's r of the
    average ranks), over the customers with both. The means of the money columns are over the
    customers that have them (``customers_with_clv``)."""
    share = frame["share_of_wallet_value"].to_numpy(dtype=float)
    last = len(SHARE_BANDS) - 1
    # the first band takes a share below 0 too (net returns), the last one a share of 1
    groups = [(label, lo, hi, ((share >= lo) | (k == 0)) & ((share < hi) | (k == last)) & ~np.isnan(share))
              for k, (label, lo, hi) in enumerate(SHARE_BANDS)]
    groups.append((NO_SHARE, None, None, np.isnan(share)))
    groups.append((ALL_SHARES, 0.0, 1.0, ~np.isnan(share)))
    rows = []
    for label, lo, hi, sel in groups:
        part = frame[sel]
        clv12 = part["clv_12m"].to_numpy(dtype=float)
        row = {"band": label, "share_from": lo, "share_to": hi, "customers": int(sel.sum()),
               "customers_with_clv": int(np.isfinite(clv12).sum()),
               "mean_share": part["share_of_wallet_value"].mean() if len(part) else None,
               "mean_p_alive": part["p_alive"].mean() if len(part) else None,
               "mean_clv_12m": part["clv_12m"].mean() if len(part) else None,
               "total_clv_12m": part["clv_12m"].sum(min_count=1) if len(part) else None,
               "mean_clv_36m": part["clv_36m"].mean() if len(part) else None,
               "total_opportunity_12m": part["opportunity_12m"].sum(min_count=1) if len(part) else None,
               "pearson_share_clv_12m": None, "spearman_share_clv_12m": None}
        if label == ALL_SHARES:
            both = np.isfinite(clv12) & np.isfinite(part["share_of_wallet_value"].to_numpy(dtype=float))
            s, c = part["share_of_wallet_value"].to_numpy(dtype=float)[both], clv12[both]
            if both.sum() >= 3 and np.ptp(s) > 0 and np.ptp(c) > 0:
                row["pearson_share_clv_12m"] = float(np.corrcoef(s, c)[0, 1])
                row["spearman_share_clv_12m"] = float(np.corrcoef(rankdata(s), rankdata(c))[0, 1])
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("total_clv_12m", "total_opportunity_12m", "mean_clv_12m", "mean_clv_36m"):
        out[col] = out[col].astype(float).round(2)
    return out


# --- the analysis ----------------------------------------------------------------------------------

CLV_TYPES = {
    "customer_id": "string", "territory_id": "string", "rep_id": "string", "first_purchase": "date",
    "frequency": "int64", "recency_weeks": "float64", "T_weeks": "float64", "in_fit": "boolean",
    "p_alive": "float64", "expected_purchases_12m": "float64", "expected_purchases_36m": "float64",
    "margin_per_purchase": "float64", "margin_basis": "string", "clv_12m": "float64", "clv_36m": "float64",
    "margin_rate": "float64", "share_of_wallet_value": "float64", "potential_value": "float64",
    "target_share": "float64", "opportunity_12m": "float64", "opportunity_36m": "float64",
    "offer_budget": "float64", "rank": "int64", "note": "string", "currency": "string",
}
VALIDATION_TYPES = {
    "decile": "int64", "customers": "int64", "predicted_purchases_mean": "float64",
    "actual_purchases_mean": "float64", "predicted_margin_mean": "float64", "actual_margin_mean": "float64",
    "predicted_purchases_total": "float64", "actual_purchases_total": "float64", "calibration_end": "date",
    "holdout_weeks": "int64", "note": "string", "currency": "string",
}
PARAM_TYPES = {"fit": "string", "model": "string", "parameter": "string", "value": "float64",
               "standard_error": "float64", "log_likelihood": "float64", "customers": "int64", "note": "string"}
WALLET_TYPES = {
    "band": "string", "share_from": "float64", "share_to": "float64", "customers": "int64",
    "customers_with_clv": "int64", "mean_share": "float64", "mean_p_alive": "float64", "mean_clv_12m": "float64",
    "total_clv_12m": "float64", "mean_clv_36m": "float64", "total_opportunity_12m": "float64",
    "pearson_share_clv_12m": "float64", "spearman_share_clv_12m": "float64", "currency": "string",
}


def margin_rates(sales: ibis.Table, as_of: dt.date, *, days: ibis.Table | None = None) -> pd.DataFrame:
    """Per customer: margin / net value over the last 12 months, else over the whole history.

    Columns ``customer_id, margin_rate``; NULL where the customer's net value is not positive.
    Both sums are exact decimals (of the workspace's customer x day table ``days``, else of the
    lines grouped the same way: :func:`purchase_days`), divided as doubles.
    """
    from saleskpi.analyses.potential import last_12_months

    start, _ = last_12_months(as_of)
    d = sales_days(sales) if days is None else days
    d = d.filter(d.date <= as_of)
    recent = d.date >= start
    agg = d.group_by("customer_id").aggregate(
        v12=d.value.sum(where=recent), m12=d.margin.sum(where=recent), v=d.value.sum(), m=d.margin.sum())
    rate = ibis.cases((agg.v12 > 0, agg.m12.cast("float64") / agg.v12.cast("float64")),
                      (agg.v > 0, agg.m.cast("float64") / agg.v.cast("float64")), else_=ibis.null("float64"))
    return agg.select("customer_id", margin_rate=rate).to_pyarrow().to_pandas()


def scores(sales: ibis.Table, customers: ibis.Table, as_of: dt.date, settings, *,
           wallet: ibis.Table | None = None, days: ibis.Table | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``clv`` frame (one row per customer with a purchase day) and its ``clv-params`` rows.

    ``settings`` is the ``[clv]`` section. ``wallet`` (the ``wallet`` result) supplies the
    share of wallet and the potential per customer for the opportunity; without it those
    columns are NaN. A model that cannot be fitted (too few customers, no margin, no
    convergence: :func:`fit_all`) leaves its columns empty and its reason in ``note``; the
    purchase model needs dates only, so P(alive) and the expected purchases stand without cost.
    ``days`` is the workspace's customer x day table of the sales (:func:`purchase_days`).
    """
    stored = sales_days(sales) if days is None else days
    summary = _summary(purchase_days(sales, as_of, days=stored), as_of)
    history_start = _history_start(stored)
    history_start = as_of if history_start is None else pd.Timestamp(history_start).date()
    mask = _fit_population(summary, customers, history_start, settings.fit_customers)
    fits = fit_all(summary, mask, model=settings.model, penalizer=settings.penalizer,
                   what=f"the clv fit (as of {as_of})")
    if fits.purchases is not None:
        out = predict(summary, fits.purchases, fits.spend, monthly_rate=settings.monthly_rate)
        note = pd.Series([fits.spend_note] * len(out), dtype=object)
        if fits.spend is not None:
            note[~summary["margin_known"].to_numpy(dtype=bool)] = NOTE_NO_MARGIN
        out["note"] = note.to_numpy()
    else:
        out = pd.DataFrame({"customer_id": summary["customer_id"].to_numpy()})
        for col in ("p_alive", "expected_purchases_12m", "expected_purchases_36m", "margin_per_purchase",
                    "clv_12m", "clv_36m"):
            out[col] = np.nan
        out["margin_basis"] = None
        out["note"] = fits.purchase_note
    params = params_frame("main", fits, settings.model)
    out.insert(1, "first_purchase", summary["first_purchase"].dt.date.to_numpy())
    out.insert(2, "frequency", summary["frequency"].to_numpy())
    out.insert(3, "recency_weeks", summary["recency"].to_numpy())
    out.insert(4, "T_weeks", summary["T"].to_numpy())
    out.insert(5, "in_fit", mask)
    info = customers.select("customer_id", "territory_id", "rep_id").to_pyarrow().to_pandas()
    out = out.merge(info, on="customer_id", how="left")
    out = out.merge(margin_rates(sales, as_of, days=stored), on="customer_id", how="left")
    if wallet is not None:
        w = wallet.filter(wallet.business_line.isnull()).select(
            "customer_id", "share_of_wallet_value", "potential_value").to_pyarrow().to_pandas()
        out = out.merge(w.drop_duplicates("customer_id"), on="customer_id", how="left")
    else:
        out["share_of_wallet_value"] = np.nan
        out["potential_value"] = np.nan
    out["target_share"] = settings.target_share
    for m in HORIZONS:
        out[f"opportunity_{m}m"] = opportunity(
            out["margin_rate"].to_numpy(dtype=float), out["share_of_wallet_value"].to_numpy(dtype=float),
            out["potential_value"].to_numpy(dtype=float), target_share=settings.target_share, months=m,
            monthly_rate=settings.monthly_rate)
    out["offer_budget"] = offer_budget(out["clv_12m"], budget_share=settings.budget_share)
    for col in ("clv_12m", "clv_36m", "opportunity_12m", "opportunity_36m", "offer_budget", "margin_per_purchase"):
        out[col] = out[col].round(2)
    # rank by clv_36m among the customers that have one (ties by id); NULL for the others
    valued = out["clv_36m"].notna().to_numpy()
    order = np.lexsort((out["customer_id"].astype(str).to_numpy(), -out["clv_36m"].fillna(0).to_numpy(), ~valued))
    rank = np.empty(len(out), dtype=np.int64)
    rank[order] = np.arange(1, len(out) + 1)
    out["rank"] = pd.array(np.where(valued, rank, 0), dtype="Int64")
    out.loc[~valued, "rank"] = pd.NA
    return out.sort_values("customer_id").reset_index(drop=True), params


def _history_start(days: ibis.Table) -> dt.date | None:
    """The first day with a sales line (None: no lines)."""
    first = days.date.min().execute()
    return None if first is None or first != first else pd.Timestamp(first).date()


def run(ctx: Context) -> dict[str, ibis.Table]:
    cfg = ctx.settings.clv
    currency = ctx.settings.workspace.currency
    sales, customers = ctx.table("sales"), ctx.table("customers")
    try:
        wallet = ctx.result("wallet")
    except UsageError:  # the wallet analysis stored nothing: no opportunity figures
        wallet = None
    # the workspace's customer x day table, kept at import: no grouping of the lines here
    days = ctx.ws.purchase_days()
    frame, params = scores(sales, customers, ctx.as_of, cfg, wallet=wallet, days=days)
    history_start = _history_start(days) or ctx.as_of
    table, _, cal_fits = validation(
        purchase_days(sales, ctx.as_of, days=days), customers, ctx.as_of, holdout_weeks=cfg.holdout_weeks, model=cfg.model,
        penalizer=cfg.penalizer, fit_customers=cfg.fit_customers, history_start=history_start)
    params = pd.concat([params, params_frame("calibration", cal_fits, cfg.model)], ignore_index=True)
    for fit, model, note in params[params["parameter"].isna()][["fit", "model", "note"]].itertuples(index=False):
        ctx.warn("clv", f"{model} ({fit} fit) not fitted: {note}")
    return {
        "clv": frame_table(frame.assign(currency=currency), CLV_TYPES),
        "clv-history": history(sales, customers, ctx.as_of, years=cfg.history_years, yearly_rate=cfg.history_rate,
                               weights=cfg.history_weights, days=days).mutate(currency=ibis.literal(currency)),
        "clv-validation": frame_table(table.assign(currency=currency), VALIDATION_TYPES),
        "clv-params": frame_table(params, PARAM_TYPES),
        "clv-wallet": frame_table(wallet_link(frame).assign(currency=currency), WALLET_TYPES),
    }


ANALYSIS = Analysis(name="clv", title="Customer lifetime value",
                    outputs=("clv", "clv-history", "clv-validation", "clv-params", "clv-wallet"), run=run,
                    depends_on=("wallet",))
