"""Floors: the least time a step takes when it does nothing but move the bytes it must move.

A ratio target is only meaningful above what the engine needs to read the input and write the
output at all. These helpers measure that on the same machine, in the same run, with DuckDB
alone (run them in a child phase, as every measurement in bench/):

* :func:`load_floor`: a Parquet file loaded into a table of a fresh DuckDB file as it is,
  ``CREATE TABLE AS SELECT *``: no check, no conversion, no derived table;
* :func:`stored_rows_floor`: the rows one run stored in its result tables, copied as they are
  into a fresh DuckDB file: no computing, no ordering, no stamping.

Both end with a CHECKPOINT, so the time includes compressing and writing the blocks.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

__all__ = ["load_floor", "stored_rows_floor"]


def _fresh_database(folder: Path):
    import duckdb

    return duckdb.connect(str(folder / "floor.duckdb"))


def load_floor(parquet: Path) -> dict:
    """Seconds to load ``parquet`` into a fresh DuckDB file as it is, and its rows."""
    with tempfile.TemporaryDirectory(prefix="saleskpi-floor-") as tmp:
        con = _fresh_database(Path(tmp))
        t = time.perf_counter()
        con.execute(f"CREATE TABLE lines AS SELECT * FROM read_parquet('{parquet}')")
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - t
        rows = con.execute("SELECT count(*) FROM lines").fetchone()[0]
        con.close()
    return {"seconds": seconds, "rows": rows}


def stored_rows_floor(db_file: Path, run_id: int, tables: list[str] | None = None) -> dict:
    """Seconds to write the rows run ``run_id`` stored in ``db_file``'s result tables (``tables``,
    default every ``result_*`` table) into a fresh DuckDB file as they are, and how many."""
    with tempfile.TemporaryDirectory(prefix="saleskpi-floor-") as tmp:
        con = _fresh_database(Path(tmp))
        con.execute(f"ATTACH '{db_file}' AS src (READ_ONLY)")
        if tables is None:
            tables = [r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'src' "
                "AND table_name LIKE 'result_%' ORDER BY 1").fetchall()]
        t = time.perf_counter()
        for table in tables:
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM src."{table}" WHERE run_id = {int(run_id)}')
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - t
        rows = sum(con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables)
        con.close()
    return {"seconds": seconds, "tables": len(tables), "rows": rows}
