"""The ``saleskpi`` command line.

Exit codes (docs/workspace.md):

- 0 ok;
- 1 an unexpected error, a bug: one line naming it and asking for a report (the traceback
  only with ``SALESKPI_DEBUG=1``);
- 2 a wrong command line (unknown table, missing workspace, bad option);
- 3 bad input data or settings (the message names file, row, column, value or key, and the fix);
- 4 the workspace is busy: another command writes it (or reads it while this one would write)
  and did not end within ``[workspace] busy_timeout`` seconds.

Messages go to stderr, data to stdout. Commands only call the library and show stored results.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table as RichTable

from saleskpi.errors import SaleskpiError

app = typer.Typer(
    name="saleskpi",
    help="Sales and CRM KPIs: potential, ABC, share of wallet, sales, CLV and more.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
out = Console(highlight=False, soft_wrap=True, markup=False)

WorkspaceDir = Annotated[Path, typer.Argument(help="The workspace folder.")]


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


#: Set to 1 to see the traceback of an unexpected error.
DEBUG_ENV = "SALESKPI_DEBUG"


def main() -> None:
    """Entry point: run the app and turn errors into one message and an exit code.

    Click handles usage errors itself (exit 2); project errors carry their own exit code; an
    engine driver's error that means something to a user (the database held by another
    program, memory ran out) becomes that project error; anything else is a bug: one line
    and exit code 1 (the traceback with ``SALESKPI_DEBUG=1``)."""
    from saleskpi.errors import UsageError

    try:
        app()
    except SaleskpiError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _fail(UsageError("interrupted; nothing was stored by the command that was stopped."), code=130)
    except Exception as exc:  # noqa: BLE001 -- the one place that turns a bug into a message
        from saleskpi.engines import user_error

        known = user_error(exc)
        if known is not None:
            _fail(known)
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        _fail(SaleskpiError(f"unexpected {type(exc).__name__}: {first} -- this is a bug in saleskpi; please "
                            f"report it with the command you ran (run it again with {DEBUG_ENV}=1 for the details)."))


def _fail(exc: SaleskpiError, *, code: int | None = None) -> None:
    from rich.markup import escape

    # escape: messages quote settings sections like [import], which Rich reads as markup
    err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False)
    sys.exit(exc.exit_code if code is None else code)


def _waiting(message: str) -> None:
    """Told once when a command waits for another one to finish with the workspace."""
    err.print(message, markup=False)


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder of the new demo workspace.")] = Path("demo-workspace"),
    customers: Annotated[int, typer.Option("--customers", help="Number of customers.")] = 2000,
    years: Annotated[int, typer.Option("--years", help="Years of invoice history (ending 2026-10-31).")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed builds the same company.")] = 7,
    timings: Annotated[bool, typer.Option("--timings", help="Show how long each step took.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Rebuild over an existing workspace in DIR (removes only what saleskpi made there).")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="With --replace: also remove a workspace holding imported files, without asking.")] = False,
) -> None:
    """Build the demo company (a Bulgarian building-materials distributor) and its hidden truth.

    --replace removes a demo workspace in DIR first, and a workspace holding files you
    imported only after you confirm (or with --yes); files of your own in DIR are never removed."""
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from saleskpi.demo import STEPS, DemoSpec, build_demo

    DemoSpec(customers=customers, years=years, seed=seed)  # refuse bad options before the bar
    if replace and (directory / "settings.toml").is_file():
        _clear_for_demo(directory, yes=yes)
    started = time.perf_counter()
    spent: dict[str, float] = {}
    current: list = [None, started]
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err, transient=False) as bar:
        task = bar.add_task("demo", total=len(STEPS))

        def progress(step: str) -> None:
            now = time.perf_counter()
            if current[0] is not None:
                spent[current[0]] = now - current[1]
                bar.advance(task)
            current[0], current[1] = step, now
            bar.update(task, description=f"demo: {step}")

        with build_demo(directory, customers=customers, years=years, seed=seed, progress=progress) as ws:
            progress("done")
            sales = ws.con.table("sales").count().execute()
    if timings:
        for step, seconds in spent.items():
            err.print(f"  {step:<28} {seconds:7.2f} s")
    err.print(f"Demo workspace built in {time.perf_counter() - started:.1f} s: {directory} "
              f"({customers:,} customers, {sales:,} invoice lines, {years} years, seed {seed}). "
              f"Next: saleskpi compute {directory}")


def _clear_for_demo(directory: Path, *, yes: bool) -> None:
    """Remove the saleskpi workspace in ``directory`` for ``demo --replace``: at once when it
    holds no imported files of the user, after confirmation (or --yes) when it does."""
    from saleskpi.demo.build import remove_workspace, user_imports
    from saleskpi.errors import UsageError

    imported = user_imports(directory)
    if imported and not yes:
        listed = ", ".join(imported[:3]) + (f" and {len(imported) - 3} more" if len(imported) > 3 else "")
        question = f"{directory} holds {len(imported)} imported file(s) ({listed}); remove the workspace?"
        if not (sys.stdin.isatty() and typer.confirm(question, err=True)):
            raise UsageError(f"{directory} holds {len(imported)} imported file(s) ({listed}); nothing was removed. "
                             "Run again with --yes to replace it by the demo, or choose another folder.")
    kept = remove_workspace(directory)
    if kept:
        err.print(f"Kept in {directory} (not made by saleskpi): {', '.join(p.name for p in kept)}", markup=False)


@app.command()
def init(
    directory: WorkspaceDir,
    backend: Annotated[Optional[str], typer.Option(help="Backend URL (default: a DuckDB file inside the workspace).")] = None,
    currency: Annotated[str, typer.Option(help="The company currency of every stored amount.")] = "EUR",
) -> None:
    """Create an empty workspace with commented settings and one CSV template per input table."""
    from saleskpi.workspace import TEMPLATES_DIR, Workspace

    with Workspace.init(directory, backend=backend, currency=currency, command="saleskpi init") as ws:
        if ws.backend.password:
            err.print("warning: the backend URL holds a password, now stored in settings.toml (readable by you "
                      "only). Keep it out of the file: set PGPASSWORD or write it in ~/.pgpass (docs/backends.md).",
                      markup=False)
    err.print(f"Workspace created in {directory}. Settings: {directory / 'settings.toml'}; "
              f"CSV templates: {directory / TEMPLATES_DIR}/")


@app.command()
def schema(
    table: Annotated[Optional[str], typer.Argument(help="One input table (default: all).")] = None,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """Show the data contract: every input table, its columns, types, rules and aliases."""
    from saleskpi.data.schema import TABLES
    from saleskpi.data.schema import table as find_table

    tables = [find_table(table)] if table else list(TABLES.values())
    rows = []
    for tbl in tables:
        for col in tbl.columns:
            rows.append({
                "table": tbl.name,
                "column": col.name,
                "type": col.type,
                "required": "yes" if col.required else "",
                "key": "yes" if col.name in tbl.key else "",
                "expected": col.expected(),
                "aliases": ", ".join(col.aliases),
                "description": col.description,
            })
        for prefix in tbl.extra_prefixes:
            rows.append({"table": tbl.name, "column": f"{prefix}*", "type": "number", "required": "",
                         "key": "", "expected": "any number of extra numeric columns", "aliases": "",
                         "description": f"Free columns named {prefix}<name>."})
    _emit(rows, format, title="saleskpi data contract")


class Encoding(str, Enum):
    auto = "auto"
    utf8 = "utf-8"
    cp1251 = "cp1251"
    latin1 = "latin-1"


@app.command("import")
def import_(
    directory: WorkspaceDir,
    table: Annotated[str, typer.Argument(help="The input table to load (saleskpi schema lists them).")],
    file: Annotated[Path, typer.Argument(help="A CSV, Excel (.xlsx) or Parquet file.")],
    mapping: Annotated[Optional[Path], typer.Option("--mapping", help="A mapping file (TOML) for a foreign export; see docs/import.md.")] = None,
    create_missing: Annotated[bool, typer.Option("--create-missing", help="Create unknown customers, products... with their id as name.")] = False,
    sheet: Annotated[Optional[str], typer.Option("--sheet", help="Excel sheet (default: the first).")] = None,
    encoding: Annotated[Encoding, typer.Option("--encoding", help="Text encoding of a CSV file.")] = Encoding.auto,
    delimiter: Annotated[Optional[str], typer.Option("--delimiter", help="CSV delimiter: ; , tab or | (default: detected).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace the table's rows instead of adding to them.")] = False,
) -> None:
    """Load a file into an input table: every problem is reported; the whole file or nothing."""
    from saleskpi.data.importer import import_file
    from saleskpi.workspace import Workspace

    with Workspace.open(directory, command="saleskpi import", waiting=_waiting) as ws:
        report = import_file(ws, table, file, mapping=mapping, create_missing=create_missing, sheet=sheet,
                             encoding=encoding.value, delimiter=delimiter,
                             mode="replace" if replace else "append")
    err.print(report.summary(), markup=False)


@app.command()
def compute(
    directory: WorkspaceDir,
    only: Annotated[Optional[list[str]], typer.Option("--only", help="Run only this analysis (and what it needs); repeatable.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Treat this date (YYYY-MM-DD) as today.")] = None,
) -> None:
    """Run every analysis that exists and store the results as one run."""
    import datetime as dt

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from saleskpi.compute import compute as run_compute
    from saleskpi.compute import require_sales
    from saleskpi.errors import UsageError
    from saleskpi.workspace import Workspace

    try:
        as_of_date = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise UsageError(f"--as-of '{as_of}' is not a date; write it as YYYY-MM-DD.") from None
    with Workspace.open(directory, command="saleskpi compute", waiting=_waiting) as ws:
        require_sales(ws)
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=err, transient=False) as bar:
            task = bar.add_task("computing", total=None)

            def progress(name: str, done: int, total: int) -> None:
                bar.update(task, description=f"computing {name}", completed=done, total=total)

            report = run_compute(ws, only=only, as_of=as_of_date, progress=progress)
    err.print(f"Run {report.run_id} (as of {report.as_of}) stored {len(report.stored)} result(s):")
    for name, rows in report.stored.items():
        err.print(f"  {name}: {rows:,} rows   (saleskpi show {directory} {name})")
    for warning in report.warnings:
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)


@app.command()
def show(
    directory: WorkspaceDir,
    name: Annotated[Optional[str], typer.Argument(help="An input table, a result (e.g. abc-matrix), a truth_, meta_ or derived_ table; KIND:NAME (input:sales, result:sales) where two kinds share a name.")] = None,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    limit: Annotated[Optional[int], typer.Option("--limit", help="At most this many rows (default: 50 for table, all for csv/json).")] = None,
    run: Annotated[Optional[int], typer.Option("--run", help="A result from this run (default: the newest).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the tables and results there are.")] = False,
    columns: Annotated[Optional[str], typer.Option("--columns", help="Only these columns, comma-separated.")] = None,
    where: Annotated[Optional[list[str]], typer.Option("--where", help="Only rows where COLUMN=VALUE; repeatable.")] = None,
) -> None:
    """Show any input table or stored result, as a table, CSV or JSON on stdout.

    Where a result and an input table share a name (sales, potential), name the one you
    want as result:NAME or input:NAME (KIND:NAME with the kind --list gives)."""
    from saleskpi import browse
    from saleskpi.workspace import Workspace

    with Workspace.open(directory, read_only=True, command="saleskpi show", waiting=_waiting) as ws:
        if list_ or name is None:
            rows = [{"name": i.name, "kind": i.kind, "rows": ws.con.table(i.table).count().execute()}
                    for i in browse.listing(ws.list_tables())]
            _emit(rows, format, title=f"workspace {directory}")
            return
        # CSV and JSON rows carry the run and as-of date they come from; the table says it in its title
        shown = browse.open_item(ws, name, run=run, stamped=format is not Format.table)
        wanted = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
        expr = browse.select(shown.expr, columns=wanted, where=where, name=name)
        if limit is None and format is Format.table:
            limit = 50
        if limit is not None:
            expr = expr.limit(limit)
        _emit(expr.to_pyarrow().to_pylist(), format, title=shown.title)


def _emit(rows: list[dict], format: Format, *, title: str | None = None) -> None:
    """Print rows as a Rich table, CSV or JSON on stdout."""
    if format is Format.json:
        from saleskpi.browse import json_rows

        out.file.write(json_rows(rows) + "\n")
        return
    if format is Format.csv:
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
        return
    grid = RichTable(title=title, show_lines=False)
    # piped into a file or a pager, a table keeps its rows on one line each
    printer = out if out.is_terminal else Console(highlight=False, markup=False, width=max(160, out.width))
    for name in (rows[0] if rows else {}):
        grid.add_column(name, overflow="fold")
    for row in rows:
        grid.add_row(*[_cell(v) for v in row.values()])
    printer.print(grid)


def _cell(value) -> str:
    """A value as the terminal table shows it: floats rounded for reading (CSV and JSON keep
    every digit)."""
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
