"""KPI catalogue and balanced scorecard (capability 10; docs/kpis.md).

The catalogue (:mod:`.catalogue`: the default ``catalogue.toml`` with ``DIR/kpis.toml`` over it)
defines each KPI as a formula over the measures the declared results provide
(:mod:`saleskpi.analyses.measures`), with its unit, direction, levels, owner, perspective,
leading/lagging and objective of the strategy tree. Results (:mod:`.results`):

``kpis``
    each KPI at each node it is defined at: value, target and target due to date, attainment,
    red/amber/green status ([kpis] green_from, amber_from) and the trend over earlier runs;
``scorecard``
    per node, each perspective and each objective: the count of green, amber and red KPIs and
    the worst status (Kaplan & Norton 1992; 2004);
``target-proposals``
    fair targets from potential (:mod:`.targets`);
``target-consistency``
    whether each parent's target is the sum of its children's, with the gap;
``turnover-tree``
    turnover = active customers × potential per active customer × share of wallet per node, the
    change split into the three factors by LMDI-I (Ang 2004) and the targets' product (:mod:`.tree`).
"""

from __future__ import annotations

from pathlib import Path

import ibis

from saleskpi.analyses import Analysis, Context
from saleskpi.analyses.kpis.catalogue import (
    CATALOGUE_FILE,
    DEFAULT_CATALOGUE,
    PERSPECTIVES,
    Catalogue,
    Kpi,
    Objective,
    load_catalogue,
)
from saleskpi.analyses.kpis.evaluate import kpi_actuals, scorecard, seasonal_share_of, with_trend
from saleskpi.analyses.kpis.nodes import node_measures
from saleskpi.analyses.kpis.results import CONSISTENCY, KPIS, PROPOSALS, RESULTS, SCORECARD, TURNOVER_TREE
from saleskpi.analyses.kpis.targets import consistency, proposals
from saleskpi.analyses.kpis.tree import target_kpis, turnover_tree
from saleskpi.analyses.measures import MEASURES
from saleskpi.analyses.periods import periods

__all__ = ["ANALYSIS", "CATALOGUE_FILE", "DEFAULT_CATALOGUE", "PERSPECTIVES", "Catalogue", "Kpi", "Objective",
           "load_catalogue"]


def run(ctx: Context) -> dict[str, ibis.Table]:
    catalogue, _source = load_catalogue(Path(ctx.ws.path))
    s = ctx.settings.kpis
    p = periods(ctx.as_of, ctx.settings.sales.period)
    needed = [m for k in catalogue.kpi.values() for m in k.measures()]
    with_rows = {name for name, rows in ctx.stored.items() if rows}
    missing = sorted({MEASURES[m].result for m in needed} - with_rows)
    for name in missing:
        kpis = [n for n, k in catalogue.kpi.items() if any(MEASURES[m].result == name for m in k.measures())]
        ctx.warn("kpis", f"the result {name} has no rows in this run, so these KPIs have no value: {', '.join(kpis)}; see "
                         f"that analysis's warning for what to import.")
    nodes = node_measures(ctx.result, ctx.table("reps"), needed, stored=with_rows).cache()
    share_due = seasonal_share_of(ctx.result("sales"), p.elapsed_share)
    targets = ctx.table("targets")
    values = kpi_actuals(catalogue, nodes, targets, period=p.label, share_due=share_due, green_from=s.green_from,
                        amber_from=s.amber_from)
    # cached: kpis and scorecard both read it
    values = with_trend(ctx.con, values, ctx.as_of, s.trend_runs).cache()
    if not targets.filter(targets.period == p.label).count().execute():
        ctx.warn("kpis", f"no target is set for {p.label}, so no KPI has an attainment or a status; import the "
                         "targets (saleskpi import DIR targets FILE).")
    yearly = ctx.settings.sales.period == "year"
    proposed = proposals(ctx.result("potential"), ctx.table("customers"), ctx.table("reps"), targets,
                         gap_part=s.gap_part, target_share=s.target_share, period=str(ctx.as_of.year + 1),
                         current_period=p.label if yearly else None, currency=ctx.settings.workspace.currency)
    checked = consistency(targets, ctx.table("reps"), ctx.table("customers"), ctx.table("territories"),
                          tolerance=s.tolerance)
    tree = turnover_tree(ctx.result("sales"), ctx.result("potential"), ctx.table("customers"), ctx.table("reps"),
                         targets, period=p.label, tolerance=s.tolerance, currency=ctx.settings.workspace.currency,
                         target_kpis=target_kpis(catalogue))
    stored = values.rename(kpi_actual="value", kpi_target="target", kpi_attainment="attainment")
    return {KPIS.name: stored, SCORECARD.name: scorecard(values, catalogue, p.label), PROPOSALS.name: proposed,
            CONSISTENCY.name: checked, TURNOVER_TREE.name: tree}


ANALYSIS = Analysis(name="kpis", title="KPIs and scorecard", results=RESULTS, run=run,
                    depends_on=("potential", "sales", "wallet", "abc", "clv", "satisfaction"))
