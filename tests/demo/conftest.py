"""Demo companies shared by the demo tests: generated once per session.

``small_ws`` is a built workspace (every input table through the importer); ``medium`` is a
larger company kept in memory as Arrow tables, with a DuckDB connection over them, for the
statistical checks that need more customers than the small workspace has.
"""

from __future__ import annotations

import collections

import duckdb
import pyarrow as pa
import pytest

SMALL = {"customers": 200, "years": 2, "seed": 7}
MEDIUM = {"customers": 3000, "years": 3, "seed": 11}


def tables_of(**spec) -> dict[str, pa.Table]:
    """Every table of a demo company, chunks concatenated."""
    from saleskpi.demo import generate

    parts: dict[str, list[pa.Table]] = collections.defaultdict(list)
    for name, table in generate(**spec):
        parts[name].append(table)
    return {name: pa.concat_tables(chunks) for name, chunks in parts.items()}


@pytest.fixture(scope="session")
def small_spec() -> dict:
    """The small company's parameters (200 customers, 2 years: 2024-11-01 .. 2026-10-31)."""
    return dict(SMALL)


@pytest.fixture(scope="session")
def generate_tables():
    """``generate_tables(**spec)``: every table of a demo company, chunks concatenated."""
    return tables_of


@pytest.fixture(scope="session")
def small_tables() -> dict[str, pa.Table]:
    return tables_of(**SMALL)


@pytest.fixture(scope="session")
def small_ws(tmp_path_factory):
    """The small demo company built into a workspace (read through ``raw(ws.con)``)."""
    from saleskpi.demo import build_demo

    ws = build_demo(tmp_path_factory.mktemp("demo") / "ws", **SMALL)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def small_db(small_ws):
    """The small workspace's DuckDB connection, with ``sales_eur``: sales with year and line."""
    from saleskpi.engines import raw

    db = raw(small_ws.con)
    db.execute("""CREATE OR REPLACE TEMP VIEW sales_eur AS
                  SELECT s.*, year(s.date) AS year, p.business_line
                  FROM sales s JOIN products p USING (product_id)""")
    return db


@pytest.fixture(scope="session")
def medium() -> duckdb.DuckDBPyConnection:
    """A larger company in memory: every table registered in DuckDB; ``sales_eur`` converts
    BGN lines at the fixed rate as the importer does."""
    con = duckdb.connect()
    for name, table in tables_of(**MEDIUM).items():
        con.register(name, table)
    con.execute("""CREATE VIEW sales_eur AS
                   SELECT s.* EXCLUDE (net_value),
                          CASE WHEN currency = 'BGN' THEN round(net_value / 1.95583, 2) ELSE net_value END
                              AS net_value,
                          year(s.date) AS year, p.business_line
                   FROM sales s JOIN products p USING (product_id)""")
    yield con
    con.close()
