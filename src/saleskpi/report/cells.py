"""The cells of a result's sheet as worksheet XML, a batch of rows at a time.

XlsxWriter writes a cell in about 8 µs of Python (``Worksheet._write_cell`` and its XML
writer), which made the whole 100,000-customer company's report take 200 s (bench/README.md).
:func:`write_batch` writes the same ``<row>``/``<c>`` elements XlsxWriter writes in its
``constant_memory`` mode (inline strings, each cell's style index, numbers in ``<v>``), but
builds them a column at a time from the Arrow batch with ``pyarrow.compute`` (text goes
through Python once per distinct value of a column, for the exact escaping), and appends them
to the worksheet's own row file: XlsxWriter then assembles the sheet (dimension, frozen pane,
autofilter, conditional formats, comments) as for rows it wrote itself.

The values are written as the per-cell writers they replace wrote them: numbers as
numbers (exact decimals as doubles; NaN and infinities as an empty cell), dates as Excel's
serial day numbers in the column's date format, flags as TRUE/FALSE, text as text with a
formula start neutralised (:func:`saleskpi.browse.neutralised`) and XML's and Excel's escapes;
an empty value an empty cell. One difference: a double is written with the shortest digits that
read back as the same double (Arrow's formatting) where XlsxWriter writes 16 significant digits,
so a figure reads back exactly.
"""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa
import pyarrow.compute as pc

from saleskpi.browse import neutralised
from saleskpi.results import Kind

__all__ = ["write_batch"]

_NUMERIC = frozenset({Kind.money, Kind.volume, Kind.ratio, Kind.count, Kind.number, Kind.integer})
#: Excel's serial day number of 1970-01-01 in the 1900 date system (which counts the
#: non-existent 29 February 1900, so every date from March 1900 on is one day later).
_UNIX_EPOCH_SERIAL = 25569
#: Excel's longest text in a cell, in UTF-16 units.
_STRMAX = 32767
# Excel's escapes of text (as XlsxWriter's xmlwriter): a literal "_xHHHH_" gets its underscore
# escaped, a control character becomes _xHHHH_, and the two non-characters U+FFFE/U+FFFF too
_LITERAL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_NEEDS_ESCAPE = re.compile("[&<>]")
_EDGE_SPACE = re.compile(r"^\s|\s$")


def _utf16_truncated(text: str) -> str:
    if len(text) <= _STRMAX // 2 or len(text.encode("utf-16-le", "surrogatepass")) // 2 <= _STRMAX:
        return text
    length = 0
    for k, char in enumerate(text):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > _STRMAX:
            return text[:k]
    return text


def text_cell(value, xf: int) -> str:
    """The rest of a text cell's ``<c>`` element after its reference: the style, the inline
    string (neutralised, truncated to Excel's limit, escaped) and the closing tags."""
    text = _utf16_truncated(neutralised(value if isinstance(value, str) else str(value)))
    text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
    if _NEEDS_ESCAPE.search(text):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f' s="{xf}" t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


#: Text :func:`text_cell` must see (RE2, over-inclusive: a formula start, an XML or Excel escape,
#: a control character, white space at either end as Python's ``\s``; Excel's length limit is
#: checked apart): the rest is written as it is, in Arrow.
_NOT_PLAIN = (r"^[=+\-@\t\r]|[&<>\x{00}-\x{1f}\x{85}\x{fffe}\x{ffff}]|_x[0-9a-fA-F]{4}_"
              r"|^[\s\v\pZ]|[\s\v\pZ]$")


def _python_text(values: list, xf: int) -> list:
    seen: dict = {}
    out = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        cell = seen.get(value)
        if cell is None:
            cell = seen[value] = text_cell(value, xf)
        out.append(cell)
    return out


def _text(array: pa.Array, xf: int) -> pa.Array:
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return pa.array(_python_text(array.to_pylist(), xf), pa.string())  # str() of each value, as it was
    array = pc.cast(array, pa.string())
    plain = pc.binary_join_element_wise(f' s="{xf}" t="inlineStr"><is><t>', array, "</t></is></c>", "")
    odd = pc.fill_null(pc.or_(pc.match_substring_regex(array, _NOT_PLAIN),
                              pc.greater(pc.utf8_length(array), _STRMAX // 2)), False)
    if not pc.any(odd).as_py():
        return plain
    cells = _python_text(pc.filter(array, odd).to_pylist(), xf)
    return pc.replace_with_mask(plain, odd, pa.array(cells, pa.string()))


def _figures(array: pa.Array) -> pa.Array:
    """Numbers as the text of ``<v>``: integers as they are, other numbers as doubles (exact
    decimals too: what Excel holds), NaN and infinities as no figure."""
    if pa.types.is_integer(array.type):
        return pc.cast(array, pa.string())
    if not pa.types.is_floating(array.type):
        array = pc.cast(array, pa.float64())
    array = pc.if_else(pc.is_finite(array), array, pa.scalar(None, array.type))
    return pc.cast(array, pa.string())


def _serials(array: pa.Array) -> pa.Array:
    """Dates as Excel's serial day numbers (times as the fraction of the day)."""
    if pa.types.is_date32(array.type) or pa.types.is_date64(array.type):
        serial = pc.add(pc.cast(pc.cast(pc.cast(array, pa.date32()), pa.int32()), pa.int64()), _UNIX_EPOCH_SERIAL)
        serial = pc.if_else(pc.less(serial, 61), pc.subtract(serial, 1), serial)  # before 1 March 1900
        return pc.cast(serial, pa.string())
    if pa.types.is_timestamp(array.type) and array.type.tz is None:
        micros = pc.cast(pc.cast(array, pa.timestamp("us")), pa.int64())
        serial = pc.add(pc.divide(pc.cast(micros, pa.float64()), 86_400e6), float(_UNIX_EPOCH_SERIAL))
        return pc.cast(serial, pa.string())
    # anything else: as the per-cell writer took it, a date or a datetime
    out = []
    for value in array.to_pylist():
        if value is None:
            out.append(None)
            continue
        when = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        delta = when.replace(tzinfo=None) - dt.datetime(1899, 12, 31)
        serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
        out.append(f"{serial + (1 if serial > 59 else 0):.16G}")
    return pa.array(out, pa.string())


def _flags(array: pa.Array) -> pa.Array:
    if not pa.types.is_boolean(array.type):
        array = pa.array([None if v is None else bool(v) for v in array.to_pylist()], pa.bool_())
    return pc.if_else(array, "1", "0")


def _cells(array: pa.Array, kind, xf: int, head: list) -> pa.Array:
    """Each cell's element, ``head`` (the parts of its start, ``<c r="B7"``) joined to the rest
    (null: no cell)."""
    if kind is Kind.flag:
        return pc.binary_join_element_wise(*head, f' s="{xf}" t="b"><v>', _flags(array), "</v></c>", "")
    if kind is Kind.date:
        return pc.binary_join_element_wise(*head, f' s="{xf}"><v>', _serials(array), "</v></c>", "")
    if kind in _NUMERIC:
        return pc.binary_join_element_wise(*head, f' s="{xf}"><v>', _figures(array), "</v></c>", "")
    return pc.binary_join_element_wise(*head, _text(array, xf), "")


def _letters(j: int) -> str:
    name = ""
    j += 1
    while j:
        j, rest = divmod(j - 1, 26)
        name = chr(65 + rest) + name
    return name


def write_batch(sheet, batch: pa.RecordBatch, columns, cell_formats, first: int) -> int:
    """Append the rows of ``batch`` to the ``constant_memory`` worksheet ``sheet`` from its row
    ``first`` (0-based; the rows before it are written and none after it), each column as
    ``columns[j]``'s kind in ``cell_formats[j]``; returns the rows written. A row whose every
    value is empty is left out, as XlsxWriter leaves out a row without cells."""
    if not sheet.constant_memory:
        raise ValueError("write_batch appends to a constant_memory worksheet's row file")
    n = batch.num_rows
    if not n:
        return 0
    if sheet.previous_row < first:
        sheet._write_single_row(first)  # the rows XlsxWriter holds (the header) go out first
    if sheet.previous_row > first or sheet.table:
        raise ValueError(f"row {first} of sheet {sheet.name} is not the next row to write")
    numbers = pc.cast(pa.array(range(first + 1, first + n + 1), pa.int64()), pa.string())
    parts = [_cells(batch.column(j), column.kind, cell_formats[j]._get_xf_index(), [f'<c r="{_letters(j)}', numbers,
                                                                                       '"'])
             for j, column in enumerate(columns)]
    rows = pc.binary_join_element_wise('<row r="', numbers, '">', *parts, "</row>", "", null_handling="replace",
                                       null_replacement="")
    blank = parts[0].is_null()
    for part in parts[1:]:
        blank = pc.and_(blank, part.is_null())
    if pc.any(blank).as_py():
        rows = pc.if_else(blank, "", rows)
    # the rows' text, one buffer, appended to XlsxWriter's row file (text mode, UTF-8) as its bytes
    data = pa.concat_arrays([rows]) if rows.offset else rows
    offsets = memoryview(data.buffers()[1]).cast("i")  # the int32 offsets of a string array
    start, end = offsets[0], offsets[len(data)]
    sheet.fh.flush()
    sheet.fh.buffer.write(memoryview(data.buffers()[2])[start:end])
    last = first + n - 1
    sheet.previous_row = last + 1
    sheet.dim_rowmin = first if sheet.dim_rowmin is None else min(sheet.dim_rowmin, first)
    sheet.dim_rowmax = last if sheet.dim_rowmax is None else max(sheet.dim_rowmax, last)
    sheet.dim_colmin = 0 if sheet.dim_colmin is None else sheet.dim_colmin
    sheet.dim_colmax = max(sheet.dim_colmax or 0, len(columns) - 1)
    return n
