"""The dashboard's pages: each renders for a director and a rep, shows the stored results
formatted for the user's language (numbers compared with the database), and keeps to the
user's scope (a rep never sees another rep's customers; a customer outside it is 404)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from saleskpi import users
from saleskpi.web.format import cell, date, number, reason_of
from tests.web.conftest import REASON, bg, body, latest, set_lang, stored

#: As in conftest.py (the users' password, the session secret).
PASSWORD = "correct horse battery"
SECRET = "a-test-secret-that-is-long-enough-0123456789"
IDS = re.compile(r"\bC\d{5}\b")


# --- the formats ----------------------------------------------------------------------------

def test_numbers_and_dates_in_bulgarian_and_english():
    assert number(1234.56, "bg") == "1 234,56" and number(1234.56, "en") == "1,234.56"
    assert number(Decimal("-1234567.5"), "bg") == "-1 234 567,50"
    assert number(999, "bg", 0) == "999" and number(0.125, "en") == "0.12"  # half to even, to the cent
    assert date(dt.date(2026, 12, 31), "bg") == "31.12.2026" and date(dt.date(2026, 12, 31), "en") == "2026-12-31"
    assert cell(Decimal("1234.56"), "money", "bg", "EUR") == "1 234,56 EUR"
    assert cell(0.2534, "ratio", "bg") == "25,3 %" and cell(0.2534, "ratio", "en") == "25.3 %"
    assert cell(12345, "count", "en") == "12,345" and cell(2026, "integer", "bg") == "2026"
    assert cell(True, "flag", "bg") == "да" and cell(False, "flag", "en") == "no"
    assert cell(None, "money", "bg", "EUR") == "" and cell(float("nan"), "ratio", "en") == ""  # unknown, never 0
    assert cell(0, "money", "bg", "EUR") == "0,00 EUR"
    assert reason_of({"a": None, "share_missing_reason": "no survey"}) == "no survey"
    assert reason_of({"a": 1, "note": None}) is None


def listed(html: str) -> list[str]:
    """The customer ids of a table's rows, in order (the link of each row's first cell)."""
    return re.findall(r'<tr><td[^>]*><a href="/customers/(C\d{5})"', html.split("<tbody>")[1])


def owned_by(full_site, rep: str) -> set[str]:
    return {c for c, r in full_site["customers"].items() if r == rep}


# --- every page renders -------------------------------------------------------------------------

PAGES = ["/", "/overview", "/results/abc", "/results/sales", "/results/clv-history", "/customers", "/sales",
         "/sales?level=customer", "/sales?level=rep"]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("login", ["director", "rep1"])
def test_every_page_renders_for_a_director_and_a_rep(clients, login, url):
    response = clients[login].get(url)
    assert response.status_code == 200, response.text[:500]
    assert "<main>" in response.text and "Traceback" not in response.text


def test_the_data_page_shows_runs_imports_and_warnings_for_a_director_only(clients, full_site):
    page = clients["director"].get("/data")
    assert page.status_code == 200
    run = latest(full_site, "abc")
    warnings = stored(full_site, "SELECT message FROM meta_run_warnings WHERE run_id = ? ORDER BY position", run)
    for (message,) in warnings:
        assert message.replace("'", "&#39;").replace('"', "&#34;") in page.text or message in page.text
    files = stored(full_site, "SELECT DISTINCT table_name FROM meta_imports")
    assert all(name in page.text for (name,) in files)
    assert clients["rep1"].get("/data").status_code == 403


# --- the numbers are the stored ones ------------------------------------------------------------

def test_the_overview_shows_the_company_row_of_sales_in_bulgarian(clients, full_site):
    (turnover, target, attainment, currency), = stored(
        full_site, "SELECT turnover_value_period, target_value, attainment_by_value, currency FROM result_sales "
                   "WHERE level = 'company' AND run_id = ?", latest(full_site, "sales"))
    page = body(clients["director"].get("/overview").text)
    assert f"{bg(turnover)} {currency}" in page
    assert f"{bg(target)} {currency}" in page
    assert f"{bg(attainment * 100, 1)} %" in page
    assert 'id="chart-data"' in page and "<script>" not in page  # data block, no inline script
    # the example of docs/web.md (the same demo company)
    assert "2 251 700,73 EUR" in page and "2 613 000,00 EUR" in page and "98,6 %" in page
    assert "15,3 %" in page and "328 691,15 EUR" in page


def test_a_reps_overview_is_the_reps_own_row(clients, full_site):
    (turnover, currency), = stored(
        full_site, "SELECT turnover_value_period, currency FROM result_sales WHERE level = 'rep' AND key = ? "
                   "AND business_line IS NULL AND run_id = ?", full_site["rep1"], latest(full_site, "sales"))
    page = body(clients["rep1"].get("/overview").text)
    assert f"{bg(turnover)} {currency}" in page and full_site["rep1"] in page


def test_the_result_table_pages_and_sorts_in_the_database_order(clients, full_site):
    rows = stored(full_site, "SELECT customer_id, turnover_value_12m, currency FROM result_abc WHERE run_id = ? "
                             "ORDER BY turnover_value_12m DESC, customer_id", latest(full_site, "abc"))
    page = clients["director"].get("/results/abc", params={"sort": "-turnover_value_12m", "offset": 10,
                                                           "limit": 10}).text
    assert "11–20 от 200 реда" in page
    assert listed(page) == [c for c, *_ in rows[10:20]]
    customer, turnover, currency = rows[10]
    assert f"{bg(turnover)} {currency}" in page
    up = stored(full_site, "SELECT customer_id FROM result_abc WHERE run_id = ? ORDER BY turnover_value_12m, "
                           "customer_id LIMIT 5", latest(full_site, "abc"))
    ascending = clients["director"].get("/results/abc", params={"sort": "turnover_value_12m", "limit": 5}).text
    assert listed(ascending) == [c for (c,) in up]
    assert 'class="num sorted-asc"' in ascending
    assert clients["director"].get("/results/abc", params={"limit": 0}).status_code == 400


def test_the_filter_keeps_the_matching_rows_and_a_bad_one_says_why(clients, full_site):
    cell_ids = {c for (c,) in stored(full_site, "SELECT customer_id FROM result_abc WHERE cell = 'AAB' AND run_id = ?",
                                     latest(full_site, "abc"))}
    page = clients["director"].get("/results/abc", params={"where": "cell=AAB", "limit": 1000}).text
    assert set(listed(page)) == cell_ids
    bad = clients["director"].get("/results/abc", params={"where": "turnover_value_12m>lots"})
    assert bad.status_code == 400 and "turnover_value_12m" in bad.text and "lots" in bad.text


def test_htmx_gets_the_table_alone(clients):
    part = clients["director"].get("/results/abc", params={"offset": 50}, headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert part.text.lstrip().startswith('<div id="table"') and "<html" not in part.text
    assert 'hx-get="/results/abc?' in part.text and "51–100 от 200 реда" in part.text
    restore = clients["director"].get("/results/abc", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text  # going back in history gets the whole page
    filtered = clients["director"].get("/results/abc", params={"where": "cell=AAB"}, headers={"HX-Request": "true"})
    assert 'href="/results/abc/csv?where=cell%3DAAB"' in filtered.text  # the download follows the filter


def test_an_unknown_value_is_an_empty_cell_with_the_reason(clients, full_site):
    page = clients["director"].get("/results/abc", params={"where": f"customer_id={full_site['unknown']}"}).text
    assert f'<td class="num" title="{REASON}"></td>' in page


def test_the_language_switch_gives_the_declared_titles(clients):
    from saleskpi.analyses import declared_results

    title = {c.name: c.title for c in declared_results()["abc"].columns}["turnover_value_12m"]
    client = clients["rep2"]
    try:
        set_lang(client, "en")
        assert f">{title[0]}</a></th>" in client.get("/results/abc").text
        set_lang(client, "bg")
        page = client.get("/results/abc").text
        assert f">{title[1]}</a></th>" in page and f">{title[0]}</a></th>" not in page
    finally:
        set_lang(client, "bg")


# --- scope ----------------------------------------------------------------------------------------

def test_a_reps_pages_never_name_another_reps_customer(clients, full_site):
    mine = owned_by(full_site, full_site["rep1"])
    seen = set()
    for url in ("/overview", "/results/abc?limit=1000", "/results/clv?limit=1000", "/results/wallet?limit=1000",
                "/customers", "/sales?level=customer&limit=1000", "/results/abc/csv"):
        response = clients["rep1"].get(url)
        assert response.status_code == 200
        seen |= set(IDS.findall(body(response.text) if "<main>" in response.text else response.text))
    assert seen and seen <= mine
    own = sorted(mine)[0]
    assert clients["rep1"].get(f"/customers/{own}").status_code == 200
    other = sorted(owned_by(full_site, full_site["rep2"]))[0]
    refused = clients["rep1"].get(f"/customers/{other}")
    assert refused.status_code == 404 and "<main>" in refused.text  # a page of the site, naming no data
    assert f"No customer &#39;{other}&#39; among the customers you may see." in refused.text
    assert clients["director"].get(f"/customers/{other}").status_code == 200


def test_a_managers_pages_are_the_teams(clients, full_site):
    team = full_site["team"]
    (turnover, currency), = stored(
        full_site, "SELECT turnover_value_period, currency FROM result_sales WHERE level = 'team' AND key = ? "
                   "AND business_line IS NULL AND run_id = ?", team, latest(full_site, "sales"))
    page = body(clients["manager"].get("/overview").text)
    assert f"<h2>{team}</h2>" in page and f"{bg(turnover)} {currency}" in page
    theirs = {c for c, r in full_site["customers"].items() if full_site["reps"].get(r) == team}
    seen = set(IDS.findall(body(clients["manager"].get("/results/abc", params={"limit": 1000}).text)))
    assert seen and seen <= theirs


def test_a_user_whose_scope_matches_nothing_sees_empty_tables(clients):
    for url in ("/results/abc", "/results/sales", "/sales?level=customer", "/overview"):
        page = clients["nobody"].get(url)
        assert page.status_code == 200 and not IDS.findall(body(page.text))
        assert "Няма редове." in page.text
    csv = clients["nobody"].get("/results/abc/csv")
    assert csv.text.count("\n") == 1  # the header only


def test_the_customer_page_is_the_key_account_plan(clients, full_site):
    customer = sorted(owned_by(full_site, full_site["rep1"]))[0]
    page = body(clients["rep1"].get(f"/customers/{customer}").text)
    for heading in ("Покупки по години", "Потенциал по метод", "История на класовете", "Дял от портфейла"):
        assert heading in page
    (clv, budget, p_alive, currency), = stored(
        full_site, "SELECT clv_36m, offer_budget, p_alive, currency FROM result_clv WHERE customer_id = ? "
                   "AND run_id = ?", customer, latest(full_site, "clv"))
    for value in (clv, budget):
        if value is not None:
            assert f"{bg(value)} {currency}" in page
    if p_alive is not None:
        assert f"{bg(p_alive * 100, 1)} %" in page
    years = stored(full_site, "SELECT purchases_value, currency FROM result_clv_history WHERE customer_id = ? "
                              "AND run_id = ?", customer, latest(full_site, "clv-history"))
    assert years and all(f"{bg(v)} {c}" in page for v, c in years if v is not None)
    assert set(IDS.findall(page)) == {customer}


def test_the_customer_page_shows_the_target_segments_and_survey_answers(clients, full_site):
    # a customer who answered a survey (mislead holds the answer against the behaviour)
    (customer, answer), = stored(full_site, "SELECT customer_id, nps_answer FROM result_mislead WHERE run_id = ? "
                                            "ORDER BY customer_id LIMIT 1", latest(full_site, "mislead"))
    page = body(clients["director"].get(f"/customers/{customer}").text)
    for heading in ("Цел, предложена от потенциала", "Сегменти", "Удовлетвореност",
                    "Отговори в анкетите: стилове на отговаряне"):
        assert heading in page
    segments = stored(full_site, "SELECT segment FROM result_segments WHERE customer_id = ? AND run_id = ?",
                      customer, latest(full_site, "segments"))
    assert segments and all(f"<td>{s}</td>" in page for (s,) in segments if s is not None)
    (proposed, currency), = stored(full_site, "SELECT proposed_target_value, currency FROM result_target_proposals "
                                              "WHERE customer_id = ? AND run_id = ?", customer,
                                   latest(full_site, "target-proposals"))
    assert proposed is None or f"{bg(proposed)} {currency}" in page
    assert f"<td class=\"num\">{answer}</td>" in page


def test_the_customer_page_lists_the_target_products_not_yet_bought(clients, full_site):
    gaps = stored(full_site, "SELECT customer_id, product_id, buyers_share FROM result_target_gaps WHERE run_id = ? "
                             "ORDER BY customer_id, product_id", latest(full_site, "target-gaps"))
    customer = gaps[0][0]
    mine = [(p, share) for c, p, share in gaps if c == customer]
    page = body(clients["director"].get(f"/customers/{customer}").text)
    assert "Целеви продукти, които още не е купувал (12 месеца)" in page
    assert all(f"<td>{p}</td>" in page and f"{bg(share * 100, 1)} %" in page for p, share in mine)


def test_the_abc_matrix_links_its_27_cells(clients, full_site):
    page = clients["director"].get("/customers").text
    links = re.findall(r'href="/results/abc\?where=cell%3D([ABC]{3})"', page)
    assert len(set(links)) == 27
    (count,), = stored(full_site, "SELECT customers FROM result_abc_matrix WHERE cell = 'AAB' AND run_id = ?",
                       latest(full_site, "abc-matrix"))
    assert re.search(rf'cell%3DAAB">AAB</a><br><span[^>]*>{bg(count, 0)}</span>', page)
    assert count == 38  # the example of docs/web.md


def test_the_stored_actions_are_shown_in_the_user_s_language(clients, full_site):
    (action,), = stored(full_site, "SELECT action FROM result_abc_matrix WHERE cell = 'AAA' AND run_id = ?",
                        latest(full_site, "abc-matrix"))
    assert action == "defend: key-account plan, retain"
    page = clients["director"].get("/customers").text  # the director reads Bulgarian
    assert 'title="защита: план за ключов клиент, задържане"' in page and action not in page
    table = clients["director"].get("/results/abc", params={"where": "cell=AAA"}).text
    assert "<td>защита: план за ключов клиент, задържане</td>" in table


def _chart(page: str) -> list[dict]:
    import json

    return json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S).group(1))


def test_the_customers_page_draws_the_pareto_curve_with_the_class_limits(clients, full_site):
    rows = stored(full_site, "SELECT turnover_value_12m, class_by_value FROM result_abc WHERE run_id = ? "
                             "AND turnover_value_12m > 0 ORDER BY turnover_value_12m DESC, customer_id",
                  latest(full_site, "abc"))
    total, n = float(sum(v for v, _ in rows)), len(rows)
    (pareto,) = _chart(clients["director"].get("/customers").text)
    assert pareto["type"] == "pareto" and pareto["points"][0] == [0, 0] and pareto["points"][-1] == [1, 1]
    # the A/B limit: where the last class-A customer is, and the share of turnover up to it
    last_a = max(i for i, (_, c) in enumerate(rows, start=1) if c == "A")
    ab = next(m for m in pareto["limits"] if m["name"] == "Граница A/B")
    assert ab["x"] == pytest.approx(last_a / n, abs=1e-6)
    assert ab["y"] == pytest.approx(float(sum(v for v, _ in rows[:last_a])) / total, abs=1e-6)
    # a rep's curve is of the rep's own customers
    mine = [v for (v, c), cid in zip(rows, [r for (r,) in stored(
        full_site, "SELECT customer_id FROM result_abc WHERE run_id = ? AND turnover_value_12m > 0 "
                   "ORDER BY turnover_value_12m DESC, customer_id", latest(full_site, "abc"))])
            if cid in owned_by(full_site, full_site["rep1"])]
    (own,) = _chart(clients["rep1"].get("/customers").text)
    top = float(mine[0]) / float(sum(mine))
    assert own["points"][1] == pytest.approx([1 / len(mine), top], abs=1e-6)


def test_the_sales_drill_down_shows_the_bridge_of_a_node(clients, full_site):
    rep = full_site["rep1"]
    (base, current, currency), = stored(
        full_site, "SELECT base_value, current_value, currency FROM result_bridge WHERE comparison = 'last_year' "
                   "AND level = 'rep' AND key = ? AND run_id = ?", rep, latest(full_site, "bridge"))
    for login in ("director", "rep1"):
        page = body(clients[login].get("/sales", params={"level": "rep", "key": rep}).text)
        assert f"{bg(base)} {currency}" in page and f"{bg(current)} {currency}" in page
        assert 'id="chart-bridge"' in page and '"type": "waterfall"' in page
    lines = clients["director"].get("/sales").text
    (turnover, currency), = stored(
        full_site, "SELECT turnover_value_period, currency FROM result_sales WHERE level = 'business_line' "
                   "ORDER BY key LIMIT 1")
    assert f"{bg(turnover)} {currency}" in lines


# --- export, static files ---------------------------------------------------------------------

def test_the_csv_download_is_scoped_and_audited(clients, full_site):
    csv = clients["rep1"].get("/results/abc/csv", params={"sort": "-turnover_value_12m"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'filename="abc.csv"' in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert lines[0].split(",")[0] == "customer_id"
    ids = [line.split(",")[0] for line in lines[1:]]
    assert ids and set(ids) == owned_by(full_site, full_site["rep1"]) & {
        c for (c,) in stored(full_site, "SELECT customer_id FROM result_abc")}
    exports = [a for a in users.audit_log(full_site["path"]) if a["event"] == "export" and a["login"] == "rep1"]
    assert any(a["detail"].startswith("abc csv") and f"rows={len(ids)}" in a["detail"] for a in exports)


def test_a_formula_in_a_csv_cell_is_neutralised(clients, full_site):
    csv = clients["director"].get("/results/abc/csv", params={"where": f"customer_id={full_site['unknown']}"})
    assert csv.text.count("\n") == 2
    assert ",\"'=HYPERLINK(\"\"http://example.com\"\")\"," in csv.text
    exports = [a for a in users.audit_log(full_site["path"]) if a["event"] == "export" and a["login"] == "director"]
    assert exports[-1]["detail"] == f"abc csv where=customer_id={full_site['unknown']} rows=1"


def test_static_files_are_served_with_the_csp(clients):
    for url in ("/static/vendor/htmx-2.0.11.min.js", "/static/vendor/echarts-5.6.0.min.js", "/static/charts.js"):
        response = clients["director"].get(url)
        assert response.status_code == 200 and len(response.content) > 1000
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers.get("Cache-Control") != "no-store"
    page = clients["director"].get("/overview")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    # every script is a file of /static or a JSON data block; no inline style either
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert scripts and all('src="/static/' in s or 'type="application/json"' in s for s in scripts)
    assert "style=" not in page.text and "<style" not in page.text


def test_the_drill_down_keeps_the_business_line(clients, full_site):
    line = "drywall"
    page = clients["director"].get("/sales").text
    assert f'href="/sales?level=territory&amp;comparison=last_year&amp;business_line={line}"' in page
    rows = stored(full_site, "SELECT key, turnover_value_period, currency FROM result_sales WHERE level = 'territory' "
                             "AND business_line = ? AND run_id = ? ORDER BY key", line, latest(full_site, "sales"))
    page = clients["director"].get("/sales", params={"level": "territory", "business_line": line,
                                                     "limit": 1000}).text
    assert f"1–{len(rows)} от {len(rows)} реда" in page
    assert all(f"{bg(v)} {c}" in page for _k, v, c in rows if v is not None)
    mine = clients["rep1"].get("/sales", params={"level": "customer", "business_line": line, "limit": 1000}).text
    assert set(IDS.findall(body(mine))) <= owned_by(full_site, full_site["rep1"])


KEYS = re.compile(r'<tr><td><a href="/sales\?level=\w+&amp;key=([^&"]+)&amp;')


def test_the_drill_down_goes_from_a_node_to_what_lies_in_it(clients, full_site):
    run = latest(full_site, "sales")
    team, rep1 = full_site["team"], full_site["rep1"]
    director = clients["director"]
    teams = director.get("/sales", params={"level": "team"}).text
    assert f"within=team%3A{team}" in teams  # each team links down to its reps
    # a team's reps: the rep rows of the reps in that team, with the team's bridge above them
    page = director.get("/sales", params={"level": "rep", "within": f"team:{team}", "limit": 1000}).text
    in_team = {r for r, t in full_site["reps"].items() if t == team}
    stored_reps = {k for (k,) in stored(full_site, "SELECT key FROM result_sales WHERE level = 'rep' AND run_id = ? "
                                                   "AND business_line IS NULL", run)}
    assert set(KEYS.findall(page)) == in_team & stored_reps and rep1 in set(KEYS.findall(page))
    assert f"в екип {team}" in page
    # a rep's customers, with the rep's bridge above them; the customers that lie in a territory
    mine = body(director.get("/sales", params={"level": "customer", "within": f"rep:{rep1}", "limit": 1000}).text)
    (base,), = stored(full_site, "SELECT base_value FROM result_bridge WHERE comparison = 'last_year' AND level = 'rep' "
                                 "AND key = ? AND run_id = ?", rep1, latest(full_site, "bridge"))
    assert 'id="chart-bridge"' in mine and bg(base) in mine
    assert set(IDS.findall(mine)) == owned_by(full_site, rep1) & {
        k for (k,) in stored(full_site, "SELECT key FROM result_sales WHERE level = 'customer' AND run_id = ?", run)}
    (territory, count), = stored(full_site, "SELECT territory_id, count(*) FROM result_sales WHERE level = 'customer' "
                                            "AND business_line IS NULL AND run_id = ? GROUP BY 1 ORDER BY 1 LIMIT 1", run)
    there = director.get("/sales", params={"level": "customer", "within": f"territory:{territory}", "limit": 1000})
    assert f"1–{count} от {count} реда" in there.text
    # within another rep's node a rep sees nothing of it (both scopes hold), and a bad node is refused
    other = body(clients["rep1"].get("/sales", params={"level": "customer", "within": f"rep:{full_site['rep2']}"}).text)
    assert not IDS.findall(other)
    assert director.get("/sales", params={"level": "rep", "within": "company:x"}).status_code == 400


def test_a_company_wide_result_is_403_for_a_rep_and_an_unknown_one_404(clients):
    assert clients["rep1"].get("/results/abc-limits").status_code == 403
    assert clients["rep1"].get("/results/abc-limits/csv").status_code == 403
    assert clients["director"].get("/results/abc-limits").status_code == 200
    missing = clients["director"].get("/results/no-such-result")
    assert missing.status_code == 404 and "abc-matrix" in missing.text  # names the results there are
    assert clients["director"].get("/sales", params={"level": "planet"}).status_code == 400
