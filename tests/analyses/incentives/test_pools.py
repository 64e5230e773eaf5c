"""Team pools and credit splits on the hand-worked company of tests/analyses/conftest.py, every
figure by hand.

The year 2025 to 30 June (181 days of 365). R2 is moved into team M1 and R3 (no customers, no
sales) joins it, so team M1 holds all the sales: C1 202 (R1), C3 176 + C4 30 (R2) = 408; its
target 800 is due to date at 800 x 181 / 365 = 396.71 (the sales result's seasonal share, as in
test_statements.py). The reps' home territories: R1 and R3 T1, R2 T2; the territories' sales
are their customers': T1 C1 + C2 = 202, T2 C3 + C4 = 206."""

import datetime as dt
from decimal import Decimal

import pytest

from saleskpi import results
from saleskpi.analyses.incentives import apply_credit_splits, split_amount
from saleskpi.analyses.incentives.plans import CreditSplit
from saleskpi.compute import compute
from saleskpi.engines import raw
from saleskpi.errors import ConfigError
from saleskpi.workspace import Workspace
from tests.analyses.conftest import SMALL_COMPANY
from tests.analyses.incentives.test_statements import one

AS_OF = dt.date(2025, 6, 30)
EXTRA = """
    UPDATE reps SET team_id = 'M1', territory_id = 'T2' WHERE rep_id = 'R2';
    UPDATE reps SET territory_id = 'T1' WHERE rep_id = 'R1';
    INSERT INTO reps (rep_id, name, team_id, territory_id) VALUES ('R3', 'Rep 3', 'M1', 'T1');
    INSERT INTO targets (period, level, key, kpi, target) VALUES ('2025', 'team', 'M1', 'turnover_value', 800);
"""

TEAM = """
name = "Team"
period = "year"
target_pay = 1000

[[component]]
name = "commission"
measure = "turnover_value"
weight = 1
basis = "value"
tiers = [[0, 0.1]]

[[pool]]
name = "equal"
measure = "turnover_value"
tiers = [[0, 0.05]]
cap = 10
split = "equal"

[[pool]]
name = "pro rata"
measure = "turnover_value"
basis = "attainment"
target_pool = 300
tiers = [[0, 1.0], [1.0, 2.0]]
threshold = 0.5
split = "pro_rata"

[[pool]]
name = "weights"
measure = "turnover_value"
tiers = [[0, 0.1]]
teams = ["M1"]
split = "weights"
weights = { R1 = 2, R2 = 1 }

[[pool]]
name = "territory"
level = "territory"
measure = "turnover_value"
tiers = [[0, 0.1]]

[[pool]]
name = "company"
level = "company"
measure = "turnover_value"
tiers = [[0, 0.01]]
"""

SHARED = """
name = "Shared"
period = "year"
target_pay = 1000

[[component]]
name = "commission"
measure = "turnover_value"
weight = 0.4
basis = "value"
tiers = [[0, 0.1]]

[[component]]
name = "target products"
measure = "target_products_value"
weight = 0.4
basis = "value"
tiers = [[0, 0.1]]

[[component]]
name = "active"
measure = "customers_active"
weight = 0.2
basis = "value"
tiers = [[0, 1]]

[[credit_split]]
customer_id = "C1"
shares = { R1 = 0.75, R3 = 0.25 }

[[credit_split]]
customer_id = "C4"
shares = { R1 = 0.5, R2 = 0.5 }
"""

#: A contest per quarter of the year, ranked on the quarter's turnover, with the shared customers
#: split as in SHARED: each quarter's figures are credited by the shares.
QUARTERS = """
name = "Quarters"
period = "year"
target_pay = 1000

[[component]]
name = "commission"
measure = "turnover_value"
weight = 1
basis = "value"
tiers = [[0, 0.1]]

[[contest]]
name = "best quarter"
measure = "turnover_value"
rank_on = "value"
period = "quarter"
prizes = [100, 50]
min_value = 1

[[credit_split]]
customer_id = "C1"
shares = { R1 = 0.75, R3 = 0.25 }

[[credit_split]]
customer_id = "C4"
shares = { R1 = 0.5, R2 = 0.5 }
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    ws = Workspace.init(tmp_path_factory.mktemp("pools") / "ws")
    raw(ws.con).execute(SMALL_COMPANY + EXTRA)
    (ws.path / "plans").mkdir()
    (ws.path / "plans" / "team.toml").write_text(TEAM, encoding="utf-8")
    (ws.path / "plans" / "shared.toml").write_text(SHARED, encoding="utf-8")
    (ws.path / "plans" / "quarters.toml").write_text(QUARTERS, encoding="utf-8")
    report = compute(ws, only=["incentives"], as_of=AS_OF)
    rows = {name: results.read(ws.con, name).to_pyarrow().to_pylist()
            for name in ("incentive-statements", "incentive-totals")}
    yield rows, report, ws
    ws.close()


def test_split_amount_apportions_the_cents_by_largest_remainder():
    # 10.00 in three: quotas 333.33 cents each, one cent left goes to the first (equal remainders)
    assert split_amount(Decimal("10.00"), {"A": Decimal(1), "B": Decimal(1), "C": Decimal(1)}) == {
        "A": Decimal("3.34"), "B": Decimal("3.33"), "C": Decimal("3.33")}
    # 317.07 pro rata 202 : 206 : 0 -> 15698.25 / 16008.75 / 0 cents: the cent left goes to the .75
    assert split_amount(Decimal("317.07"), {"R1": Decimal(202), "R2": Decimal(206), "R3": Decimal(0)}) == {
        "R1": Decimal("156.98"), "R2": Decimal("160.09"), "R3": Decimal("0.00")}
    assert split_amount(Decimal("-1.00"), {"A": Decimal(1), "B": Decimal(2)}) == {
        "A": Decimal("-0.33"), "B": Decimal("-0.67")}


def test_an_equal_pool_on_the_team_turnover(out):
    rows, _, _ = out
    s = [r for r in rows["incentive-statements"] if r["plan"] == "Team"]
    # 5 % of the team's 408 = 20.40, capped at 10; three reps of M1: 3.34 / 3.33 / 3.33
    got = {rid: one(s, rep_id=rid, component="equal") for rid in ("R1", "R2", "R3")}
    for rid, pay in (("R1", "3.34"), ("R2", "3.33"), ("R3", "3.33")):
        r = got[rid]
        assert (r["step"], r["team_id"], r["actual"], r["pool_value"], r["pay"]) == (
            "pool", "M1", 408.0, Decimal("10.00"), Decimal(pay))
        assert (r["pay_before_cap"], r["cap_applied"], r["pool_share"]) == (Decimal("20.40"), True, pytest.approx(1 / 3))
        assert r["note"] == "team M1: split equally by the share of the period employed"
    assert not [r for r in s if r["team_id"] == "M2"]  # no rep of the plan in M2: no pool


def test_a_pool_on_team_attainment_split_pro_rata(out):
    rows, _, _ = out
    s = [r for r in rows["incentive-statements"] if r["plan"] == "Team"]
    # attainment 408 / (800 x 181/365) = 1.02845; the pool 300 x 1 + (1.02845 - 1) x 300 x 2 = 317.07
    # split 202 : 206 : 0 (R3 sold nothing: no sales row, contributes 0)
    attainment = 408 / (800 * 181 / 365)
    for rid, pay, share in (("R1", "156.98", 202 / 408), ("R2", "160.09", 206 / 408), ("R3", "0.00", 0.0)):
        r = one(s, rep_id=rid, component="pro rata")
        assert r["attainment"] == pytest.approx(attainment) and r["target"] == 396.71  # stored to the cent
        assert (r["basis"], r["tier_from"], r["tier_rate"]) == ("attainment", 1.0, 2.0)
        assert (r["pool_value"], r["pay"], r["pool_share"]) == (Decimal("317.07"), Decimal(pay), pytest.approx(share))
        assert r["note"] == "team M1: split pro rata to turnover_value"


def test_a_pool_split_by_weights_and_the_totals(out):
    rows, _, _ = out
    s = [r for r in rows["incentive-statements"] if r["plan"] == "Team"]
    # 10 % of 408 = 40.80 in 2 : 1 : 0 -> 27.20 / 13.60 / 0
    for rid, pay in (("R1", "27.20"), ("R2", "13.60"), ("R3", "0.00")):
        assert one(s, rep_id=rid, component="weights")["pay"] == Decimal(pay)
    totals = {r["rep_id"]: r for r in rows["incentive-totals"] if r["plan"] == "Team"}
    # R1: commission 20.20 + pools 3.34 + 156.98 + 27.20 + 10.10 + 1.36 = 198.98, total 219.18
    assert (totals["R1"]["components_pay"], totals["R1"]["pools_pay"], totals["R1"]["total_pay"]) == (
        Decimal("20.20"), Decimal("198.98"), Decimal("219.18"))
    # R2: 20.60 + 3.33 + 160.09 + 13.60 + 20.60 + 1.36
    assert (totals["R2"]["pools_pay"], totals["R2"]["total_pay"]) == (Decimal("198.98"), Decimal("219.58"))
    # R3 has no sales row: no commission (unknown), so no total; its pools are known (3.33 + 10.10 + 1.36)
    assert (totals["R3"]["pools_pay"], totals["R3"]["total_pay"]) == (Decimal("14.79"), None)
    # each pool is paid out exactly: the shares of a team sum to the pool
    for name in ("equal", "pro rata", "weights", "company"):
        pool = [r for r in s if r["component"] == name]
        assert sum(r["pay"] for r in pool) == pool[0]["pool_value"]


def test_structure_pools_on_a_territory_and_the_company(out):
    rows, _, _ = out
    s = [r for r in rows["incentive-statements"] if r["plan"] == "Team"]
    # 10 % of each territory's customers' sales, equally among its reps: T1 20.20 / 2, T2 20.60 to R2
    for rid, actual, pool, pay, unit in (("R1", 202.0, "20.20", "10.10", "T1"), ("R3", 202.0, "20.20", "10.10", "T1"),
                                         ("R2", 206.0, "20.60", "20.60", "T2")):
        r = one(s, rep_id=rid, component="territory")
        assert (r["actual"], r["pool_value"], r["pay"]) == (actual, Decimal(pool), Decimal(pay))
        assert r["note"] == f"territory {unit}: split equally by the share of the period employed"
    # 1 % of the company's 408 = 4.08 in three: 1.36 each
    for rid in ("R1", "R2", "R3"):
        r = one(s, rep_id=rid, component="company")
        assert (r["actual"], r["pool_value"], r["pay"], r["note"]) == (
            408.0, Decimal("4.08"), Decimal("1.36"), "the company: split equally by the share of the period employed")


def test_credit_splits_recredit_a_shared_customer(out):
    rows, _, _ = out
    s = [r for r in rows["incentive-statements"] if r["plan"] == "Shared"]
    # C1 (202, of it P1 132) credited 75 % R1 / 25 % R3; C4 (30, all P1) 50 % R1 / 50 % R2:
    # R1 202 - 202 + 151.5 + 15 = 166.5, R2 206 - 30 + 15 = 191, R3 50.5 (they still sum to 408);
    # target products R1 99 + 15 = 114, R2 15, R3 33
    for rid, turnover, tp, note in (("R1", 166.5, 114.0, "credit split: counts 75% of C1, 50% of C4"),
                                    ("R2", 191.0, 15.0, "credit split: counts 50% of C4"),
                                    ("R3", 50.5, 33.0, "credit split: counts 25% of C1")):
        c = one(s, rep_id=rid, component="commission")
        assert (c["actual"], c["pay"], c["note"]) == (turnover, Decimal(repr(turnover / 10)).quantize(Decimal("0.01")),
                                                      note)
        t = one(s, rep_id=rid, component="target products")
        assert (t["actual"], t["pay"], t["note"]) == (tp, Decimal(repr(tp / 10)).quantize(Decimal("0.01")), note)
    # a count of customers is not a sum of the customers' sales: not split, and said so
    active = one(s, rep_id="R1", component="active")
    assert (active["actual"], active["pay"]) == (1.0, Decimal("1.00"))
    assert active["note"] == "credit split not applied: customers_active is not a sum over customers"
    r3 = one(s, rep_id="R3", component="active")
    assert r3["pay"] is None and r3["note"].startswith("no pay: customers_active is empty for R3")
    totals = {r["rep_id"]: r for r in rows["incentive-totals"] if r["plan"] == "Shared"}
    # cost of sales on the credited turnover: R1 (16.65 + 11.40 + 1.00) / 166.5
    assert totals["R1"]["total_pay"] == Decimal("29.05")
    assert totals["R1"]["cost_of_sales"] == pytest.approx(29.05 / 166.5)
    # the other plan is not split
    assert one(rows["incentive-statements"], plan="Team", rep_id="R1", component="commission")["actual"] == 202.0


def test_credit_splits_recredit_each_quarter_of_a_quarterly_contest(out):
    rows, _, _ = out
    s = [r for r in rows["incentive-statements"] if r["plan"] == "Quarters"]
    notes = {"R1": "credit split: counts 75% of C1, 50% of C4", "R2": "credit split: counts 50% of C4",
             "R3": "credit split: counts 25% of C1"}
    # Q1: C1's 132 + 50 + 20 = 202 credited 75 % R1 (151.5) / 25 % R3 (50.5); R2 sold nothing in Q1.
    # Q2: C3's 176 stays R2's, C4's 30 is split 15 / 15: R2 191, R1 15, R3 0 (below min_value 1)
    for label, figures in (("2025-Q1", {"R1": (151.5, 1, "100.00"), "R3": (50.5, 2, "50.00"), "R2": (0.0, None, "0.00")}),
                           ("2025-Q2", {"R2": (191.0, 1, "100.00"), "R1": (15.0, 2, "50.00"), "R3": (0.0, None, "0.00")})):
        for rid, (actual, rank, prize) in figures.items():
            r = one(s, rep_id=rid, component=f"best quarter {label}")
            head = None if rank else "not ranked: below the contest's min_value 1.0"
            assert (r["actual"], r["rank"], r["pay"], r["note"]) == (
                actual, rank, Decimal(prize), "; ".join(filter(None, [head, notes[rid]])))
    # the plan's own components are split too: R1 166.5 for the half-year, as in the Shared plan
    assert one(s, rep_id="R1", component="commission")["actual"] == 166.5


def test_apply_credit_splits_moves_the_team_rows_and_recomputes_attainment():
    rep_rows = {"A": {"turnover_value_period": 100.0, "target_value_to_date": 200.0, "attainment_by_value": 0.5,
                      "turnover_volume_period": 10.0, "target_products_value": None}}
    team_rows = {"T": {"turnover_value_period": 100.0, "target_value_to_date": 400.0, "attainment_by_value": 0.25,
                       "turnover_volume_period": 10.0, "target_products_value": None},
                 "U": {"turnover_value_period": 0.0, "target_value_to_date": 50.0, "attainment_by_value": 0.0,
                       "turnover_volume_period": 0.0, "target_products_value": 0.0}}
    credited = [{"customer_id": "K", "rep_id": "A", "team_id": "T", "turnover_value_period": 80.0,
                 "turnover_volume_period": 4.0, "target_products_value": 8.0}]
    split = CreditSplit(customer_id="K", shares={"A": 0.4, "B": 0.6})
    reps, teams, notes = apply_credit_splits(rep_rows, team_rows, credited, [split], {"A": "T", "B": "U"})
    # A keeps 100 - 80 + 32 = 52 of value (attainment 52 / 200), 10 - 4 + 1.6 = 7.6 of volume; B gets 48 and 2.4
    assert reps["A"]["turnover_value_period"] == 52.0 and reps["A"]["attainment_by_value"] == 0.26
    assert reps["A"]["turnover_volume_period"] == pytest.approx(7.6) and reps["A"]["target_products_value"] is None
    assert (reps["B"]["turnover_value_period"], reps["B"]["target_products_value"]) == (48.0, 4.8)
    assert reps["B"]["attainment_by_value"] is None  # no target known for B
    assert teams["T"]["turnover_value_period"] == 52.0 and teams["T"]["attainment_by_value"] == 0.13
    assert (teams["U"]["turnover_value_period"], teams["U"]["attainment_by_value"]) == (48.0, 0.96)
    assert notes == {"A": "credit split: counts 40% of K", "B": "credit split: counts 60% of K"}


def test_no_team_target_means_no_pool_and_no_total(out):
    _, _, ws = out
    raw(ws.con).execute("DELETE FROM targets WHERE level = 'team'")
    try:
        report = compute(ws, only=["incentives"], as_of=AS_OF)
        s = results.read(ws.con, "incentive-statements").to_pyarrow().to_pylist()
        totals = results.read(ws.con, "incentive-totals").to_pyarrow().to_pylist()
    finally:
        raw(ws.con).execute("INSERT INTO targets (period, level, key, kpi, target) VALUES "
                            "('2025', 'team', 'M1', 'turnover_value', 800)")
    r = one(s, plan="Team", rep_id="R1", component="pro rata")
    assert r["pay"] is None and r["pool_value"] is None
    assert r["note"] == ("no pool: no target for team M1 in 2025 (targets, level team, kpi turnover_value); import "
                         "the team's target to compute it")
    t = one(totals, plan="Team", rep_id="R1")
    assert (t["components_pay"], t["pools_pay"], t["total_pay"]) == (Decimal("20.20"), None, None)
    assert t["note"] == "total not computed: no pay on pro rata (see the statement)"
    assert ("incentives: plan 'Team': the pool 'pro rata' is not paid in 2025 for team M1: the statements say why."
            in report.warnings)


def test_unknown_teams_reps_and_customers_are_refused(out):
    _, _, ws = out
    path = ws.path / "plans" / "team.toml"
    bad = (TEAM.replace('teams = ["M1"]', 'teams = ["M1", "M9"]').replace("R2 = 1", "R9 = 1")
           .replace('level = "territory"', 'level = "territory"\nterritories = ["T9"]')
           + '[[credit_split]]\ncustomer_id = "C9"\nshares = { R1 = 0.5, R8 = 0.5 }\n')
    try:
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            compute(ws, only=["incentives"], as_of=AS_OF)
    finally:
        path.write_text(TEAM, encoding="utf-8")
    assert str(caught.value) == (
        f"{path}: 5 invalid plan definition(s):\n"
        "  - [[pool]] #3 teams: 'M9' is not a team of the reps table (reps.team_id); use one of M1\n"
        "  - [[pool]] #3 weights: 'R9' is not a rep of the plan; weigh only reps of an eligible role (roles) and, "
        "when the plan lists them, of reps\n"
        "  - [[pool]] #4 territories: 'T9' is not a home territory of the reps table (reps.territory_id); use one "
        "of T1, T2\n"
        "  - [[credit_split]] #1 customer_id: 'C9' is not in the customers table; use a customers.customer_id\n"
        "  - [[credit_split]] #1 shares: 'R8' is not in the reps table; credit reps of the reps table")
