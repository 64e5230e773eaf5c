"""The one reader of stored results.

:func:`read` is the only way any code reads a stored result: the CLI's ``show``, the analyses
that compare runs (ABC migration), the web pages and the Excel report. It returns the rows
of the latest *finished* run (a run that failed or was killed half-way is never read), or of
a given run, filtered by the user's scope through :mod:`saleskpi.access`.
"""

from __future__ import annotations

import datetime as dt

import ibis

from saleskpi.errors import UsageError
from saleskpi.results.names import STAMPS, table_name
from saleskpi.results.runs import RunInfo

__all__ = ["RunInfo", "read", "run_of", "runs_of", "finished_runs"]


def finished_runs(con) -> ibis.Table:
    """The ids of the runs that finished (``run_id``)."""
    runs = con.table("meta_runs")
    return runs.filter(runs.finished_at.notnull()).select("run_id")


def _stored(con, name: str) -> ibis.Table:
    target = table_name(name)
    if target not in con.list_tables():
        raise UsageError(f"No stored result '{name}'. Run 'saleskpi compute' first "
                         "(or check the name with 'saleskpi show DIR --list').")
    return con.table(target)


def run_of(con, name: str, *, run: int | None = None, before: int | None = None) -> RunInfo | None:
    """The run that :func:`read` reads for ``name``: the given ``run``, else the newest
    finished run that stored it (older than run ``before``, when given); None if there is none.
    On a connection to a database nobody writes (one with ``memo``: the web's snapshot copies)
    the answer is found once."""
    memo = getattr(con, "memo", None)
    if memo is not None:
        return memo(("run_of", name, run, before), lambda: _run_of(con, name, run=run, before=before))
    return _run_of(con, name, run=run, before=before)


def _run_of(con, name: str, *, run: int | None, before: int | None) -> RunInfo | None:
    t = _stored(con, name)
    if run is not None:
        found = t.filter(t.run_id == int(run)).select(*STAMPS).limit(1).to_pyarrow().to_pylist()
        if not found:
            raise UsageError(f"Run {run} stored no result '{name}'; runs that did: "
                             f"{', '.join(map(str, runs_of(con, name))) or 'none'}.")
        return RunInfo(int(found[0]["run_id"]), found[0]["as_of"])
    done = t.filter(t.run_id.isin(finished_runs(con).run_id))
    if before is not None:
        done = done.filter(done.run_id < int(before))
    last = done.run_id.max().execute()
    if last is None or last != last:
        return None
    as_of = done.filter(done.run_id == int(last)).as_of.max().execute()
    return RunInfo(int(last), as_of.date() if isinstance(as_of, dt.datetime) else as_of)


def runs_of(con, name: str) -> list[int]:
    """The run ids that stored the result ``name``, oldest first (found once on a connection
    with ``memo``, as :func:`run_of`)."""
    memo = getattr(con, "memo", None)
    if memo is not None:
        return list(memo(("runs_of", name), lambda: _runs_of(con, name)))
    return _runs_of(con, name)


def _runs_of(con, name: str) -> list[int]:
    t = _stored(con, name)
    return sorted(int(r) for r in t.select("run_id").distinct().to_pyarrow().column(0).to_pylist())


def read(con, name: str, *, run: int | None = None, scope=None, stamped: bool = False,
         every_run: bool = False) -> ibis.Table:
    """The rows of result ``name`` from the newest finished run, or from ``run``, or with
    ``every_run`` from every finished run that stored it (stamped: a history, such as a
    customer's ABC classes run after run).

    ``scope`` (a :class:`saleskpi.access.Scope`) keeps only the rows
    that user may see; ``None`` is the unrestricted view of the library and the command line
    (the person who owns the workspace folder). ``stamped`` keeps the ``run_id`` and
    ``as_of`` columns. With no finished run, the result has no rows.
    """
    t = _stored(con, name)
    if every_run:
        if run is not None:
            raise ValueError("read: run and every_run exclude each other")
        rows, stamped = t.filter(t.run_id.isin(finished_runs(con).run_id)), True
    else:
        info = run_of(con, name, run=run)
        rows = t.filter(t.run_id == (info.run_id if info else ibis.null("int64")))
    if scope is not None:
        # the scope knows how to restrict a result (saleskpi.access, a layer above this one)
        rows = scope.restrict(con, rows, name)
    return rows if stamped else rows.drop(*STAMPS)
