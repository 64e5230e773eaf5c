"""Historical value (clv-history): hand-worked cases.

The hand-worked company (``history_company``) as of 2026-03-31 with 2 full years (2024, 2025)
besides the year to date, a yearly rate of 10 % and weights 0.6 (2025) / 0.4 (2024):

* C1: 2023-06-01 (before the window, left out); 2024-05-10 margin 50; 2025-07-01 two lines,
  margin 100 + 60 = 160 on purchases 400; 2026-02-01 margin 20.
  Compounded: 50 x 1.21 = 60.50, 160 x 1.1 = 176.00, 20 x 1 = 20.00; total 256.50.
  Weighted profit 0.4 x 60.50 + 0.6 x 176.00 = 24.20 + 105.60 = 129.80.
* C2: 2025-03-01 margin 250 on 500; a credit note on 2025-04-01, -100 with margin -50 (no
  purchase day); a line after the as-of date (left out). 2025: purchases 400, margin 200,
  one purchase day; compounded 220.00; weighted 0.6 x 220 = 132.00.
* C3: 2026-01-10 only, margin 900 given directly (no cost): year to date, weight 0.
Ranking by weighted profit: C2 (132.00), C1 (129.80), C3 (0).
"""

from decimal import Decimal as D

import pandas as pd
import pytest

from saleskpi.analyses.clv.history import history, history_weights
from saleskpi.engines import raw

from .conftest import AS_OF


def history_frame(ws, **kw) -> pd.DataFrame:
    t = history(ws.table("sales"), ws.table("customers"), AS_OF, **kw)
    return t.to_pyarrow().to_pandas()



def test_history_compounds_each_year_and_weights_the_full_years(history_company):
    h = history_frame(history_company, years=2, yearly_rate=0.10, weights=[0.6, 0.4])
    c1 = h[h.customer_id == "C1"].set_index("period")
    assert list(c1.index) == ["2024", "2025", "2026 YTD", "total"]
    assert c1.loc["2024", ["purchases_value", "margin_value", "purchase_days"]].tolist() == [200, 50, 1]
    assert c1.loc["2025", ["purchases_value", "margin_value", "purchase_days"]].tolist() == [400, 160, 1]
    assert c1.loc["2024", "discount_factor"] == pytest.approx(1.21)
    assert c1.loc["2025", "discount_factor"] == pytest.approx(1.1)
    assert c1.loc["2026 YTD", "discount_factor"] == 1.0
    assert c1["margin_discounted"].tolist() == [D("60.50"), D("176.00"), D("20.00"), D("256.50")]
    assert c1["weight"].iloc[:3].tolist() == pytest.approx([0.4, 0.6, 0.0])
    assert c1.loc["total", "weighted_profit"] == D("129.80")
    assert c1.loc["total", ["purchases_value", "margin_value", "purchase_days"]].tolist() == [700, 230, 3]
    assert c1.loc["total", "territory_id"] == "T1" and c1.loc["total", "rep_id"] == "R1"



def test_history_counts_returns_in_value_not_as_purchase_days_and_ranks_customers(history_company):
    h = history_frame(history_company, years=2, yearly_rate=0.10, weights=[0.6, 0.4])
    c2 = h[h.customer_id == "C2"].set_index("period")
    assert list(c2.index) == ["2025", "total"]  # the line after the as-of date is left out
    assert c2.loc["2025", ["purchases_value", "margin_value", "purchase_days", "margin_discounted"]].tolist() == [
        400, 200, 1, D("220.00")]
    assert c2.loc["total", "weighted_profit"] == D("132.00")
    c3 = h[h.customer_id == "C3"].set_index("period")
    assert c3.loc["2026 YTD", "margin_value"] == 900  # the margin column, where cost is missing
    assert c3.loc["total", ["margin_discounted", "weighted_profit"]].tolist() == [900, 0]
    totals = h[h.period == "total"].sort_values("rank_by_weighted_profit")
    assert totals.customer_id.tolist() == ["C2", "C1", "C3"] and totals["rank_by_weighted_profit"].tolist() == [1, 2, 3]
    assert h[h.period != "total"]["rank_by_weighted_profit"].isna().all()



def test_history_weights_default_normalise_and_refuse_a_wrong_count():
    assert history_weights(5) == pytest.approx([0.35, 0.25, 0.20, 0.12, 0.08])
    # three years: the first three default weights, normalised to sum 1 (0.35/0.8 ...)
    assert history_weights(3) == pytest.approx([0.4375, 0.3125, 0.25])
    assert history_weights(2, [3, 1]) == pytest.approx([0.75, 0.25])
    with pytest.raises(Exception, match="2 weight\\(s\\) given for 3 year"):
        history_weights(3, [1, 1])



def test_weighted_profit_is_exact_on_a_half_cent(tmp_path):
    """0.35 x 160.01 + 0.65 x 1.11 = 56.0035 + 0.7215 = 56.7250 exactly: half a cent, rounded up to
    56.73. In doubles the sum is 56.724999999999994 and rounds to 56.72 (the run-to-run and
    engine-to-engine difference of the weighted profit); decimals are exact."""
    from saleskpi.workspace import Workspace

    assert 0.35 * 160.01 + 0.65 * 1.11 < 56.725  # the double sum lands below the half cent
    with Workspace.init(tmp_path / "ws") as ws:
        raw(ws.con).execute("""
            INSERT INTO customers (customer_id, name) VALUES ('C1', 'c1');
            INSERT INTO products (product_id, name, category, business_line) VALUES ('P1', 'p1', 'a', 'A');
            INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, net_value, cost) VALUES
                ('F1', 1, '2024-06-01', 'C1', 'P1', 1, 10.00, 8.89),
                ('F2', 1, '2025-06-01', 'C1', 'P1', 1, 200.00, 39.99);
        """)
        h = history_frame(ws, years=2, yearly_rate=0.0, weights=[0.35, 0.65])
    total = h[h.period == "total"].iloc[0]
    assert total.weighted_profit == D("56.73")
    years = h[h.period != "total"].set_index("period")
    assert years.weighted_profit.tolist() == [D("0.72"), D("56.00")]  # 0.7215 and 56.0035 each alone
    assert str(h.dtypes["weighted_profit"]) == "object"  # Decimal values, not doubles



def test_history_of_a_margin_of_millions_is_exact(tmp_path):
    """A customer-year of 2,000,000.00 margin (the 10M-line bench has such customers): x 1.08 and
    x the weight 1 in decimals overflowed 18 digits on DuckDB ("Overflow in multiplication of
    DECIMAL(18)"); 2,000,000.00 x 1.08 = 2,160,000.00 exactly."""
    from saleskpi.workspace import Workspace

    with Workspace.init(tmp_path / "ws") as ws:
        raw(ws.con).execute("""
            INSERT INTO customers (customer_id, name) VALUES ('C1', 'c1');
            INSERT INTO products (product_id, name, category, business_line) VALUES ('P1', 'p1', 'a', 'A');
            INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, net_value, cost) VALUES
                ('F1', 1, '2025-06-01', 'C1', 'P1', 1, 5000000.01, 3000000.00);
        """)
        h = history_frame(ws, years=1, yearly_rate=0.08, weights=[1.0])
    total = h[h.period == "total"].iloc[0]
    assert (total.margin_value, total.margin_discounted, total.weighted_profit) == (
        D("2000000.01"), D("2160000.01"), D("2160000.01"))



def test_history_rounds_alike_below_and_above_the_narrow_limit(tmp_path):
    """Margins on both sides of the size where the compounding and the weighting switch from 18
    to 38 digits (history.NARROW_PRODUCT: 999,999 / 1.5 = 666,666 for a factor of 1.5), each
    chosen so that the product ends in a half cent: the cents are those of exact decimal
    arithmetic, half away from zero, either way. Rate 50 %: 2025 (as of 2026-03-31) x 1.5,
    weights 0.5 / 0.5. E.g. 600,000.03 x 1.5 = 900,000.045 -> 900,000.05, x 0.5 = 450,000.025
    -> 450,000.03; 666,666.67 x 1.5 = 1,000,000.005 -> 1,000,000.01, x 0.5 -> 500,000.01."""
    from decimal import ROUND_HALF_UP

    from saleskpi.workspace import Workspace

    margins = ["600000.01", "600000.03", "-600000.03", "666665.99", "666666.67", "1000000.01",
               "1333333.35", "-1333333.35"]
    values = ", ".join(f"('F{i}', 1, '2025-06-01', 'C{i}', 'P1', 1, {D(m) * 2}, {m})" for i, m in enumerate(margins))
    with Workspace.init(tmp_path / "ws") as ws:
        raw(ws.con).execute(
            "INSERT INTO customers (customer_id, name) VALUES "
            + ", ".join(f"('C{i}', 'c{i}')" for i in range(len(margins))) + ";"
            "INSERT INTO products (product_id, name, category, business_line) VALUES ('P1', 'p1', 'a', 'A');"
            f"INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, net_value, margin) VALUES {values};")
        h = history_frame(ws, years=2, yearly_rate=0.5, weights=[0.5, 0.5])
    cent = D("0.01")
    year = h[h.period == "2025"].set_index("customer_id")
    total = h[h.period == "total"].set_index("customer_id")
    for i, m in enumerate(margins):
        compounded = (D(m) * D("1.5")).quantize(cent, rounding=ROUND_HALF_UP)
        weighted = (compounded * D("0.5")).quantize(cent, rounding=ROUND_HALF_UP)
        assert year.loc[f"C{i}", ["margin_discounted", "weighted_profit"]].tolist() == [compounded, weighted], m
        assert total.loc[f"C{i}", ["margin_discounted", "weighted_profit"]].tolist() == [compounded, weighted], m
    assert year.loc["C1", ["margin_discounted", "weighted_profit"]].tolist() == [D("900000.05"), D("450000.03")]
    assert year.loc["C4", ["margin_discounted", "weighted_profit"]].tolist() == [D("1000000.01"), D("500000.01")]
    assert year.loc["C7", ["margin_discounted", "weighted_profit"]].tolist() == [D("-2000000.03"), D("-1000000.02")]
