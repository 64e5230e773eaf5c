"""Tables derived from the input tables, which the workspace keeps in step with them.

Their names start with ``derived_``; each is kept in step with its input in the same
transaction as every import (docs/import.md) and logged in ``meta_derived``
(:mod:`saleskpi.derived.bookkeeping`). Today there is one: ``derived_purchase_days``, the sales
summed per customer and day (:mod:`saleskpi.derived.purchase_days`).

This layer sits above the engines and the data contract and below the workspace and the
analyses: it reads tables through Ibis and the engine interface only.
"""

from __future__ import annotations

from saleskpi.data.schema import IBIS_TYPES
from saleskpi.derived import purchase_days as days
from saleskpi.derived.bookkeeping import (
    META_DERIVED,
    META_DERIVED_COLUMNS,
    Derived,
    Stamp,
    derived_batches,
    derived_sql,
    derived_stamp,
    import_sql,
    import_steps,
    is_fresh,
    rebuild_derived,
    source_stamp,
)

__all__ = ["DERIVED_PREFIX", "META_DERIVED", "META_DERIVED_COLUMNS", "PURCHASE_DAYS", "Derived", "Stamp",
           "derived_batches", "derived_of", "derived_sql", "derived_stamp", "derived_tables", "import_sql", "import_steps",
           "is_fresh", "rebuild_derived", "source_stamp"]

#: The names of derived tables start with this.
DERIVED_PREFIX = "derived_"
PURCHASE_DAYS = "derived_purchase_days"


def derived_tables() -> dict[str, Derived]:
    """Every derived table, by name: how it is built from its input and kept in step."""
    sql_type = {v: k for k, v in IBIS_TYPES.items()}
    return {PURCHASE_DAYS: Derived(
        name=PURCHASE_DAYS, source="sales",
        columns={c: sql_type[str(t)] for c, t in days.SALES_DAYS.items()},
        keys=("customer_id", "date"), build=days.sales_days, refresh=days.refreshed_sales_days,
        merge=days.merged_sales_days)}


def derived_of(table: str) -> list[Derived]:
    """The derived tables whose input is ``table``."""
    return [d for d in derived_tables().values() if d.source == table]
