"""How fast the command line answers: ``--help``, ``--version`` and ``show`` of a 20-row
result (targets: under 0.3 s and under 0.5 s, issue "speed"), each run 5 times in a fresh
process; prints min / median / max wall time and the median CPU time (user + system, less
sensitive to other work on the machine).

    .venv/bin/python bench/cli_bench.py                      # builds /tmp/saleskpi-cli-bench (300 customers)
    .venv/bin/python bench/cli_bench.py --workspace DIR      # a workspace with a finished run
    .venv/bin/python bench/cli_bench.py --saleskpi /work/main/.venv/bin/saleskpi   # another version
    .venv/bin/python bench/cli_bench.py --startup-only --runs 10   # only --help and --version
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _measure import load


def timed(cmd: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of each run of ``cmd``."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=Path("/tmp/saleskpi-cli-bench"))
    parser.add_argument("--saleskpi", default=str(Path(sys.executable).with_name("saleskpi")))
    parser.add_argument("--src", type=Path, help="run the saleskpi package of this src/ folder instead (python -m saleskpi)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--startup-only", action="store_true", help="only --help and --version (no workspace)")
    args = parser.parse_args()
    exe, ws = args.saleskpi, args.workspace
    if args.src:
        os.environ["PYTHONPATH"] = str(args.src.resolve())
        exe = f"{sys.executable} -m saleskpi"
    if not args.startup_only and not (ws / "settings.toml").exists():
        subprocess.run([*exe.split(), "demo", str(ws), "--customers", "300"], check=True, capture_output=True)
        subprocess.run([*exe.split(), "compute", str(ws)], check=True, capture_output=True)
    os.environ["COLUMNS"] = "160"
    cases = {
        "saleskpi --help": ["--help"],
        "saleskpi --version": ["--version"],
        "show clv-params (20 rows)": ["show", str(ws), "clv-params"],
        "show abc --where/--sort --limit 20": ["show", str(ws), "abc", "--where", "class_by_value=A",
                                              "--sort=-turnover_value_12m", "--limit", "20"],
        "show clv-params --format csv": ["show", str(ws), "clv-params", "--format", "csv"],
    }
    if args.startup_only:
        cases = {k: v for k, v in cases.items() if k.startswith("saleskpi --")}
    print(f"{exe}; load average {load()}")
    for label, cmd in cases.items():
        cmd = [*exe.split(), *cmd]
        try:
            t, cpu = timed(cmd, args.runs)
        except subprocess.CalledProcessError as exc:
            print(f"  {label:<38} failed: {exc.stderr.decode()[-200:]}")
            continue
        print(f"  {label:<38} wall min {min(t):.3f} s  median {statistics.median(t):.3f} s  max {max(t):.3f} s"
              f"   CPU median {statistics.median(cpu):.3f} s")
    print(f"load average {load()}")


if __name__ == "__main__":
    main()
