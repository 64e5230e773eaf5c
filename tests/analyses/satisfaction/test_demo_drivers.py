"""Drivers, response styles, respondent selection and behaviour on a demo company large enough
for the attribute weights to be told apart (3,000 customers, 3 years, seed 5: 980 answers),
against the generator's hidden truth (saleskpi.demo.generator: satisfaction = Σ true_weight ×
attribute perception + noise, with a halo common to the attributes; reps pick the happier of
their customers to survey, who answer in front of the rep; dropout falls with satisfaction).

Measured when the test was written: derived importance delivery 0.107, quality 0.082, service
0.058, range 0.042, price 0.015 of R² 0.304 (the true weights 0.38 / 0.27 / 0.20 / 0.10 / 0.05
in that order), while the stated importance puts price first (4.60 of 5). Rep-chosen answers
NPS 77.1 / 79.6 / 73.2 against the random invitees' 33.9 / 34.3 / 41.0 (2024-26).
"""

import math

import pandas as pd
import pytest
from scipy import stats

from saleskpi.analyses.satisfaction import nps
from saleskpi.compute import compute
from saleskpi.demo import build_demo
from tests.analyses.satisfaction.test_demo_truth import frame

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = build_demo(tmp_path_factory.mktemp("sat-drivers") / "ws", customers=3000, years=3, seed=5)
    report = compute(ws, only=["satisfaction"])
    yield ws, report
    ws.close()


def test_derived_importance_ranks_the_attributes_as_the_truth_does(demo):
    ws, _ = demo
    d = frame(ws, "drivers").set_index("attribute")
    truth = frame(ws, "truth_attribute_importance").set_index("attribute")
    true_order = truth["true_weight"].sort_values(ascending=False).index.tolist()
    assert d["relative_weight"].sort_values(ascending=False).index.tolist() == true_order
    assert d["lmg_weight"].sort_values(ascending=False).index.tolist() == true_order
    assert d["derived_rank"].loc[true_order].tolist() == [1, 2, 3, 4, 5]
    assert d["relative_weight"].sum() == pytest.approx(d["r_squared"].iloc[0])
    assert d["lmg_weight"].sum() == pytest.approx(d["r_squared"].iloc[0])
    assert d["relative_weight_share"].sum() == pytest.approx(1.0)
    # the figures the module docstring and docs/satisfaction.md quote
    assert d["relative_weight"].loc[true_order].round(3).tolist() == [0.107, 0.082, 0.058, 0.042, 0.015]
    assert round(d["r_squared"].iloc[0], 3) == 0.304 and (d["complete_answers"] == 980).all()
    # stated importance: the ceiling, and price (truly the least) said to matter most
    assert d.loc["price", "stated_rank"] == 1 and round(d.loc["price", "stated_importance"], 2) == 4.60
    s = frame(ws, "surveys")
    assert d.loc["delivery", "stated_importance"] == pytest.approx(s["importance_delivery"].mean())


def test_rep_chosen_respondents_are_the_happier_ones(demo):
    ws, report = demo
    sel = frame(ws, "survey-selection").set_index(["survey_year", "selected_by"])
    truth = frame(ws, "truth_satisfaction").set_index("customer_id")["latent_satisfaction"]
    inv = frame(ws, "survey_invitations")
    inv["year"] = pd.to_datetime(inv["sent_on"]).dt.year
    for year in (2024, 2025, 2026):
        rep, rand = sel.loc[(year, "rep")], sel.loc[(year, "random")]
        assert rep.nps > rand.nps and rep.pvalue < 0.001
        assert rep.nps_gap_vs_random == pytest.approx(rep.nps - rand.nps)
        chosen = inv[inv["year"] == year].groupby("selected_by")["customer_id"]
        assert truth[chosen.get_group("rep")].mean() > truth[chosen.get_group("random")].mean() + 0.5
        assert rep.invitations == len(chosen.get_group("rep")) and rep.base_customers == 3000
    assert [round(sel.loc[(y, "rep"), "nps"], 1) for y in (2024, 2025, 2026)] == [77.1, 79.6, 73.2]
    assert [round(sel.loc[(y, "random"), "nps"], 1) for y in (2024, 2025, 2026)] == [33.9, 34.3, 41.0]
    assert any("answers of customers the reps chose give an NPS +43.1 points" in w for w in report.warnings)
    # the figures docs/satisfaction.md quotes: 180 rep-chosen invitees a year, 46-59 % in class A, base 27 %
    assert [sel.loc[(y, "rep"), "invitations"] for y in (2024, 2025, 2026)] == [180, 180, 180]
    assert [round(sel.loc[(y, "rep"), "invitees_class_a_share"], 2) for y in (2024, 2025, 2026)] == [0.51, 0.46, 0.59]
    assert round(sel["base_class_a_share"].iloc[0], 2) == 0.27


def test_response_style_indices_by_hand(demo):
    """ARS: Σ max(0, x − 3) / items; ERS: share of 1s and 5s; straight-lining: equal score_*."""
    ws, _ = demo
    rs = frame(ws, "response-styles").set_index("response_id")
    s = frame(ws, "surveys").set_index("response_id")
    items = s[[c for c in s.columns if c.startswith(("score_", "importance_"))]].astype(float)
    assert len(items.columns) == 10 and (rs["scale"] == "1-5").all()
    assert rs["acquiescence_index"].to_numpy() == pytest.approx((items - 3).clip(lower=0).mean(axis=1)[rs.index])
    assert rs["extreme_index"].to_numpy() == pytest.approx(items.isin([1, 5]).mean(axis=1)[rs.index])
    sc = s[[c for c in s.columns if c.startswith("score_")]]
    assert (rs["straight_lining"] == (sc.nunique(axis=1) == 1)[rs.index]).all()
    cut = rs["acquiescence_index"].mean() + 2 * rs["acquiescence_index"].std()
    assert (rs["acquiescence"].astype(bool) == (rs["acquiescence_index"] > cut)).all()
    assert 0 < rs["straight_lining"].sum() < len(rs) and 0 < rs["extreme_response"].astype(bool).sum() < len(rs)


def latest(ws):
    s = frame(ws, "surveys").sort_values(["customer_id", "date", "response_id"]).groupby("customer_id").tail(1)
    return s.set_index("customer_id")["nps"].astype(float)


def test_links_of_satisfaction_with_share_of_wallet_and_p_alive(demo):
    ws, _ = demo
    links = frame(ws, "satisfaction-links").set_index("satisfaction_link")
    answer = latest(ws)
    clv = frame(ws, "clv").set_index("customer_id")["p_alive"].astype(float)
    abc = frame(ws, "abc").set_index("customer_id")["share_of_wallet_by_value"].astype(float)
    for link, behaviour in (("p_alive", clv), ("share_of_wallet", abc)):
        d = pd.concat([answer, behaviour.reindex(answer.index)], axis=1).dropna()
        rho, p = stats.spearmanr(d.iloc[:, 0], d.iloc[:, 1])
        row = links.loc[link]
        assert (row.customers_compared, row.link_rho, row.pvalue) == pytest.approx((len(d), rho, p))
        half = stats.norm.ppf(0.975) * 1.03 / math.sqrt(len(d) - 3)
        assert (row.link_rho_ci_low, row.link_rho_ci_high) == pytest.approx(
            (math.tanh(math.atanh(rho) - half), math.tanh(math.atanh(rho) + half)))
        assert row.link_rho > 0 and row.significant  # the generator: satisfied customers stay and buy more
    truth = frame(ws, "truth_satisfaction").set_index("customer_id")["latent_satisfaction"]
    assert stats.spearmanr(truth[answer.index], clv.reindex(answer.index), nan_policy="omit")[0] > 0
    assert round(links.loc["share_of_wallet", "link_rho"], 3) == 0.263
    assert round(links.loc["p_alive", "link_rho"], 3) == 0.106


def test_mismatch_lists_exactly_the_customers_whose_behaviour_contradicts_their_answer(demo):
    ws, _ = demo
    m = frame(ws, "mislead").set_index("customer_id")
    answer = latest(ws)
    sales = frame(ws, "sales")
    growth = sales[(sales["level"] == "customer") & sales["business_line"].isna()].set_index("customer_id")[
        "growth_value_vs_ly"].astype(float).reindex(answer.index)
    alive = frame(ws, "clv").set_index("customer_id")["p_alive"].astype(float).reindex(answer.index)
    promoter_leaving = (answer >= 9) & ((growth <= -0.1) | (alive < 0.5))
    detractor_growing = (answer <= 6) & (growth >= 0.1)
    assert set(m.index) == set(answer.index[promoter_leaving | detractor_growing])
    assert set(m.index[m["mismatch"] == "detractor, buying more"]) == set(answer.index[detractor_growing])
    assert promoter_leaving.sum() > 0 and detractor_growing.sum() > 0
    one = m.index[m["mismatch"] == "detractor, buying more"][0]
    assert m.loc[one, "evidence"].startswith(f"nps {int(answer[one])} on ")
    assert f"turnover {growth[one]:+.0%} against the same dates last year" in m.loc[one, "evidence"]


def test_weighted_nps_is_closer_to_the_truth_but_raking_cannot_remove_the_bias(demo):
    """Raking to class, territory and industry removes the part of the non-response that runs
    through size (larger customers answer more: they are more often class A). The generator's
    response also rises with satisfaction itself, and reps pick their happier customers: no CRM
    margin sees that, so most of the bias stays. Weighting the random invitees' answers by the
    generator's true 1 / P(answer) (which no real survey knows) does recover the truth.

    Measured: raw 54.0 / 54.2 / 54.3, weighted 46.2 / 49.9 / 39.9, true 18.0 / 20.1 / 20.6 (2024-26).
    (On the 300-customer demo of test_demo_truth the weighted NPS is closer in 2024 only: with
    ~35 answers a wave the raking weights are noisy.)"""
    ws, _ = demo
    company = frame(ws, "nps").query("grouped_by == 'company'").set_index("survey_year")
    truth = frame(ws, "truth_survey_waves").set_index(pd.to_datetime(frame(ws, "truth_survey_waves")["sent_on"]).dt.year)
    for year in (2024, 2025, 2026):
        raw, weighted, true = company.loc[year, "nps"], company.loc[year, "nps_weighted"], truth.loc[year, "true_nps"]
        assert abs(weighted - true) < abs(raw - true)
        assert weighted - true > 15  # most of the bias is left
    assert company["nps"].round(1).tolist() == [54.0, 54.2, 54.3]
    assert company["nps_weighted"].round(1).tolist() == [46.2, 49.9, 39.9]
    assert truth["true_nps"].round(1).tolist() == [18.0, 20.1, 20.6]
    s = frame(ws, "surveys").merge(frame(ws, "survey_invitations")[["invitation_id", "selected_by"]],
                                   on="invitation_id").merge(frame(ws, "truth_satisfaction"), on="customer_id")
    s = s[s["selected_by"] == "random"]
    for year, g in s.groupby(pd.to_datetime(s["date"]).dt.year):
        e = nps(g["nps"], weights=1 / g["response_probability"], method="adjusted-wald")
        assert e.ci_low <= truth.loc[year, "true_nps"] <= e.ci_high
