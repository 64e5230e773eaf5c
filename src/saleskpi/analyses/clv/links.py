"""The link of share of wallet and CLV (``clv-wallet``): this run's share of wallet beside the
customers' predicted value, by share band, with the correlations of share and ``clv_12m``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from saleskpi.analyses.clv.history import CENT_PLACES

__all__ = ["ALL_SHARES", "NO_SHARE", "SHARE_BANDS", "wallet_link"]

#: Share-of-wallet bands of ``clv-wallet``: (label, from, to); a share is in [from, to), a
#: negative one (returns above purchases) in the first band and 1 in the last.
SHARE_BANDS = (("0-20 %", 0.0, 0.2), ("20-40 %", 0.2, 0.4), ("40-60 %", 0.4, 0.6), ("60-80 %", 0.6, 0.8),
               ("80-100 %", 0.8, 1.0))
NO_SHARE = "no share"
ALL_SHARES = "all with a share"

#: Fewest customers with both a share and a CLV for the correlations: with two, Pearson's r and
#: Spearman's rho are +-1 whatever the data.
MIN_CORRELATION_PAIRS = 3

#: The money columns of ``clv-wallet``, rounded to the cent.
MONEY_COLUMNS = ("total_clv_12m", "total_opportunity_12m", "mean_clv_12m", "mean_clv_36m")


def _correlations(share: np.ndarray, clv12: np.ndarray) -> dict[str, float | None]:
    """Pearson's r and Spearman's rho (Spearman 1904, Am. J. Psychology 15(1): Pearson's r of the
    average ranks) of share and ``clv_12m``, over the customers with both; None with fewer than
    :data:`MIN_CORRELATION_PAIRS` of them or when either does not vary."""
    from scipy.stats import rankdata  # scipy.stats takes a second to import: only when used
    out = {"pearson_share_clv_12m": None, "spearman_share_clv_12m": None}
    both = np.isfinite(clv12) & np.isfinite(share)
    s, c = share[both], clv12[both]
    if both.sum() >= MIN_CORRELATION_PAIRS and np.ptp(s) > 0 and np.ptp(c) > 0:
        out["pearson_share_clv_12m"] = float(np.corrcoef(s, c)[0, 1])
        out["spearman_share_clv_12m"] = float(np.corrcoef(rankdata(s), rankdata(c))[0, 1])
    return out


def wallet_link(frame: pd.DataFrame) -> pd.DataFrame:
    """Share of wallet against CLV (the link of issue 3's wallet section): per share band,
    customers and their mean P(alive), mean and total ``clv_12m``, mean ``clv_36m`` and total
    ``opportunity_12m``; a row for the customers without a share; and one over every customer
    with a share that adds the correlations of share and ``clv_12m``: Pearson's r and
    Spearman's rank correlation (Spearman 1904, Am. J. Psychology 15(1): Pearson's r of the
    average ranks), over the customers with both. The means of the money columns are over the
    customers that have them (``customers_with_clv``)."""
    share = frame["share_of_wallet_by_value"].to_numpy(dtype=float)
    last = len(SHARE_BANDS) - 1
    # the first band takes a share below 0 too (net returns), the last one a share of 1
    groups = [(label, lo, hi, ((share >= lo) | (k == 0)) & ((share < hi) | (k == last)) & ~np.isnan(share))
              for k, (label, lo, hi) in enumerate(SHARE_BANDS)]
    groups.append((NO_SHARE, None, None, np.isnan(share)))
    groups.append((ALL_SHARES, 0.0, 1.0, ~np.isnan(share)))
    rows = []
    for label, lo, hi, sel in groups:
        part = frame[sel]
        clv12 = part["clv_12m"].to_numpy(dtype=float)
        row = {"band": label, "share_from": lo, "share_to": hi, "customers": int(sel.sum()),
               "customers_with_clv": int(np.isfinite(clv12).sum()),
               "mean_share": part["share_of_wallet_by_value"].mean() if len(part) else None,
               "mean_p_alive": part["p_alive"].mean() if len(part) else None,
               "mean_clv_12m": part["clv_12m"].mean() if len(part) else None,
               "total_clv_12m": part["clv_12m"].sum(min_count=1) if len(part) else None,
               "mean_clv_36m": part["clv_36m"].mean() if len(part) else None,
               "total_opportunity_12m": part["opportunity_12m"].sum(min_count=1) if len(part) else None,
               "pearson_share_clv_12m": None, "spearman_share_clv_12m": None}
        if label == ALL_SHARES:
            row |= _correlations(part["share_of_wallet_by_value"].to_numpy(dtype=float), clv12)
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in MONEY_COLUMNS:
        out[col] = out[col].astype(float).round(CENT_PLACES)
    return out
