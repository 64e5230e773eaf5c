"""What every front end shows: the listing by kind, an input table and a result of the same
name told apart, --where/--columns/--sort, runs that do not exist or did not finish, JSON in
which every number is a number, CSV for Excel and without formulas, the run list and --keep."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import ibis
import pytest

from saleskpi import browse, results
from saleskpi.access import Scope
from saleskpi.engines import raw
from saleskpi.engines.reader import IbisReader
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


def _json(columns, rows) -> str:
    stream = io.StringIO()
    browse.write_json(columns, [rows], stream)
    return stream.getvalue()


def test_json_gives_every_number_as_a_number_and_money_to_the_cent(ws):
    rows = browse.open_item(ws, "result:sales", stamped=True).expr.to_pyarrow().to_pylist()
    text = _json(list(rows[0]), [tuple(r.values()) for r in rows])
    assert '"turnover": 25010405.69' in text
    parsed = json.loads(text)
    assert parsed[0]["as_of"] == "2026-01-31" and isinstance(parsed[0]["run_id"], int)
    assert json.loads(_json(["x"], [(float("nan"),)])) == [{"x": None}]
    assert json.loads(_json(["x"], [])) == []


def test_a_scoped_user_sees_no_input_table(ws):
    with pytest.raises(UsageError, match="input:sales is an input table, which only the whole company's roles"):
        browse.open_item(ws, "input:sales", scope=Scope("rep", rep_id="R1"))
    assert browse.open_item(ws, "customers", scope=Scope("director")).expr.count().execute() == 2


# --- the light reader: where, sort, runs, exports -------------------------------------------

MIX = {
    "customer_id": ["C1", "C2", "C3", "C4"],
    "share": [0.1, 0.2, None, 0.5],
    "flag": [True, False, None, True],
    "day": [dt.date(2026, 1, 1), dt.date(2026, 2, 1), None, dt.date(2026, 3, 15)],
    "note": ["=HYPERLINK(\"http://x\")", "-minus", None, "plain; text"],
}


@pytest.fixture
def mixed(ws):
    """``ws`` with the result ``mix`` in a finished run 2 and an unfinished run 3."""
    day = dt.date(2026, 2, 28)
    rows = ibis.memtable(MIX, schema={"customer_id": "string", "share": "float64", "flag": "boolean",
                                      "day": "date", "note": "string"}).mutate(
        amount=ibis.cases((ibis._.customer_id == "C1", ibis.literal(Decimal("-5.25"), "decimal(18, 2)")),
                          else_=ibis.literal(Decimal("1234.50"), "decimal(18, 2)")))
    done = results.start_run(ws.con, as_of=day, analyses=["mix"])
    results.store(ws.con, "mix", rows, run_id=done, as_of=day)
    results.finish_run(ws.con, done)
    half = results.start_run(ws.con, as_of=day, analyses=["mix"])
    results.store(ws.con, "mix", rows, run_id=half, as_of=day)
    return ws


@pytest.fixture(params=["duckdb", "ibis"])
def reader(mixed, request):
    """The DuckDB reader and the portable Ibis one (what PostgreSQL and Spark use), which must agree."""
    if request.param == "ibis":
        yield IbisReader(mixed.con)
        return
    mixed.close()  # one process may not hold the file read-write and read-only at once
    with browse.open_reader(mixed.path) as r:
        yield r


def _ids(reader, *, where=None, sort=None, run=None) -> list[str]:
    plan = browse.plan(reader, "mix", where_name="ws", where=where, sort=sort, run=run, columns=["customer_id"])
    return [r[0] for r in reader.rows(plan.query)]


@pytest.mark.parametrize("where, expected", [
    (["share<0.2"], ["C1"]), (["share<=0.2"], ["C1", "C2"]), (["share>0.1"], ["C2", "C4"]),
    (["share>=0.5"], ["C4"]), (["share!=0.2"], ["C1", "C3", "C4"]), (["share=0,5"], ["C4"]),
    (["share="], ["C3"]), (["share!="], ["C1", "C2", "C4"]),
    (["flag=True"], ["C1", "C4"]), (["flag=false"], ["C2"]), (["flag!=yes"], ["C2", "C3"]),
    (["day>=2026-02-01"], ["C2", "C4"]), (["day<2026-02-01"], ["C1"]), (["day=2026-03-15"], ["C4"]),
    (["customer_id>=C3"], ["C3", "C4"]), (["note="], ["C3"]), (["amount<0"], ["C1"]),
    (["amount=1,234.50"], ["C2", "C3", "C4"]), (["share<0.3", "flag=true"], ["C1"]),
])
def test_where_compares_by_the_columns_kind_as_the_table_shows_it(reader, where, expected):
    assert _ids(reader, where=where) == expected


def test_sort_ascending_and_descending_with_empty_cells_last(reader):
    assert _ids(reader, sort=["-share"]) == ["C4", "C2", "C1", "C3"]
    assert _ids(reader, sort=["share"]) == ["C1", "C2", "C4", "C3"]
    assert _ids(reader, sort=["flag:desc,customer_id"]) == ["C1", "C4", "C2", "C3"]
    with pytest.raises(UsageError, match="--sort 'nope': no column nope; columns: customer_id, share"):
        _ids(reader, sort=["nope"])


def test_a_bad_condition_names_the_column_the_value_and_what_to_write(reader):
    with pytest.raises(UsageError, match="--where 'share<abc': share holds numbers; 'abc' is not one. "
                                         "Write a number such as 0.2"):
        _ids(reader, where=["share<abc"])
    with pytest.raises(UsageError, match="--where 'day>31.01.2026': day holds dates; .* YYYY-MM-DD"):
        _ids(reader, where=["day>31.01.2026"])
    with pytest.raises(UsageError, match="flag is true or false; compare it with = or !="):
        _ids(reader, where=["flag<true"])
    with pytest.raises(UsageError, match="--where 'x~1': write COLUMN=VALUE"):
        _ids(reader, where=["x~1"])


def test_a_run_that_does_not_exist_or_did_not_finish_is_refused(reader):
    assert browse.plan(reader, "mix", where_name="ws").run.run_id == 2  # the unfinished run 3 is never read
    with pytest.raises(UsageError, match=r"There is no run 9 in ws \(runs: 1, 2, 3\)"):
        _ids(reader, run=9)
    with pytest.raises(UsageError, match="Run 3 in ws did not finish .* Finished runs: 1, 2."):
        _ids(reader, run=3)
    # run 1 finished but stored no rows of mix: shown as empty, not refused
    assert _ids(reader, run=1) == []


def test_the_front_ends_way_in_refuses_the_same_runs(mixed):
    assert browse.open_item(mixed, "mix").title == "mix (run 2, as of 2026-02-28)"
    with pytest.raises(UsageError, match="Run 3 in .* did not finish"):
        browse.open_item(mixed, "mix", run=3, scope=Scope("director"))
    with pytest.raises(UsageError, match="There is no run 9 in"):
        browse.open_item(mixed, "mix", run=9)


def _csv(reader, *, excel=False, size=10_000) -> str:
    plan = browse.plan(reader, "mix", where_name="ws", stamped=True)
    stream = io.StringIO(newline="")
    browse.write_csv(list(plan.columns), reader.batches(plan.query, size=size), stream, excel=excel)
    return stream.getvalue()


def test_csv_neutralises_formulas_keeps_negative_numbers_and_streams_the_same_rows(reader):
    text = _csv(reader)
    lines = text.splitlines()
    assert lines[0] == "customer_id,share,flag,day,note,amount,run_id,as_of"
    assert lines[1] == "C1,0.1,true,2026-01-01,\"'=HYPERLINK(\"\"http://x\"\")\",-5.25,2,2026-02-28"
    assert lines[2] == "C2,0.2,false,2026-02-01,'-minus,1234.50,2,2026-02-28"
    assert lines[3] == "C3,,,,,1234.50,2,2026-02-28"
    assert len(lines) == 5
    assert _csv(reader, size=1) == text  # one row a batch: the same file


def test_excel_csv_has_a_bom_semicolons_and_decimal_commas(reader):
    text = _csv(reader, excel=True)
    assert text.startswith("\ufeffcustomer_id;share;flag;day;note;amount;run_id;as_of\r\n")
    lines = text.splitlines()
    assert lines[1] == "C1;0,1;true;2026-01-01;\"'=HYPERLINK(\"\"http://x\"\")\";-5,25;2;2026-02-28"
    assert lines[4] == "C4;0,5;true;2026-03-15;\"plain; text\";1234,50;2;2026-02-28"


def test_the_run_list_counts_rows_and_keep_deletes_older_runs_from_every_result(mixed):
    listed = results.run_list(IbisReader(mixed.con))
    assert [(r.run_id, r.finished_at is not None, r.as_of, r.analyses, r.rows) for r in listed] == [
        (1, True, dt.date(2026, 1, 31), "sales", 2), (2, True, dt.date(2026, 2, 28), "mix", 4),
        (3, False, dt.date(2026, 2, 28), "mix", 4)]
    # run 1 holds the only finished rows of sales: --keep 1 spares it; run 2 is mix's newest
    assert [r.newest_of for r in listed] == [("sales",), ("mix",), ()]
    assert results.older_runs(listed, 1) == []
    plain = [results.RunLine(r.run_id, r.started_at, r.finished_at, r.as_of, r.analyses, r.rows) for r in listed]
    assert [r.run_id for r in results.older_runs(plain, 1)] == [1]
    assert results.delete_runs(mixed.con, [1]) == 2
    assert mixed.con.table("result_sales").count().execute() == 0
    assert mixed.con.table("meta_runs").run_id.to_pyarrow().to_pylist() == [2, 3]
    assert results.runs_of(mixed.con, "mix") == [2, 3]
