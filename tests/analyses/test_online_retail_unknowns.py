"""Ordinary invoice data only (no cost, no customer attributes, no targets): the UCI Online Retail
export through the example mapping, one month of 2010 before the as-of year 2011. Every figure
the data cannot support is empty and says why, in the result and in the run's warnings
(the figures of docs/sales.md and docs/clv.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from saleskpi import results
from saleskpi.compute import compute
from saleskpi.data.importer import import_file
from saleskpi.workspace import Workspace

MAPPING = Path(__file__).resolve().parents[2] / "examples" / "online_retail" / "mapping.toml"
AS_OF = dt.date(2011, 12, 9)


@pytest.fixture(scope="module")
def run(shared_data, tmp_path_factory):
    parquet = shared_data / "online_retail" / "online_retail_2010-12_2011-12.parquet"
    if not parquet.exists():
        pytest.skip(f"{parquet} is absent (see ../shared/data/README.md)")
    with Workspace.init(tmp_path_factory.mktemp("online-retail") / "shop", currency="GBP") as ws:
        import_file(ws, "sales", parquet, mapping=MAPPING, create_missing=True)
        report = compute(ws, only=["sales", "clv"], as_of=AS_OF)
        out = {name: results.read(ws.con, name).to_pyarrow().to_pandas()
               for name in ("sales", "bridge", "clv-params", "clv-history")}
    return report, out


def one(frame, **match):
    for column, value in match.items():
        frame = frame[frame[column].isnull()] if value is None else frame[frame[column] == value]
    assert len(frame) == 1, match
    return frame.iloc[0]


@pytest.mark.slow
def test_sales_says_last_year_is_not_covered(run):
    report, out = run
    c = one(out["sales"], level="company")
    # 7,725,590.81 against the 303,401.72 of 2010-12-01 .. 12-09: no +2,446 %
    assert (float(c.turnover_value_period), float(c.turnover_value_ly)) == (7_725_590.81, 303_401.72)
    assert c.growth_value_vs_ly is None or c.growth_value_vs_ly != c.growth_value_vs_ly
    assert c.coverage_ly == pytest.approx(9 / 343) and c.cost_coverage == 0.0
    assert "last year (2010-01-01 to 2010-12-09) is covered 9 of 343 days (0.3 of 11.3 months)" in c.note
    b = one(out["bridge"], comparison="last_year", level="company")
    # instead of 3,706 "new customers": the split is empty, with the reason
    assert b.customers_new != b.customers_new and b.new_customers_value is None
    assert b.note.startswith("split empty: last year (2010-01-01 to 2010-12-09) is covered 9 of 343 days")
    warned = " | ".join(report.warnings)
    assert "sales: last year (2010-01-01 to 2010-12-09) is covered 9 of 343 days" in warned
    assert "sales: no sales line has a cost or margin" in warned and "no target is set for the period 2011" in warned
    # no product is marked as a target product: the target-product turnover is unknown, not 0.00
    assert c.target_products_value is None and c.target_products_share != c.target_products_share
    assert "target products empty: no product is marked as a target product" in c.note
    assert "sales: no product is marked as a target product (products.is_target)" in warned


@pytest.mark.slow
def test_clv_says_what_it_left_out_and_that_nobody_drops_out(run):
    report, out = run
    p = out["clv-params"]
    left = p[(p.fit == "main") & (p.model == "left out")].set_index("parameter")
    assert left.customers.iloc[0] == 37  # 4,371 loaded, 4,334 with a purchase day
    assert (left.customers.iloc[1], left.value.iloc[1]) == (57, 63)  # 63 days of value 0 of 57 customers
    check = one(p[p.fit == "main"], model="check")
    assert (check.value, check.customers) == (1.0, 267)
    assert check.note.startswith("the BG/NBD fit finds no drop-out: 267 of the 267 customers away more than 3x "
                                 "their usual interval between purchases still have P(alive) > 0.99 (one unseen "
                                 "for 372 days)")
    h = out["clv-history"]
    total = h[h.period == "total"]
    # no cost: no margin (empty, not 0.00), no weighted profit, no rank
    assert total.margin_value.isna().all() and total.rank_by_weighted_profit.isna().all()
    # five weighted years 2006 .. 2010, of which the data hold December 2010: 0.35 x 31/365
    assert total.history_coverage.iloc[0] == pytest.approx(0.35 * 31 / 365)
    warned = " | ".join(report.warnings)
    assert ("clv: left out of the models: 37 customers without a purchase day (every day's lines add up to 0 or "
            "less); 63 days of value 0 (not purchase days) of 57 customers.") in warned
    assert "the data cover 3% of the weights" in warned
    assert 'set [clv] margin_basis = "assumed"' in warned
