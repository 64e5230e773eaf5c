"""Storing and reading runs: history kept when a result's columns change, and only finished
runs read."""

from __future__ import annotations

import datetime as dt

import ibis

from saleskpi import results


def test_a_result_whose_columns_changed_keeps_its_earlier_runs(workspace):
    con = workspace.con
    day = dt.date(2026, 1, 31)
    first = results.start_run(con, as_of=day, analyses=["x"])
    results.store(con, "history", ibis.memtable({"key": ["a", "b"], "old": [1, 2]}), run_id=first, as_of=day)
    results.finish_run(con, first)
    second = results.start_run(con, as_of=day, analyses=["x"])
    new = ibis.memtable({"key": ["a"], "amount": [1.5]})
    assert results.store(con, "history", new, run_id=second, as_of=day) == 1
    results.finish_run(con, second)
    assert results.runs_of(con, "history") == [first, second]
    kept = results.read(con, "history", run=first).order_by("key").to_pyarrow().to_pylist()
    assert kept == [{"key": "a", "amount": None}, {"key": "b", "amount": None}]
    assert results.read(con, "history").to_pyarrow().to_pylist() == [{"key": "a", "amount": 1.5}]


def test_the_reader_skips_a_run_that_never_finished(workspace):
    con = workspace.con
    day = dt.date(2026, 1, 31)
    done = results.start_run(con, as_of=day, analyses=["x"])
    results.store(con, "r", ibis.memtable({"n": [1]}), run_id=done, as_of=day)
    results.finish_run(con, done)
    killed = results.start_run(con, as_of=day, analyses=["x"])  # a compute killed half-way
    results.store(con, "r", ibis.memtable({"n": [2]}), run_id=killed, as_of=day)
    assert results.read(con, "r").to_pyarrow().to_pylist() == [{"n": 1}]
    assert results.run_of(con, "r").run_id == done
    later = results.start_run(con, as_of=day, analyses=["x"])
    assert results.run_of(con, "r", before=later).run_id == done
