"""Holdout validation (``clv-validation``): the models calibrated on the history before the last
``holdout_weeks`` weeks and asked to predict those weeks, by decile of predicted purchases.

The conditional-expectation check of the BG/NBD paper (Fader, Hardie & Lee 2005, Marketing
Science 24(2)): calibrate, predict E[Y(t) | x, t_x, T] (its eq. (10)) for the holdout length t,
and set the mean predicted purchases of groups of customers beside the mean actual ones; the
groups here are deciles of the predicted purchases, not the paper's calibration frequencies.
"""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd

from saleskpi.analyses.clv.fits import Fits, fit_all, fit_population
from saleskpi.analyses.clv.summary import model_summary
from saleskpi.analyses.clv.value import expected_purchases, margin_per_purchase
from saleskpi.config import ClvSection as _CLV

__all__ = ["DECILES", "DEFAULT_HOLDOUT_WEEKS", "deciles", "validation"]

#: Groups of equal size that the customers are cut into by predicted purchases.
DECILES = 10

#: Default weeks held out: ``[clv] holdout_weeks`` of the settings model, which the
#: analysis passes: half a year, long enough to see repeat purchases, short enough to leave
#: most of the history for the calibration.
DEFAULT_HOLDOUT_WEEKS = _CLV.model_fields["holdout_weeks"].default

#: The per-decile means of ``clv-validation``: output column -> (column of the per-customer
#: frame, aggregation).
MEANS = dict(customers=("customer_id", "size"),
             predicted_purchases_mean=("predicted_purchases", "mean"),
             actual_purchases_mean=("actual_purchases", "mean"),
             predicted_margin_mean=("predicted_margin", "mean"),
             actual_margin_mean=("actual_margin", "mean"))


def deciles(score: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Decile 1 (lowest) .. 10 (highest) of ``score``, equal counts, ties broken by ``ids``."""
    order = np.lexsort((ids, score))
    rank = np.empty(len(score), dtype=np.int64)
    rank[order] = np.arange(len(score))
    return (rank * DECILES) // max(len(score), 1) + 1


def _holdout_frame(summary: pd.DataFrame, fits: Fits, mask: np.ndarray) -> pd.DataFrame:
    """Per customer of the calibration ``summary``: predicted and actual holdout purchases and
    margin, and the decile of the predicted purchases."""
    x, tx, big_t = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    duration = float(summary["duration_holdout"].iloc[0])
    predicted = expected_purchases(fits.purchases, x, tx, big_t, t=duration)
    known = summary["margin_known"].to_numpy(dtype=bool)
    if fits.spend is None:
        margin = np.full(len(x), np.nan)
    else:
        margin, _ = margin_per_purchase(fits.spend, x, summary["monetary_value"].to_numpy(dtype=float),
                                        summary["first_margin"].to_numpy(dtype=float))
    actual_margin = (summary["frequency_holdout"].to_numpy(dtype=float)
                     * summary["monetary_value_holdout"].to_numpy(dtype=float))
    per = pd.DataFrame({
        "customer_id": summary["customer_id"].to_numpy(),
        "in_fit": mask,
        "predicted_purchases": predicted,
        "actual_purchases": summary["frequency_holdout"].to_numpy(dtype=float),
        "predicted_margin": np.where(known, predicted * margin, np.nan),
        "actual_margin": np.where(known & np.isfinite(margin), actual_margin, np.nan),
    })
    per["decile"] = deciles(per["predicted_purchases"].to_numpy(), per["customer_id"].astype(str).to_numpy())
    return per


def _decile_table(per: pd.DataFrame) -> pd.DataFrame:
    """The :data:`MEANS` by decile and over all customers (``decile`` NULL), with the totals of
    predicted and actual purchases."""
    table = per.groupby("decile").agg(**MEANS).reset_index()
    total = per.assign(decile=0).groupby("decile").agg(**MEANS).reset_index()
    total["decile"] = pd.NA
    table = pd.concat([table, total], ignore_index=True)
    table["predicted_purchases_total"] = table["predicted_purchases_mean"] * table["customers"]
    table["actual_purchases_total"] = table["actual_purchases_mean"] * table["customers"]
    return table


def _margin_note(summary: pd.DataFrame, fits: Fits) -> str | None:
    """Why the margin means are empty (no margin model) or leave customers out (margin unknown)."""
    n_unknown = int((~summary["margin_known"].to_numpy(dtype=bool)).sum())
    if fits.spend is None:
        return fits.spend_note
    if n_unknown:
        return (f"the margin means leave out the {n_unknown:,} customer(s) whose cost or margin is missing on "
                "some purchase day")
    return None


def validation(days: ibis.Table, customers: ibis.Table, as_of: dt.date, *,
               holdout_weeks: int = DEFAULT_HOLDOUT_WEEKS, model: str = "bgnbd", penalizer: float = 0.0,
               fit_customers: str = "acquired_in_history", history_start: dt.date | None = None):
    """Calibrate on the purchase days up to ``as_of - holdout_weeks`` weeks, predict the holdout.

    ``days`` are purchase days (:func:`saleskpi.analyses.clv.days.purchase_days`). Returns
    ``(table, per_customer, fits)``: the ``clv-validation`` frame by decile of
    predicted holdout purchases (1 = lowest, 10 = highest, and a total row with ``decile``
    NULL) over every customer first seen in the calibration period, the per-customer frame
    behind it (``predicted_purchases``, ``actual_purchases``, ``predicted_margin`` = predicted
    purchases x margin per purchase, ``actual_margin``) and the calibration's :class:`Fits`.
    The margin means are over the customers whose margin is known (NaN without a margin
    model). Without a purchase model (too few customers, or no convergence) the table is one
    row (``decile`` NULL) with the customers and the reason in ``note``, and ``per_customer``
    is empty.
    """
    calibration_end = as_of - dt.timedelta(weeks=holdout_weeks)
    what = f"the clv holdout calibration (to {calibration_end})"
    summary = model_summary(days, as_of, calibration_end,
                            joined=(customers.select("customer_id", "acquired_on"),)
                            if "acquired_on" in customers.columns else ())
    start = history_start or (summary["first_purchase"].min().date() if len(summary) else calibration_end)
    mask = fit_population(summary, customers, start, fit_customers)
    fits = fit_all(summary, mask, model=model, penalizer=penalizer, what=what)
    if fits.purchases is None:
        table = pd.DataFrame({"decile": [pd.NA], "customers": [len(summary)], "note": [fits.purchase_note]})
        table["calibration_end"] = calibration_end
        table["holdout_weeks"] = holdout_weeks
        return table, pd.DataFrame(), fits
    per = _holdout_frame(summary, fits, mask)
    table = _decile_table(per)
    table["calibration_end"] = calibration_end
    table["holdout_weeks"] = holdout_weeks
    table["note"] = _margin_note(summary, fits)
    return table, per, fits
