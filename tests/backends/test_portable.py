"""Every portable analysis on every engine, with the results DuckDB gives.

The same companies (the hand-worked one of tests/analyses/conftest.py and a small demo
company) are loaded into each engine through the real importer and computed there with
``saleskpi.compute.compute``; each analysis's outputs must equal the DuckDB reference: the same
columns and row counts, text (classes, ids) and dates identical, money to the cent, other
numbers to 1e-9 relative. ``pytest -m postgres`` (or ``duckdb``, ``spark``) runs one engine.

Known gaps are declared in ``GAPS`` as (engine, company, analysis) -> (exception, reason): the
test is then a strict xfail, so a fix shows up as an unexpected pass. Every column of every
result is compared (``TOLERANCE`` loosens the comparison of a few fitted numbers, with reasons).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from saleskpi import results
from saleskpi.analyses import registry
from saleskpi.compute import compute
from saleskpi.data.importer import load_arrow
from saleskpi.data.schema import TABLES
from saleskpi.workspace import Workspace, table_ddl

from .conftest import BACKENDS, engine_params

ANALYSES = tuple(registry())
COMPANIES = ("small", "demo")
#: A small demo company (the size tests/analyses/test_clv.py computes from the CLI).
DEMO = {"customers": 300, "years": 3, "seed": 5}

#: Declared gaps: (engine, company, analysis) -> (exception raised, what is wrong and its fix).
#: The test is then a strict xfail. None at present.
GAPS: dict[tuple[str, str, str], tuple[type[BaseException], str]] = {}

# No result column is left out of the comparison. (clv-history.weighted_profit used to differ
# by a cent between runs and engines: round(sum(margin_discounted x weight), 2) on doubles landed
# a hair either side of half-cent ties; analyses/clv.py now keeps that money in decimals.)

#: Numbers compared more loosely than 1e-9 relative, with the reason. None at present: the CLV
#: models are fitted on exact decimal sums (rfm_summary turns them into floats only after
#: summing), so every engine hands them the same numbers and the fits, their standard errors
#: and the rounded CLV agree (they used to move by about 1e-6, a cent now and then, even
#: between two DuckDB runs).
TOLERANCE: dict[tuple[str, str], float] = {}


# --- the companies, as Arrow tables per input table ------------------------------------------------


def _small_company_sql() -> str:
    """SMALL_COMPANY and its SMALL_SURVEYS of tests/analyses/conftest.py (read from there: one
    hand-worked company)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "analyses" / "conftest.py"
    spec = importlib.util.spec_from_file_location("saleskpi_tests_small_company", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SMALL_COMPANY + module.SMALL_SURVEYS


def small_company() -> dict[str, pa.Table]:
    """tests/analyses/conftest.py's SMALL_COMPANY, as the columns it fills."""
    db = duckdb.connect()
    for tbl in TABLES.values():
        db.execute(f'CREATE TABLE "{tbl.name}" ({table_ddl(tbl)})')
    db.execute(_small_company_sql())
    out = {}
    for tbl in TABLES.values():
        filled = [c.name for c in tbl.columns
                  if db.execute(f'SELECT count("{c.name}") FROM "{tbl.name}"').fetchone()[0]]
        if filled:
            cols = ", ".join(f'"{c}"' for c in filled)
            out[tbl.name] = db.execute(f'SELECT {cols} FROM "{tbl.name}"').to_arrow_table()
    db.close()
    return out


def demo_company() -> dict[str, pa.Table]:
    """The input tables of a small demo company (the truth tables are not inputs)."""
    from saleskpi.demo import generate

    parts: dict[str, list[pa.Table]] = {}
    for name, chunk in generate(**DEMO):
        if name in TABLES:
            parts.setdefault(name, []).append(chunk)
    return {name: pa.concat_tables(chunks) for name, chunks in parts.items()}


MAKERS = {"small": small_company, "demo": demo_company}


# --- a company computed on an engine ---------------------------------------------------------------


@dataclass
class Computed:
    """A workspace on one engine holding a company, computed: each analysis's outputs (Arrow,
    without stamps) or the exception it raised."""

    ws: Workspace
    imported: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, dict[str, pa.Table]] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict)


def compute_company(url: str, tables: dict[str, pa.Table], folder) -> Computed:
    ws = Workspace.init(folder, backend=url)
    # the example incentive plan, for every role (the small company's reps have none)
    from saleskpi.analyses.incentives import EXAMPLE_PLAN, PLANS_DIR

    (ws.path / PLANS_DIR).mkdir()
    (ws.path / PLANS_DIR / "plan.toml").write_text(
        EXAMPLE_PLAN.read_text(encoding="utf-8").replace('roles = ["rep"]', ""), encoding="utf-8")
    # and the example competency model (the demo's assessments name its competencies)
    from saleskpi.analyses.competencies import EXAMPLE_MODEL, MODEL_FILE

    (ws.path / MODEL_FILE).write_bytes(EXAMPLE_MODEL.read_bytes())
    done = Computed(ws)
    for name in TABLES:  # the contract's order: referenced tables first
        if name in tables:
            done.imported[name] = load_arrow(ws, name, tables[name], source=f"test:{name}").rows_loaded
    available = registry()
    try:
        compute(ws)
    except Exception:
        # Run each analysis alone (with what it needs) to tell which one fails.
        for name in available:
            try:
                compute(ws, only=[name])
            except Exception as exc:  # noqa: PERF203 - each analysis on its own
                done.errors[name] = exc
    for name, analysis in available.items():
        if name not in done.errors:
            done.outputs[name] = {out: results.read(ws.con, out).to_pyarrow()
                                  for out in analysis.outputs}
    return done


@pytest.fixture(scope="module")
def computed(backend_url, tmp_path_factory):
    """``computed(engine, company)``: the company loaded and computed there (once per module).
    The engine ``reference`` is a DuckDB workspace of its own (the ``duckdb`` one is compared
    with it like the others)."""
    cache: dict[tuple[str, str], Computed] = {}
    tables: dict[str, dict[str, pa.Table]] = {}

    def get(kind: str, company: str) -> Computed:
        if (kind, company) not in cache:
            if company not in tables:
                tables[company] = MAKERS[company]()
            folder = tmp_path_factory.mktemp(f"{company}-{kind}") / "ws"
            url = backend_url("duckdb" if kind == "reference" else kind)
            cache[kind, company] = compute_company(url, tables[company], folder)
        return cache[kind, company]

    yield get
    for done in cache.values():
        done.ws.close()


# --- comparing results ------------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, Decimal):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def _sort_key(row: dict) -> tuple:
    key = []
    for v in row.values():
        if v is None:
            key.append((0, ""))
        elif isinstance(v, float):
            key.append((1, "nan" if math.isnan(v) else f"{v:.6g}"))
        else:
            key.append((1, str(_plain(v))))
    return tuple(key)


def differences(name: str, got: pa.Table, want: pa.Table) -> list[str]:
    """How ``got`` differs from ``want`` (empty: equal as the module docstring says)."""
    if got.column_names != want.column_names:
        return [f"{name}: columns {got.column_names} != {want.column_names}"]
    if got.schema.types != want.schema.types:
        return [f"{name}: types {got.schema} != {want.schema}"]
    if got.num_rows != want.num_rows:
        return [f"{name}: {got.num_rows} rows != {want.num_rows}"]
    found = []
    for i, (g, w) in enumerate(zip(sorted(got.to_pylist(), key=_sort_key), sorted(want.to_pylist(), key=_sort_key))):
        for col in want.column_names:
            a, b = _plain(g[col]), _plain(w[col])
            if a is None or b is None:
                same = a is None and b is None
            elif isinstance(b, Decimal) or isinstance(a, Decimal):
                same = abs(Decimal(str(a)) - Decimal(str(b))) < Decimal("0.005")  # to the cent
            elif isinstance(b, float) or isinstance(a, float):
                a, b = float(a), float(b)
                rel = TOLERANCE.get((name, col), 1e-9)
                same = (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)
            else:
                same = a == b
            if not same:
                found.append(f"{name} row {i} {col}: {g[col]!r} != {w[col]!r}")
    return found


def _matrix():
    params = []
    for kind in BACKENDS:
        for company in COMPANIES:
            for analysis in ANALYSES:
                gaps = {k: gap for (k, c, a), gap in GAPS.items() if (c, a) == (company, analysis)}
                (p,) = engine_params(kind, gaps=gaps)
                params.append(pytest.param(kind, company, analysis, marks=p.marks,
                                           id=f"{kind}-{company}-{analysis}"))
    return params


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "company", "analysis"), _matrix())
def test_analysis_gives_duckdb_results(computed, kind, company, analysis):
    reference = computed("reference", company)
    done = computed(kind, company)
    assert done.imported == reference.imported
    if analysis in done.errors:
        raise done.errors[analysis]
    assert analysis not in reference.errors, f"{analysis} fails on DuckDB: {reference.errors.get(analysis)!r}"
    got, want = done.outputs[analysis], reference.outputs[analysis]
    assert sorted(got) == sorted(want)
    problems = [p for out in want for p in differences(out, got[out], want[out])]
    assert not problems, "\n".join(problems[:20])
    # something was computed: one of the analysis's outputs has rows on the hand-worked data too
    # (the small company has no competency assessments: competencies has none, its links say so)
    assert any(out.num_rows > 0 for out in want.values()), analysis
