"""The Excel report, read back with openpyxl: sheets, layout, headers in both languages from
the declarations, number formats, values equal to the stored results, formula injection
neutralised, native charts, and the user's scope in every sheet."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from saleskpi import results
from saleskpi.access import Scope
from saleskpi.analyses import declared_results
from saleskpi.compute import compute
from saleskpi.report import SHEETS, write_xlsx
from saleskpi.report.xlsx import BRIDGE_SHEET, PARETO_SHEET, _order, bridge_rows, pareto_points



def _small_company() -> str:
    """The hand-worked company of the analyses' tests (tests/analyses/conftest.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "analyses_conftest", Path(__file__).resolve().parents[1] / "analyses" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SMALL_COMPANY


DECLARED = declared_results()
#: the sheets of a whole-company workbook, in order (a chart sheet after its result; the pay results
#: last: the demo company has an incentive plan and a proposed one, docs/incentives.md, and a competency
#: model; it plants no gaming, so gaming-flags has no rows and no sheet)
PAY_SHEETS = ("incentive-statements", "incentive-totals", "incentive-team-totals", "plan-whatif", "competencies")
ORDER = ["summary", "sales", "bridge", BRIDGE_SHEET, "abc", PARETO_SHEET, *SHEETS[3:], *PAY_SHEETS]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from saleskpi.demo import build_demo

    ws = build_demo(tmp_path_factory.mktemp("report") / "ws", customers=150, years=3, seed=5)
    compute(ws)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def tricky(tmp_path_factory):
    """The hand-worked company with ids a spreadsheet would take for formulas."""
    from saleskpi.engines import raw
    from saleskpi.workspace import Workspace

    ws = Workspace.init(tmp_path_factory.mktemp("tricky") / "ws")
    raw(ws.con).execute(_small_company().replace("'C4'", "'=HYPERLINK(\"x\")'").replace("'R2'", "'+R2'"))
    compute(ws)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def whole(demo, tmp_path_factory):
    """The whole company's workbook in each language: lang -> (book, summary, path)."""
    folder = tmp_path_factory.mktemp("books")
    found = {}
    for lang in ("en", "bg"):
        summary = write_xlsx(demo, folder / f"{lang}.xlsx", lang=lang)
        found[lang] = (openpyxl.load_workbook(folder / f"{lang}.xlsx"), summary, folder / f"{lang}.xlsx")
    return found


def _book(ws, tmp_path, name="r.xlsx", **kw):
    summary = write_xlsx(ws, tmp_path / name, **kw)
    return openpyxl.load_workbook(tmp_path / name), summary


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


def _expected(ws, name, scope=None) -> list[tuple]:
    """The stored rows as the sheet should hold them: numbers as floats (to 16 digits), dates as datetimes,
    text with a formula start after an apostrophe, an empty value (or NaN) as an empty cell."""
    expr = _order(results.read(ws.con, name, scope=scope), DECLARED[name])
    out = []
    for row in expr.to_pyarrow().to_pylist():
        cells = []
        for value in row.values():
            if isinstance(value, Decimal):
                value = float(value)
            if isinstance(value, float) and value != value:
                value = None
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = dt.datetime.combine(value, dt.time())
            if isinstance(value, float) and value is not None:
                # XlsxWriter writes a double with 16 significant digits (Excel shows 15)
                value = pytest.approx(value, rel=1e-15, abs=0)
            if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
                value = "'" + value
            cells.append(value)
        out.append(tuple(cells))
    return out


def test_sheets_layout_and_values_equal_the_stored_results(demo, whole):
    book, summary, _ = whole["en"]
    assert book.sheetnames == ORDER
    assert summary.path.stat().st_mode & 0o777 == 0o600  # customer (and pay) data: its owner only
    for name in (*SHEETS, *PAY_SHEETS):
        sheet = book[name]
        n = len(DECLARED[name].columns)
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(n)}{max(summary.rows[name], 1) + 1}"
        got = _rows(sheet)
        assert got == _expected(demo, name), name
        assert summary.rows[name] == len(got)
    assert summary.rows["abc"] == 150 and summary.rows["abc-matrix"] == 27
    # the summary: the run, the scope, and each sheet's rows as written
    front = {r[0]: r[1] for r in book["summary"].iter_rows(values_only=True) if r[0]}
    run = results.run_of(demo.con, "abc")
    assert front["Run"] == str(run.run_id) and front["As of"] == run.as_of.isoformat()
    assert front["Scope"] == "the owner of the workspace folder: the whole company"
    listed = {r[0]: r[2] for r in book["summary"].iter_rows(values_only=True) if r[0] in (*SHEETS, *PAY_SHEETS)}
    assert listed == summary.rows


def test_headers_and_comments_come_from_the_declarations_in_both_languages(demo, whole):
    en, bg = whole["en"][0], whole["bg"][0]
    for name in SHEETS:
        declared = DECLARED[name].columns
        assert [c.value for c in en[name][1]] == [c.title[0] for c in declared], name
        assert [c.value for c in bg[name][1]] == [c.title[1] for c in declared], name
    money = next(c for c in DECLARED["abc"].columns if c.name == "turnover_value_12m")
    j = DECLARED["abc"].column_names.index("turnover_value_12m")
    assert en["abc"].cell(1, j + 1).comment.text.startswith(money.description[0])
    assert bg["abc"].cell(1, j + 1).comment.text.startswith(money.description[1])
    assert "(turnover_value_12m)" in bg["abc"].cell(1, j + 1).comment.text
    assert bg["summary"]["A3"].value == "Работно пространство"
    front = {r[0]: r[1] for r in bg["summary"].iter_rows(values_only=True) if r[0]}
    assert front["Към дата"] == results.run_of(demo.con, "abc").as_of.strftime("%d.%m.%Y")


def _format_of(book, name, column):
    j = DECLARED[name].column_names.index(column) + 1
    return next(c.number_format for (c,) in book[name].iter_rows(min_row=2, min_col=j, max_col=j)
                if c.value is not None)


def test_the_stored_actions_and_notes_are_in_the_reader_s_language(whole):
    from saleskpi.texts import translate

    en, bg = whole["en"][0], whole["bg"][0]
    for name in ("abc", "abc-matrix"):
        at = [c.name for c in DECLARED[name].columns].index("action")
        english = [r[at] for r in _rows(en[name])]
        shown = [r[at] for r in _rows(bg[name])]
        assert shown == [translate(v, "bg") for v in english]
        assert "защита: план за ключов клиент, задържане" in shown and "defend: key-account plan, retain" in english


def test_number_formats_by_kind(whole):
    en, bg = whole["en"][0], whole["bg"][0]
    assert _format_of(en, "abc", "turnover_value_12m") == '#,##0.00 "EUR"'  # money, the workspace currency
    assert _format_of(en, "abc", "share_of_wallet_by_value") == "0.0%"  # ratio
    assert _format_of(en, "abc-matrix", "customers") == "#,##0"  # count
    assert _format_of(en, "clv-validation", "decile") == "0"  # integer: no thousands separator
    assert _format_of(en, "potential-methods", "spearman_with_stated") == "0.00"  # a correlation is no %
    assert _format_of(en, "clv", "first_purchase") == "yyyy-mm-dd"
    assert _format_of(bg, "clv", "first_purchase") == "dd.mm.yyyy"
    assert _format_of(en, "abc", "customer_id") == "@"
    assert _format_of(bg, "sales", "turnover_value_period") == '#,##0.00 "EUR"'


def test_class_and_status_colours(whole):
    book = whole["en"][0]
    j = openpyxl.utils.get_column_letter(DECLARED["abc"].column_names.index("class_by_value") + 1)
    rules = {str(r): [x.formula for x in rules] for r, rules in book["abc"].conditional_formatting._cf_rules.items()}
    hit = next(v for k, v in rules.items() if k.startswith(f"<ConditionalFormatting {j}2:{j}"))
    assert hit == [['"A"'], ['"B"'], ['"C"']]
    q = openpyxl.utils.get_column_letter(DECLARED["potential-methods"].column_names.index("quality") + 1)
    cf = book["potential-methods"].conditional_formatting
    formulas = [x.formula[0] for rng, rs in cf._cf_rules.items() if str(rng.sqref).startswith(q) for x in rs]
    assert {'"green"', '"amber"', '"red"', '"agrees"', '"weak"'} <= set(formulas)


def test_formula_starts_are_neutralised(tricky, tmp_path):
    book, _ = _book(tricky, tmp_path)
    ids = [r[0] for r in _rows(book["abc"])]
    assert "'=HYPERLINK(\"x\")" in ids and not any(str(i).startswith("=") for i in ids)
    reps = {r[DECLARED["abc"].column_names.index("rep_id")] for r in _rows(book["abc"])}
    assert "'+R2" in reps
    for name in ("abc", "sales", "bridge", "wallet"):
        assert _rows(book[name]) == _expected(tricky, name), name
    # openpyxl reads a formula cell as text starting with "=": none is one
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v.startswith("=") for v in row), sheet.title


def _charts(path) -> dict[str, str]:
    """Chart XML by the sheet it is drawn on."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        book = z.read("xl/workbook.xml").decode()
        sheets = re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="rId(\d+)"', book)
        found = {}
        for title, rid in sheets:
            rels = f"xl/worksheets/_rels/sheet{rid}.xml.rels"
            if rels not in names:
                continue
            for drawing in re.findall(r'Target="../drawings/(drawing\d+\.xml)"', z.read(rels).decode()):
                drels = z.read(f"xl/drawings/_rels/{drawing}.rels").decode()
                for chart in re.findall(r'Target="../charts/(chart\d+\.xml)"', drels):
                    found[title] = found.get(title, "") + z.read(f"xl/charts/{chart}").decode()
        return found


def test_native_charts_pareto_and_waterfall(demo, whole):
    book, summary, path = whole["en"]
    charts = _charts(path)
    assert set(charts) == {PARETO_SHEET, BRIDGE_SHEET} and summary.charts == [BRIDGE_SHEET, PARETO_SHEET]
    assert "<c:scatterChart>" in charts[PARETO_SHEET]
    assert "<c:barChart>" in charts[BRIDGE_SHEET] and '<c:grouping val="stacked"/>' in charts[BRIDGE_SHEET]
    assert "<a:noFill/>" in charts[BRIDGE_SHEET]  # the invisible base
    # the Pareto curve: the running share of the stored turnovers, largest customer first
    abc = results.read(demo.con, "abc").to_pyarrow().to_pandas()
    abc = abc[abc.turnover_value_12m > 0].sort_values(["turnover_value_12m", "customer_id"],
                                                       ascending=[False, True]).reset_index(drop=True)
    cum = abc.turnover_value_12m.astype(float).cumsum() / float(abc.turnover_value_12m.astype(float).sum())
    curve, limits = pareto_points(demo.con)
    assert curve[0] == (0, 0.0, 0.0, 0.0) and curve[-1][0] == len(abc) and curve[-1][3] == pytest.approx(1.0)
    for rank, share_customers, _cum, share in curve[1:]:
        assert share_customers == pytest.approx(rank / len(abc)) and share == pytest.approx(cum[rank - 1])
    last_a = int(abc.index[abc.class_by_value == "A"].max()) + 1
    assert limits["limit_ab"][0] == last_a and limits["limit_ab"][3] == pytest.approx(cum[last_a - 1])
    sheet = _rows(book[PARETO_SHEET])
    assert [r[:4] for r in sheet[:len(curve)]] == [pytest.approx(p) for p in curve]
    assert sheet[0][5:7] == (pytest.approx(last_a / len(abc)), 0.0)
    # the waterfall: the company row's base, five effects and current value, each effect
    # floating on the running sum
    rows = bridge_rows(demo.con)
    assert [r["level"] for r in rows] == ["company"] * len(rows) and rows
    first = rows[0]
    drawn = _rows(book[BRIDGE_SHEET])[1:8]
    amounts = [r[1] for r in drawn]
    assert amounts == pytest.approx([float(first[k] or 0) for k in (
        "base_value", "new_customers_value", "lost_customers_value", "price_effect_value", "volume_effect_value",
        "mix_effect_value", "current_value")])
    assert sum(amounts[:6]) == pytest.approx(amounts[6], abs=0.01)
    running = amounts[0]
    for step in drawn[1:6]:
        amount, base, _total, up, down = step[1:6]
        assert (base, up, down) == pytest.approx((running + min(amount, 0), max(amount, 0), max(-amount, 0)))
        running += amount


def test_a_rep_sees_only_their_customers_in_every_sheet(demo, tmp_path):
    customers = demo.table("customers").to_pyarrow().to_pandas()
    rep = sorted(customers.rep_id.dropna().unique())[0]
    mine = set(customers.customer_id[customers.rep_id == rep])
    scope = Scope("rep", rep_id=rep)
    book, summary = _book(demo, tmp_path, scope=scope, user="rep1")
    assert summary.rows["abc"] == len(mine) > 0
    for name in SHEETS:
        declared = DECLARED[name]
        got = _rows(book[name])
        assert got == _expected(demo, name, scope), name
        if not declared.scope:
            assert got == [], name  # company-wide figures: not a rep's
        if "customer_id" in declared.column_names:
            j = declared.column_names.index("customer_id")
            assert {r[j] for r in got if r[j] is not None} <= mine, name
        if "rep_id" in declared.column_names and name != "sales":
            j = declared.column_names.index("rep_id")
            assert {r[j] for r in got} <= {rep}, name
    front = {r[0]: r[1] for r in book["summary"].iter_rows(values_only=True) if r[0]}
    assert front["User"] == "rep1" and front["Scope"] == f"rep; rep {rep}"
    assert front["Warnings of the run"].startswith("shown only in the whole company's report")
    # the charts draw the rep's own customers and the rep's own bridge row
    curve, _ = pareto_points(demo.con, scope=scope)
    assert curve[-1][0] == sum(1 for r in _rows(book["abc"]) if (r[DECLARED["abc"].column_names.index(
        "turnover_value_12m")] or 0) > 0)
    assert {r["level"] for r in bridge_rows(demo.con, scope=scope)} <= {"rep", "territory"}


def test_a_scope_matching_nothing_gives_empty_sheets_never_all(demo, tmp_path):
    book, summary = _book(demo, tmp_path, scope=Scope("manager", team_ids={"NO-TEAM"}))
    assert set(summary.rows.values()) == {0} and summary.charts == []
    for name in SHEETS:
        assert _rows(book[name]) == [], name
        assert [c.value for c in book[name][1]] == [c.title[0] for c in DECLARED[name].columns]
    assert _rows(book[PARETO_SHEET]) == [("No rows in your scope.", None, None, None)]
    assert _charts(tmp_path / "r.xlsx") == {}


def test_warnings_of_the_run_are_stored_and_shown(tricky, tmp_path):
    run = results.run_of(tricky.con, "abc").run_id
    stored = results.run_warnings(tricky.con, run)
    assert stored and stored[0].startswith("potential: no customer has a potential")
    book, _ = _book(tricky, tmp_path)
    cells = [r[1] for r in book["summary"].iter_rows(values_only=True)]
    start = cells.index(stored[0])
    assert cells[start:start + len(stored)] == stored


def test_cli_report_with_a_user_and_bad_usage(demo, tmp_path):
    from typer.testing import CliRunner

    from saleskpi import users
    from saleskpi.cli import app
    from saleskpi.errors import UsageError

    customers = demo.table("customers").to_pyarrow().to_pandas()
    rep = sorted(customers.rep_id.dropna().unique())[0]
    users.add_user(demo.path, "Rep1", role="rep", password="a long secret 1", rep_id=rep)
    demo.close()
    runner = CliRunner()
    out = tmp_path / "rep.xlsx"
    done = runner.invoke(app, ["report", str(demo.path), "--xlsx", str(out), "--user", "Rep1", "--lang", "bg"])
    assert done.exit_code == 0, done.output
    # an export of customer data: in the audit log, as the web's exports are
    assert [(a["login"], a["event"]) for a in users.audit_log(demo.path)][-1] == ("rep1", "export")
    assert "report --xlsx rep.xlsx" in users.audit_log(demo.path)[-1]["detail"]
    book = openpyxl.load_workbook(out)
    j = DECLARED["abc"].column_names.index("rep_id")
    assert {r[j] for r in _rows(book["abc"])} == {rep}
    assert book["abc"]["A1"].value == DECLARED["abc"].columns[0].title[1]
    bad = runner.invoke(app, ["report", str(demo.path), "--xlsx", str(tmp_path / "r.xls")])
    assert isinstance(bad.exception, UsageError) and "the .xlsx ending" in str(bad.exception)
    assert runner.invoke(app, ["report", str(demo.path), "--xlsx", str(out), "--lang", "fr"]).exit_code == 2


def test_a_failed_report_leaves_the_earlier_file_as_it_was(demo, tmp_path, monkeypatch):
    from saleskpi.errors import UsageError
    from saleskpi.report import xlsx

    target = tmp_path / "r.xlsx"
    target.write_bytes(b"the earlier report")

    def broken(*args, **kwargs):
        raise UsageError("the engine went away")

    monkeypatch.setattr(xlsx, "pareto_points", broken)
    with pytest.raises(UsageError, match="the engine went away"):
        write_xlsx(demo, target)
    assert target.read_bytes() == b"the earlier report" and sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]
    (tmp_path / "folder.xlsx").mkdir()  # a name Excel cannot write to
    monkeypatch.undo()
    with pytest.raises(UsageError, match=r"folder.xlsx: the file cannot be written"):
        write_xlsx(demo, tmp_path / "folder.xlsx")


def test_pay_results_get_a_sheet_only_for_those_who_may_see_them(tricky, tmp_path, monkeypatch):
    import ibis

    import saleskpi.analyses
    from saleskpi.results import Result, column

    pay = Result("pay-statement", ("Pay statement", "Справка за възнаграждение"), ("Pay.", "Възнаграждение."),
                 (column("rep_id", "id", "Rep", "Търговец", "The rep.", "Търговецът."),
                  column("bonus", "money", "Bonus", "Бонус", "The bonus.", "Бонусът."),
                  column("currency", "text", "Currency", "Валута", "The currency.", "Валутата.")),
                 key=("rep_id",), scope=("rep_id",), pay=True)
    real = saleskpi.analyses.declared_results()
    monkeypatch.setattr(saleskpi.analyses, "declared_results", lambda analyses=None: {**real, pay.name: pay})
    run = results.run_of(tricky.con, "abc")
    rows = ibis.memtable({"rep_id": ["R1", "+R2"], "bonus": [100.0, 200.5], "currency": ["EUR", "EUR"]})
    results.store(tricky.con, pay.name, rows, run_id=run.run_id, as_of=run.as_of)
    book, summary = _book(tricky, tmp_path, "all.xlsx", scope=Scope("compensation"))
    assert book.sheetnames[-1] == "pay-statement" and _rows(book["pay-statement"]) == [("'+R2", 200.5, "EUR"),
                                                                                        ("R1", 100.0, "EUR")]
    book, summary = _book(tricky, tmp_path, "rep.xlsx", scope=Scope("rep", rep_id="R1"))
    assert _rows(book["pay-statement"]) == [("R1", 100.0, "EUR")] and summary.rows["pay-statement"] == 1
    book, summary = _book(tricky, tmp_path, "none.xlsx", scope=Scope("manager", team_ids={"NO-TEAM"}))
    assert "pay-statement" not in book.sheetnames and "pay-statement" not in summary.rows


def test_a_run_stored_by_an_older_version_is_written_without_the_columns_added_since(tmp_path):
    """A result stored before a column was declared (the next compute adds it): the sheet has the
    stored columns, in the declared order, and no error."""
    from saleskpi.engines import raw
    from saleskpi.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    raw(ws.con).execute(_small_company())
    compute(ws)
    raw(ws.con).execute("ALTER TABLE result_abc DROP COLUMN action")
    book, summary = _book(ws, tmp_path)
    headers = [c.value for c in book["abc"][1]]
    declared = [c.title[0] for c in declared_results()["abc"].columns]
    assert "Recommended action" not in headers and "Recommended action" in declared
    assert headers == [t for t in declared if t != "Recommended action"] and summary.rows["abc"] > 0
    ws.close()
