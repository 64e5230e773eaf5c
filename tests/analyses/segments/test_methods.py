"""The segments' methods on hand-worked inputs: RFM quintiles and groups (Hughes 1994, METHODS.md),
Kruskal-Wallis with epsilon-squared, cost to serve, the five principles and the moves."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from saleskpi.analyses.segments import clusters, cost_to_serve, kruskal_wallis, quintile_scores, rfm_group, rfm_scores
from saleskpi.analyses.segments.quality import moves, principles, profit_by_segment
from saleskpi.analyses.segments.rules import Segment, Segmentation
from saleskpi.config import SegmentsSection


def test_quintile_scores_of_ten_distinct_values_and_of_ties():
    # 1 + floor(5 (r - 1) / 10) for r = 1..10
    assert quintile_scores([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # ties share the score of the first of them: ranks (min) 1, 1, 1, 4, 5 of n = 5 -> 1, 1, 1, 4, 5
    assert quintile_scores([0, 0, 0, 7, 9]).tolist() == [1, 1, 1, 4, 5]
    with pytest.raises(ValueError, match="must all be known"):
        quintile_scores([1.0, float("nan")])


def test_every_rf_cell_has_its_named_group():
    expected = {
        5: {1: "new", 2: "potential loyalists", 3: "potential loyalists", 4: "champions", 5: "champions"},
        4: {1: "promising", 2: "potential loyalists", 3: "potential loyalists", 4: "loyal", 5: "loyal"},
        3: {1: "about to sleep", 2: "about to sleep", 3: "need attention", 4: "loyal", 5: "loyal"},
        2: {1: "hibernating", 2: "hibernating", 3: "at risk", 4: "at risk", 5: "can't lose"},
        1: {1: "hibernating", 2: "hibernating", 3: "at risk", 4: "at risk", 5: "can't lose"},
    }
    for r, row in expected.items():
        for f, name in row.items():
            assert rfm_group(r, f) == name, (r, f)
    with pytest.raises(ValueError, match="1..5"):
        rfm_group(0, 3)


def test_rfm_scores_reverse_recency():
    # five customers: the most recent (1 day) scores R5, the oldest (400 days) R1
    s = rfm_scores([400, 200, 90, 30, 1], [1, 2, 3, 8, 9], [100, 50, 300, 900, 800])
    assert s["r_score"].tolist() == [1, 2, 3, 4, 5]
    assert s["f_score"].tolist() == [1, 2, 3, 4, 5]
    assert s["m_score"].tolist() == [2, 1, 3, 5, 4]
    assert s["rfm_group"].tolist() == ["hibernating", "hibernating", "need attention", "loyal", "champions"]


def test_kruskal_wallis_and_epsilon_squared_by_hand():
    # ranks 1-3 and 4-6: H = 12 / (6 * 7) * (6² / 3 + 15² / 3) − 3 * 7 = 3.857; ε² = H / (n − 1) = 0.7714
    h, p, eps, n = kruskal_wallis([[1, 2, 3], [4, 5, 6]])
    assert h == pytest.approx(27 / 7)
    assert p == pytest.approx(stats.chi2.sf(27 / 7, 1))
    assert eps == pytest.approx(27 / 7 / 5)
    assert n == 6
    assert all(math.isnan(x) for x in kruskal_wallis([[1, 2, 3]])[:3])  # one group: nothing to compare


def test_cost_to_serve_arithmetic():
    # 3 orders × 12 + 10 lines × 1.5 + 2 visits × 40 + 5 other = 136; unset rates add nothing
    c = cost_to_serve([3, 0], [10, 0], [2, 1], [5, 0], per_order=12, per_line=1.5, per_visit=40)
    assert c.tolist() == [136.0, 40.0]
    assert cost_to_serve([3], [10], None, None, per_order=None, per_line=2, per_visit=None).tolist() == [20.0]
    # nothing set: unknown, not 0
    assert cost_to_serve([3], [10], None, None, per_order=None, per_line=None, per_visit=None).isna().all()


def _frame():
    """Six customers in two segments and one without data; F has no rep."""
    return pd.DataFrame({
        "customer_id": list("ABCDEFG"),
        "segment": ["big", "big", "big", "small", "small", "small", None],
        "turnover_value_12m": [100.0, 200.0, 300.0, 1.0, 2.0, 3.0, 50.0],
        "margin_12m": [30.0, 60.0, 90.0, 1.0, 1.0, 1.0, 10.0],
        "cost_to_serve": [10.0, 10.0, 10.0, 1.0, 1.0, 1.0, 1.0],
        "profit": [20.0, 50.0, 80.0, 0.0, 0.0, 0.0, 9.0],
        "orders_12m": [1.0] * 7, "lines_12m": [2.0] * 7,
        "rep_id": ["R1", "R1", "R1", "R2", "R2", None, "R1"],
    })


def test_profit_by_segment_and_the_five_principles():
    seg = Segmentation(name="mine", segment=[
        Segment(name="big", strategy="keep", owner="KAM", when={"turnover_value_12m": {"min": 50}}),
        Segment(name="small", strategy="automate")])
    p = profit_by_segment(_frame(), seg)
    big, small = p.set_index("segment").loc["big"], p.set_index("segment").loc["small"]
    assert (big.customers, big.turnover_value_12m, big.margin_12m, big.cost_to_serve, big.profit) == (
        3, 600.0, 180.0, 30.0, 150.0)
    assert big.turnover_share == pytest.approx(600 / 606) and big.profit_share == pytest.approx(1.0)
    assert (small.profit, small.strategy) == (0.0, "automate") and pd.isna(small.owner)
    cfg = SegmentsSection(min_customer_share=0.4, min_turnover_share=0.4, min_profit_share=0.4, min_measurable=0.9,
                          min_reachable=0.9)
    rows = {r["principle"]: r for r in principles(_frame(), p, seg, "turnover", cfg)}
    # measurable: 6 of 7 = 0.857 < 0.9
    assert (rows["measurable"]["passed"], rows["measurable"]["measured"]) == (False, pytest.approx(6 / 7))
    assert "6 of 7 customers (86%)" in rows["measurable"]["reason"]
    # substantial: both hold half the customers (>= 0.4)
    assert rows["substantial"]["passed"] and rows["substantial"]["measured"] == 1.0
    # accessible: 2 of small's 3 have a rep: 67 % < 90 %
    assert not rows["accessible"]["passed"] and rows["accessible"]["measured"] == pytest.approx(2 / 3)
    assert "small (67%)" in rows["accessible"]["reason"]
    # differentiable: the same groups as the hand-worked H above
    d = rows["differentiable"]
    assert d["kruskal_h"] == pytest.approx(27 / 7) and d["epsilon_squared"] == pytest.approx(27 / 35)
    assert d["kruskal_pvalue"] == pytest.approx(0.04953, abs=1e-5) and d["passed"]
    # actionable: small has no owner
    assert not rows["actionable"]["passed"] and "for: small" in rows["actionable"]["reason"]
    # a stricter substantial: 0.6 of the customers and of turnover and profit -> small fails
    strict = SegmentsSection(min_customer_share=0.6, min_turnover_share=0.6, min_profit_share=0.6)
    sub = {r["principle"]: r for r in principles(_frame(), p, seg, "turnover", strict)}["substantial"]
    assert not sub["passed"] and sub["measured"] == 0.5 and "small (3 customers, 50.0%)" in sub["reason"]


def test_moves_between_runs():
    before = pd.DataFrame({"segmentation": "s", "customer_id": ["A", "B", "C", "D"],
                           "segment": ["x", "x", "y", None]})
    now = pd.DataFrame({"segmentation": "s", "customer_id": ["A", "B", "D", "E"], "segment": ["x", "y", "y", "x"]})
    m = moves(now, before).set_index(["from_segment", "to_segment"])["customers"].to_dict()
    assert m == {("x", "x"): 1, ("x", "y"): 1, ("y", "(gone)"): 1, ("(none)", "y"): 1, ("(new)", "x"): 1}
    first = moves(now, None)
    assert first.set_index("to_segment")["customers"].to_dict() == {"x": 2, "y": 2}
    assert set(first["from_segment"]) == {"(new)"}


def test_clusters_recover_two_separated_groups():
    rng = np.random.default_rng(1)
    a = np.exp(rng.normal(1, 0.1, (60, 2)))
    b = np.exp(rng.normal(4, 0.1, (40, 2)))
    labels, table = clusters(pd.DataFrame(np.r_[a, b] - 1, columns=["x", "y"]), k_min=2, k_max=5)
    assert table.loc[table["chosen"], "k"].tolist() == [2]
    assert table["criterion"].eq("silhouette").all() and table["criterion_value"].idxmax() == 0
    # cluster 1 is the one with the larger first feature
    assert (labels[:60] == 2).all() and (labels[60:] == 1).all()
    labels, table = clusters(pd.DataFrame(np.r_[a, b] - 1, columns=["x", "y"]), method="gmm", k_min=1 + 1, k_max=4)
    assert table.loc[table["chosen"], "k"].tolist() == [2] and table["criterion"].eq("bic").all()
    assert table.loc[table["chosen"], "criterion_value"].iloc[0] == table["criterion_value"].min()
