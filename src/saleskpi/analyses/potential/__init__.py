"""Market potential per customer and business line (course topic 1), by four methods.

Each customer x business line gets up to four estimates of its yearly potential (its wallet:
what it could buy in the line from all suppliers), each labelled with its method:

``stated``
    From the ``potential`` input table (survey answers, rep estimates, external research):
    the latest year up to the as-of year; where several sources give a figure, survey before
    external before rep estimate before other.
``drivers`` (bottom-up; Kotler's buyers x quantity x price, per B2B customer)
    ``potential = driver x usage rate``, the driver being one of the customer's ``driver_*``
    columns (configured per line, else the one whose logarithm correlates best with the
    logarithm of purchases) and the usage rate configured, else learned as a high quantile
    (``usage_quantile``, default 0.9) of purchases per driver unit among buying customers —
    the customers who buy the most per driver unit are taken to buy (nearly) all from us.
``peer`` (Perlich, Rosset, Lawrence & Zadrozny, KDD 2007, pp. 977-985, the IBM MAP approach)
    The wallet as a high conditional quantile (``quantile``, default 0.8) of spend given the
    customer's firmographics (drivers, industry, size band), fitted with the quantile (pinball)
    loss rho_tau(r) = tau*r - r*1(r < 0) on log spend, here by gradient-boosted trees
    (scikit-learn's ``HistGradientBoostingRegressor(loss="quantile")``).
``topdown`` (market size allocated by an index; Sales & Marketing Management's buying power index)
    A territory's market in the line (``potential`` rows with a territory, or the territory's
    ``market_value`` split by the company's line mix; a parent territory's market is first
    split among its children by BPI = 0.5 income + 0.3 retail sales + 0.2 population shares,
    weights configurable) is allocated to its customers by an index of their drivers:
    ``index_i = sum_k w_k * d_ik / sum_j d_jk`` (weights configurable, default equal).

The reconciled potential is the stated one where present, else the configured method's
(``[potential] method``), and never below what the customer bought from us in the last 12
months. The result also gives the range across methods and flags customers whose largest
estimate exceeds the smallest by more than ``disagreement_factor``.

Results: ``potential`` (customer x line), ``potential-rollup`` (company, business line and
territory, with market share = our turnover / potential), ``potential-rep-bias`` (each
rep's estimates against the model and against what the customer bought in that year) and
``potential-methods`` (each method's quality per line: how well it ranks the stated figures,
or that it could not be checked; the run warns where an untrusted one is used, and where no
customer has a potential). The peer and top-down methods are in ``peer.py`` and ``topdown.py``.
"""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
from ibis import _

from saleskpi.analyses import Analysis, Context, frame_table
from saleskpi.analyses.periods import last_12_months
from saleskpi.analyses.potential.peer import FITS_DIR, MIN_PEER_BUYERS, PeerFits, peer_estimate
from saleskpi.analyses.potential.results import RESULTS
from saleskpi.analyses.potential.topdown import ALL_LINES, topdown_estimate
from saleskpi.analyses.shared import POTENTIAL_FIX, market_by_node, product_attributes

METHODS = ("stated", "drivers", "peer", "topdown")

#: Like-for-like line growth outside this range is taken as a data artefact (a line launched
#: or reorganised), not market growth, when stated figures of earlier years are carried forward.
GROWTH_BOUNDS = (-0.3, 0.5)
#: A learned usage rate needs at least this many buying customers with the driver.
MIN_USAGE_BUYERS = 10
#: The columns of the ``potential`` result and their types (money in the workspace currency).
POTENTIAL_TYPES = {
    "customer_id": "string", "business_line": "string", "territory_id": "string", "rep_id": "string",
    "turnover_value_12m": "float64", "turnover_volume_12m": "float64",
    "stated_value": "float64", "stated_volume": "float64", "stated_source": "string", "stated_year": "int64",
    "stated_rep_id": "string", "stated_raw_value": "float64", "rep_bias_factor": "float64",
    "drivers_value": "float64", "drivers_volume": "float64", "driver": "string", "usage_rate": "float64",
    "peer_value": "float64", "peer_volume": "float64", "topdown_value": "float64", "topdown_volume": "float64",
    "modelled_value": "float64", "estimate_value": "float64", "potential_value": "float64", "potential_volume": "float64", "method": "string",
    "raised_to_purchases": "boolean", "lowest_value": "float64", "highest_value": "float64",
    "methods_disagree": "boolean", "market_share": "float64", "currency": "string", "year": "int64",
}
METHOD_TYPES = {"business_line": "string", "method": "string", "customers_estimated": "int64",
                "pairs_with_stated": "int64", "spearman_with_stated": "float64",
                "spearman_with_purchases": "float64", "quality": "string",
                "quality_reason": "string", "calibration_factor": "float64", "calibrated_on": "string",
                "chosen": "boolean"}
#: A rank correlation needs at least this many customers with both an estimate and a stated figure.
MIN_RANK_PAIRS = 3
#: The quality of a method in a line (``potential-methods`` ``quality``).
AGREES, WEAK, NOT_CHECKED, NO_ESTIMATE = "agrees", "weak", "not checked", "no estimate"
#: What each fitted method needs to give an estimate at all.
METHOD_NEEDS = {
    "drivers": "customers' driver_* columns (e.g. driver_employees) and at least "
               f"{MIN_USAGE_BUYERS} buyers of the line with one, or [potential] usage_rates",
    "peer": "customers' driver_* columns, industry or size_band that tell its buyers' spend apart (not one "
            f"estimate for all), and at least {MIN_PEER_BUYERS} buyers of the line",
    "topdown": "a market per territory (potential rows with territory_id, or territories.market_value) and "
               "customers' driver_* columns",
}
REP_BIAS_TYPES = {"rep_id": "string", "estimates": "int64", "stated_to_model": "float64",
                  "stated_to_bought": "float64"}
SOURCE_PRIORITY = {"survey": 0, "external": 1, "rep_estimate": 2, "other": 3}


def driver_columns(customers: ibis.Table) -> list[str]:
    return [c for c in customers.columns if c.startswith("driver_")]


def purchases_by_year(ctx: Context) -> ibis.Table:
    """Our turnover per customer x business line x calendar year (``bought``, all invoice
    lines), with the parts in the last 12 months (``value_12m``, ``volume_12m``) and in the 12
    months before them (``value_before``), and the first invoice date up to the as-of date
    (``first``): the one pass over the invoice lines that :func:`purchases_12m`,
    :func:`line_growth` and :func:`rep_bias` read (cache it)."""
    start, end = last_12_months(ctx.as_of)
    before_start, _ = last_12_months(start - dt.timedelta(days=1))
    s = ctx.table("sales")
    lines = s.left_join(product_attributes(ctx.table("products")).select("product_id", "business_line"), "product_id")
    in_12m = lines.date.between(start, end)
    return lines.group_by("customer_id", "business_line", year=lines.date.year()).aggregate(
        bought=lines.net_value.sum(),
        value_12m=lines.net_value.sum(where=in_12m),
        volume_12m=lines.quantity.sum(where=in_12m),
        value_before=lines.net_value.sum(where=(lines.date >= before_start) & (lines.date < start)),
        first=lines.date.min(where=lines.date <= end),
    )


def purchases_12m(by_year: ibis.Table) -> ibis.Table:
    """Our turnover per customer x business line over the last 12 months (from
    :func:`purchases_by_year`; null where nothing was bought in them)."""
    return by_year.group_by(["customer_id", "business_line"]).aggregate(
        turnover_value_12m=by_year.value_12m.sum(), turnover_volume_12m=by_year.volume_12m.sum())


def stated(ctx: Context) -> ibis.Table:
    """Stated potential per customer x line: latest year <= as-of year, best source first."""
    pot = ctx.table("potential")
    pot = pot.filter(pot.customer_id.notnull() & (pot.year <= ctx.as_of.year))
    priority = ibis.cases(*[(pot.source == s, p) for s, p in SOURCE_PRIORITY.items()], else_=9)
    pot = pot.mutate(business_line=pot.business_line.fill_null(ALL_LINES), priority=priority)
    w = ibis.window(group_by=[pot.customer_id, pot.business_line],
                    order_by=[pot.year.desc(), pot.priority, pot.source])
    pot = pot.mutate(rank=ibis.row_number().over(w))
    best = pot.filter(pot.rank == 0)
    return best.select("customer_id", "business_line", stated_value=best.value, stated_volume=best.volume,
                       stated_source=best.source, stated_year=best.year, stated_rep_id=best.rep_id)


def line_growth(ctx: Context, by_year: ibis.Table) -> dict[str, float]:
    """Yearly like-for-like growth per business line: the last 12 months' turnover over the
    12 months before, of the customers who bought the line in both and had bought it before
    them (so that a customer's first, partial year does not count as growth); clipped to
    -30 %..+50 %. Configured ``[potential] growth`` rates win. ``by_year`` is
    :func:`purchases_by_year`."""
    start, _ = last_12_months(ctx.as_of)
    before_start, _ = last_12_months(start - dt.timedelta(days=1))
    per = by_year.group_by(["customer_id", "business_line"]).aggregate(
        last=by_year.value_12m.sum(), before=by_year.value_before.sum(), first=by_year.first.min())
    both = per.filter((per.last > 0) & (per.before > 0) & (per.first < before_start))
    rows = both.group_by("business_line").aggregate(last=both.last.sum(), before=both.before.sum())
    low, high = GROWTH_BOUNDS
    growth = {r["business_line"]: min(high, max(low, float(r["last"]) / float(r["before"]) - 1))
              for r in rows.to_pyarrow().to_pylist()}
    growth.update(ctx.settings.potential.growth)
    return growth


def carry_forward(frame: pd.DataFrame, growth: dict[str, float], year: int) -> pd.DataFrame:
    """Stated figures of earlier years grown to ``year`` at their line's yearly growth."""
    years = (year - frame["stated_year"].astype("float64")).clip(lower=0)
    factor = (1 + frame["business_line"].map(growth).astype("float64").fillna(0.0)) ** years
    # assign, not copy and set: with pandas' copy-on-write the other columns are not copied
    return frame.assign(stated_value=frame["stated_value"] * factor, stated_volume=frame["stated_volume"] * factor)


def customer_lines(ctx: Context, by_year: ibis.Table) -> pd.DataFrame:
    """The per-customer x line summary every estimate is fitted on (one row per pair);
    ``by_year`` is :func:`purchases_by_year`."""
    customers = ctx.table("customers")
    drivers = driver_columns(customers)
    lines = product_attributes(ctx.table("products")).select("business_line").distinct()
    base = customers.select("customer_id", "territory_id", "rep_id", "industry", "size_band", *drivers)
    base = base.cross_join(lines)
    bought = purchases_12m(by_year)
    base = base.left_join(bought, ["customer_id", "business_line"]).drop("customer_id_right",
                                                                         "business_line_right")
    said = stated(ctx)
    overall = said.filter(said.business_line == ALL_LINES).drop("business_line").mutate(
        stated_value=_.stated_value.cast("float64"), stated_volume=_.stated_volume.cast("float64"))
    said = said.filter(said.business_line != ALL_LINES)
    base = base.left_join(said, [base.customer_id == said.customer_id,
                                 base.business_line == said.business_line]).drop(
        "customer_id_right", "business_line_right")
    # money as float64 in the engine: converting Decimal objects in pandas is slow
    money = ("turnover_value_12m", "turnover_volume_12m", "stated_value", "stated_volume")
    base = base.mutate(**{col: base[col].cast("float64") for col in money})
    frame = base.order_by(["customer_id", "business_line"]).to_pyarrow().to_pandas()
    for col in ("turnover_value_12m", "turnover_volume_12m", "stated_value", "stated_volume", *drivers):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame[["turnover_value_12m", "turnover_volume_12m"]] = frame[
        ["turnover_value_12m", "turnover_volume_12m"]].fillna(0.0)
    return spread_all_lines(frame, overall.to_pyarrow().to_pandas())


def spread_all_lines(frame: pd.DataFrame, overall: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (customer x line) with each stated figure over all lines (``overall``: the
    potential rows without a business line) given to the customer's lines, where it states no
    line of its own: split by the company's line mix over the last 12 months, as top-down splits
    an all-lines market (all of it where there is one line); the volume only where there is one
    line, since units of different lines do not add up."""
    if overall.empty or frame.empty:
        return frame
    mix = frame.groupby("business_line").turnover_value_12m.sum()
    mix = mix / mix.sum() if mix.sum() > 0 else mix * 0 + 1 / len(mix)
    own = frame["stated_value"].notna().groupby(frame["customer_id"]).transform("any")
    given = overall.drop_duplicates("customer_id").set_index("customer_id")
    take = ~own & frame["customer_id"].isin(given.index)
    who = frame.loc[take, "customer_id"]
    spread = {"stated_value": who.map(given["stated_value"]) * frame.loc[take, "business_line"].map(mix),
              "stated_volume": who.map(given["stated_volume"]) if len(mix) == 1 else np.nan,
              **{c: who.map(given[c]) for c in ("stated_source", "stated_year", "stated_rep_id")}}
    frame = frame.copy()
    for column, values in spread.items():
        frame.loc[take, column] = values
    return frame


# --- the methods, on the summary ------------------------------------------------------------


def choose_driver(frame: pd.DataFrame, drivers: list[str], target: str = "turnover_value_12m",
                  min_pairs: int | None = None) -> str | None:
    """The driver whose logarithm correlates best (Pearson on logs) with the logarithm of the
    stated potentials of the reference source (see :func:`_reference_source`) where at least
    ``min_pairs`` customers have one: a stated wallet measures the potential itself, while our
    purchases are share x potential, and the share varies from customer to customer. Without
    enough stated figures, with the logarithm of purchases among buyers."""
    reference = _reference_source(frame, min_pairs) if min_pairs and "stated_source" in frame else None
    if reference is not None:
        said = frame[(frame["stated_source"] == reference) & (frame["stated_value"] > 0)]
        best = _best_log_correlation(said, drivers, "stated_value", min_pairs)
        if best is not None:
            return best
    return _best_log_correlation(frame[frame[target] > 0], drivers, target, 10)


def _best_log_correlation(rows: pd.DataFrame, drivers: list[str], target: str, minimum: int) -> str | None:
    """The driver with the highest Pearson correlation of logs with ``target`` within
    industries (both logs centred on their industry's mean, since the usage rate is learned
    per industry); None when no driver has ``minimum`` usable rows."""
    best, best_r = None, -np.inf
    industry = rows["industry"].fillna("") if "industry" in rows else pd.Series("", index=rows.index)
    for d in drivers:
        ok = rows[d] > 0
        if ok.sum() < minimum:
            continue
        x, y = np.log(rows.loc[ok, d]), np.log(rows.loc[ok, target])
        group = industry[ok]
        x, y = x - x.groupby(group).transform("mean"), y - y.groupby(group).transform("mean")
        r = np.corrcoef(x, y)[0, 1] if x.std() > 0 and y.std() > 0 else np.nan
        if np.isfinite(r) and r > best_r:
            best, best_r = d, r
    return best


def drivers_estimate(frame: pd.DataFrame, drivers: list[str], settings) -> pd.DataFrame:
    """driver x usage rate per line; returns columns drivers_value, drivers_volume, driver, usage_rate.

    The usage rate is learned per line and industry (a hotel and a hospital use a line
    differently per bed) where the industry has at least 10 buying customers, else per line.
    """
    out = pd.DataFrame(index=frame.index, columns=["drivers_value", "drivers_volume", "driver", "usage_rate"],
                       dtype=object)
    # split only the columns used here (each group is a copy of what is split)
    used = ["business_line", "industry", "turnover_value_12m", "turnover_volume_12m", "stated_value",
            "stated_source", *drivers, *settings.drivers.values()]
    used = [c for c in dict.fromkeys(used) if c in frame.columns]
    for line, part in frame[used].groupby("business_line", sort=True):
        driver = settings.drivers.get(line) or choose_driver(part, drivers, min_pairs=settings.min_pairs)
        if driver is None or driver not in part:
            continue
        d = part[driver]
        fixed = settings.usage_rates.get(line)
        line_rate = fixed if fixed is not None else _usage_rate(part, driver, "turnover_value_12m", settings)
        if line_rate is None:
            continue
        value_rate = pd.Series(line_rate, index=part.index, dtype=float)
        volume_rate = pd.Series(_usage_rate(part, driver, "turnover_volume_12m", settings), index=part.index,
                                dtype=float)
        if fixed is None:
            industry = part["industry"].fillna("") if "industry" in part else pd.Series("", index=part.index)
            for _, group in part.groupby(industry, sort=True):
                rate = _usage_rate(group, driver, "turnover_value_12m", settings)
                if rate is not None:
                    value_rate[group.index] = rate
                    volume_rate[group.index] = _usage_rate(group, driver, "turnover_volume_12m", settings)
        out.loc[part.index, "drivers_value"] = d * value_rate
        out.loc[part.index, "drivers_volume"] = d * volume_rate
        out.loc[part.index, "driver"] = driver
        out.loc[part.index, "usage_rate"] = value_rate
    out[["drivers_value", "drivers_volume", "usage_rate"]] = out[
        ["drivers_value", "drivers_volume", "usage_rate"]].astype("float64")
    return out


def _usage_rate(part: pd.DataFrame, driver: str, target: str, settings,
                minimum: int = MIN_USAGE_BUYERS) -> float | None:
    """The ``usage_quantile`` of purchases per driver unit among at least ``minimum`` buyers."""
    buyers = part[(part[target] > 0) & (part[driver] > 0)]
    if len(buyers) < minimum:
        return None
    return float(np.quantile(buyers[target] / buyers[driver], settings.usage_quantile))


def calibrate(frame: pd.DataFrame, settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scale each model method, per line, to the stated potentials it can be compared with.

    A fitted method gets the level of a wallet only up to a factor (the peer quantile is
    spend with us, a learned usage rate assumes the best buyers buy everything from us, a
    top-down market includes firms that are not our customers). Where at least
    ``min_pairs`` customers have both a stated figure of the reference source (survey
    answers, else external research, else any) and the method's, the method is multiplied by
    exp(median(log(stated / method))): the surveyed subsample sets the level for the whole
    base, as in Du, Kamakura & Mela (2007, J. Marketing 71: 94-113). Returns
    the scaled frame and one row per line x method with the factor, the number of pairs and
    the Spearman rank correlation with the stated figures (before scaling; scaling does not
    change ranks).
    """
    from scipy.stats import spearmanr

    scaled: dict[str, pd.Series] = {}
    rows = []
    used = ["business_line", "stated_source", "stated_value", "stated_volume", "turnover_value_12m",
            *[f"{m}_{kind}" for m in METHODS[1:] for kind in ("value", "volume")]]
    for line, part in frame[used].groupby("business_line", sort=True):
        reference = _reference_source(part, settings.min_pairs)
        for method in METHODS[1:]:
            for kind in ("value", "volume"):
                est, said = part[f"{method}_{kind}"], part[f"stated_{kind}"]
                pair = (est > 0) & (said > 0)
                n = int(pair.sum())
                factor, rho = np.nan, np.nan
                if n >= MIN_RANK_PAIRS:
                    rho = float(spearmanr(est[pair], said[pair]).statistic)
                level = pair & (part["stated_source"] == reference) if reference else pair
                if settings.calibrate and int(level.sum()) >= settings.min_pairs:
                    factor = float(np.exp(np.median(np.log(said[level] / est[level]))))
                    scaled.setdefault(f"{method}_{kind}", frame[f"{method}_{kind}"].copy())
                    scaled[f"{method}_{kind}"].loc[part.index] = est * factor
                if kind == "value":
                    buyers = (est > 0) & (part["turnover_value_12m"] > 0)
                    bought = (float(spearmanr(est[buyers], part.loc[buyers, "turnover_value_12m"]).statistic)
                              if int(buyers.sum()) >= MIN_RANK_PAIRS else np.nan)
                    rows.append({"business_line": line, "method": method,
                                 "customers_estimated": int(est.notna().sum()), "pairs_with_stated": n,
                                 "spearman_with_stated": rho, "spearman_with_purchases": bought,
                                 "calibration_factor": factor,
                                 "calibrated_on": (reference or "all stated") if np.isfinite(factor) else None})
    return frame.assign(**scaled), pd.DataFrame(rows, columns=[c for c in METHOD_TYPES if c != "chosen"])


def rate_methods(quality: pd.DataFrame, min_rank_agreement: float) -> pd.DataFrame:
    """``quality`` (from :func:`calibrate`) with each method's verdict in its line: ``agrees``
    (it ranks the stated figures with a Spearman correlation of at least
    ``min_rank_agreement``), ``weak`` (below it, or its ranks say nothing), ``not checked``
    (fewer than 3 customers have both its estimate and a stated figure) or ``no estimate``;
    and ``quality_reason``, why and what to add (empty where it agrees)."""
    def verdict(r) -> tuple[str, str | None]:
        if r.customers_estimated == 0:
            return NO_ESTIMATE, f"the method gives no estimate: it needs {METHOD_NEEDS[r.method]}"
        if r.pairs_with_stated < MIN_RANK_PAIRS:
            bought = (f" (it ranks the customers' own 12-month purchases with Spearman {r.spearman_with_purchases:.2f})"
                      if np.isfinite(r.spearman_with_purchases) else "")
            return NOT_CHECKED, (f"not checked: {r.pairs_with_stated} customers have both this estimate and a "
                                 f"stated potential ({MIN_RANK_PAIRS} needed){bought}; import potential "
                                 "(customer_id, year, value) for some of them, e.g. survey answers")
        if not np.isfinite(r.spearman_with_stated):
            return WEAK, "its estimates or the stated figures do not vary, so it ranks nothing"
        if r.spearman_with_stated < min_rank_agreement:
            return WEAK, (f"it ranks the {r.pairs_with_stated} stated figures with Spearman "
                          f"{r.spearman_with_stated:.2f}, below [potential] min_rank_agreement {min_rank_agreement:g}")
        return AGREES, None

    rated = [verdict(r) for r in quality.itertuples(index=False)]
    return quality.assign(quality=[q for q, _ in rated],
                          quality_reason=pd.Series([w for _, w in rated], index=quality.index, dtype=object))


def potential_warnings(frame: pd.DataFrame, quality: pd.DataFrame) -> list[str]:
    """What the run's warnings say about the ``potential`` result (``frame``) and its methods
    (``quality`` with ``chosen``): customers left without a potential, and each line whose
    potential rests on a method that cannot be trusted."""
    out = []
    missing = frame["potential_value"].isna()
    if len(frame) and missing.all():
        out.append("no customer has a potential: nothing is stated and no method could estimate one, so the "
                   "potential, the share of wallet, the classes by potential and share, the ABC matrix and the "
                   f"opportunity are empty. To fill them, {POTENTIAL_FIX}.")
    elif missing.any():
        out.append(f"{int(missing.sum())} of {len(frame)} customer-line pairs have no potential (nothing stated, "
                   "and the line's method gives no estimate for them), so no share of wallet. To fill them, "
                   f"{POTENTIAL_FIX}.")
    for r in quality[quality.chosen & quality.quality.isin([WEAK, NOT_CHECKED])].itertuples(index=False):
        used = int(((frame["business_line"] == r.business_line) & (frame["method"] == r.method)).sum())
        if used:
            out.append(f"line {r.business_line}: the potential of {used} customers comes from the {r.method} "
                       f"method, which cannot be trusted: {r.quality_reason}.")
    return out


def _reference_source(part: pd.DataFrame, min_pairs: int) -> str | None:
    """The stated source that sets the level: customers' own survey answers, else external
    research, when at least ``min_pairs`` customers gave one; else None (all sources).
    Rep estimates never do alone: they carry each rep's personal bias."""
    for source in ("survey", "external"):
        if int(((part["stated_source"] == source) & (part["stated_value"] > 0)).sum()) >= min_pairs:
            return source
    return None


def choose_methods(quality: pd.DataFrame, frame: pd.DataFrame, settings) -> dict[str, str]:
    """The method used per line where nothing is stated. ``auto``: the method that agrees best
    (Spearman) with the stated figures over at least ``min_pairs`` customers; else peer,
    drivers, top-down, whichever exists."""
    chosen = {}
    used = [c for c in ("business_line", *[f"{m}_value" for m in METHODS[1:]]) if c in frame.columns]
    for line, part in frame[used].groupby("business_line", sort=True):
        if settings.method != "auto":
            chosen[line] = settings.method
            continue
        q = quality[(quality.business_line == line) & (quality.pairs_with_stated >= settings.min_pairs)]
        q = q.dropna(subset=["spearman_with_stated"])
        if not q.empty:
            chosen[line] = q.sort_values(["spearman_with_stated", "method"], ascending=[False, True]).method.iloc[0]
            continue
        available = [m for m in ("peer", "drivers", "topdown") if part[f"{m}_value"].notna().any()]
        chosen[line] = available[0] if available else "peer"
    return chosen


def reconcile(frame: pd.DataFrame, method: str | dict[str, str], factor: float) -> pd.DataFrame:
    """Stated where present, else ``method`` (one, or one per business line); never below
    purchases; the range across methods and a disagreement flag."""
    per_row = (frame["business_line"].map(method) if isinstance(method, dict)
               else pd.Series(method, index=frame.index))
    modelled_value = pd.Series(np.nan, index=frame.index)
    modelled_volume = pd.Series(np.nan, index=frame.index)
    for m in METHODS[1:]:
        use = per_row == m
        modelled_value[use] = frame.loc[use, f"{m}_value"]
        modelled_volume[use] = frame.loc[use, f"{m}_volume"]
    has_stated = frame["stated_value"].notna()
    value = frame["stated_value"].where(has_stated, modelled_value)
    chosen = pd.Series(None, index=frame.index, dtype=object)
    chosen[modelled_value.notna()] = per_row[modelled_value.notna()]
    chosen[has_stated] = "stated"
    volume = frame["stated_volume"].where(frame["stated_volume"].notna(), modelled_volume)
    estimates = frame[[f"{m}_value" for m in METHODS]]
    low, high = estimates.min(axis=1), estimates.max(axis=1)
    bought = frame["turnover_value_12m"]
    return pd.DataFrame({
        "modelled_value": modelled_value,
        "estimate_value": value,
        "potential_value": np.maximum(value, bought).where(value.notna()),
        "potential_volume": np.maximum(volume, frame["turnover_volume_12m"]).where(volume.notna()),
        "method": chosen,
        "raised_to_purchases": (value.notna() & (bought > value)),
        "lowest_value": low,
        "highest_value": high,
        "methods_disagree": (estimates.notna().sum(axis=1) >= 2) & (high > factor * low.where(low > 0)),
    }, index=frame.index)


def _inputs(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Markets (territory x line) and territories, small tables, in memory."""
    pot = ctx.table("potential")
    pot = pot.filter(pot.territory_id.notnull() & pot.customer_id.isnull() & (pot.year <= ctx.as_of.year))
    pot = pot.mutate(business_line=pot.business_line.fill_null(ALL_LINES))
    w = ibis.window(group_by=[pot.territory_id, pot.business_line], order_by=[pot.year.desc(), pot.source])
    pot = pot.mutate(rank=ibis.row_number().over(w))
    pot = pot.filter(pot.rank == 0).select("territory_id", "business_line", market_value=_.value.cast("float64"),
                                           market_volume=_.volume.cast("float64"))
    terr = ctx.table("territories")
    markets = pot.to_pyarrow().to_pandas()
    territories = terr.select("territory_id", "parent_id", "population", "buying_income", "retail_sales",
                              market_value=_.market_value.cast("float64"),
                              market_volume=_.market_volume.cast("float64")).to_pyarrow().to_pandas()
    fallback = territories[territories.market_value.notna()]
    fallback = fallback[~fallback.territory_id.isin(markets.territory_id)]
    if not fallback.empty:
        markets = pd.concat([markets, fallback.assign(business_line=ALL_LINES)[
            ["territory_id", "business_line", "market_value", "market_volume"]]], ignore_index=True)
    return markets, territories


def estimate(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``potential`` result as a data frame (every method, the reconciled figure), and the
    ``potential-methods`` quality table."""
    settings = ctx.settings.potential
    by_year = purchases_by_year(ctx).cache()
    frame = carry_forward(customer_lines(ctx, by_year), line_growth(ctx, by_year), ctx.as_of.year)
    drivers = [c for c in frame.columns if c.startswith("driver_")]
    markets, territories = _inputs(ctx)
    frame = frame.join(drivers_estimate(frame, drivers, settings))
    # the peer fits of earlier runs, reused while what they were fitted on is unchanged
    fits = PeerFits(ctx.ws.path / FITS_DIR)
    frame = frame.join(peer_estimate(frame, drivers, settings.quantile, fits))
    fits.prune()
    frame = frame.join(topdown_estimate(frame, drivers, markets, territories, settings))
    frame, quality = calibrate(frame, settings)
    chosen = choose_methods(quality, frame, settings)
    quality = rate_methods(quality, settings.min_rank_agreement)
    # a method that estimates no customer is used by none
    quality["chosen"] = (quality.business_line.map(chosen) == quality.method) & (quality.customers_estimated > 0)
    first = reconcile(frame, chosen, settings.disagreement_factor)
    bias = rep_bias(ctx, frame.assign(modelled_value=first.modelled_value), by_year)
    frame = debias(frame, bias, settings)
    frame = frame.join(reconcile(frame, chosen, settings.disagreement_factor))
    frame["market_share"] = np.where(frame.potential_value > 0,
                                     frame.turnover_value_12m / frame.potential_value.where(frame.potential_value > 0),
                                     np.nan)
    out = frame[list(POTENTIAL_TYPES)[:-2]]
    money = [c for c in out.columns if c.endswith("_value")]
    return out.assign(**{c: out[c].round(2) for c in money}), quality, bias


def debias(frame: pd.DataFrame, bias: pd.DataFrame, settings) -> pd.DataFrame:
    """Divide each rep estimate by its rep's estimating bias (median stated / model over at
    least ``min_rep_estimates`` estimates), when ``debias_reps`` is on. The raw figure stays
    in ``stated_raw_value`` and the factor in ``rep_bias_factor``."""
    usable = bias[(bias.estimates >= settings.min_rep_estimates) & (bias.stated_to_model > 0)]
    # float whatever the (possibly empty) bias frame's dtype: with no rep's bias known the map
    # gives an all-missing column typed like the rep ids
    factor = frame["stated_rep_id"].map(usable.set_index("rep_id")["stated_to_model"]).astype("float64")
    factor = factor.where(frame["stated_source"] == "rep_estimate")
    value, volume = frame["stated_value"], frame["stated_volume"]
    if settings.debias_reps:
        keep = factor.isna()
        value, volume = value.where(keep, value / factor), volume.where(keep, volume / factor)
    return frame.assign(stated_raw_value=frame["stated_value"], rep_bias_factor=factor,
                        stated_value=value, stated_volume=volume)


def rollup(potential: ibis.Table, reps: ibis.Table) -> ibis.Table:
    """Potential, 12-month turnover, customers and market share for the company, each business
    line, each territory and each territory x line: the rows of
    :func:`saleskpi.analyses.shared.market_by_node` at those nodes (one definition of market
    share for ``potential-rollup`` and ``sales``)."""
    m = market_by_node(potential, reps)
    m = m.filter(m.m_level.isin(["company", "business_line", "territory"]))
    territory = m.m_level == "territory"
    return m.select(
        level=ibis.cases((territory & (m.m_line != ""), "territory_line"), else_=m.m_level),
        territory_id=ibis.cases((territory, m.m_key), else_=ibis.null("string")),
        business_line=ibis.cases((m.m_line != "", m.m_line), else_=ibis.null("string")),
        potential_value=m.potential_value, turnover_value_12m_with_potential=m.turnover_value_12m_with_potential, customers=m.customers,
        market_share=m.market_share)


def rep_bias(ctx: Context, frame: pd.DataFrame, by_year: ibis.Table) -> pd.DataFrame:
    """Each rep's estimating bias: the median of stated / model over the rep's current
    estimates (each customer x line's latest, carried forward to this year), and the median
    of stated / what the customer bought from us in the year each estimate was for (over all
    the rep's estimates; below 1/share it is an underestimate). ``by_year`` is
    :func:`purchases_by_year`."""
    mine = frame[(frame["stated_source"] == "rep_estimate") & frame["stated_rep_id"].notna()]
    mine = mine.assign(to_model=mine["stated_value"] / mine["modelled_value"].where(mine["modelled_value"] > 0))
    current = mine.groupby("stated_rep_id").agg(estimates=("stated_value", "size"),
                                                stated_to_model=("to_model", "median"))
    pot = ctx.table("potential")
    pot = pot.filter((pot.source == "rep_estimate") & pot.customer_id.notnull() & pot.rep_id.notnull()
                     & pot.value.notnull())
    by_year = by_year.select("customer_id", "business_line", "year", "bought")
    pot = pot.mutate(business_line=pot.business_line.fill_null(ALL_LINES))
    j = pot.left_join(by_year, [pot.customer_id == by_year.customer_id, pot.business_line == by_year.business_line,
                                pot.year == by_year.year])
    j = j.mutate(ratio=ibis.cases((j.bought > 0, j.value.cast("float64") / j.bought.cast("float64")),
                                  else_=ibis.null("float64")))
    history = j.group_by("rep_id").aggregate(stated_to_bought=j.ratio.median()).to_pyarrow().to_pandas()
    out = current.reset_index().rename(columns={"stated_rep_id": "rep_id"})
    out = out.merge(history, how="outer", on="rep_id")
    out["estimates"] = out["estimates"].fillna(0).astype("int64")
    return out.sort_values("rep_id").reset_index(drop=True)


def run(ctx: Context) -> dict[str, ibis.Table]:
    frame, quality, bias = estimate(ctx)
    for message in potential_warnings(frame, quality):
        ctx.warn("potential", message)
    currency = ctx.settings.workspace.currency
    table = frame_table(frame.assign(currency=currency, year=ctx.as_of.year), POTENTIAL_TYPES)
    return {
        "potential": table,
        "potential-rollup": rollup(table, ctx.table("reps")).mutate(currency=ibis.literal(currency)),
        "potential-rep-bias": frame_table(bias, REP_BIAS_TYPES),
        "potential-methods": frame_table(quality, METHOD_TYPES),
    }


ANALYSIS = Analysis(name="potential", title="Market potential", results=RESULTS, run=run)
