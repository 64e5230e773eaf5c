"""Invoices only: no stated potential, no drivers, no markets (as a first import of an ERP
export). Potential, share of wallet, the classes by potential and share and the ABC matrix are
unknown, and the results and the run's warnings say so and what to import.

The company of conftest.py as of 2025-06-30, with two more customers acquired after that date:
C5 (acquired_on 2025-08-01, no invoice) and C6 (no acquired_on, first invoice 2025-08-01).
12-month turnover: C1 302, C2 0, C3 176, C4 30 (tests/analyses/test_value_core.py).
"""

import datetime as dt

import pytest

from saleskpi import results
from saleskpi.compute import compute
from saleskpi.engines import raw

AS_OF = dt.date(2025, 6, 30)
FIX = ("import potential (customer_id, year, value; source survey, external or rep_estimate) for your customers, "
       "or customers with driver_* columns (e.g. driver_employees) and industry or size_band, or territories with "
       "market_value")


@pytest.fixture(scope="module")
def runs(small_company):
    db = raw(small_company.con)
    db.execute("""
        INSERT INTO customers (customer_id, name, territory_id, rep_id, acquired_on) VALUES
            ('C5', 'c5', 'T1', 'R1', '2025-08-01'), ('C6', 'c6', 'T1', 'R1', NULL);
        INSERT INTO sales (invoice_id, date, customer_id, product_id, quantity, net_value) VALUES
            ('L1', '2025-08-01', 'C6', 'P1', 100, 1000);
    """)
    first = compute(small_company, as_of=AS_OF, only=["abc"])
    second = compute(small_company, as_of=AS_OF, only=["abc"])
    return small_company, first, second


def rows(ws, name, run=None):
    return results.read(ws.con, name, run=run).to_pyarrow().to_pylist()


def test_the_warnings_say_what_is_empty_and_what_to_import(runs):
    _, first, second = runs
    assert first.warnings == second.warnings
    # the sales analysis warns of its own gaps too (tests/analyses/test_sales_coverage.py)
    value_core = [w for w in first.warnings if w.split(":")[0] in {"potential", "wallet", "abc"}]
    assert value_core == [
        "potential: no customer has a potential: nothing is stated and no method could estimate one, so the "
        "potential, the share of wallet, the classes by potential and share, the ABC matrix and the opportunity "
        f"are empty. To fill them, {FIX}.",
        "wallet: no customer has a share of wallet, since none has a potential: the shares, the gap and the links "
        f"by tenure and membership are empty. To fill them, {FIX}.",
        "abc: no class by potential or share of wallet and no cell of the ABC matrix for any customer (no "
        "customer has a potential estimate): the 27 cells show no figures and no action.",
    ]


def test_potential_and_share_are_empty_not_zero(runs):
    ws, _, _ = runs
    pot = rows(ws, "potential")
    assert len(pot) == 12  # 6 customers x lines A and B
    assert all(r["potential_value"] is None and r["estimate_value"] is None and r["method"] is None for r in pot)
    methods = rows(ws, "potential-methods")
    assert {(r["business_line"], r["method"]) for r in methods} == {
        (line, m) for line in "AB" for m in ("drivers", "peer", "topdown")}
    assert {r["quality"] for r in methods} == {"no estimate"} and not any(r["chosen"] for r in methods)
    peer = next(r for r in methods if r["method"] == "peer")
    assert peer["quality_reason"] == (
        "the method gives no estimate: it needs customers' driver_* columns, industry or size_band that tell its "
        "buyers' spend apart (not one estimate for all), and at least 50 buyers of the line")
    assert peer["calibrated_on"] is None and peer["spearman_with_stated"] is None
    company = next(r for r in rows(ws, "potential-rollup") if r["level"] == "company")
    assert (company["potential_value"], company["market_share"], company["customers"]) == (None, None, 0)
    wallet = [r for r in rows(ws, "wallet") if r["business_line"] is None]
    assert len(wallet) == 6
    assert {(r["share_of_wallet_by_value"], r["gap_value"], r["share_missing_reason"]) for r in wallet} == {
        (None, None, "no potential estimate")}
    assert rows(ws, "wallet-links") == []


def test_unknown_potential_is_no_class_and_no_cell(runs):
    ws, _, _ = runs
    abc = {r["customer_id"]: r for r in rows(ws, "abc")}
    # purchases are known: the classes by value are those of the company with potentials
    assert {c: abc[c]["class_by_value"] for c in ("C1", "C2", "C3", "C4")} == {
        "C1": "A", "C2": "C", "C3": "A", "C4": "B"}
    for c in ("C1", "C2", "C3", "C4"):
        r = abc[c]
        assert (r["class_by_potential"], r["class_by_share"], r["class_by_share_volume"], r["cell"], r["action"]) == (
            None, None, None, None, None), c
        assert r["class_missing_reason"] == "no potential estimate: no class by potential or share, no cell"
        assert r["volume_value_mismatch"] is False
    limits = {r["criterion"]: r for r in rows(ws, "abc-limits")}
    assert set(limits) == {"value", "volume", "potential", "share", "share_volume"}
    potential = limits["potential"]
    assert (potential["limit_ab"], potential["limit_bc"], potential["customers_a"], potential["customers_b"],
            potential["customers_c"], potential["customers_unclassified"]) == (None, None, 0, 0, 0, 6)
    assert potential["class_missing_reason"] == "no customer has a potential estimate"
    assert limits["share"]["class_missing_reason"] == (
        "no customer has a share of wallet (no potential estimate, or a potential of zero)")
    value = limits["value"]
    assert (value["customers_a"], value["customers_b"], value["customers_c"], value["customers_unclassified"],
            value["class_missing_reason"]) == (2, 1, 1, 2, None)


def test_the_27_unknown_cells_are_not_shown_as_27_actions(runs):
    ws, _, _ = runs
    matrix = rows(ws, "abc-matrix")
    assert len(matrix) == 27
    for r in matrix:
        assert (r["action"], r["customers"], r["turnover_value_12m"], r["potential_value"], r["gap_value"]) == (
            None, None, None, None, None), r["cell"]
        assert r["class_missing_reason"] == "no customer has a cell: no customer has a potential estimate"
    assert rows(ws, "class-a")[0]["action"] is None


def test_customers_acquired_after_the_as_of_date_are_not_classed_nor_migrations(runs):
    ws, first, _ = runs
    abc = {r["customer_id"]: r for r in rows(ws, "abc")}
    for c in ("C5", "C6"):  # C6's only invoice is after the as-of date
        r = abc[c]
        assert [r[f"class_by_{k}"] for k in ("value", "volume", "potential", "share", "share_volume")] == [None] * 5
        assert (r["cell"], r["volume_value_mismatch"], r["mismatch_signal"]) == (None, None, None)
        assert r["class_missing_reason"] == "acquired after the as-of date: not classified"

    def moves(run):
        return sorted((r["criterion"], r["from_class"], r["to_class"], r["customers"]) for r in rows(
            ws, "abc-migration", run=run))

    assert moves(first.run_id) == [
        ("potential", "new", "unknown", 4), ("share", "new", "unknown", 4),
        ("value", "new", "A", 2), ("value", "new", "B", 1), ("value", "new", "C", 1)]
    assert moves(None) == [
        ("potential", "unknown", "unknown", 4), ("share", "unknown", "unknown", 4),
        ("value", "A", "A", 2), ("value", "B", "B", 1), ("value", "C", "C", 1)]


def test_class_a_carries_the_team_of_its_rep(runs):
    ws, _, _ = runs
    class_a = rows(ws, "class-a")
    # C1 (rep R1, team M1) and C3 (rep R2, team M2)
    assert [(r["customer_id"], r["rep_id"], r["team_id"]) for r in class_a] == [("C1", "R1", "M1"), ("C3", "R2", "M2")]
