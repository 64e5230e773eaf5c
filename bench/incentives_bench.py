"""Incentive-pay benchmark (issue 13): statements for 200 reps x 12 months and a what-if replay of a
plan over 3 years of a 10M-line company, under 10 s and within 4 GB.

Run from the repository root::

    .venv/bin/python bench/incentives_bench.py                # build once (cached), then measure
    .venv/bin/python bench/incentives_bench.py --repeat 3     # three measured runs
    .venv/bin/python bench/incentives_bench.py --customers 20000 --basket-scale 0.8   # smaller

The company is the demo generator's: 100,000 customers over 3 years with ``basket_scale`` 0.16
(about 10 million invoice lines) and one field rep per 500 customers (``customers_per_rep``: about
200 field reps, key-account managers among them, plus the team managers), every input table
loaded through the real importer. The workspace reports per month (``[sales] period = "month"``)
and pays by the example plan made monthly (target pay 1,000 a month), with the example proposed
plan made monthly beside it; the demo's yearly targets are spread over the months (a twelfth
each) and imported as the months' targets, as a user with a monthly plan would import them.

Phases, each in its own subprocess (bench/_measure.py: wall, CPU, peak RSS):

1. ``build`` (only when the cache under ``bench/out/incentives/`` is missing or was made with other
   parameters): the company, the monthly targets, the settings and the plans.
2. ``compute``: on a fresh copy, ``compute(only=["incentives"])`` — what ``saleskpi compute DIR
   --only incentives`` runs: the analyses incentives depends on (sales and what sales reads) and
   incentives itself — with ``[incentives] whatif_periods`` = 12 and = 36. Printed: each analysis's
   wall time, and inside incentives the statements of the current month, the what-if replay (both
   plans on each past month: 2 x reps x months statements) and the gaming checks; the peak RSS of
   the whole process.

Target: the incentives analysis (statements + what-if + gaming) under 10 s with 36 months of what-if
(it holds the 12 months of statements of the current plan: the replay computes them on the way),
the process within 4 GB. Figures measured here are in bench/README.md. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

from _measure import measured, phase_command

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "bench" / "out" / "incentives"
TARGET_S, TARGET_RSS_MB = 10.0, 4096.0


def child(*args: str) -> list[str]:
    return phase_command(__file__, *args)


def _monthly(text: str, target_pay: str) -> str:
    """A yearly example plan file made monthly (its quarterly contest runs per month)."""
    text = re.sub(r'(?m)^period = "(year|quarter)"', 'period = "month"', text)
    return re.sub(r"(?m)^target_pay = \d+", f"target_pay = {target_pay}", text)


def child_build(ws_dir: Path, spec_json: str) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc

    from saleskpi.data.importer import load_arrow
    from saleskpi.demo import INPUT_TABLES, DemoSpec
    from saleskpi.demo.build import load_company
    from saleskpi.workspace import Workspace

    spec = DemoSpec(**json.loads(spec_json))
    if ws_dir.exists():
        shutil.rmtree(ws_dir)
    t0 = time.perf_counter()
    with Workspace.init(ws_dir, name="incentives benchmark") as ws:
        rows = load_company(ws, spec, tables=INPUT_TABLES)
        yearly = ws.table("targets").to_pyarrow()
        months = []
        for m in range(1, 13):
            months.append(yearly.set_column(
                yearly.schema.get_field_index("period"), "period",
                pc.binary_join_element_wise(yearly["period"], pa.scalar(f"-{m:02d}"), "")).set_column(
                yearly.schema.get_field_index("target"), "target",
                pc.round(pc.divide(yearly["target"].cast(pa.float64()), 12.0), 2)))
        monthly = pa.concat_tables(months)
        monthly = monthly.select([c for c in ("period", "level", "key", "kpi", "target", "currency")
                                  if c in monthly.column_names])
        load_arrow(ws, "targets", monthly, source="monthly targets (the yearly / 12)")
        reps = ws.table("reps").count().execute()
    return {"rows": rows, "reps": reps, "monthly_targets": monthly.num_rows, "build_s": time.perf_counter() - t0}


def _configure(ws_dir: Path, period: str, whatif_periods: str, memory_limit: str = "auto") -> None:
    """The workspace reporting and paying per ``period`` (year: the example plans as shipped;
    month: made monthly), replaying ``whatif_periods`` past periods, with ``[compute]
    memory_limit``."""
    from saleskpi.analyses.incentives import EXAMPLE_PLAN
    from saleskpi.analyses.incentives.whatif import EXAMPLE_PROPOSED_PLAN

    settings = ws_dir / "settings.toml"
    text = re.sub(r'(?m)^period = "year"', f'period = "{period}"', settings.read_text(), count=1)
    text = re.sub(r"(?m)^whatif_periods = \d+", f"whatif_periods = {whatif_periods}", text)
    text, found = re.subn(r'(?m)^\[compute\]\n((?:#.*\n)*)memory_limit = ".*"',
                          lambda m: f'[compute]\n{m[1]}memory_limit = "{memory_limit}"', text)
    if not found:  # a workspace cached before the setting existed
        text += f'\n[compute]\nmemory_limit = "{memory_limit}"\n'
    settings.write_text(text)
    plans = ws_dir / "plans"
    (plans / "proposed").mkdir(parents=True, exist_ok=True)
    plan, proposed = EXAMPLE_PLAN.read_text(), EXAMPLE_PROPOSED_PLAN.read_text()
    if period == "month":
        plan, proposed = _monthly(plan, "1000"), _monthly(proposed, "900")
    (plans / "field-sales.toml").write_text(plan)
    (plans / "proposed" / "field-sales.toml").write_text(proposed)


def child_compute(ws_dir: Path, period: str, whatif_periods: str, memory_limit: str = "auto") -> dict:
    """``compute(only=["incentives"])`` with the wall time of each analysis and of the pieces of
    incentives (its statements, the what-if replay, the gaming checks)."""
    import saleskpi.analyses.incentives as inc
    from saleskpi.compute import compute
    from saleskpi.workspace import Workspace

    _configure(ws_dir, period, whatif_periods, memory_limit)
    pieces: dict[str, float] = {}

    def timed(name, f):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                pieces[name] = pieces.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    inc.replay, inc.gaming = timed("what-if", inc.replay), timed("gaming", inc.gaming)
    marks: list[tuple[str, float]] = []
    with Workspace.open(ws_dir) as ws:
        report = compute(ws, only=["incentives"], progress=lambda name, done, total: marks.append(
            (name, time.perf_counter())))
        stored = dict(report.stored)
    per = {name: marks[i + 1][1] - at for i, (name, at) in enumerate(marks[:-1])}
    return {"analyses": per, "pieces": pieces, "stored": stored,
            "warnings": [str(w) for w in report.warnings][:8]}


def run_child(argv: list[str]) -> None:
    kind, rest = argv[0], argv[1:]
    if kind == "build":
        out = child_build(Path(rest[0]), rest[1])
    elif kind == "compute":
        out = child_compute(Path(rest[0]), rest[1], rest[2], *rest[3:])
    else:
        raise SystemExit(f"unknown child phase {kind}")
    print(json.dumps(out, default=str))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        run_child(argv[1:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--basket-scale", type=float, default=0.5,
                    help="lines per invoice scale; 0.5 gives about 10M lines at 100,000 customers x 3 years")
    ap.add_argument("--customers-per-rep", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cache folder (kept between runs)")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--runs", default="month:12,year:3,month:36", help=(
        "the cases measured, comma-separated PERIOD:N: the workspace reports and pays per PERIOD and the "
        "what-if replays N past periods"))
    ap.add_argument("--memory-limit", default="auto", help='[compute] memory_limit of the measured computes ("auto": DuckDB\'s own)')
    args = ap.parse_args(argv)

    spec = {"customers": args.customers, "years": args.years, "seed": args.seed, "basket_scale": args.basket_scale,
            "customers_per_rep": args.customers_per_rep}
    cache = args.out / "-".join(f"{k}{v}" for k, v in spec.items())
    ws_dir, scratch, done = cache / "workspace", cache / "scratch", cache / "workspace.json"
    print(f"saleskpi incentives benchmark: {spec}; {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    if args.rebuild or not done.exists() or json.loads(done.read_text()).get("spec") != spec:
        done.unlink(missing_ok=True)
        r = measured(child("build", str(ws_dir), json.dumps(spec)))
        info = json.loads(r["stdout"])
        done.write_text(json.dumps({"spec": spec, **info}))
        print(f"build {r['wall']:.1f} s wall, peak RSS {r['rss_mb']:.0f} MB: {info['rows']['sales']:,} sales lines, "
              f"{info['reps']} reps, {info['monthly_targets']:,} monthly targets", flush=True)
    info = json.loads(done.read_text())
    print(f"company: {info['rows']['sales']:,} sales lines, {info['reps']} reps (field reps, key-account managers "
          "and team managers)")
    for case in args.runs.split(","):
        period, n = case.split(":")
        for i in range(args.repeat):
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.copytree(ws_dir, scratch, ignore=shutil.ignore_patterns("templates"))
            load = os.getloadavg()[0]
            r = measured(child("compute", str(scratch), period, n, args.memory_limit))
            out = json.loads(r["stdout"])
            inc = out["analyses"].get("incentives", float("nan"))
            pieces = out["pieces"]
            statements = inc - sum(pieces.values())
            print(f"per {period}, what-if over {n} {period}s, [compute] memory_limit {args.memory_limit}, run {i + 1} "
                  f"(load {load:.1f} at start): "
                  + "  ".join(f"{a} {t:.1f} s" for a, t in out["analyses"].items())
                  + f"  | incentives {inc:.1f} s = the current {period}'s statements {statements:.1f} s + what-if "
                  f"{pieces.get('what-if', 0):.1f} s + gaming {pieces.get('gaming', 0):.1f} s; whole process "
                  f"{r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, peak RSS {r['rss_mb']:.0f} MB; "
                  f"plan-whatif {out['stored'].get('plan-whatif')} rows, statements "
                  f"{out['stored'].get('incentive-statements')} rows. Target (incentives < {TARGET_S:.0f} s, "
                  f"< {TARGET_RSS_MB:.0f} MB): {'met' if inc < TARGET_S and r['rss_mb'] < TARGET_RSS_MB else 'NOT met'}; "
                  f"load after {os.getloadavg()[0]:.1f}", flush=True)
            for w in out["warnings"]:
                print("    warning:", w[:200])
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
