"""What the command line prints and asks: the consoles, the output formats, short lists and
result rows as a terminal table, CSV or JSON, and the confirmation before a removal.

Messages go to stderr (``err``), data to stdout (``out``)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
out = Console(highlight=False, soft_wrap=True, markup=False)

WorkspaceDir = Annotated[Path, typer.Argument(help="The workspace folder.")]


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def waiting(message: str) -> None:
    """Told once when a command waits for another one to finish with the workspace."""
    err.print(message, markup=False)


def confirmation(yes: bool, bar):
    """``confirm(statement)`` for a removal: yes with --yes; else asked on a terminal; else
    refused (exit 2) with the statement, nothing removed."""
    from saleskpi.errors import UsageError

    def confirm(statement: str) -> bool:
        if yes:
            err.print(statement, markup=False)
            return True
        if not (sys.stdin.isatty() and err.is_terminal):
            raise UsageError(f"{statement} Nothing was done: add --yes to go ahead (there is no terminal "
                             "to ask on).")
        if bar is not None:
            bar.stop()
        err.print(statement, markup=False)
        answer = typer.confirm("Go ahead?", default=False, err=True)
        if bar is not None:
            bar.start()
        return answer

    return confirm


def emit(rows: list[dict], format: Format, *, title: str | None = None) -> None:
    """Print a short list of rows (the workspace listing, the schema, the runs) as a Rich
    table, CSV or JSON on stdout."""
    columns = list(rows[0]) if rows else []
    if format is Format.table:
        table({c: kind(next((r[c] for r in rows if r[c] is not None), None)) for c in columns},
               [tuple(r.values()) for r in rows], title=title, total=len(rows), empty="The list is empty")
        return
    export(columns, [[tuple(r.values()) for r in rows]], format)


def kind(value) -> str:
    """The kind of column a value of a short list is in (engines.reader.KINDS)."""
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, bool):
        return "flag"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, (float, Decimal)):
        return "number"
    if isinstance(value, dt.datetime):
        return "timestamp"
    return "date" if isinstance(value, dt.date) else "text"


def export(columns: list[str], batches, format: Format, *, excel: bool = False) -> None:
    """Write rows batch by batch as CSV (``excel``: Excel's CSV) or JSON on stdout."""
    import io

    from saleskpi.browse import write_csv, write_json

    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        if format is Format.json:
            write_json(columns, batches, stream)
        else:
            write_csv(columns, batches, stream, excel=excel)
    finally:
        stream.flush()
        stream.detach()


#: Kinds of columns whose cells never wrap (a number or date cut in two misreads).
WHOLE = frozenset({"integer", "number", "flag", "date", "timestamp"})


def table(kinds: dict[str, str], rows: list[tuple], *, title: str | None, total: int, empty: str) -> None:
    """Print rows as a table that fits the terminal, ending with "n of N rows shown".

    Headers and numbers never wrap; long text folds. Columns are taken from the left while
    they fit; the others are named below the table (pick them with --columns). Piped into a
    file or a pager (no terminal, no COLUMNS), a table is up to 160 characters wide."""
    import os

    from rich.table import Table as RichTable

    width = out.width if out.is_terminal or os.environ.get("COLUMNS") else 160
    printer = out if out.is_terminal else Console(highlight=False, markup=False, width=width)
    cells = [[cell(v) for v in row] for row in rows]
    needs = []
    for i, (name, kind) in enumerate(kinds.items()):
        longest = max((len(r[i]) for r in cells), default=0)
        needs.append(max(len(name), longest) if kind in WHOLE else max(len(name), min(longest, 12)))
    used, kept = 1, 0
    for need in needs:
        if kept and used + need + 3 > width:
            break
        used, kept = used + need + 3, kept + 1
    grid = RichTable(title=title, show_lines=False)
    for (name, kind), need in list(zip(kinds.items(), needs))[:kept]:
        grid.add_column(name, min_width=need, no_wrap=kind in WHOLE, overflow="fold",
                        justify="right" if kind in ("integer", "number") else "left")
    for row in cells:
        grid.add_row(*row[:kept])
    printer.print(grid)
    hidden = list(kinds)[kept:]
    if hidden:
        printer.print(f"{kept} of {len(kinds)} columns shown; not shown: {', '.join(hidden)} "
                      "(choose columns with --columns a,b or see every column with --format csv)")
    if total == 0:
        printer.print(f"{empty}: 0 of 0 rows shown")
    else:
        more = " (--limit N shows more, --format csv all)" if len(rows) < total else ""
        printer.print(f"{len(rows):,} of {total:,} rows shown{more}")


def cell(value) -> str:
    """A value as the terminal table shows it: floats rounded for reading, money with its
    cents and thousands separators (CSV and JSON keep every digit)."""
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:
            return ""
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.4g}"
    return str(value)
