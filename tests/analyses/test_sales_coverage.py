"""What the sales analysis says when the data cannot support a figure: a comparison window the
data do not cover, a margin over part of the turnover, a missing target, no product marked as a
target product (the hand-worked company of tests/analyses/conftest.py, whose sales begin on
2024-03-10, plus one line without a cost)."""

import datetime as dt
from decimal import Decimal

import pytest

from saleskpi import results
from saleskpi.analyses.periods import coverage, coverage_gap, periods
from saleskpi.analyses.sales import NOTE_NO_TARGET_PRODUCTS
from saleskpi.compute import compute
from saleskpi.engines import raw

AS_OF = dt.date(2025, 6, 30)
# last year = 2024-01-01 .. 2024-06-30 (182 days); the data begin 2024-03-10: 113 days of them
LY_COVERED = 113 / 182
GAP = ("last year (2024-01-01 to 2024-06-30) is covered 113 of 182 days (3.7 of 6.0 months): the sales "
       "begin on 2024-03-10; import the sales of 2024-01-01 to 2024-03-09 (if there were any) to compare")


@pytest.fixture(scope="module")
def run(small_company):
    # C4 buys 70 of P2 without a cost: its cost is known on 30 of its 100 (0.3 < 0.8)
    raw(small_company.con).execute("INSERT INTO sales (invoice_id, date, customer_id, product_id, quantity, "
                                   "net_value) VALUES ('N5', '2025-05-06', 'C4', 'P2', 1, 70)")
    report = compute(small_company, only=["sales"], as_of=AS_OF)
    out = {name: results.read(small_company.con, name).to_pyarrow().to_pylist() for name in ("sales", "bridge")}
    return report, out


def row(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_coverage_of_a_window():
    p = periods(AS_OF, "year")
    assert coverage(p.last_year, dt.date(2024, 3, 10)) == pytest.approx(LY_COVERED)
    assert coverage(p.last_year, dt.date(2023, 12, 31)) == 1.0 and coverage(p.last_year, dt.date(2025, 1, 1)) == 0.0
    assert coverage_gap("last year", p.last_year, dt.date(2024, 3, 10)) == GAP
    assert coverage_gap("last year", p.last_year, dt.date(2024, 1, 1)) is None
    # the Online Retail case: one month of history before the as-of year
    r = periods(dt.date(2011, 12, 9), "year")
    assert coverage_gap("last year", r.last_year, dt.date(2010, 12, 1)).startswith(
        "last year (2010-01-01 to 2010-12-09) is covered 9 of 343 days (0.3 of 11.3 months)")


def test_growth_is_empty_and_says_why(run):
    report, out = run
    c = row(out["sales"], level="company")
    # the turnovers stand (the data hold them); the growth against a part-covered window does not
    assert (c["turnover_value_period"], c["turnover_value_ly"]) == (Decimal("478.00"), Decimal("390.00"))
    assert c["growth_value_vs_ly"] is None and c["growth_value_vs_prev"] is None and c["growth_volume_vs_ly"] is None
    assert c["coverage_ly"] == pytest.approx(LY_COVERED)
    assert c["coverage_prev"] == pytest.approx(112 / 181)  # the previous period ends a day earlier
    assert GAP in c["note"] and c["note"].startswith("growth empty: the previous period (2024-01-01 to 2024-06-29)")
    # last year's whole 2024 is part-covered too: the target due to date is the elapsed share of days
    assert c["target_value_to_date"] == round(1000 * 181 / 365, 2)
    warned = [w for w in report.warnings if w.startswith("sales: last year")]
    assert warned == [f"sales: {GAP}. Until then growth vs last year and the bridge's split into new and lost "
                      "customers, price, volume and mix are left empty (sales.note, bridge.note)."]


def test_margin_over_the_lines_with_a_cost(run):
    _, out = run
    c = row(out["sales"], level="company")
    # cost 285.60 on 408 of the 478: margin 408 - 285.60, not 478 - 285.60 = 192.40
    assert (c["turnover_value_with_cost"], c["cost"], c["margin"]) == (Decimal("408.00"), Decimal("285.60"),
                                                                      Decimal("122.40"))
    assert c["cost_coverage"] == pytest.approx(408 / 478)
    c4 = row(out["sales"], level="customer", key="C4", business_line=None)
    # C4: cost on 30 of 100, below [sales] min_cost_coverage 0.8: no margin, and why
    assert c4["cost_coverage"] == pytest.approx(0.3) and c4["margin"] is None
    assert "margin empty: the lines with a cost hold less than 80% of the turnover" in c4["note"]
    line_a = row(out["sales"], level="business_line", key="A")
    # line A has no target (the company has one): said, not shown as 0
    assert line_a["target_value"] is None and "target empty: none is set for 2025" in line_a["note"]


def test_bridge_leaves_its_split_empty(run):
    _, out = run
    b = row(out["bridge"], comparison="last_year", level="company")
    assert (b["base_value"], b["current_value"], b["change_value"]) == (Decimal("390.00"), Decimal("478.00"),
                                                                       Decimal("88.00"))
    assert all(b[c] is None for c in ("new_customers_value", "lost_customers_value", "price_effect_value",
                                      "volume_effect_value", "mix_effect_value", "customers_new", "customers_lost"))
    assert b["base_coverage"] == pytest.approx(LY_COVERED) and b["note"] == f"split empty: {GAP}"


def test_a_window_before_the_data_is_unknown_not_zero(workspace):
    """Sales of one month only: last year is not covered at all, so its turnover is empty, not 0."""
    raw(workspace.con).execute("""
        INSERT INTO customers (customer_id, name) VALUES ('C1', 'c1');
        INSERT INTO products (product_id, name) VALUES ('P1', 'p1');
        INSERT INTO sales (invoice_id, date, customer_id, product_id, quantity, net_value) VALUES
            ('A1', '2025-06-02', 'C1', 'P1', 1, 10), ('A2', '2025-06-20', 'C1', 'P1', 2, 20);
    """)
    report = compute(workspace, only=["sales"], as_of=AS_OF)
    c = row(results.read(workspace.con, "sales").to_pyarrow().to_pylist(), level="company")
    assert (c["turnover_value_ly"], c["turnover_value_prev"], c["coverage_ly"], c["growth_value_vs_ly"]) == (
        None, None, 0.0, None)
    assert c["cost"] is None and c["margin"] is None and c["cost_coverage"] == 0.0
    assert "margin empty: no invoice line of the row has a cost" in c["note"]
    b = row(results.read(workspace.con, "bridge").to_pyarrow().to_pylist(), comparison="last_year", level="company")
    assert (b["base_value"], b["current_value"], b["change_value"], b["base_coverage"]) == (
        None, Decimal("30.00"), None, 0.0)
    assert any("no sales line has a cost or margin" in w for w in report.warnings)
    assert any("no target is set for the period 2025" in w for w in report.warnings)


def test_a_known_target_set_gives_a_real_zero(run):
    report, out = run
    # P1 is marked as a target product; C3 bought only P3 this year: 0 of 176, a real 0
    c3 = row(out["sales"], level="customer", key="C3", business_line=None)
    assert (c3["turnover_value_period"], c3["target_products_value"], c3["target_products_share"]) == (
        Decimal("176.00"), Decimal("0.00"), 0.0)
    assert c3["note"] is None or "target products empty" not in c3["note"]
    # the company: P1 132 (C1) + 30 (C4) of 478
    c = row(out["sales"], level="company")
    assert (c["target_products_value"], c["target_products_share"]) == (Decimal("162.00"), pytest.approx(162 / 478))
    assert not any("target product" in w for w in report.warnings)


def test_no_product_marked_leaves_the_target_products_empty(tmp_path):
    """No product is marked as a target product: the set is unknown, so its turnover and share are
    empty on every row of sales and class-a, not 0.00, with the reason and a warning."""
    from saleskpi.workspace import Workspace

    with Workspace.init(tmp_path / "ws") as ws:
        raw(ws.con).execute("""
            INSERT INTO customers (customer_id, name) VALUES ('C1', 'c1'), ('C2', 'c2');
            INSERT INTO products (product_id, name, is_target) VALUES ('P1', 'p1', false), ('P2', 'p2', NULL);
            INSERT INTO sales (invoice_id, date, customer_id, product_id, quantity, net_value, cost) VALUES
                ('A1', '2025-06-02', 'C1', 'P1', 1, 10, 5), ('A2', '2025-06-20', 'C2', 'P2', 2, 20, 10);
        """)
        report = compute(ws, only=["abc"], as_of=AS_OF)
        sales = results.read(ws.con, "sales").to_pyarrow().to_pylist()
        class_a = results.read(ws.con, "class-a").to_pyarrow().to_pylist()
        gaps = results.read(ws.con, "target-gaps").count().execute()
    assert len(sales) > 2 and all(r["target_products_value"] is None and r["target_products_share"] is None
                                  for r in sales)
    assert all(NOTE_NO_TARGET_PRODUCTS in r["note"] for r in sales)
    c1 = row(sales, level="customer", key="C1", business_line=None)
    assert c1["turnover_value_period"] == Decimal("10.00")  # what is known stands
    assert NOTE_NO_TARGET_PRODUCTS == ("target products empty: no product is marked as a target product "
                                       "(products.is_target); import the products with the is_target column")
    # both are class A (C2 holds 20 of 30; before C1 the share is 67 % < 80 %)
    assert [r["customer_id"] for r in class_a] == ["C2", "C1"]
    assert all(r["target_products_value"] is None and r["target_products_share"] is None for r in class_a)
    assert all(NOTE_NO_TARGET_PRODUCTS in r["note"] for r in class_a)
    assert ("sales: no product is marked as a target product (products.is_target), so sales.target_products_value "
            "and target_products_share (and class-a's) are empty; import the products with an is_target column "
            "(yes for each target product) to get them.") in report.warnings
    # and no target product is missing from anyone's purchases: there is nothing to offer, said so
    assert gaps == 0
    assert ("abc: target-gaps: no product is marked products.is_target, so there are no target products to offer; "
            "mark them in the products file (is_target = true) and import it again.") in report.warnings
