"""Run one benchmark phase in a child process and measure it: wall time, CPU time, peak RSS.

Linux carries a process's peak RSS over fork and exec, so a child started by a parent that holds
a lot of memory reports at least the parent's size. A benchmark's parent therefore stays small
(standard library only) and runs each phase as parent -> MEASURE (tiny) -> the phase; MEASURE
reads ``getrusage(RUSAGE_CHILDREN)``, which is then the phase's own peak RSS and CPU time (user +
system, all threads). Used by every script in bench/ (``from _measure import ...``: a script run
as ``python bench/x.py`` has bench/ on its path).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["load", "measured", "phase_command"]

MEASURE = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": p.returncode, "wall": time.perf_counter() - t, "stdout": p.stdout,
                  "stderr": p.stderr[-6000:], "rss_mb": u.ru_maxrss / 1024, "cpu": u.ru_utime + u.ru_stime}))
"""


def measured(cmd: list[str]) -> dict:
    """Run ``cmd`` under MEASURE: ``wall`` and ``cpu`` (s), ``rss_mb`` (its peak), ``stdout``,
    ``stderr``, and ``out``: the last line of stdout read as JSON (None if it is not JSON).
    Exits with the phase's stderr when it fails."""
    proc = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout)
    if result["rc"] != 0:
        phase = cmd[cmd.index("--child") + 1:] if "--child" in cmd else cmd
        raise SystemExit(f"{' '.join(map(str, phase))} failed:\n{result['stderr']}")
    lines = result["stdout"].strip().splitlines()
    try:
        result["out"] = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        result["out"] = None
    return result


def phase_command(script: str | Path, *args: str, python: str | Path | None = None,
                  src: Path | None = None) -> list[str]:
    """The command that runs ``script --child args`` (with ``python``, default this one; with
    ``src`` first on PYTHONPATH: another source tree's saleskpi package)."""
    env = ["env", f"PYTHONPATH={src}"] if src else []
    return [*env, str(python or sys.executable), str(Path(script).resolve()), "--child", *args]


def load() -> str:
    """The load averages over 1, 5 and 15 minutes."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
