"""Derived tables kept in step with an input table, import by import, and logged in ``meta_derived``.

A :class:`Derived` says how a table is built from its input and refreshed by new rows (Ibis
expressions); this module keeps it so on any engine, through the engine interface only
(:mod:`saleskpi.engines`):

- on engines that delete rows in transactions (DuckDB, PostgreSQL), :func:`derived_sql` gives the
  statements that refresh (or rebuild) it inside the import's own transaction;
- on engines that rewrite tables (Spark), :func:`derived_batches` stages the whole new table and
  its log as Parquet beside the import's rows, before the import's journal (its commit point);
- :func:`rebuild_derived` builds a table that is missing or stale; :func:`is_fresh` tells whether
  its log matches its input as it is now (a stale table is never read).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ibis

from saleskpi.engines import Batch, engine_of
from saleskpi.errors import ConfigError

#: The log of the derived tables: per table, the state of its input table that it reflects.
META_DERIVED = "meta_derived"
META_DERIVED_COLUMNS = {"table_name": "VARCHAR", "source_table": "VARCHAR", "import_id": "BIGINT",
                        "source_rows": "BIGINT", "method": "VARCHAR", "updated_at": "TIMESTAMP"}
_STAGED_DAYS = "__saleskpi_derived_staged"


@dataclass(frozen=True)
class Derived:
    """A table derived from an input table (``source``) that the workspace keeps in step with it.

    ``columns`` maps its columns to SQL types (as DuckDB and PostgreSQL spell them); ``keys``
    identify a row. ``build(source)`` gives the whole table from the source's rows;
    ``refresh(stored, new_rows)`` the rows that replace the stored rows with the same keys once
    ``new_rows`` are added to the source; ``merge(stored, new_rows)`` the whole table after
    that (for engines that rewrite tables instead of deleting rows). All three are Ibis
    expressions; the same rows come out whichever way the table is kept.
    """

    name: str
    source: str
    columns: dict[str, str]
    keys: tuple[str, ...]
    build: Callable
    refresh: Callable
    merge: Callable


@dataclass(frozen=True)
class Stamp:
    """The state of an input table: its last import (0: none) and its row count."""

    import_id: int
    rows: int


def source_stamp(con, derived: Derived) -> Stamp:
    """The present state of ``derived``'s input table."""
    log = con.table("meta_imports")
    last = log.filter(log.table_name == derived.source).import_id.max().execute()
    rows = con.table(derived.source).count().execute()
    return Stamp(0 if last is None or last != last else int(last), int(rows))


def derived_stamp(con, derived: Derived) -> Stamp | None:
    """The state of the input table that ``derived`` reflects, as logged in ``meta_derived``
    when it was last built or refreshed; None when it was never built (or its log is missing)."""
    present = set(con.list_tables())
    if derived.name not in present or META_DERIVED not in present:
        return None
    log = con.table(META_DERIVED)
    rows = log.filter(log.table_name == derived.name).select("import_id", "source_rows").to_pyarrow().to_pylist()
    if len(rows) != 1 or rows[0]["import_id"] is None or rows[0]["source_rows"] is None:
        return None
    return Stamp(int(rows[0]["import_id"]), int(rows[0]["source_rows"]))


def is_fresh(con, derived: Derived) -> bool:
    """Whether ``derived`` reflects its input table as it is now (else it must not be read)."""
    stamp = derived_stamp(con, derived)
    return stamp is not None and stamp == source_stamp(con, derived)


def derived_sql(con, derived: Derived, *, refresh_import: int | None = None) -> list[str]:
    """SQL statements (engines that delete rows: DuckDB, PostgreSQL) that bring ``derived`` in
    step with its input table, to run in the transaction that changes the input, after its rows
    are in (and its ``meta_imports`` row): with ``refresh_import`` the stored rows that the
    import's rows touch are replaced by :attr:`Derived.refresh` (the table must be fresh before
    the import; while it is empty, the import's rows are built into it); without it the table
    is rebuilt. The last statements log the state it now
    reflects in ``meta_derived``, read in the same transaction."""
    engine = engine_of(con)
    if engine.rewrites_tables:
        raise ConfigError(f"derived_sql is for DuckDB and PostgreSQL; {engine.name} stages derived tables as files.")
    q = engine.quote
    source, table = con.table(derived.source), q(derived.name)
    cols = ", ".join(q(c) for c in derived.columns)
    sql = [engine.create_table_sql(derived.name, derived.columns),
           engine.create_table_sql(META_DERIVED, META_DERIVED_COLUMNS)]
    if refresh_import is not None and con.table(derived.name).limit(1).count().execute() == 0:
        # nothing stored yet (the first import): the import's rows built as they are, without
        # the refresh's staging, second grouping and delete (a third of a 12M-line import's time)
        new_rows = source.filter(source.import_id == int(refresh_import))
        sql += [f"INSERT INTO {table} ({cols}) SELECT {cols} FROM ({con.compile(derived.build(new_rows))}) AS b"]
    elif refresh_import is not None:
        new_rows = source.filter(source.import_id == int(refresh_import))
        staged = derived.refresh(con.table(derived.name), new_rows)
        same = " AND ".join(f"{table}.{q(k)} = s.{q(k)}" for k in derived.keys)
        sql += [f"CREATE TEMP TABLE {_STAGED_DAYS} AS {con.compile(staged)}",
                f"DELETE FROM {table} USING {_STAGED_DAYS} s WHERE {same}",
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {_STAGED_DAYS}",
                f"DROP TABLE {_STAGED_DAYS}"]
    else:
        sql += [f"DELETE FROM {table}",
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM ({con.compile(derived.build(source))}) AS b"]
    name, src = _sql_text(derived.name), _sql_text(derived.source)
    sql += [f"DELETE FROM {META_DERIVED} WHERE table_name = {name}",
            f"INSERT INTO {META_DERIVED} (table_name, source_table, import_id, source_rows, method, updated_at) "
            f"SELECT {name}, {src}, (SELECT coalesce(max(import_id), 0) FROM meta_imports WHERE table_name = {src}), "
            f"(SELECT count(*) FROM {q(derived.source)}), "
            f"{_sql_text('refresh' if refresh_import is not None else 'build')}, CAST(current_timestamp AS TIMESTAMP)"]
    return sql


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def rebuild_derived(con, derived: Derived) -> None:
    """Build ``derived`` from its input table as it is now, and log that in ``meta_derived``:
    one transaction where the engine has them (DuckDB, PostgreSQL). An engine that rewrites
    tables (Spark) rewrites the table, then the log; a crash in between leaves a table whose log
    does not match its input, which is never read (and is rebuilt on the next need)."""
    engine = engine_of(con)
    if not engine.rewrites_tables:
        engine.run_in_transaction(con, derived_sql(con, derived))
        return
    stamp = source_stamp(con, derived)
    engine.replace_rows(con, derived.name, derived.columns, derived.build(con.table(derived.source)))
    engine.replace_rows(con, META_DERIVED, META_DERIVED_COLUMNS, _log(con, derived, stamp, "build"))


def _log(con, derived: Derived, stamp: Stamp, method: str):
    """``meta_derived``'s rows with ``derived``'s replaced by ``stamp`` (an Arrow table)."""
    import pyarrow as pa

    schema = pa.schema([("table_name", pa.string()), ("source_table", pa.string()), ("import_id", pa.int64()),
                        ("source_rows", pa.int64()), ("method", pa.string()),
                        ("updated_at", pa.timestamp("us", tz="UTC"))])
    rows = []
    if META_DERIVED in con.list_tables():
        rows = [r for r in con.table(META_DERIVED).to_pyarrow().to_pylist() if r["table_name"] != derived.name]
    rows.append({"table_name": derived.name, "source_table": derived.source, "import_id": stamp.import_id,
                 "source_rows": stamp.rows, "method": method,
                 "updated_at": dt.datetime.now(dt.timezone.utc)})
    return pa.Table.from_pylist(rows, schema=schema)


def derived_batches(con, derived: Derived, folder: Path, new_rows: Path, *, import_id: int,
                    replace: bool, kept=None) -> list[Batch]:
    """Engines that rewrite tables (Spark): ``derived`` as it will be once an import's rows (the
    Parquet file ``new_rows``) are in its input, staged as Parquet in the import's ``folder``
    with its ``meta_derived`` log, as two batches that replace those tables. Computed BEFORE the
    import's journal is written, so applying (or rolling forward) the journal only copies files:
    it can be repeated after a crash without counting a line twice. A table that is fresh gets
    :attr:`Derived.merge` of the new rows; a replace (of the rows but ``kept``, an Ibis
    expression of the input's rows that stay; None: every row is replaced), or a table that is
    missing or stale, is built from all rows."""
    import pyarrow.parquet as pq

    engine = engine_of(con)
    fresh = not replace and is_fresh(con, derived)
    before = source_stamp(con, derived)
    new = con.read_parquet(str(new_rows))
    picked = [c for c in con.table(derived.source).columns if c in new.columns]
    if replace and kept is None:
        expr, rows = derived.build(new), 0
    elif fresh:
        expr, rows = derived.merge(con.table(derived.name), new), before.rows
    else:
        stored = con.table(derived.source) if kept is None else kept
        everything = ibis.union(stored.select(*picked), new.select(*picked).cast(
            stored.select(*picked).schema()), distinct=False)
        expr, rows = derived.build(everything), (before.rows if kept is None else int(stored.count().execute()))
    rows += int(new.count().execute())
    path = folder / f"{derived.name}.parquet"
    engine.write_parquet(con, expr, tuple(derived.columns), path)
    log = folder / f"{META_DERIVED}.parquet"
    pq.write_table(_log(con, derived, Stamp(import_id, rows), "refresh" if fresh else "build"), log)
    return [Batch(derived.name, path, tuple(derived.columns), replace=True,
                  create=engine.create_table_sql(derived.name, derived.columns)),
            Batch(META_DERIVED, log, tuple(META_DERIVED_COLUMNS), replace=True,
                  create=engine.create_table_sql(META_DERIVED, META_DERIVED_COLUMNS))]


def import_sql(con, tables: Sequence[Derived], *, import_id: int, replace: bool) -> list[str]:
    """SQL that keeps ``tables`` in step with an import, run in its transaction after its rows
    and its ``meta_imports`` row are in (engines that delete rows): an append to a table whose
    derived table is fresh refreshes the rows it touches; a replace, or a derived table that is
    missing or stale (a workspace made before it existed), is rebuilt. Prepared before the
    transaction opens (it reads whether each table is fresh)."""
    sql: list[str] = []
    for derived in tables:
        refresh = not replace and is_fresh(con, derived)
        sql += derived_sql(con, derived, refresh_import=import_id if refresh else None)
    return sql


def import_steps(con, tables: Sequence[Derived], folder: Path, new_rows: Path, *, import_id: int,
                 replace: bool, kept=None) -> tuple[list[str], list[Batch]]:
    """What keeps ``tables`` in step with an import whose new rows are staged in ``folder``
    (``new_rows``, Parquet), for :meth:`saleskpi.engines.base.Engine.load_batches`: the SQL to run
    in its transaction (:func:`import_sql`), or, on an engine that rewrites tables, the staged
    batches that replace them (:func:`derived_batches`; ``kept``: the input's rows that stay
    after a replace of part of it)."""
    if not engine_of(con).rewrites_tables:
        return import_sql(con, tables, import_id=import_id, replace=replace), []
    batches: list[Batch] = []
    for derived in tables:
        batches += derived_batches(con, derived, folder, new_rows, import_id=import_id, replace=replace,
                                   kept=kept)
    return [], batches
