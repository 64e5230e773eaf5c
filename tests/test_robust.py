"""Never a traceback, crashes, files at rest: each case run as a user would, asserting the message
and the exit code (docs/workspace.md, "Exit codes", "Several commands at once", "Files at rest").

The busy cases run real concurrent processes: a holder process opens the workspace through the
library as a command would (``Workspace.open(..., command="saleskpi import")``) and keeps it
until told to go; the command under test is ``python -m saleskpi ...``.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from saleskpi import results
from saleskpi.analyses.potential.peer import FITS_DIR
from saleskpi.lock import LOCK_FILE, TEMP_DIR
from saleskpi.workspace import Workspace

SALES_HEADER = "invoice_id,line_no,date,customer_id,product_id,quantity,net_value,note\n"


def saleskpi(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "saleskpi", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def set_setting(ws: Path, key: str, value: str) -> None:
    """Write ``key = value`` in settings.toml (replacing the key's line, commented or not)."""
    settings = ws / "settings.toml"
    lines = settings.read_text(encoding="utf-8").splitlines()
    found = [i for i, line in enumerate(lines) if line.lstrip("# ").startswith(f"{key} =")]
    assert found, key
    lines[found[0]] = f"{key} = {value}"
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """An empty workspace (made in this process: quicker) with a short busy timeout, a
    customer C1 and a product P1."""
    from saleskpi.data.importer import import_file

    path = tmp_path / "ws"
    Workspace.init(path).close()
    set_setting(path, "busy_timeout", "1")
    (tmp_path / "c.csv").write_text("customer_id,name\nC1,Alpha\n", encoding="utf-8")
    (tmp_path / "p.csv").write_text("product_id,name\nP1,Bricks\n", encoding="utf-8")
    with Workspace.open(path) as opened:
        import_file(opened, "customers", tmp_path / "c.csv")
        import_file(opened, "products", tmp_path / "p.csv")
    return path


def sales_file(folder: Path, lines: int = 3, *, encoding: str = "utf-8") -> Path:
    path = folder / f"sales-{lines}-{encoding}.csv"
    with path.open("w", encoding=encoding, newline="") as fh:
        fh.write(SALES_HEADER)
        for i in range(lines):
            fh.write(f"I{i},1,2025-01-{1 + i % 28:02d},C1,P1,{1 + i % 5},{10 + i % 97}.50,Бележка {i}\n")
    return path


class Holder:
    """A process holding the workspace as ``command`` does, until :meth:`stop`."""

    def __init__(self, ws: Path, command: str, *, read_only: bool = False, hold: float = 60):
        script = textwrap.dedent(f"""
            import sys, time
            from saleskpi.workspace import Workspace
            ws = Workspace.open({str(ws)!r}, read_only={read_only}, command={command!r})
            ws.con  # connects and takes the lock
            print("ready", flush=True)
            time.sleep({hold})
            ws.close()
        """)
        self.proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        self.pid = self.proc.pid

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


# --- a busy workspace ---------------------------------------------------------------------------

BUSY = [
    # (what holds it, read-only holder, the command a user runs)
    ("saleskpi import", False, ["show", "{ws}", "customers"]),
    ("saleskpi compute", False, ["import", "{ws}", "sales", "{sales}"]),
    ("saleskpi import", False, ["import", "{ws}", "sales", "{sales}"]),
    ("saleskpi compute", False, ["compute", "{ws}"]),
    ("saleskpi show", True, ["import", "{ws}", "sales", "{sales}"]),
]


@pytest.mark.parametrize(("holder", "read_only", "args"), BUSY, ids=lambda v: v if isinstance(v, str) else None)
def test_a_busy_workspace_says_what_runs_since_when_and_exits_4(ws, tmp_path, holder, read_only, args):
    sales = sales_file(tmp_path)
    held = Holder(ws, holder, read_only=read_only)
    try:
        started = time.monotonic()
        done = saleskpi(*[a.format(ws=ws, sales=sales) for a in args])
        waited = time.monotonic() - started
    finally:
        held.stop()
    assert done.returncode == 4, done.stderr
    assert f"error: the workspace {ws} is busy: {holder} (pid {held.pid}) since " in done.stderr
    assert "try again when it ends (waited 1 s, [workspace] busy_timeout in settings.toml)." in done.stderr
    assert f"waiting for {holder} (pid {held.pid})" in done.stderr
    assert waited >= 1
    if args[0] == "import":  # nothing was loaded meanwhile, and the next try works
        assert saleskpi(*[a.format(ws=ws, sales=sales) for a in args]).returncode == 0


def test_two_readers_at_once_and_a_command_that_waits_for_the_end(ws, tmp_path):
    reader = Holder(ws, "saleskpi show", read_only=True)
    try:
        assert saleskpi("show", str(ws), "customers", "--format", "json").returncode == 0
    finally:
        reader.stop()
    set_setting(ws, "busy_timeout", "60")
    writer = Holder(ws, "saleskpi import")
    show = subprocess.Popen([sys.executable, "-m", "saleskpi", "show", str(ws), "customers", "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    told = show.stderr.readline()  # the show waits ...
    writer.stop()  # ... until the import ends
    out, rest = show.communicate(timeout=120)
    assert show.returncode == 0, rest
    assert told.startswith(f"waiting for saleskpi import (pid {writer.pid}) since ") and "(up to 60 s)" in told
    assert "Traceback" not in rest and json.loads(out)[0]["customer_id"] == "C1"


def test_a_lock_left_by_a_dead_process_is_taken_over(ws, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (ws / LOCK_FILE).write_text(json.dumps({"command": "saleskpi import", "pid": int(dead.stdout),
                                            "since": "2026-01-01T10:02:11"}), encoding="utf-8")
    leftover = ws / TEMP_DIR / "saleskpi-import-x" / "utf8.csv"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("a clear-text copy", encoding="utf-8")
    done = saleskpi("import", str(ws), "sales", str(sales_file(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert not leftover.parent.exists()
    assert (ws / LOCK_FILE).read_text(encoding="utf-8") == ""  # released


def test_duckdbs_own_lock_gives_the_same_message(ws):
    # a program outside saleskpi (no workspace lock) holds the database file
    script = f"import duckdb, time; db = duckdb.connect({str(ws / 'saleskpi.duckdb')!r}); print('ready', flush=True); time.sleep(60)"
    other = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "ready"
        done = saleskpi("show", str(ws), "customers")
    finally:
        other.kill()
        other.wait()
    assert done.returncode == 4, done.stderr
    assert (f"error: the workspace is busy: its database is held by process {other.pid} (not a saleskpi "
            "command of this workspace, or one of an older version); try again when it ends.") in done.stderr


# --- crashes ------------------------------------------------------------------------------------


def test_a_killed_import_leaves_no_clear_text_copy_and_gives_the_space_back(ws, tmp_path):
    data = sales_file(tmp_path, 400_000, encoding="cp1251")  # re-encoded to UTF-8 on import
    database = ws / "saleskpi.duckdb"
    before = database.stat().st_size
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    killed = saleskpi("import", str(ws), "sales", str(data),
                      env={"SALESKPI_FAULT": "before-commit", "TMPDIR": str(system_tmp)})
    assert killed.returncode == -signal.SIGKILL
    assert list(system_tmp.iterdir()) == []  # nothing went to the system's temporary folder
    copies = list((ws / TEMP_DIR).glob("saleskpi-import-*/utf8.csv"))
    assert len(copies) == 1  # the copy a killed import leaves lies in the workspace, private
    assert stat.S_IMODE(copies[0].parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((ws / TEMP_DIR).stat().st_mode) == 0o700
    grown = database.stat().st_size
    assert grown > before + 2_000_000
    shown = saleskpi("show", str(ws), "sales", "--format", "json")
    assert shown.returncode == 0 and json.loads(shown.stdout) == []
    again = saleskpi("import", str(ws), "territories", str(ws / "templates" / "territories.csv"))
    assert again.returncode == 3  # a header only; but the writer's open cleaned up first
    assert not list((ws / TEMP_DIR).glob("saleskpi-import-*"))
    assert database.stat().st_size < before + 500_000 < grown


#: A compute of two made-up analyses; argv[1] "kill": it dies (SIGKILL) after the first stored
#: its result; argv[2] "add": a customer is added first. Prints the run id. Format with path=.
KILLED_COMPUTE = textwrap.dedent("""
        import os, signal, sys
        from saleskpi import compute
        from saleskpi.analyses import Analysis
        from saleskpi.engines import raw
        from saleskpi.results import Result, column
        from saleskpi.workspace import Workspace

        def declared(name):
            return (Result(name, ("Count", "Брой"), ("A count.", "Брой."),
                           (column("customers", "count", "Customers", "Клиенти", "How many.", "Колко."),)),)

        def counts(ctx):
            t = ctx.table("customers")
            return {{"customer-count": t.aggregate(customers=t.count())}}

        def killed(ctx):
            if sys.argv[1] == "kill":
                os.kill(os.getpid(), signal.SIGKILL)  # dies half-way: customer-count is stored
            return {{"customer-tally": ctx.result("customer-count")}}

        compute.registry = lambda: {{
            "counts": Analysis("counts", "Count", declared("customer-count"), counts),
            "tally": Analysis("tally", "Tally", declared("customer-tally"), killed, depends_on=("counts",)),
        }}
        with Workspace.open({path!r}) as ws:
            if sys.argv[2] == "add":
                raw(ws.con).execute("INSERT INTO customers (customer_id, name) VALUES ('C' || (SELECT count(*) + 1 FROM customers), 'x')")
            print(compute.compute(ws).run_id)
    """)


def test_a_killed_compute_is_never_read_and_the_next_run_removes_it(tmp_path):
    path = tmp_path / "ws"
    script = KILLED_COMPUTE.format(path=str(path))

    def run(*args):
        return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)

    Workspace.init(path).close()
    assert run("live", "add").stdout.strip() == "1"
    assert run("kill", "add").returncode == -signal.SIGKILL  # run 2 half-stored: 2 customers
    with Workspace.open(path, read_only=True) as ws:
        runs = ws.table("meta_runs").order_by("run_id").to_pyarrow().to_pylist()
        assert [(r["run_id"], r["finished_at"] is None) for r in runs] == [(1, False), (2, True)]
        assert results.runs_of(ws.con, "customer-count") == [1, 2]  # its rows are there ...
        assert results.read(ws.con, "customer-count").to_pyarrow().to_pylist() == [{"customers": 1}]  # ... unread
    assert run("live", "same").stdout.strip() == "3"
    with Workspace.open(path, read_only=True) as ws:
        assert ws.table("meta_runs").run_id.to_pyarrow().to_pylist() == [1, 3]
        for name in ("customer-count", "customer-tally"):
            assert results.runs_of(ws.con, name) == [1, 3]
        assert results.read(ws.con, "customer-count").to_pyarrow().to_pylist() == [{"customers": 2}]
    shown = saleskpi("show", str(path), "meta_runs", "--format", "json")
    assert [r["run_id"] for r in json.loads(shown.stdout)] == [1, 3]


# --- never a traceback ------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "value", "message"), [
    ("date_formats", '["%Q"]', "[import] date_formats: must be a list of at least one date format of % codes"),
    ("date_formats", '["dd.mm.yyyy"]', "got ['dd.mm.yyyy']"),
    ("memory_limit", '"lots"', "[import] memory_limit: must be an amount of memory of at least 256MB in KB, MB, GB, "
                               "TB (or KiB, MiB, GiB, TiB), such as '1GB'; got 'lots'"),
    ("memory_limit", '"1KB"', "[import] memory_limit: must be an amount of memory of at least 256MB"),
    ("busy_timeout", "-1", "[workspace] busy_timeout: must be a number >= 0"),
])
def test_bad_settings_are_refused_with_the_key_exit_3(ws, tmp_path, key, value, message):
    set_setting(ws, key, value)
    for args in (["import", str(ws), "sales", str(sales_file(tmp_path))], ["show", str(ws), "--list"]):
        done = saleskpi(*args)
        assert done.returncode == 3, done.stderr
        assert f"error: {ws / 'settings.toml'}: 1 invalid setting(s):" in done.stderr and message in done.stderr


def test_a_bad_date_format_in_a_mapping_file_is_refused_exit_3(ws, tmp_path):
    mapping = tmp_path / "erp.toml"
    mapping.write_text('[read]\ndate_format = "%d.%m.%Q"\n', encoding="utf-8")
    done = saleskpi("import", str(ws), "sales", str(sales_file(tmp_path)), "--mapping", str(mapping))
    assert done.returncode == 3
    assert (f"error: {mapping}: 1 invalid mapping key(s):\n  - [read] date_format: must be a date format of % codes "
            "(%d day, %m month, %Y year, %H:%M:%S time), such as '%d.%m.%Y'; got '%d.%m.%Q'") in done.stderr


def test_settings_saved_in_windows_1251_name_the_line_exit_3(ws):
    settings = ws / "settings.toml"
    text = settings.read_text(encoding="utf-8").replace('name = "ws"', 'name = "Строймат"')
    settings.write_bytes(text.encode("cp1251", errors="replace"))
    done = saleskpi("compute", str(ws))
    assert done.returncode == 3
    assert (f"error: {settings}: line 7 is not UTF-8 text ('name = \"Строймат\"' read as Windows-1251). Save the "
            "settings file as UTF-8 (Notepad: Save As, Encoding: UTF-8).") in done.stderr
    settings.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # UTF-8 with a BOM (Notepad) is read
    assert saleskpi("show", str(ws), "--list").returncode == 0


def test_compute_on_an_empty_workspace_says_what_to_import_exit_2(ws):
    done = saleskpi("compute", str(ws))
    assert done.returncode == 2
    assert (f"error: The workspace {ws} has no sales lines yet, so there is nothing to compute. Import them first: "
            f"saleskpi import {ws} sales FILE") in done.stderr


def test_an_unexpected_error_is_one_line_exit_1_and_the_traceback_only_on_request(tmp_path):
    script = ("import saleskpi.cli as cli\n"
              "def broken(): raise RuntimeError('the disk said no')\n"
              "cli.app = broken\ncli.main()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr == ("error: unexpected RuntimeError: the disk said no -- this is a bug in saleskpi; please "
                           "report it with the command you ran (run it again with SALESKPI_DEBUG=1 for the details).\n")
    debug = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env={**os.environ, "SALESKPI_DEBUG": "1"})
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "the disk said no" in debug.stderr


# --- files at rest and paths ----------------------------------------------------------------------


def test_a_workspace_is_its_owners_only(tmp_path):
    path = tmp_path / "ws"
    assert saleskpi("init", str(path)).returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert stat.S_IMODE((path / "templates").stat().st_mode) == 0o700
    for file in [path / "settings.toml", path / "saleskpi.duckdb", path / LOCK_FILE, *(path / "templates").iterdir()]:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_init_refuses_symbolic_links_and_keeps_the_users_templates(tmp_path):
    outside = tmp_path / "precious.txt"
    outside.write_text("mine", encoding="utf-8")
    path = tmp_path / "ws"
    (path / "templates").mkdir(parents=True)
    (path / "templates" / "sales.csv").symlink_to(outside)
    done = saleskpi("init", str(path))
    assert done.returncode == 2
    assert (f"error: {path / 'templates' / 'sales.csv'} is a symbolic link; saleskpi writes only files of the "
            "workspace itself. Remove the link and run the command again.") in done.stderr
    assert outside.read_text(encoding="utf-8") == "mine"
    other = tmp_path / "ws2"
    other.mkdir()
    (other / "settings.toml").symlink_to(tmp_path / "elsewhere.toml")  # dangling: would be created there
    done = saleskpi("init", str(other))
    assert done.returncode == 2 and "settings.toml is a symbolic link" in done.stderr
    assert not (tmp_path / "elsewhere.toml").exists()
    (path / "templates" / "sales.csv").unlink()
    (path / "templates" / "customers.csv").write_text("customer_id,name\nC1,Mine\n", encoding="utf-8")
    assert saleskpi("init", str(path)).returncode == 0
    assert (path / "templates" / "customers.csv").read_text(encoding="utf-8") == "customer_id,name\nC1,Mine\n"
    assert (path / "templates" / "sales.csv").read_text(encoding="utf-8").startswith("invoice_id,line_no,date")


def test_a_relative_database_path_may_not_leave_the_workspace(tmp_path):
    path = tmp_path / "ws"
    done = saleskpi("init", str(path), "--backend", "duckdb://../other/co.duckdb")
    assert done.returncode == 3
    assert (f"[workspace] backend: 'duckdb://../other/co.duckdb': the DuckDB file '../other/co.duckdb' is outside "
            f"the workspace folder {path}.") in done.stderr
    assert not (tmp_path / "other").exists()
    inside = saleskpi("init", str(tmp_path / "ws3"), "--backend", "duckdb://data/../co.duckdb")
    assert inside.returncode == 0 and (tmp_path / "ws3" / "co.duckdb").exists()


def test_a_postgres_password_is_masked_in_every_message(tmp_path):
    from saleskpi.engines import BackendURL

    url = BackendURL.parse("postgres://sales:s3cr%40t@db.example:5432/crm?schema=acme", base=tmp_path)
    assert url.password == "s3cr@t" and url.url == "postgres://sales:***@db.example:5432/crm?schema=acme"
    assert "s3cr" not in repr(url)
    done = saleskpi("init", str(tmp_path / "ws"), "--backend", "postgres://sales:s3cret@127.0.0.1:1/crm?schema=acme")
    assert done.returncode == 3  # no server there (or no driver installed): either message masks it
    assert "postgres://sales:***@127.0.0.1:1/crm" in done.stderr or "Cannot connect to PostgreSQL at 127.0.0.1:1" in done.stderr
    assert "s3cret" not in done.stderr
    bad = saleskpi("init", str(tmp_path / "ws2"), "--backend", "postgres://sales:s3cret@127.0.0.1:1/crm?schema=a-b&x=1")
    assert bad.returncode == 3 and "postgres://sales:***@127.0.0.1:1/crm" in bad.stderr and "s3cret" not in bad.stderr
    # from the environment (libpq's PGPASSWORD): never written anywhere
    env = saleskpi("init", str(tmp_path / "ws3"), "--backend", "postgres://sales@127.0.0.1:1/crm",
                   env={"PGPASSWORD": "s3cret"})
    assert env.returncode == 3 and "s3cret" not in env.stderr
    assert "s3cret" not in (tmp_path / "ws3" / "settings.toml").read_text(encoding="utf-8")
    assert stat.S_IMODE((tmp_path / "ws3" / "settings.toml").stat().st_mode) == 0o600


def test_demo_replace_removes_only_what_saleskpi_made(tmp_path):
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    for name, text in {"settings.toml": "[server]\nport = 8080\n", "src/app.py": "print('hi')\n",
                       "README.md": "# my app\n"}.items():
        (app / name).write_text(text, encoding="utf-8")
    done = saleskpi("demo", str(app), "--replace", "--customers", "100", "--years", "1")
    assert done.returncode == 2
    assert f"error: {app} is not a saleskpi workspace that 'demo --replace' may remove" in done.stderr
    assert "Nothing was removed" in done.stderr
    assert sorted(str(p.relative_to(app)) for p in app.rglob("*")) == ["README.md", "settings.toml", "src", "src/app.py"]
    (app / "settings.toml").write_text("", encoding="utf-8")  # empty: valid TOML, but no saleskpi settings
    empty = saleskpi("demo", str(app), "--replace", "--customers", "100", "--years", "1")
    assert empty.returncode == 2 and "has no [workspace] section" in empty.stderr
    assert sorted(str(p.relative_to(app)) for p in app.rglob("*")) == ["README.md", "settings.toml", "src", "src/app.py"]

    demo = tmp_path / "demo"
    assert saleskpi("demo", str(demo), "--customers", "100", "--years", "1").returncode == 0
    (demo / "notes.md").write_text("my notes\n", encoding="utf-8")
    kept_fit = demo / FITS_DIR / "0123.npy"  # what a compute keeps for the next (the peer fits)
    kept_fit.parent.mkdir(parents=True)
    kept_fit.write_bytes(b"")
    again = saleskpi("demo", str(demo), "--replace", "--customers", "100", "--years", "1", "--seed", "8")
    assert again.returncode == 0, again.stderr  # a demo workspace is replaced without a question
    assert f"Kept in {demo} (not made by saleskpi): notes.md" in again.stderr
    assert (demo / "notes.md").read_text(encoding="utf-8") == "my notes\n"
    assert not (demo / FITS_DIR.parts[0]).exists()  # saleskpi's own cache goes with the workspace
    assert json.loads((demo / ".saleskpi-demo").read_text(encoding="utf-8"))["seed"] == 8

    mine = tmp_path / "mine"
    assert saleskpi("init", str(mine)).returncode == 0
    (tmp_path / "c.csv").write_text("customer_id,name\nC1,Alpha\n", encoding="utf-8")
    assert saleskpi("import", str(mine), "customers", str(tmp_path / "c.csv")).returncode == 0
    refused = saleskpi("demo", str(mine), "--replace", "--customers", "100", "--years", "1")
    assert refused.returncode == 2
    assert (f"error: {mine} holds 1 imported file(s) (c.csv); nothing was removed. Run again with --yes to replace "
            "it by the demo, or choose another folder.") in refused.stderr
    assert saleskpi("show", str(mine), "customers", "--format", "json").stdout.count("C1") == 1
    confirmed = saleskpi("demo", str(mine), "--replace", "--yes", "--customers", "100", "--years", "1")
    assert confirmed.returncode == 0, confirmed.stderr
    assert (mine / ".saleskpi-demo").is_file()


def test_an_engine_out_of_memory_names_the_setting():
    import duckdb

    from saleskpi.engines import user_error

    db = duckdb.connect()
    db.execute("SET memory_limit = '1KB'")
    with pytest.raises(duckdb.OutOfMemoryException) as raised:
        db.execute("SELECT sum(range) FROM range(10000000) GROUP BY range % 100000").fetchall()
    found = user_error(raised.value)
    assert found is not None and found.exit_code == 3
    assert str(found).startswith("DuckDB ran out of memory (Out of Memory Error: ")
    assert str(found).endswith("Raise [import] memory_limit (or, computing, [compute] memory_limit) in settings.toml "
                               "(e.g. memory_limit = \"4GB\"), or close other programs and try again.")
    assert user_error(RuntimeError("boom")) is None


def test_one_process_may_open_a_workspace_it_holds_again(ws):
    with Workspace.open(ws) as writer:
        writer.con
        with Workspace.open(ws) as again:  # no wait: the lock is this process's
            assert again.table("customers").count().execute() == 1
        assert json.loads((ws / LOCK_FILE).read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert (ws / LOCK_FILE).read_text(encoding="utf-8") == ""
