"""The turnover tree (turnover = active customers × potential per active customer × share of
wallet) on hand-made tables: the LMDI-I effects (Ang 2004) worked out by hand, the identity and
its residual, empty effects with the reason where a factor is 0 or unknown, and the targets'
product against the turnover target."""

from __future__ import annotations

import math
from decimal import Decimal

import ibis
import pandas as pd
import pytest

from saleskpi.analyses.kpis.tree import log_mean, turnover_tree

KPIS = {"turnover": "turnover_value", "customers": "active_customers", "potential": "potential_per_customer",
        "share": "share_of_wallet"}

# customer: (territory, rep, base value last year, value in the period to date, yearly potential or None)
CUSTOMERS = {
    # territory N: c3 is new; every customer has a potential
    "c1": ("N", "R1", 100.0, 150.0, 1000.0),
    "c2": ("N", "R1", 300.0, 300.0, 1000.0),
    "c3": ("N", "R1", 0.0, 600.0, 2000.0),
    # territory S: c4 has no potential (the identity is not exact), c5 is unchanged
    "c4": ("S", "R2", 50.0, 80.0, None),
    "c5": ("S", "R2", 100.0, 100.0, 500.0),
    # territory E: its only customer is new (no active customer last year)
    "c6": ("E", "R3", 0.0, 200.0, 1000.0),
    # territory U: its only customer has no potential
    "c7": ("U", "R4", 40.0, 60.0, None),
}


def _tables(coverage_prev: float = 0.5):
    sales = pd.DataFrame([{"level": "customer", "key": c, "business_line": None, "customer_id": c,
                           "turnover_value_period": now, "turnover_value_prev": base, "turnover_value_ly": base,
                           "coverage_prev": coverage_prev, "coverage_ly": 1.0}
                          for c, (_t, _r, base, now, _p) in CUSTOMERS.items()])
    potential = pd.DataFrame([{"customer_id": c, "business_line": "L", "potential_value": p}
                              for c, (*_x, p) in CUSTOMERS.items()])
    customers = pd.DataFrame([{"customer_id": c, "territory_id": t, "rep_id": r}
                              for c, (t, r, *_x) in CUSTOMERS.items()])
    reps = pd.DataFrame({"rep_id": ["R1", "R2", "R3", "R4"], "team_id": ["TA", "TB", "TB", "TB"]})
    targets = pd.DataFrame([
        # N: 3 customers × 1000 × 0.4 = 1200 = its turnover target
        ("2026", "territory", "N", "turnover_value", 1200.0), ("2026", "territory", "N", "active_customers", 3.0),
        ("2026", "territory", "N", "potential_per_customer", 1000.0), ("2026", "territory", "N", "share_of_wallet", 0.4),
        # S: 2 × 500 × 0.4 = 400 against 500: gap 100, 20 %
        ("2026", "territory", "S", "turnover_value", 500.0), ("2026", "territory", "S", "active_customers", 2.0),
        ("2026", "territory", "S", "potential_per_customer", 500.0), ("2026", "territory", "S", "share_of_wallet", 0.4),
        # R2: a factor's target alone, R1 a turnover target alone; another year's targets are not read
        ("2026", "rep", "R2", "share_of_wallet", 0.3), ("2026", "rep", "R1", "turnover_value", 999.0),
        ("2025", "territory", "N", "active_customers", 7.0),
    ], columns=["period", "level", "key", "kpi", "target"])
    return (ibis.memtable(sales).cast({"business_line": "string"}),
            ibis.memtable(potential).cast({"potential_value": "float64"}),
            ibis.memtable(customers), ibis.memtable(reps), ibis.memtable(targets))


@pytest.fixture(scope="module")
def tree() -> pd.DataFrame:
    out = turnover_tree(*_tables(), period="2026", tolerance=0.005, currency="EUR", target_kpis=KPIS)
    return out.to_pyarrow().to_pandas().set_index(["comparison", "level", "key"])


def test_the_effects_worked_by_hand_add_up_to_the_change(tree):
    n = tree.loc[("last_year", "territory", "N")]
    # last year: c1, c2 active, potential 2000 -> 1000 each, share 400 / 2000 = 0.2, V0 = 2 · 1000 · 0.2 = 400
    # now: c1, c2, c3 active, potential 4000 -> 4000/3 each, share 1050 / 4000 = 0.2625, V1 = 1050
    assert (n.customers_active_base, n.customers_active_current) == (2, 3)
    # shown to the cent, the same on every engine (saleskpi.analyses.shared.cents_per): 4000 / 3 = 1,333.33
    assert n.base_potential_per_customer_value == Decimal("1000.00")
    assert n.potential_per_customer_value == Decimal("1333.33")
    assert (n.share_of_wallet_base, n.share_of_wallet_current) == pytest.approx((0.2, 0.2625), abs=1e-12)
    assert (n.base_factors_product_value, n.factors_product_value) == pytest.approx((400, 1050), abs=1e-9)
    weight = (1050 - 400) / (math.log(1050) - math.log(400))  # L(V1, V0)
    by_hand = {"customers_effect_value": weight * math.log(3 / 2),
               "potential_effect_value": weight * math.log((4000 / 3) / 1000),
               "share_effect_value": weight * math.log(0.2625 / 0.2)}
    for col, value in by_hand.items():
        assert n[col] == pytest.approx(value, abs=1e-9), col
    assert by_hand["customers_effect_value"] == pytest.approx(273.08832, abs=1e-5)  # 650 · ln 1.5 / ln 2.625
    assert sum(n[c] for c in by_hand) == pytest.approx(650, abs=1e-9)
    assert n.change_value == 650 and n.unexplained_change_value == pytest.approx(0, abs=1e-9)
    assert n.largest_effect == "customers" and n.identity_holds and n.identity_residual_value == pytest.approx(0)
    assert pd.isna(n.note)


def test_where_the_identity_is_not_exact_the_residual_is_shown_not_forced(tree):
    s = tree.loc[("last_year", "territory", "S")]
    # c4 has no potential: V = 2 customers · 500 · (100 / 500) = 200 in both windows, T = 150 then 180
    assert (s.base_factors_product_value, s.factors_product_value) == pytest.approx((200, 200))
    assert (s.base_value, s.current_value, s.change_value) == (150, 180, 30)
    assert s.identity_residual_value == pytest.approx(-20) and not s.identity_holds
    # V did not move: L(200, 200) = 200 and every log ratio is 0 -- real zeros, the factors are known
    for c in ("customers_effect_value", "potential_effect_value", "share_effect_value"):
        assert s[c] == pytest.approx(0, abs=1e-12)
    assert s.unexplained_change_value == pytest.approx(30)
    assert "identity not exact" in s.note


def test_a_factor_zero_or_unknown_leaves_the_effects_empty_with_the_reason(tree):
    effects = ["customers_effect_value", "potential_effect_value", "share_effect_value", "unexplained_change_value",
               "largest_effect"]
    e = tree.loc[("last_year", "territory", "E")]  # no active customer last year: N0 = 0
    assert e.customers_active_base == 0 and e.change_value == 200
    assert e[effects].isna().all()
    assert "no active customer in one of the two windows" in e.note
    u = tree.loc[("last_year", "territory", "U")]  # active, but no potential: p̄ and s unknown
    assert pd.isna(u.potential_per_customer_value) and pd.isna(u.share_of_wallet_current)
    assert u[effects].isna().all() and pd.isna(u.factors_product_value)
    assert "no active customer with a potential" in u.note
    # the previous period's window is covered only half: who was active in it is unknown
    p = tree.loc[("previous", "territory", "N")]
    assert pd.isna(p.customers_active_base) and p[effects].isna().all() and p.base_value == 400
    assert "do not cover the previous period's window whole" in p.note


def test_the_company_and_the_rep_and_team_nodes(tree):
    c = tree.loc[("last_year", "company", "")]
    # last year active: c1 c2 c4 c5 c7 (5), with a potential c1 c2 c5: 2500, their turnover 500
    # now active: all 7, with a potential c1 c2 c3 c5 c6: 5500, their turnover 1350
    assert (c.customers_active_base, c.customers_active_current) == (5, 7)
    v0, v1 = 5 * (2500 / 3) * (500 / 2500), 7 * (5500 / 5) * (1350 / 5500)
    assert (c.base_factors_product_value, c.factors_product_value) == pytest.approx((v0, v1), abs=1e-9)
    weight = (v1 - v0) / math.log(v1 / v0)
    assert c.customers_effect_value == pytest.approx(weight * math.log(7 / 5), abs=1e-9)
    assert c.potential_effect_value == pytest.approx(weight * math.log((5500 / 5) / (2500 / 3)), abs=1e-9)
    assert c.share_effect_value == pytest.approx(weight * math.log((1350 / 5500) / (500 / 2500)), abs=1e-9)
    assert c.change_value == 1490 - 590
    assert c.unexplained_change_value == pytest.approx((1490 - v1) - (590 - v0), abs=1e-9)
    assert tree.loc[("last_year", "rep", "R1")].factors_product_value == pytest.approx(1050)
    team = tree.loc[("last_year", "team", "TB")]  # R2, R3, R4: S, E and U
    assert (team.customers_active_base, team.customers_active_current) == (3, 4)
    assert team.team_id == "TB" and pd.isna(team.rep_id) and pd.isna(team.territory_id)
    assert set(tree.index.get_level_values("level")) == {"company", "territory", "team", "rep"}


def test_the_targets_multiply_up_or_the_gap_is_shown(tree):
    n, s = tree.loc[("last_year", "territory", "N")], tree.loc[("last_year", "territory", "S")]
    assert (n.target_factors_product_value, n.target_tree_gap_value, n.targets_consistent) == (1200, 0, True)
    assert (s.target_value, s.target_factors_product_value) == (500, pytest.approx(400))
    assert s.target_tree_gap_value == pytest.approx(100) and s.target_tree_gap_share == pytest.approx(0.2)
    assert not s.targets_consistent
    r1, r2 = tree.loc[("last_year", "rep", "R1")], tree.loc[("last_year", "rep", "R2")]
    assert r1.target_value == 999 and pd.isna(r1.targets_consistent) and pd.isna(r1.note)
    assert r2.target_share_of_wallet == 0.3 and pd.isna(r2.targets_consistent)
    assert "targets not checked: the node needs a 2026 target of turnover and of each of the three factors" in r2.note


def test_the_log_mean():
    con = ibis.duckdb.connect()

    def value(a, b):
        return con.execute(log_mean(ibis.literal(a, "float64"), ibis.literal(b, "float64")))

    assert value(5.0, 5.0) == 5.0
    assert value(1050.0, 400.0) == pytest.approx(650 / math.log(2.625), rel=1e-14)
    # near a = b: the exact value (a − b) / log1p((a − b) / b), to full precision
    a, b = 1000.0 * (1 + 3e-9), 1000.0
    assert value(a, b) == pytest.approx((a - b) / math.log1p((a - b) / b), rel=1e-14)
    assert value(0.0, 3.0) is None or math.isnan(value(0.0, 3.0))
