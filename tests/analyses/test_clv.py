"""Customer lifetime value: hand-worked cases, the demo company's truth, the stored results.

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

import datetime as dt
import math
import subprocess
import sys
from decimal import Decimal as D

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from saleskpi import results
from saleskpi.analyses import clv
from saleskpi.config import ClvSection
from saleskpi.engines import raw
from saleskpi.models import BetaGeo, ConvergenceError, GammaGamma, ParetoNBD

AS_OF = dt.date(2026, 3, 31)

HISTORY_COMPANY = """
    INSERT INTO territories (territory_id, name) VALUES ('T1', 'North');
    INSERT INTO teams (team_id, name) VALUES ('M1', 'Team 1');
    INSERT INTO reps (rep_id, name, team_id) VALUES ('R1', 'Rep 1', 'M1');
    INSERT INTO customers (customer_id, name, territory_id, rep_id) VALUES
        ('C1', 'c1', 'T1', 'R1'), ('C2', 'c2', 'T1', 'R1'), ('C3', 'c3', 'T1', 'R1');
    INSERT INTO products (product_id, name, category, business_line) VALUES ('P1', 'p1', 'a', 'A');
    INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, net_value, cost, margin) VALUES
        ('F0', 1, '2023-06-01', 'C1', 'P1', 1, 1000, 600, NULL),
        ('F1', 1, '2024-05-10', 'C1', 'P1', 1, 200, 150, NULL),
        ('F2', 1, '2025-07-01', 'C1', 'P1', 1, 300, 200, NULL),
        ('F2', 2, '2025-07-01', 'C1', 'P1', 1, 100, 40, NULL),
        ('F3', 1, '2026-02-01', 'C1', 'P1', 1, 100, 80, NULL),
        ('F4', 1, '2025-03-01', 'C2', 'P1', 5, 500, 250, NULL),
        ('CN4', 1, '2025-04-01', 'C2', 'P1', -1, -100, -50, NULL),
        ('F5', 1, '2026-04-15', 'C2', 'P1', 9, 999, 0, NULL),
        ('F6', 1, '2026-01-10', 'C3', 'P1', 1, 1000, NULL, 900);
"""


@pytest.fixture(scope="module")
def history_company(tmp_path_factory):
    from saleskpi.workspace import Workspace

    ws = Workspace.init(tmp_path_factory.mktemp("clv") / "ws")
    raw(ws.con).execute(HISTORY_COMPANY)
    yield ws
    ws.close()


def history_frame(ws, **kw) -> pd.DataFrame:
    t = clv.history(ws.table("sales"), ws.table("customers"), AS_OF, **kw)
    return t.to_pyarrow().to_pandas()


# --- historical value -----------------------------------------------------------------------------


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
    totals = h[h.period == "total"].sort_values("rank")
    assert totals.customer_id.tolist() == ["C2", "C1", "C3"] and totals["rank"].tolist() == [1, 2, 3]
    assert h[h.period != "total"]["rank"].isna().all()


def test_history_weights_default_normalise_and_refuse_a_wrong_count():
    assert clv.history_weights(5) == pytest.approx([0.35, 0.25, 0.20, 0.12, 0.08])
    # three years: the first three default weights, normalised to sum 1 (0.35/0.8 ...)
    assert clv.history_weights(3) == pytest.approx([0.4375, 0.3125, 0.25])
    assert clv.history_weights(2, [3, 1]) == pytest.approx([0.75, 0.25])
    with pytest.raises(Exception, match="2 weight\\(s\\) given for 3 year"):
        clv.history_weights(3, [1, 1])


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


def test_clv_settings_have_defaults_and_name_a_bad_key(tmp_path):
    from saleskpi.config import SETTINGS_TEMPLATE, ConfigError, parse_settings

    import tomllib

    text = SETTINGS_TEMPLATE.format(name="x", backend="duckdb://x.duckdb", currency="EUR")
    parsed = parse_settings(tomllib.loads(text), source="settings.toml")
    assert parsed.clv == ClvSection()
    assert (parsed.clv.model, parsed.clv.holdout_weeks, parsed.clv.target_share, parsed.clv.budget_share) == (
        "bgnbd", 26, 0.5, 0.10)
    with pytest.raises(ConfigError, match=r"\[clv\] history_weights: give one weight per full year \(5"):
        parse_settings({"clv": {"history_weights": [0.5, 0.5]}}, source="settings.toml")
    with pytest.raises(ConfigError, match=r"\[clv\] model"):
        parse_settings({"clv": {"model": "bgbb"}}, source="settings.toml")


# --- the discounted CLV formula, by hand -----------------------------------------------------------

BG = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}


def bg_by_hand(x, tx, big_t, t):
    """E[Y(t) | x, t_x, T], FHL 2005 eq. (10), with scipy's 2F1 (a direct transcription)."""
    r, alpha, a, b = BG.values()
    head = (a + b + x - 1) / (a - 1)
    bracket = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp2f1(
        r + x, b + x, a + b + x - 1, t / (alpha + big_t + t))
    dead = a / (b + x - 1) * ((alpha + big_t) / (alpha + tx)) ** (r + x) if x > 0 else 0.0
    return head * bracket / (1 + dead)


def fitted(model, params):
    model.params_ = dict(params)
    return model


CUSTOMERS = {"frequency": np.array([3.0, 0.0, 3.0, 10.0]), "recency": np.array([20.0, 0.0, 20.0, 29.0]),
             "T": np.array([30.0, 10.0, 30.0, 30.0])}


def test_discounted_purchases_equal_the_direct_monthly_sum():
    model = fitted(BetaGeo(), BG)
    out = clv.discounted_purchases(model, *CUSTOMERS.values(), months=(3, 12), monthly_rate=0.02,
                                   weeks_per_month=4.0)
    for i, (x, tx, big_t) in enumerate(zip(*CUSTOMERS.values())):
        e = [bg_by_hand(x, tx, big_t, 4.0 * m) for m in range(13)]
        det3 = sum((e[m] - e[m - 1]) / 1.02**m for m in range(1, 4))
        det12 = sum((e[m] - e[m - 1]) / 1.02**m for m in range(1, 13))
        assert out[3][0][i] == pytest.approx(e[3], rel=1e-10)
        assert out[3][1][i] == pytest.approx(det3, rel=1e-10)
        assert out[12][0][i] == pytest.approx(e[12], rel=1e-10)
        assert out[12][1][i] == pytest.approx(det12, rel=1e-10)
    # rows 0 and 2 are the same customer; without discounting DET is E itself
    assert out[12][1][0] == out[12][1][2]
    flat = clv.discounted_purchases(model, *CUSTOMERS.values(), months=(12,), monthly_rate=0.0)
    assert flat[12][1] == pytest.approx(flat[12][0], rel=1e-12)


def test_discounted_purchases_of_pareto_nbd_match_its_own_predictions():
    """The (x, T)-pair shortcut gives what the model's expected_purchases gives customer by customer."""
    model = fitted(ParetoNBD(), {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7})
    out = clv.discounted_purchases(model, *CUSTOMERS.values(), months=(36,), monthly_rate=0.01)
    wpm = clv.WEEKS_PER_MONTH
    e = [model.expected_purchases(CUSTOMERS, t=m * wpm) for m in range(37)]
    det = sum((e[m] - e[m - 1]) / 1.01**m for m in range(1, 37))
    assert out[36][1] == pytest.approx(det, rel=1e-10)
    assert out[36][0] == pytest.approx(e[36], rel=1e-10)


@pytest.mark.parametrize("a, b", [(710422.5, 56124012.0), (40.0, 3000.0), (3.0, 200.0)])
def test_expected_purchases_hold_when_everyone_has_nearly_the_same_drop_out(a, b):
    """A small base can fit a and b both huge (a = 7.1e5, b = 5.6e7 on 83 customers of a demo
    company): the series of the prediction must not overflow. Checked against scipy's 2F1 in
    FHL 2005 eq. (10)."""
    global BG
    saved, BG = BG, {"r": 1.71, "alpha": 3.91, "a": a, "b": b}
    try:
        model = fitted(BetaGeo(), BG)
        for x, tx, big_t, t in [(20, 90, 100, 26), (0, 0, 50, 156), (272, 150, 156, 156), (5, 9, 10, 500)]:
            got = model.expected_purchases({"frequency": [x], "recency": [tx], "T": [big_t]}, t=t)[0]
            assert got == pytest.approx(bg_by_hand(x, tx, big_t, t), rel=1e-10)
    finally:
        BG = saved


def test_margin_per_purchase_by_hand():
    gg = fitted(GammaGamma(), {"p": 6.0, "q": 4.0, "gamma": 15.0})
    margin, basis = clv.margin_per_purchase(gg, np.array([2, 0, 1]), np.array([40.0, 0.0, -5.0]))
    # 6 (15 + 2 x 40) / (12 + 3) = 38; population mean 6 x 15 / 3 = 30; own mean -5
    assert margin.tolist() == pytest.approx([38.0, 30.0, -5.0])
    assert basis.tolist() == [clv.BASIS_MODEL, clv.BASIS_POPULATION, clv.BASIS_OWN]
    # q <= 1: no finite population mean; the first purchase is one observation
    heavy = fitted(GammaGamma(), {"p": 6.0, "q": 0.8, "gamma": 15.0})
    margin, basis = clv.margin_per_purchase(heavy, np.array([0, 0, 2]), np.array([0.0, 0.0, 40.0]),
                                            np.array([20.0, -3.0, 99.0]))
    # 6 (15 + 20) / (6 - 0.2) = 36.2069; -3 as it is; 6 (15 + 80) / (12 - 0.2) = 48.3051
    assert margin.tolist() == pytest.approx([210 / 5.8, -3.0, 570 / 11.8])
    assert basis.tolist() == [clv.BASIS_FIRST, clv.BASIS_FIRST_OWN, clv.BASIS_MODEL]


def test_opportunity_and_offer_budget_by_hand():
    # margin rate 0.2, share 0.3, yearly potential 10,000, target 0.5: 0.2 x 0.2 x 10,000 = 400 a year
    args = (np.array([0.2, 0.2, 0.2, 0.2]), np.array([0.3, 0.6, np.nan, 0.5]), np.array([1e4, 1e4, 1e4, 1e4]))
    assert clv.opportunity(*args, months=12, monthly_rate=0.0)[[0, 1, 3]].tolist() == pytest.approx([400, 0, 0])
    assert math.isnan(clv.opportunity(*args, months=12, monthly_rate=0.0)[2])
    assert clv.opportunity(*args, months=36, monthly_rate=0.0)[0] == pytest.approx(1200)
    # discounted: 400 / 12 x sum_{m=1..12} 1.01^-m = 400 / 12 x (1 - 1.01^-12) / 0.01 = 375.1692
    assert clv.opportunity(*args, months=12, monthly_rate=0.01)[0] == pytest.approx(375.1692, abs=1e-4)
    assert clv.offer_budget(np.array([1000.0, -50.0]), budget_share=0.1).tolist() == [100.0, 0.0]


def test_deciles_have_equal_counts_and_break_ties_by_id():
    d = clv._deciles(np.array([5.0] * 20), np.array([f"C{i:02d}" for i in range(20)]))
    assert d.tolist() == [k for k in range(1, 11) for _ in range(2)]


def test_too_few_customers_give_a_note_not_a_failure(history_company):
    frame, params = clv.scores(history_company.table("sales"), history_company.table("customers"), AS_OF,
                               ClvSection())
    assert len(frame) == 3
    assert frame.note.eq("the clv fit (as of 2026-03-31): too few customers to fit the purchase model: 3 "
                         "(at least 20 needed)").all()
    assert frame.p_alive.isna().all() and frame.clv_12m.isna().all() and frame["rank"].isna().all()
    # clv-params says why for each model; C1 is the only repeat buyer (2024-05-10, 2025-07-01 and
    # 2026-02-01 after 2023-06-01; C2's credit note is no purchase day)
    assert params.parameter.isna().all() and params.model.tolist() == ["BG/NBD", "Gamma-Gamma"]
    assert params.note.iloc[1].endswith("too few repeat buyers with a known, positive margin to fit the margin "
                                        "model (Gamma-Gamma): 1 (at least 10 needed)")
    days = clv.purchase_days(history_company.table("sales"), AS_OF)
    table, per, fits = clv.validation(days, history_company.table("customers"), AS_OF, holdout_weeks=26)
    assert per.empty and fits.purchases is None and len(table) == 1
    # calibration to 2025-09-30: C3 (first seen 2026-01-10) is not in it
    assert table.customers.iloc[0] == 2 and table.note.iloc[0] == (
        "the clv holdout calibration (to 2025-09-30): too few customers to fit the purchase model: 2 "
        "(at least 20 needed)")


# --- data without cost: the purchase model needs dates only --------------------------------------

NO_COST_AS_OF = dt.date(2025, 12, 31)


def no_cost_company(seed=3, n=60):
    """A company whose customers buy as BG/NBD says (rate Gamma(2, 0.25) a week, drop-out Beta(1, 6)
    per purchase), first purchases in 2024-01-01 .. 2025-06-30; net values Gamma(4, 1/4) times a
    customer's own scale (log-normal, median 150), cost 70 % of the net value for the even
    customers, none for the odd ones. Returns the INSERT statements and
    the purchase days per customer."""
    rng = np.random.default_rng(seed)
    start, end = dt.date(2024, 1, 1), NO_COST_AS_OF
    rows, days_of = [], {}
    for i in range(n):
        cid = f"K{i:02d}"
        first = start + dt.timedelta(days=int(rng.integers(0, 547)))
        lam, p, scale = rng.gamma(2.0, 0.25), rng.beta(1.0, 6.0), rng.lognormal(5.0, 0.8)
        day, days = first, [first]
        while True:
            day = day + dt.timedelta(days=max(1, int(round(rng.exponential(1 / lam) * 7))))
            if day > end:
                break
            days.append(day)
            if rng.random() < p:
                break
        days_of[cid] = sorted(set(days))
        for j, d in enumerate(days):
            net = round(float(scale * rng.gamma(4.0, 0.25)), 2)
            cost = f"{round(net * 0.7, 2)}" if i % 2 == 0 else "NULL"
            rows.append(f"('{cid}-{j}', 1, '{d}', '{cid}', 'P1', 1, {net}, {cost})")
    customers = ", ".join(f"('K{i:02d}', 'k{i}')" for i in range(n))
    sql = f"""
        INSERT INTO customers (customer_id, name) VALUES {customers};
        INSERT INTO products (product_id, name, category, business_line) VALUES ('P1', 'p1', 'a', 'A');
        INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, net_value, cost) VALUES
            {", ".join(rows)};
    """
    return sql, days_of


@pytest.fixture(scope="module")
def no_cost(tmp_path_factory):
    from saleskpi.workspace import Workspace

    sql, days_of = no_cost_company()
    ws = Workspace.init(tmp_path_factory.mktemp("clv-no-cost") / "ws")
    raw(ws.con).execute(sql)
    yield ws, days_of
    ws.close()


def independent_summary(days_of):
    """frequency, recency and T (weeks) straight from the purchase days, as FHL 2005 define them."""
    ids = sorted(days_of)
    x = np.array([len(days_of[c]) - 1 for c in ids], dtype=float)
    tx = np.array([(days_of[c][-1] - days_of[c][0]).days / 7 for c in ids])
    big_t = np.array([(NO_COST_AS_OF - days_of[c][0]).days / 7 for c in ids])
    return ids, {"frequency": x, "recency": tx, "T": big_t}


def test_without_cost_the_purchase_model_still_gives_p_alive_and_expected_purchases(no_cost):
    ws, days_of = no_cost
    sales = ws.table("sales").mutate(cost=ibis.null("decimal(18, 2)"))  # no cost anywhere
    frame, params = clv.scores(sales, ws.table("customers"), NO_COST_AS_OF, ClvSection())
    ids, rfm = independent_summary(days_of)
    assert frame.customer_id.tolist() == ids
    assert frame.frequency.tolist() == rfm["frequency"].tolist()
    assert frame.T_weeks.to_numpy() == pytest.approx(rfm["T"], abs=1e-12)
    model = BetaGeo().fit(rfm)
    p = params[params.model == "BG/NBD"].set_index("parameter")["value"]
    for name, value in model.params_.items():
        assert p[name] == pytest.approx(value, rel=1e-9)
    assert frame.p_alive.to_numpy() == pytest.approx(model.p_alive(rfm), rel=1e-9)
    for months in (12, 36):
        want = model.expected_purchases(rfm, t=months * clv.WEEKS_PER_MONTH)
        assert frame[f"expected_purchases_{months}m"].to_numpy() == pytest.approx(want, rel=1e-9)
    # the money that needs the margin is empty, and says why
    for col in ("margin_per_purchase", "clv_12m", "clv_36m", "offer_budget", "margin_rate", "rank"):
        assert frame[col].isna().all(), col
    assert frame.margin_basis.isna().all()
    assert frame.note.eq("the clv fit (as of 2025-12-31): no cost or margin in the sales, so no margin model "
                         "(Gamma-Gamma): the margin-based value is not computed").all()
    gg = params[params.model == "Gamma-Gamma"]
    assert len(gg) == 1 and gg.parameter.isna().all() and gg.note.iloc[0] == frame.note.iloc[0]
    assert 0 < frame.p_alive.min() and frame.p_alive.max() <= 1


def test_customers_without_cost_get_a_note_beside_those_with_cost(no_cost):
    ws, days_of = no_cost
    frame, params = clv.scores(ws.table("sales"), ws.table("customers"), NO_COST_AS_OF, ClvSection())
    odd = frame.customer_id.str[1:].astype(int) % 2 == 1
    assert frame.p_alive.notna().all()
    assert frame[odd].clv_12m.isna().all() and frame[odd].note.eq(clv.NOTE_NO_MARGIN).all()
    assert frame[~odd].clv_12m.notna().all() and frame[~odd].note.isna().all()
    assert frame[~odd]["rank"].tolist() and sorted(frame[~odd]["rank"]) == list(range(1, (~odd).sum() + 1))
    # Gamma-Gamma on the even repeat buyers only: their mean margin per repeat day (30 % of the net value)
    ids, rfm = independent_summary(days_of)
    sales = ws.table("sales").to_pyarrow().to_pandas()
    sales["margin"] = sales.net_value.astype(float) - sales.cost.astype(float)
    rows = []
    for c in ids:
        if int(c[1:]) % 2 == 1 or len(days_of[c]) < 2:
            continue
        per_day = sales[sales.customer_id == c].groupby("date").margin.sum().sort_index()
        rows.append((len(per_day) - 1, per_day.iloc[1:].mean()))
    spend = GammaGamma().fit(pd.DataFrame(rows, columns=["frequency", "monetary_value"]))
    g = params[params.model == "Gamma-Gamma"].set_index("parameter")
    assert len(rows) >= clv.MIN_REPEAT_BUYERS and (g.customers == len(rows)).all()
    # the same optimum: the log-likelihood to 1e-9, the parameters to 1e-6
    assert g.log_likelihood.iloc[0] == pytest.approx(spend.log_likelihood_, rel=1e-9)
    for name, value in spend.params_.items():
        assert g.loc[name, "value"] == pytest.approx(value, rel=1e-6)


def test_validation_without_cost_reports_purchases_and_no_margin(no_cost):
    ws, _ = no_cost
    sales = ws.table("sales").mutate(cost=ibis.null("decimal(18, 2)"))
    days = clv.purchase_days(sales, NO_COST_AS_OF)
    table, per, fits = clv.validation(days, ws.table("customers"), NO_COST_AS_OF, holdout_weeks=26)
    assert fits.purchases is not None and fits.spend is None
    total = table[table.decile.isna()].iloc[0]
    assert total.customers == len(per) and total.actual_purchases_total == per.actual_purchases.sum()
    assert table.predicted_margin_mean.isna().all() and table.actual_margin_mean.isna().all()
    assert table.note.str.contains("no cost or margin in the sales").all()


# --- the demo company's truth ---------------------------------------------------------------------

DEMO = {"customers": 1500, "years": 4, "seed": 7}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """1,500 customers x 4 years (2022-11-01 .. 2026-10-31): about 500 acquired in the window."""
    from saleskpi.demo import build_demo

    ws = build_demo(tmp_path_factory.mktemp("clv-demo") / "ws", **DEMO)
    as_of = ws.table("sales").date.max().execute()
    as_of = pd.Timestamp(as_of).date()
    frame, params = clv.scores(ws.table("sales"), ws.table("customers"), as_of, ClvSection())
    truth = ws.table("truth_customers").to_pyarrow().to_pandas()
    yield ws, as_of, frame, params, truth
    ws.close()


def test_the_fit_on_customers_acquired_in_the_window_recovers_the_truth(demo):
    ws, _, frame, params, truth = demo
    true = ws.table("truth_clv_params").to_pyarrow().to_pylist()[0]
    fitted_on = frame.merge(truth, on="customer_id")
    # the fit population is exactly the truth's customers acquired in the window
    assert (fitted_on.in_fit == fitted_on.acquired_in_window).all()
    p = dict(zip(params.parameter, params.value, strict=True))
    assert p["r"] / p["alpha"] == pytest.approx(true["r"] / true["alpha"], rel=0.20)
    # docs/demo.md: same-day purchases merge and the season warps the calendar, so a fit on
    # calendar weeks recovers the mean drop-out a/(a+b) only within about 20-40 %
    assert p["a"] / (p["a"] + p["b"]) == pytest.approx(true["a"] / (true["a"] + true["b"]), rel=0.40)


def test_p_alive_is_lower_for_customers_the_truth_says_churned(demo):
    _, _, frame, _, truth = demo
    m = frame.merge(truth, on="customer_id")
    alive, churned = m[m.alive_at_end].p_alive.mean(), m[~m.alive_at_end].p_alive.mean()
    assert churned < 0.5 < 0.9 < alive
    assert (m.clv_12m >= 0).all() and (m.expected_purchases_36m >= m.expected_purchases_12m).all()
    assert (m.clv_36m >= m.clv_12m).all()


def test_holdout_validation_predicts_the_total_purchases(demo):
    """A 52-week holdout spans a whole building season; the default 26 weeks before 2026-10-31
    (May-October) fall in the high season, which a stationary model cannot know: there the
    actual purchases exceed the predicted ones by about the season's intensity, 1.19 (the mean
    SEASONALITY of May-October over the year's, demo/catalogue.py)."""
    ws, as_of, _, _, _ = demo
    days = clv.purchase_days(ws.table("sales"), as_of)
    table, per, _ = clv.validation(days, ws.table("customers"), as_of, holdout_weeks=52)
    total = table[table.decile.isna()].iloc[0]
    assert total.predicted_purchases_total == pytest.approx(total.actual_purchases_total, rel=0.15)
    assert total.customers == len(per) and table.customers.iloc[:10].sum() == len(per)
    # deciles of predicted purchases sort the actual purchases too
    assert table.actual_purchases_mean.iloc[:10].is_monotonic_increasing
    assert total.predicted_margin_mean == pytest.approx(total.actual_margin_mean, rel=0.25)
    half, _, _ = clv.validation(days, ws.table("customers"), as_of)
    half_total = half[half.decile.isna()].iloc[0]
    season = (1.25 + 1.25 + 1.20 + 1.05 + 1.20 + 1.15) / 6 / (11.9 / 12)
    assert half_total.actual_purchases_total / half_total.predicted_purchases_total == pytest.approx(season, rel=0.1)


def test_a_fit_that_does_not_converge_says_which_and_how_to_fix_it(demo, monkeypatch):
    ws, as_of, _, _, _ = demo
    monkeypatch.setattr(clv, "MAXITER", 1)
    days = clv.purchase_days(ws.table("sales"), as_of)
    summary = clv._summary(days, as_of)
    with pytest.raises(ConvergenceError) as caught:
        clv.fit_purchase_model(summary, what="the clv fit (as of 2026-10-31)")
    message = str(caught.value)
    assert message.startswith("the clv fit (as of 2026-10-31): the BG/NBD purchase model on ")
    assert "did not converge (optimizer: 'STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT')" in message
    assert 'Try [clv] model = "pareto" or a small [clv] penalizer' in message
    assert caught.value.exit_code == 1
    # the analysis does not fail: every customer's row carries that message instead of predictions
    frame, params = clv.scores(ws.table("sales"), ws.table("customers"), as_of, ClvSection())
    assert frame.note.str.startswith("the clv fit (as of 2026-10-31): the BG/NBD purchase model on ").all()
    assert frame.note.str.contains("did not converge (optimizer: 'STOP: TOTAL NO. OF ITERATIONS", regex=False).all()
    assert frame.p_alive.isna().all() and frame.clv_36m.isna().all() and frame["rank"].isna().all()
    assert frame.frequency.notna().all() and frame.margin_rate.notna().any()  # the rest is there
    bg = params[params.model == "BG/NBD"]
    assert len(bg) == 1 and bg.parameter.isna().all() and bg.note.iloc[0] == frame.note.iloc[0]
    gg = params[params.model == "Gamma-Gamma"]
    assert gg.note.str.contains("the Gamma-Gamma margin model on .* did not converge").all()


def test_pareto_nbd_is_selectable(demo):
    ws, as_of, frame, _, truth = demo
    pareto, params = clv.scores(ws.table("sales"), ws.table("customers"), as_of, ClvSection(model="pareto"))
    assert set(params.model) == {"Pareto/NBD", "Gamma-Gamma", "derived"}
    m = pareto.merge(truth, on="customer_id")
    assert m[~m.alive_at_end].p_alive.mean() < 0.5 < m[m.alive_at_end].p_alive.mean()
    # the two purchase models agree on the next year's purchases in total within 10 %
    assert pareto.expected_purchases_12m.sum() == pytest.approx(frame.expected_purchases_12m.sum(), rel=0.1)


# --- stored results and the CLI -----------------------------------------------------------------


def test_clv_reads_the_workspaces_purchase_day_table_with_the_same_results(demo):
    # the table the importer kept (the demo loads through it) equals one built from the lines, and
    # the results read from it equal those grouped from the lines
    from saleskpi.derived.purchase_days import sales_days

    ws, as_of, frame, params, _ = demo
    kept = ws.purchase_days()
    assert ws.table("meta_derived").method.to_pyarrow().to_pylist() == ["refresh"]  # no rebuild was needed
    columns = ["customer_id", "date", "value", "margin", "lines", "margin_lines"]
    assert (kept.to_pyarrow().to_pandas().sort_values(["customer_id", "date"], ignore_index=True)[columns].equals(
        sales_days(ws.table("sales")).to_pyarrow().to_pandas().sort_values(["customer_id", "date"],
                                                                           ignore_index=True)[columns]))
    from_table, params_table = clv.scores(ws.table("sales"), ws.table("customers"), as_of, ClvSection(), days=kept)
    exact = ["customer_id", "first_purchase", "frequency", "recency_weeks", "T_weeks", "in_fit", "margin_basis",
             "note", "territory_id", "rep_id"]
    pd.testing.assert_frame_equal(from_table[exact], frame[exact])
    for col in ("p_alive", "expected_purchases_12m", "margin_per_purchase", "clv_12m", "margin_rate"):
        assert from_table[col].to_numpy() == pytest.approx(frame[col].to_numpy(), rel=1e-6, abs=0.011, nan_ok=True)
    history = clv.history(ws.table("sales"), ws.table("customers"), as_of).to_pyarrow()
    assert clv.history(ws.table("sales"), ws.table("customers"), as_of, days=kept).to_pyarrow().equals(history)


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """A small demo company with the clv analysis (and what it needs) computed, then closed."""
    from saleskpi.compute import compute
    from saleskpi.demo import build_demo

    path = tmp_path_factory.mktemp("clv-run") / "ws"
    with build_demo(path, customers=300, years=3, seed=5) as ws:
        report = compute(ws, only=["clv"])
    return path, report


def stored(path, name) -> pd.DataFrame:
    from saleskpi.workspace import Workspace

    with Workspace.open(path, read_only=True) as ws:
        return results.latest(ws.con, name).to_pyarrow().to_pandas()


def test_compute_stores_the_five_results_with_opportunity_and_budget(computed):
    path, report = computed
    assert {"clv", "clv-history", "clv-validation", "clv-params", "clv-wallet"} <= set(report.stored)
    c = stored(path, "clv")
    assert c.note.isna().all() and c.currency.eq("EUR").all()
    assert c.offer_budget.tolist() == pytest.approx((0.1 * c.clv_12m.clip(lower=0)).round(2).tolist(), abs=0.011)
    has = c.share_of_wallet_value.notna() & c.potential_value.notna() & c.margin_rate.notna()
    assert has.mean() > 0.9
    expected = (c.margin_rate * (0.5 - c.share_of_wallet_value) * c.potential_value).clip(lower=0)
    assert c.opportunity_12m[has].tolist() == pytest.approx(
        (expected[has] * clv.annuity(12, 0.01)).round(2).tolist(), abs=0.011)
    assert (c.opportunity_36m[has] >= c.opportunity_12m[has]).all()
    assert sorted(c["rank"]) == list(range(1, len(c) + 1))
    v = stored(path, "clv-validation")
    assert len(v) == 11 and v.decile.isna().sum() == 1 and (v.holdout_weeks == 26).all() and v.note.isna().all()
    p = stored(path, "clv-params")
    assert set(p.fit) == {"main", "calibration"} and p.note.isna().all()
    h = stored(path, "clv-history")
    assert set(h.period) == {"2023", "2024", "2025", "2026 YTD", "total"}  # history from 2023-11-01
    # the link to the wallet: this run's share of wallet beside the customers' CLV
    w = stored(path, "clv-wallet").set_index("band")
    shared = c[c.share_of_wallet_value.notna()]
    assert w.customers[list(w.index[:5])].sum() == w.loc[clv.ALL_SHARES, "customers"] == len(shared)
    assert w.loc[clv.NO_SHARE, "customers"] == c.share_of_wallet_value.isna().sum()
    assert w.loc[clv.ALL_SHARES, "total_clv_12m"] == pytest.approx(shared.clv_12m.sum(), abs=0.01)
    low = shared[shared.share_of_wallet_value < 0.2]
    assert w.loc["0-20 %", "mean_clv_12m"] == pytest.approx(low.clv_12m.mean(), abs=0.006)
    assert w.loc[clv.ALL_SHARES, "spearman_share_clv_12m"] == pytest.approx(
        shared.share_of_wallet_value.rank().corr(shared.clv_12m.rank()), rel=1e-9)


def test_saleskpi_show_prints_each_clv_result(computed):
    import json

    path, _ = computed
    for name in ("clv", "clv-history", "clv-validation", "clv-params", "clv-wallet"):
        done = subprocess.run([sys.executable, "-m", "saleskpi", "show", str(path), name, "--format", "json",
                               "--limit", "3"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert len(json.loads(done.stdout)) == 3


def test_a_fit_that_does_not_converge_leaves_the_other_results_standing(computed, monkeypatch, capsys, tmp_path):
    """The CLI's compute run on a copy of the workspace with every fit stopped after 1 iteration:
    the run finishes (exit 0), every other analysis stores its results, and the clv results say
    which fit failed and why."""
    import shutil

    from saleskpi import cli

    path = tmp_path / "ws"
    shutil.copytree(computed[0], path)
    monkeypatch.setattr(clv, "MAXITER", 1)
    monkeypatch.setattr(sys, "argv", ["saleskpi", "compute", str(path)])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code in (0, None)
    err = " ".join(capsys.readouterr().err.split())
    for name in ("potential", "sales", "wallet", "abc", "clv", "clv-history", "clv-validation", "clv-params"):
        assert f" {name}: " in err
    # and the command says so, once per fit that failed (two models x main and calibration)
    assert err.count("warning: clv: ") == 4
    assert "warning: clv: BG/NBD (main fit) not fitted: " in err and "did not converge (optimizer: " in err
    p = stored(path, "clv-params")
    assert p.parameter.isna().all() and len(p) == 4  # two models x (main, calibration)
    assert p.note.str.contains("did not converge \\(optimizer: 'STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT'\\)").all()
    v = stored(path, "clv-validation")
    assert len(v) == 1 and v.note.iloc[0].startswith("the clv holdout calibration (to 2026-05-02): the BG/NBD")
    assert stored(path, "clv").p_alive.isna().all()
    assert len(stored(path, "clv-history")) == len(stored(computed[0], "clv-history"))


def test_the_small_demo_company_computes_with_every_fit_converged(tmp_path):
    """The 200-customer, 2-year demo company (seed 7) that used to stop the whole compute with a
    ConvergenceError: its holdout calibration lies on a flat ridge of the BG/NBD likelihood (a and
    b grow together; docs/clv.md, "Small data"). The model library keeps its precision there, so
    every fit converges and the run has nothing to warn about."""
    from saleskpi.compute import compute
    from saleskpi.demo import build_demo

    with build_demo(tmp_path / "ws", customers=200, years=2, seed=7) as ws:
        report = compute(ws, only=["clv"])
    assert {"clv", "clv-history", "clv-validation", "clv-params", "clv-wallet"} <= set(report.stored)
    assert report.warnings == []
    p = stored(tmp_path / "ws", "clv-params")
    for (fit, model), rows in p[p.model != "derived"].groupby(["fit", "model"]):
        assert rows.parameter.notna().all() and rows.note.isna().all(), (fit, model)
    # on the ridge a and b are huge but their ratio, the drop-out probability, is a number
    cal = p[(p.fit == "calibration") & (p.model == "BG/NBD")].set_index("parameter").value
    assert cal["a"] > 1e6 and 0.001 < cal["a"] / (cal["a"] + cal["b"]) < 0.01
    c = stored(tmp_path / "ws", "clv")
    assert c.p_alive.notna().all() and c.note.isna().all()
    v = stored(tmp_path / "ws", "clv-validation")  # ten deciles and the total row
    assert sorted(v.decile.dropna()) == list(range(1, 11))
    assert v[v.decile.isna()].customers.tolist() == [v.customers[v.decile.notna()].sum()] == [154]


# --- the link between share of wallet and CLV, by hand -------------------------------------------


def test_wallet_link_by_hand():
    frame = pd.DataFrame({
        "share_of_wallet_value": [0.1, 0.15, 0.3, 0.5, 0.9, np.nan, 1.0],
        "clv_12m": [100.0, 300.0, 200.0, 600.0, 1000.0, 50.0, np.nan],
        "clv_36m": [250.0, 700.0, 500.0, 1500.0, 2400.0, 120.0, np.nan],
        "p_alive": [0.5, 0.9, 0.8, 0.95, 0.99, 0.3, 0.7],
        "opportunity_12m": [40.0, 35.0, 20.0, 0.0, 0.0, np.nan, 0.0],
    })
    w = clv.wallet_link(frame).set_index("band")
    assert w.index.tolist() == ["0-20 %", "20-40 %", "40-60 %", "60-80 %", "80-100 %", "no share", "all with a share"]
    assert w.customers.tolist() == [2, 1, 1, 0, 2, 1, 6]
    assert w.customers_with_clv.tolist() == [2, 1, 1, 0, 1, 1, 5]
    assert w.loc["0-20 %", ["mean_share", "mean_clv_12m", "total_clv_12m", "mean_clv_36m"]].tolist() == \
        pytest.approx([0.125, 200.0, 400.0, 475.0])
    assert w.loc["0-20 %", "mean_p_alive"] == pytest.approx(0.7)
    assert w.loc["0-20 %", "total_opportunity_12m"] == 75.0
    # 0.9 and 1.0 are in the last band (closed at 1); the customer at 1.0 has no CLV
    assert w.loc["80-100 %", ["mean_share", "mean_clv_12m", "total_clv_12m"]].tolist() == [0.95, 1000.0, 1000.0]
    assert w.loc["no share", "total_clv_12m"] == 50.0
    assert math.isnan(w.loc["60-80 %", "mean_clv_12m"])
    # over the 5 customers with both: shares 0.1 0.15 0.3 0.5 0.9 (mean 0.39), CLV 100 300 200 600 1000
    # (mean 440): sum of products of deviations 457, sums of squares 0.422 and 532,000
    assert w.loc["all with a share", "pearson_share_clv_12m"] == pytest.approx(457 / math.sqrt(0.422 * 532_000))
    # ranks 1 2 3 4 5 against 1 3 2 4 5: d^2 = 2, rho = 1 - 6 x 2 / (5 x 24) = 0.9
    assert w.loc["all with a share", "spearman_share_clv_12m"] == pytest.approx(0.9)
    assert w.drop(index="all with a share").pearson_share_clv_12m.isna().all()
