"""Finding and reading what a workspace holds, for every front end (the CLI's ``show``, the
web pages, the Excel report): the list of tables by kind, a table by an unambiguous name, the
column, row and order selections a user asks for, and the exports (CSV, Excel's CSV, JSON).

Two ways in, one set of rules. :func:`open_item` and :func:`select` give Ibis expressions, read
through the one reader (:func:`saleskpi.results.read`) with the user's scope (web, Excel).
:func:`open_reader` and :func:`plan` give the owner of the workspace folder (the command line,
unscoped) a light :class:`~saleskpi.engines.reader.Query` that the engine answers without
loading Ibis, in batches (docs/workspace.md, "Showing and exporting").
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from saleskpi.engines.reader import OPERATORS, Condition, Query
from saleskpi.errors import UsageError
from saleskpi.results.names import PREFIX, STAMPS, result_name

if TYPE_CHECKING:
    import ibis

    from saleskpi.results.runs import RunInfo

__all__ = ["KINDS", "Item", "Plan", "Shown", "conditions", "json_rows", "listing", "open_item", "open_reader", "order",
           "plan", "select", "write_csv", "write_json"]

#: What a workspace table is, by its name: an input of the data contract, a stored result, the
#: demo's hidden truth, a log, or a table the workspace derives from the inputs.
KINDS = ("input", "result", "truth", "log", "derived")
_WHAT = {"input": "an input table", "result": "a stored result", "truth": "a truth table", "log": "a log",
         "derived": "a derived table"}
_PREFIXES = {"result": PREFIX, "truth": "truth_", "log": "meta_", "derived": "derived_"}


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

    expr: "ibis.Table"
    title: str
    kind: str
    run: "RunInfo | None" = None


@dataclass(frozen=True)
class Plan:
    """What :func:`plan` found: the query, a title, the table's kind, for a result its run,
    and the kind of each column the query gives (:data:`saleskpi.engines.reader.KINDS`)."""

    query: Query
    title: str
    kind: str
    run: "RunInfo | None" = None
    columns: dict[str, str] = field(default_factory=dict)


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
    plain = [(result_name(t) if kind_of(t) == "result" else t, kind_of(t), t) for t in sorted(tables)]
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
    name is unique): a result's rows from its newest finished run or from ``run`` (the same
    rules as :func:`plan`: a run that does not exist or did not finish is refused), scoped to
    ``scope`` (with its ``run_id`` and ``as_of`` columns when ``stamped``); any other table as
    it is (only for a scope that sees the whole company)."""
    from saleskpi import results
    from saleskpi.access import WHOLE_COMPANY
    from saleskpi.engines.reader import IbisReader

    where = str(ws.path)
    item = _find(listing(ws.list_tables()), name, where)
    if item.kind == "result":
        result = results.result_name(item.table)
        info = results.run_for(IbisReader(ws.con), result, run=run, where=where)
        expr = results.read(ws.con, result, run=info.run_id if info else run, scope=scope, stamped=stamped)
        title = f"{result} (run {info.run_id}, as of {info.as_of})" if info else f"{result} (no finished run)"
        return Shown(expr, title, item.kind, info)
    if run is not None:
        raise UsageError(f"--run is for results; {item.ask_as} is an {item.kind} table.")
    if scope is not None and scope.role not in WHOLE_COMPANY:
        raise UsageError(f"{item.ask_as} is an {item.kind} table, which only the whole company's roles may see.")
    return Shown(ws.table(item.table), item.name, item.kind)


def select(expr: "ibis.Table", *, columns: list[str] | None = None, where: list[str] | None = None,
           name: str = "the table") -> "ibis.Table":
    """Only the rows where each condition of ``where`` holds (:func:`conditions`), and only
    ``columns`` (in that order) when given."""
    from saleskpi.engines.reader import ibis_kind, ibis_predicate

    kinds = {c: ibis_kind(t) for c, t in expr.schema().items()}
    for cond in conditions(where, kinds):
        expr = expr.filter(ibis_predicate(expr[cond.column], cond, kinds[cond.column]))
    if columns:
        expr = expr.select(*_known(columns, list(expr.columns), name))
    return expr


def _known(columns: list[str], there: list[str], name: str) -> list[str]:
    unknown = [c for c in columns if c not in there]
    if unknown:
        raise UsageError(f"--columns: no column {', '.join(unknown)} in {name}; columns: {', '.join(there)}.")
    return columns


#: How a condition's value is written for each kind of column, for the messages.
_EXPECTED = {"integer": "a whole number such as 12", "number": "a number such as 0.2 (or 0,2)",
             "flag": "true or false (also yes/no, 1/0)", "date": "a date written YYYY-MM-DD",
             "timestamp": "a date and time written YYYY-MM-DD HH:MM:SS"}
_FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _value(text: str, kind: str):
    """``text`` as a value of a column of ``kind``, read as the table shows it (``6,445,000.00``,
    ``True``); raises ValueError when it is not one."""
    text = text.strip()
    if kind == "text":
        return text
    if kind == "flag":
        return _FLAGS[text.lower()]
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "timestamp":
        return dt.datetime.fromisoformat(text)
    number = text.replace(",", "") if _THOUSANDS.match(text) else text.replace(",", ".")
    if kind == "integer":
        return int(number)
    value = Decimal(number)
    if not value.is_finite():
        raise ValueError(text)
    return value


def conditions(where: Iterable[str] | None, kinds: dict[str, str]) -> list[Condition]:
    """Each ``COLUMN<op>VALUE`` of ``where`` (op one of ``= != < <= > >=``) as a condition on
    the column of that name; the value is read by the column's kind (``kinds``): numbers as
    numbers, flags as true/false, dates as dates, text as text; an empty value is an empty cell
    (``col=`` is empty, ``col!=`` is not)."""
    found = []
    for text in where or []:
        match = re.match(r"^\s*([^<>=!\s]+)\s*(" + "|".join(re.escape(o) for o in OPERATORS) + r")(.*)$", text)
        if not match or match.group(1) not in kinds:
            raise UsageError(f"--where '{text}': write COLUMN=VALUE (or !=, <, <=, >, >=) with one of the "
                             f"columns {', '.join(kinds)}.")
        column, op, raw = match.groups()
        kind = kinds[column]
        if raw.strip() == "":
            if op not in ("=", "!="):
                raise UsageError(f"--where '{text}': an empty value can only be compared with = or !=.")
            found.append(Condition(column, op, None))
            continue
        try:
            value = _value(raw, kind)
        except (ValueError, KeyError, InvalidOperation):
            raise UsageError(f"--where '{text}': {column} holds {kind}s; '{raw.strip()}' is not one. "
                             f"Write {_EXPECTED[kind]}.") from None
        if kind == "flag" and op not in ("=", "!="):
            raise UsageError(f"--where '{text}': {column} is true or false; compare it with = or !=.")
        found.append(Condition(column, op, value))
    return found


def order(sort: Iterable[str] | None, columns: Iterable[str]) -> tuple[tuple[str, bool], ...]:
    """``--sort`` specs as (column, descending) pairs: ``col`` ascending, ``-col`` or
    ``col:desc`` descending; several comma-separated or repeated, the first sorts first."""
    there = list(columns)
    pairs = []
    for spec in sort or []:
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            desc = part.startswith("-") or part.lower().endswith(":desc")
            column = part.lstrip("-").removesuffix(":desc").removesuffix(":DESC").removesuffix(":asc")
            if column not in there:
                raise UsageError(f"--sort '{part}': no column {column}; columns: {', '.join(there)}. "
                                 "Write COLUMN (ascending) or -COLUMN (descending).")
            pairs.append((column, desc))
    return tuple(pairs)


def open_reader(path: str | Path, *, command: str = "saleskpi show", waiting=None):
    """A light read-only :class:`~saleskpi.engines.reader.Reader` of the workspace folder
    ``path`` (its settings checked as :meth:`saleskpi.workspace.Workspace.open` checks them),
    for the owner of the folder: nothing is scoped. It shares the workspace lock as any reader
    does (:class:`saleskpi.lock.WorkspaceLock`: waiting while a writer holds it, ``waiting``
    told once), and gives it back when it is closed."""
    from saleskpi.config import SETTINGS_FILE, workspace_settings
    from saleskpi.engines import BackendURL, engine_for
    from saleskpi.lock import WorkspaceLock

    path = Path(path)
    settings = workspace_settings(path)
    url = BackendURL.parse(settings.workspace.backend, base=path, source=str(path / SETTINGS_FILE))
    engine = engine_for(url)
    lock = None
    if not engine.readers_beside_writer:
        lock = WorkspaceLock(path, command=command, exclusive=False, timeout=settings.workspace.busy_timeout,
                             waiting=waiting)
        lock.acquire()
    try:
        reader = engine.open_reader()
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    if lock is not None:
        close = reader.close

        def close_and_release() -> None:
            try:
                close()
            finally:
                lock.release()

        reader.close = close_and_release
    return reader


def plan(reader, name: str, *, where_name: str, run: int | None = None, columns: list[str] | None = None,
         where: list[str] | None = None, sort: list[str] | None = None, stamped: bool = False) -> Plan:
    """The query that shows ``name`` (as :func:`listing` names it): a result's rows from its
    newest finished run or from ``run`` (refused when that run does not exist or did not
    finish), with ``run_id`` and ``as_of`` when ``stamped``; any other table as it is; then
    ``where`` (:func:`conditions`), ``sort`` (:func:`order`) and ``columns``."""
    from saleskpi.results.runs import run_for

    item = _find(listing(reader.tables()), name, where_name)
    kinds = reader.columns(item.table)
    run_cond: tuple[Condition, ...] = ()
    info = None
    shown = list(kinds)
    if item.kind == "result":
        result = result_name(item.table)
        info = run_for(reader, result, run=run, where=where_name)
        # every stored row carries its run, so "run_id is empty" (no finished run) matches none
        run_cond = (Condition("run_id", "=", info.run_id if info else None),)
        title = f"{result} (run {info.run_id}, as of {info.as_of})" if info else f"{result} (no finished run)"
        if not stamped:
            shown = [c for c in kinds if c not in STAMPS]
    else:
        if run is not None:
            raise UsageError(f"--run is for results; {item.ask_as} is an {item.kind} table.")
        title = item.name
    picked = _known(columns, shown, name) if columns else shown
    query = Query(item.table, columns=tuple(picked), where=run_cond + tuple(conditions(where, kinds)),
                  order=order(sort, kinds))
    return Plan(query, title, item.kind, info, {c: kinds[c] for c in picked})


def _plain(value):
    """A value as JSON holds it: exact decimals as numbers, dates as ISO text, NaN as null."""
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def json_rows(columns: list[str], rows: Iterable[tuple]) -> list[dict]:
    """Rows as JSON objects by the rules of :func:`write_json` (the web API's rows)."""
    return [{c: _plain(v) for c, v in zip(columns, row)} for row in rows]


def write_json(columns: list[str], batches: Iterable[list[tuple]], stream: TextIO) -> int:
    """Rows as a JSON array, one row a line, written batch by batch (constant memory): every
    number a number (a money amount of up to 15 digits, as stored to the cent, reads back
    exactly), dates as ISO text. Returns the number of rows."""
    n = 0
    stream.write("[")
    for batch in batches:
        for row in batch:
            stream.write(("\n" if n == 0 else ",\n") + json.dumps(
                {c: _plain(v) for c, v in zip(columns, row)}, ensure_ascii=False, default=str))
            n += 1
    stream.write("\n]\n" if n else "]\n")
    return n


#: A text cell starting with one of these is a formula to Excel and LibreOffice (OWASP, "CSV
#: Injection": = + - @, tab and carriage return); it is written with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """``text`` safe to open in a spreadsheet: a leading ``'`` before a formula start
    (https://owasp.org/www-community/attacks/CSV_Injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value, excel: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralised(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, (Decimal, float, int)):
        text = str(value)
        return text.replace(".", ",") if excel else text
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralised(str(value))


def write_csv(columns: list[str], batches: Iterable[list[tuple]], stream: TextIO, *, excel: bool = False) -> int:
    """Rows as CSV, batch by batch (constant memory): the header, then one line a row; numbers
    with every digit, dates ISO, text cells that would start a formula neutralised
    (:func:`neutralised`). ``excel``: the CSV Excel opens as expected with Bulgarian (and most
    continental) regional settings: a UTF-8 byte order mark, ``;`` between cells and a decimal
    comma. ``stream`` is a text stream opened with ``newline=""``. Returns the number of rows."""
    if excel:
        stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=";" if excel else ",")
    writer.writerow([neutralised(c) for c in columns])
    n = 0
    for batch in batches:
        writer.writerows([_csv_cell(v, excel) for v in row] for row in batch)
        n += len(batch)
    return n
