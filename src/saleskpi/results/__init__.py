"""Results: declared (:mod:`.declare`), stored run by run (:mod:`.store`) and read back
through the one reader (:func:`read`)."""

from saleskpi.results.declare import (
    MONEY_TYPE,
    SCOPE_KEYS,
    Column,
    Kind,
    Result,
    ResultMismatch,
    column,
    conform,
)
from saleskpi.results.read import RunInfo, finished_runs, read, run_of, runs_of
from saleskpi.results.store import (
    PREFIX,
    STAMPS,
    discard_run,
    finish_run,
    result_name,
    start_run,
    store,
    table_name,
)

__all__ = [
    "Column", "Kind", "MONEY_TYPE", "PREFIX", "Result", "ResultMismatch", "RunInfo", "SCOPE_KEYS", "STAMPS",
    "column", "conform", "discard_run", "finish_run", "finished_runs", "read", "result_name", "run_of", "runs_of",
    "start_run", "store", "table_name",
]
