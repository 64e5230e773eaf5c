"""KPIs, scorecard, trend and target consistency on the hand-worked small company
(tests/analyses/conftest.py), computed twice: as of 2025-03-31 and as of 2025-06-30.

Worked out by hand, as of 2025-06-30 (reporting period: the year 2025, 181 of 365 days elapsed;
the data begin on 2024-03-10, so the target falls due linearly, as in sales):
- turnover: company 132 + 50 + 20 + 176 + 30 = 408; R1 (C1) 202; R2 (C3, C4) 206.
  Target due to date: company 1000 × 181/365 = 495.890; attainment 408 / 495.890 = 0.82276
  -> amber with amber_from = 0.82 set in the workspace; R1 500 × 181/365 = 247.945, 202 / 247.945
  = 0.81470 -> red.
- margin rate: cost 92.4 + 35 + 14 + 123.2 + 21 = 285.6, margin 122.4, rate 0.3.
- cost_ratio (the workspace's own KPI, lower is better): (408 − 122.4) / 408 = 0.7; target 0.75,
  not phased: attainment 0.75 / 0.7 = 1.0714 -> green.
- trend: as of 2025-03-31 the company had 202 (C1's lines of February and March), so change
  +206 over 91 days: slope 206 / (91 / 365.25) = 826.83 a year, improving; R1 had 202 and
  still has 202: steady.
- target consistency 2025: company 1000, Σ reps 500 (R1 only): gap 500, share 0.5.
"""

import datetime as dt

import pandas as pd
import pytest

from saleskpi import results
from saleskpi.compute import compute
from saleskpi.engines import raw
from saleskpi.workspace import Workspace

from tests.analyses.conftest import SMALL_COMPANY

OWN_KPI = """
[kpi.cost_ratio]
title_en = "Cost ratio"
title_bg = "Дял на себестойността"
description_en = "Cost / turnover."
description_bg = "Себестойност / оборот."
formula = "(turnover_value - margin) / turnover_value"
unit = "fraction"
direction = "lower"
levels = ["company", "rep"]
owner = "finance"
perspective = "financial"
kind = "lagging"
"""


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    path = tmp_path_factory.mktemp("kpis") / "ws"
    ws = Workspace.init(path)
    raw(ws.con).execute(SMALL_COMPANY)
    raw(ws.con).execute("INSERT INTO targets (period, level, key, kpi, target) VALUES "
                        "('2025', 'company', NULL, 'cost_ratio', 0.75)")
    ws.close()
    settings = (path / "settings.toml").read_text(encoding="utf-8")
    assert "\namber_from = 0.9\n" in settings
    (path / "settings.toml").write_text(settings.replace("\namber_from = 0.9\n", "\namber_from = 0.82\n"),
                                        encoding="utf-8")
    (path / "kpis.toml").write_text(OWN_KPI, encoding="utf-8")
    ws = Workspace.open(path)
    compute(ws, as_of=dt.date(2025, 3, 31))
    compute(ws, as_of=dt.date(2025, 6, 30))
    yield ws
    ws.close()


def rows(ws, name):
    return results.read(ws.con, name).to_pyarrow().to_pandas()


def kpi(ws, name, level, key=""):
    k = rows(ws, "kpis")
    found = k[(k.kpi == name) & (k.level == level) & (k.key == key)]
    assert len(found) == 1
    return found.iloc[0]


def test_turnover_against_the_target_due_to_date(ws):
    company = kpi(ws, "turnover", "company")
    assert company.kpi_actual == 408 and company.kpi_target == 1000
    assert company.target_to_date == pytest.approx(1000 * 181 / 365)
    assert company.kpi_attainment == pytest.approx(408 / (1000 * 181 / 365))
    assert company.status == "amber" and company.perspective == "financial" and company.kind == "lagging"
    r1 = kpi(ws, "turnover", "rep", "R1")
    assert r1.kpi_attainment == pytest.approx(202 / (500 * 181 / 365)) and r1.status == "red" and r1.rep_id == "R1"
    # the same attainment as the sales result's
    sales = rows(ws, "sales")
    stored = sales[(sales.level == "rep") & (sales.key == "R1") & sales.business_line.isna()].iloc[0]
    assert r1.kpi_attainment == pytest.approx(stored.attainment_by_value)
    r2 = kpi(ws, "turnover", "rep", "R2")
    assert r2.kpi_actual == 206 and pd.isna(r2.kpi_target) and pd.isna(r2.status)
    assert "no target for 2025" in r2.note


def test_formulas_and_a_kpi_where_lower_is_better(ws):
    assert kpi(ws, "margin_rate", "company").kpi_actual == pytest.approx(0.3)
    assert kpi(ws, "target_products_share", "company").kpi_actual == pytest.approx(162 / 408)
    cost = kpi(ws, "cost_ratio", "company")
    assert cost.kpi_actual == pytest.approx(0.7) and cost.target_to_date == 0.75  # not phased: a level
    assert cost.kpi_attainment == pytest.approx(0.75 / 0.7) and cost.status == "green"
    # NPS has no survey here: empty, never 0, and the note says why
    nps = kpi(ws, "nps", "company")
    assert pd.isna(nps.kpi_actual) and nps.note.startswith("value empty")


def test_trend_over_the_earlier_run(ws):
    company = kpi(ws, "turnover", "company")
    assert company.previous_actual == 202 and company.change == 206
    assert company.previous_as_of == dt.date(2025, 3, 31) and company.trend_points == 2
    assert company.trend_slope_per_year == pytest.approx(206 / (91 / 365.25))
    assert company.trend == "improving"
    r1 = kpi(ws, "turnover", "rep", "R1")
    assert r1.previous_actual == 202 and r1.trend_slope_per_year == 0 and r1.trend == "steady"
    cost = kpi(ws, "cost_ratio", "company")  # C1's lines of the first quarter cost 70 % too
    assert cost.previous_actual == pytest.approx((92.4 + 35 + 14) / 202) == pytest.approx(0.7)
    assert cost.trend_slope_per_year == pytest.approx(0, abs=1e-9) and cost.trend == "steady"
    growth = kpi(ws, "turnover_growth", "company")  # last year is not covered: no value, no trend
    assert pd.isna(growth.kpi_actual) and growth.trend_points == 0 and pd.isna(growth.trend)


def test_scorecard_by_perspective_and_objective(ws):
    s = rows(ws, "scorecard")
    company = s[s.level == "company"]
    financial = company[(company.perspective == "financial") & company.objective.isna()].iloc[0]
    # turnover (amber), cost_ratio (green); turnover_growth, margin_rate, clv_12m without a target
    assert (financial.kpis, financial.green, financial.amber, financial.red, financial.without_status) == (5, 1, 1, 0, 3)
    assert financial.worst_status == "amber"
    assert financial.mean_attainment == pytest.approx((408 / (1000 * 181 / 365) + 0.75 / 0.7) / 2)
    growth = company[company.objective == "profitable_growth"].iloc[0]
    assert (growth.kpis, growth.amber, growth.green) == (4, 1, 0) and pd.isna(growth.parent_objective)
    wallet = company[company.objective == "win_wallet"].iloc[0]
    assert wallet.parent_objective == "profitable_growth" and pd.isna(wallet.worst_status)
    r1 = s[(s.level == "rep") & (s.key == "R1") & (s.perspective == "financial") & s.objective.isna()].iloc[0]
    assert r1.worst_status == "red" and r1.rep_id == "R1"


def test_consistency_shows_the_gap(ws):
    c = rows(ws, "target-consistency")
    assert len(c) == 1
    row = c.iloc[0]
    assert (row.period, row.kpi, row.parent_level, row.child_level) == ("2025", "turnover_value", "company", "rep")
    assert (row.parent_target, row.children_target_sum, row.target_gap, row.target_gap_share) == (1000, 500, 500, 0.5)
    assert not row.consistent and row.children_with_target == 1


def test_proposals_without_potential_carry_the_turnover(ws):
    p = rows(ws, "target-proposals").set_index(["level", "key"])
    company = p.loc[("company", "")]
    # 12 months to 2025-06-30: B4 (100, September 2024) and the 408 of 2025
    assert company.turnover_value_12m == 508 and company.proposed_target_value == 508
    assert company.customers_without_potential == 4 and company.current_target_value == 1000
    assert company.proposed_vs_current == pytest.approx(0.508) and company.period == "2026"
    customer = p.loc[("customer", "C1")]
    assert pd.isna(customer.proposed_target_value)  # unknown, not 0
    assert customer.note.startswith("no potential")
