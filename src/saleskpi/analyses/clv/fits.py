"""Fitting the purchase model (BG/NBD or Pareto/NBD) and the margin model (Gamma-Gamma).

The purchase model takes frequency, recency and T only (dates, no money): BG/NBD (Fader,
Hardie & Lee 2005, Marketing Science 24(2)) or Pareto/NBD (Schmittlein, Morrison & Colombo
1987). The margin per purchase is Gamma-Gamma (Fader, Hardie & Lee 2005, J. Marketing
Research 42(4)) on the margins of the repeat purchase days. :func:`fit_all` fits what the data
allow and says why a fit is missing (:class:`Fits`); :func:`params_frame` gives the
``clv-params`` rows of one such outcome.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from saleskpi.errors import SaleskpiError, UsageError
from saleskpi.models import BetaGeo, ConvergenceError, GammaGamma, ParetoNBD

__all__ = ["MIN_FIT_CUSTOMERS", "MIN_MODEL_CUSTOMERS", "MIN_REPEAT_BUYERS", "MODEL_NAMES", "Fits", "fit_all",
           "fit_models", "fit_population", "fit_purchase_model", "fit_spend_model", "params_frame",
           "spend_rows"]

#: Iteration limit of the model fits (a module constant so that a test can force a failure).
MAXITER = 2000

#: Fewer customers acquired inside the history than this: the fit takes every customer.
MIN_FIT_CUSTOMERS = 50

#: Below these counts a model is not fitted: the purchase model (P(alive), expected purchases)
#: needs MIN_MODEL_CUSTOMERS customers, Gamma-Gamma (the margin per purchase) MIN_REPEAT_BUYERS
#: repeat buyers with a known, positive margin. The results then say why in their ``note``
#: (the rest of the run goes on).
MIN_MODEL_CUSTOMERS = 20
MIN_REPEAT_BUYERS = 10

#: Repeat buyers below which fit_spend_model refuses outright (called on its own, without
#: fit_all's MIN_REPEAT_BUYERS): a spread of margins needs two of them at least.
MIN_SPEND_ROWS = 2

#: The small penalizer the messages of a fit that does not converge suggest: enough to keep
#: the optimizer off a flat ridge, too small to move a well-defined optimum.
SUGGESTED_PENALIZER = 0.001

MODEL_NAMES = {"bgnbd": "BG/NBD", "pareto": "Pareto/NBD"}


def fit_population(frame: pd.DataFrame, customers: ibis.Table, history_start: dt.date,
                   fit_customers: str) -> np.ndarray:
    """Which customers the purchase model is fitted on (a boolean mask over ``frame``, a
    :func:`saleskpi.analyses.clv.summary.model_summary`).

    ``acquired_in_history``: customers acquired on or after the first day of the sales history
    (``customers.acquired_on``; where it is not given, the first purchase day stands for it).
    Customers acquired earlier are left-truncated: their first purchase in the data is not
    their first, and their earlier drop-out chances are unseen. (A ``frame`` with a column
    ``acquired_on``, joined by ``model_summary``, is read instead of ``customers``.) With fewer than
    ``MIN_FIT_CUSTOMERS`` such customers, or ``fit_customers = "all"``, every customer.
    """
    everyone = np.ones(len(frame), dtype=bool)
    if fit_customers == "all":
        return everyone
    if "acquired_on" in frame:  # joined by model_summary
        acquired = frame["acquired_on"]
    else:
        acq = customers.select("customer_id", "acquired_on").to_pyarrow().to_pandas()
        acquired = frame[["customer_id"]].merge(acq, on="customer_id", how="left")["acquired_on"]
    acquired = pd.to_datetime(acquired).fillna(frame["first_purchase"])
    mask = (acquired >= pd.Timestamp(history_start)).to_numpy()
    return mask if mask.sum() >= MIN_FIT_CUSTOMERS else everyone


def spend_rows(summary: pd.DataFrame) -> np.ndarray:
    """The customers Gamma-Gamma is fitted on: repeat buyers whose every purchase day has its
    margin and whose mean margin per repeat purchase day is positive."""
    known = summary["margin_known"].to_numpy(dtype=bool) if "margin_known" in summary else True
    return ((summary["frequency"] > 0) & (summary["monetary_value"] > 0)).to_numpy() & known


def _purchase_model(name: str, penalizer: float):
    if name == "bgnbd":
        return BetaGeo(penalizer=penalizer, maxiter=MAXITER)
    if name == "pareto":
        return ParetoNBD(penalizer=penalizer, maxiter=MAXITER)
    raise UsageError(f"clv: unknown purchase model {name!r}; use 'bgnbd' or 'pareto'.")


def fit_purchase_model(summary: pd.DataFrame, *, model: str = "bgnbd", penalizer: float = 0.0,
                       fit_mask: np.ndarray | None = None, what: str = "the clv fit"):
    """The purchase model (BG/NBD or Pareto/NBD) fitted on ``summary[fit_mask]``: frequency,
    recency and T only, no money. A fit that does not converge raises
    :class:`saleskpi.models.ConvergenceError` naming the fit, the data, the optimizer's message
    and the fix."""
    mask = np.ones(len(summary), dtype=bool) if fit_mask is None else fit_mask
    data = summary.loc[mask, ["frequency", "recency", "T"]]
    label = MODEL_NAMES.get(model, model)
    purchases = _purchase_model(model, penalizer)
    try:
        purchases.fit(data)
    except ConvergenceError as exc:
        raise ConvergenceError(
            f"{what}: the {label} purchase model on {len(data):,} customers did not converge "
            f"(optimizer: {exc.optimizer_message!r}). Try [clv] model = "
            f"\"{'pareto' if model == 'bgnbd' else 'bgnbd'}\" or a small [clv] penalizer such as "
            f"{SUGGESTED_PENALIZER} in settings.toml.", optimizer_message=exc.optimizer_message) from None
    return purchases


def fit_spend_model(summary: pd.DataFrame, *, penalizer: float = 0.0, what: str = "the clv fit") -> GammaGamma:
    """Gamma-Gamma fitted on the margins of :func:`spend_rows` (the spend process is not
    truncated by an early acquisition, so every such repeat buyer counts). Raises
    :class:`saleskpi.errors.SaleskpiError` with fewer than two of them and
    :class:`saleskpi.models.ConvergenceError` when the fit does not converge."""
    repeat = summary[spend_rows(summary)]
    if len(repeat) < MIN_SPEND_ROWS:
        raise SaleskpiError(
            f"{what}: only {len(repeat)} customer(s) have repeat purchases with a known, positive margin; "
            "the Gamma-Gamma margin model needs more. Check that the sales have cost or margin.")
    spend = GammaGamma(penalizer=penalizer, maxiter=MAXITER)
    try:
        spend.fit(repeat[["frequency", "monetary_value"]])
    except ConvergenceError as exc:
        raise ConvergenceError(
            f"{what}: the Gamma-Gamma margin model on {len(repeat):,} repeat buyers did not converge "
            f"(optimizer: {exc.optimizer_message!r}). Try a small [clv] penalizer such as {SUGGESTED_PENALIZER} "
            "in settings.toml.", optimizer_message=exc.optimizer_message) from None
    return spend


def fit_models(summary: pd.DataFrame, *, model: str = "bgnbd", penalizer: float = 0.0,
               fit_mask: np.ndarray | None = None, what: str = "the clv fit"):
    """Both fits, raising on the first failure: ``(purchase_model, gamma_gamma)``
    (:func:`fit_purchase_model`, :func:`fit_spend_model`)."""
    return (fit_purchase_model(summary, model=model, penalizer=penalizer, fit_mask=fit_mask, what=what),
            fit_spend_model(summary, penalizer=penalizer, what=what))


@dataclass
class Fits:
    """The outcome of the two fits of one calibration: each model, or why there is none."""

    purchases: object | None
    spend: GammaGamma | None
    purchase_note: str | None
    spend_note: str | None
    n_purchase: int
    n_spend: int


def fit_all(summary: pd.DataFrame, fit_mask: np.ndarray, *, model: str = "bgnbd", penalizer: float = 0.0,
            what: str = "the clv fit") -> Fits:
    """Fit what the data allow and say why a fit is missing, instead of failing the run.

    The purchase model needs ``MIN_MODEL_CUSTOMERS`` customers to fit and dates only;
    Gamma-Gamma needs ``MIN_REPEAT_BUYERS`` repeat buyers with a known, positive margin. A fit
    that does not converge leaves its model None and its note the whole
    :class:`~saleskpi.models.ConvergenceError` message (the optimizer's message and the fix).
    """
    n_fit = int(fit_mask.sum())
    purchases = spend = None
    p_note = s_note = None
    if n_fit < MIN_MODEL_CUSTOMERS:
        p_note = (f"{what}: too few customers to fit the purchase model: {n_fit} "
                  f"(at least {MIN_MODEL_CUSTOMERS} needed)")
    else:
        try:
            purchases = fit_purchase_model(summary, model=model, penalizer=penalizer, fit_mask=fit_mask, what=what)
        except ConvergenceError as exc:
            p_note = str(exc)
    n_spend = int(spend_rows(summary).sum())
    if "margin_known" in summary and len(summary) and not summary["margin_known"].any():
        s_note = (f"{what}: no cost or margin in the sales, so no margin model (Gamma-Gamma): the "
                  "margin-based value is not computed")
    elif n_spend < MIN_REPEAT_BUYERS:
        s_note = (f"{what}: too few repeat buyers with a known, positive margin to fit the margin model "
                  f"(Gamma-Gamma): {n_spend} (at least {MIN_REPEAT_BUYERS} needed)")
    else:
        try:
            spend = fit_spend_model(summary, penalizer=penalizer, what=what)
        except ConvergenceError as exc:
            s_note = str(exc)
    return Fits(purchases, spend, p_note, s_note, n_fit, n_spend)


def _derived_means(fits: Fits, model: str) -> dict[str, float | None]:
    """The means the fitted parameters imply: purchase rate r/alpha, drop-out a/(a+b) (BG/NBD,
    FHL 2005) or s/beta (Pareto/NBD) and the margin per purchase p gamma/(q-1) (Gamma-Gamma)."""
    derived = {}
    if fits.purchases is not None:
        p = fits.purchases.params_
        derived["mean purchase rate per week (r/alpha)"] = p["r"] / p["alpha"]
        if model == "bgnbd":
            derived["mean drop-out probability per purchase (a/(a+b))"] = p["a"] / (p["a"] + p["b"])
        else:
            derived["mean drop-out rate per week (s/beta)"] = p["s"] / p["beta"]
    if fits.spend is not None:
        mean = fits.spend.mean_spend()
        derived["mean margin per purchase (p gamma/(q-1); NULL: infinite, q <= 1)"] = (
            mean if math.isfinite(mean) else None)
    return derived


def params_frame(fit: str, fits: Fits, model: str) -> pd.DataFrame:
    """Rows of ``clv-params`` for one fit: every parameter and the means they imply; a model
    that could not be fitted gives one row (``parameter`` NULL) with the reason in ``note``."""
    rows = []
    label = MODEL_NAMES[model]
    for name, m, n, note in ((label, fits.purchases, fits.n_purchase, fits.purchase_note),
                             ("Gamma-Gamma", fits.spend, fits.n_spend, fits.spend_note)):
        if m is None:
            rows.append({"fit": fit, "model": name, "parameter": None, "value": None, "standard_error": None,
                         "log_likelihood": None, "customers": n, "note": note})
            continue
        for parameter, value in m.params_.items():
            rows.append({"fit": fit, "model": name, "parameter": parameter, "value": value,
                         "standard_error": m.standard_errors_.get(parameter), "log_likelihood": m.log_likelihood_,
                         "customers": n, "note": None})
    for name, value in _derived_means(fits, model).items():
        rows.append({"fit": fit, "model": "derived", "parameter": name, "value": value,
                     "standard_error": None, "log_likelihood": None, "customers": None, "note": None})
    return pd.DataFrame(rows)
