"""Segments: internal (value x share), external (industry, size band, region), RFM groups, data-
driven clusters and the user's own rule-based segmentations, each checked against the five
principles of effective segments, with the profit of each segment and the moves since the last
run (course topic 6; docs/segments.md).

The per-customer figures (12-month orders, lines, turnover, margin, recency) are summed by the
engine from the invoice lines; the scoring, clustering and tests run on that one-row-per-customer
summary in memory. Definitions: the workspace's ``segments.toml`` (:mod:`.rules`).
Python API: :func:`rfm_scores`, :func:`quintile_scores`, :func:`rfm_group`, :func:`clusters`,
:func:`kruskal_wallis`, :func:`cost_to_serve`.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from saleskpi.analyses import Analysis, Context, frame_table
from saleskpi.analyses import declared_types as _types
from saleskpi.analyses.periods import last_12_months
from saleskpi.analyses.segments.quality import cost_to_serve, kruskal_wallis, moves, principles, profit_by_segment
from saleskpi.analyses.segments.results import (
    RESULTS,
    SEGMENT_CLUSTERS,
    SEGMENT_MOVES,
    SEGMENT_PROFIT,
    SEGMENT_QUALITY,
    SEGMENTS,
)
from saleskpi.analyses.segments.rfm import RFM_GROUPS, clusters, quintile_scores, rfm_group, rfm_scores
from saleskpi.analyses.segments.rules import (
    BUILT_IN,
    EXAMPLE_SEGMENTS,
    SEGMENTS_FILE,
    SegmentDefinitions,
    load_segments,
    matches,
)
from saleskpi.definitions import config_error

__all__ = ["ANALYSIS", "BUILT_IN", "EXAMPLE_SEGMENTS", "RFM_GROUPS", "SEGMENTS_FILE", "clusters", "cost_to_serve",
           "kruskal_wallis", "load_segments", "quintile_scores", "rfm_group", "rfm_scores"]

_ATTRIBUTES = ("industry", "size_band", "region")
_FEATURES = ("turnover_value_12m", "orders_12m", "recency_days", "products_12m")


def _customers(ctx: Context) -> pd.DataFrame:
    """One row per customer acquired by the as-of date: attributes, 12-month figures, results."""
    c = ctx.table("customers")
    c = c.filter(c.acquired_on.isnull() | (c.acquired_on <= ctx.as_of))
    keep = ["customer_id", "territory_id", "rep_id", "industry", "size_band", "region", "city", "country"]
    c = c.select(*keep, *[n for n in c.columns if n.startswith("driver_")])
    s = ctx.table("sales")
    s = s.filter(s.date <= ctx.as_of)
    start, _ = last_12_months(ctx.as_of)
    in12 = s.date >= start
    per = s.group_by(sid=s.customer_id).aggregate(
        last_purchase=s.date.max(),
        orders_12m=s.invoice_id.nunique(where=in12),
        lines_12m=in12.cast("int64").sum(),
        products_12m=s.product_id.nunique(where=in12),
        turnover_value_12m=s.net_value.sum(where=in12).cast("float64"),
        margin_12m=(s.net_value - s.cost).sum(where=in12).cast("float64"),
        lines_without_cost=(in12 & s.cost.isnull()).cast("int64").sum())
    out = c.left_join(per, c.customer_id == per.sid).drop("sid")
    a = ctx.result("abc").select("customer_id", "class_by_value", "class_by_potential", "class_by_share",
                                 "share_of_wallet_by_value", "potential_value")
    a = a.rename(aid="customer_id")
    out = out.left_join(a, out.customer_id == a.aid).drop("aid")
    v = ctx.result("clv").select("customer_id", "p_alive", "clv_36m").rename(vid="customer_id")
    out = out.left_join(v, out.customer_id == v.vid).drop("vid")
    f = out.to_pyarrow().to_pandas()
    bought = f["last_purchase"].notna()
    f["recency_days"] = np.where(bought, (pd.Timestamp(ctx.as_of) - pd.to_datetime(f["last_purchase"])).dt.days,
                                 np.nan)
    for col in ("orders_12m", "lines_12m", "products_12m", "turnover_value_12m"):
        f[col] = f[col].astype(float).fillna(0.0)  # no purchase in the 12 months: 0 orders, 0 turnover
    f["margin_12m"] = f["margin_12m"].astype(float).fillna(0.0).where(f["lines_without_cost"].fillna(0) == 0)
    for col in ("potential_value", "share_of_wallet_by_value", "p_alive", "clv_36m"):
        f[col] = f[col].astype(float)
    return f.sort_values("customer_id").reset_index(drop=True)


def _cost(ctx: Context, f: pd.DataFrame) -> pd.Series:
    """Cost to serve per customer by the [segments] rates; a named column that is not in the
    customers table is refused naming settings.toml and the key."""
    cfg = ctx.settings.segments
    problems = [f"[segments] {key}: '{name}' is not a column of the customers table; import it (a driver_ column) or "
                "remove the setting" for key, name in (("visits_column", cfg.visits_column),
                                                        ("cost_column", cfg.cost_column))
                if name is not None and name not in f.columns]
    if problems:
        raise config_error(str(Path(ctx.ws.path) / "settings.toml"), "setting", problems)
    visits = f[cfg.visits_column] if cfg.visits_column else None
    other = f[cfg.cost_column] if cfg.cost_column else None
    return cost_to_serve(f["orders_12m"], f["lines_12m"], visits, other, per_order=cfg.cost_per_order,
                         per_line=cfg.cost_per_line, per_visit=cfg.cost_per_visit)


def _built_in(f: pd.DataFrame, cfg) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The built-in segmentations' rows (segment, basis, note per customer) and the k table."""
    out = {}
    cv, cs = f["class_by_value"], f["class_by_share"]
    both = cv.notna() & cs.notna()
    out["value-share"] = pd.DataFrame({
        "segment": np.where(both, cv.fillna("") + "/" + cs.fillna(""), None),
        "assigned_by": np.where(both, "class_by_value = " + cv.fillna("") + ", class_by_share = " + cs.fillna(""), None),
        "note": np.where(both, None, np.where(cv.isna(), "no ABC class by purchases (see abc.class_missing_reason)",
                                              "no class by share of wallet (no potential: see abc.class_missing_reason)"))})
    for attr in _ATTRIBUTES:
        x = f[attr]
        out[attr] = pd.DataFrame({"segment": x.where(x.notna(), None),
                                  "assigned_by": np.where(x.notna(), f"customers.{attr} = " + x.fillna("").astype(str), None),
                                  "note": np.where(x.notna(), None, f"no {attr} in the customer record")})
    bought = f["recency_days"].notna()
    rfm = pd.DataFrame({"segment": None, "assigned_by": None, "note": "no purchase up to the as-of date",
                        "r_score": np.nan, "f_score": np.nan, "m_score": np.nan}, index=f.index)
    clu = pd.DataFrame({"segment": None, "assigned_by": None, "note": "no purchase in the 12 months to the as-of date"},
                       index=f.index)
    table = pd.DataFrame()
    if bought.any():
        b = f[bought]
        sc = rfm_scores(b["recency_days"], b["orders_12m"], b["turnover_value_12m"])
        sc.index = b.index
        rfm.loc[b.index, ["r_score", "f_score", "m_score"]] = sc[["r_score", "f_score", "m_score"]].to_numpy()
        rfm.loc[b.index, "segment"] = sc["rfm_group"]
        rfm.loc[b.index, "assigned_by"] = ("R" + sc["r_score"].astype(str) + " F" + sc["f_score"].astype(str) + " M"
                                     + sc["m_score"].astype(str))
        rfm.loc[b.index, "note"] = None
    active = f["orders_12m"] > 0
    if active.sum() >= 3:
        b = f[active]
        feats = b[list(_FEATURES)].clip(lower=0)
        labels, table = clusters(feats, method=cfg.cluster_method, k_min=cfg.cluster_k_min, k_max=cfg.cluster_k_max,
                                 sample=cfg.cluster_sample)
        if len(table):
            chosen = table[table["chosen"]].iloc[0]
            clu.loc[b.index, "segment"] = [f"cluster {v}" for v in labels]
            tail = f" of {int(chosen['k'])} ({cfg.cluster_method}, {chosen['criterion']} {chosen['criterion_value']:.4g})"
            clu.loc[b.index, "assigned_by"] = [f"cluster {v}{tail}" for v in labels]
            clu.loc[b.index, "note"] = None
    if table.empty:
        clu["note"] = "too few customers with a purchase in the 12 months to cluster (at least 3 needed)"
    out["rfm"], out["clusters"] = rfm, clu
    return out, table


def _ruled(ctx: Context, f: pd.DataFrame, defs: SegmentDefinitions, source: Path) -> dict[str, pd.DataFrame]:
    """The user's rule-based segmentations: each customer in the first segment whose rules it meets."""
    out = {}
    absent = [f"[[segmentation]] '{sg.name}' segment '{s.name}' when.{k}: no column {k} in the customers table; "
              "import it or change the rule" for sg in defs.segmentation for s in sg.segment for k in s.when
              if k not in f.columns]
    if absent:
        raise config_error(str(source), "segment definition", absent)
    for sg in defs.segmentation:
        if sg.name in BUILT_IN:
            continue
        segment = pd.Series(None, index=f.index, dtype=object)
        basis = pd.Series(None, index=f.index, dtype=object)
        needs = pd.Series(True, index=f.index)
        hits = pd.Series(0, index=f.index)
        for s in sg.segment:
            meets, known = matches(s, f)
            needs &= known
            hits += meets.astype(int) if s.when else 0
            free = segment.isna() & meets
            segment[free] = s.name
            basis[free] = ("; ".join(f"{k} {'in ' + str(list(r)) if isinstance(r, list) else _bounds(r)}"
                                     for k, r in s.when.items()) or "everyone else")
            if s.when and not meets.any():
                ctx.warn("segments", f"segmentation '{sg.name}': the rule of segment '{s.name}' matches no customer "
                                     f"({source}); check its values")
        overlap = int((hits > 1).sum())
        if overlap:
            ctx.warn("segments", f"segmentation '{sg.name}': {overlap} customer(s) meet the rules of more than one "
                                 "segment; each is put in the first (the order in segments.toml)")
        note = np.where(segment.notna(), None, np.where(needs, "meets no rule", "lacks data a rule needs"))
        out[sg.name] = pd.DataFrame({"segment": segment, "assigned_by": basis, "note": note})
    return out


def _bounds(b) -> str:
    return " and ".join(p for p in ((f">= {b.min:g}" if b.min is not None else ""),
                                    (f"< {b.max:g}" if b.max is not None else "")) if p)


def run(ctx: Context) -> dict[str, ibis.Table]:
    cfg = ctx.settings.segments
    source = Path(ctx.ws.path) / SEGMENTS_FILE
    defs = load_segments(ctx.ws.path)
    if not source.exists():
        ctx.warn("segments", f"no {source}: no segment has a strategy or an owner, so every segmentation fails "
                             "'actionable'; copy the example segments file there (docs/segments.md)")
    f = _customers(ctx)
    f["cost_to_serve"] = _cost(ctx, f).to_numpy()
    f["profit"] = f["margin_12m"] - f["cost_to_serve"]
    if f["cost_to_serve"].isna().all():
        ctx.warn("segments", "no cost to serve is set ([segments] cost_per_order, cost_per_line, cost_per_visit or "
                             "cost_column), so segment-profit has margins but no profit; set them in settings.toml")
    built, k_table = _built_in(f, cfg)
    if k_table.empty:
        ctx.warn("segments", "too few customers with a purchase in the 12 months to cluster (at least 3 needed); "
                             "the clusters segmentation is empty")
    f["rfm_group"] = built["rfm"]["segment"]
    segs = {**built, **_ruled(ctx, f, defs, source)}
    currency = ctx.settings.workspace.currency
    rows, quality, profit = [], [], []
    for name, seg in segs.items():
        frame = f.join(seg)
        frame["segmentation"] = name
        rows.append(frame[[c for c in SEGMENTS.column_names if c in frame.columns]])
        needs = BUILT_IN.get(name, "the fields its rules test")
        p = profit_by_segment(frame, defs.of(name))
        for d in (defs.of(name).segment if defs.of(name) else []):
            if name in BUILT_IN and d.name not in set(p.get("segment", [])):
                ctx.warn("segments", f"segmentation '{name}': segment '{d.name}' in {source} holds no customer in "
                                     "this run (check its name if it should)")
        quality += [{"segmentation": name, **r} for r in principles(frame, p, defs.of(name), needs, cfg)]
        profit.append(p.assign(segmentation=name))
    seg_rows = pd.concat(rows, ignore_index=True)
    seg_rows["currency"] = currency
    before = ctx.previous_result(SEGMENTS.name)
    prev = None if before is None else before.select("segmentation", "customer_id", "segment", "run_id") \
        .to_pyarrow().to_pandas()
    if prev is not None:
        seg_rows = seg_rows.merge(prev[["segmentation", "customer_id", "segment"]].rename(
            columns={"segment": "previous_segment"}), on=["segmentation", "customer_id"], how="left")
    mv = moves(seg_rows, prev).assign(previous_run=None if prev is None or prev.empty else int(prev["run_id"].iloc[0]))
    prof = pd.concat(profit, ignore_index=True) if profit else pd.DataFrame()
    if len(prof):
        prof["currency"] = currency
    out = {SEGMENTS.name: seg_rows, SEGMENT_QUALITY.name: pd.DataFrame(quality), SEGMENT_PROFIT.name: prof,
           SEGMENT_MOVES.name: mv, SEGMENT_CLUSTERS.name: k_table.rename(columns={
               "method": "cluster_method", "criterion": "k_criterion", "criterion_value": "k_criterion_score",
               "chosen": "k_chosen"})}
    return {r.name: frame_table(out[r.name], _types(r)) for r in RESULTS}


ANALYSIS = Analysis(name="segments", title="Segments", results=RESULTS, run=run, depends_on=("abc", "clv"))
