"""The lift of the programme: members against matched non-members, by difference-in-differences.

Each member enrolled in month e is compared over ``W`` months before (e − W .. e − 1) and after
(e + 1 .. e + W; the enrolment month is left out) with the ``k`` customers nearest to it in
behaviour before e among those not yet enrolled at the end of month e (not-yet-treated controls,
Callaway & Sant'Anna 2021, J. Econometrics 225(2), section 2: customers who never enrol would be
the ones who stopped buying, since a lapsed customer does not join). Both sides must have been
customers for the whole pre-window and have bought in the month before e (so the controls, like
the members, are still buying when compared). Nearest = Euclidean distance on log(1 + x) of the
pre-window monthly purchases, of the monthly purchases over the whole history before e, of the
purchases in month e − 1 and of the yearly potential (when known).

The DiD on the stacked member and control rows (:func:`did`, clustered on the customer, since a
control may serve several members and each customer has a before and an after row) is
conditional on the pre-window level: the controls ``level`` and ``level × post`` (centred at the
members' mean) let the trend depend on the level (conditional parallel trends; Heckman,
Ichimura & Todd 1997, Rev. Econ. Studies 64(4); Abadie 2005, Rev. Econ. Studies 72(1)), so
heavier members are compared with the trend of equally heavy non-members. The pre-trend check
is the same DiD between the first and the second half of the pre-window (a placebo with no
treatment: δ ≠ 0 rejects parallel trends).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from saleskpi.analyses.loyalty.did import DidEstimate, did

__all__ = ["Panel", "monthly_matrix", "matched_rows", "lift", "naive_gap"]


@dataclass
class Panel:
    """Customers x months of the history: purchases and margin per month (0 where none)."""

    customers: pd.Index
    months: pd.PeriodIndex
    value: np.ndarray
    margin: np.ndarray
    first_month: np.ndarray  # index of the first month with a purchase (large if none)
    enrol_month: np.ndarray  # index of the enrolment month (large if never)
    potential: np.ndarray    # yearly potential value (nan if unknown)


NEVER = 10**6


def monthly_matrix(monthly: pd.DataFrame, customers: pd.Index, members: pd.DataFrame, potential: pd.Series,
                   last_month: pd.Period) -> Panel:
    """The :class:`Panel` of ``monthly`` (customer_id, month, value, margin: one row per customer and
    month with purchases), ``members`` (customer_id, enrolled_on) and ``potential`` (by customer)."""
    first = pd.Period(monthly["month"].min(), "M") if len(monthly) else last_month
    months = pd.period_range(first, last_month, freq="M")
    period = pd.PeriodIndex(pd.to_datetime(monthly["month"]), freq="M")
    mi = (period.year - first.year) * 12 + (period.month - first.month)
    ci = customers.get_indexer(monthly["customer_id"])
    ok = (ci >= 0) & (mi >= 0) & (mi < len(months))
    value = np.zeros((len(customers), len(months)))
    margin = np.zeros_like(value)
    np.add.at(value, (ci[ok], mi[ok]), monthly["value"].to_numpy(dtype=float)[ok])
    np.add.at(margin, (ci[ok], mi[ok]), monthly["margin"].to_numpy(dtype=float)[ok])
    bought = value != 0
    first_month = np.where(bought.any(1), bought.argmax(1), NEVER)
    enrol = np.full(len(customers), NEVER)
    on = pd.PeriodIndex(pd.to_datetime(members["enrolled_on"]), freq="M")
    idx = customers.get_indexer(members["customer_id"])
    keep = idx >= 0
    enrol[idx[keep]] = ((on.year - first.year) * 12 + (on.month - first.month))[keep]
    pot = potential.reindex(customers).to_numpy(dtype=float)
    return Panel(customers, months, value, margin, first_month, enrol, pot)


def matched_rows(panel: Panel, *, window: int, neighbours: int, last_full: int) -> pd.DataFrame:
    """One row per member and per matched control of each cohort: customer_id, cohort (the
    enrolment month), treated, match_of (the member), and per measure m in (purchases, margin)
    m_pre, m_post, m_early, m_late (monthly means over the pre-window, post-window and the pre-
    window's halves), and share_of_wallet_* alike (purchases × 12 / the yearly potential; empty
    where the potential is unknown or not positive)."""
    from sklearn.neighbors import NearestNeighbors

    n = len(panel.customers)
    cum = {m: np.concatenate([np.zeros((n, 1)), a.cumsum(1)], 1) for m, a in
           (("purchases", panel.value), ("margin", panel.margin))}
    half = window // 2
    use_potential = np.isfinite(panel.potential).any()
    out = []
    for e in np.unique(panel.enrol_month[panel.enrol_month < NEVER]):
        if e - window < 0 or e + window > last_full:
            continue
        c = cum["purchases"]
        pre = (c[:, e] - c[:, e - window]) / window
        base = (panel.first_month <= e - window) & (pre > 0) & (panel.value[:, e - 1] > 0)
        members = np.flatnonzero(base & (panel.enrol_month == e))
        pool = np.flatnonzero(base & (panel.enrol_month > e))
        if len(members) == 0 or len(pool) == 0:
            continue
        history = c[:, e] / np.maximum(e - panel.first_month, 1)
        feats = [np.log1p(np.maximum(pre, 0)), np.log1p(np.maximum(history, 0)), np.log1p(np.maximum(panel.value[:, e - 1], 0))]
        if use_potential:
            feats.append(np.log1p(np.nan_to_num(panel.potential, nan=0.0)))
        x = np.column_stack(feats)
        k = min(neighbours, len(pool))
        nn = NearestNeighbors(n_neighbors=k).fit(x[pool])
        _, found = nn.kneighbors(x[members])
        who = np.r_[members, pool[found.ravel()]]
        of = np.r_[members, np.repeat(members, k)]
        frame = {"customer_id": panel.customers[who].to_numpy(), "cohort": str(panel.months[e]),
                 "treated": np.r_[np.ones(len(members)), np.zeros(len(members) * k)],
                 "match_of": panel.customers[of].to_numpy()}
        for m, cm in cum.items():
            frame[f"{m}_pre"] = (cm[who, e] - cm[who, e - window]) / window
            frame[f"{m}_post"] = (cm[who, e + window + 1] - cm[who, e + 1]) / window
            frame[f"{m}_early"] = (cm[who, e - window + half] - cm[who, e - window]) / half
            frame[f"{m}_late"] = (cm[who, e] - cm[who, e - window + half]) / (window - half)
        pot = panel.potential[who]
        good = np.where(pot > 0, pot, np.nan)
        for part in ("pre", "post", "early", "late"):
            frame[f"share_of_wallet_{part}"] = frame[f"purchases_{part}"] * 12 / good
        out.append(pd.DataFrame(frame))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _stacked(rows: pd.DataFrame, measure: str, before: str, after: str) -> pd.DataFrame:
    """The rows twice, before (post = 0) and after (post = 1), with the centred level controls."""
    level = rows[f"{measure}_pre"]
    centred = level - level[rows["treated"] == 1].mean()
    long = pd.concat([rows.assign(y=rows[f"{measure}_{before}"], post=0.0, level=centred),
                      rows.assign(y=rows[f"{measure}_{after}"], post=1.0, level=centred)], ignore_index=True)
    long["level_post"] = long["level"] * long["post"]
    return long


def lift(rows: pd.DataFrame, measure: str, *, level: float) -> tuple[DidEstimate, DidEstimate]:
    """(the DiD after against before, the placebo DiD of the pre-window's two halves) of
    ``measure`` (purchases, margin, share_of_wallet) on :func:`matched_rows`."""
    have = rows.dropna(subset=[f"{measure}_pre", f"{measure}_post"])
    main = did(_stacked(have, measure, "pre", "post"), outcome="y", treated="treated", post="post",
               controls=("level", "level_post"), cluster="customer_id", level=level)
    placebo = did(_stacked(have, measure, "early", "late"), outcome="y", treated="treated", post="post",
                  cluster="customer_id", level=level)
    return main, placebo


def naive_gap(rows_members: pd.DataFrame, panel: Panel, *, window: int) -> float:
    """The naive gap: members' mean monthly purchases in their post-window minus the mean monthly
    purchases of all customers who were not members in the same months (no matching, no before)."""
    gaps = []
    cum = np.concatenate([np.zeros((len(panel.customers), 1)), panel.value.cumsum(1)], 1)
    idx = panel.customers.get_indexer(rows_members["customer_id"])
    for e in np.unique(panel.enrol_month[idx]):
        mine = idx[panel.enrol_month[idx] == e]
        post = (cum[:, e + window + 1] - cum[:, e + 1]) / window
        others = (panel.enrol_month > e + window) & (panel.first_month <= e)
        if others.any():
            gaps += list(post[mine] - post[others].mean())
    return float(np.mean(gaps)) if gaps else float("nan")
