"""The engine interface: what saleskpi asks of an engine beyond Ibis's portable expressions.

One subclass per engine (``duckdb.py``, ``postgres.py``, ``spark.py``), made from a parsed
:class:`~saleskpi.engines.url.BackendURL` by :func:`saleskpi.engines.engine_for`; the
connection it opens remembers it (:func:`saleskpi.engines.engine_of`). Callers call its methods;
nothing outside this package asks which engine it is. Two class attributes say what an engine
can do, for the few callers that must choose a way of working (the importer and the derived
tables): :attr:`Engine.stages_in_place` and :attr:`Engine.rewrites_tables`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from saleskpi.engines.url import BackendURL
from saleskpi.errors import ConfigError

#: Attribute of an Ibis connection that holds its :class:`Engine`.
ENGINE_ATTR = "_saleskpi_engine"


@dataclass(frozen=True)
class Scope:
    """The stored rows of a batch's table that an import removes before its rows go in (a
    replace, docs/import.md "Replacing stored rows"): every row (the default), those whose
    ``column`` is between ``low`` and ``high`` (both included: an import id, or dates), or those
    whose ``keys`` are in the Parquet file ``keys_path`` (the invoices or keys of the file)."""

    column: str | None = None
    low: object = None
    high: object = None
    keys: tuple[str, ...] = ()
    keys_path: Path | None = None

    def where(self, quote: Callable[[str], str], keys_relation: str | None = None, alias: str = "t") -> str:
        """The SQL condition (DuckDB, PostgreSQL and Spark alike) on the table's rows
        (``alias``) that this scope removes; ``keys_relation`` is where the engine reads
        ``keys_path``. Never NULL: a row is removed or stays."""
        if self.keys:
            same = " AND ".join(f"k.{quote(c)} = {alias}.{quote(c)}" for c in self.keys)
            return f"EXISTS (SELECT 1 FROM {keys_relation} k WHERE {same})"
        if self.column is None:
            return "TRUE"
        col = f"{alias}.{quote(self.column)}"
        return f"({col} IS NOT NULL AND {col} BETWEEN {_literal(self.low)} AND {_literal(self.high)})"


def _literal(value) -> str:
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"Scope: a bound must be an integer or a date, not {value!r}.")
    return str(int(value))


@dataclass(frozen=True)
class Batch:
    """Validated rows of one table, staged as a Parquet file by the importer.

    The file has every column of the table, in the table's order; ``replace`` means the
    table's rows are replaced; ``remove`` (a :class:`Scope`) names the stored rows removed
    first, kept in the table ``backup`` (``removed_by`` = the import id, then the table's
    columns; the backup of an earlier import is dropped whenever ``backup`` is set, with or
    without ``remove``); ``new_columns`` are extra number columns the table gains first;
    ``create`` (Spark) is the statement that creates the table where it does not exist yet (a
    derived table of a workspace made before it existed); ``recreate`` (Spark) drops it first.
    """

    table: str
    path: Path
    columns: tuple[str, ...]
    replace: bool = False
    new_columns: tuple[str, ...] = ()
    create: str | None = None
    remove: Scope | None = None
    backup: str | None = None
    recreate: bool = False


def missing_driver(url: BackendURL, module: str, extra: str) -> ConfigError:
    """The error of an engine whose Python driver is not installed."""
    return ConfigError(f"The {url.kind} backend ({url.url}) needs the Python package {module}, "
                       f"which is not installed. Install it with: pip install 'saleskpi[{extra}]'.")


class Engine:
    """One engine under a workspace's Ibis connection (docs/backends.md, "What runs where")."""

    #: ``duckdb``, ``postgres`` or ``pyspark``: the URL scheme and Ibis's name of the backend.
    name: ClassVar[str]
    #: True: an import stages, checks and loads in the workspace's own (DuckDB) database, in one
    #: transaction of it. False: it stages and checks in a private DuckDB against a copy of the
    #: stored keys, then hands the new rows to :meth:`load_batches`.
    stages_in_place: ClassVar[bool] = False
    #: True: readers see committed data while a writer works (PostgreSQL's MVCC), so a reader
    #: takes no workspace lock. False: a writer shuts readers out and readers shut out a
    #: writer (DuckDB's file lock; Spark's embedded metastore), so readers share the lock.
    readers_beside_writer: ClassVar[bool] = False
    #: True: tables have no DELETE or UPDATE (Spark's Parquet tables); rows change by rewriting
    #: whole tables (:meth:`replace_rows`), and an import brings derived tables along as staged
    #: files, not as SQL in its transaction (:meth:`run_in_transaction`).
    rewrites_tables: ClassVar[bool] = False
    #: True: a subquery that one query reads several times is computed once (DuckDB and
    #: PostgreSQL materialise a common table expression referenced more than once, in memory),
    #: so such a query needs no cached table (:meth:`read_once`). False: it is computed at each
    #: reference (Spark inlines it).
    materialises_shared: ClassVar[bool] = True

    def read_once(self, expr):
        """A context giving ``expr`` to one query that reads it several times (the roll-ups of
        one grain to many levels): ``expr`` itself where the engine computes it once in that query
        (:attr:`materialises_shared`; writing a cached table would only add its cost), else
        ``expr`` cached, released on leaving."""
        if self.materialises_shared:
            return nullcontext(expr)
        return expr.cache()

    def __init__(self, url: BackendURL) -> None:
        self.url = url
        #: The workspace's private folder for temporary files (set by :meth:`connect`);
        #: None: the system's temporary folder.
        self.temp_dir: Path | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url.url!r})"

    # --- the connection ---------------------------------------------------------------------

    def connect(self, *, read_only: bool = False, memory_limit: str | None = None, temp_dir: Path | None = None):
        """Open an Ibis connection to the engine; :func:`saleskpi.engines.engine_of` finds this
        engine from it. ``temp_dir`` (the workspace's private folder) receives every temporary
        file: the engine's spill files, an import's staging files."""
        self.temp_dir = temp_dir
        con = self._open(read_only=read_only, memory_limit=memory_limit)
        setattr(con, ENGINE_ATTR, self)
        return con

    def _open(self, *, read_only: bool, memory_limit: str | None):
        raise NotImplementedError

    @contextmanager
    def memory_limited(self, con, limit: str | None) -> Iterator[None]:
        """Run the block with the engine's own work held to ``limit`` of memory (spilling to
        disk beyond it), where the engine has such a limit per connection (DuckDB); None, or
        another engine: as it is."""
        yield

    def disconnect(self, con) -> None:
        """Close a connection. Tables the analyses cached (``expr.cache()``) are released first:
        Ibis would otherwise drop them when they are garbage-collected, on a connection already
        closed (PostgreSQL then prints "the connection is closed" tracebacks at exit)."""
        for name in list(getattr(con, "_cache_name_to_entry", {})):
            try:
                con._finalize_cached_table(name)
            except Exception:  # a connection already broken: nothing left to release
                pass
        self._close(con)

    def _close(self, con) -> None:
        con.disconnect()

    def open_reader(self):
        """A read-only :class:`~saleskpi.engines.reader.Reader` of the tables, for showing and
        exporting them (by default through a read-only Ibis connection)."""
        from saleskpi.engines.reader import IbisReader

        return IbisReader(self.connect(read_only=True), on_close=self.disconnect)

    def reclaim_space(self, con) -> tuple[int, int] | None:
        """Give the space of deleted rows back where the engine can; the size of the
        database before and after, in bytes (None where the engine does not say)."""
        return None

    def recover(self) -> None:
        """Give back what a writer killed half-way left behind, before the connection opens
        (called once the workspace's write lock was taken over from a dead process)."""

    @classmethod
    def user_error(cls, exc: BaseException):
        """The :class:`~saleskpi.errors.SaleskpiError` this engine's driver exception means to a
        user (another process holds the database, out of memory), or None."""
        return None

    def raw(self, con):
        """The driver connection under the Ibis backend: DuckDB's connection, psycopg's
        connection, or the Spark session."""
        return con.con

    # --- SQL text ------------------------------------------------------------------------------

    def quote(self, name: str) -> str:
        """A quoted identifier in the engine's SQL."""
        return '"' + name.replace('"', '""') + '"'

    def create_table_sql(self, name: str, columns: dict[str, str]) -> str:
        """CREATE TABLE IF NOT EXISTS of a table with these columns (SQL types as DuckDB and
        PostgreSQL spell them)."""
        cols = ", ".join(f"{self.quote(c)} {t}" for c, t in columns.items())
        return f"CREATE TABLE IF NOT EXISTS {self.quote(name)} ({cols})"

    # --- changing rows -------------------------------------------------------------------------

    def delete_rows(self, con, table: str, column: str, value) -> None:
        """Delete the rows of ``table`` whose ``column`` equals ``value``."""
        raise NotImplementedError

    def update_rows(self, con, table: str, values: dict, *, where: tuple[str, object]) -> None:
        """Set ``values`` (column -> value) on the rows of ``table`` where ``where[0] == where[1]``."""
        raise NotImplementedError

    def add_columns(self, con, table: str, columns: dict[str, str]) -> None:
        """Add ``columns`` (column -> SQL type as DuckDB spells it) to ``table`` (a workspace
        made by an older saleskpi gaining a column of a meta table)."""
        raise NotImplementedError

    def run_in_transaction(self, con, statements: Sequence[str]) -> None:
        """Run SQL statements in one transaction: all of them, or (on an error) none."""
        raise ConfigError(f"{self.name} has no multi-statement transactions; it rewrites tables instead.")

    def replace_rows(self, con, table: str, columns: dict[str, str], rows) -> None:
        """Create ``table`` (``columns``: SQL types) if it is missing and replace its rows by
        ``rows``, an Ibis expression or an Arrow table with those columns (engines that rewrite
        tables)."""
        raise ConfigError(f"replace_rows is for engines that rewrite tables; {self.name} deletes rows instead.")

    def rewrite_rows(self, con, table: str, rows) -> None:
        """Replace the rows of ``table`` by ``rows``, an Ibis expression with its columns that
        may read the table itself (engines that rewrite tables)."""
        raise ConfigError(f"rewrite_rows is for engines that rewrite tables; {self.name} deletes rows instead.")

    def write_parquet(self, con, expr, columns: Sequence[str], path: Path) -> None:
        """Write ``expr``'s ``columns`` as Parquet at ``path``, where the engine reads files."""
        con.to_parquet(expr.select(*columns), str(path))

    # --- loading an import ---------------------------------------------------------------------

    @contextmanager
    def staging_db(self, con) -> Iterator:
        """The DuckDB connection an import stages and checks in: a private in-memory one that
        spills to a temporary folder, closed afterwards (the DuckDB engine lends its own)."""
        import duckdb

        spill = tempfile.mkdtemp(prefix="saleskpi-spill-", dir=self.temp_dir)
        db = duckdb.connect(config={"temp_directory": spill})
        try:
            yield db
        finally:
            db.close()
            shutil.rmtree(spill, ignore_errors=True)

    def staging_folder(self) -> Path:
        """A new private folder for an import's Parquet files (in :attr:`temp_dir`)."""
        return Path(tempfile.mkdtemp(prefix="saleskpi-import-", dir=self.temp_dir))

    def load_batches(self, con, batches: Sequence[Batch], *, import_id: int,
                     before_commit: Callable[[], None] | None = None, after: Sequence[str] = ()) -> None:
        """Load the batches of one import, all or nothing as far as the engine allows; the
        ``after`` statements (derived tables) run in the same transaction, ``before_commit``
        right before it commits (docs/backends.md, "Guarantees of an import")."""
        raise ConfigError(f"load_batches is for PostgreSQL and Spark; {self.name} loads in place.")


class SQLEngine(Engine):
    """An engine whose tables take DELETE and UPDATE in transactions (DuckDB, PostgreSQL)."""

    #: The driver's parameter mark.
    mark: ClassVar[str]

    def execute(self, con, sql: str, params: Sequence = ()) -> None:
        """Run one statement with parameters on the driver connection."""
        raise NotImplementedError

    def delete_rows(self, con, table: str, column: str, value) -> None:
        self.execute(con, f"DELETE FROM {self.quote(table)} WHERE {self.quote(column)} = {self.mark}", [value])

    def update_rows(self, con, table: str, values: dict, *, where: tuple[str, object]) -> None:
        column, key = where
        sets = ", ".join(f"{self.quote(c)} = {self.mark}" for c in values)
        sql = f"UPDATE {self.quote(table)} SET {sets} WHERE {self.quote(column)} = {self.mark}"
        self.execute(con, sql, [*values.values(), key])

    def add_columns(self, con, table: str, columns: dict[str, str]) -> None:
        for name, sql_type in columns.items():
            sql_type = "DOUBLE PRECISION" if sql_type == "DOUBLE" else sql_type
            self.execute(con, f"ALTER TABLE {self.quote(table)} ADD COLUMN IF NOT EXISTS {self.quote(name)} {sql_type}")
