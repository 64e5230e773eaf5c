"""Contests per quarter inside a yearly plan, on the hand-worked company of tests/analyses/conftest.py,
every figure by hand.

As of 31 May 2025: 2025-Q1 is complete, 2025-Q2 runs to date. R2 joined on 1 April; R3 (team M2)
serves the new customer C5. Turnover per quarter (the sales result's definition, per quarter):

- Q1: R1 182 (N1) + 20 (N2) = 202; R3 202 (N5); R2 not employed;
- Q2 to date: R2 176 (N3) + 30 (N4) = 206; R3 5 (N6); R1 0.

Q2's target due to date is its seasonal share of last year's Q2: 2024-04-01..05-31 holds 40 (B2) + 200
(B3) of the 300 of the whole quarter (B5 on 10 June adds 60): 240 / 300 = 0.8."""

import datetime as dt
from decimal import Decimal

import pytest

from saleskpi import results
from saleskpi.compute import compute
from saleskpi.engines import raw
from saleskpi.errors import ConfigError
from saleskpi.workspace import Workspace
from tests.analyses.conftest import SMALL_COMPANY
from tests.analyses.incentives.test_statements import one

AS_OF = dt.date(2025, 5, 31)
EXTRA = """
    UPDATE reps SET hired_on = DATE '2025-04-01' WHERE rep_id = 'R2';
    INSERT INTO reps (rep_id, name, team_id) VALUES ('R3', 'Rep 3', 'M2');
    INSERT INTO customers (customer_id, name, territory_id, rep_id) VALUES ('C5', 'c5', 'T2', 'R3');
    INSERT INTO sales (invoice_id, date, customer_id, product_id, quantity, net_value, cost) VALUES
        ('B5', '2024-06-10', 'C3', 'P3', 3, 60, 42),
        ('N5', '2025-03-15', 'C5', 'P2', 10, 202, 150), ('N6', '2025-05-20', 'C5', 'P2', 1, 5, 3);
    INSERT INTO targets (period, level, key, kpi, target) VALUES
        ('2025-Q1', 'rep', 'R1', 'turnover_value', 200), ('2025-Q1', 'rep', 'R3', 'turnover_value', 400),
        ('2025-Q2', 'rep', 'R2', 'turnover_value', 300);
"""

PLAN = """
name = "Quarters"
period = "year"
target_pay = 1000

[[component]]
name = "commission"
measure = "turnover_value"
weight = 1
basis = "value"
tiers = [[0, 0.1]]

[[contest]]
name = "best quarter"
measure = "turnover_value"
prizes = [100, 50]
min_value = 10
period = "quarter"

[[contest]]
name = "quarter quota"
measure = "turnover_value"
rank_on = "attainment"
prizes = [60]
min_value = 0.5
period = "quarter"
"""

TO_DATE = "2025-Q2 to date: the quarter runs to 2025-06-30, so its ranking may still change"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    ws = Workspace.init(tmp_path_factory.mktemp("contests") / "ws")
    raw(ws.con).execute(SMALL_COMPANY + EXTRA)
    (ws.path / "plans").mkdir()
    (ws.path / "plans" / "quarters.toml").write_text(PLAN, encoding="utf-8")
    report = compute(ws, only=["incentives"], as_of=AS_OF)
    rows = {name: results.read(ws.con, name).to_pyarrow().to_pylist()
            for name in ("incentive-statements", "incentive-totals")}
    yield rows, report
    ws.close()


def test_each_quarter_is_ranked_on_its_own_turnover_with_ties_and_eligibility(out):
    rows, _ = out
    s = rows["incentive-statements"]
    contest = [r for r in s if r["step"] == "contest"]
    assert sorted({r["component"] for r in contest}) == [
        "best quarter 2025-Q1", "best quarter 2025-Q2", "quarter quota 2025-Q1", "quarter quota 2025-Q2"]
    assert {r["period"] for r in contest} == {"2025"}
    # Q1: R1 and R3 tie at 202 for places 1-2: (100 + 50) / 2 = 75 each; R2 was not yet employed
    r1, r3 = one(s, rep_id="R1", component="best quarter 2025-Q1"), one(s, rep_id="R3", component="best quarter 2025-Q1")
    for r in (r1, r3):
        assert (r["actual"], r["rank"], r["pay"], r["note"]) == (
            202.0, 1, Decimal("75.00"),
            "tied with 1 other rep(s): the prizes of the places they share are split equally")
    r2 = one(s, rep_id="R2", component="best quarter 2025-Q1")
    assert (r2["rank"], r2["pay"], r2["note"]) == (None, Decimal("0.00"), "not ranked: not employed in 2025-Q1")
    # Q2 to date: R2 206 ranks 1; R3's 5 and R1's 0 are below min_value 10
    q2 = {r["rep_id"]: r for r in contest if r["component"] == "best quarter 2025-Q2"}
    assert (q2["R2"]["actual"], q2["R2"]["rank"], q2["R2"]["pay"], q2["R2"]["note"]) == (
        206.0, 1, Decimal("100.00"), TO_DATE)
    for rid, actual in (("R1", 0.0), ("R3", 5.0)):
        assert (q2[rid]["actual"], q2[rid]["rank"], q2[rid]["pay"], q2[rid]["note"]) == (
            actual, None, Decimal("0.00"), f"{TO_DATE}; not ranked: below the contest's min_value 10.0")


def test_the_attainment_ranking_uses_each_quarters_target(out):
    rows, report = out
    s = rows["incentive-statements"]
    # Q1, complete (its whole target due): R1 202 / 200 = 1.01 ranks 1 (60); R3 202 / 400 = 0.505,
    # eligible (>= 0.5), ranks 2 where there is no prize
    r1, r3 = one(s, rep_id="R1", component="quarter quota 2025-Q1"), one(s, rep_id="R3", component="quarter quota 2025-Q1")
    assert (r1["target"], r1["attainment"], r1["rank"], r1["pay"], r1["note"]) == (
        200.0, pytest.approx(1.01), 1, Decimal("60.00"), None)
    assert (r3["target"], r3["attainment"], r3["rank"], r3["pay"]) == (400.0, pytest.approx(0.505), 2, Decimal("0.00"))
    # Q2 to date: R2's target 300 is due at 0.8 (the seasonal share): 240; 206 / 240 = 0.8583
    r2 = one(s, rep_id="R2", component="quarter quota 2025-Q2")
    assert (r2["target"], r2["attainment"], r2["rank"], r2["pay"], r2["note"]) == (
        pytest.approx(240.0), pytest.approx(206 / 240), 1, Decimal("60.00"), TO_DATE)
    # R1 and R3 have no target for Q2: not ranked, and the run says so
    for rid in ("R1", "R3"):
        r = one(s, rep_id=rid, component="quarter quota 2025-Q2")
        assert (r["rank"], r["pay"], r["note"]) == (None, Decimal("0.00"), (
            f"{TO_DATE}; not ranked: no target for {rid} in 2025-Q2 (targets, level rep, kpi turnover_value, "
            "period 2025-Q2)"))
    assert ("incentives: plan 'Quarters': contest 'quarter quota' ranks on attainment, and some reps have no target "
            "for 2025-Q2 (targets, level rep, kpi turnover_value), so they are not ranked there; import the targets "
            "of those periods.") in report.warnings


def test_the_prizes_of_every_quarter_add_to_the_total(out):
    rows, _ = out
    totals = {t["rep_id"]: t for t in rows["incentive-totals"]}
    # commission 10 % of the year's turnover + the prizes of both contests in both quarters
    assert totals["R1"]["total_pay"] == Decimal("20.20") + Decimal("75.00") + Decimal("60.00")
    assert totals["R2"]["total_pay"] == Decimal("20.60") + Decimal("100.00") + Decimal("60.00")
    assert totals["R3"]["total_pay"] == Decimal("20.70") + Decimal("75.00")


def test_a_contest_period_longer_than_the_plans_is_refused(tmp_path):
    from saleskpi.analyses.incentives import load_plan

    path = tmp_path / "plan.toml"
    text = PLAN.replace('period = "year"', 'period = "quarter"', 1).replace(
        'min_value = 10\nperiod = "quarter"', 'min_value = 10\nperiod = "year"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_plan(path)
    assert str(caught.value) == (
        f"{path}: 1 invalid plan definition(s):\n  - [[contest]]: contest 'best quarter': period = \"year\" is longer "
        "than the plan's period = \"quarter\"; a contest runs within the plan's period: write a period of at most a "
        "quarter, or remove period")
