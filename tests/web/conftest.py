"""A small computed demo workspace with users of every role, and logged-in test clients."""

from __future__ import annotations

import re
import shutil
import sqlite3
from decimal import Decimal

import duckdb
import pytest

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def computed(tmp_path_factory):
    """The demo company (200 customers, 3 years) with the abc results computed; the path."""
    from saleskpi.compute import compute
    from saleskpi.demo import build_demo

    path = tmp_path_factory.mktemp("web") / "ws"
    with build_demo(path, customers=200, years=3, seed=5) as ws:
        compute(ws, only=["abc"])
    return path


@pytest.fixture(scope="session")
def company(computed):
    """Who is who in the demo company: customers (id -> rep), reps (id -> team)."""
    db = duckdb.connect(str(computed / "saleskpi.duckdb"), read_only=True)
    try:
        customers = dict(db.execute("SELECT customer_id, rep_id FROM customers").fetchall())
        reps = dict(db.execute("SELECT rep_id, team_id FROM reps").fetchall())
    finally:
        db.close()
    return {"customers": customers, "reps": reps}


@pytest.fixture(scope="session")
def site(computed, company, tmp_path_factory):
    """A copy of the computed workspace with users: a director, two reps that own customers
    (rep1, rep2), a rep that owns none (nobody), a manager of rep1's team; the path."""
    from saleskpi import users

    path = tmp_path_factory.mktemp("site") / "ws"
    shutil.copytree(computed, path)
    owning = sorted(set(company["customers"].values()))
    rep1, rep2 = owning[0], owning[1]
    users.add_user(path, "director", role="director", password=PASSWORD)
    users.add_user(path, "Rep1", role="rep", rep_id=rep1, password=PASSWORD)
    users.add_user(path, "rep2", role="rep", rep_id=rep2, password=PASSWORD)
    users.add_user(path, "nobody", role="rep", rep_id="NOBODY", password=PASSWORD)
    users.add_user(path, "manager", role="manager", team_ids=[company["reps"][rep1]], password=PASSWORD)
    return path


#: The reason put on one stored abc row whose share of wallet is made unknown (see full_site).
REASON = "test: no stated potential"
#: A text that a spreadsheet would run, put in that row's action.
FORMULA = "=HYPERLINK(\"http://example.com\")"


SECRET = "a-test-secret-that-is-long-enough-0123456789"


@pytest.fixture
def app(site):
    from saleskpi.web import create_app

    yield create_app(site, secret=SECRET)
    with sqlite3.connect(site / "access.sqlite") as con:  # each test starts unthrottled
        con.execute("DELETE FROM throttle")


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    import re

    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def log_in(client, login: str, password: str = PASSWORD):
    """Log ``client`` in (GET the form for its CSRF token, POST it); the POST's response."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"login": login, "password": password, "csrf": token},
                       follow_redirects=False)


@pytest.fixture
def login():
    """``login(client, name, password=PASSWORD)``: log a client in; the POST's response."""
    return log_in


@pytest.fixture
def client_of(app):
    """``client_of(login)``: a TestClient logged in as ``login``."""
    from fastapi.testclient import TestClient

    made = []

    def make(login: str | None = None):
        client = TestClient(app)
        client.__enter__()
        made.append(client)
        if login is not None:
            assert log_in(client, login).status_code == 303
        return client

    yield make
    for client in made:
        client.__exit__(None, None, None)


def bg(value, decimals: int = 2) -> str:
    """The Bulgarian form, written independently of saleskpi.web.format: 1 234,56."""
    return f"{Decimal(str(value)):,.{decimals}f}".replace(",", " ").replace(".", ",")


def en(value, decimals: int = 2) -> str:
    return f"{Decimal(str(value)):,.{decimals}f}"


def stored(full_site, sql: str, *params):
    db = duckdb.connect(str(full_site["path"] / "saleskpi.duckdb"), read_only=True)
    try:
        return db.execute(sql, list(params)).fetchall()
    finally:
        db.close()


def latest(full_site, result: str) -> int:
    return stored(full_site, f"SELECT max(run_id) FROM result_{result.replace('-', '_')}")[0][0]


# --- a computed workspace with every analysis --------------------------------------------------

@pytest.fixture(scope="session")
def full_site(tmp_path_factory):
    """The demo company (200 customers, 3 years) with every analysis computed, one abc row's
    share of wallet made unknown with a reason and its action a formula (the demo has
    neither), and the users of conftest's ``site``."""
    from saleskpi import users
    from saleskpi.compute import compute
    from saleskpi.demo import build_demo

    path = tmp_path_factory.mktemp("pages") / "ws"
    with build_demo(path, customers=200, years=3, seed=5) as ws:
        compute(ws)
    db = duckdb.connect(str(path / "saleskpi.duckdb"))
    try:
        customers = dict(db.execute("SELECT customer_id, rep_id FROM customers").fetchall())
        reps = dict(db.execute("SELECT rep_id, team_id FROM reps").fetchall())
        unknown = db.execute("SELECT min(customer_id) FROM result_abc").fetchone()[0]
        db.execute("UPDATE result_abc SET share_of_wallet_by_value = NULL, class_missing_reason = ?, action = ? "
                   "WHERE customer_id = ?", [REASON, FORMULA, unknown])
    finally:
        db.close()
    owning = sorted(set(customers.values()))
    rep1, rep2 = owning[0], owning[1]
    users.add_user(path, "director", role="director", password=PASSWORD)
    users.add_user(path, "rep1", role="rep", rep_id=rep1, password=PASSWORD)
    users.add_user(path, "rep2", role="rep", rep_id=rep2, password=PASSWORD)
    users.add_user(path, "nobody", role="rep", rep_id="NOBODY", password=PASSWORD)
    users.add_user(path, "manager", role="manager", team_ids=[reps[rep1]], password=PASSWORD)
    return {"path": path, "customers": customers, "reps": reps, "rep1": rep1, "rep2": rep2, "unknown": unknown,
            "team": reps[rep1]}


@pytest.fixture(scope="module")
def clients(full_site):
    """``clients[login]``: a TestClient logged in as that user, its language set to Bulgarian."""
    from fastapi.testclient import TestClient

    from saleskpi.web import create_app

    app = create_app(full_site["path"], secret=SECRET)
    made = {}
    for login in ("director", "rep1", "rep2", "nobody", "manager"):
        client = TestClient(app)
        client.__enter__()
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        assert client.post("/login", data={"login": login, "password": PASSWORD, "csrf": token},
                           follow_redirects=False).status_code == 303
        made[login] = client
    for login in made:
        set_lang(made[login], "bg")
    yield made
    for client in made.values():
        client.__exit__(None, None, None)


def set_lang(client, lang: str) -> None:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)
    assert client.post("/lang", data={"lang": lang, "csrf": token}, follow_redirects=False).status_code == 303


def body(html: str) -> str:
    """The page's main part (the navigation names no customer)."""
    return html.split("<main>", 1)[1]
