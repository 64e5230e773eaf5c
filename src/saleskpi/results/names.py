"""How stored results are named: ``abc-matrix`` is stored in the table ``result_abc_matrix``,
each row stamped with its run (``run_id``) and that run's ``as_of`` date. No Ibis here, so that
``saleskpi show`` can name tables without loading it."""

from __future__ import annotations

PREFIX = "result_"
STAMPS = ("run_id", "as_of")


def table_name(result: str) -> str:
    """``abc-matrix`` -> ``result_abc_matrix``."""
    return PREFIX + result.replace("-", "_")


def result_name(table: str) -> str:
    """``result_abc_matrix`` -> ``abc-matrix``."""
    return table[len(PREFIX):].replace("_", "-")
