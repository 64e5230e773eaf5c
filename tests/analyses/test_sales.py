"""Sales management on a hand-worked company (figures worked out in the comments)."""

import datetime as dt
from decimal import Decimal

import pytest

from saleskpi import results
from saleskpi.analyses.periods import periods
from saleskpi.compute import compute
from saleskpi.engines import raw

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def out(small_company):
    # one line before both comparison windows, so that the data cover them whole (2024-01-01 on;
    # tests/analyses/test_sales_coverage.py has the company without it); it falls in no window
    raw(small_company.con).execute("INSERT INTO sales (invoice_id, date, customer_id, product_id, quantity, "
                                   "net_value, cost) VALUES ('B0', '2023-12-15', 'C1', 'P1', 1, 10, 7)")
    # sales reads this run's potential (market share), so it runs through the compute job
    compute(small_company, only=["sales"], as_of=AS_OF)
    return {name: results.read(small_company.con, name).to_pyarrow().to_pylist()
            for name in ("sales", "bridge")}


def row(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_periods_are_like_for_like():
    p = periods(AS_OF, "year")
    assert (p.label, p.current.start, p.previous.start, p.previous.end) == (
        "2025", dt.date(2025, 1, 1), dt.date(2024, 1, 1), dt.date(2024, 6, 29))  # 181 days each
    assert (p.last_year.start, p.last_year.end, p.last_year_whole.end) == (
        dt.date(2024, 1, 1), dt.date(2024, 6, 30), dt.date(2024, 12, 31))
    q = periods(dt.date(2024, 2, 29), "quarter")
    assert (q.label, q.previous.start, q.previous.end, q.last_year.end) == (
        "2024-Q1", dt.date(2023, 10, 1), dt.date(2023, 11, 29), dt.date(2023, 2, 28))
    m = periods(dt.date(2026, 3, 31), "month")
    assert (m.label, m.previous.start, m.previous.end, m.elapsed_share) == (
        "2026-03", dt.date(2026, 2, 1), dt.date(2026, 2, 28), 1.0)


def test_company_row(out):
    c = row(out["sales"], level="company")
    assert c["turnover_value_period"] == Decimal("408.00") and c["turnover_value_ly"] == Decimal("390.00")
    assert c["turnover_value_prev"] == Decimal("390.00")
    assert c["turnover_volume_period"] == Decimal("29.000") and c["turnover_volume_ly"] == Decimal("29.000")
    assert c["margin"] == Decimal("122.40")
    assert c["growth_value_vs_ly"] == pytest.approx(408 / 390 - 1)
    assert c["target_products_value"] == Decimal("162.00")
    assert c["target_products_share"] == pytest.approx(162 / 408)
    assert (c["customers_active"], c["products_bought"], c["categories_bought"], c["products_offered"]) == (3, 3, 3, 3)
    # target 1000 for 2025; last year 390 of 490 fell by 30 June, so 1000 * 390/490 is due
    assert c["target_value"] == 1000 and c["target_value_to_date"] == round(1000 * 390 / 490, 2)  # money, to the cent
    assert c["attainment_by_value"] == pytest.approx(408 / (1000 * 390 / 490))
    assert c["currency"] == "EUR" and c["period"] == "2025"
    # every line has a cost, the data cover both windows, the company has a target: nothing to say
    assert (c["cost_coverage"], c["coverage_prev"], c["coverage_ly"], c["note"]) == (1.0, 1.0, 1.0, None)


def test_levels_and_lines(out):
    rows = out["sales"]
    assert row(rows, level="business_line", key="A")["turnover_value_period"] == Decimal("212.00")
    assert row(rows, level="business_line", key="B")["turnover_value_period"] == Decimal("196.00")
    r1 = row(rows, level="rep", key="R1", business_line=None)
    assert (r1["turnover_value_period"], r1["turnover_value_ly"]) == (Decimal("202.00"), Decimal("190.00"))
    assert r1["attainment_by_value"] == pytest.approx(202 / (500 * 390 / 490))
    assert row(rows, level="team", key="M1", business_line=None)["turnover_value_period"] == Decimal("202.00")
    assert row(rows, level="territory", key="T2", business_line=None)["turnover_value_ly"] == Decimal("200.00")
    c1 = row(rows, level="customer", key="C1", business_line=None)
    assert (c1["products_bought"], c1["assortment_breadth"], c1["territory_id"]) == (3, 1.0, "T1")
    c1a = row(rows, level="customer", key="C1", business_line="A")
    assert (c1a["turnover_value_period"], c1a["products_offered"], c1a["assortment_breadth"]) == (Decimal("182.00"), 2, 1.0)
    c4 = row(rows, level="customer", key="C4", business_line=None)
    assert c4["growth_value_vs_ly"] is None and c4["target_value"] is None  # nothing last year, no target
    c2 = row(rows, level="customer", key="C2", business_line=None)
    assert c2["turnover_value_period"] == 0 and c2["growth_value_vs_ly"] == pytest.approx(-1.0)


def test_bridge_parts_add_up_exactly(out):
    b = row(out["bridge"], comparison="last_year", level="company")
    # new C4 +30, lost C2 -40; retained C1, C3: price (132-120)+(50-50)+(176-160) = 28,
    # volume (26-25) * 350/25 = 14, mix (378-350) - 28 - 14 = -14
    assert (b["base_value"], b["current_value"], b["change_value"]) == (Decimal("390.00"), Decimal("408.00"), Decimal("18.00"))
    assert (b["new_customers_value"], b["lost_customers_value"], b["price_effect_value"], b["volume_effect_value"], b["mix_effect_value"]) == (
        Decimal("30.00"), Decimal("-40.00"), Decimal("28.00"), Decimal("14.00"), Decimal("-14.00"))
    assert (b["customers_new"], b["customers_lost"]) == (1, 1)
    line_b = row(out["bridge"], comparison="last_year", level="business_line", key="B")
    # C1 is new to line B (+20); C3 retained: price 16, volume (8-10) * 200/10 = -40, mix 0
    assert (line_b["new_customers_value"], line_b["price_effect_value"], line_b["volume_effect_value"], line_b["mix_effect_value"], line_b["change_value"]) == (
        Decimal("20.00"), Decimal("16.00"), Decimal("-40.00"), Decimal("0.00"), Decimal("-4.00"))
    for b in out["bridge"]:
        assert (b["base_coverage"], b["note"]) == (1.0, None)
        assert b["new_customers_value"] + b["lost_customers_value"] + b["price_effect_value"] + b["volume_effect_value"] + b["mix_effect_value"] == b["change_value"]


def test_bridge_rows_carry_their_scope_keys(out):
    """A territory row names its territory, a rep row its rep (saleskpi.access filters by them);
    the company and business-line rows name neither."""
    for b in out["bridge"]:
        assert b["territory_id"] == (b["key"] if b["level"] == "territory" else None), b
        assert b["rep_id"] == (b["key"] if b["level"] == "rep" else None), b
    assert {b["level"] for b in out["bridge"]} == {"company", "business_line", "territory", "rep"}
