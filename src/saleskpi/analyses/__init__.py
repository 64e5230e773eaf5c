"""The analyses: one package per capability, registered here for ``saleskpi compute``.

A capability is a package ``saleskpi/analyses/<name>/`` whose ``__init__`` defines
``ANALYSIS``: a function ``run(ctx) -> dict[result_name, ibis.Table]`` that builds
backend-portable table expressions from the workspace's tables (``ctx.table(name)``) and
the results of the analyses it depends on (``ctx.result(name)``), and the declarations of
the results it stores (``<name>/results.py``, :class:`saleskpi.results.Result`). The compute
job checks each returned table against its declaration and stores it with the run id and
as-of date (``saleskpi.results``). Adding a capability = a package and a line in
:data:`_MODULES` (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import ibis

from saleskpi import results
from saleskpi.results import Result


@dataclass
class Context:
    """What an analysis may read: the workspace, its settings, the run and earlier results."""

    ws: object  # saleskpi.workspace.Workspace (not imported: nothing happens at import time)
    run_id: int
    as_of: dt.date
    stored: dict[str, int] = field(default_factory=dict)
    #: What the user should know about this run although it succeeded (a model that could not
    #: be fitted, figures left empty and why): the compute command prints them.
    warnings: list[str] = field(default_factory=list)

    def warn(self, analysis: str, message: str) -> None:
        self.warnings.append(f"{analysis}: {message}")

    @property
    def con(self):
        return self.ws.con

    @property
    def settings(self):
        return self.ws.settings

    def table(self, name: str) -> ibis.Table:
        return self.ws.table(name)

    def result(self, name: str) -> ibis.Table:
        """A result stored earlier in this run, without its stamps."""
        return results.read(self.con, name, run=self.run_id)

    def previous_result(self, name: str) -> ibis.Table | None:
        """The result ``name`` of the newest finished run before this one (None if none):
        what a comparison with the previous run reads."""
        if results.table_name(name) not in self.con.list_tables():
            return None
        info = results.run_of(self.con, name, before=self.run_id)
        return None if info is None else results.read(self.con, name, run=info.run_id, stamped=True)


@dataclass(frozen=True)
class Analysis:
    """A capability as the compute job sees it: its name, title, the results it declares
    (in the order it stores them), the function that computes them and what it needs."""

    name: str
    title: str
    results: tuple[Result, ...]
    run: Callable[[Context], dict[str, ibis.Table]]
    depends_on: tuple[str, ...] = ()

    @property
    def outputs(self) -> tuple[str, ...]:
        """The names of the results it stores."""
        return tuple(r.name for r in self.results)


def registry() -> dict[str, Analysis]:
    """Every analysis that exists, in an order where dependencies come first."""
    found: list[Analysis] = []
    for module in _MODULES:
        mod = __import__(f"saleskpi.analyses.{module}", fromlist=["ANALYSIS"])
        found.append(mod.ANALYSIS)
    return {a.name: a for a in found}


def declared_results(analyses: dict[str, Analysis] | None = None) -> dict[str, Result]:
    """Every declared result by name, in run order (of ``analyses``, default: the registry)."""
    return {r.name: r for a in (analyses or registry()).values() for r in a.results}


#: Packages that define an ``ANALYSIS``; order = run order.
_MODULES: tuple[str, ...] = ("potential", "sales", "wallet", "abc", "clv", "segments", "satisfaction", "loyalty",
                               "incentives", "kpis", "competencies")


def frame_table(frame, types: dict[str, str]) -> ibis.Table:
    """An in-memory result (a pandas frame from a model step) as a table with stated types,
    so that empty or all-null columns still have one (engines refuse NULL-typed columns).
    ``types`` maps every column, in output order, to an Ibis type name."""
    frame = frame.reindex(columns=list(types))
    return ibis.memtable(frame, schema=ibis.schema(types))


def declared_types(result: Result) -> dict[str, str]:
    """The Ibis type of each column of the declared ``result``, for :func:`frame_table`."""
    kind_type = {"count": "int64", "integer": "int64", "number": "float64", "ratio": "float64", "flag": "boolean",
                 "date": "date", "money": "float64"}
    return {c.name: kind_type.get(c.kind.value, "string") for c in result.columns}


def results_markdown() -> str:
    """docs/results.md: every declared result of every registered analysis."""
    from saleskpi.results.declare import results_markdown as page

    analyses = registry()
    return page(declared_results(analyses).values(),
                by_analysis={a.name: (a.title, list(a.outputs)) for a in analyses.values()})
