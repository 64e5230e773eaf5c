"""A workspace: a folder with ``settings.toml``, CSV templates and the database.

``Workspace.init(path)`` creates it; ``Workspace.open(path)`` opens it (for writing; ``read_only=True``
for reading), as a context manager. The first use of the connection takes the workspace lock
(:class:`WorkspaceLock`, the file ``.saleskpi.lock``): one writer, or any number of readers on
engines where a writer shuts readers out (DuckDB, Spark); a command that finds it taken waits up
to ``[workspace] busy_timeout`` seconds, then stops with :class:`~saleskpi.errors.BusyError`
naming what runs. Temporary files live in the private folder ``.saleskpi-tmp`` of the workspace;
what a killed writer left there is removed when the next writer takes the lock. The database holds the
input tables of the data contract (``saleskpi.data.schema``), the hidden truth of a demo
company (``truth_*``), the import log (``meta_imports``), the run log (``meta_runs``), the
stored results (``result_*``) and tables derived from the inputs that the workspace keeps up to
date (``derived_*``, logged in ``meta_derived``; docs/workspace.md).
"""

from __future__ import annotations

import csv
import io
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ibis

from saleskpi import engines
from saleskpi.config import SETTINGS_FILE, SETTINGS_TEMPLATE, Settings, workspace_settings
from saleskpi.data.importer.log import LOG_COLUMNS
from saleskpi.data.upgrade import upgrade_tables
from saleskpi.data.schema import IBIS_TYPES, TABLES, Table
from saleskpi.derived import (
    META_DERIVED,
    META_DERIVED_COLUMNS,
    PURCHASE_DAYS,
    derived_tables,
    is_fresh,
    rebuild_derived,
)
from saleskpi.errors import BusyError, UsageError
from saleskpi.lock import PRIVATE_DIR, TEMP_DIR, WorkspaceLock, private_dir, write_private

TEMPLATES_DIR = "templates"

#: The import log and the run log: column -> SQL type.
META_TABLES: dict[str, dict[str, str]] = {
    "meta_imports": LOG_COLUMNS,
    "meta_runs": {"run_id": "BIGINT", "started_at": "TIMESTAMP", "finished_at": "TIMESTAMP", "as_of": "DATE",
                  "analyses": "VARCHAR"},
    META_DERIVED: META_DERIVED_COLUMNS,
}
META_DDL = {name: ", ".join(f"{c} {t}" for c, t in cols.items()) for name, cols in META_TABLES.items()}


def table_ddl(tbl: Table) -> str:
    """Column list of an input table as stored (contract columns, then ``import_id``)."""
    cols = [f'"{c.name}" {c.sql_type}' for c in tbl.columns]
    cols.append("import_id BIGINT")
    return ", ".join(cols)


def table_schema(tbl: Table) -> ibis.Schema:
    """The Ibis schema of an input table as stored (contract columns, then ``import_id``)."""
    return ibis.schema({c.name: IBIS_TYPES[c.sql_type] for c in tbl.columns} | {"import_id": "int64"})


def meta_schema(name: str) -> ibis.Schema:
    """The Ibis schema of a meta table (``meta_imports``, ``meta_runs``)."""
    return ibis.schema({c: IBIS_TYPES[t] for c, t in META_TABLES[name].items()})


@dataclass
class Workspace:
    """An opened workspace. It connects (and takes the workspace lock) on first use of
    :attr:`con`; :meth:`close` gives both back. ``command`` names it in the lock ("saleskpi
    import"), so that a command kept waiting says what it waits for; ``waiting`` is told once
    when it waits."""

    path: Path
    settings: Settings
    read_only: bool = False
    command: str | None = None
    waiting: Callable[[str], None] | None = field(default=None, repr=False)
    _con: object | None = field(default=None, repr=False)
    _lock: WorkspaceLock | None = field(default=None, repr=False)

    # --- life cycle ---------------------------------------------------------------------

    @classmethod
    def init(cls, path: str | Path, *, backend: str | None = None, currency: str = "EUR",
             name: str | None = None, exist_ok: bool = False, command: str | None = None) -> "Workspace":
        """Create a workspace folder with commented settings, CSV templates and empty tables.

        The folder (when it is made here), the settings, the templates and the database are
        readable by their owner only. A symbolic link in their place is refused, and a file
        already in ``templates/`` is kept as it is."""
        path = Path(path)
        settings_path = path / SETTINGS_FILE
        if settings_path.exists() and not exist_ok:
            raise UsageError(f"{path} is already a workspace ({settings_path} exists). "
                             "Use it as it is, or choose an empty folder.")
        if path.exists() and not path.is_dir():
            raise UsageError(f"{path} is a file, not a folder. Choose a folder for the workspace.")
        for target in (settings_path, path / TEMPLATES_DIR):
            if target.is_symlink():
                raise UsageError(f"{target} is a symbolic link; saleskpi writes only files of the workspace "
                                 "itself. Remove the link, or choose another folder.")
        if not path.exists():
            path.mkdir(mode=PRIVATE_DIR, parents=True)
        write_templates(path / TEMPLATES_DIR)  # first: it refuses a link before anything is written
        if not settings_path.exists():
            write_private(settings_path, SETTINGS_TEMPLATE.format(
                name=name or path.resolve().name,
                backend=backend or "duckdb://saleskpi.duckdb",
                currency=currency.upper(),
            ))
        ws = cls.open(path, command=command or "saleskpi init")
        ws.create_tables()
        return ws

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False, command: str | None = None,
             waiting: Callable[[str], None] | None = None) -> "Workspace":
        """The workspace at ``path``, to write (the default) or ``read_only``; use it as a
        context manager. ``command`` names it to other processes (default: this program)."""
        path = Path(path)
        return cls(path=path, settings=workspace_settings(path), read_only=read_only,
                   command=command or f"python {Path(sys.argv[0]).name}", waiting=waiting)

    @property
    def backend(self) -> engines.BackendURL:
        return engines.BackendURL.parse(self.settings.workspace.backend, base=self.path,
                                       source=str(self.path / SETTINGS_FILE))

    @property
    def temp_dir(self) -> Path:
        """The workspace's private folder of temporary files (:data:`TEMP_DIR`), made if missing."""
        return private_dir(self.path / TEMP_DIR)

    @property
    def con(self):
        """The Ibis connection, opened on first use, under the workspace lock."""
        if self._con is None:
            engine = engines.engine_for(self.backend)
            timeout = self.settings.workspace.busy_timeout
            if not (self.read_only and engine.readers_beside_writer):
                self._lock = WorkspaceLock(self.path, command=self.command or "saleskpi", exclusive=not self.read_only,
                                           timeout=timeout, waiting=self.waiting)
                if self._lock.acquire():
                    engine.recover()  # the last writer was killed: give back what it left
            try:
                self._con = self._connect(engine, timeout)
            except BaseException:
                self._release()
                raise
        return self._con

    def _connect(self, engine, timeout: float):
        """Connect, waiting while a process outside the lock (another program, an older
        saleskpi) holds the database."""
        started = time.monotonic()
        while True:
            try:
                return engine.connect(read_only=self.read_only, temp_dir=self._temp_or_none())
            except BusyError:
                if time.monotonic() - started >= timeout:
                    raise
                time.sleep(0.2)

    def _temp_or_none(self) -> Path | None:
        try:
            return self.temp_dir
        except OSError:  # a reader of a folder it may not write: the system's temporary folder
            return None

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def close(self) -> None:
        try:
            if self._con is not None:
                engines.disconnect(self._con)
                self._con = None
        finally:
            self._release()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- tables -------------------------------------------------------------------------

    def create_tables(self) -> None:
        """Create every missing input and meta table (idempotent), on any engine: the types
        are the contract's, as Ibis types."""
        present = set(self.con.list_tables())
        wanted = [(tbl.name, table_schema(tbl)) for tbl in TABLES.values()]
        wanted += [(name, meta_schema(name)) for name in META_TABLES]
        for name, schema in wanted:
            if name not in present:
                self.con.create_table(name, schema=schema)
        upgrade_tables(self.con)  # a workspace made by an older saleskpi: its tables' newer columns
        for name, derived in derived_tables().items():
            if name not in present:
                rebuild_derived(self.con, derived)

    def derived(self, name: str):
        """A derived table (``derived_*``) as it reflects its input table now.

        When its log (``meta_derived``) says it reflects an older state of its input (a
        workspace made before the table existed, rows written into the input other than by
        the importer), it is rebuilt first; a workspace opened read-only gets the same rows
        computed from the input instead. So a stale table is never read.
        """
        found = derived_tables()
        if name not in found:
            raise UsageError(f"The workspace has no derived table '{name}'; derived tables: {', '.join(found)}.")
        derived = found[name]
        if is_fresh(self.con, derived):
            return self.con.table(name)
        if self.read_only:
            return derived.build(self.table(derived.source))
        rebuild_derived(self.con, derived)
        return self.con.table(name)

    def purchase_days(self):
        """The customer x day table of the sales (``derived_purchase_days``, columns of
        :data:`saleskpi.derived.purchase_days.SALES_DAYS`), up to date (:meth:`derived`)."""
        return self.derived(PURCHASE_DAYS)

    def table(self, name: str):
        """An Ibis table expression of a stored table (input, truth, result or meta)."""
        if name not in self.con.list_tables():
            raise UsageError(f"The workspace {self.path} has no table '{name}'. "
                             f"Tables: {', '.join(sorted(self.con.list_tables()))}.")
        return self.con.table(name)

    def list_tables(self) -> list[str]:
        return sorted(self.con.list_tables())


def write_templates(folder: Path) -> list[Path]:
    """One CSV per input table with the contract's headers (UTF-8, comma separated), owner only.

    A template already there is kept as it is (it may hold the user's rows); a symbolic link
    in a template's place is refused. Returns the templates written."""
    private_dir(folder)
    targets = [folder / f"{tbl.name}.csv" for tbl in TABLES.values()]
    for target in targets:
        if target.is_symlink():
            raise UsageError(f"{target} is a symbolic link; saleskpi writes only files of the workspace itself. "
                             "Remove the link and run the command again.")
    written = []
    for tbl, target in zip(TABLES.values(), targets):
        if target.exists():
            continue
        line = io.StringIO()
        csv.writer(line).writerow(list(tbl.column_names))
        write_private(target, line.getvalue())
        written.append(target)
    return written
