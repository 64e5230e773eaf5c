"""What-if: a proposed plan replayed on past periods beside the current plan (docs/incentives.md).

A proposed plan is a plan file in ``DIR/plans/proposed/*.toml`` (the same file format and the
same loader as the plans in force, :func:`.plans.load_plan`); it is compared with the plan in
force of the same ``name``. Both are replayed on the last ``[incentives] whatif_periods``
complete periods before the current one: each period's measures are the ``sales`` result as the
sales analysis computes it on the period's last day (:func:`rep_measures`, the one definition of
turnover, target and attainment), the whole target being due then. Manual adjustments are left
out of the replay: they belong to the period they were made for.

The result ``plan-whatif`` has a row per plan, period and rep (current pay, proposed pay, the
difference) and per plan and period a summary row with an empty rep_id (seen by whole-company
roles only): total cost, cost of sales, share of reps at or above target, gainers and losers,
and the payout distribution (quantiles of pay, Hyndman & Fan 1996 definition 7: the linear
interpolation Q(p) = x_(j) + (h − j)(x_(j+1) − x_(j)), h = (n − 1)p + 1, numpy's default).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

from saleskpi.analyses.incentives.curve import CENT
from saleskpi.analyses.incentives.plans import MEASURES, PLANS_DIR, Plan, load_plan
from saleskpi.analyses.incentives.pools import apply_credit_splits, credited_sums
from saleskpi.analyses.periods import Window, first_sales_day, periods
from saleskpi.definitions import config_error
from saleskpi.engines import engine_of

__all__ = ["EXAMPLE_PROPOSED_PLAN", "PROPOSED_DIR", "WHATIF_TYPES", "load_proposed", "past_periods", "rep_measures", "replay", "whatif_rows"]

#: The folder of the proposed plans, inside the plans folder.
PROPOSED_DIR = "proposed"
#: The example proposed plan (the demo company's; docs/incentives.md).
EXAMPLE_PROPOSED_PLAN = Path(__file__).with_name("example_proposed_plan.toml")

WHATIF_TYPES = {"plan": "string", "period": "string", "rep_id": "string", "team_id": "string",
                "period_turnover_value": "decimal(38, 2)", "period_attainment": "float64",
                "current_pay": "decimal(38, 2)", "proposed_pay": "decimal(38, 2)", "pay_change": "decimal(38, 2)",
                "current_cost_of_sales": "float64", "proposed_cost_of_sales": "float64", "reps_compared": "int64",
                "reps_above_target_share": "float64", "gainers": "int64", "losers": "int64",
                "proposed_pay_p10": "decimal(38, 2)", "proposed_pay_median": "decimal(38, 2)",
                "proposed_pay_p90": "decimal(38, 2)", "current_pay_median": "decimal(38, 2)",
                "currency": "string", "note": "string"}


def load_proposed(workspace_dir: str | Path, current: dict[Path, Plan]) -> dict[Path, tuple[Plan, Plan]]:
    """Every ``plans/proposed/*.toml`` by file, with the plan in force it would replace (the one
    of the same name). A proposed plan without one is refused, naming the file and the key."""
    folder = Path(workspace_dir) / PLANS_DIR / PROPOSED_DIR
    if not folder.is_dir():
        return {}
    by_name = {p.name: p for p in current.values()}
    out = {}
    for path in sorted(folder.glob("*.toml")):
        proposed = load_plan(path)
        if proposed.name not in by_name:
            known = ", ".join(f"'{n}'" for n in sorted(by_name)) or "none: add the plan in force to DIR/plans first"
            raise config_error(str(path), Plan.problem_noun, [
                f"name: '{proposed.name}' is not the name of a plan in force in {Path(workspace_dir) / PLANS_DIR}; "
                f"a proposed plan is compared with the plan in force of the same name ({known})"])
        out[path] = (by_name[proposed.name], proposed)
    return out


def past_periods(as_of: dt.date, granularity: str, count: int, first_day: dt.date | None):
    """The ``count`` complete periods before the one holding ``as_of``, oldest first, as
    ``Periods`` computed on each one's last day; those that end before ``first_day`` (no data)
    are left out."""
    found = []
    day = periods(as_of, granularity).current.start - dt.timedelta(days=1)
    for _ in range(count):
        p = periods(day, granularity)
        if first_day is None or p.current.end < first_day:
            break
        found.append(p)
        day = p.current.start - dt.timedelta(days=1)
    return found[::-1]


#: The levels whose sales rows fund a plan's pools (saleskpi.analyses.incentives.pools).
POOL_LEVELS = ("team", "territory", "company")


def needs_counts(measures) -> bool:
    """Whether any of ``measures`` (names of :data:`MEASURES`; None: every one) is a distinct
    count of the ``sales`` result (:data:`saleskpi.analyses.sales.COUNT_COLUMNS`), which only a
    grain per customer × product gives."""
    from saleskpi.analyses.sales import COUNT_COLUMNS

    return measures is None or any(MEASURES[m].result == "sales" and MEASURES[m].column in COUNT_COLUMNS
                                   for m in measures if m in MEASURES)


def rep_measures(ctx, ps: list, first_day: dt.date | None, *, granularity: str | None = None,
                 seasonal_shares: dict[str, float] | None = None, measures=None
                 ) -> dict[str, tuple[dict[str, dict], dict[str, dict[str, dict]]]]:
    """Per period of ``ps`` (by label): per rep its row of the ``sales`` result (over all business
    lines) for the period, and per pool level (team, territory, company) its rows by key (the
    company's key is ""), which fund the plans' pools. A whole period is computed on its last day,
    so its whole target is due (seasonal share 1); a period to date passes the share of its target
    due in ``seasonal_shares`` (label -> share, :func:`saleskpi.analyses.sales.seasonal_share`).
    ``granularity``: the periods' (default the workspace's reporting period; a quarterly contest
    of a yearly plan reads quarters).

    The periods are read in one query each group of them whose comparison windows the data cover
    alike (:func:`saleskpi.analyses.sales.periods_grain`; the sales analysis's definitions, only
    the levels read here, over all lines): one scan of the lines for the many periods. The nodes'
    potential (:func:`~saleskpi.analyses.shared.market_by_node`), the same in every period, is
    computed once for all of them.

    ``measures``: the names of the measures the reader pays on (:meth:`.plans.Plan.measures`;
    None: all). When none of them is a distinct count (:func:`needs_counts`), the grain is per
    node instead of per customer × product (``periods_grain(counts=False)``), computed once for
    every group and kept while the groups read it: the same sums, the counts left empty."""
    from saleskpi.analyses.periods import coverage
    from saleskpi.analyses.sales import periods_grain, sales_by_node, target_products_known
    from saleskpi.analyses.shared import market_by_node

    shares = seasonal_shares or {}
    columns = sorted({"rep_id", *(c for m in MEASURES.values() if m.result == "sales"
                                  for c in (m.column, m.target_column, m.attainment_column) if c)})
    groups: dict[tuple[float, float, float], list] = {}
    for p in ps:
        key = (coverage(p.previous, first_day), coverage(p.last_year, first_day), shares.get(p.label, 1.0))
        groups.setdefault(key, []).append(p)
    known = target_products_known(ctx.table("products"))
    out = {p.label: ({}, {level: {} for level in POOL_LEVELS}) for p in ps}
    nodes = ("territory_id", "team_id", "rep_id")

    def read(grain, group, share, market):
        rows = sales_by_node(ctx, grain, group, share, market, first_day, known, levels=("rep", *POOL_LEVELS),
                             by_line=False)
        rows = rows.select("period", "level", "key", *(c for c in columns if c != "rep_id"), rep_id=rows.key)
        for r in rows.to_pyarrow().to_pylist():
            rep_rows, node_rows = out[r.pop("period")]
            level = r.pop("level")
            if level == "rep":
                r.pop("key")
                rep_rows[r["rep_id"]] = r
            else:
                r.pop("rep_id")
                node_rows[level][r["key"] or ""] = r

    with market_by_node(ctx.result("potential"), ctx.table("reps")).cache() as market:
        if not needs_counts(measures):
            # a few rows per node and period: computed once for every group
            with periods_grain(ctx, ps, nodes=nodes, granularity=granularity, counts=False).cache() as grain:
                for (_, _, share), group in groups.items():
                    read(grain.filter(grain.period.isin([p.label for p in group])), group, share, market)
            return out
        for (_, _, share), group in groups.items():
            # the grain is read by every level's roll-up, all in one query: computed once there
            # (cached where the engine would compute it per roll-up, engines.Engine.read_once)
            grain = periods_grain(ctx, group, nodes=nodes, granularity=granularity)
            with engine_of(ctx.con).read_once(grain) as grain:
                read(grain, group, share, market)
    return out


def _quantile(pays: list[Decimal], q: float) -> Decimal | None:
    """Hyndman & Fan (1996) definition 7 (numpy's linear), to the cent half away from zero."""
    if not pays:
        return None
    return Decimal(repr(float(np.quantile([float(x) for x in pays], q)))).quantize(CENT, rounding=ROUND_HALF_UP)


def whatif_rows(current: Plan, proposed: Plan, *, pay_of, reps: list[dict], periods_: list, measures_of,
                targets_of, currency: str, first_day: dt.date | None) -> list[dict]:
    """The ``plan-whatif`` rows of ``proposed`` against ``current`` on ``periods_``.

    ``pay_of(plan, reps, rep_rows, targets, label, window)`` -> the total rows of a plan
    (:func:`saleskpi.analyses.incentives.statements`' second value); ``measures_of(p)`` -> per rep
    its sales row of period ``p``; ``targets_of(label)`` -> (rep_id, kpi) -> target."""
    now, new = current.model_copy(update={"adjustment": []}), proposed.model_copy(update={"adjustment": []})
    out = []
    for p in periods_:
        rep_rows, targets = measures_of(p), targets_of(p.label)
        window = Window(p.current.start, p.current.end)
        a = {r["rep_id"]: r for r in pay_of(now, reps, rep_rows, targets, p.label, window)}
        b = {r["rep_id"]: r for r in pay_of(new, reps, rep_rows, targets, p.label, window)}
        base = {"plan": proposed.name, "period": p.label, "currency": currency}
        partial = first_day is not None and first_day > p.current.start
        rep_out = []
        for rid in sorted(set(a) | set(b)):
            ra, rb = a.get(rid), b.get(rid)
            m = rep_rows.get(rid) or {}
            turnover = m.get("turnover_value_period")
            cur = None if ra is None else ra["total_pay"]
            pro = None if rb is None else rb["total_pay"]
            notes = []
            if ra is None or rb is None:
                notes.append(f"paid by the {'proposed' if ra is None else 'current'} plan only (its roles or reps)")
            if (ra is not None and cur is None) or (rb is not None and pro is None):
                notes.append("pay unknown by the " + " and the ".join(
                    w for w, r, v in (("current plan", ra, cur), ("proposed plan", rb, pro)) if r is not None and v is None)
                    + ": see the reason on incentive-statements' rows of a run of that period")
            pos = turnover is not None and float(turnover) > 0
            rep_out.append({**base, "rep_id": rid, "team_id": (ra or rb)["team_id"], "period_turnover_value": turnover,
                            "period_attainment": m.get("attainment_by_value"),
                            "current_pay": cur if ra is not None else Decimal("0.00"),
                            "proposed_pay": pro if rb is not None else Decimal("0.00"),
                            "current_cost_of_sales": float(cur) / float(turnover) if pos and cur is not None else None,
                            "proposed_cost_of_sales": float(pro) / float(turnover) if pos and pro is not None else None,
                            "note": "; ".join(notes) or None})
        for r in rep_out:
            known = r["current_pay"] is not None and r["proposed_pay"] is not None
            r["pay_change"] = r["proposed_pay"] - r["current_pay"] if known else None
        out += rep_out
        out.append(base | _summary(rep_out, partial, first_day))
    return out


def _summary(rows: list[dict], partial: bool, first_day) -> dict:
    """The summary row of one plan and period over its rep rows (empty rep_id)."""
    known = [r for r in rows if r["pay_change"] is not None]
    cur = [r["current_pay"] for r in known]
    pro = [r["proposed_pay"] for r in known]
    with_turnover = [r for r in known if r["period_turnover_value"] is not None]
    turnover = sum((float(r["period_turnover_value"]) for r in with_turnover), 0.0)
    rated = [r["period_attainment"] for r in known if r["period_attainment"] is not None]
    notes = []
    if len(known) < len(rows):
        notes.append(f"{len(rows) - len(known)} rep(s) with an unknown pay are left out of the summary (see their rows)")
    if partial:
        notes.append(f"the sales data begin on {first_day}, within the period: its turnover is partial")
    if len(rated) < len(known):
        notes.append(f"{len(known) - len(rated)} rep(s) without a target are left out of reps_above_target_share")
    return {"rep_id": None, "team_id": None, "reps_compared": len(known),
            "period_turnover_value": Decimal(repr(turnover)).quantize(CENT, rounding=ROUND_HALF_UP) if with_turnover else None,
            "current_pay": sum(cur, Decimal("0.00")) if known else None,
            "proposed_pay": sum(pro, Decimal("0.00")) if known else None,
            "pay_change": sum(pro, Decimal("0.00")) - sum(cur, Decimal("0.00")) if known else None,
            "current_cost_of_sales": float(sum(cur, Decimal(0))) / turnover if turnover > 0 else None,
            "proposed_cost_of_sales": float(sum(pro, Decimal(0))) / turnover if turnover > 0 else None,
            "reps_above_target_share": sum(1 for x in rated if x >= 1) / len(rated) if rated else None,
            "gainers": sum(1 for r in known if r["pay_change"] > 0),
            "losers": sum(1 for r in known if r["pay_change"] < 0),
            "proposed_pay_p10": _quantile(pro, 0.1), "proposed_pay_median": _quantile(pro, 0.5),
            "proposed_pay_p90": _quantile(pro, 0.9), "current_pay_median": _quantile(cur, 0.5),
            "note": "; ".join(notes) or None}


def replay(ctx, plans: dict[Path, Plan], reps: list[dict], currency: str, *, statements, check_plan,
           prefetch=None) -> list[dict]:
    """The plan-whatif rows of every proposed plan (``statements``, ``check_plan``: the incentives
    package's statement function and plan check, passed in as it imports this module;
    ``prefetch(pairs)``: reads the contest rounds of those (plan, window) pairs together, before
    the periods are paid one by one)."""
    proposed = load_proposed(Path(ctx.ws.path), plans)
    if not proposed:
        return []
    first_day = first_sales_day(ctx.table("sales"))
    past = past_periods(ctx.as_of, ctx.settings.sales.period, ctx.settings.incentives.whatif_periods, first_day)
    if not past:
        ctx.warn("incentives", "the sales data hold no complete period before the current one, so plan-whatif "
                               "has no rows; import earlier sales to replay the proposed plans.")
        return []
    t = ctx.table("targets")
    # every past period's targets of the rep and pool levels, read once: (period, level) -> (key, kpi) -> target
    by_period: dict[tuple[str, str], dict] = {}
    rows = t.filter(t.period.isin([p.label for p in past]) & t.level.isin(["rep", *POOL_LEVELS])).select(
        "period", "level", "key", "kpi", "target")
    for r in rows.to_pyarrow().to_pylist():
        if r["target"] is not None:
            by_period.setdefault((r["period"], r["level"]), {})[(r["key"] or "", r["kpi"])] = float(r["target"])
    measures = rep_measures(ctx, past, first_day, measures=set().union(
        *(plan.measures() for pair in proposed.values() for plan in pair)))

    def targets_of(label: str, level: str = "rep") -> dict:
        return dict(by_period.get((label, level), {}))

    team_of = {r["rep_id"]: r.get("team_id") for r in reps}
    credited: dict[tuple[str, ...], dict[str, list[dict]]] = {}  # split customers -> period -> their sums

    def pay_of(plan, reps_, rep_rows, targets, label, window):
        # the pools of the plan are funded by the period's team, territory and company rows; its
        # credit splits move the reps' and teams' figures of each period, as in the run
        node_rows, notes = measures[label][1], {}
        if plan.credit_split:
            ids = tuple(sorted(c.customer_id for c in plan.credit_split))
            if ids not in credited:
                credited[ids] = credited_sums(ctx, past, list(ids))
            rep_rows, teams, notes = apply_credit_splits(rep_rows, node_rows.get("team", {}), credited[ids][label],
                                                         plan.credit_split, team_of)
            node_rows = node_rows | {"team": teams}
        return statements(plan, reps=reps_, rep_rows=rep_rows, targets=targets, label=label, window=window,
                          currency=currency, node_rows=node_rows, credit_notes=notes,
                          node_targets={level: targets_of(label, level) for level in POOL_LEVELS})[1]

    for source, (_, new) in proposed.items():
        check_plan(new, source, ctx, reps)
    if prefetch is not None:
        prefetch([(plan, p.current) for pair in proposed.values() for plan in pair for p in past])
    out = []
    for source, (current, new) in proposed.items():
        out += whatif_rows(current, new, pay_of=pay_of, reps=reps, periods_=past,
                           measures_of=lambda p: measures[p.label][0], targets_of=targets_of, currency=currency,
                           first_day=first_day)
    unknown = sorted({r["period"] for r in out if r["rep_id"] is not None and r["pay_change"] is None})
    if unknown:
        ctx.warn("incentives", f"plan-whatif: some reps' pay is unknown in {', '.join(unknown)} (most often no target "
                               "for the period), so they are left out of the summaries; import those periods' "
                               "targets to compare them.")
    return out
