"""The model fits: too few customers, the demo company's truth, a fit that does not converge,
the choice of purchase model."""

import pytest

from saleskpi.analyses.clv import fits
from saleskpi.analyses.clv.days import purchase_days
from saleskpi.analyses.clv.fits import fit_purchase_model
from saleskpi.analyses.clv.summary import model_summary
from saleskpi.analyses.clv.validation import validation
from saleskpi.analyses.clv.value import scores
from saleskpi.config import ClvSection
from saleskpi.models import ConvergenceError

from .conftest import AS_OF


def test_too_few_customers_give_a_note_not_a_failure(history_company):
    frame, params = scores(history_company.table("sales"), history_company.table("customers"), AS_OF,
                               ClvSection())
    assert len(frame) == 3
    assert frame.note.eq("the clv fit (as of 2026-03-31): too few customers to fit the purchase model: 3 "
                         "(at least 20 needed)").all()
    assert frame.p_alive.isna().all() and frame.clv_12m.isna().all() and frame["rank_by_clv_36m"].isna().all()
    # clv-params says why for each model; C1 is the only repeat buyer (2024-05-10, 2025-07-01 and
    # 2026-02-01 after 2023-06-01; C2's credit note is no purchase day)
    assert params.parameter.isna().all() and params.model.tolist() == ["BG/NBD", "Gamma-Gamma"]
    assert params.note.iloc[1].endswith("too few repeat buyers with a known, positive margin to fit the margin "
                                        "model (Gamma-Gamma): 1 (at least 10 needed)")
    days = purchase_days(history_company.table("sales"), AS_OF)
    table, per, fits = validation(days, history_company.table("customers"), AS_OF, holdout_weeks=26)
    assert per.empty and fits.purchases is None and len(table) == 1
    # calibration to 2025-09-30: C3 (first seen 2026-01-10) is not in it
    assert table.customers.iloc[0] == 2 and table.note.iloc[0] == (
        "the clv holdout calibration (to 2025-09-30): too few customers to fit the purchase model: 2 "
        "(at least 20 needed)")



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



def test_a_fit_that_does_not_converge_says_which_and_how_to_fix_it(demo, monkeypatch):
    ws, as_of, _, _, _ = demo
    monkeypatch.setattr(fits, "MAXITER", 1)
    days = purchase_days(ws.table("sales"), as_of)
    summary = model_summary(days, as_of)
    with pytest.raises(ConvergenceError) as caught:
        fit_purchase_model(summary, what="the clv fit (as of 2026-10-31)")
    message = str(caught.value)
    assert message.startswith("the clv fit (as of 2026-10-31): the BG/NBD purchase model on ")
    assert "did not converge (optimizer: 'STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT')" in message
    assert 'Try [clv] model = "pareto" or a small [clv] penalizer' in message
    assert caught.value.exit_code == 1
    # the analysis does not fail: every customer's row carries that message instead of predictions
    frame, params = scores(ws.table("sales"), ws.table("customers"), as_of, ClvSection())
    assert frame.note.str.startswith("the clv fit (as of 2026-10-31): the BG/NBD purchase model on ").all()
    assert frame.note.str.contains("did not converge (optimizer: 'STOP: TOTAL NO. OF ITERATIONS", regex=False).all()
    assert frame.p_alive.isna().all() and frame.clv_36m.isna().all() and frame["rank_by_clv_36m"].isna().all()
    assert frame.frequency.notna().all() and frame.margin_rate.notna().any()  # the rest is there
    bg = params[params.model == "BG/NBD"]
    assert len(bg) == 1 and bg.parameter.isna().all() and bg.note.iloc[0] == frame.note.iloc[0]
    gg = params[params.model == "Gamma-Gamma"]
    assert gg.note.str.contains("the Gamma-Gamma margin model on .* did not converge").all()



def test_pareto_nbd_is_selectable(demo):
    ws, as_of, frame, _, truth = demo
    pareto, params = scores(ws.table("sales"), ws.table("customers"), as_of, ClvSection(model="pareto"))
    assert set(params.model) == {"Pareto/NBD", "Gamma-Gamma", "derived"}
    m = pareto.merge(truth, on="customer_id")
    assert m[~m.alive_at_end].p_alive.mean() < 0.5 < m[m.alive_at_end].p_alive.mean()
    # the two purchase models agree on the next year's purchases in total within 10 %
    assert pareto.expected_purchases_12m.sum() == pytest.approx(frame.expected_purchases_12m.sum(), rel=0.1)

