"""The top-down method of the potential analysis: a territory's market allocated to its customers
by an index of their drivers (a parent territory's market split among its children by the buying
power index of Sales & Marketing Management)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The business line of a market or stated figure given over all lines.
ALL_LINES = "*"


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
