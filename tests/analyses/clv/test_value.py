"""Predicted value (clv): the discounted CLV formula by hand, data without cost, the demo
company's truth and the workspace's purchase-day table."""

import math

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from saleskpi.analyses.clv.fits import MIN_REPEAT_BUYERS
from saleskpi.analyses.clv.history import history
from saleskpi.analyses.clv.value import (
    BASIS_FIRST,
    BASIS_FIRST_OWN,
    BASIS_MODEL,
    BASIS_OWN,
    BASIS_POPULATION,
    NOTE_NO_MARGIN,
    WEEKS_PER_MONTH,
    discounted_purchases,
    expected_purchases,
    margin_per_purchase,
    offer_budget,
    opportunity,
    p_alive,
    predict,
    scores,
)
from saleskpi.config import ClvSection
from saleskpi.models import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD

from .conftest import NO_COST_AS_OF, independent_summary

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
    out = discounted_purchases(model, *CUSTOMERS.values(), months=(3, 12), monthly_rate=0.02,
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
    flat = discounted_purchases(model, *CUSTOMERS.values(), months=(12,), monthly_rate=0.0)
    assert flat[12][1] == pytest.approx(flat[12][0], rel=1e-12)



def test_discounted_purchases_of_pareto_nbd_match_its_own_predictions():
    """The (x, T)-pair shortcut gives what the model's expected_purchases gives customer by customer."""
    model = fitted(ParetoNBD(), {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7})
    out = discounted_purchases(model, *CUSTOMERS.values(), months=(36,), monthly_rate=0.01)
    wpm = WEEKS_PER_MONTH
    e = [model.expected_purchases(CUSTOMERS, t=m * wpm) for m in range(37)]
    det = sum((e[m] - e[m - 1]) / 1.01**m for m in range(1, 37))
    assert out[36][1] == pytest.approx(det, rel=1e-10)
    assert out[36][0] == pytest.approx(e[36], rel=1e-10)



@pytest.mark.parametrize("model", [
    fitted(BetaGeo(), BG), fitted(ModifiedBetaGeo(), BG),
    fitted(ParetoNBD(), {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7})], ids=["bgnbd", "mbgnbd", "pareto"])
def test_expected_purchases_per_distinct_pair_are_the_models_own_to_the_bit(model):
    """The series once per distinct (x, T) pair times each customer's P(alive) is, value for
    value, what the model's expected_purchases gives customer by customer (the holdout's
    prediction of 1M customers: 1.7 s -> 0.13 s); the factor alone is E[Y(t)] / P(alive)."""
    rng = np.random.default_rng(7)
    big_t = rng.choice([10.0, 20.0, 30.0], 400)
    x = rng.integers(0, 6, 400).astype(float)
    tx = np.where(x > 0, big_t * rng.uniform(0.1, 1.0, 400), 0.0)
    customers = {"frequency": x, "recency": tx, "T": big_t}
    direct = model.expected_purchases(customers, t=26.0)
    assert np.array_equal(expected_purchases(model, x, tx, big_t, t=26.0), direct)
    assert np.array_equal(model.expected_purchases_if_alive(customers, t=26.0) * model.p_alive(customers), direct)
    assert model.expected_purchases_if_alive(customers, t=26.0) == pytest.approx(
        direct / model.p_alive(customers), rel=1e-14)


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




class CountingBetaGeo(BetaGeo):
    """BG/NBD that notes how many rows each P(alive) call gets."""

    def __init__(self):
        super().__init__()
        self.p_alive_rows = []

    def p_alive(self, data):
        self.p_alive_rows.append(len(data["frequency"]))
        return super().p_alive(data)


def test_predict_computes_p_alive_once_per_customer():
    """predict asks the model for P(alive) once per customer (p_alive) and hands it to
    discounted_purchases, whose series over the 3 distinct (x, T) pairs needs none: one call of
    4 rows, not 4 and 4 again. The values are those of the model and of discounted_purchases alone."""
    model = fitted(CountingBetaGeo(), BG)
    summary = pd.DataFrame({"customer_id": ["A", "B", "C", "D"], **CUSTOMERS})
    out = predict(summary, model, None, months=(12, 36))
    assert model.p_alive_rows == [4]
    assert out.p_alive.tolist() == BetaGeo.p_alive(model, CUSTOMERS).tolist()
    assert p_alive(model, *CUSTOMERS.values()).tolist() == out.p_alive.tolist()
    alone = discounted_purchases(fitted(BetaGeo(), BG), *CUSTOMERS.values(), months=(12, 36))
    for m in (12, 36):
        assert out[f"expected_purchases_{m}m"].tolist() == alone[m][0].tolist()
    assert out.clv_12m.isna().all() and out.margin_estimate.isna().all()  # no margin model

def test_margin_per_purchase_by_hand():
    gg = fitted(GammaGamma(), {"p": 6.0, "q": 4.0, "gamma": 15.0})
    margin, basis = margin_per_purchase(gg, np.array([2, 0, 1]), np.array([40.0, 0.0, -5.0]))
    # 6 (15 + 2 x 40) / (12 + 3) = 38; population mean 6 x 15 / 3 = 30; own mean -5
    assert margin.tolist() == pytest.approx([38.0, 30.0, -5.0])
    assert basis.tolist() == [BASIS_MODEL, BASIS_POPULATION, BASIS_OWN]
    # q <= 1: no finite population mean; the first purchase is one observation
    heavy = fitted(GammaGamma(), {"p": 6.0, "q": 0.8, "gamma": 15.0})
    margin, basis = margin_per_purchase(heavy, np.array([0, 0, 2]), np.array([0.0, 0.0, 40.0]),
                                            np.array([20.0, -3.0, 99.0]))
    # 6 (15 + 20) / (6 - 0.2) = 36.2069; -3 as it is; 6 (15 + 80) / (12 - 0.2) = 48.3051
    assert margin.tolist() == pytest.approx([210 / 5.8, -3.0, 570 / 11.8])
    assert basis.tolist() == [BASIS_FIRST, BASIS_FIRST_OWN, BASIS_MODEL]



def test_opportunity_and_offer_budget_by_hand():
    # margin rate 0.2, share 0.3, yearly potential 10,000, target 0.5: 0.2 x 0.2 x 10,000 = 400 a year
    args = (np.array([0.2, 0.2, 0.2, 0.2]), np.array([0.3, 0.6, np.nan, 0.5]), np.array([1e4, 1e4, 1e4, 1e4]))
    assert opportunity(*args, months=12, monthly_rate=0.0)[[0, 1, 3]].tolist() == pytest.approx([400, 0, 0])
    assert math.isnan(opportunity(*args, months=12, monthly_rate=0.0)[2])
    assert opportunity(*args, months=36, monthly_rate=0.0)[0] == pytest.approx(1200)
    # discounted: 400 / 12 x sum_{m=1..12} 1.01^-m = 400 / 12 x (1 - 1.01^-12) / 0.01 = 375.1692
    assert opportunity(*args, months=12, monthly_rate=0.01)[0] == pytest.approx(375.1692, abs=1e-4)
    assert offer_budget(np.array([1000.0, -50.0]), budget_share=0.1).tolist() == [100.0, 0.0]



# --- data without cost: the purchase model needs dates only --------------------------------------


def test_without_cost_the_purchase_model_still_gives_p_alive_and_expected_purchases(no_cost):
    ws, days_of = no_cost
    sales = ws.table("sales").mutate(cost=ibis.null("decimal(18, 2)"))  # no cost anywhere
    frame, params = scores(sales, ws.table("customers"), NO_COST_AS_OF, ClvSection())
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
        want = model.expected_purchases(rfm, t=months * WEEKS_PER_MONTH)
        assert frame[f"expected_purchases_{months}m"].to_numpy() == pytest.approx(want, rel=1e-9)
    # the money that needs the margin is empty, and says why
    for col in ("margin_per_purchase", "clv_12m", "clv_36m", "offer_budget", "margin_rate", "rank_by_clv_36m"):
        assert frame[col].isna().all(), col
    assert frame.margin_estimate.isna().all() and frame.margin_basis.isna().all()
    assert frame.note.eq("the clv fit (as of 2025-12-31): no cost or margin in the sales, so no margin model "
                         "(Gamma-Gamma): the margin-based value is not computed").all()
    gg = params[params.model == "Gamma-Gamma"]
    assert len(gg) == 1 and gg.parameter.isna().all() and gg.note.iloc[0] == frame.note.iloc[0]
    assert 0 < frame.p_alive.min() and frame.p_alive.max() <= 1



def test_customers_without_cost_get_a_note_beside_those_with_cost(no_cost):
    ws, days_of = no_cost
    frame, params = scores(ws.table("sales"), ws.table("customers"), NO_COST_AS_OF, ClvSection())
    odd = frame.customer_id.str[1:].astype(int) % 2 == 1
    assert frame.p_alive.notna().all()
    assert frame[odd].clv_12m.isna().all() and frame[odd].note.eq(NOTE_NO_MARGIN).all()
    assert frame[~odd].clv_12m.notna().all() and frame[~odd].note.isna().all()
    assert frame[~odd]["rank_by_clv_36m"].tolist() and sorted(frame[~odd]["rank_by_clv_36m"]) == list(range(1, (~odd).sum() + 1))
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
    assert len(rows) >= MIN_REPEAT_BUYERS and (g.customers == len(rows)).all()
    # the same optimum: the log-likelihood to 1e-9, the parameters to 1e-6
    assert g.log_likelihood.iloc[0] == pytest.approx(spend.log_likelihood_, rel=1e-9)
    for name, value in spend.params_.items():
        assert g.loc[name, "value"] == pytest.approx(value, rel=1e-6)



# --- the demo company's truth and the stored purchase days ----------------------------------------


def test_p_alive_is_lower_for_customers_the_truth_says_churned(demo):
    _, _, frame, _, truth = demo
    m = frame.merge(truth, on="customer_id")
    alive, churned = m[m.alive_at_end].p_alive.mean(), m[~m.alive_at_end].p_alive.mean()
    assert churned < 0.5 < 0.9 < alive
    assert (m.clv_12m >= 0).all() and (m.expected_purchases_36m >= m.expected_purchases_12m).all()
    assert (m.clv_36m >= m.clv_12m).all()



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
    from_table, params_table = scores(ws.table("sales"), ws.table("customers"), as_of, ClvSection(), days=kept)
    exact = ["customer_id", "first_purchase", "frequency", "recency_weeks", "T_weeks", "in_fit", "margin_estimate", "margin_basis",
             "note", "territory_id", "rep_id"]
    pd.testing.assert_frame_equal(from_table[exact], frame[exact])
    for col in ("p_alive", "expected_purchases_12m", "margin_per_purchase", "clv_12m", "margin_rate"):
        assert from_table[col].to_numpy() == pytest.approx(frame[col].to_numpy(), rel=1e-6, abs=0.011, nan_ok=True)
    lines_history = history(ws.table("sales"), ws.table("customers"), as_of).to_pyarrow()
    assert history(ws.table("sales"), ws.table("customers"), as_of, days=kept).to_pyarrow().equals(lines_history)

