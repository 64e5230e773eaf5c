"""A light read-only view of a workspace's tables, for showing and exporting them.

``saleskpi show`` answers in a fraction of a second and exports millions of rows in constant
memory: it asks a :class:`Reader` for the rows of one :class:`Query` (a table, its columns,
conditions, an order and a limit), in batches. The default reader works through the Ibis
connection of any engine (:class:`IbisReader`, batches from ``to_pyarrow_batches``); DuckDB's
(:class:`saleskpi.engines.duckdb.DuckDBReader`) talks to the database file directly, without
loading Ibis, pandas or pyarrow (about 0.8 s of imports that a 20-row answer does not need).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["KINDS", "OPERATORS", "Condition", "IbisReader", "Query", "Reader", "condition_sql", "ibis_kind",
           "ibis_predicate", "sql_literal"]

#: What a column holds, as a reader reports it: the kinds a condition's value is read as.
KINDS = ("text", "integer", "number", "flag", "date", "timestamp")
#: The comparisons a condition may make, longest first (so ``<=`` is not read as ``<``).
OPERATORS = ("<=", ">=", "!=", "<", ">", "=")


@dataclass(frozen=True)
class Condition:
    """``column op value``; a ``value`` of None is an empty cell (``=``: is empty, ``!=``: is
    not). ``!=`` also holds for an empty cell, as the table shows it (empty is not ``C``)."""

    column: str
    op: str
    value: object = None


@dataclass(frozen=True)
class Query:
    """The rows of ``table`` where every condition holds, in ``order`` ((column, descending)
    pairs; empty cells last), at most ``limit`` of them, with ``columns`` (all when empty)."""

    table: str
    columns: tuple[str, ...] = ()
    where: tuple[Condition, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()
    limit: int | None = None


class Reader:
    """What showing a table asks of an engine; a context manager that closes it."""

    def tables(self) -> list[str]:
        """Every table's name, sorted."""
        raise NotImplementedError

    def columns(self, table: str) -> dict[str, str]:
        """The columns of ``table`` in their stored order, each with its kind (:data:`KINDS`)."""
        raise NotImplementedError

    def count(self, query: Query) -> int:
        """How many rows ``query`` has without its limit."""
        raise NotImplementedError

    def counts_by(self, table: str, column: str) -> dict:
        """How many rows of ``table`` have each value of ``column``."""
        raise NotImplementedError

    def batches(self, query: Query, *, size: int = 10_000) -> Iterator[list[tuple]]:
        """The rows of ``query`` as tuples (its columns, in order), ``size`` at a time."""
        raise NotImplementedError

    def rows(self, query: Query) -> list[tuple]:
        """Every row of ``query`` (mind its limit)."""
        return [row for batch in self.batches(query) for row in batch]

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def ibis_kind(dtype) -> str:
    """The kind (:data:`KINDS`) of an Ibis data type."""
    if dtype.is_boolean():
        return "flag"
    if dtype.is_integer():
        return "integer"
    if dtype.is_numeric():
        return "number"
    if dtype.is_date():
        return "date"
    if dtype.is_timestamp():
        return "timestamp"
    return "text"


class IbisReader(Reader):
    """A reader over an Ibis connection (any engine); ``close`` calls ``on_close``."""

    def __init__(self, con, on_close=None) -> None:
        self.con = con
        self._on_close = on_close

    def tables(self) -> list[str]:
        return sorted(self.con.list_tables())

    def columns(self, table: str) -> dict[str, str]:
        return {name: ibis_kind(dtype) for name, dtype in self.con.table(table).schema().items()}

    def _expr(self, query: Query, *, ordered: bool = True):
        t = self.con.table(query.table)
        kinds = self.columns(query.table)
        for cond in query.where:
            t = t.filter(ibis_predicate(t[cond.column], cond, kinds[cond.column]))
        if ordered and query.order:
            t = t.order_by([t[c].desc(nulls_first=False) if desc else t[c].asc(nulls_first=False)
                            for c, desc in query.order])
        if query.columns:
            t = t.select(*query.columns)
        if ordered and query.limit is not None:
            t = t.limit(query.limit)
        return t

    def count(self, query: Query) -> int:
        return int(self._expr(query, ordered=False).count().to_pyarrow().as_py())

    def counts_by(self, table: str, column: str) -> dict:
        t = self.con.table(table)
        found = t.group_by(column).aggregate(rows=t.count()).to_pyarrow().to_pylist()
        return {r[column]: int(r["rows"]) for r in found}

    def batches(self, query: Query, *, size: int = 10_000) -> Iterator[list[tuple]]:
        for batch in self._expr(query).to_pyarrow_batches(chunk_size=size):
            columns = [c.to_pylist() for c in batch.columns]
            yield list(zip(*columns)) if columns else []

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close(self.con)


def ibis_predicate(col, cond: Condition, kind: str):
    """``cond`` on the Ibis column ``col`` of kind ``kind`` (same meaning as :func:`condition_sql`)."""
    import ibis

    if cond.value is None:
        empty = col.isnull() | (col == "") if kind == "text" else col.isnull()
        return empty if cond.op == "=" else ~empty
    value = ibis.literal(cond.value)
    if cond.op == "!=":
        return col.isnull() | (col != value)
    return {"=": col == value, "<": col < value, "<=": col <= value, ">": col > value, ">=": col >= value}[cond.op]


def condition_sql(quoted: str, cond: Condition, kind: str, literal: Callable[[object], str]) -> str:
    """``cond`` as SQL on the quoted column; ``literal`` writes its value as SQL."""
    if cond.op not in OPERATORS:
        raise ValueError(f"unknown comparison {cond.op!r}")
    if cond.value is None:
        empty = f"({quoted} IS NULL OR {quoted} = '')" if kind == "text" else f"{quoted} IS NULL"
        return empty if cond.op == "=" else f"NOT {empty}"
    if cond.op == "!=":
        return f"{quoted} IS DISTINCT FROM {literal(cond.value)}"
    return f"{quoted} {cond.op} {literal(cond.value)}"


def sql_literal(value) -> str:
    """A value of a condition as an SQL literal (text quoted, its quotes doubled)."""
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, Decimal) and value.is_finite():
        return f"{value:f}"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ValueError(f"no SQL literal for {value!r}")
