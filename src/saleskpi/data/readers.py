"""File readers: turn a CSV, Excel or Parquet file into a DuckDB relation for the importer.

Each reader hands a :class:`Source` to the importer's pipeline (:mod:`saleskpi.data.importer`);
nothing here checks the contract. CSV is read by DuckDB's parallel reader, all values as text (the pipeline
converts them), after one streaming pass in Python that

- checks the encoding (``auto``: valid UTF-8 is UTF-8, anything else is Windows-1251);
- transcodes Windows-1251 to a temporary UTF-8 file (DuckDB has no cp1251 reader);
- finds blank lines, which DuckDB skips, so that row numbers in problems stay right.

Excel sheets (python-calamine) are small by nature (at most 1,048,576 rows) and pass through
Arrow as text; Parquet is scanned in place.
"""

from __future__ import annotations

import codecs
import csv
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


def _refuse(path: Path, expected: str, *, row: int | None = None, value: str | None = None) -> InputDataError:
    return InputDataError([Problem(path.name, row, None, value, expected)],
                          summary=f"{path.name} was refused; nothing was loaded.")


@contextmanager
def open_source(db, path: Path, *, sheet: str | None = None, encoding: str = "auto",
                delimiter: str | None = None, temp_dir: Path | None = None) -> Iterator[Source]:
    """Open ``path`` as a :class:`Source` over connection ``db``; temporary files (in the
    private folder ``temp_dir``, the workspace's) and views are removed on exit."""
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
        with _csv(db, path, encoding, delimiter, temp_dir) as src:
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

    ``auto`` settles on UTF-8 if every byte sequence is valid UTF-8, else Windows-1251. An
    explicit ``utf-8`` that meets invalid bytes is refused with the row and the fix. With
    ``out``, Windows-1251 text is transcoded there as UTF-8.
    """
    blank: list[int] = []
    newlines = 0  # newlines in the bytes before the current chunk
    tail = b""
    decoder = codecs.getincrementaldecoder("utf-8")() if encoding in ("auto", "utf-8") else None
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
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
                    if encoding == "utf-8":
                        row = newlines + chunk.count(b"\n", 0, max(exc.start - pending, 0)) + 1
                        raise _refuse(path, "the bytes here are not valid UTF-8: the file is probably in "
                                      "Windows-1251 (Cyrillic) encoding; use --encoding cp1251 (or "
                                      "--encoding auto)", row=row, value=_show_line(path, row)) from None
                    decoder = None
                    encoding = "cp1251"
            newlines += chunk.count(b"\n")
            tail = data[-2:]
    if encoding == "auto":
        encoding = "utf-8"
    if encoding == "cp1251" and out is not None:
        _transcode(path, out)
    return encoding, sorted(set(blank))


def _transcode(path: Path, out: Path) -> None:
    """Windows-1251 -> UTF-8, streaming (cp1251 is one byte per character)."""
    with path.open("rb") as src, out.open("wb") as dst:
        line = 1
        while chunk := src.read(CHUNK):
            try:
                dst.write(chunk.decode("cp1251").encode("utf-8"))
            except UnicodeDecodeError as exc:
                row = line + chunk.count(b"\n", 0, exc.start)
                raise _refuse(path, f"byte 0x{chunk[exc.start]:02X} is not a Windows-1251 character; "
                              "check the file's encoding (--encoding utf-8, cp1251 or latin-1)", row=row) from None
            line += chunk.count(b"\n")


def _show_line(path: Path, row: int) -> str:
    """The text of line ``row`` read as Windows-1251 (what a non-UTF-8 file most likely is)."""
    with path.open("rb") as fh:
        for i, raw in enumerate(fh, 1):
            if i == row:
                return raw.rstrip(b"\r\n")[:80].decode("cp1251", errors="replace")
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
def _csv(db, path: Path, encoding: str, delimiter: str | None, temp_dir: Path | None = None) -> Iterator[Source]:
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
        read_path = target if encoding == "cp1251" else path
        read_encoding = "utf-8" if encoding == "cp1251" else encoding
        header_line = _read_header(read_path, read_encoding)
        delim = _choose_delimiter(header_line, delimiter)
        headers = next(csv.reader([header_line], delimiter=delim), [])
        headers = [h.replace("\ufeff", "").strip() for h in headers]
        if not any(headers):
            raise _refuse(path, "the first line is empty; the first line must name the columns")
        names = [f"c{i}" for i in range(len(headers))]
        columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
        options = (f"header = true, delim = {_sql_str(delim)}, quote = '\"', escape = '\"', "
                   f"columns = {columns}, auto_detect = false, encoding = {_sql_str(read_encoding)}, "
                   "max_line_size = 10000000")
        file_sql = _sql_str(str(read_path))
        relation = (f"read_csv({file_sql}, {options}, store_rejects = true, "
                    f"rejects_table = '{_REJECTS}', rejects_scan = '{_REJECTS}_scan')")
        sample = f"(SELECT * FROM read_csv({file_sql}, {options}, ignore_errors = true))"
        src = Source(label=path.name, relation=relation, headers=headers, columns=names,
                     types=["VARCHAR"] * len(headers), kind="file", sample=sample, delimiter=delim,
                     missing_lines=[b for b in blank if b > 1], decimal_comma=False if delim == "," else None)
        src.after_scan = lambda: _collect_rejects(db, src, delim)
        yield src
    finally:
        db.execute(f"DROP TABLE IF EXISTS {_REJECTS}")
        db.execute(f"DROP TABLE IF EXISTS {_REJECTS}_scan")
        shutil.rmtree(tmp, ignore_errors=True)


def _collect_rejects(db, src: Source, delim: str) -> None:
    """Lines DuckDB could not split into the header's columns become problems."""
    total, = db.execute(f"SELECT count(DISTINCT line) FROM {_REJECTS}").fetchone()
    if not total:
        return
    lines = [r[0] for r in db.execute(f"SELECT DISTINCT line FROM {_REJECTS} ORDER BY line").fetchall()]
    src.missing_lines = sorted(set(src.missing_lines) | set(lines))
    found = db.execute(f"SELECT line, any_value(error_type), any_value(csv_line), any_value(error_message) "
                       f"FROM {_REJECTS} GROUP BY line ORDER BY line LIMIT 1000").fetchall()
    shown = "tab" if delim == "\t" else f"'{delim}'"
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
    if sheet is None:
        if not names:
            raise _refuse(path, "the workbook has no sheets")
        sheet = names[0]
    elif sheet not in names:
        raise UsageError(f"{path.name} has no sheet '{sheet}'. Sheets: {', '.join(names)}. "
                         "Give one of them with --sheet.")
    rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    label = f"{path.name} [{sheet}]"
    filled = [sum(c not in (None, "") for c in r) for r in rows[:30]]
    if not any(filled):
        raise _refuse(path, f"sheet '{sheet}' is empty; put a header row and data rows in it")
    # A title above the table is skipped: the header is the first row as wide as the table.
    start = filled.index(max(filled))
    header_row = rows[start]
    keep = [j for j, h in enumerate(header_row) if _cell_text(h) is not None]
    headers = [_cell_text(header_row[j]).strip() for j in keep]
    body = rows[start + 1:]
    while body and not any(c not in (None, "") for c in body[-1]):
        body.pop()
    names_ = [f"c{i}" for i in range(len(keep))]
    arrays = {n: pa.array([_cell_text(r[j]) if j < len(r) else None for r in body], type=pa.string())
              for n, j in zip(names_, keep)}
    view = "__saleskpi_excel"
    db.register(view, pa.table(arrays) if arrays else pa.table({}))
    try:
        yield Source(label=label, relation=view, headers=headers, columns=names_,
                     types=["VARCHAR"] * len(headers), kind="file", row_offset=start + 2)
    finally:
        db.unregister(view)


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
