"""The segments analysis on the hand-worked company of tests/analyses/conftest.py.

As of 2025-05-05 (the last invoice); the 12 months run 2024-05-06 .. 2025-05-05.
  C1: last purchase 2025-03-01 (65 days), orders B4, N1, N2 = 3, lines 4, turnover 100 + 132 + 50 + 20
      = 302, cost 70 + 92.4 + 35 + 14 = 211.4, margin 90.6
  C2: last purchase 2024-04-02 (398 days), nothing in the 12 months (turnover 0, margin 0)
  C3: last 2025-04-01 (34 days), orders B3, N3 = 2, lines 2, turnover 376, margin 376 − 263.2 = 112.8
  C4: last 2025-05-05 (0 days), 1 order, 1 line, turnover 30, margin 9
RFM among 4 customers: score = 1 + floor(5 (r − 1) / 4) = 1, 2, 3, 4 by rank.
  R (−days): C2 1, C1 2, C3 3, C4 4; F (orders): C2 1, C4 2, C3 3, C1 4; M: C2 1, C4 2, C1 3, C3 4.
  Groups: C1 R2 F4 at risk, C2 R1 F1 hibernating, C3 R3 F3 need attention, C4 R4 F2 potential loyalists.
Cost to serve 10 per order + 1 per line: C1 34, C2 0, C3 22, C4 11 -> profit 56.6, 0, 90.8, −2.
"""

import datetime as dt

import pytest
from scipy import stats

from saleskpi import results
from saleskpi.compute import compute
from saleskpi.config import SegmentsSection
from saleskpi.engines import raw
from saleskpi.errors import ConfigError
from saleskpi.workspace import Workspace
from tests.analyses.conftest import SMALL_COMPANY

SEGMENTS_TOML = """
[[segmentation]]
name = "by size"

[[segmentation.segment]]
name = "big"
strategy = "a key-account plan"
owner = "key-account manager"
when.turnover_value_12m = { min = 100 }

[[segmentation.segment]]
name = "small"
strategy = "the web shop"

[[segmentation]]
name = "rfm"

[[segmentation.segment]]
name = "at risk"
strategy = "call"
owner = "rep"
"""


def _workspace(path, text=SEGMENTS_TOML):
    ws = Workspace.init(path)
    raw(ws.con).execute(SMALL_COMPANY)
    (ws.path / "segments.toml").write_text(text, encoding="utf-8")
    ws.settings = ws.settings.model_copy(update={"segments": SegmentsSection(cost_per_order=10, cost_per_line=1)})
    return ws


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    ws = _workspace(tmp_path_factory.mktemp("seg") / "ws")
    first = compute(ws, only=["segments"])
    second = compute(ws, only=["segments"], as_of=dt.date(2026, 5, 1))
    yield ws, first, second
    ws.close()


def rows(ws, name, run=None):
    return results.read(ws.con, name, run=run).to_pyarrow().to_pandas()


def test_rfm_scores_and_groups(computed):
    ws, first, _ = computed
    r = rows(ws, "segments", first.run_id).query("segmentation == 'rfm'").set_index("customer_id")
    assert r["recency_days"].to_dict() == {"C1": 65, "C2": 398, "C3": 34, "C4": 0}
    assert r["orders_12m"].to_dict() == {"C1": 3, "C2": 0, "C3": 2, "C4": 1}
    assert r["turnover_value_12m"].to_dict() == {"C1": 302, "C2": 0, "C3": 376, "C4": 30}
    assert r["r_score"].to_dict() == {"C1": 2, "C2": 1, "C3": 3, "C4": 4}
    assert r["f_score"].to_dict() == {"C1": 4, "C2": 1, "C3": 3, "C4": 2}
    assert r["m_score"].to_dict() == {"C1": 3, "C2": 1, "C3": 4, "C4": 2}
    assert r["segment"].to_dict() == {"C1": "at risk", "C2": "hibernating", "C3": "need attention",
                                      "C4": "potential loyalists"}
    assert r.loc["C1", "assigned_by"] == "R2 F4 M3"
    assert r[["territory_id", "rep_id"]].loc["C3"].tolist() == ["T2", "R2"]


def test_rule_segments_and_profit(computed):
    ws, first, _ = computed
    s = rows(ws, "segments", first.run_id).query("segmentation == 'by size'").set_index("customer_id")
    assert s["segment"].to_dict() == {"C1": "big", "C2": "small", "C3": "big", "C4": "small"}
    assert s.loc["C1", "assigned_by"] == "turnover_value_12m >= 100" and s.loc["C2", "assigned_by"] == "everyone else"
    p = rows(ws, "segment-profit", first.run_id).query("segmentation == 'by size'").set_index("segment")
    big, small = p.loc["big"], p.loc["small"]
    assert (big.customers, big.orders_12m, big.lines_12m, big.turnover_value_12m) == (2, 5, 6, 678)
    assert big.margin_12m == pytest.approx(203.4) and big.cost_to_serve == 56 and big.profit == pytest.approx(147.4)
    assert small.margin_12m == 9 and small.cost_to_serve == 11 and small.profit == -2
    assert big.profit_share == pytest.approx(147.4 / 145.4) and big.turnover_share == pytest.approx(678 / 708)
    assert (big.strategy, big.owner, big.currency) == ("a key-account plan", "key-account manager", "EUR")


def test_five_principles_of_the_rule_segmentation(computed):
    ws, first, _ = computed
    q = rows(ws, "segment-quality", first.run_id).query("segmentation == 'by size'").set_index("principle")
    assert q["passed"].to_dict() == {"measurable": True, "substantial": True, "accessible": True,
                                     "differentiable": False, "actionable": False}
    # turnover big [302, 376] vs small [0, 30]: ranks 3, 4 | 1, 2 -> H = 12/20 (49/2 + 9/2) − 15 = 2.4
    d = q.loc["differentiable"]
    assert d.kruskal_h == pytest.approx(2.4) and d.epsilon_squared == pytest.approx(0.8)
    assert d.kruskal_pvalue == pytest.approx(stats.chi2.sf(2.4, 1))
    assert "do not differ enough" in d.reason
    assert q.loc["actionable", "reason"].startswith("no strategy and owner in segments.toml for: small")
    assert (q["segments"] == 2).all()


def test_segmentations_without_the_data_fail_measurable(computed):
    ws, first, _ = computed
    q = rows(ws, "segment-quality", first.run_id).set_index(["segmentation", "principle"])
    m = q.loc[("industry", "measurable")]
    assert not m.passed and m.measured == 0 and m.reason.startswith("0 of 4 customers (0%) have the data")
    assert not q.loc[("industry", "substantial"), "passed"]
    s = rows(ws, "segments", first.run_id).query("segmentation == 'industry'")
    assert s["segment"].isna().all() and set(s["note"]) == {"no industry in the customer record"}
    # rfm: 'at risk' has a strategy and owner, the other three groups do not
    assert q.loc[("rfm", "actionable"), "reason"].startswith(
        "no strategy and owner in segments.toml for: hibernating, need attention, potential loyalists")
    # too few customers to cluster: k runs 2 .. n − 1 = 3, so clusters are made (4 with a purchase in 12 months: 3)
    k = rows(ws, "segment-clusters", first.run_id)
    assert k["k"].tolist() == [2] and k["customers"].tolist() == [3] and k["k_chosen"].all()


def test_moves_since_the_previous_run(computed):
    ws, first, second = computed
    # as of 2026-05-01 the 12 months hold only C4's 30: nobody is big
    s = rows(ws, "segments", second.run_id).query("segmentation == 'by size'").set_index("customer_id")
    assert s["previous_segment"].to_dict() == {"C1": "big", "C2": "small", "C3": "big", "C4": "small"}
    assert set(s["segment"]) == {"small"}
    m = rows(ws, "segment-moves", second.run_id).query("segmentation == 'by size'")
    assert m.set_index(["from_segment", "to_segment"])["customers"].to_dict() == {("big", "small"): 2,
                                                                                ("small", "small"): 2}
    assert (m["previous_run"] == first.run_id).all()
    m1 = rows(ws, "segment-moves", first.run_id).query("segmentation == 'by size'")
    assert set(m1["from_segment"]) == {"(new)"} and m1["previous_run"].isna().all()


def test_a_clean_run_warns_of_nothing(computed):
    _, first, _ = computed
    assert [x for x in first.warnings if x.startswith("segments:")] == []


def test_rules_that_match_no_one_or_overlap_are_reported_by_name(tmp_path):
    text = ('[[segmentation]]\nname = "x"\n'
            '[[segmentation.segment]]\nname = "bought"\nwhen.orders_12m = { min = 1 }\n'
            '[[segmentation.segment]]\nname = "rep 1"\nwhen.rep_id = ["R1"]\n'
            '[[segmentation.segment]]\nname = "huge"\nwhen.turnover_value_12m = { min = 1000000 }\n')
    ws = _workspace(tmp_path / "ws", text)
    report = compute(ws, only=["segments"])
    w = [x for x in report.warnings if x.startswith("segments: segmentation 'x'")]
    # C1 bought and is R1's; C2 (R1) bought nothing in the 12 months, so only C1 meets both rules
    assert w == [f"segments: segmentation 'x': the rule of segment 'huge' matches no customer ({ws.path / 'segments.toml'}); "
                 "check its values",
                 "segments: segmentation 'x': 1 customer(s) meet the rules of more than one segment; each is put in the "
                 "first (the order in segments.toml)"]
    s = rows(ws, "segments").query("segmentation == 'x'").set_index("customer_id")
    assert s["segment"].to_dict() == {"C1": "bought", "C2": "rep 1", "C3": "bought", "C4": "bought"}
    ws.close()


def test_no_cost_to_serve_leaves_profit_empty(tmp_path):
    ws = _workspace(tmp_path / "ws")
    ws.settings = ws.settings.model_copy(update={"segments": SegmentsSection()})
    report = compute(ws, only=["segments"])
    p = rows(ws, "segment-profit").query("segmentation == 'by size'")
    assert p["profit"].isna().all() and p["cost_to_serve"].isna().all() and p["margin_12m"].notna().all()
    assert p["note"].str.startswith("no cost to serve set").all()
    assert any(w.startswith("segments: no cost to serve is set") for w in report.warnings)
    ws.close()


@pytest.mark.parametrize("text, problem", [
    ('[[segmentation]]\nname = "x"\n[[segmentation.segment]]\nname = "a"\nwhen.colour = ["red"]\n',
     "[[segmentation]] #1 [[segmentation.segment]] #1 when: 'colour' is not a field a rule can test"),
    ('[[segmentation]]\nname = "x"\n[[segmentation.segment]]\nname = "a"\nwhen.turnover_value_12m = ["1"]\n',
     "when: turnover_value_12m is a number: write { min = ..., max = ... }, got ['1']"),
    ('[[segmentation]]\nname = "rfm"\n[[segmentation.segment]]\nname = "champions"\nwhen.industry = ["a"]\n',
     "segmentation 'rfm' is built in, so its segments are computed: remove when from champions"),
    ('[[segmentation]]\nname = "x"\n[[segmentation.segment]]\nname = "a"\n',
     "segmentation 'x' is not built in"),
    ('[[segmentation]]\nname = "x"\n[[segmentation.segment]]\nname = "a"\nwhen.turnover_value_12m = { min = 5, max = 1 }\n',
     "when: turnover_value_12m: max = 1 is not above min = 5; swap them"),
])
def test_bad_definitions_are_refused_naming_file_and_key(tmp_path, text, problem):
    ws = _workspace(tmp_path / "ws", text)
    with pytest.raises(ConfigError) as err:
        compute(ws, only=["segments"])
    message = str(err.value)
    assert message.startswith(f"{ws.path / 'segments.toml'}: 1 invalid segment definition(s):")
    assert problem in message
    ws.close()


def test_a_rule_on_a_column_the_customers_lack_is_refused(tmp_path):
    text = '[[segmentation]]\nname = "x"\n[[segmentation.segment]]\nname = "a"\nwhen.driver_beds = { min = 5 }\n'
    ws = _workspace(tmp_path / "ws", text)
    with pytest.raises(ConfigError, match="segment 'a' when.driver_beds: no column driver_beds in the customers"):
        compute(ws, only=["segments"])
    ws.close()


def test_cost_per_visit_reads_the_visits_column(tmp_path):
    ws = _workspace(tmp_path / "ws")
    db = raw(ws.con)
    db.execute("ALTER TABLE customers ADD COLUMN driver_visits DOUBLE")
    db.execute("UPDATE customers SET driver_visits = CASE customer_id WHEN 'C1' THEN 4 WHEN 'C3' THEN 2 ELSE 0 END")
    ws.settings = ws.settings.model_copy(update={"segments": SegmentsSection(
        cost_per_order=10, cost_per_line=1, cost_per_visit=5, visits_column="driver_visits")})
    compute(ws, only=["segments"])
    p = rows(ws, "segment-profit").query("segmentation == 'by size'").set_index("segment")
    # big: C1 34 + 4 visits x 5 = 54, C3 22 + 2 x 5 = 32 -> 86; profit 203.4 − 86 = 117.4
    assert p.loc["big", "cost_to_serve"] == 86 and p.loc["big", "profit"] == pytest.approx(117.4)
    ws.close()


def test_a_cost_column_the_customers_lack_is_refused(tmp_path):
    ws = _workspace(tmp_path / "ws")
    ws.settings = ws.settings.model_copy(update={"segments": SegmentsSection(cost_column="driver_cost")})
    with pytest.raises(ConfigError) as err:
        compute(ws, only=["segments"])
    assert str(err.value) == (f"{ws.path / 'settings.toml'}: 1 invalid setting(s):\n  - [segments] cost_column: "
                              "'driver_cost' is not a column of the customers table; import it (a driver_ column) or "
                              "remove the setting")
    ws.close()


def test_segments_settings_are_checked():
    from saleskpi.config import parse_settings

    with pytest.raises(ConfigError, match=r"\[segments\]: cost_per_visit is set but visits_column is not"):
        parse_settings({"segments": {"cost_per_visit": 3}}, source="s.toml")
    with pytest.raises(ConfigError, match=r"\[segments\] cluster_k_max: cluster_k_max = 3 is below cluster_k_min = 5"):
        parse_settings({"segments": {"cluster_k_min": 5, "cluster_k_max": 3}}, source="s.toml")
    with pytest.raises(ConfigError, match=r"\[segments\] cluster_method: must be one of kmeans, gmm"):
        parse_settings({"segments": {"cluster_method": "dbscan"}}, source="s.toml")
