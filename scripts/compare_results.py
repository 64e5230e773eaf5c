"""Compare the stored results of two workspaces (or of two dumps of them), result by result.

    python scripts/compare_results.py dump WORKSPACE OUT_DIR      # the latest run, as Parquet
    python scripts/compare_results.py compare A B [--rename OLD=NEW ...] [--rtol 1e-9]

``A`` and ``B`` are workspaces or dump folders. Every result of ``A`` is looked up in ``B``
(under its new name when renamed); rows are sorted by every column that is not a float, and
compared column by column: exactly for text, dates, integers and decimals, within ``rtol``
for floats (model fits differ in their last digits from run to run). Prints one line per
result and exits 1 when any differs. This is how a refactoring shows that it changed no
figure (docs/architecture.md).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def latest_results(workspace: Path) -> dict[str, pa.Table]:
    """Every stored result of the workspace's newest finished run, without its stamps."""
    import ibis

    from saleskpi.workspace import Workspace

    found: dict[str, pa.Table] = {}
    with Workspace.open(workspace, read_only=True) as ws:
        runs = ws.con.table("meta_runs")
        done = runs.filter(runs.finished_at.notnull()).run_id.max().execute()
        for table in ws.list_tables():
            if not table.startswith("result_"):
                continue
            t = ws.con.table(table)
            t = t.filter(t.run_id == ibis.literal(int(done), "int64"))
            found[table[len("result_"):].replace("_", "-")] = t.drop("run_id", "as_of").to_pyarrow()
    return found


def load(source: Path) -> dict[str, pa.Table]:
    if (source / "settings.toml").is_file():
        return latest_results(source)
    return {p.stem: pq.read_table(p) for p in sorted(source.glob("*.parquet"))}


def _sorted(t: pa.Table) -> pa.Table:
    keys = [(c, "ascending") for c, ty in zip(t.column_names, t.schema.types) if not pa.types.is_floating(ty)]
    return t.sort_by(keys) if keys else t


def _as_float(v):
    return None if v is None else float(v)


def compare_tables(a: pa.Table, b: pa.Table, *, rtol: float) -> list[str]:
    """What differs between two tables (empty when they agree)."""
    problems = []
    if a.column_names != b.column_names:
        problems.append(f"columns differ: {a.column_names} vs {b.column_names}")
        common = [c for c in a.column_names if c in b.column_names]
        a, b = a.select(common), b.select(common)
    if a.num_rows != b.num_rows:
        return problems + [f"rows differ: {a.num_rows} vs {b.num_rows}"]
    a, b = _sorted(a), _sorted(b)
    for name in a.column_names:
        x, y = a.column(name).to_pylist(), b.column(name).to_pylist()
        if pa.types.is_floating(a.schema.field(name).type) or pa.types.is_floating(b.schema.field(name).type):
            worst = 0.0
            for u, v in zip(map(_as_float, x), map(_as_float, y)):
                if u is None or v is None or math.isnan(u) or math.isnan(v):
                    if not ((u is None or math.isnan(u)) and (v is None or math.isnan(v))):
                        problems.append(f"{name}: {u} vs {v}")
                        break
                    continue
                worst = max(worst, abs(u - v) / max(1.0, abs(u), abs(v)))
            if worst > rtol:
                problems.append(f"{name}: floats differ by up to {worst:.3g} (relative)")
        elif x != y:
            i = next(i for i, (u, v) in enumerate(zip(x, y)) if u != v)
            problems.append(f"{name}: row {i}: {x[i]!r} vs {y[i]!r}")
    return problems


def _renamed(table: pa.Table, result: str, renames: list[str]) -> pa.Table:
    """``table`` (a result of A) with the columns renamed that B renamed."""
    everywhere, here = {}, {}
    for rename in renames:
        where, _, pair = rename.rpartition(":")
        old, new = pair.split("=", 1)
        if where == "":
            everywhere[old] = new
        elif where == result:
            here[old] = new
    mapping = everywhere | here  # a rename for this result wins over one for every result
    return table.rename_columns([mapping.get(c, c) for c in table.column_names])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("workspace", type=Path)
    d.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    c.add_argument("--rename", action="append", default=[], help="OLD=NEW: a result renamed in B")
    c.add_argument("--column", action="append", default=[],
                   help="[RESULT:]OLD=NEW: a column renamed in B (in RESULT only, or in every result)")
    c.add_argument("--rtol", type=float, default=1e-9)
    args = parser.parse_args(argv)
    if args.command == "dump":
        args.out.mkdir(parents=True, exist_ok=True)
        for name, table in latest_results(args.workspace).items():
            pq.write_table(table, args.out / f"{name}.parquet")
        print(f"dumped the latest run of {args.workspace} into {args.out}")
        return 0
    renamed = dict(r.split("=", 1) for r in args.rename)
    a, b = load(args.a), load(args.b)
    failed = False
    for name, table in a.items():
        other = renamed.get(name, name)
        if other not in b:
            print(f"{name}: missing in {args.b}")
            failed = True
            continue
        problems = compare_tables(_renamed(table, name, args.column), b[other], rtol=args.rtol)
        print(f"{name}: {'identical' if not problems else '; '.join(problems)}")
        failed |= bool(problems)
    for name in sorted(set(b) - {renamed.get(n, n) for n in a}):
        print(f"{name}: new in {args.b}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
