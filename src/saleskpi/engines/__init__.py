"""The engine layer: turns a backend URL into an Ibis connection, and does what Ibis cannot.

The only package that knows which engine runs underneath. Three engines are supported
(docs/backends.md), one module each, behind one interface (:class:`~saleskpi.engines.base.Engine`):

- ``duckdb://saleskpi.duckdb`` (default, relative to the workspace) or ``duckdb:///abs/file``
  (:mod:`saleskpi.engines.duckdb`);
- ``postgres://user[:password]@host:port/db?schema=NAME``: tables in one schema of a server
  (:mod:`saleskpi.engines.postgres`);
- ``pyspark://local[2]?warehouse=PATH`` (or a cluster master such as ``pyspark://host:7077``):
  managed Parquet tables in a warehouse folder, with the table catalog (a Derby metastore)
  kept in the same folder, so that a workspace survives the process (:mod:`saleskpi.engines.spark`).

The engine is picked once, from the URL (:func:`engine_for`); the connection it opens knows it
(:func:`engine_of`), so callers call its methods instead of asking which engine it is. Everything
else (analyses, results, the CLI) goes through the Ibis connection. The few operations Ibis
has no portable form for are the engine's: deleting and updating rows (:func:`delete_rows`,
:func:`update_rows`; Spark's Parquet tables rewrite instead), SQL in one transaction, the
DuckDB an import stages in and the loading of its staged Parquet batches.
"""

from __future__ import annotations

from pathlib import Path

from saleskpi.engines.base import ENGINE_ATTR, Batch, Engine, Scope
from saleskpi.engines.duckdb import DuckDB
from saleskpi.engines.postgres import PostgreSQL
from saleskpi.engines.spark import Spark
from saleskpi.engines.url import URL_HELP, BackendURL, masked
from saleskpi.errors import ConfigError

__all__ = ["BackendURL", "Batch", "Engine", "Scope", "connect", "delete_rows", "disconnect", "engine_for",
           "engine_of", "masked", "raw", "update_rows", "user_error"]

#: The engine of each URL scheme (``BackendURL.kind``).
ENGINES: dict[str, type[Engine]] = {"duckdb": DuckDB, "postgres": PostgreSQL, "pyspark": Spark}


def engine_for(url: BackendURL) -> Engine:
    """The engine a parsed backend URL names: the one place that picks it."""
    try:
        return ENGINES[url.kind](url)
    except KeyError:
        raise ConfigError(f"Unknown backend {url.kind} ({url.url}). {URL_HELP}") from None


def engine_of(con) -> Engine:
    """The engine of an Ibis connection opened by :func:`connect`."""
    engine = getattr(con, ENGINE_ATTR, None)
    if engine is None:
        raise ConfigError(f"The connection {con!r} was not opened by saleskpi.engines.connect, so its "
                          "engine is not known; open the workspace (Workspace.open) and use ws.con.")
    return engine


def connect(url: BackendURL, *, read_only: bool = False, memory_limit: str | None = None,
            temp_dir: Path | None = None):
    """Open an Ibis connection to the workspace's engine (temporary files in ``temp_dir``)."""
    return engine_for(url).connect(read_only=read_only, memory_limit=memory_limit, temp_dir=temp_dir)


def user_error(exc: BaseException):
    """The project error an engine driver's exception means to a user (the database is held
    by another process, memory ran out), or None: :meth:`Engine.user_error` of each engine."""
    for engine in ENGINES.values():
        found = engine.user_error(exc)
        if found is not None:
            return found
    return None


def disconnect(con) -> None:
    """Close a connection (:meth:`Engine.disconnect`)."""
    engine_of(con).disconnect(con)


def raw(con):
    """The driver connection under an Ibis backend: DuckDB's connection (for staging and
    transactions), psycopg's connection, or the Spark session."""
    return engine_of(con).raw(con)


def delete_rows(con, table: str, column: str, value) -> None:
    """Delete the rows of ``table`` whose ``column`` equals ``value``."""
    engine_of(con).delete_rows(con, table, column, value)


def update_rows(con, table: str, values: dict, *, where: tuple[str, object]) -> None:
    """Set ``values`` (column -> value) on the rows of ``table`` where ``where[0] == where[1]``."""
    engine_of(con).update_rows(con, table, values, where=where)
