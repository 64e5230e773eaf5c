"""Incentive pay: each rep's variable pay by the workspace's plans (docs/incentives.md).

The plans are definitions files ``DIR/plans/*.toml`` (:mod:`.plans`); each component pays on a
measure of a declared result (the ``sales`` result's row of the rep over all business lines)
through the payout curve :func:`tiered_pay` (:mod:`.curve`, ../shared/METHODS.md "Incentive
pay"). The rep-level figures are few (one row per rep), so the statements are computed in
exact decimals in memory and stored as the pay results ``incentive-statements`` and
``incentive-totals`` (:mod:`.results`; pay data: a rep sees only their own rows).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa

from saleskpi.analyses import Analysis, Context
from saleskpi.analyses.incentives.curve import CENT, check_tiers, raw_pay, reached_tier, tiered_pay, to_decimal
from saleskpi.analyses.incentives.plans import (
    EXAMPLE_PLAN,
    MEASURES,
    PLANS_DIR,
    Component,
    Contest,
    Plan,
    load_plan,
    load_plans,
)
from saleskpi.analyses.incentives.results import RESULTS, STATEMENTS, TOTALS
from saleskpi.analyses.incentives.review_results import GAMING, REVIEW_RESULTS, WHATIF
from saleskpi.analyses.incentives.locking import check_closed_through, is_closed, lock, previous_rows, settings_file
from saleskpi.analyses.incentives.gaming import GAMING_TYPES, gaming
from saleskpi.analyses.incentives.whatif import WHATIF_TYPES, replay
from saleskpi.analyses.periods import Window, periods
from saleskpi.definitions import config_error

__all__ = ["ANALYSIS", "EXAMPLE_PLAN", "MEASURES", "PLANS_DIR", "Plan", "component_pay", "contest_prizes", "load_plan", "load_plans",
           "statements", "tiered_pay"]

_STATEMENT_TYPES = {"plan": "string", "period": "string", "rep_id": "string", "team_id": "string",
                    "step": "string", "component": "string", "measure": "string", "basis": "string",
                    "mode": "string", "actual": "float64", "target": "float64", "attainment": "float64",
                    "tier_from": "float64", "tier_rate": "float64", "rank": "int64", "target_pay": "decimal(38, 2)",
                    "proration": "float64", "pay_before_cap": "decimal(38, 2)", "cap_applied": "boolean",
                    "pay": "decimal(38, 2)", "currency": "string", "version": "int64", "note": "string"}
_TOTAL_TYPES = {"plan": "string", "period": "string", "rep_id": "string", "team_id": "string",
                "target_pay": "decimal(38, 2)", "components_pay": "decimal(38, 2)",
                "adjustments_value": "decimal(38, 2)", "total_pay": "decimal(38, 2)", "cost_of_sales": "float64",
                "currency": "string", "version": "int64", "note": "string"}


def component_pay(c: Component, on: Decimal, target_pay: Decimal) -> dict:
    """The pay of component ``c`` on ``on`` (the attainment with basis attainment, else the
    measure's value) for a component target pay ``target_pay``.

    With basis attainment the curve is applied in money: the value is attainment × target pay,
    the tiers' bounds and the threshold are scaled by the target pay (rates stay multiples), the
    cap is cap × target pay — so variable pay 100,000 at target with tiers [(0, 1), (1, 1.5)]
    pays 145,000 at 130 % (METHODS.md). Returns pay_before_cap, pay, cap_applied, tier_from,
    tier_rate (all Decimal but the flag)."""
    tiers = check_tiers(c.tiers)
    threshold = None if c.threshold is None else to_decimal(c.threshold, "threshold")
    cap = None if c.cap is None else to_decimal(c.cap, "cap")
    tier = reached_tier(on, tiers)
    if c.basis == "attainment":
        scale = target_pay
        value, tiers = on * scale, [(low * scale, rate) for low, rate in tiers]
        threshold = None if threshold is None else threshold * scale
        cap = None if cap is None else cap * scale
    else:
        value = on
    below = threshold is not None and value < threshold
    before = Decimal(0) if below else raw_pay(value, tiers, c.mode)
    pay = tiered_pay(value, tiers, mode=c.mode, threshold=threshold, cap=cap)
    return {"pay_before_cap": before.quantize(CENT, rounding=ROUND_HALF_UP), "pay": pay,
            "cap_applied": cap is not None and before > cap,
            "tier_from": None if tier is None else tier[0], "tier_rate": None if tier is None else tier[1]}


def _proration(rep: dict, window: Window, prorate: bool) -> Decimal:
    """Share of ``window``'s days the rep was employed (hired_on .. left_on, inclusive)."""
    if not prorate:
        return Decimal(1)
    start = max(window.start, _day(rep.get("hired_on")) or window.start)
    end = min(window.end, _day(rep.get("left_on")) or window.end)
    days = max(0, (end - start).days + 1)
    return Decimal(days) / Decimal(window.days)


def _day(x) -> dt.date | None:
    if x is None or (not isinstance(x, dt.date) and pd.isna(x)):
        return None
    return x.date() if isinstance(x, (pd.Timestamp, dt.datetime)) else x


def _num(x) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _figures(measure: str, measures: dict | None, targets: dict, rid: str):
    """(value, target, attainment) of ``measure`` for rep ``rid`` (None where unknown)."""
    m = MEASURES[measure]
    value = None if measures is None else _num(measures.get(m.column))
    target = attainment = None
    if m.target_from == "stored" and measures is not None:
        target, attainment = _num(measures.get(m.target_column)), _num(measures.get(m.attainment_column))
    elif m.target_from == "targets":
        target = targets.get((rid, measure))
        attainment = value / target if value is not None and target is not None and target > 0 else None
    return value, target, attainment


def contest_prizes(contest: Contest, figures: dict[str, float | None]) -> dict[str, tuple[int, Decimal]]:
    """Rank and prize per ranked rep of ``contest`` on ``figures`` (rep -> the ranked figure).

    Reps without a figure, or below ``min_value``, are not ranked. The highest figure ranks 1;
    reps with equal figures share a rank (the best of the ranks they span: 1, 2, 2, 4) and split
    the prizes of the ranks they span equally, each share rounded to the cent half away from zero
    (the split used for tied places in prize money)."""
    ranked = sorted(((f, rid) for rid, f in figures.items()
                     if f is not None and (contest.min_value is None or f >= contest.min_value)),
                    key=lambda x: (-x[0], x[1]))
    prizes = [to_decimal(p, "prize") for p in contest.prizes]
    out: dict[str, tuple[int, Decimal]] = {}
    i = 0
    while i < len(ranked):
        group = [rid for f, rid in ranked if f == ranked[i][0]]
        pot = sum(prizes[i:i + len(group)], Decimal(0))
        for rid in group:
            out[rid] = (i + 1, (pot / len(group)).quantize(CENT, rounding=ROUND_HALF_UP))
        i += len(group)
    return out


def statements(plan: Plan, *, reps: list[dict], rep_rows: dict[str, dict], targets: dict[tuple[str, str], float],
               label: str, window: Window, currency: str, warn=lambda message: None) -> tuple[list[dict], list[dict]]:
    """The statement rows and the total rows of ``plan`` for the period ``label`` (``window``:
    its days to the as-of date).

    ``reps``: the reps table's rows (rep_id, team_id, role, hired_on, left_on); ``rep_rows``: per rep
    its row of the measures' result (the ``sales`` row of level rep over all lines);
    ``targets``: (rep_id, kpi) -> target of the period. A rep without a target, or without the
    measure, gets no pay on that component and the reason in ``note`` (never 0 paid silently)."""
    eligible = [r for r in reps if (plan.reps is None or r["rep_id"] in plan.reps)
                and (plan.roles is None or r.get("role") in plan.roles)]
    rows, totals = [], []
    missing_rows: list[str] = []
    employed = {r["rep_id"] for r in eligible if _proration(r, window, plan.prorate) > 0}
    contests = {}
    for k in plan.contest:
        figures = {}
        for rid in employed:
            value, _, attainment = _figures(k.measure, rep_rows.get(rid), targets, rid)
            figures[rid] = attainment if k.rank_on == "attainment" else value
        contests[k.name] = (figures, contest_prizes(k, figures))
    for rep in sorted(eligible, key=lambda r: r["rep_id"]):
        rid = rep["rep_id"]
        share = _proration(rep, window, plan.prorate)
        if share == 0:
            continue  # not employed in the period to date
        base = {"plan": plan.name, "period": label, "rep_id": rid, "team_id": rep.get("team_id"),
                "currency": currency}
        measures = rep_rows.get(rid)
        if measures is None:
            missing_rows.append(rid)
        unknown, components_pay = [], Decimal(0)
        for c in plan.component:
            m = MEASURES[c.measure]
            target_pay = (plan.target_pay_of(rid) * to_decimal(c.weight, "weight") * share).quantize(
                CENT, rounding=ROUND_HALF_UP)
            row = {**base, "step": "component", "component": c.name, "measure": c.measure, "basis": c.basis,
                   "mode": c.mode, "target_pay": target_pay, "proration": float(share), "cap_applied": None}
            value, target, attainment = _figures(c.measure, measures, targets, rid)
            row |= {"actual": value, "target": target, "attainment": attainment}
            note = None
            if measures is None:
                note = (f"no pay: the {m.result} result has no row for {rid} in {label} (no sales and no target "
                        "in the period)")
            elif c.basis == "attainment" and (target is None or target <= 0):
                note = (f"no pay: no target for {rid} in {label} (targets, level rep, kpi {c.measure}); import "
                        "the targets to compute it"
                        if target is None else f"no pay: the target for {rid} in {label} is {target}, not positive")
            elif (attainment if c.basis == "attainment" else value) is None:
                note = f"no pay: {c.measure} is empty for {rid} in {label} (see {m.result}.note)"
            if note is None:
                on = to_decimal(attainment if c.basis == "attainment" else value, "measure")
                row |= component_pay(c, on, target_pay)
                row["tier_from"] = None if row["tier_from"] is None else float(row["tier_from"])
                row["tier_rate"] = None if row["tier_rate"] is None else float(row["tier_rate"])
                components_pay += row["pay"]
                if c.threshold is not None and row["pay"] == 0 and row["pay_before_cap"] == 0:
                    note = f"below the threshold {c.threshold}: nothing paid"
            else:
                unknown.append(c.name)
            if share < 1:
                note = "; ".join(filter(None, [note, f"prorated: employed {float(share):.1%} of the period to date"]))
            rows.append(row | {"note": note})
        for k in plan.contest:
            figures, won = contests[k.name]
            value, target, attainment = _figures(k.measure, measures, targets, rid)
            rank, prize = won.get(rid, (None, Decimal("0.00")))
            if rank is None:
                note = (f"not ranked: {k.measure} {'attainment ' if k.rank_on == 'attainment' else ''}is unknown for {rid}"
                        if figures.get(rid) is None else f"not ranked: below the contest's min_value {k.min_value}")
            else:
                ties = sum(1 for r, _ in won.values() if r == rank)
                note = None if ties == 1 else f"tied with {ties - 1} other rep(s): the prizes of the places they share are split equally"
            components_pay += prize
            rows.append({**base, "step": "contest", "component": k.name, "measure": k.measure, "basis": k.rank_on,
                         "actual": value, "target": target, "attainment": attainment, "rank": rank, "pay": prize,
                         "note": note})
        adjustments = Decimal(0)
        for i, a in enumerate(plan.adjustment, start=1):
            if a.rep_id != rid:
                continue
            amount = to_decimal(a.amount, "amount").quantize(CENT, rounding=ROUND_HALF_UP)
            adjustments += amount
            rows.append({**base, "step": a.kind, "component": f"#{i}", "pay": amount, "note": a.reason})
        total = None if unknown else components_pay + adjustments
        turnover = None if measures is None else _num(measures.get("turnover_value_period"))
        known = total is not None and turnover is not None and turnover > 0
        totals.append({**base, "cost_of_sales": float(total) / turnover if known else None,
                       "target_pay": (plan.target_pay_of(rid) * share).quantize(CENT, rounding=ROUND_HALF_UP),
                       "components_pay": None if unknown else components_pay, "adjustments_value": adjustments,
                       "total_pay": total,
                       "note": (f"total not computed: no pay on {', '.join(unknown)} (see the statement)"
                                if unknown else None)})
    if missing_rows:
        warn(f"plan '{plan.name}': {len(missing_rows)} rep(s) have no row in the sales result for {label} "
             f"({', '.join(missing_rows[:5])}{'...' if len(missing_rows) > 5 else ''}), so they get no pay; their "
             "statements say so.")
    empty = sorted({(r["measure"], r["rep_id"]) for r in rows
                    if r["step"] == "component" and str(r["note"]).startswith(f"no pay: {r['measure']} is empty")})
    for measure in sorted({m for m, _ in empty}):
        who = [rid for m, rid in empty if m == measure]
        warn(f"plan '{plan.name}': {measure} is empty for {len(who)} rep(s) in {label} ({', '.join(who[:5])}"
             f"{'...' if len(who) > 5 else ''}), so no pay is computed on it; sales.note says why.")
    without = sorted({r["rep_id"] for r in rows if r.get("note", "") and str(r["note"]).startswith("no pay: no target")})
    if without:
        warn(f"plan '{plan.name}': {len(without)} rep(s) have no target for {label}, so no pay is computed on "
             "their attainment components; import the targets.")
    return rows, totals


def _check_plan(plan: Plan, source: Path, ctx: Context, reps: list[dict]) -> None:
    """The plan against the workspace: its period and the reps it names (ConfigError naming the
    file and the key)."""
    rep_ids = {r["rep_id"] for r in reps}
    eligible = {r["rep_id"] for r in reps if (plan.reps is None or r["rep_id"] in plan.reps)
                and (plan.roles is None or r.get("role") in plan.roles)}
    problems = []
    if plan.period != ctx.settings.sales.period:
        problems.append(f"period: the plan pays per {plan.period}, the workspace reports per "
                        f"{ctx.settings.sales.period} ([sales] period in settings.toml); write period = "
                        f"\"{ctx.settings.sales.period}\" or change the setting")
    for i, a in enumerate(plan.adjustment, start=1):
        if a.rep_id not in eligible:
            problems.append(f"[[adjustment]] #{i} rep_id: '{a.rep_id}' is not a rep of the plan; use a rep_id of "
                            "the reps table of an eligible role (roles) and, when the plan lists them, of reps")
    for key, ids in (("reps", plan.reps or []), ("target_pay_by_rep", list(plan.target_pay_by_rep))):
        unknown = sorted(set(ids) - rep_ids)
        if unknown:
            problems.append(f"{key}: {', '.join(unknown)} not in the reps table; remove them or import the reps")
    if problems:
        raise config_error(str(source), Plan.problem_noun, problems)


def run(ctx: Context) -> dict[str, ibis.Table]:
    plans = load_plans(Path(ctx.ws.path))
    p = periods(ctx.as_of, ctx.settings.sales.period)
    currency = ctx.settings.workspace.currency
    if not plans:
        ctx.warn("incentives", f"no plan in {Path(ctx.ws.path) / PLANS_DIR}, so no incentive pay is computed; copy "
                               "the example plan there (docs/incentives.md).")
    reps_t = ctx.table("reps")
    reps = reps_t.select("rep_id", "team_id", "role", "hired_on", "left_on").to_pyarrow().to_pylist()
    sales = ctx.result("sales")
    columns = sorted({"rep_id", *(c for m in MEASURES.values() if m.result == "sales"
                                  for c in (m.column, m.target_column, m.attainment_column) if c)})
    rep_level = sales.filter((sales.level == "rep") & sales.business_line.isnull()).select(*columns)
    rep_rows = {r["rep_id"]: r for r in rep_level.to_pyarrow().to_pylist()}
    t = ctx.table("targets")
    target_rows = t.filter((t.period == p.label) & (t.level == "rep")).select("key", "kpi", "target")
    targets = {(r["key"], r["kpi"]): float(r["target"]) for r in target_rows.to_pyarrow().to_pylist()
               if r["target"] is not None}
    rows, totals = [], []
    for source, plan in plans.items():
        _check_plan(plan, source, ctx, reps)
        s, tot = statements(plan, reps=reps, rep_rows=rep_rows, targets=targets, label=p.label, window=p.current,
                            currency=currency, warn=lambda m: ctx.warn("incentives", m))
        rows += s
        totals += tot
    closed_through = check_closed_through(ctx.settings.incentives.closed_through, ctx.settings.sales.period,
                                          settings_file(ctx))
    previous = (previous_rows(ctx, STATEMENTS.name, TOTALS.name, (_STATEMENT_TYPES, _TOTAL_TYPES))
                if is_closed(p.label, closed_through) else None)
    rows, totals = lock(previous, rows, totals, label=p.label, closed_through=closed_through,
                        warn=lambda m: ctx.warn("incentives", m))
    return {STATEMENTS.name: _table(rows, _STATEMENT_TYPES), TOTALS.name: _table(totals, _TOTAL_TYPES),
            WHATIF.name: _table(replay(ctx, plans, reps, currency, statements=statements, check_plan=_check_plan), WHATIF_TYPES),
            GAMING.name: _table(gaming(ctx, plans, reps, currency), GAMING_TYPES)}


def _table(rows: list[dict], types: dict[str, str]) -> ibis.Table:
    """``rows`` as an in-memory table of the stated types, the Decimals kept exact (through
    Arrow: pandas would turn an empty decimal into an error)."""
    schema = ibis.schema(types)
    return ibis.memtable(pa.Table.from_pylist([{k: r.get(k) for k in types} for r in rows],
                                              schema=schema.to_pyarrow()), schema=schema)


ANALYSIS = Analysis(name="incentives", title="Incentive pay", results=(*RESULTS, *REVIEW_RESULTS), run=run, depends_on=("sales",))
