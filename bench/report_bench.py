"""How long the Excel report of the whole company takes (issue 14: the 100k-customer demo in
under 60 s), and its peak memory: ``saleskpi report DIR --xlsx FILE`` in a fresh process
under bench/_measure.py, on a demo workspace with a finished run.

    .venv/bin/python bench/report_bench.py --customers 20000          # builds /tmp/saleskpi-report-bench-20000
    .venv/bin/python bench/report_bench.py --workspace DIR            # a workspace with a finished run
    .venv/bin/python bench/report_bench.py --workspace DIR --user LOGIN --lang bg

Prints one line per phase (wall, CPU = user + system, peak RSS), then the workbook's size and
rows per sheet (from the command's own message).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from _measure import load, measured

SALESKPI = str(Path(sys.executable).with_name("saleskpi"))


def line(name: str, m: dict) -> str:
    return f"{name:<28} wall {m['wall']:7.1f} s   CPU {m['cpu']:7.1f} s   peak RSS {m['rss_mb']:7.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="A workspace with a finished run (else a demo is built).")
    parser.add_argument("--customers", type=int, default=20_000, help="Customers of the demo built (default 20,000).")
    parser.add_argument("--years", type=int, default=3, help="Years of history of the demo built (default 3).")
    parser.add_argument("--user", help="The report of this user (saleskpi user add).")
    parser.add_argument("--lang", default="en", choices=("en", "bg"))
    parser.add_argument("--out", type=Path, help="The .xlsx written (default: beside the workspace).")
    args = parser.parse_args()
    print(f"load before: {load()}")
    ws = args.workspace
    if ws is None:
        ws = Path(f"/tmp/saleskpi-report-bench-{args.customers}")
        if not (ws / "settings.toml").exists():
            print(line("demo", measured([SALESKPI, "demo", str(ws), "--customers", str(args.customers),
                                         "--years", str(args.years)])))
            print(line("compute", measured([SALESKPI, "compute", str(ws)])))
    out = args.out or ws.parent / f"{ws.name}-report.xlsx"
    cmd = [SALESKPI, "report", str(ws), "--xlsx", str(out), "--lang", args.lang]
    if args.user:
        cmd += ["--user", args.user]
    m = measured(cmd)
    print(line("report", m))
    print(m["stderr"].strip())
    print(f"workbook: {out} ({os.path.getsize(out) / 1e6:,.1f} MB); load after: {load()}")


if __name__ == "__main__":
    main()
