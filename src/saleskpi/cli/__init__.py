"""The ``saleskpi`` command line.

Exit codes (docs/workspace.md):

- 0 ok;
- 1 an unexpected error, a bug: one line naming it and asking for a report (the traceback
  only with ``SALESKPI_DEBUG=1``);
- 2 a wrong command line (unknown table, missing workspace, bad option);
- 3 bad input data or settings (the message names file, row, column, value or key, and the fix);
- 4 the workspace is busy: another command writes it (or reads it while this one would write)
  and did not end within ``[workspace] busy_timeout`` seconds.

Messages go to stderr, data to stdout (:mod:`saleskpi.cli.output`); ``saleskpi user`` is in
:mod:`saleskpi.cli.user`. Commands only call the library and show stored results.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from saleskpi import __version__
from saleskpi.cli.output import Format, WorkspaceDir, confirmation, emit, err, export, out, table, waiting
from saleskpi.cli.user import user_app
from saleskpi.errors import SaleskpiError

app = typer.Typer(
    name="saleskpi",
    help="Sales and CRM KPIs: potential, ABC, share of wallet, sales, CLV and more.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain click help: typer's rich help loads rich.markdown and markdown-it, half of `--help`'s
    # 0.4 s (issue 15: under 0.3 s)
    rich_markup_mode=None,
)
app.add_typer(user_app, name="user")


def _version(value: bool) -> None:
    if value:
        out.print(f"saleskpi {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version of saleskpi and exit.")] = False,
) -> None:
    """Sales and CRM KPIs: potential, ABC, share of wallet, sales, CLV and more."""


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
    emit(rows, format, title="saleskpi data contract")


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
    replace_import: Annotated[Optional[int], typer.Option("--replace-import", help="Replace the rows of this earlier import (saleskpi imports DIR lists them).")] = None,
    replace_dates: Annotated[Optional[str], typer.Option("--replace-dates", help="Replace the stored rows dated FROM:TO (e.g. 2024-01-01:2024-03-31, both included).")] = None,
    replace_invoices: Annotated[bool, typer.Option("--replace-invoices", help="Replace the stored lines of the invoices in the file (other tables: the rows whose keys are in the file).")] = False,
    replace_all: Annotated[bool, typer.Option("--replace-all", help="Replace every stored row of the table.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Remove what a --replace-... option removes without asking.")] = False,
    keep_duplicates: Annotated[bool, typer.Option("--keep-duplicates", help="Load exact duplicate lines: they are real (each gets its own line_no).")] = False,
) -> None:
    """Load a file into an input table: every problem is reported; the whole file or nothing.

    A --replace-... option first removes stored rows, in the same transaction: it says what it
    removes and asks (or needs --yes); 'saleskpi imports DIR --undo' puts them back."""
    from saleskpi.data.importer import STEPS, Replace, import_file
    from saleskpi.errors import UsageError
    from saleskpi.workspace import Workspace

    scopes = [Replace("import", import_id=replace_import) if replace_import is not None else None,
              Replace.dates(replace_dates) if replace_dates is not None else None,
              Replace("file") if replace_invoices else None, Replace("all") if replace_all else None]
    scopes = [s for s in scopes if s is not None]
    if len(scopes) > 1:
        raise UsageError("Give only one of --replace-import, --replace-dates, --replace-invoices or --replace-all.")
    with Workspace.open(directory, command="saleskpi import", waiting=waiting) as ws, _steps(f"importing {file.name}", len(STEPS)) as (bar, progress):
        report = import_file(ws, table, file, mapping=mapping, create_missing=create_missing, sheet=sheet,
                             encoding=encoding.value, delimiter=delimiter, replace=scopes[0] if scopes else None,
                             confirm=confirmation(yes, bar), keep_duplicates=keep_duplicates, progress=progress)
    err.print(report.summary(), markup=False)


@app.command()
def imports(
    directory: WorkspaceDir,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    undo: Annotated[bool, typer.Option("--undo", help="Undo the last import: delete its rows, put back what it replaced.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Undo without asking.")] = False,
) -> None:
    """The import log: every import with its file, rows, dates covered, who and when, and what
    it replaced; --undo takes the last one back."""
    from saleskpi.data.importer import imports as import_log
    from saleskpi.data.importer import undo_last
    from saleskpi.workspace import Workspace

    if undo:
        with Workspace.open(directory, command="saleskpi imports --undo", waiting=waiting) as ws:
            done = undo_last(ws.con, confirm=confirmation(yes, None))
        err.print(f"Import {done.import_id} undone: {done.rows_deleted:,} row(s) of {done.table} deleted"
                  + (f", {done.rows_restored:,} put back" if done.rows_restored else "") + ".")
        return
    with Workspace.open(directory, read_only=True, command="saleskpi imports", waiting=waiting) as ws:
        rows = [{"import": r["import_id"], "table": r["table_name"], "file": r["file"], "rows": r["rows_loaded"],
                 "skipped": r["rows_skipped"], "from": r["date_from"], "to": r["date_to"], "user": r["user_name"],
                 "when": r["loaded_at"] and r["loaded_at"].replace(microsecond=0), "mode": r["mode"],
                 "removed": r["rows_removed"], "replaced": r["replaced"], "of imports": r["replaced_imports"],
                 "undone": r["undone_at"] and r["undone_at"].replace(microsecond=0)} for r in import_log(ws.con)]
    emit(rows, format, title=f"imports into {directory}")


def _steps(description: str, total: int):
    """A progress bar on stderr, shown only on a terminal: (the bar, ``progress(step, done, total)``)."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    @contextmanager
    def shown():
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task(description, total=total)

            def progress(step: str, done: int, steps: int) -> None:
                bar.update(task, description=f"{description}: {step}", completed=done, total=steps)

            yield bar, progress

    return shown()


@app.command()
def compute(
    directory: WorkspaceDir,
    only: Annotated[Optional[list[str]], typer.Option("--only", metavar="ANALYSIS", help="Run only this analysis (and what it needs); repeatable.")] = None,
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
    with Workspace.open(directory, command="saleskpi compute", waiting=waiting) as ws:
        require_sales(ws)
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=err, transient=False) as bar:
            task = bar.add_task("computing", total=None)

            def progress(name: str, done: int, total: int) -> None:
                bar.update(task, description=f"computing {name}", completed=done, total=total)

            report = run_compute(ws, only=only, as_of=as_of_date, progress=progress)
    from saleskpi.data.schema import TABLES

    err.print(f"Run {report.run_id} (as of {report.as_of}) stored {len(report.stored)} result(s):")
    for name, rows in report.stored.items():
        asked = f"result:{name}" if name in TABLES else name  # sales, potential: an input table too
        err.print(f"  {name}: {rows:,} rows   (saleskpi show {directory} {asked})")
    for warning in report.warnings:
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)


@app.command()
def show(
    directory: WorkspaceDir,
    name: Annotated[Optional[str], typer.Argument(help="An input table, a result (e.g. abc-matrix), a truth_, meta_ or derived_ table; KIND:NAME (input:sales, result:sales) where two kinds share a name.")] = None,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    limit: Annotated[Optional[int], typer.Option("--limit", min=0, metavar="N", help="At most this many rows (default: 50 for table, all for csv/json).")] = None,
    run: Annotated[Optional[int], typer.Option("--run", help="A result from this run (default: the newest finished one; saleskpi runs lists them).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the tables and results there are.")] = False,
    columns: Annotated[Optional[str], typer.Option("--columns", help="Only these columns, comma-separated, in this order.")] = None,
    where: Annotated[Optional[list[str]], typer.Option("--where", metavar="COLUMN=VALUE", help="Only rows where COLUMN=VALUE (or !=, <, <=, >, >=: share_of_wallet_by_value<0.2); repeatable, all must hold.")] = None,
    sort: Annotated[Optional[list[str]], typer.Option("--sort", metavar="COLUMN", help="Order by COLUMN, or -COLUMN (COLUMN:desc) for descending; comma-separated or repeatable.")] = None,
    excel_csv: Annotated[bool, typer.Option("--excel-csv", help="CSV for Excel with Bulgarian (continental) settings: UTF-8 with BOM, ';' and a decimal comma.")] = False,
) -> None:
    """Show any input table or stored result, as a table, CSV or JSON on stdout.

    Where a result and an input table share a name (sales, potential), name the one you
    want as result:NAME or input:NAME (KIND:NAME with the kind --list gives)."""
    from dataclasses import replace

    from saleskpi import browse
    from saleskpi.engines.reader import Query

    if excel_csv:
        format = Format.csv
    with browse.open_reader(directory, waiting=waiting) as reader:
        if list_ or name is None:
            rows = [{"name": i.name, "kind": i.kind, "rows": reader.count(Query(i.table))}
                    for i in browse.listing(reader.tables())]
            emit(rows, format, title=f"workspace {directory}")
            return
        # CSV and JSON rows carry the run and as-of date they come from; the table says it in its title
        plan = browse.plan(reader, name, where_name=str(directory), run=run, where=where, sort=sort,
                           columns=[c.strip() for c in columns.split(",") if c.strip()] if columns else None,
                           stamped=format is not Format.table)
        if format is Format.table:
            total = reader.count(plan.query)
            shown = reader.rows(replace(plan.query, limit=50 if limit is None else limit))
            table(plan.columns, shown, title=plan.title, total=total,
                   empty="No row matches --where" if where else f"{plan.title} is empty")
            return
        export(list(plan.columns), reader.batches(replace(plan.query, limit=limit)), format, excel=excel_csv)


@app.command()
def runs(
    directory: WorkspaceDir,
    keep: Annotated[Optional[int], typer.Option("--keep", min=1, metavar="N", help="Delete every run older than the newest N finished runs.")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Delete without asking (needed when not on a terminal).")] = False,
    format: Annotated[Format, typer.Option("--format", help="Output format of the list.")] = Format.table,
) -> None:
    """List the runs of a workspace (id, started, finished, as of, analyses, rows stored), or
    delete the older ones with --keep N."""
    from saleskpi import browse, results

    with browse.open_reader(directory, waiting=waiting) as reader:
        lines = results.run_list(reader)
    if keep is None:
        emit([{"run_id": r.run_id, "started": r.started_at, "finished": r.finished_at, "as_of": r.as_of,
                "analyses": r.analyses, "rows": r.rows} for r in lines], format, title=f"runs of {directory}")
        return
    doomed = results.older_runs(lines, keep)
    from dataclasses import replace

    by_age = {r.run_id for r in results.older_runs([replace(r, newest_of=()) for r in lines], keep)}
    spared = [r for r in lines if r.newest_of and r.run_id in by_age]
    for r in spared:
        err.print(f"Run {r.run_id} is kept: it holds the newest rows of {', '.join(r.newest_of)} "
                  "(a later run did not compute them).")
    if not doomed:
        finished = sum(r.finished_at is not None for r in lines)
        err.print(f"Nothing to delete: {directory} has {finished} finished run(s), --keep {keep}.")
        return
    ids = ", ".join(str(r.run_id) for r in doomed)
    what = (f"run(s) {ids} ({sum(r.rows for r in doomed):,} result rows) from {directory}, "
            f"keeping the newest {keep} finished run(s)")
    if not yes:
        if not sys.stdin.isatty():
            from saleskpi.errors import UsageError

            raise UsageError(f"saleskpi runs --keep {keep} would delete {what}; add --yes to delete without asking.")
        typer.confirm(f"Delete {what}?", abort=True, err=True)
    from saleskpi.engines import engine_of
    from saleskpi.workspace import Workspace

    with Workspace.open(directory, command="saleskpi runs --keep", waiting=waiting) as ws:
        deleted = results.delete_runs(ws.con, [r.run_id for r in doomed])
        sizes = engine_of(ws.con).reclaim_space(ws.con)
    err.print(f"Deleted run(s) {ids}: {deleted:,} result rows.")
    if sizes is not None:
        before, after = sizes
        err.print(f"The database file went from {before / 1e6:,.1f} MB to {after / 1e6:,.1f} MB "
                  f"({(before - after) / 1e6:,.1f} MB given back; the rest of the freed space is reused by the next runs).")


@app.command()
def serve(
    directory: WorkspaceDir,
    host: Annotated[str, typer.Option("--host", help="The address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, metavar="PORT", help="The port to listen on.")] = 8000,
    dev: Annotated[bool, typer.Option("--dev", help="Development: accept a weak secret (never on a shared machine).")] = False,
    proxy: Annotated[Optional[list[str]], typer.Option("--proxy", metavar="ADDRESS", help=(
        "The address of a reverse proxy in front of the dashboard (repeatable): only its X-Forwarded-For "
        "is believed for the client address that logins are throttled and audited by; by default none is."))] = None,
) -> None:
    """Serve the web dashboard of a workspace (log in with a user of 'saleskpi user add')."""
    import uvicorn

    from saleskpi.web import create_app

    web = create_app(directory, dev=dev)
    err.print(f"Serving {directory} on http://{host}:{port}/ (Ctrl+C stops).", markup=False)
    # uvicorn believes X-Forwarded-For from 127.0.0.1 by default: any local process could then pose as
    # any client and dodge the per-address login throttle. Only the proxies named are believed.
    uvicorn.run(web, host=host, port=port, log_level="warning", server_header=False,
                proxy_headers=bool(proxy), forwarded_allow_ips=",".join(proxy) if proxy else "")
class Lang(str, Enum):
    en = "en"
    bg = "bg"


@app.command()
def report(
    directory: WorkspaceDir,
    xlsx: Annotated[Path, typer.Option("--xlsx", help="Write the Excel report to this .xlsx file.")],
    user: Annotated[Optional[str], typer.Option("--user", help="Only what this user may see (a login of saleskpi user add); default: the whole company.")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the headers, comments and summary.")] = Lang.en,
) -> None:
    """Write the stored results as one Excel workbook: a summary sheet, a sheet per result a
    manager opens, the Pareto curve and the bridge as charts (docs/report.md)."""
    from saleskpi.report import write_xlsx
    from saleskpi.workspace import Workspace

    scope = None
    if user is not None:
        from saleskpi.users import get_user  # the workspace's users (saleskpi user add)

        scope = get_user(directory, user).scope
    with Workspace.open(directory, read_only=True, command="saleskpi report", waiting=waiting) as ws:
        written = write_xlsx(ws, xlsx, scope=scope, lang=lang.value, user=user)
    if user is not None:  # an export of customer (and perhaps pay) data, in the audit log as the web's are
        from saleskpi.users import audit

        audit(directory, user, "export", f"report --xlsx {xlsx.name}: {sum(written.rows.values()):,} rows")
    err.print(f"Wrote {xlsx}: {len(written.rows)} result sheet(s), {sum(written.rows.values()):,} rows"
              + (f", charts: {', '.join(written.charts)}" if written.charts else "")
              + (f"; not computed yet: {', '.join(written.not_stored)}" if written.not_stored else "") + ".")
