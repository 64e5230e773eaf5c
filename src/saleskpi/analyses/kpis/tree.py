"""The multiplicative strategy tree (result ``turnover-tree``): turnover = active customers ×
average potential per active customer × share of wallet, per node, on actuals and on targets,
and the change against a base window split into the three factors (docs/kpis.md).

For a node and a window w (the period to date, the previous period's or last year's same days)
over the node's customers (by their customer record: territory, rep, that rep's team; a
business line's node holds the customer × line pairs of that line):

- N_w: the customers with a net value > 0 in w (*active*, as the bridge counts new and lost);
- K_w: those of them with a potential (``potential.potential_value``: the sum of the customer's
  known lines, or the line's);
- p̄_w = Σ_K potential / |K_w|, the average yearly potential per active customer;
- s_w = Σ_K value_w / Σ_K potential, the share of that wallet the window's turnover takes;
- V_w = N_w · p̄_w · s_w, the *product of the factors*.

V_w = N_w · Σ_K value_w / |K_w| is the node's turnover T_w = Σ value_w exactly when every active
customer has a potential and no other customer has a net value (a customer with returns only
has a negative one); otherwise ``identity_residual_value`` = T_w − V_w says by how much it is
not, and the tree does not force it.

Which factor moved: the change V_1 − V_0 split by the additive LMDI-I (logarithmic mean Divisia
index; Ang 2004, "Decomposition analysis for policymaking in energy: which is the preferred
method?", Energy Policy 32, 1131–1139, the additive LMDI-I formula):

    ΔV = Σ_k L(V_1, V_0) · ln(x_k1 / x_k0),  L(a, b) = (a − b) / (ln a − ln b),  L(a, a) = a,

which sums to ΔV exactly (no residual term), since Σ_k ln(x_k1/x_k0) = ln(V_1/V_0). It needs
every factor positive in both windows; where one is 0 or unknown the effects are empty (never 0)
and ``note`` says why. ``unexplained_change_value`` = (T_1 − T_0) − Σ effects = the change of the
residual. Each is stored to the cent on its own, so the stored parts may miss ``change_value`` by a
cent of rounding.
"""

from __future__ import annotations

import ibis

from saleskpi.analyses.shared import cents_per, note_of, ratio_or_null

__all__ = ["COMPARISONS", "FACTORS", "TREE_KPIS", "log_mean", "target_kpis", "turnover_tree"]

#: The base windows: (comparison, the suffix of the sales result's base columns, what the notes call it).
COMPARISONS = (("previous", "prev", "the previous period"), ("last_year", "ly", "last year"))
#: The factors, in the order of the identity, and their effect columns.
FACTORS = (("customers", "customers_effect_value"), ("potential", "potential_effect_value"),
           ("share", "share_effect_value"))
#: The catalogue KPI whose target_kpi names each term's target, and the name used without it (the
#: average potential per active customer is no KPI of the default catalogue).
TREE_KPIS = {"turnover": ("turnover", "turnover_value"), "customers": ("active_customers", "active_customers"),
             "potential": ("potential_per_customer", "potential_per_customer"),
             "share": ("share_of_wallet", "share_of_wallet")}
_LEVELS = (("company", None), ("business_line", "business_line"), ("territory", "territory_id"),
           ("team", "team_id"), ("rep", "rep_id"))
_SCOPE = ("territory_id", "team_id", "rep_id")


def target_kpis(catalogue) -> dict[str, str]:
    """The targets table's kpi of each term of the tree: the target_kpi of its catalogue KPI
    (:data:`TREE_KPIS`), else the default name."""
    return {term: catalogue.target_kpi(kpi) if kpi in catalogue.kpi else default
            for term, (kpi, default) in TREE_KPIS.items()}


def _positive(x) -> ibis.Value:
    """``x`` where it is > 0, else empty: a logarithm's argument (PostgreSQL refuses ln(0))."""
    return ibis.ifelse(x > 0, x, ibis.null("float64"))


def log_mean(a, b) -> ibis.Value:
    """The logarithmic mean L(a, b) = (a − b) / ln(a / b), L(a, a) = a, of positive a and b
    (Ang 2004, LMDI-I weight); empty unless both are > 0. Near a = b (|a/b − 1| < 1e-4) the series
    b · (1 + d/2 − d²/12 + d³/24), d = a/b − 1, keeps full precision where ln(a/b) would not."""
    a, b = _positive(a), _positive(b)
    d = a / b - 1
    near = d.abs() < 1e-4
    series = b * (1 + d / 2 - d * d / 12 + d * d * d / 24)
    return ibis.ifelse(near, series, (a - b) / ibis.ifelse(near, ibis.null("float64"), (a / b).ln()))


def _customer_rows(sales: ibis.Table, potential: ibis.Table, customers: ibis.Table, reps: ibis.Table) -> ibis.Table:
    """Per customer over all lines (``business_line`` empty) and per customer × line: the net
    value in each window, the yearly potential (empty when unknown) and the customer record's
    territory, rep and team."""
    c = sales.filter(sales.level == "customer")
    rows = c.select("customer_id", "business_line", "coverage_prev", "coverage_ly",
                    cur=c.turnover_value_period.cast("float64"), prev=c.turnover_value_prev.cast("float64"),
                    ly=c.turnover_value_ly.cast("float64"))
    known = potential.filter(potential.potential_value.notnull())
    by_line = known.group_by(p_customer=known.customer_id, p_line=known.business_line).aggregate(
        pot=known.potential_value.sum().cast("float64"))
    whole = known.group_by(p_customer=known.customer_id).aggregate(
        pot=known.potential_value.sum().cast("float64")).mutate(p_line=ibis.literal(""))
    pots = ibis.union(by_line.select("p_customer", "p_line", "pot"), whole.select("p_customer", "p_line", "pot"))
    # '' stands for "all lines" on both sides: the join is on equalities alone
    rows = rows.mutate(r_line=rows.business_line.fill_null(""))
    rows = rows.left_join(pots, [rows.customer_id == pots.p_customer, rows.r_line == pots.p_line]).drop(
        "p_customer", "p_line", "r_line")
    record = customers.select(c_id=customers.customer_id, territory_id=customers.territory_id, c_rep=customers.rep_id)
    teams = reps.select(r_rep=reps.rep_id, team_id=reps.team_id)
    record = record.left_join(teams, record.c_rep == teams.r_rep).drop("r_rep").rename(rep_id="c_rep")
    return rows.left_join(record, rows.customer_id == record.c_id).drop("c_id")


def _window(rows: ibis.Table, value: str) -> dict[str, ibis.Value]:
    """The aggregates of one window: N (active), K (active with a potential), Σ_K potential,
    Σ_K value and the node's turnover Σ value."""
    v = rows[value]
    active = v > 0
    known = active & rows.pot.notnull()
    return {f"n_{value}": active.cast("int64").sum(), f"k_{value}": known.cast("int64").sum(),
            f"p_{value}": rows.pot.sum(where=known), f"tk_{value}": v.sum(where=known), f"t_{value}": v.sum()}


def _nodes(rows: ibis.Table) -> ibis.Table:
    """Each node's aggregates of the three windows."""
    parts = []
    for level, col in _LEVELS:
        sub = rows.filter(rows.business_line.notnull() if level == "business_line" else rows.business_line.isnull())
        metrics = {**_window(sub, "cur"), **_window(sub, "prev"), **_window(sub, "ly"),
                   "coverage_prev": sub.coverage_prev.min(), "coverage_ly": sub.coverage_ly.min()}
        if col is None:
            agg = sub.aggregate(**metrics).mutate(key=ibis.literal(""))
        else:
            sub = sub.filter(sub[col].notnull())
            agg = sub.group_by(key=sub[col].cast("string")).aggregate(**metrics)
        scope = {s: (agg.key if s == col else ibis.null("string")) for s in _SCOPE}
        parts.append(agg.mutate(level=ibis.literal(level), **scope))
    return ibis.union(*[p.select("level", "key", *_SCOPE, *[c for c in p.columns if c not in ("level", "key", *_SCOPE)])
                        for p in parts])


def _factors(n, k, p, tk) -> tuple[ibis.Value, ibis.Value, ibis.Value]:
    """(N, p̄, s) of a window from its aggregates."""
    return n.cast("float64"), ratio_or_null(p, k), ratio_or_null(tk, p)


def _targets(nodes: ibis.Table, targets: ibis.Table, period: str, target_kpis: dict[str, str]) -> ibis.Table:
    """``nodes`` with the period's targets of turnover and of the three factors at each node."""
    t = targets.filter((targets.period == period) & targets.kpi.isin(list(target_kpis.values())))
    t = t.group_by(t_level=t.level, t_key=t.key.fill_null("")).aggregate(
        **{f"target_{name}": t.target.sum(where=t.kpi == kpi).cast("float64") for name, kpi in target_kpis.items()})
    return nodes.left_join(t, [nodes.level == t.t_level, nodes.key == t.t_key]).drop("t_level", "t_key")


def _by_comparison(t: ibis.Table) -> ibis.Table:
    """The nodes once per comparison, with that window's aggregates as ``*_b`` and its coverage."""
    parts = [t.mutate(comparison=ibis.literal(comparison), n_b=t[f"n_{b}"], k_b=t[f"k_{b}"], p_b=t[f"p_{b}"],
                      tk_b=t[f"tk_{b}"], t_b=t[f"t_{b}"], cover=t[f"coverage_{b}"])
             for comparison, b, _window in COMPARISONS]
    keep = ["comparison", "level", "key", *_SCOPE, "n_cur", "k_cur", "p_cur", "tk_cur", "t_cur", "n_b", "k_b", "p_b",
            "tk_b", "t_b", "cover", *[c for c in t.columns if c.startswith("target_")]]
    return ibis.union(*[p.select(keep) for p in parts])


def turnover_tree(sales: ibis.Table, potential: ibis.Table, customers: ibis.Table, reps: ibis.Table,
                  targets: ibis.Table, *, period: str, tolerance: float, currency: str,
                  target_kpis: dict[str, str]) -> ibis.Table:
    """The ``turnover-tree`` rows: per comparison (previous, last_year) and node, the factors now
    and in the base window, the identity's residual, the LMDI-I effects and the targets' check.

    ``sales`` and ``potential``: those results (customer rows of ``sales``: the windows' net value
    and coverage; ``potential``: potential_value per customer × line); ``target_kpis``: the
    targets table's kpi of ``turnover``, ``customers``, ``potential`` and ``share``; ``tolerance``:
    the largest |gap| / target of turnover at which the targets are consistent."""
    # the nodes (a few rows a node) are computed once: both comparisons read them
    nodes = _targets(_nodes(_customer_rows(sales, potential, customers, reps)), targets, period, target_kpis)
    t = _by_comparison(nodes.cache())
    # one step per derived figure: each step reads the columns of the one before, so the SQL does
    # not repeat a formula inside every formula that uses it
    covered = t.cover >= 1
    n0, p0, s0 = _factors(t.n_b, t.k_b, t.p_b, t.tk_b)
    n1, p1, s1 = _factors(t.n_cur, t.k_cur, t.p_cur, t.tk_cur)
    # a base window the data do not cover whole cannot tell who was active in it
    t = t.mutate(covered=covered, n1=n1, p1=p1, s1=s1, n0=ibis.ifelse(covered, n0, ibis.null("float64")),
                 p0=ibis.ifelse(covered, p0, ibis.null("float64")), s0=ibis.ifelse(covered, s0, ibis.null("float64")),
                 base_turnover=ibis.ifelse(t.cover > 0, t.t_b, ibis.null("float64")),
                 target_product=t.target_customers * t.target_potential * t.target_share)
    t = t.mutate(v1=t.n1 * t.p1 * t.s1, v0=t.n0 * t.p0 * t.s0, change=t.t_cur - t.base_turnover,
                 target_gap=t.target_turnover - t.target_product)
    t = t.mutate(weight=log_mean(t.v1, t.v0), residual=t.t_cur - t.v1,
                 target_gap_share=ibis.cases((t.target_turnover != 0, t.target_gap / t.target_turnover),
                                             else_=ibis.null("float64")))
    t = t.mutate(**{col: t.weight * (_positive(t[f"{x}1"]) / _positive(t[f"{x}0"])).ln()
                    for (_name, col), x in zip(FACTORS, ("n", "p", "s"), strict=True)},
                 holds=t.residual.abs() < 0.005)  # to the cent
    effects = [col for _name, col in FACTORS]
    t = t.mutate(explained=t[effects[0]] + t[effects[1]] + t[effects[2]],
                 biggest=ibis.greatest(*[t[c].abs() for c in effects]))
    t = t.mutate(largest=ibis.cases(*[(t[c].abs() == t.biggest, name) for name, c in FACTORS],
                                    else_=ibis.null("string")), note=_tree_note(t, period, target_kpis))
    return t.select(
        "comparison", "level", "key", *_SCOPE, period=ibis.literal(period),
        current_value=t.t_cur, customers_active_current=t.n_cur.cast("int64"),
        potential_per_customer_value=cents_per(t.p_cur, t.k_cur),
        share_of_wallet_current=t.s1, factors_product_value=t.v1, identity_residual_value=t.residual,
        identity_holds=t.holds, base_value=t.base_turnover,
        customers_active_base=ibis.ifelse(t.covered, t.n_b, ibis.null("int64")).cast("int64"),
        base_potential_per_customer_value=ibis.ifelse(t.covered, cents_per(t.p_b, t.k_b), ibis.null("decimal(38, 2)")),
        share_of_wallet_base=t.s0, base_factors_product_value=t.v0,
        change_value=t.change, **{c: t[c] for c in effects}, unexplained_change_value=t.change - t.explained,
        largest_effect=t.largest, target_value=t.target_turnover, target_customers_active=t.target_customers,
        target_potential_per_customer_value=t.target_potential, target_share_of_wallet=t.target_share,
        target_factors_product_value=t.target_product, target_tree_gap_value=t.target_gap,
        target_tree_gap_share=t.target_gap_share,
        targets_consistent=(t.target_gap_share.abs() <= tolerance).fill_null(t.target_gap == 0),
        currency=ibis.literal(currency), note=t.note)


def _tree_note(t: ibis.Table, period: str, target_kpis: dict[str, str]) -> ibis.Value:
    """Why a row's effects are empty, its identity not exact or its targets not checked."""
    reasons = [(~t.covered & (t.comparison == comparison),
                f"effects empty: the data do not cover {window}'s window whole, so who was active in it is "
                f"unknown (sales.coverage_{b}); import the earlier sales")
               for comparison, b, window in COMPARISONS]
    return note_of([
        *reasons,
        (t.covered & ((t.n_cur == 0) | (t.n_b == 0)),
         "effects empty: no active customer in one of the two windows (a factor is 0: its logarithm is undefined)"),
        (t.covered & (t.n_cur > 0) & (t.n_b > 0) & ((t.k_cur == 0) | (t.k_b == 0)),
         "effects empty: no active customer with a potential in one of the two windows (the average potential "
         "and the share are unknown); import potential (docs/potential.md)"),
        (t.covered & (t.k_cur > 0) & (t.k_b > 0) & t.explained.isnull(),
         "effects empty: the active customers' turnover or potential is not positive in one of the two windows"),
        (~t.holds, "identity not exact: the turnover of active customers without a potential, and of customers "
                   "with a net value <= 0 (returns), is outside the product of the factors (identity_residual_value)"),
        (t.target_product.isnull() & (t.target_customers.notnull() | t.target_potential.notnull()
                                      | t.target_share.notnull()),
         f"targets not checked: the node needs a {period} target of turnover and of each of the three factors "
         f"(kpi {', '.join(target_kpis.values())})"),
    ])
