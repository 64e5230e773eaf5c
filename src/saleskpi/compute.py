"""The compute job: run every analysis (or some) and store the results of one run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import ibis

from saleskpi import results
from saleskpi.analyses import Analysis, Context, registry
from saleskpi.engines import engine_of
from saleskpi.errors import UsageError


@dataclass
class ComputeReport:
    run_id: int
    as_of: dt.date
    stored: dict[str, int] = field(default_factory=dict)  # result name -> rows
    warnings: list[str] = field(default_factory=list)  # "analysis: message", see Context.warn
    deleted_runs: list[int] = field(default_factory=list)  # older runs deleted by [workspace] keep_runs


def as_of_date(ws) -> dt.date:
    """The date the analyses treat as today: settings' ``as_of``, else the last invoice date,
    else today."""
    configured = ws.settings.workspace.as_of
    if configured:
        try:
            return dt.date.fromisoformat(configured)
        except ValueError:
            from saleskpi.errors import ConfigError

            raise ConfigError(f"{ws.path / 'settings.toml'}: [workspace] as_of: '{configured}' is "
                              "not a date; write it as YYYY-MM-DD.") from None
    last = ws.table("sales").date.max().execute()
    if last is None or last != last:
        return dt.date.today()
    return last if isinstance(last, dt.date) and not isinstance(last, dt.datetime) else last.date()


def require_sales(ws) -> None:
    """Refuse to compute a workspace without sales lines (every capability reads them), with
    the command that loads them (UsageError)."""
    if not ws.table("sales").count().execute():
        raise UsageError(f"The workspace {ws.path} has no sales lines yet, so there is nothing to compute. "
                         f"Import them first: saleskpi import {ws.path} sales FILE (customers and products "
                         "before them; 'saleskpi schema sales' lists the columns).")


def compute(ws, *, only: list[str] | None = None, as_of: dt.date | None = None,
            progress: Callable[[str, int, int], None] | None = None) -> ComputeReport:
    """Run the analyses (all, or ``only`` these and what they depend on) as one stamped run."""
    available = registry()
    chosen = _select(available, only)
    ws.create_tables()  # a workspace made by an older saleskpi gains this version's tables and columns
    as_of = as_of or as_of_date(ws)
    run_id = results.start_run(ws.con, as_of=as_of, analyses=chosen)
    report = ComputeReport(run_id=run_id, as_of=as_of)
    ctx = Context(ws=ws, run_id=run_id, as_of=as_of, stored=report.stored, warnings=report.warnings)
    limit = ws.settings.compute.memory_limit
    try:
        # [compute] memory_limit: the engine spills to disk beyond it (docs/workspace.md)
        with engine_of(ws.con).memory_limited(ws.con, None if limit == "auto" else limit):
            for i, name in enumerate(chosen):
                if progress:
                    progress(name, i, len(chosen))
                for result, expr in checked(available[name], available[name].run(ctx)):
                    report.stored[result] = results.store(ws.con, result, expr, run_id=run_id, as_of=as_of)
        results.store_warnings(ws.con, run_id, report.warnings)  # the reports show them (docs/report.md)
    except BaseException:
        results.discard_run(ws.con, run_id)
        raise
    if progress:
        progress("done", len(chosen), len(chosen))
    results.finish_run(ws.con, run_id)
    if ws.settings.workspace.keep_runs:  # [workspace] keep_runs: the workspace does not grow without bound
        from saleskpi.engines.reader import IbisReader

        old = results.older_runs(results.run_list(IbisReader(ws.con)), ws.settings.workspace.keep_runs)
        results.delete_runs(ws.con, [r.run_id for r in old])
        report.deleted_runs = [r.run_id for r in old]
    return report


def checked(analysis: Analysis, returned: dict[str, ibis.Table]) -> list[tuple[str, ibis.Table]]:
    """The tables an analysis returned, each checked against its declaration and put in its
    stored form (:func:`saleskpi.results.conform`), in the declared order. An analysis that
    returns a result it does not declare, or not every result it declares, is refused with
    :class:`saleskpi.results.ResultMismatch` naming the result."""
    declared = {r.name: r for r in analysis.results}
    undeclared = [n for n in returned if n not in declared]
    missing = [n for n in declared if n not in returned]
    if undeclared or missing:
        parts = ([f"returned undeclared result(s) {', '.join(undeclared)}"] if undeclared else []) + (
            [f"did not return declared result(s) {', '.join(missing)}"] if missing else [])
        raise results.ResultMismatch(f"Analysis '{analysis.name}' {'; '.join(parts)}.")
    return [(name, results.conform(returned[name], spec)) for name, spec in declared.items()]


def _select(available, only: list[str] | None) -> list[str]:
    if not only:
        return list(available)
    unknown = [n for n in only if n not in available]
    if unknown:
        names = ", ".join(available) or "none yet"
        raise UsageError(f"Unknown analysis {', '.join(repr(u) for u in unknown)}. Analyses: {names}.")
    wanted: set[str] = set()

    def add(name: str) -> None:
        if name not in wanted:
            wanted.add(name)
            for dep in available[name].depends_on:
                add(dep)

    for name in only:
        add(name)
    return [n for n in available if n in wanted]
