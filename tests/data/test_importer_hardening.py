"""Inputs that were accepted and should not be, refused and should not be, or refused for the wrong
reason: one small hand-made file per kind, asserting the refusal (file, row, column, value, fix),
the warning, or the stored values; a refused import leaves the workspace unchanged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from saleskpi.data.importer import import_file, load_arrow
from saleskpi.data.mapping import parse_mapping
from saleskpi.errors import ConfigError, InputDataError


def write(tmp_path: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def rows(ws, sql: str) -> list[tuple]:
    return ws.con.con.execute(sql).fetchall()


def snapshot(ws, table: str) -> tuple:
    return (rows(ws, f"SELECT * FROM {table} ORDER BY ALL"),
            rows(ws, "SELECT import_id, table_name FROM meta_imports ORDER BY 1"))


def refused(ws, table: str, path: Path, **options) -> str:
    """Import; assert it is refused and that the workspace is unchanged; return the message."""
    before = snapshot(ws, table)
    with pytest.raises(InputDataError) as exc:
        import_file(ws, table, path, **options)
    assert snapshot(ws, table) == before
    assert "nothing was loaded" in str(exc.value)
    return str(exc.value)


@pytest.fixture
def shop(workspace):
    """The workspace with customers C1, C2 and products P1, P2."""
    load_arrow(workspace, "customers", pa.table({"customer_id": ["C1", "C2"], "name": ["Alpha", "Beta"]}),
               source="customers")
    load_arrow(workspace, "products", pa.table({"product_id": ["P1", "P2"], "name": ["Board", "Gypsum"]}),
               source="products")
    return workspace


HEAD = "invoice_id;date;customer_id;product_id;quantity;unit_price\n"


# --- headers ------------------------------------------------------------------------------


def test_a_header_written_twice_is_refused_naming_both_columns(shop, tmp_path):
    text = "customer_id,name,city,city\nC3,Gamma,Sofia,Varna\n"
    err = refused(shop, "customers", write(tmp_path, "c.csv", text))
    assert ("c.csv, row 1, column 'city'; the header 'city' appears twice (columns 3 and 4), so one of "
            "them would not be loaded; rename or delete one of the two columns") in err


def test_headers_that_collide_once_normalised_are_refused(shop, tmp_path):
    text = "customer_id,name,driver_x,Driver-X\nC3,Gamma,1,2\n"
    err = refused(shop, "customers", write(tmp_path, "c.csv", text))
    assert ("c.csv, row 1, column 'Driver-X'; the headers 'driver_x' (column 3) and 'Driver-X' (column 4) "
            "are the same name once case, spaces, dots, dashes and underscores are ignored") in err


def test_one_header_feeds_two_contract_columns(shop, tmp_path):
    mapping = parse_mapping({"columns": {"invoice_id": "Doc", "line_no": "Doc"}}, source="m.toml")
    text = "Doc,date,customer_id,product_id,quantity,unit_price\n1,2024-03-01,C1,P1,2,10\n2,2024-03-01,C2,P1,1,10\n"
    import_file(shop, "sales", write(tmp_path, "s.csv", text), mapping=mapping)
    assert rows(shop, "SELECT invoice_id, line_no FROM sales ORDER BY 1") == [("1", 1), ("2", 2)]


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(("table", "text", "column", "value"), [
    ("customers", "customer_id,name,driver_beds\nC3,Gamma,12\nC4,Delta,nan\n", "driver_beds", "nan"),
    ("territories", "territory_id,name,population\nBG,Bulgaria,inf\n", "population", "inf"),
    ("targets", "period,level,kpi,target\n2025,company,turnover_value,-Infinity\n", "target", "-Infinity"),
])
def test_nan_and_infinity_are_refused_in_number_columns(workspace, tmp_path, table, text, column, value):
    err = refused(workspace, table, write(tmp_path, "f.csv", text))
    row = text.count("\n")
    assert (f"f.csv, row {row}, column '{column}': found '{value}'; expected a finite number: NaN and "
            "infinity cannot be summed or compared; leave the cell empty where the number is unknown") in err


def test_nan_in_a_parquet_double_column_is_refused(workspace, tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"period": ["2025"], "level": ["company"], "kpi": ["turnover_value"],
                             "target": [float("nan")]}), path)
    err = refused(workspace, "targets", path)
    assert "t.parquet, row 2, column 'target': found 'nan'; expected a finite number" in err


def test_a_fraction_in_a_whole_number_column_is_refused_not_rounded(shop, tmp_path):
    load_arrow(shop, "survey_invitations", pa.table({"invitation_id": ["I1"], "customer_id": ["C1"],
                                                     "sent_on": [dt.date(2024, 1, 2)]}), source="inv")
    err = refused(shop, "surveys", write(tmp_path, "s.csv", "response_id,customer_id,date,nps\nS1,C1,2024-01-05,7.5\n"))
    assert ("s.csv, row 2, column 'nps': found '7.5'; expected a whole number such as 12; between 0 and 10: "
            "'7.5' has a fraction, and a whole-number column is not rounded; correct the value") in err
    text = HEAD.replace(";", ",").replace("date", "line_no,date") + "F1,1.5,2024-03-01,C1,P1,1,1\nF1,2,2024-03-01,C1,P1,1,1\n"
    err = refused(shop, "sales", write(tmp_path, "l.csv", text))
    assert "l.csv, row 2, column 'line_no': found '1.5'; expected a whole number" in err
    assert "same invoice_id + line_no" not in err


def test_a_score_above_the_scale_of_its_line_is_refused(workspace, tmp_path):
    load_arrow(workspace, "reps", pa.table({"rep_id": ["R1"], "name": ["Ivan"]}), source="reps")
    text = ("rep_id,competency,date,score,scale_max\nR1,negotiation,2024-01-05,8,10\n"
            "R1,listening,2024-01-05,6,\nR1,closing,2024-01-05,4,3\n")
    err = refused(workspace, "competency_assessments", write(tmp_path, "a.csv", text))
    assert ("a.csv, row 3, column 'score': found '6'; expected a number such as 12.5; at least 0; at most "
            "scale_max (5 where it is empty): the value is above the top of its scale; correct it, or "
            "give scale_max") in err
    assert "a.csv, row 4, column 'score': found '4'" in err
    assert "row 2" not in err


def test_an_amount_over_the_staging_limit_states_the_limit(shop, tmp_path):
    text = HEAD + "F1;2024-03-01;C1;P1;1;1234567890123\n"
    err = refused(shop, "sales", write(tmp_path, "s.csv", text))
    assert ("s.csv, row 2, column 'unit_price': found '1234567890123'; the value is too large: unit_price "
            "holds values below 1,000,000,000,000 (10^12); check the value") in err


def test_a_whole_number_beyond_64_bits_states_the_limit(shop, tmp_path):
    text = HEAD.replace("date", "line_no;date") + "F1;99999999999999999999;2024-03-01;C1;P1;1;1\n"
    err = refused(shop, "sales", write(tmp_path, "s.csv", text))
    assert ("s.csv, row 2, column 'line_no': found '99999999999999999999'; the value is too large: line_no holds "
            "whole numbers below 2^63 (9,223,372,036,854,775,808); check the value") in err


def test_quantity_times_price_that_overflows_net_value_is_a_problem(shop, tmp_path):
    text = HEAD + "F1;2024-03-01;C1;P1;100000000000000;999999999\n"
    err = refused(shop, "sales", write(tmp_path, "s.csv", text))
    assert ("s.csv, row 2, column 'quantity, unit_price': found '100000000000000 × 999999999'; quantity × "
            "unit_price is too large for net_value, which holds amounts below 10^16; correct quantity or "
            "unit_price") in err


def test_thousands_separators_with_a_decimal_comma_are_read(shop, tmp_path):
    text = HEAD.replace("unit_price", "unit_price;net_value") + (
        "F1;01.03.2024;C1;P1;1;1.234,50;1.234,50\nF2;01.03.2024;C1;P1;2;10,25;20,50\n"
        "F3;13.03.2024;C1;P1;1000;1,5;1.500\n")
    report = import_file(shop, "sales", write(tmp_path, "s.csv", text))
    assert report.warnings == []
    assert rows(shop, "SELECT unit_price, net_value FROM sales ORDER BY invoice_id") == [
        (Decimal("1234.5000"), Decimal("1234.50")), (Decimal("10.2500"), Decimal("20.50")),
        (Decimal("1.5000"), Decimal("1500.00"))]


def test_us_thousands_in_a_semicolon_file_are_read_as_decimals_with_a_warning(shop, tmp_path):
    text = HEAD.replace("unit_price", "net_value") + "F1;2024-03-01;C1;P1;1;1,200\nF2;2024-03-01;C1;P1;1;12,500\n"
    report = import_file(shop, "sales", write(tmp_path, "s.csv", text))
    assert report.warnings[0] == (
        "column 'net_value': values such as '1,200' have three digits after the comma and no value has "
        "another number of decimals; read with a decimal comma ('1,200' = 1.200). If the comma separates "
        "thousands, set [read] decimal = \".\" and thousands = \",\" in a mapping file (--mapping)")
    assert rows(shop, "SELECT net_value FROM sales ORDER BY 1") == [(Decimal("1.20"),), (Decimal("12.50"),)]


def test_the_mapping_states_us_thousands(shop, tmp_path):
    mapping = parse_mapping({"read": {"decimal": ".", "thousands": ","}}, source="m.toml")
    text = HEAD.replace("unit_price", "net_value") + "F1;2024-03-01;C1;P1;1;1,200\nF2;2024-03-01;C1;P1;1;1,234,567.5\n"
    report = import_file(shop, "sales", write(tmp_path, "s.csv", text), mapping=mapping)
    assert report.warnings == []
    assert rows(shop, "SELECT net_value FROM sales ORDER BY 1") == [(Decimal("1200.00"),), (Decimal("1234567.50"),)]


def test_a_mapping_with_the_same_decimal_and_thousands_separator_is_refused(shop):
    mapping = parse_mapping({"read": {"decimal": ",", "thousands": ","}}, source="m.toml")
    with pytest.raises(ConfigError, match=r"\[read\] thousands: the same character as decimal"):
        mapping.check(__import__("saleskpi.data.schema", fromlist=["table"]).table("sales"))


# --- dates ----------------------------------------------------------------------------------


def test_slash_dates_read_alike_with_and_without_a_time(shop, tmp_path):
    text = HEAD + "F1;10/01/2024;C1;P1;1;1\nF2;10/01/2024 10:00;C1;P1;1;1\nF3;25/01/2024 08:30;C1;P1;1;1\n"
    report = import_file(shop, "sales", write(tmp_path, "s.csv", text))
    assert report.warnings == []
    assert rows(shop, "SELECT invoice_id, date FROM sales ORDER BY 1") == [
        ("F1", dt.date(2024, 1, 10)), ("F2", dt.date(2024, 1, 10)), ("F3", dt.date(2024, 1, 25))]


def test_an_ambiguous_day_month_order_is_read_day_first_with_a_warning(shop, tmp_path):
    text = HEAD + "F1;10/01/2024;C1;P1;1;1\nF2;02/03/2024 10:00;C1;P1;1;1\n"
    report = import_file(shop, "sales", write(tmp_path, "s.csv", text))
    assert report.warnings == [
        "column 'date': every date reads both as dd/mm/yyyy and as mm/dd/yyyy (no day above 12 in the first "
        "20,000 lines); read as dd/mm/yyyy, so '10/01/2024' is 2024-01-10, not 2024-10-01. If the file is "
        "mm/dd/yyyy, set [read] date_order = \"mdy\" (or date_format = \"%m/%d/%Y\") in a mapping file (--mapping)"]


def test_the_mapping_states_month_first(shop, tmp_path):
    mapping = parse_mapping({"read": {"date_order": "mdy"}}, source="m.toml")
    text = HEAD + "F1;10/01/2024;C1;P1;1;1\nF2;02/03/2024 10:00;C1;P1;1;1\n"
    report = import_file(shop, "sales", write(tmp_path, "s.csv", text), mapping=mapping)
    assert report.warnings == []
    assert rows(shop, "SELECT date FROM sales ORDER BY invoice_id") == [(dt.date(2024, 10, 1),), (dt.date(2024, 2, 3),)]


def test_iso_timestamps_with_a_time_zone_take_the_local_date(shop, tmp_path):
    text = HEAD + ("F1;2024-05-01T23:30:00+02:00;C1;P1;1;1\nF2;2024-05-02T00:15:00Z;C1;P1;1;1\n"
                   "F3;2024-05-03 08:00:00.250-05:00;C1;P1;1;1\nF4;2024-05-04;C1;P1;1;1\n")
    report = import_file(shop, "sales", write(tmp_path, "s.csv", text))
    assert rows(shop, "SELECT date FROM sales ORDER BY invoice_id") == [
        (dt.date(2024, 5, 1),), (dt.date(2024, 5, 2),), (dt.date(2024, 5, 3),), (dt.date(2024, 5, 4),)]
    assert report.warnings == [
        "column 'date': the dates carry a time zone (e.g. '2024-05-01T23:30:00+02:00'); the date as written is "
        "taken (2024-05-01), the time and the offset dropped. If the dates must be in one zone, convert the "
        "values to it before importing"]


def test_a_two_digit_year_is_named_as_such(shop, tmp_path):
    text = HEAD + "F1;01.10.2023;C1;P1;1;1\nF2;01.11.23;C1;P1;1;1\n"
    err = refused(shop, "sales", write(tmp_path, "s.csv", text))
    assert ("s.csv, row 3, column 'date': found '01.11.23'; the year has two digits; write it with four "
            "(01.11.2023), or give the format in a mapping file with %y ([read] date_format = \"%d.%m.%y\")") in err
    assert "0023" not in err
    mapping = parse_mapping({"read": {"date_format": "%d.%m.%y"}}, source="m.toml")
    import_file(shop, "sales", write(tmp_path, "s.csv", HEAD + "F2;01.11.23;C1;P1;1;1\n"), mapping=mapping)
    assert rows(shop, "SELECT date FROM sales") == [(dt.date(2023, 11, 1),)]


# --- plausibility warnings ------------------------------------------------------------------


def test_a_value_far_from_quantity_times_price_and_a_positive_return_are_warned(shop, tmp_path):
    text = HEAD.replace("unit_price", "unit_price;net_value") + (
        "F1;2024-03-01;C1;P1;2;10,50;21\nF2;2024-03-01;C1;P1;2;10,50;2100\nF3;2024-03-02;C2;P1;-1;10,50;10,50\n")
    report = import_file(shop, "sales", write(tmp_path, "s.csv", text))
    assert report.warnings == [
        "1 line(s) have a net_value more than twice, or less than half, quantity × unit_price (first: row 3, "
        "2 × 10.5, net_value 2100); loaded with the file's net_value. If that is wrong, correct the file, or "
        "list the header 'net_value' under ignore in a mapping file so that net_value = quantity × unit_price",
        "1 line(s) have a negative quantity (a return) but a positive net_value (first: row 4); loaded as "
        "given, so they add to turnover. If they are returns, make net_value negative in the file"]
    assert rows(shop, "SELECT sum(net_value) FROM sales") == [(Decimal("2131.50"),)]


# --- ids the file does not have ---------------------------------------------------------------


def test_invoice_per_customer_day_and_one_product_are_generated_and_stated(workspace, tmp_path):
    mapping = parse_mapping({"generate": {"invoice_id": "customer-day", "product_id": "one"},
                             "columns": {"net_value": "amount"}}, source="m.toml")
    text = "customer_id,date,quantity,amount\nC1,2024-03-01,1,10\nC1,2024-03-01,2,5\nC2,2024-03-01,1,7\nC1,2024-03-02,1,1\n"
    report = import_file(workspace, "sales", write(tmp_path, "s.csv", text), mapping=mapping, create_missing=True)
    assert rows(workspace, "SELECT invoice_id, line_no, product_id, net_value FROM sales ORDER BY 1, 2") == [
        ("C1-20240301", 1, "all", Decimal("10.00")), ("C1-20240301", 2, "all", Decimal("5.00")),
        ("C1-20240302", 1, "all", Decimal("1.00")), ("C2-20240301", 1, "all", Decimal("7.00"))]
    assert report.warnings == [
        "invoice_id is not in the file: the lines of one customer on one day form one invoice, numbered "
        "customer_id-yyyymmdd, its lines numbered in file order (mapping [generate] invoice_id = "
        "\"customer-day\"); map an invoice column to use real invoices",
        "product_id is not in the file: every line is the one product 'all' (mapping [generate] product_id = "
        "\"one\"); map a product column to tell products apart"]


def test_an_unknown_generate_rule_is_refused(shop):
    from saleskpi.data.schema import table

    with pytest.raises(ConfigError) as exc:
        parse_mapping({"generate": {"invoice_id": "per-day", "customer_id": "one"}}, source="m.toml").check(
            table("sales"))
    assert "[generate] invoice_id: the rule must be one of customer-day, got 'per-day'" in str(exc.value)
    assert "[generate] customer_id: only invoice_id, product_id can be generated" in str(exc.value)


# --- encodings ------------------------------------------------------------------------------

CUSTOMERS = "customer_id;name;city\n"


def test_utf8_rows_then_windows_1251_rows_are_refused_at_the_first_1251_row(workspace, tmp_path):
    data = (CUSTOMERS + "C1;Аптека;София\nC2;Строй;Пловдив\n").encode() + "C3;Вита;Варна\n".encode("cp1251")
    for encoding in ("auto", "utf-8"):
        err = refused(workspace, "customers", write(tmp_path, "c.csv", data), encoding=encoding)
        assert ("c.csv, row 4: found 'C3;Вита;Варна'; the file mixes encodings: it has UTF-8 text from row 2, "
                "but this row is not valid UTF-8 (it looks like Windows-1251); re-export the file in one "
                "encoding, UTF-8 (Excel: Save As > CSV UTF-8), or correct this row (--encoding cp1251 would "
                "misread the UTF-8 rows)") in err


def test_a_utf8_row_among_windows_1251_rows_is_named(workspace, tmp_path):
    # "И" is D0 98 in UTF-8, and 0x98 is no Windows-1251 character: the UTF-8 row is the one to name
    data = (CUSTOMERS + "C0;Иван;Русе\n").encode() + "C1;Аптека;София\nC2;Строй;Пловдив\n".encode("cp1251")
    err = refused(workspace, "customers", write(tmp_path, "c.csv", data))
    assert ("c.csv, row 2: found 'C0;Иван;Русе'; the file mixes encodings: this row is UTF-8, but the other 2 "
            "rows with non-ASCII text are not (they look like Windows-1251, first row 3); re-export the file in "
            "one encoding, UTF-8 (Excel: Save As > CSV UTF-8), or correct this row, or give --encoding cp1251 to "
            "read every row as Windows-1251 (this one garbled)") in err


def test_a_utf8_byte_order_mark_before_windows_1251_text_is_named(workspace, tmp_path):
    path = write(tmp_path, "c.csv", b"\xef\xbb\xbf" + (CUSTOMERS + "C1;Аптека;София\n").encode("cp1251"))
    err = refused(workspace, "customers", path)
    assert ("c.csv, row 2: found 'C1;Аптека;София'; the file starts with a UTF-8 byte-order mark, but its rows "
            "are not UTF-8 (they look like Windows-1251); give --encoding cp1251") in err
    assert "missing" not in err
    import_file(workspace, "customers", path, encoding="cp1251")
    assert rows(workspace, "SELECT customer_id, name, city FROM customers") == [("C1", "Аптека", "София")]


# --- whitespace-aligned text ----------------------------------------------------------------


def test_a_whitespace_aligned_text_file_is_read(workspace, tmp_path):
    text = (" customer_id  name          city\r\n"
            " C1           Alpha         Sofia\r\n"
            " C2           \"Beta Ltd\"    Varna\r\n"
            "\r\n"
            " C3           Gamma         \"Veliko Tarnovo\"\r\n")
    report = import_file(workspace, "customers", write(tmp_path, "c.txt", text))
    assert report.rows_loaded == 3 and report.warnings == []
    assert rows(workspace, "SELECT customer_id, name, city FROM customers ORDER BY 1") == [
        ("C1", "Alpha", "Sofia"), ("C2", "Beta Ltd", "Varna"), ("C3", "Gamma", "Veliko Tarnovo")]


def test_an_aligned_line_with_a_value_too_many_names_its_row(workspace, tmp_path):
    text = " customer_id  name   city\n C1  Alpha  Sofia\n C2  Beta Ltd  Varna\n"
    err = refused(workspace, "customers", write(tmp_path, "c.txt", text))
    assert "c.txt, row 3: found 'C2\\tBeta\\tLtd\\tVarna'; expected 3 values separated by spaces like the header" in err


def test_cdnow_master_loads_with_the_example_mapping(workspace, shared_data):
    """Every figure recomputed from the text file in plain Python."""
    from saleskpi.data.mapping import load_mapping

    path = shared_data / "cdnow" / "CDNOW_master.txt"
    lines = [line.split() for line in path.read_text().splitlines()[1:] if line.strip()]
    mapping = load_mapping(Path(__file__).parents[2] / "examples" / "cdnow" / "mapping.toml")
    report = import_file(workspace, "sales", path, mapping=mapping, create_missing=True)
    assert report.rows_loaded == len(lines) == 69_659
    assert report.created == {"customers": 23_570, "products": 1}
    (n, value, quantity, invoices, first, last), = rows(
        workspace, "SELECT count(*), sum(net_value), sum(quantity), count(DISTINCT invoice_id), min(date), "
                   "max(date) FROM sales")
    assert value == sum(Decimal(v) for *_, v in lines) == Decimal("2500315.63")
    assert quantity == sum(int(q) for _, _, q, _ in lines) == 167_881
    assert invoices == len({(c, d) for c, d, _, _ in lines}) == 67_591
    assert (first, last) == (dt.date(1997, 1, 1), dt.date(1998, 6, 30))
    assert rows(workspace, "SELECT invoice_id, line_no, customer_id, product_id FROM sales "
                           "WHERE customer_id = '00002' ORDER BY 2") == [
        ("00002-19970112", 1, "00002", "all"), ("00002-19970112", 2, "00002", "all")]


# --- Excel ----------------------------------------------------------------------------------


def test_a_two_row_merged_excel_header_is_read_as_one(shop, tmp_path):
    import xlsxwriter

    book = xlsxwriter.Workbook(tmp_path / "book.xlsx")
    sheet = book.add_worksheet("Sales")
    sheet.merge_range(0, 0, 0, 1, "Invoice")
    sheet.merge_range(0, 2, 1, 2, "Customer")
    sheet.write(0, 3, "Product")
    sheet.merge_range(0, 4, 0, 5, "Value")
    sheet.write_row(1, 0, ["No", "Date", None, None, "Quantity", "Net"])
    sheet.write_row(2, 0, ["F1", "2024-03-01", "C1", "P1", 2, 21])
    sheet.write_row(3, 0, ["F2", "2024-03-02", "C2", "P2", 1, 4.2])
    book.close()
    report = import_file(shop, "sales", tmp_path / "book.xlsx")
    assert report.warnings == []
    assert rows(shop, "SELECT invoice_id, date, customer_id, product_id, quantity, net_value FROM sales ORDER BY 1") == [
        ("F1", dt.date(2024, 3, 1), "C1", "P1", Decimal("2.000"), Decimal("21.00")),
        ("F2", dt.date(2024, 3, 2), "C2", "P2", Decimal("1.000"), Decimal("4.20"))]


def test_a_problem_on_a_sheet_with_a_two_row_header_names_the_excel_row(shop, tmp_path):
    import xlsxwriter

    book = xlsxwriter.Workbook(tmp_path / "book.xlsx")
    sheet = book.add_worksheet("Sales")
    sheet.merge_range(0, 0, 0, 1, "Invoice")
    sheet.write_row(0, 2, ["Customer", "Product", "Quantity", "Price"])
    sheet.write_row(1, 0, ["No", "Date"])
    sheet.write_row(2, 0, ["F1", "2024-03-01", "C1", "P1", 2, 10.5])
    sheet.write_row(3, 0, ["F2", "2024-03-02", "C2", "P2", "lots", 4])
    book.close()
    err = refused(shop, "sales", tmp_path / "book.xlsx")
    assert "book.xlsx [Sales], row 4, column 'Quantity': found 'lots'" in err


def test_data_on_a_later_sheet_names_that_sheet_and_the_option(shop, tmp_path):
    import xlsxwriter

    book = xlsxwriter.Workbook(tmp_path / "book.xlsx")
    book.add_worksheet("Notes").write(0, 0, "Exported by the ERP on 2024-04-01")
    data = book.add_worksheet("Data")
    data.write_row(0, 0, ["invoice_id", "date", "customer_id", "product_id", "quantity", "unit_price"])
    data.write_row(1, 0, ["F1", "2024-03-01", "C1", "P1", 2, 10.5])
    book.close()
    err = refused(shop, "sales", tmp_path / "book.xlsx")
    assert ("book.xlsx [Notes]; the first sheet, 'Notes', does not hold the sales table, but the sheet 'Data' "
            "does; import it with --sheet \"Data\" (or [read] sheet = \"Data\" in a mapping file)") in err
    assert "1 problem(s)" in err and "missing" not in err
    assert import_file(shop, "sales", tmp_path / "book.xlsx", sheet="Data").rows_loaded == 1


# --- ids close to stored ones -----------------------------------------------------------------


def test_a_reference_differing_from_a_stored_id_only_in_case_is_named(shop, tmp_path):
    text = HEAD + "F1;2024-03-01;c1;P1;1;1\nF2;2024-03-01;C 2;P1;1;1\n"
    err = refused(shop, "sales", write(tmp_path, "s.csv", text))
    assert ("s.csv, row 2, column 'customer_id': found 'c1'; no customers has customer_id 'c1' (the stored 'C1' "
            "differs only in case or spaces: if it is that one, correct the value); import customers first") in err
    assert "row 3, column 'customer_id': found 'C 2'; no customers has customer_id 'C 2' (the stored 'C2'" in err
    report = import_file(shop, "sales", write(tmp_path, "s.csv", text), create_missing=True)
    assert report.warnings == [
        "2 customer_id value(s) differ from a stored customers customer_id only in case or spaces (first: "
        "'C 2', stored 'C2'); they were created as new customers (--create-missing). If they are the same, "
        "correct them in the file"]


def test_a_new_id_differing_from_a_stored_one_only_in_case_is_warned(shop, tmp_path):
    report = import_file(shop, "customers", write(tmp_path, "c.csv", "customer_id,name\nc1,Alpha again\nC3,Gamma\n"))
    assert report.warnings == [
        "1 new customer_id value(s) differ from a stored one only in case or spaces (first: 'c1', stored 'C1'); "
        "they were loaded as new customers. If they are the same, correct them in the file and import it "
        "again with --replace"]


def test_the_command_refuses_a_mixed_encoding_file_with_exit_3_and_prints_warnings(workspace, tmp_path):
    import os
    import subprocess
    import sys

    workspace.close()
    mixed = write(tmp_path, "c.csv", (CUSTOMERS + "C1;Аптека;София\n").encode() + "C3;Вита;Варна\n".encode("cp1251"))
    done = subprocess.run([sys.executable, "-m", "saleskpi", "import", str(workspace.path), "customers", str(mixed)],
                          capture_output=True, text=True, env=os.environ)
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert "c.csv, row 3: found 'C3;Вита;Варна'; the file mixes encodings" in done.stderr
    good = write(tmp_path, "d.csv", CUSTOMERS + "C1;Alpha;Sofia\nC2;Beta;Varna\n")
    done = subprocess.run([sys.executable, "-m", "saleskpi", "import", str(workspace.path), "customers", str(good)],
                          capture_output=True, text=True, env=os.environ)
    assert done.returncode == 0, done.stderr
    refers = write(tmp_path, "s.csv", HEAD + "F1;2024-03-01;c1;P1;1;1\n")
    done = subprocess.run([sys.executable, "-m", "saleskpi", "import", str(workspace.path), "sales", str(refers),
                           "--create-missing"], capture_output=True, text=True, env=os.environ)
    assert done.returncode == 0, done.stderr
    assert ("warning: 1 customer_id value(s) differ from a stored customers customer_id only in case or spaces "
            "(first: 'c1', stored 'C1')") in done.stderr


def test_thousands_are_detected_beside_a_stated_decimal_and_from_groups_alone(shop, tmp_path):
    mapping = parse_mapping({"read": {"decimal": ","}}, source="m.toml")
    text = HEAD.replace("unit_price", "net_value") + "F1;2024-03-01;C1;P1;1;1.234,5\nF2;2024-03-01;C1;P1;1;7\n"
    import_file(shop, "sales", write(tmp_path, "a.csv", text), mapping=mapping)
    text = HEAD.replace("unit_price", "net_value") + "F3;2024-03-01;C1;P1;1;1,234,567\nF4;2024-03-01;C1;P1;1;1,200\n"
    report = import_file(shop, "sales", write(tmp_path, "b.csv", text))
    assert report.warnings == []
    assert rows(shop, "SELECT invoice_id, net_value FROM sales ORDER BY 1") == [
        ("F1", Decimal("1234.50")), ("F2", Decimal("7.00")), ("F3", Decimal("1234567.00")), ("F4", Decimal("1200.00"))]


def test_a_value_not_grouped_by_thousands_is_refused_naming_the_separators(shop, tmp_path):
    text = HEAD.replace("unit_price", "net_value") + "F1;2024-03-01;C1;P1;1;1.234,5\nF2;2024-03-01;C1;P1;1;1.5\n"
    err = refused(shop, "sales", write(tmp_path, "s.csv", text))
    assert ("s.csv, row 3, column 'net_value': found '1.5'; expected an amount such as 1234.50 (1234,50 with "
            "decimal comma) (this file uses a decimal comma and '.' between thousands); correct the value") in err


def test_the_new_read_options_are_checked_like_every_mapping_key():
    with pytest.raises(ConfigError) as exc:
        parse_mapping({"read": {"date_order": "dym", "thousands": ";"}}, source="m.toml")
    assert str(exc.value) == (
        "m.toml: 2 invalid mapping key(s):\n"
        "  - [read] thousands: must be one of \".\", \",\", \" \", \"'\", \"none\", got ';'\n"
        "  - [read] date_order: must be one of dmy, mdy, ymd, got 'dym'; did you mean 'ymd'?")


def test_an_empty_first_sheet_points_at_the_sheet_with_the_table(shop, tmp_path):
    import xlsxwriter

    book = xlsxwriter.Workbook(tmp_path / "book.xlsx")
    book.add_worksheet("Cover")
    book.add_worksheet("Lines").write_row(0, 0, ["invoice_id", "date", "customer_id", "product_id", "quantity",
                                                 "unit_price"])
    book.close()
    err = refused(shop, "sales", tmp_path / "book.xlsx")
    assert "the first sheet, 'Cover', does not hold the sales table, but the sheet 'Lines' does" in err
