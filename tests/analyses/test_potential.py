"""Market potential methods on hand-worked cases (figures in the comments)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from saleskpi.analyses import Context
from saleskpi.analyses.periods import last_12_months
from saleskpi.analyses.potential import (
    calibrate, carry_forward, choose_driver, choose_methods, debias, drivers_estimate, reconcile, stated)
from saleskpi.analyses.potential.peer import FITS_DIR, PeerFits, peer_estimate
from saleskpi.analyses.potential.topdown import buying_power_index, territory_markets, topdown_estimate
from saleskpi.config import PotentialSection
from saleskpi.engines import raw


def test_last_12_months_is_a_rolling_year():
    assert last_12_months(dt.date(2026, 10, 31)) == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    assert last_12_months(dt.date(2024, 2, 29)) == (dt.date(2023, 3, 1), dt.date(2024, 2, 29))


TERRITORIES = pd.DataFrame({
    "territory_id": ["P", "A", "B"], "parent_id": [None, "P", "P"],
    "buying_income": [100.0, 60.0, 40.0], "retail_sales": [100.0, 50.0, 50.0], "population": [100.0, 30.0, 70.0]})


def test_buying_power_index_classic_weights():
    # A: 0.5 * 60/100 + 0.3 * 50/100 + 0.2 * 30/100 = 0.51; B = 0.49; P alone at the top = 1
    bpi = buying_power_index(TERRITORIES, {"buying_income": 0.5, "retail_sales": 0.3, "population": 0.2})
    assert dict(zip(bpi.territory_id, bpi.bpi)) == pytest.approx({"P": 1.0, "A": 0.51, "B": 0.49})


def frame(**cols):
    base = {"territory_id": "A", "business_line": "X", "turnover_value_12m": 0.0, "turnover_volume_12m": 0.0}
    n = len(next(iter(cols.values())))
    return pd.DataFrame({**{k: [v] * n for k, v in base.items()}, **cols})


def test_parent_market_is_split_by_bpi_and_allocated_by_driver_index():
    customers = frame(territory_id=["A", "A", "B"], driver_x=[10.0, 30.0, 5.0], driver_y=[0.0, 20.0, np.nan])
    markets = pd.DataFrame({"territory_id": ["P"], "business_line": ["X"], "market_value": [1000.0],
                            "market_volume": [np.nan]})
    m = territory_markets(customers, markets, TERRITORIES, PotentialSection().territory_weights)
    assert dict(zip(m.territory_id, m.market_value)) == pytest.approx({"A": 510.0, "B": 490.0})
    settings = PotentialSection(topdown_weights={"driver_x": 0.5, "driver_y": 0.5})
    out = topdown_estimate(customers, ["driver_x", "driver_y"], markets, TERRITORIES, settings)
    # in A: index c1 = .5 * 10/40 + .5 * 0/20 = .125, c2 = .5 * 30/40 + .5 * 20/20 = .875; B has one customer
    assert out.topdown_value.tolist() == pytest.approx([510 * 0.125, 510 * 0.875, 490.0])
    assert out.topdown_volume.isna().all()


def test_an_all_lines_market_is_split_by_the_line_mix():
    customers = pd.concat([frame(business_line=["X"], turnover_value_12m=[75.0], driver_x=[1.0]),
                           frame(business_line=["Y"], turnover_value_12m=[25.0], driver_x=[1.0])], ignore_index=True)
    markets = pd.DataFrame({"territory_id": ["A"], "business_line": ["*"], "market_value": [400.0],
                            "market_volume": [np.nan]})
    m = territory_markets(customers, markets, TERRITORIES, {})
    assert dict(zip(m.business_line, m.market_value)) == {"X": 300.0, "Y": 100.0}


def test_drivers_learn_a_high_quantile_usage_rate():
    # eleven buyers buying 1..11 per driver unit: the 0.9 quantile of the rates is 10
    d = np.arange(1.0, 12.0) * 2
    f = frame(driver_x=d, turnover_value_12m=d * np.arange(1.0, 12.0), turnover_volume_12m=d)
    out = drivers_estimate(f, ["driver_x"], PotentialSection())
    assert out.usage_rate.iloc[0] == pytest.approx(10.0)
    assert out.drivers_value.tolist() == pytest.approx((d * 10).tolist())
    assert out.drivers_volume.tolist() == pytest.approx(d.tolist())  # one unit per driver unit, for all
    fixed = drivers_estimate(f, ["driver_x"], PotentialSection(usage_rates={"X": 3.0}))
    assert fixed.drivers_value.tolist() == pytest.approx((d * 3).tolist())


def test_the_driver_is_the_one_that_predicts_stated_wallets_within_industries():
    # 40 customers in two industries. Stated wallets are exactly 10 x driver_a; purchases
    # (share x wallet, shares varying) happen to follow driver_b. driver_c separates the two
    # industries (so pooled over them it correlates with the wallets) but is noise within each.
    rng = np.random.default_rng(1)
    a = rng.uniform(10, 100, 40)
    industry = np.repeat(["hotel", "shop"], 20)
    c = np.where(industry == "hotel", 1.0, 1000.0) * rng.uniform(0.5, 2.0, 40)
    wallet = 10 * a * np.where(industry == "hotel", 1.0, 50.0)
    f = frame(industry=list(industry), driver_a=list(a), driver_b=list(rng.uniform(10, 100, 40)),
              driver_c=list(c), stated_value=list(wallet), stated_source=["survey"] * 40)
    f["turnover_value_12m"] = 3.0 * f["driver_b"]
    drivers = ["driver_a", "driver_b", "driver_c"]
    assert choose_driver(f, drivers, min_pairs=30) == "driver_a"
    # pooled over the industries driver_c would have looked best
    pooled = np.corrcoef(np.log(f.driver_c), np.log(f.stated_value))[0, 1]
    assert pooled > np.corrcoef(np.log(f.driver_a), np.log(f.stated_value))[0, 1]
    # fewer stated figures than min_pairs: the driver that best follows purchases
    assert choose_driver(f, drivers, min_pairs=41) == "driver_b"
    assert choose_driver(f, drivers) == "driver_b"


def test_peer_wallet_needs_features_that_tell_customers_apart():
    rng = np.random.default_rng(3)
    n = 200
    spend = rng.lognormal(5, 1, n)
    # no driver, no industry, no size band (as in the UCI Online Retail data): no estimate,
    # rather than one constant quantile for every customer
    bare = frame(turnover_value_12m=list(spend), industry=[None] * n, size_band=[None] * n)
    bare["turnover_volume_12m"] = spend / 10
    assert peer_estimate(bare, [], 0.8).isna().all().all()
    # one industry for all and a driver with one value: still nothing to go by
    flat = bare.assign(industry="shop", driver_x=5.0)
    assert peer_estimate(flat, ["driver_x"], 0.8).isna().all().all()
    # a driver that varies: spend 10 x driver with noise; the 0.8 quantile lies above the median
    x = rng.uniform(1, 100, n)
    varied = bare.assign(driver_x=x, turnover_value_12m=10 * x * rng.lognormal(0, 0.3, n))
    peer = peer_estimate(varied, ["driver_x"], 0.8).peer_value
    assert peer.notna().all() and peer.nunique() > 10
    assert 0.6 < (varied.turnover_value_12m < peer).mean() < 0.95


def test_peer_fits_are_reused_while_what_they_were_fitted_on_is_unchanged(tmp_path):
    """PeerFits: a second run on the same data reads the kept predictions (no fit) and gives the
    same figures to the bit; changed spend fits again; each run keeps only what it used; the
    files are the owner's only; an unreadable file is fitted again."""
    rng = np.random.default_rng(5)
    n = 300
    x = rng.uniform(1, 100, n)
    f = frame(turnover_value_12m=list(10 * x * rng.lognormal(0, 0.3, n)), industry=[None] * n, size_band=[None] * n)
    f = f.assign(driver_x=x, turnover_volume_12m=f.turnover_value_12m / 10)
    folder = tmp_path / FITS_DIR
    first = PeerFits(folder)
    fresh = peer_estimate(f, ["driver_x"], 0.8, first)
    first.prune()
    assert (first.fitted, first.reused) == (2, 0)  # value and volume
    kept = sorted(folder.glob("*.npy"))
    assert len(kept) == 2 and all(p.stat().st_mode & 0o777 == 0o600 for p in kept)
    assert folder.stat().st_mode & 0o777 == 0o700 and folder.parent.stat().st_mode & 0o777 == 0o700
    again = PeerFits(folder)
    pd.testing.assert_frame_equal(peer_estimate(f, ["driver_x"], 0.8, again), fresh)
    assert (again.fitted, again.reused) == (0, 2)
    pd.testing.assert_frame_equal(peer_estimate(f, ["driver_x"], 0.8), fresh)  # no cache: the same fit
    # one customer bought more: both fits again (volume too), and the old predictions go
    changed = f.copy()
    changed.loc[changed.index[0], ["turnover_value_12m", "turnover_volume_12m"]] *= 2
    third = PeerFits(folder)
    peer_estimate(changed, ["driver_x"], 0.8, third)
    third.prune()
    assert (third.fitted, third.reused) == (2, 0)
    assert set(folder.glob("*.npy")).isdisjoint(kept) and len(list(folder.glob("*.npy"))) == 2
    # another quantile is another fit
    assert PeerFits(folder).key(np.ones((2, 1)), np.ones(2, bool), np.zeros(2), [False], 0.8) != \
        PeerFits(folder).key(np.ones((2, 1)), np.ones(2, bool), np.zeros(2), [False], 0.9)
    # an unreadable kept file: fitted again, the same figures
    for p in folder.glob("*.npy"):
        p.write_bytes(b"not an array")
    fourth = PeerFits(folder)
    redone = peer_estimate(changed, ["driver_x"], 0.8, fourth)
    assert (fourth.fitted, fourth.reused) == (2, 0)
    pd.testing.assert_frame_equal(redone, peer_estimate(changed, ["driver_x"], 0.8))


def test_reconcile_prefers_stated_never_goes_below_purchases_and_flags_disagreement():
    f = pd.DataFrame({
        "stated_value": [500.0, np.nan, np.nan, np.nan], "stated_volume": [np.nan] * 4,
        "drivers_value": [400.0, 100.0, 100.0, np.nan], "drivers_volume": [np.nan] * 4,
        "peer_value": [450.0, 90.0, 400.0, np.nan], "peer_volume": [np.nan] * 4,
        "topdown_value": [np.nan] * 4, "topdown_volume": [np.nan] * 4,
        "turnover_value_12m": [100.0, 120.0, 50.0, 10.0], "turnover_volume_12m": [0.0] * 4})
    out = reconcile(f, "peer", 3.0)
    assert out.method.tolist()[:3] == ["stated", "peer", "peer"] and pd.isna(out.method.iloc[3])
    assert out.potential_value.tolist()[:3] == [500.0, 120.0, 400.0]  # 90 raised to what was bought
    assert np.isnan(out.potential_value.iloc[3])  # nothing to go on: null, not zero
    assert out.raised_to_purchases.tolist() == [False, True, False, False]
    assert out.methods_disagree.tolist() == [False, False, True, False]  # 400 > 3 x 100


def test_stated_takes_the_latest_year_and_the_best_source(workspace):
    db = raw(workspace.con)
    db.execute("""
        INSERT INTO customers (customer_id, name) VALUES ('C1', 'c1'), ('C2', 'c2');
        INSERT INTO potential (customer_id, year, business_line, value, source) VALUES
            ('C1', 2024, 'X', 100, 'survey'), ('C1', 2025, 'X', 200, 'rep_estimate'),
            ('C1', 2025, 'X', 300, 'survey'), ('C1', 2027, 'X', 999, 'survey'),
            ('C2', 2025, NULL, 50, 'external');
    """)
    ctx = Context(ws=workspace, run_id=1, as_of=dt.date(2026, 6, 30))
    rows = sorted(stated(ctx).to_pyarrow().to_pylist(), key=lambda r: r["customer_id"])
    assert [(r["customer_id"], r["business_line"], float(r["stated_value"]), r["stated_source"]) for r in rows] == [
        ("C1", "X", 300.0, "survey"), ("C2", "*", 50.0, "external")]


def test_calibration_takes_the_level_from_survey_answers_and_auto_picks_the_best_method():
    rng = np.random.default_rng(0)
    n = 40
    truth = np.exp(rng.normal(8, 1, n))
    f = frame(
        stated_value=truth, stated_volume=np.full(n, np.nan), stated_source=["survey"] * n,
        drivers_value=truth * 0.5 * np.exp(rng.normal(0, 0.05, n)),  # right order, half the level
        drivers_volume=np.full(n, np.nan),
        peer_value=truth * 2 * np.exp(rng.normal(0, 0.8, n)), peer_volume=np.full(n, np.nan),
        topdown_value=np.full(n, np.nan), topdown_volume=np.full(n, np.nan))
    settings = PotentialSection()
    scaled, quality = calibrate(f, settings)
    drivers = quality[quality.method == "drivers"].iloc[0]
    assert drivers.calibration_factor == pytest.approx(2.0, rel=0.05) and drivers.calibrated_on == "survey"
    assert np.median(scaled.drivers_value / truth) == pytest.approx(1.0, rel=0.01)
    assert choose_methods(quality, scaled, settings) == {"X": "drivers"}  # it ranks customers best
    assert choose_methods(quality, scaled, PotentialSection(method="peer")) == {"X": "peer"}


def test_stated_figures_are_carried_forward_and_rep_estimates_debiased():
    f = frame(stated_value=[100.0, 100.0], stated_volume=[10.0, np.nan], stated_year=[2024, 2026],
              stated_source=["survey", "rep_estimate"], stated_rep_id=[None, "R1"])
    grown = carry_forward(f, {"X": 0.1}, 2026)
    assert grown.stated_value.tolist() == pytest.approx([121.0, 100.0])  # two years at 10 %
    assert grown.stated_volume.iloc[0] == pytest.approx(12.1)
    bias = pd.DataFrame({"rep_id": ["R1"], "estimates": [5], "stated_to_model": [1.25], "stated_to_bought": [2.0]})
    out = debias(grown, bias, PotentialSection())
    assert out.stated_value.tolist() == pytest.approx([121.0, 80.0])
    assert out.stated_raw_value.tolist() == pytest.approx([121.0, 100.0])
    assert np.isnan(out.rep_bias_factor.iloc[0]) and out.rep_bias_factor.iloc[1] == 1.25
    kept = debias(grown, bias.assign(estimates=4), PotentialSection())  # too few estimates to judge
    assert kept.stated_value.tolist() == pytest.approx([121.0, 100.0])


def test_each_method_gets_a_quality_figure_and_an_untrusted_one_a_warning():
    """Five customers with stated figures 1..5. peer ranks them 2 1 4 3 5: Spearman
    1 - 6 * (1 + 1 + 1 + 1 + 0) / (5 * 24) = 0.8; drivers ranks them backwards (-1); topdown
    estimates two of them only, too few to check."""
    from saleskpi.analyses.potential import potential_warnings, rate_methods

    n = np.full(5, np.nan)
    f = frame(stated_value=[1.0, 2.0, 3.0, 4.0, 5.0], stated_volume=n, stated_source=["survey"] * 5,
              peer_value=[20.0, 10.0, 40.0, 30.0, 50.0], peer_volume=n,
              drivers_value=[5.0, 4.0, 3.0, 2.0, 1.0], drivers_volume=n,
              topdown_value=[1.0, 2.0, np.nan, np.nan, np.nan], topdown_volume=n,
              turnover_value_12m=[0.5, 1.0, 1.5, 2.0, 2.5])
    _, quality = calibrate(f, PotentialSection())
    rated = rate_methods(quality, PotentialSection().min_rank_agreement).set_index("method")
    assert rated.loc["peer", "spearman_with_stated"] == pytest.approx(0.8)
    assert rated.loc["peer", "spearman_with_purchases"] == pytest.approx(0.8)  # purchases follow the stated
    assert (rated.loc["peer", "quality"], rated.loc["peer", "quality_reason"]) == ("agrees", None)
    assert rated.loc["drivers", "spearman_with_stated"] == pytest.approx(-1.0)
    assert (rated.loc["drivers", "quality"], rated.loc["drivers", "quality_reason"]) == (
        "weak", "it ranks the 5 stated figures with Spearman -1.00, below [potential] min_rank_agreement 0.5")
    assert (rated.loc["topdown", "quality"], rated.loc["topdown", "pairs_with_stated"]) == ("not checked", 2)
    assert rated.loc["topdown", "quality_reason"] == (
        "not checked: 2 customers have both this estimate and a stated potential (3 needed); import potential "
        "(customer_id, year, value) for some of them, e.g. survey answers")
    # nothing stated: not checked, with the hint of how the estimates rank the customers' own purchases
    _, unstated = calibrate(f.assign(stated_value=np.nan, stated_source=None), PotentialSection())
    peer = rate_methods(unstated, 0.5).set_index("method").loc["peer"]
    assert (peer.quality, peer.spearman_with_stated, peer.calibrated_on) == ("not checked", pytest.approx(np.nan,
                                                                             nan_ok=True), None)
    assert peer.quality_reason == (
        "not checked: 0 customers have both this estimate and a stated potential (3 needed) (it ranks the "
        "customers' own 12-month purchases with Spearman 0.80); import potential (customer_id, year, value) for "
        "some of them, e.g. survey answers")
    assert rate_methods(quality, 0.9).set_index("method").loc["peer", "quality"] == "weak"  # the setting moves it
    # a customer without a stated figure takes the chosen method: named in a warning when it cannot be trusted
    used = pd.DataFrame({"business_line": ["X"] * 3, "method": ["drivers", "drivers", "stated"],
                         "potential_value": [1.0, 2.0, 3.0]})
    chosen = rated.reset_index().assign(business_line="X", chosen=lambda q: q.method == "drivers")
    assert potential_warnings(used, chosen) == [
        "line X: the potential of 2 customers comes from the drivers method, which cannot be trusted: it ranks "
        "the 5 stated figures with Spearman -1.00, below [potential] min_rank_agreement 0.5."]
    assert potential_warnings(used, chosen.assign(chosen=lambda q: q.method == "peer")) == []


def test_a_peer_model_that_splits_nobody_gives_no_estimate():
    # two industries, 60 buyers in one and 3 in the other: no tree leaf may hold fewer than 20
    # customers, so the model cannot split and its wallet is one figure for all: no estimate
    rng = np.random.default_rng(5)
    spend = rng.lognormal(5, 1, 63)
    f = frame(turnover_value_12m=list(spend), industry=["shop"] * 60 + ["hotel"] * 3, size_band=[None] * 63)
    f["turnover_volume_12m"] = spend / 10
    assert peer_estimate(f, [], 0.8).isna().all().all()


def test_a_figure_stated_over_all_lines_is_split_by_the_line_mix():
    """C1 states 600 over all lines and nothing per line; the company bought 75 in X and 25 in Y
    over the 12 months: X gets 450, Y 150 (the volume stays empty: units of two lines do not
    add). C2 states 90 over all lines but also 40 in X: its own figure stands, Y stays empty."""
    from saleskpi.analyses.potential import spread_all_lines

    f = pd.concat([frame(customer_id=["C1", "C1", "C2", "C2"], business_line=["X", "Y", "X", "Y"],
                         turnover_value_12m=[60.0, 20.0, 15.0, 5.0])], ignore_index=True).assign(
        stated_value=[np.nan, np.nan, 40.0, np.nan], stated_volume=np.nan, stated_source=[None, None, "survey", None],
        stated_year=[np.nan, np.nan, 2025.0, np.nan], stated_rep_id=None)
    overall = pd.DataFrame({"customer_id": ["C1", "C2"], "stated_value": [600.0, 90.0], "stated_volume": [60.0, 9.0],
                            "stated_source": ["external", "survey"], "stated_year": [2024, 2025],
                            "stated_rep_id": [None, None]})
    out = spread_all_lines(f, overall)
    assert out.stated_value.tolist()[:2] == pytest.approx([450.0, 150.0])
    assert out.stated_volume.isna().all() and out.stated_source.tolist()[:2] == ["external", "external"]
    assert out.stated_year.tolist()[:2] == [2024, 2024]
    assert out.stated_value.iloc[2] == 40.0 and np.isnan(out.stated_value.iloc[3])
    # one line: all of the figure, its volume too
    one = spread_all_lines(f[f.business_line == "X"], overall)
    assert one.stated_value.tolist() == [600.0, 40.0] and one.stated_volume.tolist()[0] == 60.0
