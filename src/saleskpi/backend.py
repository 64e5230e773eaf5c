"""The engine layer: turns a backend URL into an Ibis connection, and does what Ibis cannot.

The only module (with the importer's staging step) that knows which engine runs underneath.
Three engines are supported (docs/backends.md):

- ``duckdb://saleskpi.duckdb`` (default, relative to the workspace) or ``duckdb:///abs/file``;
- ``postgres://user[:password]@host:port/db?schema=NAME``: tables in one schema of a server;
- ``pyspark://local[2]?warehouse=PATH`` (or a cluster master such as ``pyspark://host:7077``):
  managed Parquet tables in a warehouse folder, with the table catalog (a Derby metastore)
  kept in the same folder, so that a workspace survives the process.

Everything else (analyses, results, the CLI) goes through the Ibis connection. The few
operations Ibis has no portable form for live here: deleting and updating rows
(:func:`delete_rows`, :func:`update_rows`; Spark's Parquet tables rewrite instead), loading
an import's validated rows into a non-DuckDB engine (:func:`load_batches`), and keeping the
workspace's derived tables in step with their input in the import's transaction
(:class:`Derived`: :func:`derived_sql` for DuckDB and PostgreSQL, :func:`derived_batches` for
Spark, :func:`rebuild_derived` when a table is missing or stale, logged in ``meta_derived``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import ibis

from saleskpi.errors import ConfigError

KINDS = ("duckdb", "postgres", "pyspark")
_URL_HELP = ("Use duckdb://FILE, postgres://user@host:port/db?schema=NAME or "
             "pyspark://local[2]?warehouse=PATH.")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Folder (inside a Spark warehouse) of imports staged as Parquet and their journals.
SPARK_IMPORTS = "_saleskpi_imports"


@dataclass(frozen=True)
class BackendURL:
    """A parsed backend URL. ``duckdb://file.duckdb`` is relative to the workspace folder;
    ``duckdb:///abs/file.duckdb`` is absolute.

    ``kind`` is ``duckdb``, ``postgres`` or ``pyspark``. ``path`` is the DuckDB file or the
    Spark warehouse folder; ``database`` the PostgreSQL database or the Spark database the
    tables live in; ``schema`` the PostgreSQL schema; ``master`` the Spark master;
    ``options`` extra ``spark.*`` settings given in the URL's query.
    """

    kind: str
    url: str
    path: Path | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    schema: str | None = None
    master: str | None = None
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, url: str, *, base: Path, source: str = "settings.toml") -> "BackendURL":
        where = f"{source}: [workspace] backend"
        kind, sep, rest = url.partition("://")
        kind = kind.lower()
        if not sep:
            kind = url.split(":", 1)[0].lower()
        if kind == "duckdb":
            raw = url[len("duckdb://"):]
            if not raw:
                raise ConfigError(f"{where}: '{url}' names no DuckDB file. "
                                  "Use duckdb://saleskpi.duckdb (inside the workspace).")
            path = Path(raw)
            if not path.is_absolute():
                path = base / path
            return cls("duckdb", url, path)
        if kind in ("postgres", "postgresql") and sep:
            return cls._parse_postgres(url, where)
        if kind == "pyspark" and sep:
            return cls._parse_spark(url, rest, base=base, where=where)
        raise ConfigError(f"{where}: unknown engine '{kind or url}'. {_URL_HELP}")

    @classmethod
    def _parse_postgres(cls, url: str, where: str) -> "BackendURL":
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        unknown = sorted(set(query) - {"schema"})
        if unknown:
            raise ConfigError(f"{where}: '{url}': unknown option {', '.join(unknown)}; the one option "
                              "is schema=NAME (postgres://user@host:port/db?schema=NAME).")
        database = parts.path.lstrip("/")
        if not parts.hostname or not database:
            raise ConfigError(f"{where}: '{url}' must name a host and a database, e.g. "
                              "postgres://saleskpi@db.example:5432/sales?schema=acme.")
        schema = query.get("schema", "public")
        if not _IDENT.match(schema):
            raise ConfigError(f"{where}: schema '{schema}' must be letters, digits and _ "
                              "(starting with a letter), e.g. schema=acme_2025.")
        try:
            port = parts.port or 5432
        except ValueError:
            raise ConfigError(f"{where}: '{url}': the port must be a number such as 5432.") from None
        return cls("postgres", url, host=parts.hostname, port=port,
                   user=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None,
                   database=database, schema=schema)

    @classmethod
    def _parse_spark(cls, url: str, rest: str, *, base: Path, where: str) -> "BackendURL":
        # Not urlsplit: "local[2]" is not a host name (brackets mean IPv6 to urllib).
        master, _, query_text = rest.partition("?")
        master = master.rstrip("/")
        if not master:
            raise ConfigError(f"{where}: '{url}' names no Spark master; use pyspark://local[2]?warehouse=PATH "
                              "or pyspark://HOST:7077?warehouse=PATH.")
        if not (master.startswith("local") or master in ("yarn",) or "://" in master):
            master = "spark://" + master
        query = dict(parse_qsl(query_text))
        if "warehouse" not in query:
            raise ConfigError(f"{where}: '{url}' needs a warehouse folder for the tables, e.g. "
                              "pyspark://local[2]?warehouse=warehouse (inside the workspace).")
        path = Path(query.pop("warehouse"))
        if not path.is_absolute():
            path = base / path
        database = query.pop("database", "saleskpi")
        if not _IDENT.match(database):
            raise ConfigError(f"{where}: database '{database}' must be letters, digits and _.")
        unknown = sorted(k for k in query if not k.startswith("spark."))
        if unknown:
            raise ConfigError(f"{where}: '{url}': unknown option {', '.join(unknown)}; options are "
                              "warehouse=PATH, database=NAME and spark.* settings.")
        return cls("pyspark", url, path=path, database=database, master=master,
                   options=tuple(sorted(query.items())))


def kind_of(con) -> str:
    """``duckdb``, ``postgres`` or ``pyspark``: the engine of an Ibis connection."""
    return con.name


# --- connecting ----------------------------------------------------------------------------


def connect(backend: BackendURL, *, read_only: bool = False, memory_limit: str | None = None):
    """Open an Ibis connection to the workspace's engine."""
    if backend.kind == "duckdb":
        assert backend.path is not None
        if read_only and not backend.path.exists():
            raise ConfigError(f"{backend.path}: the workspace database does not exist yet.")
        con = ibis.duckdb.connect(str(backend.path), read_only=read_only)
        if memory_limit:
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        return con
    if backend.kind == "postgres":
        return _connect_postgres(backend, read_only=read_only)
    if backend.kind == "pyspark":
        return _connect_spark(backend, read_only=read_only)
    raise ConfigError(f"Unknown backend {backend.kind} ({backend.url}). {_URL_HELP}")


def disconnect(con) -> None:
    """Close a connection. A Spark connection leaves the process's Spark context running
    (other workspaces may use it; :func:`stop_spark` ends it).

    Tables the analyses cached (``expr.cache()``) are released first: Ibis would otherwise
    drop them when they are garbage-collected, on a connection already closed (PostgreSQL
    then prints "the connection is closed" tracebacks at exit).
    """
    for name in list(getattr(con, "_cache_name_to_entry", {})):
        try:
            con._finalize_cached_table(name)
        except Exception:  # a connection already broken: nothing left to release
            pass
    if kind_of(con) == "pyspark":
        return
    con.disconnect()


def raw(con):
    """The driver connection under an Ibis backend: DuckDB's connection (for staging and
    transactions), psycopg's connection, or the Spark session."""
    if kind_of(con) == "pyspark":
        return con._session
    return con.con


def _missing_driver(backend: BackendURL, module: str, extra: str) -> ConfigError:
    return ConfigError(f"The {backend.kind} backend ({backend.url}) needs the Python package {module}, "
                       f"which is not installed. Install it with: pip install 'saleskpi[{extra}]'.")


def _connect_postgres(backend: BackendURL, *, read_only: bool):
    try:
        import psycopg
    except ImportError:
        raise _missing_driver(backend, "psycopg", "postgres") from None
    try:
        con = ibis.postgres.connect(host=backend.host, port=backend.port, user=backend.user,
                                    password=backend.password, database=backend.database,
                                    schema=backend.schema)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"Cannot connect to PostgreSQL at {backend.host}:{backend.port} (database "
                          f"{backend.database}, user {backend.user or 'default'}): {first}. Start the "
                          "server, or correct [workspace] backend in settings.toml.") from None
    con.compiler = _postgres_compiler()
    if not read_only:
        with con.con.cursor() as cur:
            cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{backend.schema}"')
    return con


def _postgres_compiler():
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


#: The process's Spark context: one warehouse per process (Spark's rule: static settings).
_SPARK: dict[str, object] = {}


def _connect_spark(backend: BackendURL, *, read_only: bool):
    base = _spark_base(backend)
    # A session of its own per workspace: its own current database, temp views and settings,
    # sharing the one Spark context.
    session = base.newSession()
    con = _spark_backend().connect(session)
    if not read_only:
        session.sql(f"CREATE DATABASE IF NOT EXISTS `{backend.database}`")
    elif not session.catalog.databaseExists(backend.database):
        raise ConfigError(f"{backend.url}: the Spark database {backend.database} does not exist yet.")
    session.sql(f"USE `{backend.database}`")
    if not read_only:
        _spark_roll_forward(con, backend)
    return con


def _spark_backend():
    """Ibis 12's PySpark backend with two fixes, for this connection only:

    - in-memory tables go to Spark as Arrow. Ibis hands Spark a pandas frame, in which pandas 3
      writes a missing value as NaN: Spark then stores the text 'NaN' in string columns and a
      NaN (not NULL) in float columns, and comparisons on them differ from the other engines
      (NaN > 1 is true in Spark);
    - int64 and float64 literals are typed. Spark reads ``1`` as INT and ``1.0`` as DECIMAL(2,1),
      so a stamp such as ``run_id = literal(1, "int64")`` was stored as int32, and the next
      run's results no longer matched the table's schema (results.store then replaced the
      table, losing the earlier runs).
    """
    import math

    import pyspark
    from ibis.backends.pyspark import Backend
    from ibis.backends.pyspark.datatypes import PySparkSchema
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    arrow_input = int(pyspark.__version__.split(".")[0]) >= 4  # createDataFrame(pa.Table): 4.0+
    ibis.pyspark  # noqa: B018 - loading the backend through ibis registers its options

    class Compiler(PySparkCompiler):
        def visit_NonNullLiteral(self, op, *, value, dtype):
            if dtype.is_int64() or (dtype.is_float64() and math.isfinite(value)):
                import sqlglot.expressions as sge

                return self.cast(sge.convert(value), dtype)
            return super().visit_NonNullLiteral(op, value=value, dtype=dtype)

    class SparkBackend(Backend):
        compiler = Compiler()

        def _register_in_memory_table(self, op) -> None:
            schema = PySparkSchema.from_ibis(op.schema)
            data = op.data.to_pyarrow(op.schema)
            if not arrow_input:
                frame = data.to_pandas()
                data = frame.astype(object).where(frame.notna(), None)
            self._session.createDataFrame(data, schema=schema).createOrReplaceTempView(op.name)

    return SparkBackend()


def _spark_base(backend: BackendURL):
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise _missing_driver(backend, "pyspark", "spark") from None
    assert backend.path is not None
    warehouse = backend.path.resolve()
    key = (backend.master, str(warehouse))
    if _SPARK:
        if _SPARK["key"] != key:
            raise ConfigError(
                f"{backend.url}: this process already runs Spark on {_SPARK['key'][0]} with the "
                f"warehouse {_SPARK['key'][1]}; Spark allows one per process. Open this workspace "
                "in a process of its own.")
        return _SPARK["session"]
    if backend.master and backend.master.startswith("local"):
        # Spark binds to the host's address otherwise, which may not route (STACK.md).
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    warehouse.mkdir(parents=True, exist_ok=True)
    settings = {
        "spark.app.name": "saleskpi",
        "spark.sql.warehouse.dir": str(warehouse),
        "spark.sql.catalogImplementation": "hive",
        # The catalog of tables lives beside them, so a workspace outlives the process.
        "spark.hadoop.javax.jdo.option.ConnectionURL":
            f"jdbc:derby:;databaseName={warehouse / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={warehouse}",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.log.level": "ERROR",
        # Exact decimal sums beyond 18 digits rather than an error (money stays exact).
        "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    }
    if backend.master.startswith("local"):
        settings["spark.sql.shuffle.partitions"] = "8"
    settings.update(dict(backend.options))
    builder = SparkSession.builder.master(backend.master)
    for k, v in settings.items():
        builder = builder.config(k, v)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # no Java, a port taken, a master that does not answer
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"Cannot start Spark ({backend.master}, warehouse {warehouse}): {first}. "
                          "Spark needs Java 17 (apt-get install openjdk-17-jre-headless) and, for a "
                          "cluster, a master that answers.") from None
    _SPARK.update(key=key, session=session)
    return session


def stop_spark() -> None:
    """Stop the process's Spark context, if one runs (tests end with it)."""
    session = _SPARK.pop("session", None)
    _SPARK.clear()
    if session is not None:
        session.stop()


# --- deleting and updating rows --------------------------------------------------


def delete_rows(con, table: str, column: str, value) -> None:
    """Delete the rows of ``table`` whose ``column`` equals ``value``."""
    kind = kind_of(con)
    if kind == "duckdb":
        con.con.execute(f"DELETE FROM {_q(table)} WHERE {_q(column)} = ?", [value])
    elif kind == "postgres":
        with con.con.cursor() as cur:
            cur.execute(f"DELETE FROM {_q(table)} WHERE {_q(column)} = %s", [value])
    else:
        t = con.table(table)
        if t.filter(t[column] == value).count().execute():
            _spark_rewrite(con, table, t.filter(t[column].isnull() | (t[column] != value)))


def update_rows(con, table: str, values: dict, *, where: tuple[str, object]) -> None:
    """Set ``values`` (column -> value) on the rows of ``table`` where ``where[0] == where[1]``."""
    kind = kind_of(con)
    column, key = where
    if kind in ("duckdb", "postgres"):
        mark = "?" if kind == "duckdb" else "%s"
        sets = ", ".join(f"{_q(c)} = {mark}" for c in values)
        sql = f"UPDATE {_q(table)} SET {sets} WHERE {_q(column)} = {mark}"
        if kind == "duckdb":
            con.con.execute(sql, [*values.values(), key])
        else:
            with con.con.cursor() as cur:
                cur.execute(sql, [*values.values(), key])
        return
    t = con.table(table)
    hit = t[column] == key
    changed = {c: ibis.ifelse(hit, ibis.literal(v, t[c].type()), t[c]) for c, v in values.items()}
    _spark_rewrite(con, table, t.mutate(**changed).select(*t.columns))


def _spark_rewrite(con, table: str, expr) -> None:
    """Replace a Spark table's rows by ``expr`` (built on the same table). Parquet tables have
    no DELETE or UPDATE; the rows are materialised first, since Spark refuses to overwrite a
    table it is reading."""
    session = con._session
    frame = session.sql(con.compile(expr)).localCheckpoint(eager=True)
    frame.write.insertInto(table, overwrite=True)
    session.catalog.refreshTable(table)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- loading an import into PostgreSQL or Spark --------------------------------------------


@dataclass(frozen=True)
class Batch:
    """Validated rows of one table, staged as a Parquet file by the importer.

    The file has every column of the table, in the table's order; ``replace`` means the
    table's rows are replaced; ``new_columns`` are extra number columns the table gains first;
    ``create`` (Spark) is the statement that creates the table where it does not exist yet (a
    derived table of a workspace made before it existed).
    """

    table: str
    path: Path
    columns: tuple[str, ...]
    replace: bool = False
    new_columns: tuple[str, ...] = ()
    create: str | None = None


def staging_folder(backend: BackendURL) -> Path:
    """A new folder for an import's Parquet files. For Spark it lies in the warehouse (a
    cluster's executors read it from there); otherwise in the system's temporary folder."""
    if backend.kind == "pyspark":
        assert backend.path is not None
        folder = backend.path.resolve() / SPARK_IMPORTS / backend.database / f"staged-{uuid.uuid4().hex}"
        folder.mkdir(parents=True)
        return folder
    return Path(tempfile.mkdtemp(prefix="saleskpi-import-"))


def load_batches(con, backend: BackendURL, batches: Sequence[Batch], *, import_id: int,
                 before_commit: Callable[[], None] | None = None, after: Sequence[str] = ()) -> None:
    """Load the batches of one import, all or nothing as far as the engine allows.

    PostgreSQL: one transaction (COPY of each file, then the ``after`` statements: the derived
    tables' refresh, :func:`derived_sql`); nothing is visible before COMMIT.
    Spark: a journal naming the files is written atomically (the commit point), then each
    table is appended to (or overwritten) in turn and the journal removed. A crash after the
    journal is written is rolled forward the next time the workspace is opened for writing;
    a crash before it leaves the tables untouched (docs/backends.md).
    """
    kind = kind_of(con)
    if kind == "postgres":
        _postgres_load(con, batches, before_commit, after)
    elif kind == "pyspark":
        folder = batches[0].path.parent
        if after:
            raise ConfigError("load_batches: Spark takes derived tables as batches (derived_batches), not SQL.")
        journal = {"import_id": import_id, "batches": [
            {"table": b.table, "file": b.path.name, "columns": list(b.columns), "replace": b.replace,
             "new_columns": list(b.new_columns), "create": b.create} for b in batches]}
        if before_commit:
            before_commit()
        tmp = folder / "journal.json.tmp"
        tmp.write_text(json.dumps(journal), encoding="utf-8")
        os.replace(tmp, folder / "journal.json")
        _spark_apply(con, folder, journal)
    else:
        raise ConfigError(f"load_batches is for PostgreSQL and Spark; {kind} loads in place.")


def _postgres_load(con, batches: Sequence[Batch], before_commit, after: Sequence[str] = ()) -> None:
    import duckdb

    pg = con.con
    converter = duckdb.connect()
    try:
        with pg.transaction(), pg.cursor() as cur:
            for b in batches:
                for name in b.new_columns:
                    cur.execute(f"ALTER TABLE {_q(b.table)} ADD COLUMN IF NOT EXISTS {_q(name)} DOUBLE PRECISION")
                if b.replace:
                    cur.execute(f"DELETE FROM {_q(b.table)}")
                csv_path = b.path.with_suffix(".csv")
                # DuckDB writes the CSV (fast, exact decimals); COPY is PostgreSQL's bulk load.
                converter.execute(f"COPY (SELECT * FROM read_parquet('{b.path}')) TO '{csv_path}' "
                                  "(FORMAT csv, HEADER false)")
                cols = ", ".join(_q(c) for c in b.columns)
                with cur.copy(f"COPY {_q(b.table)} ({cols}) FROM STDIN (FORMAT csv)") as copy, \
                        open(csv_path, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
                csv_path.unlink()
            for statement in after:
                cur.execute(statement)
            if before_commit:
                before_commit()
    finally:
        converter.close()


def _spark_apply(con, folder: Path, journal: dict) -> None:
    """Apply an import's journal to the Spark tables (idempotent: a table that already holds
    the import's rows is not appended to again), then remove its folder."""
    session = con._session
    import_id = journal["import_id"]
    for b in journal["batches"]:
        table = b["table"]
        if b.get("create"):
            session.sql(b["create"])
        present = {f.name for f in session.table(table).schema.fields}
        added = [c for c in b["new_columns"] if c not in present]
        if added:
            session.sql(f"ALTER TABLE `{table}` ADD COLUMNS ({', '.join(f'`{c}` DOUBLE' for c in added)})")
        source = f"parquet.`{folder / b['file']}`"
        cols = ", ".join(f"`{c}`" for c in b["columns"])
        if b["replace"]:
            session.sql(f"INSERT OVERWRITE TABLE `{table}` ({cols}) SELECT {cols} FROM {source}")
        else:
            done = session.sql(f"SELECT count(*) FROM `{table}` WHERE import_id = {int(import_id)}").first()[0]
            if not done:
                session.sql(f"INSERT INTO `{table}` ({cols}) SELECT {cols} FROM {source}")
        session.catalog.refreshTable(table)
    shutil.rmtree(folder, ignore_errors=True)


def _spark_roll_forward(con, backend: BackendURL) -> None:
    """Finish imports whose journal was written before a crash; drop staged files of imports
    that never reached their journal."""
    assert backend.path is not None
    root = backend.path.resolve() / SPARK_IMPORTS / backend.database
    if not root.is_dir():
        return
    pending = []
    for folder in root.iterdir():
        journal = folder / "journal.json"
        if journal.is_file():
            pending.append(json.loads(journal.read_text(encoding="utf-8")) | {"folder": folder})
        else:
            shutil.rmtree(folder, ignore_errors=True)
    for journal in sorted(pending, key=lambda j: j["import_id"]):
        _spark_apply(con, journal.pop("folder"), journal)


# --- derived tables: kept in step with an input table, import by import ----------------------------

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


def _ddl(name: str, columns: dict[str, str], *, spark: bool = False) -> str:
    """CREATE TABLE IF NOT EXISTS of a table with these columns (SQL types)."""
    if spark:
        cols = ", ".join(f"`{c}` {_spark_type(t)}" for c, t in columns.items())
        return f"CREATE TABLE IF NOT EXISTS `{name}` ({cols}) USING parquet"
    cols = ", ".join(f"{_q(c)} {t}" for c, t in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {_q(name)} ({cols})"


def _spark_type(sql_type: str) -> str:
    return "STRING" if sql_type == "VARCHAR" else sql_type


def derived_sql(con, derived: Derived, *, refresh_import: int | None = None) -> list[str]:
    """SQL statements (DuckDB, PostgreSQL) that bring ``derived`` in step with its input table,
    to run in the transaction that changes the input, after its rows are in (and its
    ``meta_imports`` row): with ``refresh_import`` the stored rows that the import's rows touch
    are replaced by :attr:`Derived.refresh` (the table must be fresh before the import);
    without it the table is rebuilt. The last statements log the state it now reflects in
    ``meta_derived``, read in the same transaction."""
    kind = kind_of(con)
    if kind not in ("duckdb", "postgres"):
        raise ConfigError(f"derived_sql is for DuckDB and PostgreSQL; {kind} stages derived tables as files.")
    source, table = con.table(derived.source), _q(derived.name)
    cols = ", ".join(_q(c) for c in derived.columns)
    sql = [_ddl(derived.name, derived.columns), _ddl(META_DERIVED, META_DERIVED_COLUMNS)]
    if refresh_import is not None:
        new_rows = source.filter(source.import_id == int(refresh_import))
        staged = derived.refresh(con.table(derived.name), new_rows)
        same = " AND ".join(f"{table}.{_q(k)} = s.{_q(k)}" for k in derived.keys)
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
            f"(SELECT count(*) FROM {_q(derived.source)}), "
            f"{_sql_text('refresh' if refresh_import is not None else 'build')}, CAST(current_timestamp AS TIMESTAMP)"]
    return sql


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def rebuild_derived(con, derived: Derived) -> None:
    """Build ``derived`` from its input table as it is now, and log that in ``meta_derived``:
    one transaction on DuckDB and PostgreSQL. Spark rewrites the table, then the log; a crash
    in between leaves a table whose log does not match its input, which is never read (and is
    rebuilt on the next need)."""
    kind = kind_of(con)
    if kind == "duckdb":
        db = con.con
        statements = derived_sql(con, derived)
        db.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                db.execute(statement)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    elif kind == "postgres":
        statements = derived_sql(con, derived)
        with con.con.transaction(), con.con.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    else:
        session = con._session
        stamp = source_stamp(con, derived)
        session.sql(_ddl(derived.name, derived.columns, spark=True))
        cols = ", ".join(f"`{c}`" for c in derived.columns)
        body = con.compile(derived.build(con.table(derived.source)))
        session.sql(f"INSERT OVERWRITE TABLE `{derived.name}` ({cols}) SELECT {cols} FROM ({body}) AS b")
        session.catalog.refreshTable(derived.name)
        session.sql(_ddl(META_DERIVED, META_DERIVED_COLUMNS, spark=True))
        log = _spark_log(con, derived, stamp, "build")
        session.createDataFrame(log).write.insertInto(META_DERIVED, overwrite=True)
        session.catalog.refreshTable(META_DERIVED)


def _spark_log(con, derived: Derived, stamp: Stamp, method: str):
    """``meta_derived``'s rows with ``derived``'s replaced by ``stamp`` (an Arrow table)."""
    import datetime as dt

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
                    replace: bool) -> list[Batch]:
    """Spark: ``derived`` as it will be once an import's rows (the Parquet file ``new_rows``) are
    in its input, staged as Parquet in the import's ``folder`` with its ``meta_derived`` log, as
    two batches that replace those tables. Computed BEFORE the import's journal is written, so
    applying (or rolling forward) the journal only copies files: it can be repeated after a
    crash without counting a line twice. A table that is fresh gets :attr:`Derived.merge` of
    the new rows; a replace, or a table that is missing or stale, is built from all rows."""
    session = con._session
    fresh = not replace and is_fresh(con, derived)
    before = source_stamp(con, derived)
    new = con.read_parquet(str(new_rows))
    picked = [c for c in con.table(derived.source).columns if c in new.columns]
    if replace:
        expr, rows = derived.build(new), 0
    elif fresh:
        expr, rows = derived.merge(con.table(derived.name), new), before.rows
    else:
        everything = ibis.union(con.table(derived.source).select(*picked), new.select(*picked).cast(
            con.table(derived.source).select(*picked).schema()), distinct=False)
        expr, rows = derived.build(everything), before.rows
    rows += int(new.count().execute())
    path = folder / f"{derived.name}.parquet"
    cols = ", ".join(f"`{c}`" for c in derived.columns)
    session.sql(f"SELECT {cols} FROM ({con.compile(expr)}) AS b").write.parquet(str(path))
    log = folder / f"{META_DERIVED}.parquet"
    import pyarrow.parquet as pq

    pq.write_table(_spark_log(con, derived, Stamp(import_id, rows), "refresh" if fresh else "build"), log)
    return [Batch(derived.name, path, tuple(derived.columns), replace=True,
                  create=_ddl(derived.name, derived.columns, spark=True)),
            Batch(META_DERIVED, log, tuple(META_DERIVED_COLUMNS), replace=True,
                  create=_ddl(META_DERIVED, META_DERIVED_COLUMNS, spark=True))]
