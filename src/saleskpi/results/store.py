"""Stored results: tables stamped with the run that made them and its as-of date.

Every analysis's results are written through :func:`store`, after :func:`saleskpi.results.
declare.conform` has checked them against their declaration. A result named ``abc-matrix`` is
stored in the table ``result_abc_matrix``; each row carries ``run_id`` and ``as_of``. Runs are
logged in ``meta_runs``; a run is complete once :func:`finish_run` stamped it. Earlier runs are
kept so that changes between runs can be shown, also when a new version of saleskpi changes a
result's columns: the stored table is then migrated (:func:`store`), never dropped.
"""

from __future__ import annotations

import datetime as dt

import ibis

from saleskpi.engines import delete_rows, update_rows
from saleskpi.results.names import PREFIX, STAMPS, result_name, table_name

__all__ = ["PREFIX", "STAMPS", "WARNINGS_TABLE", "delete_runs", "discard_run", "finish_run", "result_name",
           "run_warnings", "start_run", "store", "store_warnings", "table_name"]

#: The warnings of each run (what ``saleskpi compute`` prints), kept for the reports.
WARNINGS_TABLE = "meta_run_warnings"
_WARNINGS_SCHEMA = ibis.schema({"run_id": "int64", "position": "int64", "message": "string"})


def start_run(con, *, as_of: dt.date, analyses: list[str]) -> int:
    """Log a new run in ``meta_runs`` and return its id (1, 2, ...).

    A run that never finished (its process was killed half-way) is removed first, rows and
    log line (:func:`discard_run`): a run is visible whole or not at all, and the reader
    never reads an unfinished one (:func:`saleskpi.results.read.read`). The caller holds the
    workspace's write lock, so no other run is under way."""
    runs = con.table("meta_runs")
    last = runs.run_id.max().execute()
    run_id = 1 if last is None or last != last else int(last) + 1  # an id is never given twice
    for stale in runs.filter(runs.finished_at.isnull()).run_id.to_pyarrow().to_pylist():
        discard_run(con, int(stale))
    now = dt.datetime.now().replace(microsecond=0)
    # typed up front: PostgreSQL refuses a memtable column of NULL type (finished_at)
    row = ibis.memtable({
        "run_id": [run_id], "started_at": [now], "finished_at": [None],
        "as_of": [as_of], "analyses": [",".join(analyses)],
    }, schema=runs.schema())
    con.insert("meta_runs", row)
    return run_id


def finish_run(con, run_id: int) -> None:
    """Stamp the run's finish time (the run is complete only then)."""
    update_rows(con, "meta_runs", {"finished_at": dt.datetime.now().replace(microsecond=0)},
                where=("run_id", run_id))


def store_warnings(con, run_id: int, warnings: list[str]) -> None:
    """Keep the warnings of run ``run_id`` (``analysis: message``, in the order given) in
    :data:`WARNINGS_TABLE`, made on the first run that has any (a workspace made before it
    simply has none stored)."""
    if not warnings:
        return
    rows = ibis.memtable({"run_id": [run_id] * len(warnings), "position": list(range(1, len(warnings) + 1)),
                          "message": list(warnings)}, schema=_WARNINGS_SCHEMA)
    if WARNINGS_TABLE in con.list_tables():
        con.insert(WARNINGS_TABLE, rows)
    else:
        con.create_table(WARNINGS_TABLE, rows)


def run_warnings(con, run_id: int) -> list[str] | None:
    """The stored warnings of run ``run_id``, in order; None when the workspace stores no
    warnings at all (no run has had any, or it was computed before they were stored)."""
    if WARNINGS_TABLE not in con.list_tables():
        return None
    t = con.table(WARNINGS_TABLE)
    rows = t.filter(t.run_id == int(run_id)).order_by("position").message.to_pyarrow().to_pylist()
    return [str(m) for m in rows]


def store(con, name: str, expr: ibis.Table, *, run_id: int, as_of: dt.date) -> int:
    """Append ``expr`` to the result table of ``name`` stamped with the run; return row count.

    When the stored table has other columns or types (the analysis changed between
    versions), the stored runs are migrated to the new columns first: a column that is kept
    keeps its values (cast to the new type), a new column is empty in the earlier runs, and a
    column that is gone is dropped. Inputs are never touched.
    """
    stamped = expr.mutate(run_id=ibis.literal(run_id, "int64"), as_of=ibis.literal(as_of, "date"))
    target = table_name(name)
    if target in con.list_tables():
        stored = con.table(target)
        if stored.schema() != stamped.schema():
            _migrate(con, target, stored, stamped.schema())
        con.insert(target, stamped)
    else:
        con.create_table(target, stamped)
    return int(con.table(target).filter(lambda t: t.run_id == run_id).count().execute())


def _migrate(con, target: str, stored: ibis.Table, schema: ibis.Schema) -> None:
    """Rewrite the stored table ``target`` with ``schema``, keeping every stored run."""
    kept = {}
    for column, dtype in schema.items():
        if column in stored.columns:
            kept[column] = stored[column].cast(dtype)
        else:
            kept[column] = ibis.null(dtype)
    # through a table of its own: an engine cannot overwrite a table it is reading from
    staging = f"{target}__migrating"
    con.create_table(staging, stored.select(**kept), overwrite=True)
    con.create_table(target, con.table(staging), overwrite=True)
    con.drop_table(staging)


def delete_runs(con, run_ids: list[int]) -> int:
    """Delete these runs: their rows in every result table and their lines in ``meta_runs``
    (through the engine layer, on any engine); the number of result rows deleted."""
    wanted = sorted({int(r) for r in run_ids})
    if not wanted:
        return 0
    deleted = 0
    for table in con.list_tables():
        if table.startswith(PREFIX):
            t = con.table(table)
            deleted += int(t.filter(t.run_id.isin(wanted)).count().execute())
    for run_id in wanted:
        discard_run(con, run_id)
    return deleted


def discard_run(con, run_id: int) -> None:
    """Remove what a failed run stored, and its log line."""
    for table in con.list_tables():
        if table.startswith(PREFIX):
            delete_rows(con, table, "run_id", run_id)
    if WARNINGS_TABLE in con.list_tables():
        delete_rows(con, WARNINGS_TABLE, "run_id", run_id)
    delete_rows(con, "meta_runs", "run_id", run_id)
