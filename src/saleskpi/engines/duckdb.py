"""DuckDB, the embedded default: one database file per workspace (``duckdb://FILE``).

An import stages, checks and loads in the workspace's own database, in one transaction of it
(:attr:`~saleskpi.engines.base.Engine.stages_in_place`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import ibis

from saleskpi.engines.base import SQLEngine
from saleskpi.errors import ConfigError


class DuckDB(SQLEngine):
    """A DuckDB database file."""

    name = "duckdb"
    stages_in_place = True
    mark = "?"

    def _open(self, *, read_only: bool, memory_limit: str | None):
        path = self.url.path
        assert path is not None
        if read_only and not path.exists():
            raise ConfigError(f"{path}: the workspace database does not exist yet.")
        con = ibis.duckdb.connect(str(path), read_only=read_only)
        if memory_limit:
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        return con

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
