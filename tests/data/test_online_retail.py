"""The UCI Online Retail export (../shared/data/online_retail) through the example mapping.

The expected figures are computed here in plain Python from the Parquet file, by the rules the
mapping documents (examples/online_retail/mapping.toml), not copied from the importer.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from saleskpi.data.importer import import_file
from saleskpi.workspace import Workspace

MAPPING = Path(__file__).resolve().parents[2] / "examples" / "online_retail" / "mapping.toml"
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def parquet(shared_data) -> Path:
    path = shared_data / "online_retail" / "online_retail_2010-12_2011-12.parquet"
    if not path.exists():
        pytest.skip(f"{path} is absent (see ../shared/data/README.md)")
    return path


def expected_from_the_file(path: Path) -> dict:
    """Apply the mapping's documented rules to the raw lines, independently of the importer."""
    import pyarrow.parquet as pq

    lines = pq.read_table(path).to_pylist()
    out = {"lines": len(lines), "no customer id": 0, "zero price": 0, "negative price": 0, "duplicates": 0,
           "raw total": sum(Decimal(repr(r["Quantity"] * r["UnitPrice"])) for r in lines)}
    seen: set[tuple] = set()
    kept = []
    for r in lines:
        if r["CustomerID"] is None:
            out["no customer id"] += 1
        elif r["UnitPrice"] == 0:
            out["zero price"] += 1
        elif r["UnitPrice"] < 0:
            out["negative price"] += 1
        else:
            # Equal on every loaded column; the contract keeps the day of InvoiceDate.
            key = (r["InvoiceNo"], r["StockCode"], r["InvoiceDate"][:10], r["Quantity"], r["UnitPrice"],
                   r["CustomerID"])
            if key in seen:
                out["duplicates"] += 1
            else:
                seen.add(key)
                kept.append(r)
    out["loaded"] = len(kept)
    out["net_value"] = sum((Decimal(r["Quantity"]) * Decimal(repr(r["UnitPrice"]))).quantize(CENT, ROUND_HALF_UP)
                           for r in kept)
    out["quantity"] = sum(r["Quantity"] for r in kept)
    out["returns"] = sum(1 for r in kept if r["InvoiceNo"].startswith("C"))
    out["customers"] = len({r["CustomerID"] for r in kept})
    out["products"] = len({r["StockCode"] for r in kept})
    return out


@pytest.mark.slow
def test_online_retail_loads_by_the_documented_rules(parquet, tmp_path):
    want = expected_from_the_file(parquet)
    # The data as the README describes it (so the rules below are applied to the right file).
    assert want["lines"] == 541_909 and want["no customer id"] == 135_080
    assert want["raw total"].quantize(CENT) == Decimal("9747747.93")
    # The numbers this test asserts (also written in docs/import.md).
    assert (want["zero price"], want["negative price"], want["duplicates"]) == (40, 0, 5_228)
    assert (want["loaded"], want["net_value"], want["quantity"]) == (401_561, Decimal("8277963.67"), 4_878_662)
    assert (want["returns"], want["customers"], want["products"]) == (8_872, 4_371, 3_684)

    with Workspace.init(tmp_path / "shop", currency="GBP") as ws:
        report = import_file(ws, "sales", parquet, mapping=MAPPING, create_missing=True)
        assert report.rows_loaded == want["loaded"]
        assert report.skipped == {"no customer id": want["no customer id"], "zero price": want["zero price"],
                                  "exact duplicate of an earlier line": want["duplicates"]}
        assert report.created == {"customers": want["customers"], "products": want["products"]}
        assert report.warnings == []
        db = ws.con.con
        assert db.execute("SELECT count(*), sum(net_value), sum(quantity), count(*) FILTER (invoice_id LIKE 'C%'), "
                          "min(date), max(date), any_value(currency), count(DISTINCT currency) FROM sales").fetchone() == (
            want["loaded"], want["net_value"], want["quantity"], want["returns"],
            dt.date(2010, 12, 1), dt.date(2011, 12, 9), "GBP", 1)
        assert db.execute("SELECT name FROM customers WHERE customer_id = '17850'").fetchone() == ("17850",)
        assert db.execute("SELECT rows_loaded, rows_skipped FROM meta_imports").fetchone() == (
            want["loaded"], want["lines"] - want["loaded"])


# --- CLV on data without cost ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop(parquet, tmp_path_factory):
    """The export imported through the example mapping (no cost, no margin: revenue only)."""
    ws = Workspace.init(tmp_path_factory.mktemp("online-retail") / "shop", currency="GBP")
    import_file(ws, "sales", parquet, mapping=MAPPING, create_missing=True)
    yield ws
    ws.close()


def independent_rfm(ws, as_of: dt.date):
    """frequency, recency and T in weeks (FHL 2005) straight from SQL on the loaded lines: a purchase
    day is a customer's day whose lines add up to a positive net value."""
    import numpy as np

    days = ws.con.con.execute("""
        SELECT customer_id, min(date) AS first, max(date) AS last, count(*) AS days FROM (
            SELECT customer_id, date FROM sales GROUP BY customer_id, date HAVING sum(net_value) > 0)
        GROUP BY customer_id ORDER BY customer_id""").fetchdf()
    first, last = (np.array([(as_of - d).days for d in days[c].dt.date]) for c in ("first", "last"))
    return days.customer_id.tolist(), {"frequency": days["days"].to_numpy(dtype=float) - 1,
                                       "recency": (first - last) / 7.0, "T": first / 7.0}


def nbd_fit(x, big_t):
    """The NBD model of purchases without drop-out (Ehrenberg 1959; FHL 2005 sec. 2: BG/NBD with
    p = 0): L(r, alpha | x, T) = Gamma(r + x) alpha^r / (Gamma(r) (alpha + T)^(r + x)), maximised
    here with Nelder-Mead. Returns r, alpha and the log-likelihood."""
    import numpy as np
    from scipy.optimize import minimize
    from scipy.special import gammaln

    def minus_ll(log_params):
        r, alpha = np.exp(log_params)
        return -np.sum(gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + big_t))

    res = minimize(minus_ll, np.zeros(2), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-10,
                                                                           "maxiter": 10_000})
    r, alpha = np.exp(res.x)
    return r, alpha, -res.fun


@pytest.mark.slow
def test_clv_without_cost_fits_the_purchase_model_and_leaves_margin_empty(shop):
    """The shop has no cost: BG/NBD still gives P(alive) and the expected purchases (it needs dates
    only), equal to a BetaGeo fit on an independent summary. 4,334 customers have a purchase day
    (of the 4,371 loaded, 37 have no day whose lines add up to a positive net value: returns only,
    or purchases cancelled on the same day). In this one year nobody is seen to drop out: the fit
    runs to a -> 0 (mean drop-out a/(a+b) below 1e-9), where BG/NBD is the NBD model, so r and
    alpha are the NBD's (fitted here on its own): r = 0.827, alpha = 9.97 weeks, 0.0829 purchases
    a week; P(alive) is 1 for everyone, and the next 12 months hold 18,743 purchases (4.32 a
    customer). docs/clv.md has these figures."""
    from saleskpi.analyses import clv
    from saleskpi.config import ClvSection
    from saleskpi.models import BetaGeo

    as_of = dt.date(2011, 12, 9)
    frame, params = clv.scores(shop.table("sales"), shop.table("customers"), as_of, ClvSection())
    ids, rfm = independent_rfm(shop, as_of)
    assert frame.customer_id.tolist() == ids and len(ids) == 4_334
    assert frame.frequency.tolist() == rfm["frequency"].tolist()
    assert frame.in_fit.all()  # no acquired_on: the first purchase day stands for it, all in the history
    model = BetaGeo().fit(rfm)
    bg = params[params.model == "BG/NBD"].set_index("parameter")
    assert bg.log_likelihood.iloc[0] == pytest.approx(model.log_likelihood_, rel=1e-9)
    assert frame.p_alive.to_numpy() == pytest.approx(model.p_alive(rfm), rel=1e-9)
    expected_12m = model.expected_purchases(rfm, t=12 * clv.WEEKS_PER_MONTH)
    assert frame.expected_purchases_12m.to_numpy() == pytest.approx(expected_12m, rel=1e-9)
    # the limit the fit runs to: no drop-out, the NBD model
    r, alpha, ll = nbd_fit(rfm["frequency"], rfm["T"])
    assert bg.loc["a", "value"] / (bg.loc["a", "value"] + bg.loc["b", "value"]) < 1e-9
    assert bg.loc["r", "value"] == pytest.approx(r, rel=1e-4)
    assert bg.loc["alpha", "value"] == pytest.approx(alpha, rel=1e-4)
    assert bg.log_likelihood.iloc[0] == pytest.approx(ll, rel=1e-9)
    assert (round(r, 3), round(alpha, 2), round(ll, 1)) == (0.827, 9.97, -37332.6)
    assert frame.p_alive.min() > 0.9999
    # E[purchases in t] of the NBD: r t / alpha per customer before its own data; with them, (r + x) t / (alpha + T)
    assert expected_12m == pytest.approx((r + rfm["frequency"]) * 12 * clv.WEEKS_PER_MONTH / (alpha + rfm["T"]),
                                         rel=1e-3)
    assert round(frame.expected_purchases_12m.sum()) == 18_743
    for col in ("margin_per_purchase", "clv_12m", "clv_36m", "offer_budget", "rank_by_clv_36m"):
        assert frame[col].isna().all(), col
    assert frame.note.eq("the clv fit (as of 2011-12-09): no cost or margin in the sales, so no margin model "
                         "(Gamma-Gamma): the margin-based value is not computed").all()
    gg = params[params.model == "Gamma-Gamma"]
    assert len(gg) == 1 and gg.parameter.isna().all() and gg.customers.iloc[0] == 0
