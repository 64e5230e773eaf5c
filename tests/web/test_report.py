"""The Excel report downloaded from the dashboard (/report.xlsx): the workbook of `saleskpi
report --xlsx FILE --user LOGIN`, under the same scoping rules as the user's pages, audited,
nothing left behind."""

from __future__ import annotations

import io

import openpyxl
import pytest

from saleskpi import users


def _workbook(answer) -> openpyxl.Workbook:
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer.headers["content-disposition"].startswith("attachment;")
    return openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)


def _customers(book) -> set[str]:
    """The customer ids of the workbook's abc sheet (the key's first column)."""
    rows = book["abc"].iter_rows(values_only=True)
    header = next(rows)
    return {r[0] for r in rows if r[0] is not None} if header else set()


def _cli_report(site, tmp_path, login: str, lang: str = "en") -> openpyxl.Workbook:
    """The workbook `saleskpi report --user LOGIN` writes of the same workspace."""
    from saleskpi.report import write_xlsx
    from saleskpi.workspace import Workspace

    target = tmp_path / f"{login}-{lang}.xlsx"
    with Workspace.open(site, read_only=True) as ws:
        write_xlsx(ws, target, scope=users.get_user(site, login).scope, lang=lang, user=login)
    return openpyxl.load_workbook(target, read_only=True)


def _values(book, sheet: str) -> list[tuple]:
    return list(book[sheet].iter_rows(values_only=True))


@pytest.mark.parametrize("login", ["director", "rep1", "manager"])
def test_the_downloaded_workbook_is_the_command_s_for_that_user(client_of, site, tmp_path, login):
    got = _workbook(client_of(login).get("/report.xlsx?lang=en"))
    want = _cli_report(site, tmp_path, login)
    assert got.sheetnames == want.sheetnames and "abc" in got.sheetnames
    for sheet in got.sheetnames:
        if sheet != "summary":  # the summary names when it was written
            assert _values(got, sheet) == _values(want, sheet), sheet


def test_a_rep_s_workbook_holds_the_rep_s_customers_only(client_of, site, company):
    rep1 = users.get_user(site, "rep1").rep_id
    own = {c for c, r in company["customers"].items() if r == rep1}
    mine = _customers(_workbook(client_of("rep1").get("/report.xlsx")))
    everyone = _customers(_workbook(client_of("director").get("/report.xlsx")))
    assert mine and mine <= own and mine < everyone


def test_a_scope_that_matches_nothing_downloads_a_workbook_with_no_customer(client_of):
    assert _customers(_workbook(client_of("nobody").get("/report.xlsx"))) == set()


def test_the_download_is_audited_in_bulgarian_on_asking_and_leaves_no_file(client_of, site, tmp_path):
    import glob
    import tempfile

    before = len(users.audit_log(site))
    leftover = set(glob.glob(f"{tempfile.gettempdir()}/saleskpi-report-*"))
    book = _workbook(client_of("rep2").get("/report.xlsx?lang=bg"))
    assert _values(book, "abc")[0] == _values(_cli_report(site, tmp_path, "rep2", "bg"), "abc")[0]
    assert _values(book, "abc")[0] != _values(_cli_report(site, tmp_path, "rep2", "en"), "abc")[0]
    exports = [a for a in users.audit_log(site)[before:] if a["event"] == "export"]
    assert len(exports) == 1 and exports[0]["login"] == "rep2"
    assert exports[0]["detail"].startswith("report xlsx lang=bg: ")
    assert set(glob.glob(f"{tempfile.gettempdir()}/saleskpi-report-*")) == leftover


def test_the_report_needs_a_login_and_a_known_language(client_of):
    answer = client_of().get("/report.xlsx", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert client_of("director").get("/report.xlsx?lang=de").status_code == 400
