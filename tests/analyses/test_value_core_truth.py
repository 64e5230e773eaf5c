"""The value core against the demo company's hidden truth (2,000 customers, 5 years, seed 7).

Figures measured on this company when the thresholds were set (closing note of the issue):
reconciled potential vs true potential, Spearman 0.91 per customer x line; rep bias
recovered with Spearman 0.91; share of wallet within 0.1 of the true share for 80.8 % of
class-A customers (349 of 432; the issue's target is 80 %).
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from saleskpi import results
from saleskpi.compute import compute
from saleskpi.demo import build_demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = build_demo(tmp_path_factory.mktemp("demo") / "ws")
    report = compute(ws)
    yield ws, report
    ws.close()


def frame(ws, name, **filters):
    t = results.read(ws.con, name, stamped=True) if results.table_name(name) in ws.con.list_tables() else ws.table(name)
    for column, value in filters.items():
        t = t.filter(t[column] == value)
    return t.to_pyarrow().to_pandas()


def test_reconciled_potential_ranks_customers_like_the_truth(demo):
    ws, report = demo
    year = report.as_of.year
    pot = frame(ws, "potential").merge(frame(ws, "truth_potential", year=year), on=["customer_id", "business_line"])
    assert len(pot) == 8000  # 2,000 customers x 4 lines
    rho = spearmanr(pot.potential_value, pot.potential_value_eur).statistic
    assert rho >= 0.85
    # the level is right too: the median ratio to the truth is within 10 %
    assert np.median(pot.potential_value / pot.potential_value_eur) == pytest.approx(1.0, abs=0.1)
    # each fitted method alone ranks better than chance, the stated figures best
    for column, floor in (("stated_value", 0.85), ("drivers_value", 0.8), ("peer_value", 0.8), ("topdown_value", 0.3)):
        ok = pot[column].notna()
        assert spearmanr(pot.loc[ok, column], pot.loc[ok, "potential_value_eur"]).statistic >= floor, column


def test_rep_estimating_bias_is_recovered(demo):
    ws, _ = demo
    bias = frame(ws, "potential-rep-bias").merge(frame(ws, "truth_rep_bias"), on="rep_id")
    assert len(bias) >= 30
    assert spearmanr(bias.stated_to_model, bias.bias_factor).statistic >= 0.85
    # the five reps we find most optimistic are truly above the median rep, the five most
    # pessimistic truly below it (the order among the top five is within the measure's noise:
    # a rep's ratio rests on 6-17 customers whose model error is shared by their four lines)
    ours = bias.sort_values("stated_to_model")
    median = bias.bias_factor.median()
    assert (ours.bias_factor.iloc[-5:] > median).all()
    assert (ours.bias_factor.iloc[:5] < median).all()


def test_share_of_wallet_of_class_a_customers(demo):
    """The true share over the same 12 months = what the customer bought from us / its true
    wallet over those months (10/12 of this year's, 2/12 of last year's potential)."""
    ws, report = demo
    year = report.as_of.year
    truth = frame(ws, "truth_potential")
    weight = np.select([truth.year == year, truth.year == year - 1], [10 / 12, 2 / 12], 0.0)
    wallet12 = truth.assign(w=truth.potential_value_eur * weight).groupby("customer_id").w.sum()
    share = frame(ws, "wallet")
    share = share[share.business_line.isna()].set_index("customer_id")
    a = frame(ws, "abc", class_by_value="A").customer_id
    true_share = share.loc[a, "turnover_value_12m"] / wallet12.loc[a]
    error = (share.loc[a, "share_of_wallet_by_value"] - true_share).abs()
    assert len(a) > 300
    assert (error <= 0.1).mean() >= 0.80
    assert error.median() <= 0.06
    # the Wallet Allocation Rule from survey ranks agrees with the measured share in direction
    war = share.dropna(subset=["share_war", "share_of_wallet_by_value"])
    assert spearmanr(war.share_war, war.share_of_wallet_by_value).statistic > 0.2


def test_classes_by_potential_find_the_truly_large_wallets(demo):
    ws, report = demo
    abc = frame(ws, "abc").set_index("customer_id")
    truth = frame(ws, "truth_potential", year=report.as_of.year).groupby("customer_id").potential_value_eur.sum()
    top = truth.sort_values(ascending=False)
    true_a = set(top.index[: int((abc.class_by_potential == "A").sum())])
    found_a = set(abc.index[abc.class_by_potential == "A"])
    assert len(true_a & found_a) / len(true_a) >= 0.8
    counts = abc.class_by_value.value_counts()
    assert counts["A"] < counts["B"] + counts["C"]  # A is the few that make 80 %


def test_every_result_of_the_value_core_is_stored(demo):
    _, report = demo
    for name in ("sales", "bridge", "potential", "potential-rollup", "potential-methods", "potential-rep-bias",
                 "wallet", "wallet-links", "abc", "abc-limits", "abc-matrix", "abc-migration", "class-a"):
        assert report.stored[name] > 0, name
    assert report.stored["abc-matrix"] == 27


def test_market_share_by_node_as_docs_sales_md_shows_it(demo):
    """The demo example of docs/sales.md: the company holds 18.4 % of its customers' EUR 129.6M
    wallet; by rep from 5.2 % (R032) to 43.1 % (R022), by team from 13.2 % (T-NW) to 29.7 % (T-SC)."""
    ws, _ = demo
    sales = frame(ws, "sales")
    sales = sales[sales.business_line.isna()]
    company = sales[sales.level == "company"].iloc[0]
    assert company.market_share == pytest.approx(0.184, abs=0.0005)
    assert company.potential_value == pytest.approx(129.6e6, rel=0.0005)
    # the company's share is its turnover over the pairs with a potential / their potential
    assert company.market_share == pytest.approx(company.turnover_value_12m_with_potential / company.potential_value)
    reps = sales[sales.level == "rep"].set_index("key").market_share.sort_values()
    assert (reps.index[0], round(reps.iloc[0], 3)) == ("R032", 0.052)
    assert (reps.index[-1], round(reps.iloc[-1], 3)) == ("R022", 0.431)
    teams = sales[sales.level == "team"].set_index("key").market_share.sort_values()
    assert (teams.index[0], round(teams.iloc[0], 3), teams.index[-1], round(teams.iloc[-1], 3)) == (
        "T-NW", 0.132, "T-SC", 0.297)


def test_with_full_data_every_method_is_rated_and_nothing_is_unknown(demo):
    """docs/potential.md and docs/abc.md: on the demo company drivers and peer agree with the
    896 survey answers in every line, top-down is weak in two; every customer has every class;
    the run warns of nothing in potential, wallet or abc."""
    ws, report = demo
    assert [w for w in report.warnings if w.split(":")[0] in ("potential", "wallet", "abc")] == []
    methods = frame(ws, "potential-methods").set_index(["method", "business_line"])
    assert set(methods.loc["drivers", "quality"]) == set(methods.loc["peer", "quality"]) == {"agrees"}
    weak = methods.loc["topdown"]
    assert sorted(weak.index[weak.quality == "weak"]) == ["dry_mixes", "paints"]
    assert (methods.pairs_with_stated == 896).all() and methods.chosen.sum() == 4
    limits = frame(ws, "abc-limits").set_index("criterion")
    assert (limits.customers_unclassified == 0).all() and limits.class_missing_reason.isna().all()
    assert (limits.loc["potential", "customers_a"], limits.loc["share", "customers_a"]) == (900, 149)
    class_a = frame(ws, "class-a").set_index("customer_id")
    assert class_a.team_id.notna().all()
    assert class_a.loc["C00037", "team_id"] == "T-SC" and class_a.loc["C00202", "cell"] == "AAC"
    assert round(class_a.loc["C00202", "share_of_wallet_by_value"], 2) == 0.14
