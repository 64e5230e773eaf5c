"""A workspace made by an older saleskpi gains what this version's tables hold: the contract's
newer columns on its input tables (e.g. ``products.margin_rate``) and the import log's newer
columns (:func:`saleskpi.data.importer.log.upgrade_log`). Idempotent and cheap (one look at
each table's columns), so every writer runs it before it reads or writes: ``init``, each import
and each compute. A column added so is empty on the rows stored before it, as if the files
had left it out."""

from __future__ import annotations

from saleskpi.data.importer.log import upgrade_log
from saleskpi.data.schema import TABLES
from saleskpi.engines import engine_of

__all__ = ["upgrade_tables"]


def upgrade_tables(con) -> None:
    """Add to every stored input table the contract columns it lacks, and to the import log its
    newer columns."""
    present = set(con.list_tables())
    engine = engine_of(con)
    for tbl in TABLES.values():
        if tbl.name not in present:
            continue
        have = set(con.table(tbl.name).columns)
        missing = {c.name: c.sql_type for c in tbl.columns if c.name not in have}
        if missing:
            engine.add_columns(con, tbl.name, missing)
    upgrade_log(con)
