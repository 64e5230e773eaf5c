"""The ``saleskpi`` command line.

Exit codes: 0 ok, 2 bad usage, 3 bad input data or settings. Messages go to stderr, data to
stdout. Commands only call the library and show stored results.
"""

from __future__ import annotations

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


def main() -> None:
    """Entry point: run the app and turn project errors into messages and exit codes.

    Click handles usage errors itself (exit 2); project errors carry their own exit code.
    """
    try:
        app()
    except SaleskpiError as exc:
        from rich.markup import escape

        # escape: messages quote settings sections like [import], which Rich reads as markup
        err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False)
        sys.exit(exc.exit_code)


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder of the new demo workspace.")] = Path("demo-workspace"),
    customers: Annotated[int, typer.Option("--customers", help="Number of customers.")] = 2000,
    years: Annotated[int, typer.Option("--years", help="Years of invoice history (ending 2026-10-31).")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed builds the same company.")] = 7,
    timings: Annotated[bool, typer.Option("--timings", help="Show how long each step took.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Rebuild over an existing workspace in DIR.")] = False,
) -> None:
    """Build the demo company (a Bulgarian building-materials distributor) and its hidden truth."""
    import shutil
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from saleskpi.demo import STEPS, DemoSpec, build_demo

    DemoSpec(customers=customers, years=years, seed=seed)  # refuse bad options before the bar
    if replace and (directory / "settings.toml").is_file():
        # only a folder that is a saleskpi workspace is ever removed
        shutil.rmtree(directory)
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


@app.command()
def init(
    directory: WorkspaceDir,
    backend: Annotated[Optional[str], typer.Option(help="Backend URL (default: a DuckDB file inside the workspace).")] = None,
    currency: Annotated[str, typer.Option(help="The company currency of every stored amount.")] = "EUR",
) -> None:
    """Create an empty workspace with commented settings and one CSV template per input table."""
    from saleskpi.workspace import TEMPLATES_DIR, Workspace

    with Workspace.init(directory, backend=backend, currency=currency):
        pass
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

    with Workspace.open(directory) as ws:
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
    from saleskpi.errors import UsageError
    from saleskpi.workspace import Workspace

    try:
        as_of_date = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise UsageError(f"--as-of '{as_of}' is not a date; write it as YYYY-MM-DD.") from None
    with Workspace.open(directory) as ws, Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=err, transient=False,
    ) as bar:
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
    name: Annotated[Optional[str], typer.Argument(help="An input table, a result (e.g. abc-matrix), a truth_, meta_ or derived_ table.")] = None,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    limit: Annotated[Optional[int], typer.Option("--limit", help="At most this many rows (default: 50 for table, all for csv/json).")] = None,
    run: Annotated[Optional[int], typer.Option("--run", help="A result from this run (default: the newest).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the tables and results there are.")] = False,
    columns: Annotated[Optional[str], typer.Option("--columns", help="Only these columns, comma-separated.")] = None,
    where: Annotated[Optional[list[str]], typer.Option("--where", help="Only rows where COLUMN=VALUE; repeatable.")] = None,
) -> None:
    """Show any input table or stored result, as a table, CSV or JSON on stdout."""
    from saleskpi import results
    from saleskpi.errors import UsageError
    from saleskpi.derived import DERIVED_PREFIX
    from saleskpi.workspace import Workspace

    with Workspace.open(directory, read_only=True) as ws:
        tables = ws.list_tables()
        if list_ or name is None:
            rows = []
            for t in tables:
                kind = ("result" if t.startswith(results.PREFIX) else "truth" if t.startswith("truth_")
                        else "log" if t.startswith("meta_") else "derived" if t.startswith(DERIVED_PREFIX)
                        else "input")
                shown = results.result_name(t) if kind == "result" else t
                rows.append({"name": shown, "kind": kind, "rows": ws.con.table(t).count().execute()})
            _emit(rows, format, title=f"workspace {directory}")
            return
        title = name
        if results.table_name(name) in tables:
            expr = results.latest(ws.con, name, run_id=run)
            if format is Format.table:
                stamp = expr.select("run_id", "as_of").limit(1).to_pyarrow().to_pylist()
                if stamp:
                    title = f"{name} (run {stamp[0]['run_id']}, as of {stamp[0]['as_of']})"
                expr = expr.drop("run_id", "as_of")
        elif name.replace("-", "_") in tables:
            expr = ws.table(name.replace("-", "_"))
        else:
            raise UsageError(f"Nothing called '{name}' in {directory}. "
                             f"See 'saleskpi show {directory} --list'.")
        for condition in where or []:
            column, sep, value = condition.partition("=")
            if not sep or column not in expr.columns:
                raise UsageError(f"--where '{condition}': write COLUMN=VALUE with one of the columns "
                                 f"{', '.join(expr.columns)}.")
            expr = expr.filter(expr[column].cast("string") == value)
        if columns:
            wanted = [c.strip() for c in columns.split(",") if c.strip()]
            unknown = [c for c in wanted if c not in expr.columns]
            if unknown:
                raise UsageError(f"--columns: no column {', '.join(unknown)} in {name}; "
                                 f"columns: {', '.join(expr.columns)}.")
            expr = expr.select(*wanted)
        if limit is None and format is Format.table:
            limit = 50
        if limit is not None:
            expr = expr.limit(limit)
        _emit(expr.to_pyarrow().to_pylist(), format, title=title)


def _emit(rows: list[dict], format: Format, *, title: str | None = None) -> None:
    """Print rows as a Rich table, CSV or JSON on stdout."""
    if format is Format.json:
        import json

        out.file.write(json.dumps(rows, ensure_ascii=False, default=str, indent=1) + "\n")
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
