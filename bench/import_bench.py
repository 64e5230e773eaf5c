"""Import benchmark: a 10-million-line demo company written as CSV and imported into a workspace.

Run from the repository root (``make bench`` does the same)::

    .venv/bin/python bench/import_bench.py                 # 100,000 customers, ~10M lines
    .venv/bin/python bench/import_bench.py --customers 20000 --keep   # smaller, keep the files

Phases, each with its wall time and peak memory (RSS):

1. ``generate + write CSV``: the demo generator streams the company; sales go to ONE CSV in chunks
   (pyarrow.csv.CSVWriter), never all in memory; the referenced tables (territories, teams,
   reps) and customers and products go to their own CSVs. Generation and writing are timed
   apart.
2. ``import <table>``: each CSV is imported into a fresh workspace with
   ``saleskpi.data.importer.import_file``, each in its own subprocess. A tiny measuring
   process starts it and reads ``resource.getrusage(RUSAGE_CHILDREN)``, so the peak RSS
   printed is that import's own (the parent stays small: Linux carries peak RSS over fork).
3. ``saleskpi demo``: the default demo (2,000 customers × 5 years) built by the CLI, timed.

Targets: sales import under 60 s wall time and under 2 GB peak RSS. Figures measured on the
project machines are in bench/README.md. This is a command that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _measure import measured, phase_command

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "bench" / "out"
#: Tables written and imported, in reference order; sales is the big one.
TABLES = ("territories", "teams", "reps", "customers", "products", "sales")

def child(*args: str) -> list[str]:
    return phase_command(__file__, *args)


# --- the phases, run in children --------------------------------------------------------------


def child_generate(out: Path, customers: int, years: int, basket_scale: float, seed: int) -> dict:
    """Generate the company and write one CSV per table, streaming the sales in chunks."""
    import pyarrow.csv as pacsv

    from saleskpi.demo import generate

    out.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pacsv.CSVWriter] = {}
    rows = {t: 0 for t in TABLES}
    gen_s = write_s = 0.0
    stream = generate(customers=customers, years=years, seed=seed, basket_scale=basket_scale,
                      tables=set(TABLES))
    t = time.perf_counter()
    for name, table in stream:
        now = time.perf_counter()
        gen_s += now - t
        if name not in writers:
            writers[name] = pacsv.CSVWriter(out / f"{name}.csv", table.schema)
        writers[name].write_table(table)
        rows[name] += table.num_rows
        t = time.perf_counter()
        write_s += t - now
    for w in writers.values():
        w.close()
    write_s += time.perf_counter() - t
    sizes = {n: (out / f"{n}.csv").stat().st_size for n in TABLES}
    return {"generate_s": gen_s, "write_s": write_s, "rows": rows, "bytes": sizes}


def child_init(ws_dir: Path) -> dict:
    from saleskpi.workspace import Workspace

    if ws_dir.exists():
        shutil.rmtree(ws_dir)
    Workspace.init(ws_dir).close()
    return {}


def child_import(ws_dir: Path, table: str, path: Path) -> dict:
    from saleskpi.data.importer import import_file
    from saleskpi.workspace import Workspace

    t0 = time.perf_counter()
    with Workspace.open(ws_dir) as ws:
        report = import_file(ws, table, path)
    return {"rows": report.rows_loaded, "import_s": time.perf_counter() - t0}


def run_child(argv: list[str]) -> None:
    kind, rest = argv[0], argv[1:]
    if kind == "generate":
        out = child_generate(Path(rest[0]), int(rest[1]), int(rest[2]), float(rest[3]), int(rest[4]))
    elif kind == "init":
        out = child_init(Path(rest[0]))
    elif kind == "import":
        out = child_import(Path(rest[0]), rest[1], Path(rest[2]))
    else:
        raise SystemExit(f"unknown child phase {kind}")
    print(json.dumps(out))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        run_child(argv[1:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--years", type=int, default=2)
    ap.add_argument("--basket-scale", type=float, default=0.55,
                    help="lines per invoice scale; 0.55 gives about 10M lines at 100,000 customers x 2 years")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the CSVs and the workspace")
    ap.add_argument("--reuse", action="store_true", help="reuse the CSVs already in --out")
    ap.add_argument("--keep", action="store_true", help="keep the CSVs and the workspace afterwards")
    ap.add_argument("--no-demo", action="store_true", help="skip timing 'saleskpi demo'")
    args = ap.parse_args(argv)

    print(f"saleskpi import benchmark: {args.customers:,} customers, {args.years} years, "
          f"basket scale {args.basket_scale}, seed {args.seed}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    csv_dir, ws_dir = args.out / "csv", args.out / "workspace"
    if args.reuse and (csv_dir / "sales.csv").exists():
        print("reusing", csv_dir)
    else:
        r = measured(child("generate", str(csv_dir), str(args.customers), str(args.years),
                           str(args.basket_scale), str(args.seed)))
        w = json.loads(r["stdout"])
        print(f"generate + write CSV    {r['wall']:7.1f} s wall {r['cpu']:7.1f} s CPU  peak RSS {r['rss_mb']:6.0f} MB"
              f"  (generate {w['generate_s']:.1f} s, write {w['write_s']:.1f} s)", flush=True)
        for name in TABLES:
            print(f"    {name:<12} {w['rows'][name]:>12,} rows  {w['bytes'][name] / 1e6:9.1f} MB")
    measured(child("init", str(ws_dir)))
    results = {}
    for name in TABLES:
        r = measured(child("import", str(ws_dir), name, str(csv_dir / f"{name}.csv")))
        info = json.loads(r["stdout"])
        results[name] = (r, info)
        print(f"import {name:<16} {r['wall']:7.1f} s wall {r['cpu']:7.1f} s CPU  peak RSS {r['rss_mb']:6.0f} MB"
              f"  {info['rows']:>12,} rows  (import_file {info['import_s']:.1f} s)", flush=True)
    r, _ = results["sales"]
    ok = r["wall"] < 60 and r["rss_mb"] < 2048
    print(f"sales import target (< 60 s wall, < 2048 MB peak RSS): {'met' if ok else 'NOT met'}")
    if not args.no_demo:
        with tempfile.TemporaryDirectory() as tmp:
            exe = Path(sys.executable).with_name("saleskpi")
            cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "saleskpi"]
            d = measured(cmd + ["demo", str(Path(tmp) / "demo-workspace"), "--timings"])
        print(f"saleskpi demo (default) {d['wall']:7.1f} s wall {d['cpu']:7.1f} s CPU  peak RSS {d['rss_mb']:6.0f} MB")
        print("\n".join("  " + line for line in d["stderr"].splitlines() if line.startswith("  ")))
    if not args.keep:
        shutil.rmtree(ws_dir, ignore_errors=True)
        if not args.reuse:
            shutil.rmtree(csv_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
