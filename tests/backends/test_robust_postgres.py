"""The kill and concurrency cases of tests/test_robust.py on PostgreSQL, where they apply: writers
exclude each other through the workspace lock; readers do not wait (they read what was committed);
a killed compute's run is never read and the next run removes it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from saleskpi.workspace import Workspace
from test_robust import KILLED_COMPUTE, Holder, saleskpi, sales_file, set_setting

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_ws(tmp_path: Path, backend_url) -> Path:
    """A workspace on a fresh schema of the session's server, with C1 and P1 and a 1 s busy timeout."""
    from saleskpi.data.importer import import_file

    path = tmp_path / "ws"
    Workspace.init(path, backend=backend_url("postgres")).close()
    set_setting(path, "busy_timeout", "1")
    (tmp_path / "c.csv").write_text("customer_id,name\nC1,Alpha\n", encoding="utf-8")
    (tmp_path / "p.csv").write_text("product_id,name\nP1,Bricks\n", encoding="utf-8")
    with Workspace.open(path) as ws:
        import_file(ws, "customers", tmp_path / "c.csv")
        import_file(ws, "products", tmp_path / "p.csv")
    return path


@pytest.mark.parametrize(("holder", "args"), [
    ("saleskpi import", ["import", "{ws}", "sales", "{sales}"]),
    ("saleskpi compute", ["import", "{ws}", "sales", "{sales}"]),
    ("saleskpi compute", ["compute", "{ws}"]),
])
def test_two_writers_on_postgres_wait_then_exit_4(pg_ws, tmp_path, holder, args):
    sales = sales_file(tmp_path)
    held = Holder(pg_ws, holder)
    try:
        done = saleskpi(*[a.format(ws=pg_ws, sales=sales) for a in args])
    finally:
        held.stop()
    assert done.returncode == 4, done.stderr
    assert f"error: the workspace {pg_ws} is busy: {holder} (pid {held.pid}) since " in done.stderr


def test_a_reader_on_postgres_does_not_wait_for_a_writer(pg_ws):
    held = Holder(pg_ws, "saleskpi import")
    try:
        done = saleskpi("show", str(pg_ws), "customers", "--format", "json")
    finally:
        held.stop()
    assert done.returncode == 0, done.stderr
    assert [r["customer_id"] for r in json.loads(done.stdout)] == ["C1"]
    assert "waiting" not in done.stderr


def test_a_killed_compute_on_postgres_is_never_read_and_the_next_run_removes_it(pg_ws):
    from saleskpi import results

    def run(*args):
        return subprocess.run([sys.executable, "-c", KILLED_COMPUTE.format(path=str(pg_ws)), *args],
                              capture_output=True, text=True)

    assert run("live", "add").stdout.strip() == "1"
    assert run("kill", "add").returncode == -signal.SIGKILL
    with Workspace.open(pg_ws, read_only=True) as ws:
        assert results.runs_of(ws.con, "customer-count") == [1, 2]  # the killed run's rows are there, unread:
        assert results.read(ws.con, "customer-count").to_pyarrow().to_pylist() == [{"customers": 2}]  # C1 + 1
    assert run("live", "same").stdout.strip() == "3"
    with Workspace.open(pg_ws, read_only=True) as ws:
        assert sorted(ws.table("meta_runs").run_id.to_pyarrow().to_pylist()) == [1, 3]
        assert results.runs_of(ws.con, "customer-count") == [1, 3]
        assert results.read(ws.con, "customer-count").to_pyarrow().to_pylist() == [{"customers": 3}]


def test_init_with_a_password_in_the_url_warns_and_never_shows_it(tmp_path, postgres_server):
    url = postgres_server.replace("postgres@", "postgres:s3cret@") + "?schema=pw_test"  # the server trusts
    done = saleskpi("init", str(tmp_path / "ws"), "--backend", url)
    assert done.returncode == 0, done.stderr
    assert ("warning: the backend URL holds a password, now stored in settings.toml (readable by you only). Keep it "
            "out of the file: set PGPASSWORD or write it in ~/.pgpass (docs/backends.md).") in done.stderr
    assert "s3cret" not in done.stderr
    settings = tmp_path / "ws" / "settings.toml"
    assert (settings.stat().st_mode & 0o777) == 0o600
    listed = saleskpi("show", str(tmp_path / "ws"), "--list")
    assert listed.returncode == 0 and "s3cret" not in listed.stdout + listed.stderr
