"""The customer x day purchase table: invoice lines summed per customer and day.

Every customer-lifetime summary counts purchase days, not lines (purchases on the same day
count once, ``saleskpi.analyses.clv.summary``), so each summary of the lines starts by grouping
them into customer-days: on the bench's 12.2M lines / 4.9M customer-days that grouping is most
of the summary's time. A workspace that keeps this table (built once, then refreshed with each
import's new lines) lets :func:`saleskpi.analyses.clv.summary.rfm_summary` read the 4.9M
customer-days instead (``unique_days=True``).

The table is a plain sum of the lines, so it can be kept up to date by adding: lines imported
later change only the customer-days they touch (:func:`refreshed_days`), and
:func:`merged_days` gives the whole refreshed table for engines that rewrite tables rather than
delete rows. Days whose lines add up to zero or less (returns, credit notes) are kept, with
their sums: whoever reads the table decides what a purchase day is (``value > 0`` in
``saleskpi.analyses.clv``).

Columns: ``<customer>``, ``<date>`` (a date; a timestamp is cut to its day), ``value`` (the sum
of the lines' values, in their type), ``margin`` (the sum of the lines' margins, NULL when no
line has one; only when a margin is given), ``lines`` (int64, how many lines) and
``margin_lines`` (int64, how many of them have a margin; asked for with ``margin_lines=True``:
a day whose ``margin_lines`` is below ``lines`` has a margin that is not fully known). All of it is
backend-portable Ibis: nothing leaves the engine.

A workspace keeps one such table of its ``sales`` (:data:`SALES_DAYS`, built by
:func:`sales_days`; :mod:`saleskpi.derived` names it ``derived_purchase_days`` and the importer
keeps it in step with every import, docs/import.md): value = ``net_value``, margin =
``coalesce(margin, net_value - cost)``, both summed in exact decimals (:data:`SALES_DAYS`), so
that a table refreshed import by import equals one built from scratch, on every engine.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from saleskpi.errors import UsageError

__all__ = ["SALES_DAYS", "merged_days", "merged_sales_days", "purchase_days", "refreshed_days",
           "refreshed_sales_days", "sales_days"]

#: The workspace's purchase-day table of its sales: column -> type. Money as the contract's
#: decimals (a day's sum of cents is exact; it fits 18 digits).
SALES_DAYS = ibis.schema({"customer_id": "string", "date": "date", "value": "decimal(18, 2)",
                          "margin": "decimal(18, 2)", "lines": "int64", "margin_lines": "int64"})


def _column(lines: ir.Table, spec: str | ir.Value, what: str) -> ir.Value:
    if isinstance(spec, str):
        if spec not in lines.columns:
            raise UsageError(
                f"purchase_days: the lines have no column {spec!r} (the {what}); the columns are "
                f"{', '.join(lines.columns)}."
            )
        return lines[spec]
    return spec


def purchase_days(
    lines: ir.Table,
    *,
    customer: str = "customer_id",
    date: str = "date",
    value: str | ir.Value = "net_value",
    margin: str | ir.Value | None = None,
    margin_lines: bool = False,
) -> ir.Table:
    """One row per customer and day with lines: the sums of ``value`` and ``margin``, and ``lines``.

    Parameters
    ----------
    lines
        An Ibis table of invoice lines.
    customer, date
        Column names: the customer id and the date (date or timestamp; a timestamp is cut to
        its day). The output keeps these names. Lines without a customer or date are left out.
    value, margin
        A column name or an Ibis expression over ``lines``: each line's value, and (optionally)
        its margin, e.g. ``coalesce(margin, net_value - cost)``.
    margin_lines
        Also count the lines that have a margin (``margin_lines``; needs ``margin``), to tell a
        day whose margin is fully known from one where some lines lack it.

    Returns
    -------
    ibis.Table
        ``<customer>, <date>, value, [margin,] lines[, margin_lines]``, one row per customer and
        day (unordered).
    """
    cust = _column(lines, customer, "customer")
    day = _column(lines, date, "date")
    day_type = day.type()
    if day_type.is_timestamp():
        day = day.date()
    elif not day_type.is_date():
        raise UsageError(
            f"purchase_days: column {date!r} must be a date or timestamp; it is {day_type}. "
            f"Convert it first (e.g. with .cast('date'))."
        )
    if margin_lines and margin is None:
        raise UsageError("purchase_days: margin_lines=True counts the lines with a margin; give the margin too.")
    columns = {customer: cust, date: day, "value": _column(lines, value, "value")}
    if margin is not None:
        columns["margin"] = _column(lines, margin, "margin")
    rows = lines.select(**columns)
    rows = rows.filter(rows[customer].notnull() & rows[date].notnull())
    return _sum_days(rows, customer, date, margin is not None, count=True, margin_lines=margin_lines)


def _sum_days(rows: ir.Table, customer: str, date: str, with_margin: bool, *, count: bool,
              margin_lines: bool = False) -> ir.Table:
    """Group by customer and day: sums of value (and margin), and lines counted (count=True) or
    summed (rows that are already customer-days)."""
    metrics = {"value": rows.value.sum()}
    if with_margin:
        metrics["margin"] = rows.margin.sum()
    metrics["lines"] = rows.count().cast("int64") if count else rows.lines.sum().cast("int64")
    if margin_lines:
        metrics["margin_lines"] = (rows.margin.count() if count else rows.margin_lines.sum()).cast("int64")
    return rows.group_by([customer, date]).aggregate(**metrics)


def refreshed_days(
    days: ir.Table,
    new_lines: ir.Table,
    *,
    customer: str = "customer_id",
    date: str = "date",
    value: str | ir.Value = "net_value",
    margin: str | ir.Value | None = None,
) -> ir.Table:
    """The rows that replace ``days``' rows after ``new_lines`` are added to the lines.

    One row per customer and day that ``new_lines`` touch: the stored sums (if the day was
    stored) plus the new lines' sums. A workspace deletes the stored rows of these customer-days
    and inserts these rows; the other stored rows stay as they are. Costs about a scan of
    ``days`` (a semi-join) and a grouping of the new lines, not of all lines.

    ``days`` is a table built by :func:`purchase_days` with the same ``customer``, ``date`` and
    margin choice; the other arguments are those of :func:`purchase_days`, for ``new_lines``.
    """
    with_margin = margin is not None
    # a table that counts the lines with a margin is refreshed with that count
    counted = with_margin and "margin_lines" in days.columns
    new = purchase_days(new_lines, customer=customer, date=date, value=value, margin=margin, margin_lines=counted)
    _check_days(days, customer, date, with_margin)
    keys = [customer, date]
    cols = [customer, date, "value", *(["margin"] if with_margin else []), "lines",
            *(["margin_lines"] if counted else [])]
    touched = new.select(*keys)
    old = days.semi_join(touched, keys).select(*cols)
    both = ibis.union(old, new.select(*cols).cast(old.schema()), distinct=False)
    return _sum_days(both, customer, date, with_margin, count=False, margin_lines=counted).cast(old.schema())


def merged_days(
    days: ir.Table,
    new_lines: ir.Table,
    *,
    customer: str = "customer_id",
    date: str = "date",
    value: str | ir.Value = "net_value",
    margin: str | ir.Value | None = None,
) -> ir.Table:
    """The whole purchase table after ``new_lines`` are added: ``days``' untouched rows and
    :func:`refreshed_days`; equal to :func:`purchase_days` of all the lines (sums in another
    order: float values may differ in the last bits, decimals not at all)."""
    refreshed = refreshed_days(days, new_lines, customer=customer, date=date, value=value, margin=margin)
    keys = [customer, date]
    kept = days.anti_join(refreshed.select(*keys), keys).select(*refreshed.columns)
    return ibis.union(kept, refreshed, distinct=False)


def _check_days(days: ir.Table, customer: str, date: str, with_margin: bool) -> None:
    want = [customer, date, "value", *(["margin"] if with_margin else []), "lines"]
    missing = [c for c in want if c not in days.columns]
    if missing:
        raise UsageError(
            f"refreshed_days: the purchase table has no column {', '.join(repr(m) for m in missing)}; "
            f"expected {', '.join(want)} (a table built by purchase_days with the same arguments)."
        )


# --- the workspace's table of its sales ---------------------------------------------------------


def _sales_columns(lines: ir.Table) -> dict:
    """How the workspace's table reads the sales lines: net value, and the margin column, else
    net value - cost (NULL when neither is known)."""
    return {"customer": "customer_id", "date": "date", "value": lines.net_value,
            "margin": ibis.coalesce(lines.margin, lines.net_value - lines.cost)}


def sales_days(sales: ir.Table) -> ir.Table:
    """The workspace's purchase-day table (:data:`SALES_DAYS`) of the ``sales`` lines, built
    from scratch: :func:`purchase_days` with value ``net_value`` and margin
    ``coalesce(margin, net_value - cost)``, sums as exact decimals."""
    return purchase_days(sales, **_sales_columns(sales), margin_lines=True).cast(SALES_DAYS)


def refreshed_sales_days(days: ir.Table, new_sales: ir.Table) -> ir.Table:
    """:func:`refreshed_days` of the workspace's table ``days`` (:func:`sales_days`) by the
    ``new_sales`` lines: the rows that replace its rows of the customer-days they touch."""
    return refreshed_days(days, new_sales, **_sales_columns(new_sales)).cast(SALES_DAYS)


def merged_sales_days(days: ir.Table, new_sales: ir.Table) -> ir.Table:
    """:func:`merged_days` of the workspace's table ``days`` and the ``new_sales`` lines: the
    whole table after the lines were added (engines that rewrite a table instead of deleting
    rows)."""
    return merged_days(days, new_sales, **_sales_columns(new_sales)).cast(SALES_DAYS)
