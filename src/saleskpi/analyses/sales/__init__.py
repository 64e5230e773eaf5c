"""Sales management (course topic 3): turnover by business line > territory > team > rep > customer.

Results:

``sales``
    One row per node of the organisation — the company, each business line, and each
    territory, team, rep and customer both over all lines and per business line — for the
    current period to date (``saleskpi.analyses.periods``): turnover in value and volume,
    the same for the previous period and the same dates last year, growth, target and
    attainment, target-product turnover and share, margin, active customers, assortment
    breadth (distinct products and categories bought against those the line offers), and
    our market share: turnover over the 12 months to the as-of date / the yearly potential of
    the node's customers (from this run's ``potential`` result; a customer belongs to the
    territory and rep of its customer record, and to that rep's team).

``bridge``
    The change in turnover against the previous period and against last year, split into
    new customers, lost customers, price, volume and mix, whose parts add up to the total
    change exactly (to the cent), for the company, each business line, territory and rep.

Bridge method (a price-volume-mix analysis; e.g. Hollensen, *Marketing Management*, ch. on
sales variance analysis): for a node, a customer is *new* if it bought nothing (net value
<= 0) in the base window and something in the current one, *lost* in the opposite case,
*retained* otherwise. New and lost contribute their whole change. For retained customers,
per customer x product bought in both windows with positive quantity,
``price = sum((p_c - p_b) * q_c)`` with ``p = value / quantity``; ``volume = (Q_c - Q_b) *
V_b / Q_b`` over all retained lines (the change in volume at the base average price); ``mix``
is the rest of the retained change (product mix, and products a retained customer started or
stopped buying). Every part is rounded to cents; mix takes the rounding so that the parts
sum exactly to the change.
"""

from __future__ import annotations

import datetime as dt

import ibis
from ibis import _

from saleskpi.analyses import Analysis, Context
from saleskpi.analyses.periods import Periods, Window, coverage, coverage_gap, first_sales_day, periods
from saleskpi.analyses.sales.results import RESULTS
from saleskpi.analyses.shared import NO_LINE, market_by_node, note_of, product_attributes, ratio_or_null

LEVELS = ("company", "business_line", "territory", "team", "rep", "customer")
_LEVEL_KEY = {"territory": "territory_id", "team": "team_id", "rep": "rep_id", "customer": "customer_id"}
_PATH = ("territory_id", "team_id", "rep_id", "customer_id")


def _zero(x):
    return x.fill_null(0)


def with_attributes(ctx: Context, t: ibis.Table) -> ibis.Table:
    """``t`` (rows with ``customer_id``, ``product_id`` and the line's ``line_rep_id``) with
    business line, category, target flag, territory, the rep credited (the line's rep, else
    the customer's) and that rep's team."""
    products = product_attributes(ctx.table("products"))
    customers = ctx.table("customers").select("customer_id", "territory_id", customer_rep_id=_.rep_id)
    reps = ctx.table("reps").select(rep_key=_.rep_id, team_id=_.team_id)
    j = t.left_join(products, "product_id").drop("product_id_right")
    j = j.left_join(customers, "customer_id").drop("customer_id_right")
    j = j.mutate(rep_id=ibis.coalesce(j.line_rep_id, j.customer_rep_id)).drop("line_rep_id", "customer_rep_id")
    j = j.left_join(reps, j.rep_id == reps.rep_key).drop("rep_key")
    return j


def _window_sums(grouped, s: ibis.Table, cur, prev, ly) -> ibis.Table:
    """``grouped`` (``s.group_by(...)``) aggregated to the grain's sums of the lines ``s`` in the
    current, previous and last year's windows (the conditions ``cur``, ``prev``, ``ly``). A window
    given as ``True`` holds every line, as ``False`` none: its sums are then empty without an
    aggregate, which is what a sum over no line gives."""
    sums, empty = {}, {}
    for name, col, where in (("value_cur", s.net_value, cur), ("value_prev", s.net_value, prev),
                             ("value_ly", s.net_value, ly), ("volume_cur", s.quantity, cur),
                             ("volume_prev", s.quantity, prev), ("volume_ly", s.quantity, ly),
                             ("cost_cur", s.cost, cur),
                             # the turnover of the lines that have a cost: the margin is over these lines only
                             ("value_with_cost_cur", s.net_value,
                              False if cur is False else s.cost.notnull() if cur is True else cur & s.cost.notnull())):
        if where is False:
            empty[name] = ibis.null(col.sum().type())
        else:
            sums[name] = col.sum() if where is True else col.sum(where=where)
    out = grouped.aggregate(**sums)
    return out.mutate(**empty) if empty else out


def _grain_of_sums(ctx: Context, merge: bool, sums: ibis.Table, extra: tuple[str, ...] = ()) -> ibis.Table:
    """The grain from the window sums per customer x product x line rep (and ``extra`` keys);
    ``merge``: some line has no rep (the sales table's rep_id is empty somewhere)."""
    j = with_attributes(ctx, sums)
    keys = [*extra, "customer_id", "territory_id", "team_id", "rep_id", "business_line", "category", "product_id",
            "is_target"]
    measures = ["value_cur", "value_prev", "value_ly", "volume_cur", "volume_prev", "volume_ly"]
    if merge:
        # a line without a rep is credited to its customer's rep: merge it with that rep's lines
        # of the product (when every line names its rep, each sum above is already one row)
        return j.group_by(keys).aggregate(**{m: _zero(j[m].sum()) for m in measures}, cost_cur=j.cost_cur.sum(),
                                          value_with_cost_cur=j.value_with_cost_cur.sum())
    return j.select(*keys, **{m: _zero(j[m]) for m in measures}, cost_cur=j.cost_cur,
                    value_with_cost_cur=j.value_with_cost_cur)


def customer_product_grain(ctx: Context, p: Periods) -> ibis.Table:
    """Value, volume and cost per customer x product x credited rep in each window."""
    s = ctx.table("sales")
    s = s.filter(s.date >= min(p.previous.start, p.last_year.start))

    def within(w: Window):
        return s.date.between(w.start, w.end)

    # The lines are summed per customer x product x line rep first, so that the attributes (each
    # a function of those keys) are joined to the sums rather than to every line.
    sums = _window_sums(s.group_by("customer_id", "product_id", line_rep_id=s.rep_id), s,
                        within(p.current), within(p.previous), within(p.last_year))
    return _grain_of_sums(ctx, bool(s.rep_id.isnull().any().execute()), sums)


def periods_grain(ctx: Context, ps: list[Periods], nodes: tuple[str, ...] = ("territory_id", "team_id", "rep_id",
                                                                           "customer_id", "business_line"),
                  granularity: str | None = None, *, counts: bool = True) -> ibis.Table:
    """A grain of several periods (of the workspace's granularity) in one query, each row with its
    period's label in ``period``, that :func:`sales_by_node` rolls up to the same rows as each
    period's own :func:`customer_product_grain` at the levels whose keys are among ``nodes`` (the
    grain's node columns the reader rolls up by): what a reader of many periods (the incentives'
    replay) gets from one scan of the lines instead of one per period.

    Each window of a period (current, previous, last year) lies within one reporting period, the
    line's *bucket* (the start of the period that holds its date), so a line meets the windows
    of its bucket through an equality join and keeps those whose dates it falls between. The
    rows, whose sums add up to each node's as the period's own grain's do:

    - per customer x product x credited rep, the current window's sums (the distinct counts of
      customers, products and categories bought are taken over these rows, as over the own grain);
    - per customer x credited rep (x product when ``nodes`` holds the business line), the previous
      and last year's sums, at 0 in the current window (so they count in no distinct count);
    - a period's own grain also holds, at 0, the pairs with lines from its earliest window on but
      none in its windows (later lines), which make their nodes exist with a turnover of 0: here
      one row of zeros per combination of ``nodes`` whose lines reach that far.

    Without ``counts`` (a reader that needs none of the distinct counts, :data:`COUNT_COLUMNS`)
    the rows are per period × combination of ``nodes`` × target flag instead, summed from one
    pass over the lines (:func:`_node_grain`): the same sums to the cent, and the counts empty.
    """
    granularity = granularity or ctx.settings.sales.period  # the periods' (a quarterly contest reads quarters)
    unit = {"year": "Y", "quarter": "Q", "month": "M"}[granularity]
    # one row per period and distinct window, flagged with the comparisons it serves (a yearly
    # period's previous window is last year's: its lines are read once for both)
    rows = []
    for p in ps:
        for w in dict.fromkeys((p.current, p.previous, p.last_year)):
            rows.append({"period": p.label, "is_cur": w == p.current, "is_prev": w == p.previous,
                         "is_ly": w == p.last_year, "bucket": periods(w.start, granularity).current.start,
                         "w_start": w.start, "w_end": w.end})
    windows = ibis.memtable(rows, schema=ibis.schema({"period": "string", "is_cur": "boolean", "is_prev": "boolean",
                                                      "is_ly": "boolean", "bucket": "date", "w_start": "date",
                                                      "w_end": "date"}))
    if not counts:
        return _node_grain(ctx, ps, windows, min(r["w_start"] for r in rows), nodes, unit)
    s = ctx.table("sales")
    lines = s.filter(s.date.between(min(r["w_start"] for r in rows), max(r["w_end"] for r in rows)))
    lines = lines.mutate(bucket=lines.date.truncate(unit))
    j = lines.inner_join(windows, [lines.bucket == windows.bucket, lines.date >= windows.w_start,
                                   lines.date <= windows.w_end])
    merge = bool(s.rep_id.isnull().any().execute())
    cur = j.filter(j.is_cur)
    cur = _window_sums(cur.group_by("period", "customer_id", "product_id", line_rep_id=cur.rep_id), cur,
                       True, False, False)
    base = j.filter(j.is_prev | j.is_ly)
    # the nodes' keys below the customer x product pair: a product only when a node is per line
    by_product = ["product_id"] if "business_line" in nodes else []
    base = _window_sums(base.group_by("period", "customer_id", *by_product, line_rep_id=base.rep_id), base,
                        False, base.is_prev, base.is_ly)
    if not by_product:
        base = base.mutate(product_id=ibis.null(s.product_id.type()))
    grain = _grain_of_sums(ctx, merge, cur, extra=("period",))
    grain = grain.union(_grain_of_sums(ctx, merge, base.select(*cur.columns), extra=("period",)))
    # the nodes of the pairs with a line from the period's earliest window on (to the end of the
    # data, as customer_product_grain reads them), each once per period, at 0
    since = s.filter(s.date >= min(min(p.previous.start, p.last_year.start) for p in ps))
    last = since.group_by("customer_id", *by_product, line_rep_id=since.rep_id).aggregate(last_day=since.date.max())
    if not by_product:
        last = last.mutate(product_id=ibis.null(s.product_id.type()))
    last = with_attributes(ctx, last)
    combos = last.group_by(list(nodes)).aggregate(last_day=last.last_day.max())
    return grain.union(_zero_rows(combos, ps, grain, nodes))


#: The columns of a ``sales`` row that count distinct customers, products or categories (or are
#: a ratio of such a count): only a grain per customer × product gives them.
COUNT_COLUMNS = ("customers_active", "products_bought", "categories_bought", "assortment_breadth")


def _zero_rows(combos: ibis.Table, ps: list[Periods], grain: ibis.Table, nodes: tuple[str, ...]) -> ibis.Table:
    """Rows of ``grain``'s columns at 0, one per period of ``ps`` and combination of ``nodes`` in
    ``combos`` whose ``last_day`` (of a line) is on or after the period's earliest window: the
    nodes that exist in the period with a turnover of 0."""
    starts = ibis.memtable([{"period": p.label, "from_day": min(p.previous.start, p.last_year.start)} for p in ps],
                           schema=ibis.schema({"period": "string", "from_day": "date"}))
    zero = combos.inner_join(starts, combos.last_day >= starts.from_day)
    measures = {"value_cur", "value_prev", "value_ly", "volume_cur", "volume_prev", "volume_ly"}
    return zero.select(*[zero[c] if c in nodes or c == "period"
                         else (ibis.literal(0) if c in measures else ibis.null()).cast(grain[c].type()).name(c)
                         for c in grain.columns])


def _node_grain(ctx: Context, ps: list[Periods], windows: ibis.Table, since: dt.date, nodes: tuple[str, ...],
                unit: str) -> ibis.Table:
    """:func:`periods_grain` without the distinct counts: the window sums per period ×
    combination of ``nodes`` × target flag, and the rows of zeros of the node combinations whose
    lines reach only past a period's windows. The lines from ``since`` on are summed per day ×
    combination first (one pass, with their attributes), then each day meets the windows of its
    bucket."""
    if "customer_id" in nodes:
        raise ValueError("periods_grain: a grain without counts has no customer rows; ask for counts")
    s = ctx.table("sales")
    lines = s.filter(s.date >= since)
    j = with_attributes(ctx, lines.select("date", "customer_id", "product_id", "net_value", "quantity", "cost",
                                          line_rep_id=lines.rep_id))
    keys = [*nodes, "is_target"]
    days = j.group_by("date", *keys).aggregate(
        net_value=j.net_value.sum(), quantity=j.quantity.sum(), cost=j.cost.sum(),
        # the turnover of the lines that have a cost (the margin is over these lines only)
        value_with_cost=j.net_value.sum(where=j.cost.notnull()))
    days = days.mutate(bucket=days.date.truncate(unit))
    d = days.inner_join(windows, [days.bucket == windows.bucket, days.date >= windows.w_start,
                                  days.date <= windows.w_end])
    grain = d.group_by("period", *keys).aggregate(
        value_cur=_zero(d.net_value.sum(where=d.is_cur)), value_prev=_zero(d.net_value.sum(where=d.is_prev)),
        value_ly=_zero(d.net_value.sum(where=d.is_ly)), volume_cur=_zero(d.quantity.sum(where=d.is_cur)),
        volume_prev=_zero(d.quantity.sum(where=d.is_prev)), volume_ly=_zero(d.quantity.sum(where=d.is_ly)),
        cost_cur=d.cost.sum(where=d.is_cur), value_with_cost_cur=d.value_with_cost.sum(where=d.is_cur))
    # the node combinations with a line from the period's earliest window on, each once per
    # period at 0 (as in periods_grain)
    combos = days.group_by(list(nodes)).aggregate(last_day=days.date.max())
    return grain.union(_zero_rows(combos, ps, grain, nodes))


def _rollup(grain: ibis.Table, level: str, by_line: bool, offered: ibis.Table) -> ibis.Table:
    keys = [] if level in ("company", "business_line") else [_LEVEL_KEY[level]]
    if level == "customer":
        keys = ["customer_id", "territory_id"]
    group = (["period"] if "period" in grain.columns else []) + keys + (["business_line"] if by_line else [])
    bought = grain.volume_cur > 0
    metrics = dict(
        turnover_value=grain.value_cur.sum(),
        turnover_value_prev=grain.value_prev.sum(),
        turnover_value_ly=grain.value_ly.sum(),
        turnover_volume=grain.volume_cur.sum(),
        turnover_volume_prev=grain.volume_prev.sum(),
        turnover_volume_ly=grain.volume_ly.sum(),
        cost=grain.cost_cur.sum(),
        turnover_value_with_cost=grain.value_with_cost_cur.sum(),
        target_products_value=_zero(grain.value_cur.sum(where=grain.is_target)),
    )
    if "customer_id" in grain.columns:
        metrics.update(
            # a customer node holds one customer: active if any of its rows sold (no distinct count)
            customers_active=((grain.value_cur > 0).any().cast("int64") if level == "customer"
                              else grain.customer_id.nunique(where=grain.value_cur > 0)),
            products_bought=grain.product_id.nunique(where=bought),
            categories_bought=grain.category.nunique(where=bought))
    else:  # a grain without counts (periods_grain(counts=False)): unknown, not 0
        metrics.update({c: ibis.null("int64") for c in ("customers_active", "products_bought", "categories_bought")})
    agg = grain.group_by(group).aggregate(**metrics) if group else grain.aggregate(**metrics)
    if by_line:
        agg = agg.left_join(offered, "business_line").drop("business_line_right")
    else:
        agg = agg.mutate(products_offered=offered.products_offered.sum().as_scalar(),
                         business_line=ibis.null("string"))
    key = ibis.literal("") if level == "company" else (agg.business_line if level == "business_line"
                                                       else agg[_LEVEL_KEY[level]])
    agg = agg.mutate(level=ibis.literal(level), key=key.cast("string"))
    for col in _PATH:
        if col not in agg.columns:
            agg = agg.mutate(**{col: ibis.null("string")})
    return agg


def sales_by_node(ctx: Context, grain: ibis.Table, p: Periods | list[Periods], seasonal_share: float,
                  market: ibis.Table, first_day: dt.date | None = None, targets_known: bool = True, *,
                  levels: tuple[str, ...] | None = None, by_line: bool = True) -> ibis.Table:
    """The ``sales`` result: every node over all lines and per line, with targets.

    ``levels`` (default: every level) and ``by_line`` (default: the rows per business line too)
    keep only those rows: a reader of a few levels (the incentives' replay of past periods) gets
    the same rows by the same definition from a much smaller query. ``p`` may be a list of
    periods with ``grain`` from :func:`periods_grain`: the rows of every period in one query, by
    the same definitions, each with its period's label and targets; the periods must share their
    comparison windows' coverage by the data (the caller groups them so), and ``note`` is left
    empty there (its texts name one period's windows; a reader of many periods reads measures).

    ``first_day`` is the first invoice date of the data: a comparison window that begins before
    it is not fully covered, and its growth is left empty with the reason in ``note``
    (:func:`saleskpi.analyses.periods.coverage`); a window it does not reach at all has an
    empty turnover too (unknown, not 0). The margin is over the lines with a cost only, empty
    where they hold less than ``[sales] min_cost_coverage`` of the turnover. Without
    ``targets_known`` (no product is marked products.is_target: :func:`target_products_known`)
    the target-product turnover and share are empty, with the reason in ``note``; with it, a
    node that bought none of the target products has a real 0."""
    products = ctx.table("products")
    offered = products.group_by(business_line=products.business_line.fill_null(NO_LINE)).aggregate(
        products_offered=products.product_id.nunique())
    wanted = set(levels or ("company", "business_line", "territory", "team", "rep", "customer"))
    parts = [_rollup(grain, "company", False, offered)] if "company" in wanted else []
    if "business_line" in wanted:
        parts.append(_rollup(grain, "business_line", True, offered))
    for level in ("territory", "team", "rep", "customer"):
        if level in wanted:
            parts += [_rollup(grain, level, False, offered)] + ([_rollup(grain, level, True, offered)] if by_line else [])
    many = isinstance(p, list)
    columns = ["period"] * many + ["level", "key", "business_line", *_PATH, "turnover_value", "turnover_value_prev",
               "turnover_value_ly", "turnover_volume", "turnover_volume_prev", "turnover_volume_ly", "cost",
               "turnover_value_with_cost", "target_products_value", "customers_active", "products_bought", "categories_bought",
               "products_offered"]
    rows = ibis.union(*[part.select(columns) for part in parts])

    ps = p if many else [p]
    targets = ctx.table("targets").filter(_.period.isin([q.label for q in ps]))

    def target(kpi: str, name: str) -> ibis.Table:
        t = targets.filter(targets.kpi == kpi)
        return t.group_by(t_period=t.period, t_level=t.level, t_key=t.key.fill_null("")).aggregate(
            **{name: t.target.sum()})

    # Targets apply to the nodes over all lines and to the business lines themselves. The key
    # is nulled elsewhere (null matches nothing), so the join is on equalities alone: a
    # condition on one side of a left join would make engines compare every pair of rows.
    applies = rows.business_line.isnull() | (rows.level == "business_line")
    rows = rows.mutate(target_key=ibis.cases((applies, rows.key), else_=ibis.null("string")))
    for kpi, name in (("turnover_value", "target_value"), ("turnover_volume", "target_volume")):
        t = target(kpi, name)
        on = [rows.level == t.t_level, rows.target_key == t.t_key] + ([rows.period == t.t_period] if many else [])
        rows = rows.left_join(t, on).drop("t_period", "t_level", "t_key")
    rows = rows.drop("target_key")
    # the node's potential and market share: joined on equalities alone (see above)
    rows = rows.mutate(m_line_key=rows.business_line.fill_null(""))
    rows = rows.left_join(market, [rows.level == market.m_level, rows.key == market.m_key,
                                   rows.m_line_key == market.m_line]).drop("m_level", "m_key", "m_line", "m_line_key",
                                                                            "customers")

    share = ibis.literal(seasonal_share, "float64")
    cover_prev, cover_ly = coverage(ps[0].previous, first_day), coverage(ps[0].last_year, first_day)
    if any((coverage(q.previous, first_day), coverage(q.last_year, first_day)) != (cover_prev, cover_ly) for q in ps):
        raise ValueError("sales_by_node: the periods' comparison windows are covered differently; group them")
    rows = _unknown_when_uncovered(rows, cover_prev, cover_ly)
    if not targets_known:
        rows = rows.mutate(target_products_value=ibis.null(rows.target_products_value.type()))
    cost_coverage = ratio_or_null(_zero(rows.turnover_value_with_cost), rows.turnover_value)
    margin_known = cost_coverage >= ctx.settings.sales.min_cost_coverage
    rows = rows.mutate(
        period=rows.period if many else ibis.literal(p.label),
        margin=ibis.ifelse(margin_known, rows.turnover_value_with_cost - rows.cost, ibis.null("decimal(38, 2)")),
        cost_coverage=cost_coverage,
        coverage_prev=ibis.literal(cover_prev, "float64"),
        coverage_ly=ibis.literal(cover_ly, "float64"),
        growth_value_vs_prev=_growth(rows.turnover_value, rows.turnover_value_prev, cover_prev),
        growth_value_vs_ly=_growth(rows.turnover_value, rows.turnover_value_ly, cover_ly),
        growth_volume_vs_ly=_growth(rows.turnover_volume, rows.turnover_volume_ly, cover_ly),
        target_value_to_date=rows.target_value * share,
        target_volume_to_date=rows.target_volume * share,
        target_products_share=ratio_or_null(rows.target_products_value, rows.turnover_value),
        assortment_breadth=ratio_or_null(rows.products_bought, rows.products_offered),
        currency=ibis.literal(ctx.settings.workspace.currency),
    )
    rows = rows.mutate(
        attainment_by_value=ratio_or_null(rows.turnover_value, rows.target_value_to_date),
        attainment_by_volume=ratio_or_null(rows.turnover_volume, rows.target_volume_to_date),
    )
    rows = rows.mutate(note=ibis.null("string") if many else _note(rows, p, first_day,
                                                                  ctx.settings.sales.min_cost_coverage, targets_known))
    # period to date, as against the 12-month turnover of market share (one name per concept)
    rows = rows.rename(turnover_value_period="turnover_value", turnover_volume_period="turnover_volume")
    return rows


#: ``note`` of a ``sales`` row while no product is marked as a target product.
NOTE_NO_TARGET_PRODUCTS = ("target products empty: no product is marked as a target product (products.is_target); "
                           "import the products with the is_target column")


def _note(rows: ibis.Table, p: Periods, first_day: dt.date | None, min_cost_coverage: float,
          targets_known: bool = True):
    """A ``sales`` row's ``note``: why its growth, margin, target or target-product figures are
    empty, and what to import."""
    margin_known = rows.cost_coverage >= min_cost_coverage
    gaps = [gap for gap in (coverage_gap("the previous period", p.previous, first_day),
                            coverage_gap("last year", p.last_year, first_day)) if gap]
    reasons = [(ibis.literal(bool(gaps)), "growth empty: " + "; ".join(gaps)),
               (rows.turnover_value.notnull() & rows.turnover_value_with_cost.notnull() & ~margin_known.fill_null(False),
                f"margin empty: the lines with a cost hold less than {min_cost_coverage:.0%} of the "
                "turnover (cost_coverage; [sales] min_cost_coverage): import the sales with cost or margin"),
               (rows.turnover_value_with_cost.isnull() & (rows.turnover_value != 0),
                "margin empty: no invoice line of the row has a cost; import the sales with cost or margin"),
               (rows.target_value.isnull() & ((rows.level == "company") | (rows.level == "business_line")),
                f"target empty: none is set for {p.label} (targets, kpi turnover_value); import the targets"),
               (ibis.literal(not targets_known), NOTE_NO_TARGET_PRODUCTS)]
    return note_of(reasons)


def _growth(now, base, covered: float):
    """now / base - 1, empty where base is not positive or the data do not cover its window."""
    growth = ratio_or_null(now, base) - 1
    return growth if covered >= 1.0 else ibis.null("float64")


def _unknown_when_uncovered(rows: ibis.Table, cover_prev: float, cover_ly: float) -> ibis.Table:
    """The base turnovers empty (unknown, not 0) where the data do not reach their window at all."""
    blank = {}
    for covered, cols in ((cover_prev, ("turnover_value_prev", "turnover_volume_prev")),
                          (cover_ly, ("turnover_value_ly", "turnover_volume_ly"))):
        if covered == 0.0:
            blank |= {c: ibis.null(rows[c].type()) for c in cols}
    return rows.mutate(**blank) if blank else rows


def seasonal_share(ctx: Context, p: Periods, first_day: dt.date | None = None) -> float:
    """Share of last year's whole period that fell before the same date: the part of a
    period's target due by the as-of date. Linear (elapsed days) when last year is empty or
    the data (from ``first_day``) do not cover all of it: a part-year would set the share."""
    s = ctx.table("sales")
    whole = p.last_year_whole
    if coverage(whole, first_day) < 1.0:
        return p.elapsed_share
    both = s.filter(s.date.between(whole.start, whole.end)).aggregate(
        part=s.net_value.sum(where=s.date <= p.last_year.end), whole=s.net_value.sum()).to_pyarrow().to_pylist()[0]
    if both["whole"] is None or not float(both["whole"]) > 0:
        return p.elapsed_share
    return min(1.0, max(0.0, float(both["part"] or 0) / float(both["whole"])))


def bridge(grain: ibis.Table, ctx: Context, p: Periods, first_day: dt.date | None) -> ibis.Table:
    """The ``bridge`` result: change against previous period and last year, split exactly.

    A base window that the data (from ``first_day``) do not cover whole cannot tell a new
    customer from one that bought in its missing days: its rows keep the base, current and
    change values and leave the five parts and the counts empty, with ``base_coverage`` and
    the reason in ``note`` (:func:`saleskpi.analyses.periods.coverage_gap`); one the data do
    not reach at all leaves its base and change empty too."""
    # Every node below is a set of customer x rep x business line cells, and every part of the
    # bridge a sum over the node's customers (the price term is summed per product before),
    # so the grain is summed into cells once and each node works on the cells.
    sums = {"vc": _.value_cur.sum(), "qc": _.volume_cur.sum()}
    for base in ("prev", "ly"):
        vb, qb, qc = _[f"value_{base}"], _[f"volume_{base}"], _.volume_cur
        price_term = _.value_cur.cast("float64") - (vb.cast("float64") / qb.cast("float64")) * qc.cast("float64")
        sums.update({f"vb_{base}": vb.sum(), f"qb_{base}": qb.sum(),
                     f"price_{base}": _zero(price_term.sum(where=(qb > 0) & (qc > 0)))})
    cells = grain.group_by(["customer_id", "territory_id", "rep_id", "business_line"]).aggregate(**sums)
    parts = []
    for comparison, base in (("previous", "prev"), ("last_year", "ly")):
        c = cells.select("customer_id", "territory_id", "rep_id", "business_line", "vc", "qc",
                         vb=cells[f"vb_{base}"], qb=cells[f"qb_{base}"], price_raw=cells[f"price_{base}"])
        for level in ("company", "business_line", "territory", "rep"):
            keys = {"company": [], "business_line": ["business_line"], "territory": ["territory_id"],
                    "rep": ["rep_id"]}[level]
            parts.append(_covered(_bridge_node(c, keys, level, comparison), comparison, p, first_day))
    out = ibis.union(*parts)
    return out.mutate(currency=ibis.literal(ctx.settings.workspace.currency))


#: The parts of the bridge that need the whole base window (who was a customer in it).
_SPLIT = ("new_customers_value", "lost_customers_value", "price_effect_value", "volume_effect_value",
          "mix_effect_value", "customers_new", "customers_lost")


def _covered(rows: ibis.Table, comparison: str, p: Periods, first_day: dt.date | None) -> ibis.Table:
    """``rows`` of one comparison with ``base_coverage`` and ``note``: the split left empty
    where the data do not cover the base window whole."""
    window, name = (p.previous, "the previous period") if comparison == "previous" else (p.last_year, "last year")
    covered = coverage(window, first_day)
    gap = coverage_gap(name, window, first_day)
    rows = rows.mutate(base_coverage=ibis.literal(covered, "float64"),
                       note=ibis.literal(None if gap is None else f"split empty: {gap}", "string"))
    if gap is None:
        return rows
    # a base window the data do not reach at all has no known base value either (unknown, not 0)
    blank = _SPLIT + (("base_value", "change_value") if covered == 0.0 else ())
    return rows.mutate(**{c: ibis.null(rows[c].type()) for c in blank})


def _bridge_node(cells: ibis.Table, keys: list[str], level: str, comparison: str) -> ibis.Table:
    c = cells
    for k in keys:  # a customer without a territory or rep is in no such node
        c = c.filter(c[k].notnull())
    pc = c.group_by([*keys, "customer_id"]).aggregate(
        cvb=c.vb.sum(), cvc=c.vc.sum(), cqb=c.qb.sum(), cqc=c.qc.sum(), price=c.price_raw.sum())
    new = (pc.cvb <= 0) & (pc.cvc > 0)
    lost = (pc.cvb > 0) & (pc.cvc <= 0)
    retained = ~new & ~lost
    metrics = dict(
        base_value=pc.cvb.sum(),
        current_value=pc.cvc.sum(),
        new_customers=_zero(pc.cvc.sum(where=new) - pc.cvb.sum(where=new)),
        lost_customers=_zero(pc.cvc.sum(where=lost) - pc.cvb.sum(where=lost)),
        price_raw=_zero(pc.price.sum(where=retained)),
        rv_b=_zero(pc.cvb.sum(where=retained)),
        rq_b=_zero(pc.cqb.sum(where=retained)),
        rq_c=_zero(pc.cqc.sum(where=retained)),
        customers_new=pc.customer_id.nunique(where=new),
        customers_lost=pc.customer_id.nunique(where=lost),
    )
    agg = pc.group_by(keys).aggregate(**metrics) if keys else pc.aggregate(**metrics)
    volume_raw = ibis.cases((agg.rq_b > 0, (agg.rq_c - agg.rq_b).cast("float64") * agg.rv_b.cast("float64")
                             / agg.rq_b.cast("float64")), else_=0.0)
    agg = agg.mutate(
        change=(agg.current_value - agg.base_value).cast("decimal(38, 2)"),
        price=agg.price_raw.round(2).cast("decimal(38, 2)"),
        volume=volume_raw.round(2).cast("decimal(38, 2)"),
    )
    agg = agg.mutate(mix=agg.change - agg.new_customers - agg.lost_customers - agg.price - agg.volume)
    key = ibis.literal("") if level == "company" else agg[keys[0]].cast("string")
    # the scope keys of the node (saleskpi.access): set on the territory and rep rows
    scope = {c: agg[c] if c in keys else ibis.null("string") for c in ("territory_id", "rep_id")}
    return agg.select(
        comparison=ibis.literal(comparison), level=ibis.literal(level), key=key, **scope,
        base_value=agg.base_value.cast("decimal(38, 2)"), current_value=agg.current_value.cast("decimal(38, 2)"),
        change_value="change", new_customers_value=agg.new_customers.cast("decimal(38, 2)"),
        lost_customers_value=agg.lost_customers.cast("decimal(38, 2)"), price_effect_value="price",
        volume_effect_value="volume", mix_effect_value=agg.mix.cast("decimal(38, 2)"),
        customers_new="customers_new", customers_lost="customers_lost")


def _warn_uncovered(ctx: Context, p: Periods, first_day: dt.date | None) -> None:
    """One warning of the run per comparison window the data do not cover whole."""
    for name, window in (("the previous period", p.previous), ("last year", p.last_year)):
        gap = coverage_gap(name, window, first_day)
        if gap:
            what = "growth vs the previous period" if window is p.previous else "growth vs last year"
            ctx.warn("sales", f"{gap}. Until then {what} and the bridge's split into new and lost customers, "
                              "price, volume and mix are left empty (sales.note, bridge.note).")


def target_products_known(products: ibis.Table) -> bool:
    """Whether the target-product set is known: some product is marked products.is_target. While
    none is, a node's target-product turnover is unknown, not 0."""
    return bool(products.is_target.fill_null(False).any().execute())


def _warn_unknown(ctx: Context, p: Periods, targets_known: bool = True) -> None:
    """A warning when no line has a cost (no margin), no target is set for the period or no
    product is marked as a target product."""
    s = ctx.table("sales")
    counts = s.aggregate(lines=s.count(), with_cost=s.cost.count()).to_pyarrow().to_pylist()[0]
    if counts["lines"] and not counts["with_cost"]:
        ctx.warn("sales", "no sales line has a cost or margin, so sales.margin is empty; import the sales "
                          "with a cost or margin column to get it.")
    targets = ctx.table("targets")
    if not targets.filter(targets.period == p.label).count().execute():
        ctx.warn("sales", f"no target is set for the period {p.label}, so target and attainment are empty; "
                          "import the targets (saleskpi import DIR targets FILE) to get them.")
    if not targets_known:
        ctx.warn("sales", "no product is marked as a target product (products.is_target), so "
                          "sales.target_products_value and target_products_share (and class-a's) are empty; import "
                          "the products with an is_target column (yes for each target product) to get them.")


def run(ctx: Context) -> dict[str, ibis.Table]:
    p = periods(ctx.as_of, ctx.settings.sales.period)
    first_day = first_sales_day(ctx.table("sales"))
    _warn_uncovered(ctx, p, first_day)
    targets_known = target_products_known(ctx.table("products"))
    _warn_unknown(ctx, p, targets_known)
    grain = customer_product_grain(ctx, p).cache()
    market = market_by_node(ctx.result("potential"), ctx.table("reps"))
    return {"sales": sales_by_node(ctx, grain, p, seasonal_share(ctx, p, first_day), market, first_day,
                                   targets_known),
            "bridge": bridge(grain, ctx, p, first_day)}


ANALYSIS = Analysis(name="sales", title="Sales management", results=RESULTS, run=run, depends_on=("potential",))
