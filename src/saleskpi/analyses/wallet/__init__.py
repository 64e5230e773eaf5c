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

import ibis
import numpy as np
from numpy.typing import ArrayLike

from saleskpi.analyses import Analysis, Context
from saleskpi.analyses.shared import POTENTIAL_FIX, ratio_or_null
from saleskpi.analyses.wallet.results import RESULTS

__all__ = ["average_ranks", "wallet_allocation_rule", "share_of_wallet", "links", "ANALYSIS"]


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
    from scipy.stats import rankdata  # scipy.stats takes a second to import: only when used
    s = np.asarray(scores, dtype=float)
    # "average" is the tie rule of the Wallet Allocation Rule; negate so 1 = highest score.
    return rankdata(-s, method="average", axis=axis, nan_policy="omit")


# --- the wallet analysis (course topic 5) ----------------------------------------------------
#
# Share of wallet = our purchases / the customer's potential (its wallet) over the same
# period: the last 12 months against the yearly potential of the ``potential`` analysis.
# Beside it, where the customer answered a survey, the Wallet Allocation Rule's estimate from
# our rank among the brands it uses; and the share against the stated potential alone.

#: Days in a Julian year: tenure in years = days / DAYS_PER_YEAR.
DAYS_PER_YEAR = 365.25
#: The tenure bands of the loyalty link: (upper bound in years, label), then the open band.
TENURE_BANDS = ((1, "0-1 years"), (3, "1-3 years"), (5, "3-5 years"))
OPEN_TENURE_BAND = "5+ years"

NO_POTENTIAL = "no potential estimate"
ZERO_POTENTIAL = "potential is zero"


def _reason(den):
    return ibis.cases((den.isnull(), NO_POTENTIAL), (den <= 0, ZERO_POTENTIAL), else_=ibis.null("string"))


def share_of_wallet(potential, surveys, as_of):
    """Customer x line rows and customer rows (``business_line`` null) with every share estimate.

    ``share_of_wallet_by_value`` = turnover / reconciled potential (never above 1, since the
    reconciled potential is never below purchases; on a customer row both summed over the
    lines that have a potential, as market share is); ``share_raw_by_value`` = turnover / the
    estimate before that floor, kept as it is with ``above_potential`` where it exceeds 1;
    ``share_stated_by_value`` = turnover / stated potential; ``share_war`` = the Wallet
    Allocation Rule on the customer's latest survey answer (customer rows only). A null share
    carries its reason in ``share_missing_reason``.
    """
    p = potential
    # Each share's numerator is summed over the lines whose denominator exists, so that a
    # customer's share is the same figure as its market share in ``sales``: a line without an
    # estimate adds neither turnover nor wallet (the numerators are dropped after use).
    bases = {"pot_v": ("turnover_value_12m", "potential_value"), "pot_q": ("turnover_volume_12m", "potential_volume"),
             "est_v": ("turnover_value_12m", "estimate_value"), "sta_v": ("turnover_value_12m", "stated_value")}
    per_line = p.select(
        "customer_id", "business_line", "territory_id", "rep_id",
        turnover_value_12m=p.turnover_value_12m, turnover_volume_12m=p.turnover_volume_12m,
        potential_value=p.potential_value, potential_volume=p.potential_volume,
        estimate_value=p.estimate_value, stated_value=p.stated_value,
        **{f"_num_{k}": ibis.cases((p[den].notnull(), p[num]), else_=ibis.null(p[num].type()))
           for k, (num, den) in bases.items()})
    total = per_line.group_by(["customer_id", "territory_id", "rep_id"]).aggregate(
        turnover_value_12m=per_line.turnover_value_12m.sum(), turnover_volume_12m=per_line.turnover_volume_12m.sum(),
        # a customer's wallet is the sum over the lines that have an estimate
        potential_value=per_line.potential_value.sum(),
        potential_volume=per_line.potential_volume.sum(),
        estimate_value=per_line.estimate_value.sum(),
        stated_value=per_line.stated_value.sum(),
        **{f"_num_{k}": per_line[f"_num_{k}"].sum() for k in bases},
    ).mutate(business_line=ibis.null("string"))

    s = surveys.filter(surveys.our_rank.notnull() & surveys.brands_used.notnull() & (surveys.date <= as_of))
    w = ibis.window(group_by=s.customer_id, order_by=[s.date.desc(), s.response_id.desc()])
    s = s.mutate(n=ibis.row_number().over(w))
    s = s.filter(s.n == 0)
    valid = (s.our_rank >= 1) & (s.our_rank <= s.brands_used)
    war = s.select(
        war_customer_id=s.customer_id, survey_date=s.date, our_rank=s.our_rank, brands_used=s.brands_used,
        # Keiningham et al. (2011): share = (1 - rank/(n+1)) * 2/n (as wallet_allocation_rule above)
        share_war=ibis.cases((valid, (1 - s.our_rank.cast("float64") / (s.brands_used + 1))
                              * 2 / s.brands_used.cast("float64")), else_=ibis.null("float64")))
    # surveys are per customer: the customer rows take the answer, the line rows nulls (joined
    # before the union, as a condition on one side of a left join makes engines compare
    # every pair of rows)
    total = total.left_join(war, total.customer_id == war.war_customer_id).drop("war_customer_id")
    war_columns = [c for c in war.columns if c != "war_customer_id"]
    per_line = per_line.mutate(**{c: ibis.null(war.schema()[c]) for c in war_columns})
    rows = ibis.union(per_line, total.select(per_line.columns))
    raw = ratio_or_null(rows._num_est_v, rows.estimate_value)
    return rows.mutate(
        share_of_wallet_by_value=ratio_or_null(rows._num_pot_v, rows.potential_value),
        share_of_wallet_by_volume=ratio_or_null(rows._num_pot_q, rows.potential_volume),
        share_raw_by_value=raw,
        above_potential=(raw > 1).fill_null(False),
        share_stated_by_value=ratio_or_null(rows._num_sta_v, rows.stated_value),
        share_missing_reason=_reason(rows.potential_value),
        gap_value=(rows.potential_value - rows._num_pot_v),
    ).drop(*(f"_num_{k}" for k in bases))


def links(wallet, customers, members, as_of):
    """Share of wallet against tenure and loyalty-programme membership (customer rows).

    Tenure runs from ``acquired_on`` (else the first invoice is not known here: customers
    without it are 'unknown'). Shares are given as the mean, the median and the
    turnover-weighted share (sum of turnover / sum of potential).
    """
    c = wallet.filter(wallet.business_line.isnull() & wallet.share_of_wallet_by_value.notnull())
    info = customers.select(info_id=customers.customer_id, acquired_on=customers.acquired_on)
    m = members.filter((members.enrolled_on <= as_of) & (members.left_on.isnull() | (members.left_on > as_of)))
    m = m.select(member_id=m.customer_id).distinct()
    c = c.left_join(info, c.customer_id == info.info_id).drop("info_id")
    c = c.left_join(m, c.customer_id == m.member_id)
    years = (ibis.literal(as_of).delta(c.acquired_on, unit="day").cast("float64") / DAYS_PER_YEAR)
    c = c.mutate(
        tenure=ibis.cases((c.acquired_on.isnull(), "unknown"),
                          *((years < upper, label) for upper, label in TENURE_BANDS), else_=OPEN_TENURE_BAND),
        membership=ibis.cases((c.member_id.notnull(), "member"), else_="non-member"),
    )
    parts = []
    for link in ("tenure", "membership"):
        agg = c.group_by(group=c[link]).aggregate(
            customers=c.customer_id.nunique(),
            mean_share=c.share_of_wallet_by_value.mean(),
            median_share=c.share_of_wallet_by_value.median(),
            turnover_value_12m=c.turnover_value_12m.sum(),
            potential_value=c.potential_value.sum(),
        )
        parts.append(agg.mutate(link=ibis.literal(link)))
    out = ibis.union(*parts)
    return out.mutate(weighted_share=ratio_or_null(out.turnover_value_12m, out.potential_value)).select(
        "link", "group", "customers", "mean_share", "median_share", "weighted_share", "turnover_value_12m",
        "potential_value")


def wallet_warnings(wallet) -> list[str]:
    """What the run's warnings say about ``wallet``: customers (rows over all lines) without a
    share of wallet, and what to import."""
    c = wallet.filter(wallet.business_line.isnull())
    counts = c.aggregate(customers=c.count(), without=c.customer_id.count(where=c.share_of_wallet_by_value.isnull()),
                         no_potential=c.customer_id.count(where=c.potential_value.isnull())).execute().iloc[0]
    customers, without, no_potential = (int(counts[k]) for k in ("customers", "without", "no_potential"))
    if not without:
        return []
    if without == customers and no_potential == customers:
        return ["no customer has a share of wallet, since none has a potential: the shares, the gap and the "
                f"links by tenure and membership are empty. To fill them, {POTENTIAL_FIX}."]
    return [f"{without} of {customers} customers have no share of wallet: {no_potential} without a potential, "
            f"{without - no_potential} with a potential of zero (share_missing_reason says which)."]


def run(ctx: Context) -> dict[str, ibis.Table]:
    wallet = share_of_wallet(ctx.result("potential"), ctx.table("surveys"), ctx.as_of)
    for message in wallet_warnings(wallet):
        ctx.warn("wallet", message)
    currency = ibis.literal(ctx.settings.workspace.currency)
    return {
        "wallet": wallet.mutate(currency=currency),
        "wallet-links": links(wallet, ctx.table("customers"), ctx.table("loyalty_members"),
                              ctx.as_of).mutate(currency=currency),
    }


ANALYSIS = Analysis(name="wallet", title="Share of wallet", results=RESULTS, run=run, depends_on=("potential",))
