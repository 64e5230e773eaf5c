"""The customer capabilities against the value core (issue 12: on the 100k-customer demo,
segments, satisfaction and loyalty together within 2x the time of the value core's four
analyses -- sales, potential, wallet, abc -- and peak memory within 4 GB).

    .venv/bin/python bench/capabilities_bench.py --workspace DIR     # a demo workspace (copied first)
    .venv/bin/python bench/capabilities_bench.py --customers 100000  # builds the demo first

One ``compute`` of every analysis in a child process (bench/_measure.py: wall, CPU, peak RSS of
the whole compute), on a copy of the workspace (the original is not written), with the wall
time of each analysis from compute's progress marks. Prints each analysis, the two sums and
their ratio, and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _measure import load, measured, phase_command

VALUE_CORE = ("sales", "potential", "wallet", "abc")
CUSTOMER = ("segments", "satisfaction", "loyalty")
SALESKPI = str(Path(sys.executable).with_name("saleskpi"))


def child_compute(ws_dir: Path) -> dict:
    from saleskpi.compute import compute
    from saleskpi.workspace import Workspace

    marks: list[tuple[str, float]] = []
    with Workspace.open(ws_dir) as ws:
        compute(ws, progress=lambda name, done, total: marks.append((name, time.perf_counter())))
    return {name: marks[i + 1][1] - at for i, (name, at) in enumerate(marks[:-1])}


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child_compute(Path(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="A demo workspace (copied; the copy is computed).")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="saleskpi-capabilities-") as tmp:
        ws = Path(tmp) / "ws"
        if args.workspace:
            shutil.copytree(args.workspace, ws, ignore=shutil.ignore_patterns(".saleskpi-tmp", ".saleskpi.lock"))
        else:
            print(measured([SALESKPI, "demo", str(ws), "--customers", str(args.customers),
                            "--years", str(args.years)])["wall"], "s to build the demo")
        print(f"load before: {load()}")
        m = measured(phase_command(__file__, str(ws)))
        per = m["out"]
    for name, took in per.items():
        print(f"{name:<14} {took:7.1f} s")
    core, customer = sum(per[a] for a in VALUE_CORE), sum(per[a] for a in CUSTOMER if a in per)
    print(f"value core ({', '.join(VALUE_CORE)}) {core:.1f} s; {', '.join(CUSTOMER)} {customer:.1f} s = "
          f"{customer / core:.2f} x (target <= 2 x); whole compute {m['wall']:.1f} s wall, {m['cpu']:.1f} s CPU, "
          f"peak RSS {m['rss_mb']:,.0f} MB (target <= 4 GB); load after: {load()}")


if __name__ == "__main__":
    main()
