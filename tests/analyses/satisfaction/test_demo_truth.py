"""The satisfaction analysis on a small demo company (300 customers, 3 years, seed 5) against
the generator's hidden truth (saleskpi.demo.generator: surveys go to a random 30 % and to
customers the reps pick, the happier ones, who also answer more kindly in front of the rep; a
random invitee answers with P = logistic(−0.6 + 0.5·satisfaction + 0.3·size)).

Measured on this company when the test was written: raw company NPS 61.3 / 45.0 / 66.7 in the
2024-26 waves against a true NPS of all active customers of 13.6 / 17.2 / 22.9; the random
invitees' answers (all waves) give an NPS whose interval holds their expected NPS.
"""

import numpy as np
import pytest

from saleskpi import results
from saleskpi.analyses.satisfaction import nps, top_box_share
from saleskpi.compute import compute
from saleskpi.demo import build_demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = build_demo(tmp_path_factory.mktemp("sat-demo") / "ws", customers=300, years=3, seed=5)
    report = compute(ws, only=["satisfaction"])
    yield ws, report
    ws.close()


def frame(ws, name):
    t = results.read(ws.con, name) if results.table_name(name) in ws.con.list_tables() else ws.table(name)
    return t.to_pyarrow().to_pandas()


def answers_with_truth(ws):
    s = frame(ws, "surveys").merge(frame(ws, "survey_invitations")[["invitation_id", "selected_by"]],
                                   on="invitation_id")
    return s.merge(frame(ws, "truth_satisfaction"), on="customer_id")


def test_raw_scores_overstate_the_true_nps_of_the_customer_base(demo):
    """The bias the course warns of: those who answer (and those the reps pick) are the happier."""
    ws, _ = demo
    company = frame(ws, "nps").query("grouped_by == 'company'").set_index("survey_year")
    waves = frame(ws, "truth_survey_waves")
    assert len(waves) == 3
    for wave in waves.itertuples():
        measured = company.loc[wave.sent_on.year]
        assert measured.responses == wave.responded
        assert measured.nps > wave.true_nps + 20
        assert measured.csat_top2 > wave.true_csat_top2_pct / 100
    # the figures docs/satisfaction.md quotes
    assert company["nps"].round(1).tolist() == [61.3, 45.0, 66.7]
    assert company["nps_weighted"].round(1).tolist() == [55.9, 49.4, 76.4]
    assert company["nps_value_weighted"].round(1).tolist() == [60.5, 71.8, 73.8]
    assert waves["true_nps"].round(1).tolist() == [13.6, 17.2, 22.9]


def test_random_invitees_answers_match_their_expected_scores(demo):
    """Random invitees answer without the rep's presence: their NPS and CSAT estimate the
    truth of the customers who answered (mean P(promoter) − P(detractor), mean P(CSAT >= 4))."""
    ws, _ = demo
    a = answers_with_truth(ws).query("selected_by == 'random'")
    assert len(a) >= 50
    e = nps(a["nps"], method="adjusted-wald")
    expected = 100 * (a["p_promoter"] - a["p_detractor"]).mean()
    assert e.ci_low <= expected <= e.ci_high
    c = top_box_share(a["csat"], top=4, low=1, high=5)
    assert c.ci_low <= a["p_csat_top2"].mean() <= c.ci_high


def test_response_rate_and_non_response_bias(demo):
    ws, report = demo
    rate = frame(ws, "nonresponse").query("grouped_by == 'company'").iloc[0]
    inv = frame(ws, "survey_invitations")
    inv = inv[inv["sent_on"].map(lambda d: d.year) == rate.survey_year].merge(
        frame(ws, "truth_satisfaction"), on="customer_id")
    p = np.where(inv["selected_by"] == "rep", inv["response_probability_rep_selected"], inv["response_probability"])
    assert rate.invited == len(inv)
    assert rate.response_rate_ci_low <= p.mean() <= rate.response_rate_ci_high
    # larger customers answer more often (size in the response logit): responders buy more
    test = frame(ws, "nonresponse-test").set_index("compared_on")
    assert test.loc["turnover_value_12m", "responders_mean"] > test.loc["turnover_value_12m", "non_responders_mean"]
    assert test.loc["turnover_value_12m", "significant"]
    # the p-values docs/satisfaction.md quotes
    assert round(test.loc["turnover_value_12m", "pvalue"], 3) == 0.013
    assert round(test.loc["share_of_wallet_by_value", "pvalue"], 3) == 0.007
    assert any("responders differ from the non-responders in turnover_value_12m" in w for w in report.warnings)
