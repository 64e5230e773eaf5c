"""Scale benchmark: ``compute`` of every capability at 1M, 10M and 100M invoice lines on DuckDB,
the same 10M on Spark ``local[2]`` and on PostgreSQL, and RFM + ABC through the analyses' Ibis
code against one hand-written DuckDB SQL query.

Run from the repository root::

    .venv/bin/python bench/scale_bench.py                          # everything (hours at 100M)
    .venv/bin/python bench/scale_bench.py --sizes 1M,10M           # DuckDB sizes only these
    .venv/bin/python bench/scale_bench.py --sizes 1M --engines ""   # quick look, no Spark/PostgreSQL
    .venv/bin/python bench/scale_bench.py --engines-size 1M        # Spark and PostgreSQL at 1M

Companies are the demo generator's, 2 years, ``basket_scale`` 0.55 (about 101 lines per
customer, as bench/import_bench.py): 10,000 customers for 1M lines, 100,000 for 10M and
999,999 (the generator's maximum) for 100M. Each is built once through the real importer
(``load_arrow``, sales streamed in chunks) into a cached DuckDB workspace under
``bench/out/scale/``; Spark and PostgreSQL workspaces are loaded from it through the importer
too (their import time is printed).

Phases run in children under a tiny measuring process (as in bench/import_bench.py), so the
peak RSS printed is the phase's own; Spark's JVM and PostgreSQL's server are separate processes,
so their memory is not in it. Each compute runs on a fresh copy (DuckDB) or a fresh load, with
DuckDB's ``memory_limit`` (default 16GB: it spills beyond it to a temp folder beside the copy).
PostgreSQL is a private server (initdb under bench/out/scale/postgres) with shared_buffers=2GB,
work_mem=256MB, 2 parallel workers, fsync off; Spark runs local[2] with an 8g driver.

Targets: time per 10x lines <= 12x; RFM + ABC through Ibis <= 1.5x the SQL. Prints figures;
``--json FILE`` writes them too. Figures measured here are in bench/README.md. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from _measure import load, measured, phase_command

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "bench" / "out" / "scale"
SIZES = {"1M": 10_000, "10M": 100_000, "100M": 999_999}  # label -> customers
YEARS, BASKET, SEED = 2, 0.55, 7
LOAD_ORDER = ("territories", "teams", "reps", "customers", "products", "sales", "potential",
              "survey_invitations", "surveys", "loyalty_members", "loyalty_events", "targets",
              "competency_assessments")

def child(*args: str) -> list[str]:
    return phase_command(__file__, *args)


# --- children -------------------------------------------------------------------------------------


def child_build(ws_dir: Path, customers: int, import_memory: str) -> dict:
    """The demo company, every input table through the importer (no truth tables)."""
    from saleskpi.demo import INPUT_TABLES, DemoSpec
    from saleskpi.demo.build import load_company
    from saleskpi.workspace import Workspace

    spec = DemoSpec(customers=customers, years=YEARS, seed=SEED, basket_scale=BASKET)
    shutil.rmtree(ws_dir, ignore_errors=True)
    Workspace.init(ws_dir, name="scale benchmark").close()
    settings = ws_dir / "settings.toml"
    settings.write_text(settings.read_text().replace('memory_limit = "1GB"', f'memory_limit = "{import_memory}"'))
    t0 = time.perf_counter()
    with Workspace.open(ws_dir) as ws:
        rows = load_company(ws, spec, tables=INPUT_TABLES)
    return {"rows": rows, "build_s": time.perf_counter() - t0}


def child_copy(src_dir: Path, ws_dir: Path, url: str) -> dict:
    """A workspace on ``url`` loaded from the DuckDB workspace ``src_dir`` through the importer."""
    from saleskpi.data.importer import load_arrow
    from saleskpi.workspace import Workspace

    shutil.rmtree(ws_dir, ignore_errors=True)
    times: dict[str, float] = {}
    with Workspace.open(src_dir, read_only=True) as src, Workspace.init(ws_dir, backend=url) as ws:
        for name in LOAD_ORDER:
            t = src.table(name)
            if not t.count().execute():
                continue
            t0 = time.perf_counter()
            reader = t.drop("import_id").to_pyarrow_batches(chunk_size=500_000)
            load_arrow(ws, name, reader, source=f"copy:{name}")
            times[name] = time.perf_counter() - t0
    return {"import_s": times}


def child_compute(ws_dir: Path, memory_limit: str) -> dict:
    """``saleskpi compute`` (every analysis) with the wall time of each."""
    from saleskpi import engines as engine
    from saleskpi.compute import compute
    from saleskpi.workspace import Workspace

    marks: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    with Workspace.open(ws_dir) as ws:
        if engine.engine_of(ws.con).name == "duckdb":
            spill = ws_dir / "spill"
            engine.raw(ws.con).execute(f"SET memory_limit = '{memory_limit}'; SET temp_directory = '{spill}'")
        ready = time.perf_counter()
        report = compute(ws, progress=lambda name, done, total: marks.append((name, time.perf_counter())))
    per = {name: marks[i + 1][1] - at for i, (name, at) in enumerate(marks[:-1])}
    return {"analyses": per, "compute_s": marks[-1][1] - ready, "connect_s": ready - t0,
            "stored": report.stored}


RFM_ABC_SQL = """
WITH s AS (SELECT customer_id, date, CAST(net_value AS DOUBLE) AS v FROM sales WHERE date <= DATE '{as_of}'),
days AS (SELECT customer_id, date, sum(v) AS v FROM s GROUP BY ALL HAVING sum(v) > 0),
per AS (SELECT customer_id, min(date) AS first_day, max(date) AS last_day, count(*) - 1 AS frequency,
               sum(v) - arg_min(v, date) AS repeat_value FROM days GROUP BY ALL),
val AS (SELECT customer_id, greatest(sum(v), 0) AS value FROM s GROUP BY ALL),
ranked AS (SELECT customer_id, value,
                  coalesce(sum(value) OVER (ORDER BY value DESC, customer_id
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                  / sum(value) OVER () AS share_before
           FROM val)
SELECT p.customer_id, p.frequency,
       CAST(p.last_day - p.first_day AS DOUBLE) AS recency,
       CAST(DATE '{as_of}' - p.first_day AS DOUBLE) AS T,
       CASE WHEN p.frequency > 0 THEN p.repeat_value / p.frequency ELSE 0.0 END AS monetary_value,
       r.value,
       CASE WHEN r.value <= 0 THEN 'C' WHEN r.share_before < 0.8 - 1e-9 THEN 'A'
            WHEN r.share_before < 0.95 - 1e-9 THEN 'B' ELSE 'C' END AS class
FROM per p JOIN ranked r USING (customer_id)
"""


def child_rfm(ws_dir: Path, repeat: int) -> dict:
    """RFM + Pareto ABC per customer: the analyses' code (Ibis expression, then ``classify`` on
    the per-customer values in memory) against one hand-written DuckDB query; best of
    ``repeat`` each, and whether they agree."""
    import numpy as np

    from saleskpi import engines as engine
    from saleskpi.analyses.abc import classify
    from saleskpi.analyses.clv import purchase_days
    from saleskpi.analyses.clv.summary import rfm_summary
    from saleskpi.workspace import Workspace

    with Workspace.open(ws_dir, read_only=True) as ws:
        sales = ws.table("sales")
        as_of = sales.date.max().execute()

        def by_ibis():
            days = purchase_days(sales, as_of)
            rfm = rfm_summary(days, customer="customer_id", date="date", value="value",
                              observation_end=as_of, time_unit="D")
            s = sales.filter(sales.date <= as_of)
            value = s.group_by("customer_id").aggregate(value=s.net_value.cast("float64").sum())
            frame = rfm.join(value, "customer_id").to_pyarrow()
            ids = frame["customer_id"].to_numpy(zero_copy_only=False)
            classes = classify(frame["value"].to_numpy(), ids=ids, method="pareto").classes
            return frame, classes

        def by_sql():
            return engine.raw(ws.con).execute(RFM_ABC_SQL.format(as_of=as_of)).to_arrow_table()

        timings = {"ibis": [], "sql": []}
        out = {}
        for _ in range(repeat):
            for name, fn in (("ibis", by_ibis), ("sql", by_sql)):
                t = time.perf_counter()
                out[name] = fn()
                timings[name].append(time.perf_counter() - t)
        frame, classes = out["ibis"]
        got = dict(zip(frame["customer_id"].to_pylist(), classes.tolist()))
        sql = out["sql"]
        want = dict(zip(sql["customer_id"].to_pylist(), sql["class"].to_pylist()))
        f_ibis = dict(zip(frame["customer_id"].to_pylist(), frame["monetary_value"].to_pylist()))
        f_sql = dict(zip(sql["customer_id"].to_pylist(), sql["monetary_value"].to_pylist()))
        same_rfm = f_ibis.keys() == f_sql.keys() and all(
            np.isclose(f_ibis[k], f_sql[k], rtol=1e-9, atol=1e-9) for k in f_ibis)
    return {"ibis_s": timings["ibis"], "sql_s": timings["sql"], "customers": len(want),
            "classes_equal": got == want, "rfm_equal": bool(same_rfm)}


def run_child(argv: list[str]) -> None:
    kind, rest = argv[0], argv[1:]
    if kind == "build":
        out = child_build(Path(rest[0]), int(rest[1]), rest[2])
    elif kind == "copy":
        out = child_copy(Path(rest[0]), Path(rest[1]), rest[2])
    elif kind == "compute":
        out = child_compute(Path(rest[0]), rest[1])
    elif kind == "rfm":
        out = child_rfm(Path(rest[0]), int(rest[1]))
    else:
        raise SystemExit(f"unknown child phase {kind}")
    print(json.dumps(out))


# --- PostgreSQL server for the benchmark ----------------------------------------------------------


class Postgres:
    """A private PostgreSQL server under ``root`` (as the postgres user when run as root)."""

    def __init__(self, root: Path) -> None:
        import glob

        found = shutil.which("initdb")
        bins = [str(Path(found).parent)] if found else sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            raise SystemExit("PostgreSQL is not installed (apt-get install -y postgresql).")
        self.bin, self.root = Path(bins[-1]), root
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    def __enter__(self) -> str:
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        if self.run_as:
            shutil.chown(self.root, "postgres")
        data = self.root / "data"
        subprocess.run([*self.run_as, str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
        opts = (f"-h 127.0.0.1 -p {self.port} -k {self.root} -F -c shared_buffers=2GB -c work_mem=256MB "
                "-c max_parallel_workers_per_gather=2 -c maintenance_work_mem=1GB -c max_wal_size=8GB")
        subprocess.run([*self.run_as, str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.root / "log"),
                        "-w", "-o", opts, "start"], check=True, capture_output=True)
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def __exit__(self, *exc) -> None:
        subprocess.run([*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast",
                        "-w", "stop"], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


# --- the parent ---------------------------------------------------------------------------------


def show_compute(label: str, r: dict) -> str:
    info = r["out"]
    per = "  ".join(f"{a} {s:6.1f}" for a, s in info["analyses"].items())
    return (f"{label}: compute {info['compute_s']:7.1f} s ({per}); process {r['wall']:7.1f} s wall "
            f"{r['cpu']:7.1f} s CPU, peak RSS {r['rss_mb']:6.0f} MB")


def build(out: Path, label: str, import_memory: str) -> Path:
    cache = out / label
    ws_dir, done = cache / "workspace", cache / "built.json"
    spec = {"customers": SIZES[label], "years": YEARS, "basket": BASKET, "seed": SEED}
    if done.exists() and json.loads(done.read_text()).get("spec") == spec:
        info = json.loads(done.read_text())
        print(f"[{label}] reusing {ws_dir} ({info['rows']['sales']:,} lines)", flush=True)
        return ws_dir
    print(f"[{label}] building {SIZES[label]:,} customers (load {load()})", flush=True)
    r = measured(child("build", str(ws_dir), str(SIZES[label]), import_memory))
    info = r["out"]
    done.write_text(json.dumps({"spec": spec, **info, "wall": r["wall"], "rss_mb": r["rss_mb"]}))
    print(f"[{label}] build (generate + import) {r['wall']:.1f} s wall, peak RSS {r['rss_mb']:.0f} MB, "
          f"{info['rows']['sales']:,} lines", flush=True)
    return ws_dir


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        run_child(argv[1:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1M,10M,100M", help="DuckDB sizes (of 1M, 10M, 100M)")
    ap.add_argument("--engines", default="spark,postgres", help="other engines to run at --engines-size")
    ap.add_argument("--engines-size", default="10M")
    ap.add_argument("--rfm-sizes", default="1M,10M", help="sizes of the RFM + ABC comparison")
    ap.add_argument("--memory-limit", default="16GB", help="DuckDB memory_limit for compute")
    ap.add_argument("--import-memory", default="8GB", help="DuckDB memory_limit while building")
    ap.add_argument("--spark-driver-memory", default="8g")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    engines = [e for e in args.engines.split(",") if e]
    figures: dict = {"cpus": os.cpu_count(), "duckdb": {}, "engines": {}, "rfm_abc": {}}
    print(f"saleskpi scale benchmark; {os.cpu_count()} CPUs, load average {load()}", flush=True)

    for label in sizes:
        ws_dir = build(args.out, label, args.import_memory)
        scratch = args.out / label / "scratch"
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(ws_dir, scratch, ignore=shutil.ignore_patterns("templates"))
        before = load()
        r = measured(child("compute", str(scratch), args.memory_limit))
        shutil.rmtree(scratch, ignore_errors=True)
        figures["duckdb"][label] = {"wall": r["wall"], "cpu": r["cpu"], "rss_mb": r["rss_mb"], "load": before,
                                    **r["out"]}
        print(f"[{label}] duckdb " + show_compute("", r) + f" (load {before})", flush=True)
    done = [s for s in SIZES if s in figures["duckdb"]]
    for a, b in zip(done, done[1:]):
        g = figures["duckdb"][b]["compute_s"] / figures["duckdb"][a]["compute_s"]
        print(f"growth {a} -> {b}: {g:.1f}x time for 10x lines (aim <= 12x)")

    size = args.engines_size
    if engines:
        src = build(args.out, size, args.import_memory)
        for kind in engines:
            ws_dir = args.out / size / f"ws-{kind}"
            before = load()
            if kind == "spark":
                warehouse = args.out / size / "spark-warehouse"
                shutil.rmtree(warehouse, ignore_errors=True)
                url = (f"pyspark://local[2]?warehouse={warehouse}&spark.driver.memory={args.spark_driver_memory}"
                       f"&spark.local.dir={args.out / size / 'spark-tmp'}")
                ctx = None
            elif kind == "postgres":
                ctx = Postgres(args.out / "postgres")
                url = ctx.__enter__() + "?schema=bench"
            else:
                raise SystemExit(f"unknown engine {kind}")
            try:
                c = measured(child("copy", str(src), str(ws_dir), url))
                r = measured(child("compute", str(ws_dir), args.memory_limit))
            finally:
                if ctx is not None:
                    ctx.__exit__(None, None, None)
                for scratch in ("spark-warehouse", "spark-tmp"):
                    shutil.rmtree(args.out / size / scratch, ignore_errors=True)
            figures["engines"][kind] = {"import_s": c["out"]["import_s"], "import_wall": c["wall"],
                                        "wall": r["wall"], "rss_mb": r["rss_mb"], "load": before, **r["out"]}
            shutil.rmtree(ws_dir, ignore_errors=True)
            print(f"[{size}] {kind} import {c['wall']:.1f} s (sales {c['out']['import_s'].get('sales', 0):.1f} s); "
                  + show_compute("", r) + f" (load {before})", flush=True)
            if size in figures["duckdb"]:
                ratio = figures["engines"][kind]["compute_s"] / figures["duckdb"][size]["compute_s"]
                print(f"[{size}] {kind} / duckdb = {ratio:.1f}x", flush=True)

    for label in [s for s in args.rfm_sizes.split(",") if s]:
        ws_dir = build(args.out, label, args.import_memory)
        before = load()
        r = measured(child("rfm", str(ws_dir), "3"))
        info = r["out"]
        ratio = min(info["ibis_s"]) / min(info["sql_s"])
        figures["rfm_abc"][label] = {**info, "ratio": ratio, "load": before}
        print(f"[{label}] RFM + ABC over {info['customers']:,} customers: analyses' Ibis code best "
              f"{min(info['ibis_s']):.2f} s, hand-written DuckDB SQL best {min(info['sql_s']):.2f} s -> "
              f"{ratio:.2f}x (aim <= 1.5x); classes equal {info['classes_equal']}, RFM equal {info['rfm_equal']} "
              f"(load {before})", flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str))


if __name__ == "__main__":
    main()
