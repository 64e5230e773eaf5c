"""The runs of a workspace as ``saleskpi show`` and ``saleskpi runs`` read them, through a
light :class:`~saleskpi.engines.reader.Reader` (no Ibis): which run a result is shown from,
and the list of runs with the rows each stored.

A run counts once it finished (``meta_runs.finished_at`` stamped): a run that failed or was
stopped half-way is never shown, and asking for it is an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from saleskpi.engines.reader import Query
from saleskpi.errors import UsageError
from saleskpi.results.names import PREFIX, table_name

__all__ = ["RunInfo", "RunLine", "older_runs", "run_for", "run_list"]


@dataclass(frozen=True)
class RunInfo:
    """The run a read comes from."""

    run_id: int
    as_of: dt.date


@dataclass(frozen=True)
class RunLine:
    """One run as ``saleskpi runs`` lists it: the result rows it stored, over every result."""

    run_id: int
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    as_of: dt.date | None
    analyses: str
    rows: int
    #: The results this run is the newest finished run of (the rows ``show`` reads): kept by
    #: ``--keep`` whatever its age, so a partial run (``compute --only``) never leaves another
    #: result with no rows at all.
    newest_of: tuple[str, ...] = ()


def _runs(reader) -> list[tuple]:
    """(run_id, started_at, finished_at, as_of, analyses) of every logged run, oldest first."""
    return reader.rows(Query("meta_runs", columns=("run_id", "started_at", "finished_at", "as_of", "analyses"),
                             order=(("run_id", False),)))


def run_for(reader, name: str, *, run: int | None = None, where: str = "the workspace") -> RunInfo | None:
    """The run the result ``name`` is shown from: ``run`` when given (refused when no such run
    was logged, or when it did not finish), else the newest finished run that stored rows of
    it; None when no finished run did (the result is empty). ``where`` names the workspace in
    messages."""
    target = table_name(name)
    if target not in reader.tables():
        raise UsageError(f"No stored result '{name}'. Run 'saleskpi compute' first "
                         "(or check the name with 'saleskpi show DIR --list').")
    runs = _runs(reader)
    finished = {int(r[0]): r for r in runs if r[2] is not None}
    if run is not None:
        logged = {int(r[0]): r for r in runs}
        if run not in logged:
            listed = ", ".join(map(str, logged)) or "none yet"
            raise UsageError(f"There is no run {run} in {where} (runs: {listed}); "
                             f"'saleskpi runs {where}' lists them.")
        if run not in finished:
            done = ", ".join(map(str, finished)) or "none"
            raise UsageError(f"Run {run} in {where} did not finish (started {logged[run][1]}, never "
                             f"stamped finished: it failed or was stopped half-way), so its results are "
                             f"not shown. Finished runs: {done}.")
        return RunInfo(run, finished[run][3])
    stored = [r for r in reader.counts_by(target, "run_id") if r is not None and int(r) in finished]
    if not stored:
        return None
    last = max(int(r) for r in stored)
    return RunInfo(last, finished[last][3])


def run_list(reader) -> list[RunLine]:
    """Every logged run, oldest first, with the result rows it stored in all result tables."""
    runs = _runs(reader)
    finished = {int(r[0]) for r in runs if r[2] is not None}
    rows: dict[int, int] = {}
    newest: dict[int, list[str]] = {}
    for table in reader.tables():
        if table.startswith(PREFIX):
            counts = {int(run_id): count for run_id, count in reader.counts_by(table, "run_id").items()
                      if run_id is not None}
            for run_id, count in counts.items():
                rows[run_id] = rows.get(run_id, 0) + count
            shown = [run_id for run_id in counts if run_id in finished]
            if shown:
                newest.setdefault(max(shown), []).append(table[len(PREFIX):])
    return [RunLine(int(r[0]), r[1], r[2], r[3], r[4] or "", rows.get(int(r[0]), 0),
                    tuple(sorted(newest.get(int(r[0]), ())))) for r in runs]


def older_runs(lines: list[RunLine], keep: int) -> list[RunLine]:
    """The runs of ``lines`` older than the newest ``keep`` finished runs (finished or not);
    none while fewer than ``keep`` runs finished. A run newer than those (one still running)
    is never among them, nor one that is the newest finished run of some result
    (:attr:`RunLine.newest_of`: deleting it would leave that result with no rows)."""
    finished = [r.run_id for r in lines if r.finished_at is not None]
    if keep < 1 or len(finished) < keep:
        return []
    oldest_kept = sorted(finished)[-keep]
    return [r for r in lines if r.run_id < oldest_kept and not r.newest_of]
