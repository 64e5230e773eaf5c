"""Expression helpers that several capabilities use, written once.

Capabilities never import each other's internals: what two of them need lives here (the
product attributes every line is joined with, a ratio that is empty where its denominator is
not positive, the potential and market share of every node of the organisation).
"""

from __future__ import annotations

from decimal import Decimal

import ibis
from ibis import _

__all__ = ["NO_LINE", "POTENTIAL_FIX", "note_of", "ratio_or_null", "product_attributes", "market_by_node", "MARKET_NODES"]

#: The business line of a product that names none.
NO_LINE = "(none)"

#: What to import so that customers get a potential (the warnings of every analysis that
#: needs one end with it).
POTENTIAL_FIX = ("import potential (customer_id, year, value; source survey, external or rep_estimate) for "
                 "your customers, or customers with driver_* columns (e.g. driver_employees) and industry or "
                 "size_band, or territories with market_value")


def ratio_or_null(num, den):
    """``num / den`` as a float, empty (null) where ``den`` is not positive or is empty."""
    return ibis.cases((den > 0, num.cast("float64") / den.cast("float64")), else_=ibis.null("float64"))


def cents_per(total, count) -> ibis.Value:
    """``total / count`` (a non-negative float sum by a positive count) to the cent, half away from
    zero, as ``decimal(38, 2)``; empty where ``count`` is not positive. The same cents on every
    engine: the sum is fixed to micro-units first (``decimal(38, 6)``) and the division rounded in
    integers, cents = (2·S + k·10⁴) div (2·k·10⁴) for S micro-units — a float quotient cast to
    cents would land either side of a half-cent tie (28,660.985 is .98 on DuckDB, .99 on
    PostgreSQL)."""
    micro = (total.cast("decimal(38, 6)") * 1_000_000).cast("int64")
    k = count.cast("int64")
    cents = (micro * 2 + k * 10_000) // (k * 20_000)
    cent = ibis.literal(Decimal("0.01"), "decimal(38, 2)")
    return ibis.cases((k > 0, cents.cast("decimal(38, 2)") * cent), else_=ibis.null("decimal(38, 2)"))


def note_of(reasons) -> ibis.Value:
    """A row's ``note``: the texts of ``reasons`` (pairs of a boolean expression and a text)
    whose condition holds, joined with "; ", in order; empty (null) when none holds."""
    parts = [ibis.ifelse(cond.fill_null(False), ibis.literal("; " + text), ibis.literal("")) for cond, text in reasons]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + part
    return ibis.ifelse(joined == "", ibis.null("string"), joined.substr(2))


def product_attributes(products: ibis.Table) -> ibis.Table:
    """Each product's business line (:data:`NO_LINE` when it has none), category and target flag."""
    return products.select(
        "product_id", business_line=_.business_line.fill_null(NO_LINE), category=_.category,
        is_target=_.is_target.fill_null(False))


#: The nodes market share is given for: (level, key column, per business line).
MARKET_NODES = (("company", None, False), ("business_line", "business_line", True),
                *((level, column, by_line) for level, column in (
                    ("territory", "territory_id"), ("team", "team_id"), ("rep", "rep_id"),
                    ("customer", "customer_id")) for by_line in (False, True)))


def market_by_node(potential: ibis.Table, reps: ibis.Table) -> ibis.Table:
    """Potential and market share per node (``m_level``, ``m_key``, ``m_line``; ``m_line`` is
    '' over all lines), from the ``potential`` result (customer x line).

    The one definition of market share: our turnover over the 12 months to the as-of date /
    the yearly potential, both summed over the node's customer x line pairs that have a
    potential (a pair without one would add turnover and no wallet); empty where that
    potential is not positive. A customer belongs to the territory and rep of its customer
    record, and to that rep's team. ``turnover_value_12m_with_potential`` is that turnover and ``customers`` counts the node's
    customers with a potential.
    """
    teams = reps.select(team_rep=_.rep_id, team_id=_.team_id)
    pot = potential.filter(potential.potential_value.notnull())
    pot = pot.left_join(teams, pot.rep_id == teams.team_rep).drop("team_rep")
    parts = []
    for level, column, by_line in MARKET_NODES:
        keys = [c for c in dict.fromkeys([column, "business_line" if by_line else None]) if c]
        metrics = dict(potential_value=pot.potential_value.sum(), turnover_value_12m_with_potential=pot.turnover_value_12m.sum(),
                       customers=pot.customer_id.nunique())
        agg = pot.group_by(keys).aggregate(**metrics) if keys else pot.aggregate(**metrics)
        if column:
            agg = agg.filter(agg[column].notnull())
        parts.append(agg.select(
            m_level=ibis.literal(level),
            m_key=agg[column].cast("string") if column else ibis.literal(""),
            m_line=agg.business_line if by_line else ibis.literal(""),
            potential_value=agg.potential_value.cast("float64"),
            turnover_value_12m_with_potential=agg.turnover_value_12m_with_potential.cast("float64"),
            customers=agg.customers))
    out = ibis.union(*parts)
    return out.mutate(market_share=ratio_or_null(out.turnover_value_12m_with_potential, out.potential_value))
