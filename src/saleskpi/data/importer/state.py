"""The state of one import and the helpers every step of it uses (problems, row numbers,
staged columns), and the report it ends with."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, Protocol

from saleskpi.config import Settings
from saleskpi.data.mapping import Mapping
from saleskpi.data.readers import Source
from saleskpi.data.schema import Table
from saleskpi.engines import engine_of
from saleskpi.errors import InputDataError, Problem

_STAGE = "__saleskpi_stage"


class WorkspaceLike(Protocol):
    """What an import needs of a workspace (:class:`saleskpi.workspace.Workspace` is one)."""

    path: Any
    settings: Settings

    @property
    def con(self): ...


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _lit(value: Any) -> str:
    """A SQL literal for a Python value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class ImportReport:
    """What an import did. ``skipped`` counts lines left out on purpose, by reason."""

    table: str
    source: str
    rows_loaded: int
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    import_id: int | None = None

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    def summary(self) -> str:
        """A short human-readable report (the CLI prints it)."""
        lines = [f"{self.source}: {self.rows_loaded:,} row(s) loaded into {self.table}"
                 + (f" (import {self.import_id})" if self.import_id is not None else "") + "."]
        for reason, count in self.skipped.items():
            lines.append(f"  skipped {count:,} line(s): {reason}")
        for target, count in self.created.items():
            lines.append(f"  created {count:,} missing {target} row(s) (name = id)")
        for warning in self.warnings:
            lines.append(f"  warning: {warning}")
        return "\n".join(lines)


class ImportState:
    """One import's state: what the steps (binding and staging, checks, loading) share."""

    def __init__(self, ws: WorkspaceLike, db, tbl: Table, src: Source, mapping: Mapping,
                 create_missing: bool, mode: str) -> None:
        self.ws, self.db, self.tbl, self.src, self.mapping = ws, db, tbl, src, mapping
        self.settings: Settings = ws.settings
        self.create_missing, self.mode = create_missing, mode
        self.cap = self.settings.import_.max_listed
        self.problems: list[Problem] = []
        self.total = 0
        self.warnings: list[str] = []
        self.skipped: dict[str, int] = {}
        self.bound: dict[str, int] = {}      # contract/extra column -> index in the source
        self.fixed: dict[str, str] = {}      # contract column -> SQL literal (mapping [values])
        self.date_formats: dict[str, str] = {}
        self.decimal_comma = False
        self.thousands = ""                  # the thousands separator of text numbers ("" none)
        self.generated: str | None = None    # a key column numbered on load (sales.line_no)
        self.missing_refs: dict[str, int] = {}
        self._line_k: list[int] | None = None
        #: Checks and load run on a copy of the stored keys, then ship (PostgreSQL, Spark).
        self.remote = not engine_of(ws.con).stages_in_place
        #: Rates of the currencies the lines use (check_currencies).
        self.rates: dict = {}

    # --- helpers ------------------------------------------------------------------------

    def problem(self, row: int | None, column: str | None, value: Any, expected: str) -> None:
        self.problems.append(Problem(self.src.label, row, column,
                                     None if value is None else str(value), expected))
        self.total += 1

    def refuse(self, summary: str | None = None) -> None:
        """Raise InputDataError with the problems so far (sorted by row), if there are any."""
        if not self.total:
            return
        listed = sorted(self.problems, key=lambda p: (p.row is not None, p.row or 0))
        raise InputDataError(listed[: self.cap], total=self.total, max_listed=self.cap,
                             summary=summary or f"{self.src.label} was refused; nothing was loaded.")

    def row_of(self, rowid: int) -> int:
        """The spreadsheet row of staged row ``rowid`` (header = row 1)."""
        if self._line_k is None:
            # The j-th missing line (0-based, sorted) sits after k_j = line - 2 - j staged rows.
            off = self.src.row_offset
            self._line_k = [line - off - j for j, line in enumerate(sorted(set(self.src.missing_lines)))]
        return rowid + self.src.row_offset + bisect.bisect_right(self._line_k, rowid)

    def header_of(self, column: str) -> str:
        """How a contract column is headed in the source (messages name the user's header)."""
        return self.src.headers[self.bound[column]] if column in self.bound else column

    def col(self, name: str) -> str:
        """SQL for a staged column, a fixed value, or NULL."""
        if name in self.bound:
            return f"s.{_q(name)}"
        if name in self.fixed:
            return self.fixed[name]
        return "NULL"

    def given(self, name: str) -> bool:
        return name in self.bound or name in self.fixed

    def active(self) -> str:
        return "s.__skip IS NULL"

    def q1(self, sql: str):
        return self.db.execute(sql).fetchone()
