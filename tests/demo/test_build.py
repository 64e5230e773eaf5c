"""The demo workspace: every input table through the importer, the truth stored and consistent
with the invoice lines."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyarrow.compute as pc
import pytest
from scipy.optimize import minimize
from scipy.special import betaln, gammaln

from saleskpi.demo import INPUT_TABLES, TRUTH_TABLES, build_demo
from saleskpi.errors import UsageError

SMALL_START = dt.date(2024, 11, 1)  # the small company's history: 2024-11-01 .. 2026-10-31


def test_every_input_table_is_loaded_by_the_importer_without_problems(small_db):
    logged = {row[0]: row for row in small_db.execute(
        "SELECT table_name, rows_loaded, rows_skipped, note FROM meta_imports").fetchall()}
    assert set(logged) == set(INPUT_TABLES)
    for name in INPUT_TABLES:
        stored = small_db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        _, loaded, skipped, note = logged[name]
        assert stored == loaded > 0, name
        assert skipped == 0, name
        note = json.loads(note)
        assert note["warnings"] == [] and note["created"] == {}, (name, note)


def test_truth_tables_are_stored(small_ws, small_spec):
    tables = set(small_ws.list_tables())
    assert set(TRUTH_TABLES) <= tables
    con = small_ws.con
    for name in TRUTH_TABLES:
        if name not in ("truth_outliers", "truth_gaming"):  # a small company may have no outliers; gaming is off
            assert con.table(name).count().execute() > 0, name
    n, lines, years = small_spec["customers"], 4, 3  # 2024-11-01 .. 2026-10-31 spans 2024, 2025, 2026
    assert con.table("truth_potential").count().execute() == n * lines * years
    assert con.table("truth_share_of_wallet").count().execute() == n * lines * years
    params = con.table("truth_clv_params").to_pyarrow().to_pylist()[0]
    assert (params["r"], params["alpha"], params["a"], params["b"], params["time_unit"]) == (1.4, 3.0, 0.7, 80.0, "week")


def test_bgn_line_is_converted_at_the_fixed_rate(small_tables, small_db):
    """Hand check of one line: the generator wrote it in lev, the workspace holds euro."""
    sales = small_tables["sales"]
    bgn = sales.filter(pc.equal(sales["currency"], "BGN"))
    line = bgn.slice(len(bgn) // 2, 1).to_pylist()[0]
    assert line["date"].year <= 2025
    assert line["net_value"] == (line["quantity"] * line["unit_price"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
    stored = small_db.execute(
        "SELECT net_value, cost, unit_price, quantity, currency FROM sales WHERE invoice_id = ? AND line_no = ?",
        [line["invoice_id"], line["line_no"]]).fetchone()
    rate = Decimal("1.95583")
    assert stored[0] == (line["net_value"] / rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert stored[1] == (line["cost"] / rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert stored[3] == line["quantity"] and stored[4] == "EUR"
    # A line of 2026 stays as it was.
    eur = sales.filter(pc.equal(sales["currency"], "EUR")).slice(0, 1).to_pylist()[0]
    again = small_db.execute("SELECT net_value FROM sales WHERE invoice_id = ? AND line_no = ?",
                             [eur["invoice_id"], eur["line_no"]]).fetchone()[0]
    assert again == eur["net_value"]


def test_yearly_purchases_stay_within_the_true_potential(small_db):
    rows = small_db.execute("""
        WITH bought AS (SELECT customer_id, business_line, year, sum(net_value) AS value
                        FROM sales_eur GROUP BY ALL)
        SELECT b.customer_id, b.business_line, b.year, b.value, t.potential_value_eur,
               o.customer_id IS NOT NULL AS documented
        FROM bought b
        JOIN truth_potential t USING (customer_id, business_line, year)
        LEFT JOIN (SELECT DISTINCT customer_id, business_line, year FROM truth_outliers) o
            USING (customer_id, business_line, year)""").fetchall()
    over = [r for r in rows if r[3] > Decimal(str(r[4]))]
    assert len(rows) > 1000
    assert len(over) <= 0.01 * len(rows)
    # Every pair above its potential is a documented one-off order (or a rounding hair).
    assert all(r[5] or float(r[3]) <= r[4] * 1.005 for r in over)


def test_purchases_are_share_times_potential_in_aggregate(small_db):
    actual, expected = small_db.execute("""
        SELECT (SELECT sum(net_value) FROM sales)::DOUBLE,
               (SELECT sum(expected_purchases_eur) FROM truth_share_of_wallet)""").fetchone()
    # Poisson purchase counts, gamma line values, returns and the cap at potential: +-8 %.
    assert actual == pytest.approx(expected, rel=0.08)


def test_returns_are_a_small_share_of_lines_for_products_bought_before(small_db):
    share, orphans = small_db.execute("""
        SELECT avg((quantity < 0)::INT),
               count(*) FILTER (WHERE quantity < 0 AND NOT EXISTS (
                   SELECT 1 FROM sales b WHERE b.customer_id = s.customer_id
                   AND b.product_id = s.product_id AND b.quantity > 0 AND b.date < s.date))
        FROM sales s""").fetchone()
    assert 0.005 <= share <= 0.03
    assert orphans == 0


def test_churn_and_acquisition_match_the_invoices(small_db):
    rows = small_db.execute("""
        SELECT t.customer_id, t.acquired_on, t.acquired_in_window, t.churned_on, t.alive_at_end,
               min(s.date) AS first, max(s.date) AS last
        FROM truth_customers t LEFT JOIN sales s ON s.customer_id = t.customer_id AND s.quantity > 0
        GROUP BY ALL""").fetchall()
    for cid, acquired, in_window, churned, alive, first, last in rows:
        assert (churned is None) == alive
        if in_window:
            assert first == acquired, cid  # the first purchase is the acquisition
        if churned is not None and churned >= SMALL_START:
            assert last == churned, cid  # the dropout follows the last purchase
        if churned is not None and churned < SMALL_START:
            assert first is None, cid  # gone before the history: no invoices


def test_markets_in_the_input_match_the_truth(small_db):
    diff = small_db.execute("""
        SELECT max(abs(p.value - t.market_value_eur))
        FROM potential p JOIN truth_market t
          ON p.territory_id = t.territory_id AND p.business_line = t.business_line AND p.year = t.year
        WHERE p.source = 'external'""").fetchone()[0]
    assert diff is not None and diff < 0.01
    total, summed = small_db.execute("""
        SELECT (SELECT market_value FROM territories WHERE territory_id = 'BG'),
               (SELECT sum(market_value) FROM territories WHERE parent_id = 'BG')""").fetchone()
    assert abs(total - summed) < 1
    coverage = small_db.execute("""SELECT sum(customers_potential_eur) / sum(market_value_eur)
                                   FROM truth_market""").fetchone()[0]
    assert coverage == pytest.approx(0.35, rel=0.01)


def test_rep_estimates_carry_each_reps_known_bias(small_db):
    rows = small_db.execute("""
        SELECT p.rep_id, exp(avg(ln(p.value / t.potential_value_eur))) AS ratio, b.bias_factor
        FROM potential p
        JOIN truth_potential t USING (customer_id, business_line, year)
        JOIN truth_rep_bias b ON b.rep_id = p.rep_id
        WHERE p.source = 'rep_estimate' AND t.potential_value_eur > 100
        GROUP BY p.rep_id, b.bias_factor""").fetchall()
    assert len(rows) >= 5
    import numpy as np

    ratio, bias = np.array([r[1] for r in rows], dtype=float), np.array([r[2] for r in rows])
    assert np.corrcoef(np.log(ratio), np.log(bias))[0, 1] > 0.8
    assert bias.min() < 0.9 and bias.max() > 1.1  # some under-, some over-estimate


def test_a_history_ending_after_today_still_loads(tmp_path):
    """The importer refuses dates after today + future_days; the demo widens that window."""
    end = dt.date.today() + dt.timedelta(days=120)
    with build_demo(tmp_path / "ws", customers=60, years=1, end=end) as ws:
        from saleskpi.engines import raw

        last = raw(ws.con).execute("SELECT max(date) FROM sales").fetchone()[0]
    assert dt.date.today() < last <= end


def test_build_refuses_an_existing_workspace(small_ws):
    with pytest.raises(UsageError, match="is already a workspace"):
        build_demo(small_ws.path, customers=60, years=1)


def test_cli_demo_builds_a_workspace(tmp_path):
    target = tmp_path / "demo"
    done = subprocess.run([sys.executable, "-m", "saleskpi", "demo", str(target), "--customers", "80",
                           "--years", "1", "--seed", "3", "--timings"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Demo workspace built" in done.stderr and str(target) in done.stderr
    assert "sales" in done.stderr and done.stdout == ""
    assert (target / "settings.toml").exists()
    bad = subprocess.run([sys.executable, "-m", "saleskpi", "demo", str(tmp_path / "x"), "--years", "0"],
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert "The 'years' parameter of the demo must be an integer between 1 and 20" in bad.stderr


def bgnbd_fit(x, t_x, T) -> np.ndarray:
    """Maximum-likelihood BG/NBD (Fader, Hardie & Lee 2005, Marketing Science 24(2), eq. 6):
    x repeat purchases, last at t_x, observed for T; returns r, alpha, a, b."""

    def nll(log_params):
        r, alpha, a, b = np.exp(log_params)
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
        alive = -(r + x) * np.log(alpha + T)
        dropped = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x),
                           -np.inf)
        return -(common + np.logaddexp(alive, dropped)).sum()

    res = minimize(nll, np.log([1.0, 1.0, 1.0, 10.0]), method="Nelder-Mead",
                   options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-6})
    return np.exp(res.x)


@pytest.mark.slow
def test_default_size_builds_well_under_a_minute_and_its_clv_truth_is_recoverable(tmp_path):
    from saleskpi.engines import raw

    steps: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    with build_demo(tmp_path / "ws", progress=lambda step: steps.append((step, time.perf_counter()))) as ws:
        seconds = time.perf_counter() - t0
        db = raw(ws.con)
        lines, customers = db.execute("SELECT (SELECT count(*) FROM sales), (SELECT count(*) FROM customers)").fetchone()
        # Customers acquired in the history, calendar weeks from their first purchase.
        data = db.execute("""
            WITH days AS (SELECT DISTINCT customer_id, date FROM sales WHERE quantity > 0),
                 c AS (SELECT customer_id, count(*) - 1 AS x, min(date) AS first, max(date) AS last FROM days GROUP BY 1)
            SELECT x, date_diff('day', first, last) / 7.0 AS t_x,
                   (date_diff('day', first, (SELECT max(date) FROM sales)) + 1) / 7.0 AS T
            FROM c JOIN truth_customers t USING (customer_id) WHERE t.acquired_in_window""").fetchnumpy()
        truth = db.execute("SELECT r, alpha, a, b FROM truth_clv_params").fetchone()
    assert [s for s, _ in steps][0] == "workspace" and len(steps) == len(INPUT_TABLES) + len(TRUTH_TABLES) + 1
    assert customers == 2000
    assert 200 * customers <= lines <= 600 * customers
    assert seconds < 45, f"default demo took {seconds:.1f} s"
    r, alpha, a, b = bgnbd_fit(*(data[k].astype(float) for k in ("x", "t_x", "T")))
    # Mean purchase rate and mean dropout probability come back; same-day purchases merge into
    # one invoice and the season warps the calendar, so not exactly.
    assert r / alpha == pytest.approx(truth[0] / truth[1], rel=0.15)
    assert a / (a + b) == pytest.approx(truth[2] / (truth[2] + truth[3]), rel=0.4)
