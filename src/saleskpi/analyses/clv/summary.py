"""The per-customer recency-frequency-monetary summary that the lifetime models take.

:func:`rfm_summary` turns a transaction table into one row per customer in the convention of
the published BG/NBD, Pareto/NBD and Gamma-Gamma fits on CDNOW (Fader, Hardie & Lee 2005;
``../shared/data/README.md``):

* purchases on the same day count once (their values are summed);
* ``frequency`` = number of repeat purchase days (the first purchase day excluded);
* ``recency`` = time from the first to the last purchase day, ``T`` = time from the first
  purchase day to the end of the (calibration) period, both counted in days and expressed in
  ``time_unit`` as fractions (a customer first seen 1997-01-01 with the period ending
  1997-09-30 has T = 272/7 = 38.857 weeks);
* ``monetary_value`` = mean value of the repeat purchase days (0 when there is none).

Bucketing by calendar week instead (lifetimes' ``freq="W"``) gives other numbers and is not
the published convention.

The whole summary is one backend-portable Ibis expression: no data leaves the engine. Its cost
on large data is the grouping of the lines into customer-days; a workspace that keeps those
(:mod:`saleskpi.derived.purchase_days`) can hand them over with ``unique_days=True``.

:func:`model_summary` is that summary of a workspace's purchase days
(:func:`saleskpi.analyses.clv.days.purchase_days`) as the clv models take it: in weeks, of the
margin, pulled into memory (the one per-customer frame the fits need).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from saleskpi.errors import UsageError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["TIME_UNIT_DAYS", "model_summary", "rfm_summary"]

#: Days per time unit: "D" day, "W" week, "M" month of an average (Julian) year.
TIME_UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}


def _as_date(value: object, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise UsageError(
        f"The {name!r} argument of rfm_summary must be a date (datetime.date or 'YYYY-MM-DD'). "
        f"Got {value!r} instead."
    )


def _checked(transactions: ir.Table, *, customer: str, date: str, value: str,
             observation_end: dt.date | str, calibration_end: dt.date | str | None,
             time_unit: str) -> tuple[dt.date, dt.date, ir.Value]:
    """The arguments of :func:`rfm_summary` checked: ``(observation end, calibration end, the
    day of each transaction)``; a :class:`~saleskpi.errors.UsageError` names what is wrong."""
    if time_unit not in TIME_UNIT_DAYS:
        raise UsageError(
            f"The 'time_unit' parameter of rfm_summary must be one of 'D', 'W', 'M'. "
            f"Got {time_unit!r} instead."
        )
    for name in (customer, date, value):
        if name not in transactions.columns:
            raise UsageError(
                f"rfm_summary: the transactions have no column {name!r}; the columns are "
                f"{', '.join(transactions.columns)}. Name the customer, date and value columns."
            )
    obs = _as_date(observation_end, "observation_end")
    cal = obs if calibration_end is None else _as_date(calibration_end, "calibration_end")
    if cal > obs:
        raise UsageError(
            f"rfm_summary: calibration_end {cal} is after observation_end {obs}; the "
            f"calibration period must end on or before the observation end."
        )
    day_type = transactions[date].type()
    if day_type.is_timestamp():
        return obs, cal, transactions[date].date()
    if day_type.is_date():
        return obs, cal, transactions[date]
    raise UsageError(
        f"rfm_summary: column {date!r} must be a date or timestamp; it is {day_type}. "
        f"Convert it first (e.g. with .cast('date') or .as_date('%Y%m%d'))."
    )


def _per_customer(days: ir.Table, cal_lit: ir.Value | None, extra: dict | None = None) -> ir.Table:
    """Per customer (``c_``) of the customer-days ``c_, d_, v_``: first day and its value, last
    day, days and value in the calibration period (to ``cal_lit``; None: all of it) and, with a
    calibration end, the holdout days and value; only customers first seen in the calibration.
    ``extra``: more aggregates over all the days, ``name -> function(days) -> value``."""
    more = {name: agg(days) for name, agg in (extra or {}).items()}
    # One pass over the purchase days, no join: a customer's first day is her first in the
    # calibration period whenever she has one there (days after it are all later), so the repeat
    # purchases are the calibration days less one and their value the total less the first day's.
    if cal_lit is None:
        return days.group_by("c_").aggregate(
            first_=days.d_.min(), first_value=days.v_.argmin(days.d_), last_=days.d_.max(),
            days_=days.d_.count(), value_=days.v_.sum(), **more)
    in_cal = days.d_ <= cal_lit
    per = days.group_by("c_").aggregate(
        first_=days.d_.min(), first_value=days.v_.argmin(days.d_), last_=days.d_.max(where=in_cal),
        days_=days.d_.count(where=in_cal), value_=days.v_.sum(where=in_cal),
        frequency_holdout=days.d_.count(where=~in_cal), holdout_value=days.v_.sum(where=~in_cal), **more)
    return per.filter(per.first_ <= cal_lit)


def _holdout_columns(per: ir.Table, duration: float) -> dict[str, ir.Value]:
    """The holdout columns of :func:`rfm_summary`: purchase days in the holdout, their mean value
    (0 when none) and the holdout's length ``duration`` in the time unit."""
    return {
        "frequency_holdout": per.frequency_holdout.cast("int64"),
        "monetary_value_holdout": ibis.ifelse(
            per.frequency_holdout > 0,
            per.holdout_value.cast("float64").coalesce(0.0) / per.frequency_holdout.cast("float64"),
            0.0,
        ),
        "duration_holdout": ibis.literal(duration, type="float64"),
    }


#: Rows per Arrow batch of a frame handed to :func:`rfm_summary`: DuckDB scans an Arrow table
#: batch by batch in parallel, and ``pa.Table.from_pandas`` gives one batch (12 million lines:
#: 1.8 s in one batch, 1.0 s in batches of this size; the split copies nothing).
ARROW_BATCH_ROWS = 1 << 17


def _as_table(transactions: "ir.Table | pd.DataFrame | pa.Table", columns: tuple[str, ...]) -> ir.Table:
    """``transactions`` as an Ibis table. A pandas or Arrow frame (as lifetimes'
    ``summary_data_from_transaction_data`` takes it), or an Ibis memtable of one, becomes an
    in-memory Arrow table of the named columns in batches of :data:`ARROW_BATCH_ROWS`
    (``pa.Table.from_pandas``: about 0.6 s for 12 million lines with ``datetime.date`` objects;
    ``ibis.memtable`` of the frame first infers its types, about 0.6 s more)."""
    import pyarrow as pa

    named = list(dict.fromkeys(columns))
    if isinstance(transactions, ir.Table):
        op = transactions.op()
        data = getattr(op, "data", None) if isinstance(op, ops.InMemoryTable) else None
        if not isinstance(getattr(data, "obj", None), (pd.DataFrame, pa.Table)):
            return transactions
        transactions = data.to_pyarrow(op.schema)  # the memtable's own types
    if isinstance(transactions, pd.DataFrame):
        # all the named columns, or the whole frame (then the error lists its columns)
        kept = transactions[named] if set(named) <= set(transactions.columns) else transactions
        transactions = pa.Table.from_pandas(kept, preserve_index=False)
    if not isinstance(transactions, pa.Table):
        raise UsageError(f"rfm_summary: the transactions must be an Ibis table, a pandas DataFrame or a pyarrow "
                         f"Table. Got {type(transactions).__name__} instead.")
    if set(named) <= set(transactions.column_names):
        transactions = transactions.select(named)
    return ibis.memtable(pa.Table.from_batches(transactions.to_batches(max_chunksize=ARROW_BATCH_ROWS),
                                               schema=transactions.schema))


def rfm_summary(
    transactions: "ir.Table | pd.DataFrame | pa.Table",
    *,
    customer: str,
    date: str,
    value: str,
    observation_end: dt.date | str,
    calibration_end: dt.date | str | None = None,
    time_unit: str = "W",
    unique_days: bool = False,
) -> ir.Table:
    """One row per customer: frequency, recency, T, monetary_value (and the holdout columns).

    Parameters
    ----------
    transactions
        An Ibis table with one row per transaction (or transaction line), or the same as a
        pandas DataFrame or pyarrow Table (as lifetimes takes it; converted through Arrow,
        only the three named columns).
    customer, date, value
        Its columns: the customer id, the transaction date (a date or timestamp column; the
        time of day is ignored) and the transaction value (money).
    observation_end
        The last day observed (inclusive); later transactions are ignored.
    calibration_end
        If given, the last day of the calibration period (inclusive, before
        ``observation_end``): only customers first seen on or before it are summarised,
        frequency/recency/T/monetary_value describe the calibration period, and three columns
        describe the holdout period (calibration_end, observation_end]: ``frequency_holdout``
        (purchase days in it), ``monetary_value_holdout`` (their mean value, 0 when none) and
        ``duration_holdout`` (its length in ``time_unit``).
    time_unit
        ``"D"`` (days), ``"W"`` (weeks, 7 days) or ``"M"`` (months, 365.25/12 days).
    unique_days
        True when ``transactions`` already has at most one row per customer and day, e.g. a
        purchase table of :func:`saleskpi.derived.purchase_days.purchase_days` (with a date
        column): the same-day sum is then skipped, and the summary reads the customer-days
        only (on the bench's 12.2M lines / 4.9M customer-days about 3x less time). The
        result is the same; with several rows of a customer on one day it would not be.

    Returns
    -------
    ibis.Table
        Columns ``<customer>``, ``frequency`` (int64), ``recency``, ``T``, ``monetary_value``
        (float64) [, ``frequency_holdout``, ``monetary_value_holdout``, ``duration_holdout``],
        ordered by customer.
    """
    transactions = _as_table(transactions, (customer, date, value))
    return _summary(transactions, customer=customer, date=date, value=value, observation_end=observation_end,
                    calibration_end=calibration_end, time_unit=time_unit,
                    unique_days=unique_days).order_by(customer)


def _summary(transactions: ir.Table, *, customer: str, date: str, value: str, observation_end: dt.date | str,
             calibration_end: dt.date | str | None, time_unit: str, unique_days: bool,
             carry: tuple[str, ...] = (), extra: dict | None = None) -> ir.Table:
    """:func:`rfm_summary` in no order, with the aggregates ``extra`` (``name -> function(days)
    -> value``, over every customer-day up to the observation end) of the columns ``carry`` of
    ``transactions`` beside its own (customer-days only: ``unique_days``)."""
    if carry and not unique_days:
        raise ValueError("rfm_summary: carried columns need unique_days=True")
    obs, cal, day = _checked(transactions, customer=customer, date=date, value=value,
                             observation_end=observation_end, calibration_end=calibration_end,
                             time_unit=time_unit)
    unit = TIME_UNIT_DAYS[time_unit]
    obs_lit, cal_lit = ibis.date(obs), ibis.date(cal)

    # Exact decimals (money as stored) are summed as decimals and turned into floats only at the
    # end: a sum of doubles depends on the order an engine adds in, which differs between runs
    # and engines and moved the fitted models, and so a rounded CLV, by a cent.
    raw_value = transactions[value]
    exact = raw_value.type().is_decimal()
    zero = ibis.literal(0, raw_value.type()) if exact else ibis.literal(0.0)
    lines = transactions.select(
        c_=transactions[customer], d_=day, v_=raw_value if exact else raw_value.cast("float64"),
        **{c: transactions[c] for c in carry},
    ).filter(lambda t: t.c_.notnull() & t.d_.notnull() & (t.d_ <= obs_lit))
    # same-day purchases count once, with their values summed (a day whose values are all NULL
    # is worth 0)
    if unique_days:
        days = lines.mutate(v_=lines.v_.coalesce(zero))
    else:
        days = lines.group_by(["c_", "d_"]).aggregate(v_=lambda t: t.v_.sum().coalesce(zero))
    per = _per_customer(days, None if calibration_end is None else cal_lit, extra)
    per = per.mutate(frequency=per.days_ - 1,
                     repeat_value=(per.value_.coalesce(zero) - per.first_value).cast("float64"))
    columns = {
        customer: per.c_,
        "frequency": per.frequency.cast("int64"),
        "recency": per.last_.delta(per.first_, unit="day").cast("float64") / unit,
        "T": cal_lit.delta(per.first_, unit="day").cast("float64") / unit,
        "monetary_value": ibis.ifelse(
            per.frequency > 0, per.repeat_value / per.frequency.cast("float64"), 0.0
        ),
    }
    if calibration_end is not None:
        columns |= _holdout_columns(per, (obs - cal).days / unit)
    return per.select(**columns, **{name: per[name] for name in extra or {}})


def model_summary(days: ir.Table, as_of: dt.date, calibration_end: dt.date | None = None, *,
                  joined: tuple[ir.Table, ...] = ()) -> pd.DataFrame:
    """:func:`rfm_summary` of the purchase days' margins (weeks), in memory, sorted by customer.

    ``days`` are purchase days (:func:`saleskpi.analyses.clv.days.purchase_days`: one row per
    customer and day, columns ``customer_id, date, margin, margin_known``). Besides the columns
    of :func:`rfm_summary` (with the holdout ones when ``calibration_end`` is given) the frame
    has ``first_purchase`` (a date), ``first_margin`` (the margin of the first purchase day) and
    ``margin_known`` (every purchase day of the customer up to the as-of date has its margin).

    ``joined`` are tables of at most one row per customer (a column ``customer_id``) whose other
    columns the frame gains, empty where a customer has no row: joined and sorted in the engine,
    so that the one per-customer frame is converted once (a pandas merge on a million text ids
    takes about a second each).
    """
    # one row per customer and day already: no same-day sum (rfm_summary's unique_days)
    # and in the same pass over the days, the first day's margin and whether every day has one
    summary = _summary(days, customer="customer_id", date="date", value="margin",
                       observation_end=as_of, calibration_end=calibration_end, time_unit="W",
                       unique_days=True, carry=("margin", "margin_known"),
                       extra={"first_margin": lambda d: d.margin.argmin(d.d_),
                              "margin_known": lambda d: d.margin_known.cast("int64").min() == 1})
    for table in joined:
        other = table.rename(joined_id_="customer_id")
        summary = summary.left_join(other, summary.customer_id == other.joined_id_).drop("joined_id_")
    frame = summary.order_by("customer_id").to_pyarrow().to_pandas()
    frame["margin_known"] = frame["margin_known"].fillna(False).astype(bool)
    week = TIME_UNIT_DAYS["W"]
    cal = as_of if calibration_end is None else calibration_end
    frame["first_purchase"] = pd.Timestamp(cal) - pd.to_timedelta(np.round(frame["T"] * week), unit="D")
    return frame
