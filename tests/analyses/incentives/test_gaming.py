"""gaming-flags on a constructed company: one rep who must be flagged per pattern, reps who must not."""

import datetime as dt
from decimal import Decimal

import pytest

from saleskpi import results
from saleskpi.analyses.incentives.gaming import flags
from saleskpi.analyses.incentives.plans import Plan
from saleskpi.analyses.periods import periods
from saleskpi.compute import compute
from saleskpi.engines import raw
from saleskpi.workspace import Workspace

AS_OF = dt.date(2025, 6, 30)  # the complete period checked is 2024 (366 days)

PLAN = """
name = "Field"
period = "year"
target_pay = 1000

[[component]]
name = "quota"
measure = "turnover_value"
weight = 1.0
tiers = [[0, 1.0], [1.0, 1.5]]
threshold = 0.5
"""


def _monthly(invoice: str, customer: str, quantity: int, value: int) -> str:
    return ", ".join(f"('{invoice}{m}', '2024-{m:02d}-15', '{customer}', 'P1', {quantity}, {value})" for m in range(1, 13))


# R1: 12 x 70 = 840, then 180 on 28 December at a 25 % discount (24 units listed at 10): 1020 on a target of
#     1000, attainment 1.02 just past the accelerator at 1.0 (0.84 without the last 7 days), nothing in early 2025.
# R2: 12 x 100 = 1200 on a target of 1200 (attainment 1.0), then a return of 60 on 10 January 2025.
# R3: 12 x 100 + 50 on 29 December = 1250 on 1000 (1.25: no bound near), a return of 30 on 10 January.
COMPANY = f"""
    INSERT INTO teams (team_id, name) VALUES ('M1', 'Team 1');
    INSERT INTO territories (territory_id, name) VALUES ('T1', 'North');
    INSERT INTO reps (rep_id, name, team_id) VALUES ('R1', 'Rep 1', 'M1'), ('R2', 'Rep 2', 'M1'), ('R3', 'Rep 3', 'M1');
    INSERT INTO customers (customer_id, name, territory_id, rep_id) VALUES
        ('C1', 'c1', 'T1', 'R1'), ('C2', 'c2', 'T1', 'R2'), ('C3', 'c3', 'T1', 'R3');
    INSERT INTO products (product_id, name, category, business_line, is_target, list_price) VALUES
        ('P1', 'p1', 'a', 'A', false, 10);
    INSERT INTO sales (invoice_id, date, customer_id, product_id, quantity, net_value) VALUES
        {_monthly('A', 'C1', 7, 70)}, {_monthly('B', 'C2', 10, 100)}, {_monthly('C', 'C3', 10, 100)},
        ('A13', '2024-12-28', 'C1', 'P1', 24, 180), ('C13', '2024-12-29', 'C3', 'P1', 5, 50),
        ('B14', '2025-01-10', 'C2', 'P1', -6, -60), ('C14', '2025-01-10', 'C3', 'P1', -3, -30),
        ('A15', '2025-03-01', 'C1', 'P1', 7, 70), ('B15', '2025-03-01', 'C2', 'P1', 10, 100),
        ('C15', '2025-03-01', 'C3', 'P1', 10, 100);
    INSERT INTO targets (period, level, key, kpi, target) VALUES
        ('2024', 'rep', 'R1', 'turnover_value', 1000), ('2024', 'rep', 'R2', 'turnover_value', 1200),
        ('2024', 'rep', 'R3', 'turnover_value', 1000);
"""


@pytest.fixture(scope="module")
def flagged(tmp_path_factory):
    ws = Workspace.init(tmp_path_factory.mktemp("gaming") / "ws")
    raw(ws.con).execute(COMPANY)
    (ws.path / "plans").mkdir()
    (ws.path / "plans" / "field.toml").write_text(PLAN, encoding="utf-8")
    report = compute(ws, only=["incentives"], as_of=AS_OF)
    rows = results.read(ws.con, "gaming-flags").to_pyarrow().to_pylist()
    ws.close()
    return rows, report


def test_the_flags_are_exactly_the_constructed_ones(flagged):
    rows, _ = flagged
    assert sorted((r["rep_id"], r["flag"], r["tier_bound"]) for r in rows) == [
        ("R1", "discount_past_accelerator", 1.0), ("R1", "period_end_shift", 1.0), ("R2", "return_after_payout", 1.0)]
    assert {(r["plan"], r["period"], r["component"], r["currency"]) for r in rows} == {("Field", "2024", "quota", "EUR")}


def test_a_period_end_shift_with_its_evidence(flagged):
    r = next(r for r in flagged[0] if r["flag"] == "period_end_shift")
    rate, company = (180 / 7) / (1020 / 366), (230 / 7) / (3470 / 366)
    assert (r["flagged_figure"], r["figure_without"], r["window_value"]) == (
        pytest.approx(1.02), pytest.approx(0.84), Decimal("180.00"))
    assert (r["rate_ratio"], r["company_rate_ratio"], r["next_rate_ratio"]) == (
        pytest.approx(rate), pytest.approx(company), 0.0)
    assert r["note"] == (f"attainment 1.020 just above the bound attainment 1.000; without the last 7 days' 180.00 "
                         f"it would be attainment 0.840; those days ran at {rate:.1f}x the rep's period rate (the "
                         f"company's: {company:.1f}x), the first 7 days after at 0.0x")


def test_a_discount_past_the_accelerator(flagged):
    r = next(r for r in flagged[0] if r["flag"] == "discount_past_accelerator")
    assert (r["discount_window"], r["discount_usual"]) == (pytest.approx(0.25), pytest.approx(0.0))
    assert r["note"] == ("attainment 1.020 just past the accelerator at attainment 1.000, reached in the last 7 days "
                         "at a discount of 25.0% against 0.0% on the rest of the period")


def test_a_return_after_the_payout_and_one_that_changes_nothing(flagged):
    r = next(r for r in flagged[0] if r["flag"] == "return_after_payout")
    assert (r["flagged_figure"], r["figure_without"], r["window_value"]) == (1.0, pytest.approx(0.95), Decimal("60.00"))
    assert "the data do not link a return to its invoice" in r["note"]
    assert not [x for x in flagged[0] if x["rep_id"] == "R3"]  # 1.25 -> 1.22 after its return: no bound crossed


def test_a_company_wide_year_end_rush_is_not_flagged():
    plan = Plan.model_validate({"name": "F", "period": "year", "target_pay": 1000, "component": [
        {"name": "quota", "measure": "turnover_value", "weight": 1.0, "tiers": [[0, 1.0], [1.0, 1.5]]}]})
    p = periods(dt.date(2024, 12, 31), "year")
    window = {"value": 1020.0, "value_end": 180.0, "value_next": 0.0, "returns": 0.0, "net_end": None,
              "list_end": None, "net_rest": None, "list_rest": None, "next_known": True}
    reps = [{"rep_id": "R1", "team_id": "M1", "role": None}]
    targets = {("R1", "turnover_value"): 1000.0}
    alone = flags(plan, p, reps, {"R1": window}, {"value": 3470.0, "value_end": 230.0}, targets, "EUR",
                  discounts_known=True)
    assert [r["flag"] for r in alone] == ["period_end_shift"]
    # the whole company sells 40 % of its year in the last 7 days: R1's spike (9.2x) is below 2 x the company's
    rush = flags(plan, p, reps, {"R1": window}, {"value": 3470.0, "value_end": 0.4 * 3470}, targets, "EUR",
                 discounts_known=True)
    assert rush == []
