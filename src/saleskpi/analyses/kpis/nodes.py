"""The measures of every node of the organisation, one wide table (:data:`saleskpi.analyses.measures`).

The nodes are those of the ``sales`` result over all business lines (and the business lines
themselves): the company (key ''), each business line, territory, team, rep and customer, with
their scope keys. Each measure is rolled up from its result by its rule and joined on
``(level, key)``; a node a result does not reach has the measure empty (unknown, not 0).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

import ibis

from saleskpi.analyses.measures import LEVELS, MEASURES, Measure
from saleskpi.analyses.shared import ratio_or_null

__all__ = ["NODE_COLUMNS", "node_measures"]

#: The columns that identify a node and carry its scope keys.
NODE_COLUMNS = ("level", "key", "territory_id", "team_id", "rep_id", "customer_id")
_GROUP = {"business_line": "business_line", "territory": "territory_id", "team": "team_id", "rep": "rep_id",
          "customer": "customer_id"}


def _aggregate(t: ibis.Table, m: Measure):
    col = t[m.column]
    if m.rollup == "sum":
        return col.sum()
    if m.rollup == "mean":
        return col.mean()
    if m.rollup == "ratio":
        known = t[m.where_notnull].notnull()
        return ratio_or_null(col.sum(where=known), t[m.denominator].sum(where=known))
    if m.rollup == "count_equal":
        return t.customer_id.nunique(where=col == m.equals)
    if m.rollup == "count_positive":
        return t.customer_id.nunique(where=col > 0)
    if m.rollup == "share_known":
        return col.notnull().cast("int64").mean()
    raise ValueError(m.rollup)


def _customer_grain(rows: ibis.Table, reps: ibis.Table, names: list[str]) -> ibis.Table:
    """The measures ``names`` (all of one customer-grain result) for each level they exist at."""
    if "team_id" not in rows.columns:
        teams = reps.select(r_rep=reps.rep_id, team_id=reps.team_id)
        rows = rows.left_join(teams, rows.rep_id == teams.r_rep).drop("r_rep")
    parts = []
    for level in LEVELS:
        wanted = [n for n in names if level in MEASURES[n].levels]
        if not wanted or (level == "business_line" and "business_line" not in rows.columns):
            continue
        if level == "company":
            agg = rows.aggregate(**{n: _aggregate(rows, MEASURES[n]).cast("float64") for n in wanted})
            agg = agg.mutate(key=ibis.literal(""))
        else:
            g = _GROUP[level]
            sub = rows.filter(rows[g].notnull())
            agg = sub.group_by(key=sub[g].cast("string")).aggregate(
                **{n: _aggregate(sub, MEASURES[n]).cast("float64") for n in wanted})
        agg = agg.mutate(level=ibis.literal(level))
        parts.append(agg.select("level", "key", *[agg[n] if n in agg.columns else ibis.null("float64").name(n)
                                                  for n in names]))
    return ibis.union(*parts)


def _nps(rows: ibis.Table, names: list[str]) -> ibis.Table:
    latest = rows.filter(rows.grouped_by == "company").survey_year.max().as_scalar()
    rows = rows.filter((rows.survey_year == latest) & rows.grouped_by.isin(["company", "territory", "rep"]))
    return rows.select(level=rows.grouped_by, key=rows.group_id.fill_null("").cast("string"),
                       **{n: rows[MEASURES[n].column].cast("float64") for n in names})


def node_measures(result: Callable[[str], ibis.Table], reps: ibis.Table, names: Iterable[str],
                  stored: Collection[str] | None = None) -> ibis.Table:
    """The nodes with the measures ``names`` (float columns), from the results ``result(name)`` reads;
    a measure whose result is not among ``stored`` (when given) is empty."""
    names = list(dict.fromkeys(names))
    sales = result("sales")
    sales = sales.filter(sales.business_line.isnull() | (sales.level == "business_line"))
    by_result: dict[str, list[str]] = {}
    for n in names:
        by_result.setdefault(MEASURES[n].result, []).append(n)
    nodes = sales.select(*NODE_COLUMNS, **{n: sales[MEASURES[n].column].cast("float64")
                                           for n in by_result.pop("sales", [])})
    for source, group in by_result.items():
        if stored is not None and source not in stored:
            nodes = nodes.mutate(**{n: ibis.null("float64") for n in group})
            continue
        rows = result(source)
        part = _nps(rows, group) if source == "nps" else _customer_grain(rows, reps, group)
        part = part.rename(**{f"p_{c}": c for c in ("level", "key")})
        nodes = nodes.left_join(part, [nodes.level == part.p_level, nodes.key == part.p_key]).drop("p_level", "p_key")
    return nodes
