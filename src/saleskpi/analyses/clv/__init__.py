"""Customer lifetime value (course topic 4): what each customer has been worth, and will be.

Results (docs/clv.md tells how to read them):

``clv-history``
    Historical value. Per customer and calendar year over the last ``[clv] history_years`` full
    years and the year to date: purchases (net value), margin (net value - cost), purchase days,
    and the margin compounded to today's money at the yearly rate ``history_rate``:
    ``margin * (1 + d)^k`` for the year k years before the as-of year (Kumar & Reinartz,
    *Customer Relationship Management*, 2nd ed. 2012, "past customer value"). One more row per
    customer (``year`` NULL, ``period`` 'total') adds them up, with the weighted profit
    ``sum_k w_k * margin_k * (1 + d)^k`` over the full years (weights, most recent year first,
    normalised to sum 1: a weighted average year's profit) and the customer's ``rank`` by it.

``clv``
    Predicted value per customer. Repeat purchases by BG/NBD (Fader, Hardie & Lee 2005,
    Marketing Science 24(2)) or Pareto/NBD (Schmittlein, Morrison & Colombo 1987) on the
    summary of purchase days (:func:`~saleskpi.analyses.clv.summary.rfm_summary`, weeks);
    margin per purchase by Gamma-Gamma (Fader, Hardie & Lee 2005, J. Marketing Research
    42(4)) fitted on the MARGIN of the repeat purchase days. P(alive), expected purchases and
    the discounted expected margin over 12 and 36 months (:func:`discounted_purchases`), the
    future opportunity if share of wallet reached its target (:func:`opportunity`) and an
    allowable offer budget (:func:`offer_budget`). The purchase model needs dates only: without
    cost or margin the margin columns are NULL and ``note`` says why (:func:`fit_all`).

``clv-validation``
    The same models calibrated on the history before the last ``holdout_weeks`` weeks and
    asked to predict those weeks: by decile of predicted purchases, customers and the mean
    predicted and actual purchases and margin (a total row has ``decile`` NULL).

``clv-params``
    The fitted parameters of both fits (the main one and the calibration one), with standard
    errors, the number of customers and the log-likelihood; a model that could not be fitted
    has one row with the reason in ``note`` (the compute goes on).

``clv-wallet``
    This run's share of wallet beside CLV: by share band, customers, mean P(alive) and CLV,
    and the Pearson and Spearman correlations of share and ``clv_12m`` (:func:`wallet_link`).

A purchase day is a customer's invoice day whose lines add up to a positive net value (a day
with only returns or credit notes is no purchase; its value and margin count in the
historical value only). Only the per-customer summary is pulled into memory for the fits.

The modules, by job: :mod:`~saleskpi.analyses.clv.days` (the customer x day tables every step
reads), :mod:`~saleskpi.analyses.clv.summary` (the per-customer summary the models take),
:mod:`~saleskpi.analyses.clv.history` (``clv-history``), :mod:`~saleskpi.analyses.clv.fits`
(the model fits and ``clv-params``), :mod:`~saleskpi.analyses.clv.value` (the predictions and
``clv``), :mod:`~saleskpi.analyses.clv.validation` (``clv-validation``) and
:mod:`~saleskpi.analyses.clv.links` (``clv-wallet``); this one runs them (:func:`run`).
"""

from __future__ import annotations

import ibis
import pandas as pd

from saleskpi.analyses import Analysis, Context, frame_table
from saleskpi.analyses.clv.days import history_start, margin_days, purchase_days
from saleskpi.analyses.clv.fits import (
    Fits,
    fit_all,
    fit_models,
    fit_population,
    fit_purchase_model,
    fit_spend_model,
    params_frame,
    spend_rows,
)
from saleskpi.analyses.clv.history import DEFAULT_HISTORY_WEIGHTS, history, history_gap, history_weights
from saleskpi.analyses.clv.links import wallet_link
from saleskpi.analyses.clv.results import RESULTS
from saleskpi.analyses.clv.summary import model_summary, rfm_summary
from saleskpi.analyses.clv.validation import validation
from saleskpi.analyses.clv.value import (
    NOTE_NO_MARGIN,
    WEEKS_PER_MONTH,
    annuity,
    discounted_purchases,
    margin_per_purchase,
    offer_budget,
    opportunity,
    p_alive,
    predict,
    scores,
)
from saleskpi.errors import UsageError

__all__ = [
    "ANALYSIS",
    "DEFAULT_HISTORY_WEIGHTS",
    "NOTE_NO_MARGIN",
    "WEEKS_PER_MONTH",
    "Fits",
    "annuity",
    "discounted_purchases",
    "fit_all",
    "fit_models",
    "fit_population",
    "fit_purchase_model",
    "fit_spend_model",
    "history",
    "history_weights",
    "margin_per_purchase",
    "model_summary",
    "offer_budget",
    "opportunity",
    "p_alive",
    "predict",
    "purchase_days",
    "rfm_summary",
    "run",
    "scores",
    "spend_rows",
    "validation",
    "wallet_link",
]

CLV_TYPES = {
    "customer_id": "string", "territory_id": "string", "rep_id": "string", "first_purchase": "date",
    "frequency": "int64", "recency_weeks": "float64", "T_weeks": "float64", "in_fit": "boolean",
    "p_alive": "float64", "expected_purchases_12m": "float64", "expected_purchases_36m": "float64",
    "margin_per_purchase": "float64", "margin_estimate": "string", "margin_basis": "string", "clv_12m": "float64", "clv_36m": "float64",
    "margin_rate": "float64", "share_of_wallet_by_value": "float64", "potential_value": "float64",
    "target_share": "float64", "opportunity_12m": "float64", "opportunity_36m": "float64",
    "offer_budget": "float64", "rank_by_clv_36m": "int64", "note": "string", "currency": "string",
}
VALIDATION_TYPES = {
    "decile": "int64", "customers": "int64", "predicted_purchases_mean": "float64",
    "actual_purchases_mean": "float64", "predicted_margin_mean": "float64", "actual_margin_mean": "float64",
    "predicted_purchases_total": "float64", "actual_purchases_total": "float64", "calibration_end": "date",
    "holdout_weeks": "int64", "note": "string", "currency": "string",
}
PARAM_TYPES = {"fit": "string", "model": "string", "parameter": "string", "value": "float64",
               "standard_error": "float64", "log_likelihood": "float64", "customers": "int64", "note": "string"}
WALLET_TYPES = {
    "band": "string", "share_from": "float64", "share_to": "float64", "customers": "int64",
    "customers_with_clv": "int64", "mean_share": "float64", "mean_p_alive": "float64", "mean_clv_12m": "float64",
    "total_clv_12m": "float64", "mean_clv_36m": "float64", "total_opportunity_12m": "float64",
    "pearson_share_clv_12m": "float64", "spearman_share_clv_12m": "float64", "currency": "string",
}



def _wallet(ctx: Context) -> ibis.Table | None:
    """This run's ``wallet`` result; None when the wallet analysis stored nothing (then there are
    no opportunity figures)."""
    try:
        return ctx.result("wallet")
    except UsageError:
        return None


def _warn_unfitted(ctx: Context, params: pd.DataFrame) -> None:
    """One warning of the run per model that could not be fitted (a ``clv-params`` row without
    a parameter), with the reason."""
    unfitted = params[params["parameter"].isna() & params["note"].notna()]
    for fit, model, note in unfitted[["fit", "model", "note"]].itertuples(index=False):
        hint = (" (or set [clv] margin_basis = \"assumed\" for the products' margin_rate, else an assumed margin rate, on the lines without a cost, "
                "or \"revenue\" for a revenue-based CLV)" if "no cost or margin" in note else "")
        ctx.warn("clv", f"{model} ({fit} fit) not fitted: {note}{hint}")


#: The ``left out`` reasons of clv-params that the run warns about: data the models could not
#: use at all (the others are by the models' design, and counted only).
_WARN_LEFT_OUT = ("customers without a purchase day", "days of value 0")


def _warn_left_out(ctx: Context, params: pd.DataFrame) -> None:
    """One warning for the customers and days of the main fit that no model took, and one for a
    purchase model that finds no drop-out (``check``)."""
    main = params[params["fit"] == "main"]
    rows = main[(main["model"] == "left out") & (main["customers"] > 0)]
    said = [f"{int(n if pd.isna(days) else days):,} {reason}" + ("" if pd.isna(days) else f" of {int(n):,} customers")
            for reason, n, days in rows[["parameter", "customers", "value"]].itertuples(index=False)
            if reason.startswith(_WARN_LEFT_OUT)]
    if said:
        ctx.warn("clv", "left out of the models: " + "; ".join(said) + ". A customer without a purchase day has "
                        "no clv row; all are counted in clv-params (model 'left out').")
    for note in main.loc[(main["model"] == "check") & main["note"].notna(), "note"]:
        ctx.warn("clv", note)


def run(ctx: Context) -> dict[str, ibis.Table]:
    """The five clv results of this run (:data:`ANALYSIS`), from the workspace's sales, customers,
    customer x day table and ``wallet`` result, with the ``[clv]`` settings."""
    cfg = ctx.settings.clv
    currency = ctx.settings.workspace.currency
    sales, customers = ctx.table("sales"), ctx.table("customers")
    wallet = _wallet(ctx)
    # the workspace's customer x day table, kept at import (no grouping of the lines here), or the
    # lines grouped with the margin of [clv] margin_basis
    products = ctx.table("products")
    days = margin_days(sales, products, cfg, ctx.ws.purchase_days())
    frame, params = scores(sales, customers, ctx.as_of, cfg, wallet=wallet, days=days, products=products,
                           checks=True)
    first_day = history_start(days)
    start = first_day or ctx.as_of
    table, _, cal_fits = validation(
        purchase_days(sales, ctx.as_of, days=days), customers, ctx.as_of, holdout_weeks=cfg.holdout_weeks, model=cfg.model,
        penalizer=cfg.penalizer, fit_customers=cfg.fit_customers, history_start=start)
    params = pd.concat([params, params_frame("calibration", cal_fits, cfg.model)], ignore_index=True)
    _warn_unfitted(ctx, params)
    _warn_left_out(ctx, params)
    gap = history_gap(ctx.as_of, history_weights(cfg.history_years, cfg.history_weights), first_day)
    if gap and first_day is not None:
        ctx.warn("clv", f"clv-history: {gap} (clv-history.history_coverage, note).")
    return {
        "clv": frame_table(frame.assign(currency=currency), CLV_TYPES),
        "clv-history": history(sales, customers, ctx.as_of, years=cfg.history_years, yearly_rate=cfg.history_rate,
                               weights=cfg.history_weights, days=days).mutate(currency=ibis.literal(currency)),
        "clv-validation": frame_table(table.assign(currency=currency), VALIDATION_TYPES),
        "clv-params": frame_table(params, PARAM_TYPES),
        "clv-wallet": frame_table(wallet_link(frame).assign(currency=currency), WALLET_TYPES),
    }


ANALYSIS = Analysis(name="clv", title="Customer lifetime value",
                    results=RESULTS, run=run,
                    depends_on=("wallet",))
