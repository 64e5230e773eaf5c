"""Engines for the shared backend tests: DuckDB (a file), PostgreSQL and Spark (started once
per session, stopped at the end).

``backend_url(name)`` gives a fresh, empty place on an engine for one workspace: a DuckDB
file, a PostgreSQL schema of the session's server, a Spark database of the session's
warehouse. PostgreSQL runs from the Debian packages' binaries (``initdb`` + ``pg_ctl`` with a
private data folder on 127.0.0.1; as the ``postgres`` user when the tests run as root, since
``initdb`` refuses root); Spark runs ``local[2]`` with ``SPARK_LOCAL_IP=127.0.0.1``.

An engine that is not installed skips its tests with the reason, except under CI
(``CI=true``), where it fails them: CI must run every engine (``make test`` installs them).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

BACKENDS = ("duckdb", "postgres", "spark")
_names = itertools.count(1)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def unavailable(reason: str):
    """Skip outside CI; fail under CI (an engine missing there is a broken CI, not a pass)."""
    if in_ci():
        pytest.fail(f"{reason}. CI=true: every engine must run ('make test' installs them).", pytrace=False)
    pytest.skip(reason)


# --- PostgreSQL -------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The folder of initdb/pg_ctl: on PATH, else the newest Debian package's."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """A private PostgreSQL server on 127.0.0.1 for the session: yields its base URL
    (``postgres://postgres@127.0.0.1:PORT/postgres``)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed (pip install -e '.[postgres]')")
    bin_dir = postgres_bin()
    if bin_dir is None:
        unavailable("PostgreSQL is not installed (apt-get install -y postgresql; 'make test' does it as root)")
    root = Path(tempfile.mkdtemp(prefix="saleskpi-pg-"))
    data, run_as = root / "data", []
    if os.geteuid() == 0:
        # initdb refuses to run as root: the server runs as an unprivileged user.
        user = "postgres"
        try:
            pwd.getpwnam(user)
        except KeyError:
            user = "nobody"
        shutil.chown(root, user)
        run_as = ["runuser", "-u", user, "--"]
    port = _free_port()
    log = root / "server.log"
    _run([*run_as, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
          "-E", "UTF8", "--no-sync"])
    _record(data, bin_dir, run_as)
    _run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
          f"-h 127.0.0.1 -p {port} -k {root} -F -c max_connections=50", "start"], log=log)
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _run(command: list[str], log: Path | None = None) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        server = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        pytest.fail(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{server}",
                    pytrace=False)


def _record(data: Path, bin_dir: Path, run_as: list[str]) -> None:
    """Note the server in $SALESKPI_TEST_SERVERS (if set) so that .ci/run stops it even if
    the test process is killed."""
    listing = os.environ.get("SALESKPI_TEST_SERVERS")
    if listing:
        with open(listing, "a", encoding="utf-8") as fh:
            fh.write(f"{' '.join(run_as) or '-'}\t{bin_dir / 'pg_ctl'}\t{data}\n")


# --- Spark ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def spark_warehouse():
    """A temporary Spark warehouse for the session (``local[2]``); yields its base URL."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("pyspark is not installed (pip install -e '.[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        unavailable("Java is not installed (Spark needs it: apt-get install -y openjdk-17-jre-headless)")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    root = Path(tempfile.mkdtemp(prefix="saleskpi-spark-"))
    try:
        yield f"pyspark://local[2]?warehouse={root / 'warehouse'}"
    finally:
        from saleskpi.engines.spark import stop_spark

        stop_spark()
        shutil.rmtree(root, ignore_errors=True)


# --- one place per workspace ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def backend_url(request, tmp_path_factory):
    """``backend_url(kind)``: the URL of a fresh, empty place on engine ``kind``."""

    def make(kind: str) -> str:
        name = f"ws_{next(_names)}"
        if kind == "duckdb":
            return f"duckdb://{tmp_path_factory.mktemp('duckdb') / (name + '.duckdb')}"
        if kind == "postgres":
            return request.getfixturevalue("postgres_server") + f"?schema={name}"
        if kind == "spark":
            return request.getfixturevalue("spark_warehouse") + f"&database={name}"
        raise ValueError(kind)

    return make


def engine_params(*kinds: str, gaps: dict | None = None):
    """``pytest.param`` per engine with its marker, and a declared gap (``gaps[kind] =
    (exception, reason)``) as a strict xfail: a fix shows up as an unexpected pass."""
    params = []
    for kind in kinds or BACKENDS:
        marks = [getattr(pytest.mark, kind)]
        if gaps and kind in gaps:
            exc, reason = gaps[kind]
            marks.append(pytest.mark.xfail(raises=exc, strict=True, reason=f"{kind}: {reason}"))
        params.append(pytest.param(kind, marks=marks, id=kind))
    return params
