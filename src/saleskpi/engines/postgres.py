"""PostgreSQL: the tables of one schema of a server (``postgres://user@host:port/db?schema=NAME``).

An import is checked in a private DuckDB, then loaded in one PostgreSQL transaction (COPY of
each staged file, then the derived tables' SQL); nothing is visible before COMMIT.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from saleskpi.engines.base import Batch, SQLEngine, missing_driver
from saleskpi.errors import ConfigError


class PostgreSQL(SQLEngine):
    """A schema of a PostgreSQL database."""

    name = "postgres"
    mark = "%s"
    readers_beside_writer = True

    def _open(self, *, read_only: bool, memory_limit: str | None):
        url = self.url
        try:
            import psycopg
        except ImportError:
            raise missing_driver(url, "psycopg", "postgres") from None
        import ibis

        try:
            con = ibis.postgres.connect(host=url.host, port=url.port, user=url.user, password=url.password,
                                        database=url.database, schema=url.schema)
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if url.password:
                first = first.replace(url.password, "***")
            raise ConfigError(f"Cannot connect to PostgreSQL at {url.host}:{url.port} (database "
                              f"{url.database}, user {url.user or 'default'}): {first}. Start the "
                              "server, or correct [workspace] backend in settings.toml.") from None
        con.compiler = _compiler()
        if not read_only:
            with con.con.cursor() as cur:
                cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{url.schema}"')
        return con

    def execute(self, con, sql: str, params: Sequence = ()) -> None:
        with con.con.cursor() as cur:
            cur.execute(sql, list(params))

    def run_in_transaction(self, con, statements: Sequence[str]) -> None:
        with con.con.transaction(), con.con.cursor() as cur:
            for statement in statements:
                cur.execute(statement)

    def load_batches(self, con, batches: Sequence[Batch], *, import_id: int,
                     before_commit: Callable[[], None] | None = None, after: Sequence[str] = ()) -> None:
        """One transaction: of each batch, the backup of the rows it removes (``remove``, kept
        in ``backup``) and their deletion, then COPY of its file; then the ``after`` statements
        (the derived tables' refresh); nothing is visible before COMMIT."""
        import duckdb

        q = self.quote
        pg = con.con
        converter = duckdb.connect()
        try:
            with pg.transaction(), pg.cursor() as cur:
                for b in batches:
                    for name in b.new_columns:
                        cur.execute(f"ALTER TABLE {q(b.table)} ADD COLUMN IF NOT EXISTS {q(name)} DOUBLE PRECISION")
                    if b.replace:
                        cur.execute(f"DELETE FROM {q(b.table)}")
                    if b.backup:
                        cur.execute(f"DROP TABLE IF EXISTS {q(b.backup)}")
                    if b.remove is not None:
                        self._remove(cur, converter, b, import_id)
                    cols = ", ".join(q(c) for c in b.columns)
                    _copy(cur, converter, b.path, f"{q(b.table)} ({cols})")
                for statement in after:
                    cur.execute(statement)
                if before_commit:
                    before_commit()
        finally:
            converter.close()

    def _remove(self, cur, converter, b: Batch, import_id: int) -> None:
        """In the load's transaction: the rows of ``b.table`` that ``b.remove`` names go to
        ``b.backup`` (stamped ``removed_by``), then out of the table."""
        q, scope, keys = self.quote, b.remove, None
        if scope.keys:
            keys = "__saleskpi_removed_keys"
            cols = ", ".join(q(k) for k in scope.keys)
            cur.execute(f"CREATE TEMP TABLE {keys} ON COMMIT DROP AS SELECT {cols} FROM {q(b.table)} WHERE FALSE")
            _copy(cur, converter, scope.keys_path, f"{keys} ({cols})")
        where = scope.where(q, keys)
        if b.backup:
            cur.execute(f"CREATE TABLE {q(b.backup)} AS SELECT CAST({int(import_id)} AS BIGINT) AS removed_by, t.* "
                        f"FROM {q(b.table)} t WHERE {where}")
        cur.execute(f"DELETE FROM {q(b.table)} t WHERE {where}")


def _copy(cur, converter, path, target: str) -> None:
    """COPY a Parquet file into ``target`` (a table and its columns, in the file's order)."""
    csv_path = path.with_suffix(".csv")
    # DuckDB writes the CSV (fast, exact decimals); COPY is PostgreSQL's bulk load.
    converter.execute(f"COPY (SELECT * FROM read_parquet('{path}')) TO '{csv_path}' (FORMAT csv, HEADER false)")
    with cur.copy(f"COPY {target} FROM STDIN (FORMAT csv)") as copy, open(csv_path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)
    csv_path.unlink()


def _compiler():
    """Ibis 12's PostgreSQL compiler with two fixes, used by this connection only (nothing
    global is patched):

    - a float literal is typed DOUBLE PRECISION. Ibis writes ``26.0`` bare, which PostgreSQL
      reads as NUMERIC; a column made of such a literal then comes back as Python decimals and
      Ibis fails to turn it into a float64 Arrow column (``ArrowInvalid: Could not convert
      Decimal('26.0')``);
    - a boolean cast to a 64- or 16-bit integer goes through INTEGER: PostgreSQL casts
      boolean to int4 only (``CannotCoerce: cannot cast type boolean to bigint``).
    """
    import math

    import ibis.expr.datatypes as dt
    import sqlglot.expressions as sge
    from ibis.backends.sql.compilers.postgres import PostgresCompiler

    class Compiler(PostgresCompiler):
        def visit_NonNullLiteral(self, op, *, value, dtype):
            if dtype.is_floating() and math.isfinite(value):
                return self.cast(sge.convert(value), dtype)
            return super().visit_NonNullLiteral(op, value=value, dtype=dtype)

        def visit_Cast(self, op, *, arg, to):
            if op.arg.dtype.is_boolean() and to.is_integer() and not to.is_int32():
                arg = self.cast(arg, dt.int32)
            return super().visit_Cast(op, arg=arg, to=to)

    return Compiler()
