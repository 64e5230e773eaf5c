"""The demo generator on its own: deterministic, in the contract's types, refusing bad specs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from saleskpi.data.schema import TABLES
from saleskpi.demo import INPUT_TABLES, TRUTH_TABLES, DemoSpec, generate
from saleskpi.demo.generator import CHUNK_CUSTOMERS, _Company
from saleskpi.errors import UsageError


def test_same_seed_gives_identical_tables(small_tables, small_spec, generate_tables):
    again = generate_tables(**small_spec)
    assert set(again) == set(small_tables) == set(INPUT_TABLES) | set(TRUTH_TABLES)
    for name, table in small_tables.items():
        assert again[name].equals(table), name


def test_other_seed_gives_another_company(small_tables, small_spec, generate_tables):
    other = generate_tables(**{**small_spec, "seed": 8})
    for name in ("customers", "sales", "truth_potential", "surveys"):
        assert not other[name].equals(small_tables[name]), name
    # Same shape of company, though: same tables, same columns.
    assert all(other[n].schema == small_tables[n].schema for n in ("customers", "sales", "products"))


def test_input_tables_use_the_contract_names_and_types(small_tables):
    arrow_of = {"string": pa.string(), "integer": pa.int64(), "quantity": pa.decimal128(18, 3),
                "money": pa.decimal128(18, 2), "price": pa.decimal128(18, 4), "number": pa.float64(),
                "date": pa.date32(), "boolean": pa.bool_()}
    for name in INPUT_TABLES:
        tbl = TABLES[name]
        table = small_tables[name]
        assert table.num_rows > 0, name
        for field in table.schema:
            if field.name in tbl.column_names:
                assert field.type == arrow_of[tbl.column(field.name).type], (name, field.name)
            else:
                assert tbl.is_extra(field.name) and field.type == pa.float64(), (name, field.name)
        for col in tbl.required:
            assert col.name in table.column_names, (name, col.name)


def test_history_window_and_currencies(small_tables, small_spec):
    spec = DemoSpec(**small_spec)
    assert spec.start == dt.date(2024, 11, 1)
    sales = small_tables["sales"]
    dates = sales["date"]
    assert pc.min(dates).as_py() >= spec.start and pc.max(dates).as_py() <= spec.end
    bgn = pc.equal(sales["currency"], "BGN")
    before = pc.less(dates, pa.scalar(dt.date(2026, 1, 1)))
    assert pc.all(pc.equal(bgn, before)).as_py()  # BGN exactly before the euro day


def test_sales_come_in_chunks_with_unique_keys():
    chunks = [t for name, t in generate(customers=CHUNK_CUSTOMERS + 300, years=1, seed=3, tables={"sales"})
              if name == "sales"]
    assert len(chunks) == 2
    sales = pa.concat_tables(chunks)
    keys = pc.binary_join_element_wise(sales["invoice_id"], sales["line_no"].cast(pa.string()), "/")
    assert pc.count_distinct(keys).as_py() == sales.num_rows
    # An invoice belongs to one customer and one day.
    per_invoice = sales.group_by("invoice_id").aggregate([("customer_id", "count_distinct"),
                                                          ("date", "count_distinct")])
    assert pc.max(per_invoice["customer_id_count_distinct"]).as_py() == 1
    assert pc.max(per_invoice["date_count_distinct"]).as_py() == 1


def test_only_the_tables_asked_for_and_the_same_as_in_the_whole_company(small_tables, small_spec):
    wanted = {"customers", "loyalty_events", "truth_customers"}
    got = list(generate(**small_spec, tables=wanted))
    assert [name for name, _ in got] == ["customers", "loyalty_events", "truth_customers"]
    for name, table in got:
        assert table.equals(small_tables[name]), name


@pytest.mark.parametrize("kwargs, message", [
    ({"customers": 10}, "The 'customers' parameter of the demo must be an integer between 50 and 999999. Got 10 instead."),
    ({"years": 0}, "The 'years' parameter of the demo must be an integer between 1 and 20. Got 0 instead."),
    ({"seed": -1}, "The 'seed' parameter of the demo must be an integer between 0"),
    ({"basket_scale": 0}, "The 'basket_scale' parameter of the demo must be a number in (0, 10]. Got 0 instead."),
    ({"end": "2026-10-31"}, "The 'end' parameter of the demo must be a date"),
])
def test_bad_specs_are_refused_with_the_parameter_named(kwargs, message):
    with pytest.raises(UsageError) as info:
        DemoSpec(**kwargs)
    assert message in str(info.value)


def test_unknown_table_is_refused():
    with pytest.raises(UsageError, match="The demo has no table"):
        list(generate(customers=60, years=1, tables={"invoices"}))


def test_wallet_allocation_rule_ranks_match_the_share():
    rng = np.random.default_rng(0)
    share = np.array([0.95, 0.6, 0.5, 0.34, 0.2, 0.1])
    rank, brands = _Company.war_rank(share, rng)
    war = (1 - rank / (brands + 1)) * 2 / brands
    assert np.all(np.abs(war - share) <= 0.08)
    assert np.all((rank >= 1) & (rank <= brands))


def test_customers_per_rep_sets_the_field_force_and_the_default_is_the_demo(small_spec, small_tables):
    # one field rep per N customers (key-account managers among them), allotted to the 6 teams by
    # their customers (each team at least one, rounded), the team managers beside
    def field(reps):
        return sum(1 for role in reps.column("role").to_pylist() if role != "manager")

    default = next(generate(DemoSpec(**small_spec), tables=["reps"]))[1]
    assert default.to_pydict() == small_tables["reps"].to_pydict()  # the default draws the same company
    assert field(default) == 8  # 200 / 50 = 4, but each of the 6 teams has at least one (rounded up)
    for per, expected in ((10, 20), (5, 40)):
        dense = next(generate(DemoSpec(**small_spec, customers_per_rep=per), tables=["reps"]))[1]
        assert abs(field(dense) - expected) <= 2, (per, field(dense))
    with pytest.raises(UsageError, match="customers_per_rep"):
        DemoSpec(**small_spec, customers_per_rep=1)
