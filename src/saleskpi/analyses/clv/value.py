"""Predicted value (``clv``): what each customer is likely to be worth.

P(alive) and the expected purchases of the fitted purchase model, the margin per purchase of
Gamma-Gamma, and the discounted expected margin over 12 and 36 months (Fader, Hardie & Lee
2005, "RFM and CLV", J. Marketing Research 42(4)); the future opportunity if the share of
wallet reached its target, and an allowable offer budget. :func:`scores` puts them together
into the ``clv`` frame, one row per customer with a purchase day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import ibis
import numpy as np
import pandas as pd

from saleskpi.analyses.clv.checks import drop_out_check, left_out, left_out_rows
from saleskpi.analyses.clv.days import BASIS_LABELS, basis_of_customers, customer_days, history_start, purchase_days
from saleskpi.analyses.clv.fits import MODEL_NAMES, Fits, fit_all, fit_population, params_frame
from saleskpi.analyses.clv.history import CENT_PLACES
from saleskpi.analyses.clv.summary import TIME_UNIT_DAYS, model_summary
from saleskpi.config import ClvSection as _CLV
from saleskpi.errors import UsageError
from saleskpi.models import GammaGamma

__all__ = ["BASIS_FIRST", "BASIS_FIRST_OWN", "BASIS_MODEL", "BASIS_OWN", "BASIS_POPULATION", "HORIZONS",
           "NOTE_NO_MARGIN", "WEEKS_PER_MONTH", "annuity", "discounted_purchases", "distinct_pairs",
           "expected_purchases", "margin_per_purchase",
           "margin_rate_table", "margin_rates", "offer_budget", "opportunity", "p_alive", "predict", "scores"]

#: Weeks in an average month (a Julian year of 365.25 days / 12 / 7 days): the models' time unit
#: is the week, the horizons are months.
WEEKS_PER_MONTH = TIME_UNIT_DAYS["M"] / TIME_UNIT_DAYS["W"]

#: Horizons of the predicted value, in months.
HORIZONS = (12, 36)

#: Months in a year: a yearly amount (the wallet's potential) is spread evenly over them, and
#: the opportunity is over a year unless asked otherwise.
MONTHS_PER_YEAR = 12

#: Customers scored at once (P(alive) and the value gather); bounds the memory of a large base.
CHUNK_ROWS = 500_000

#: Defaults of the functions: ``[clv] monthly_rate``, ``target_share`` and ``budget_share`` of
#: the settings model (written once there), which the analysis passes: a monthly discount rate of 1 %
#: (about 12.7 % a year), half of the wallet as the share to reach, a tenth of the 12-month
#: margin as the offer budget.
DEFAULT_MONTHLY_RATE = _CLV.model_fields["monthly_rate"].default
DEFAULT_TARGET_SHARE = _CLV.model_fields["target_share"].default
DEFAULT_BUDGET_SHARE = _CLV.model_fields["budget_share"].default

# margin_estimate values in the clv result
BASIS_MODEL = "gamma-gamma"
BASIS_POPULATION = "population mean (no repeat purchase)"
BASIS_OWN = "own mean (not positive)"
BASIS_FIRST = "gamma-gamma on the first purchase (no finite population mean)"
BASIS_FIRST_OWN = "first purchase (no finite population mean)"

#: ``note`` of a customer whose purchase days lack cost or margin (the model fits went well).
NOTE_NO_MARGIN = ("no margin: cost or margin is missing on some or all of this customer's purchase days, so "
                  "margin_per_purchase, clv_12m, clv_36m and offer_budget are empty (P(alive) and the expected "
                  "purchases need dates only); import the sales with cost or margin to get them")

#: The money columns of ``clv``, rounded to the cent.
MONEY_COLUMNS = ("clv_12m", "clv_36m", "opportunity_12m", "opportunity_36m", "offer_budget", "margin_per_purchase")

#: The columns a customer has without a purchase model (no fit: NaN).
PREDICTED_COLUMNS = ("p_alive", "expected_purchases_12m", "expected_purchases_36m", "margin_per_purchase",
                     "clv_12m", "clv_36m")


def p_alive(model, frequency, recency, T) -> np.ndarray:
    """P(alive | x, t_x, T) of each customer under the fitted purchase ``model`` (FHL 2008, note
    021; F&H 2005 note 009 eq. (37)), :data:`CHUNK_ROWS` customers at a time."""
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    big_t = np.asarray(T, dtype=float)
    alive = np.empty(len(x))
    for start in range(0, len(x), CHUNK_ROWS):
        part = slice(start, min(len(x), start + CHUNK_ROWS))
        alive[part] = model.p_alive({"frequency": x[part], "recency": tx[part], "T": big_t[part]})
    return alive


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


def distinct_pairs(frequency, T) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The distinct (x, T) pairs of the customers, as a model's input (recency T where x > 0,
    else 0: a valid summary row), and each customer's pair (an index into them)."""
    x = np.asarray(frequency, dtype=float)
    big_t = np.asarray(T, dtype=float)
    u_t, i_t = np.unique(big_t, return_inverse=True)
    u_x, i_x = np.unique(x, return_inverse=True)
    u_key, i_pair = np.unique(i_x.astype(np.int64) * len(u_t) + i_t, return_inverse=True)
    px, pt = u_x[u_key // len(u_t)], u_t[u_key % len(u_t)]
    return {"frequency": px, "recency": np.where(px > 0, pt, 0.0), "T": pt}, i_pair


def expected_purchases(model, frequency, recency, T, *, t: float) -> np.ndarray:
    """E[Y(t) | x, t_x, T] of each customer, value for value ``model.expected_purchases``: the
    factor that carries the series (``expected_purchases_if_alive``, FHL 2005 eq. (10); F&H
    2005 note 009 eq. (41)) evaluated once per distinct (x, T) pair (:func:`distinct_pairs`),
    times each customer's P(alive) (:func:`p_alive`)."""
    pairs, i_pair = distinct_pairs(frequency, T)
    return model.expected_purchases_if_alive(pairs, t=t)[i_pair] * p_alive(model, frequency, recency, T)


def discounted_purchases(model, frequency, recency, T, *, months: Sequence[int] = HORIZONS,
                         monthly_rate: float = DEFAULT_MONTHLY_RATE, weeks_per_month: float = WEEKS_PER_MONTH,
                         alive: np.ndarray | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
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
    Fader & Hardie 2005 note 009 eq. (41)), so g (``expected_purchases_if_alive``) is computed
    once per distinct (x, T) pair (:func:`distinct_pairs`) and P(alive) once per customer:
    ``alive`` when the caller has it already (:func:`p_alive` of the same customers), else here.
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
    pairs, i_pair = distinct_pairs(x, big_t)
    out_pairs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    previous = np.zeros(len(pairs["T"]))
    det = np.zeros(len(pairs["T"]))
    for m in range(1, horizons[-1] + 1):
        cumulative = model.expected_purchases_if_alive(pairs, t=m * weeks_per_month)
        det += (cumulative - previous) / (1.0 + monthly_rate) ** m
        previous = cumulative
        if m in horizons:
            out_pairs[m] = (cumulative.copy(), det.copy())
    alive = p_alive(model, x, tx, big_t) if alive is None else np.asarray(alive, dtype=float)
    result = {m: (np.empty(n), np.empty(n)) for m in horizons}
    for start in range(0, n, CHUNK_ROWS):
        part = slice(start, min(n, start + CHUNK_ROWS))
        idx = i_pair[part]
        for m in horizons:
            result[m][0][part] = out_pairs[m][0][idx] * alive[part]
            result[m][1][part] = out_pairs[m][1][idx] * alive[part]
    return result


def annuity(months: int, monthly_rate: float) -> float:
    """Present value of 1/12 a month for ``months`` months: sum_{m=1..M} (1/12) / (1 + d)^m.

    A yearly amount spread evenly over the months and discounted as the predicted margin is
    (12 months at d = 0 give 1, 36 give 3)."""
    return float(sum((1.0 / MONTHS_PER_YEAR) / (1.0 + monthly_rate) ** m for m in range(1, months + 1)))


def opportunity(margin_rate, share_of_wallet, potential_value, *, target_share: float = DEFAULT_TARGET_SHARE,
                months: int = MONTHS_PER_YEAR, monthly_rate: float = DEFAULT_MONTHLY_RATE) -> np.ndarray:
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


def offer_budget(clv_12m, *, budget_share: float = DEFAULT_BUDGET_SHARE) -> np.ndarray:
    """Allowable offer budget: ``budget_share`` of the 12-month predicted margin, never below 0."""
    return np.maximum(np.asarray(clv_12m, dtype=float), 0.0) * budget_share


def _margins(summary: pd.DataFrame, spend: GammaGamma | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`margin_per_purchase` and its basis (an object array), NaN and None without
    ``spend`` and for the customers whose margin is not known."""
    n = len(summary)
    if spend is None:
        return np.full(n, np.nan), np.full(n, None, dtype=object)
    margin, basis = margin_per_purchase(spend, summary["frequency"].to_numpy(dtype=float),
                                        summary["monetary_value"].to_numpy(dtype=float),
                                        summary["first_margin"].to_numpy(dtype=float))
    basis = basis.astype(object)
    if "margin_known" in summary:
        unknown = ~summary["margin_known"].to_numpy(dtype=bool)
        margin[unknown] = np.nan
        basis[unknown] = None
    return margin, basis


def predict(summary: pd.DataFrame, purchases, spend: GammaGamma | None, *,
            monthly_rate: float = DEFAULT_MONTHLY_RATE, months: Sequence[int] = HORIZONS) -> pd.DataFrame:
    """Per customer of ``summary``: p_alive, expected purchases, margin per purchase and the
    discounted expected margin (``clv_<M>m``) for each horizon.

    P(alive) is computed once per customer (:func:`p_alive`) and reused by
    :func:`discounted_purchases`. Without ``spend`` (no margin model) and for customers whose
    margin is not known (``summary.margin_known`` false) the margin columns are NaN and
    ``margin_estimate`` None."""
    x, tx, big_t = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    alive = p_alive(purchases, x, tx, big_t)
    values = discounted_purchases(purchases, x, tx, big_t, months=months, monthly_rate=monthly_rate, alive=alive)
    margin, basis = _margins(summary, spend)
    out = pd.DataFrame({"customer_id": summary["customer_id"].to_numpy()})
    out["p_alive"] = alive
    for m in sorted(values):
        out[f"expected_purchases_{m}m"] = values[m][0]
    out["margin_per_purchase"] = margin
    out["margin_estimate"] = basis
    for m in sorted(values):
        out[f"clv_{m}m"] = values[m][1] * margin
    return out


def margin_rate_table(sales: ibis.Table, as_of: dt.date, *, days: ibis.Table | None = None) -> ibis.Table:
    """Per customer: margin / net value over the last 12 months, else over the whole history.

    Columns ``customer_id, margin_rate``; NULL where the customer's net value is not positive.
    Both sums are exact decimals (of the workspace's customer x day table ``days``, else of the
    lines grouped the same way: :func:`saleskpi.analyses.clv.days.customer_days`), divided as
    doubles.
    """
    from saleskpi.analyses.periods import last_12_months

    start, _ = last_12_months(as_of)
    d = customer_days(sales, days)
    d = d.filter(d.date <= as_of)
    recent = d.date >= start
    agg = d.group_by("customer_id").aggregate(
        v12=d.value.sum(where=recent), m12=d.margin.sum(where=recent), v=d.value.sum(), m=d.margin.sum())
    rate = ibis.cases((agg.v12 > 0, agg.m12.cast("float64") / agg.v12.cast("float64")),
                      (agg.v > 0, agg.m.cast("float64") / agg.v.cast("float64")), else_=ibis.null("float64"))
    return agg.select("customer_id", margin_rate=rate)


def margin_rates(sales: ibis.Table, as_of: dt.date, *, days: ibis.Table | None = None) -> pd.DataFrame:
    """:func:`margin_rate_table` in memory."""
    return margin_rate_table(sales, as_of, days=days).to_pyarrow().to_pandas()


def _predictions(summary: pd.DataFrame, fits: Fits, monthly_rate: float) -> pd.DataFrame:
    """:func:`predict` with the ``note`` of each customer; without a purchase model, empty
    predictions and the reason in ``note``."""
    if fits.purchases is not None:
        out = predict(summary, fits.purchases, fits.spend, monthly_rate=monthly_rate)
        note = pd.Series([fits.spend_note] * len(out), dtype=object)
        if fits.spend is not None:
            note[~summary["margin_known"].to_numpy(dtype=bool)] = NOTE_NO_MARGIN
        out["note"] = note.to_numpy()
        return out
    out = pd.DataFrame({"customer_id": summary["customer_id"].to_numpy()})
    for col in PREDICTED_COLUMNS:
        out[col] = np.nan
    out["margin_estimate"] = None
    out["note"] = fits.purchase_note
    return out


#: The columns of the ``wallet`` result that the opportunity reads.
WALLET_COLUMNS = ("share_of_wallet_by_value", "potential_value")


def _wallet_rows(wallet: ibis.Table) -> ibis.Table:
    """The ``wallet`` result's row of each customer over all business lines (its key is customer
    and business line: one row), with :data:`WALLET_COLUMNS`."""
    return wallet.filter(wallet.business_line.isnull()).select("customer_id", *WALLET_COLUMNS)


def _with_opportunity(out: pd.DataFrame, shares: pd.DataFrame | None, settings) -> pd.DataFrame:
    """``out`` with each customer's share of wallet and potential (``shares``: a frame in the
    order of ``out`` with :data:`WALLET_COLUMNS` from :func:`_wallet_rows`; NaN without it), the
    opportunity per horizon and the offer budget."""
    for col in WALLET_COLUMNS:
        out[col] = np.nan if shares is None else shares[col].to_numpy(dtype=float)
    out["target_share"] = settings.target_share
    for m in HORIZONS:
        out[f"opportunity_{m}m"] = opportunity(
            out["margin_rate"].to_numpy(dtype=float), out["share_of_wallet_by_value"].to_numpy(dtype=float),
            out["potential_value"].to_numpy(dtype=float), target_share=settings.target_share, months=m,
            monthly_rate=settings.monthly_rate)
    out["offer_budget"] = offer_budget(out["clv_12m"], budget_share=settings.budget_share)
    return out


def _add_rank(out: pd.DataFrame) -> None:
    """``rank`` by clv_36m among the customers that have one (1 = highest, ties by id); NULL for
    the others."""
    valued = out["clv_36m"].notna().to_numpy()
    order = np.lexsort((out["customer_id"].astype(str).to_numpy(), -out["clv_36m"].fillna(0).to_numpy(), ~valued))
    rank = np.empty(len(out), dtype=np.int64)
    rank[order] = np.arange(1, len(out) + 1)
    out["rank_by_clv_36m"] = pd.array(np.where(valued, rank, 0), dtype="Int64")
    out.loc[~valued, "rank_by_clv_36m"] = pd.NA


def scores(sales: ibis.Table, customers: ibis.Table, as_of: dt.date, settings, *,
           wallet: ibis.Table | None = None, days: ibis.Table | None = None,
           products: ibis.Table | None = None, checks: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``clv`` frame (one row per customer with a purchase day) and its ``clv-params`` rows.

    ``settings`` is the ``[clv]`` section. ``wallet`` (the ``wallet`` result) supplies the
    share of wallet and the potential per customer for the opportunity; without it those
    columns are NaN. A model that cannot be fitted (too few customers, no margin, no
    convergence: :func:`saleskpi.analyses.clv.fits.fit_all`) leaves its columns empty and its
    reason in ``note``; the purchase model needs dates only, so P(alive) and the expected
    purchases stand without cost. ``days`` is the workspace's customer x day table of the sales
    (:func:`saleskpi.analyses.clv.days.customer_days`), with the margin of ``settings.margin_basis``
    (:func:`saleskpi.analyses.clv.days.margin_days`), which ``margin_basis`` names per customer;
    ``products`` (the workspace's) names the lines that take the product's ``margin_rate`` there.

    With ``checks``, ``params`` has, besides the fits, the counts of what the models left out (model ``left
    out``, :func:`saleskpi.analyses.clv.checks.left_out`) and the drop-out check of the purchase
    model (model ``check``, whose ``note`` says what it means when the model finds no drop-out).
    """
    stored = customer_days(sales, days)
    # what the frame takes from other tables per customer, joined in the engine (model_summary)
    info = customers.select("customer_id", "territory_id", "rep_id",
                            *(["acquired_on"] if "acquired_on" in customers.columns else []))
    joined = (info, margin_rate_table(sales, as_of, days=stored), *([] if wallet is None else [_wallet_rows(wallet)]))
    summary = model_summary(purchase_days(sales, as_of, days=stored), as_of, joined=joined)
    start = history_start(stored)
    start = as_of if start is None else pd.Timestamp(start).date()
    mask = fit_population(summary, customers, start, settings.fit_customers)
    fits = fit_all(summary, mask, model=settings.model, penalizer=settings.penalizer,
                   what=f"the clv fit (as of {as_of})")
    out = _predictions(summary, fits, settings.monthly_rate)
    params = params_frame("main", fits, settings.model)
    out.insert(1, "first_purchase", summary["first_purchase"].dt.date.to_numpy())
    out.insert(2, "frequency", summary["frequency"].to_numpy())
    out.insert(3, "recency_weeks", summary["recency"].to_numpy())
    out.insert(4, "T_weeks", summary["T"].to_numpy())
    out.insert(5, "in_fit", mask)
    for col in ("territory_id", "rep_id", "margin_rate"):
        out[col] = summary[col].to_numpy()
    out = _with_opportunity(out, None if wallet is None else summary, settings)
    for col in MONEY_COLUMNS:
        out[col] = out[col].round(CENT_PLACES)
    _add_rank(out)
    out = _with_basis(out, summary, sales, as_of, settings, products)
    if checks:
        params = pd.concat([params, _check_rows(stored, summary, out, as_of, fits, settings, mask)],
                           ignore_index=True)
    return out.sort_values("customer_id").reset_index(drop=True), params


def _check_rows(stored: ibis.Table, summary: pd.DataFrame, out: pd.DataFrame, as_of: dt.date, fits: Fits,
                settings, fit_mask: np.ndarray) -> pd.DataFrame:
    """The ``clv-params`` rows of what the models left out and of the drop-out check."""
    params = left_out_rows("main", left_out(stored, summary, as_of, fit_mask))
    if fits.purchases is not None:
        alive = _aligned(out, "p_alive", summary["customer_id"]).astype(float)
        check = drop_out_check(summary, alive, MODEL_NAMES[settings.model])
        params = pd.concat([params, check.row("main")], ignore_index=True)
    return params


def _aligned(frame: pd.DataFrame, column: str, ids: pd.Series) -> np.ndarray:
    """``frame[column]`` of the customers ``ids``, in their order (missing: NaN). ``frame`` in
    that order already (the clv frame is built in the summary's order) is read as it is: an
    index lookup of a million text ids takes seconds."""
    own = frame["customer_id"].to_numpy()
    if len(own) == len(ids) and np.array_equal(own, ids.to_numpy()):
        return frame[column].to_numpy()
    return frame.set_index("customer_id")[column].reindex(ids).to_numpy()


def _with_basis(out: pd.DataFrame, summary: pd.DataFrame, sales: ibis.Table, as_of: dt.date, settings,
                products: ibis.Table | None = None) -> pd.DataFrame:
    """``out`` with ``margin_basis``: what each customer's margin is reckoned in ([clv]
    margin_basis; :data:`saleskpi.analyses.clv.days.BASIS_LABELS`), empty where it is not known."""
    if settings.margin_basis == "assumed":
        return out.merge(basis_of_customers(sales, as_of, products), on="customer_id", how="left")
    known = pd.Series(_aligned(summary, "margin_known", out["customer_id"])).fillna(False).to_numpy()
    out["margin_basis"] = np.where(known, BASIS_LABELS[settings.margin_basis], None)
    return out
