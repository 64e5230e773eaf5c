"""Statements on the hand-worked company of tests/analyses/conftest.py, every figure by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from saleskpi import results
from saleskpi.compute import compute
from saleskpi.engines import raw
from saleskpi.errors import ConfigError
from saleskpi.workspace import Workspace
from tests.analyses.conftest import SMALL_COMPANY

AS_OF = dt.date(2025, 6, 30)  # the period 2025 to date: 181 days of 365
# (the sales begin in March 2024, so the target due to date is the elapsed share 181/365 of it)

PLAN = """
name = "Field"
period = "year"
target_pay = 1000

[[component]]
name = "quota"
measure = "turnover_value"
weight = 0.8
tiers = [[0, 1.0], [1.0, 1.5]]
threshold = 0.5
cap = 2.0

[[component]]
name = "target products"
measure = "target_products_value"
weight = 0.2
basis = "value"
tiers = [[0, 0.1]]

[[contest]]
name = "top seller"
measure = "turnover_value"
prizes = [100, 50]
min_value = 100

[[adjustment]]
rep_id = "R1"
kind = "clawback"
amount = -25
reason = "order N1 returned after the payout"
"""

# R2 joined on 1 April and has a target; R3 has neither customers nor a target
EXTRA = """
    UPDATE reps SET hired_on = DATE '2025-04-01' WHERE rep_id = 'R2';
    INSERT INTO reps (rep_id, name, team_id) VALUES ('R3', 'Rep 3', 'M2');
    INSERT INTO targets (period, level, key, kpi, target) VALUES ('2025', 'rep', 'R2', 'turnover_value', 245);
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    ws = Workspace.init(tmp_path_factory.mktemp("pay") / "ws")
    raw(ws.con).execute(SMALL_COMPANY + EXTRA)
    (ws.path / "plans").mkdir()
    (ws.path / "plans" / "field.toml").write_text(PLAN, encoding="utf-8")
    report = compute(ws, only=["incentives"], as_of=AS_OF)
    rows = {name: results.read(ws.con, name).to_pyarrow().to_pylist()
            for name in ("incentive-statements", "incentive-totals", "incentive-team-totals")}
    yield rows, report, ws
    ws.close()


def one(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_a_rep_on_target_with_a_clawback(out):
    rows, _, _ = out
    s = rows["incentive-statements"]
    quota = one(s, rep_id="R1", component="quota")
    # turnover 202 on a target due to date of 500 x 181/365: attainment 0.8147 (above the threshold 0.5);
    # pay = attainment x 800 in the 1x tier = 202 x 365 x 800 / (500 x 181) = 651.7569 -> 651.76
    assert quota["attainment"] == pytest.approx(202 / (500 * 181 / 365))
    assert (quota["target_pay"], quota["pay_before_cap"], quota["pay"]) == (
        Decimal("800.00"), Decimal("651.76"), Decimal("651.76"))
    assert (quota["tier_from"], quota["tier_rate"], quota["cap_applied"], quota["proration"]) == (0.0, 1.0, False, 1.0)
    assert quota["note"] is None and quota["currency"] == "EUR" and quota["period"] == "2025"
    tp = one(s, rep_id="R1", component="target products")  # 10 % of P1 bought by C1: 132
    assert (tp["actual"], tp["pay"], tp["tier_rate"]) == (132.0, Decimal("13.20"), 0.1)
    claw = one(s, rep_id="R1", step="clawback")
    assert (claw["component"], claw["pay"], claw["note"]) == ("#1", Decimal("-25.00"), "order N1 returned after the payout")
    total = one(rows["incentive-totals"], rep_id="R1")
    assert (total["components_pay"], total["adjustments_value"], total["total_pay"]) == (
        Decimal("714.96"), Decimal("-25.00"), Decimal("689.96"))  # with the contest's second prize
    assert total["cost_of_sales"] == pytest.approx(689.96 / 202)  # per unit of R1's turnover


def test_a_rep_who_joined_mid_period_is_prorated_and_accelerated(out):
    rows, _, _ = out
    quota = one(rows["incentive-statements"], rep_id="R2", component="quota")
    # employed 1 April - 30 June: 91 of the 181 days; target pay 1000 x 0.8 x 91/181 = 402.2099 -> 402.21
    assert quota["proration"] == pytest.approx(91 / 181)
    assert quota["target_pay"] == Decimal("402.21")
    # turnover 176 + 30 = 206 on 245 x 181/365 = 121.49: attainment 1.69557; 1x to 100 %, 1.5x above:
    # 402.21 + 1.5 x 0.69557 x 402.21 = 821.857 -> 821.86, capped at 2 x 402.21 = 804.42
    assert quota["attainment"] == pytest.approx(206 / (245 * 181 / 365))
    assert (quota["tier_from"], quota["tier_rate"]) == (1.0, 1.5)
    assert (quota["pay_before_cap"], quota["pay"], quota["cap_applied"]) == (Decimal("821.86"), Decimal("804.42"), True)
    assert quota["note"] == "prorated: employed 50.3% of the period to date"
    total = one(rows["incentive-totals"], rep_id="R2")  # + 10 % of C4's 30 of P1
    assert (total["target_pay"], total["total_pay"]) == (Decimal("502.76"), Decimal("907.42"))  # + the first prize


def test_the_contest_ranks_on_turnover_and_skips_the_rep_without_one(out):
    rows, _, _ = out
    s = rows["incentive-statements"]
    first, second = one(s, rep_id="R2", step="contest"), one(s, rep_id="R1", step="contest")
    assert (first["actual"], first["rank"], first["pay"], first["note"]) == (206.0, 1, Decimal("100.00"), None)
    assert (second["actual"], second["rank"], second["pay"]) == (202.0, 2, Decimal("50.00"))
    unranked = one(s, rep_id="R3", step="contest")
    assert (unranked["rank"], unranked["pay"], unranked["note"]) == (
        None, Decimal("0.00"), "not ranked: turnover_value is unknown for R3")


def test_tied_reps_split_the_prizes_of_their_places():
    from saleskpi.analyses.incentives import contest_prizes
    from saleskpi.analyses.incentives.plans import Contest

    k = Contest(name="c", measure="turnover_value", prizes=[100, 50, 20], min_value=10)
    won = contest_prizes(k, {"A": 500.0, "B": 300.0, "C": 300.0, "D": 300.0, "E": 5.0, "F": None})
    # B, C, D share places 2-4: (50 + 20 + 0) / 3 = 23.333 -> 23.33 each; E is below min_value, F unknown
    assert won == {"A": (1, Decimal("100.00")), "B": (2, Decimal("23.33")), "C": (2, Decimal("23.33")),
                   "D": (2, Decimal("23.33"))}
    assert contest_prizes(k, {"A": 50.0, "B": 50.0}) == {"A": (1, Decimal("75.00")), "B": (1, Decimal("75.00"))}


def test_the_team_totals_sum_their_reps_and_are_unknown_when_one_is(out):
    rows, _, ws = out
    teams = {t["team_id"]: t for t in rows["incentive-team-totals"]}
    assert sorted(teams) == ["M1", "M2"]
    # M1 is R1 alone: 1000 of target pay, 714.96 on components, the clawback -25, 689.96 on 202 of turnover
    m1 = teams["M1"]
    assert (m1["reps_paid"], m1["target_pay"], m1["components_pay"], m1["pools_pay"], m1["adjustments_value"],
            m1["total_pay"], m1["note"]) == (1, Decimal("1000.00"), Decimal("714.96"), Decimal("0.00"),
                                             Decimal("-25.00"), Decimal("689.96"), None)
    assert m1["cost_of_sales"] == pytest.approx(689.96 / 202) and m1["period"] == "2025" and m1["currency"] == "EUR"
    # M2: R2 (502.76 of prorated target pay, 907.42 in all) and R3, whose pay is unknown (no sales, no target)
    m2 = teams["M2"]
    assert (m2["reps_paid"], m2["target_pay"], m2["components_pay"], m2["pools_pay"], m2["adjustments_value"]) == (
        2, Decimal("1502.76"), None, Decimal("0.00"), Decimal("0.00"))
    assert (m2["total_pay"], m2["cost_of_sales"], m2["note"]) == (
        None, None, "total not computed: no total for R3 (see their statements)")


def test_the_team_totals_are_seen_by_the_teams_manager_not_by_its_reps(out):
    from saleskpi.access import Scope

    _, _, ws = out

    def teams(scope):
        return sorted(results.read(ws.con, "incentive-team-totals", scope=scope).team_id.to_pyarrow().to_pylist())

    assert teams(Scope("rep", rep_id="R2")) == [] and teams(Scope("manager", team_ids={"M2"})) == ["M2"]
    assert teams(Scope("compensation")) == teams(Scope("director")) == ["M1", "M2"]


def test_a_rep_without_sales_or_target_gets_no_pay_and_the_reason(out):
    rows, report, _ = out
    for c in ("quota", "target products"):
        r = one(rows["incentive-statements"], rep_id="R3", component=c)
        assert r["pay"] is None and r["pay_before_cap"] is None
        assert r["note"] == "no pay: the sales result has no row for R3 in 2025 (no sales and no target in the period)"
    total = one(rows["incentive-totals"], rep_id="R3")
    assert total["total_pay"] is None and total["components_pay"] is None and total["cost_of_sales"] is None
    assert total["note"] == "total not computed: no pay on quota, target products (see the statement)"
    assert ("incentives: plan 'Field': 1 rep(s) have no row in the sales result for 2025 (R3), so they get no pay; "
            "their statements say so.") in report.warnings


def test_no_target_means_no_pay_never_zero(out):
    _, _, ws = out
    raw(ws.con).execute("DELETE FROM targets WHERE key = 'R2'")
    try:
        report = compute(ws, only=["incentives"], as_of=AS_OF)
        s = results.read(ws.con, "incentive-statements").to_pyarrow().to_pylist()
    finally:
        raw(ws.con).execute("INSERT INTO targets (period, level, key, kpi, target) VALUES "
                            "('2025', 'rep', 'R2', 'turnover_value', 245)")
    quota = one(s, rep_id="R2", component="quota")
    assert quota["pay"] is None and quota["target"] is None
    assert quota["note"].startswith("no pay: no target for R2 in 2025 (targets, level rep, kpi turnover_value); "
                                    "import the targets to compute it")
    assert one(s, rep_id="R2", component="target products")["pay"] == Decimal("3.00")
    assert any("1 rep(s) have no target for 2025" in w for w in report.warnings)


def test_a_plan_for_another_period_or_an_unknown_rep_is_refused(out, tmp_path):
    _, _, ws = out
    path = ws.path / "plans" / "field.toml"
    try:
        path.write_text(PLAN.replace('period = "year"', 'period = "month"').replace('"R1"', '"R9"'), encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            compute(ws, only=["incentives"], as_of=AS_OF)
    finally:
        path.write_text(PLAN, encoding="utf-8")
    assert str(caught.value) == (
        f"{path}: 2 invalid plan definition(s):\n"
        "  - period: the plan pays per month, the workspace reports per year ([sales] period in settings.toml); "
        "write period = \"year\" or change the setting\n"
        "  - [[adjustment]] #1 rep_id: 'R9' is not a rep of the plan; use a rep_id of the reps table of an eligible "
        "role (roles) and, when the plan lists them, of reps")


def test_the_cli_refuses_a_bad_plan_with_exit_code_3(tmp_path):
    import subprocess
    import sys

    ws = Workspace.init(tmp_path / "ws")
    raw(ws.con).execute(SMALL_COMPANY)
    ws.close()
    plan = tmp_path / "ws" / "plans" / "field.toml"
    plan.parent.mkdir()
    plan.write_text(PLAN.replace("weight = 0.8", "weight = 0.9"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "saleskpi", "compute", str(tmp_path / "ws")],
                          capture_output=True, text=True)
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert (f"{plan}: 1 invalid plan definition(s):\n  - [[component]]: the weights of the components sum to 1.1; "
            "make them sum to 1") in done.stderr


def test_an_empty_measure_means_no_pay_and_a_warning(out):
    _, _, ws = out
    raw(ws.con).execute("UPDATE products SET is_target = false")  # target products unknown: empty, not 0
    try:
        report = compute(ws, only=["incentives"], as_of=AS_OF)
        s = results.read(ws.con, "incentive-statements").to_pyarrow().to_pylist()
    finally:
        raw(ws.con).execute("UPDATE products SET is_target = true WHERE product_id = 'P1'")
    r = one(s, rep_id="R1", component="target products")
    assert r["pay"] is None and r["actual"] is None
    assert r["note"] == "no pay: target_products_value is empty for R1 in 2025 (see sales.note)"
    assert ("incentives: plan 'Field': target_products_value is empty for 2 rep(s) in 2025 (R1, R2), so no pay is "
            "computed on it; sales.note says why.") in report.warnings
