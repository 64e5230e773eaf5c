"""Loading the checked lines (step 4 of an import; :mod:`saleskpi.data.importer`): in ONE
transaction of the staging DuckDB, with amounts converted and the contract's derived columns
computed; on an engine that does not stage in place, the rows that load added to the copy are
then shipped to the engine as Parquet batches (:meth:`saleskpi.engines.base.Engine.load_batches`),
with what keeps the derived tables in step (:mod:`saleskpi.derived`)."""

from __future__ import annotations

import json
import os
import shutil
import signal
from fractions import Fraction

from saleskpi.data.importer.log import current_user, date_column, removed_table
from saleskpi.data.importer.replacing import Replacing
from saleskpi.data.importer.state import _STAGE, ImportReport, _lit, _q
from saleskpi.data.schema import TABLES, Column
from saleskpi.derived import derived_of, import_sql, import_steps
from saleskpi.engines import Batch, engine_of

#: SQL of the operations of the contract's derived columns (:class:`saleskpi.data.schema.Derivation`).
_OPERATORS = {"product": "*", "difference": "-"}
#: Environment variable of the fault hook: ``before-commit`` kills the process (SIGKILL) right
#: before COMMIT, so a test can prove that an interrupted import leaves the workspace intact.
FAULT_ENV = "SALESKPI_FAULT"


def _convert_sql(expr: str, rate: Fraction, scale: int) -> str:
    """SQL converting an amount ``expr`` (up to 9 decimals) at ``rate`` to ``scale`` decimals.

    Exact integer arithmetic, rounded half away from zero (the euro conversion rule,
    Council Regulation (EC) 1103/97 art. 5): ``round(x / rate, scale)``.
    """
    num = (f"(CAST(CAST({expr} AS DECIMAL(38,9)) * 1000000000 AS HUGEINT) * "
           f"{rate.denominator * 10 ** scale})")
    den = rate.numerator * 10 ** 9
    rounded = f"(sign({num}) * ((abs({num}) * 2 + {den}) // {2 * den}))"
    return f"CAST(CAST({rounded} AS DECIMAL(38,0)) * CAST(1e-{scale} AS DECIMAL(18,{scale})) AS DECIMAL(18,{scale}))"


def _fault(point: str) -> None:
    """The fault hook: die without cleanup at ``point`` when SALESKPI_FAULT names it (tests)."""
    if os.environ.get(FAULT_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)


class Loading(Replacing):
    """Load in one transaction; mirror the stored keys and ship the new rows (other engines)."""

    def amount_sql(self, col: Column, expr: str) -> str:
        """SQL of an amount in the workspace currency at the contract's scale."""
        scale = int(col.sql_type.split(",")[1].rstrip(")"))
        plain = f"CAST({expr} AS {col.sql_type})"
        if not self.rates:
            return plain
        cur = f"upper({self.col('currency')})"
        cases = " ".join(f"WHEN {_lit(code)} THEN {_convert_sql(expr, rate, scale)}"
                         for code, rate in self.rates.items())
        return f"CASE {cur} {cases} ELSE {plain} END"

    def options(self, name: str) -> list[str]:
        """The alternatives of column ``name``'s value on a line, the first filled one wins: the
        file's value, then what the contract derives it from (:class:`~saleskpi.data.schema.Derivation`)
        when its operands are in the file or derived themselves."""
        own = [self.col(name)] if self.given(name) else []
        rule = self.tbl.derivation(name)
        if rule is None or (self.given(name) and not rule.per_line):
            return own
        operands = [self.line_value(o) for o in rule.operands]
        if None in operands:
            return own
        return own + [f"({operands[0]} {_OPERATORS[rule.operation]} {operands[1]})"]

    def line_value(self, name: str) -> str | None:
        """SQL of column ``name`` of a line as loaded, before conversion (None: neither in the
        file nor derived)."""
        found = self.options(name)
        if not found:
            return None
        value = found[-1]
        for option in reversed(found[:-1]):
            value = f"CASE WHEN {option} IS NOT NULL THEN {option} ELSE {value} END"
        return value

    def select_list(self, import_id: int) -> tuple[list[str], list[str]]:
        """Target columns and their SQL for the INSERT."""
        tbl = self.tbl
        names, exprs = [], []
        staged = {name: self.col(name) for name in tbl.column_names}
        # Alternatives of an amount, each converted and rounded on its own (a coalesce of
        # raw decimals would widen them to 128 bits, several times slower on millions of rows):
        # the file's value, then what the contract derives it from (net_value = quantity x
        # unit_price, cost = net_value - margin).
        options = {d.column: found for d in tbl.derivations
                   if (found := self.options(d.column)) and found != [staged[d.column]]}
        for col in tbl.columns:
            expr = staged[col.name]
            if col.name == self.generated:
                rest = [k for k in tbl.key if k != col.name]
                expr = (f"row_number() OVER (PARTITION BY {', '.join(self.col(k) for k in rest)} "
                        "ORDER BY s.rowid)")
            elif col.name == "currency" and any(c.is_amount for c in tbl.columns):
                # Every stored amount is in the workspace currency, and says so.
                expr = _lit(self.settings.workspace.currency)
            elif col.is_amount and (col.name in options or expr != "NULL"):
                parts = [self.amount_sql(col, e) for e in options.get(col.name, [expr])]
                expr = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
            elif expr == "NULL":
                continue
            names.append(_q(col.name))
            exprs.append(expr)
        for name in self.bound:
            if name not in tbl.column_names:
                names.append(_q(name))
                exprs.append(f"s.{_q(name)}")
        names.append("import_id")
        exprs.append(str(import_id))
        return names, exprs

    def load(self, staged_rows: int) -> ImportReport:
        db, tbl = self.db, self.tbl
        import_id = self.q1("SELECT coalesce(max(import_id), 0) + 1 FROM meta_imports")[0]
        names, exprs = self.select_list(import_id)
        stored = {r[0] for r in db.execute(f"DESCRIBE {_q(tbl.name)}").fetchall()}
        new_columns = tuple(n for n in self.bound if n not in tbl.column_names and n not in stored)
        created: dict[str, int] = {}
        # The derived tables of this input (the purchase-day table of sales) change in the same
        # transaction; their SQL is prepared before it opens.
        derived_sql = [] if self.remote else self.derived_sql(import_id)
        # Stored order does not matter (staged rowids already gave the rows); dropping it lets
        # DuckDB insert in parallel, about twice as fast.
        db.execute("SET preserve_insertion_order = false")
        db.execute("BEGIN TRANSACTION")
        try:
            self.back_up_and_remove(import_id)
            for name in self.bound:
                if name not in tbl.column_names and name not in stored:
                    db.execute(f"ALTER TABLE {_q(tbl.name)} ADD COLUMN {_q(name)} DOUBLE")
            for col_name, n in self.missing_refs.items():
                target_name, target_key = self.tbl.column(col_name).references.split(".")
                db.execute(f"INSERT INTO {_q(target_name)} ({_q(target_key)}, name, import_id) "
                           f"SELECT v, v, {import_id} FROM __saleskpi_missing_{col_name} "
                           f"WHERE v NOT IN (SELECT {_q(target_key)} FROM {_q(target_name)})")
                created[target_name] = created.get(target_name, 0) + n
            loaded = db.execute(f"INSERT INTO {_q(tbl.name)} ({', '.join(names)}) SELECT {', '.join(exprs)} "
                                f"FROM {_STAGE} s WHERE {self.active()}").fetchone()[0]
            if self.replace is not None:
                self.check_dangling()
            self.log_import(import_id, loaded, created)
            for statement in derived_sql:
                db.execute(statement)
            if not self.remote:
                _fault("before-commit")
            db.execute("COMMIT")
        except BaseException:
            try:
                db.execute("ROLLBACK")
            except Exception:  # the transaction is already gone; the first error is the news
                pass
            raise
        finally:
            db.execute("RESET preserve_insertion_order")
            for col_name in [c.name for c in tbl.columns if c.references]:
                db.execute(f"DROP TABLE IF EXISTS __saleskpi_missing_{col_name}")
        if self.remote:
            self.ship(import_id, new_columns)
        removed = self.removed
        return ImportReport(table=tbl.name, source=self.src.label, rows_loaded=loaded,
                            skipped={k: v for k, v in self.skipped.items() if v}, warnings=self.warnings,
                            created=created, import_id=import_id, rows_removed=removed.rows if removed else 0,
                            replaced=removed.scope if removed else None,
                            replaced_imports=removed.imports if removed else (),
                            duplicates_kept=self.duplicates_kept)

    def log_import(self, import_id: int, loaded: int, created: dict[str, int]) -> None:
        """The import's row of ``meta_imports`` (:data:`saleskpi.data.importer.log.LOG_COLUMNS`), in
        its transaction after its rows are in: who, when, the dates its rows cover, what it replaced."""
        db, tbl, removed = self.db, self.tbl, self.removed
        note = json.dumps({"mode": self.mode, "skipped": self.skipped, "created": created,
                           "warnings": self.warnings, "duplicates_kept": self.duplicates_kept},
                          ensure_ascii=False)
        column = date_column(tbl.name)
        dates = (self.q1(f"SELECT min({_q(column)}), max({_q(column)}) FROM {_q(tbl.name)} "
                         f"WHERE import_id = {int(import_id)}") if column else (None, None))
        mode = "append" if self.replace is None else f"replace {self.replace.scope}"
        db.execute("INSERT INTO meta_imports (import_id, table_name, file, rows_loaded, rows_skipped, loaded_at, "
                   "note, user_name, mode, date_from, date_to, replaced, rows_removed, replaced_imports) "
                   "VALUES (?, ?, ?, ?, ?, current_timestamp, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [import_id, tbl.name, self.src.label, loaded, sum(self.skipped.values()), note, current_user(),
                    mode, dates[0], dates[1], removed.scope if removed else None, removed.rows if removed else 0,
                    ", ".join(map(str, removed.imports)) if removed else None])

    def derived(self) -> list:
        """The derived tables of this import's table (:func:`saleskpi.derived.derived_of`)."""
        return derived_of(self.tbl.name)

    def derived_sql(self, import_id: int) -> list[str]:
        """SQL that keeps the derived tables in step, run in the import's transaction after its
        rows and its meta_imports row are in (:func:`saleskpi.derived.import_sql`)."""
        return import_sql(self.ws.con, self.derived(), import_id=import_id,
                          replace=bool(self.removed and self.removed.rows))

    # --- engines that do not stage in place: check against a copy, then ship ------------------

    def mirror(self) -> None:
        """Copy into the staging DuckDB the stored columns the checks and the load read.

        Each table that is read gets its full stored schema (so the load's SQL runs as on a
        DuckDB workspace) but only the columns read are filled, distinct: the table's own key
        (append, and a replace of part of it), the keys its references point to, the columns of
        other tables that point to it (replace: dangling references), and the last import id.
        Of the table itself only the rows that stay after a replace are copied (:meth:`kept`).
        """
        tbl, con = self.tbl, self.ws.con
        needs: dict[str, set[str]] = {tbl.name: set()}
        if self.mode == "append":
            needs[tbl.name] |= {k for k in tbl.key if self.given(k) and k != self.generated}
        for col in tbl.columns:
            if col.references and self.given(col.name):
                target, key = col.references.split(".")
                if not (target == tbl.name and self.mode == "replace"):
                    needs.setdefault(target, set()).add(key)
        if self.replace is not None:
            for other in TABLES.values():
                for col in other.columns:
                    if col.references and col.references.split(".")[0] == tbl.name and other.name != tbl.name:
                        needs.setdefault(other.name, set()).add(col.name)
        needs["meta_imports"] = {"import_id"}
        for name, cols in needs.items():
            t = con.table(name)
            if name == tbl.name:  # as on DuckDB, the checks read the rows that stay
                t = self.kept(t)
            self.db.register("__saleskpi_shape", t.schema().to_pyarrow().empty_table())
            self.db.execute(f"CREATE TABLE {_q(name)} AS SELECT * FROM __saleskpi_shape")
            self.db.unregister("__saleskpi_shape")
            if not cols:
                continue
            rows = (t.aggregate(import_id=t.import_id.max()) if name == "meta_imports"
                    else t.select(*sorted(cols)).distinct())
            self.db.register("__saleskpi_stored", rows.to_pyarrow())
            names = ", ".join(_q(c) for c in sorted(cols))
            self.db.execute(f"INSERT INTO {_q(name)} ({names}) SELECT {names} FROM __saleskpi_stored")
            self.db.unregister("__saleskpi_stored")

    def ship(self, import_id: int, new_columns: tuple[str, ...]) -> None:
        """Stage the rows this import added to the copy as Parquet and load them into the
        workspace's engine (:meth:`saleskpi.engines.base.Engine.load_batches`)."""
        tables = [self.tbl.column(c).references.split(".")[0] for c in self.missing_refs]
        tables = list(dict.fromkeys(t for t in tables if t != self.tbl.name)) + [self.tbl.name, "meta_imports"]
        con = self.ws.con
        engine = engine_of(con)
        folder = engine.staging_folder()
        try:
            batches = []
            for name in tables:
                path = folder / f"{name}.parquet"
                self.db.execute(f"COPY (SELECT * FROM {_q(name)} WHERE import_id = {int(import_id)}) "
                                f"TO {_lit(str(path))} (FORMAT parquet)")
                columns = tuple(r[0] for r in self.db.execute(f"DESCRIBE {_q(name)}").fetchall())
                own = name == self.tbl.name
                # the table's batch removes the replaced rows into their backup (and drops an
                # earlier import's backup), in the load's transaction or journal
                batches.append(Batch(name, path, columns, new_columns=new_columns if own else (),
                                     remove=self.engine_scope(folder) if own else None,
                                     backup=removed_table(name) if own else None))
            # the derived tables: SQL in the load's transaction, or staged beside the new rows
            # (a replace of part of the table rebuilds them from the rows that stay and the new)
            scoped = self.replace is not None and self.replace.scope != "all"
            after, staged = import_steps(con, self.derived(), folder, folder / f"{self.tbl.name}.parquet",
                                         import_id=import_id, replace=self.replace is not None,
                                         kept=self.kept(con.table(self.tbl.name)) if scoped else None)
            engine.load_batches(con, batches + staged, import_id=import_id,
                                before_commit=lambda: _fault("before-commit"), after=after)
        finally:
            if not (folder / "journal.json").exists():  # a Spark journal is rolled forward later
                shutil.rmtree(folder, ignore_errors=True)
