"""What an import replaces: a scope of stored rows (:class:`Replace`), the statement of what it
removes, the user's confirmation, and the backup the removed rows go to
(``meta_removed_<table>``, :mod:`saleskpi.data.importer.log`), all before or inside the load's
one transaction (:mod:`saleskpi.data.importer.loading`). On engines that do not stage in place
the same scope is an Ibis filter (what is removed, the copy of the rows that stay the checks
read) and an engine :class:`~saleskpi.engines.base.Scope` on the table's batch: the engine backs
up and removes with the load (:meth:`saleskpi.engines.base.Engine.load_batches`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from saleskpi.data.importer.log import date_column, removed_table
from saleskpi.data.importer.state import _STAGE, ImportState, _lit, _q
from saleskpi.data.schema import TABLES
from saleskpi.engines import Scope
from saleskpi.errors import UsageError

#: The scopes of a replace.
SCOPES = ("all", "import", "dates", "file")


@dataclass(frozen=True)
class Replace:
    """The stored rows of the table an import replaces: ``all`` of them, those of one earlier
    ``import`` (``import_id``), those dated ``date_from`` to ``date_to`` (both included;
    ``dates``), or those of the ``file``: the lines of the invoices in the file (sales), the
    rows whose keys are in the file (other tables)."""

    scope: str
    import_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise UsageError(f"Replace scope '{self.scope}' is not known; use one of {', '.join(SCOPES)}.")
        if self.scope == "import" and self.import_id is None:
            raise UsageError("Replace(scope='import') needs import_id (saleskpi imports DIR lists them).")
        if self.scope == "dates" and (self.date_from is None or self.date_to is None or self.date_from > self.date_to):
            raise UsageError("Replace(scope='dates') needs date_from <= date_to, e.g. --replace-dates 2024-01-01:2024-03-31.")

    @classmethod
    def dates(cls, text: str) -> "Replace":
        """The scope of ``--replace-dates FROM:TO`` (ISO dates, both included)."""
        start, sep, end = text.partition(":")
        try:
            if not sep:
                raise ValueError
            return cls("dates", date_from=dt.date.fromisoformat(start.strip()),
                       date_to=dt.date.fromisoformat(end.strip()))
        except ValueError:
            raise UsageError(f"--replace-dates '{text}' is not FROM:TO; write it as 2024-01-01:2024-03-31 "
                             "(both dates included).") from None

    def describe(self, table: str) -> str:
        """The scope in words (the statement and the log's ``replaced`` column)."""
        if self.scope == "all":
            return f"every row of {table}"
        if self.scope == "import":
            return f"the rows of import {self.import_id}"
        if self.scope == "dates":
            return f"the rows dated {self.date_from} to {self.date_to}"
        return "the lines of the invoices in the file" if _by_invoice(table) else "the rows whose keys are in the file"


def _by_invoice(table: str) -> bool:
    """Whether a replace of the file's rows goes by invoice (sales) rather than by key."""
    return "invoice_id" in TABLES[table].key


@dataclass(frozen=True)
class Removal:
    """What a replace removes: rows, the dates they cover and the imports they came from."""

    table: str
    scope: str
    rows: int
    date_from: dt.date | None
    date_to: dt.date | None
    imports: tuple[int, ...]

    def statement(self, source: str, workspace) -> str:
        text = f"Importing {source} replaces {self.scope}: {self.rows:,} row(s) of {self.table} are removed"
        if self.date_from is not None:
            text += f", dated {self.date_from} to {self.date_to}"
        if self.imports:
            text += f", loaded by import(s) {', '.join(str(i) for i in self.imports)}"
        text += (f". They are kept in {removed_table(self.table)} until the next import into {self.table}; "
                 f"'saleskpi imports {workspace} --undo' puts them back")
        return text + "."


class Replacing(ImportState):
    """The stored rows a replace removes: their SQL, what they are, the confirmation, the backup."""

    def removed_where(self, alias: str = "t") -> str:
        """SQL condition on stored rows (``alias``) of the table that the replace removes."""
        scope = self.replace
        if scope is None:
            return "FALSE"
        if scope.scope == "all":
            return "TRUE"
        if scope.scope == "import":
            return f"{alias}.import_id = {int(scope.import_id)}"
        if scope.scope == "dates":
            column = date_column(self.tbl.name)
            return (f"{alias}.{_q(column)} BETWEEN DATE {_lit(scope.date_from.isoformat())} "
                    f"AND DATE {_lit(scope.date_to.isoformat())}")
        keys = self.file_keys()
        same = " AND ".join(f"{self.col(k)} IS NOT DISTINCT FROM {alias}.{_q(k)}" for k in keys)
        return f"EXISTS (SELECT 1 FROM {_STAGE} s WHERE {self.active()} AND {same})"

    def stored(self, name: str) -> str:
        """The stored rows of table ``name`` the checks compare the file with: those that stay
        (on engines that do not stage in place the copy holds only those: :meth:`kept`)."""
        if self.replace is None or self.replace.scope == "all" or name != self.tbl.name or self.remote:
            return _q(name)
        return f"(SELECT * FROM {_q(name)} t WHERE NOT coalesce({self.removed_where()}, FALSE))"

    # --- engines that do not stage in place: the scope as Ibis and as an engine Scope --------

    def file_keys(self) -> list[str]:
        """The columns a ``file`` replace goes by: ``invoice_id`` (sales), else the table's key
        (without a generated line number)."""
        return ["invoice_id"] if _by_invoice(self.tbl.name) else [k for k in self.tbl.key if k != self.generated]

    def _file_keys_sql(self) -> str:
        """SQL of the distinct keys of the file's rows a ``file`` replace removes."""
        return (f"SELECT DISTINCT {', '.join(f'{self.col(k)} AS {_q(k)}' for k in self.file_keys())} "
                f"FROM {_STAGE} s WHERE {self.active()}")

    def _scoped(self, t, *, removed: bool):
        """The stored rows of the table (Ibis table ``t``) the replace removes (``removed``), or
        those that stay."""
        import ibis

        scope = self.replace
        if scope.scope == "file":
            keys = self.file_keys()
            found = self.db.execute(self._file_keys_sql()).fetch_arrow_table()
            given = ibis.memtable(found).cast({k: t[k].type() for k in keys})
            on = [t[k] == given[k] for k in keys]
            return t.semi_join(given, on) if removed else t.anti_join(given, on)
        if scope.scope == "all":
            hit = ibis.literal(True)
        elif scope.scope == "import":
            hit = t.import_id.notnull() & (t.import_id == int(scope.import_id))
        else:
            column = t[date_column(self.tbl.name)]
            hit = column.notnull() & column.between(scope.date_from, scope.date_to)
        return t.filter(hit if removed else ~hit)

    def kept(self, t):
        """The stored rows of the table (Ibis table ``t``) that stay (the copy the checks read)."""
        return t if self.replace is None else self._scoped(t, removed=False)

    def engine_scope(self, folder) -> Scope | None:
        """The replace as the engine's :class:`~saleskpi.engines.base.Scope` of the table's batch
        (a ``file`` replace writes its keys to ``folder``)."""
        scope = self.replace
        if scope is None:
            return None
        if scope.scope == "all":
            return Scope()
        if scope.scope == "import":
            return Scope("import_id", int(scope.import_id), int(scope.import_id))
        if scope.scope == "dates":
            return Scope(date_column(self.tbl.name), scope.date_from, scope.date_to)
        path = folder / f"{self.tbl.name}.keys.parquet"
        self.db.execute(f"COPY ({self._file_keys_sql()}) TO {_lit(str(path))} (FORMAT parquet)")
        return Scope(keys=tuple(self.file_keys()), keys_path=path)

    def check_scope(self) -> None:
        """Refuse a scope the table cannot take, before anything is read."""
        scope = self.replace
        if scope is None or scope.scope == "all":
            return
        if scope.scope == "import":
            log = self.ws.con.table("meta_imports")
            found = log.filter(log.import_id == int(scope.import_id)).select("table_name", "undone_at")
            found = found.to_pyarrow().to_pylist()
            found = (found[0]["table_name"], found[0]["undone_at"]) if found else None
            if found is None or found[0] != self.tbl.name or found[1] is not None:
                what = ("there is no such import" if found is None else f"it loaded {found[0]}"
                        if found[0] != self.tbl.name else "it was undone")
                raise UsageError(f"--replace-import {scope.import_id}: {what}, so it has no rows in {self.tbl.name} "
                                 f"to replace; 'saleskpi imports {self.ws.path}' lists the imports.")
        if scope.scope == "dates" and date_column(self.tbl.name) is None:
            raise UsageError(f"{self.tbl.name} has no date column, so --replace-dates cannot choose its rows; "
                             "use --replace-import ID or --replace-invoices.")
        if scope.scope == "file":
            keys = self.file_keys()
            lacking = [k for k in keys if not self.given(k)]
            if lacking:
                raise UsageError(f"--replace-invoices replaces the rows whose {' + '.join(keys)} are in the file, "
                                 f"but the file has no column {', '.join(lacking)}.")

    def removal(self) -> Removal | None:
        """What the replace removes (None: no replace)."""
        scope = self.replace
        if scope is None:
            return None
        name, column = self.tbl.name, date_column(self.tbl.name)
        if self.remote:  # counted where the rows are stored
            t = self._scoped(self.ws.con.table(name), removed=True)
            found = t.aggregate(rows=t.count(), **({"low": t[column].min(), "high": t[column].max()} if column else {}))
            found = found.to_pyarrow().to_pylist()[0]
            rows, dates = int(found["rows"]), (found.get("low"), found.get("high"))
            ids = tuple(sorted(int(i) for i in t.select("import_id").distinct().to_pyarrow().column(0).to_pylist()
                               if i is not None))
        else:
            d = f"t.{_q(column)}" if column else "NULL"
            rows, low, high, ids = self.q1(
                f"SELECT count(*), min({d}), max({d}), list(DISTINCT t.import_id ORDER BY t.import_id) "
                f"FROM {_q(name)} t WHERE {self.removed_where()}")
            dates, ids = (low, high), tuple(i for i in (ids or []) if i is not None)
        return Removal(name, scope.describe(name), rows, dates[0], dates[1], ids)

    def confirm_removal(self) -> None:
        """Say what the replace removes and ask ``confirm`` (the CLI asks the user or needs
        ``--yes``); a refusal stops the import with nothing changed."""
        self.removed = self.removal()
        if self.removed is None or not self.removed.rows or self.confirm is None:
            return
        statement = self.removed.statement(self.src.label, self.ws.path)
        if not self.confirm(statement):
            raise UsageError(f"{statement} Not done: nothing was removed or loaded.")

    def back_up_and_remove(self, import_id: int) -> None:
        """In the load's transaction: the rows the replace removes go to the table's backup
        (which keeps only this import's), then out of the table. Without a replace the backup of
        an earlier import is dropped: it is kept until the next successful import."""
        db, name = self.db, self.tbl.name
        if self.remote:  # the engine backs up and removes (Batch.remove); the copy holds only rows that stay
            if self.replace is not None and self.replace.scope == "all":
                db.execute(f"DELETE FROM {_q(name)}")
            return
        db.execute(f"DROP TABLE IF EXISTS {_q(removed_table(name))}")
        if self.replace is None:
            return
        where = self.removed_where()
        db.execute(f"CREATE TABLE {_q(removed_table(name))} AS SELECT CAST({int(import_id)} AS BIGINT) AS removed_by, "
                   f"t.* FROM {_q(name)} t WHERE {where}")
        db.execute(f"DELETE FROM {_q(name)} t WHERE {where}")
