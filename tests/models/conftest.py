"""CDNOW fixtures for the model tests: the 1/10 sample summarised by rfm_summary on DuckDB."""

from __future__ import annotations

import pandas as pd
import pytest

#: Calibration period of the published CDNOW fits: 1997-01-01 .. 1997-09-30 inclusive.
CALIBRATION_END = "1997-09-30"


def read_cdnow_sample(shared_data):
    """CDNOW_sample.txt as an Ibis table on an in-memory DuckDB (columns customer_id, day, dollars)."""
    import ibis

    raw = pd.read_csv(
        shared_data / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer_id", "sample_id", "yyyymmdd", "cds", "dollars"],
        dtype={"yyyymmdd": str},
    )
    con = ibis.duckdb.connect()
    t = con.create_table("cdnow_sample", raw)
    return t.mutate(day=t.yyyymmdd.as_date("%Y%m%d"))


@pytest.fixture(scope="session")
def cdnow_summary(shared_data) -> pd.DataFrame:
    """Per-customer frequency, recency, T (weeks), monetary_value over the calibration period."""
    from saleskpi.analyses.clv.summary import rfm_summary

    t = read_cdnow_sample(shared_data)
    summary = rfm_summary(
        t, customer="customer_id", date="day", value="dollars", observation_end=CALIBRATION_END
    )
    return summary.to_pandas()


@pytest.fixture(scope="session")
def bgf(cdnow_summary):
    from saleskpi.models import BetaGeo

    return BetaGeo().fit(cdnow_summary)


@pytest.fixture
def extreme_customers() -> pd.DataFrame:
    """Customers far outside CDNOW: up to 10,000 purchases, ages of 10,000 periods."""
    return pd.DataFrame(
        {
            "frequency": [10_000, 10_000, 0, 1, 5_000, 10_000],
            "recency": [10_000.0, 5_000.0, 0.0, 0.001, 9_999.9, 1.0],
            "T": [10_000.0] * 6,
            "monetary_value": [1.0, 1e6, 0.0, 3.0, 1.0, 1.0],
        }
    )
