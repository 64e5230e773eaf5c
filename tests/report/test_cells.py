"""The result sheets' cells written a column at a time (saleskpi.report.cells) against
XlsxWriter writing the same values a cell at a time, as the report did before: the same sheet
XML, byte for byte but for the digits of a double (the shortest that read back as the same
double, where XlsxWriter writes 16 significant digits), and the same values read back with
openpyxl, on values chosen to catch every escape and kind."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pyarrow as pa
import pytest
import xlsxwriter

from saleskpi.browse import neutralised
from saleskpi.report.cells import write_batch
from saleskpi.results import Kind

LONG = "😀" * 20_000  # 40,000 UTF-16 units: cut to Excel's 32,767 without splitting a character
TEXT = ["plain", "=1+2", "+R2", "-3", "@x", "\tTab", "\rcr", "a&b<c>d", "ctl\x01x\x1f", "_x0041_ kept",
        " lead", "trail ", "\u00a0nbsp", "Café ÿ Ж", "line\nbreak", LONG, "", "'quoted", "\ufffe", None]
NUMBER = [0.1 + 0.2, float("nan"), float("inf"), float("-inf"), 1e20, -0.0, 5e-324, None, 1 / 3, 12345678.9,
          -7.25, 1e-7, 0.0, 2.5, 100.0, 3.0, 4.0, 5.0, 6.0, 7.0]
DECIMALS = [Decimal("1234.56"), None, Decimal("-0.01"), Decimal("99999999999.99")] + [Decimal("1.5")] * 16
COUNTS = [0, 10**17, None, -5] + list(range(16))
DATES = [dt.date(2024, 2, 29), dt.date(1900, 1, 15), None, dt.date(1900, 3, 1)] + [dt.date(2025, 1, 1)] * 16
STAMPS = [dt.datetime(2024, 5, 1, 12, 30), None] + [dt.datetime(1999, 12, 31, 23, 59, 59)] * 18
FLAGS = [True, False, None] + [True] * 17
INT_FLAGS = [0, 2, None] + [1] * 17
INT_TEXT = [5, None, -1] + list(range(17))

COLUMNS = [("text", Kind.text, pa.string(), TEXT), ("label", Kind.class_label, pa.large_string(), ["A", "B", None] * 6
                                                                                                 + ["C", "A"]),
           ("number", Kind.number, pa.float64(), NUMBER), ("money", Kind.money, pa.decimal128(14, 2), DECIMALS),
           ("count", Kind.count, pa.int64(), COUNTS), ("integer", Kind.integer, pa.int32(), COUNTS[:1] + COUNTS[2:]
                                                                                               + [1]),
           ("day", Kind.date, pa.date32(), DATES), ("stamp", Kind.date, pa.timestamp("us"), STAMPS),
           ("flag", Kind.flag, pa.bool_(), FLAGS), ("int_flag", Kind.flag, pa.int64(), INT_FLAGS),
           ("int_text", Kind.text, pa.int64(), INT_TEXT), ("ratio", Kind.ratio, pa.float32(), [0.5, None] * 10)]
_NUMERIC = (Kind.money, Kind.volume, Kind.ratio, Kind.count, Kind.number, Kind.integer)


def _table(blank_row: int | None = 7) -> pa.Table:
    data = {name: pa.array(values[:20], typ) for name, _kind, typ, values in COLUMNS}
    table = pa.table(data)
    if blank_row is not None:  # a row with no value at all: XlsxWriter writes no <row> for it
        empty = pa.table({name: pa.nulls(1, typ) for name, _kind, typ, _v in COLUMNS})
        table = pa.concat_tables([table.slice(0, blank_row), empty, table.slice(blank_row)])
    return table


def _book(path, rows: pa.Table, *, fast: bool, batch: int = 8):
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("data")
    formats = {Kind.money: book.add_format({"num_format": '#,##0.00 "EUR"'}),
               Kind.number: book.add_format({"num_format": "#,##0.00"}),
               Kind.ratio: book.add_format({"num_format": "0.0%"}), Kind.count: book.add_format({"num_format": "#,##0"}),
               Kind.integer: book.add_format({"num_format": "0"}), Kind.date: book.add_format({"num_format": "yyyy-mm-dd"})}
    text = book.add_format({"num_format": "@"})
    columns = [SimpleNamespace(kind=kind) for _n, kind, _t, _v in COLUMNS]
    fmts = [formats.get(c.kind, text) for c in columns]
    for j, (name, *_rest) in enumerate(COLUMNS):
        sheet.set_column(j, j, 12, fmts[j])
        sheet.write_string(0, j, name, book.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    n = 0
    for part in rows.to_batches(max_chunksize=batch):
        if fast:
            n += write_batch(sheet, part, columns, fmts, n + 1)
            continue
        for row in part.to_pylist():  # the report's per-cell writers before report/cells.py
            n += 1
            for j, value in enumerate(row.values()):
                kind, fmt = columns[j].kind, fmts[j]
                if value is None:
                    continue
                if kind is Kind.flag:
                    sheet.write_boolean(n, j, bool(value))
                elif kind is Kind.date:
                    when = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
                    sheet.write_datetime(n, j, when, fmt)
                elif kind in _NUMERIC:
                    value = float(value) if isinstance(value, Decimal) else value
                    if value == value and value not in (float("inf"), float("-inf")):
                        sheet.write_number(n, j, value, fmt)
                else:
                    sheet.write_string(n, j, neutralised(str(value)), fmt)
    sheet.autofilter(0, 0, max(n, 1), len(columns) - 1)
    book.close()
    return n


def _sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def _doubles_read(xml: str) -> str:
    """The sheet with each figure to the 15 significant digits Excel shows."""
    return re.sub(r"<v>([^<]*)</v>", lambda m: f"<v>{float(m.group(1)):.15G}</v>", xml)


@pytest.mark.parametrize("batch", [8, 1000])
def test_the_sheet_xml_is_xlsxwriters_own(tmp_path, batch):
    rows = _table()
    assert _book(tmp_path / "fast.xlsx", rows, fast=True, batch=batch) == rows.num_rows == 21
    _book(tmp_path / "cell.xlsx", rows, fast=False, batch=batch)
    fast, cell = _sheet_xml(tmp_path / "fast.xlsx"), _sheet_xml(tmp_path / "cell.xlsx")
    ET.fromstring(fast)  # well-formed
    assert _doubles_read(fast) == _doubles_read(cell)
    assert '<row r="9">' not in fast and '<row r="10">' in fast  # the row with no value has no cells
    # the figures differ in their digits where 16 significant digits do not give the double back,
    # where XlsxWriter's day fraction (12:30) is summed in another order, and in how an exponent is written
    pairs = {(a, b) for a, b in zip(re.findall(r"<v>([^<]*)</v>", fast), re.findall(r"<v>([^<]*)</v>", cell))
             if a != b}
    assert ("0.30000000000000004", "0.3") in pairs and ("45413.52083333333", "45413.52083333334") in pairs
    assert all(float(a) == pytest.approx(float(b), rel=1e-15) for a, b in pairs)  # "1e+20" is "1E+20"


def test_values_and_formats_read_back_equal(tmp_path):
    rows = _table(blank_row=None)
    _book(tmp_path / "fast.xlsx", rows, fast=True)
    _book(tmp_path / "cell.xlsx", rows, fast=False)
    fast = openpyxl.load_workbook(tmp_path / "fast.xlsx")["data"]
    cell = openpyxl.load_workbook(tmp_path / "cell.xlsx")["data"]
    assert fast.freeze_panes == "A2" and fast.auto_filter.ref == cell.auto_filter.ref == "A1:L21"
    got = [[(c.value, c.number_format) for c in r] for r in fast.iter_rows()]
    want = [[(c.value, c.number_format) for c in r] for r in cell.iter_rows()]
    assert len(got) == len(want) == 21
    for g, w in zip(got, want):
        assert [f for _v, f in g] == [f for _v, f in w]
        assert [v for v, _f in g] == [pytest.approx(v, rel=1e-15) if isinstance(v, float) else v for v, _f in w]
    # what a reader sees: the stored values, exactly for a double
    j = {name: k for k, (name, *_r) in enumerate(COLUMNS)}
    data = [[c.value for c in r] for r in fast.iter_rows(min_row=2)]
    assert [r[j["number"]] for r in data[:8]] == [0.1 + 0.2, None, None, None, 1e20, 0, 5e-324, None]
    # Excel's escapes of control characters (and of a literal escape), which Excel reads back and openpyxl leaves
    assert [r[j["text"]] for r in data[:12]] == ["plain", "'=1+2", "'+R2", "'-3", "'@x", "'\tTab", "'_x000D_cr",
                                                 "a&b<c>d", "ctl_x0001_x_x001F_", "_x005F_x0041_ kept", " lead",
                                                 "trail "]
    assert len(data[15][j["text"]].encode("utf-16-le")) // 2 == 32_766  # a whole number of emoji, under the limit
    assert [r[j["day"]] for r in data[:4]] == [dt.datetime(2024, 2, 29), dt.datetime(1900, 1, 15), None,
                                               dt.datetime(1900, 3, 1)]
    assert data[0][j["stamp"]] == dt.datetime(2024, 5, 1, 12, 30)
    assert [r[j["flag"]] for r in data[:3]] == [True, False, None]
    assert [r[j["int_flag"]] for r in data[:3]] == [False, True, None]
    assert [r[j["int_text"]] for r in data[:3]] == ["5", None, "'-1"]
    assert data[0][j["money"]] == 1234.56 and data[0][j["count"]] == 0 and data[1][j["count"]] == 10**17


def test_text_that_looks_like_xml_stays_text(tmp_path):
    """XlsxWriter writes a string between <r> and </r> as rich text, unescaped; the report
    writes it as the text it is."""
    rows = _table(blank_row=None)
    rows = rows.set_column(0, "text", pa.array(["<r>x</r>"] + TEXT[1:20], pa.string()))
    _book(tmp_path / "fast.xlsx", rows, fast=True)
    ET.fromstring(_sheet_xml(tmp_path / "fast.xlsx"))
    assert openpyxl.load_workbook(tmp_path / "fast.xlsx")["data"]["A2"].value == "<r>x</r>"


def test_rows_must_follow_on(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet()
    part = _table(blank_row=None).to_batches()[0]
    columns = [SimpleNamespace(kind=kind) for _n, kind, _t, _v in COLUMNS]
    fmts = [book.add_format() for _c in COLUMNS]
    assert write_batch(sheet, part, columns, fmts, 1) == 20
    with pytest.raises(ValueError, match="not the next row"):
        write_batch(sheet, part, columns, fmts, 5)
    book.close()
