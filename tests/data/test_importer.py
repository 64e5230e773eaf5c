"""Files and Arrow data that load: encodings, delimiters, decimal comma, dates, Excel, Parquet,
currency conversion, derived amounts, mapping files, replace, create-missing."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from saleskpi.data.importer import ImportReport, import_file, load_arrow
from saleskpi.data.mapping import parse_mapping
from saleskpi.errors import ConfigError, InputDataError, UsageError
from saleskpi.workspace import Workspace


def rows(ws, sql: str) -> list[tuple]:
    return ws.con.con.execute(sql).fetchall()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def shop(workspace):
    """The workspace with customers C1, C2 and products P1, P2."""
    load_arrow(workspace, "customers", pa.table({"customer_id": ["C1", "C2"], "name": ["Alpha", "Beta"]}),
               source="customers")
    load_arrow(workspace, "products", pa.table({"product_id": ["P1", "P2"], "name": ["Board", "Gypsum"]}),
               source="products")
    return workspace


def test_bulgarian_cp1251_semicolon_decimal_comma_file(workspace, tmp_path):
    customers = "Код клиент;Наименование;Град\nC1;Аптека Здраве ЕООД;София\nC2;Строй Инвест;Пловдив\n"
    report = import_file(workspace, "клиенти", write(tmp_path, "клиенти.csv", customers, "cp1251"))
    assert report.rows_loaded == 2 and report.warnings == []
    assert rows(workspace, "SELECT customer_id, name, city FROM customers ORDER BY 1") == [
        ("C1", "Аптека Здраве ЕООД", "София"), ("C2", "Строй Инвест", "Пловдив")]
    import_file(workspace, "products", write(tmp_path, "p.csv", "Артикул;Наименование\nP1;Гипсокартон 12,5 мм\nP2;Лепило\n",
                                           "cp1251"))
    sales = ("Фактура;Ред;Дата;Клиент;Артикул;Количество;Ед. цена;Стойност;Себестойност;Валута\r\n"
             "Ф-001;1;31.01.2024;C1;P1;1,5;1234,50;1851,75;1 200,00;EUR\r\n"
             "Ф-001;2;01.02.2024;C2;P2;-2;10;-20;;EUR\r\n")
    report = import_file(workspace, "продажби", write(tmp_path, "продажби.csv", sales, "cp1251"))
    assert (report.table, report.source, report.rows_loaded) == ("sales", "продажби.csv", 2)
    assert rows(workspace, "SELECT invoice_id, line_no, date, customer_id, quantity, unit_price, net_value, cost, "
                           "currency FROM sales ORDER BY line_no") == [
        ("Ф-001", 1, dt.date(2024, 1, 31), "C1", Decimal("1.500"), Decimal("1234.5000"), Decimal("1851.75"),
         Decimal("1200.00"), "EUR"),
        ("Ф-001", 2, dt.date(2024, 2, 1), "C2", Decimal("-2.000"), Decimal("10.0000"), Decimal("-20.00"), None, "EUR"),
    ]


def test_utf8_with_bom_tab_delimiter_and_blank_lines_keep_row_numbers(shop, tmp_path):
    text = ("\ufeffinvoice_id\tdate\tcustomer_id\tproduct_id\tquantity\tunit_price\n"
            "F1\t2024-03-01\tC1\tP1\t1\t2.5\n\n\nF2\t2024-03-01\tC1\tP1\tmany\t2.5\n")
    with pytest.raises(InputDataError) as caught:
        import_file(shop, "sales", write(tmp_path, "s.tsv", text))
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (5, "quantity", "many")  # lines 3-4 are blank


def test_bgn_amounts_become_euro_exact_to_the_cent(shop, tmp_path):
    bgn = ["1.00", "0.01", "0.98", "100.00", "1955.83", "12345.67", "-99.99", "7.77", "999999.99"]
    lines = ["invoice_id,line_no,date,customer_id,product_id,quantity,unit_price,net_value,margin,currency"]
    for i, amount in enumerate(bgn):
        lines.append(f"F{i},1,2025-12-31,C1,P1,1,{amount.lstrip('-')},{amount},{amount},BGN")
    lines.append("E1,1,2026-01-02,C1,P1,1,3.3333,3.33,1.00,EUR")
    import_file(shop, "sales", write(tmp_path, "s.csv", "\n".join(lines) + "\n"))
    got = rows(shop, "SELECT invoice_id, unit_price, net_value, cost, margin, currency FROM sales ORDER BY invoice_id")
    rate = Decimal("1.95583")

    def eur(x: str, places: str = "0.01") -> Decimal:
        return (Decimal(x) / rate).quantize(Decimal(places), rounding=ROUND_HALF_UP)

    expected = [("E1", Decimal("3.3333"), Decimal("3.33"), Decimal("2.33"), Decimal("1.00"), "EUR")]
    for i, amount in enumerate(bgn):
        # cost = net - margin in BGN (0 here), then converted
        expected.append((f"F{i}", eur(amount.lstrip("-"), "0.0001"), eur(amount), Decimal("0.00"), eur(amount), "EUR"))
    assert sorted(got) == sorted(expected)
    assert eur("100.00") == Decimal("51.13") and eur("1955.83") == Decimal("1000.00")


def test_euro_amounts_become_leva_in_a_bgn_workspace(tmp_path):
    with Workspace.init(tmp_path / "bg", currency="BGN") as ws:
        load_arrow(ws, "products", pa.table({"product_id": ["P1"], "name": ["x"], "list_price": [10.0],
                                             }), source="p")
        load_arrow(ws, "potential", pa.table({"territory_id": ["BG"], "year": [2026], "value": [1000.0],
                                              "source": ["external"], "currency": ["EUR"]}),
                   source="potential", create_missing=True)
        assert rows(ws, "SELECT value, currency FROM potential") == [(Decimal("1955.83"), "BGN")]


def test_excel_named_sheet_with_header_below_a_title(shop, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active["A1"] = "not this sheet"
    sheet = book.create_sheet("Продажби")
    sheet["A1"] = "Sales export March"
    sheet.append([])
    sheet.append(["Фактура", "Дата", "Клиент", "Артикул", "Количество", "Цена"])
    sheet.append(["F1", dt.datetime(2024, 3, 1), "C1", "P1", 2, 10.5])
    sheet.append([1001, dt.date(2024, 3, 2), "C2", "P2", 1.5, 4])
    book.save(tmp_path / "book.xlsx")
    report = import_file(shop, "sales", tmp_path / "book.xlsx", sheet="Продажби")
    assert report.source == "book.xlsx [Продажби]" and report.rows_loaded == 2
    assert rows(shop, "SELECT invoice_id, date, quantity, net_value FROM sales ORDER BY 1") == [
        ("1001", dt.date(2024, 3, 2), Decimal("1.500"), Decimal("6.00")),
        ("F1", dt.date(2024, 3, 1), Decimal("2.000"), Decimal("21.00"))]
    sheet.append(["F2", dt.date(2024, 3, 2), "C2", "P2", "lots", 4])
    book.save(tmp_path / "book.xlsx")
    with pytest.raises(InputDataError) as caught:
        import_file(shop, "sales", tmp_path / "book.xlsx", sheet="Продажби", mode="replace")
    assert [(p.file, p.row, p.column, p.value) for p in caught.value.problems] == [
        ("book.xlsx [Продажби]", 6, "Количество", "lots")]  # the row Excel shows
    with pytest.raises(UsageError, match="book.xlsx has no sheet 'Sales'. Sheets: Notes, Продажби"):
        import_file(shop, "sales", tmp_path / "book.xlsx", sheet="Sales")


def test_parquet(shop, tmp_path):
    table = pa.table({"invoice_id": ["F1", "F2"], "date": pa.array([dt.date(2024, 1, 5)] * 2),
                      "customer_id": [1.0, 2.0], "product_id": ["P1", "P2"], "quantity": [3, -1],
                      "unit_price": [1.25, 2.0], "cost": [2.0, -1.0]})
    pq.write_table(table, tmp_path / "s.parquet")
    report = import_file(shop, "sales", tmp_path / "s.parquet", create_missing=True)
    assert report.rows_loaded == 2 and report.created == {"customers": 2}  # ids '1' and '2'
    assert rows(shop, "SELECT invoice_id, line_no, customer_id, net_value, cost FROM sales ORDER BY 1") == [
        ("F1", 1, "1", Decimal("3.75"), Decimal("2.00")), ("F2", 1, "2", Decimal("-2.00"), Decimal("-1.00"))]


def test_create_missing_makes_stub_rows_named_by_their_id(shop, tmp_path):
    text = "invoice_id,date,customer_id,product_id,quantity,net_value\nF1,2024-01-01,C9,P9,1,5\nF1,2024-01-01,C9,P1,1,5\n"
    report = import_file(shop, "sales", write(tmp_path, "s.csv", text), create_missing=True)
    assert report.created == {"customers": 1, "products": 1}
    assert rows(shop, "SELECT customer_id, name, import_id FROM customers WHERE customer_id = 'C9'") == [
        ("C9", "C9", report.import_id)]
    assert rows(shop, "SELECT line_no FROM sales ORDER BY line_no") == [(1,), (2,)]  # numbered in file order
    assert "created 1 missing customers row(s) (name = id)" in report.summary()


def test_load_arrow_typed_data_with_driver_columns_and_a_reader(workspace):
    data = pa.table({"customer_id": ["C1", "C2"], "name": ["A", "B"], "driver_beds": [120, None],
                     "acquired_on": pa.array([dt.date(2020, 1, 1), None])})
    report = load_arrow(workspace, "customers", data, source="generator")
    assert report == ImportReport(table="customers", source="generator", rows_loaded=2, skipped={}, warnings=[],
                                  created={}, import_id=1)
    assert rows(workspace, "SELECT customer_id, driver_beds, acquired_on FROM customers ORDER BY 1") == [
        ("C1", 120.0, dt.date(2020, 1, 1)), ("C2", None, None)]
    more = pa.table({"customer_id": ["C3"], "name": ["C"], "driver_outlets": [4.0]})
    load_arrow(workspace, "customers", more.to_reader(), source="generator 2")
    assert rows(workspace, "SELECT customer_id, driver_beds, driver_outlets FROM customers WHERE customer_id = 'C3'") == [
        ("C3", None, 4.0)]
    assert rows(workspace, "SELECT import_id, table_name, file, rows_loaded FROM meta_imports ORDER BY 1") == [
        (1, "customers", "generator", 2), (2, "customers", "generator 2", 1)]


def test_load_arrow_refuses_like_a_file(workspace):
    with pytest.raises(InputDataError) as caught:
        load_arrow(workspace, "reps", pa.table({"rep_id": ["R1", "R1"], "name": ["A", "B"], "role": ["rep", "boss"]}),
                   source="generator reps")
    assert [str(p) for p in caught.value.problems] == [
        "generator reps, row 3, column 'role': found 'boss'; expected one of rep, key_account_manager, manager, director",
        "generator reps, row 3, column 'rep_id'; the same rep_id as row 2; each line needs its own rep_id "
        "(the key of reps); correct or delete one of them"]
    assert rows(workspace, "SELECT count(*) FROM reps") == [(0,)]


def test_net_value_from_quantity_and_price_and_cost_from_margin(shop):
    load_arrow(shop, "sales", pa.table({
        "invoice_id": ["F1"], "date": [dt.date(2024, 1, 1)], "customer_id": ["C1"], "product_id": ["P1"],
        "quantity": [3.0], "unit_price": [0.3333], "margin": [0.25]}), source="s")
    assert rows(shop, "SELECT net_value, cost, margin FROM sales") == [(Decimal("1.00"), Decimal("0.75"), Decimal("0.25"))]


def test_append_refuses_keys_already_stored_and_replace_swaps_the_rows(shop, tmp_path):
    text = "invoice_id,line_no,date,customer_id,product_id,quantity,net_value\nF1,1,2024-01-01,C1,P1,1,5\n"
    path = write(tmp_path, "s.csv", text)
    import_file(shop, "sales", path)
    with pytest.raises(InputDataError, match=r"s.csv, row 2, column 'invoice_id, line_no': found 'F1 \+ 1'; "
                       r"invoice_id \+ line_no is already stored in sales \(loaded before\); import with --replace"):
        import_file(shop, "sales", path)
    report = import_file(shop, "sales", write(tmp_path, "s.csv", text.replace(",5", ",7")), mode="replace")
    assert report.rows_loaded == 1 and rows(shop, "SELECT net_value FROM sales") == [(Decimal("7.00"),)]


def test_replace_may_not_leave_references_dangling(shop, tmp_path):
    import_file(shop, "sales", write(tmp_path, "s.csv", "invoice_id,date,customer_id,product_id,quantity,net_value\n"
                                                        "F1,2024-01-01,C2,P1,1,5\n"))
    with pytest.raises(InputDataError) as caught:
        import_file(shop, "customers", write(tmp_path, "c.csv", "customer_id,name\nC1,Alpha\n"), mode="replace")
    assert str(caught.value.problems[0]) == (
        "c.csv, column 'customer_id': found 'C2'; 1 row(s) of sales (customer_id) refer to it, but the new file "
        "lacks it; keep it in the file, or replace sales first")
    assert rows(shop, "SELECT count(*) FROM customers") == [(2,)]


def test_mapping_renames_fixes_values_skips_and_drops_duplicates(shop, tmp_path):
    mapping = parse_mapping({
        "columns": {"invoice_id": "Doc", "customer_id": "Client", "product_id": "Item", "quantity": "Qty",
                    "unit_price": "Price", "date": "When"},
        "values": {"currency": "BGN"}, "ignore": ["Comment"],
        "skip": [{"reason": "no client", "column": "customer_id", "is": "empty"},
                 {"reason": "free goods", "column": "unit_price", "is": "zero"}],
        "duplicates": {"exact": "skip"}, "read": {"date_order": "dmy"}}, source="m.toml")
    # every day is 12 or less: stating the order keeps the import free of a warning
    text = ("Doc;When;Client;Item;Qty;Price;Comment\n"
            "D1;02/01/2024;C1;P1;1;1,95583;ok\n"
            "D1;02/01/2024;C1;P1;1;1,95583;ok\n"
            "D2;03/01/2024;;P1;1;3;walk-in\n"
            "D3;03/01/2024;C2;P2;5;0;sample\n")
    report = import_file(shop, "sales", write(tmp_path, "export.csv", text), mapping=mapping)
    assert report.rows_loaded == 1 and report.warnings == []
    assert report.skipped == {"no client": 1, "free goods": 1, "exact duplicate of an earlier line": 1}
    assert rows(shop, "SELECT invoice_id, date, unit_price, net_value, currency FROM sales") == [
        ("D1", dt.date(2024, 1, 2), Decimal("1.0000"), Decimal("1.00"), "EUR")]
    note = rows(shop, "SELECT rows_skipped, note FROM meta_imports WHERE table_name = 'sales'")[0]
    assert note[0] == 3 and '"free goods": 1' in note[1]


def test_mapping_errors_name_file_and_key(shop, tmp_path):
    with pytest.raises(ConfigError, match=r"m.toml: 2 invalid mapping key\(s\):\n  - \[\[skip\]\] #1 is: must be one "
                       r"of empty, not_empty, zero, negative, positive, got 'null'\n  - \[duplicates\] exact"):
        parse_mapping({"skip": [{"reason": "x", "column": "customer_id", "is": "null"}],
                       "duplicates": {"exact": "drop"}}, source="m.toml")
    bad = parse_mapping({"columns": {"client": "Client"}}, source="m.toml")
    with pytest.raises(ConfigError, match=r"\[columns\] client: sales has no such column"):
        import_file(shop, "sales", write(tmp_path, "s.csv", "a\n1\n"), mapping=bad)
