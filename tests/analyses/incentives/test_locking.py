"""Locked periods: recomputing a closed period keeps the stored statement and adds a version."""

import datetime as dt
from decimal import Decimal

import pytest

from saleskpi import results
from saleskpi.compute import compute
from saleskpi.engines import raw
from saleskpi.errors import ConfigError
from saleskpi.workspace import Workspace
from tests.analyses.conftest import SMALL_COMPANY
from tests.analyses.incentives.test_statements import PLAN

AS_OF = dt.date(2025, 6, 30)
RUN_WARNINGS: list[list[str]] = []  # the warnings of the third and the fourth run (set by the fixture)


def _set_closed(path, value: str | None) -> Workspace:
    """settings.toml with ``[incentives] closed_through = value``, the workspace reopened."""
    settings = path / "settings.toml"
    lines = [x for x in settings.read_text(encoding="utf-8").splitlines() if not x.startswith("closed_through =")]
    if value is not None:
        lines.insert(lines.index("[incentives]") + 1, f'closed_through = "{value}"')
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Workspace.open(path)


def _read(ws):
    return (results.read(ws.con, "incentive-statements").to_pyarrow().to_pylist(),
            results.read(ws.con, "incentive-totals").to_pyarrow().to_pylist(),
            results.read(ws.con, "incentive-team-totals").to_pyarrow().to_pylist())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Four runs of 2025: open; closed and unchanged; closed after a late invoice of R1; again."""
    path = tmp_path_factory.mktemp("lock") / "ws"
    ws = Workspace.init(path)
    raw(ws.con).execute(SMALL_COMPANY + "INSERT INTO targets (period, level, key, kpi, target) VALUES "
                        "('2025', 'rep', 'R2', 'turnover_value', 245);")
    (path / "plans").mkdir()
    (path / "plans" / "field.toml").write_text(PLAN, encoding="utf-8")
    out = []
    compute(ws, only=["incentives"], as_of=AS_OF)
    out.append(_read(ws))
    ws.close()
    ws = _set_closed(path, "2025")
    compute(ws, only=["incentives"], as_of=AS_OF)
    out.append(_read(ws))
    # a late invoice of 1 for C1 (R1's customer), dated in the closed period
    raw(ws.con).execute("INSERT INTO sales (invoice_id, date, customer_id, product_id, quantity, net_value, cost) "
                        "VALUES ('L1', '2025-06-15', 'C1', 'P2', 1, 1, 0.7)")
    warned = [compute(ws, only=["incentives"], as_of=AS_OF).warnings]
    out.append(_read(ws))
    warned.append(compute(ws, only=["incentives"], as_of=AS_OF).warnings)
    out.append(_read(ws))
    RUN_WARNINGS[:] = warned
    yield out, ws
    ws.close()


def _versions(totals):
    return sorted((t["rep_id"], t["version"], t["total_pay"]) for t in totals)


def test_an_open_period_is_version_1(runs):
    out, _ = runs
    rows, totals, _ = out[0]
    assert {r["version"] for r in rows} == {1} and {t["version"] for t in totals} == {1}
    # R1 as in test_statements; R2 (target 245, employed all year here): quota 800 x (1 + 1.5 x 0.6956) capped
    # at 1600, + 10 % of 30 on P1 + the first prize 100
    assert _versions(totals) == [("R1", 1, Decimal("689.96")), ("R2", 1, Decimal("1703.00"))]


def test_an_unchanged_recomputation_of_a_closed_period_keeps_the_statement(runs):
    out, _ = runs
    assert out[1] == out[0]


def test_a_change_in_a_closed_period_gives_version_2_beside_version_1(runs):
    out, _ = runs
    rows, totals, _ = out[2]
    # R1's turnover 202 + 1 = 203 on 500 x 181/365: quota 203 x 365 x 800 / (500 x 181) = 654.9834 -> 654.98,
    # + 13.20 on target products + the contest's second prize 50 (still behind R2's 206) - the clawback 25
    assert _versions(totals) == [("R1", 1, Decimal("689.96")), ("R1", 2, Decimal("693.18")),
                                 ("R2", 1, Decimal("1703.00"))]
    v2 = next(t for t in totals if t["rep_id"] == "R1" and t["version"] == 2)
    assert v2["note"] == ('version 2: recomputed after 2025 is closed ([incentives] closed_through = "2025"); '
                          "differs from version 1: total_pay 689.96 -> 693.18")
    v1_rows = sorted((r["step"], r["component"], r["pay"]) for r in rows if r["rep_id"] == "R1" and r["version"] == 1)
    assert v1_rows == sorted((r["step"], r["component"], r["pay"]) for r in out[0][0] if r["rep_id"] == "R1")
    quota = next(r for r in rows if r["rep_id"] == "R1" and r["version"] == 2 and r["component"] == "quota")
    assert (quota["actual"], quota["pay"]) == (203.0, Decimal("654.98"))
    assert quota["note"].startswith("version 2: recomputed after 2025 is closed")


def test_a_changed_team_total_of_a_closed_period_is_a_new_version_beside_the_kept_one(runs):
    out, _ = runs

    def teams(i):
        return sorted((t["team_id"], t["version"], t["total_pay"]) for t in out[i][2])

    # M1 is R1 alone, M2 is R2 here (the totals above): R1's late invoice changes M1 only
    m2 = ("M2", 1, Decimal("1703.00"))
    assert teams(0) == teams(1) == [("M1", 1, Decimal("689.96")), m2]
    assert teams(2) == teams(3) == [("M1", 1, Decimal("689.96")), ("M1", 2, Decimal("693.18")), m2]
    v2 = next(t for t in out[2][2] if t["team_id"] == "M1" and t["version"] == 2)
    assert v2["note"] == ('version 2: recomputed after 2025 is closed ([incentives] closed_through = "2025"); '
                          "differs from version 1: total_pay 689.96 -> 693.18")
    assert next(t for t in out[2][2] if t["team_id"] == "M1" and t["version"] == 1) == next(
        t for t in out[0][2] if t["team_id"] == "M1")
    assert ("incentives: 1 team total(s) of the closed period 2025 changed when recomputed and are stored as a new "
            "version beside the kept one: M1 (Field) version 2; incentive-team-totals.note says what changed."
            ) in RUN_WARNINGS[0]


def test_a_new_version_is_never_silent(runs):
    third, fourth = RUN_WARNINGS
    assert ("incentives: 1 statement(s) of the closed period 2025 changed when recomputed and are stored as a new "
            "version beside the kept one: R1 (Field) version 2; incentive-totals.note says what changed.") in third
    assert not [w for w in fourth if "closed period" in w]


def test_a_second_run_after_the_change_adds_no_version(runs):
    out, _ = runs
    assert _versions(out[3][1]) == _versions(out[2][1])
    assert sorted(map(str, out[3][0])) == sorted(map(str, out[2][0]))


def test_a_closed_through_not_in_the_period_form_is_refused(runs):
    _, ws = runs
    settings = ws.path / "settings.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('closed_through = "2025"', 'closed_through = "2025-06"'), encoding="utf-8")
    try:
        other = Workspace.open(ws.path)
        with pytest.raises(ConfigError) as caught:
            compute(other, only=["incentives"], as_of=AS_OF)
        other.close()
    finally:
        settings.write_text(text, encoding="utf-8")
    assert str(caught.value) == (
        f"{settings}: 1 invalid setting(s):\n  - incentives.closed_through: '2025-06' is not a year as the periods "
        "are labelled ([sales] period = \"year\"); write it like \"2025\"")
