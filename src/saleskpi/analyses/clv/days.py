"""The customer x day tables that every clv step reads.

This is the one module of the package that imports :mod:`saleskpi.derived.purchase_days`
(the workspace's customer x day table of its sales and how to group it from the lines), so
that moving that module changes one import line here.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from saleskpi.derived.purchase_days import sales_days

__all__ = ["customer_days", "history_start", "purchase_days"]


def customer_days(sales: ibis.Table, days: ibis.Table | None = None) -> ibis.Table:
    """The customer x day table of ``sales``: ``days`` when given (the workspace's table, kept at
    import: :meth:`saleskpi.workspace.Workspace.purchase_days`), else the same table grouped from
    the lines (:func:`saleskpi.derived.purchase_days.sales_days`).

    Columns ``customer_id, date, value, margin, lines, margin_lines``: value and margin are exact
    decimal sums of the day's lines (margin NULL where no line has one); days of returns or
    credit notes only are in it, with their sums."""
    return sales_days(sales) if days is None else days


def purchase_days(sales: ibis.Table, as_of: dt.date, *, days: ibis.Table | None = None) -> ibis.Table:
    """One row per customer x purchase day up to ``as_of``: ``value`` (net), ``margin`` and
    ``margin_known``.

    ``value`` and ``margin`` are exact decimals. A purchase day is a day whose lines add up to a positive net value; days of returns or
    credit notes only are left out. ``margin_known`` is true where every line of the day has a
    cost or a margin; lines without either add no margin.

    ``days`` is the workspace's customer x day table of these sales (:func:`customer_days`);
    without it the same table is grouped from the lines. Its sums are exact decimals: lines
    that cancel out (a sale and its return on one day) add up to exactly 0, which a double sum
    can leave a hair above 0 (a purchase day too many).
    """
    d = customer_days(sales, days)
    d = d.filter((d.date <= as_of) & (d.value > 0))
    # kept as exact decimals: every sum over them is then the same whatever order an engine adds in
    return d.select("customer_id", "date", value=d.value, margin=d.margin.fill_null(0),
                    margin_known=d.margin_lines == d.lines)


def history_start(days: ibis.Table) -> dt.date | None:
    """The first day of a customer x day table (:func:`customer_days`): the first day with a
    sales line, None when there are no lines."""
    first = days.date.min().execute()
    return None if first is None or first != first else pd.Timestamp(first).date()
