"""A team pool split by a formula over the reps' measures, on the team of test_pools.py (team M1:
R1 202 of turnover, 132 of it target products; R2 206, 30 of it target products; R3 no sales), every
figure by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from saleskpi import results
from saleskpi.compute import compute
from saleskpi.engines import raw
from saleskpi.errors import ConfigError
from saleskpi.workspace import Workspace
from tests.analyses.conftest import SMALL_COMPANY
from tests.analyses.incentives.test_pools import EXTRA
from tests.analyses.incentives.test_statements import one

AS_OF = dt.date(2025, 6, 30)

POOL = """
[[pool]]
name = "{name}"
measure = "turnover_value"
tiers = [[0, 0.1]]
teams = ["M1"]
split = "formula"
split_formula = "{formula}"
"""
PLAN = """
name = "Formula"
period = "year"
target_pay = 1000

[[component]]
name = "commission"
measure = "turnover_value"
weight = 1
basis = "value"
tiers = [[0, 0.1]]
""" + "".join(POOL.format(name=n, formula=f) for n, f in (
    ("mix", "turnover_value + 2 * target_products_value"),
    ("above 204", "turnover_value - 204"),
    ("by attainment", "turnover_value * turnover_value_attainment")))


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    ws = Workspace.init(tmp_path_factory.mktemp("formula") / "ws")
    raw(ws.con).execute(SMALL_COMPANY + EXTRA)
    (ws.path / "plans").mkdir()
    (ws.path / "plans" / "formula.toml").write_text(PLAN, encoding="utf-8")
    report = compute(ws, only=["incentives"], as_of=AS_OF)
    rows = results.read(ws.con, "incentive-statements").to_pyarrow().to_pylist()
    totals = results.read(ws.con, "incentive-totals").to_pyarrow().to_pylist()
    yield rows, report, totals
    ws.close()


def test_the_formula_weighs_each_rep_and_the_cents_go_to_the_largest_remainders(out):
    rows, _, _ = out
    # the pool: 10 % of M1's 408 = 40.80; weights R1 202 + 2 x 132 = 466, R2 206 + 2 x 30 = 266, R3 0
    # (no sales). In cents: 4080 x 466 / 732 = 2597.377, 4080 x 266 / 732 = 1482.623: the floors give
    # 4079, and the cent left goes to R2's larger remainder 0.623: 25.97 / 14.83 / 0.00
    got = {r["rep_id"]: r for r in rows if r["component"] == "mix"}
    assert {rid: r["pay"] for rid, r in got.items()} == {
        "R1": Decimal("25.97"), "R2": Decimal("14.83"), "R3": Decimal("0.00")}
    assert {rid: r["pool_share"] for rid, r in got.items()} == pytest.approx({"R1": 466 / 732, "R2": 266 / 732, "R3": 0})
    assert got["R1"]["pool_value"] == Decimal("40.80")
    assert got["R1"]["note"] == "team M1: split by the formula turnover_value + 2 * target_products_value"


def test_a_negative_weight_counts_zero(out):
    rows, _, _ = out
    # R1 202 - 204 = -2 counts 0, R2 206 - 204 = 2: R2 takes the whole 40.80
    got = {r["rep_id"]: r["pay"] for r in rows if r["component"] == "above 204"}
    assert got == {"R1": Decimal("0.00"), "R2": Decimal("40.80"), "R3": Decimal("0.00")}


def test_an_unknown_weight_leaves_the_pool_unsplit_with_the_reason(out):
    rows, report, totals = out
    # R2 has no target for 2025, so its turnover_value_attainment is unknown: nobody is paid from it
    got = [r for r in rows if r["component"] == "by attainment"]
    assert {r["rep_id"] for r in got} == {"R1", "R2", "R3"}
    for r in got:
        assert r["pay"] is None and r["pool_value"] == Decimal("40.80")
        assert r["note"] == ("no pay: the pool of team M1 is not split: turnover_value_attainment is unknown for R2 "
                             "(no target, or the measure is empty)")
    total = one(totals, rep_id="R1")
    assert total["total_pay"] is None and total["pools_pay"] is None
    assert any("the pool 'by attainment' is not paid in 2025 for team M1" in w for w in report.warnings)


@pytest.mark.parametrize("pool, problem", [
    ('split = "formula"\nsplit_formula = "turnover_valu * 2"',
     "[[pool]] #1 split_formula: 'turnover_valu' is not a measure of the rep; use turnover_value, "),
    ('split = "formula"\nsplit_formula = "max(turnover_value, 1)"',
     "[[pool]] #1 split_formula: 'max(turnover_value, 1)' is not a formula: 'max(turnover_value, 1)' is neither a "
     "measure, a number nor + - * /; write measures, numbers, + - * / and parentheses"),
    ('split = "formula"', '[[pool]] #1: pool \'p\': split = "formula" needs split_formula, the rep\'s weight, e.g. '
                          'split_formula = "turnover_value * turnover_value_attainment"'),
    ('split = "equal"\nsplit_formula = "turnover_value"',
     '[[pool]] #1: pool \'p\': split_formula is given but split = "equal"; write split = "formula" or remove '
     'split_formula'),
])
def test_a_bad_split_formula_is_refused_naming_the_file_and_the_key(tmp_path, pool, problem):
    from saleskpi.analyses.incentives import load_plan

    path = tmp_path / "plan.toml"
    path.write_text(PLAN[:PLAN.index("[[pool]]")] + '[[pool]]\nname = "p"\nmeasure = "turnover_value"\n'
                    'tiers = [[0, 0.1]]\n' + pool + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_plan(path)
    head, line = str(caught.value).split("\n")
    assert head == f"{path}: 1 invalid plan definition(s):" and line.removeprefix("  - ").startswith(problem)
