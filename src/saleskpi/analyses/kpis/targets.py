"""Targets: proposed from potential (``target-proposals``) and checked across levels
(``target-consistency``).

A fair target follows opportunity, not last year plus x %: per customer, proposed =
turnover_12m + k · max(0, s · potential − turnover_12m), with k = [kpis] gap_part and s =
[kpis] target_share (the share of wallet to reach, as CLV's opportunity: docs/clv.md), summed
up the organisation. A customer without a potential is carried at its turnover and counted.

Consistency is the arithmetic tree of the plan: a parent's target should be the sum of its
children's (company = Σ business lines = Σ the highest territories with a target = Σ teams = Σ reps; team =
Σ its reps; territory = Σ its sub-territories; rep = Σ its customers), checked per period and kpi
where the parent and at least one child have a target; gap = parent − Σ children.
"""

from __future__ import annotations

from decimal import Decimal

import ibis

from saleskpi.analyses.shared import ratio_or_null

__all__ = ["consistency", "proposals"]

_SCOPE = ("territory_id", "team_id", "rep_id", "customer_id")


def proposals(potential: ibis.Table, customers: ibis.Table, reps: ibis.Table, targets: ibis.Table, *,
              gap_part: float, target_share: float, period: str, current_period: str | None,
              currency: str) -> ibis.Table:
    """The ``target-proposals`` rows. ``current_period``: the targets' period to compare with
    (None when the reporting period is not a year: a yearly proposal has no like to compare)."""
    # money in decimals, each customer's figures rounded to the cent before they are summed: every
    # engine then gives the same cents (a float cast to cents rounds differently from one to another)
    money = "decimal(38, 2)"
    per = potential.group_by("customer_id").aggregate(
        turnover=potential.turnover_value_12m.cast(money).sum().fill_null(0),
        potential=potential.potential_value.cast(money).sum(where=potential.potential_value.notnull()))
    c = customers.select("customer_id", "territory_id", c_rep=customers.rep_id)
    team = reps.select(r_rep=reps.rep_id, team_id=reps.team_id)
    c = c.left_join(team, c.c_rep == team.r_rep).drop("r_rep").rename(rep_id="c_rep")
    g = c.left_join(per, "customer_id").drop("customer_id_right")
    g = g.mutate(turnover=g.turnover.fill_null(0).cast(money), potential=g.potential.cast(money))
    exact = "decimal(38, 6)"  # one decimal type on both sides: Ibis multiplies decimals of one type

    def cents(amount, factor: float):
        return (amount.cast(exact) * ibis.literal(Decimal(str(factor)), exact)).round(2).cast(money)

    at_share = cents(g.potential, target_share)
    gap = ibis.ifelse(g.potential.isnull(), ibis.null(money),
                      ibis.greatest((at_share - g.turnover).cast(money), ibis.literal(Decimal(0), money)))
    g = g.mutate(at_share=at_share, gap=gap,
                 proposed=ibis.coalesce((g.turnover + cents(gap, gap_part)).cast(money), g.turnover),
                 no_potential=g.potential.isnull().cast("int64"))
    parts = []
    for level, col in (("company", None), ("territory", "territory_id"), ("team", "team_id"), ("rep", "rep_id"),
                       ("customer", "customer_id")):
        sub = g if col is None else g.filter(g[col].notnull())
        metrics = dict(turnover_value_12m=sub.turnover.sum(), potential_value=sub.potential.sum(),
                       potential_at_target_share=sub.at_share.sum(), gap_to_target_share_value=sub.gap.sum(),
                       proposed_target_value=sub.proposed.sum(), customers_without_potential=sub.no_potential.sum())
        if level == "customer":
            agg = sub.select(*_SCOPE, key=sub.customer_id, turnover_value_12m=sub.turnover,
                             potential_value=sub.potential, potential_at_target_share=sub.at_share, gap_to_target_share_value=sub.gap,
                             proposed_target_value=ibis.ifelse(sub.potential.isnull(), ibis.null(money),
                                                               sub.proposed),
                             customers_without_potential=sub.no_potential)
        elif col is None:
            agg = sub.aggregate(**metrics).mutate(key=ibis.literal(""))
        else:
            agg = sub.group_by(key=sub[col]).aggregate(**metrics)
        scope = {s: (agg.key if s == col else ibis.null("string")) for s in _SCOPE if s not in agg.columns}
        agg = agg.mutate(level=ibis.literal(level), **scope)
        parts.append(agg.select("level", "key", *_SCOPE, "turnover_value_12m", "potential_value",
                                "potential_at_target_share", "gap_to_target_share_value", "proposed_target_value",
                                "customers_without_potential"))
    out = ibis.union(*parts)
    if current_period is None:
        out = out.mutate(current_target_value=ibis.null("float64"))
    else:
        t = targets.filter((targets.period == current_period) & (targets.kpi == "turnover_value"))
        t = t.group_by(t_level=t.level, t_key=t.key.fill_null("")).aggregate(current_target_value=t.target.sum())
        out = out.left_join(t, [out.level == t.t_level, out.key == t.t_key]).drop("t_level", "t_key")
    out = out.mutate(current_target_value=out.current_target_value.cast("float64"))
    no_pot = out.customers_without_potential > 0
    note = ibis.cases(
        ((out.level == "customer") & no_pot, "no potential for this customer: no proposal (import potential or "
                                             "drivers; docs/potential.md)"),
        (no_pot, "customers without a potential are carried at their 12-month turnover (customers_without_potential)"),
        else_=ibis.null("string"))
    return out.mutate(period=ibis.literal(period), proposed_vs_current=ratio_or_null(out.proposed_target_value,
                                                                                      out.current_target_value),
                      currency=ibis.literal(currency), note=note)


def _edges(reps: ibis.Table, customers: ibis.Table, territories: ibis.Table) -> list[tuple[str, str, ibis.Table | None]]:
    """(parent level, child level, parent_key/child_key pairs or None = the company over all children)."""
    team_reps = reps.filter(reps.team_id.notnull()).select(parent_key=reps.team_id, child_key=reps.rep_id)
    rep_customers = customers.filter(customers.rep_id.notnull()).select(parent_key=customers.rep_id,
                                                                        child_key=customers.customer_id)
    sub = territories.filter(territories.parent_id.notnull()).select(parent_key=territories.parent_id,
                                                                     child_key=territories.territory_id)
    return [("company", "business_line", None), ("company", "territory", None), ("company", "team", None),
            ("company", "rep", None), ("team", "rep", team_reps), ("territory", "territory", sub),
            ("rep", "customer", rep_customers)]


def consistency(targets: ibis.Table, reps: ibis.Table, customers: ibis.Table, territories: ibis.Table, *,
                tolerance: float) -> ibis.Table:
    """The ``target-consistency`` rows, every period and kpi of the targets table."""
    t = targets.group_by("period", "kpi", "level", key=targets.key.fill_null("")).aggregate(
        target=targets.target.sum().cast("float64"))
    # the company is the sum of the highest territories with a target: those whose parent has none
    terr = t.filter(t.level == "territory")
    parent_of = territories.select(tp_key=territories.territory_id, tp_parent=territories.parent_id)
    terr = terr.left_join(parent_of, terr.key == parent_of.tp_key).drop("tp_key")
    has = t.filter(t.level == "territory").select(h_period="period", h_kpi="kpi", h_key="key")
    top = terr.anti_join(has, [terr.period == has.h_period, terr.kpi == has.h_kpi, terr.tp_parent == has.h_key])
    top = top.select("period", "kpi", "level", "key", "target")
    parts = []
    for parent_level, child_level, pairs in _edges(reps, customers, territories):
        parents = t.filter(t.level == parent_level).select("period", "kpi", parent_key="key", parent_target="target")
        children = t.filter(t.level == child_level)
        if pairs is None:
            if child_level == "territory":
                children = top
            kids = children.group_by(c_period=children.period, c_kpi=children.kpi).aggregate(
                children_target_sum=children.target.sum(), children_with_target=children.count())
            j = parents.filter(parents.parent_key == "").join(
                kids, [parents.period == kids.c_period, parents.kpi == kids.c_kpi]).drop("c_period", "c_kpi")
            j = j.mutate(children_without_target=ibis.null("int64"))
        else:
            linked = pairs.join(children, pairs.child_key == children.key)
            kids = linked.group_by(c_period=linked.period, c_kpi=linked.kpi, c_parent=linked.parent_key).aggregate(
                children_target_sum=linked.target.sum(), children_with_target=linked.child_key.nunique())
            listed = pairs.group_by(l_parent=pairs.parent_key).aggregate(listed=pairs.child_key.nunique())
            j = parents.join(kids, [parents.period == kids.c_period, parents.kpi == kids.c_kpi,
                                    parents.parent_key == kids.c_parent]).drop("c_period", "c_kpi", "c_parent")
            j = j.left_join(listed, j.parent_key == listed.l_parent).drop("l_parent")
            j = j.mutate(children_without_target=(j.listed - j.children_with_target).cast("int64")).drop("listed")
        scope = {s: (j.parent_key if parent_level == s.removesuffix("_id") else ibis.null("string"))
                 for s in ("territory_id", "team_id", "rep_id")}
        parts.append(j.mutate(parent_level=ibis.literal(parent_level), child_level=ibis.literal(child_level),
                              **scope))
    out = ibis.union(*[p.select("period", "kpi", "parent_level", "parent_key", "child_level", "territory_id",
                                "team_id", "rep_id", "parent_target", "children_target_sum", "children_with_target",
                                "children_without_target") for p in parts])
    gap = out.parent_target - out.children_target_sum
    share = ibis.cases((out.parent_target != 0, gap / out.parent_target), else_=ibis.null("float64"))
    return out.mutate(target_gap=gap, target_gap_share=share, consistent=(share.abs() <= tolerance).fill_null(gap == 0),
                      children_with_target=out.children_with_target.cast("int64"))
