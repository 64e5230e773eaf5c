"""Backend URLs: what each engine's URL means, and the errors a wrong one gets (no server needed)."""

from pathlib import Path

import pytest

from saleskpi.engines.url import BackendURL
from saleskpi.errors import ConfigError

BASE = Path("/ws")


def parse(url: str) -> BackendURL:
    return BackendURL.parse(url, base=BASE)


def test_duckdb_file_is_relative_to_the_workspace_unless_absolute():
    assert parse("duckdb://saleskpi.duckdb").path == BASE / "saleskpi.duckdb"
    assert parse("duckdb:///data/x.duckdb").path == Path("/data/x.duckdb")


def test_postgres_url_names_server_database_and_schema():
    b = parse("postgres://kpi:s%40cret@db.example:5433/sales?schema=acme")
    assert (b.kind, b.host, b.port, b.user, b.password, b.database, b.schema) == (
        "postgres", "db.example", 5433, "kpi", "s@cret", "sales", "acme")
    b = parse("postgresql://kpi@db/sales")
    assert (b.kind, b.port, b.schema, b.password) == ("postgres", 5432, "public", None)
    assert "s@cret" not in repr(parse("postgres://kpi:s%40cret@db/sales"))


@pytest.mark.parametrize(("url", "message"), [
    ("postgres://kpi@db/sales?schema=a-b", "schema 'a-b' must be letters, digits and _"),
    ("postgres://kpi@db/sales?search_path=x", "unknown option search_path"),
    ("postgres://kpi@db?schema=x", "must name a host and a database"),
])
def test_wrong_postgres_urls_are_config_errors(url, message):
    with pytest.raises(ConfigError, match=r"settings.toml: \[workspace\] backend: .*" + message):
        parse(url)


def test_spark_url_names_master_warehouse_and_database():
    b = parse("pyspark://local[2]?warehouse=warehouse")
    assert (b.kind, b.master, b.path, b.database, b.options) == ("pyspark", "local[2]", BASE / "warehouse",
                                                                 "saleskpi", ())
    b = parse("pyspark://spark-master:7077?warehouse=/shared/wh&database=acme&spark.executor.memory=4g")
    assert (b.master, b.path, b.database) == ("spark://spark-master:7077", Path("/shared/wh"), "acme")
    assert b.options == (("spark.executor.memory", "4g"),)
    assert parse("pyspark://local[*]?warehouse=/w").master == "local[*]"


@pytest.mark.parametrize(("url", "message"), [
    ("pyspark://local[2]", "needs a warehouse folder"),
    ("pyspark://?warehouse=/w", "names no Spark master"),
    ("pyspark://local[2]?warehouse=/w&cores=2", "unknown option cores"),
])
def test_wrong_spark_urls_are_config_errors(url, message):
    with pytest.raises(ConfigError, match=message):
        parse(url)


def test_a_missing_postgres_server_is_a_config_error_naming_it(tmp_path):
    pytest.importorskip("psycopg")
    from saleskpi.workspace import Workspace

    with pytest.raises(ConfigError, match=r"Cannot connect to PostgreSQL at 127.0.0.1:9 \(database x"):
        Workspace.init(tmp_path / "ws", backend="postgres://nobody@127.0.0.1:9/x?schema=s")


@pytest.mark.parametrize("url", ["duckdb://../other/co.duckdb", "duckdb://data/../../co.duckdb",
                                 "pyspark://local[2]?warehouse=../wh"])
def test_a_relative_path_may_not_leave_the_workspace(url):
    with pytest.raises(ConfigError, match=r"settings.toml: \[workspace\] backend: .* is outside the workspace "
                                          r"folder /ws\. A relative path stays inside the workspace"):
        parse(url)
    assert parse("duckdb://data/../co.duckdb").path == BASE / "data/../co.duckdb"


def test_a_password_in_the_url_is_never_shown():
    from saleskpi.engines.url import masked

    assert masked("postgres://kpi:s%40cret@db:5433/sales?schema=a") == "postgres://kpi:***@db:5433/sales?schema=a"
    assert masked("postgres://kpi@db/sales") == "postgres://kpi@db/sales"
    assert parse("postgres://kpi:s%40cret@db/sales").url == "postgres://kpi:***@db/sales"
    with pytest.raises(ConfigError) as refused:
        parse("postgres://kpi:s%40cret@db/sales?schema=a-b&x=1")
    assert "postgres://kpi:***@db/sales" in str(refused.value) and "cret" not in str(refused.value)
