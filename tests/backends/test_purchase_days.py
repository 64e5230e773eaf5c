"""The purchase-day table (saleskpi.derived.purchase_days) and rfm_summary read from it, on every
engine: the same hand-worked numbers as from the lines; and the workspace's own table
(``derived_purchase_days``), which every import keeps equal to a build from scratch."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from saleskpi.analyses.clv.summary import rfm_summary
from saleskpi.data.importer import load_arrow
from saleskpi.data.importer import loading as importer
from saleskpi.derived import is_fresh
from saleskpi.derived.purchase_days import merged_days, purchase_days, refreshed_days, sales_days
from saleskpi.engines import spark as engine
from saleskpi.workspace import PURCHASE_DAYS, Workspace, derived_tables

from .conftest import BACKENDS, engine_params

pytestmark = pytest.mark.slow

D = dt.date
OLD = pa.table({
    "customer_id": ["A", "A", "A", "B", "C"],
    "date": [D(2024, 1, 1), D(2024, 1, 1), D(2024, 1, 8), D(2024, 1, 3), D(2024, 1, 20)],
    "net_value": [10.0, 5.0, 20.0, 4.0, -2.0],  # C: a return only
    "margin": [2.0, None, 5.0, None, -0.5],
})
NEW = pa.table({
    "customer_id": ["A", "B", "B"],
    "date": [D(2024, 1, 8), D(2024, 1, 24), D(2024, 1, 24)],
    "net_value": [10.0, 6.0, 1.5],
    "margin": [1.0, 2.0, None],
})
#: purchase_days of OLD + NEW, by hand: (customer, date, value, margin, lines)
WANT_DAYS = [
    ("A", D(2024, 1, 1), 15.0, 2.0, 2),
    ("A", D(2024, 1, 8), 30.0, 6.0, 2),  # one line stored, one new: refreshed
    ("B", D(2024, 1, 3), 4.0, None, 1),
    ("B", D(2024, 1, 24), 7.5, 2.0, 2),
    ("C", D(2024, 1, 20), -2.0, -0.5, 1),
]


def _rows(table) -> list[tuple]:
    rows = table.to_pyarrow().to_pylist()
    return sorted(tuple(r.values()) for r in rows)


@pytest.mark.parametrize("kind", engine_params(*BACKENDS))
def test_purchase_days_refresh_and_summary_on_every_engine(kind, backend_url, tmp_path):
    with Workspace.init(tmp_path / "ws", backend=backend_url(kind)) as ws:
        con = ws.con
        old = con.create_table("pd_old", OLD)
        new = con.create_table("pd_new", NEW)
        every = con.create_table("pd_all", pa.concat_tables([OLD, NEW]))
        stored = con.create_table("pd_days", purchase_days(old, margin="margin"))
        assert _rows(purchase_days(every, margin="margin")) == WANT_DAYS
        assert _rows(refreshed_days(stored, new, margin="margin")) == [WANT_DAYS[1], WANT_DAYS[3]]
        merged = merged_days(stored, new, margin="margin")
        assert _rows(merged) == WANT_DAYS
        kw = dict(customer="customer_id", date="date", observation_end="2024-01-31", time_unit="D")
        from_days = rfm_summary(merged, value="value", unique_days=True, **kw).to_pyarrow().to_pylist()
        from_lines = rfm_summary(every, value="net_value", **kw).to_pyarrow().to_pylist()
        # A: days 1 and 8 (15, 30): frequency 1, recency 7, T 30, monetary 30; B: 3 and 24 (4, 7.5)
        assert [(r["customer_id"], r["frequency"], r["recency"], r["T"], r["monetary_value"]) for r in from_days] == [
            ("A", 1, 7.0, 30.0, 30.0), ("B", 1, 21.0, 28.0, 7.5), ("C", 0, 0.0, 11.0, 0.0)]
        assert from_days == from_lines


# --- the workspace's table, kept by the importer ----------------------------------------------------

M = Decimal
CUSTOMERS = pa.table({"customer_id": ["A", "B", "C"], "name": ["a", "b", "c"]})


def _lines(*rows) -> pa.Table:
    """Sales lines (invoice, date, customer, net value, cost, margin); one product, quantity 1."""
    cols = list(zip(*rows))
    money = pa.decimal128(18, 2)
    return pa.table({"invoice_id": pa.array(cols[0]), "date": pa.array(cols[1]), "customer_id": pa.array(cols[2]),
                     "product_id": pa.array(["P1"] * len(rows)), "quantity": pa.array([1.0] * len(rows)),
                     "net_value": pa.array(cols[3], money), "cost": pa.array(cols[4], money),
                     "margin": pa.array(cols[5], money)})


FIRST = _lines(("I1", D(2024, 1, 1), "A", M("10.00"), M("6.00"), None),
               ("I1", D(2024, 1, 1), "A", M("5.00"), None, None),      # no cost: margin not fully known
               ("I2", D(2024, 1, 8), "A", M("-3.00"), M("-1.00"), None),  # a return day
               ("I3", D(2024, 1, 8), "B", M("4.00"), None, M("1.50")))
LATER = _lines(("I4", D(2024, 2, 1), "B", M("7.00"), M("3.00"), None),
               ("I5", D(2024, 2, 2), "C", M("2.50"), M("1.00"), None))
SAME_DAY = _lines(("I6", D(2024, 1, 8), "A", M("3.00"), M("1.00"), None),  # cancels A's return of that day
                  ("I7", D(2024, 3, 1), "A", M("1.10"), M("0.10"), None))
REPLACED = _lines(("R1", D(2024, 1, 1), "A", M("20.00"), M("5.00"), None),
                  ("R2", D(2024, 1, 1), "C", M("1.00"), None, M("0.25")))
KILLED = _lines(("K1", D(2024, 1, 1), "A", M("99.00"), M("1.00"), None))


def _kept(ws) -> list[tuple]:
    return _rows(ws.table(PURCHASE_DAYS))


def _from_scratch(ws) -> list[tuple]:
    return _rows(sales_days(ws.table("sales")))


def _method(ws) -> tuple:
    log = ws.table("meta_derived").to_pyarrow().to_pylist()
    return [(r["table_name"], r["import_id"], r["source_rows"], r["method"]) for r in log]


def _kill_before_commit(ws, kind, data, tmp_path, monkeypatch) -> None:
    """An append of ``data`` killed right before COMMIT: SIGKILL in a process of its own (DuckDB,
    PostgreSQL); an interrupt in this process for Spark (its catalog takes one process)."""
    if kind == "spark":
        def fault(point):
            if point == "before-commit":
                raise KeyboardInterrupt
        monkeypatch.setattr(importer, "_fault", fault)
        with pytest.raises(KeyboardInterrupt):
            load_arrow(ws, "sales", data, source="killed")
        monkeypatch.undo()
        return
    ws.close()  # DuckDB: one writer
    pq.write_table(data, tmp_path / "killed.parquet")
    script = textwrap.dedent(f"""
        import pyarrow.parquet as pq
        from saleskpi.workspace import Workspace
        from saleskpi.data.importer import load_arrow
        ws = Workspace.open({str(ws.path)!r})
        load_arrow(ws, "sales", pq.read_table({str(tmp_path / "killed.parquet")!r}), source="killed")
    """)
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "SALESKPI_FAULT": "before-commit", "TMPDIR": str(scratch)})
    assert killed.returncode == -9, killed.stderr


@pytest.mark.parametrize("kind", engine_params(*BACKENDS))
def test_the_workspace_keeps_its_purchase_day_table_in_step_with_every_import(kind, backend_url, tmp_path,
                                                                              monkeypatch):
    folder = tmp_path / "ws"
    ws = Workspace.init(folder, backend=backend_url(kind))
    try:
        assert _kept(ws) == [] and _method(ws) == [(PURCHASE_DAYS, 0, 0, "build")]
        load_arrow(ws, "customers", CUSTOMERS, source="customers")
        load_arrow(ws, "sales", FIRST, source="first", create_missing=True)  # import 2
        assert _kept(ws) == _from_scratch(ws) == [
            ("A", D(2024, 1, 1), M("15.00"), M("4.00"), 2, 1),
            ("A", D(2024, 1, 8), M("-3.00"), M("-2.00"), 1, 1),
            ("B", D(2024, 1, 8), M("4.00"), M("1.50"), 1, 1)]
        assert _method(ws) == [(PURCHASE_DAYS, 2, 4, "refresh")]

        # a workspace made before the table existed: the next import builds it
        ws.con.drop_table(PURCHASE_DAYS)
        ws.con.drop_table("meta_derived")
        load_arrow(ws, "sales", LATER, source="later")  # import 3: later lines
        assert _kept(ws) == _from_scratch(ws) and len(_kept(ws)) == 5
        assert _method(ws) == [(PURCHASE_DAYS, 3, 6, "build")]

        load_arrow(ws, "sales", SAME_DAY, source="same day")  # import 4: adds to A's day of 2024-01-08
        kept = _kept(ws)
        assert kept == _from_scratch(ws) and len(kept) == 6
        assert ("A", D(2024, 1, 8), M("0.00"), M("0.00"), 2, 2) in kept  # the return cancelled exactly
        assert _method(ws) == [(PURCHASE_DAYS, 4, 8, "refresh")]

        _kill_before_commit(ws, kind, KILLED, tmp_path, monkeypatch)
        if kind != "spark":
            ws = Workspace.open(folder)
        assert _kept(ws) == kept == _from_scratch(ws)  # nothing of the killed import
        assert _method(ws) == [(PURCHASE_DAYS, 4, 8, "refresh")]
        assert ws.table("sales").count().execute() == 8

        load_arrow(ws, "sales", REPLACED, source="replaced", mode="replace")  # import 5
        assert _kept(ws) == _from_scratch(ws) == [
            ("A", D(2024, 1, 1), M("20.00"), M("15.00"), 1, 1),
            ("C", D(2024, 1, 1), M("1.00"), M("0.25"), 1, 1)]
        assert _method(ws) == [(PURCHASE_DAYS, 5, 2, "build")]
        assert is_fresh(ws.con, derived_tables()[PURCHASE_DAYS])
    finally:
        ws.close()


@pytest.mark.parametrize("kind", engine_params("spark"))
def test_a_spark_journal_applied_twice_counts_each_line_once(kind, backend_url, tmp_path, monkeypatch):
    # the process dies after the journal was applied but before its folder was removed: the next
    # writer applies it again, and the purchase-day table (copied from staged files) stays right
    folder = tmp_path / "ws"
    with Workspace.init(folder, backend=backend_url(kind)) as ws:
        load_arrow(ws, "customers", CUSTOMERS, source="customers")
        load_arrow(ws, "sales", FIRST, source="first", create_missing=True)
        apply = engine._spark_apply

        def applied_then_killed(con, staged, journal):
            keep = tmp_path / "staged-copy"
            shutil.copytree(staged, keep)
            apply(con, staged, journal)
            shutil.copytree(keep, staged)  # as if the process died before removing it
            raise KeyboardInterrupt

        monkeypatch.setattr(engine, "_spark_apply", applied_then_killed)
        with pytest.raises(KeyboardInterrupt):
            load_arrow(ws, "sales", SAME_DAY, source="same day")
        monkeypatch.undo()
        once = _kept(ws)
    with Workspace.open(folder) as ws:  # opening for writing rolls the journal forward again
        assert ws.table("sales").count().execute() == 6
        assert _kept(ws) == once == _from_scratch(ws)
        assert ("A", D(2024, 1, 8), M("0.00"), M("0.00"), 2, 2) in once
        assert _method(ws) == [(PURCHASE_DAYS, 3, 6, "refresh")]
