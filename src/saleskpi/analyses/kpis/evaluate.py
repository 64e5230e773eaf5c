"""KPI values, targets, status and trend per node (result ``kpis``), and the scorecard.

Attainment = value / target due to date (target / value where lower is better; METHODS.md,
"Incentive pay": attainment = actual / target). Status: green at attainment ≥ green_from, amber
≥ amber_from, red below ([kpis] settings). Trend: the ordinary least-squares slope of the value
on the as-of date (in years) over this run and up to ``trend_runs`` earlier runs with earlier
as-of dates: slope = (nΣxy − ΣxΣy) / (nΣx² − (Σx)²).
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from saleskpi import results
from saleskpi.analyses.kpis.catalogue import Catalogue
from saleskpi.analyses.kpis.formula import build
from saleskpi.analyses.kpis.nodes import NODE_COLUMNS
from saleskpi.analyses.shared import note_of, ratio_or_null

__all__ = ["kpi_actuals", "scorecard", "seasonal_share_of", "with_trend"]


def seasonal_share_of(sales: ibis.Table, fallback: float) -> float:
    """The share of a period's target due by the as-of date, as the sales result applied it
    (target_value_to_date / target_value on its company row, else any row with a target);
    ``fallback`` (the elapsed share of days) when no row has a target."""
    t = sales.filter(sales.target_value > 0).order_by(
        ibis.cases((sales.level == "company", 0), else_=1), sales.level, sales.key).limit(1)
    found = t.select("target_value", "target_value_to_date").to_pyarrow().to_pylist()
    if not found:
        return fallback
    return float(found[0]["target_value_to_date"]) / float(found[0]["target_value"])


def _definitions(catalogue: Catalogue) -> ibis.Table:
    rows = [{"kpi": n, "target_kpi": catalogue.target_kpi(n), "perspective": k.perspective, "objective": k.objective,
             "kind": k.kind, "unit": k.unit, "direction": k.direction, "seasonal": k.phasing == "seasonal"}
            for n, k in catalogue.kpi.items()]
    return ibis.memtable(pd.DataFrame(rows), schema=ibis.schema({
        "kpi": "string", "target_kpi": "string", "perspective": "string", "objective": "string", "kind": "string",
        "unit": "string", "direction": "string", "seasonal": "boolean"}))


def kpi_actuals(catalogue: Catalogue, nodes: ibis.Table, targets: ibis.Table, *, period: str, share_due: float,
               green_from: float, amber_from: float) -> ibis.Table:
    """The rows of ``kpis`` without the trend: value, target, attainment and status per KPI and node.

    ``nodes``: :func:`saleskpi.analyses.kpis.nodes.node_measures`; ``targets``: the targets table;
    ``share_due``: the seasonal share of a period's target due by the as-of date."""
    parts = []
    for name, k in catalogue.kpi.items():
        rows = nodes.filter(nodes.level.isin(list(k.levels)))
        parts.append(rows.select(*NODE_COLUMNS, kpi=ibis.literal(name), value=build(k.formula, rows)))
    values = ibis.union(*parts)
    values = values.left_join(_definitions(catalogue), "kpi").drop("kpi_right")
    t = targets.filter(targets.period == period)
    t = t.group_by(t_level=t.level, t_key=t.key.fill_null(""), t_kpi=t.kpi).aggregate(target=t.target.sum())
    v = values.left_join(t, [values.level == t.t_level, values.key == t.t_key, values.target_kpi == t.t_kpi])
    v = v.drop("t_level", "t_key", "t_kpi")
    due = v.target * ibis.ifelse(v.seasonal, ibis.literal(share_due, "float64"), ibis.literal(1.0, "float64"))
    v = v.mutate(target=v.target.cast("float64"), target_to_date=due.cast("float64"))
    attainment = ibis.ifelse(v.direction == "lower", ratio_or_null(v.target_to_date, v.value),
                             ratio_or_null(v.value, v.target_to_date))
    v = v.mutate(attainment=attainment, period=ibis.literal(period))
    status = ibis.cases((v.attainment >= green_from, "green"), (v.attainment >= amber_from, "amber"),
                        (v.attainment.notnull(), "red"), else_=ibis.null("string"))
    v = v.mutate(status=status)
    note = note_of([
        (v.value.isnull(), "value empty: a measure of its formula is unknown for the node, or a denominator is not "
                           "positive (see the measure's result)"),
        (v.target.isnull(), f"no target for {period}: add one to the targets table (period {period}, this level and "
                            "key, kpi = the KPI's target_kpi) to get attainment and status"),
        (v.target.notnull() & v.attainment.isnull() & v.value.notnull(), "no attainment: the target due to date (or, "
                                                                         "where lower is better, the value) is not positive"),
    ])
    return v.mutate(note=note).drop("target_kpi", "seasonal")


def _earlier_runs(con, as_of: dt.date, keep: int) -> list[results.RunInfo]:
    """The newest ``keep`` finished runs that stored ``kpis`` with an as-of date before ``as_of``
    (one per as-of date: the newest run of it)."""
    if results.table_name("kpis") not in con.list_tables():
        return []
    done = set(results.finished_runs(con).run_id.to_pyarrow().to_pylist())
    by_day: dict[dt.date, results.RunInfo] = {}
    for run in results.runs_of(con, "kpis"):
        if run not in done:
            continue
        info = results.run_of(con, "kpis", run=run)
        day = info.as_of.date() if isinstance(info.as_of, dt.datetime) else info.as_of
        if day < as_of and (day not in by_day or by_day[day].run_id < run):
            by_day[day] = info
    return [by_day[d] for d in sorted(by_day, reverse=True)[:keep]]


def with_trend(con, values: ibis.Table, as_of: dt.date, keep: int) -> ibis.Table:
    """``values`` with previous_actual, previous_as_of, change, trend_points, trend_slope_per_year and trend."""
    runs = _earlier_runs(con, as_of, keep)
    keys = ["kpi", "level", "key"]
    day0 = dt.date(2000, 1, 1)
    points = [values.select(*keys, value=values.value, x=ibis.literal((as_of - day0).days / 365.25, "float64"))]
    previous = None
    for i, info in enumerate(runs):
        day = info.as_of.date() if isinstance(info.as_of, dt.datetime) else info.as_of
        old = results.read(con, "kpis", run=info.run_id).select(*keys, value="kpi_actual")
        points.append(old.mutate(x=ibis.literal((day - day0).days / 365.25, "float64")))
        if i == 0:
            previous = old.select(pk=old.kpi, pl=old.level, pkey=old.key, previous_actual=old.value,
                                  previous_as_of=ibis.literal(day, "date"))
    p = ibis.union(*points)
    p = p.filter(p.value.notnull())
    fit = p.group_by(tk=p.kpi, tl=p.level, tkey=p.key).aggregate(
        n=p.count(), sx=p.x.sum(), sy=p.value.sum(), sxy=(p.x * p.value).sum(), sxx=(p.x * p.x).sum())
    den = fit.n * fit.sxx - fit.sx * fit.sx
    fit = fit.mutate(trend_points=fit.n, trend_slope_per_year=ibis.cases(
        ((fit.n >= 2) & (den > 0), (fit.n * fit.sxy - fit.sx * fit.sy) / den), else_=ibis.null("float64")))
    v = values.left_join(fit.select("tk", "tl", "tkey", "trend_points", "trend_slope_per_year"),
                         [values.kpi == fit.tk, values.level == fit.tl, values.key == fit.tkey]).drop("tk", "tl", "tkey")
    if previous is None:
        v = v.mutate(previous_actual=ibis.null("float64"), previous_as_of=ibis.null("date"))
    else:
        v = v.left_join(previous, [v.kpi == previous.pk, v.level == previous.pl, v.key == previous.pkey]).drop(
            "pk", "pl", "pkey")
    signed = ibis.ifelse(v.direction == "lower", -v.trend_slope_per_year, v.trend_slope_per_year)
    # a slope within rounding of 0 (1e-9 of the value a year) is steady, not a trend
    still = signed.abs() <= 1e-9 * (v.value.abs() + 1)
    return v.mutate(trend_points=v.trend_points.fill_null(0), change=v.value - v.previous_actual,
                    trend=ibis.cases((still, "steady"), (signed > 0, "improving"), (signed < 0, "worsening"),
                                     else_=ibis.null("string")))


def _count(condition) -> ibis.Value:
    return condition.fill_null(False).cast("int64").sum()


def _summary(kpis: ibis.Table, by: list[str]) -> ibis.Table:
    s = kpis.status
    agg = kpis.group_by([*NODE_COLUMNS, *by]).aggregate(
        kpis=kpis.count(), green=_count(s == "green"), amber=_count(s == "amber"), red=_count(s == "red"),
        without_status=_count(s.isnull()), mean_attainment=kpis.attainment.mean())
    worst = ibis.cases((agg.red > 0, "red"), (agg.amber > 0, "amber"), (agg.green > 0, "green"),
                       else_=ibis.null("string"))
    return agg.mutate(worst_status=worst)


def scorecard(kpis: ibis.Table, catalogue: Catalogue, period: str) -> ibis.Table:
    """The ``scorecard`` rows: per node, each perspective (objective empty) and each objective."""
    per = _summary(kpis, ["perspective"]).mutate(objective=ibis.null("string"), parent_objective=ibis.null("string"))
    parents = ibis.memtable(pd.DataFrame([{"o": n, "parent_objective": o.parent} for n, o in catalogue.objective.items()]
                                         or [{"o": "", "parent_objective": None}]),
                            schema=ibis.schema({"o": "string", "parent_objective": "string"}))
    obj = _summary(kpis.filter(kpis.objective.notnull()), ["perspective", "objective"])
    obj = obj.left_join(parents, obj.objective == parents.o).drop("o")
    cols = [*NODE_COLUMNS, "perspective", "objective", "parent_objective", "kpis", "green", "amber", "red",
            "without_status", "worst_status", "mean_attainment"]
    out = ibis.union(per.select(cols), obj.select(cols))
    return out.mutate(period=ibis.literal(period))
