"""The dashboard's foundation: login, sessions, CSRF, throttling, security headers, the secret,
and /api/results scoped through the one reader (every number compared with the workspace)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pytest
from fastapi.testclient import TestClient

from saleskpi import users
from saleskpi.errors import UsageError

#: As in conftest.py (the users' password, the session secret).
PASSWORD = "correct horse battery"
SECRET = "a-test-secret-that-is-long-enough-0123456789"


def csrf_of(html: str) -> str:
    import re

    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _all_rows(client, name: str, limit: int = 1000) -> list[dict]:
    response = client.get(f"/api/results/{name}", params={"limit": limit})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["rows"])
    return body["rows"]


# --- login, sessions ------------------------------------------------------------------------

def test_unauthenticated_pages_go_to_the_login_page_and_the_api_answers_401(client_of):
    client = client_of()
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/login"
    assert 'name="password"' in client.get("/").text  # followed: the login form
    api = client.get("/api/results/abc")
    assert api.status_code == 401 and "Log in" in api.json()["detail"]


def test_a_wrong_password_is_refused_and_audited(client_of, login, site):
    client = client_of()
    response = login(client, "rep2", "not the password")
    assert response.status_code == 401
    assert "Wrong login or password" in response.text or "Грешен потребител или парола" in response.text
    assert client.get("/api/results/abc").status_code == 401
    assert login(client, "no-such-user", PASSWORD).status_code == 401
    failed = [a for a in users.audit_log(site) if a["event"] == "login failed"]
    assert {a["login"] for a in failed} >= {"rep2", "no-such-user"}


def test_login_names_compare_without_case(client_of, login):
    client = client_of()
    assert login(client, "REP1").status_code == 303
    assert client.get("/api/results/abc").status_code == 200
    assert login(client_of(), " rEp2 ").status_code == 303


def test_five_failures_throttle_the_login_even_with_the_right_password(client_of, login, site):
    client = client_of()
    for _ in range(5):
        assert login(client, "rep2", "wrong password!").status_code == 401
    throttled = login(client, "rep2", PASSWORD)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60 + 1
    assert "15" in throttled.text  # "try again in 15 minute(s)"
    refused = [a for a in users.audit_log(site) if a["event"] == "login throttled"]
    assert refused and refused[-1]["login"] == "rep2" and refused[-1]["detail"].startswith("from ")


def test_serve_believes_no_forwarded_address_unless_a_proxy_is_named(tmp_path, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from saleskpi.cli import app

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    ws = tmp_path / "ws"
    assert CliRunner().invoke(app, ["init", str(ws)]).exit_code == 0
    assert CliRunner().invoke(app, ["serve", str(ws), "--dev"]).exit_code == 0
    assert CliRunner().invoke(app, ["serve", str(ws), "--dev", "--proxy", "10.0.0.5", "--proxy", "10.0.0.6"]).exit_code == 0
    assert [(c["proxy_headers"], c["forwarded_allow_ips"]) for c in calls] == [(False, ""), (True, "10.0.0.5,10.0.0.6")]


def test_the_throttle_counts_per_client_too(site):
    from saleskpi.web import create_app

    app = create_app(site, secret=SECRET)
    with TestClient(app) as client:
        for name in ("a1", "a2", "a3", "a4", "a5"):  # five logins, one failure each, one client
            token = csrf_of(client.get("/login").text)
            assert client.post("/login", data={"login": name, "password": "x", "csrf": token}).status_code == 401
        token = csrf_of(client.get("/login").text)
        assert client.post("/login", data={"login": "director", "password": PASSWORD, "csrf": token},
                           follow_redirects=False).status_code == 429
    users.throttled(site, [], limit=5, window=0)  # empties the throttle for the next tests


def test_a_form_without_its_csrf_token_is_refused(client_of):
    client = client_of()
    client.get("/login")
    assert client.post("/login", data={"login": "director", "password": PASSWORD}).status_code == 403
    assert client.post("/login", data={"login": "director", "password": PASSWORD, "csrf": "forged"}).status_code == 403
    logged = client_of("director")
    assert logged.post("/logout", data={}).status_code == 403
    assert logged.get("/api/results/abc").status_code == 200  # still logged in


def test_logout_ends_the_session(client_of, site):
    client = client_of("director")
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert client.get("/api/results/abc").status_code == 401
    events = [a["event"] for a in users.audit_log(site) if a["login"] == "director"]
    assert "login ok" in events and "logout" in events


def test_a_copied_cookie_dies_with_logout_and_with_a_new_password(client_of, site):
    """The cookie holds a server-side session id: logout and a password change end it, so a
    copy of the cookie taken before stops working (OWASP Session Management)."""
    client = client_of("director")
    copied = client.cookies.get("saleskpi_session")
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    client.cookies.set("saleskpi_session", copied)
    assert client.get("/api/results/abc").status_code == 401
    other = client_of("director")
    copied = other.cookies.get("saleskpi_session")
    assert other.get("/api/results/abc").status_code == 200
    users.set_password(site, "director", PASSWORD)  # the same password, set again: sessions end all the same
    assert other.get("/api/results/abc").status_code == 401
    again = client_of("director")
    assert again.get("/api/results/abc").status_code == 200  # a new login works


def test_a_tampered_cookie_is_no_session(client_of):
    client = client_of("director")
    value = client.cookies.get("saleskpi_session")
    client.cookies.set("saleskpi_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert client.get("/api/results/abc").status_code == 401


def test_the_session_expires(site):
    from saleskpi.web import create_app
    from saleskpi.web.app import WebSettings

    app = create_app(site, secret=SECRET, settings=WebSettings(session_max_age=1))
    with TestClient(app) as client:
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"login": "director", "password": PASSWORD, "csrf": token})
        assert client.get("/api/results/abc").status_code == 200
        import time

        time.sleep(2.1)
        assert client.get("/api/results/abc").status_code == 401


def test_security_headers_on_every_answer(client_of):
    client = client_of("director")
    for answer in (client.get("/"), client.get("/api/results/abc"), client_of().get("/login")):
        assert answer.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["Cache-Control"] == "no-store"
    cookie = client_of().get("/login").headers["set-cookie"].lower()
    assert cookie.startswith("saleskpi_session=") and "httponly" in cookie and "samesite=strict" in cookie
    assert "max-age=28800" in cookie  # 8 hours


def test_the_language_is_kept_per_user(client_of, site):
    client = client_of("rep2")
    token = csrf_of(client.get("/").text)
    assert client.post("/lang", data={"lang": "en", "csrf": token}, follow_redirects=False).status_code == 303
    assert users.get_user(site, "rep2").lang == "en"
    assert "Results" in client.get("/").text
    client.post("/lang", data={"lang": "bg", "csrf": token})
    assert "Резултати" in client.get("/").text


# --- the secret -------------------------------------------------------------------------------

def test_a_weak_secret_is_refused_outside_dev(site, monkeypatch):
    from saleskpi.web import create_app

    for weak in ("changeme", "secret", "short-but-random-7Hq"):
        with pytest.raises(UsageError, match="default or weak secret"):
            create_app(site, secret=weak)
    monkeypatch.setenv("SALESKPI_SECRET", "changeme")
    with pytest.raises(UsageError, match=r"\$SALESKPI_SECRET is a default or weak secret"):
        create_app(site)
    assert create_app(site, dev=True) is not None  # --dev: accepted


def test_the_secret_file_is_made_once_owner_only(computed, tmp_path, monkeypatch):
    from saleskpi.web import create_app
    from saleskpi.web.app import SECRET_FILE

    monkeypatch.delenv("SALESKPI_SECRET", raising=False)
    path = tmp_path / "ws"
    shutil.copytree(computed, path)
    create_app(path)
    secret = path / SECRET_FILE
    assert secret.stat().st_mode & 0o777 == 0o600
    first = secret.read_text()
    assert len(first) >= 32
    create_app(path)
    assert secret.read_text() == first
    os.chmod(secret, 0o644)
    with pytest.raises(UsageError, match="can be read by others"):
        create_app(path)


# --- results, scoped ---------------------------------------------------------------------------

def test_a_rep_gets_exactly_the_rep_s_own_customers(client_of, site, company):
    rep1 = users.get_user(site, "rep1").rep_id
    rows = _all_rows(client_of("rep1"), "abc")
    mine = {c for c, r in company["customers"].items() if r == rep1}
    assert mine and {r["customer_id"] for r in rows} == mine
    everyone = _all_rows(client_of("director"), "abc")
    assert len(everyone) == len(company["customers"]) == 200


def test_two_reps_asking_the_same_url_get_different_bodies(client_of):
    one = client_of("rep1").get("/api/results/abc?limit=1000")
    two = client_of("rep2").get("/api/results/abc?limit=1000")
    assert one.status_code == two.status_code == 200
    ids_one = {r["customer_id"] for r in one.json()["rows"]}
    ids_two = {r["customer_id"] for r in two.json()["rows"]}
    assert ids_one and ids_two and not ids_one & ids_two


def test_a_scope_that_matches_nothing_sees_nothing(client_of):
    body = client_of("nobody").get("/api/results/abc").json()
    assert body["total"] == 0 and body["rows"] == []


def test_a_manager_sees_the_customers_of_the_team_s_reps(client_of, site, company):
    team = users.get_user(site, "manager").team_ids[0]
    team_reps = {r for r, t in company["reps"].items() if t == team}
    rows = _all_rows(client_of("manager"), "abc")
    assert {r["customer_id"] for r in rows} == {c for c, r in company["customers"].items() if r in team_reps}
    # the manager of rep1's team sees what rep1 sees and more: a rep who manages a team is given
    # the role manager of it (a user has one scope; see docs/web.md)
    assert {r["customer_id"] for r in _all_rows(client_of("rep1"), "abc")} <= {r["customer_id"] for r in rows}


def test_company_wide_results_are_403_for_a_rep_and_unknown_ones_404(client_of):
    rep = client_of("rep1")
    assert rep.get("/api/results/abc-limits").status_code == 403
    assert rep.get("/api/results/no-such-result").status_code == 404
    director = client_of("director")
    limits = director.get("/api/results/abc-limits").json()
    assert limits["total"] == 5 and limits["run_id"] >= 1
    assert director.get("/api/results/clv").status_code == 404  # declared, not computed: says so
    assert "not computed yet" in director.get("/api/results/clv").json()["detail"]


def test_paging_and_json_numbers(client_of, site):
    client = client_of("director")
    first = client.get("/api/results/abc", params={"offset": 0, "limit": 7}).json()
    second = client.get("/api/results/abc", params={"offset": 7, "limit": 7}).json()
    assert first["total"] == 200 and len(first["rows"]) == len(second["rows"]) == 7
    assert not {r["customer_id"] for r in first["rows"]} & {r["customer_id"] for r in second["rows"]}
    assert client.get("/api/results/abc", params={"limit": 1001}).status_code == 400
    assert client.get("/api/results/abc", params={"offset": -1}).status_code == 400
    # numbers are JSON numbers, equal to the stored ones
    db = duckdb.connect(str(site / "saleskpi.duckdb"), read_only=True)
    try:
        run = first["run_id"]
        cid = first["rows"][0]["customer_id"]
        stored = db.execute("SELECT turnover_value_12m FROM result_abc WHERE run_id = ? AND customer_id = ?",
                            [run, cid]).fetchone()[0]
    finally:
        db.close()
    assert first["rows"][0]["turnover_value_12m"] == float(stored)


def test_every_export_of_customer_data_is_audited(client_of, site):
    before = len(users.audit_log(site))
    client_of("rep2").get("/api/results/abc?limit=3")
    exports = [a for a in users.audit_log(site)[before:] if a["event"] == "export"]
    assert len(exports) == 1 and exports[0]["login"] == "rep2"
    assert exports[0]["detail"].startswith("abc json offset=0 limit=3 rows=3")


def test_the_home_page_lists_what_the_user_may_see(client_of):
    rep = client_of("rep1").get("/").text
    director = client_of("director").get("/").text
    assert "ABC" in rep and "/api/results/abc\"" in rep
    assert "/api/results/abc-limits" not in rep and "/api/results/abc-limits" in director


def test_a_removed_user_is_logged_out_at_the_next_request(client_of, site):
    users.add_user(site, "temp", role="director", password=PASSWORD)
    client = client_of("temp")
    assert client.get("/api/results/abc").status_code == 200
    users.remove_user(site, "temp")
    assert client.get("/api/results/abc").status_code == 401


def test_a_rep_sees_only_the_rep_s_own_pay(client_of, site, company, monkeypatch):
    """A pay result (declared so here, as incentive statements will be): the rep's own rows only."""
    import saleskpi.analyses
    from saleskpi.results import Result, column

    pay = Result("payout", ("Payout", "Изплащане"), ("Pay.", "Възнаграждение."),
                 (column("rep_id", "id", "Rep", "Търговец", "The rep.", "Търговецът."),
                  column("payout_value", "money", "Payout", "Изплащане", "Pay.", "Възнаграждение."),
                  column("currency", "text", "Currency", "Валута", "Currency.", "Валута.")),
                 key=("rep_id",), scope=("rep_id",), pay=True)
    real = saleskpi.analyses.declared_results
    monkeypatch.setattr(saleskpi.analyses, "declared_results", lambda *a: {**real(*a), "payout": pay})
    rep1, rep2 = users.get_user(site, "rep1").rep_id, users.get_user(site, "rep2").rep_id
    db = duckdb.connect(str(site / "saleskpi.duckdb"))
    try:
        run, as_of = db.execute("SELECT run_id, as_of FROM meta_runs WHERE finished_at IS NOT NULL "
                                "ORDER BY run_id DESC LIMIT 1").fetchone()
        db.execute("CREATE OR REPLACE TABLE result_payout (rep_id VARCHAR, payout_value DECIMAL(18,2), "
                   "currency VARCHAR, run_id BIGINT, as_of DATE)")
        db.executemany("INSERT INTO result_payout VALUES (?, ?, 'EUR', ?, ?)",
                       [(rep1, 100, run, as_of), (rep2, 250.5, run, as_of)])
    finally:
        db.close()
    try:
        assert _all_rows(client_of("rep1"), "payout") == [{"rep_id": rep1, "payout_value": 100.0, "currency": "EUR"}]
        assert _all_rows(client_of("rep2"), "payout") == [{"rep_id": rep2, "payout_value": 250.5, "currency": "EUR"}]
        assert _all_rows(client_of("nobody"), "payout") == []
        assert len(_all_rows(client_of("director"), "payout")) == 2
        exports = [a for a in users.audit_log(site) if a["event"] == "export" and a["detail"].startswith("payout")]
        assert len(exports) == 4
    finally:
        db = duckdb.connect(str(site / "saleskpi.duckdb"))
        db.execute("DROP TABLE result_payout")
        db.close()


# --- the database while the server runs ----------------------------------------------------

_HOLD = """
import sys
from saleskpi.lock import WorkspaceLock
lock = WorkspaceLock(__import__("pathlib").Path(sys.argv[1]), command="saleskpi compute", exclusive=True, timeout=5)
lock.acquire()
print("held", flush=True)
sys.stdin.readline()
lock.release()
"""


def test_requests_answer_from_the_snapshot_while_a_writer_works_then_see_the_new_run(computed, tmp_path):
    from saleskpi.compute import compute
    from saleskpi.web import create_app
    from saleskpi.workspace import Workspace

    path = tmp_path / "ws"
    shutil.copytree(computed, path)
    users.add_user(path, "director", role="director", password=PASSWORD)
    app = create_app(path, secret=SECRET)
    with TestClient(app) as client:
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"login": "director", "password": PASSWORD, "csrf": token})
        first = client.get("/api/results/abc-limits").json()["run_id"]
        writer = subprocess.Popen([sys.executable, "-c", _HOLD, str(path)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout.readline().strip() == "held"
            served = app.state.snapshots._current.file
            assert not served.exists()  # the writer emptied the temporary folder; the open copy still reads
            os.utime(path / "saleskpi.duckdb")  # the file changes while the writer holds the lock
            during = client.get("/api/results/abc-limits")
            assert during.status_code == 200 and during.json()["run_id"] == first
            assert app.state.snapshots._current.file == served  # no new copy: the writer holds the lock
            assert client.get("/").status_code == 200
        finally:
            writer.communicate("\n", timeout=30)
        with Workspace.open(path, command="saleskpi compute") as ws:
            compute(ws, only=["abc"])
        after = client.get("/api/results/abc-limits").json()
        assert after["run_id"] > first and after["total"] == 5


def test_before_any_copy_a_held_writer_gives_busy_never_a_lock_error(computed, tmp_path):
    from saleskpi.web import create_app

    path = tmp_path / "ws"
    shutil.copytree(computed, path)
    users.add_user(path, "director", role="director", password=PASSWORD)
    app = create_app(path, secret=SECRET)
    writer = subprocess.Popen([sys.executable, "-c", _HOLD, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "held"
        with TestClient(app) as client:
            token = csrf_of(client.get("/login").text)
            client.post("/login", data={"login": "director", "password": PASSWORD, "csrf": token})
            page = client.get("/")
            assert page.status_code == 503 and "Данните се обновяват" in page.text
            api = client.get("/api/results/abc")
            assert api.status_code == 503 and api.json()["detail"].startswith("The data is being updated")
            assert "lock" not in page.text.lower() + api.text.lower()
    finally:
        writer.communicate("\n", timeout=30)


def test_serving_a_folder_that_is_not_a_workspace_is_refused(tmp_path):
    from saleskpi.web import create_app

    with pytest.raises(UsageError, match="is not a saleskpi workspace"):
        create_app(tmp_path, secret=SECRET)
    done = subprocess.run([sys.executable, "-m", "saleskpi", "serve", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "is not a saleskpi workspace" in done.stderr
    assert not (tmp_path / "none").exists()
