"""The matching and the lift on a hand-built panel whose answer is known exactly.

Months 0..29, window 12; every customer buys its base b each month to month 14, then 1.1·b
from month 15 (a common 10 % growth); the members M1 (b = 100) and M2 (b = 110), enrolled in
month 14, buy 30 more a month from month 15. The controls' change is 0.1·b, so at the members'
mean level (105) a non-member would have gained 10.5: the level-conditional DiD is
(mean member change 40.5) − 10.5 = 30 exactly, with zero residuals; the placebo (the two halves
before) is 0. Counterfactual = 105 + 10.5 = 115.5; relative lift 30 / 115.5.
Controls: N1..N3 never enrol (b = 80, 95, 130); L1 (b = 105) and M3 (b = 100) enrol in months 20
and 22: not yet members at the end of month 14, so controls (M3 is no member compared: its window
after would end in month 34, beyond the last month). Left out: F1 (first purchase in month 5,
after the window before starts in month 2) and Q1 (bought nothing in month 13, the month before
enrolment).
Naive gap: members' mean after (1.1·105 + 30 = 145.5) − that of the customers not enrolled by the
end of the members' window (month 26) who were customers by month 14: N1..N3, F1, Q1 after
(1.1 × (80 + 95 + 130 + 100 + 100) / 5 = 111.1) = 34.4.
"""

import numpy as np
import pandas as pd
import pytest

from saleskpi.analyses.loyalty import lift as L

BASES = {"M1": 100, "M2": 110, "N1": 80, "N2": 95, "N3": 130, "L1": 105, "F1": 100, "Q1": 100, "M3": 100}
ENROLLED = {"M1": "2020-03-10", "M2": "2020-03-20", "L1": "2020-09-05", "M3": "2020-11-02"}  # months 14, 20, 22
START = pd.Period("2019-01", "M")


def _panel():
    rows = []
    for c, b in BASES.items():
        for m in range(30):
            if (c == "F1" and m < 5) or (c == "Q1" and m == 13):
                continue
            v = b * (1.1 if m >= 15 else 1.0) + (30 if c in ("M1", "M2") and m >= 15 else 0)
            rows.append({"customer_id": c, "month": (START + m).to_timestamp(), "value": v, "margin": v / 4})
    members = pd.DataFrame({"customer_id": list(ENROLLED), "enrolled_on": pd.to_datetime(list(ENROLLED.values()))})
    return L.monthly_matrix(pd.DataFrame(rows), pd.Index(sorted(BASES)), members, pd.Series(dtype=float), START + 29)


def test_the_members_and_their_controls_are_chosen_by_the_rules():
    rows = L.matched_rows(_panel(), window=12, neighbours=5, last_full=29)
    assert sorted(rows[rows.treated == 1].customer_id) == ["M1", "M2"]
    assert set(rows.cohort) == {"2020-03"}
    assert sorted(rows[rows.treated == 0].customer_id.unique()) == ["L1", "M3", "N1", "N2", "N3"]
    assert len(rows) == 2 + 2 * 5  # every control serves both members (5 neighbours)
    m1 = rows[rows.customer_id == "M1"].iloc[0]
    assert (m1.purchases_pre, m1.purchases_post, m1.margin_post) == (100, 140, 35)


def test_the_lift_is_the_known_30_a_month_and_the_pre_trend_0():
    panel = _panel()
    rows = L.matched_rows(panel, window=12, neighbours=5, last_full=29)
    main, placebo = L.lift(rows, "purchases", level=0.95)
    assert main.estimate == pytest.approx(30)
    assert main.counterfactual == pytest.approx(115.5)
    assert main.relative == pytest.approx(30 / 115.5)
    assert placebo.estimate == pytest.approx(0, abs=1e-9)
    margin, _ = L.lift(rows, "margin", level=0.95)
    assert margin.estimate == pytest.approx(7.5)
    members = rows[rows.treated == 1]
    assert L.naive_gap(members, panel, window=12) == pytest.approx(145.5 - 111.1)


def test_share_of_wallet_is_purchases_times_12_over_the_potential():
    panel = _panel()
    panel.potential = np.full(len(panel.customers), 2400.0)
    rows = L.matched_rows(panel, window=12, neighbours=5, last_full=29)
    share, _ = L.lift(rows, "share_of_wallet", level=0.95)
    assert share.estimate == pytest.approx(30 * 12 / 2400)
    assert np.isfinite(rows.share_of_wallet_post).all()
