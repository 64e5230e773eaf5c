"""What every front end shows: the listing by kind, an input table and a result of the same
name told apart, --where/--columns, and JSON in which every number is a number."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import ibis
import pytest

from saleskpi import browse, results
from saleskpi.access import Scope
from saleskpi.engines import raw
from saleskpi.errors import UsageError


@pytest.fixture
def ws(workspace):
    raw(workspace.con).execute("INSERT INTO customers (customer_id, name, rep_id) VALUES ('C1','a','R1'),('C2','b','R2')")
    day = dt.date(2026, 1, 31)
    run = results.start_run(workspace.con, as_of=day, analyses=["sales"])
    rows = ibis.memtable({"level": ["customer", "customer"], "customer_id": ["C1", "C2"]}).mutate(
        turnover=ibis.literal(Decimal("25010405.69"), "decimal(38, 2)"))
    results.store(workspace.con, "sales", rows, run_id=run, as_of=day)
    results.finish_run(workspace.con, run)
    return workspace


def test_an_input_and_a_result_of_one_name_are_both_listed_and_each_can_be_shown(ws):
    items = {(i.name, i.kind): i.ask_as for i in browse.listing(ws.list_tables())}
    assert items[("sales", "result")] == "result:sales" and items[("sales", "input")] == "input:sales"
    assert items[("customers", "input")] == "customers"
    with pytest.raises(UsageError, match="'sales' is both a stored result and an input table in .*; "
                                         "show 'result:sales' or 'input:sales'."):
        browse.open_item(ws, "sales")
    assert browse.open_item(ws, "input:sales").expr.count().execute() == 0
    shown = browse.open_item(ws, "result:sales")
    assert shown.title == "sales (run 1, as of 2026-01-31)" and shown.expr.count().execute() == 2


def test_where_and_columns_select_rows_and_columns(ws):
    expr = browse.open_item(ws, "result:sales").expr
    picked = browse.select(expr, columns=["customer_id"], where=["customer_id=C2"]).to_pyarrow().to_pylist()
    assert picked == [{"customer_id": "C2"}]
    with pytest.raises(UsageError, match="--columns: no column nope in the table"):
        browse.select(expr, columns=["nope"])
    with pytest.raises(UsageError, match="--where 'x': write COLUMN=VALUE"):
        browse.select(expr, where=["x"])


def test_json_gives_every_number_as_a_number_and_money_to_the_cent(ws):
    rows = browse.open_item(ws, "result:sales", stamped=True).expr.to_pyarrow().to_pylist()
    text = browse.json_rows(rows)
    assert '"turnover": 25010405.69' in text
    parsed = json.loads(text)
    assert parsed[0]["as_of"] == "2026-01-31" and isinstance(parsed[0]["run_id"], int)
    assert json.loads(browse.json_rows([{"x": float("nan")}])) == [{"x": None}]


def test_a_scoped_user_sees_no_input_table(ws):
    with pytest.raises(UsageError, match="input:sales is an input table, which only the whole company's roles"):
        browse.open_item(ws, "input:sales", scope=Scope("rep", rep_id="R1"))
    assert browse.open_item(ws, "customers", scope=Scope("director")).expr.count().execute() == 2
