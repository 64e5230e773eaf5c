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
    #: Rows removed by a replace, and the earlier imports they came from.
    rows_removed: int = 0
    replaced: str | None = None
    replaced_imports: tuple[int, ...] = ()
    #: Exact duplicate lines loaded because the user said they are real (``keep_duplicates``).
    duplicates_kept: int = 0

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    def summary(self) -> str:
        """A short human-readable report (the CLI prints it)."""
        lines = [f"{self.source}: {self.rows_loaded:,} row(s) loaded into {self.table}"
                 + (f" (import {self.import_id})" if self.import_id is not None else "") + "."]
        if self.replaced is not None:
            lines.append(f"  removed {self.rows_removed:,} row(s) first: {self.replaced}"
                         + (f" (import(s) {', '.join(map(str, self.replaced_imports))})" if self.replaced_imports else ""))
        if self.duplicates_kept:
            lines.append(f"  kept {self.duplicates_kept:,} exact duplicate line(s) (--keep-duplicates)")
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
                 create_missing: bool, mode: str, *, replace=None, confirm=None,
                 keep_duplicates: bool = False, progress=None) -> None:
        self.ws, self.db, self.tbl, self.src, self.mapping = ws, db, tbl, src, mapping
        self.settings: Settings = ws.settings
        self.create_missing, self.mode = create_missing, mode
        #: The stored rows replaced (:class:`~saleskpi.data.importer.replacing.Replace`; None:
        #: none), ``confirm(statement) -> bool`` asked before any is removed, and what was.
        self.replace, self.confirm, self.removed = replace, confirm, None
        self.keep_duplicates, self.duplicates_kept = keep_duplicates, 0
        #: ``progress(step, done, total)``, called as each step of the pipeline starts.
        self.progress = progress
        self.cap = self.settings.import_.max_listed
        self.problems: list[Problem] = []
        self.total = 0
        #: Problems by kind (column and what was expected): how many lines each.
        self.kinds: dict[str, int] = {}
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
        self.tally((f"column '{column}': " if column else "") + expected, 1)

    def tally(self, kind: str, n: int) -> None:
        """Count ``n`` problems (lines) of one ``kind``, listed or not (the summary by kind)."""
        self.total += n
        self.kinds[kind] = self.kinds.get(kind, 0) + n

    def tally_bad_values(self) -> None:
        """Count the values that did not convert to their column's type, per column."""
        found = self.db.execute(
            f"SELECT split_part(part, chr(30), 1) AS name, count(*) FROM (SELECT unnest(string_split(s.__bad, "
            f"chr(31))) AS part FROM {_STAGE} s WHERE {self.active()} AND s.__bad IS NOT NULL) GROUP BY 1 "
            "ORDER BY 1").fetchall()
        for name, n in found:
            col = self.tbl.column(name) if name in self.tbl.column_names else None
            self.tally(f"column '{self.header_of(name)}': not of its type ({col.expected() if col else 'a number'})", n)

    def refuse(self, summary: str | None = None) -> None:
        """Raise InputDataError with the problems so far (sorted by row), if there are any,
        summarised by kind first."""
        if not self.total:
            return
        listed = sorted(self.problems, key=lambda p: (p.row is not None, p.row or 0))
        kinds = dict(self.kinds)
        rest = self.total - sum(kinds.values())
        if rest > 0:  # the reader's problems (lines that do not split, bytes that do not decode)
            kinds["lines the reader could not read"] = rest
        raise InputDataError(listed[: self.cap], total=self.total, max_listed=self.cap,
                             summary=summary or f"{self.src.label} was refused; nothing was loaded.",
                             kinds=kinds)

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
