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
    SPLIT_MEASURES,
    Plan,
    load_plan,
    load_plans,
)
from saleskpi.analyses.incentives.contests import Round, contest_prizes, contest_rounds, contest_rows, prefetch_rounds
from saleskpi.analyses.incentives.pools import (apply_credit_splits, credited_columns, credited_sums, pool_shares,
                                                split_amount, split_rounds)
from saleskpi.analyses.incentives.results import RESULTS, STATEMENTS, TEAM_TOTALS, TOTALS
from saleskpi.analyses.incentives.review_results import GAMING, REVIEW_RESULTS, WHATIF
from saleskpi.analyses.incentives.locking import (check_closed_through, is_closed, lock, lock_team_totals, previous_rows,
                                                 settings_file)
from saleskpi.analyses.incentives.gaming import GAMING_TYPES, gaming
from saleskpi.analyses.incentives.whatif import WHATIF_TYPES, replay
from saleskpi.analyses.periods import Window, first_sales_day, periods
from saleskpi.definitions import config_error

__all__ = ["ANALYSIS", "EXAMPLE_PLAN", "MEASURES", "PLANS_DIR", "Plan", "component_pay", "contest_prizes", "load_plan", "load_plans",
           "split_amount", "apply_credit_splits", "statements", "team_totals", "tiered_pay"]

_STATEMENT_TYPES = {"plan": "string", "period": "string", "rep_id": "string", "team_id": "string",
                    "step": "string", "component": "string", "measure": "string", "basis": "string",
                    "mode": "string", "actual": "float64", "target": "float64", "attainment": "float64",
                    "tier_from": "float64", "tier_rate": "float64", "rank": "int64", "target_pay": "decimal(38, 2)",
                    "proration": "float64", "pay_before_cap": "decimal(38, 2)", "cap_applied": "boolean",
                    "pay": "decimal(38, 2)", "pool_value": "decimal(38, 2)", "pool_share": "float64",
                    "currency": "string", "version": "int64", "note": "string"}
_TEAM_TOTAL_TYPES = {"plan": "string", "period": "string", "team_id": "string", "reps_paid": "int64",
                     "target_pay": "decimal(38, 2)", "components_pay": "decimal(38, 2)", "pools_pay": "decimal(38, 2)",
                     "adjustments_value": "decimal(38, 2)", "total_pay": "decimal(38, 2)", "cost_of_sales": "float64",
                     "currency": "string", "version": "int64", "note": "string"}
_TOTAL_TYPES = {"plan": "string", "period": "string", "rep_id": "string", "team_id": "string",
                "target_pay": "decimal(38, 2)", "components_pay": "decimal(38, 2)",
                "pools_pay": "decimal(38, 2)", "adjustments_value": "decimal(38, 2)", "total_pay": "decimal(38, 2)",
                "cost_of_sales": "float64", "currency": "string", "version": "int64", "note": "string"}


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
    value = None if measures is None else _num(measures.get(value_key(measure)))
    target = attainment = None
    if m.target_from == "stored" and measures is not None:
        target, attainment = _num(measures.get(m.target_column)), _num(measures.get(m.attainment_column))
    elif m.target_from == "targets":
        target = targets.get((rid, measure))
        attainment = value / target if value is not None and target is not None and target > 0 else None
    return value, target, attainment


def value_key(measure: str) -> str:
    """The key of ``measure``'s value in a rep's (or a pool unit's) row of figures: the ``sales``
    result's column, or the measure's own name for another result's figure rolled up to the rep
    (:func:`other_measures`)."""
    m = MEASURES[measure]
    return m.column if m.result == "sales" else measure


def plan_measures(plan: Plan) -> set[str]:
    """Every measure a plan pays, ranks, funds or splits on."""
    from saleskpi.analyses.incentives.plans import split_formula_names
    from saleskpi.analyses.kpis.formula import measures_of

    names = {c.measure for c in plan.component} | {k.measure for k in plan.contest}
    for pool in plan.pool:
        names |= {pool.measure} | ({pool.split_on} if pool.split_on else set())
        if pool.split_formula:
            known = split_formula_names()
            names |= {known[n][0] for n in measures_of(pool.split_formula) if n in known}
    return names


def other_measures(ctx: Context, names: set[str], levels: list[str], warn) -> dict[str, dict[str, dict]]:
    """Per level (rep and ``levels``) and key, the figures of the measures ``names`` that results
    other than ``sales`` provide, rolled up to the node by each measure's rule (the KPI
    catalogue's roll-up, :func:`saleskpi.analyses.kpis.nodes.node_measures`), as of the run: a
    12-month share of wallet, the latest P(alive), the latest survey year's NPS. A result this run
    did not compute leaves its measures empty, with a warning naming the analysis to run."""
    from saleskpi.analyses.kpis.nodes import node_measures

    wanted = sorted(n for n in names if MEASURES[n].result != "sales")
    if not wanted:
        return {}
    stored = {name for name, rows in ctx.stored.items() if rows}
    for result in sorted({MEASURES[n].result for n in wanted} - stored):
        who = ", ".join(n for n in wanted if MEASURES[n].result == result)
        warn(f"a plan pays on {who} from the result {result}, which this run did not compute (or which has no "
             f"rows), so no pay is computed on it; run saleskpi compute DIR with every analysis (or --only naming "
             f"the analysis of {result} too).")
    nodes = node_measures(ctx.result, ctx.table("reps"), wanted, stored=stored)
    nodes = nodes.filter(nodes.level.isin(["rep", *levels])).select("level", "key", *wanted)
    out: dict[str, dict[str, dict]] = {}
    for r in nodes.to_pyarrow().to_pylist():
        out.setdefault(r.pop("level"), {})[r.pop("key") or ""] = r
    return out


#: The reps' column that places a rep in a pool's unit, per level (company: every rep).
_POOL_KEY = {"team": "team_id", "territory": "territory_id", "company": None}


def _pool_rows(plan: Plan, employed: list[dict], rep_rows: dict[str, dict], targets: dict,
               node_rows: dict[str, dict[str, dict]], node_targets: dict[str, dict], proration: dict[str, Decimal],
               label: str) -> dict[str, list[dict]]:
    """Per rep, its rows of the plan's pools (without the rep's base columns): per unit (team,
    territory or the company) the funding on the unit's figure (:func:`component_pay` on
    ``target_pool``), the rep's share and the amount (:func:`split_amount`); pay empty with the
    reason where the pool is unknown."""
    out: dict[str, list[dict]] = {}
    for pool in plan.pool:
        col = _POOL_KEY[pool.level]
        chosen = pool.teams if pool.level == "team" else pool.territories if pool.level == "territory" else None
        units = (chosen if chosen is not None else [""] if col is None
                 else sorted({r[col] for r in employed if r.get(col)}))
        team_rows, team_targets = node_rows.get(pool.level, {}), node_targets.get(pool.level, {})
        for team in units:
            members = sorted((r for r in employed if col is None or r.get(col) == team), key=lambda r: r["rep_id"])
            if not members:
                continue
            unit = "the company" if col is None else f"{pool.level} {team}"
            row = {"step": "pool", "component": pool.name, "measure": pool.measure, "basis": pool.basis,
                   "mode": pool.mode}
            figures = team_rows.get(team)
            value, target, attainment = _figures(pool.measure, figures, team_targets, team)
            row |= {"actual": value, "target": target, "attainment": attainment}
            on = attainment if pool.basis == "attainment" else value
            reason = None
            if figures is None:
                reason = f"no pool: the sales result has no row for {unit} in {label}"
            elif pool.basis == "attainment" and (target is None or target <= 0):
                reason = (f"no pool: no target for {unit} in {label} (targets, level {pool.level}, kpi "
                          f"{pool.measure}); import the {pool.level}'s target to compute it")
            elif on is None:
                reason = f"no pool: {pool.measure} is empty for {unit} in {label} (see sales.note)"
            weights, how = pool_shares(pool, plan, members, rep_rows, targets, proration, _figures)
            if reason is None:
                funding = component_pay(pool, to_decimal(on, "measure"),
                                        to_decimal(pool.target_pool or 0, "target_pool"))
                row |= {k: funding[k] for k in ("pay_before_cap", "cap_applied")}
                row |= {k: None if funding[k] is None else float(funding[k]) for k in ("tier_from", "tier_rate")}
                row["pool_value"] = funding["pay"]
                total_w = sum(weights.values(), Decimal(0)) if weights is not None else None
                if weights is None:
                    reason = f"no pay: the pool of {unit} is {how}"
                elif total_w == 0 and funding["pay"] != 0:
                    reason = f"no pay: the pool of {unit} is not split: no rep of it has a weight above 0"
            if reason is None:  # the unit's pool cut to the cent once (the members' amounts add up to it)
                amounts = split_amount(row["pool_value"], weights) if total_w else {k: Decimal("0.00") for k in weights}
            for r in members:
                rid = r["rep_id"]
                rep_row = dict(row)
                if reason is None:
                    share = weights[rid] / total_w if total_w else Decimal(0)
                    rep_row |= {"pool_share": float(share), "pay": amounts[rid],
                                "note": f"{unit}: {how}"}
                else:
                    rep_row |= {"pay": None, "note": reason}
                out.setdefault(rid, []).append(rep_row | {"_unit": unit})
    return out


def statements(plan: Plan, *, reps: list[dict], rep_rows: dict[str, dict], targets: dict[tuple[str, str], float],
               label: str, window: Window, currency: str, warn=lambda message: None,
               node_rows: dict[str, dict[str, dict]] | None = None, node_targets: dict[str, dict] | None = None,
               credit_notes: dict[str, str] | None = None,
               contest_rounds: dict[str, list[Round]] | None = None) -> tuple[list[dict], list[dict]]:
    """The statement rows and the total rows of ``plan`` for the period ``label`` (``window``:
    its days to the as-of date).

    ``reps``: the reps table's rows (rep_id, team_id, role, hired_on, left_on); ``rep_rows``: per rep
    its row of the measures' result (the ``sales`` row of level rep over all lines);
    ``targets``: (rep_id, kpi) -> target of the period. A rep without a target, or without the
    measure, gets no pay on that component and the reason in ``note`` (never 0 paid silently).
    ``node_rows``/``node_targets``: per level (team, territory, company) the same per unit (the
    ``sales`` rows of that level over all lines, key -> row; the targets of that level, (key, kpi)
    -> target; the company's key is ""), which fund the plan's pools; ``credit_notes``: per rep the note
    of the credit splits already applied to ``rep_rows`` (:func:`apply_credit_splits`);
    ``contest_rounds``: per contest period shorter than the plan's, its rounds
    (:func:`~.contests.contest_rounds`; needed when the plan has such a contest)."""
    eligible = [r for r in reps if (plan.reps is None or r["rep_id"] in plan.reps)
                and (plan.roles is None or r.get("role") in plan.roles)]
    rows, totals = [], []
    missing_rows: list[str] = []
    employed = {r["rep_id"] for r in eligible if _proration(r, window, plan.prorate) > 0}
    credit_notes, unpooled = credit_notes or {}, set()
    contests = contest_rows(plan, contest_rounds or {}, Round(None, window, window.end, rep_rows, targets),
                            [r for r in eligible if r["rep_id"] in employed], figures=_figures,
                            employed_in=lambda rep, w: _proration(rep, w, plan.prorate) > 0,
                            credit_notes=credit_notes, warn=warn)
    pools = _pool_rows(plan, [r for r in eligible if r["rep_id"] in employed], rep_rows, targets, node_rows or {},
                       node_targets or {}, {r["rep_id"]: _proration(r, window, plan.prorate) for r in eligible}, label)
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
            if rid in credit_notes:
                note = "; ".join(filter(None, [note, credit_notes[rid] if c.measure in SPLIT_MEASURES else
                                               f"credit split not applied: {c.measure} is not a sum over customers"]))
            rows.append(row | {"note": note})
        for contest_row in contests.get(rid, []):
            components_pay += contest_row["pay"]
            rows.append({**base, **contest_row})
        pools_pay, components_known, pools_known = Decimal(0), not unknown, True
        for pool_row in pools.get(rid, []):
            if pool_row["pay"] is None:
                unknown.append(pool_row["component"])
                pools_known = False
            else:
                pools_pay += pool_row["pay"]
            rows.append({**base, **{k: v for k, v in pool_row.items() if k != "_unit"}})
            if pool_row["pay"] is None:
                unpooled.add((pool_row["component"], pool_row["_unit"]))
        adjustments = Decimal(0)
        for i, a in enumerate(plan.adjustment, start=1):
            if a.rep_id != rid:
                continue
            amount = to_decimal(a.amount, "amount").quantize(CENT, rounding=ROUND_HALF_UP)
            adjustments += amount
            rows.append({**base, "step": a.kind, "component": f"#{i}", "pay": amount, "note": a.reason})
        total = None if unknown else components_pay + pools_pay + adjustments
        turnover = None if measures is None else _num(measures.get("turnover_value_period"))
        known = total is not None and turnover is not None and turnover > 0
        totals.append({**base, "cost_of_sales": float(total) / turnover if known else None,
                       "target_pay": (plan.target_pay_of(rid) * share).quantize(CENT, rounding=ROUND_HALF_UP),
                       "components_pay": components_pay if components_known else None,
                       "pools_pay": pools_pay if pools_known else None, "adjustments_value": adjustments,
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
    for name in sorted({n for n, _ in unpooled}):
        units = sorted(u for n, u in unpooled if n == name)
        warn(f"plan '{plan.name}': the pool '{name}' is not paid in {label} for {', '.join(units[:5])}"
             f"{'...' if len(units) > 5 else ''}: the statements say why.")
    return rows, totals


def team_totals(totals: list[dict], turnover: dict[tuple[str, str], float | None]) -> list[dict]:
    """Per plan × period × team (the team_id of the reps' total rows; reps without a team in one row
    with team_id empty) the sums of the reps' newest total rows, and the team's cost of sales
    Σ total_pay / Σ turnover of its reps (``turnover``: (plan, rep_id) -> the rep's turnover in the
    period; none: no sales, 0). A sum is empty when any rep's figure is (the note names them)."""
    newest: dict[tuple, dict] = {}
    for t in totals:
        key = (t["plan"], t["period"], t["rep_id"])
        if key not in newest or (t.get("version") or 1) > (newest[key].get("version") or 1):
            newest[key] = t
    teams: dict[tuple, list[dict]] = {}
    for t in newest.values():
        teams.setdefault((t["plan"], t["period"], t.get("team_id")), []).append(t)
    out = []
    for (plan, period, team), reps in sorted(teams.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):

        def total(col: str) -> Decimal | None:
            values = [r[col] for r in reps]
            return None if any(v is None for v in values) else sum(values, Decimal("0.00"))

        pay = total("total_pay")
        sold = sum(turnover.get((plan, r["rep_id"])) or 0.0 for r in reps)
        unknown = sorted(r["rep_id"] for r in reps if r["total_pay"] is None)
        notes = [None if team else "the reps without a team (reps.team_id empty)",
                 f"total not computed: no total for {', '.join(unknown)} (see their statements)" if unknown else None]
        out.append({"plan": plan, "period": period, "team_id": team, "reps_paid": len(reps),
                    "target_pay": total("target_pay"), "components_pay": total("components_pay"),
                    "pools_pay": total("pools_pay"), "adjustments_value": total("adjustments_value"),
                    "total_pay": pay, "cost_of_sales": float(pay) / sold if pay is not None and sold > 0 else None,
                    "currency": reps[0]["currency"], "note": "; ".join(filter(None, notes)) or None})
    return out


def _check_plan(plan: Plan, source: Path, ctx: Context, reps: list[dict],
                customers: set[str] | None = None) -> None:
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
    teams = {r["team_id"] for r in reps if r.get("team_id")}
    territories = {r["territory_id"] for r in reps if r.get("territory_id")}
    for i, pool in enumerate(plan.pool, start=1):
        for team in sorted(set(pool.teams or []) - teams):
            problems.append(f"[[pool]] #{i} teams: '{team}' is not a team of the reps table (reps.team_id); use "
                            f"one of {', '.join(sorted(teams)[:10])}")
        for territory in sorted(set(pool.territories or []) - territories):
            problems.append(f"[[pool]] #{i} territories: '{territory}' is not a home territory of the reps table "
                            f"(reps.territory_id); use one of {', '.join(sorted(territories)[:10]) or '(none set)'}")
        for rid in sorted(set(pool.weights) - eligible):
            problems.append(f"[[pool]] #{i} weights: '{rid}' is not a rep of the plan; weigh only reps of an "
                            "eligible role (roles) and, when the plan lists them, of reps")
    for i, split in enumerate(plan.credit_split, start=1):
        if customers is not None and split.customer_id not in customers:
            problems.append(f"[[credit_split]] #{i} customer_id: '{split.customer_id}' is not in the customers "
                            "table; use a customers.customer_id")
        for rid in sorted(set(split.shares) - rep_ids):
            problems.append(f"[[credit_split]] #{i} shares: '{rid}' is not in the reps table; credit reps of "
                            "the reps table")
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
    reps = reps_t.select("rep_id", "team_id", "territory_id", "role", "hired_on", "left_on").to_pyarrow().to_pylist()
    sales = ctx.result("sales")
    columns = sorted({"rep_id", *(c for m in MEASURES.values() if m.result == "sales"
                                  for c in (m.column, m.target_column, m.attainment_column) if c)})
    rep_level = sales.filter((sales.level == "rep") & sales.business_line.isnull()).select(*columns)
    rep_rows = {r["rep_id"]: r for r in rep_level.to_pyarrow().to_pylist()}
    levels = sorted({pool.level for plan in plans.values() for pool in plan.pool})
    node_rows: dict[str, dict[str, dict]] = {level: {} for level in levels}
    if levels:
        nodes = sales.filter(sales.level.isin(levels) & sales.business_line.isnull()).select(
            "level", "key", *(c for c in columns if c != "rep_id"))
        for r in nodes.to_pyarrow().to_pylist():
            node_rows[r["level"]][r["key"] or ""] = r
    other = other_measures(ctx, set().union(*(plan_measures(plan) for plan in plans.values())), levels,
                           lambda m: ctx.warn("incentives", m))
    for rid, figures in other.get("rep", {}).items():
        if rid in rep_rows:
            rep_rows[rid] = rep_rows[rid] | figures
    for level in levels:
        for key, figures in other.get(level, {}).items():
            if key in node_rows[level]:
                node_rows[level][key] = node_rows[level][key] | figures
    t = ctx.table("targets")
    target_rows = t.filter((t.period == p.label) & t.level.isin(["rep", *levels])).select("level", "key", "kpi", "target")
    targets, node_targets = {}, {level: {} for level in levels}
    for r in target_rows.to_pyarrow().to_pylist():
        if r["target"] is not None:
            (targets if r["level"] == "rep" else node_targets[r["level"]])[(r["key"] or "", r["kpi"])] = float(
                r["target"])
    rounds_of = _rounds_of(ctx, {r["rep_id"]: r.get("team_id") for r in reps})
    rows, totals, turnover = [], [], {}
    for source, plan in plans.items():
        credited, customers = [], None
        if plan.credit_split:
            ids = [c.customer_id for c in plan.credit_split]
            c_t = ctx.table("customers")
            customers = set(c_t.filter(c_t.customer_id.isin(ids)).customer_id.to_pyarrow().to_pylist())
        _check_plan(plan, source, ctx, reps, customers)
        plan_rep_rows, plan_nodes, credit_notes = rep_rows, node_rows, {}
        if plan.credit_split:
            # a split moves the reps' and their teams' figures; a territory's are its customers' (the
            # customer's territory), the company's all: neither changes
            credited = credited_sums(ctx, [p], [c.customer_id for c in plan.credit_split])[p.label]
            plan_rep_rows, team_rows, credit_notes = apply_credit_splits(
                rep_rows, node_rows.get("team", {}), credited, plan.credit_split,
                {r["rep_id"]: r.get("team_id") for r in reps})
            plan_nodes = node_rows | {"team": team_rows}
        s, tot = statements(plan, reps=reps, rep_rows=plan_rep_rows, targets=targets, label=p.label, window=p.current,
                            currency=currency, warn=lambda m: ctx.warn("incentives", m), node_rows=plan_nodes,
                            node_targets=node_targets, credit_notes=credit_notes,
                            contest_rounds=rounds_of(plan, p.current))
        rows += s
        totals += tot
        turnover |= {(plan.name, rid): _num(r.get("turnover_value_period")) for rid, r in plan_rep_rows.items()}
    closed_through = check_closed_through(ctx.settings.incentives.closed_through, ctx.settings.sales.period,
                                          settings_file(ctx))
    closed = is_closed(p.label, closed_through)
    previous = previous_rows(ctx, (STATEMENTS.name, TOTALS.name), (_STATEMENT_TYPES, _TOTAL_TYPES)) if closed else None
    rows, totals = lock(previous, rows, totals, label=p.label, closed_through=closed_through,
                        warn=lambda m: ctx.warn("incentives", m))
    previous_teams = previous_rows(ctx, (TEAM_TOTALS.name,), (_TEAM_TOTAL_TYPES,)) if closed else None
    teams = lock_team_totals(previous_teams and previous_teams[0], team_totals(totals, turnover), label=p.label,
                             closed_through=closed_through, warn=lambda m: ctx.warn("incentives", m))
    return {STATEMENTS.name: _table(rows, _STATEMENT_TYPES), TOTALS.name: _table(totals, _TOTAL_TYPES),
            TEAM_TOTALS.name: _table(teams, _TEAM_TOTAL_TYPES),
            WHATIF.name: _table(replay(ctx, plans, reps, currency, check_plan=_check_plan,
                                       statements=lambda plan, **kw: statements(
                                           plan, **kw, contest_rounds=rounds_of(plan, kw["window"])),
                                       prefetch=rounds_of.prefetch), WHATIF_TYPES),
            GAMING.name: _table(gaming(ctx, plans, reps, currency), GAMING_TYPES)}


def _rounds_of(ctx: Context, team_of: dict[str, str | None]):
    """``rounds_of(plan, window)``: the rounds of the plan's contests over periods shorter than
    its own (:func:`contest_rounds`), the figures of each period computed once for all the plans
    of the run and of the replay, with the plan's credit splits applied (:func:`split_rounds`;
    ``team_of``: rep -> team); the first sales day is read once, when a plan needs it."""
    memo: dict = {}
    first_day: list = []

    def needed(plan: Plan) -> bool:
        if all(k.period in (None, plan.period) for k in plan.contest):
            return False
        if not first_day:
            first_day.append(first_sales_day(ctx.table("sales")))
        return True

    def rounds_of(plan: Plan, window: Window) -> dict:
        if not needed(plan):
            return {}
        return split_rounds(ctx, plan, contest_rounds(ctx, plan, window, first_day[0], memo), team_of)

    def prefetch(pairs: list[tuple[Plan, Window]]) -> None:
        # the rounds of many windows (the replay's past periods) read together
        pairs = [(plan, window) for plan, window in pairs if needed(plan)]
        if pairs:
            prefetch_rounds(ctx, pairs, first_day[0], memo)

    rounds_of.prefetch = prefetch
    return rounds_of


def _table(rows: list[dict], types: dict[str, str]) -> ibis.Table:
    """``rows`` as an in-memory table of the stated types, the Decimals kept exact (through
    Arrow: pandas would turn an empty decimal into an error)."""
    schema = ibis.schema(types)
    return ibis.memtable(pa.Table.from_pylist([{k: r.get(k) for k in types} for r in rows],
                                              schema=schema.to_pyarrow()), schema=schema)


ANALYSIS = Analysis(name="incentives", title="Incentive pay", results=(*RESULTS, *REVIEW_RESULTS), run=run, depends_on=("sales",))
