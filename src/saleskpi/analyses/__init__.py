"""The analyses: one module per capability, registered here for ``saleskpi compute``.

Each analysis is a function ``run(ctx) -> dict[result_name, ibis.Table]`` that builds
backend-portable table expressions from the workspace's tables (``ctx.table(name)``) and
the results of the analyses it depends on (``ctx.result(name)``). The compute job stores
each returned expression with the run id and as-of date (``saleskpi.results``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import ibis

from saleskpi import results


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
        return results.latest(self.con, name, run_id=self.run_id).drop("run_id", "as_of")


@dataclass(frozen=True)
class Analysis:
    """A capability as the compute job sees it."""

    name: str
    title: str
    outputs: tuple[str, ...]
    run: Callable[[Context], dict[str, ibis.Table]]
    depends_on: tuple[str, ...] = ()


def registry() -> dict[str, Analysis]:
    """Every analysis that exists, in an order where dependencies come first."""
    found: list[Analysis] = []
    for module in _MODULES:
        mod = __import__(f"saleskpi.analyses.{module}", fromlist=["ANALYSIS"])
        found.append(mod.ANALYSIS)
    return {a.name: a for a in found}


#: Modules that define an ``ANALYSIS``; order = run order.
_MODULES: tuple[str, ...] = ("potential", "sales", "wallet", "abc", "clv")


def frame_table(frame, types: dict[str, str]) -> ibis.Table:
    """An in-memory result (a pandas frame from a model step) as a table with stated types,
    so that empty or all-null columns still have one (engines refuse NULL-typed columns).
    ``types`` maps every column, in output order, to an Ibis type name."""
    frame = frame.reindex(columns=list(types))
    return ibis.memtable(frame, schema=ibis.schema(types))
