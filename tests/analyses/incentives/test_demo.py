"""Statements on a small demo company (its example plan, written by build_demo): every rep's pay
recomputed here from the stored sales result, and a rep sees only their own pay."""

from decimal import Decimal

import pandas as pd
import pytest

from saleskpi import results
from saleskpi.access import Scope
from saleskpi.analyses.incentives import load_plan, tiered_pay
from saleskpi.compute import compute


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    from saleskpi.demo import build_demo

    ws = build_demo(tmp_path_factory.mktemp("pay-demo") / "ws", customers=150, years=3, seed=11, gaming=True)
    report = compute(ws)
    yield ws, report.as_of
    ws.close()


@pytest.fixture(scope="module")
def demo(computed):
    return computed[0]


def frame(ws, name, scope=None) -> pd.DataFrame:
    return results.read(ws.con, name, scope=scope).to_pyarrow().to_pandas()


def test_every_rep_is_paid_by_the_curve_on_the_stored_attainment(computed):
    demo, as_of = computed
    plan = load_plan(demo.path / "plans" / "field-sales.toml")
    quota, products = plan.component
    sales = frame(demo, "sales")
    reps = demo.table("reps").to_pandas()
    paid_reps = sorted(reps.rep_id[reps.role == "rep"])
    s = frame(demo, "incentive-statements")
    totals = frame(demo, "incentive-totals").set_index("rep_id")
    assert sorted(totals.index) == paid_reps and len(paid_reps) >= 5
    rep_rows = sales[(sales.level == "rep") & sales.business_line.isna()].set_index("rep_id")
    prize = quarterly_prizes(demo, as_of, plan, reps[reps.role == "rep"], s)
    for rid in paid_reps:
        row = rep_rows.loc[rid]
        # the quota: attainment x target pay on the curve scaled by the target pay (12,000 x 0.7)
        p = Decimal("8400")
        a = Decimal(repr(float(row.attainment_by_value)))
        expected_quota = tiered_pay(a * p, [(Decimal(repr(lo)) * p, r) for lo, r in quota.tiers],
                                    threshold=Decimal("0.5") * p, cap=2 * p)
        got = s[(s.rep_id == rid) & (s.component == "quota")].iloc[0]
        assert got.pay == expected_quota and got.attainment == pytest.approx(float(row.attainment_by_value))
        # target products: 10 % to 20,000, 15 % above, capped at 6,000, on the stored value
        expected_products = tiered_pay(float(row.target_products_value), products.tiers, cap=6000)
        assert s[(s.rep_id == rid) & (s.component == "target products")].iloc[0].pay == expected_products
        pooled = s[(s.rep_id == rid) & (s.step == "pool")].pay.sum()  # checked in the test below
        expected = expected_quota + expected_products + prize[rid] + pooled
        assert totals.loc[rid, "pools_pay"] == pooled
        assert totals.loc[rid, "total_pay"] == expected
        assert totals.loc[rid, "cost_of_sales"] == pytest.approx(float(expected) / float(row.turnover_value_period))
    # the demo company's reps are paid something, and not all the same
    assert totals.total_pay.notna().all() and totals.total_pay.nunique() > 1


def quarterly_prizes(demo, as_of, plan, paid: pd.DataFrame, s: pd.DataFrame) -> dict[str, Decimal]:
    """The contest, recomputed from the invoice lines: each quarter of the year to date ranks the
    reps employed in it on the quarter's net value (the line's rep, else the customer's), those at
    10,000 or more, for prizes 500 / 300 / 200; per rep the prizes of all quarters."""
    (contest,) = plan.contest
    assert (contest.period, contest.rank_on, contest.min_value) == ("quarter", "value", 10000)
    lines = demo.table("sales").to_pandas()
    owner = demo.table("customers").to_pandas().set_index("customer_id").rep_id
    lines["rep"] = lines.rep_id.fillna(lines.customer_id.map(owner))
    lines["date"] = pd.to_datetime(lines.date)
    as_of = pd.Timestamp(as_of)
    won = {rid: Decimal(0) for rid in paid.rep_id}
    quarters = 0
    for q in range(1, (as_of.month - 1) // 3 + 2):
        start = pd.Timestamp(as_of.year, 3 * q - 2, 1)
        end = min(start + pd.offsets.QuarterEnd(0), as_of)
        label = f"{as_of.year}-Q{q}"
        employed = paid[(pd.to_datetime(paid.hired_on).fillna(start) <= end)
                        & (pd.to_datetime(paid.left_on).fillna(end) >= start)].rep_id
        sold = lines[lines.date.between(start, end)].groupby("rep").net_value.sum().astype(float)
        sold = sold.reindex(employed).dropna()
        ranked = sold[sold >= contest.min_value].sort_values(ascending=False)
        assert ranked.is_unique
        rows = s[s.component == f"{contest.name} {label}"].set_index("rep_id")
        assert sorted(rows.index) == sorted(paid.rep_id)
        for i, (rid, value) in enumerate(ranked.items()):
            assert rows.loc[rid, "actual"] == pytest.approx(value) and rows.loc[rid, "rank"] == i + 1
            prize = Decimal(repr(contest.prizes[i])) if i < len(contest.prizes) else Decimal(0)
            assert rows.loc[rid, "pay"] == prize
            won[rid] += prize
        assert rows.drop(ranked.index).pay.eq(0).all() and rows.drop(ranked.index)["rank"].isna().all()
        assert (rows.note.fillna("").str.startswith(f"{label} to date")).all() == (end < start + pd.offsets.QuarterEnd(0))
        quarters += 1
    assert quarters >= 1 and sum(won.values()) > 0
    return won


def test_the_team_pools_are_funded_by_the_team_attainment_and_paid_out_exactly(demo):
    plan = load_plan(demo.path / "plans" / "field-sales.toml")
    (pool,) = plan.pool
    sales = frame(demo, "sales")
    teams = sales[(sales.level == "team") & sales.business_line.isna()].set_index("key")
    reps_by = sales[(sales.level == "rep") & sales.business_line.isna()].set_index("rep_id")
    reps = demo.table("reps").to_pandas()
    paid = reps[reps.role == "rep"]
    s = frame(demo, "incentive-statements")
    rows = s[s.step == "pool"]
    assert set(rows.rep_id) == set(paid.rep_id) and len(set(rows.team_id)) >= 2
    p = Decimal(repr(pool.target_pool))
    funded = 0
    for team, got in rows.groupby("team_id"):
        # the pool: 6,000 x attainment on the curve 1x / 1.5x above 100 %, nothing below 80 %, at most 12,000
        a = Decimal(repr(float(teams.loc[team, "attainment_by_value"])))
        expected = tiered_pay(a * p, [(Decimal(repr(lo)) * p, r) for lo, r in pool.tiers], threshold=Decimal("0.8") * p,
                              cap=2 * p)
        assert (got.pool_value == expected).all()
        assert got.attainment.iloc[0] == pytest.approx(float(teams.loc[team, "attainment_by_value"]))
        # paid out exactly: the shares sum to the pool, each within a cent of pool x turnover / the team's
        assert got.pay.sum() == expected and got.pool_share.sum() == pytest.approx(1.0)
        contribution = reps_by.reindex(got.rep_id).turnover_value_period.fillna(0).clip(lower=0).astype(float)
        for (_, r), c in zip(got.iterrows(), contribution):
            assert abs(float(r.pay) - float(expected) * c / contribution.sum()) <= 0.01
        funded += expected > 0
    assert funded >= 1  # some team reaches 80 % of its target in the demo


def test_a_rep_sees_only_their_own_pay_and_a_manager_their_team(demo):
    reps = demo.table("reps").to_pandas()
    rep = reps[reps.role == "rep"].sort_values("rep_id").iloc[0]
    for name in ("incentive-statements", "incentive-totals"):
        mine = frame(demo, name, Scope("rep", rep_id=rep.rep_id))
        assert len(mine) > 0 and set(mine.rep_id) == {rep.rep_id}
        team = frame(demo, name, Scope("manager", team_ids={rep.team_id}))
        assert set(team.rep_id) == set(reps.rep_id[(reps.team_id == rep.team_id) & (reps.role == "rep")])
        assert frame(demo, name, Scope("manager", territory_ids={rep.territory_id})).empty
        assert len(frame(demo, name, Scope("compensation"))) == len(frame(demo, name))


def test_gaming_flags_find_exactly_the_gaming_the_demo_planted(demo):
    """The demo's gaming rep dated the next year's first orders on the year's last days at a deeper
    discount (truth_gaming); gaming-flags raises those flags on that rep and period, and no other."""
    truth = demo.table("truth_gaming").to_pandas()
    assert len(truth) == 2
    flags = frame(demo, "gaming-flags")
    assert sorted(zip(flags.rep_id, flags.period, flags.flag)) == sorted(zip(truth.rep_id, truth.period, truth.flag))
    row = flags.iloc[0]
    t = truth.iloc[0]
    # the planted target makes the turnover just carry 100 %: turnover / target within the target's rounding
    assert row.tier_bound == 1.0
    assert row.flagged_figure == pytest.approx(t.turnover_value_eur / t.target_value_eur, abs=2e-4)
    assert row.figure_without == pytest.approx((t.turnover_value_eur - t.window_value_eur) / t.target_value_eur,
                                               abs=2e-4)
    # the first days of the next year were emptied into the old one: only credit notes are left in them
    assert row.next_rate_ratio <= 0.0
