"""The loyalty analysis on the hand-worked small company (tests/analyses/conftest.py), as of
2025-06-30: C1, C3 bought in the 12 months to it (2024-07-01 .. 2025-06-30) and C4 too; C2 did not.

Members: C1 enrolled 2025-01-10 (current); C3 enrolled 2024-06-01 and left 2025-04-01 (not current).
Events: C1 earns 100 (2025-02-01), redeems 50 at cost 0.40 (2025-03-01), 10 expire (2025-04-01);
C1 earns 20 on 2025-01-05 (before its enrolment: reported); C2 earns 5 (not a member: reported).
So: customers 4, members 1, enrolment 1/4; active 1/1 (C1 bought N1, N2 in 2025); participation 1/1
(C1 redeemed in the 12 months); issued 125, redeemed 50, expired 10, outstanding 65; redemption
50/125 = 0.4; breakage 10/(50 + 10) = 1/6; cost per point 0.40/50 = 0.008 from the events, or
0.01 from [loyalty] cost_per_point; liability 65 × 0.008 = 0.52.
Churn: bought in 2023-07-01 .. 2024-06-30: C1, C2, C3. Members before 2024-07-01: C3 (enrolled
2024-06-01, left later) -> bought again (N3 2025-04-01): churn 0/1. Non-members (never enrolled):
C2 -> lost: churn 1/1. Gap −1. No member has 12 months before and after: the lift is empty, said so.
"""

import datetime as dt

import pytest

from saleskpi import results
from saleskpi.compute import compute
from saleskpi.engines import raw
from saleskpi.errors import ConfigError
from saleskpi.workspace import Workspace
from tests.analyses.conftest import SMALL_COMPANY

LOYALTY = """
    INSERT INTO loyalty_members (customer_id, enrolled_on, tier, left_on) VALUES
        ('C1', '2025-01-10', 'gold', NULL), ('C3', '2024-06-01', 'standard', '2025-04-01');
    INSERT INTO loyalty_events (event_id, customer_id, date, kind, points, cost) VALUES
        ('E1', 'C1', '2025-02-01', 'earn', 100, NULL), ('E2', 'C1', '2025-03-01', 'redeem', 50, 0.40),
        ('E3', 'C1', '2025-04-01', 'expire', 10, NULL), ('E4', 'C1', '2025-01-05', 'earn', 20, NULL),
        ('E5', 'C2', '2025-02-01', 'earn', 5, NULL);
"""
AS_OF = dt.date(2025, 6, 30)


@pytest.fixture()
def company(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    raw(ws.con).execute(SMALL_COMPANY + LOYALTY)
    yield ws
    ws.close()


def kpis(ws):
    return results.read(ws.con, "loyalty").to_pyarrow().to_pandas().set_index("programme_kpi")


def test_the_kpis_are_the_hand_worked_figures(company):
    report = compute(company, only=["loyalty"], as_of=AS_OF)
    k = kpis(company)
    expected = {"customers": 4, "members": 1, "enrolment_rate": 0.25, "active_rate": 1.0, "participation_rate": 1.0,
                "non_participation_rate": 0.0, "points_issued_to_date": 125, "points_redeemed_to_date": 50,
                "points_expired_to_date": 10, "points_outstanding": 65, "redemption_rate": 0.4,
                "breakage_rate": 1 / 6, "cost_per_point": 0.008, "liability_value": 0.52, "reward_cost_12m": 0.40,
                "churn_rate_members": 0.0, "churn_rate_non_members": 1.0, "churn_gap": -1.0}
    for kpi, value in expected.items():
        assert k.loc[kpi, "programme_figure"] == pytest.approx(value), kpi
    assert k.loc["cost_per_point", "note"] == "loyalty_events.cost / points redeemed"
    assert (k.loc["redemption_rate", "numerator"], k.loc["redemption_rate", "denominator"]) == (50, 125)
    # the lift cannot be measured: empty, never 0, with the reason, and a warning
    for kpi in ("purchases_lift", "margin_lift", "roi"):
        assert k.loc[kpi, "programme_figure"] != k.loc[kpi, "programme_figure"] and "12 months" in k.loc[kpi, "note"]
    lift = results.read(company.con, "loyalty-lift").to_pyarrow().to_pandas()
    assert lift.lift.isna().all() and lift.note.str.contains("window_months").all()
    w = "\n".join(report.warnings)
    assert "the lift cannot be measured" in w
    assert "1 loyalty event(s) of customers who are not members (loyalty_members): E5 (C2, 2025-02-01)" in w
    assert "1 loyalty event(s) dated before the member's enrolment (loyalty_members.enrolled_on): E4" in w
    assert "no programme goals (loyalty.toml" in w


def test_the_cost_per_point_setting_and_the_goals_file(company):
    settings = company.path / "settings.toml"
    text = settings.read_text(encoding="utf-8")
    assert "# cost_per_point = 0.006" in text  # the template's commented example
    settings.write_text(text.replace("# cost_per_point = 0.006", "cost_per_point = 0.01"), encoding="utf-8")
    (company.path / "loyalty.toml").write_text(
        'programme = "Club"\n[[goal]]\nname = "reach"\nkpi = "enrolment_rate"\ntarget = 0.3\n'
        '[[goal]]\nname = "cheap"\nkpi = "liability_value"\ntarget = 1\ndirection = "at_most"\n'
        '[[goal]]\nname = "reach more"\nkpi = "enrolment_rate"\ntarget = 0.2\n', encoding="utf-8")
    ws = Workspace.open(company.path)
    try:
        compute(ws, only=["loyalty"], as_of=AS_OF)
        k = kpis(ws)
    finally:
        ws.close()
    assert k.loc["cost_per_point", "programme_figure"] == 0.01 and k.loc["cost_per_point", "note"] == "[loyalty] cost_per_point"
    assert k.loc["liability_value", "programme_figure"] == pytest.approx(0.65)
    assert (k.loc["enrolment_rate", "goal"], k.loc["enrolment_rate", "goal_target"], k.loc["enrolment_rate", "target_met"]) \
        == ("reach", 0.3, False)
    assert (k.loc["liability_value", "goal_direction"], bool(k.loc["liability_value", "target_met"])) == ("at_most", True)
    # a second goal on the same KPI gets its own row
    second = k.loc["enrolment_rate#reach more"]
    assert (second.programme_figure, second.goal, second.goal_target, bool(second.target_met)) == (0.25, "reach more", 0.2, True)


def test_a_bad_goals_file_is_refused_with_the_file_and_the_key(company):
    (company.path / "loyalty.toml").write_text(
        'programme = "Club"\n[[goal]]\nname = "reach"\nkpi = "enrolment"\ntarget = "half"\n'
        'direction = "more"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        compute(company, only=["loyalty"], as_of=AS_OF)
    text = str(err.value)
    assert text.startswith(f"{company.path / 'loyalty.toml'}: 3 invalid loyalty goal definition(s):")
    assert "[[goal]] #1 kpi: 'enrolment' is not a KPI of loyalty" in text
    assert "[[goal]] #1 target: must be a number" in text
    assert "[[goal]] #1 direction: must be one of at_least, at_most, got 'more'" in text


def test_no_loyalty_data_says_what_to_import_and_the_rest_runs(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    try:
        raw(ws.con).execute(SMALL_COMPANY)
        report = compute(ws, as_of=AS_OF)
        assert report.stored["abc"] > 0 and "loyalty-lift" in report.stored
        k = kpis(ws)
        assert k.loc["members", "programme_figure"] == 0 and k.loc["active_rate", "programme_figure"] != k.loc["active_rate", "programme_figure"]
        assert "import loyalty_members" in k.loc["active_rate", "note"]
        assert any("no loyalty programme members" in w and "loyalty_members" in w for w in report.warnings)
    finally:
        ws.close()


def test_compute_from_the_cli_refuses_a_bad_goals_file_with_a_config_error(company):
    # saleskpi.cli.main turns a ConfigError into its message and exit code 3
    from typer.testing import CliRunner

    from saleskpi.cli import app

    (company.path / "loyalty.toml").write_text('programme = ""\n', encoding="utf-8")
    company.close()
    out = CliRunner().invoke(app, ["compute", str(company.path), "--as-of", "2025-06-30"])
    assert isinstance(out.exception, ConfigError) and out.exception.exit_code == 3
    text = str(out.exception)
    assert text.startswith(f"{company.path / 'loyalty.toml'}: 2 invalid loyalty goal definition(s):")
    assert "programme: must be a name, such as 'Bonus club'; got ''" in text and "[[goal]]: missing; add it" in text


def test_the_example_goals_file_loads():
    from saleskpi.analyses.loyalty import EXAMPLE_GOALS
    from saleskpi.analyses.loyalty.goals import Programme
    from saleskpi.definitions import load_definitions

    p = load_definitions(EXAMPLE_GOALS, Programme)
    assert [g.kpi for g in p.goal] == ["enrolment_rate", "participation_rate", "purchases_lift", "churn_gap", "roi"]
    assert p.goal[3].direction == "at_most" and p.goal[2].target == 0.05
