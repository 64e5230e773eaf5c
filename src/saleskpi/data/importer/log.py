"""The import log (``meta_imports``), the backups of removed rows (``meta_removed_<table>``) and
undoing the last import.

Every import adds one row to ``meta_imports`` (:data:`LOG_COLUMNS`): what was loaded from which
file, by whom and when, the dates its rows cover, and what it replaced. An import that replaces
stored rows (:class:`~saleskpi.data.importer.replacing.Replace`) first copies them, in its own
transaction, into ``meta_removed_<table>`` (the table's columns after ``removed_by``, the import
that removed them); that backup is kept until the next successful import into the same table.
:func:`undo_last` takes the last import back: its rows (and the rows it created with
``create_missing``) are deleted, the rows it removed are put back from the backup, the derived
tables are rebuilt and the log row is marked undone, in one transaction (on Spark, which
rewrites tables, table by table).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Callable
from dataclasses import dataclass

from saleskpi.data.schema import TABLES
from saleskpi.derived import derived_of, derived_sql, rebuild_derived
from saleskpi.engines import engine_of
from saleskpi.errors import UsageError

#: The import log: column -> SQL type. The first seven are those of workspaces made before
#: the log said who imported, the dates covered and what was replaced; :func:`upgrade_log`
#: adds the others to such a workspace.
LOG_COLUMNS: dict[str, str] = {
    "import_id": "BIGINT", "table_name": "VARCHAR", "file": "VARCHAR", "rows_loaded": "BIGINT",
    "rows_skipped": "BIGINT", "loaded_at": "TIMESTAMP", "note": "VARCHAR",
    "user_name": "VARCHAR", "mode": "VARCHAR", "date_from": "DATE", "date_to": "DATE",
    "replaced": "VARCHAR", "rows_removed": "BIGINT", "replaced_imports": "VARCHAR",
    "undone_at": "TIMESTAMP",
}
#: Backups of the rows an import removed: ``meta_removed_<table>``.
REMOVED_PREFIX = "meta_removed_"


def removed_table(table: str) -> str:
    """The backup table of the rows removed from input table ``table``."""
    return REMOVED_PREFIX + table


def current_user() -> str:
    """The operating-system user running the import (``getpass.getuser``), or ``unknown``."""
    try:
        return getpass.getuser()
    except Exception:  # no USER/LOGNAME and no passwd entry (some containers)
        return "unknown"


def date_column(table: str) -> str | None:
    """The column whose dates an import of ``table`` covers: ``date``, else its first required
    date column (``sent_on`` of survey invitations); None for tables without one."""
    tbl = TABLES[table]
    if "date" in tbl.column_names and tbl.column("date").type == "date":
        return "date"
    return next((c.name for c in tbl.columns if c.type == "date" and c.required), None)


def upgrade_log(con) -> None:
    """Add to ``meta_imports`` the columns a workspace made before them lacks (idempotent)."""
    present = set(con.table("meta_imports").columns)
    missing = {c: t for c, t in LOG_COLUMNS.items() if c not in present}
    if missing:
        engine_of(con).add_columns(con, "meta_imports", missing)


def imports(con) -> list[dict]:
    """The import log as rows (oldest first), every column of :data:`LOG_COLUMNS` (NULL where a
    workspace made before a column has no value for it)."""
    log = con.table("meta_imports")
    rows = [{c: row.get(c) for c in LOG_COLUMNS} for row in log.order_by("import_id").to_pyarrow().to_pylist()]
    for row in rows:
        if row["mode"] is None and row["note"]:  # logged before the mode had its column
            mode = json.loads(row["note"]).get("mode")
            row["mode"] = "replace all" if mode == "replace" else mode
    return rows


@dataclass(frozen=True)
class Undo:
    """What undoing an import does: the import, its table, the rows it deletes and restores."""

    import_id: int
    table: str
    file: str
    rows_deleted: int
    rows_restored: int
    created: dict[str, int]

    def statement(self) -> str:
        text = (f"Undoing import {self.import_id} ({self.file} into {self.table}) deletes its "
                f"{self.rows_deleted:,} row(s) of {self.table}")
        if self.created:
            text += " and the rows it created (" + ", ".join(f"{n:,} {t}" for t, n in self.created.items()) + ")"
        if self.rows_restored:
            text += f", and puts back the {self.rows_restored:,} row(s) it replaced"
        return text + "."


def _count(t) -> int:
    return int(t.count().execute())


def plan_undo(con) -> Undo:
    """What :func:`undo_last` would do now; refuses (UsageError) when it cannot be done."""
    upgrade_log(con)
    log = con.table("meta_imports")
    open_ = log.filter(log.undone_at.isnull()).order_by(log.import_id.desc()).limit(1).to_pyarrow().to_pylist()
    if not open_:
        raise UsageError("There is no import to undo: the import log (saleskpi imports DIR) has none that is "
                         "not undone already.")
    last = open_[0]
    import_id, table = int(last["import_id"]), last["table_name"]
    present = set(con.list_tables())

    def of_import(name: str, column: str = "import_id") -> int:
        t = con.table(name)
        return _count(t.filter(t[column] == import_id))

    deleted = of_import(table)
    created = {other: n for other in TABLES if other != table and (n := of_import(other))}
    restored = of_import(removed_table(table), "removed_by") if removed_table(table) in present else 0
    if last["rows_removed"] is None and json.loads(last["note"] or "{}").get("mode") == "replace":
        raise UsageError(f"Import {import_id} ({last['file']} into {table}) replaced the table's rows before "
                         "saleskpi kept a backup of replaced rows; undoing it would not bring them back. "
                         "Re-import the file they came from instead.")
    if (last["rows_removed"] or 0) != restored:
        raise UsageError(
            f"Import {import_id} ({last['file']} into {table}) replaced {last['rows_removed']:,} row(s), but their "
            f"backup ({removed_table(table)}) is gone: it is kept only until the next import into {table}. "
            "Undoing it would lose them; re-import the file they came from instead.")
    return Undo(import_id, table, last["file"], deleted, restored, created)


def undo_last(con, *, confirm: Callable[[str], bool] | None = None) -> Undo:
    """Undo the last import that is not undone yet: delete its rows and the rows it created,
    put back the rows it removed (from ``meta_removed_<table>``), rebuild the derived tables of
    its table (:func:`saleskpi.derived.derived_sql`) and mark its log row undone.
    ``confirm(statement)`` is asked first (the CLI asks the user); False stops with nothing
    changed. One transaction on DuckDB and PostgreSQL; on Spark (which rewrites tables) the
    same steps table by table (docs/backends.md, "Guarantees of an import")."""
    plan = plan_undo(con)
    if confirm is not None and not confirm(plan.statement()):
        raise UsageError(f"{plan.statement()} Not done: nothing was changed.")
    _refuse_dangling(con, plan)
    engine = engine_of(con)
    if engine.rewrites_tables:
        _undo_by_rewriting(con, plan)
        return plan
    q, table, i = engine.quote, plan.table, plan.import_id
    sql = [f"DELETE FROM {q(name)} WHERE import_id = {i}" for name in (*plan.created, table)]
    if plan.rows_restored:
        backup = q(removed_table(table))
        cols = ", ".join(q(c) for c in con.table(removed_table(table)).columns if c != "removed_by")
        sql += [f"INSERT INTO {q(table)} ({cols}) SELECT {cols} FROM {backup} WHERE removed_by = {i}",
                f"DELETE FROM {backup} WHERE removed_by = {i}"]
    sql.append(f"UPDATE meta_imports SET undone_at = CAST(current_timestamp AS TIMESTAMP) WHERE import_id = {i}")
    for derived in derived_of(table):
        sql += derived_sql(con, derived)
    engine.run_in_transaction(con, sql)
    return plan


def _undo_by_rewriting(con, plan: Undo) -> None:
    """:func:`undo_last` on an engine that rewrites tables: the rows come back first (the table
    rewritten without the import's rows, with the backup's), then the backup and the created
    rows go, then the log row is marked and the derived tables rebuilt. Each step rewrites one
    table; a crash between them leaves the log unmarked, and the derived tables stale (never
    read), so the undo can be run again."""
    import ibis

    engine, table, i = engine_of(con), plan.table, plan.import_id
    t = con.table(table)
    rows = t.filter(t.import_id.isnull() | (t.import_id != i))
    if plan.rows_restored:
        backup = con.table(removed_table(table))
        back = backup.filter(backup.removed_by == i).select(*t.columns).cast(t.schema())
        rows = ibis.union(rows, back, distinct=False)
    engine.rewrite_rows(con, table, rows)
    if plan.rows_restored:
        engine.delete_rows(con, removed_table(table), "removed_by", i)
    for name in plan.created:
        engine.delete_rows(con, name, "import_id", i)
    engine.update_rows(con, "meta_imports", {"undone_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)},
                       where=("import_id", i))
    for derived in derived_of(table):
        rebuild_derived(con, derived)


def _refuse_dangling(con, plan: Undo) -> None:
    """Refuse an undo after which rows of other tables would refer to ids that are gone."""
    import ibis

    for gone in (*plan.created, plan.table):
        for other in TABLES.values():
            if other.name in (*plan.created, plan.table):
                continue
            for col in other.columns:
                if not col.references or col.references.split(".")[0] != gone:
                    continue
                key = col.references.split(".")[1]
                g = con.table(gone)
                kept = g.filter(g.import_id.isnull() | (g.import_id != plan.import_id)).select(key)
                if gone == plan.table and plan.rows_restored:
                    b = con.table(removed_table(gone))
                    kept = ibis.union(kept, b.filter(b.removed_by == plan.import_id).select(key)
                                      .cast(kept.schema()), distinct=False)
                o = con.table(other.name)
                lost = o.filter(o[col.name].notnull() & ~o[col.name].isin(kept[key]))
                found = lost.aggregate(n=lost.count(), first=lost[col.name].min()).to_pyarrow().to_pylist()[0]
                if found["n"]:
                    raise UsageError(
                        f"Undoing import {plan.import_id} would leave {found['n']:,} row(s) of {other.name} referring "
                        f"to {gone} that would be gone ({col.name} {found['first']!r}, ...); undo or replace those "
                        f"{other.name} rows first.")
