"""A company's first day with its own data, as a user runs it: CDNOW master (../shared/data),
ordinary purchase lines without invoice or product ids, cost or customer attributes, through the
command line and the example mapping (examples/cdnow/mapping.toml). Each step answers what the
data can support and says what it cannot (docs/own-data.md).

The expected figures come from the file itself (recounted here) or from its README
(../shared/data/README.md: 69,659 transactions of 23,570 customers, 1997-01-01 .. 1998-06-30).
"""

from __future__ import annotations

import csv
import getpass
import json
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

MAPPING = Path(__file__).resolve().parents[1] / "examples" / "cdnow" / "mapping.toml"


def saleskpi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "saleskpi", *args], capture_output=True, text=True)


def recount(path: Path) -> dict:
    """What the file holds, counted in plain Python: customers whose every day adds up to 0."""
    by_day: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    lines = 0
    with path.open(encoding="ascii") as fh:
        next(fh)
        for line in fh:
            customer, day, _cds, dollars = line.split()
            by_day[customer, day] += Decimal(dollars)
            lines += 1
    customers = {c for c, _ in by_day}
    buying = {c for (c, _), v in by_day.items() if v > 0}
    zero_days = [(c, d) for (c, d), v in by_day.items() if v == 0]
    return {"lines": lines, "customers": len(customers), "never_bought": len(customers - buying),
            "zero_days": len(zero_days), "zero_day_customers": len({c for c, _ in zero_days})}


@pytest.fixture(scope="module")
def company(shared_data, tmp_path_factory):
    path = shared_data / "cdnow" / "CDNOW_master.txt"
    if not path.exists():
        pytest.skip(f"{path} is absent (see ../shared/data/README.md)")
    ws = tmp_path_factory.mktemp("first-day") / "cdnow"
    steps = {"init": saleskpi("init", str(ws), "--currency", "USD"),
             "import": saleskpi("import", str(ws), "sales", str(path), "--mapping", str(MAPPING), "--create-missing"),
             "compute": saleskpi("compute", str(ws), "--as-of", "1998-06-30")}
    for name, done in steps.items():
        assert done.returncode == 0, f"{name}: {done.stderr}"
        assert "Traceback" not in done.stderr
    return ws, steps, recount(path)


def rows(*args: str) -> list[dict]:
    done = saleskpi(*args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_the_import_loads_every_line_and_states_the_rules_it_applied(company):
    ws, steps, want = company
    assert want == {"lines": 69_659, "customers": 23_570, "never_bought": 68, "zero_days": 80,
                    "zero_day_customers": 80}
    said = steps["import"].stderr
    assert "CDNOW_master.txt: 69,659 row(s) loaded into sales (import 1)." in said
    assert "created 23,570 missing customers row(s) (name = id)" in said
    # no invoice or product ids in the file: the generated ones are stated, not silent
    assert 'the lines of one customer on one day form one invoice, numbered customer_id-yyyymmdd' in said
    assert "every line is the one product 'all'" in said
    log = rows("imports", str(ws))
    assert len(log) == 1
    entry = log[0]
    assert (entry["table"], entry["rows"], entry["from"], entry["to"]) == ("sales", 69_659, "1997-01-01", "1998-06-30")
    assert entry["user"] == getpass.getuser() and entry["undone"] in (None, "", False)


@pytest.mark.slow
def test_compute_says_what_the_data_cannot_support_and_what_to_add(company):
    ws, steps, want = company
    said = steps["compute"].stderr
    # no stated potential, no drivers: empty, with the tables and columns to import
    assert f"(saleskpi show {ws} result:sales)" in said  # sales is an input table too: the hint names the result
    assert "warning: potential: no customer has a potential" in said
    assert "import potential (customer_id, year, value" in said
    assert "warning: abc: no class by potential or share of wallet and no cell of the ABC matrix" in said
    assert "warning: sales: no sales line has a cost or margin, so sales.margin is empty" in said
    assert 'set [clv] margin_basis = "assumed"' in said
    # the 68 customers whose purchases are all $0 are counted, not dropped without a word
    assert (f"clv: left out of the models: {want['never_bought']} customers without a purchase day" in said
            and f"{want['zero_days']} days of value 0" in said)
    clv = rows("show", str(ws), "clv", "--columns", "customer_id,clv_12m,margin_basis")
    assert len(clv) == want["customers"] - want["never_bought"]
    assert all(r["clv_12m"] is None for r in clv)  # no margin: empty, not 0.00
    left = rows("show", str(ws), "clv-params", "--where", "model=left out", "--where", "fit=main")
    left_out = {r["parameter"].split(" (")[0]: r["customers"] for r in left}
    assert (left_out["customers without a purchase day"], left_out["days of value 0"]) == (68, 80)
    # the ABC matrix holds no customer: its 27 cells are not 27 actions
    matrix = rows("show", str(ws), "abc-matrix")
    assert len(matrix) == 27 and all(r["action"] is None and r["customers"] is None for r in matrix)


@pytest.mark.slow
def test_revenue_based_clv_is_labelled_and_runs_are_listed(company):
    ws, _, want = company
    settings = ws / "settings.toml"
    text = settings.read_text(encoding="utf-8")
    assert 'margin_basis = "cost"' in text
    settings.write_text(text.replace('margin_basis = "cost"', 'margin_basis = "revenue"', 1), encoding="utf-8")
    done = saleskpi("compute", str(ws), "--as-of", "1998-06-30", "--only", "clv")
    assert done.returncode == 0, done.stderr
    clv = rows("show", str(ws), "clv", "--columns", "customer_id,in_fit,expected_purchases_12m,clv_12m,margin_basis")
    assert {r["margin_basis"] for r in clv} == {"revenue (no cost deducted)"}
    fitted = [r for r in clv if r["in_fit"]]
    assert fitted and all(r["clv_12m"] is not None and r["clv_12m"] >= 0 for r in fitted)
    listed = rows("runs", str(ws))
    assert [r["run"] if "run" in r else r["run_id"] for r in listed][-2:] == [1, 2]
    missing = saleskpi("show", str(ws), "clv", "--run", "7")
    assert missing.returncode == 2 and "no run 7" in missing.stderr.lower()
    out = ws / "clv.csv"
    with out.open("w", encoding="utf-8") as fh:
        assert subprocess.run([sys.executable, "-m", "saleskpi", "show", str(ws), "clv", "--excel-csv"], stdout=fh,
                              text=True).returncode == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    assert len(table) == 1 + len(clv) and table[0][0] == "customer_id"
