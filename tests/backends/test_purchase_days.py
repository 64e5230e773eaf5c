"""The purchase-day table (saleskpi.analyses.purchase_days) and rfm_summary read from it, on every
engine: the same hand-worked numbers as from the lines."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from saleskpi.analyses.clv_summary import rfm_summary
from saleskpi.analyses.purchase_days import merged_days, purchase_days, refreshed_days
from saleskpi.workspace import Workspace

from .conftest import BACKENDS, engine_params

pytestmark = pytest.mark.slow

D = dt.date
OLD = pa.table({
    "customer_id": ["A", "A", "A", "B", "C"],
    "date": [D(2024, 1, 1), D(2024, 1, 1), D(2024, 1, 8), D(2024, 1, 3), D(2024, 1, 20)],
    "net_value": [10.0, 5.0, 20.0, 4.0, -2.0],  # C: a return only
    "margin": [2.0, None, 5.0, None, -0.5],
})
NEW = pa.table({
    "customer_id": ["A", "B", "B"],
    "date": [D(2024, 1, 8), D(2024, 1, 24), D(2024, 1, 24)],
    "net_value": [10.0, 6.0, 1.5],
    "margin": [1.0, 2.0, None],
})
#: purchase_days of OLD + NEW, by hand: (customer, date, value, margin, lines)
WANT_DAYS = [
    ("A", D(2024, 1, 1), 15.0, 2.0, 2),
    ("A", D(2024, 1, 8), 30.0, 6.0, 2),  # one line stored, one new: refreshed
    ("B", D(2024, 1, 3), 4.0, None, 1),
    ("B", D(2024, 1, 24), 7.5, 2.0, 2),
    ("C", D(2024, 1, 20), -2.0, -0.5, 1),
]


def _rows(table) -> list[tuple]:
    rows = table.to_pyarrow().to_pylist()
    return sorted(tuple(r.values()) for r in rows)


@pytest.mark.parametrize("kind", engine_params(*BACKENDS))
def test_purchase_days_refresh_and_summary_on_every_engine(kind, backend_url, tmp_path):
    with Workspace.init(tmp_path / "ws", backend=backend_url(kind)) as ws:
        con = ws.con
        old = con.create_table("pd_old", OLD)
        new = con.create_table("pd_new", NEW)
        every = con.create_table("pd_all", pa.concat_tables([OLD, NEW]))
        stored = con.create_table("pd_days", purchase_days(old, margin="margin"))
        assert _rows(purchase_days(every, margin="margin")) == WANT_DAYS
        assert _rows(refreshed_days(stored, new, margin="margin")) == [WANT_DAYS[1], WANT_DAYS[3]]
        merged = merged_days(stored, new, margin="margin")
        assert _rows(merged) == WANT_DAYS
        kw = dict(customer="customer_id", date="date", observation_end="2024-01-31", time_unit="D")
        from_days = rfm_summary(merged, value="value", unique_days=True, **kw).to_pyarrow().to_pylist()
        from_lines = rfm_summary(every, value="net_value", **kw).to_pyarrow().to_pylist()
        # A: days 1 and 8 (15, 30): frequency 1, recency 7, T 30, monetary 30; B: 3 and 24 (4, 7.5)
        assert [(r["customer_id"], r["frequency"], r["recency"], r["T"], r["monetary_value"]) for r in from_days] == [
            ("A", 1, 7.0, 30.0, 30.0), ("B", 1, 21.0, 28.0, 7.5), ("C", 0, 0.0, 11.0, 0.0)]
        assert from_days == from_lines
