"""The pages of satisfaction, loyalty and incentive pay: each section is a stored result as the
user may see it (numbers as stored, in Bulgarian formats), a chart holds the stored figures, a
rep sees their own pay and none of another rep's, a role that sees none of a page's results
gets 403, and a scope that matches nothing sees empty sections."""

from __future__ import annotations

import json
import re

import pytest

from tests.web.conftest import bg, body, latest, stored


def section(html: str, name: str) -> str:
    """The HTML of the section of result ``name``."""
    match = re.search(rf'<section id="{re.escape(name)}">(.*?)</section>', html, re.S)
    assert match, f"no section {name}"
    return match.group(1)


@pytest.mark.parametrize("url", ["/potential", "/value", "/scorecard", "/competencies", "/segments",
                                 "/satisfaction", "/loyalty", "/incentives"])
def test_a_director_sees_every_section_of_each_page(clients, url):
    from saleskpi.web.capabilities import PAGES

    page = clients["director"].get(url)
    assert page.status_code == 200, page.text[:400]
    for s in PAGES[url[1:]][2]:
        assert f'<section id="{s.result}">' in page.text


def test_the_satisfaction_page_shows_the_stored_nps_and_the_drivers_chart(clients, full_site):
    run = latest(full_site, "nps")
    (year, nps, n), = stored(full_site, "SELECT survey_year, nps, responses FROM result_nps WHERE run_id = ? AND "
                                        "grouped_by = 'company' ORDER BY survey_year DESC LIMIT 1", run)
    html = clients["director"].get("/satisfaction").text
    part = section(html, "nps")
    assert f"<td>{year}</td>" in part or f'<td class="num">{year}</td>' in part
    assert bg(nps) in part and bg(n, 0) in part
    charts = json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html,
                                  re.S).group(1))
    drivers = next(c for c in charts if c["id"] == "drivers")
    weights = stored(full_site, "SELECT attribute, relative_weight, lmg_weight FROM result_drivers WHERE run_id = ? "
                                "ORDER BY attribute", latest(full_site, "drivers"))
    assert drivers["labels"] == [a for a, _, _ in weights]
    assert drivers["series"][0]["data"] == [None if w is None else float(w) for _, w, _ in weights]
    assert 'id="chart-drivers"' in html


def test_the_loyalty_page_shows_the_lift_with_its_interval_and_is_403_for_a_rep(clients, full_site):
    rows = stored(full_site, "SELECT outcome, lift, lift_ci_low, lift_ci_high FROM result_loyalty_lift WHERE "
                             "run_id = ?", latest(full_site, "loyalty-lift"))
    part = section(clients["director"].get("/loyalty").text, "loyalty-lift")
    for measure, lift, low, high in rows:
        assert f"<td>{measure}</td>" in part
        for value in (lift, low, high):
            if value is not None:
                assert bg(value) in part
    assert clients["rep1"].get("/loyalty").status_code == 403


def test_the_segments_page_shows_the_stored_profit_and_a_reps_own_customers(clients, full_site):
    run = latest(full_site, "segment-profit")
    rows = stored(full_site, "SELECT segment, profit, currency FROM result_segment_profit WHERE run_id = ? AND "
                             "segmentation = 'rfm' AND profit IS NOT NULL", run)
    part = section(clients["director"].get("/segments").text, "segment-profit")
    assert rows and all(f"{bg(p)} {c}" in part for _, p, c in rows)
    mine = {c for c, r in full_site["customers"].items() if r == full_site["rep1"]}
    # a rep sees the per-customer segments of their own customers; the company-wide sections are left out
    html = body(clients["rep1"].get("/segments").text)
    shown = set(re.findall(r"\bC\d{5}\b", html))
    assert shown and shown <= mine and 'id="segment-profit"' not in html


def test_a_rep_sees_their_own_pay_and_no_one_elses(clients, full_site):
    rep, other = full_site["rep1"], full_site["rep2"]
    mine = stored(full_site, "SELECT total_pay, currency FROM result_incentive_totals WHERE run_id = ? AND rep_id = ?",
                  latest(full_site, "incentive-totals"), rep)
    assert mine, "the demo's plan pays every rep"
    html = body(clients["rep1"].get("/incentives").text)
    totals = section(html, "incentive-totals")
    for pay, currency in mine:
        assert f"{bg(pay)} {currency}" in totals
    assert rep in html and other not in html
    assert other in body(clients["director"].get("/incentives").text)


def test_a_manager_sees_the_pay_of_the_team_only(clients, full_site):
    team = {r for r, t in full_site["reps"].items() if t == full_site["team"]}
    html = section(body(clients["manager"].get("/incentives").text), "incentive-totals")
    shown = set(re.findall(r"<td>(R\d{3})</td>", html))
    assert shown and shown <= team


def test_a_scope_that_matches_nothing_sees_empty_sections(clients):
    html = body(clients["nobody"].get("/incentives").text)
    assert not re.search(r"<td>R\d{3}</td>", html)
    assert "Няма редове." in section(html, "incentive-totals")


def test_the_overview_shows_the_scorecard_of_the_company_in_its_colours(clients, full_site):
    rows = stored(full_site, "SELECT perspective, kpis, worst_status FROM result_scorecard WHERE run_id = ? AND "
                             "level = 'company' AND objective IS NULL", latest(full_site, "scorecard"))
    assert rows
    part = section(clients["director"].get("/overview").text, "scorecard")
    for perspective, kpis, worst in rows:
        assert f"<td>{perspective}</td>" in part and f'<td class="num">{kpis}</td>' in part
        if worst in ("green", "amber", "red"):
            assert f'<td class="rag-{worst}">{worst}</td>' in part


def test_a_rep_sees_their_own_competencies_only(clients, full_site):
    rep = full_site["rep1"]
    mine = stored(full_site, "SELECT competency, gap FROM result_competencies WHERE run_id = ? AND rep_id = ? "
                             "AND level = 'rep'", latest(full_site, "competencies"), rep)
    html = body(clients["rep1"].get("/competencies").text)
    part = section(html, "competencies")
    assert mine and all(f"<td>{c}</td>" in part for c, _ in mine)
    assert set(re.findall(r"<td>(R\d{3})</td>", part)) == {rep}
    assert 'id="competency-links"' not in html  # company-wide figures: not for a rep


def test_the_value_page_charts_the_holdout_deciles_as_stored(clients, full_site):
    html = clients["director"].get("/value").text
    charts = json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html,
                                  re.S).group(1))
    deciles = next(c for c in charts if c["id"] == "clv-validation")
    rows = stored(full_site, "SELECT decile, predicted_purchases_mean, actual_purchases_mean FROM result_clv_validation "
                             "WHERE run_id = ? ORDER BY decile", latest(full_site, "clv-validation"))
    assert deciles["labels"] == [str(d) for d, _, _ in rows]
    assert deciles["series"][0]["data"] == [None if p is None else float(p) for _, p, _ in rows]
    assert deciles["series"][1]["data"] == [None if a is None else float(a) for _, _, a in rows]
