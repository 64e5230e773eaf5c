"""rfm_summary: the published CDNOW convention, worked by hand on tiny inputs and on CDNOW."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from saleskpi.analyses.clv_summary import rfm_summary
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
