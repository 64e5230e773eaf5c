"""The cache of rendered pages (saleskpi.web.cache): a kept page is the page made fresh, never
another scope's, never another session's token, and never of data that has changed."""

from __future__ import annotations

import re
import shutil
import sqlite3

import duckdb
import pytest
from fastapi.testclient import TestClient

from saleskpi import users
from saleskpi.web.cache import PageCache, Rendered

from tests.web.conftest import PASSWORD, SECRET, csrf_of, log_in


@pytest.fixture
def served(computed, company, tmp_path):
    """A copy of the computed workspace with two directors and two reps, its app, and a
    ``client(login)`` logged in; yields (path, app, client)."""
    from saleskpi.web import create_app

    path = tmp_path / "ws"
    shutil.copytree(computed, path)
    owning = sorted(set(company["customers"].values()))
    users.add_user(path, "director", role="director", password=PASSWORD)
    users.add_user(path, "director2", role="director", password=PASSWORD)
    users.add_user(path, "rep1", role="rep", rep_id=owning[0], password=PASSWORD)
    users.add_user(path, "rep2", role="rep", rep_id=owning[1], password=PASSWORD)
    app = create_app(path, secret=SECRET)
    made = []

    def client(login: str) -> TestClient:
        c = TestClient(app)
        c.__enter__()
        made.append(c)
        assert log_in(c, login).status_code == 303
        return c

    yield path, app, client
    for c in made:
        c.__exit__(None, None, None)


PAGES = ("/overview", "/customers", "/results/abc?sort=-turnover_value_12m&offset=50", "/sales?level=territory",
         "/api/results/abc?offset=10&limit=20")


@pytest.mark.parametrize("url", PAGES)
def test_a_kept_page_is_the_page_made_fresh(served, url):
    from saleskpi.web import create_app
    from saleskpi.web.app import WebSettings

    path, app, client = served
    director = client("director")
    first = director.get(url)
    hits = app.state.cache.hits
    again = director.get(url)
    assert first.status_code == again.status_code == 200
    assert app.state.cache.hits == hits + 1 and again.content == first.content
    # and the same as a server that keeps nothing
    fresh = create_app(path, secret=SECRET, settings=WebSettings(page_cache_bytes=0))
    with TestClient(fresh) as other:
        assert log_in(other, "director").status_code == 303
        made = other.get(url)
        assert len(fresh.state.cache) == 0
    mine, theirs = again.text, made.text
    if "csrf" in mine:  # the session's own token differs, nothing else
        mine, theirs = mine.replace(csrf_of(mine), "T"), theirs.replace(csrf_of(theirs), "T")
    assert mine == theirs


def test_users_of_one_scope_share_a_page_each_with_their_own_token_and_login(served):
    _, app, client = served
    one, two = client("director"), client("director2")
    a = one.get("/overview").text
    hits = app.state.cache.hits
    b = two.get("/overview").text
    assert app.state.cache.hits == hits + 1  # the second director's page is the kept one
    assert csrf_of(a) != csrf_of(b)
    assert csrf_of(a) not in b and csrf_of(b) not in a
    assert re.search(r'class="who">director \(director\)', a) and re.search(r'class="who">director2 \(director\)', b)
    # each token works for its own session: the language form with it is accepted
    assert two.post("/lang", data={"lang": "en", "csrf": csrf_of(b)}, follow_redirects=False).status_code == 303
    assert two.post("/lang", data={"lang": "en", "csrf": csrf_of(a)}, follow_redirects=False).status_code == 403


def test_two_reps_never_share_a_kept_page(served, company):
    _, app, client = served
    one, two = client("rep1"), client("rep2")
    for url in ("/results/abc", "/api/results/abc?limit=1000", "/customers"):
        a, b = one.get(url), two.get(url)
        assert a.status_code == b.status_code == 200
        assert a.content != b.content
        assert one.get(url).content == a.content and two.get(url).content == b.content
    rep1 = users.get_user(served[0], "rep1").rep_id
    shown = {r["customer_id"] for r in one.get("/api/results/abc?limit=1000").json()["rows"]}
    assert shown == {c for c, r in company["customers"].items() if r == rep1}


def test_a_customer_moved_to_a_rep_is_on_the_reps_pages_at_once(served, company):
    path, app, client = served
    rep = client("rep1")
    rep1, rep2 = (users.get_user(path, name).rep_id for name in ("rep1", "rep2"))
    moved = sorted(c for c, r in company["customers"].items() if r == rep2)[0]
    before = rep.get("/results/abc?limit=1000").text
    assert rep.get(f"/customers/{moved}").status_code == 404
    kept = len(app.state.cache)
    assert kept >= 1
    db = duckdb.connect(str(path / "saleskpi.duckdb"))  # as an import of the customers would
    try:
        db.execute("UPDATE customers SET rep_id = ? WHERE customer_id = ?", [rep1, moved])
    finally:
        db.close()
    after = rep.get("/results/abc?limit=1000").text
    assert f"/customers/{moved}" not in before and f"/customers/{moved}" in after
    assert rep.get(f"/customers/{moved}").status_code == 200
    # the pages of the replaced copy are dropped, not only never served
    assert len(app.state.cache) == 2


def test_a_changed_scope_is_seen_at_once(served, company):
    path, app, client = served
    rep = client("rep1")
    ids = lambda: {r["customer_id"] for r in rep.get("/api/results/abc?limit=1000").json()["rows"]}  # noqa: E731
    mine = ids()
    rep2 = users.get_user(path, "rep2").rep_id
    with sqlite3.connect(path / "access.sqlite") as con:  # the user's record changed, the session kept
        con.execute("UPDATE users SET rep_id = ? WHERE login = 'rep1'", (rep2,))
    theirs = ids()
    assert theirs == {c for c, r in company["customers"].items() if r == rep2}
    assert mine and not mine & theirs


def test_every_answer_of_an_export_is_audited_kept_or_not(served):
    path, app, client = served
    rep = client("rep2")
    before = len(users.audit_log(path))
    first = rep.get("/api/results/abc?limit=3")
    hits = app.state.cache.hits
    second = rep.get("/api/results/abc?limit=3")
    assert app.state.cache.hits == hits + 1 and first.content == second.content
    exports = [a for a in users.audit_log(path)[before:] if a["event"] == "export"]
    assert [a["login"] for a in exports] == ["rep2", "rep2"]
    assert all(a["detail"].startswith("abc json offset=0 limit=3 rows=3") for a in exports)


def test_an_error_page_is_not_kept(served):
    _, app, client = served
    rep = client("rep1")
    assert rep.get("/results/abc?sort=no_such_column").status_code == 400
    assert rep.get("/results/abc-limits").status_code == 403
    assert len(app.state.cache) == 0


def test_the_least_recently_used_pages_go_beyond_the_bytes_allowed():
    cache = PageCache(max_bytes=250)
    for i in range(3):
        cache.put(("g", i), Rendered(b"x" * 100))
    assert len(cache) == 2 and cache.size == 200 and cache.get(("g", 0)) is None
    assert cache.get(("g", 1)) is not None  # now the most recent
    cache.put(("g", 3), Rendered(b"y" * 100))
    assert cache.get(("g", 2)) is None and cache.get(("g", 1)) is not None and cache.get(("g", 3)) is not None
    cache.put(("g", 4), Rendered(b"z" * 251))  # larger than the whole cache: not kept, nothing dropped
    assert cache.get(("g", 4)) is None and len(cache) == 2
    cache.put(("g", 5), Rendered(b"z", status=404))
    assert cache.get(("g", 5)) is None
    cache.put(("h", 1), Rendered(b"h"))
    cache.forget("g")
    assert len(cache) == 1 and cache.size == 1
