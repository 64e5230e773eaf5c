"""Holdout validation (clv-validation): deciles, data without cost, the demo company."""

import ibis
import numpy as np
import pytest

from saleskpi.analyses.clv.days import purchase_days
from saleskpi.analyses.clv.validation import deciles, validation

from .conftest import NO_COST_AS_OF


def test_deciles_have_equal_counts_and_break_ties_by_id():
    d = deciles(np.array([5.0] * 20), np.array([f"C{i:02d}" for i in range(20)]))
    assert d.tolist() == [k for k in range(1, 11) for _ in range(2)]



def test_validation_without_cost_reports_purchases_and_no_margin(no_cost):
    ws, _ = no_cost
    sales = ws.table("sales").mutate(cost=ibis.null("decimal(18, 2)"))
    days = purchase_days(sales, NO_COST_AS_OF)
    table, per, fits = validation(days, ws.table("customers"), NO_COST_AS_OF, holdout_weeks=26)
    assert fits.purchases is not None and fits.spend is None
    total = table[table.decile.isna()].iloc[0]
    assert total.customers == len(per) and total.actual_purchases_total == per.actual_purchases.sum()
    assert table.predicted_margin_mean.isna().all() and table.actual_margin_mean.isna().all()
    assert table.note.str.contains("no cost or margin in the sales").all()



def test_holdout_validation_predicts_the_total_purchases(demo):
    """A 52-week holdout spans a whole building season; the default 26 weeks before 2026-10-31
    (May-October) fall in the high season, which a stationary model cannot know: there the
    actual purchases exceed the predicted ones by about the season's intensity, 1.19 (the mean
    SEASONALITY of May-October over the year's, demo/catalogue.py)."""
    ws, as_of, _, _, _ = demo
    days = purchase_days(ws.table("sales"), as_of)
    table, per, _ = validation(days, ws.table("customers"), as_of, holdout_weeks=52)
    total = table[table.decile.isna()].iloc[0]
    assert total.predicted_purchases_total == pytest.approx(total.actual_purchases_total, rel=0.15)
    assert total.customers == len(per) and table.customers.iloc[:10].sum() == len(per)
    # deciles of predicted purchases sort the actual purchases too
    assert table.actual_purchases_mean.iloc[:10].is_monotonic_increasing
    assert total.predicted_margin_mean == pytest.approx(total.actual_margin_mean, rel=0.25)
    half, _, _ = validation(days, ws.table("customers"), as_of)
    half_total = half[half.decile.isna()].iloc[0]
    season = (1.25 + 1.25 + 1.20 + 1.05 + 1.20 + 1.15) / 6 / (11.9 / 12)
    assert half_total.actual_purchases_total / half_total.predicted_purchases_total == pytest.approx(season, rel=0.1)

