"""What the clv models did not take, and whether the purchase model found any drop-out.

:func:`left_out` counts, per reason, the customers and purchase days a model left out (a
customer with no purchase day has no ``clv`` row at all; Gamma-Gamma takes repeat buyers with
a known, positive margin only), so that nothing is dropped without a word. :func:`drop_out_check`
tests the fitted purchase model on the customers that have been away much longer than their
usual interval between purchases: a model that still finds nearly all of them alive has found
no drop-out in the data (BG/NBD with a/(a+b) ~ 0, Pareto/NBD with s/beta ~ 0), and its P(alive)
then only says "not seen to stop". Both give ``clv-params`` rows (models ``left out`` and
``check``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

__all__ = ["ALIVE_LIMIT", "INACTIVE_FACTOR", "MIN_INACTIVE", "DropOut", "drop_out_check", "left_out",
           "left_out_rows"]

#: A customer is long inactive when the weeks since its last purchase exceed this many times its
#: mean interval between purchase days (recency / frequency; repeat buyers only).
INACTIVE_FACTOR = 3.0
#: P(alive) above this counts as "alive" in the check.
ALIVE_LIMIT = 0.99
#: The check speaks only when at least this many customers are long inactive ...
MIN_INACTIVE = 10
#: ... and more than this share of them is still "alive".
ALIVE_SHARE_LIMIT = 0.5


def left_out(days: ibis.Table, summary: pd.DataFrame, as_of: dt.date,
             fit_mask: np.ndarray | None = None) -> dict[str, tuple[int, int | None]]:
    """Per reason (in order), what the models did not take: ``(customers, days)`` (days None for
    the reasons about customers), from the customer x day table ``days`` (every day, returns
    too) and the model ``summary`` of the purchase days:

    * customers whose every day adds up to 0 or less (no purchase day: no ``clv`` row);
    * days whose lines add up to exactly 0 (a purchase of value 0 is no purchase day);
    * days of returns or credit notes only (below 0);
    * customers the purchase model was not fitted on (``fit_mask`` false: acquired before the
      sales history, ``[clv] fit_customers``; they are scored all the same);
    * repeat buyers without a known margin on every purchase day, and those whose mean
      margin per repeat purchase day is not positive (Gamma-Gamma takes neither; they are
      scored with their own figures or none);
    * customers without a repeat purchase (Gamma-Gamma has nothing to fit on; they are scored
      with the population mean).
    """
    d = days.filter(days.date <= as_of)
    zero, negative = d.value == 0, d.value < 0
    counts = d.aggregate(customers=d.customer_id.nunique(), zero_days=zero.sum(), negative_days=negative.sum(),
                         zero_customers=d.customer_id.nunique(where=zero),
                         negative_customers=d.customer_id.nunique(where=negative)).to_pyarrow().to_pylist()[0]
    n = {k: int(v or 0) for k, v in counts.items()}
    repeat = summary["frequency"].to_numpy() > 0
    known = summary["margin_known"].to_numpy(dtype=bool) if "margin_known" in summary else np.ones(len(summary), bool)
    positive = summary["monetary_value"].to_numpy(dtype=float) > 0
    return {
        "customers without a purchase day (every day's lines add up to 0 or less)":
            (n["customers"] - len(summary), None),
        "days of value 0 (not purchase days)": (n["zero_customers"], n["zero_days"]),
        "days of returns or credit notes only (below 0; not purchase days)":
            (n["negative_customers"], n["negative_days"]),
        "customers acquired before the sales history (not in the purchase model's fit; scored)":
            (0 if fit_mask is None else int((~np.asarray(fit_mask, dtype=bool)).sum()), None),
        "repeat buyers without a known margin (not in the Gamma-Gamma fit)": (int((repeat & ~known).sum()), None),
        "repeat buyers with a mean margin of 0 or less (not in the Gamma-Gamma fit)":
            (int((repeat & known & ~positive).sum()), None),
        "customers without a repeat purchase (not in the Gamma-Gamma fit; scored at the population mean)":
            (int((~repeat).sum()), None),
    }


def left_out_rows(fit: str, counts: dict[str, tuple[int, int | None]]) -> pd.DataFrame:
    """``clv-params`` rows (model ``left out``) of :func:`left_out`'s counts: the customers in
    ``customers``, the days (for the reasons about days) in ``value``."""
    return pd.DataFrame([{"fit": fit, "model": "left out", "parameter": reason, "value": days,
                          "standard_error": None, "log_likelihood": None, "customers": n, "note": None}
                         for reason, (n, days) in counts.items()])


@dataclass(frozen=True)
class DropOut:
    """The outcome of :func:`drop_out_check`: the long-inactive customers (a mask), the share of
    them still alive, and the warning (None when the model does find drop-out)."""

    inactive: np.ndarray
    flagged: np.ndarray
    share_alive: float | None
    warning: str | None

    def row(self, fit: str) -> pd.DataFrame:
        """The ``clv-params`` row (model ``check``) of this check."""
        return pd.DataFrame([{
            "fit": fit, "model": "check",
            "parameter": f"share of long-inactive customers with P(alive) > {ALIVE_LIMIT}",
            "value": self.share_alive, "standard_error": None, "log_likelihood": None,
            "customers": int(self.inactive.sum()), "note": self.warning}])


def drop_out_check(summary: pd.DataFrame, alive: np.ndarray, label: str) -> DropOut:
    """Whether the purchase model (``label``, e.g. "BG/NBD") finds drop-out: among the repeat
    buyers away more than :data:`INACTIVE_FACTOR` x their mean interval between purchase days,
    the share with P(alive) (``alive``) above :data:`ALIVE_LIMIT`. More than half of at least
    :data:`MIN_INACTIVE` such customers: the model found no drop-out, and says so."""
    x = summary["frequency"].to_numpy(dtype=float)
    tx = summary["recency"].to_numpy(dtype=float)
    big_t = summary["T"].to_numpy(dtype=float)
    alive = np.asarray(alive, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        interval = np.where(x > 0, tx / np.maximum(x, 1.0), np.nan)
    inactive = (x > 0) & ((big_t - tx) > INACTIVE_FACTOR * interval) & ~np.isnan(alive)
    if not inactive.any():
        return DropOut(inactive, np.zeros(len(x), dtype=bool), None, None)
    still = inactive & (alive > ALIVE_LIMIT)
    share = float(still.sum() / inactive.sum())
    if inactive.sum() < MIN_INACTIVE or share <= ALIVE_SHARE_LIMIT:
        return DropOut(inactive, np.zeros(len(x), dtype=bool), share, None)
    longest = float(np.max((big_t - tx)[still]) * 7)
    warning = (f"the {label} fit finds no drop-out: {int(still.sum()):,} of the {int(inactive.sum()):,} customers "
               f"away more than {INACTIVE_FACTOR:g}x their usual interval between purchases still have P(alive) > "
               f"{ALIVE_LIMIT} (one unseen for {longest:,.0f} days). P(alive) then means only 'not seen to stop', "
               "and the expected purchases assume everyone keeps buying: read them as an upper bound. A longer "
               "sales history (more drop-outs seen) or [clv] model = \"pareto\" may find it")
    return DropOut(inactive, still, share, warning)

