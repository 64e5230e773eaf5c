"""The import log (``meta_imports``), the backups of removed rows (``meta_removed_<table>``) and
undoing the last import.

Every import adds one row to ``meta_imports`` (:data:`LOG_COLUMNS`): what was loaded from which
file, by whom and when, the dates its rows cover, and what it replaced. An import that replaces
stored rows (:class:`~saleskpi.data.importer.replacing.Replace`) first copies them, in its own
transaction, into ``meta_removed_<table>`` (the table's columns after ``removed_by``, the import
that removed them); that backup is kept until the next successful import into the same table.
:func:`undo_last` takes the last import back: its rows (and the rows it created with
``create_missing``) are deleted, the rows it removed are put back from the backup, the derived
tables are rebuilt and the log row is marked undone, in one transaction.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from dataclasses import dataclass

from saleskpi.data.schema import TABLES
from saleskpi.derived import derived_of, derived_sql
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


def plan_undo(con) -> Undo:
    """What :func:`undo_last` would do now; refuses (UsageError) when it cannot be done."""
    _require_in_place(con, "Undoing an import")
    upgrade_log(con)
    log = con.table("meta_imports")
    open_ = log.filter(log.undone_at.isnull()).order_by(log.import_id.desc()).limit(1).to_pyarrow().to_pylist()
    if not open_:
        raise UsageError("There is no import to undo: the import log (saleskpi imports DIR) has none that is "
                         "not undone already.")
    last = open_[0]
    import_id, table = int(last["import_id"]), last["table_name"]
    db = engine_of(con).raw(con)
    deleted = db.execute(f'SELECT count(*) FROM "{table}" WHERE import_id = ?', [import_id]).fetchone()[0]
    created = {}
    for other in TABLES:
        if other != table:
            n = db.execute(f'SELECT count(*) FROM "{other}" WHERE import_id = ?', [import_id]).fetchone()[0]
            if n:
                created[other] = n
    restored = 0
    if removed_table(table) in con.list_tables():
        restored = db.execute(f'SELECT count(*) FROM "{removed_table(table)}" WHERE removed_by = ?',
                              [import_id]).fetchone()[0]
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
    """Undo the last import that is not undone yet, in one transaction: delete its rows and the
    rows it created, put back the rows it removed (from ``meta_removed_<table>``), rebuild the
    derived tables of its table (:func:`saleskpi.derived.derived_sql`) and mark its log row
    undone. ``confirm(statement)`` is asked first (the CLI asks the user); False stops with
    nothing changed. DuckDB workspaces only today (UsageError elsewhere)."""
    plan = plan_undo(con)
    if confirm is not None and not confirm(plan.statement()):
        raise UsageError(f"{plan.statement()} Not done: nothing was changed.")
    _refuse_dangling(con, plan)
    engine = engine_of(con)
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


def _refuse_dangling(con, plan: Undo) -> None:
    """Refuse an undo after which rows of other tables would refer to ids that are gone."""
    db = engine_of(con).raw(con)
    restored = (f'UNION SELECT {{key}} FROM "{removed_table(plan.table)}" WHERE removed_by = {plan.import_id}'
                if plan.rows_restored else "")
    for gone in (*plan.created, plan.table):
        for other in TABLES.values():
            if other.name in (*plan.created, plan.table):
                continue
            for col in other.columns:
                if not col.references or col.references.split(".")[0] != gone:
                    continue
                key = col.references.split(".")[1]
                kept = f'SELECT "{key}" FROM "{gone}" WHERE import_id IS DISTINCT FROM {plan.import_id} '
                kept += restored.format(key=f'"{key}"') if gone == plan.table else ""
                found = db.execute(f'SELECT count(*), min("{col.name}") FROM "{other.name}" WHERE "{col.name}" '
                                   f'IS NOT NULL AND "{col.name}" NOT IN ({kept})').fetchone()
                if found[0]:
                    raise UsageError(
                        f"Undoing import {plan.import_id} would leave {found[0]:,} row(s) of {other.name} referring "
                        f"to {gone} that would be gone ({col.name} {found[1]!r}, ...); undo or replace those "
                        f"{other.name} rows first.")


def _require_in_place(con, what: str) -> None:
    engine = engine_of(con)
    if not engine.stages_in_place:
        raise UsageError(f"{what} works on DuckDB workspaces today; this workspace runs on {engine.name}. "
                         "Re-import the file you want instead (saleskpi import DIR TABLE FILE --replace-all).")
