"""What each engine must do besides computing: load all or nothing, log runs, discard a failed
run, and the command line (init, import, compute, show) with a backend URL."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from decimal import Decimal

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from saleskpi import compute as compute_module
from saleskpi import results
from saleskpi.analyses import Analysis
from saleskpi.data.importer import load_arrow
from saleskpi.engines import spark as engine
from saleskpi.errors import InputDataError
from saleskpi.results import Result, column
from saleskpi.workspace import Workspace

from .conftest import BACKENDS, engine_params

pytestmark = pytest.mark.slow
ENGINES = engine_params(*BACKENDS)


def rows(ws, table: str, *columns: str) -> list[tuple]:
    t = ws.table(table)
    got = t.select(*columns).to_pyarrow().to_pylist()
    return sorted(tuple(r[c] for c in columns) for r in got)


TERRITORIES = pa.table({"territory_id": ["T1", "T2"], "name": ["North", "South"]})
CUSTOMERS = pa.table({"customer_id": ["C1", "C2"], "name": ["a", "b"], "territory_id": ["T1", "T3"],
                      "driver_beds": [10.0, None]})


@pytest.mark.parametrize("kind", ENGINES)
def test_imports_are_checked_against_stored_rows_and_load_all_or_nothing(kind, backend_url, tmp_path):
    with Workspace.init(tmp_path / "ws", backend=backend_url(kind)) as ws:
        assert load_arrow(ws, "territories", TERRITORIES, source="t").import_id == 1
        with pytest.raises(InputDataError, match="no territories has territory_id 'T3'"):
            load_arrow(ws, "customers", CUSTOMERS, source="c")
        assert ws.table("customers").count().execute() == 0  # refused: nothing loaded
        report = load_arrow(ws, "customers", CUSTOMERS, source="c", create_missing=True)
        assert (report.rows_loaded, report.created, report.import_id) == (2, {"territories": 1}, 2)
        assert rows(ws, "territories", "territory_id", "name", "import_id") == [
            ("T1", "North", 1), ("T2", "South", 1), ("T3", "T3", 2)]
        assert rows(ws, "customers", "customer_id", "driver_beds") == [("C1", 10.0), ("C2", None)]
        with pytest.raises(InputDataError, match="is already stored in customers"):
            load_arrow(ws, "customers", CUSTOMERS.slice(0, 1), source="again")
        fewer = pa.table({"territory_id": ["T1"], "name": ["N"]})
        with pytest.raises(InputDataError, match="would leave references dangling"):
            load_arrow(ws, "territories", fewer, source="fewer", mode="replace")
        renamed = pa.table({"territory_id": ["T1", "T3"], "name": ["Nord", "Tri"]})
        assert load_arrow(ws, "territories", renamed, source="renamed", mode="replace").import_id == 3
        assert rows(ws, "territories", "territory_id", "name", "import_id") == [("T1", "Nord", 3), ("T3", "Tri", 3)]
        assert rows(ws, "meta_imports", "import_id", "table_name", "rows_loaded") == [
            (1, "territories", 2), (2, "customers", 2), (3, "territories", 2)]


def counted(name: str, col: str) -> tuple[Result, ...]:
    """The declaration of a one-row result holding a count."""
    return (Result(name, ("Count", "Брой"), ("A count.", "Брой."),
                   (column(col, "count", "Count", "Брой", "How many.", "Колко."),)),)


def _fake_registry():
    def counts(ctx):
        t = ctx.table("territories")
        return {"territory-count": t.aggregate(territories=t.count())}

    return {"counts": Analysis("counts", "Count", counted("territory-count", "territories"), counts)}


@pytest.mark.parametrize("kind", ENGINES)
def test_runs_are_logged_and_a_failed_run_leaves_nothing(kind, backend_url, tmp_path, monkeypatch):
    monkeypatch.setattr(compute_module, "registry", _fake_registry)
    with Workspace.init(tmp_path / "ws", backend=backend_url(kind)) as ws:
        load_arrow(ws, "territories", TERRITORIES, source="t")
        first = compute_module.compute(ws, as_of=dt.date(2025, 12, 31))
        assert (first.run_id, first.stored) == (1, {"territory-count": 1})
        assert results.read(ws.con, "territory-count", stamped=True).to_pyarrow().to_pylist() == [
            {"territories": 2, "run_id": 1, "as_of": dt.date(2025, 12, 31)}]

        def broken(ctx):
            raise RuntimeError("boom")

        reg = _fake_registry()
        reg["broken"] = Analysis("broken", "Broken", counted("nothing", "territories"), broken)
        monkeypatch.setattr(compute_module, "registry", lambda: reg)
        with pytest.raises(RuntimeError, match="boom"):
            compute_module.compute(ws)
        assert results.runs_of(ws.con, "territory-count") == [1]  # run 2's rows were deleted
        runs = rows(ws, "meta_runs", "run_id", "as_of")
        assert runs == [(1, dt.date(2025, 12, 31))]
        assert ws.table("meta_runs").finished_at.notnull().all().execute()


@pytest.mark.parametrize("kind", ENGINES)
def test_command_line_init_import_compute_show(kind, backend_url, tmp_path):
    from saleskpi.cli import app

    cli = CliRunner()
    folder, url = tmp_path / "ws", backend_url(kind)
    done = cli.invoke(app, ["init", str(folder), "--backend", url])
    assert done.exit_code == 0, done.output
    assert f'backend = "{url}"' in (folder / "settings.toml").read_text(encoding="utf-8")
    csv = tmp_path / "territories.csv"
    csv.write_text("territory_id,name\nT1,North\nT2,South\n", encoding="utf-8")
    done = cli.invoke(app, ["import", str(folder), "territories", str(csv)])
    assert done.exit_code == 0, done.output
    csv = tmp_path / "customers.csv"
    csv.write_text("customer_id,name,territory_id\nC1,a,T1\n", encoding="utf-8")
    assert cli.invoke(app, ["import", str(folder), "customers", str(csv)]).exit_code == 0
    csv = tmp_path / "sales.csv"
    csv.write_text("invoice_id,date,customer_id,product_id,quantity,net_value\n"
                   "I1,2025-03-01,C1,P1,2,20.50\nI1,2025-03-01,C1,P2,1,9.99\n", encoding="utf-8")
    done = cli.invoke(app, ["import", str(folder), "sales", str(csv), "--create-missing"])
    assert done.exit_code == 0, done.output
    done = cli.invoke(app, ["compute", str(folder), "--only", "sales"])
    assert done.exit_code == 0, done.output
    shown = cli.invoke(app, ["show", str(folder), "territories", "--format", "json", "--columns", "territory_id,name"])
    assert shown.exit_code == 0, shown.output
    assert sorted(json.loads(shown.stdout), key=lambda r: r["territory_id"]) == [
        {"territory_id": "T1", "name": "North"}, {"territory_id": "T2", "name": "South"}]
    listed = cli.invoke(app, ["show", str(folder), "--list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    found = {(r["kind"], r["name"]): r["rows"] for r in json.loads(listed.stdout)}
    assert found["result", "sales"] > 0 and found["input", "sales"] == 2
    assert found["input", "products"] == 2  # created from the sales lines (--create-missing)
    with Workspace.open(folder) as ws:
        assert rows(ws, "sales", "invoice_id", "line_no", "net_value") == [
            ("I1", 1, Decimal("20.50")), ("I1", 2, Decimal("9.99"))]


@pytest.mark.parametrize("kind", engine_params("postgres"))
def test_a_killed_postgres_import_leaves_nothing(kind, backend_url, tmp_path):
    url = backend_url(kind)
    with Workspace.init(tmp_path / "ws", backend=url) as ws:
        load_arrow(ws, "territories", TERRITORIES, source="t")
    script = textwrap.dedent(f"""
        import pyarrow as pa
        from saleskpi.workspace import Workspace
        from saleskpi.data.importer import load_arrow
        ws = Workspace.open({str(tmp_path / "ws")!r})
        load_arrow(ws, "territories", pa.table({{"territory_id": ["T1", "T2", "T9"], "name": ["a", "b", "c"]}}),
                   source="new", mode="replace")
    """)
    scratch = tmp_path / "tmp"  # a killed process leaves its staging files: keep them in here
    scratch.mkdir()
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "SALESKPI_FAULT": "before-commit", "TMPDIR": str(scratch)})
    assert killed.returncode == -9, killed.stderr  # SIGKILL right before COMMIT
    with Workspace.open(tmp_path / "ws") as ws:
        assert rows(ws, "territories", "territory_id", "name") == [("T1", "North"), ("T2", "South")]
        assert ws.table("meta_imports").count().execute() == 1


@pytest.mark.parametrize("kind", engine_params("spark"))
def test_a_spark_import_cut_after_its_journal_is_rolled_forward(kind, backend_url, tmp_path, monkeypatch):
    url = backend_url(kind)
    with Workspace.init(tmp_path / "ws", backend=url) as ws:
        load_arrow(ws, "territories", TERRITORIES, source="t")

        def crash(con, folder, journal):
            raise KeyboardInterrupt  # the process dies after the journal was written

        monkeypatch.setattr(engine, "_spark_apply", crash)
        with pytest.raises(KeyboardInterrupt):
            load_arrow(ws, "customers", CUSTOMERS, source="c", create_missing=True)
        monkeypatch.undo()
        assert ws.table("customers").count().execute() == 0  # not applied yet
    with Workspace.open(tmp_path / "ws") as ws:  # opening for writing rolls the journal forward
        assert rows(ws, "customers", "customer_id") == [("C1",), ("C2",)]
        assert rows(ws, "territories", "territory_id") == [("T1",), ("T2",), ("T3",)]
        assert rows(ws, "meta_imports", "import_id", "table_name") == [(1, "territories"), (2, "customers")]
    with Workspace.open(tmp_path / "ws") as ws:  # and only once
        assert ws.table("customers").count().execute() == 2
