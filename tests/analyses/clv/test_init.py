"""The clv analysis as compute runs it: its settings, the stored results and the CLI."""

import subprocess
import sys

import pandas as pd
import pytest

from saleskpi import results
from saleskpi.analyses.clv import fits
from saleskpi.analyses.clv.links import ALL_SHARES, NO_SHARE
from saleskpi.analyses.clv.value import annuity
from saleskpi.config import ClvSection


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



# --- stored results and the CLI -----------------------------------------------------------------


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
        return results.read(ws.con, name, stamped=True).to_pyarrow().to_pandas()



def test_compute_stores_the_five_results_with_opportunity_and_budget(computed):
    path, report = computed
    assert {"clv", "clv-history", "clv-validation", "clv-params", "clv-wallet"} <= set(report.stored)
    c = stored(path, "clv")
    assert c.note.isna().all() and c.currency.eq("EUR").all()
    assert c.offer_budget.tolist() == pytest.approx((0.1 * c.clv_12m.clip(lower=0)).round(2).tolist(), abs=0.011)
    has = c.share_of_wallet_by_value.notna() & c.potential_value.notna() & c.margin_rate.notna()
    assert has.mean() > 0.9
    expected = (c.margin_rate * (0.5 - c.share_of_wallet_by_value) * c.potential_value).clip(lower=0)
    assert c.opportunity_12m[has].tolist() == pytest.approx(
        (expected[has] * annuity(12, 0.01)).round(2).tolist(), abs=0.011)
    assert (c.opportunity_36m[has] >= c.opportunity_12m[has]).all()
    assert sorted(c["rank_by_clv_36m"]) == list(range(1, len(c) + 1))
    v = stored(path, "clv-validation")
    assert len(v) == 11 and v.decile.isna().sum() == 1 and (v.holdout_weeks == 26).all() and v.note.isna().all()
    p = stored(path, "clv-params")
    assert set(p.fit) == {"main", "calibration"} and p.note.isna().all()
    h = stored(path, "clv-history")
    assert set(h.period) == {"2023", "2024", "2025", "2026 YTD", "total"}  # history from 2023-11-01
    # the link to the wallet: this run's share of wallet beside the customers' CLV
    w = stored(path, "clv-wallet").set_index("band")
    shared = c[c.share_of_wallet_by_value.notna()]
    assert w.customers[list(w.index[:5])].sum() == w.loc[ALL_SHARES, "customers"] == len(shared)
    assert w.loc[NO_SHARE, "customers"] == c.share_of_wallet_by_value.isna().sum()
    assert w.loc[ALL_SHARES, "total_clv_12m"] == pytest.approx(shared.clv_12m.sum(), abs=0.01)
    low = shared[shared.share_of_wallet_by_value < 0.2]
    assert w.loc["0-20 %", "mean_clv_12m"] == pytest.approx(low.clv_12m.mean(), abs=0.006)
    assert w.loc[ALL_SHARES, "spearman_share_clv_12m"] == pytest.approx(
        shared.share_of_wallet_by_value.rank().corr(shared.clv_12m.rank()), rel=1e-9)



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
    monkeypatch.setattr(fits, "MAXITER", 1)
    monkeypatch.setattr(sys, "argv", ["saleskpi", "compute", str(path)])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code in (0, None)
    err = " ".join(capsys.readouterr().err.split())
    for name in ("potential", "sales", "wallet", "abc", "clv", "clv-history", "clv-validation", "clv-params"):
        assert f" {name}: " in err
    # and the command says so, once per fit that failed (two models x main and calibration), besides
    # that the 3-year history does not hold the 5 weighted years of clv-history
    assert err.count("warning: clv: ") == 5 and err.count(" not fitted: ") == 4
    assert "warning: clv: clv-history: the weighted profit weighs the full years 2021 to 2025" in err
    assert "warning: clv: BG/NBD (main fit) not fitted: " in err and "did not converge (optimizer: " in err
    p = stored(path, "clv-params")
    # the seven counts of what the models left out stand; no drop-out check without a purchase model
    assert p.model.value_counts()["left out"] == 7 and "check" not in set(p.model)
    p = p[p.model != "left out"]
    assert p.parameter.isna().all() and len(p) == 4  # two models x (main, calibration)
    assert p.note.str.contains("did not converge \\(optimizer: 'STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT'\\)").all()
    v = stored(path, "clv-validation")
    assert len(v) == 1 and v.note.iloc[0].startswith("the clv holdout calibration (to 2026-05-02): the BG/NBD")
    assert stored(path, "clv").p_alive.isna().all()
    assert len(stored(path, "clv-history")) == len(stored(computed[0], "clv-history"))



def test_the_small_demo_company_computes_with_every_fit_converged(tmp_path):
    """The 200-customer, 2-year demo company (seed 7) that used to stop the whole compute with a
    ConvergenceError: its holdout calibration lies on a flat ridge of the BG/NBD likelihood (a and
    b grow together; docs/md, "Small data"). The model library keeps its precision there, so
    every fit converges and the run has nothing to warn about."""
    from saleskpi.compute import compute
    from saleskpi.demo import build_demo

    with build_demo(tmp_path / "ws", customers=200, years=2, seed=7) as ws:
        report = compute(ws, only=["clv"])
    assert {"clv", "clv-history", "clv-validation", "clv-params", "clv-wallet"} <= set(report.stored)
    # nothing to warn about but that the 2-year history does not hold the 5 weighted years
    assert [w.split(":")[:2] for w in report.warnings] == [
        ["clv", " clv-history"]]
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

