"""Loyalty programme: its KPIs and goals, and whether it works (course topic 8; docs/loyalty.md).

Python API: :func:`did` (difference-in-differences, Angrist & Pischke 2009 ch. 5; clustered
errors after Cameron & Miller 2015). The analysis reads the contract tables
``loyalty_members``, ``loyalty_events``, ``customers`` and ``sales``, the ``abc`` result (each
customer's yearly potential) and the goals file ``DIR/loyalty.toml`` (:mod:`.goals`), and stores
``loyalty`` and ``loyalty-lift``.
"""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd

from saleskpi.analyses import Analysis, Context, frame_table
from saleskpi.analyses import declared_types as _types
from saleskpi.analyses.loyalty import kpis as K
from saleskpi.analyses.loyalty import lift as L
from saleskpi.analyses.loyalty.did import DidEstimate, did
from saleskpi.analyses.loyalty.goals import EXAMPLE_GOALS, GOALS_FILE, KPIS, Programme, load_goals
from saleskpi.analyses.loyalty.results import KPIS_RESULT, LIFT, RESULTS
from saleskpi.analyses.periods import last_12_months
from saleskpi.errors import UsageError

__all__ = ["ANALYSIS", "DidEstimate", "did", "load_goals", "Programme", "EXAMPLE_GOALS", "GOALS_FILE", "KPIS",
           "matched_rows"]

MEMBERS_FIX = ("import the programme's members (loyalty_members: customer_id, enrolled_on, tier, left_on) with "
               "'saleskpi import DIR loyalty_members FILE'")
EVENTS_FIX = ("import the points (loyalty_events: event_id, customer_id, date, kind earn/redeem/expire, points, "
              "cost) with 'saleskpi import DIR loyalty_events FILE'")
MEASURES = ("purchases", "margin", "share_of_wallet")


def _buyers(sales: ibis.Table, start: dt.date, end: dt.date) -> set:
    s = sales.filter((sales.date >= start) & (sales.date <= end))
    g = s.group_by("customer_id").aggregate(v=s.net_value.sum())
    return set(g.filter(g.v > 0).customer_id.to_pyarrow().to_pylist())


def _monthly(sales: ibis.Table, as_of: dt.date) -> tuple[pd.DataFrame, float]:
    """Purchases and margin per customer and month up to the as-of date; the share of the value on
    lines with a cost (the margin's coverage)."""
    s = sales.filter(sales.date <= as_of)
    s = s.mutate(month=s.date.truncate("M"), with_cost=ibis.ifelse(s.cost.notnull(), s.net_value, 0),
                 margin=(s.net_value - s.cost.fill_null(0)))
    g = s.group_by(["customer_id", "month"]).aggregate(value=s.net_value.sum(), margin=s.margin.sum(),
                                                       with_cost=s.with_cost.sum())
    frame = g.to_pyarrow().to_pandas()
    total = float(frame["value"].astype(float).abs().sum())
    coverage = float(frame["with_cost"].astype(float).abs().sum()) / total if total > 0 else 0.0
    return frame, coverage


def _check_events(ctx: Context, members: pd.DataFrame, events: pd.DataFrame) -> None:
    """Events of non-members or before enrolment: reported with the row (event_id)."""
    on = members.set_index("customer_id")["enrolled_on"]
    joined = events["customer_id"].map(on)
    for rows, what in ((events[joined.isna()], "of customers who are not members (loyalty_members)"),
                       (events[joined.notna() & (pd.to_datetime(events["date"]) < pd.to_datetime(joined))],
                        "dated before the member's enrolment (loyalty_members.enrolled_on)")):
        if len(rows):
            shown = ", ".join(f"{r.event_id} ({r.customer_id}, {r.date})" for r in rows.head(5).itertuples())
            ctx.warn("loyalty", f"{len(rows)} loyalty event(s) {what}: {shown}{'...' if len(rows) > 5 else ''}; "
                     "they are counted in the points KPIs; correct the members or the events.")


def _panel(ctx: Context, members: pd.DataFrame, monthly: pd.DataFrame) -> tuple[L.Panel, int]:
    """The customers x months panel to the as-of month and the index of its last complete month."""
    as_of = ctx.as_of
    customers = pd.Index(sorted(set(ctx.table("customers").customer_id.to_pyarrow().to_pylist())))
    abc = ctx.result("abc").select("customer_id", "potential_value").to_pyarrow().to_pandas()
    potential = abc.set_index("customer_id")["potential_value"].astype(float)
    panel = L.monthly_matrix(monthly, customers, members, potential, pd.Period(as_of, "M"))
    complete = (as_of + dt.timedelta(days=1)).month != as_of.month  # the as-of day ends its month
    return panel, len(panel.months) - (1 if complete else 2)


def _lift_rows(ctx: Context, members: pd.DataFrame, monthly: pd.DataFrame, coverage: float) -> tuple[list[dict], str | None]:
    """One loyalty-lift row per measure (empty figures with the reason when the data cannot give them)."""
    cfg = ctx.settings.loyalty
    panel, last_full = _panel(ctx, members, monthly)
    rows = L.matched_rows(panel, window=cfg.window_months, neighbours=cfg.neighbours, last_full=last_full)
    empty = [{"outcome": m} for m in MEASURES]
    if rows.empty or rows["treated"].sum() == 0:
        why = (f"no member has {cfg.window_months} months of purchases before and after enrolment with a non-member "
               "to compare ([loyalty] window_months): import a longer sales history, or wait until members have "
               "been members for a full window")
        return [r | {"note": why} for r in empty], why
    out = []
    members_rows = rows[rows["treated"] == 1]
    naive = L.naive_gap(members_rows, panel, window=cfg.window_months)
    for m in MEASURES:
        base = {"outcome": m, "members": int(members_rows["customer_id"].nunique()),
                "controls": int(rows.loc[rows["treated"] == 0, "customer_id"].nunique())}
        if m == "margin" and coverage < ctx.settings.sales.min_cost_coverage:
            out.append(base | {"note": f"margin unknown: the lines with a cost hold {coverage:.0%} of the turnover "
                                       "([sales] min_cost_coverage): import the sales with cost or margin"})
            continue
        have = rows.dropna(subset=[f"{m}_pre", f"{m}_post"])
        if m == "share_of_wallet" and have["treated"].sum() == 0:
            out.append(base | {"note": "share of wallet unknown: no compared member has a potential (abc."
                                       "potential_value); import potential"})
            continue
        try:
            main, placebo = L.lift(rows, m, level=cfg.level)
        except (UsageError, np.linalg.LinAlgError) as exc:  # a degenerate design: say so, do not stop the run
            out.append(base | {"note": f"no lift: {exc}"})
            continue
        out.append(base | {
            "lift": main.estimate, "lift_ci_low": main.ci_low, "lift_ci_high": main.ci_high, "lift_pvalue": main.pvalue,
            "counterfactual": main.counterfactual, "relative_lift": main.relative,
            "relative_lift_ci_low": main.relative_ci_low, "relative_lift_ci_high": main.relative_ci_high,
            "naive_gap": naive if m == "purchases" else None,
            "pretrend_difference": placebo.estimate, "pretrend_difference_ci_low": placebo.ci_low,
            "pretrend_difference_ci_high": placebo.ci_high, "pretrend_pvalue": placebo.pvalue,
            "parallel_trends": bool(placebo.pvalue >= cfg.significance),
            "note": None if m == "purchases" else "the naive gap is given on the purchases row"})
    return out, None


def _roi(ctx: Context, lift_rows: list[dict], members: pd.DataFrame, events: pd.DataFrame, cost_per_point) -> None:
    """Fill the margin row's incremental margin, cost and ROI (12 months to the as-of date)."""
    cfg = ctx.settings.loyalty
    start, as_of = last_12_months(ctx.as_of)
    row = next(r for r in lift_rows if r["outcome"] == "margin")
    recent = events[pd.to_datetime(events["date"]) >= pd.Timestamp(start)]
    reward = K.reward_cost(recent, cost_per_point)
    if reward is None:
        row["note"] = "; ".join(filter(None, [row.get("note"), "no ROI: redemptions without cost and no cost per "
                                              "point ([loyalty] cost_per_point)"]))
        return
    cost = reward + cfg.fixed_cost_per_year
    row["programme_cost_12m"] = cost
    row["cost_source"] = (f"reward cost of the {int((recent['kind'] == 'redeem').sum())} redemptions in the 12 months "
                          f"(loyalty_events.cost) + [loyalty] fixed_cost_per_year {cfg.fixed_cost_per_year:g}")
    if row.get("lift") is None:
        return
    months = K.member_months(members, start, as_of)
    for part in ("", "_ci_low", "_ci_high"):
        row[f"incremental_margin_12m{part}"] = row[f"lift{part}"] * months
    if cost > 0:
        for part in ("", "_ci_low", "_ci_high"):
            row[f"roi{part}"] = (row[f"incremental_margin_12m{part}"] - cost) / cost
    else:
        row["note"] = "; ".join(filter(None, [row.get("note"), "no ROI: the programme cost is 0"]))


def _goals(ctx: Context, kpi_rows: list[dict]) -> None:
    programme = load_goals(ctx.ws.path)
    if programme is None:
        ctx.warn("loyalty", f"no programme goals ({GOALS_FILE} in the workspace): the KPIs are shown without "
                 f"targets. To compare them, copy the example goals (docs/loyalty.md) to DIR/{GOALS_FILE}.")
        return
    by_kpi = {r["programme_kpi"]: r for r in kpi_rows}
    for g in programme.goal:
        r = by_kpi[g.kpi]
        if r.get("goal"):  # a second goal on the same KPI: its own row
            r = dict(r)
            kpi_rows.append(r)
            r["programme_kpi"] = f"{g.kpi}#{g.name}"
        r |= {"goal": g.name, "goal_target": g.target, "goal_direction": g.direction}
        if r["programme_figure"] is not None:
            r["target_met"] = bool(r["programme_figure"] >= g.target if g.direction == "at_least" else r["programme_figure"] <= g.target)


def run(ctx: Context) -> dict[str, ibis.Table]:
    cfg = ctx.settings.loyalty
    start, as_of = last_12_months(ctx.as_of)
    m = ctx.table("loyalty_members")
    members = m.filter(m.enrolled_on <= as_of).to_pyarrow().to_pandas()
    e = ctx.table("loyalty_events")
    events = e.filter(e.date <= as_of).select("event_id", "customer_id", "date", "kind", "points", "cost") \
        .to_pyarrow().to_pandas()
    events["points"] = events["points"].astype(float)
    events["cost"] = events["cost"].astype(float)
    if members.empty:
        ctx.warn("loyalty", f"no loyalty programme members up to the as-of date: the loyalty results hold only what "
                 f"needs no members. To fill them, {MEMBERS_FIX}, and {EVENTS_FIX}.")
    elif events.empty:
        ctx.warn("loyalty", f"no loyalty events up to the as-of date: the points, redemption, breakage and liability "
                 f"KPIs are empty. To fill them, {EVENTS_FIX}.")
    _check_events(ctx, members, events)
    sales = ctx.table("sales")
    c = ctx.table("customers")
    n_customers = int(c.filter(c.acquired_on.isnull() | (c.acquired_on <= as_of)).count().to_pyarrow().as_py())
    buyers_12m = _buyers(sales, start, as_of)
    before = last_12_months(start - dt.timedelta(days=1))
    rows = K.programme_kpis(customers=n_customers, members=members, events=events, buyers_12m=buyers_12m, start=start,
                            as_of=as_of, cost_per_point=cfg.cost_per_point)
    rows += K.churn(members, _buyers(sales, *before), buyers_12m, start, as_of)
    cost_per_point = next(r["programme_figure"] for r in rows if r["programme_kpi"] == "cost_per_point")
    if members.empty:
        lift_rows = [{"outcome": x, "note": f"no members: {MEMBERS_FIX}"} for x in MEASURES]
    else:
        monthly, coverage = _monthly(sales, as_of)
        lift_rows, why = _lift_rows(ctx, members, monthly, coverage)
        if why:
            ctx.warn("loyalty", f"the lift cannot be measured: {why}.")
        _roi(ctx, lift_rows, members, events, cost_per_point)
        for r in lift_rows:
            if r.get("parallel_trends") is False:
                ctx.warn("loyalty", f"members and matched non-members did not move in parallel before enrolment "
                         f"({r['measure']}: pretrend_difference {r['pretrend_difference']:.4g}, p = "
                         f"{r['pretrend_pvalue']:.2g}): the {r['measure']} lift is not to be trusted.")
        purchases = lift_rows[0]
        if purchases.get("naive_gap") is not None and purchases.get("lift") is not None:
            ctx.warn("loyalty", f"the naive gap between members and non-members ({purchases['naive_gap']:.4g} a month) "
                     f"is not the programme's effect: members chose to join and heavier buyers join first "
                     f"(self-selection); the matched difference-in-differences gives {purchases['lift']:.4g} "
                     f"[{purchases['lift_ci_low']:.4g}, {purchases['lift_ci_high']:.4g}].")
    by = {r["outcome"]: r for r in lift_rows}
    margin = by["margin"]
    for kpi, source, col in (("purchases_lift", by["purchases"], "relative_lift"),
                             ("margin_lift", margin, "relative_lift"),
                             ("share_of_wallet_lift", by["share_of_wallet"], "lift"),
                             ("incremental_margin_12m", margin, "incremental_margin_12m"),
                             ("programme_cost_12m", margin, "programme_cost_12m"), ("roi", margin, "roi")):
        rows.append(K._row(kpi, source.get(col), KPIS[kpi], note=source.get("note") or "see loyalty-lift"))
    _goals(ctx, rows)
    kpi_frame = pd.DataFrame(rows)
    lift_frame = pd.DataFrame(lift_rows)
    return {KPIS_RESULT.name: frame_table(kpi_frame, _types(KPIS_RESULT)),
            LIFT.name: frame_table(lift_frame, _types(LIFT))}


def matched_rows(ctx: Context) -> pd.DataFrame:
    """The matched member and control rows the lift rests on (:func:`.lift.matched_rows`), for a
    workspace's run context: what the tests and a curious user read."""
    cfg = ctx.settings.loyalty
    m = ctx.table("loyalty_members")
    members = m.filter(m.enrolled_on <= ctx.as_of).to_pyarrow().to_pandas()
    monthly, _ = _monthly(ctx.table("sales"), ctx.as_of)
    panel, last_full = _panel(ctx, members, monthly)
    return L.matched_rows(panel, window=cfg.window_months, neighbours=cfg.neighbours, last_full=last_full)


ANALYSIS = Analysis(name="loyalty", title="Loyalty programme", results=RESULTS, run=run, depends_on=("abc",))
