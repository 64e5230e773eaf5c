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

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

WorkspaceDir = Annotated[Path, typer.Argument(help="The workspace folder.")]


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def main() -> None:
    """Entry point: run the app and turn project errors into messages and exit codes."""
    try:
        app(standalone_mode=False)
    except SaleskpiError as exc:
        err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show(file=sys.stderr)
            sys.exit(exc.exit_code)
        raise
    sys.exit(0)


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
    for name in (rows[0] if rows else {}):
        grid.add_column(name, overflow="fold")
    for row in rows:
        grid.add_row(*["" if v is None else str(v) for v in row.values()])
    out.print(grid)
