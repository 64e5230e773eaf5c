"""The engine layer: turns a backend URL into an Ibis connection.

The only module (with the importer's staging step) that knows which engine runs underneath.
The default is an embedded DuckDB file inside the workspace; URLs of other engines are
recognised here so that they plug in without touching the analyses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import ibis

from saleskpi.errors import ConfigError


@dataclass(frozen=True)
class BackendURL:
    """A parsed backend URL. ``duckdb://file.duckdb`` is relative to the workspace folder;
    ``duckdb:///abs/file.duckdb`` is absolute."""

    kind: str
    url: str
    path: Path | None = None

    @classmethod
    def parse(cls, url: str, *, base: Path, source: str = "settings.toml") -> "BackendURL":
        parsed = urlparse(url)
        kind = parsed.scheme.lower()
        if kind == "duckdb":
            raw = url[len("duckdb://"):]
            if not raw:
                raise ConfigError(f"{source}: [workspace] backend: '{url}' names no DuckDB file. "
                                  "Use duckdb://saleskpi.duckdb (inside the workspace).")
            path = Path(raw)
            if not path.is_absolute():
                path = base / path
            return cls("duckdb", url, path)
        if kind in ("postgres", "postgresql", "pyspark"):
            return cls(kind, url)
        raise ConfigError(
            f"{source}: [workspace] backend: unknown engine '{kind or url}'. "
            "Use duckdb://FILE, postgres://user@host:port/db?schema=NAME or pyspark://local[2]?warehouse=PATH."
        )


def connect(backend: BackendURL, *, read_only: bool = False, memory_limit: str | None = None):
    """Open an Ibis connection to the workspace's engine."""
    if backend.kind == "duckdb":
        assert backend.path is not None
        if read_only and not backend.path.exists():
            raise ConfigError(f"{backend.path}: the workspace database does not exist yet.")
        con = ibis.duckdb.connect(str(backend.path), read_only=read_only)
        if memory_limit:
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        return con
    raise ConfigError(
        f"The {backend.kind} backend ({backend.url}) is not available in this version; "
        "use the DuckDB default (duckdb://saleskpi.duckdb)."
    )


def raw(con):
    """The DuckDB connection under an Ibis DuckDB backend (for staging and transactions)."""
    return con.con
