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
territory, with market share = our turnover / potential) and ``potential-rep-bias`` (each
rep's estimates against the model and against what the customer bought in that year).
"""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
from ibis import _

from saleskpi.analyses import Analysis, Context, frame_table
from saleskpi.analyses.sales import enriched_lines

METHODS = ("stated", "drivers", "peer", "topdown")

#: The columns of the ``potential`` result and their types (money in the workspace currency).
POTENTIAL_TYPES = {
    "customer_id": "string", "business_line": "string", "territory_id": "string", "rep_id": "string",
    "turnover_value_12m": "float64", "turnover_volume_12m": "float64",
    "stated_value": "float64", "stated_volume": "float64", "stated_source": "string", "stated_year": "int64",
    "drivers_value": "float64", "drivers_volume": "float64", "driver": "string", "usage_rate": "float64",
    "peer_value": "float64", "peer_volume": "float64", "topdown_value": "float64", "topdown_volume": "float64",
    "estimate_value": "float64", "potential_value": "float64", "potential_volume": "float64", "method": "string",
    "raised_to_purchases": "boolean", "lowest_value": "float64", "highest_value": "float64",
    "methods_disagree": "boolean", "market_share": "float64", "currency": "string", "year": "int64",
}
REP_BIAS_TYPES = {"rep_id": "string", "estimates": "int64", "stated_to_model": "float64",
                  "stated_to_bought": "float64"}
SOURCE_PRIORITY = {"survey": 0, "external": 1, "rep_estimate": 2, "other": 3}
ALL_LINES = "*"


def last_12_months(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The rolling year that ends on the as-of date: (start, end), both inclusive."""
    try:
        start = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        start = as_of.replace(year=as_of.year - 1, day=28)
    return start + dt.timedelta(days=1), as_of


def driver_columns(customers: ibis.Table) -> list[str]:
    return [c for c in customers.columns if c.startswith("driver_")]


def purchases_12m(ctx: Context) -> ibis.Table:
    """Our turnover per customer x business line over the last 12 months."""
    start, end = last_12_months(ctx.as_of)
    lines = enriched_lines(ctx, start)
    lines = lines.filter(lines.date <= end)
    return lines.group_by(["customer_id", "business_line"]).aggregate(
        turnover_value_12m=lines.net_value.sum(), turnover_volume_12m=lines.quantity.sum())


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
                       stated_source=best.source, stated_year=best.year)


def customer_lines(ctx: Context) -> pd.DataFrame:
    """The per-customer x line summary every estimate is fitted on (one row per pair)."""
    customers = ctx.table("customers")
    drivers = driver_columns(customers)
    products = ctx.table("products")
    lines = products.select(business_line=products.business_line.fill_null("(none)")).distinct()
    base = customers.select("customer_id", "territory_id", "rep_id", "industry", "size_band", *drivers)
    base = base.cross_join(lines)
    bought = purchases_12m(ctx)
    base = base.left_join(bought, ["customer_id", "business_line"]).drop("customer_id_right",
                                                                         "business_line_right")
    said = stated(ctx)
    base = base.left_join(said, [base.customer_id == said.customer_id,
                                 base.business_line == said.business_line]).drop(
        "customer_id_right", "business_line_right")
    frame = base.order_by(["customer_id", "business_line"]).to_pyarrow().to_pandas()
    for col in ("turnover_value_12m", "turnover_volume_12m", "stated_value", "stated_volume", *drivers):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame[["turnover_value_12m", "turnover_volume_12m"]] = frame[
        ["turnover_value_12m", "turnover_volume_12m"]].fillna(0.0)
    return frame


# --- the methods, on the summary ------------------------------------------------------------


def choose_driver(frame: pd.DataFrame, drivers: list[str], target: str = "turnover_value_12m") -> str | None:
    """The driver whose log best correlates with log purchases among buyers (Pearson on logs)."""
    best, best_r = None, -np.inf
    buyers = frame[frame[target] > 0]
    for d in drivers:
        ok = buyers[d] > 0
        if ok.sum() < 10:
            continue
        r = np.corrcoef(np.log(buyers.loc[ok, d]), np.log(buyers.loc[ok, target]))[0, 1]
        if np.isfinite(r) and r > best_r:
            best, best_r = d, r
    return best


def drivers_estimate(frame: pd.DataFrame, drivers: list[str], settings) -> pd.DataFrame:
    """driver x usage rate per line; returns columns drivers_value, drivers_volume, driver, usage_rate."""
    out = pd.DataFrame(index=frame.index, columns=["drivers_value", "drivers_volume", "driver", "usage_rate"],
                       dtype=object)
    for line, part in frame.groupby("business_line", sort=True):
        driver = settings.drivers.get(line) or choose_driver(part, drivers)
        if driver is None or driver not in part:
            continue
        d = part[driver]
        buyers = part[(part.turnover_value_12m > 0) & (d > 0)]
        rate = settings.usage_rates.get(line)
        if rate is None:
            if len(buyers) < 10:
                continue
            rate = float(np.quantile(buyers.turnover_value_12m / buyers[driver], settings.usage_quantile))
        vol_buyers = part[(part.turnover_volume_12m > 0) & (d > 0)]
        vol_rate = (float(np.quantile(vol_buyers.turnover_volume_12m / vol_buyers[driver],
                                      settings.usage_quantile)) if len(vol_buyers) >= 10 else np.nan)
        out.loc[part.index, "drivers_value"] = d * rate
        out.loc[part.index, "drivers_volume"] = d * vol_rate
        out.loc[part.index, "driver"] = driver
        out.loc[part.index, "usage_rate"] = rate
    out[["drivers_value", "drivers_volume", "usage_rate"]] = out[
        ["drivers_value", "drivers_volume", "usage_rate"]].astype("float64")
    return out


def _features(part: pd.DataFrame, drivers: list[str]) -> np.ndarray:
    cols = [np.log1p(part[d].clip(lower=0).to_numpy(dtype=float)) for d in drivers]
    for cat in ("industry", "size_band"):
        codes = part[cat].astype("category").cat.codes.to_numpy(dtype=float)
        codes[codes < 0] = np.nan
        cols.append(codes)
    return np.column_stack(cols) if cols else np.zeros((len(part), 0))


def peer_estimate(frame: pd.DataFrame, drivers: list[str], quantile: float) -> pd.DataFrame:
    """Perlich et al. (2007) wallet: the tau-quantile of log spend given firmographics."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    out = pd.DataFrame(np.nan, index=frame.index, columns=["peer_value", "peer_volume"])
    n_cat = 2
    for line, part in frame.groupby("business_line", sort=True):
        x = _features(part, drivers)
        if x.shape[1] == 0:
            continue
        categorical = [False] * len(drivers) + [True] * n_cat
        for target, column in (("turnover_value_12m", "peer_value"), ("turnover_volume_12m", "peer_volume")):
            y = part[target].to_numpy(dtype=float)
            train = y > 0
            if train.sum() < 50:
                continue
            model = HistGradientBoostingRegressor(
                loss="quantile", quantile=quantile, max_iter=150, learning_rate=0.1, max_leaf_nodes=15,
                min_samples_leaf=20, early_stopping=False, categorical_features=categorical, random_state=0)
            model.fit(x[train], np.log(y[train]))
            out.loc[part.index, column] = np.exp(model.predict(x))
    return out


def topdown_estimate(frame: pd.DataFrame, drivers: list[str], markets: pd.DataFrame,
                     territories: pd.DataFrame, settings) -> pd.DataFrame:
    """Allocate each territory x line market to its customers by the driver index."""
    out = pd.DataFrame(np.nan, index=frame.index, columns=["topdown_value", "topdown_volume"])
    if markets.empty or not drivers:
        return out
    market = territory_markets(frame, markets, territories, settings.territory_weights)
    weights = settings.topdown_weights or {d: 1.0 for d in drivers}
    weights = {d: w for d, w in weights.items() if d in drivers}
    total_w = sum(weights.values())
    if not total_w > 0:
        return out
    index = np.zeros(len(frame))
    for d, w in weights.items():
        values = frame[d].fillna(0).clip(lower=0)
        sums = values.groupby([frame.territory_id, frame.business_line]).transform("sum")
        index += (w / total_w) * np.where(sums > 0, values / sums.where(sums > 0, 1), 0.0)
    index_sum = pd.Series(index, index=frame.index).groupby([frame.territory_id, frame.business_line]).transform("sum")
    share = np.where(index_sum > 0, index / index_sum.where(index_sum > 0, 1), np.nan)
    keyed = frame[["territory_id", "business_line"]].merge(market, how="left", on=["territory_id", "business_line"])
    out["topdown_value"] = keyed["market_value"].to_numpy() * share
    out["topdown_volume"] = keyed["market_volume"].to_numpy() * share
    return out


def territory_markets(frame: pd.DataFrame, markets: pd.DataFrame, territories: pd.DataFrame,
                      territory_weights: dict[str, float]) -> pd.DataFrame:
    """Market value/volume per territory x line for the customers' territories.

    ``markets`` holds territory_id, business_line ('*' = all lines), market_value, market_volume.
    All-line markets are split by the company's line mix over the last 12 months; a
    territory without a market takes its parent's, split among the parent's children by the
    buying power index of their indicators.
    """
    mix = frame.groupby("business_line").turnover_value_12m.sum()
    mix = mix / mix.sum() if mix.sum() > 0 else mix * 0 + 1 / max(len(mix), 1)
    rows = []
    for m in markets.itertuples(index=False):
        if m.business_line == ALL_LINES:
            for line, share in mix.items():
                rows.append((m.territory_id, line, m.market_value * share,
                             m.market_volume * share if pd.notna(m.market_volume) else np.nan, 1))
        else:
            rows.append((m.territory_id, m.business_line, m.market_value, m.market_volume, 0))
    given = pd.DataFrame(rows, columns=["territory_id", "business_line", "market_value", "market_volume", "split"])
    # a market given for the line itself wins over a split of an all-lines market
    given = given.sort_values("split").drop_duplicates(["territory_id", "business_line"]).drop(columns="split")
    wanted = frame[["territory_id", "business_line"]].drop_duplicates()
    known = wanted.merge(given, how="inner", on=["territory_id", "business_line"])
    missing = wanted.merge(given[["territory_id", "business_line"]], how="left", indicator=True,
                           on=["territory_id", "business_line"])
    missing = missing[missing["_merge"] == "left_only"].drop(columns="_merge")
    if missing.empty or territories.empty:
        return known
    bpi = buying_power_index(territories, territory_weights)
    parent = territories.set_index("territory_id")["parent_id"]
    missing = missing.assign(parent_id=missing.territory_id.map(parent))
    missing = missing.merge(bpi, how="left", on="territory_id")
    from_parent = missing.merge(given.rename(columns={"territory_id": "parent_id"}), how="inner",
                                on=["parent_id", "business_line"])
    from_parent["market_value"] *= from_parent["bpi"]
    from_parent["market_volume"] *= from_parent["bpi"]
    return pd.concat([known, from_parent[["territory_id", "business_line", "market_value", "market_volume"]]],
                     ignore_index=True)


def buying_power_index(territories: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """BPI of each territory among its siblings: sum_k w_k * x_k / sum_siblings x_k
    (Sales & Marketing Management's index, classic weights 0.5 income, 0.3 retail, 0.2 population)."""
    t = territories.copy()
    usable = {k: w for k, w in weights.items() if k in t and t[k].notna().any()}
    total = sum(usable.values())
    t["bpi"] = 0.0
    if total > 0:
        for k, w in usable.items():
            x = t[k].astype(float).fillna(0)
            sums = x.groupby(t.parent_id.fillna("")).transform("sum")
            t["bpi"] += (w / total) * np.where(sums > 0, x / sums.where(sums > 0, 1), 0.0)
    return t[["territory_id", "bpi"]]


def reconcile(frame: pd.DataFrame, method: str, factor: float) -> pd.DataFrame:
    """Stated where present, else ``method``; never below purchases; range and disagreement."""
    value = frame["stated_value"].where(frame["stated_value"].notna(), frame[f"{method}_value"])
    chosen = pd.Series(None, index=frame.index, dtype=object)
    chosen[frame[f"{method}_value"].notna()] = method
    chosen[frame["stated_value"].notna()] = "stated"
    volume = frame["stated_volume"].where(frame["stated_volume"].notna(), frame[f"{method}_volume"])
    estimates = frame[[f"{m}_value" for m in METHODS]]
    low, high = estimates.min(axis=1), estimates.max(axis=1)
    bought = frame["turnover_value_12m"]
    return pd.DataFrame({
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


def estimate(ctx: Context) -> pd.DataFrame:
    """The ``potential`` result as a data frame (every method, the reconciled figure)."""
    frame = customer_lines(ctx)
    settings = ctx.settings.potential
    drivers = [c for c in frame.columns if c.startswith("driver_")]
    markets, territories = _inputs(ctx)
    frame = frame.join(drivers_estimate(frame, drivers, settings))
    frame = frame.join(peer_estimate(frame, drivers, settings.quantile))
    frame = frame.join(topdown_estimate(frame, drivers, markets, territories, settings))
    frame = frame.join(reconcile(frame, settings.method, settings.disagreement_factor))
    frame["market_share"] = np.where(frame.potential_value > 0,
                                     frame.turnover_value_12m / frame.potential_value.where(frame.potential_value > 0),
                                     np.nan)
    out = frame[list(POTENTIAL_TYPES)[:-2]].copy()
    money = [c for c in out.columns if c.endswith("_value")]
    out[money] = out[money].round(2)
    return out


def rollup(potential: ibis.Table) -> ibis.Table:
    """Potential and turnover summed to company, business line and territory; market share."""
    parts = []
    for level, keys in (("company", []), ("business_line", ["business_line"]), ("territory", ["territory_id"]),
                        ("territory_line", ["territory_id", "business_line"])):
        metrics = dict(potential_value=potential.potential_value.sum(),
                       turnover_value=potential.turnover_value_12m.sum(),
                       customers=potential.customer_id.nunique())
        agg = potential.group_by(keys).aggregate(**metrics) if keys else potential.aggregate(**metrics)
        parts.append(agg.select(
            level=ibis.literal(level),
            territory_id=agg.territory_id if "territory_id" in keys else ibis.null("string"),
            business_line=agg.business_line if "business_line" in keys else ibis.null("string"),
            potential_value="potential_value", turnover_value="turnover_value", customers="customers"))
    out = ibis.union(*parts)
    return out.mutate(market_share=ibis.cases((out.potential_value > 0,
                                               out.turnover_value / out.potential_value), else_=ibis.null("float64")))


def rep_bias(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """Each rep's stated estimates against the model (the configured method) and against
    what the customer bought in the estimate's year: medians of the ratios, and their count."""
    pot = ctx.table("potential")
    pot = pot.filter((pot.source == "rep_estimate") & pot.customer_id.notnull() & pot.rep_id.notnull()
                     & pot.value.notnull())
    lines = enriched_lines(ctx, dt.date(1900, 1, 1))
    lines = lines.mutate(year=lines.date.year())
    by_year = lines.group_by(["customer_id", "business_line", "year"]).aggregate(bought=lines.net_value.sum())
    pot = pot.mutate(business_line=pot.business_line.fill_null(ALL_LINES))
    j = pot.left_join(by_year, [pot.customer_id == by_year.customer_id, pot.business_line == by_year.business_line,
                                pot.year == by_year.year])
    est = j.select(rep_id=j.rep_id, customer_id=j.customer_id, business_line=j.business_line, year=j.year,
                   stated=j.value.cast("float64"), bought=j.bought.cast("float64")).to_pyarrow().to_pandas()
    if est.empty:
        return pd.DataFrame(columns=["rep_id", "estimates", "stated_to_model", "stated_to_bought"])
    method = ctx.settings.potential.method
    model = frame[["customer_id", "business_line", f"{method}_value"]].rename(columns={f"{method}_value": "model"})
    est = est.merge(model, how="left", on=["customer_id", "business_line"])
    est["to_model"] = est.stated / est.model.where(est.model > 0)
    est["to_bought"] = est.stated / est.bought.where(est.bought > 0)
    out = est.groupby("rep_id").agg(estimates=("stated", "size"), stated_to_model=("to_model", "median"),
                                    stated_to_bought=("to_bought", "median")).reset_index()
    return out


def run(ctx: Context) -> dict[str, ibis.Table]:
    frame = estimate(ctx)
    currency = ctx.settings.workspace.currency
    table = frame_table(frame.assign(currency=currency, year=ctx.as_of.year), POTENTIAL_TYPES)
    return {
        "potential": table,
        "potential-rollup": rollup(table).mutate(currency=ibis.literal(currency)),
        "potential-rep-bias": frame_table(rep_bias(ctx, frame), REP_BIAS_TYPES),
    }


ANALYSIS = Analysis(name="potential", title="Market potential",
                    outputs=("potential", "potential-rollup", "potential-rep-bias"), run=run)
