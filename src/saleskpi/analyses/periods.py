"""Reporting periods: the period that holds the as-of date, to date, and its comparisons.

The 12 months to the as-of date (:func:`last_12_months`) are the window of every yearly
figure. The current period runs from the start of the year/quarter/month that holds the as-of date
to the as-of date itself. It is compared like for like: with the previous period over the
same number of days, and with the same dates one year earlier (29 February falls back to
28 February).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Granularity = Literal["year", "quarter", "month"]


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Periods:
    label: str  # "2026", "2026-Q4" or "2026-10": the key of the period in the targets table
    current: Window
    previous: Window
    last_year: Window
    #: the whole of last year's period (for the seasonal share of a target due to date)
    last_year_whole: Window
    #: share of the whole current period that has elapsed (for pro-rata targets)
    elapsed_share: float


def _start(day: dt.date, granularity: Granularity) -> dt.date:
    if granularity == "year":
        return dt.date(day.year, 1, 1)
    if granularity == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, day.month, 1)


def _shift_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _length_months(granularity: Granularity) -> int:
    return {"year": 12, "quarter": 3, "month": 1}[granularity]


def _one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def last_12_months(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The rolling year that ends on the as-of date: (start, end), both inclusive (the window of
    every 12-month figure: market share, share of wallet, margin rates)."""
    return _one_year_before(as_of) + dt.timedelta(days=1), as_of


def whole_period(day: dt.date, granularity: Granularity) -> Window:
    """The whole year, quarter or month that holds ``day`` (first to last day)."""
    start = _start(day, granularity)
    return Window(start, _shift_months(start, _length_months(granularity)) - dt.timedelta(days=1))


def periods(as_of: dt.date, granularity: Granularity = "year") -> Periods:
    """The current period to ``as_of`` and its two comparison windows."""
    start = _start(as_of, granularity)
    months = _length_months(granularity)
    next_start = _shift_months(start, months)
    elapsed = (as_of - start).days + 1
    whole = (next_start - start).days
    prev_start = _shift_months(start, -months)
    prev_end = min(prev_start + dt.timedelta(days=elapsed - 1), start - dt.timedelta(days=1))
    if granularity == "year":
        label = f"{start.year}"
    elif granularity == "quarter":
        label = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    else:
        label = f"{start.year}-{start.month:02d}"
    return Periods(
        label=label,
        current=Window(start, as_of),
        previous=Window(prev_start, prev_end),
        last_year=Window(_one_year_before(start), _one_year_before(as_of)),
        last_year_whole=Window(_one_year_before(start), _one_year_before(next_start - dt.timedelta(days=1))),
        elapsed_share=elapsed / whole,
    )


def first_sales_day(sales) -> dt.date | None:
    """The first ``date`` of ``sales`` (an Ibis table of invoice lines, or of customer x days):
    where the data begin, None without rows. A comparison window before it is not covered."""
    first = sales.date.min().execute()  # pandas reads the date every engine gives back
    return None if first is None or first != first else pd.Timestamp(first).date()


def coverage(window: Window, first_day: dt.date | None) -> float:
    """Share of ``window``'s days on or after ``first_day`` (the first day of the sales data):
    1.0 when the data reach back to its start, 0.0 when they begin after its end."""
    if first_day is None or first_day > window.end:
        return 0.0
    if first_day <= window.start:
        return 1.0
    return ((window.end - first_day).days + 1) / window.days


#: Days in an average month (a Julian year / 12): to say a window's coverage in months too.
_DAYS_PER_MONTH = 365.25 / 12


def coverage_gap(name: str, window: Window, first_day: dt.date | None) -> str | None:
    """What a comparison window not covered by the data lacks, and what to import; None when the
    data cover it. ``name`` says which window it is ("last year", "the previous period")."""
    share = coverage(window, first_day)
    if share >= 1.0:
        return None
    covered = 0 if first_day is None or first_day > window.end else (window.end - first_day).days + 1
    months = f" ({covered / _DAYS_PER_MONTH:.1f} of {window.days / _DAYS_PER_MONTH:.1f} months)"
    since = "there are no sales" if first_day is None else f"the sales begin on {first_day}"
    missing_end = window.end if first_day is None or first_day > window.end else first_day - dt.timedelta(days=1)
    return (f"{name} ({window.start} to {window.end}) is covered {covered} of {window.days} days{months}: "
            f"{since}; import the sales of {window.start} to {missing_end} (if there were any) to compare")
