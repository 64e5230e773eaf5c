"""What the pages read (saleskpi.web.data): a customer's rows looked up through a snapshot
copy's index are the rows the plain scoped read gives, run after run and scope by scope."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.web.conftest import PASSWORD, SECRET


@pytest.fixture(scope="module")
def two_runs(computed, company, tmp_path_factory):
    """A copy of the computed workspace with abc computed a second time (two runs stored, as
    in a workspace used for a while), and a director, a rep and a manager; the path."""
    from saleskpi import users
    from saleskpi.compute import compute
    from saleskpi.workspace import Workspace

    path = tmp_path_factory.mktemp("runs") / "ws"
    shutil.copytree(computed, path)
    with Workspace.open(path) as ws:
        compute(ws, only=["abc"])
    rep = sorted(set(company["customers"].values()))[0]
    users.add_user(path, "director", role="director", password=PASSWORD)
    users.add_user(path, "rep", role="rep", rep_id=rep, password=PASSWORD)
    users.add_user(path, "manager", role="manager", team_ids=[company["reps"][rep]], password=PASSWORD)
    users.add_user(path, "nobody", role="rep", rep_id="NOBODY", password=PASSWORD)
    return path


def _sample(company) -> list[str]:
    rep = sorted(set(company["customers"].values()))[0]
    mine = sorted(c for c, r in company["customers"].items() if r == rep)[:3]
    others = sorted(c for c, r in company["customers"].items() if r != rep)[:3]
    return [*mine, *others, "NO-SUCH-CUSTOMER"]


@pytest.mark.parametrize("login", ["director", "rep", "manager", "nobody"])
def test_rows_looked_up_through_the_index_are_the_rows_of_the_scoped_read(two_runs, company, login):
    import ibis

    from saleskpi import results, users
    from saleskpi.web.data import _scoped, rows_of
    from saleskpi.web.snapshot import Snapshots

    user = users.get_user(two_runs, login)
    plain = ibis.duckdb.connect(str(two_runs / "saleskpi.duckdb"), read_only=True)
    snapshots = Snapshots(two_runs, lookups=(("result_abc", "customer_id"), ("result_sales", "customer_id"),
                                              ("customers", "customer_id")))
    try:
        assert results.runs_of(plain, "abc") == [1, 2]
        with snapshots.reading() as copy:
            snapshots._current.indexing.join(timeout=60)
            assert ("result_abc", "customer_id") in copy.indexed
            seen = 0
            for customer in _sample(company):
                me = {"customer_id": customer}
                for name in ("abc", "sales"):
                    fenced = rows_of(copy, name, user, equal=me)
                    assert fenced == rows_of(plain, name, user, equal=me)
                    seen += len(fenced)
                    # the few columns a page shows, the picked rows narrowed to what the SQL names
                    few = ("turnover_value_12m", "cell") if name == "abc" else ("business_line", "target_value")
                    assert rows_of(copy, name, user, equal=me, columns=few) == rows_of(
                        plain, name, user, equal=me, columns=few)
                # a rep's and a manager's customers are matched on the customers row of that
                # customer alone, picked like the result's rows
                sql = _scoped(copy, "sales", user).select(pick=("customer_id", customer), columns=("key",))
                assert ('"picked_' in sql) == (login in ("rep", "manager", "nobody")), sql
                history = rows_of(copy, "abc", user, equal=me, every_run=True, sort=["-run_id"])
                assert history == rows_of(plain, "abc", user, equal=me, every_run=True, sort=["-run_id"])
                # every finished run, newest first, each as the run alone gives it
                assert [r["run_id"] for r in history] in ([], [2, 1])
                for run in (1, 2):
                    alone = rows_of(plain, "abc", user, equal=me, run=run, stamped=True)
                    assert [r for r in history if r["run_id"] == run] == alone
                    assert all(r["customer_id"] == customer for r in alone)
            assert (seen == 0) == (login == "nobody")  # fail closed, never all
    finally:
        snapshots.close()
        plain.disconnect()


def test_rows_of_reads_only_the_columns_shown_with_what_they_are_shown_with(two_runs, company):
    import ibis

    from saleskpi import users
    from saleskpi.web.data import rows_of

    user = users.get_user(two_runs, "director")
    con = ibis.duckdb.connect(str(two_runs / "saleskpi.duckdb"), read_only=True)
    try:
        customer = _sample(company)[0]
        whole = rows_of(con, "abc", user, equal={"customer_id": customer})
        shown = rows_of(con, "abc", user, equal={"customer_id": customer}, columns=("cell", "turnover_value_12m"))
        assert shown and set(shown[0]) == {"cell", "turnover_value_12m", "currency", "class_missing_reason"}
        assert [{k: r[k] for k in shown[0]} for r in whole] == shown
        history = rows_of(con, "abc", user, equal={"customer_id": customer}, columns=("cell",), every_run=True)
        assert {"run_id", "as_of"} <= set(history[0])
    finally:
        con.disconnect()


def test_the_customer_page_shows_the_class_of_every_run_newest_first(two_runs, company):
    from fastapi.testclient import TestClient

    from saleskpi.web import create_app

    customer = _sample(company)[0]
    with TestClient(create_app(two_runs, secret=SECRET)) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        assert client.post("/login", data={"login": "rep", "password": PASSWORD, "csrf": token},
                           follow_redirects=False).status_code == 303
        page = client.get(f"/customers/{customer}").text
        heading = "Class history" if "Class history" in page else "История на класовете"
        history = page[page.index(heading):]
        runs = re.findall(r'<td class="num">(\d+)</td>', history[:history.index("</table>")])
        assert runs == ["2", "1"]
        # another rep's customer: not found, and no history of it either
        other = _sample(company)[3]
        assert client.get(f"/customers/{other}").status_code == 404
