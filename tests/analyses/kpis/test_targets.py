"""Targets proposed from potential and the consistency check, on hand-worked tables.

Proposed = turnover + k × max(0, s × potential − turnover) per customer (k = 0.3, s = 0.5):
- X: turnover 100, potential 400 (two lines, 300 + 100): 0.5 × 400 = 200, gap 100, 130;
- Y: turnover 300, potential 400: 200 < 300, gap 0, 300 (never below what the customer buys);
- Z: no potential, turnover 50: no proposal of its own, carried at 50 upwards.
R1 (X, Y) = 430, R2 (Z) = 50; team M1 (R1, R2) = 480 = the company.
"""

import ibis
import pandas as pd
import pytest

from saleskpi.analyses.kpis.targets import consistency, proposals


def table(rows, schema):
    return ibis.memtable(pd.DataFrame(rows, columns=list(schema)), schema=ibis.schema(schema))


POTENTIAL = table([("X", "A", 60.0, 300.0), ("X", "B", 40.0, 100.0), ("Y", "A", 300.0, 400.0), ("Z", "A", 50.0, None)],
                  {"customer_id": "string", "business_line": "string", "turnover_value_12m": "float64",
                   "potential_value": "float64"})
CUSTOMERS = table([("X", "T1", "R1"), ("Y", "T1", "R1"), ("Z", "T2", "R2")],
                  {"customer_id": "string", "territory_id": "string", "rep_id": "string"})
REPS = table([("R1", "M1"), ("R2", "M1"), ("R3", "M1")], {"rep_id": "string", "team_id": "string"})
TARGETS = table([("2026", "company", None, "turnover_value", 1000.0), ("2026", "team", "M1", "turnover_value", 900.0),
                 ("2026", "rep", "R1", "turnover_value", 500.0), ("2026", "rep", "R2", "turnover_value", 400.0),
                 ("2026", "customer", "X", "turnover_value", 200.0), ("2026", "customer", "Y", "turnover_value", 300.0),
                 ("2026", "territory", "T1", "turnover_value", 600.0), ("2026", "territory", "T2", "turnover_value", 400.0)],
                {"period": "string", "level": "string", "key": "string", "kpi": "string", "target": "float64"})
TERRITORIES = table([("T1", None), ("T2", None)], {"territory_id": "string", "parent_id": "string"})


def test_fair_targets_follow_the_gap_to_potential():
    p = proposals(POTENTIAL, CUSTOMERS, REPS, TARGETS, gap_part=0.3, target_share=0.5, period="2027",
                  current_period="2026", currency="EUR").to_pandas().set_index(["level", "key"])
    assert p.loc[("customer", "X")].proposed_target_value == pytest.approx(130)
    assert p.loc[("customer", "X")].gap_to_target_share_value == pytest.approx(100)
    assert p.loc[("customer", "Y")].proposed_target_value == pytest.approx(300)
    assert p.loc[("customer", "Y")].gap_to_target_share_value == 0
    assert pd.isna(p.loc[("customer", "Z")].proposed_target_value)
    assert p.loc[("rep", "R1")].proposed_target_value == pytest.approx(430)
    assert p.loc[("rep", "R1")].proposed_vs_current == pytest.approx(430 / 500)
    assert p.loc[("rep", "R2")].proposed_target_value == pytest.approx(50)
    assert p.loc[("rep", "R2")].customers_without_potential == 1
    assert p.loc[("team", "M1")].proposed_target_value == pytest.approx(480)
    company = p.loc[("company", "")]
    assert (company.turnover_value_12m, company.potential_value, company.potential_at_target_share) == (450, 800, 400)
    assert company.proposed_target_value == pytest.approx(480) and company.current_target_value == 1000
    assert company.period == "2027" and company.currency == "EUR"
    # a quarterly workspace: no like target to compare a yearly proposal with
    q = proposals(POTENTIAL, CUSTOMERS, REPS, TARGETS, gap_part=0.3, target_share=0.5, period="2027",
                  current_period=None, currency="EUR").to_pandas()
    assert q.current_target_value.isna().all()


def test_every_parent_is_checked_against_the_sum_of_its_children():
    c = consistency(TARGETS, REPS, CUSTOMERS, TERRITORIES, tolerance=0.005).to_pandas()
    c = c.set_index(["parent_level", "parent_key", "child_level"])
    team = c.loc[("team", "M1", "rep")]  # 900 = 500 + 400; R3 has no target
    assert (team.children_target_sum, team.target_gap, team.consistent) == (900, 0, True)
    assert (team.children_with_target, team.children_without_target, team.team_id) == (2, 1, "M1")
    company = c.loc[("company", "", "rep")]
    assert (company.children_target_sum, company.target_gap, company.target_gap_share, company.consistent) == (900, 100, 0.1, False)
    assert c.loc[("company", "", "territory")].target_gap == 0
    assert c.loc[("company", "", "team")].target_gap == 100
    rep = c.loc[("rep", "R1", "customer")]  # 500 vs X 200 + Y 300
    assert (rep.target_gap, rep.children_without_target, rep.rep_id) == (0, 0, "R1")
    assert ("company", "", "business_line") not in c.index  # no business-line targets: nothing to check


def test_territories_sum_up_their_hierarchy():
    # P (target 1000) holds T1 (600) and T3 (none); T2 (400) has no parent: the company (1000) is
    # checked against the highest territories with a target, P and T2 (1400), and P against T1
    territories = table([("P", None), ("T1", "P"), ("T3", "P"), ("T2", None)], {"territory_id": "string",
                                                                                "parent_id": "string"})
    targets = table([("2026", "company", None, "turnover_value", 1000.0),
                     ("2026", "territory", "P", "turnover_value", 1000.0),
                     ("2026", "territory", "T1", "turnover_value", 600.0),
                     ("2026", "territory", "T2", "turnover_value", 400.0)],
                    {"period": "string", "level": "string", "key": "string", "kpi": "string", "target": "float64"})
    c = consistency(targets, REPS, CUSTOMERS, territories, tolerance=0.005).to_pandas()
    c = c.set_index(["parent_level", "parent_key", "child_level"])
    top = c.loc[("company", "", "territory")]
    assert (top.children_target_sum, top.target_gap, top.children_with_target) == (1400, -400, 2)
    p = c.loc[("territory", "P", "territory")]
    assert (p.children_target_sum, p.target_gap, p.children_with_target, p.children_without_target) == (600, 400, 1, 1)
    assert p.territory_id == "P" and not p.consistent
