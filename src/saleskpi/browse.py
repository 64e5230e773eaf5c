"""Finding and reading what a workspace holds, for every front end (the CLI's ``show``, the
web pages, the Excel report): the list of tables by kind, a table by an unambiguous name, and
the column and row selections a user asks for. Results are read through the one reader
(:func:`saleskpi.results.read`), with the user's scope.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from decimal import Decimal

import ibis

from saleskpi import results
from saleskpi.access import WHOLE_COMPANY
from saleskpi.errors import UsageError

__all__ = ["KINDS", "Item", "Shown", "listing", "open_item", "select", "json_rows"]

#: What a workspace table is, by its name: an input of the data contract, a stored result, the
#: demo's hidden truth, a log, or a table the workspace derives from the inputs.
KINDS = ("input", "result", "truth", "log", "derived")
_WHAT = {"input": "an input table", "result": "a stored result", "truth": "a truth table", "log": "a log",
         "derived": "a derived table"}
_PREFIXES = {"result": results.PREFIX, "truth": "truth_", "log": "meta_", "derived": "derived_"}


@dataclass(frozen=True)
class Item:
    """One thing ``show`` can show: its name, kind and table, and the name to ask for it by
    (``ask_as``: the name, or ``kind:name`` where another kind of table has the same name)."""

    name: str
    kind: str
    table: str
    ask_as: str


@dataclass(frozen=True)
class Shown:
    """A table to show: its rows, a title, its kind, and for a result the run it comes from."""

    expr: ibis.Table
    title: str
    kind: str
    run: results.RunInfo | None = None


def kind_of(table: str) -> str:
    for kind, prefix in _PREFIXES.items():
        if table.startswith(prefix):
            return kind
    return "input"


def listing(tables: list[str]) -> list[Item]:
    """Every table as an :class:`Item`: a result by its name (``abc-matrix``), anything else by
    its table name; where a result and another table share a name (the result ``sales`` and
    the input table ``sales``), each is asked for with its kind in front (``result:sales``,
    ``input:sales``)."""
    plain = [(results.result_name(t) if kind_of(t) == "result" else t, kind_of(t), t) for t in sorted(tables)]
    names = [p[0] for p in plain]
    return [Item(name, kind, table, f"{kind}:{name}" if names.count(name) > 1 else name)
            for name, kind, table in plain]


def _find(items: list[Item], name: str, where: str) -> Item:
    kind, sep, rest = name.partition(":")
    if sep and kind in KINDS:
        hits = [i for i in items if i.kind == kind and i.name in (rest, rest.replace("-", "_"))]
    else:
        hits = [i for i in items if i.name in (name, name.replace("-", "_"))]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise UsageError(f"'{name}' is both {' and '.join(_WHAT[i.kind] for i in hits)} in {where}; "
                         f"show {' or '.join(repr(i.ask_as) for i in hits)}.")
    raise UsageError(f"Nothing called '{name}' in {where}. See 'saleskpi show {where} --list'.")


def open_item(ws, name: str, *, run: int | None = None, scope=None, stamped: bool = False) -> Shown:
    """The table ``name`` (as :func:`listing` names it; a kind prefix is optional where the
    name is unique): a result's rows from its newest finished run or from ``run``, scoped to
    ``scope`` (with its ``run_id`` and ``as_of`` columns when ``stamped``); any other table as
    it is (only for a scope that sees the whole company)."""
    where = str(ws.path)
    item = _find(listing(ws.list_tables()), name, where)
    if item.kind == "result":
        result = results.result_name(item.table)
        info = results.run_of(ws.con, result, run=run)
        expr = results.read(ws.con, result, run=info.run_id if info else run, scope=scope, stamped=stamped)
        title = f"{result} (run {info.run_id}, as of {info.as_of})" if info else f"{result} (no finished run)"
        return Shown(expr, title, item.kind, info)
    if run is not None:
        raise UsageError(f"--run is for results; {item.ask_as} is an {item.kind} table.")
    if scope is not None and scope.role not in WHOLE_COMPANY:
        raise UsageError(f"{item.ask_as} is an {item.kind} table, which only the whole company's roles may see.")
    return Shown(ws.table(item.table), item.name, item.kind)


def select(expr: ibis.Table, *, columns: list[str] | None = None, where: list[str] | None = None,
           name: str = "the table") -> ibis.Table:
    """Only the rows where each ``COLUMN=VALUE`` of ``where`` holds (compared as text), and
    only ``columns`` (in that order) when given."""
    for condition in where or []:
        column, sep, value = condition.partition("=")
        if not sep or column not in expr.columns:
            raise UsageError(f"--where '{condition}': write COLUMN=VALUE with one of the columns "
                             f"{', '.join(expr.columns)}.")
        expr = expr.filter(expr[column].cast("string") == value)
    if columns:
        unknown = [c for c in columns if c not in expr.columns]
        if unknown:
            raise UsageError(f"--columns: no column {', '.join(unknown)} in {name}; "
                             f"columns: {', '.join(expr.columns)}.")
        expr = expr.select(*columns)
    return expr


def _plain(value):
    """A value as JSON holds it: exact decimals as numbers, dates as ISO text, NaN as null."""
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def json_rows(rows: list[dict]) -> str:
    """Rows as a JSON array in which every number is a number (a money amount of up to 15
    digits, as stored to the cent, reads back exactly) and dates are ISO text."""
    return json.dumps([{k: _plain(v) for k, v in row.items()} for row in rows], ensure_ascii=False,
                      default=str, indent=1)
