"""Build a demo workspace: generate the company, load it through the importer, store the truth.

Every input table goes through :func:`saleskpi.data.importer.load_arrow`, the same checks as a
user's file, so a demo that loads is also a test that the generator keeps the data contract.
The ``truth_*`` tables are not input tables; they are written with the Ibis connection.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyarrow as pa

from saleskpi.config import SETTINGS_FILE
from saleskpi.data.schema import TABLES
from saleskpi.demo.generator import INPUT_TABLES, TRUTH_TABLES, DemoSpec, generate
from saleskpi.errors import ConfigError, UsageError
from saleskpi.lock import CACHE_DIR, LOCK_FILE, TEMP_DIR, write_private
from saleskpi.workspace import TEMPLATES_DIR, Workspace

#: The file that marks a workspace as built by ``saleskpi demo`` (its imports are the demo's own).
DEMO_MARKER = ".saleskpi-demo"

#: Steps reported to ``progress``, in order (one per table, then the end).
STEPS: tuple[str, ...] = ("workspace",) + INPUT_TABLES + TRUTH_TABLES

WORKSPACE_NAME = "Строймат (demo company)"


def write_example_plan(folder: Path) -> Path:
    """The example incentive plan in the workspace's plans folder (docs/incentives.md), so the
    demo company's statements have rows."""
    from saleskpi.analyses.incentives import EXAMPLE_PLAN, PLANS_DIR
    from saleskpi.analyses.incentives.whatif import EXAMPLE_PROPOSED_PLAN, PROPOSED_DIR

    target = Path(folder) / PLANS_DIR / "field-sales.toml"
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(EXAMPLE_PLAN.read_bytes())
    proposed = target.parent / PROPOSED_DIR / "field-sales.toml"  # replayed by plan-whatif
    proposed.parent.mkdir(exist_ok=True)
    proposed.write_bytes(EXAMPLE_PROPOSED_PLAN.read_bytes())
    return target


def write_example_goals(folder: Path) -> Path:
    """The example loyalty programme goals as the workspace's loyalty.toml (docs/loyalty.md), so
    the demo company's loyalty KPIs stand against targets."""
    from saleskpi.analyses.loyalty import EXAMPLE_GOALS, GOALS_FILE

    target = Path(folder) / GOALS_FILE
    target.write_bytes(EXAMPLE_GOALS.read_bytes())
    return target


def write_example_segments(folder: Path) -> Path:
    """The example segment definitions as the workspace's segments.toml (docs/segments.md), so the
    demo company's segments have strategies and owners."""
    from saleskpi.analyses.segments import EXAMPLE_SEGMENTS, SEGMENTS_FILE

    target = Path(folder) / SEGMENTS_FILE
    target.write_bytes(EXAMPLE_SEGMENTS.read_bytes())
    return target


def write_example_competencies(folder: Path) -> Path:
    """The example competency model as the workspace's ``competencies.toml`` (docs/competencies.md),
    so the demo company's competency results have rows."""
    from saleskpi.analyses.competencies import EXAMPLE_MODEL, MODEL_FILE

    target = Path(folder) / MODEL_FILE
    target.write_bytes(EXAMPLE_MODEL.read_bytes())
    return target


def build_demo(path: str | Path, *, customers: int = 2000, years: int = 5, seed: int = 7,
               end: dt.date = dt.date(2026, 10, 31), gaming: bool = False,
               progress: Callable[[str], None] | None = None) -> Workspace:
    """Create a workspace at ``path`` holding the demo company and its hidden truth.

    ``customers``, ``years``, ``seed``, ``end`` and ``gaming`` fix the company (see
    :class:`saleskpi.demo.generator.DemoSpec`); the same values always give the same tables.
    ``progress``, if given, is called with the name of each step (``STEPS``) as it starts.
    Returns the opened :class:`~saleskpi.workspace.Workspace` (the caller closes it).
    Raises :class:`~saleskpi.errors.UsageError` if ``path`` is already a workspace or a
    parameter is out of range, and :class:`~saleskpi.errors.InputDataError` if the importer
    refuses a generated table (a bug in the generator).
    """
    spec = DemoSpec(customers=customers, years=years, seed=seed, end=end, gaming=gaming)
    report = progress or (lambda step: None)
    report("workspace")
    ws = Workspace.init(path, name=WORKSPACE_NAME, command="saleskpi demo")
    try:
        ws = _allow_future_dates(ws, spec.end)
        ws = _demo_cost_to_serve(ws)
        load_company(ws, spec, progress=report)
        write_example_plan(ws.path)
        write_example_goals(ws.path)
        write_example_segments(ws.path)
        write_example_competencies(ws.path)
        (ws.path / DEMO_MARKER).unlink(missing_ok=True)
        write_private(ws.path / DEMO_MARKER, json.dumps({"customers": customers, "years": years, "seed": seed}) + "\n")
    except BaseException:
        ws.close()
        raise
    return ws


def user_imports(path: Path) -> list[str]:
    """The files a user imported into the workspace at ``path`` (a demo workspace's own loads,
    ``demo:...``, excluded). Raises UsageError when ``path`` holds a
    ``settings.toml`` that is not a saleskpi workspace's, or data that does not live in it."""
    try:
        text = (path / SETTINGS_FILE).read_text(encoding="utf-8", errors="replace")
        if not any(line.strip() == "[workspace]" for line in text.splitlines()):
            # every settings.toml saleskpi writes has its [workspace] section; an empty one is someone else's
            raise ConfigError(f"{path / SETTINGS_FILE} has no [workspace] section")
        ws = Workspace.open(path, read_only=True, command="saleskpi demo --replace")
        backend = ws.backend
    except ConfigError as exc:
        raise UsageError(f"{path} is not a saleskpi workspace that 'demo --replace' may remove: its "
                         f"{SETTINGS_FILE} is not saleskpi's ({str(exc).splitlines()[0]}). Nothing was removed; "
                         "choose another folder for the demo.") from None
    if backend.kind != "duckdb" or backend.path is None or path.resolve() not in backend.path.resolve().parents:
        raise UsageError(f"{path}: its data lives outside the folder ({backend.url}); 'demo --replace' removes "
                         "only a workspace whose DuckDB file is inside it. Nothing was removed; choose another folder.")
    if not backend.path.exists():
        return []
    with ws:
        log = ws.table("meta_imports").select("file").to_pyarrow().column(0).to_pylist()
    # a demo workspace: it carries the marker, or (built before the marker existed) the demo's name
    demo = (path / DEMO_MARKER).is_file() or ws.settings.workspace.name == WORKSPACE_NAME
    return [f for f in log if not (demo and str(f).startswith("demo:"))]


def _remove_unchanged_examples(path: Path) -> None:
    """The example definitions the demo wrote (plan, competency model, loyalty goals, segments),
    where they are still as written (an edited one is the user's and stays), and the plans folder
    if that leaves it empty."""
    from saleskpi.analyses.competencies import EXAMPLE_MODEL, MODEL_FILE
    from saleskpi.analyses.incentives import EXAMPLE_PLAN, PLANS_DIR
    from saleskpi.analyses.loyalty import EXAMPLE_GOALS, GOALS_FILE
    from saleskpi.analyses.incentives.whatif import EXAMPLE_PROPOSED_PLAN, PROPOSED_DIR
    from saleskpi.analyses.segments import EXAMPLE_SEGMENTS, SEGMENTS_FILE

    plans = path / PLANS_DIR
    for target, example in ((plans / PROPOSED_DIR / "field-sales.toml", EXAMPLE_PROPOSED_PLAN),
                            (plans / "field-sales.toml", EXAMPLE_PLAN), (path / MODEL_FILE, EXAMPLE_MODEL),
                            (path / GOALS_FILE, EXAMPLE_GOALS), (path / SEGMENTS_FILE, EXAMPLE_SEGMENTS)):
        if target.is_file() and not target.is_symlink() and target.read_bytes() == example.read_bytes():
            target.unlink()
    for folder in (plans / PROPOSED_DIR, plans):
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()


def remove_workspace(path: Path) -> list[Path]:
    """Remove what saleskpi created in the workspace folder ``path`` -- settings, database,
    lock, temporary and cache folders, demo marker, the templates and the demo's example definitions still as
    written (a file the user changed stays) -- and nothing else. Returns what stays
    in the folder."""
    backend = Workspace.open(path, read_only=True).backend
    assert backend.path is not None
    ours = [path / SETTINGS_FILE, backend.path, backend.path.with_name(backend.path.name + ".wal"),
            path / LOCK_FILE, path / DEMO_MARKER]
    for target in ours:
        if target.is_file() or target.is_symlink():
            target.unlink()
    for folder in (TEMP_DIR, CACHE_DIR):
        shutil.rmtree(path / folder, ignore_errors=True)
    _remove_unchanged_examples(path)
    templates = path / TEMPLATES_DIR
    if templates.is_dir() and not templates.is_symlink():
        for tbl in TABLES.values():
            template = templates / f"{tbl.name}.csv"
            if template.is_file() and not template.is_symlink() and \
                    template.read_text(encoding="utf-8", errors="replace").strip() == ",".join(tbl.column_names):
                template.unlink()
        if not any(templates.iterdir()):
            templates.rmdir()
    return sorted(path.iterdir())


def load_company(ws: Workspace, spec: DemoSpec, *, tables: Iterable[str] | None = None,
                 progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Stream the generated company (every table, or ``tables``) into the open workspace ``ws``:
    input tables through the importer (a table generated in chunks in one load), truth tables
    as they are. Returns the rows loaded per input table."""
    from saleskpi.data.importer import load_arrow

    report = progress or (lambda step: None)
    rows: dict[str, int] = {}
    stream = _Peekable(generate(spec, tables=tables))
    for name, first in stream:
        report(name)
        if name.startswith("truth_"):
            ws.con.create_table(name, first, overwrite=True)
            continue
        if stream.peek_name() == name:  # chunked table: stream it in one load
            chunks = _chunks(first, name, stream)
            data = pa.RecordBatchReader.from_batches(first.schema, chunks)
        else:
            data = first
        rows[name] = load_arrow(ws, name, data, source=f"demo:{name} (seed {spec.seed})").rows_loaded
    return rows


def _demo_cost_to_serve(ws: Workspace) -> Workspace:
    """The demo company's cost to serve (docs/segments.md): 12 per order and 1.5 per invoice line,
    the settings template's examples switched on, so segment-profit has profits."""
    settings = ws.path / SETTINGS_FILE
    text = settings.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^# (cost_per_order = 12\.0|cost_per_line = 1\.5)$", r"\1", text)
    settings.write_text(text, encoding="utf-8")
    ws.close()
    return Workspace.open(ws.path, command=ws.command)


def _allow_future_dates(ws: Workspace, end: dt.date) -> Workspace:
    """The importer refuses dates after today + future_days; a demo ending later raises it."""
    today = dt.date.today()
    if end <= today:
        return ws
    days = (end - today).days + 31
    settings = ws.path / SETTINGS_FILE
    text = re.sub(r"(?m)^future_days = \d+", f"future_days = {days}", settings.read_text(encoding="utf-8"))
    settings.write_text(text, encoding="utf-8")
    ws.close()
    return Workspace.open(ws.path, command=ws.command)


def _chunks(first: pa.Table, name: str, stream: "_Peekable") -> Iterator[pa.RecordBatch]:
    yield from first.to_batches()
    while stream.peek_name() == name:
        _, table = next(stream)
        yield from table.cast(first.schema).to_batches()


class _Peekable:
    """An iterator of (name, table) pairs that can look at the next name."""

    _END = object()

    def __init__(self, it: Iterator[tuple[str, pa.Table]]):
        self._it = it
        self._next: object = self._END
        self._advance()

    def _advance(self) -> None:
        self._next = next(self._it, self._END)

    def peek_name(self) -> str | None:
        return None if self._next is self._END else self._next[0]  # type: ignore[index]

    def __iter__(self) -> "_Peekable":
        return self

    def __next__(self) -> tuple[str, pa.Table]:
        if self._next is self._END:
            raise StopIteration
        item = self._next
        self._advance()
        return item  # type: ignore[return-value]
