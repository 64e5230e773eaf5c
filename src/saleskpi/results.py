"""Stored results: tables stamped with the run that made them and its as-of date.

Every analysis writes its outputs through :func:`store`; the CLI, reports and web pages only
read them through :func:`latest` (or a given run). A result named ``abc-matrix`` is stored
in the table ``result_abc_matrix``; each row carries ``run_id`` and ``as_of``. Runs are
logged in ``meta_runs``. Earlier runs are kept so that changes between runs can be shown.
"""

from __future__ import annotations

import datetime as dt

import ibis

from saleskpi.errors import UsageError

PREFIX = "result_"


def table_name(result: str) -> str:
    """``abc-matrix`` -> ``result_abc_matrix``."""
    return PREFIX + result.replace("-", "_")


def result_name(table: str) -> str:
    """``result_abc_matrix`` -> ``abc-matrix``."""
    return table[len(PREFIX):].replace("_", "-")


def start_run(con, *, as_of: dt.date, analyses: list[str]) -> int:
    """Log a new run in ``meta_runs`` and return its id (1, 2, ...)."""
    runs = con.table("meta_runs")
    last = runs.run_id.max().execute()
    run_id = 1 if last is None or last != last else int(last) + 1
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
    from saleskpi.engines import update_rows

    update_rows(con, "meta_runs", {"finished_at": dt.datetime.now().replace(microsecond=0)},
                where=("run_id", run_id))


def store(con, name: str, expr: ibis.Table, *, run_id: int, as_of: dt.date) -> int:
    """Append ``expr`` to the result table of ``name`` stamped with the run; return row count.

    If the stored table has other columns (the analysis changed between versions), it is
    replaced: results are recomputable, inputs are never touched.
    """
    stamped = expr.mutate(run_id=ibis.literal(run_id, "int64"), as_of=ibis.literal(as_of, "date"))
    target = table_name(name)
    if target in con.list_tables():
        if con.table(target).schema() == stamped.schema():
            con.insert(target, stamped)
        else:
            con.create_table(target, stamped, overwrite=True)
    else:
        con.create_table(target, stamped)
    return int(con.table(target).filter(lambda t: t.run_id == run_id).count().execute())


def runs_of(con, name: str) -> list[int]:
    """The run ids that stored the result ``name``, oldest first."""
    t = con.table(table_name(name))
    return sorted(int(r) for r in t.select("run_id").distinct().to_pyarrow().column(0).to_pylist())


def latest(con, name: str, *, run_id: int | None = None) -> ibis.Table:
    """The rows of result ``name`` from the newest run (or the given one), without stamps."""
    target = table_name(name)
    if target not in con.list_tables():
        raise UsageError(f"No stored result '{name}'. Run 'saleskpi compute' first "
                         "(or check the name with 'saleskpi show DIR --list').")
    t = con.table(target)
    if run_id is None:
        # the newest run that finished: a run that failed or was killed half-way is not shown
        runs = con.table("meta_runs")
        done = runs.filter(runs.finished_at.notnull()).run_id
        run_id = t.filter(t.run_id.isin(done)).run_id.max().execute()
    return t.filter(t.run_id == run_id)


def discard_run(con, run_id: int) -> None:
    """Remove what a failed run stored, and its log line."""
    from saleskpi.engines import delete_rows

    for table in con.list_tables():
        if table.startswith(PREFIX):
            delete_rows(con, table, "run_id", run_id)
    delete_rows(con, "meta_runs", "run_id", run_id)
