"""The customer x day tables that every clv step reads.

This is the one module of the package that imports :mod:`saleskpi.derived.purchase_days`
(the workspace's customer x day table of its sales and how to group it from the lines), so
that moving that module changes one import line here.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from saleskpi.analyses.periods import first_sales_day
from saleskpi.derived.purchase_days import SALES_DAYS, sales_days
from saleskpi.derived.purchase_days import purchase_days as _grouped_days

__all__ = ["BASIS_LABELS", "LINE_SOURCES", "basis_of_customers", "customer_days", "history_start", "line_margin", "margin_days", "purchase_days"]

#: How each ``[clv] margin_basis`` is named in the results (``margin_basis`` of ``clv``): a customer
#: whose lines all have a cost is "cost" in either of the first two. Under "assumed" a customer's
#: lines can take their margin from three sources (:data:`LINE_SOURCES`); its label names the
#: sources it has, in that order (:func:`basis_of_customers`: "cost and assumed margin rate").
BASIS_LABELS = {"cost": "cost", "assumed": "assumed margin rate", "revenue": "revenue (no cost deducted)"}

#: Where a line's margin comes from under ``margin_basis = "assumed"``, first that applies: the
#: line's cost or margin, the product's ``margin_rate`` (products), an assumed rate of the settings.
LINE_SOURCES = ("cost", "product margin rate", "assumed margin rate")


def line_margin(sales: ibis.Table, settings) -> ibis.Value:
    """Each line's margin under ``settings.margin_basis`` (the ``[clv]`` section): its margin,
    else net value - cost (cost); that, else net value x the product's ``margin_rate`` (a column
    of products: data of the file before an assumption of the settings), else x the assumed
    rate of its product in the settings, else of its business line, else ``assumed_margin``
    (assumed); the net value itself (revenue). ``sales`` must carry the product's
    ``business_line`` and ``margin_rate`` for the assumed basis."""
    known = ibis.coalesce(sales.margin, sales.net_value - sales.cost)
    if settings.margin_basis == "revenue":
        return sales.net_value
    if settings.margin_basis == "cost":
        return known
    rate = ibis.literal(settings.assumed_margin, "float64")
    by_line = [(sales.business_line == k, ibis.literal(v, "float64")) for k, v in settings.assumed_margin_by_line.items()]
    by_product = [(sales.product_id == k, ibis.literal(v, "float64"))
                  for k, v in settings.assumed_margin_by_product.items()]
    if by_line or by_product:
        rate = ibis.cases(*by_product, *by_line, else_=rate)
    rate = ibis.coalesce(sales.margin_rate.cast("float64"), rate)
    assumed = (sales.net_value.cast("float64") * rate).cast("decimal(18, 2)")
    return ibis.coalesce(known, assumed)


def margin_days(sales: ibis.Table, products: ibis.Table, settings, days: ibis.Table | None = None) -> ibis.Table:
    """The customer x day table (:func:`customer_days`) with the margin of ``[clv] margin_basis``:
    the workspace's table ``days`` as it is for the cost basis, else grouped from the lines with
    :func:`line_margin` (every line then has a margin, so every day is known)."""
    if settings.margin_basis == "cost":
        return customer_days(sales, days)
    lines = sales.left_join(products.select("product_id", "business_line", "margin_rate"),
                            "product_id").drop("product_id_right")
    grouped = _grouped_days(lines, customer="customer_id", date="date", value=lines.net_value,
                            margin=line_margin(lines, settings), margin_lines=True)
    return grouped.cast(SALES_DAYS)


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


def basis_of_customers(sales: ibis.Table, as_of: dt.date, products: ibis.Table | None = None) -> pd.DataFrame:
    """Per customer with lines up to ``as_of``, under ``[clv] margin_basis = "assumed"``:
    ``margin_basis``, the label of what its margin is reckoned in: the sources
    (:data:`LINE_SOURCES`) its lines take their margin from, in that order, e.g. "cost" (every
    line has a cost or margin), "assumed margin rate" (none has) or "cost and product margin
    rate". Without ``products`` no line is taken to have a product margin rate."""
    s = sales.filter(sales.date <= as_of)
    if products is None:
        s = s.mutate(margin_rate=ibis.null("float64"))
    else:
        s = s.left_join(products.select("product_id", "margin_rate"), "product_id").drop("product_id_right")
    known = s.cost.notnull() | s.margin.notnull()  # a margin given on the line counts as its cost
    rated = ~known & s.margin_rate.notnull()
    counts = s.group_by("customer_id").aggregate(lines=s.count(), with_cost=known.sum(),
                                                 with_rate=rated.sum()).to_pyarrow().to_pandas()
    has = pd.DataFrame({"cost": counts["with_cost"] > 0, "product margin rate": counts["with_rate"] > 0,
                        "assumed margin rate": counts["with_cost"] + counts["with_rate"] < counts["lines"]})
    label = [_joined([src for src in LINE_SOURCES if row[src]]) for _, row in has.iterrows()]
    return pd.DataFrame({"customer_id": counts["customer_id"], "margin_basis": pd.Series(label, dtype=object)})


def _joined(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def history_start(days: ibis.Table) -> dt.date | None:
    """The first day of a customer x day table (:func:`customer_days`): the first day with a
    sales line, None when there are no lines."""
    return first_sales_day(days)
