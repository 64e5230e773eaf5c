"""Load input data into a workspace: read, validate against the contract, load all or nothing.

Two entry points share one pipeline:

- :func:`import_file` reads a CSV, Excel or Parquet file (``saleskpi import``);
- :func:`load_arrow` takes already-typed Arrow data (the demo generator, Python users).

The pipeline, all in DuckDB so that millions of lines stream without passing through Python:

1. **bind** the source's headers to the contract's columns (mapping file first, then the
   contract's names and aliases); header-level problems (missing required column, wrong
   delimiter) stop here;
2. **stage** the data in a temporary table, each value converted to its contract type
   (decimal comma, the date format detected per column); a value that does not convert is
   remembered with its column, and the mapping's skip rules mark lines left out on purpose;
3. **check** every rule of the contract on the staged lines with set-based SQL: types,
   required values, minimum/maximum/choices, dates beyond today + ``future_days``, ``one_of``
   groups, references, key uniqueness in the file and against stored rows, exact duplicate
   lines, unknown currencies. Every problem is collected; any problem raises
   :class:`~saleskpi.errors.InputDataError` and nothing is loaded;
4. **load** in ONE transaction: (replace: delete the old rows) + stub rows of missing
   references (``create_missing``) + ``INSERT ... SELECT`` with amounts converted to the
   workspace currency and rounded to the contract's scale + one ``meta_imports`` row + the
   derived tables of the table kept in step (the customer x day table of ``sales``:
   :func:`saleskpi.derived.import_sql`, logged in ``meta_derived``).

Where this runs is the engine's choice (:meth:`saleskpi.engines.base.Engine.staging_db`). On
DuckDB (:attr:`~saleskpi.engines.base.Engine.stages_in_place`) all of it runs in the
workspace's own database. On PostgreSQL and Spark it runs in an in-memory DuckDB instead: the
checks that read stored rows (keys, references, dangling references, the next import id) read a
copy of just the columns they need (:meth:`_Pipeline.mirror`); the load runs there as above, and
the rows it added (the table's, the stub rows, the ``meta_imports`` row) are staged as Parquet
and handed to the engine's :meth:`~saleskpi.engines.base.Engine.load_batches` with what keeps
the derived tables in step (:func:`saleskpi.derived.import_steps`): one transaction on
PostgreSQL (which also refreshes the derived tables there by SQL), a journal rolled forward on
Spark (the derived tables are computed before the journal and staged beside the new rows;
docs/backends.md).

Row numbers in problems are the rows a spreadsheet shows (the header is row 1); for Parquet and
Arrow data the first record is row 2 likewise. The SQL here is DuckDB's, on the staging
database; the workspace's engine is only reached through :mod:`saleskpi.engines`.
"""

from __future__ import annotations

import bisect
import json
import os
import shutil
import signal
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from saleskpi.config import BGN_PER_EUR, Settings
from saleskpi.data.mapping import Mapping, load_mapping
from saleskpi.data.schema import TABLES, Column, Table, match_headers, normalize_header
from saleskpi.data.schema import table as find_table
from saleskpi.derived import derived_of, import_sql, import_steps
from saleskpi.engines import Batch, engine_of
from saleskpi.errors import InputDataError, Problem, UsageError

if TYPE_CHECKING:
    import pyarrow as pa

    from saleskpi.workspace import Workspace

__all__ = ["ImportReport", "import_file", "load_arrow", "MODES"]

MODES = ("append", "replace")
#: Environment variable of the fault hook: ``before-commit`` kills the process (SIGKILL) right
#: before COMMIT, so a test can prove that an interrupted import leaves the workspace intact.
FAULT_ENV = "SALESKPI_FAULT"
#: Lines read to detect the date format of a column and the decimal comma.
SAMPLE_ROWS = 20_000
#: Staged amounts keep 6 decimals until they are converted and rounded on load. 64-bit
#: decimals are several times faster than 128-bit ones; they hold amounts below 10^12.
_STAGE_AMOUNT = "DECIMAL(18,6)"
_STAGE = "__saleskpi_stage"
_SRC = "__saleskpi_source"


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


# --- public API --------------------------------------------------------------------------


def load_arrow(ws: "Workspace", table: str, data: "pa.Table | pa.RecordBatchReader", *, source: str,
               create_missing: bool = False, mode: str = "append") -> ImportReport:
    """Load already-typed Arrow data into input table ``table``, all or nothing.

    Columns are named by the contract (extra prefixed columns such as ``driver_beds`` are
    accepted and stored as numbers). The data goes through the same checks as a file;
    ``source`` names it in problems and in ``meta_imports``. Returns an :class:`ImportReport`;
    raises :class:`InputDataError` (nothing loaded) on any problem.
    """
    import pyarrow as pa

    tbl = find_table(table)
    _check_mode(mode)
    if not isinstance(data, (pa.Table, pa.RecordBatchReader)):
        raise UsageError(f"load_arrow({table!r}): data must be a pyarrow Table or RecordBatchReader, "
                         f"got {type(data).__name__}. Convert it with pyarrow.Table.from_pandas(df).")
    with engine_of(ws.con).staging_db(ws.con) as db, _session(db, ws.settings):
        db.register(_SRC + "_arrow", data)
        try:
            relation = _SRC + "_arrow"
            if isinstance(data, pa.RecordBatchReader):
                # A reader can be read once: keep it in DuckDB (which spills) and scan that.
                db.execute(f"CREATE OR REPLACE TEMP TABLE {_SRC} AS SELECT * FROM {relation}")
                relation = _SRC
            described = db.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
            names, types = [d[0] for d in described], [d[1] for d in described]
            src = Source(label=source, relation=relation, headers=names,
                         columns=names, types=types, kind="data")
            return _Pipeline(ws, db, tbl, src, Mapping(), create_missing, mode).run()
        finally:
            db.unregister(_SRC + "_arrow")
            db.execute(f"DROP TABLE IF EXISTS {_SRC}")


def import_file(ws: "Workspace", table: str, path: str | Path, *, mapping: Mapping | str | Path | None = None,
                create_missing: bool = False, sheet: str | None = None, encoding: str = "auto",
                delimiter: str | None = None, mode: str = "append") -> ImportReport:
    """Import a CSV, Excel (.xlsx) or Parquet file into input table ``table``, all or nothing.

    ``mapping`` is a :class:`~saleskpi.data.mapping.Mapping` or the path of a mapping file;
    its ``[read]`` section gives defaults for ``encoding``, ``delimiter`` and ``sheet``, which
    explicit arguments override. ``encoding`` is ``auto`` (UTF-8 if the bytes are valid UTF-8,
    otherwise Windows-1251), ``utf-8``, ``cp1251`` or ``latin-1``. ``mode`` is ``append`` or
    ``replace`` (the table's rows are replaced in the same transaction). Returns an
    :class:`ImportReport`; raises :class:`InputDataError` (nothing loaded) on any problem.
    """
    from saleskpi.data import readers

    tbl = find_table(table)
    _check_mode(mode)
    if mapping is None:
        mapping = Mapping()
    elif not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    mapping.check(tbl)
    if encoding == "auto" and mapping.encoding:
        encoding = mapping.encoding
    with engine_of(ws.con).staging_db(ws.con) as db, _session(db, ws.settings):
        with readers.open_source(db, Path(path), sheet=sheet or mapping.sheet, encoding=encoding,
                                 delimiter=delimiter or mapping.delimiter) as src:
            return _Pipeline(ws, db, tbl, src, mapping, create_missing, mode).run()


# --- the source: what a reader hands to the pipeline -------------------------------------


@dataclass
class Source:
    """A readable relation in DuckDB and what is known about it.

    ``columns`` are the relation's column names, parallel to ``headers`` (as written in the
    file) and ``types`` (DuckDB types). ``sample`` is a relation over the first lines (for
    detection); ``missing_lines`` are physical line numbers absent from the relation (blank
    or unreadable lines), so that staged row ``i`` maps back to its line. ``problems`` and
    ``problem_total`` carry problems the reader found (unreadable lines).
    """

    label: str
    relation: str
    headers: list[str]
    columns: list[str]
    types: list[str]
    kind: str = "file"  # "file" or "data"
    sample: str | None = None
    decimal_comma: bool | None = None
    delimiter: str | None = None
    missing_lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_total: int = 0
    #: The row of the first data line (2 below a header in row 1).
    row_offset: int = 2
    #: Called once the relation was scanned (a CSV reader collects unreadable lines then).
    after_scan: Callable[[], None] | None = None


# --- internals -------------------------------------------------------------------------


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise UsageError(f"Import mode '{mode}' is not known. Use 'append' (add rows) or "
                         "'replace' (replace the table's rows).")


class _session:
    """Run DuckDB with the settings' memory limit (it spills to disk beyond it) meanwhile,
    and drop the staging table afterwards."""

    def __init__(self, db, settings: Settings) -> None:
        self.db, self.limit = db, settings.import_.memory_limit

    def __enter__(self):
        self.before = self.db.execute("SELECT current_setting('memory_limit'), "
                                      "current_setting('enable_progress_bar')").fetchone()
        self.db.execute(f"SET memory_limit = {_lit(self.limit)}")
        # DuckDB's own bars would write to stdout, which is for data; the CLI reports instead.
        self.db.execute("SET enable_progress_bar = false")
        return self

    def __exit__(self, *exc) -> None:
        self.db.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        self.db.execute(f"SET memory_limit = {_lit(self.before[0])}")
        self.db.execute(f"SET enable_progress_bar = {_lit(bool(self.before[1]))}")


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


def _is_text(duck_type: str) -> bool:
    return duck_type.upper() in ("VARCHAR", "TEXT", "STRING") or duck_type.upper().startswith("VARCHAR")


def _is_float(duck_type: str) -> bool:
    return duck_type.upper() in ("DOUBLE", "FLOAT", "REAL", "FLOAT4", "FLOAT8")


def _is_numeric(duck_type: str) -> bool:
    t = duck_type.upper()
    return _is_float(t) or t.startswith("DECIMAL") or t in (
        "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
        "UBIGINT", "UHUGEINT")


def _stage_type(col: Column) -> str:
    """The type a column has in the staging table (amounts keep 6 decimals until loaded)."""
    return _STAGE_AMOUNT if col.is_amount else col.sql_type


def _human_format(fmt: str) -> str:
    return (fmt.replace("%Y", "yyyy").replace("%m", "mm").replace("%d", "dd").replace("%H", "HH")
            .replace("%M", "MM").replace("%S", "SS"))


def _exact_rate(settings: Settings, currency: str) -> Fraction | None:
    """Units of ``currency`` per 1 workspace-currency unit as an exact fraction (None: unknown)."""
    home = settings.workspace.currency
    if home == "BGN" and currency == "EUR":
        return 1 / Fraction(str(BGN_PER_EUR))
    rate = settings.rate(currency)
    return None if rate is None else Fraction(repr(rate))


def _convert_sql(expr: str, rate: Fraction, scale: int) -> str:
    """SQL converting an amount ``expr`` (up to 9 decimals) at ``rate`` to ``scale`` decimals.

    Exact integer arithmetic, rounded half away from zero (the euro conversion rule,
    Council Regulation (EC) 1103/97 art. 5): ``round(x / rate, scale)``.
    """
    num = (f"(CAST(CAST({expr} AS DECIMAL(38,9)) * 1000000000 AS HUGEINT) * "
           f"{rate.denominator * 10 ** scale})")
    den = rate.numerator * 10 ** 9
    rounded = f"(sign({num}) * ((abs({num}) * 2 + {den}) // {2 * den}))"
    return f"CAST(CAST({rounded} AS DECIMAL(38,0)) * CAST(1e-{scale} AS DECIMAL(18,{scale})) AS DECIMAL(18,{scale}))"


def _fault(point: str) -> None:
    """The fault hook: die without cleanup at ``point`` when SALESKPI_FAULT names it (tests)."""
    if os.environ.get(FAULT_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class _Check:
    """A row-level rule: lines where ``cond`` holds are problems in ``column``."""

    cond: str
    column: str | None
    value: str | None
    expected: str


class _Pipeline:
    """One import: bind, stage, check, load (see the module docstring)."""

    def __init__(self, ws: "Workspace", db, tbl: Table, src: Source, mapping: Mapping,
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
        self.generated: str | None = None    # a key column numbered on load (sales.line_no)
        self.missing_refs: dict[str, int] = {}
        self._line_k: list[int] | None = None
        #: Checks and load run on a copy of the stored keys, then ship (PostgreSQL, Spark).
        self.remote = not engine_of(ws.con).stages_in_place

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

    # --- the steps ----------------------------------------------------------------------

    def run(self) -> ImportReport:
        self.bind()
        rows = self.stage()
        if self.remote:
            self.mirror()
        self.apply_skip_rules()
        self.check_rows()
        self.check_duplicates_and_keys()
        self.check_references()
        self.rates = self.check_currencies()
        self.refuse()
        return self.load(rows)

    def bind(self) -> None:
        """Match headers to contract columns; stop on header-level problems."""
        src, tbl, mapping = self.src, self.tbl, self.mapping
        if not src.headers:
            self.problem(None, None, None, "the file is empty (no header line). Export it again "
                         "with a header line naming the columns; 'saleskpi schema "
                         f"{tbl.name}' lists them")
            self.refuse()
        norm = [normalize_header(h) for h in src.headers]
        taken: set[int] = set()
        for name, header in mapping.columns.items():
            wanted = normalize_header(header)
            idx = next((i for i, n in enumerate(norm) if n == wanted and i not in taken), None)
            if idx is None:
                self.problem(None, name, None, f"the mapping ({mapping.source}) maps {name} to the header "
                             f"'{header}', which the file does not have; headers: {', '.join(src.headers)}")
            else:
                self.bound[name] = idx
                taken.add(idx)
        rest = [i for i in range(len(src.headers)) if i not in taken]
        found, extra = match_headers(tbl, [src.headers[i] for i in rest])
        by_header = {}
        for i in rest:
            by_header.setdefault(src.headers[i], i)
        for name, header in found.items():
            if name in self.bound or name in mapping.values:
                extra.append(header)
            else:
                self.bound[name] = by_header[header]
        ignored = {normalize_header(h) for h in mapping.ignore}
        for header in extra:
            if normalize_header(header) in ignored or not header.strip():
                continue
            self.warnings.append(
                f"column '{header}' matches no column of {tbl.name} and was not loaded; rename it "
                f"to a contract column (saleskpi schema {tbl.name}), map it in a mapping file, or "
                "list it under ignore")
        for name, value in mapping.values.items():
            col = tbl.column(name) if name in tbl.column_names else None
            sql_type = col.sql_type if col else "DOUBLE"
            ok = self.q1(f"SELECT TRY_CAST({_lit(value)} AS {sql_type}) IS NOT NULL")[0]
            if not ok:
                self.problem(None, name, value, f"the mapping's [values] {name} must be "
                             f"{col.expected() if col else 'a number'}; fix {mapping.source}")
            elif col is not None and col.choices and value not in col.choices:
                self.problem(None, name, value, f"the mapping's [values] {name} must be one of "
                             f"{', '.join(col.choices)}; fix {mapping.source}")
            else:
                self.fixed[name] = f"CAST({_lit(value)} AS {sql_type})"
        if len(src.headers) == 1 and not self.bound and src.delimiter is not None:
            guess = _guess_delimiter(src.headers[0])
            if guess and guess != src.delimiter:
                shown = _show_delim(guess)
                self.problem(1, None, src.headers[0][:80],
                             f"the header did not split into columns with the delimiter "
                             f"{_show_delim(src.delimiter)}: it looks like the delimiter is {shown}; "
                             f"use --delimiter {'tab' if guess == chr(9) else shown}")
                self.refuse()
        for col in tbl.required:
            if not self.given(col.name):
                self.problem(None, col.name, None, self._missing_column_text(col))
        for group in tbl.one_of:
            if not any(self.given(c) for c in group):
                self.problem(None, " or ".join(group), None,
                             f"the file must have at least one of the columns {', '.join(group)}")
        for col in tbl.columns:
            if col.name in tbl.key and col.type == "integer" and not col.required \
                    and not self.given(col.name):
                self.generated = col.name
        self.refuse()

    def _missing_column_text(self, col: Column) -> str:
        text = (f"required column '{col.name}' is missing ({col.description.rstrip('.')}). Add a "
                f"column headed {col.name}")
        if col.aliases:
            text += f" (or one of: {', '.join(col.aliases[:6])})"
        text += ", or map your header to it in a mapping file"
        return text

    def stage(self) -> int:
        """Create the staging table of typed values; return its number of rows."""
        src = self.src
        self.detect()
        selects, bad_parts = [], []
        for name, idx in self.bound.items():
            col = self.tbl.column(name) if name in self.tbl.column_names else None
            raw = f"src.{_q(src.columns[idx])}"
            typed, bad = self.typed_expr(raw, src.types[idx], col)
            selects.append(f"{typed} AS {_q(name)}")
            if bad is not None:
                bad_parts.append(f"CASE WHEN {bad} THEN {_lit(name)} || chr(30) || CAST({raw} AS VARCHAR) END")
        bad_sql = f"NULLIF(concat_ws(chr(31), {', '.join(bad_parts)}), '')" if bad_parts else "CAST(NULL AS VARCHAR)"
        # A line with no value at all (;;;; at the end of an Excel export) is left out.
        empty = " AND ".join(f"src.{_q(c)} IS NULL" for c in src.columns) or "FALSE"
        inner = ", ".join(selects + [f"{bad_sql} AS __bad",
                                     f"CASE WHEN {empty} THEN 'empty line' END AS __skip"])
        self.db.execute(f"CREATE OR REPLACE TEMP TABLE {_STAGE} AS SELECT {inner} FROM {src.relation} AS src")
        rows, empty_lines = self.q1(f"SELECT count(*), count(__skip) FROM {_STAGE}")
        if src.after_scan is not None:
            src.after_scan()
            self.problems += src.problems
            self.total += src.problem_total
            self._line_k = None
        if empty_lines:
            self.skipped["empty line"] = empty_lines
        if rows - empty_lines == 0 and src.kind == "file" and not self.total:
            self.problem(None, None, None, "the file has a header but no data rows; export it again "
                         "with its rows, or check that you chose the right file")
            self.refuse()
        if rows == 0 and src.kind == "data":
            self.warnings.append(f"{src.label} has no rows; nothing was loaded")
        return rows

    def detect(self) -> None:
        """Detect the decimal comma and each text date column's format from a sample."""
        src, mapping = self.src, self.mapping
        text_cols = {name: idx for name, idx in self.bound.items() if _is_text(src.types[idx])}
        dates = {n: i for n, i in text_cols.items()
                 if n in self.tbl.column_names and self.tbl.column(n).type == "date"}
        numbers = {n: i for n, i in text_cols.items()
                   if n not in self.tbl.column_names or self.tbl.column(n).type in (
                       "integer", "quantity", "money", "price", "number")}
        if mapping.decimal is not None:
            self.decimal_comma = mapping.decimal == ","
        elif src.decimal_comma is not None:
            self.decimal_comma = src.decimal_comma
        if not dates and (not numbers or mapping.decimal is not None or src.delimiter == ","):
            return
        sample = src.sample or src.relation
        self.db.execute(f"CREATE OR REPLACE TEMP TABLE __saleskpi_sample AS SELECT * FROM {sample} "
                        f"LIMIT {SAMPLE_ROWS}")
        if numbers and mapping.decimal is None and src.delimiter != "," and src.decimal_comma is None:
            conds = " OR ".join(
                f"regexp_full_match(trim({_q(src.columns[i])}), '[-+]?[0-9 \u00a0]*,[0-9]+')"
                for i in numbers.values())
            self.decimal_comma = bool(self.q1(f"SELECT count(*) FILTER ({conds}) > 0 FROM __saleskpi_sample")[0])
        formats = [mapping.date_format] if mapping.date_format else list(self.settings.import_.date_formats)
        for name, idx in dates.items():
            c = f"NULLIF(trim({_q(src.columns[idx])}), '')"
            counts = self.q1("SELECT " + ", ".join(
                f"count({c}) FILTER (try_strptime({c}, {_lit(f)}) IS NULL)" for f in formats)
                + f", count({c}) FROM __saleskpi_sample")
            failures, n = counts[:-1], counts[-1]
            best = min(range(len(formats)), key=lambda k: (failures[k], k))
            # The first format that reads every value wins; else the one that reads the most.
            if n:
                self.date_formats[name] = formats[best]
        self.db.execute("DROP TABLE IF EXISTS __saleskpi_sample")

    def typed_expr(self, raw: str, src_type: str, col: Column | None) -> tuple[str, str | None]:
        """SQL converting a source value to its staged type, and the condition of a failure."""
        kind = col.type if col is not None else "number"
        target = _stage_type(col) if col is not None else "DOUBLE"
        if _is_text(src_type):
            v = f"NULLIF(trim({raw}), '')"
            if kind == "string":
                typed = f"lower({v})" if col and col.choices else v
                return typed, None
            if kind == "date":
                fmt = self.date_formats.get(col.name)
                typed = (f"CAST(try_strptime({v}, {_lit(fmt)}) AS DATE)" if fmt
                         else f"TRY_CAST({v} AS DATE)")
            elif kind == "boolean":
                from saleskpi.data.schema import FALSE_WORDS, TRUE_WORDS
                low = f"lower({v})"
                typed = (f"CASE WHEN {low} IN ({', '.join(_lit(w) for w in TRUE_WORDS)}) THEN TRUE "
                         f"WHEN {low} IN ({', '.join(_lit(w) for w in FALSE_WORDS)}) THEN FALSE END")
            else:
                num = v
                if self.decimal_comma:
                    num = f"replace(replace(replace({v}, ' ', ''), chr(160), ''), ',', '.')"
                typed = f"TRY_CAST({num} AS {target})"
            return typed, f"({v} IS NOT NULL AND {typed} IS NULL)"
        if kind == "string":
            if _is_float(src_type):
                # 17850.0 in a float id column (a spreadsheet's habit) is the id '17850'.
                return (f"CASE WHEN {raw} = trunc({raw}) AND abs({raw}) < 1e18 THEN "
                        f"CAST(CAST({raw} AS BIGINT) AS VARCHAR) ELSE CAST({raw} AS VARCHAR) END"), None
            typed = f"NULLIF(trim(CAST({raw} AS VARCHAR)), '')"
            return (f"lower({typed})" if col and col.choices else typed), None
        if kind == "integer" and _is_float(src_type):
            typed = f"CASE WHEN {raw} = trunc({raw}) THEN TRY_CAST({raw} AS BIGINT) END"
        elif kind == "date":
            typed = f"TRY_CAST({raw} AS DATE)"
        elif kind == "boolean" and _is_numeric(src_type):
            typed = f"({raw} <> 0)"
        else:
            typed = f"TRY_CAST({raw} AS {target})"
        return typed, f"({raw} IS NOT NULL AND {typed} IS NULL)"

    def apply_skip_rules(self) -> None:
        """Mark lines that the mapping's skip rules leave out, first rule first."""
        for rule in self.mapping.skip:
            if not self.given(rule.column):
                self.warnings.append(f"skip rule '{rule.reason}': column {rule.column} is not in the file")
                continue
            c = self.col(rule.column)
            cond = {"empty": f"{c} IS NULL", "not_empty": f"{c} IS NOT NULL", "zero": f"{c} = 0",
                    "negative": f"{c} < 0", "positive": f"{c} > 0"}[rule.is_]
            n = self.q1(f"SELECT count(*) FROM {_STAGE} s WHERE s.__skip IS NULL AND {cond}")[0]
            if n:
                self.db.execute(f"UPDATE {_STAGE} s SET __skip = {_lit(rule.reason)} "
                                f"WHERE s.__skip IS NULL AND {cond}")
            self.skipped[rule.reason] = n

    def check_rows(self) -> None:
        """Types, required values, ranges, choices, future dates and one_of, in one pass."""
        tbl = self.tbl
        checks: list[_Check] = []
        for col in tbl.columns:
            if col.name not in self.bound:
                continue
            c = self.col(col.name)
            shown = self.header_of(col.name)
            not_bad = f"NOT coalesce(contains(chr(31) || s.__bad, chr(31) || {_lit(col.name)} || chr(30)), FALSE)"
            if col.required:
                checks.append(_Check(f"{c} IS NULL AND {not_bad}", shown, None,
                                     f"a value is required ({col.expected()}); fill it in"))
            if col.minimum is not None:
                checks.append(_Check(f"{c} < {col.minimum!r}", shown, c,
                                     f"expected {col.expected()}; a negative value is refused here"
                                     if col.minimum == 0 else f"expected {col.expected()}"))
            if col.maximum is not None:
                checks.append(_Check(f"{c} > {col.maximum!r}", shown, c, f"expected {col.expected()}"))
            if col.choices:
                checks.append(_Check(f"{c} NOT IN ({', '.join(_lit(x) for x in col.choices)})", shown, c,
                                     f"expected one of {', '.join(col.choices)}"))
            if col.type == "date":
                limit = date.today() + timedelta(days=self.settings.import_.future_days)
                checks.append(_Check(
                    f"{c} > DATE {_lit(limit.isoformat())}", shown, c,
                    f"a date after {limit.isoformat()} (today + {self.settings.import_.future_days} days) "
                    "looks like a typing error; correct it, or raise [import] future_days in settings.toml"))
                checks.append(_Check(f"{c} < DATE '1900-01-01'", shown, c,
                                     "a date before 1900 looks like a typing error; correct it"))
        for group in tbl.one_of:
            present = [g for g in group if self.given(g)]
            if present and not all(g in self.fixed for g in present):
                checks.append(_Check(" AND ".join(f"{self.col(g)} IS NULL" for g in present)
                                     + " AND s.__bad IS NULL",
                                     " or ".join(present), None,
                                     f"at least one of {', '.join(group)} must be filled in"))
        counts = self.q1("SELECT count(*) FILTER (WHERE s.__bad IS NOT NULL), "
                         "sum(len(string_split(s.__bad, chr(31)))) FILTER (WHERE s.__bad IS NOT NULL)"
                         + "".join(f", count(*) FILTER (WHERE {ch.cond})" for ch in checks)
                         + f" FROM {_STAGE} s WHERE {self.active()}")
        if counts[0]:
            self._type_problems(counts[1])
        for ch, n in zip(checks, counts[2:]):
            if not n:
                continue
            value = ch.value if ch.value is not None else "NULL"
            found = self.db.execute(f"SELECT s.rowid, CAST({value} AS VARCHAR) FROM {_STAGE} s "
                                    f"WHERE {self.active()} AND {ch.cond} ORDER BY s.rowid "
                                    f"LIMIT {self.cap}").fetchall()
            for rowid, val in found:
                self.problems.append(Problem(self.src.label, self.row_of(rowid), ch.column, _show(val),
                                             ch.expected))
            self.total += n

    def _type_problems(self, total: int) -> None:
        found = self.db.execute(f"SELECT s.rowid, s.__bad FROM {_STAGE} s WHERE {self.active()} AND "
                                f"s.__bad IS NOT NULL ORDER BY s.rowid LIMIT {self.cap}").fetchall()
        for rowid, bad in found:
            for part in bad.split("\x1f"):
                name, _, value = part.partition("\x1e")
                col = self.tbl.column(name) if name in self.tbl.column_names else None
                self.problems.append(Problem(self.src.label, self.row_of(rowid), self.header_of(name),
                                             value, self._type_expected(name, col, value)))
        self.total += total

    def _type_expected(self, name: str, col: Column | None, value: str) -> str:
        if col is None:
            return f"expected a number (extra column {name} holds numbers)"
        text = f"expected {col.expected()}"
        if col.type == "date" and col.name in self.date_formats:
            fmt = _human_format(self.date_formats[col.name])
            text = (f"not a valid date in the column's format {fmt} (read from its other values); "
                    f"correct it, e.g. {date(2024, 3, 31).strftime(self.date_formats[col.name])}")
        elif col.type in ("quantity", "money", "price", "number", "integer"):
            sep = "decimal comma" if self.decimal_comma else "decimal point"
            text += f" (this file uses a {sep}); correct the value"
        return text

    def check_duplicates_and_keys(self) -> None:
        """Exact duplicate lines, key duplicates in the file and key clashes with stored rows."""
        tbl = self.tbl
        key = [k for k in tbl.key if self.given(k) and k != self.generated]
        bound_key = [k for k in key if k in self.bound]
        key_groups: list[list[int]] = []
        if self.generated is None and bound_key:
            key_groups = self._duplicate_groups(bound_key)
        if self.generated is None and bound_key and all(self.given(k) for k in tbl.key):
            # Exact duplicates share the key: compare whole lines among key duplicates only.
            among = [r for g in key_groups for r in g]
            exact = self._duplicate_groups(list(self.bound), among=among) if among else []
        else:
            exact = self._duplicate_groups(list(self.bound)) if self.bound else []
        exact_dup_rows = {r for g in exact for r in g[1:]}
        if exact and self.mapping.duplicates == "skip":
            reason = "exact duplicate of an earlier line"
            self.db.execute(f"UPDATE {_STAGE} SET __skip = {_lit(reason)} WHERE rowid IN "
                            f"(SELECT unnest(?::BIGINT[]))", [sorted(exact_dup_rows)])
            self.skipped[reason] = len(exact_dup_rows)
        else:
            for g in exact:
                for r in g[1:]:
                    self._add_listed(Problem(
                        self.src.label, self.row_of(r), None, None,
                        f"exact duplicate of row {self.row_of(g[0])} (every column is the same); delete "
                        "one of them, or set [duplicates] exact = \"skip\" in a mapping file"))
        for g in key_groups:
            first = next((r for r in g if r not in exact_dup_rows), g[0])
            for r in g:
                if r == first or r in exact_dup_rows:
                    continue
                self._add_listed(Problem(
                    self.src.label, self.row_of(r), ", ".join(self.header_of(k) for k in key), None,
                    f"the same {' + '.join(key)} as row {self.row_of(first)}; each line needs its own "
                    f"{' + '.join(key)} (the key of {tbl.name}); correct or delete one of them"))
        if key and self.mode == "append" and self.q1(f"SELECT count(*) FROM {_q(tbl.name)}")[0]:
            on = " AND ".join(f"t.{_q(k)} IS NOT DISTINCT FROM {self.col(k)}" for k in key)
            n, = self.q1(f"SELECT count(*) FROM {_STAGE} s WHERE {self.active()} AND EXISTS "
                         f"(SELECT 1 FROM {_q(tbl.name)} t WHERE {on})")
            if n:
                found = self.db.execute(
                    f"SELECT s.rowid, concat_ws(' + ', {', '.join(f'CAST({self.col(k)} AS VARCHAR)' for k in key)}) "
                    f"FROM {_STAGE} s WHERE {self.active()} AND EXISTS (SELECT 1 FROM {_q(tbl.name)} t "
                    f"WHERE {on}) ORDER BY s.rowid LIMIT {self.cap}").fetchall()
                for rowid, val in found:
                    self.problems.append(Problem(
                        self.src.label, self.row_of(rowid), ", ".join(self.header_of(k) for k in key), val,
                        f"{' + '.join(key)} is already stored in {tbl.name} (loaded before); import with "
                        "--replace to replace the table, or leave these lines out"))
                self.total += n

    def _add_listed(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.total += 1

    def _duplicate_groups(self, names: list[str], among: list[int] | None = None) -> list[list[int]]:
        """Groups (rowids, ascending) of active staged lines equal on ``names``.

        ``among`` restricts the search to those rowids. Without it, lines are grouped on a
        64-bit hash first (a small table even for 10 million lines), then the few candidates
        are compared exactly.
        """
        cols = ", ".join(f"s.{_q(n)}" for n in names)
        if among is not None:
            groups = self.db.execute(
                f"SELECT list(s.rowid ORDER BY s.rowid) FROM {_STAGE} s WHERE {self.active()} AND s.rowid IN "
                f"(SELECT unnest(?::BIGINT[])) GROUP BY {cols} HAVING count(*) > 1 ORDER BY min(s.rowid)",
                [among]).fetchall()
            return [g[0] for g in groups]
        self.db.execute(f"CREATE OR REPLACE TEMP TABLE __saleskpi_dups AS SELECT h FROM "
                        f"(SELECT hash({cols}) AS h FROM {_STAGE} s WHERE {self.active()}) "
                        f"GROUP BY h HAVING count(*) > 1")
        try:
            if not self.q1("SELECT count(*) FROM __saleskpi_dups")[0]:
                return []
            groups = self.db.execute(
                f"SELECT list(s.rowid ORDER BY s.rowid) FROM {_STAGE} s SEMI JOIN __saleskpi_dups d "
                f"ON hash({cols}) = d.h WHERE {self.active()} GROUP BY {cols} HAVING count(*) > 1 "
                "ORDER BY min(s.rowid)").fetchall()
            return [g[0] for g in groups]
        finally:
            self.db.execute("DROP TABLE IF EXISTS __saleskpi_dups")

    def check_references(self) -> None:
        """Every referencing value must exist (or be created with create_missing)."""
        tbl = self.tbl
        for col in tbl.columns:
            if not col.references or not self.given(col.name):
                continue
            target_name, target_key = col.references.split(".")
            target = TABLES[target_name]
            c = self.col(col.name)
            known = [f"SELECT {_q(target_key)} FROM {_q(target_name)}"]
            if target_name == tbl.name:
                if self.mode == "replace":
                    known = []
                known.append(f"SELECT {self.col(target_key)} FROM {_STAGE} s WHERE {self.active()}")
            self.db.execute(
                f"CREATE OR REPLACE TEMP TABLE __saleskpi_missing_{col.name} AS "
                f"(SELECT DISTINCT {c} AS v FROM {_STAGE} s WHERE {self.active()} AND {c} IS NOT NULL) "
                + "".join(f"EXCEPT ({k}) " for k in known))
            n_values, = self.q1(f"SELECT count(*) FROM __saleskpi_missing_{col.name}")
            if not n_values:
                continue
            stub_ok = set(c.name for c in target.required) <= {target_key, "name"}
            if self.create_missing and stub_ok and target_name != tbl.name:
                self.missing_refs[col.name] = n_values
                continue
            where = (f"{self.active()} AND {c} IN (SELECT v FROM __saleskpi_missing_{col.name})")
            n, = self.q1(f"SELECT count(*) FROM {_STAGE} s WHERE {where}")
            found = self.db.execute(f"SELECT s.rowid, {c} FROM {_STAGE} s WHERE {where} ORDER BY s.rowid "
                                    f"LIMIT {self.cap}").fetchall()
            if target_name == tbl.name:
                fix = (f"add a line with {target_key} {{val!r}} to this file, or leave {col.name} empty")
            elif not stub_ok:
                fix = (f"import {target_name} first ({target_name} rows cannot be created from an id "
                       f"alone: they need {', '.join(r.name for r in target.required)})")
            else:
                fix = (f"import {target_name} first, or import with --create-missing to create it with "
                       f"its id as name")
            for rowid, val in found:
                self.problems.append(Problem(self.src.label, self.row_of(rowid), self.header_of(col.name), val,
                                             f"no {target_name} has {target_key} {val!r}; "
                                             + fix.format(val=val)))
            self.total += n

    def check_currencies(self) -> dict[str, Fraction]:
        """Rates of the currencies the lines use; an unknown currency is a problem."""
        home = self.settings.workspace.currency
        amounts = [c for c in self.tbl.columns if c.is_amount and self.given(c.name)]
        if not amounts or not self.given("currency"):
            return {}
        cur = f"upper({self.col('currency')})"
        found = self.db.execute(f"SELECT {cur} AS cur, count(*), min(s.rowid) FROM {_STAGE} s "
                                f"WHERE {self.active()} AND {cur} IS NOT NULL GROUP BY cur ORDER BY 3").fetchall()
        rates: dict[str, Fraction] = {}
        for code, n, first in found:
            rate = _exact_rate(self.settings, code) if len(code) == 3 and code.isalpha() else None
            if rate is None:
                rows = self.db.execute(f"SELECT s.rowid FROM {_STAGE} s WHERE {self.active()} AND "
                                       f"{cur} = ? ORDER BY s.rowid LIMIT {self.cap}", [code]).fetchall()
                fix = (f"unknown currency; add it under [currencies] in {self.ws.path / 'settings.toml'} as "
                       f"{code} = <units of {code} per 1 {home}>" if len(code) == 3 and code.isalpha()
                       else f"expected a 3-letter ISO currency code such as {home}")
                for (rowid,) in rows:
                    self.problems.append(Problem(self.src.label, self.row_of(rowid),
                                                 self.header_of("currency"), code, fix))
                self.total += n
            elif code != home:
                rates[code] = rate
        return rates

    # --- load ---------------------------------------------------------------------------

    def amount_sql(self, col: Column, expr: str) -> str:
        """SQL of an amount in the workspace currency at the contract's scale."""
        scale = int(col.sql_type.split(",")[1].rstrip(")"))
        plain = f"CAST({expr} AS {col.sql_type})"
        if not self.rates:
            return plain
        cur = f"upper({self.col('currency')})"
        cases = " ".join(f"WHEN {_lit(code)} THEN {_convert_sql(expr, rate, scale)}"
                         for code, rate in self.rates.items())
        return f"CASE {cur} {cases} ELSE {plain} END"

    def select_list(self, import_id: int) -> tuple[list[str], list[str]]:
        """Target columns and their SQL for the INSERT."""
        tbl = self.tbl
        names, exprs = [], []
        staged = {name: self.col(name) for name in tbl.column_names}
        # Alternatives of an amount, each converted and rounded on its own (a coalesce of
        # raw decimals would widen them to 128 bits, several times slower on millions of rows).
        options: dict[str, list[str]] = {}
        if tbl.name == "sales":
            # The contract's derived amounts: net_value = quantity x unit_price, cost = net - margin.
            q, p, net, margin = (staged[n] for n in ("quantity", "unit_price", "net_value", "margin"))
            if self.given("unit_price"):
                options["net_value"] = ([net] if self.given("net_value") else []) + [f"({q} * {p})"]
            if not self.given("cost") and self.given("margin"):
                options["cost"] = [f"({net} - {margin})"] if not self.given("unit_price") else [
                    f"(CASE WHEN {net} IS NOT NULL THEN {net} ELSE {q} * {p} END - {margin})"
                    if self.given("net_value") else f"({q} * {p} - {margin})"]
        for col in tbl.columns:
            expr = staged[col.name]
            if col.name == self.generated:
                rest = [k for k in tbl.key if k != col.name]
                expr = (f"row_number() OVER (PARTITION BY {', '.join(self.col(k) for k in rest)} "
                        "ORDER BY s.rowid)")
            elif col.name == "currency" and any(c.is_amount for c in tbl.columns):
                # Every stored amount is in the workspace currency, and says so.
                expr = _lit(self.settings.workspace.currency)
            elif col.is_amount and (col.name in options or expr != "NULL"):
                parts = [self.amount_sql(col, e) for e in options.get(col.name, [expr])]
                expr = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
            elif expr == "NULL":
                continue
            names.append(_q(col.name))
            exprs.append(expr)
        for name in self.bound:
            if name not in tbl.column_names:
                names.append(_q(name))
                exprs.append(f"s.{_q(name)}")
        names.append("import_id")
        exprs.append(str(import_id))
        return names, exprs

    def load(self, staged_rows: int) -> ImportReport:
        db, tbl = self.db, self.tbl
        import_id = self.q1("SELECT coalesce(max(import_id), 0) + 1 FROM meta_imports")[0]
        names, exprs = self.select_list(import_id)
        stored = {r[0] for r in db.execute(f"DESCRIBE {_q(tbl.name)}").fetchall()}
        new_columns = tuple(n for n in self.bound if n not in tbl.column_names and n not in stored)
        created: dict[str, int] = {}
        # The derived tables of this input (the purchase-day table of sales) change in the same
        # transaction; their SQL is prepared before it opens.
        derived_sql = [] if self.remote else self.derived_sql(import_id)
        # Stored order does not matter (staged rowids already gave the rows); dropping it lets
        # DuckDB insert in parallel, about twice as fast.
        db.execute("SET preserve_insertion_order = false")
        db.execute("BEGIN TRANSACTION")
        try:
            if self.mode == "replace":
                db.execute(f"DELETE FROM {_q(tbl.name)}")
            for name in self.bound:
                if name not in tbl.column_names and name not in stored:
                    db.execute(f"ALTER TABLE {_q(tbl.name)} ADD COLUMN {_q(name)} DOUBLE")
            for col_name, n in self.missing_refs.items():
                target_name, target_key = self.tbl.column(col_name).references.split(".")
                db.execute(f"INSERT INTO {_q(target_name)} ({_q(target_key)}, name, import_id) "
                           f"SELECT v, v, {import_id} FROM __saleskpi_missing_{col_name} "
                           f"WHERE v NOT IN (SELECT {_q(target_key)} FROM {_q(target_name)})")
                created[target_name] = created.get(target_name, 0) + n
            loaded = db.execute(f"INSERT INTO {_q(tbl.name)} ({', '.join(names)}) SELECT {', '.join(exprs)} "
                                f"FROM {_STAGE} s WHERE {self.active()}").fetchone()[0]
            if self.mode == "replace":
                self.check_dangling()
            note = json.dumps({"mode": self.mode, "skipped": self.skipped, "created": created,
                               "warnings": self.warnings}, ensure_ascii=False)
            db.execute("INSERT INTO meta_imports VALUES (?, ?, ?, ?, ?, current_timestamp, ?)",
                       [import_id, tbl.name, self.src.label, loaded, sum(self.skipped.values()), note])
            for statement in derived_sql:
                db.execute(statement)
            if not self.remote:
                _fault("before-commit")
            db.execute("COMMIT")
        except BaseException:
            try:
                db.execute("ROLLBACK")
            except Exception:  # the transaction is already gone; the first error is the news
                pass
            raise
        finally:
            db.execute("RESET preserve_insertion_order")
            for col_name in [c.name for c in tbl.columns if c.references]:
                db.execute(f"DROP TABLE IF EXISTS __saleskpi_missing_{col_name}")
        if self.remote:
            self.ship(import_id, new_columns)
        return ImportReport(table=tbl.name, source=self.src.label, rows_loaded=loaded,
                            skipped={k: v for k, v in self.skipped.items() if v}, warnings=self.warnings,
                            created=created, import_id=import_id)

    def derived(self) -> list:
        """The derived tables of this import's table (:func:`saleskpi.derived.derived_of`)."""
        return derived_of(self.tbl.name)

    def derived_sql(self, import_id: int) -> list[str]:
        """SQL that keeps the derived tables in step, run in the import's transaction after its
        rows and its meta_imports row are in (:func:`saleskpi.derived.import_sql`)."""
        return import_sql(self.ws.con, self.derived(), import_id=import_id, replace=self.mode == "replace")

    # --- PostgreSQL and Spark: check against a copy, then ship the new rows -------------------

    def mirror(self) -> None:
        """Copy into the staging DuckDB the stored columns the checks and the load read.

        Each table that is read gets its full stored schema (so the load's SQL runs as on a
        DuckDB workspace) but only the columns read are filled, distinct: the table's own key
        (append), the keys its references point to, the columns of other tables that point to
        it (replace: dangling references), and the last import id.
        """
        tbl, con = self.tbl, self.ws.con
        needs: dict[str, set[str]] = {tbl.name: set()}
        if self.mode == "append":
            needs[tbl.name] |= {k for k in tbl.key if self.given(k) and k != self.generated}
        for col in tbl.columns:
            if col.references and self.given(col.name):
                target, key = col.references.split(".")
                if not (target == tbl.name and self.mode == "replace"):
                    needs.setdefault(target, set()).add(key)
        if self.mode == "replace":
            for other in TABLES.values():
                for col in other.columns:
                    if col.references and col.references.split(".")[0] == tbl.name and other.name != tbl.name:
                        needs.setdefault(other.name, set()).add(col.name)
        needs["meta_imports"] = {"import_id"}
        for name, cols in needs.items():
            t = con.table(name)
            self.db.register("__saleskpi_shape", t.schema().to_pyarrow().empty_table())
            self.db.execute(f"CREATE TABLE {_q(name)} AS SELECT * FROM __saleskpi_shape")
            self.db.unregister("__saleskpi_shape")
            if not cols:
                continue
            rows = (t.aggregate(import_id=t.import_id.max()) if name == "meta_imports"
                    else t.select(*sorted(cols)).distinct())
            self.db.register("__saleskpi_stored", rows.to_pyarrow())
            names = ", ".join(_q(c) for c in sorted(cols))
            self.db.execute(f"INSERT INTO {_q(name)} ({names}) SELECT {names} FROM __saleskpi_stored")
            self.db.unregister("__saleskpi_stored")

    def ship(self, import_id: int, new_columns: tuple[str, ...]) -> None:
        """Stage the rows this import added to the copy as Parquet and load them into the
        workspace's engine (:meth:`saleskpi.engines.base.Engine.load_batches`)."""
        tables = [self.tbl.column(c).references.split(".")[0] for c in self.missing_refs]
        tables = list(dict.fromkeys(t for t in tables if t != self.tbl.name)) + [self.tbl.name, "meta_imports"]
        con = self.ws.con
        engine = engine_of(con)
        folder = engine.staging_folder()
        try:
            batches = []
            for name in tables:
                path = folder / f"{name}.parquet"
                self.db.execute(f"COPY (SELECT * FROM {_q(name)} WHERE import_id = {int(import_id)}) "
                                f"TO {_lit(str(path))} (FORMAT parquet)")
                columns = tuple(r[0] for r in self.db.execute(f"DESCRIBE {_q(name)}").fetchall())
                batches.append(Batch(
                    name, path, columns, replace=name == self.tbl.name and self.mode == "replace",
                    new_columns=new_columns if name == self.tbl.name else ()))
            # the derived tables: SQL in the load's transaction, or staged beside the new rows
            after, staged = import_steps(con, self.derived(), folder, folder / f"{self.tbl.name}.parquet",
                                         import_id=import_id, replace=self.mode == "replace")
            engine.load_batches(con, batches + staged, import_id=import_id,
                                before_commit=lambda: _fault("before-commit"), after=after)
        finally:
            if not (folder / "journal.json").exists():  # a Spark journal is rolled forward later
                shutil.rmtree(folder, ignore_errors=True)

    def check_dangling(self) -> None:
        """After a replace, rows of other tables must not refer to ids that are gone."""
        tbl = self.tbl
        for other in TABLES.values():
            for col in other.columns:
                if not col.references or col.references.split(".")[0] != tbl.name:
                    continue
                key = col.references.split(".")[1]
                found = self.db.execute(
                    f"SELECT o.{_q(col.name)}, count(*) FROM {_q(other.name)} o WHERE o.{_q(col.name)} IS NOT NULL "
                    f"AND o.{_q(col.name)} NOT IN (SELECT {_q(key)} FROM {_q(tbl.name)}) GROUP BY 1 ORDER BY 1 "
                    f"LIMIT {self.cap}").fetchall()
                for value, n in found:
                    self.problem(None, key, value, f"{n} row(s) of {other.name} ({col.name}) refer to it, "
                                 f"but the new file lacks it; keep it in the file, or replace {other.name} first")
        if self.total:
            self.refuse(f"{self.src.label} would leave references dangling; nothing was loaded.")


def _show(value: str | None) -> str | None:
    """A staged number as a person writes it (-1, not -1.000000)."""
    if value is not None and "." in value and value.replace("-", "", 1).replace(".", "", 1).isdigit():
        value = value.rstrip("0").rstrip(".")
    return value


def _guess_delimiter(header: str) -> str | None:
    """The likeliest delimiter of a header line that did not split, or None."""
    counts = {d: header.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def _show_delim(d: str) -> str:
    return "tab" if d == "\t" else f"'{d}'"
