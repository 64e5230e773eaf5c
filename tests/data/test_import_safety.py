"""Nothing lost on import: scoped replaces that say what they remove and ask first, the backup
of removed rows and undo, the import log, problems counted by kind, progress, kept duplicates."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from saleskpi.data.importer import Replace, import_file, imports, load_arrow, undo_last
from saleskpi.derived import PURCHASE_DAYS, derived_tables, is_fresh
from saleskpi.errors import InputDataError, UsageError
from saleskpi.workspace import Workspace

HEAD = "invoice_id,date,customer_id,product_id,quantity,net_value\n"
JAN = HEAD + "F1,2024-01-05,C1,P1,1,10\nF1,2024-01-05,C1,P1,2,20\nF2,2024-01-20,C2,P1,1,5\n"
FEB = HEAD + "F3,2024-02-03,C1,P1,1,7\nF4,2024-02-10,C2,P1,4,40\n"
MAR = HEAD + "F5,2024-03-01,C1,P1,1,1\nF5,2024-03-01,C2,P1,1,2\n"


def saleskpi(*args: str) -> subprocess.CompletedProcess:
    """The CLI as a script runs it: no terminal on stdin."""
    return subprocess.run([sys.executable, "-m", "saleskpi", *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def sales(ws) -> list[tuple]:
    return ws.con.con.execute("SELECT invoice_id, line_no, date, customer_id, quantity, net_value, import_id "
                              "FROM sales ORDER BY ALL").fetchall()


def assert_days_rebuilt(ws) -> None:
    """The purchase-day table is fresh and equals one built from the sales as they are now."""
    derived = derived_tables()[PURCHASE_DAYS]
    assert is_fresh(ws.con, derived)
    kept = ws.con.table(PURCHASE_DAYS).to_pyarrow().to_pylist()
    built = derived.build(ws.con.table("sales")).to_pyarrow().to_pylist()
    key = lambda r: (r["customer_id"], r["date"])  # noqa: E731
    assert sorted(kept, key=key) == sorted(built, key=key)


@pytest.fixture
def shop(workspace, tmp_path):
    """Customers C1, C2, product P1 and three sales imports: January (3), February (4), March (5)."""
    load_arrow(workspace, "customers", pa.table({"customer_id": ["C1", "C2"], "name": ["Alpha", "Beta"]}),
               source="customers")
    load_arrow(workspace, "products", pa.table({"product_id": ["P1"], "name": ["Board"]}), source="products")
    for name, text in (("jan.csv", JAN), ("feb.csv", FEB), ("mar.csv", MAR)):
        import_file(workspace, "sales", write(tmp_path, name, text))
    return workspace


def test_replace_import_removes_that_import_only(shop, tmp_path):
    before = sales(shop)
    report = import_file(shop, "sales", write(tmp_path, "feb2.csv", HEAD + "F3,2024-02-03,C1,P1,9,90\n"),
                         replace=Replace("import", import_id=4))
    assert (report.rows_removed, report.replaced_imports, report.rows_loaded) == (2, (4,), 1)
    assert sales(shop) == sorted([r for r in before if r[6] != 4]
                                 + [("F3", 1, dt.date(2024, 2, 3), "C1", Decimal("9.000"), Decimal("90.00"), 6)])
    assert_days_rebuilt(shop)


def test_replace_dates_removes_the_rows_of_those_dates_only(shop, tmp_path):
    before = sales(shop)
    report = import_file(shop, "sales", write(tmp_path, "jan2.csv", HEAD + "F1,2024-01-05,C1,P1,5,50\n"),
                         replace=Replace.dates("2024-01-01:2024-01-10"))
    # F1's two lines are dated 2024-01-05; F2 (2024-01-20) of the same import stays
    assert (report.rows_removed, report.replaced_imports) == (2, (3,))
    after = sales(shop)
    assert [r for r in after if r[6] != 6] == [r for r in before if r[0] != "F1"]
    assert [r[:6] for r in after if r[6] == 6] == [("F1", 1, dt.date(2024, 1, 5), "C1", Decimal("5.000"), Decimal("50.00"))]
    assert_days_rebuilt(shop)


def test_replace_invoices_removes_the_lines_of_the_invoices_in_the_file_only(shop, tmp_path):
    before = sales(shop)
    report = import_file(shop, "sales", write(tmp_path, "mar2.csv", HEAD + "F5,2024-03-01,C1,P1,3,3\n"),
                         replace=Replace("file"))
    assert (report.rows_removed, report.replaced_imports) == (2, (5,))
    assert [r for r in sales(shop) if r[6] != 6] == [r for r in before if r[0] != "F5"]
    assert shop.con.con.execute("SELECT count(*), sum(net_value) FROM sales WHERE invoice_id = 'F5'").fetchone() == (
        1, Decimal("3.00"))
    # the backup holds exactly what went, stamped with the import that removed it
    assert shop.con.con.execute("SELECT removed_by, invoice_id, line_no, net_value FROM meta_removed_sales "
                                "ORDER BY line_no").fetchall() == [(6, "F5", 1, Decimal("1.00")),
                                                                  (6, "F5", 2, Decimal("2.00"))]
    assert_days_rebuilt(shop)


def test_replace_keys_of_a_table_without_invoices(shop, tmp_path):
    report = import_file(shop, "customers", write(tmp_path, "c.csv", "customer_id,name\nC2,Beta Ltd\n"),
                         replace=Replace("file"))
    assert (report.rows_removed, report.replaced_imports) == (1, (1,))
    assert shop.con.con.execute("SELECT customer_id, name FROM customers ORDER BY 1").fetchall() == [
        ("C1", "Alpha"), ("C2", "Beta Ltd")]


def test_the_refusal_of_stored_invoices_names_the_scoped_replace(shop, tmp_path):
    with pytest.raises(InputDataError) as caught:
        import_file(shop, "sales", write(tmp_path, "mar.csv", MAR))
    assert caught.value.problems[0].expected == (
        "invoice_id is already stored in sales (loaded before); import with --replace-invoices to replace the "
        "stored lines of the invoices in the file (or --replace-import ID, --replace-dates FROM:TO), or leave "
        "these lines out")


def test_a_refused_confirmation_changes_nothing(shop, tmp_path):
    before, log = sales(shop), len(imports(shop.con))
    asked = []
    with pytest.raises(UsageError, match="Not done: nothing was removed or loaded"):
        import_file(shop, "sales", write(tmp_path, "all.csv", MAR), replace=Replace("all"),
                    confirm=lambda s: asked.append(s) or False)
    assert asked == [f"Importing all.csv replaces every row of sales: 7 row(s) of sales are removed, dated "
                     f"2024-01-05 to 2024-03-01, loaded by import(s) 3, 4, 5. They are kept in meta_removed_sales "
                     f"until the next import into sales; 'saleskpi imports {shop.path} --undo' puts them back."]
    assert sales(shop) == before and len(imports(shop.con)) == log


def test_cli_replace_needs_yes_without_a_terminal_and_removes_nothing(shop, tmp_path):
    before = sales(shop)
    path = shop.path
    shop.close()
    mar = write(tmp_path, "mar2.csv", HEAD + "F5,2024-03-01,C1,P1,3,3\n")
    refused = saleskpi("import", str(path), "sales", str(mar), "--replace-invoices")
    assert refused.returncode == 2, refused.stderr
    assert ("Importing mar2.csv replaces the lines of the invoices in the file: 2 row(s) of sales are removed, "
            "dated 2024-03-01 to 2024-03-01, loaded by import(s) 5.") in refused.stderr
    assert "Nothing was done: add --yes to go ahead" in refused.stderr
    with Workspace.open(path, read_only=True) as ws:
        assert sales(ws) == before and len(imports(ws.con)) == 5
    done = saleskpi("import", str(path), "sales", str(mar), "--replace-invoices", "--yes")
    assert done.returncode == 0, done.stderr
    assert "removed 2 row(s) first: the lines of the invoices in the file (import(s) 5)" in done.stderr
    plain = saleskpi("import", str(path), "sales", str(mar), "--replace")
    assert plain.returncode == 2  # the unscoped --replace is gone; --replace-all says what it means
    all_ = saleskpi("import", str(path), "sales", str(mar), "--replace-all")
    assert all_.returncode == 2 and "replaces every row of sales: 6 row(s)" in all_.stderr
    two = saleskpi("import", str(path), "sales", str(mar), "--replace-all", "--replace-invoices", "--yes")
    assert two.returncode == 2 and "Give only one of --replace-import" in two.stderr
    with Workspace.open(path, read_only=True) as ws:
        assert len(sales(ws)) == 6


def test_undo_restores_the_exact_rows_and_the_purchase_days(shop, tmp_path):
    before = sales(shop)
    days_before = shop.con.con.execute(f"SELECT * FROM {PURCHASE_DAYS} ORDER BY ALL").fetchall()
    import_file(shop, "sales", write(tmp_path, "all.csv", MAR.replace(",1\n", ",100\n")), replace=Replace("all"))
    assert len(sales(shop)) == 2
    assert_days_rebuilt(shop)
    done = undo_last(shop.con)
    assert (done.import_id, done.rows_deleted, done.rows_restored) == (6, 2, 7)
    assert sales(shop) == before
    assert shop.con.con.execute(f"SELECT * FROM {PURCHASE_DAYS} ORDER BY ALL").fetchall() == days_before
    assert_days_rebuilt(shop)
    assert shop.con.con.execute("SELECT count(*) FROM meta_removed_sales").fetchone() == (0,)
    # the next undo takes back the March import (it removed nothing)
    assert undo_last(shop.con).import_id == 5
    assert sales(shop) == [r for r in before if r[6] != 5]
    assert_days_rebuilt(shop)
    log = {r["import_id"]: r for r in imports(shop.con)}
    assert log[6]["undone_at"] is not None and log[5]["undone_at"] is not None and log[4]["undone_at"] is None


def test_undo_refuses_when_the_backup_is_gone(shop, tmp_path):
    import_file(shop, "sales", write(tmp_path, "mar2.csv", HEAD + "F5,2024-03-01,C1,P1,3,3\n"), replace=Replace("file"))
    import_file(shop, "sales", write(tmp_path, "apr.csv", HEAD + "F6,2024-04-01,C1,P1,1,1\n"))  # drops the backup
    undo_last(shop.con)
    with pytest.raises(UsageError, match=r"Import 6 \(mar2.csv into sales\) replaced 2 row\(s\), but their backup "
                                         r"\(meta_removed_sales\) is gone"):
        undo_last(shop.con)
    assert len(sales(shop)) == 6  # nothing changed


def test_undo_deletes_the_rows_an_import_created(shop, tmp_path):
    import_file(shop, "sales", write(tmp_path, "new.csv", HEAD + "F9,2024-04-01,C9,P1,1,1\n"), create_missing=True)
    assert undo_last(shop.con).created == {"customers": 1}
    assert shop.con.con.execute("SELECT customer_id FROM customers ORDER BY 1").fetchall() == [("C1",), ("C2",)]


def test_cli_import_log_and_undo(shop, tmp_path):
    path = shop.path
    shop.close()
    listed = saleskpi("imports", str(path), "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["import"], r["table"], r["file"], r["rows"], r["from"], r["to"], r["user"], r["mode"])
            for r in rows] == [
        (1, "customers", "customers", 2, None, None, getpass.getuser(), "append"),
        (2, "products", "products", 1, None, None, getpass.getuser(), "append"),
        (3, "sales", "jan.csv", 3, "2024-01-05", "2024-01-20", getpass.getuser(), "append"),
        (4, "sales", "feb.csv", 2, "2024-02-03", "2024-02-10", getpass.getuser(), "append"),
        (5, "sales", "mar.csv", 2, "2024-03-01", "2024-03-01", getpass.getuser(), "append")]
    assert all(r["when"] for r in rows) and not any(r["undone"] for r in rows)
    asked = saleskpi("imports", str(path), "--undo")
    assert asked.returncode == 2 and "Undoing import 5 (mar.csv into sales) deletes its 2 row(s) of sales." in asked.stderr
    undone = saleskpi("imports", str(path), "--undo", "--yes")
    assert undone.returncode == 0 and "Import 5 undone: 2 row(s) of sales deleted." in undone.stderr
    rows = json.loads(saleskpi("imports", str(path), "--format", "json").stdout)
    assert [bool(r["undone"]) for r in rows] == [False, False, False, False, True]


def test_a_workspace_made_before_the_log_columns_opens_and_imports(workspace, tmp_path):
    db = workspace.con.con
    for column in ("user_name", "mode", "date_from", "date_to", "replaced", "rows_removed", "replaced_imports",
                   "undone_at"):
        db.execute(f"ALTER TABLE meta_imports DROP COLUMN {column}")
    db.execute("INSERT INTO meta_imports VALUES (1, 'customers', 'old.csv', 0, 0, current_timestamp, "
               "'{\"mode\": \"replace\"}')")
    path = workspace.path
    workspace.close()
    listed = saleskpi("imports", str(path), "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)[0]["mode"] == "replace all"
    done = saleskpi("import", str(path), "customers", str(write(tmp_path, "c.csv", "customer_id,name\nC1,A\n")))
    assert done.returncode == 0, done.stderr
    with Workspace.open(path, read_only=True) as ws:
        assert imports(ws.con)[1]["user_name"] == getpass.getuser()


def test_problems_are_counted_by_kind_before_the_list(shop, tmp_path):
    lines = [f"G{i},2024-05-01,X{i % 3},Q{i % 2},1,1" for i in range(40)] + ["G99,2024-05-01,C1,P1,x,1"]
    with pytest.raises(InputDataError) as caught:
        import_file(shop, "sales", write(tmp_path, "bad.csv", HEAD + "\n".join(lines) + "\n"))
    text = str(caught.value)
    assert caught.value.kinds == {"unknown customers (3 customer_id value(s) not in customers)": 40,
                                  "unknown products (2 product_id value(s) not in products)": 40,
                                  "column 'quantity': not of its type (a number such as 12 or 12.5 "
                                  "(12,5 with decimal comma))": 1}
    assert text.splitlines()[:5] == [
        "bad.csv was refused; nothing was loaded. 81 problem(s):",
        "  by kind:",
        "    40  unknown customers (3 customer_id value(s) not in customers)",
        "    40  unknown products (2 product_id value(s) not in products)",
        "     1  column 'quantity': not of its type (a number such as 12 or 12.5 (12,5 with decimal comma))"]
    assert "  listed: 50 of 81:" in text and "... and 31 more problem(s) not listed." in text


def test_exact_duplicates_are_kept_when_the_user_says_they_are_real(shop, tmp_path):
    dup = write(tmp_path, "dup.csv", HEAD + "F7,2024-04-01,C1,P1,1,10\n" * 3 + "F8,2024-04-01,C2,P1,1,10\n")
    with pytest.raises(InputDataError, match="or import with --keep-duplicates if they are real"):
        import_file(shop, "sales", dup)
    report = import_file(shop, "sales", dup, keep_duplicates=True)
    assert (report.rows_loaded, report.duplicates_kept) == (4, 2)
    assert shop.con.con.execute("SELECT invoice_id, line_no, net_value FROM sales WHERE invoice_id IN ('F7', 'F8') "
                                "ORDER BY ALL").fetchall() == [
        ("F7", 1, Decimal("10.00")), ("F7", 2, Decimal("10.00")), ("F7", 3, Decimal("10.00")), ("F8", 1, Decimal("10.00"))]
    assert "kept 2 exact duplicate line(s) (--keep-duplicates)" in report.summary()
    assert_days_rebuilt(shop)


def test_progress_is_reported_step_by_step(shop, tmp_path):
    seen = []
    import_file(shop, "sales", write(tmp_path, "apr.csv", HEAD + "F6,2024-04-01,C1,P1,1,1\n"),
                progress=lambda *a: seen.append(a))
    assert seen == [("bind", 0, 4), ("stage", 1, 4), ("check", 2, 4), ("load", 3, 4), ("done", 4, 4)]


def test_replace_import_of_another_table_or_unknown_import_is_refused(shop, tmp_path):
    path = write(tmp_path, "feb2.csv", HEAD + "F3,2024-02-03,C1,P1,9,90\n")
    with pytest.raises(UsageError, match=r"--replace-import 1: it loaded customers, so it has no rows in sales"):
        import_file(shop, "sales", path, replace=Replace("import", import_id=1))
    with pytest.raises(UsageError, match=r"--replace-import 99: there is no such import"):
        import_file(shop, "sales", path, replace=Replace("import", import_id=99))
    with pytest.raises(UsageError, match=r"customers has no date column, so --replace-dates cannot choose its rows"):
        import_file(shop, "customers", write(tmp_path, "c.csv", "customer_id,name\nC1,A\n"),
                    replace=Replace.dates("2024-01-01:2024-01-31"))
    with pytest.raises(UsageError, match=r"--replace-dates '2024-01-01' is not FROM:TO"):
        Replace.dates("2024-01-01")


def test_undo_refuses_a_replace_made_before_backups_were_kept(shop, tmp_path):
    db = shop.con.con
    db.execute("INSERT INTO meta_imports (import_id, table_name, file, rows_loaded, rows_skipped, loaded_at, note) "
               "VALUES (6, 'sales', 'old.csv', 0, 0, current_timestamp, '{\"mode\": \"replace\"}')")
    with pytest.raises(UsageError, match=r"Import 6 \(old.csv into sales\) replaced the table's rows before saleskpi "
                                         r"kept a backup"):
        undo_last(shop.con)
    assert len(sales(shop)) == 7


def test_undo_refuses_to_leave_references_dangling(shop, tmp_path):
    import_file(shop, "customers", write(tmp_path, "c.csv", "customer_id,name\nC3,Gamma\n"))  # import 6
    # a line written into sales other than by an import (by hand, another tool) refers to C3
    shop.con.con.execute("INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, "
                         "net_value, import_id) VALUES ('H1', 1, DATE '2024-04-01', 'C3', 'P1', 1, 1, 3)")
    with pytest.raises(UsageError, match=r"Undoing import 6 would leave 1 row\(s\) of sales referring to customers "
                                         r"that would be gone \(customer_id 'C3', ...\)"):
        undo_last(shop.con)
    assert shop.con.con.execute("SELECT count(*) FROM customers").fetchone() == (3,)
