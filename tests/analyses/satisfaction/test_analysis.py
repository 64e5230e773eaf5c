"""The satisfaction analysis on the hand-worked company of tests/analyses/conftest.py, with a
few survey answers and invitations whose figures are worked out here.

As-of date 2025-05-05 (the last invoice). 12-month turnover (2024-05-06 .. 2025-05-05):
C1 100 + 132 + 50 + 20 = 302, C2 0, C3 200 + 176 = 376, C4 30. Territories: T1 = C1, C2
(rep R1), T2 = C3, C4 (rep R2). [satisfaction] min_responses = 3, min_response_rate = 0.7.

2025 answers (nps, csat, ces): C1 (10, 5, 2), C1 (9, 4, 3), C2 (6, 3, 5), C3 (8, 4, 1), C4 (10, 5, 2):
3 promoters, 1 detractor of 5 -> NPS 40; CSAT top-2 4/5 = 0.8; CES 13/5 = 2.6.
2024 answers: C1 5, C2 3, C3 10: 1 promoter, 2 detractors of 3 -> NPS -33.33.
"""

import math

import pandas as pd
import pytest
from scipy import stats

from saleskpi import results
from saleskpi.compute import compute
from saleskpi.config import SatisfactionSection
from saleskpi.engines import raw
from saleskpi.workspace import Workspace
from tests.analyses.conftest import SMALL_COMPANY, SMALL_SURVEYS



def _workspace(path, *, surveys: bool):
    ws = Workspace.init(path)
    raw(ws.con).execute(SMALL_COMPANY + (SMALL_SURVEYS if surveys else ""))
    ws.settings = ws.settings.model_copy(update={"satisfaction": SatisfactionSection(
        min_responses=3, min_response_rate=0.7)})
    return ws


@pytest.fixture(scope="module")
def surveyed(tmp_path_factory):
    ws = _workspace(tmp_path_factory.mktemp("sat") / "ws", surveys=True)
    report = compute(ws, only=["satisfaction"])
    yield ws, report
    ws.close()


def rows(ws, name):
    return results.read(ws.con, name).to_pyarrow().to_pandas()


def one(frame, **where):
    for k, v in where.items():
        frame = frame[frame[k].isna()] if v is None else frame[frame[k] == v]
    assert len(frame) == 1, where
    return frame.iloc[0]


def test_company_scores_of_2025(surveyed):
    ws, _ = surveyed
    r = one(rows(ws, "nps"), grouped_by="company", survey_year=2025)
    assert r.responses == 5
    assert r.nps == pytest.approx(40.0)
    # adjusted Wald (the default): p~ = 3.75/8, d~ = 1.75/8, centre 25, SE 100·√((.6875 − .0625)/8) = 27.95
    se = 100 * math.sqrt((0.6875 - 0.0625) / 8)
    assert r.nps_se == pytest.approx(se)
    assert (r.nps_ci_low, r.nps_ci_high) == pytest.approx((25 - 1.959964 * se, 25 + 1.959964 * se), abs=1e-4)
    assert r.csat_top2 == pytest.approx(0.8)
    assert r.ces == pytest.approx(2.6)
    # value-weighted: weights 302, 302, 0, 376, 30; promoters 302 + 302 + 30 = 634 of 1010, no detractor left
    assert r.nps_value_weighted == pytest.approx(100 * 634 / 1010)
    # every level has fewer than 5 answers: pooled into one, so the raked weights are equal (4/5 each)
    assert r.nps_weighted == pytest.approx(40.0)
    assert r.effective_responses == pytest.approx(5.0)
    assert pd.isna(r.note)


def test_groups_with_too_few_answers_say_so_instead_of_a_number(surveyed):
    ws, _ = surveyed
    t = rows(ws, "nps")
    t1 = one(t, grouped_by="territory", group_id="T1", survey_year=2025)
    assert t1.responses == 3 and t1.nps == pytest.approx(100 / 3)  # 10, 9, 6: 2 promoters, 1 detractor
    assert t1.territory_id == "T1" and pd.isna(t1.rep_id)
    t2 = one(t, grouped_by="territory", group_id="T2", survey_year=2025)
    assert t2.note == "too few responses (n = 2)"
    assert math.isnan(t2.nps) and math.isnan(t2.csat_top2) and math.isnan(t2.ces)
    r2 = one(t, grouped_by="rep", group_id="R2", survey_year=2025)
    assert r2.rep_id == "R2" and r2.note == "too few responses (n = 2)" and math.isnan(r2.nps)
    # 2024 answers have no CSAT or CES: the NPS is there, the others say why not
    y24 = one(t, grouped_by="company", survey_year=2024)
    assert y24.nps == pytest.approx(-100 / 3)
    assert math.isnan(y24.csat_top2) and y24.note == "csat: too few responses (n = 0); ces: too few responses (n = 0)"


def test_change_between_years_with_its_test(surveyed):
    ws, _ = surveyed
    r = one(rows(ws, "nps-change"), grouped_by="company", survey_year=2025)
    assert r.previous_year == 2024
    assert r.nps_change == pytest.approx(40 + 100 / 3)
    se25 = 100 * math.sqrt((0.6 + 0.2 - 0.4**2) / 5)  # Wald: p .6, d .2
    se24 = 100 * math.sqrt((1 / 3 + 2 / 3 - (1 / 3) ** 2) / 3)  # p 1/3, d 2/3
    z = (40 + 100 / 3) / math.hypot(se25, se24)
    assert r.z == pytest.approx(z)
    assert r.pvalue == pytest.approx(2 * stats.norm.sf(z))
    assert not r.significant
    # T2 had 2 answers in 2025 and 1 in 2024 (C3): the change is not computed, the thinner year named
    t2 = one(rows(ws, "nps-change"), grouped_by="territory", group_id="T2")
    assert t2.note == "too few responses (n = 1) in 2024" and math.isnan(t2.nps_change)


def test_response_rates_and_responders_against_non_responders(surveyed):
    ws, report = surveyed
    nr = rows(ws, "nonresponse")
    company = one(nr, grouped_by="company")
    assert (company.survey_year, company.invited, company.responded) == (2025, 8, 5)
    assert company.response_rate == pytest.approx(5 / 8)
    assert one(nr, grouped_by="territory", group_id="T1").response_rate == pytest.approx(3 / 4)
    assert one(nr, grouped_by="territory", group_id="T2").response_rate == pytest.approx(2 / 4)
    assert one(nr, grouped_by="industry", group_id="(unknown)").invited == 8
    test = rows(ws, "nonresponse-test")
    turnover = one(test, compared_on="turnover_value_12m")
    # responders: 302, 302, 0, 376, 30 (mean 202); non-responders: C2 0, C3 376, C4 30 (mean 135.33)
    assert (turnover.responders, turnover.non_responders) == (5, 3)
    assert turnover.responders_mean == pytest.approx(202.0)
    assert turnover.non_responders_mean == pytest.approx(406 / 3)
    u = stats.mannwhitneyu([302, 302, 0, 376, 30], [0, 376, 30], alternative="two-sided")
    assert (turnover.statistic, turnover.pvalue) == pytest.approx((u.statistic, u.pvalue))
    assert turnover.test == "mann-whitney" and not turnover.significant
    said = "\n".join(report.warnings)
    assert ("satisfaction: the response rate of the 2025 survey is 62% (5 of 8 invitations), below "
            "[satisfaction] min_response_rate (70%)") in said
    assert "responders differ" not in said


def test_no_surveys_says_what_to_import(tmp_path):
    ws = _workspace(tmp_path / "ws", surveys=False)
    try:
        report = compute(ws, only=["satisfaction"])
        said = "\n".join(report.warnings)
        assert ("satisfaction: no survey answers up to the as-of date: the satisfaction results (nps, nps-change, "
                "non-response, drivers, response styles, survey selection, mismatch, links) are empty. To fill "
                "them, import the survey answers") in said
        assert "'saleskpi import DIR surveys FILE'" in said and "survey_invitations" in said
        for name in ("nps", "nonresponse", "drivers", "response-styles", "survey-selection", "mislead",
                     "satisfaction-links"):
            assert rows(ws, name).empty, name
        assert report.stored["abc"] == 4  # the other analyses still run
    finally:
        ws.close()


def test_selection_without_selected_by_says_it_cannot_be_checked(surveyed):
    """The hand-worked invitations do not say who chose the invitee: one '(not recorded)' row
    (8 invitations of 4 customers, 5 answered, NPS 40) and a warning naming the column to fill."""
    ws, report = surveyed
    r = one(rows(ws, "survey-selection"), survey_year=2025)
    assert (r.selected_by, r.invitations, r.invited_customers, r.base_customers, r.answered) == (
        "(not recorded)", 8, 4, 4, 5)
    assert r.nps == pytest.approx(40.0)
    assert r.invitees_turnover_mean == pytest.approx((302 * 2 + 0 * 2 + 376 * 2 + 30 * 2) / 8)
    assert r.base_turnover_mean == pytest.approx((302 + 0 + 376 + 30) / 4)
    assert any("do not record who chose the invitee" in w and "selected_by" in w for w in report.warnings)


def test_no_attribute_scores_leaves_drivers_empty_and_says_so(surveyed):
    ws, report = surveyed
    assert rows(ws, "drivers").empty and rows(ws, "response-styles").empty
    assert any("drivers: the survey answers have no attribute scores (score_* columns)" in w for w in report.warnings)


def test_links_and_mismatch_without_behaviour_say_so(surveyed):
    """Four customers, no potential (no share of wallet), too few purchases for a clv fit and no
    sales last year (no growth): every link is 'too few responses (n = 0)', nobody is listed."""
    ws, _ = surveyed
    links = rows(ws, "satisfaction-links").set_index("satisfaction_link")
    assert list(links.index) == ["share_of_wallet", "p_alive", "growth_vs_last_year"]
    assert (links["customers_compared"] == 0).all() and links["link_rho"].isna().all()
    assert (links["note"] == "too few responses (n = 0)").all()
    assert rows(ws, "mislead").empty
