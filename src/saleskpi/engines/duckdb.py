"""DuckDB, the embedded default: one database file per workspace (``duckdb://FILE``).

An import stages, checks and loads in the workspace's own database, in one transaction of it
(:attr:`~saleskpi.engines.base.Engine.stages_in_place`). DuckDB spills to the workspace's
private temporary folder; a file a killed writer left larger than its data is compacted
(:meth:`DuckDB.recover`). DuckDB allows one writing process or several reading ones per file.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from saleskpi.engines.base import SQLEngine
from saleskpi.engines.reader import Query, Reader, condition_sql, sql_literal
from saleskpi.errors import BusyError, ConfigError

#: DuckDB's message when another process holds the file: "... (PID 1234) ...".
_LOCK_HELD = re.compile(r"Could not set lock on file(?:.*?\(PID (?P<pid>\d+)\))?", re.S)
#: A file this much larger than the blocks in use is compacted after a crash.
_SLACK = 1.25


class DuckDB(SQLEngine):
    """A DuckDB database file."""

    name = "duckdb"
    stages_in_place = True
    mark = "?"

    def _open(self, *, read_only: bool, memory_limit: str | None):
        import duckdb

        path = self.url.path
        assert path is not None
        if read_only and not path.exists():
            raise ConfigError(f"{path}: the workspace database does not exist yet.")
        created = not path.exists()
        # a spill folder per process: DuckDB's spill files have the same names in every process
        config = {"temp_directory": str(self.temp_dir / f"duckdb-{os.getpid()}")} if self.temp_dir else {}
        import ibis

        try:
            con = ibis.duckdb.connect(str(path), read_only=read_only, **config)
        except duckdb.IOException as exc:
            raise self.user_error(exc) or exc from None
        if created and path.exists():
            os.chmod(path, 0o600)  # the workspace's data: its owner's only
        if memory_limit:
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        return con

    @contextmanager
    def memory_limited(self, con, limit: str | None) -> Iterator[None]:
        if not limit:
            yield
            return
        shown = "SELECT current_setting('memory_limit')"
        before = con.con.execute(shown).fetchone()[0]
        con.raw_sql(f"SET memory_limit = '{limit}'")
        try:
            yield
        finally:
            # DuckDB's default exactly (its shown value, set again, is rounded); a limit of the
            # connection's own, as shown
            con.raw_sql("RESET memory_limit")
            if con.con.execute(shown).fetchone()[0] != before:
                con.raw_sql(f"SET memory_limit = '{before}'")

    @classmethod
    def user_error(cls, exc: BaseException):
        duckdb = sys.modules.get("duckdb")
        if duckdb is None:
            return None
        if isinstance(exc, duckdb.IOException) and (held := _LOCK_HELD.search(str(exc))):
            who = f"process {held['pid']}" if held["pid"] else "another process"
            return BusyError(f"the workspace is busy: its database is held by {who} (not a saleskpi command "
                             "of this workspace, or one of an older version); try again when it ends.")
        if isinstance(exc, duckdb.OutOfMemoryException):
            first = str(exc).strip().splitlines()[0]
            return ConfigError(f"DuckDB ran out of memory ({first}). Raise [import] memory_limit (or, "
                               "computing, [compute] memory_limit) in settings.toml (e.g. memory_limit = "
                               "\"4GB\"), or close other programs and try again.")
        return None

    def recover(self) -> None:
        """Compact a database file that a killed writer left much larger than its data (the
        blocks of an import that never committed stay in the file): copy it, then swap."""
        import duckdb

        path = self.url.path
        if path is None or not path.is_file():
            return
        fresh = path.with_name(path.name + ".compacting")
        fresh.unlink(missing_ok=True)
        db = duckdb.connect(str(path))
        try:
            db.execute("CHECKPOINT")
            size, used = db.execute("SELECT block_size, used_blocks FROM pragma_database_size()").fetchone()
            if path.stat().st_size <= size * used * _SLACK + (1 << 20):
                return
            name = db.execute("SELECT current_database()").fetchone()[0]
            db.execute(f"ATTACH '{fresh}' AS __saleskpi_fresh")
            db.execute(f'COPY FROM DATABASE "{name}" TO __saleskpi_fresh')
            db.execute("DETACH __saleskpi_fresh")
        finally:
            db.close()
        if fresh.exists():
            os.chmod(fresh, path.stat().st_mode & 0o777)
            os.replace(fresh, path)

    def execute(self, con, sql: str, params: Sequence = ()) -> None:
        con.con.execute(sql, list(params))

    def open_reader(self) -> "DuckDBReader":
        path = self.url.path
        assert path is not None
        if not path.exists():
            raise ConfigError(f"{path}: the workspace database does not exist yet.")
        return DuckDBReader(path, quote=self.quote)

    def reclaim_space(self, con) -> tuple[int, int]:
        """CHECKPOINT writes the deletions to the file; DuckDB then reuses the freed blocks,
        and gives the file's free tail back to the disk."""
        path = self.url.path
        before = path.stat().st_size
        con.con.execute("CHECKPOINT")
        return before, path.stat().st_size

    def run_in_transaction(self, con, statements: Sequence[str]) -> None:
        db = con.con
        db.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                db.execute(statement)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @contextmanager
    def staging_db(self, con) -> Iterator:
        """The workspace's own database: an import stages, checks and loads in it."""
        yield con.con


#: DuckDB's column types by their first word, as kinds (:data:`saleskpi.engines.reader.KINDS`).
_KINDS = {"BOOLEAN": "flag", "DATE": "date", "TIMESTAMP": "timestamp", "DECIMAL": "number", "DOUBLE": "number",
          "FLOAT": "number", "REAL": "number", **dict.fromkeys(
              ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
               "UBIGINT", "UHUGEINT"), "integer")}


class DuckDBReader(Reader):
    """The database file read directly with the duckdb module: no Ibis, pandas or pyarrow.

    Values are written into the SQL as literals (:func:`~saleskpi.engines.reader.sql_literal`):
    duckdb imports pandas (0.3 s) the first time a statement has parameters."""

    def __init__(self, path, *, quote) -> None:
        import duckdb

        try:
            self.db = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            raise DuckDB.user_error(exc) or exc from None
        self._quote = quote
        self._columns: dict[str, dict[str, str]] | None = None

    def _catalog(self) -> dict[str, dict[str, str]]:
        # every table's columns in one query (each catalog query costs about 15 ms)
        if self._columns is None:
            found = self.db.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                                    "WHERE table_schema = current_schema() "
                                    "ORDER BY table_name, ordinal_position").fetchall()
            self._columns = {}
            for table, name, dtype in found:
                self._columns.setdefault(table, {})[name] = _KINDS.get(dtype.split("(")[0].split(" ")[0], "text")
        return self._columns

    def tables(self) -> list[str]:
        return sorted(self._catalog())

    def columns(self, table: str) -> dict[str, str]:
        return self._catalog()[table]

    def _sql(self, query: Query, *, ordered: bool = True) -> str:
        q = self._quote
        kinds = self.columns(query.table)
        picked = ", ".join(q(c) for c in query.columns) if query.columns else "*"
        sql = f"SELECT {picked} FROM {q(query.table)}"
        if query.where:
            sql += " WHERE " + " AND ".join(condition_sql(q(c.column), c, kinds[c.column], sql_literal)
                                            for c in query.where)
        if ordered and query.order:
            sql += " ORDER BY " + ", ".join(f"{q(c)} {'DESC' if desc else 'ASC'} NULLS LAST" for c, desc in query.order)
        if ordered and query.limit is not None:
            sql += f" LIMIT {int(query.limit)}"
        return sql

    def count(self, query: Query) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM ({self._sql(query, ordered=False)})").fetchone()[0])

    def counts_by(self, table: str, column: str) -> dict:
        q = self._quote
        found = self.db.execute(f"SELECT {q(column)}, count(*) FROM {q(table)} GROUP BY 1").fetchall()
        return {value: int(n) for value, n in found}

    def batches(self, query: Query, *, size: int = 10_000) -> Iterator[list[tuple]]:
        cursor = self.db.cursor()
        try:
            cursor.execute(self._sql(query))
            while batch := cursor.fetchmany(size):
                yield batch
        finally:
            cursor.close()

    def close(self) -> None:
        self.db.close()
