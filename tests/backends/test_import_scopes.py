"""Scoped replaces, the backup of removed rows and undo on every engine, with what DuckDB does.

One story per engine (docs/import.md, "Replacing stored rows" and "The import log and undo"):
three sales imports, then a replace of one import, of a range of dates, of the invoices in a
file, of the customers in a file and of the whole table, then two undos. After each step the
sales, the backup (``meta_removed_sales``), the purchase-day table (fresh, equal to one built
from the sales) and the import log are read; every engine must give what DuckDB gives, and
DuckDB's figures are asserted by hand. Spark runs it once (it is slow to start).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from saleskpi.data.importer import Replace, import_file, load_arrow, undo_last
from saleskpi.derived import PURCHASE_DAYS, derived_tables, is_fresh
from saleskpi.engines import spark as spark_engine
from saleskpi.errors import UsageError
from saleskpi.workspace import Workspace

from .conftest import engine_params

pytestmark = pytest.mark.slow

HEAD = "invoice_id,date,customer_id,product_id,quantity,net_value\n"
FILES = {
    "jan.csv": HEAD + "F1,2024-01-05,C1,P1,1,10\nF1,2024-01-05,C1,P1,2,20\nF2,2024-01-20,C2,P1,1,5\n",
    "feb.csv": HEAD + "F3,2024-02-03,C1,P1,1,7\nF4,2024-02-10,C2,P1,4,40\n",
    "mar.csv": HEAD + "F5,2024-03-01,C1,P1,1,1\nF5,2024-03-01,C2,P1,1,2\n",
    "feb2.csv": HEAD + "F3,2024-02-03,C1,P1,9,90\n",
    "jan2.csv": HEAD + "F1,2024-01-05,C1,P1,5,50\n",
    "mar2.csv": HEAD + "F5,2024-03-01,C1,P1,3,3\n",
    "all.csv": HEAD + "F9,2024-04-01,C2,P1,1,100\n",
    "c.csv": "customer_id,name\nC2,Beta Ltd\n",
}
#: The steps: (file, table, replace) for an import, ("undo",) for an undo.
STEPS = (("feb2.csv", "sales", Replace("import", import_id=4)),
         ("jan2.csv", "sales", Replace.dates("2024-01-01:2024-01-10")),
         ("mar2.csv", "sales", Replace("file")),
         ("c.csv", "customers", Replace("file")),
         ("all.csv", "sales", Replace("all")),
         ("undo",),
         ("undo",))


def _rows(ws, table: str, *columns: str) -> list[tuple]:
    got = ws.con.table(table).select(*columns).to_pyarrow().to_pylist()
    return sorted(tuple(r[c] for c in columns) for r in got)


def snapshot(ws) -> dict:
    """What a user can see of the sales after a step, the same on every engine."""
    derived = derived_tables()[PURCHASE_DAYS]
    days = _rows(ws, PURCHASE_DAYS, "customer_id", "date", "value", "lines")
    built = derived.build(ws.con.table("sales")).to_pyarrow().to_pylist()
    assert days == sorted((r["customer_id"], r["date"], r["value"], r["lines"]) for r in built)
    tables = set(ws.con.list_tables())
    return {
        "sales": _rows(ws, "sales", "invoice_id", "line_no", "date", "customer_id", "quantity", "net_value",
                       "import_id"),
        "backup": (_rows(ws, "meta_removed_sales", "removed_by", "invoice_id", "line_no", "net_value")
                   if "meta_removed_sales" in tables else None),
        "customers": _rows(ws, "customers", "customer_id", "name", "import_id"),
        "days": days, "fresh": is_fresh(ws.con, derived),
        "log": _rows(ws, "meta_imports", "import_id", "table_name", "mode", "rows_loaded", "rows_removed",
                     "replaced_imports", "date_from", "date_to"),
        "undone": _rows(ws, "meta_imports", "import_id", "undone_at")[-3:],
    }


def story(url: str, root: Path) -> list:
    """Run the story on the workspace at ``url``: the snapshot and the statements of each step."""
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    seen = []
    with Workspace.init(root / "ws", backend=url) as ws:
        load_arrow(ws, "customers", pa.table({"customer_id": ["C1", "C2"], "name": ["Alpha", "Beta"]}),
                   source="customers")
        load_arrow(ws, "products", pa.table({"product_id": ["P1"], "name": ["Board"]}), source="products")
        for name in ("jan.csv", "feb.csv", "mar.csv"):
            import_file(ws, "sales", root / name)
        for step in STEPS:
            said: list[str] = []

            def confirm(statement: str) -> bool:
                said.append(statement.replace(str(ws.path), "WS"))
                return True

            if step[0] == "undo":
                done = undo_last(ws.con, confirm=confirm)
                what = (done.import_id, done.rows_deleted, done.rows_restored)
            else:
                report = import_file(ws, step[1], root / step[0], replace=step[2], confirm=confirm)
                what = (report.import_id, report.rows_loaded, report.rows_removed, report.replaced_imports)
            snap = snapshot(ws)
            snap["undone"] = [(i, at is not None) for i, at in snap["undone"]]
            seen.append((what, said, snap))
        with pytest.raises(UsageError, match="--replace-import 99: there is no such import"):
            import_file(ws, "sales", root / "mar2.csv", replace=Replace("import", import_id=99))
    return seen


@pytest.fixture(scope="module")
def duckdb_story(backend_url, tmp_path_factory):
    """The story on DuckDB (the reference), its figures asserted by hand."""
    seen = story(backend_url("duckdb"), tmp_path_factory.mktemp("duckdb-story"))
    (r1, s1, a1), (r2, _, a2), (r3, _, a3), (r4, _, a4), (r5, s5, a5), (u1, _, b1), (u2, _, b2) = seen
    # replace import 4 (February, 2 lines) by one line
    assert r1 == (6, 1, 2, (4,))
    assert s1 == ["Importing feb2.csv replaces the rows of import 4: 2 row(s) of sales are removed, dated "
                  "2024-02-03 to 2024-02-10, loaded by import(s) 4. They are kept in meta_removed_sales until "
                  "the next import into sales; 'saleskpi imports WS --undo' puts them back."]
    assert [r for r in a1["sales"] if r[6] == 6] == [("F3", 1, dt.date(2024, 2, 3), "C1", Decimal("9"),
                                                      Decimal("90"), 6)]
    assert a1["backup"] == [(6, "F3", 1, Decimal("7")), (6, "F4", 1, Decimal("40"))]
    assert ("C1", dt.date(2024, 2, 3), Decimal("90"), 1) in a1["days"] and a1["fresh"]
    # replace 1-10 January: F1's two lines (import 3); F2 of the same import stays
    assert r2 == (7, 1, 2, (3,))
    assert a2["backup"] == [(7, "F1", 1, Decimal("10")), (7, "F1", 2, Decimal("20"))]
    assert [r[0] for r in a2["sales"]] == ["F1", "F2", "F3", "F5", "F5"]
    # replace the invoices of the file: F5's two lines by one
    assert r3 == (8, 1, 2, (5,)) and a3["backup"] == [(8, "F5", 1, Decimal("1")), (8, "F5", 2, Decimal("2"))]
    # replace the customers of the file: C2 renamed, C1 kept
    assert r4 == (9, 1, 1, (1,))
    assert a4["customers"] == [("C1", "Alpha", 1), ("C2", "Beta Ltd", 9)]
    assert a4["backup"] == a3["backup"]  # an import into customers keeps the sales backup
    # replace every sales row (4) by one, with a backup
    assert r5 == (10, 1, 4, (3, 6, 7, 8))
    assert a5["sales"] == [("F9", 1, dt.date(2024, 4, 1), "C2", Decimal("1"), Decimal("100"), 10)]
    assert len(a5["backup"]) == 4 and a5["days"] == [("C2", dt.date(2024, 4, 1), Decimal("100"), 1)]
    # undo the replace of every row: its row goes, the four come back
    assert u1 == (10, 1, 4) and b1["sales"] == a4["sales"] and b1["days"] == a4["days"] and b1["fresh"]
    assert b1["backup"] == [] and b1["undone"] == [(8, False), (9, False), (10, True)]
    # undo the replace of the customers: C2 is Beta again
    assert u2 == (9, 1, 1) and b2["customers"] == [("C1", "Alpha", 1), ("C2", "Beta", 1)]
    return seen


@pytest.mark.parametrize("kind", engine_params("postgres", "spark"))
def test_scoped_replaces_and_undo_give_what_duckdb_gives(kind, backend_url, tmp_path, duckdb_story):
    seen = story(backend_url(kind), tmp_path)
    for step, (want, got) in enumerate(zip(duckdb_story, seen, strict=True)):
        assert got == want, f"step {step}: {STEPS[step]}"


TERRITORIES = pa.table({"territory_id": ["T1", "T2"], "name": ["North", "South"]})
#: Replaces T2 (Replace("file")): T1 stays, T2 is renamed, T3 is new.
RENAMED = pa.table({"territory_id": ["T2", "T3"], "name": ["Sud", "Tri"]})
AFTER = [("T1", "North", 1), ("T2", "Sud", 2), ("T3", "Tri", 2)]


def _territories(ws) -> tuple[list, list]:
    return (_rows(ws, "territories", "territory_id", "name", "import_id"),
            _rows(ws, "meta_removed_territories", "removed_by", "territory_id", "name"))


@pytest.mark.parametrize("kind", engine_params("postgres"))
def test_a_killed_postgres_scoped_replace_leaves_nothing(kind, backend_url, tmp_path):
    # the backup and the removal are in the load's transaction: killed before COMMIT, neither happened
    with Workspace.init(tmp_path / "ws", backend=backend_url(kind)) as ws:
        load_arrow(ws, "territories", TERRITORIES, source="t")
    script = textwrap.dedent(f"""
        import pyarrow as pa
        from saleskpi.workspace import Workspace
        from saleskpi.data.importer import Replace, load_arrow
        ws = Workspace.open({str(tmp_path / "ws")!r})
        load_arrow(ws, "territories", pa.table({{"territory_id": ["T2", "T3"], "name": ["Sud", "Tri"]}}),
                   source="new", replace=Replace("file"))
    """)
    scratch = tmp_path / "tmp"  # a killed process leaves its staging files: keep them in here
    scratch.mkdir()
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "SALESKPI_FAULT": "before-commit", "TMPDIR": str(scratch)})
    assert killed.returncode == -9, killed.stderr  # SIGKILL right before COMMIT
    with Workspace.open(tmp_path / "ws") as ws:
        assert _rows(ws, "territories", "territory_id", "name", "import_id") == [("T1", "North", 1),
                                                                                ("T2", "South", 1)]
        assert "meta_removed_territories" not in ws.con.list_tables()
        assert ws.table("meta_imports").count().execute() == 1
        load_arrow(ws, "territories", RENAMED, source="new", replace=Replace("file"))
        assert _territories(ws) == (AFTER, [(2, "T2", "South")])


@pytest.mark.parametrize("kind", engine_params("spark"))
def test_a_spark_scoped_replace_rolled_forward_twice_removes_once(kind, backend_url, tmp_path, monkeypatch):
    # the journal is applied, then the process dies before its folder is removed: the next
    # opening applies it again, which must neither lose the backup nor drop the new rows
    with Workspace.init(tmp_path / "ws", backend=backend_url(kind)) as ws:
        load_arrow(ws, "territories", TERRITORIES, source="t")
        apply = spark_engine._spark_apply

        def applied_then_killed(con, staged, journal):
            keep = tmp_path / "staged-copy"
            shutil.copytree(staged, keep)
            apply(con, staged, journal)
            shutil.copytree(keep, staged)  # as if the process died before removing it
            raise KeyboardInterrupt

        monkeypatch.setattr(spark_engine, "_spark_apply", applied_then_killed)
        with pytest.raises(KeyboardInterrupt):
            load_arrow(ws, "territories", RENAMED, source="new", replace=Replace("file"))
        monkeypatch.undo()
        assert _territories(ws) == (AFTER, [(2, "T2", "South")])
    with Workspace.open(tmp_path / "ws") as ws:  # rolls the journal forward again
        assert _territories(ws) == (AFTER, [(2, "T2", "South")])
        assert undo_last(ws.con).rows_restored == 1
        assert _territories(ws) == ([("T1", "North", 1), ("T2", "South", 1)], [])
