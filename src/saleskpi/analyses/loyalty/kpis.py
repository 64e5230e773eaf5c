"""The programme's KPIs (../shared/METHODS.md "Loyalty programmes"), from small per-member frames.

Enrolment = members / customers; active rate = members who bought in the 12 months / members;
participation = members who redeemed points in the 12 months / members (non-participation: the
rest, members who do not use the programme); redemption = points redeemed / points issued;
breakage = 1 − redemption net of the points still valid = expired / (redeemed + expired);
liability = outstanding points × cost per point; churn = share of the customers who bought in
the 12 months before the window that bought nothing in it, members (enrolled before the window)
against non-members (not enrolled by the as-of date).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["programme_kpis", "churn", "member_months"]

MONTH_DAYS = 365.25 / 12


def _row(kpi: str, value, unit: str, numerator=None, denominator=None, note: str | None = None) -> dict:
    ok = value is not None and np.isfinite(value)
    return {"programme_kpi": kpi, "programme_figure": float(value) if ok else None, "kpi_unit": unit,
            "numerator": None if numerator is None else float(numerator),
            "denominator": None if denominator is None else float(denominator), "note": None if ok else note}


def _rate(kpi: str, num: float, den: float, why_empty: str) -> dict:
    return _row(kpi, num / den if den > 0 else None, "fraction", num, den, why_empty)


def current_members(members: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The members enrolled on or before ``day`` who had not left by it."""
    on, left, day = pd.to_datetime(members["enrolled_on"]), pd.to_datetime(members["left_on"]), pd.Timestamp(day)
    return members[(on <= day) & (left.isna() | (left > day))]


def programme_kpis(*, customers: int, members: pd.DataFrame, events: pd.DataFrame, buyers_12m: set,
                   start: dt.date, as_of: dt.date, cost_per_point: float | None) -> list[dict]:
    """The KPI rows of enrolment, activity, participation and points (``events``: kind, date,
    points, cost, customer_id of every loyalty event up to the as-of date)."""
    now = current_members(members, as_of)
    n = len(now)
    ids = set(now["customer_id"])
    no_members = "no current members: import loyalty_members"
    rows = [_row("customers", customers, "customers"), _row("members", n, "customers"),
            _rate("enrolment_rate", n, customers, "no customers"),
            _rate("active_rate", len(ids & buyers_12m), n, no_members)]
    recent = events[pd.to_datetime(events["date"]) >= pd.Timestamp(start)]
    redeemers = set(recent.loc[recent["kind"] == "redeem", "customer_id"]) & ids
    rows += [_rate("participation_rate", len(redeemers), n, no_members),
             _rate("non_participation_rate", n - len(redeemers), n, no_members)]
    no_events = "no loyalty events: import loyalty_events (earn, redeem, expire)"

    def points(frame, kinds):
        return float(frame.loc[frame["kind"].isin(kinds), "points"].sum())

    for suffix, frame in (("12m", recent), ("to_date", events)):
        for kpi, kinds in (("issued", ("earn", "adjust")), ("redeemed", ("redeem",)), ("expired", ("expire",))):
            rows.append(_row(f"points_{kpi}_{suffix}", points(frame, kinds) if len(events) else None, "points",
                             note=no_events))
    issued, redeemed, expired = (points(events, k) for k in (("earn", "adjust"), ("redeem",), ("expire",)))
    outstanding = issued - redeemed - expired
    rows += [_row("points_outstanding", outstanding if len(events) else None, "points", note=no_events),
             _rate("redemption_rate", redeemed, issued, "no points issued"),
             _rate("breakage_rate", expired, redeemed + expired, "no points redeemed or expired yet")]
    red = events[(events["kind"] == "redeem") & events["cost"].notna()]
    source = "[loyalty] cost_per_point"
    if cost_per_point is None and red["points"].sum() > 0:
        cost_per_point = float(red["cost"].sum()) / float(red["points"].sum())
        source = "loyalty_events.cost / points redeemed"
    why = "no cost per point: set [loyalty] cost_per_point or import loyalty_events.cost of the redemptions"
    # the cost per point's note says where it comes from, or why there is none
    rows.append(_row("cost_per_point", cost_per_point, "currency per point") | {
        "note": source if cost_per_point is not None else why})
    rows.append(_row("liability_value", None if cost_per_point is None or not len(events) else outstanding * cost_per_point,
                     "currency", note=why if cost_per_point is None else no_events))
    rows.append(_row("reward_cost_12m", reward_cost(recent, cost_per_point), "currency", note=why))
    return rows


def reward_cost(events: pd.DataFrame, cost_per_point: float | None) -> float | None:
    """The reward cost of the redemptions in ``events``: their cost, or points × cost per point
    where a redemption has no cost (None when one has neither)."""
    red = events[events["kind"] == "redeem"]
    missing = red["cost"].isna()
    if missing.any() and cost_per_point is None:
        return None
    return float(red.loc[~missing, "cost"].sum()) + float(red.loc[missing, "points"].sum()) * (cost_per_point or 0.0)


def churn(members: pd.DataFrame, buyers_before: set, buyers_12m: set, start: dt.date, as_of: dt.date) -> list[dict]:
    """Churn of members (enrolled before ``start``) and non-members (not enrolled by ``as_of``)
    among the customers who bought in the 12 months before ``start``."""
    on = pd.to_datetime(members["enrolled_on"])
    member_ids = set(current_members(members, start - dt.timedelta(days=1))["customer_id"])
    ever = set(members.loc[on <= pd.Timestamp(as_of), "customer_id"])
    rows = []
    rates = {}
    for kpi, group in (("churn_rate_members", buyers_before & member_ids), ("churn_rate_non_members", buyers_before - ever)):
        lost = len(group - buyers_12m)
        rows.append(_rate(kpi, lost, len(group), "no such customer bought in the 12 months before the window"))
        rates[kpi] = lost / len(group) if group else None
    gap = (None if None in rates.values() else rates["churn_rate_members"] - rates["churn_rate_non_members"])
    rows.append(_row("churn_gap", gap, "fraction", note="a churn rate is empty"))
    if gap is not None:
        rows[-1]["note"] = "members minus non-members; members chose to join, so the gap is not all the programme's doing"
    return rows


def member_months(members: pd.DataFrame, start: dt.date, as_of: dt.date) -> float:
    """Months of membership after enrolment that fall in [start, as_of] (days / 30.44), summed."""
    on = pd.to_datetime(members["enrolled_on"])
    left = pd.to_datetime(members["left_on"]).fillna(pd.Timestamp(as_of))
    a = on.clip(lower=pd.Timestamp(start))
    b = left.clip(upper=pd.Timestamp(as_of))
    return float(((b - a).dt.days.clip(lower=0)).sum() / MONTH_DAYS)
