"""plan-whatif on the hand-worked company: two plans replayed on 2024, every figure by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from saleskpi import results
from saleskpi.access import Scope
from saleskpi.compute import compute
from saleskpi.engines import raw
from saleskpi.errors import ConfigError
from saleskpi.workspace import Workspace
from tests.analyses.conftest import SMALL_COMPANY

AS_OF = dt.date(2025, 6, 30)  # the current period is 2025; the complete period before it is 2024

# 2024 (the small company): R1 sells 290 (C1: 100 + 50 + 100, C2: 40), 240 of it of the target
# product P1; R2 sells 200 (C3: P3). Targets 2024: R1 250 (attainment 1.16), R2 400 (0.5).
EXTRA = """
    UPDATE targets SET target = 250 WHERE period = '2024' AND key = 'R1';
    INSERT INTO targets (period, level, key, kpi, target) VALUES ('2024', 'rep', 'R2', 'turnover_value', 400);
"""

CURRENT = """
name = "Field"
period = "year"
target_pay = 1000

[[component]]
name = "quota"
measure = "turnover_value"
weight = 1.0
tiers = [[0, 1.0], [1.0, 1.5]]
threshold = 0.6

[[adjustment]]
rep_id = "R1"
amount = -25
kind = "clawback"
reason = "returned order"
"""

PROPOSED = """
name = "Field"
period = "year"
target_pay = 1000

[[component]]
name = "quota"
measure = "turnover_value"
weight = 0.5
tiers = [[0, 1.0]]

[[component]]
name = "target products"
measure = "target_products_value"
weight = 0.5
basis = "value"
tiers = [[0, 0.5]]
"""


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = Workspace.init(tmp_path_factory.mktemp("whatif") / "ws")
    raw(ws.con).execute(SMALL_COMPANY + EXTRA)
    (ws.path / "plans" / "proposed").mkdir(parents=True)
    (ws.path / "plans" / "field.toml").write_text(CURRENT, encoding="utf-8")
    (ws.path / "plans" / "proposed" / "field.toml").write_text(PROPOSED, encoding="utf-8")
    compute(ws, only=["incentives"], as_of=AS_OF)
    yield ws
    ws.close()


def _rows(ws, scope=None):
    t = results.read(ws.con, "plan-whatif")
    if scope is not None:
        t = scope.restrict(ws.con, t, "plan-whatif")
    return t.to_pyarrow().to_pylist()


def test_each_rep_current_and_proposed_pay_and_the_difference(ws):
    rows = {r["rep_id"]: r for r in _rows(ws)}
    assert set(rows) == {"R1", "R2", None} and {r["period"] for r in rows.values()} == {"2024"}
    r1, r2 = rows["R1"], rows["R2"]
    # R1: current 1000 x 1 + 1000 x 1.5 x 0.16 = 1240 (the clawback is not replayed);
    # proposed 500 x 1.16 + 0.5 x 240 = 580 + 120 = 700
    assert (r1["period_turnover_value"], r1["period_attainment"]) == (Decimal("290.00"), pytest.approx(1.16))
    assert (r1["current_pay"], r1["proposed_pay"], r1["pay_change"]) == (
        Decimal("1240.00"), Decimal("700.00"), Decimal("-540.00"))
    assert r1["current_cost_of_sales"] == pytest.approx(1240 / 290)
    assert r1["proposed_cost_of_sales"] == pytest.approx(700 / 290)
    # R2: attainment 0.5 is below the current threshold 0.6: 0; proposed 500 x 0.5 + 0.5 x 0 = 250
    assert (r2["period_attainment"], r2["current_pay"], r2["proposed_pay"], r2["pay_change"]) == (
        pytest.approx(0.5), Decimal("0.00"), Decimal("250.00"), Decimal("250.00"))
    assert r1["note"] is None and r2["note"] is None and r1["plan"] == "Field" and r1["currency"] == "EUR"


def test_the_summary_row_cost_distribution_gainers_and_losers(ws):
    s = next(r for r in _rows(ws) if r["rep_id"] is None)
    assert (s["reps_compared"], s["period_turnover_value"]) == (2, Decimal("490.00"))
    assert (s["current_pay"], s["proposed_pay"], s["pay_change"]) == (
        Decimal("1240.00"), Decimal("950.00"), Decimal("-290.00"))
    assert s["current_cost_of_sales"] == pytest.approx(1240 / 490)
    assert s["proposed_cost_of_sales"] == pytest.approx(950 / 490)
    assert (s["reps_above_target_share"], s["gainers"], s["losers"]) == (0.5, 1, 1)
    # definition 7 on (250, 700): Q(p) = 250 + p x 450; current (0, 1240): median 620
    assert (s["proposed_pay_p10"], s["proposed_pay_median"], s["proposed_pay_p90"], s["current_pay_median"]) == (
        Decimal("295.00"), Decimal("475.00"), Decimal("655.00"), Decimal("620.00"))
    assert s["note"] == "the sales data begin on 2024-03-10, within the period: its turnover is partial"


def test_a_rep_sees_only_their_row_and_not_the_summary(ws):
    assert [r["rep_id"] for r in _rows(ws, Scope("rep", rep_id="R1"))] == ["R1"]
    assert len(_rows(ws, Scope("director"))) == 3


def test_the_statements_are_not_changed_by_a_proposed_plan(ws):
    s = results.read(ws.con, "incentive-statements").to_pyarrow().to_pylist()
    assert {r["plan"] for r in s} == {"Field"} and {r["period"] for r in s} == {"2025"}
    assert [r["pay"] for r in s if r["rep_id"] == "R1" and r["step"] == "clawback"] == [Decimal("-25.00")]


def test_a_proposed_plan_without_a_plan_in_force_of_its_name_is_refused(ws):
    path = ws.path / "plans" / "proposed" / "other.toml"
    path.write_text(PROPOSED.replace('name = "Field"', 'name = "Fields"'), encoding="utf-8")
    try:
        with pytest.raises(ConfigError) as caught:
            compute(ws, only=["incentives"], as_of=AS_OF)
    finally:
        path.unlink()
    assert str(caught.value) == (
        f"{path}: 1 invalid plan definition(s):\n  - name: 'Fields' is not the name of a plan in force in "
        f"{ws.path / 'plans'}; a proposed plan is compared with the plan in force of the same name ('Field')")


def test_a_proposed_credit_split_is_replayed_on_each_past_period(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    raw(ws.con).execute(SMALL_COMPANY + EXTRA)
    (ws.path / "plans" / "proposed").mkdir(parents=True)
    (ws.path / "plans" / "field.toml").write_text(CURRENT, encoding="utf-8")
    split = '\n[[credit_split]]\ncustomer_id = "C3"\nshares = { R1 = 0.5, R2 = 0.5 }\n'
    (ws.path / "plans" / "proposed" / "field.toml").write_text(PROPOSED + split, encoding="utf-8")
    compute(ws, only=["incentives"], as_of=AS_OF)
    rows = {r["rep_id"]: r for r in _rows(ws)}
    ws.close()
    # 2024: C3's 200 (R2's, all P3) credited half to R1: R1 290 + 100 = 390 of 250 (1.56), R2 100 of 400
    # (0.25). Proposed: R1 500 x 1.56 + 0.5 x 240 = 900, R2 500 x 0.25 + 0 = 125; the current plan
    # splits nothing (R1 1240, R2 0), and the sales figures shown are the sales result's
    assert (rows["R1"]["current_pay"], rows["R1"]["proposed_pay"]) == (Decimal("1240.00"), Decimal("900.00"))
    assert (rows["R2"]["current_pay"], rows["R2"]["proposed_pay"]) == (Decimal("0.00"), Decimal("125.00"))
    assert rows["R1"]["period_turnover_value"] == Decimal("290.00")
    assert rows[None]["proposed_pay"] == Decimal("1025.00")
