"""Load input data into a workspace: read, validate against the contract, load all or nothing.

Two entry points share one pipeline:

- :func:`import_file` reads a CSV, Excel or Parquet file (``saleskpi import``;
  :mod:`saleskpi.data.readers`);
- :func:`load_arrow` takes already-typed Arrow data (the demo generator, Python users).

The pipeline, all in DuckDB so that millions of lines stream without passing through Python,
one module per step:

1. **bind** the source's headers to the contract's columns (mapping file first, then the
   contract's names and aliases); header-level problems (missing required column, wrong
   delimiter) stop here (:mod:`~saleskpi.data.importer.staging`);
2. **stage** the data in a temporary table, each value converted to its contract type
   (decimal comma, the date format detected per column); a value that does not convert is
   remembered with its column, and the mapping's skip rules mark lines left out on purpose
   (:mod:`~saleskpi.data.importer.staging`);
3. **check** every rule of the contract on the staged lines with set-based SQL: types,
   required values, minimum/maximum/choices, dates beyond today + ``future_days``, ``one_of``
   groups, references, key uniqueness in the file and against stored rows, exact duplicate
   lines, unknown currencies. Every problem is collected; any problem raises
   :class:`~saleskpi.errors.InputDataError` and nothing is loaded
   (:mod:`~saleskpi.data.importer.checks`);
4. **load** in ONE transaction: (replace: the stored rows in its scope, which the user was told
   of and agreed to, copied to ``meta_removed_<table>`` and deleted;
   :mod:`~saleskpi.data.importer.replacing`) + stub rows of missing
   references (``create_missing``) + ``INSERT ... SELECT`` with amounts converted to the
   workspace currency and rounded to the contract's scale, and the columns the contract
   derives (:attr:`saleskpi.data.schema.Table.derivations`) computed + one ``meta_imports`` row
   + the derived tables of the table kept in step (the customer x day table of ``sales``:
   :func:`saleskpi.derived.import_sql`, logged in ``meta_derived``)
   (:mod:`~saleskpi.data.importer.loading`).

The import log, its listing and undoing the last import are :mod:`~saleskpi.data.importer.log`.

Where this runs is the engine's choice (:meth:`saleskpi.engines.base.Engine.staging_db`). On
DuckDB (:attr:`~saleskpi.engines.base.Engine.stages_in_place`) all of it runs in the
workspace's own database. On PostgreSQL and Spark it runs in an in-memory DuckDB instead: the
checks that read stored rows (keys, references, dangling references, the next import id) read a
copy of just the columns they need (``mirror``); the load runs there as above, and the rows it
added (the table's, the stub rows, the ``meta_imports`` row) are staged as Parquet and handed
to the engine's :meth:`~saleskpi.engines.base.Engine.load_batches` with what keeps the derived
tables in step (:func:`saleskpi.derived.import_steps`): one transaction on PostgreSQL (which
also refreshes the derived tables there by SQL), a journal rolled forward on Spark (the derived
tables are computed before the journal and staged beside the new rows; docs/backends.md). A
replace rides on the table's batch (:class:`saleskpi.engines.Scope` and the backup table); the
copy then holds only the stored rows that stay, as the checks read on DuckDB.

Row numbers in problems are the rows a spreadsheet shows (the header is row 1); for Parquet and
Arrow data the first record is row 2 likewise. The SQL here is DuckDB's, on the staging
database; the workspace's engine is only reached through :mod:`saleskpi.engines`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from saleskpi.config import Settings
from saleskpi.data import readers
from saleskpi.data.importer.checks import Checks
from saleskpi.data.importer.loading import FAULT_ENV, Loading
from saleskpi.data.importer.log import imports, plan_undo, undo_last
from saleskpi.data.importer.replacing import Replace, Removal
from saleskpi.data.importer.staging import Staging
from saleskpi.data.importer.state import _STAGE, ImportReport, WorkspaceLike, _lit
from saleskpi.data.mapping import Mapping, load_mapping
from saleskpi.data.schema import table as find_table
from saleskpi.engines import engine_of
from saleskpi.errors import UsageError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["FAULT_ENV", "MODES", "STEPS", "ImportReport", "Removal", "Replace", "import_file", "imports",
           "load_arrow", "plan_undo", "undo_last"]

MODES = ("append", "replace")
#: The steps of an import, as ``progress(step, done, total)`` names them.
STEPS = ("bind", "stage", "check", "load")
_SRC = "__saleskpi_source"

# --- public API --------------------------------------------------------------------------


def load_arrow(ws: WorkspaceLike, table: str, data: "pa.Table | pa.RecordBatchReader", *, source: str,
               create_missing: bool = False, mode: str = "append", **options) -> ImportReport:
    """Load already-typed Arrow data into input table ``table``, all or nothing.

    Columns are named by the contract (extra prefixed columns such as ``driver_beds`` are
    accepted and stored as numbers). The data goes through the same checks as a file;
    ``source`` names it in problems and in ``meta_imports``; ``options`` are those of
    :func:`import_file` (``replace``, ``confirm``, ``keep_duplicates``, ``progress``). Returns an
    :class:`ImportReport`; raises :class:`InputDataError` (nothing loaded) on any problem.
    """
    import pyarrow as pa

    tbl = find_table(table)
    options = _options(ws, mode, **options)
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
            src = readers.Source(label=source, relation=relation, headers=names,
                         columns=names, types=types, kind="data")
            return _Pipeline(ws, db, tbl, src, Mapping(), create_missing, **options).run()
        finally:
            db.unregister(_SRC + "_arrow")
            db.execute(f"DROP TABLE IF EXISTS {_SRC}")


def import_file(ws: WorkspaceLike, table: str, path: str | Path, *, mapping: Mapping | str | Path | None = None,
                create_missing: bool = False, sheet: str | None = None, encoding: str = "auto",
                delimiter: str | None = None, mode: str = "append", replace: Replace | None = None,
                confirm: Callable[[str], bool] | None = None, keep_duplicates: bool = False,
                progress: Callable[[str, int, int], None] | None = None) -> ImportReport:
    """Import a CSV, Excel (.xlsx) or Parquet file into input table ``table``, all or nothing.

    ``mapping`` is a :class:`~saleskpi.data.mapping.Mapping` or the path of a mapping file;
    its ``[read]`` section gives defaults for ``encoding``, ``delimiter`` and ``sheet``, which
    explicit arguments override. ``encoding`` is ``auto`` (UTF-8 if the bytes are valid UTF-8,
    otherwise Windows-1251), ``utf-8``, ``cp1251`` or ``latin-1``.

    ``replace`` (a :class:`Replace`) names the stored rows the file replaces, removed in the
    load's transaction and kept in ``meta_removed_<table>`` until the next import into the table
    (``mode="replace"`` is ``Replace("all")``); ``confirm(statement)`` is asked with what would be
    removed before anything is, and False stops the import (UsageError, nothing changed).
    ``keep_duplicates`` loads exact duplicate lines (the user says they are real), each with its
    own generated line number. ``progress(step, done, total)`` is called as each of
    :data:`STEPS` starts, and at the end with ``done == total``. Returns an :class:`ImportReport`;
    raises :class:`InputDataError` (nothing loaded) on any problem.
    """
    tbl = find_table(table)
    options = _options(ws, mode, replace=replace, confirm=confirm, keep_duplicates=keep_duplicates,
                       progress=progress)
    if mapping is None:
        mapping = Mapping()
    elif not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    mapping.check(tbl)
    # the mapping may say so for every import of its export: [duplicates] exact = "keep"
    options["keep_duplicates"] = options["keep_duplicates"] or mapping.duplicates == "keep"
    if encoding == "auto" and mapping.encoding:
        encoding = mapping.encoding
    engine = engine_of(ws.con)
    with engine.staging_db(ws.con) as db, _session(db, ws.settings):
        with readers.open_source(db, Path(path), sheet=sheet or mapping.sheet, encoding=encoding,
                                 delimiter=delimiter or mapping.delimiter, temp_dir=engine.temp_dir,
                                 missing=mapping.missing) as src:
            return _Pipeline(ws, db, tbl, src, mapping, create_missing, **options).run()


# --- internals -------------------------------------------------------------------------


def _options(ws: WorkspaceLike, mode: str, *, replace: Replace | None = None, **rest) -> dict:
    """The pipeline's options: ``mode="replace"`` is ``Replace("all")``. The import log gains
    the columns of this version first (a workspace made before them)."""
    if mode not in MODES:
        raise UsageError(f"Import mode '{mode}' is not known. Use 'append' (add rows) or "
                         "'replace' (replace the table's rows).")
    if mode == "replace":
        if replace is not None and replace.scope != "all":
            raise UsageError(f"mode='replace' replaces the whole table; with replace={replace!r} leave mode "
                             "as 'append'.")
        replace = Replace("all")
    from saleskpi.data.upgrade import upgrade_tables  # (it imports this package's log)

    upgrade_tables(ws.con)
    return {"mode": "replace" if replace is not None and replace.scope == "all" else "append",
            "replace": replace, **rest}


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



class _Pipeline(Staging, Checks, Loading):
    """One import: bind, stage, check, load (see the module docstring)."""

    def run(self) -> ImportReport:
        self.step("bind")
        self.bind()
        self.check_scope()
        self.step("stage")
        rows = self.stage()
        if self.remote:
            self.mirror()
        self.apply_skip_rules()
        self.step("check")
        self.check_rows()
        self.check_duplicates_and_keys()
        self.check_references()
        self.rates = self.check_currencies()
        self.refuse()
        self.confirm_removal()
        self.step("load")
        report = self.load(rows)
        self.step(None)
        return report

    def step(self, name: str | None) -> None:
        """Tell ``progress`` that step ``name`` starts (None: the import is done)."""
        if self.progress is not None:
            done = len(STEPS) if name is None else STEPS.index(name)
            self.progress(name or "done", done, len(STEPS))
