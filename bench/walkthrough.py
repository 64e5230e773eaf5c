"""The first day with real data, as a user runs it: every command, what it printed, its time
and peak memory.

    python bench/walkthrough.py online_retail [--workdir DIR]
    python bench/walkthrough.py cdnow [--workdir DIR]

Each step is a ``saleskpi`` command in its own process (``_measure``: wall time, CPU time and
peak RSS of that process alone), from a clean workspace, on the real data in ../shared/data and
the example mappings in examples/. The output is Markdown for a closing note or docs/own-data.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from _measure import load, measured

REPO = Path(__file__).resolve().parents[1]
DATA = (REPO / ".." / "shared" / "data").resolve()
EXAMPLES = REPO / "examples"


def steps(name: str, ws: Path) -> list[list[str]]:
    """The commands of one walk-through (arguments after ``saleskpi``)."""
    w = str(ws)
    if name == "online_retail":
        data = DATA / "online_retail" / "online_retail_2010-12_2011-12.parquet"
        return [
            ["init", w, "--currency", "GBP"],
            ["import", w, "sales", str(data), "--mapping", str(EXAMPLES / "online_retail" / "mapping.toml"),
             "--create-missing"],
            ["imports", w],
            ["compute", w],
            ["show", w, "--list"],
            ["show", w, "abc-matrix"],
            ["show", w, "bridge"],
            ["show", w, "potential-methods"],
            ["show", w, "clv-params", "--where", "model=check"],
            ["show", w, "result:sales", "--where", "level=company", "--columns", "level,turnover_value_period,turnover_value_ly,growth_value_vs_ly,coverage_ly,note"],
        ]
    if name == "cdnow":
        data = DATA / "cdnow" / "CDNOW_master.txt"
        return [
            ["init", w, "--currency", "USD"],
            ["import", w, "sales", str(data), "--mapping", str(EXAMPLES / "cdnow" / "mapping.toml"),
             "--create-missing"],
            ["imports", w],
            ["compute", w, "--as-of", "1998-06-30"],
            ["show", w, "clv-params", "--where", "model=left out"],
            # no cost in CDNOW: the user chooses revenue-based CLV in settings.toml, as the warning says
            ["edit", str(ws / "settings.toml"), 'margin_basis = "cost"', 'margin_basis = "revenue"'],
            ["compute", w, "--as-of", "1998-06-30", "--only", "clv"],
            ["show", w, "clv", "--limit", "10", "--sort", "clv_12m:desc",
             "--columns", "customer_id,frequency,p_alive,expected_purchases_12m,clv_12m,margin_basis"],
            ["runs", w],
        ]
    raise SystemExit(f"unknown walk-through {name!r}: online_retail or cdnow")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=["online_retail", "cdnow"])
    parser.add_argument("--workdir", type=Path, default=None, help="where the workspace goes (default: a temp folder)")
    args = parser.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="saleskpi-walk-"))
    ws = root / args.name
    if ws.exists():
        shutil.rmtree(ws)
    exe = Path(sys.executable).with_name("saleskpi")
    print(f"# Walk-through: {args.name} (load average before: {load()})\n")
    for step in steps(args.name, ws):
        if step[0] == "edit":  # what a user does in an editor
            path, before, after = Path(step[1]), step[2], step[3]
            path.write_text(path.read_text(encoding="utf-8").replace(before, after, 1), encoding="utf-8")
            print(f"## edit {path.name}: `{before}` -> `{after}`\n")
            continue
        try:
            result = measured([str(exe), *step])
            rc = 0
        except SystemExit as failed:  # a refused step is part of the story
            result, rc = {"wall": float("nan"), "cpu": float("nan"), "rss_mb": float("nan"),
                          "stdout": "", "stderr": str(failed)}, 1
        shown = " ".join(s.replace(str(root) + "/", "") for s in step)
        print(f"## `saleskpi {shown}`\n")
        print(f"exit {rc}; {result['wall']:.2f} s wall, {result['cpu']:.2f} s CPU, "
              f"peak {result['rss_mb']:.0f} MB; load {load()}\n")
        for stream in ("stderr", "stdout"):
            text = result[stream].strip()
            if text:
                lines = text.splitlines()
                cut = lines[:60] + ([f"... ({len(lines) - 60} more lines)"] if len(lines) > 60 else [])
                print(f"{stream}:\n```\n" + "\n".join(cut) + "\n```\n")


if __name__ == "__main__":
    main()
