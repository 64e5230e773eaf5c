"""Every bad input of the Foundation issue: the message names file, row, column, value and fix;
the command exits 3; nothing is loaded."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from saleskpi.data.importer import import_file, load_arrow
from saleskpi.errors import InputDataError
from saleskpi.workspace import Workspace

GOOD = """invoice_id,line_no,date,customer_id,product_id,quantity,unit_price
F1,1,2024-03-01,C1,P1,2,10.50
F1,2,2024-03-01,C1,P2,1,4.20
F2,1,2024-03-02,C2,P1,-1,10.50
"""


def saleskpi(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "saleskpi", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def shop(workspace) -> Path:
    """A closed workspace with customers C1, C2 and products P1, P2 (and no sales)."""
    import pyarrow as pa

    load_arrow(workspace, "customers", pa.table({"customer_id": ["C1", "C2"], "name": ["Alpha", "Beta"]}),
               source="customers")
    load_arrow(workspace, "products", pa.table({"product_id": ["P1", "P2"], "name": ["Board", "Gypsum"]}),
               source="products")
    workspace.close()
    return workspace.path


def sales_rows(ws_path: Path) -> int:
    with Workspace.open(ws_path, read_only=True) as ws:
        return ws.con.con.execute("SELECT count(*) FROM sales").fetchone()[0]


def refused(shop: Path, file: Path, *options: str) -> str:
    """Run the import; assert exit 3 and that nothing was loaded; return stderr (one line per problem)."""
    done = saleskpi("import", str(shop), "sales", str(file), *options)
    assert done.returncode == 3, done.stderr
    assert sales_rows(shop) == 0
    with Workspace.open(shop, read_only=True) as ws:
        assert ws.con.con.execute("SELECT count(*) FROM meta_imports WHERE table_name = 'sales'").fetchone()[0] == 0
    assert "nothing was loaded" in done.stderr
    return done.stderr


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_empty_file(shop, tmp_path):
    err = refused(shop, write(tmp_path, "sales.csv", ""))
    assert "sales.csv; the file is empty (0 bytes); export it again with a header line and rows" in err


def test_header_only(shop, tmp_path):
    err = refused(shop, write(tmp_path, "sales.csv", GOOD.splitlines()[0] + "\n"))
    assert "sales.csv; the file has a header but no data rows" in err


def test_wrong_delimiter_detected_from_the_header(shop, tmp_path):
    err = refused(shop, write(tmp_path, "sales.csv", GOOD.replace(",", "|")))
    assert ("sales.csv, row 1: found 'invoice_id|line_no|date|customer_id|product_id|quantity|unit_price'; "
            "the header did not split into columns with the delimiter ',': it looks like the delimiter "
            "is '|'; use --delimiter '|'") in err
    assert "1 problem(s)" in err


def test_wrong_delimiter_given(shop, tmp_path):
    err = refused(shop, write(tmp_path, "sales.csv", GOOD.replace(",", ";")), "--delimiter", ",")
    assert "the delimiter ',': it looks like the delimiter is ';'; use --delimiter ';'" in err


def test_text_in_a_number_column(shop, tmp_path):
    err = refused(shop, write(tmp_path, "sales.csv", GOOD.replace("F1,2,2024-03-01,C1,P2,1,", "F1,2,2024-03-01,C1,P2,one,")))
    assert ("sales.csv, row 3, column 'quantity': found 'one'; expected a number such as 12 or 12.5 "
            "(12,5 with decimal comma) (this file uses a decimal point); correct the value") in err
    assert "1 problem(s)" in err


def test_impossible_date(shop, tmp_path):
    text = GOOD.replace("2024-03-01", "01.03.2024").replace("2024-03-02", "31.02.2024")
    err = refused(shop, write(tmp_path, "sales.csv", text))
    assert ("sales.csv, row 4, column 'date': found '31.02.2024'; not a valid date in the column's "
            "format dd.mm.yyyy (read from its other values); correct it, e.g. 31.03.2024") in err


def test_date_beyond_future_tolerance(shop, tmp_path):
    err = refused(shop, write(tmp_path, "sales.csv", GOOD.replace("2024-03-02", "2099-03-02")))
    assert "sales.csv, row 4, column 'date': found '2099-03-02'; a date after" in err
    assert "(today + 31 days) looks like a typing error; correct it, or raise [import] future_days in settings.toml" in err


def test_negative_price(shop, tmp_path):
    err = refused(shop, write(tmp_path, "sales.csv", GOOD.replace("P2,1,4.20", "P2,1,-4.20")))
    assert ("sales.csv, row 3, column 'unit_price': found '-4.2'; expected a price such as 2.5500 "
            "(2,55 with decimal comma); at least 0; a negative value is refused here") in err


def test_duplicate_invoice_line(shop, tmp_path):
    text = GOOD + "F1,2,2024-03-01,C1,P2,1,4.20\nF1,1,2024-03-01,C2,P2,5,1.00\n"
    err = refused(shop, write(tmp_path, "sales.csv", text))
    assert ("sales.csv, row 5; exact duplicate of row 3 (every column is the same); delete one of them, "
            "or set [duplicates] exact = \"skip\" in a mapping file") in err
    assert ("sales.csv, row 6, column 'invoice_id, line_no'; the same invoice_id + line_no as row 2; each "
            "line needs its own invoice_id + line_no (the key of sales); correct or delete one of them") in err


def test_unknown_customer(shop, tmp_path):
    err = refused(shop, write(tmp_path, "sales.csv", GOOD.replace("C2,P1", "C9,P1")))
    assert ("sales.csv, row 4, column 'customer_id': found 'C9'; no customers has customer_id 'C9'; import "
            "customers first, or import with --create-missing to create it with its id as name") in err


def test_missing_required_column(shop, tmp_path):
    text = "\n".join(",".join(line.split(",")[:3] + line.split(",")[4:]) for line in GOOD.splitlines())
    err = refused(shop, write(tmp_path, "sales.csv", text + "\n"))
    assert ("sales.csv, column 'customer_id'; required column 'customer_id' is missing (Customer). Add a "
            "column headed customer_id (or one of: customer, customerid, клиент, код клиент), or map your "
            "header to it in a mapping file") in err


def test_unmapped_extra_column_warns_and_loads(shop, tmp_path):
    lines = GOOD.splitlines()
    text = "\n".join([lines[0] + ",Notes"] + [line + ",call back" for line in lines[1:]]) + "\n"
    done = saleskpi("import", str(shop), "sales", str(write(tmp_path, "sales.csv", text)))
    assert done.returncode == 0, done.stderr
    assert "sales.csv: 3 row(s) loaded into sales" in done.stderr
    assert ("warning: column 'Notes' matches no column of sales and was not loaded; rename it to a contract "
            "column (saleskpi schema sales), map it in a mapping file, or list it under ignore") in done.stderr
    assert sales_rows(shop) == 3


def test_wrong_encoding(shop, tmp_path):
    text = GOOD.replace("C2,P1,-1", "Клиент-2,P1,-1")
    err = refused(shop, write(tmp_path, "sales.csv", text, "cp1251"), "--encoding", "utf-8")
    assert ("sales.csv, row 4: found 'F2,1,2024-03-02,Клиент-2,P1,-1,10.50'; the bytes here are not valid "
            "UTF-8: the file is probably in Windows-1251 (Cyrillic) encoding; use --encoding cp1251") in err


def test_zero_byte_xlsx(shop, tmp_path):
    err = refused(shop, write(tmp_path, "sales.xlsx", ""))
    assert ("sales.xlsx; the Excel file is empty (0 bytes), so it is not a workbook; save it again from "
            "Excel (File > Save As > Excel Workbook) and import again") in err


def test_unknown_currency_names_row_and_fix(shop, tmp_path):
    lines = GOOD.splitlines()
    text = "\n".join([lines[0] + ",currency", lines[1] + ",EUR", lines[2] + ",USD", lines[3] + ",EUR"]) + "\n"
    err = refused(shop, write(tmp_path, "sales.csv", text))
    assert (f"sales.csv, row 3, column 'currency': found 'USD'; unknown currency; add it under [currencies] "
            f"in {shop / 'settings.toml'} as USD = <units of USD per 1 EUR>") in err


def test_unreadable_line_is_reported_with_its_row(shop, tmp_path):
    err = refused(shop, write(tmp_path, "sales.csv", GOOD + "F3,1,2024-03-02,C2,P1,1,1.00,extra\n"))
    assert "sales.csv, row 5: found 'F3,1,2024-03-02,C2,P1,1,1.00,extra'; expected 7 values separated by ','" in err


def test_every_problem_is_counted_and_the_list_is_capped(workspace, tmp_path):
    lines = [GOOD.splitlines()[0]] + [f"F{i},1,2024-03-01,C1,P1,x{i},1.0" for i in range(120)]
    with pytest.raises(InputDataError) as caught:
        import_file(workspace, "sales", write(tmp_path, "sales.csv", "\n".join(lines) + "\n"), create_missing=True)
    assert caught.value.count == 120 and len(caught.value.problems) == 50
    assert "120 problem(s):" in str(caught.value) and "... and 70 more problem(s) not listed." in str(caught.value)
    assert caught.value.problems[0].row == 2 and caught.value.problems[0].value == "x0"


def test_killed_mid_load_leaves_the_workspace_as_it_was(shop, tmp_path):
    big = tmp_path / "sales.csv"
    rows = [GOOD.splitlines()[0]] + [f"F{i},1,2024-03-01,C{i % 2 + 1},P1,1,1.00" for i in range(200_000)]
    big.write_text("\n".join(rows) + "\n", encoding="utf-8")
    first = saleskpi("import", str(shop), "sales", str(write(tmp_path, "first.csv", GOOD)))
    assert first.returncode == 0, first.stderr
    script = textwrap.dedent(f"""
        from saleskpi.workspace import Workspace
        from saleskpi.data.importer import import_file
        ws = Workspace.open({str(shop)!r})
        import_file(ws, "sales", {str(big)!r}, mode="replace")
    """)
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "SALESKPI_FAULT": "before-commit"})
    assert killed.returncode == -9, killed.stderr  # SIGKILL right before COMMIT
    with Workspace.open(shop, read_only=True) as ws:
        db = ws.con.con
        assert db.execute("SELECT count(*), sum(quantity) FROM sales").fetchone() == (3, 2)
        assert db.execute("SELECT count(*) FROM meta_imports WHERE table_name = 'sales'").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM customers").fetchone() == (2,)
    again = saleskpi("import", str(shop), "sales", str(big), "--replace-all", "--yes")
    assert again.returncode == 0, again.stderr
    assert sales_rows(shop) == 200_000
