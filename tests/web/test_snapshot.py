"""The server's snapshot copies (saleskpi.web.snapshot): indexed for the customer page, the
workspace itself untouched."""

from __future__ import annotations

import shutil

import duckdb


def _indexes(file) -> list[tuple[str, str]]:
    db = duckdb.connect(str(file), read_only=True)
    try:
        return db.execute("SELECT table_name, expressions FROM duckdb_indexes()").fetchall()
    finally:
        db.close()


def test_a_copy_is_indexed_on_the_columns_looked_up_and_the_workspace_is_not(computed, tmp_path):
    from saleskpi.web.snapshot import Snapshots

    path = tmp_path / "ws"
    shutil.copytree(computed, path)
    wanted = (("result_abc", "customer_id"), ("result_no_such", "customer_id"), ("result_abc_limits", "customer_id"))
    snapshots = Snapshots(path, lookups=wanted)
    try:
        with snapshots.reading() as con:
            copy = snapshots._current.file
            snapshots._current.indexing.join(timeout=60)  # made beside the requests
            found = con.raw_sql("SELECT table_name, expressions FROM duckdb_indexes()").fetchall()
            assert found == [("result_abc", "[customer_id]")]  # only the pairs the copy holds
            rows = con.raw_sql("SELECT count(*) FROM result_abc WHERE customer_id = 'C00001'").fetchone()[0]
            assert rows >= 1
        assert copy != path / "saleskpi.duckdb"
    finally:
        snapshots.close()
    assert _indexes(path / "saleskpi.duckdb") == []
