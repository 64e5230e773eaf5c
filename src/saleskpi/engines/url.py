"""Backend URLs: which engine a workspace's data lives on, and where (docs/backends.md).

``BackendURL.parse`` reads ``[workspace] backend``; :func:`saleskpi.engines.engine_for` then
picks the engine it names, once. A password written in the URL is kept apart (``password``)
and never shown: ``url`` and every message carry the URL with ``***`` in its place
(:func:`masked`). A relative path (a DuckDB file, a Spark warehouse) must stay inside the
workspace folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from saleskpi.errors import ConfigError

URL_HELP = ("Use duckdb://FILE, postgres://user@host:port/db?schema=NAME or "
             "pyspark://local[2]?warehouse=PATH.")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: ``scheme://user:password@`` -- the password part of a URL.
_PASSWORD = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/@:?#]*:)(?P<password>[^@/?#]*)(?P<tail>@)")


def masked(url: str) -> str:
    """``url`` with the password, if it holds one, replaced by ``***`` (what messages show)."""
    return _PASSWORD.sub(lambda m: f"{m['head']}***{m['tail']}", url, count=1)


def _inside(base: Path, raw: str, *, what: str, where: str, url: str) -> Path:
    """The path ``raw`` of a URL: absolute as written, or relative to the workspace ``base``,
    which it may not leave (``duckdb://../other.duckdb`` is refused)."""
    path = Path(raw)
    if path.is_absolute():
        return path
    joined = base / path
    root = base.resolve()
    target = joined.resolve()
    if target != root and root not in target.parents:
        raise ConfigError(f"{where}: '{url}': the {what} '{raw}' is outside the workspace folder {base}. "
                          f"A relative path stays inside the workspace (e.g. {path.name}); write an "
                          "absolute path (three slashes: duckdb:///srv/data/co.duckdb) to keep it elsewhere.")
    return joined


@dataclass(frozen=True)
class BackendURL:
    """A parsed backend URL. ``duckdb://file.duckdb`` is relative to the workspace folder;
    ``duckdb:///abs/file.duckdb`` is absolute.

    ``kind`` is ``duckdb``, ``postgres`` or ``pyspark``. ``path`` is the DuckDB file or the
    Spark warehouse folder; ``database`` the PostgreSQL database or the Spark database the
    tables live in; ``schema`` the PostgreSQL schema; ``master`` the Spark master;
    ``options`` extra ``spark.*`` settings given in the URL's query.
    """

    kind: str
    url: str
    path: Path | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    schema: str | None = None
    master: str | None = None
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, url: str, *, base: Path, source: str = "settings.toml") -> "BackendURL":
        where = f"{source}: [workspace] backend"
        kind, sep, rest = url.partition("://")
        if kind.lower() in ("postgres", "postgresql") and sep:
            return cls._parse_postgres(url, where)
        url = masked(url)
        kind = kind.lower()
        if not sep:
            kind = url.split(":", 1)[0].lower()
        if kind == "duckdb":
            raw = url[len("duckdb://"):]
            if not raw:
                raise ConfigError(f"{where}: '{url}' names no DuckDB file. "
                                  "Use duckdb://saleskpi.duckdb (inside the workspace).")
            return cls("duckdb", url, _inside(base, raw, what="DuckDB file", where=where, url=url))
        if kind == "pyspark" and sep:
            return cls._parse_spark(url, rest, base=base, where=where)
        raise ConfigError(f"{where}: unknown engine '{kind or url}'. {URL_HELP}")

    @classmethod
    def _parse_postgres(cls, url: str, where: str) -> "BackendURL":
        parts = urlsplit(url)
        url = masked(url)
        query = dict(parse_qsl(parts.query))
        unknown = sorted(set(query) - {"schema"})
        if unknown:
            raise ConfigError(f"{where}: '{url}': unknown option {', '.join(unknown)}; the one option "
                              "is schema=NAME (postgres://user@host:port/db?schema=NAME).")
        database = parts.path.lstrip("/")
        if not parts.hostname or not database:
            raise ConfigError(f"{where}: '{url}' must name a host and a database, e.g. "
                              "postgres://saleskpi@db.example:5432/sales?schema=acme.")
        schema = query.get("schema", "public")
        if not _IDENT.match(schema):
            raise ConfigError(f"{where}: schema '{schema}' must be letters, digits and _ "
                              "(starting with a letter), e.g. schema=acme_2025.")
        try:
            port = parts.port or 5432
        except ValueError:
            raise ConfigError(f"{where}: '{url}': the port must be a number such as 5432.") from None
        return cls("postgres", url, host=parts.hostname, port=port,
                   user=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None,
                   database=database, schema=schema)

    @classmethod
    def _parse_spark(cls, url: str, rest: str, *, base: Path, where: str) -> "BackendURL":
        # Not urlsplit: "local[2]" is not a host name (brackets mean IPv6 to urllib).
        master, _, query_text = rest.partition("?")
        master = master.rstrip("/")
        if not master:
            raise ConfigError(f"{where}: '{url}' names no Spark master; use pyspark://local[2]?warehouse=PATH "
                              "or pyspark://HOST:7077?warehouse=PATH.")
        if not (master.startswith("local") or master in ("yarn",) or "://" in master):
            master = "spark://" + master
        query = dict(parse_qsl(query_text))
        if "warehouse" not in query:
            raise ConfigError(f"{where}: '{url}' needs a warehouse folder for the tables, e.g. "
                              "pyspark://local[2]?warehouse=warehouse (inside the workspace).")
        path = _inside(base, query.pop("warehouse"), what="warehouse folder", where=where, url=url)
        database = query.pop("database", "saleskpi")
        if not _IDENT.match(database):
            raise ConfigError(f"{where}: database '{database}' must be letters, digits and _.")
        unknown = sorted(k for k in query if not k.startswith("spark."))
        if unknown:
            raise ConfigError(f"{where}: '{url}': unknown option {', '.join(unknown)}; options are "
                              "warehouse=PATH, database=NAME and spark.* settings.")
        return cls("pyspark", url, path=path, database=database, master=master,
                   options=tuple(sorted(query.items())))
