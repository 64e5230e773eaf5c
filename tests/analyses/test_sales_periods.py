"""The sales rows of many periods in one query (``periods_grain`` + ``sales_by_node`` over a list,
what the incentives' replay reads) are the rows of each period computed alone, on a demo company
reporting per month: months whose previous window is cut short (30 days after 31), a February whose
last year holds 29 February, and months whose last year the data cover only in part or not at all."""

import datetime as dt

import pytest

from saleskpi.analyses import Context
from saleskpi.analyses.incentives.whatif import past_periods
from saleskpi.analyses.periods import coverage, first_sales_day
from saleskpi.analyses.sales import customer_product_grain, periods_grain, sales_by_node, target_products_known
from saleskpi.analyses.shared import market_by_node
from saleskpi.compute import compute
from saleskpi.workspace import Workspace

# every column but the note (left empty over many periods: its texts name one period's windows)
SKIP = {"note"}


@pytest.fixture(scope="module")
def monthly(tmp_path_factory):
    from saleskpi.demo import build_demo

    path = tmp_path_factory.mktemp("monthly") / "ws"
    build_demo(path, customers=120, years=3, seed=3).close()
    settings = path / "settings.toml"
    settings.write_text(settings.read_text().replace('period = "year"', 'period = "month"', 1))
    ws = Workspace.open(path)
    report = compute(ws, only=["sales"])
    ctx = Context(ws=ws, run_id=report.run_id, as_of=report.as_of, stored=report.stored, warnings=[])
    yield ctx
    ws.close()


def _rows(t):
    rows = [{k: v for k, v in r.items() if k not in SKIP} for r in t.to_pyarrow().to_pylist()]
    return sorted(rows, key=lambda r: (r["period"], r["level"], r["key"] or "", r["business_line"] or ""))


def _groups(ps, first_day):
    groups = {}
    for p in ps:
        groups.setdefault((coverage(p.previous, first_day), coverage(p.last_year, first_day)), []).append(p)
    return groups


def test_the_rows_of_many_periods_are_those_of_each_period_alone(monthly):
    ctx = monthly
    first_day = first_sales_day(ctx.table("sales"))
    ps = past_periods(ctx.as_of, "month", 30, first_day)
    labels = [p.label for p in ps]
    assert "2025-02" in labels and "2024-04" in labels  # last year holds 29 February; April's March is cut short
    groups = _groups(ps, first_day)
    assert len(groups) >= 2  # full coverage, and months whose last year the data do not (fully) reach
    market = market_by_node(ctx.result("potential"), ctx.table("reps")).cache()
    known = target_products_known(ctx.table("products"))
    levels = ("company", "territory", "team", "rep")
    compared = 0
    for group in groups.values():
        grain = periods_grain(ctx, group, nodes=("territory_id", "team_id", "rep_id"))  # the replay's
        many = _rows(sales_by_node(ctx, grain, group, 1.0, market, first_day, known,
                                   levels=levels, by_line=False))
        alone = []
        for p in group:
            alone += _rows(sales_by_node(ctx, customer_product_grain(ctx, p), p, 1.0, market, first_day, known,
                                         levels=levels, by_line=False))
        alone = sorted(alone, key=lambda r: (r["period"], r["level"], r["key"] or "", r["business_line"] or ""))
        diffs = [(a["period"], a["level"], a["key"], k, a[k], b[k]) for a, b in zip(many, alone) for k in a
                 if a[k] != b[k]]
        assert len(many) == len(alone) and not diffs, diffs[:10]
        compared += len(many)
    assert compared > 30 * 10


def test_every_level_and_line_of_a_few_periods(monthly):
    ctx = monthly
    first_day = first_sales_day(ctx.table("sales"))
    ps = [p for p in past_periods(ctx.as_of, "month", 30, first_day) if p.label in ("2025-02", "2025-04", "2025-05")]
    assert len(_groups(ps, first_day)) == 1
    market = market_by_node(ctx.result("potential"), ctx.table("reps"))
    known = target_products_known(ctx.table("products"))
    many = _rows(sales_by_node(ctx, periods_grain(ctx, ps), ps, 1.0, market, first_day, known))
    alone = sorted((r for p in ps for r in _rows(sales_by_node(ctx, customer_product_grain(ctx, p), p, 1.0, market,
                                                                  first_day, known))),
                   key=lambda r: (r["period"], r["level"], r["key"] or "", r["business_line"] or ""))
    assert {r["level"] for r in many} == {"company", "business_line", "territory", "team", "rep", "customer"}
    assert many == alone


def test_periods_covered_differently_are_refused_together(monthly):
    ctx = monthly
    first_day = first_sales_day(ctx.table("sales"))
    ps = past_periods(ctx.as_of, "month", 30, first_day)
    mixed = [ps[0], ps[-1]]
    assert len(_groups(mixed, first_day)) == 2
    with pytest.raises(ValueError, match="covered differently"):
        sales_by_node(ctx, periods_grain(ctx, mixed), mixed, 1.0,
                      market_by_node(ctx.result("potential"), ctx.table("reps")), first_day)
    assert dt.date(2024, 2, 29) - dt.timedelta(days=366) < first_day  # the history is 3 years


@pytest.mark.parametrize("granularity", ["year", "quarter"])
def test_years_and_quarters_of_a_monthly_workspace_too(monthly, granularity):
    # a year's previous window is last year's (read once for both); quarters are a yearly plan's contest rounds
    ctx = monthly
    first_day = first_sales_day(ctx.table("sales"))
    ps = past_periods(ctx.as_of, granularity, 8, first_day)
    market = market_by_node(ctx.result("potential"), ctx.table("reps"))
    known = target_products_known(ctx.table("products"))
    levels = ("company", "territory", "team", "rep")
    for group in _groups(ps, first_day).values():
        grain = periods_grain(ctx, group, nodes=("territory_id", "team_id", "rep_id"), granularity=granularity)
        many = _rows(sales_by_node(ctx, grain, group, 1.0, market, first_day, known, levels=levels, by_line=False))
        alone = sorted((r for p in group for r in _rows(sales_by_node(
            ctx, customer_product_grain(ctx, p), p, 1.0, market, first_day, known, levels=levels, by_line=False))),
            key=lambda r: (r["period"], r["level"], r["key"] or "", r["business_line"] or ""))
        assert many == alone and many


COUNTED = {"customers_active", "products_bought", "categories_bought", "assortment_breadth"}


@pytest.mark.parametrize("granularity", ["month", "quarter", "year"])
def test_a_grain_without_counts_gives_the_same_sums_and_leaves_the_counts_empty(monthly, granularity):
    # what a replay reads whose plans pay on no distinct count: a grain per node, not per customer x
    # product; a period to date (its windows end mid-bucket) too
    from saleskpi.analyses.periods import periods

    ctx = monthly
    first_day = first_sales_day(ctx.table("sales"))
    ps = past_periods(ctx.as_of, granularity, 30 if granularity == "month" else 8, first_day)
    market = market_by_node(ctx.result("potential"), ctx.table("reps"))
    known = target_products_known(ctx.table("products"))
    levels = ("company", "territory", "team", "rep")
    to_date = periods(ps[-1].current.start + dt.timedelta(days=13), granularity)
    compared = 0
    for group in [*_groups(ps, first_day).values(), [to_date]]:
        nodes = ("territory_id", "team_id", "rep_id")
        slim = _rows(sales_by_node(ctx, periods_grain(ctx, group, nodes=nodes, granularity=granularity, counts=False),
                                   group, 1.0, market, first_day, known, levels=levels, by_line=False))
        full = _rows(sales_by_node(ctx, periods_grain(ctx, group, nodes=nodes, granularity=granularity),
                                   group, 1.0, market, first_day, known, levels=levels, by_line=False))
        assert len(slim) == len(full) and slim
        assert all(r[c] is None for r in slim for c in COUNTED)
        assert any(r["customers_active"] for r in full)
        assert [{k: v for k, v in r.items() if k not in COUNTED} for r in slim] == [
            {k: v for k, v in r.items() if k not in COUNTED} for r in full]
        compared += len(slim)
    assert compared > len(ps) * 10


def test_a_grain_without_counts_has_no_customer_rows(monthly):
    ctx = monthly
    ps = past_periods(ctx.as_of, "month", 3, first_sales_day(ctx.table("sales")))
    with pytest.raises(ValueError, match="no customer rows"):
        periods_grain(ctx, ps, nodes=("customer_id", "rep_id"), counts=False)


def test_the_replay_reads_the_counts_only_for_a_plan_that_pays_on_one(monthly):
    from saleskpi.analyses.incentives.plans import EXAMPLE_PLAN, load_plan
    from saleskpi.analyses.incentives.whatif import needs_counts, rep_measures

    plan = load_plan(EXAMPLE_PLAN)
    assert plan.measures() == {"turnover_value", "target_products_value"}
    assert plan.measures(contests_of="quarter") == {"turnover_value"}
    assert not needs_counts(plan.measures()) and needs_counts(None)
    assert needs_counts({"turnover_value", "assortment_breadth"}) and needs_counts({"customers_active"})
    ctx = monthly
    first_day = first_sales_day(ctx.table("sales"))
    ps = past_periods(ctx.as_of, "month", 14, first_day)
    slim, full = rep_measures(ctx, ps, first_day, measures=plan.measures()), rep_measures(ctx, ps, first_day)
    assert slim.keys() == full.keys()
    for label in full:
        (rs, ns), (rf, nf) = slim[label], full[label]
        assert rs.keys() == rf.keys() and rf
        for rid in rf:
            assert rs[rid]["customers_active"] is None and rf[rid]["customers_active"] is not None
            assert {k: v for k, v in rs[rid].items() if k not in COUNTED} == {
                k: v for k, v in rf[rid].items() if k not in COUNTED}
        assert {lv: {k: {c: v for c, v in r.items() if c not in COUNTED} for k, r in rows.items()}
                for lv, rows in ns.items()} == {lv: {k: {c: v for c, v in r.items() if c not in COUNTED}
                                                     for k, r in rows.items()} for lv, rows in nf.items()}
