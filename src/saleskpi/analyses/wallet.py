"""Share of wallet: the Wallet Allocation Rule.

Keiningham, Aksoy, Buoye & Cooil (2011), "Customer Loyalty Isn't Enough. Grow Your Share of
Wallet", Harvard Business Review 89(10), October 2011; the book: Keiningham, Aksoy, Buoye,
Cooil & Williams (2015), *The Wallet Allocation Rule*, Wiley. A customer who uses n brands of
a category and ranks ours ``rank`` among them (1 = best, by satisfaction or preference) gives
us the expected share

    share = (1 − rank / (n + 1)) · 2 / n.

Over ranks 1..n the shares sum to 1. Tied brands take the average of the ranks they span
(:func:`average_ranks`), which keeps the sum at 1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import rankdata

__all__ = ["average_ranks", "wallet_allocation_rule"]


def wallet_allocation_rule(rank: ArrayLike, n_brands: ArrayLike) -> np.ndarray | np.float64:
    """Expected share of wallet of a brand ranked ``rank`` among ``n_brands`` brands.

    share = (1 − rank/(n_brands + 1)) · 2/n_brands (Keiningham, Aksoy, Buoye & Cooil, HBR
    Oct 2011, the Wallet Allocation Rule).

    Parameters
    ----------
    rank
        The brand's rank among the brands the customer uses, 1 = best. For tied brands pass
        the average of the ranks they share (two brands tied for first: 1.5 each), as
        :func:`average_ranks` returns; any rank in [1, n_brands] is accepted, and since the
        rule is linear in the rank, a rank averaged over several answers gives the average
        share.
    n_brands
        How many brands of the category the customer uses: a whole number >= 1.

    ``rank`` and ``n_brands`` are broadcast against each other (scalars or arrays).

    Returns
    -------
    numpy.float64 or numpy.ndarray
        The share in [0, 1] (a scalar for scalar inputs). Where the input cannot be ranked —
        rank missing (NaN), below 1 or above ``n_brands``; ``n_brands`` missing, infinite, below
        1 or not whole — the share is NaN, without a warning, for scalars and arrays alike, so
        that a column with gaps gives a column with nulls.

    Examples
    --------
    >>> wallet_allocation_rule([1, 2, 3], 3)
    array([0.5       , 0.33333333, 0.16666667])
    >>> float(wallet_allocation_rule(1.5, 2))  # two brands tied
    0.5
    """
    r = np.asarray(rank, dtype=float)
    n = np.asarray(n_brands, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = np.isfinite(n) & (n >= 1) & (n == np.floor(n)) & (r >= 1) & (r <= n)
        share = np.where(valid, (1.0 - r / (n + 1.0)) * 2.0 / n, np.nan)
    return share[()] if share.ndim == 0 else share


def average_ranks(scores: ArrayLike, *, axis: int = -1) -> np.ndarray:
    """Rank brands by score, 1 = highest, tied brands sharing their average rank.

    Parameters
    ----------
    scores
        One score per brand the customer uses (satisfaction, preference...), higher is
        better. A 2-D array holds one customer per row (``axis=-1``). NaN marks a brand the
        customer does not use: it gets a NaN rank and the others are ranked among
        themselves.

    Returns
    -------
    numpy.ndarray
        Float ranks of the same shape, ready for :func:`wallet_allocation_rule` with
        ``n_brands`` = the number of non-NaN scores.

    Examples
    --------
    >>> average_ranks([9, 7, 9, 5])
    array([1.5, 3. , 1.5, 4. ])
    """
    s = np.asarray(scores, dtype=float)
    # "average" is the tie rule of the Wallet Allocation Rule; negate so 1 = highest score.
    return rankdata(-s, method="average", axis=axis, nan_policy="omit")
