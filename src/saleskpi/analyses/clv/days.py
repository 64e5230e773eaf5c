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

__all__ = ["BASIS_LABELS", "basis_of_customers", "customer_days", "history_start", "line_margin", "margin_days", "purchase_days"]

#: How each ``[clv] margin_basis`` is named in the results (``margin_basis`` of ``clv``): a customer
#: whose lines all have a cost is "cost" in either of the first two.
BASIS_LABELS = {"cost": "cost", "assumed": "assumed margin rate", "mixed": "cost and assumed margin rate",
                "revenue": "revenue (no cost deducted)"}


def line_margin(sales: ibis.Table, settings) -> ibis.Value:
    """Each line's margin under ``settings.margin_basis`` (the ``[clv]`` section): its margin,
    else net value - cost (cost); that, else net value x the assumed rate of its product, else
    of its business line, else ``assumed_margin`` (assumed); the net value itself (revenue).
    ``sales`` must carry the product's ``business_line`` for the assumed basis."""
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
    assumed = (sales.net_value.cast("float64") * rate).cast("decimal(18, 2)")
    return ibis.coalesce(known, assumed)


def margin_days(sales: ibis.Table, products: ibis.Table, settings, days: ibis.Table | None = None) -> ibis.Table:
    """The customer x day table (:func:`customer_days`) with the margin of ``[clv] margin_basis``:
    the workspace's table ``days`` as it is for the cost basis, else grouped from the lines with
    :func:`line_margin` (every line then has a margin, so every day is known)."""
    if settings.margin_basis == "cost":
        return customer_days(sales, days)
    lines = sales.left_join(products.select("product_id", "business_line"), "product_id").drop("product_id_right")
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


def basis_of_customers(sales: ibis.Table, as_of: dt.date) -> pd.DataFrame:
    """Per customer with lines up to ``as_of``, under ``[clv] margin_basis = "assumed"``:
    ``margin_basis``, the label (:data:`BASIS_LABELS`) of what its margin is reckoned in: cost
    (every line has a cost or margin), assumed (none has) or both."""
    s = sales.filter(sales.date <= as_of)
    known = s.cost.notnull() | s.margin.notnull()  # a margin given on the line counts as its cost
    counts = s.group_by("customer_id").aggregate(lines=s.count(), with_cost=known.sum()).to_pyarrow().to_pandas()
    label = pd.Series(BASIS_LABELS["mixed"], index=counts.index, dtype=object)
    label[counts["with_cost"] == counts["lines"]] = BASIS_LABELS["cost"]
    label[counts["with_cost"] == 0] = BASIS_LABELS["assumed"]
    return pd.DataFrame({"customer_id": counts["customer_id"], "margin_basis": label})


def history_start(days: ibis.Table) -> dt.date | None:
    """The first day of a customer x day table (:func:`customer_days`): the first day with a
    sales line, None when there are no lines."""
    return first_sales_day(days)
