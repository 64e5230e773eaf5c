"""plan-whatif on a small demo company (its example plan and proposed plan, written by build_demo):
the replay of the plan in force on a past period is the statement that a run on that period's
last day computes, and the summary rows add up their rep rows."""

import datetime as dt
from decimal import Decimal

import pytest

from saleskpi import results
from saleskpi.analyses.periods import periods
from saleskpi.compute import compute


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from saleskpi.demo import build_demo

    ws = build_demo(tmp_path_factory.mktemp("whatif-demo") / "ws", customers=150, years=3, seed=11)
    now = compute(ws)
    whatif = results.read(ws.con, "plan-whatif").to_pyarrow().to_pylist()
    yield ws, now, whatif
    ws.close()


def test_the_replay_of_the_plan_in_force_is_the_statement_of_that_period(demo):
    ws, now, whatif = demo
    p = periods(now.as_of, ws.settings.sales.period)
    last_day = p.current.start - dt.timedelta(days=1)
    label = periods(last_day, ws.settings.sales.period).label
    # [incentives] whatif_periods = 3 complete years (the oldest only partly covered by the 3-year history)
    assert sorted({r["period"] for r in whatif}) == [str(int(label) - 2), str(int(label) - 1), label]
    compute(ws, only=["incentives"], as_of=last_day)
    totals = {t["rep_id"]: t["total_pay"] for t in results.read(ws.con, "incentive-totals").to_pyarrow().to_pylist()}
    replayed = {r["rep_id"]: r["current_pay"] for r in whatif if r["period"] == label and r["rep_id"] is not None}
    assert len(replayed) >= 5 and replayed == totals  # the example plan has no manual adjustment


def test_summaries_add_up_their_rep_rows(demo):
    _, now, whatif = demo
    periods_known = []
    for period in sorted({r["period"] for r in whatif}):
        reps = [r for r in whatif if r["period"] == period and r["rep_id"] is not None]
        known = [r for r in reps if r["pay_change"] is not None]
        (s,) = [r for r in whatif if r["period"] == period and r["rep_id"] is None]
        assert s["reps_compared"] == len(known)
        if not known:  # no target in the period: unknown, never 0
            assert s["current_pay"] is None and s["proposed_pay"] is None and s["reps_above_target_share"] is None
            assert s["note"].startswith(f"{len(reps)} rep(s) with an unknown pay are left out of the summary")
            assert all(r["note"].startswith("pay unknown by the current plan and the proposed plan") for r in reps)
            assert any(w.startswith("incentives: plan-whatif: some reps' pay is unknown in ") and period in w
                       for w in now.warnings)
            continue
        periods_known.append(period)
        assert s["current_pay"] == sum((r["current_pay"] for r in known), Decimal(0))
        assert s["proposed_pay"] == sum((r["proposed_pay"] for r in known), Decimal(0))
        assert s["pay_change"] == s["proposed_pay"] - s["current_pay"]
        assert (s["gainers"], s["losers"]) == (sum(r["pay_change"] > 0 for r in known),
                                               sum(r["pay_change"] < 0 for r in known))
        assert s["proposed_pay_p10"] <= s["proposed_pay_median"] <= s["proposed_pay_p90"]
    assert len(periods_known) >= 2
