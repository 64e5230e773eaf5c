"""The UCI Online Retail export (../shared/data/online_retail) through the example mapping.

The expected figures are computed here in plain Python from the Parquet file, by the rules the
mapping documents (examples/online_retail/mapping.toml), not copied from the importer.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from saleskpi.data.importer import import_file
from saleskpi.workspace import Workspace

MAPPING = Path(__file__).resolve().parents[2] / "examples" / "online_retail" / "mapping.toml"
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def parquet(shared_data) -> Path:
    path = shared_data / "online_retail" / "online_retail_2010-12_2011-12.parquet"
    if not path.exists():
        pytest.skip(f"{path} is absent (see ../shared/data/README.md)")
    return path


def expected_from_the_file(path: Path) -> dict:
    """Apply the mapping's documented rules to the raw lines, independently of the importer."""
    import pyarrow.parquet as pq

    lines = pq.read_table(path).to_pylist()
    out = {"lines": len(lines), "no customer id": 0, "zero price": 0, "negative price": 0, "duplicates": 0,
           "raw total": sum(Decimal(repr(r["Quantity"] * r["UnitPrice"])) for r in lines)}
    seen: set[tuple] = set()
    kept = []
    for r in lines:
        if r["CustomerID"] is None:
            out["no customer id"] += 1
        elif r["UnitPrice"] == 0:
            out["zero price"] += 1
        elif r["UnitPrice"] < 0:
            out["negative price"] += 1
        else:
            # Equal on every loaded column; the contract keeps the day of InvoiceDate.
            key = (r["InvoiceNo"], r["StockCode"], r["InvoiceDate"][:10], r["Quantity"], r["UnitPrice"],
                   r["CustomerID"])
            if key in seen:
                out["duplicates"] += 1
            else:
                seen.add(key)
                kept.append(r)
    out["loaded"] = len(kept)
    out["net_value"] = sum((Decimal(r["Quantity"]) * Decimal(repr(r["UnitPrice"]))).quantize(CENT, ROUND_HALF_UP)
                           for r in kept)
    out["quantity"] = sum(r["Quantity"] for r in kept)
    out["returns"] = sum(1 for r in kept if r["InvoiceNo"].startswith("C"))
    out["customers"] = len({r["CustomerID"] for r in kept})
    out["products"] = len({r["StockCode"] for r in kept})
    return out


@pytest.mark.slow
def test_online_retail_loads_by_the_documented_rules(parquet, tmp_path):
    want = expected_from_the_file(parquet)
    # The data as the README describes it (so the rules below are applied to the right file).
    assert want["lines"] == 541_909 and want["no customer id"] == 135_080
    assert want["raw total"].quantize(CENT) == Decimal("9747747.93")
    # The numbers this test asserts (also written in docs/import.md).
    assert (want["zero price"], want["negative price"], want["duplicates"]) == (40, 0, 5_228)
    assert (want["loaded"], want["net_value"], want["quantity"]) == (401_561, Decimal("8277963.67"), 4_878_662)
    assert (want["returns"], want["customers"], want["products"]) == (8_872, 4_371, 3_684)

    with Workspace.init(tmp_path / "shop", currency="GBP") as ws:
        report = import_file(ws, "sales", parquet, mapping=MAPPING, create_missing=True)
        assert report.rows_loaded == want["loaded"]
        assert report.skipped == {"no customer id": want["no customer id"], "zero price": want["zero price"],
                                  "exact duplicate of an earlier line": want["duplicates"]}
        assert report.created == {"customers": want["customers"], "products": want["products"]}
        assert report.warnings == []
        db = ws.con.con
        assert db.execute("SELECT count(*), sum(net_value), sum(quantity), count(*) FILTER (invoice_id LIKE 'C%'), "
                          "min(date), max(date), any_value(currency), count(DISTINCT currency) FROM sales").fetchone() == (
            want["loaded"], want["net_value"], want["quantity"], want["returns"],
            dt.date(2010, 12, 1), dt.date(2011, 12, 9), "GBP", 1)
        assert db.execute("SELECT name FROM customers WHERE customer_id = '17850'").fetchone() == ("17850",)
        assert db.execute("SELECT rows_loaded, rows_skipped FROM meta_imports").fetchone() == (
            want["loaded"], want["lines"] - want["loaded"])
