"""The segments analysis on a small demo company (300 customers, 3 years, seed 5) against the
generator's hidden truth (saleskpi.demo.generator: each customer has a latent size, a true
purchase rate per week (BG/NBD λ) and a dropout; truth_customers). The generator has no true
discrete segment, so no adjusted Rand index can be asserted: instead the data-driven clusters and
the RFM groups must separate customers whose true purchase rates and survival differ.

Measured when the test was written (quoted in docs/segments.md), as of 2026-10-31: k = 2 clusters
by silhouette (0.350 at k = 2, 0.254 at k = 3) of the 207 customers with a purchase in the 12
months; cluster 1's true mean purchase rate 0.497 a week against 0.238 in cluster 2; RFM champions
(true rate 0.725) all alive at the end against 38 % of the hibernating (0.406).
"""

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from saleskpi import results
from saleskpi.analyses.periods import last_12_months
from saleskpi.compute import compute
from saleskpi.demo import build_demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = build_demo(tmp_path_factory.mktemp("seg-demo") / "ws", customers=300, years=3, seed=5)
    before = compute(ws, only=["segments"], as_of=dt.date(2026, 4, 30))
    report = compute(ws, only=["segments"])
    yield ws, before, report
    ws.close()


def frame(ws, name, run=None):
    t = results.read(ws.con, name, run=run) if results.table_name(name) in ws.con.list_tables() else ws.table(name)
    return t.to_pyarrow().to_pandas()


def with_truth(ws, segmentation):
    s = frame(ws, "segments").query(f"segmentation == '{segmentation}'")
    return s.merge(frame(ws, "truth_customers"), on="customer_id")


def test_clusters_separate_the_true_purchase_rates(demo):
    ws, _, _ = demo
    k = frame(ws, "segment-clusters")
    assert k["k"].tolist() == list(range(2, 9)) and k["k_criterion"].eq("silhouette").all()
    chosen = k[k["k_chosen"]]
    assert len(chosen) == 1 and chosen["k_criterion_score"].iloc[0] == k["k_criterion_score"].max()
    c = with_truth(ws, "clusters").dropna(subset=["segment"])
    groups = [g["purchase_rate_per_week"] for _, g in c.groupby("segment")]
    assert len(groups) == int(chosen["k"].iloc[0])
    assert stats.kruskal(*groups).pvalue < 1e-6
    rate = c.groupby("segment")["purchase_rate_per_week"].mean()
    size = c.groupby("segment")["latent_size"].mean()
    # cluster 1 is the one that spends most: it holds the truly frequent and large buyers
    assert rate.idxmax() == "cluster 1" and size.idxmax() == "cluster 1"
    assert rate["cluster 1"] > 2 * rate.min()
    # the figures docs/segments.md quotes
    assert chosen["k"].tolist() == [2] and chosen["customers"].tolist() == [207]
    assert k["k_criterion_score"].round(3).tolist()[:2] == [0.350, 0.254]
    assert rate.round(3).to_dict() == {"cluster 1": 0.497, "cluster 2": 0.238}


def test_rfm_groups_follow_the_true_survival_and_rates(demo):
    ws, _, _ = demo
    r = with_truth(ws, "rfm").dropna(subset=["segment"])
    alive = r.groupby("segment")["alive_at_end"].mean()
    rate = r.groupby("segment")["purchase_rate_per_week"].mean()
    assert alive["champions"] > alive["hibernating"] + 0.4
    assert alive["loyal"] > alive["hibernating"] + 0.4
    assert rate["champions"] > 1.5 * rate["hibernating"]
    assert (alive["champions"], round(alive["hibernating"], 2)) == (1.0, 0.38)
    assert (round(rate["champions"], 3), round(rate["hibernating"], 3)) == (0.725, 0.406)
    # every group of the METHODS.md map that holds customers is named
    assert set(r["segment"]) <= {"champions", "loyal", "potential loyalists", "new", "promising", "need attention",
                                 "about to sleep", "at risk", "can't lose", "hibernating"}
    # quintiles: each score holds about a fifth of the scored customers (ties may shift a few)
    share = r["m_score"].value_counts(normalize=True)
    assert np.allclose(share.sort_index().to_numpy(), 0.2, atol=0.02)


def test_value_share_classes_follow_the_true_value(demo):
    ws, _, _ = demo
    v = with_truth(ws, "value-share").dropna(subset=["segment"])
    by_value_class = v.groupby(v["segment"].str[0])["expected_annual_purchases_eur"].median()
    assert by_value_class["A"] > by_value_class["B"] > by_value_class["C"]


def test_profit_is_margin_less_the_demo_cost_to_serve(demo):
    ws, _, report = demo
    p = frame(ws, "segment-profit").query("segmentation == 'rfm'")
    # the demo's settings: 12 per order, 1.5 per invoice line
    assert p["cost_to_serve"].to_numpy() == pytest.approx(12 * p["orders_12m"] + 1.5 * p["lines_12m"])
    assert p["profit"].to_numpy() == pytest.approx(p["margin_12m"] - p["cost_to_serve"], abs=0.02)
    assert p["profit_share"].sum() == pytest.approx(1.0)
    # the row docs/segments.md quotes
    c = p.set_index("segment").loc["champions"]
    assert (c.customers, c.orders_12m, c.lines_12m, c.turnover_value_12m, c.margin_12m, c.cost_to_serve, c.profit) == (
        30, 1159, 7092, 993789.12, 125095.32, 24546.0, 100549.32)
    assert round(c.profit_share, 3) == 0.296 and c.owner == "key-account manager"
    # the margin and turnover recomputed from the invoice lines
    start, end = last_12_months(report.as_of)
    s = ws.table("sales").to_pyarrow().to_pandas()  # the input table, not the sales result
    s = s[(s["date"] >= start) & (s["date"] <= end)]
    scored = frame(ws, "segments").query("segmentation == 'rfm' and segment.notna()", engine="python")
    s = s[s["customer_id"].isin(scored["customer_id"])]
    assert p["turnover_value_12m"].sum() == pytest.approx(float(s["net_value"].astype(float).sum()), abs=0.05)
    assert p["margin_12m"].sum() == pytest.approx(float((s["net_value"] - s["cost"]).astype(float).sum()), abs=0.05)
    assert p["orders_12m"].sum() == s["invoice_id"].nunique()


def test_five_principles_on_the_demo(demo):
    ws, _, _ = demo
    q = frame(ws, "segment-quality").set_index(["segmentation", "principle"])
    assert len(q) == 7 * 5  # six built-in segmentations and the example's 'service model'
    # the example file gives every RFM group and every service-model segment a strategy and an owner
    assert q.loc[("rfm", "actionable"), "passed"] and q.loc[("service model", "actionable"), "passed"]
    assert not q.loc[("value-share", "actionable"), "passed"]
    # 28 regions are too many small segments; they do not differ in turnover either
    assert not q.loc[("region", "substantial"), "passed"]
    assert not q.loc[("region", "differentiable"), "passed"] and q.loc[("region", "differentiable"), "kruskal_pvalue"] > 0.05
    # the segmentations built from turnover differ in it, strongly
    for name, large in (("value-share", 0.26), ("rfm", 0.26), ("clusters", 0.08)):
        d = q.loc[(name, "differentiable")]
        assert d.passed and d.epsilon_squared > large, name
    # the figures docs/segments.md quotes
    assert round(q.loc[("region", "differentiable"), "kruskal_pvalue"], 2) == 0.52
    assert round(q.loc[("value-share", "differentiable"), "epsilon_squared"], 3) == 0.876
    assert round(q.loc[("rfm", "differentiable"), "epsilon_squared"], 3) == 0.361
    assert q.loc[("rfm", "measurable"), "reason"].startswith("248 of 300 customers (83%)")
    assert not q.loc[("rfm", "measurable"), "passed"]
    assert q.loc[("region", "substantial"), "reason"].startswith("23 segment(s) below 5% of the customers")
    # every demo customer has a rep
    assert q.xs("accessible", level="principle")["passed"].all()


def test_moves_count_every_customer_once(demo):
    ws, before, report = demo
    now = frame(ws, "segments", report.run_id)
    then = frame(ws, "segments", before.run_id)
    m = frame(ws, "segment-moves", report.run_id)
    assert (m["previous_run"] == before.run_id).all()
    for name in ("rfm", "value-share"):
        mm = m[m["segmentation"] == name]
        both = set(now.query(f"segmentation == '{name}'")["customer_id"]) | set(
            then.query(f"segmentation == '{name}'")["customer_id"])
        assert mm["customers"].sum() == len(both)
        merged = now.query(f"segmentation == '{name}'").merge(
            then.query(f"segmentation == '{name}'")[["customer_id", "segment"]], on="customer_id", suffixes=("", "_then"))
        stayed = (merged["segment"].fillna("(none)") == merged["segment_then"].fillna("(none)")).sum()
        assert mm[mm["from_segment"] == mm["to_segment"]]["customers"].sum() == stayed
    rfm = now.query("segmentation == 'rfm'")
    assert rfm["previous_segment"].notna().sum() >= 0.8 * rfm["segment"].notna().sum()
