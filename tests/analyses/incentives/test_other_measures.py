"""A plan paying on figures of results other than sales (share of wallet from wallet, P(alive)
from clv, class-A customers served from class-a): each rep's figure is the KPI catalogue's
roll-up of it (the kpis result's value at the rep), and a run that did not compute the result
pays nothing on it and says why."""

from decimal import Decimal

import pytest

from saleskpi import results
from saleskpi.analyses.incentives import load_plan, tiered_pay
from saleskpi.compute import compute

PLAN = """
name = "Account care"
period = "year"
target_pay = 5000
roles = ["rep"]

[[component]]
name = "wallet"
measure = "share_of_wallet"
weight = 0.4
basis = "value"
tiers = [[0.0, 10000.0]]
cap = 4000

[[component]]
name = "alive"
measure = "p_alive"
weight = 0.3
basis = "value"
mode = "retroactive"
tiers = [[0.0, 2000.0], [0.8, 3000.0]]

[[component]]
name = "class A served"
measure = "class_a_customers_served"
weight = 0.3
basis = "value"
tiers = [[0, 150.0]]
"""

KPI_OF = {"wallet": "share_of_wallet", "alive": "p_alive", "class A served": None}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from saleskpi.demo import build_demo

    ws = build_demo(tmp_path_factory.mktemp("other-measures") / "ws", customers=120, years=3, seed=4)
    (ws.path / "plans" / "account-care.toml").write_text(PLAN)
    report = compute(ws)
    yield ws, report
    ws.close()


def rows(ws, name, **match):
    return [r for r in results.read(ws.con, name).to_pyarrow().to_pylist()
            if all(r[k] == v for k, v in match.items())]


def test_each_component_pays_the_curve_on_the_reps_figure_of_the_other_result(demo):
    ws, _ = demo
    plan = load_plan(ws.path / "plans" / "account-care.toml")
    kpis = {(r["kpi"], r["key"]): r["kpi_actual"] for r in rows(ws, "kpis", level="rep")}
    statements = rows(ws, "incentive-statements", plan="Account care")
    served = {}
    for r in rows(ws, "class-a"):  # a class-A customer served = one who bought in the period to date
        if r["turnover_value_period"] is not None and r["turnover_value_period"] > 0:
            served[r["rep_id"]] = served.get(r["rep_id"], set()) | {r["customer_id"]}
    checked = 0
    for c in plan.component:
        for s in (s for s in statements if s["component"] == c.name):
            if KPI_OF[c.name] is None:
                value = len(served.get(s["rep_id"], ()))
            else:
                value = kpis.get((KPI_OF[c.name], s["rep_id"]))
            if value is None:
                assert s["pay"] is None and "is empty" in s["note"]
                continue
            assert s["actual"] == pytest.approx(value, rel=1e-12)
            assert s["pay"] == tiered_pay(s["actual"], c.tiers, mode=c.mode, cap=c.cap)
            checked += s["pay"] > 0
    assert checked >= 10
    totals = rows(ws, "incentive-totals", plan="Account care")
    paid = [t for t in totals if t["total_pay"] is not None]
    assert paid and all(t["total_pay"] == sum((s["pay"] for s in statements if s["rep_id"] == t["rep_id"]),
                                              Decimal(0)) for t in paid)


def test_a_run_without_the_result_pays_nothing_on_it_and_says_why(demo):
    ws, _ = demo
    report = compute(ws, only=["incentives"])
    said = [str(w) for w in report.warnings if "account" in str(w).lower() or "share_of_wallet" in str(w)]
    assert any("share_of_wallet from the result wallet, which this run did not compute" in w for w in said), said
    statements = [r for r in results.read(ws.con, "incentive-statements", run=report.run_id).to_pyarrow().to_pylist()
                  if r["plan"] == "Account care" and r["component"] == "wallet"]
    assert statements and all(s["pay"] is None and "share_of_wallet is empty" in s["note"] for s in statements)
    # the plan paying on sales alone is paid as before
    field = [t for t in results.read(ws.con, "incentive-totals", run=report.run_id).to_pyarrow().to_pylist()
             if t["plan"] == "Field sales"]
    assert field and any(t["total_pay"] for t in field)
