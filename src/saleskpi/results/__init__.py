"""Results: declared (:mod:`.declare`), stored run by run (:mod:`.store`) and read back
through the one reader (:func:`read`).

The names are loaded on first use (PEP 562): ``saleskpi show`` reads the table-name rules of
:mod:`.store` and the run lookup of :mod:`.read` without importing Ibis, which the
declarations need.
"""

from __future__ import annotations

import importlib
import sys
import types

#: Each public name and the module that defines it.
_EXPORTS = {
    **dict.fromkeys(("MONEY_TYPE", "SCOPE_KEYS", "Column", "Kind", "Result", "ResultMismatch", "column",
                     "conform"), "declare"),
    **dict.fromkeys(("finished_runs", "read", "run_of", "runs_of"), "read"),
    **dict.fromkeys(("RunInfo", "RunLine", "older_runs", "run_for", "run_list"), "runs"),
    **dict.fromkeys(("PREFIX", "STAMPS", "result_name", "table_name"), "names"),
    **dict.fromkeys(("WARNINGS_TABLE", "delete_runs", "discard_run", "finish_run", "run_warnings", "start_run",
                     "store", "store_warnings"), "store"),
}

__all__ = sorted(_EXPORTS)


class _Results(types.ModuleType):
    """The package; the import system binds each submodule to its name here, and two names
    are functions of submodules of the same name (``store``, ``read``): they stay the functions."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Results


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'saleskpi.results' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"saleskpi.results.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
