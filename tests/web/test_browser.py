"""End to end in a real headless Chromium (Debian's package, driven by Playwright; STACK.md):
the dashboard served by uvicorn on 127.0.0.1 as ``saleskpi serve`` serves it, a director and a
rep log in through the form, walk the main pages, the numbers on the page are the stored
results, the language switch gives Bulgarian numbers, and every page is saved as a screenshot
(in ``SALESKPI_SCREENSHOTS`` when set, else in the test's temporary folder).

Chromium missing: skipped with the reason, a failure under ``CI=true`` (``make test`` installs
it as root with apt-get, scripts/install-engines.sh)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.backends.conftest import unavailable
from tests.web.conftest import PASSWORD, SECRET, bg, en, latest, stored

#: Chromium's flags on these machines (STACK.md): no sandbox as root, no connections out.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str:
    found = os.environ.get("SALESKPI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        unavailable("Chromium is not installed (Debian: apt-get install -y chromium)")
    return found


@pytest.fixture(scope="module")
def server(full_site):
    """The dashboard of the full demo site on a free port of 127.0.0.1; its base URL."""
    import uvicorn

    from saleskpi.web import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(full_site["path"], secret=SECRET), host="127.0.0.1", port=port,
                            log_level="warning", server_header=False)
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not web.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    web.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # the test extra has it; a venv without it is a broken set-up
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SALESKPI_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_in(browser, server: str, login: str):
    """A new browser context (its own cookies) logged in through the form; its page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    page.goto(f"{server}/overview")
    assert page.url.endswith("/login"), "an unauthenticated visitor must land on the login page"
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button, form[action='/login'] [type=submit]")
    page.wait_for_load_state("networkidle")
    assert not page.url.endswith("/login"), page.content()[:500]
    switch(page, "en")  # a user's language is kept between sessions: start from English
    page.errors = errors  # what the page's scripts complained about (none expected)
    return page


def switch(page, lang: str) -> None:
    """Click the language button of the navigation bar."""
    page.click(f"form[action='/lang'] button[value={lang}]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == lang


def drawn(page, chart: str) -> list[list]:
    """The data of each series of a chart as ECharts holds it (what the canvas shows)."""
    return page.evaluate("id => echarts.getInstanceByDom(document.getElementById('chart-' + id))"
                         ".getOption().series.map(s => s.data)", chart)


def visit(page, server: str, path: str, shots: Path, name: str) -> str:
    """Open ``path``, wait for it and its scripts, save a screenshot; the text of <main>."""
    response = page.goto(f"{server}{path}")
    assert response.status == 200, f"{path}: {response.status}"
    page.wait_for_load_state("networkidle")
    target = shots / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000, f"{target} is too small to show a page"
    return page.inner_text("main")


def test_a_director_walks_the_main_pages_and_the_numbers_are_the_stored_ones(browser, server, full_site, shots):
    page = log_in(browser, server, "director")
    run = latest(full_site, "sales")
    (turnover, currency), = stored(
        full_site, "SELECT turnover_value_period, currency FROM result_sales WHERE level = 'company' "
                   "AND business_line IS NULL AND run_id = ?", run)
    text = visit(page, server, "/overview", shots, "director-overview-en")
    assert f"{en(turnover)} {currency}" in text
    # the charts, drawn by the vendored ECharts (from the app, not a CDN), hold the stored numbers
    lines = stored(full_site, "SELECT turnover_value_period, potential_value FROM result_sales WHERE "
                              "level = 'business_line' AND run_id = ? ORDER BY business_line", run)
    assert drawn(page, "lines") == [[float(v) for v, _ in lines], [float(p) for _, p in lines]]
    assert drawn(page, "trend")[0][-1] == float(turnover)

    text = visit(page, server, "/customers", shots, "director-customers-en")
    (count,), = stored(full_site, "SELECT customers FROM result_abc_matrix WHERE cell = 'AAB' AND run_id = "
                                  "(SELECT max(run_id) FROM result_abc_matrix)")
    assert "AAB" in text and en(count, 0) in text
    page.click("a[href='/results/abc?where=cell%3DAAB']")
    page.wait_for_load_state("networkidle")
    rows = page.locator("table tbody tr")
    assert rows.count() == min(count, 50)

    # htmx under the CSP: "next" swaps the table in place (no new document) with the next rows
    (total,), = stored(full_site, "SELECT count(*) FROM result_abc WHERE run_id = (SELECT max(run_id) FROM result_abc)")
    visit(page, server, "/results/abc?sort=customer_id", shots, "director-abc-en")
    page.evaluate("window.__same_document = true")
    first = page.locator("#table tbody tr td:first-child").first.inner_text()
    with page.expect_response(lambda r: "offset=50" in r.url) as answer:
        page.click("#table a[rel=next]")
    assert answer.value.request.headers.get("hx-request") == "true"
    page.wait_for_function("first => document.querySelector('#table tbody tr td').innerText.trim() !== first",
                           arg=first)
    assert page.evaluate("window.__same_document === true"), "the page was reloaded, not swapped by htmx"
    assert "offset=50" in page.url
    ids = page.locator("#table tbody tr td:first-child").all_inner_texts()
    expected = [c for (c,) in stored(full_site, "SELECT customer_id FROM result_abc WHERE run_id = "
                                                "(SELECT max(run_id) FROM result_abc) ORDER BY customer_id "
                                                "LIMIT 50 OFFSET 50")]
    assert ids[0] != first and [i.strip() for i in ids] == expected and total > 50

    customer = sorted(full_site["customers"])[1]
    (clv, clv_currency), = stored(
        full_site, "SELECT clv_36m, currency FROM result_clv WHERE customer_id = ? AND run_id = "
                   "(SELECT max(run_id) FROM result_clv)", customer)
    text = visit(page, server, f"/customers/{customer}", shots, "director-customer-en")
    assert customer in text
    if clv is not None:
        assert f"{en(clv)} {clv_currency}" in text

    rep = full_site["rep1"]
    (base, current, bridge_currency), = stored(
        full_site, "SELECT base_value, current_value, currency FROM result_bridge WHERE comparison = 'last_year' "
                   "AND level = 'rep' AND key = ? AND run_id = (SELECT max(run_id) FROM result_bridge)", rep)
    text = visit(page, server, f"/sales?level=rep&key={rep}", shots, "director-bridge-en")
    assert f"{en(base)} {bridge_currency}" in text and f"{en(current)} {bridge_currency}" in text
    assert page.locator("#chart-bridge canvas, #chart-bridge svg").count() > 0, "the waterfall was not drawn"
    # the waterfall as drawn: each bar's top is the running total of the stored steps
    hidden, up, down = drawn(page, "bridge")
    (steps,), = stored(
        full_site, "SELECT [base_value, new_customers_value, lost_customers_value, price_effect_value, volume_effect_value, "
                   "mix_effect_value, current_value] FROM result_bridge WHERE comparison = 'last_year' AND "
                   "level = 'rep' AND key = ? AND run_id = (SELECT max(run_id) FROM result_bridge)", rep)
    steps = [float(s) for s in steps]
    tops = [h + (u or 0) + (d or 0) for h, u, d in zip(hidden, up, down)]
    running = steps[0]
    assert abs(tops[0] - running) < 0.01
    for top, step in zip(tops[1:-1], steps[1:-1]):
        assert abs(top - max(running, running + step)) < 0.01
        running += step
    assert abs(tops[-1] - steps[-1]) < 0.01 and abs(running - steps[-1]) < 0.05  # the steps add up

    visit(page, server, "/data", shots, "director-data-en")
    for path in ("/satisfaction", "/loyalty", "/incentives"):
        visit(page, server, path, shots, f"director-{path[1:]}-en")
    page.goto(f"{server}/satisfaction")
    page.wait_for_load_state("networkidle")
    weights = stored(full_site, "SELECT relative_weight FROM result_drivers WHERE run_id = "
                                "(SELECT max(run_id) FROM result_drivers) ORDER BY attribute")
    assert drawn(page, "drivers")[0] == [None if w is None else float(w) for (w,) in weights]

    # the language switch: Bulgarian words and numbers on the next page
    switch(page, "bg")
    text = visit(page, server, "/overview", shots, "director-overview-bg")
    assert f"{bg(turnover)} {currency}" in text and "Обзор" in text
    assert page.errors == [], page.errors
    page.context.close()


def test_a_rep_sees_only_their_own_customers_in_the_browser(browser, server, full_site, shots):
    page = log_in(browser, server, "rep1")
    mine = {c for c, r in full_site["customers"].items() if r == full_site["rep1"]}
    visit(page, server, "/results/abc?limit=200", shots, "rep-abc-en")
    shown = set(page.locator("table tbody tr td:first-child a").all_inner_texts())
    assert shown and shown <= mine
    others = sorted(set(full_site["customers"]) - mine)
    response = page.goto(f"{server}/customers/{others[0]}")
    assert response.status == 404 and "among the customers you may see" in page.inner_text("main")
    page.errors.clear()  # the browser logs the 404 it was asked to fetch
    (turnover, currency), = stored(
        full_site, "SELECT turnover_value_period, currency FROM result_sales WHERE level = 'rep' AND key = ? "
                   "AND business_line IS NULL AND run_id = ?", full_site["rep1"], latest(full_site, "sales"))
    text = visit(page, server, "/overview", shots, "rep-overview-en")
    assert f"{en(turnover)} {currency}" in text
    assert page.errors == [], page.errors
    page.context.close()
