"""The five principles of effective segments (Kotler & Keller, *Marketing Management*: measurable,
substantial, accessible, differentiable, actionable), the profit by segment, and the moves.

Inputs are one row per customer of one segmentation: ``segment`` (empty where the customer
has not the data the rule needs), ``turnover_value_12m``, ``profit`` (margin − cost to serve;
empty where unknown), ``rep_id``. Each principle passes or fails with the reason in words.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["kruskal_wallis", "cost_to_serve", "principles", "profit_by_segment", "moves", "PRINCIPLES"]

PRINCIPLES = ("measurable", "substantial", "accessible", "differentiable", "actionable")


def kruskal_wallis(groups: list) -> tuple[float, float, float, int]:
    """(H, p-value, epsilon-squared, n) of the Kruskal-Wallis test that the groups come from one
    distribution (Kruskal & Wallis 1952, JASA 47: 583–621; scipy's tie-corrected H, p from χ² with
    k − 1 degrees of freedom). Effect size ε² = H / ((n² − 1) / (n + 1)) = H / (n − 1)
    (Tomczak & Tomczak 2014, Trends in Sport Sciences 21: 19–25)."""
    from scipy import stats  # scipy.stats takes a second to import: only when used
    groups = [np.asarray(g, dtype=float) for g in groups if len(g)]
    n = sum(len(g) for g in groups)
    if len(groups) < 2 or n < 3 or np.ptp(np.concatenate(groups)) == 0:
        return math.nan, math.nan, math.nan, n
    h, p = stats.kruskal(*groups)
    return float(h), float(p), float(h / ((n**2 - 1) / (n + 1))), n


def cost_to_serve(orders, lines, visits, other, *, per_order, per_line, per_visit) -> pd.Series:
    """orders · per_order + lines · per_line + visits · per_visit + other (the cost column), each
    term only where its rate (or column) is set; empty where a set term's quantity is unknown,
    and everywhere when no rate is set (unknown, not 0)."""
    orders, lines = pd.Series(orders, dtype=float), pd.Series(lines, dtype=float)
    total = pd.Series(0.0, index=orders.index)
    used = False
    for qty, rate in ((orders, per_order), (lines, per_line), (visits, per_visit)):
        if rate is not None:
            total = total + pd.Series(qty, index=orders.index, dtype=float) * rate
            used = True
    if other is not None:
        total = total + pd.Series(other, index=orders.index, dtype=float)
        used = True
    return total if used else pd.Series(np.nan, index=orders.index)


def _share(part: float, whole: float) -> float:
    return part / whole if whole and not math.isnan(whole) and whole > 0 else math.nan


def profit_by_segment(frame: pd.DataFrame, definitions) -> pd.DataFrame:
    """One row per segment: customers and their shares of the segmentation's customers, turnover,
    margin, cost to serve, profit, with the segment's strategy and owner (``definitions``: the
    segmentation's :class:`~.rules.Segmentation` or None)."""
    known = frame[frame["segment"].notna()]
    total = {c: known[c].sum(min_count=1) for c in ("turnover_value_12m", "profit")}
    n = len(known)
    out = []
    for segment, g in known.groupby("segment", sort=True):
        d = None if definitions is None else next((s for s in definitions.segment if s.name == segment), None)
        row = {"segment": segment, "customers": len(g), "customers_share": len(g) / n if n else math.nan}
        notes = []
        for col in ("turnover_value_12m", "margin_12m", "cost_to_serve", "profit", "orders_12m", "lines_12m"):
            unknown = int(g[col].isna().sum())
            row[col] = g[col].sum() if unknown == 0 else math.nan
            if unknown and col == "margin_12m":
                notes.append(f"margin unknown for {unknown} of {len(g)} customers (invoice lines without cost)")
            elif unknown and col == "cost_to_serve":
                notes.append(f"cost to serve unknown for {unknown} of {len(g)} customers" if g[col].notna().any()
                             or frame[col].notna().any() else "no cost to serve set ([segments] cost_per_order, "
                             "cost_per_line, cost_per_visit, cost_column), so no profit")
        row["turnover_share"] = _share(row["turnover_value_12m"], total["turnover_value_12m"])
        row["profit_share"] = (_share(row["profit"], total["profit"])
                               if not known["profit"].isna().any() else math.nan)
        row["strategy"], row["owner"] = (d.strategy, d.owner) if d else (None, None)
        row["note"] = "; ".join(notes) or None
        out.append(row)
    return pd.DataFrame(out)


def principles(frame: pd.DataFrame, profit: pd.DataFrame, definitions, needs: str, cfg) -> list[dict]:
    """The five principle rows of one segmentation (``cfg``: the [segments] settings)."""
    rows = []
    n_all = len(frame)
    known = frame[frame["segment"].notna()]
    share = len(known) / n_all if n_all else math.nan
    rows.append({"principle": "measurable", "measured": share, "threshold": cfg.min_measurable,
                 "passed": bool(share >= cfg.min_measurable),
                 "reason": f"{len(known)} of {n_all} customers ({share:.0%}) have the data the rule needs ({needs})"
                 + ("" if share >= cfg.min_measurable else f"; below [segments] min_measurable "
                    f"({cfg.min_measurable:.0%}): complete that data")})
    rows.append(_substantial(profit, cfg))
    reach = known.groupby("segment")["rep_id"].apply(lambda s: s.notna().mean())
    low = reach[reach < cfg.min_reachable]
    rows.append({"principle": "accessible", "measured": float(reach.min()) if len(reach) else math.nan,
                 "threshold": cfg.min_reachable, "passed": bool(len(reach) and low.empty),
                 "reason": ("every segment's customers are reachable through their rep (lowest share with a rep: "
                            f"{reach.min():.0%})" if len(reach) and low.empty else
                            "no segment has customers" if not len(reach) else
                            f"below [segments] min_reachable ({cfg.min_reachable:.0%}) customers with a rep: "
                            + ", ".join(f"{s} ({v:.0%})" for s, v in low.items())
                            + "; give these customers a rep (customers.rep_id) or another channel")})
    h, p, eps, n = kruskal_wallis([g["turnover_value_12m"].dropna() for _, g in known.groupby("segment")])
    ok = not math.isnan(p) and p < cfg.significance and eps >= cfg.min_effect
    rows.append({"principle": "differentiable", "measured": eps, "threshold": cfg.min_effect, "kruskal_h": h,
                 "kruskal_pvalue": p, "epsilon_squared": eps, "passed": bool(ok),
                 "reason": ("fewer than two segments with turnover to compare" if math.isnan(p) else
                            f"Kruskal-Wallis on 12-month turnover over {n} customers: H = {h:.4g}, "
                            f"{'p < 1e-300' if p == 0 else f'p = {p:.2g}'}, "
                            f"epsilon-squared = {eps:.3f}" + ("" if ok else
                            f"; the segments do not differ enough in behaviour (p must be below "
                            f"{cfg.significance}, epsilon-squared at least {cfg.min_effect})"))})
    used = list(profit["segment"]) if len(profit) else []
    missing = [s for s in used if definitions is None or not any(
        d.name == s and d.strategy and d.owner for d in definitions.segment)]
    rows.append({"principle": "actionable", "measured": (len(used) - len(missing)) / len(used) if used else math.nan,
                 "threshold": 1.0, "passed": bool(used and not missing),
                 "reason": ("every segment has a strategy and an owner in segments.toml" if used and not missing
                            else "no segment has customers" if not used else
                            "no strategy and owner in segments.toml for: " + ", ".join(missing[:10])
                            + ("..." if len(missing) > 10 else "") + "; add them ([[segmentation.segment]] "
                            "strategy, owner)")})
    for r in rows:
        r["segments"] = len(used)
    return rows


def _substantial(profit: pd.DataFrame, cfg) -> dict:
    """A segment is substantial when it holds at least min_customer_share of the customers, or
    min_turnover_share of the turnover, or min_profit_share of the profit."""
    if profit.empty:
        return {"principle": "substantial", "passed": False, "threshold": 1.0,
                "reason": "no segment has customers"}
    big = ((profit["customers_share"] >= cfg.min_customer_share)
           | (profit["turnover_share"].fillna(-1) >= cfg.min_turnover_share)
           | (profit["profit_share"].fillna(-1) >= cfg.min_profit_share))
    small = profit[~big]
    passed = small.empty
    reason = ("every segment reaches [segments] min_customer_share, min_turnover_share or min_profit_share "
              f"(smallest: {profit['customers_share'].min():.1%} of the customers)") if passed else (
        f"{len(small)} segment(s) below {cfg.min_customer_share:.0%} of the customers, "
        f"{cfg.min_turnover_share:.0%} of the turnover and {cfg.min_profit_share:.0%} of the profit: "
        + ", ".join(f"{r.segment} ({r.customers} customers, {r.customers_share:.1%})"
                    for r in small.head(10).itertuples()) + ("..." if len(small) > 10 else "")
        + "; merge them into larger segments")
    return {"principle": "substantial", "measured": float(big.mean()),
            "threshold": 1.0, "passed": bool(passed), "reason": reason}


def moves(now: pd.DataFrame, before: pd.DataFrame | None) -> pd.DataFrame:
    """Customers by segmentation, previous segment and segment now: '(new)' for a customer the
    previous run did not segment at all, '(gone)' for one this run has not, '(none)' for one
    without the data the rule needs."""
    cols = ["segmentation", "customer_id", "segment"]
    if before is None or before.empty:
        m = now[cols].assign(previous_segment=None, _merge="left_only")
    else:
        m = now[cols].merge(before[cols].rename(columns={"segment": "previous_segment"}),
                            on=["segmentation", "customer_id"], how="outer", indicator=True)
    side = m["_merge"].astype(str)
    m["from_segment"] = np.where(side == "left_only", "(new)", m["previous_segment"].fillna("(none)"))
    m["to_segment"] = np.where(side == "right_only", "(gone)", m["segment"].fillna("(none)"))
    return m.groupby(["segmentation", "from_segment", "to_segment"]).size().rename("customers").reset_index()
