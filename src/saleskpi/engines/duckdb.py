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

import ibis

from saleskpi.engines.base import SQLEngine
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
        try:
            con = ibis.duckdb.connect(str(path), read_only=read_only, **config)
        except duckdb.IOException as exc:
            raise self.user_error(exc) or exc from None
        if created and path.exists():
            os.chmod(path, 0o600)  # the workspace's data: its owner's only
        if memory_limit:
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        return con

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
            return ConfigError(f"DuckDB ran out of memory ({first}). Raise [import] memory_limit in "
                               "settings.toml (e.g. memory_limit = \"4GB\"), or close other programs and try again.")
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
