"""Apache Spark: managed Parquet tables in a warehouse folder (``pyspark://local[2]?warehouse=PATH``).

The table catalog (a Derby metastore) is kept in the same folder, so that a workspace survives
the process; one process runs one Spark context, for one warehouse. Parquet tables have no
DELETE or UPDATE (:attr:`~saleskpi.engines.base.Engine.rewrites_tables`): rows change by
rewriting a table, and an import commits by a journal of staged Parquet files
(docs/backends.md, "Guarantees of an import").
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from saleskpi.engines.base import Batch, Engine, missing_driver
from saleskpi.engines.url import BackendURL
from saleskpi.errors import ConfigError

#: Folder (inside a Spark warehouse) of imports staged as Parquet and their journals.
SPARK_IMPORTS = "_saleskpi_imports"
#: The process's Spark context: one warehouse per process (Spark's rule: static settings).
_SPARK: dict[str, object] = {}


class Spark(Engine):
    """A database of a Spark warehouse."""

    name = "pyspark"
    rewrites_tables = True
    materialises_shared = False

    def _open(self, *, read_only: bool, memory_limit: str | None):
        url = self.url
        base = _spark_base(url)
        # A session of its own per workspace: its own current database, temp views and settings,
        # sharing the one Spark context.
        session = base.newSession()
        con = _spark_backend().connect(session)
        if not read_only:
            session.sql(f"CREATE DATABASE IF NOT EXISTS `{url.database}`")
        elif not session.catalog.databaseExists(url.database):
            raise ConfigError(f"{url.url}: the Spark database {url.database} does not exist yet.")
        session.sql(f"USE `{url.database}`")
        if not read_only:
            _roll_forward(con, url)
        return con

    def _close(self, con) -> None:
        """Nothing: the process's Spark context keeps running (other workspaces may use it;
        :func:`stop_spark` ends it)."""

    def raw(self, con):
        return con._session

    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def create_table_sql(self, name: str, columns: dict[str, str]) -> str:
        cols = ", ".join(f"`{c}` {_spark_type(t)}" for c, t in columns.items())
        return f"CREATE TABLE IF NOT EXISTS `{name}` ({cols}) USING parquet"

    def delete_rows(self, con, table: str, column: str, value) -> None:
        t = con.table(table)
        if t.filter(t[column] == value).count().execute():
            _rewrite(con, table, t.filter(t[column].isnull() | (t[column] != value)))

    def update_rows(self, con, table: str, values: dict, *, where: tuple[str, object]) -> None:
        import ibis

        column, key = where
        t = con.table(table)
        hit = t[column] == key
        changed = {c: ibis.ifelse(hit, ibis.literal(v, t[c].type()), t[c]) for c, v in values.items()}
        _rewrite(con, table, t.mutate(**changed).select(*t.columns))

    def add_columns(self, con, table: str, columns: dict[str, str]) -> None:
        cols = ", ".join(f"`{c}` {_spark_type(t)}" for c, t in columns.items())
        con._session.sql(f"ALTER TABLE `{table}` ADD COLUMNS ({cols})")
        con._session.catalog.refreshTable(table)

    def replace_rows(self, con, table: str, columns: dict[str, str], rows) -> None:
        import ibis

        session = con._session
        session.sql(self.create_table_sql(table, columns))
        if isinstance(rows, ibis.Table):
            cols = ", ".join(f"`{c}`" for c in columns)
            session.sql(f"INSERT OVERWRITE TABLE `{table}` ({cols}) SELECT {cols} FROM ({con.compile(rows)}) AS b")
        else:  # an Arrow table
            session.createDataFrame(rows).write.insertInto(table, overwrite=True)
        session.catalog.refreshTable(table)

    def rewrite_rows(self, con, table: str, rows) -> None:
        _rewrite(con, table, rows)

    def write_parquet(self, con, expr, columns: Sequence[str], path: Path) -> None:
        cols = ", ".join(f"`{c}`" for c in columns)
        con._session.sql(f"SELECT {cols} FROM ({con.compile(expr)}) AS b").write.parquet(str(path))

    def staging_folder(self) -> Path:
        """A new folder in the warehouse (a cluster's executors read the files from there)."""
        assert self.url.path is not None
        folder = self.url.path.resolve() / SPARK_IMPORTS / self.url.database / f"staged-{uuid.uuid4().hex}"
        folder.mkdir(parents=True)
        return folder

    def load_batches(self, con, batches: Sequence[Batch], *, import_id: int,
                     before_commit: Callable[[], None] | None = None, after: Sequence[str] = ()) -> None:
        """A journal naming the files is written atomically (the commit point), then each table
        is appended to (or overwritten) in turn and the journal removed. A crash after the
        journal is written is rolled forward the next time the workspace is opened for writing;
        a crash before it leaves the tables untouched. Derived tables come as batches, not SQL."""
        folder = batches[0].path.parent
        if after:
            raise ConfigError("load_batches: Spark takes derived tables as batches (derived_batches), not SQL.")
        batches = [part for b in batches for part in self._staged_removal(con, b, import_id)]
        journal = {"import_id": import_id, "batches": [
            {"table": b.table, "file": b.path.name, "columns": list(b.columns), "replace": b.replace,
             "new_columns": list(b.new_columns), "create": b.create, "recreate": b.recreate,
             "drop": b.backup} for b in batches]}
        if before_commit:
            before_commit()
        tmp = folder / "journal.json.tmp"
        tmp.write_text(json.dumps(journal), encoding="utf-8")
        os.replace(tmp, folder / "journal.json")
        _spark_apply(con, folder, journal)


    def _staged_removal(self, con, b: Batch, import_id: int) -> list[Batch]:
        """A batch that removes stored rows (``remove``) as batches that only copy files, staged
        BEFORE the journal (so rolling it forward cannot remove twice): the removed rows, which
        replace the backup table; the rows that stay, which replace the table; then the new
        rows, appended. A batch with a ``backup`` and nothing to remove drops the backup."""
        if b.remove is None:
            return [b]
        session, q = con._session, self.quote
        folder, table = b.path.parent, q(b.table)
        keys = None if not b.remove.keys else f"parquet.`{b.remove.keys_path}`"
        where = b.remove.where(q, keys)
        stored = tuple(session.table(b.table).schema.fieldNames())
        parts = []
        if b.backup:
            removed = folder / f"{b.backup}.parquet"
            session.sql(f"SELECT CAST({int(import_id)} AS BIGINT) AS removed_by, t.* FROM {table} t "
                        f"WHERE {where}").write.parquet(str(removed))
            parts.append(Batch(b.backup, removed, ("removed_by", *stored), replace=True, recreate=True,
                               create=f"CREATE TABLE {q(b.backup)} USING parquet AS SELECT * FROM "
                                      f"parquet.`{removed}` WHERE FALSE"))
        kept = folder / f"{b.table}.kept.parquet"
        session.sql(f"SELECT t.* FROM {table} t WHERE NOT {where}").write.parquet(str(kept))
        parts.append(Batch(b.table, kept, stored, replace=True, new_columns=b.new_columns))
        return [*parts, Batch(b.table, b.path, b.columns, new_columns=b.new_columns)]


def _spark_type(sql_type: str) -> str:
    return "STRING" if sql_type == "VARCHAR" else sql_type


def _rewrite(con, table: str, expr) -> None:
    """Replace a Spark table's rows by ``expr`` (built on the same table). Parquet tables have
    no DELETE or UPDATE; the rows are materialised first, since Spark refuses to overwrite a
    table it is reading."""
    session = con._session
    frame = session.sql(con.compile(expr)).localCheckpoint(eager=True)
    frame.write.insertInto(table, overwrite=True)
    session.catalog.refreshTable(table)


def _spark_apply(con, folder: Path, journal: dict) -> None:
    """Apply an import's journal to the Spark tables (idempotent: a table that already holds
    the import's rows is not appended to again), then remove its folder."""
    session = con._session
    import_id = journal["import_id"]
    for b in journal["batches"]:
        table = b["table"]
        if b.get("recreate"):
            session.sql(f"DROP TABLE IF EXISTS `{table}`")
        if b.get("drop"):  # the backup of an earlier import: kept until the next import
            session.sql(f"DROP TABLE IF EXISTS `{b['drop']}`")
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


def _roll_forward(con, backend: BackendURL) -> None:
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

    import ibis
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

        def _create_cached_table(self, name, expr):
            # Ibis registers an expression's in-memory tables before a query, not before CACHE
            # TABLE: without this, caching an expression that holds one fails (table not found)
            self._register_in_memory_tables(expr)
            return super()._create_cached_table(name, expr)

    return SparkBackend()


def _spark_base(backend: BackendURL):
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise missing_driver(backend, "pyspark", "spark") from None
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
