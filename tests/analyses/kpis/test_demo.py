"""KPIs on a demo company (300 customers, 3 years, seed 5): each KPI recomputed here from the
results it is built on, the scorecard recounted from the KPIs, and the demo's 2026 targets,
which do not add up across levels, shown to be inconsistent by exactly their gap."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from saleskpi import results
from saleskpi.access import Scope
from saleskpi.compute import compute


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from saleskpi.demo import build_demo

    ws = build_demo(tmp_path_factory.mktemp("kpi-demo") / "ws", customers=300, years=3, seed=5)
    compute(ws)
    yield ws
    ws.close()


def frame(ws, name, scope=None) -> pd.DataFrame:
    return results.read(ws.con, name, scope=scope).to_pyarrow().to_pandas()


def kpi_rows(ws, name):
    k = frame(ws, "kpis")
    return k[k.kpi == name].set_index(["level", "key"])


def test_the_2026_targets_do_not_add_up_and_the_gap_is_shown(demo):
    t = demo.table("targets").to_pyarrow().to_pandas()
    t = t[(t.period == "2026") & (t.kpi == "turnover_value")]
    company, reps = t[t.level == "company"].target.sum(), t[t.level == "rep"].target.sum()
    assert (company, reps) == (3_046_300, 2_431_900)
    c = frame(demo, "target-consistency").set_index(["period", "kpi", "parent_level", "parent_key", "child_level"])
    row = c.loc[("2026", "turnover_value", "company", "", "rep")]
    assert (row.parent_target, row.children_target_sum, row.target_gap) == (3_046_300, 2_431_900, 614_400)
    assert row.target_gap_share == pytest.approx(614_400 / 3_046_300) and not row.consistent
    assert row.children_with_target == t[t.level == "rep"].key.nunique()
    for level in ("business_line", "territory", "team"):
        found = c.loc[("2026", "turnover_value", "company", "", level)]
        assert found.children_target_sum == pytest.approx(t[t.level == level].target.sum())
    # each team against its reps, worked out from the reps table
    reps_t = demo.table("reps").to_pyarrow().to_pandas()
    by_rep = t[t.level == "rep"].set_index("key").target
    for team, members in reps_t.groupby("team_id").rep_id:
        if team not in set(t[t.level == "team"].key) or not by_rep.index.isin(members).any():
            continue
        found = c.loc[("2026", "turnover_value", "team", team, "rep")]
        total = by_rep[by_rep.index.isin(members)].sum()
        assert found.children_target_sum == pytest.approx(total)
        assert found.target_gap == pytest.approx(t[(t.level == "team") & (t.key == team)].target.sum() - total)
        assert found.children_without_target == len(set(members)) - by_rep.index.isin(members).sum()


def test_kpis_recomputed_from_their_results(demo):
    sales = frame(demo, "sales")
    reps = sales[(sales.level == "rep") & sales.business_line.isna()].set_index("key")
    turnover = kpi_rows(demo, "turnover").xs("rep")
    assert len(turnover) == len(reps)
    both = turnover.merge(reps, left_index=True, right_index=True, how="left", suffixes=("", "_sales"))
    ok = both.attainment_by_value.notna()
    assert ok.sum() >= 5
    np.testing.assert_allclose(both.kpi_attainment[ok], both.attainment_by_value[ok], rtol=1e-9)
    np.testing.assert_allclose(both.kpi_actual, both.turnover_value_period.astype(float))
    margin = kpi_rows(demo, "margin_rate").xs("rep").merge(reps, left_index=True, right_index=True, how="left",
                                                         suffixes=("", "_sales"))
    known = margin.margin.notna()
    np.testing.assert_allclose(margin.kpi_actual[known],
                               margin.margin[known].astype(float) / margin.turnover_value_period[known].astype(float))
    wallet = frame(demo, "wallet")
    w = wallet[wallet.share_of_wallet_by_value.notna()]
    share = kpi_rows(demo, "share_of_wallet").loc[("company", "")].kpi_actual
    assert share == pytest.approx(w.turnover_value_12m.astype(float).sum() / w.potential_value.astype(float).sum())
    abc, class_a = frame(demo, "abc"), frame(demo, "class-a")
    served = kpi_rows(demo, "class_a_served").loc[("company", "")].kpi_actual
    assert served == pytest.approx((class_a.turnover_value_period.astype(float) > 0).sum()
                                   / (abc.class_by_value == "A").sum())
    clv = frame(demo, "clv")
    p_alive = kpi_rows(demo, "p_alive").xs("rep")
    for rid, group in clv.groupby("rep_id"):
        assert p_alive.loc[rid].kpi_actual == pytest.approx(group.p_alive.mean())
    nps = frame(demo, "nps")
    company_nps = nps[nps.grouped_by == "company"].sort_values("survey_year").iloc[-1].nps
    assert kpi_rows(demo, "nps").loc[("company", "")].kpi_actual == pytest.approx(company_nps)


def test_the_scorecard_counts_the_kpis(demo):
    k, s = frame(demo, "kpis"), frame(demo, "scorecard")
    per = s[s.objective.isna()].set_index(["level", "key", "perspective"])
    counts = k.groupby(["level", "key", "perspective"]).status.agg(
        kpis="size", green=lambda x: (x == "green").sum(), red=lambda x: (x == "red").sum(),
        amber=lambda x: (x == "amber").sum())
    joined = per.merge(counts, left_index=True, right_index=True, how="left", suffixes=("", "_k"))
    assert len(joined) == len(counts)
    for c in ("kpis", "green", "amber", "red"):
        assert (joined[c] == joined[f"{c}_k"]).all(), c
    worst = np.where(joined.red > 0, "red", np.where(joined.amber > 0, "amber", np.where(joined.green > 0, "green", None)))
    assert (joined.worst_status.fillna("-").to_numpy() == pd.Series(worst).fillna("-").to_numpy()).all()
    assert {"red", "green"} <= set(per.worst_status.dropna())


def test_a_rep_sees_only_their_own_kpi_rows(demo):
    k = frame(demo, "kpis")
    rid = k[(k.level == "rep")].key.iloc[0]
    mine = frame(demo, "kpis", scope=Scope("rep", rep_id=rid))
    customers = demo.table("customers").to_pyarrow().to_pandas()
    own = set(customers[customers.rep_id == rid].customer_id)
    assert set(mine.level) <= {"rep", "customer"}
    assert (mine[mine.level == "rep"].key == rid).all()
    assert set(mine[mine.level == "customer"].key) <= own
    assert frame(demo, "target-consistency", scope=Scope("rep", rep_id=rid)).parent_level.isin(["rep"]).all()


def test_the_turnover_tree_holds_on_the_demo_and_its_effects_are_recomputed(demo):
    tree = frame(demo, "turnover-tree")
    assert set(tree.level) == {"company", "business_line", "territory", "team", "rep"}
    known = tree[tree.factors_product_value.notna()]
    assert len(known) >= len(tree) - 4
    # every active demo customer has a potential and no other customer has a net value: exact to the cent
    assert known.identity_holds.all() and (known.identity_residual_value.astype(float).abs() < 0.005).all()
    # recomputed at the company from the sales result's customer rows and the potential result
    sales, potential = frame(demo, "sales"), frame(demo, "potential")
    rows = sales[(sales.level == "customer") & sales.business_line.isna()].set_index("customer_id")
    pot = potential.groupby("customer_id").potential_value.sum().astype(float)
    now, base = rows.turnover_value_period.astype(float), rows.turnover_value_ly.astype(float)

    def factors(value):
        active = value[value > 0].index
        return len(active), pot[active].sum() / len(active), value[active].sum() / pot[active].sum()

    (n1, p1, s1), (n0, p0, s0) = factors(now), factors(base)
    c = tree[(tree.comparison == "last_year") & (tree.level == "company")].iloc[0]
    assert (c.customers_active_current, c.customers_active_base) == (n1, n0) == (202, 197)
    assert c.customers_active_current == sales[(sales.level == "company")].customers_active.iloc[0]
    assert float(c.current_value) == pytest.approx(now.sum(), abs=0.005)
    v1, v0 = n1 * p1 * s1, n0 * p0 * s0
    weight = (v1 - v0) / np.log(v1 / v0)
    for col, ratio in (("customers_effect_value", n1 / n0), ("potential_effect_value", p1 / p0),
                       ("share_effect_value", s1 / s0)):
        assert float(c[col]) == pytest.approx(weight * np.log(ratio), abs=0.005), col
    # the figures docs/kpis.md quotes: +387,468.51 against last year, the share of wallet moved it
    assert float(c.change_value) == pytest.approx(387_468.51, abs=0.005)
    assert [float(c[x]) for x in ("customers_effect_value", "potential_effect_value", "share_effect_value")] == \
        pytest.approx([57_754.01, -36_855.67, 366_570.16], abs=0.005)
    assert c.potential_per_customer_value == Decimal("51013.59")
    assert c.base_potential_per_customer_value == Decimal("51836.09")
    assert (c.share_of_wallet_current, c.share_of_wallet_base) == pytest.approx((0.242939, 0.207209), abs=1e-6)
    assert (float(c.current_value), float(c.base_value)) == pytest.approx((2_503_425.61, 2_115_957.10), abs=0.005)
    assert c.largest_effect == "share"
    # each stored part to the cent: the four add up to the change within a cent or two of rounding
    parts = tree[["customers_effect_value", "potential_effect_value", "share_effect_value",
                  "unexplained_change_value"]].astype(float).sum(axis=1)
    ok = tree.customers_effect_value.notna()
    assert ok.sum() >= len(tree) - 8
    assert ((parts[ok] - tree.change_value[ok].astype(float)).abs() <= 0.025).all()
    assert (tree.unexplained_change_value[ok].astype(float).abs() <= 0.005).all()
