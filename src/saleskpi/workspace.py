"""A workspace: a folder with ``settings.toml``, CSV templates and the database.

``Workspace.init(path)`` creates it; ``Workspace.open(path)`` opens it. The database holds the
input tables of the data contract (``saleskpi.data.schema``), the hidden truth of a demo
company (``truth_*``), the import log (``meta_imports``), the run log (``meta_runs``), the
stored results (``result_*``) and tables derived from the inputs that the workspace keeps up to
date (``derived_*``, logged in ``meta_derived``; docs/workspace.md).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import ibis

from saleskpi import engines
from saleskpi.config import SETTINGS_FILE, SETTINGS_TEMPLATE, Settings, workspace_settings
from saleskpi.data.importer.log import LOG_COLUMNS, upgrade_log
from saleskpi.data.schema import IBIS_TYPES, TABLES, Table
from saleskpi.derived import (
    META_DERIVED,
    META_DERIVED_COLUMNS,
    PURCHASE_DAYS,
    derived_tables,
    is_fresh,
    rebuild_derived,
)
from saleskpi.errors import UsageError

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
    """An opened workspace. Connect lazily; one writer at a time (DuckDB's rule)."""

    path: Path
    settings: Settings
    read_only: bool = False
    _con: object | None = field(default=None, repr=False)

    # --- life cycle ---------------------------------------------------------------------

    @classmethod
    def init(cls, path: str | Path, *, backend: str | None = None, currency: str = "EUR",
             name: str | None = None, exist_ok: bool = False) -> "Workspace":
        """Create a workspace folder with commented settings, CSV templates and empty tables."""
        path = Path(path)
        settings_path = path / SETTINGS_FILE
        if settings_path.exists() and not exist_ok:
            raise UsageError(f"{path} is already a workspace ({settings_path} exists). "
                             "Use it as it is, or choose an empty folder.")
        if path.exists() and not path.is_dir():
            raise UsageError(f"{path} is a file, not a folder. Choose a folder for the workspace.")
        path.mkdir(parents=True, exist_ok=True)
        if not settings_path.exists():
            settings_path.write_text(SETTINGS_TEMPLATE.format(
                name=name or path.resolve().name,
                backend=backend or "duckdb://saleskpi.duckdb",
                currency=currency.upper(),
            ), encoding="utf-8")
        write_templates(path / TEMPLATES_DIR)
        ws = cls.open(path)
        ws.create_tables()
        return ws

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False) -> "Workspace":
        path = Path(path)
        return cls(path=path, settings=workspace_settings(path), read_only=read_only)

    @property
    def backend(self) -> engines.BackendURL:
        return engines.BackendURL.parse(self.settings.workspace.backend, base=self.path,
                                       source=str(self.path / SETTINGS_FILE))

    @property
    def con(self):
        """The Ibis connection (opened on first use)."""
        if self._con is None:
            self._con = engines.connect(self.backend, read_only=self.read_only)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            engines.disconnect(self._con)
            self._con = None

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
        upgrade_log(self.con)  # a workspace made before the log's newer columns
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
    """One CSV per input table with the contract's headers (UTF-8, comma separated)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for tbl in TABLES.values():
        target = folder / f"{tbl.name}.csv"
        headers = list(tbl.column_names)
        with target.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerow(headers)
        written.append(target)
    return written
