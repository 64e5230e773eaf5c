"""What clv says when the data cannot support a figure: margins it does not know (empty, not
0.00, and not ranked), the margin basis the user chose, years the data do not hold, what the
models left out, and a purchase model that finds no drop-out.

The hand-worked company of conftest.py (worked out in test_history.py) with two more customers:
C4 buys 400 of P2 (business line A) on 2025-09-01 with no cost, C5 only gets a free sample (a
line of value 0) on 2025-10-01.
"""

import datetime as dt
from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest

from saleskpi.analyses.clv.checks import drop_out_check, left_out
from saleskpi.analyses.clv.days import basis_of_customers, margin_days, purchase_days
from saleskpi.analyses.clv.history import history, history_gap, history_weights, weights_covered
from saleskpi.analyses.clv.summary import model_summary
from saleskpi.analyses.clv.value import scores
from saleskpi.config import ClvSection
from saleskpi.engines import raw

from .conftest import AS_OF, HISTORY_COMPANY, NO_COST_AS_OF

MORE = """
    INSERT INTO customers (customer_id, name) VALUES ('C4', 'c4'), ('C5', 'c5');
    INSERT INTO products (product_id, name, category, business_line) VALUES ('P2', 'p2', 'a', 'A');
    INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, net_value, cost, margin) VALUES
        ('F7', 1, '2025-09-01', 'C4', 'P2', 4, 400, NULL, NULL),
        ('F8', 1, '2025-10-01', 'C5', 'P2', 1, 0, NULL, NULL);
"""


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    from saleskpi.workspace import Workspace

    ws = Workspace.init(tmp_path_factory.mktemp("clv-unknowns") / "ws")
    raw(ws.con).execute(HISTORY_COMPANY + MORE)
    yield ws
    ws.close()


def frame(ws, settings=None, **kw) -> pd.DataFrame:
    days = None if settings is None else margin_days(ws.table("sales"), ws.table("products"), settings)
    t = history(ws.table("sales"), ws.table("customers"), AS_OF, years=2, yearly_rate=0.10, weights=[0.6, 0.4],
                days=days, **kw)
    return t.to_pyarrow().to_pandas().set_index(["customer_id", "period"])


def test_an_unknown_margin_is_empty_and_not_ranked(ws):
    h = frame(ws)
    # C4's line has no cost: its margin is unknown, not 0.00, and it has no place in the ranking
    assert h.loc[("C4", "2025"), "purchases_value"] == 400
    assert h.loc[("C4", "2025"), ["margin_value", "margin_discounted", "weighted_profit"]].isna().all()
    assert h.loc[("C4", "total"), ["margin_value", "weighted_profit", "rank_by_weighted_profit"]].isna().all()
    assert h.loc[("C4", "total"), "note"].startswith("margin empty: a line has no cost or margin")
    # the others keep their hand-worked figures, ranked among themselves: C2 132.00, C1 129.80, C3 0
    totals = h.xs("total", level="period")
    assert totals.loc[["C2", "C1", "C3"], "weighted_profit"].tolist() == [D("132.00"), D("129.80"), D("0.00")]
    assert totals.loc[["C2", "C1", "C3"], "rank_by_weighted_profit"].tolist() == [1, 2, 3]
    # C5's free sample: purchases of 0, margin unknown (no cost), no purchase day
    assert h.loc[("C5", "2025"), ["purchases_value", "purchase_days"]].tolist() == [0, 0]
    assert pd.isna(h.loc[("C5", "total"), "rank_by_weighted_profit"])
    # the data (from 2023-06-01) hold both weighted years whole: nothing to say
    assert (totals.history_coverage == 1.0).all() and pd.isna(totals.loc["C1", "note"])


def test_assumed_margin_by_product_then_line_then_overall(ws):
    line = ClvSection(margin_basis="assumed", assumed_margin=0.2, assumed_margin_by_line={"A": 0.3})
    assert frame(ws, line).loc[("C4", "2025"), "margin_value"] == D("120.00")  # 400 x 0.3
    product = line.model_copy(update={"assumed_margin_by_product": {"P2": 0.5}})
    h = frame(ws, product)
    assert h.loc[("C4", "2025"), "margin_value"] == D("200.00")  # 400 x 0.5
    # lines with a cost keep it: C1's figures stand
    assert h.loc[("C1", "total"), "weighted_profit"] == D("129.80")
    assert frame(ws, ClvSection(margin_basis="assumed")).loc[("C4", "2025"), "margin_value"] == D("100.00")  # 0.25
    labels = basis_of_customers(ws.table("sales"), AS_OF).set_index("customer_id").margin_basis
    assert (labels["C1"], labels["C4"]) == ("cost", "assumed margin rate")


def test_revenue_basis_reckons_in_net_value(ws):
    h = frame(ws, ClvSection(margin_basis="revenue"))
    # C1 2025: purchases 400 are its "margin"; weighted 0.4 x 200 x 1.21 + 0.6 x 400 x 1.1 = 96.80 + 264.00
    assert h.loc[("C1", "2025"), "margin_value"] == D("400.00")
    assert h.loc[("C1", "total"), "weighted_profit"] == D("360.80")


def test_years_the_data_do_not_hold_are_said():
    w = history_weights(5)  # 0.35, 0.25, 0.2, 0.12, 0.08 for 2025 .. 2021
    # the data begin 2023-06-01: 2025 and 2024 whole, 214 of 365 days of 2023, nothing before
    assert weights_covered(AS_OF, w, dt.date(2023, 6, 1)) == pytest.approx(0.35 + 0.25 + 0.2 * 214 / 365)
    assert history_gap(AS_OF, w, dt.date(2023, 6, 1)) == (
        "the weighted profit weighs the full years 2021 to 2025, but the sales begin on 2023-06-01: the data "
        "cover 72% of the weights, and a year they do not hold counts as nothing bought; import the sales from "
        "2021-01-01, or set [clv] history_years (and history_weights) to the years you have")
    assert history_gap(AS_OF, w, dt.date(2021, 1, 1)) is None


def test_history_rows_carry_their_coverage(ws):
    t = history(ws.table("sales"), ws.table("customers"), AS_OF, years=5)
    h = t.to_pyarrow().to_pandas().set_index(["customer_id", "period"])
    assert h.loc[("C1", "2023"), "history_coverage"] == pytest.approx(214 / 365)
    assert h.loc[("C1", "2023"), "note"] == "the data do not hold the whole year (the data begin on 2023-06-01)"
    assert h.loc[("C1", "total"), "history_coverage"] == pytest.approx(0.35 + 0.25 + 0.2 * 214 / 365)
    assert h.loc[("C1", "total"), "note"].startswith("the weighted profit weighs the full years 2021 to 2025")


def test_what_the_models_left_out_is_counted(ws):
    sales = ws.table("sales")
    days = margin_days(sales, ws.table("products"), ClvSection())
    summary = model_summary(purchase_days(sales, AS_OF), AS_OF)
    counts = left_out(days, summary, AS_OF)
    assert list(counts.values()) == [  # (customers, days)
        (1, None),  # C5: only a line of value 0, so no purchase day and no clv row
        (1, 1),  # C5's day of value 0
        (1, 1),  # C2's credit note of 2025-04-01
        (0, None),  # no fit mask given (compute gives the purchase model's)
        (0, None), (0, None),  # the one repeat buyer, C1, has its margin on every day, and a positive one
        (3, None),  # C2, C3, C4 bought on one day each: Gamma-Gamma has nothing of theirs to fit
    ]
    assert list(counts)[0] == "customers without a purchase day (every day's lines add up to 0 or less)"


def test_compute_warns_of_what_was_left_out(ws):
    from saleskpi import results
    from saleskpi.compute import compute

    report = compute(ws, only=["clv"], as_of=AS_OF)
    said = [w for w in report.warnings if "left out of the models" in w]
    assert said == ["clv: left out of the models: 1 customers without a purchase day (every day's lines add up to "
                    "0 or less); 1 days of value 0 (not purchase days) of 1 customers. A customer without a purchase "
                    "day has no clv row; all are counted in clv-params (model 'left out')."]
    p = results.read(ws.con, "clv-params").to_pyarrow().to_pandas()
    left = p[p.model == "left out"]
    # 4 customers with a purchase day: too few for a purchase model, none acquired before the history
    assert left.customers.tolist() == [1, 1, 1, 0, 0, 0, 3] and left.value.tolist()[1:3] == [1.0, 1.0]
    c = results.read(ws.con, "clv").to_pyarrow().to_pandas().set_index("customer_id")
    assert "C5" not in c.index
    # the cost basis: C4 has no cost, so no basis; the others' margins are known
    assert c.margin_basis.fillna("empty").to_dict() == {"C1": "cost", "C2": "cost", "C3": "cost", "C4": "empty"}


def test_revenue_based_clv_is_labelled(no_cost):
    ws, _ = no_cost
    sales = ws.table("sales")
    cfg = ClvSection(margin_basis="revenue")
    days = margin_days(sales, ws.table("products"), cfg)
    out, _ = scores(sales, ws.table("customers"), NO_COST_AS_OF, cfg, days=days)
    # half the customers have no cost: with the revenue basis every one has a value, labelled so
    assert out.margin_basis.eq("revenue (no cost deducted)").all() and out.clv_12m.notna().all()
    costed, _ = scores(sales, ws.table("customers"), NO_COST_AS_OF, ClvSection())
    assert costed.clv_12m.isna().sum() > 0 and costed.margin_basis.isna().sum() == costed.clv_12m.isna().sum()
    assert costed.margin_basis.dropna().eq("cost").all()


def test_a_model_that_finds_no_drop_out_is_flagged():
    # 12 repeat buyers, each 2 purchases 5 weeks apart and then away 90 weeks (18x that interval)
    summary = pd.DataFrame({"frequency": [2] * 12, "recency": [10.0] * 12, "T": [100.0] * 12})
    stuck = drop_out_check(summary, np.full(12, 0.999), "BG/NBD")
    assert stuck.share_alive == 1.0 and stuck.inactive.sum() == 12
    assert stuck.warning.startswith("the BG/NBD fit finds no drop-out: 12 of the 12 customers away more than 3x "
                                    "their usual interval between purchases still have P(alive) > 0.99 (one unseen "
                                    "for 630 days). P(alive) then means only 'not seen to stop'")
    row = stuck.row("main").iloc[0]
    assert (row.model, row.value, row.customers, row.note) == ("check", 1.0, 12, stuck.warning)
    # a model that sees them drop out says nothing; nor does one with too few such customers to tell
    assert drop_out_check(summary, np.full(12, 0.2), "BG/NBD").warning is None
    assert drop_out_check(summary.head(5), np.full(5, 0.999), "BG/NBD").warning is None


def test_cdnow_customers_with_only_zero_purchases_are_counted(shared_data):
    """CDNOW master: 23,570 customers, of whom 68 only ever made purchases of $0 (80 such days):
    no purchase day, so no clv row; they are counted, not dropped without a word."""
    import ibis

    path = shared_data / "cdnow" / "CDNOW_master.txt"
    lines = pd.read_csv(path, sep=r"\s+", header=0, names=["customer_id", "date", "cds", "value"],
                        dtype={"customer_id": str, "date": str})
    lines["date"] = pd.to_datetime(lines["date"], format="%Y%m%d").dt.date
    days = lines.groupby(["customer_id", "date"], as_index=False)["value"].sum()
    as_of = dt.date(1998, 6, 30)
    bought = days[days.value > 0].assign(margin=lambda d: d.value, margin_known=True)
    summary = model_summary(ibis.memtable(bought[["customer_id", "date", "margin", "margin_known"]]), as_of)
    counts = list(left_out(ibis.memtable(days), summary, as_of).values())
    assert (lines.customer_id.nunique(), len(summary)) == (23_570, 23_502)
    assert counts[0] == (68, None) and counts[1][1] == 80 and counts[2] == (0, 0)


def test_compute_reads_the_margin_basis_from_the_settings(tmp_path):
    from saleskpi import results
    from saleskpi.compute import compute
    from saleskpi.workspace import Workspace

    with Workspace.init(tmp_path / "ws") as ws:
        raw(ws.con).execute(HISTORY_COMPANY + MORE)
        ws.settings = ws.settings.model_copy(update={"clv": ClvSection(
            margin_basis="assumed", assumed_margin_by_line={"A": 0.3}, history_years=2, history_weights=[0.6, 0.4],
            history_rate=0.1)})
        compute(ws, only=["clv"], as_of=AS_OF)
        h = results.read(ws.con, "clv-history").to_pyarrow().to_pandas().set_index(["customer_id", "period"])
        c = results.read(ws.con, "clv").to_pyarrow().to_pandas().set_index("customer_id")
    assert h.loc[("C4", "2025"), "margin_value"] == D("120.00")  # 400 x 0.3
    # C4 ranks by its assumed margin: 0.6 x 120 x 1.1 = 79.20, behind C2 132.00 and C1 129.80
    assert h.loc[("C4", "total"), ["weighted_profit", "rank_by_weighted_profit"]].tolist() == [D("79.20"), 3]
    assert c.margin_basis.to_dict() == {"C1": "cost", "C2": "cost", "C3": "cost", "C4": "assumed margin rate"}


def test_a_wrong_assumed_margin_is_refused_with_its_key():
    from saleskpi.config import ConfigError, parse_settings

    with pytest.raises(ConfigError, match=r"\[clv.assumed_margin_by_line\] A: must be a number in \(0, 1\], got 1.5"):
        parse_settings({"clv": {"margin_basis": "assumed", "assumed_margin_by_line": {"A": 1.5}}}, source="s.toml")
    with pytest.raises(ConfigError, match=r"\[clv\] margin_basis: must be one of cost, assumed, revenue"):
        parse_settings({"clv": {"margin_basis": "profit"}}, source="s.toml")


# --- a margin rate on the products ---------------------------------------------------------------

#: P3 (business line A) carries its own margin rate 0.4, imported from a products file with a
#: Bulgarian header and a decimal comma. C6 buys 500 of P3 without a cost; C7 buys 500 of P3 with
#: a cost of 300, 200 of P3 without one and 100 of P2 (no rate on the products) without one.
RATED_PRODUCTS = "Артикул;Наименование;Бизнес линия;Норма на маржа\nP3;p3;A;0,4\n"
RATED = """
    INSERT INTO customers (customer_id, name) VALUES ('C6', 'c6'), ('C7', 'c7');
    INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, net_value, cost, margin) VALUES
        ('F9', 1, '2025-09-01', 'C6', 'P3', 5, 500, NULL, NULL),
        ('F10', 1, '2025-09-01', 'C7', 'P3', 5, 500, 300, NULL),
        ('F10', 2, '2025-09-01', 'C7', 'P3', 2, 200, NULL, NULL),
        ('F10', 3, '2025-09-01', 'C7', 'P2', 1, 100, NULL, NULL);
"""


@pytest.fixture(scope="module")
def rated(tmp_path_factory):
    from saleskpi.data.importer import import_file
    from saleskpi.workspace import Workspace

    folder = tmp_path_factory.mktemp("clv-rated")
    ws = Workspace.init(folder / "ws")
    raw(ws.con).execute(HISTORY_COMPANY + MORE)
    (folder / "p.csv").write_text(RATED_PRODUCTS, encoding="utf-8")
    import_file(ws, "products", folder / "p.csv")
    raw(ws.con).execute(RATED)
    yield ws
    ws.close()


def test_the_products_margin_rate_comes_before_the_settings(rated):
    assert rated.con.con.execute("SELECT margin_rate FROM products WHERE product_id = 'P3'").fetchall() == [(0.4,)]
    # the settings' rate of P3 (0.1) and of line A (0.3) yield to the product's own 0.4
    cfg = ClvSection(margin_basis="assumed", assumed_margin_by_product={"P3": 0.1}, assumed_margin_by_line={"A": 0.3})
    h = frame(rated, cfg)
    assert h.loc[("C6", "2025"), "margin_value"] == D("200.00")  # 500 x 0.4
    # C7: its cost line keeps its cost (500 - 300), P3 without cost at 0.4, P2 at the line's 0.3
    assert h.loc[("C7", "2025"), "margin_value"] == D("310.00")  # 200 + 80 + 30
    assert h.loc[("C4", "2025"), "margin_value"] == D("120.00")  # P2 has no rate of its own: 400 x 0.3
    assert h.loc[("C1", "total"), "weighted_profit"] == D("129.80")  # lines with a cost stand
    # the cost basis does not take the products' rate: no cost, no margin
    assert frame(rated, ClvSection()).loc[[("C6", "2025"), ("C7", "2025")], "margin_value"].isna().all()
    labels = basis_of_customers(rated.table("sales"), AS_OF, rated.table("products")).set_index("customer_id")
    assert labels.margin_basis[["C1", "C4", "C6", "C7"]].tolist() == [
        "cost", "assumed margin rate", "product margin rate", "cost, product margin rate and assumed margin rate"]


def test_compute_labels_the_product_margin_rate(rated):
    from saleskpi import results
    from saleskpi.compute import compute

    rated.settings = rated.settings.model_copy(update={"clv": ClvSection(
        margin_basis="assumed", assumed_margin_by_line={"A": 0.3}, history_years=2, history_weights=[0.6, 0.4],
        history_rate=0.1)})
    compute(rated, only=["clv"], as_of=AS_OF)
    c = results.read(rated.con, "clv").to_pyarrow().to_pandas().set_index("customer_id")
    h = results.read(rated.con, "clv-history").to_pyarrow().to_pandas().set_index(["customer_id", "period"])
    assert c.margin_basis.to_dict() == {"C1": "cost", "C2": "cost", "C3": "cost", "C4": "assumed margin rate",
                                        "C6": "product margin rate",
                                        "C7": "cost, product margin rate and assumed margin rate"}
    assert h.loc[("C6", "2025"), "margin_value"] == D("200.00")


def test_a_margin_rate_as_a_percentage_is_refused(tmp_path):
    from saleskpi.data.importer import import_file
    from saleskpi.errors import InputDataError
    from saleskpi.workspace import Workspace

    (tmp_path / "p.csv").write_text("product_id;name;margin rate\nP1;p1;25\n", encoding="utf-8")
    with Workspace.init(tmp_path / "ws") as ws, pytest.raises(InputDataError) as caught:
        import_file(ws, "products", tmp_path / "p.csv")
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "margin rate", "25")
    assert "between 0 and 1" in str(caught.value)
