"""rfm_summary: the published CDNOW convention, worked by hand on tiny inputs and on CDNOW."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from saleskpi.analyses.clv.summary import rfm_summary
from saleskpi.derived.purchase_days import merged_days, purchase_days, refreshed_days
from saleskpi.errors import UsageError


@pytest.fixture
def con():
    return ibis.duckdb.connect()


@pytest.fixture
def transactions(con):
    d = dt.date
    rows = [
        ("A", d(2020, 1, 1), 10.0),
        ("A", d(2020, 1, 1), 5.0),  # same day: one purchase of 15
        ("A", d(2020, 1, 8), 20.0),
        ("A", d(2020, 1, 15), 30.0),
        ("A", d(2020, 2, 10), 7.0),  # holdout
        ("A", d(2020, 3, 1), 99.0),  # after the observation end: ignored
        ("B", d(2020, 1, 10), 40.0),
        ("C", d(2020, 2, 1), 12.0),  # first seen after the calibration end
        ("C", d(2020, 2, 3), 8.0),
        ("D", d(2020, 3, 5), 1.0),  # only after the observation end
    ]
    frame = pd.DataFrame(rows, columns=["cust", "when", "amount"])
    return con.create_table("tx", frame)


def test_same_day_purchases_count_once_and_the_first_is_excluded_from_monetary(transactions):
    out = rfm_summary(
        transactions, customer="cust", date="when", value="amount",
        observation_end=dt.date(2020, 1, 31), time_unit="D",
    ).to_pandas()
    assert list(out.columns) == ["cust", "frequency", "recency", "T", "monetary_value"]
    assert out.cust.tolist() == ["A", "B"]
    a, b = out.iloc[0], out.iloc[1]
    assert (a.frequency, a.recency, a["T"], a.monetary_value) == (2, 14.0, 30.0, 25.0)
    assert (b.frequency, b.recency, b["T"], b.monetary_value) == (0, 0.0, 21.0, 0.0)


def test_time_units_are_fractions_of_days(transactions):
    weeks = rfm_summary(transactions, customer="cust", date="when", value="amount",
                        observation_end="2020-01-31").to_pandas()
    assert weeks.recency.tolist() == pytest.approx([2.0, 0.0])
    assert weeks["T"].tolist() == pytest.approx([30 / 7, 21 / 7])
    months = rfm_summary(transactions, customer="cust", date="when", value="amount",
                         observation_end="2020-01-31", time_unit="M").to_pandas()
    assert months["T"].tolist() == pytest.approx([30 / (365.25 / 12), 21 / (365.25 / 12)])


def test_holdout_columns(transactions):
    out = rfm_summary(
        transactions, customer="cust", date="when", value="amount",
        observation_end="2020-02-29", calibration_end="2020-01-31", time_unit="D",
    ).to_pandas()
    assert out.cust.tolist() == ["A", "B"]  # C was first seen after the calibration end
    assert list(out.columns)[-3:] == ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]
    a, b = out.iloc[0], out.iloc[1]
    assert (a.frequency, a.recency, a["T"], a.monetary_value) == (2, 14.0, 30.0, 25.0)
    assert (a.frequency_holdout, a.monetary_value_holdout, a.duration_holdout) == (1, 7.0, 29.0)
    assert (b.frequency_holdout, b.monetary_value_holdout, b.duration_holdout) == (0, 0.0, 29.0)


def test_timestamps_are_cut_to_days(con):
    frame = pd.DataFrame({
        "cust": [1, 1, 1],
        "at": pd.to_datetime(["2021-05-01 09:00", "2021-05-01 17:30", "2021-05-04 08:00"]),
        "eur": [1.0, 2.0, 4.0],
    })
    out = rfm_summary(con.create_table("ts", frame), customer="cust", date="at", value="eur",
                      observation_end="2021-05-08", time_unit="D").to_pandas()
    assert (out.frequency[0], out.recency[0], out["T"][0], out.monetary_value[0]) == (1, 3.0, 7.0, 4.0)


def test_a_pandas_or_arrow_frame_gives_the_same_summary(transactions):
    """The transactions as lifetimes takes them (a pandas frame, here with datetime.date objects
    and a column the summary does not read) or as an Arrow table: the same rows as the table."""
    import pyarrow as pa

    kw = dict(customer="cust", date="when", value="amount", observation_end="2020-02-29",
              calibration_end="2020-01-31", time_unit="D")
    expected = rfm_summary(transactions, **kw).to_pandas()
    frame = transactions.to_pandas().assign(note="x")
    assert isinstance(frame["when"].iloc[0], dt.date)
    pd.testing.assert_frame_equal(rfm_summary(frame, **kw).to_pandas(), expected)
    pd.testing.assert_frame_equal(rfm_summary(pa.Table.from_pandas(frame), **kw).to_pandas(), expected)
    with pytest.raises(UsageError, match=r"no column 'customer'; the columns are cust, when, amount, note\."):
        rfm_summary(frame, **(kw | {"customer": "customer"}))
    with pytest.raises(UsageError, match="must be an Ibis table, a pandas DataFrame or a pyarrow Table. Got list"):
        rfm_summary([("A", dt.date(2020, 1, 1), 1.0)], **kw)


def test_bad_arguments_are_refused(transactions):
    with pytest.raises(UsageError, match=r"^The 'time_unit' parameter of rfm_summary must be one of 'D', 'W', 'M'\. Got 'Y' instead\.$"):
        rfm_summary(transactions, customer="cust", date="when", value="amount",
                    observation_end="2020-01-31", time_unit="Y")
    with pytest.raises(UsageError, match="calibration_end 2020-03-01 is after observation_end 2020-01-31"):
        rfm_summary(transactions, customer="cust", date="when", value="amount",
                    observation_end="2020-01-31", calibration_end="2020-03-01")
    with pytest.raises(UsageError, match="column 'cust' must be a date or timestamp"):
        rfm_summary(transactions, customer="when", date="cust", value="amount", observation_end="2020-01-31")
    with pytest.raises(UsageError, match="no column 'customer'"):
        rfm_summary(transactions, customer="customer", date="when", value="amount", observation_end="2020-01-31")


def _cdnow(shared_data):
    raw = pd.read_csv(
        shared_data / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
        names=["customer_id", "sample_id", "yyyymmdd", "cds", "dollars"], dtype={"yyyymmdd": str},
    )
    t = ibis.duckdb.connect().create_table("cdnow", raw)
    return raw, t.mutate(day=t.yyyymmdd.as_date("%Y%m%d"))


def test_cdnow_summary_in_the_published_convention(shared_data):
    raw, t = _cdnow(shared_data)
    assert len(raw) == 6919
    out = rfm_summary(t, customer="customer_id", date="day", value="dollars",
                      observation_end="1998-06-30", calibration_end="1997-09-30").to_pandas()
    assert len(out) == 2357
    assert (out.frequency > 0).sum() == 946
    first_day = raw.groupby("customer_id").yyyymmdd.min()
    jan1 = first_day[first_day == "19970101"].index
    assert len(jan1) > 0
    assert out.set_index("customer_id").loc[jan1, "T"].tolist() == pytest.approx([272 / 7] * len(jan1))
    assert out["T"].max() == pytest.approx(38.857, abs=5e-4)
    assert out.duration_holdout.unique().tolist() == pytest.approx([273 / 7])
    days = raw.assign(day=pd.to_datetime(raw.yyyymmdd)).drop_duplicates(["customer_id", "day"])
    holdout_days = days[(days.day > "1997-09-30") & (days.day <= "1998-06-30")]
    assert out.frequency_holdout.sum() == len(holdout_days)


# --- the purchase-day table and the summary read from it ----------------------------------------


def _rows(table, *order) -> list[tuple]:
    """The rows as tuples of Python values (dates as dates, NULL as None), sorted by ``order``."""
    rows = table.to_pyarrow().to_pylist()
    return [tuple(r.values()) for r in sorted(rows, key=lambda r: tuple(r[c] for c in order))]


def test_purchase_days_sum_each_customer_day(con):
    d = dt.date
    lines = con.create_table("lines_pd", pd.DataFrame({
        "cust": ["A", "A", "A", "B", "B", None],
        "when": [d(2020, 1, 1), d(2020, 1, 1), d(2020, 1, 8), d(2020, 1, 8), d(2020, 1, 8), d(2020, 1, 8)],
        "net": [10.0, 5.0, -3.0, 4.0, 6.0, 100.0],
        "cost": [6.0, None, 1.0, None, None, 1.0],
    }))
    days = purchase_days(lines, customer="cust", date="when", value="net", margin=lines.net - lines.cost)
    assert days.columns == ("cust", "when", "value", "margin", "lines")
    # A's first day: two lines of 15, margin of the one line with a cost; the return day is kept;
    # B's lines have no cost: margin NULL; the line without a customer is left out
    a1, a2, b = _rows(days, "cust", "when")
    assert a1 == ("A", d(2020, 1, 1), 15.0, 4.0, 2)
    assert a2 == ("A", d(2020, 1, 8), -3.0, -4.0, 1)
    assert b == ("B", d(2020, 1, 8), 10.0, None, 2)
    assert purchase_days(lines, customer="cust", date="when", value="net").columns == (
        "cust", "when", "value", "lines")


def test_purchase_days_refuse_a_missing_column_or_a_text_date(transactions):
    with pytest.raises(UsageError, match=r"^purchase_days: the lines have no column 'net_value' \(the value\)"):
        purchase_days(transactions, customer="cust", date="when")
    with pytest.raises(UsageError, match="column 'cust' must be a date or timestamp"):
        purchase_days(transactions, customer="amount", date="cust", value="amount")


@pytest.mark.parametrize("calibration_end", [None, "2020-01-31"])
@pytest.mark.parametrize("time_unit", ["D", "W"])
def test_summary_of_the_purchase_days_equals_the_summary_of_the_lines(transactions, calibration_end, time_unit):
    kw = dict(customer="cust", date="when", observation_end="2020-02-29", calibration_end=calibration_end,
              time_unit=time_unit)
    days = purchase_days(transactions, customer="cust", date="when", value="amount")
    from_lines = rfm_summary(transactions, value="amount", **kw).to_pandas()
    from_days = rfm_summary(days, value="value", **kw, unique_days=True).to_pandas()
    pd.testing.assert_frame_equal(from_days, from_lines)
    assert len(from_lines) >= 2 and from_lines.frequency.max() > 0


def test_unique_days_skips_the_same_day_sum(transactions):
    # the promise is the caller's: lines with two rows on one day give another (wrong) summary
    kw = dict(customer="cust", date="when", value="amount", observation_end="2020-01-31", time_unit="D")
    a_lines = rfm_summary(transactions, **kw).to_pandas().iloc[0]
    a_raw = rfm_summary(transactions, **kw, unique_days=True).to_pandas().iloc[0]
    assert (a_lines.frequency, a_raw.frequency) == (2, 3)


def test_summary_of_cdnow_purchase_days_equals_the_published_convention(shared_data):
    raw, t = _cdnow(shared_data)
    kw = dict(customer="customer_id", date="day", observation_end="1998-06-30", calibration_end="1997-09-30")
    days = purchase_days(t, customer="customer_id", date="day", value="dollars")
    assert days.count().execute() == len(raw.drop_duplicates(["customer_id", "yyyymmdd"]))
    from_days = rfm_summary(days, value="value", **kw, unique_days=True).to_pandas()
    from_lines = rfm_summary(t, value="dollars", **kw).to_pandas()
    assert (from_days.frequency > 0).sum() == 946
    pd.testing.assert_frame_equal(from_days, from_lines, check_exact=False, rtol=1e-12)


def test_refreshed_and_merged_days_equal_the_days_of_all_lines(con):
    d = dt.date
    old = pd.DataFrame({"customer_id": [1, 1, 2, 3], "date": [d(2024, 1, 1), d(2024, 1, 5), d(2024, 1, 5), d(2024, 1, 2)],
                        "net_value": [10.0, 2.5, 4.0, 1.0], "margin": [3.0, None, 1.0, 0.5]})
    new = pd.DataFrame({"customer_id": [1, 2, 2, 4], "date": [d(2024, 1, 5), d(2024, 1, 6), d(2024, 1, 6), d(2024, 1, 6)],
                        "net_value": [1.5, 7.0, -2.0, 3.0], "margin": [0.5, 2.0, None, None]})
    old_t, new_t = con.create_table("old_lines", old), con.create_table("new_lines", new)
    all_t = con.create_table("all_lines", pd.concat([old, new], ignore_index=True))
    stored = con.create_table("stored_days", purchase_days(old_t, margin="margin"))
    refreshed = refreshed_days(stored, new_t, margin="margin")
    # only the customer-days the new lines touch: (1, Jan 5) stored before, the others new
    r1, r2, r4 = _rows(refreshed, "customer_id", "date")
    assert r1 == (1, d(2024, 1, 5), 4.0, 0.5, 2)
    assert r2 == (2, d(2024, 1, 6), 5.0, 2.0, 2)
    assert r4 == (4, d(2024, 1, 6), 3.0, None, 1)
    merged = merged_days(stored, new_t, margin="margin")
    want = _rows(purchase_days(all_t, margin="margin"), "customer_id", "date")
    got = _rows(merged, "customer_id", "date")
    assert len(want) == 6
    assert got == want
    with pytest.raises(UsageError, match=r"^refreshed_days: the purchase table has no column 'margin'"):
        refreshed_days(con.create_table("no_margin", purchase_days(old_t)), new_t, margin="margin")
