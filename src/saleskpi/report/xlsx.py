"""The Excel report: one workbook of the stored results a manager opens, scoped to a user.

:func:`write_xlsx` writes a summary sheet, then one sheet per stored result of :data:`SHEETS`
(and every pay result the user may see), each with the declared titles as headers (their
definitions and units as the headers' comments), frozen header row, autofilter, number formats
by the column's kind (money in the workspace currency), colours for the classes and for
red/amber/green statuses; and two chart sheets: the Pareto curve of the customers' turnover
with the A/B and B/C limits (from ``abc``), and the bridge as a waterfall (from ``bridge``).

Rows are read through the one reader with the user's scope (:func:`saleskpi.results.read`,
:mod:`saleskpi.access`) and streamed to the file in batches (XlsxWriter's ``constant_memory``
mode), a column at a time as the sheet's XML (:mod:`saleskpi.report.cells`): no result is held
whole in memory. A scope that matches nothing gives empty sheets.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import ibis

from saleskpi import results
from saleskpi.analyses.abc.pareto import pareto_points
from saleskpi.browse import neutralised
from saleskpi.errors import UsageError
from saleskpi.report.cells import write_batch
from saleskpi.results import Kind, Result
from saleskpi.results.runs import RunInfo
from saleskpi.texts import is_text_column, translate_array

__all__ = ["SHEETS", "LANGS", "BATCH_ROWS", "ReportSummary", "write_xlsx"]

#: The results a manager opens, in the order of the workbook's sheets (a result not stored in
#: the workspace is left out and named on the summary sheet). Pay results are added after them,
#: each only when the user may see some of its rows.
SHEETS = ("sales", "bridge", "abc", "abc-matrix", "abc-limits", "abc-migration", "class-a", "potential",
          "potential-rollup", "potential-rep-bias", "potential-methods", "wallet", "wallet-links", "clv",
          "clv-validation", "clv-wallet", "segment-profit", "segment-quality", "nps", "drivers",
          "mislead", "survey-selection", "loyalty", "loyalty-lift")
LANGS = ("en", "bg")
#: Rows read from the engine and written per batch.
BATCH_ROWS = 20_000
#: The sheets of the charts (their names do not change with the language).
PARETO_SHEET, BRIDGE_SHEET, SUMMARY_SHEET = "pareto", "bridge-chart", "summary"

#: Excel's colours (the fill and font of its built-in "good", "neutral" and "bad" styles).
_GREEN = {"bg_color": "#C6EFCE", "font_color": "#006100"}
_AMBER = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
_RED = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
_CLASS_COLOURS = {"A": {"bg_color": "#8DB4E2", "bold": True}, "B": {"bg_color": "#C5D9F1"},
                  "C": {"bg_color": "#F2F2F2"}}
#: Values of a status column and their colour; ``quality`` (potential-methods) says how far a
#: method can be trusted: agrees, weak, not checked, no estimate.
_STATUS = {"green": _GREEN, "amber": _AMBER, "red": _RED, "agrees": _GREEN, "weak": _AMBER,
           "not checked": _AMBER, "no estimate": _RED}
_STATUS_COLUMNS = ("status", "rag", "quality")

#: Words of the report that are not in the declarations: (en, bg).
_WORDS = {
    "summary": ("Summary", "Обобщение"),
    "workspace": ("Workspace", "Работно пространство"),
    "folder": ("Folder", "Папка"),
    "run": ("Run", "Изчисление"),
    "as_of": ("As of", "Към дата"),
    "currency": ("Currency", "Валута"),
    "user": ("User", "Потребител"),
    "scope": ("Scope", "Обхват"),
    "made": ("Made", "Създаден"),
    "warnings": ("Warnings of the run", "Предупреждения на изчислението"),
    "no_warnings_stored": (
        "not stored: this run was computed before saleskpi kept the warnings (run saleskpi compute again to "
        "see them)",
        "не са запазени: изчислението е направено, преди saleskpi да пази предупрежденията (изпълнете saleskpi "
        "compute отново, за да ги видите)"),
    "no_warnings": ("none", "няма"),
    "warnings_hidden": ("shown only in the whole company's report (they speak of the company's data)",
                        "показват се само в отчета за цялата компания (засягат данните на компанията)"),
    "sheet": ("Sheet", "Лист"),
    "title": ("Title", "Заглавие"),
    "rows": ("Rows", "Редове"),
    "not_stored": ("not computed yet (saleskpi compute)", "още не е изчислено (saleskpi compute)"),
    "no_run": ("no finished run", "няма завършено изчисление"),
    "whole_company": ("the owner of the workspace folder: the whole company",
                      "собственикът на папката: цялата компания"),
    "pareto_title": ("Pareto curve: share of turnover by share of customers (12 months)",
                     "Крива на Парето: дял от оборота по дял от клиентите (12 месеца)"),
    "share_customers": ("Share of customers", "Дял от клиентите"),
    "share_turnover": ("Cumulative share of turnover", "Натрупан дял от оборота"),
    "customers": ("Customers (by turnover, largest first)", "Клиенти (по оборот, от най-големия)"),
    "turnover_cum": ("Cumulative turnover", "Натрупан оборот"),
    "curve": ("Customers", "Клиенти"),
    "limit_ab": ("A/B limit", "Граница A/B"),
    "limit_bc": ("B/C limit", "Граница B/C"),
    "no_rows": ("No rows in your scope.", "Няма редове във вашия обхват."),
    "bridge_title": ("Turnover bridge", "Мост на оборота"),
    "step": ("Step", "Стъпка"),
    "amount": ("Amount", "Сума"),
    "base": ("Invisible base", "Невидима основа"),
    "total": ("Total", "Общо"),
    "up": ("Increase", "Увеличение"),
    "down": ("Decrease", "Намаление"),
}

#: The waterfall's steps: the base, the five effects (which add up to the change), the current value.
_BRIDGE_STEPS = ("base_value", "new_customers_value", "lost_customers_value", "price_effect_value",
                 "volume_effect_value", "mix_effect_value", "current_value")
#: The bridge row the chart draws: the highest level the user may see.
_BRIDGE_LEVELS = ("company", "territory", "rep")


@dataclass
class ReportSummary:
    """What :func:`write_xlsx` wrote: the file, the sheets with their rows, the runs read, the
    results left out because they are not stored."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    runs: dict[str, RunInfo | None] = field(default_factory=dict)
    not_stored: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)


def _word(key: str, lang: str) -> str:
    return _WORDS[key][LANGS.index(lang)]


def _scope_text(scope, lang: str) -> str:
    if scope is None:
        return _word("whole_company", lang)
    parts = [scope.role]
    if scope.rep_id:
        parts.append(f"rep {scope.rep_id}")
    if scope.team_ids:
        parts.append("teams " + ", ".join(sorted(scope.team_ids)))
    if scope.territory_ids:
        parts.append("territories " + ", ".join(sorted(scope.territory_ids)))
    return "; ".join(parts)


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, book, *, currency: str, lang: str) -> None:
        date = "dd.mm.yyyy" if lang == "bg" else "yyyy-mm-dd"
        # Excel renders the separators of a format code by the reader's regional settings:
        # "#,##0.00" reads 1 234,56 with Bulgarian settings and 1,234.56 with English ones
        self.by_kind = {
            Kind.money: book.add_format({"num_format": f'#,##0.00 "{currency}"'}),
            Kind.volume: book.add_format({"num_format": "#,##0.00"}),
            Kind.number: book.add_format({"num_format": "#,##0.00"}),
            Kind.ratio: book.add_format({"num_format": "0.0%"}),
            Kind.count: book.add_format({"num_format": "#,##0"}),
            Kind.integer: book.add_format({"num_format": "0"}),
            Kind.date: book.add_format({"num_format": date}),
        }
        self.correlation = book.add_format({"num_format": "0.00"})
        self.text = book.add_format({"num_format": "@"})
        self.header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7",
                                       "border": 1})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.bold = book.add_format({"bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.classes = {k: book.add_format(v) for k, v in _CLASS_COLOURS.items()}
        self.status = {k: book.add_format(v) for k, v in _STATUS.items()}

    def of(self, column) -> object:
        if column.kind is Kind.ratio and (column.unit or "").startswith("correlation"):
            return self.correlation  # a correlation of 0.62 is not 62 %
        return self.by_kind.get(column.kind, self.text)


def _width(column, title: str) -> float:
    wide = {Kind.text: 40, Kind.money: 16, Kind.date: 12, Kind.volume: 14, Kind.number: 12}
    return max(min(len(title), 30) * 0.9 + 2, wide.get(column.kind, 11))


def _order(expr: ibis.Table, declared: Result) -> ibis.Table:
    if declared.name in ("abc", "class-a"):
        return expr.order_by([ibis.desc(expr.turnover_value_12m), expr.customer_id])
    keys = [expr[k] for k in declared.key if k in expr.columns]
    return expr.order_by(keys) if keys else expr


def _result_sheet(book, con, declared: Result, *, scope, lang: str, formats: _Formats) -> int:
    """The sheet of one result; returns its number of rows."""
    i = LANGS.index(lang)
    sheet = book.add_worksheet(declared.name[:31])
    expr = _order(results.read(con, declared.name, scope=scope), declared)
    # a run stored by an older saleskpi lacks the columns added since (the next compute adds them)
    columns = tuple(c for c in declared.columns if c.name in expr.columns)
    cell_formats = [formats.of(c) for c in columns]
    for j, c in enumerate(columns):
        sheet.set_column(j, j, _width(c, c.title[i]), cell_formats[j])
        sheet.write_string(0, j, neutralised(c.title[i]), formats.header)
        unit = c.unit_text
        sheet.write_comment(0, j, f"{c.description[i]}" + (f" [{unit}]" if unit else "") + f"\n({c.name})",
                            {"x_scale": 2.5, "y_scale": 2})
    sheet.set_row(0, 45)
    sheet.freeze_panes(1, 0)
    n = 0
    texts = [j for j, c in enumerate(columns) if is_text_column(c.name)] if lang != "en" else []
    for batch in expr.to_pyarrow_batches(chunk_size=BATCH_ROWS):
        if texts:  # the stored actions, notes and reasons in the reader's language
            batch = batch.from_arrays([translate_array(a, lang) if j in texts else a
                                       for j, a in enumerate(batch.columns)], schema=batch.schema)
        # a column at a time into the sheet's XML (cells.py): XlsxWriter's cell at a time took 8 µs a cell
        n += write_batch(sheet, batch, columns, cell_formats, n + 1)
    sheet.autofilter(0, 0, max(n, 1), len(columns) - 1)
    if n:
        _colour(sheet, columns, n, formats)
    return n


def _colour(sheet, columns, n: int, formats: _Formats) -> None:
    for j, c in enumerate(columns):
        if c.kind is not Kind.class_label:
            continue
        if c.name.startswith("class_") or c.name in ("from_class", "to_class"):
            for label, fmt in formats.classes.items():
                sheet.conditional_format(1, j, n, j, {"type": "cell", "criteria": "==", "value": f'"{label}"',
                                                      "format": fmt})
        if c.name in _STATUS_COLUMNS or c.name.endswith("_status"):
            for label, fmt in formats.status.items():
                sheet.conditional_format(1, j, n, j, {"type": "cell", "criteria": "==", "value": f'"{label}"',
                                                      "format": fmt})


def _pareto_sheet(book, con, *, scope, lang: str, formats: _Formats) -> int:
    sheet = book.add_worksheet(PARETO_SHEET)
    curve, limits = pareto_points(con, scope=scope)
    heads = [_word(k, lang) for k in ("customers", "share_customers", "turnover_cum", "share_turnover")]
    fmts = [formats.by_kind[Kind.count], formats.by_kind[Kind.ratio], formats.by_kind[Kind.money],
            formats.by_kind[Kind.ratio]]
    for j, h in enumerate(heads):
        sheet.set_column(j, j, 18, fmts[j])
        sheet.write_string(0, j, h, formats.header)
    sheet.freeze_panes(1, 0)
    if not curve:
        sheet.write_string(1, 0, _word("no_rows", lang))
        return 0
    # the limit lines: two points each (share of customers at the class's end, from 0 to 100 %),
    # in columns F:H beside the curve
    lines = [(key, v) for key, v in sorted(limits.items())]
    sheet.write_string(0, 5, _word("share_customers", lang), formats.header)
    sheet.write_string(0, 6, _word("share_turnover", lang), formats.header)
    sheet.set_column(5, 6, 18, formats.by_kind[Kind.ratio])
    line_rows = [(x[1], y) for _k, x in lines for y in (0.0, 1.0)]
    for r, point in enumerate(curve, start=1):
        for j, v in enumerate(point):
            sheet.write_number(r, j, v, fmts[j])
        if r <= len(line_rows):
            sheet.write_number(r, 5, line_rows[r - 1][0], formats.by_kind[Kind.ratio])
            sheet.write_number(r, 6, line_rows[r - 1][1], formats.by_kind[Kind.ratio])
    for r in range(len(curve) + 1, len(line_rows) + 1):
        sheet.write_number(r, 5, line_rows[r - 1][0], formats.by_kind[Kind.ratio])
        sheet.write_number(r, 6, line_rows[r - 1][1], formats.by_kind[Kind.ratio])
    chart = book.add_chart({"type": "scatter", "subtype": "straight"})
    last = len(curve)
    chart.add_series({"name": _word("curve", lang), "categories": [PARETO_SHEET, 1, 1, last, 1],
                      "values": [PARETO_SHEET, 1, 3, last, 3], "line": {"color": "#1F4E79", "width": 2.25}})
    for i, (key, _v) in enumerate(lines):
        chart.add_series({"name": _word(key, lang), "categories": [PARETO_SHEET, 1 + 2 * i, 5, 2 + 2 * i, 5],
                          "values": [PARETO_SHEET, 1 + 2 * i, 6, 2 + 2 * i, 6],
                          "line": {"color": "#C00000" if key == "limit_ab" else "#ED7D31", "dash_type": "dash"}})
    chart.set_title({"name": _word("pareto_title", lang)})
    chart.set_x_axis({"name": _word("share_customers", lang), "min": 0, "max": 1, "num_format": "0%"})
    chart.set_y_axis({"name": _word("share_turnover", lang), "min": 0, "max": 1, "num_format": "0%"})
    chart.set_size({"width": 760, "height": 460})
    sheet.insert_chart(1, 8, chart)
    return last


def bridge_rows(con, *, scope=None) -> list[dict]:
    """The stored ``bridge`` rows the waterfall draws: per comparison, the row of the highest
    level the user may see (the company; else the territory or rep, the first by key)."""
    t = results.read(con, "bridge", scope=scope)
    t = t.filter(t.level.isin(list(_BRIDGE_LEVELS)))
    rows = t.order_by(["comparison", "level", "key"]).to_pyarrow().to_pylist()
    chosen: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: (_BRIDGE_LEVELS.index(r["level"]), r["key"] or "")):
        if r["comparison"] not in chosen and r["base_value"] is not None and r["current_value"] is not None:
            chosen[r["comparison"]] = r
    return [chosen[c] for c in sorted(chosen)]


def _waterfall(row: dict) -> list[tuple[str, float, float, float, float, float]]:
    """(step, amount, invisible base, total, increase, decrease) of each step of a bridge row:
    the base and current value are totals from 0; each effect floats on the running sum."""
    steps, running = [], 0.0
    for name in _BRIDGE_STEPS:
        amount = float(row[name] or 0)
        if name in ("base_value", "current_value"):
            running = amount
            steps.append((name, amount, 0.0, amount, 0.0, 0.0))
            continue
        low = running + min(amount, 0.0)
        steps.append((name, amount, low, 0.0, max(amount, 0.0), max(-amount, 0.0)))
        running += amount
    return steps


def _bridge_sheet(book, con, *, scope, lang: str, formats: _Formats, declared: Result) -> int:
    sheet = book.add_worksheet(BRIDGE_SHEET)
    titles = {c.name: c.title[LANGS.index(lang)] for c in declared.columns}
    money = formats.by_kind[Kind.money]
    heads = [_word(k, lang) for k in ("step", "amount", "base", "total", "up", "down")]
    for j, h in enumerate(heads):
        sheet.set_column(j, j, 26 if j == 0 else 16, formats.text if j == 0 else money)
        sheet.write_string(0, j, h, formats.header)
    sheet.freeze_panes(1, 0)
    chosen = bridge_rows(con, scope=scope)
    if not chosen:
        sheet.write_string(1, 0, _word("no_rows", lang))
        return 0
    r = 1
    for k, row in enumerate(chosen):
        label = f"{titles['comparison']}: {row['comparison']} · {row['level']} {row['key'] or ''}".strip()
        sheet.write_string(r, 0, neutralised(label), formats.bold)
        first = r + 1
        for name, *values in _waterfall(row):
            r += 1
            sheet.write_string(r, 0, neutralised(titles[name]), formats.text)
            for j, v in enumerate(values, start=1):
                sheet.write_number(r, j, v, money)
        chart = book.add_chart({"type": "column", "subtype": "stacked"})
        cats = [BRIDGE_SHEET, first, 0, r, 0]
        # the usual waterfall in Excel's own charts: a stacked column whose first series, the
        # base each effect floats on, is not drawn
        for j, colour in ((2, None), (3, "#1F4E79"), (4, "#70AD47"), (5, "#C00000")):
            series = {"name": heads[j], "categories": cats, "values": [BRIDGE_SHEET, first, j, r, j]}
            series.update({"fill": {"none": True}, "border": {"none": True}} if colour is None
                          else {"fill": {"color": colour}})
            chart.add_series(series)
        chart.set_title({"name": f"{_word('bridge_title', lang)}: {row['comparison']} ({row['level']} "
                                 f"{row['key'] or ''})".replace(" )", ")")})
        chart.set_legend({"delete_series": [0]})
        chart.set_y_axis({"num_format": "#,##0"})
        chart.set_size({"width": 760, "height": 420})
        sheet.insert_chart(1 + k * 22, 7, chart)
        r += 2
    return len(chosen)


class _Once:
    """The workspace's connection for one report: which run stored each result
    (:func:`saleskpi.results.run_of`, asked for each sheet and by each read) is found once, so
    every sheet reads the run the summary names (the web's snapshot connections do the same)."""

    def __init__(self, con) -> None:
        self._con, self._memo = con, {}

    def memo(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def __getattr__(self, name: str):
        return getattr(self._con, name)


#: zlib's level for the workbook's parts: 1, the fastest, where XlsxWriter takes zlib's default (6),
#: which spent a third of the report's time compressing the sheets' XML for a file a fifth smaller.
ZIP_LEVEL = 1
_ZIP_LOCK = threading.Lock()


@contextlib.contextmanager
def _fast_zip():
    """XlsxWriter's zip file written at :data:`ZIP_LEVEL` (it has no option for it: its module's
    ``ZipFile`` is swapped for the time of one ``close``, one workbook at a time)."""
    import functools
    import zipfile

    import xlsxwriter.workbook

    with _ZIP_LOCK:
        xlsxwriter.workbook.ZipFile = functools.partial(zipfile.ZipFile, compresslevel=ZIP_LEVEL)
        try:
            yield
        finally:
            xlsxwriter.workbook.ZipFile = zipfile.ZipFile


def write_xlsx(ws, path: str | Path, *, scope=None, lang: str = "en", user: str | None = None) -> ReportSummary:
    """Write the Excel report of the workspace ``ws`` to ``path`` and return what it holds.

    ``scope`` (:class:`saleskpi.access.Scope`) is the user's view (None: the owner of the
    workspace folder, the whole company); ``user`` the login it belongs to, as the summary
    names it; ``lang`` ``en`` or ``bg`` for the headers, comments and the summary."""
    import xlsxwriter
    import xlsxwriter.exceptions

    from saleskpi.analyses import declared_results

    if lang not in LANGS:
        raise UsageError(f"--lang '{lang}': the report is in {' or '.join(LANGS)}.")
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"--xlsx {path}: name the file with the .xlsx ending (Excel refuses other endings).")
    if not path.parent.is_dir():
        raise UsageError(f"--xlsx {path}: the folder {path.parent} does not exist; create it or name another.")
    con = ws.con if hasattr(ws.con, "memo") else _Once(ws.con)
    declared = declared_results()
    stored = set(ws.list_tables())
    pay = [n for n, r in declared.items() if r.pay and n not in SHEETS]
    summary = ReportSummary(path)
    currency = ws.settings.workspace.currency
    # written beside the file and renamed at the end: a report that fails half-way leaves no
    # half-written workbook, and an earlier report stays as it was
    partial = path.with_name(f".{path.name}.partial")
    # XlsxWriter's row files (constant_memory) go to the workspace's private temporary folder
    try:
        private = {"tmpdir": str(ws.temp_dir)}
    except OSError:  # a reader of a folder it may not write: the system's temporary folder
        private = {}
    book = xlsxwriter.Workbook(str(partial), {**private, "constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False,
                                           "default_date_format": "dd.mm.yyyy" if lang == "bg" else "yyyy-mm-dd"})
    try:
        formats = _Formats(book, currency=currency, lang=lang)
        front = book.add_worksheet(SUMMARY_SHEET)
        for name in (*SHEETS, *pay):
            if name not in declared:
                continue
            if results.table_name(name) not in stored:
                summary.not_stored.append(name)
                continue
            if name in pay and not results.read(con, name, scope=scope).count().execute():
                continue  # pay data: a sheet only for those who may see some of it
            summary.runs[name] = results.run_of(con, name)
            summary.rows[name] = _result_sheet(book, con, declared[name], scope=scope, lang=lang, formats=formats)
            if name == "bridge":
                if _bridge_sheet(book, con, scope=scope, lang=lang, formats=formats, declared=declared[name]):
                    summary.charts.append(BRIDGE_SHEET)
            if name == "abc":
                if _pareto_sheet(book, con, scope=scope, lang=lang, formats=formats):
                    summary.charts.append(PARETO_SHEET)
        _summary_sheet(front, ws, summary, declared, scope=scope, user=user, lang=lang, formats=formats)
        front.activate()
        with _fast_zip():
            book.close()
        os.chmod(partial, 0o600)  # customer (and perhaps pay) data: its owner's only, as the workspace's files
        partial.replace(path)
    except xlsxwriter.exceptions.FileCreateError as exc:
        raise UsageError(f"--xlsx {path}: the file cannot be written ({exc}); close it in Excel if it is open, "
                         "or name another file.") from None
    except OSError as exc:
        raise UsageError(f"--xlsx {path}: the file cannot be written ({exc.strerror or exc}); close it in Excel "
                         "if it is open, or name another file.") from None
    finally:
        if not book.fileclosed:  # a failure half-way: close the book's temporary files, keep nothing
            try:
                book.close()
            except (OSError, xlsxwriter.exceptions.XlsxWriterException):
                pass
        partial.unlink(missing_ok=True)
    return summary


def _warning_lines(con, runs: list[int], *, scope, lang: str) -> list[tuple[str, str]]:
    """(label, text) lines of the warnings the runs stored (compute's, ``analysis: message``);
    a scoped user who does not see the whole company is told they are not shown, since they
    speak of the whole company's data."""
    from saleskpi.access import WHOLE_COMPANY

    label = _word("warnings", lang)
    if scope is not None and scope.role not in WHOLE_COMPANY:
        return [(label, _word("warnings_hidden", lang))]
    lines = []
    for run_id in runs:
        stored = results.run_warnings(con, run_id)
        head = f"{label} ({_word('run', lang).lower()} {run_id})" if len(runs) > 1 else label
        if stored is None:
            lines.append((head, _word("no_warnings_stored", lang)))
        elif not stored:
            lines.append((head, _word("no_warnings", lang)))
        else:
            lines += [(head if k == 0 else "", w) for k, w in enumerate(stored)]
    return lines or [(label, _word("no_warnings", lang))]


def _summary_sheet(sheet, ws, summary: ReportSummary, declared, *, scope, user, lang: str, formats) -> None:
    i = LANGS.index(lang)
    runs = sorted({r.run_id for r in summary.runs.values() if r is not None})
    as_of = sorted({r.as_of for r in summary.runs.values() if r is not None})
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 50)
    sheet.set_column(2, 4, 14)
    sheet.write_string(0, 0, neutralised(f"{_word('summary', lang)}: {ws.settings.workspace.name}"), formats.title)
    lines = [
        ("workspace", ws.settings.workspace.name),
        ("folder", str(ws.path)),
        ("run", ", ".join(map(str, runs)) or _word("no_run", lang)),
        ("as_of", ", ".join(d.strftime("%d.%m.%Y" if lang == "bg" else "%Y-%m-%d") for d in as_of) or "—"),
        ("currency", ws.settings.workspace.currency),
        ("user", user or "—"),
        ("scope", _scope_text(scope, lang)),
        ("made", dt.datetime.now().strftime("%d.%m.%Y %H:%M" if lang == "bg" else "%Y-%m-%d %H:%M")),
    ]
    r = 2
    for key, value in lines:
        sheet.write_string(r, 0, _word(key, lang), formats.bold)
        sheet.write_string(r, 1, neutralised(value), formats.wrap)
        r += 1
    for key, value in _warning_lines(ws.con, runs, scope=scope, lang=lang):
        sheet.write_string(r, 0, key, formats.bold)
        sheet.write_string(r, 1, neutralised(value), formats.wrap)
        r += 1
    r += 1
    for j, key in enumerate(("sheet", "title", "rows", "run", "as_of")):
        sheet.write_string(r, j, _word(key, lang), formats.header)
    for name, rows in summary.rows.items():
        r += 1
        info = summary.runs.get(name)
        sheet.write_string(r, 0, name)
        sheet.write_string(r, 1, neutralised(declared[name].title[i]))
        sheet.write_number(r, 2, rows, formats.by_kind[Kind.count])
        if info is not None:
            sheet.write_number(r, 3, info.run_id, formats.by_kind[Kind.integer])
            sheet.write_datetime(r, 4, dt.datetime.combine(info.as_of, dt.time()), formats.by_kind[Kind.date])
    for name in summary.not_stored:
        r += 1
        sheet.write_string(r, 0, name)
        sheet.write_string(r, 1, f"{declared[name].title[i]}: {_word('not_stored', lang)}")
