"""File readers: turn a CSV, Excel or Parquet file into a DuckDB relation for the importer.

Each reader hands a :class:`Source` to the importer's pipeline (:mod:`saleskpi.data.importer`);
nothing here checks the contract. CSV is read by DuckDB's parallel reader, all values as text (the pipeline
converts them), after one streaming pass in Python that

- checks the encoding (``auto``: valid UTF-8 is UTF-8, anything else is Windows-1251; a file
  mixing the two is refused, naming the first row not in the encoding the rest uses);
- transcodes Windows-1251 to a temporary UTF-8 file (DuckDB has no cp1251 reader), and a
  whitespace-aligned text file to a tab-separated one, line for line;
- finds blank lines, which DuckDB skips, so that row numbers in problems stay right.

Excel sheets (python-calamine) are small by nature (at most 1,048,576 rows) and pass through
Arrow as text; the header is found below a title, and a two-row header with merged cells is
read as one. Parquet is scanned in place.
"""

from __future__ import annotations

import codecs
import csv
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from saleskpi.errors import InputDataError, Problem, UsageError

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
PARQUET_SUFFIXES = (".parquet", ".pq")
ENCODINGS = ("auto", "utf-8", "cp1251", "latin-1")
CHUNK = 16 * 1024 * 1024
_REJECTS = "__saleskpi_rejects"


@dataclass
class Source:
    """A readable relation in DuckDB and what is known about it.

    ``columns`` are the relation's column names, parallel to ``headers`` (as written in the
    file) and ``types`` (DuckDB types). ``sample`` is a relation over the first lines (for
    detection); ``missing_lines`` are physical line numbers absent from the relation (blank
    or unreadable lines), so that staged row ``i`` maps back to its line. ``problems`` and
    ``problem_total`` carry problems the reader found (unreadable lines).
    """

    label: str
    relation: str
    headers: list[str]
    columns: list[str]
    types: list[str]
    kind: str = "file"  # "file" or "data"
    sample: str | None = None
    decimal_comma: bool | None = None
    delimiter: str | None = None
    missing_lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_total: int = 0
    #: The row of the first data line (2 below a header in row 1).
    row_offset: int = 2
    #: Called once the relation was scanned (a CSV reader collects unreadable lines then).
    after_scan: Callable[[], None] | None = None
    #: Other headings of column ``i`` tried when ``headers[i]`` matches nothing (the parts of
    #: a two-row Excel header).
    header_alternatives: dict[int, tuple[str, ...]] = field(default_factory=dict)
    #: The headers of the workbook's other sheets by name, read when called (to point at the
    #: sheet that holds the table when none was chosen and the first does not).
    other_sheets: Callable[[], dict[str, list[str]]] | None = None


def _refuse(path: Path, expected: str, *, row: int | None = None, value: str | None = None) -> InputDataError:
    return InputDataError([Problem(path.name, row, None, value, expected)],
                          summary=f"{path.name} was refused; nothing was loaded.")


@contextmanager
def open_source(db, path: Path, *, sheet: str | None = None, encoding: str = "auto",
                delimiter: str | None = None, temp_dir: Path | None = None,
                missing: tuple[str, ...] = ()) -> Iterator[Source]:
    """Open ``path`` as a :class:`Source` over connection ``db``; temporary files (in the
    private folder ``temp_dir``, the workspace's) and views are removed on exit. A CSV cell
    holding one of ``missing`` (besides the empty cell) is read as empty."""
    if not path.exists():
        raise UsageError(f"{path}: file not found. Check the path (the current folder is the one "
                         "the command runs in).")
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give the file to import.")
    suffix = path.suffix.lower()
    encoding = (encoding or "auto").lower().replace("_", "-")
    encoding = {"utf8": "utf-8", "windows-1251": "cp1251", "latin1": "latin-1", "iso-8859-1": "latin-1",
                "utf-8-sig": "utf-8"}.get(encoding, encoding)
    if encoding not in ENCODINGS:
        raise UsageError(f"Encoding '{encoding}' is not supported. Use one of: {', '.join(ENCODINGS)}.")
    if suffix in EXCEL_SUFFIXES:
        with _excel(db, path, sheet) as src:
            yield src
    elif suffix in PARQUET_SUFFIXES:
        yield _parquet(db, path)
    elif suffix in CSV_SUFFIXES or not suffix:
        with _csv(db, path, encoding, delimiter, temp_dir, missing) as src:
            yield src
    else:
        raise UsageError(f"{path.name}: files of type '{suffix}' cannot be imported. Save it as CSV "
                         "(.csv), Excel (.xlsx) or Parquet (.parquet).")


# --- CSV -------------------------------------------------------------------------------


def _sniff_bytes(path: Path, head: bytes) -> None:
    """Refuse files that are not text in an 8-bit or UTF-8 encoding, with the fix."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(path, "the file is UTF-16 text, which is not supported; save it as CSV UTF-8 "
                      "(Excel: Save As > CSV UTF-8) and import again")
    if head.startswith(b"PK\x03\x04"):
        raise _refuse(path, "this is an Excel (or other zip) file with a .csv name; rename it to .xlsx, "
                      "or save it from Excel as CSV")
    if b"\x00" in head:
        raise _refuse(path, "the file contains NUL bytes: it is binary or UTF-16, not a CSV text file; "
                      "save it as CSV UTF-8 and import again")


def _scan(path: Path, encoding: str, out: Path | None) -> tuple[str, list[int]]:
    """One streaming pass: the encoding to read with, and the physical numbers of blank lines.

    ``auto`` settles on UTF-8 if every byte sequence is valid UTF-8, else Windows-1251; a file
    that mixes the two (UTF-8 rows or a UTF-8 byte-order mark, and rows that are not UTF-8) is
    refused, naming the first row that is not in the encoding the rest uses. An explicit
    ``utf-8`` that meets invalid bytes is refused with the row and the fix. With ``out``,
    Windows-1251 text is transcoded there as UTF-8.
    """
    blank: list[int] = []
    newlines = 0  # newlines in the bytes before the current chunk
    tail = b""
    first_utf8: int | None = None  # the first row with non-ASCII UTF-8 text (1: a byte-order mark)
    decoder = codecs.getincrementaldecoder("utf-8")() if encoding in ("auto", "utf-8") else None
    detected = encoding == "auto"
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            if not newlines and not tail and chunk.startswith(codecs.BOM_UTF8):
                first_utf8 = 1
            # Blank lines: "\n\n" or "\n\r\n"; the empty line is the one after the first "\n".
            # The last two bytes of the previous chunk are kept to see patterns across chunks.
            data = tail + chunk
            found = set()
            for pattern in (b"\n\n", b"\n\r\n"):
                start = 0
                while (pos := data.find(pattern, start)) >= 0:
                    found.add(pos)
                    start = pos + 1
            counted, last = newlines - tail.count(b"\n"), 0
            for pos in sorted(found):
                counted += data.count(b"\n", last, pos + 1)
                last = pos + 1
                blank.append(counted + 1)
            if decoder is not None and not (chunk.isascii() and not decoder.getstate()[0]):
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    at = max(exc.start - pending, 0)
                    row = newlines + chunk.count(b"\n", 0, at) + 1
                    if first_utf8 is None and (hit := _NON_ASCII.search(chunk, 0, chunk.rfind(b"\n", 0, at) + 1)):
                        first_utf8 = newlines + chunk.count(b"\n", 0, hit.start()) + 1
                    if encoding == "utf-8":
                        raise _refuse(path, _not_utf8_text(first_utf8), row=row,
                                      value=_show_line(path, row)) from None
                    decoder = None
                    encoding = "cp1251"
                else:
                    if first_utf8 is None and (hit := _NON_ASCII.search(chunk)):
                        first_utf8 = newlines + chunk.count(b"\n", 0, hit.start()) + 1
            newlines += chunk.count(b"\n")
            tail = data[-2:]
    if encoding == "auto":
        encoding = "utf-8"
    elif detected:
        _refuse_mixed(path, first_utf8)
    if encoding in _TRANSCODED and out is not None:
        _transcode(path, out, encoding)
    return encoding, sorted(set(blank))


_NON_ASCII = re.compile(rb"[\x80-\xff]")
#: From a line's first non-ASCII byte to its end: one match per line with non-ASCII text.
_NON_ASCII_TO_EOL = re.compile(rb"[\x80-\xff][^\n]*")
#: A two-byte UTF-8 lead and continuation: where a line may be UTF-8 (Windows-1251 text has
#: few such pairs: a letter is followed by a letter, not by 0x80-0xBF).
_UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_FIX_MIXED = "re-export the file in one encoding, UTF-8 (Excel: Save As > CSV UTF-8), or correct this row"


def _not_utf8_text(first_utf8: int | None) -> str:
    if first_utf8 is None:
        return ("the bytes here are not valid UTF-8: the file is probably in Windows-1251 (Cyrillic) "
                "encoding; use --encoding cp1251 (or --encoding auto)")
    before = "starts with a UTF-8 byte-order mark" if first_utf8 == 1 else f"has UTF-8 text from row {first_utf8}"
    return (f"the file mixes encodings: it {before}, but this row is not valid UTF-8 (it looks like "
            f"Windows-1251); {_FIX_MIXED} (--encoding cp1251 would misread the UTF-8 rows)")


def _refuse_mixed(path: Path, first_utf8: int | None) -> None:
    """A file ``auto`` found not to be UTF-8: refuse it if some of its rows are UTF-8 after all
    (or it starts with a UTF-8 byte-order mark), naming the first row not in the encoding most
    of its non-ASCII rows use. One pass over the lines, counting both kinds."""
    counts, first = {"utf8": 0, "other": 0}, {}
    line, carry = 1, b""
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            data = carry + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            data, carry = data[:cut], data[cut:]
            if line == 1:
                data = data.removeprefix(codecs.BOM_UTF8)
            # regular expressions find the few candidate lines; only those are decoded (fast in C)
            utf8_lines = set()
            for hit in _UTF8_PAIR.finditer(data):
                start = data.rfind(b"\n", 0, hit.start()) + 1
                if start in utf8_lines:
                    continue
                end = data.find(b"\n", hit.start())
                try:
                    data[start:end if end >= 0 else len(data)].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                utf8_lines.add(start)
            non_ascii = [m.start() for m in _NON_ASCII_TO_EOL.finditer(data)]
            if utf8_lines and "utf8" not in first:
                first["utf8"] = line + data.count(b"\n", 0, min(utf8_lines))
            if len(non_ascii) > len(utf8_lines) and "other" not in first:
                pos = next(p for p in non_ascii if data.rfind(b"\n", 0, p) + 1 not in utf8_lines)
                first["other"] = line + data.count(b"\n", 0, pos)
            counts["utf8"] += len(utf8_lines)
            counts["other"] += len(non_ascii) - len(utf8_lines)
            line += data.count(b"\n")
            if not chunk:
                break
    bom = first_utf8 == 1
    if not counts["other"] or not (counts["utf8"] or bom):
        return
    if counts["utf8"] and counts["utf8"] + bom >= counts["other"]:
        row = first["other"]
        raise _refuse(path, _not_utf8_text(1 if bom else first["utf8"]), row=row, value=_show_line(path, row))
    if not counts["utf8"]:
        raise _refuse(path, "the file starts with a UTF-8 byte-order mark, but its rows are not UTF-8 (they "
                      "look like Windows-1251); give --encoding cp1251 to read it as Windows-1251, or re-save "
                      "it as UTF-8 (Excel: Save As > CSV UTF-8)", row=first["other"],
                      value=_show_line(path, first["other"]))
    row = first["utf8"]
    raise _refuse(path, f"the file mixes encodings: this row is UTF-8, but the other {counts['other']:,} rows "
                  f"with non-ASCII text are not (they look like Windows-1251, first row {first['other']}); "
                  f"{_FIX_MIXED}, or give --encoding cp1251 to read every row as Windows-1251 (this one "
                  "garbled)", row=row, value=_show_line(path, row, "utf-8"))


#: Read through a UTF-8 copy: DuckDB has no cp1251 reader, and its latin-1 reader refuses the
#: bytes 0x80-0x9F, which ISO-8859-1 defines (C1 controls; a latin-1 export of DOS text has them).
_TRANSCODED = ("cp1251", "latin-1")


def _transcode(path: Path, out: Path, encoding: str = "cp1251") -> None:
    """Windows-1251 (or latin-1) -> UTF-8, streaming (one byte per character); a UTF-8 byte-order
    mark in front (a file saved as UTF-8, then filled with Windows-1251 text) is dropped."""
    with path.open("rb") as src, out.open("wb") as dst:
        line = 1
        while chunk := src.read(CHUNK):
            if line == 1 and chunk.startswith(codecs.BOM_UTF8) and src.tell() == len(chunk):
                chunk = chunk[3:]
            try:
                dst.write(chunk.decode(encoding).encode("utf-8"))
            except UnicodeDecodeError as exc:  # cp1251 only: latin-1 decodes every byte
                row = line + chunk.count(b"\n", 0, exc.start)
                raise _refuse(path, f"byte 0x{chunk[exc.start]:02X} is not a Windows-1251 character; "
                              "check the file's encoding (--encoding utf-8, cp1251 or latin-1)", row=row) from None
            line += chunk.count(b"\n")


def _show_line(path: Path, row: int, encoding: str = "cp1251") -> str:
    """The text of line ``row`` read as Windows-1251 (what a non-UTF-8 file most likely is)."""
    with path.open("rb") as fh:
        for i, raw in enumerate(fh, 1):
            if i == row:
                return raw.rstrip(b"\r\n").removeprefix(codecs.BOM_UTF8)[:80].decode(encoding, errors="replace")
    return ""


def _read_header(path: Path, encoding: str) -> str:
    with path.open("r", encoding="utf-8-sig" if encoding == "utf-8" else encoding,
                   errors="replace", newline="") as fh:
        return fh.readline().rstrip("\r\n")


def _choose_delimiter(header: str, given: str | None) -> str:
    if given:
        given = "\t" if given.lower() in ("tab", "\\t") else given
        if len(given) != 1:
            raise UsageError(f"--delimiter must be one character (or 'tab'); got {given!r}.")
        return given
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@contextmanager
def _csv(db, path: Path, encoding: str, delimiter: str | None, temp_dir: Path | None = None,
         missing: tuple[str, ...] = ()) -> Iterator[Source]:
    size = path.stat().st_size
    if size == 0:
        raise _refuse(path, "the file is empty (0 bytes); export it again with a header line and rows")
    with path.open("rb") as fh:
        head = fh.read(65536)
    _sniff_bytes(path, head)
    tmp = Path(tempfile.mkdtemp(prefix="saleskpi-import-", dir=temp_dir))
    try:
        target = tmp / "utf8.csv"
        encoding, blank = _scan(path, encoding, target)
        read_path = target if encoding in _TRANSCODED else path
        read_encoding = "utf-8" if encoding in _TRANSCODED else encoding
        header_line = _read_header(read_path, read_encoding)
        delim = _choose_delimiter(header_line, delimiter)
        shown = None
        if delimiter is None and not any(d in header_line for d in ";,\t|") and len(header_line.split()) > 1:
            # whitespace-aligned columns (a fixed-width report, CDNOW's .txt): runs of spaces part them
            aligned = tmp / "aligned.tsv"
            _split_aligned(read_path, read_encoding, aligned)
            read_path, read_encoding, delim, shown = aligned, "utf-8", "\t", "spaces"
            header_line = _read_header(read_path, read_encoding)
        headers = next(csv.reader([header_line], delimiter=delim), [])
        headers = [h.replace("\ufeff", "").strip() for h in headers]
        if not any(headers):
            raise _refuse(path, "the first line is empty; the first line must name the columns")
        names = [f"c{i}" for i in range(len(headers))]
        columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
        options = (f"header = true, delim = {_sql_str(delim)}, quote = '\"', escape = '\"', "
                   f"columns = {columns}, auto_detect = false, encoding = {_sql_str(read_encoding)}, "
                   "max_line_size = 10000000")
        if missing:
            options += f", nullstr = [{', '.join(_sql_str(m) for m in ('', *missing))}]"
        file_sql = _sql_str(str(read_path))
        relation = (f"read_csv({file_sql}, {options}, store_rejects = true, "
                    f"rejects_table = '{_REJECTS}', rejects_scan = '{_REJECTS}_scan')")
        sample = f"(SELECT * FROM read_csv({file_sql}, {options}, ignore_errors = true))"
        src = Source(label=path.name, relation=relation, headers=headers, columns=names,
                     types=["VARCHAR"] * len(headers), kind="file", sample=sample, delimiter=delim,
                     missing_lines=[b for b in blank if b > 1], decimal_comma=False if delim == "," else None)
        src.after_scan = lambda: _collect_rejects(db, src, shown or ("tab" if delim == "\t" else f"'{delim}'"))
        yield src
    finally:
        db.execute(f"DROP TABLE IF EXISTS {_REJECTS}")
        db.execute(f"DROP TABLE IF EXISTS {_REJECTS}_scan")
        shutil.rmtree(tmp, ignore_errors=True)


_ALIGNED_FIELD = re.compile(r'"(?:[^"]|"")*"|[^\s"]+')


def _split_aligned(path: Path, encoding: str, out: Path) -> None:
    """A whitespace-aligned text file as a tab-separated UTF-8 one, line for line (so that row
    numbers stay), streaming. A value with spaces in it is quoted ("Alpha Ltd"); a line of spaces
    only becomes a line of empty values."""
    with path.open("r", encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as src, \
            out.open("w", encoding="utf-8", newline="") as dst:
        width = None
        for line in src:
            fields = _ALIGNED_FIELD.findall(line)
            if width is None:
                width = len(fields)
            if not fields and line.strip("\r\n"):
                fields = [""] * width
            dst.write("\t".join(fields) + "\n")


def _collect_rejects(db, src: Source, shown: str) -> None:
    """Lines DuckDB could not split into the header's columns become problems."""
    total, = db.execute(f"SELECT count(DISTINCT line) FROM {_REJECTS}").fetchone()
    if not total:
        return
    lines = [r[0] for r in db.execute(f"SELECT DISTINCT line FROM {_REJECTS} ORDER BY line").fetchall()]
    src.missing_lines = sorted(set(src.missing_lines) | set(lines))
    found = db.execute(f"SELECT line, any_value(error_type), any_value(csv_line), any_value(error_message) "
                       f"FROM {_REJECTS} GROUP BY line ORDER BY line LIMIT 1000").fetchall()
    n = len(src.headers)
    for line, kind, text, message in found:
        kind = (kind or "").upper()
        if "COLUMNS" in kind:
            expected = (f"expected {n} values separated by {shown} like the header; {message.lower()}. "
                        f"Quote values that contain {shown} or line breaks, or fix the line")
        elif "UNICODE" in kind:
            expected = "the bytes are not valid text in the file's encoding; use --encoding cp1251 or latin-1"
        elif "QUOTE" in kind:
            expected = "a value has an unmatched quote (\"); close or remove the quote"
        else:
            expected = f"the line cannot be read ({message}); fix the line"
        src.problems.append(Problem(src.label, int(line), None, (text or "")[:80], expected))
    src.problem_total += total


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- Excel -----------------------------------------------------------------------------


def _cell_text(value) -> str | None:
    """An Excel cell as the text the pipeline converts (integral numbers without .0)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _excel_header(rows: list[list], merged: list | None) -> tuple[int, list[int], list[str], dict[int, tuple[str, ...]]]:
    """Where the table of a sheet starts: ``(first data row, kept columns, headers, alternatives)``
    (0-based rows of ``rows``, the sheet's first 30 or more; ``merged``: its merged cell ranges).

    A title above the table is skipped: the header is the first row as wide as the table. A
    header of two rows, the upper one with cells merged across columns (``Invoice`` over
    ``No`` and ``Date``), is read as one: each column is headed by both parts (``Invoice No``),
    and each part alone is an alternative the importer tries when the whole matches nothing.
    """
    filled = [sum(c not in (None, "") for c in r) for r in rows[:30]]
    start = filled.index(max(filled))
    top, bottom = None, start
    for (r0, c0), (r1, c1) in merged or ():
        # a merge across columns, in a row of several cells (not a title), above a row of text only
        if c1 > c0 and r0 < start and filled[r0] >= 2 and filled[r0 + 1] and r1 == r0 \
                and all(isinstance(c, str) for c in rows[r0 + 1] if c not in (None, "")):
            top, bottom = r0, r0 + 1
            break
    width = max(len(r) for r in rows[: bottom + 1])
    upper = [None] * width
    if top is not None:
        upper = [rows[top][j] if j < len(rows[top]) else None for j in range(width)]
        for (r0, c0), (r1, c1) in merged:
            if r0 <= top <= r1:
                for j in range(c0, min(c1 + 1, width)):
                    upper[j] = rows[r0][c0]
    lower = rows[bottom]
    keep, headers, alternatives = [], [], {}
    for j in range(width):
        parts = [t for t in (_cell_text(upper[j]), _cell_text(lower[j]) if j < len(lower) else None) if t]
        parts = [t.strip() for t in dict.fromkeys(parts)]
        if not parts:
            continue
        keep.append(j)
        headers.append(" ".join(parts))
        if len(parts) > 1:
            alternatives[len(headers) - 1] = tuple(reversed(parts))
    return bottom + 1, keep, headers, alternatives


@contextmanager
def _excel(db, path: Path, sheet: str | None) -> Iterator[Source]:
    import pyarrow as pa
    from python_calamine import CalamineWorkbook

    if path.stat().st_size == 0:
        raise _refuse(path, "the Excel file is empty (0 bytes), so it is not a workbook; save it again "
                      "from Excel (File > Save As > Excel Workbook) and import again")
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for damaged files
        raise _refuse(path, f"not a readable Excel workbook ({exc}); open it in Excel and save it "
                      "again as .xlsx") from None
    names = book.sheet_names
    chosen = sheet is not None
    if sheet is None:
        if not names:
            raise _refuse(path, "the workbook has no sheets")
        sheet = names[0]
    elif sheet not in names:
        raise UsageError(f"{path.name} has no sheet '{sheet}'. Sheets: {', '.join(names)}. "
                         "Give one of them with --sheet.")
    found = book.get_sheet_by_name(sheet)
    rows = found.to_python(skip_empty_area=False)
    label = f"{path.name} [{sheet}]"
    if not any(c not in (None, "") for r in rows[:30] for c in r):
        if chosen or not any(_sheet_headers(book, name) for name in names[1:]):
            raise _refuse(path, f"sheet '{sheet}' is empty; put a header row and data rows in it")
        rows = [[]]  # the importer names the sheet that holds the table
    first, keep, headers, alternatives = (
        _excel_header(rows, getattr(found, "merged_cell_ranges", None)) if rows != [[]] else (1, [], [], {}))
    body = rows[first:]
    while body and not any(c not in (None, "") for c in body[-1]):
        body.pop()
    names_ = [f"c{i}" for i in range(len(keep))]
    arrays = {n: pa.array([_cell_text(r[j]) if j < len(r) else None for r in body], type=pa.string())
              for n, j in zip(names_, keep)}
    others = None if chosen else (lambda: {name: _sheet_headers(book, name) for name in names[1:]})
    view = "__saleskpi_excel"
    # DuckDB takes no table without columns: an empty sheet gets one that no header names
    db.register(view, pa.table(arrays) if arrays else pa.table({"__empty": pa.array([], pa.string())}))
    try:
        yield Source(label=label, relation=view, headers=headers, columns=names_,
                     types=["VARCHAR"] * len(headers), kind="file", row_offset=first + 1,
                     header_alternatives=alternatives, other_sheets=others)
    finally:
        db.unregister(view)


def _sheet_headers(book, name: str) -> list[str]:
    """The headers of another sheet, from its first 30 rows (empty for an empty sheet)."""
    found = book.get_sheet_by_name(name)
    rows = []
    for row in found.iter_rows():
        rows.append(list(row))
        if len(rows) == 30:
            break
    if not any(c not in (None, "") for r in rows for c in r):
        return []
    return _excel_header(rows, getattr(found, "merged_cell_ranges", None))[2]


# --- Parquet ---------------------------------------------------------------------------


def _parquet(db, path: Path) -> Source:
    relation = f"read_parquet({_sql_str(str(path))})"
    try:
        described = db.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except Exception as exc:  # duckdb raises IOException/InvalidInputException for bad files
        raise _refuse(path, f"not a readable Parquet file ({str(exc).splitlines()[0]}); write it "
                      "again, or export CSV instead") from None
    return Source(label=path.name, relation=relation, headers=[d[0] for d in described],
                  columns=[d[0] for d in described], types=[d[1] for d in described], kind="file")
