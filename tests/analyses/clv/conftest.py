"""The companies the clv tests share: a hand-worked one, one without cost, the demo company.

The hand-worked company (``history_company``) is worked out in test_history.py; the one whose
customers buy as BG/NBD says (``no_cost``) and the demo company (``demo``, with its truth) in
test_value.py, test_fits.py and test_validation.py.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from saleskpi.analyses.clv.value import scores
from saleskpi.engines import raw
from saleskpi.config import ClvSection

AS_OF = dt.date(2026, 3, 31)


HISTORY_COMPANY = """
    INSERT INTO territories (territory_id, name) VALUES ('T1', 'North');
    INSERT INTO teams (team_id, name) VALUES ('M1', 'Team 1');
    INSERT INTO reps (rep_id, name, team_id) VALUES ('R1', 'Rep 1', 'M1');
    INSERT INTO customers (customer_id, name, territory_id, rep_id) VALUES
        ('C1', 'c1', 'T1', 'R1'), ('C2', 'c2', 'T1', 'R1'), ('C3', 'c3', 'T1', 'R1');
    INSERT INTO products (product_id, name, category, business_line) VALUES ('P1', 'p1', 'a', 'A');
    INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, net_value, cost, margin) VALUES
        ('F0', 1, '2023-06-01', 'C1', 'P1', 1, 1000, 600, NULL),
        ('F1', 1, '2024-05-10', 'C1', 'P1', 1, 200, 150, NULL),
        ('F2', 1, '2025-07-01', 'C1', 'P1', 1, 300, 200, NULL),
        ('F2', 2, '2025-07-01', 'C1', 'P1', 1, 100, 40, NULL),
        ('F3', 1, '2026-02-01', 'C1', 'P1', 1, 100, 80, NULL),
        ('F4', 1, '2025-03-01', 'C2', 'P1', 5, 500, 250, NULL),
        ('CN4', 1, '2025-04-01', 'C2', 'P1', -1, -100, -50, NULL),
        ('F5', 1, '2026-04-15', 'C2', 'P1', 9, 999, 0, NULL),
        ('F6', 1, '2026-01-10', 'C3', 'P1', 1, 1000, NULL, 900);
"""



@pytest.fixture(scope="module")
def history_company(tmp_path_factory):
    from saleskpi.workspace import Workspace

    ws = Workspace.init(tmp_path_factory.mktemp("clv") / "ws")
    raw(ws.con).execute(HISTORY_COMPANY)
    yield ws
    ws.close()



# --- data without cost: the purchase model needs dates only --------------------------------------

NO_COST_AS_OF = dt.date(2025, 12, 31)



def no_cost_company(seed=3, n=60):
    """A company whose customers buy as BG/NBD says (rate Gamma(2, 0.25) a week, drop-out Beta(1, 6)
    per purchase), first purchases in 2024-01-01 .. 2025-06-30; net values Gamma(4, 1/4) times a
    customer's own scale (log-normal, median 150), cost 70 % of the net value for the even
    customers, none for the odd ones. Returns the INSERT statements and
    the purchase days per customer."""
    rng = np.random.default_rng(seed)
    start, end = dt.date(2024, 1, 1), NO_COST_AS_OF
    rows, days_of = [], {}
    for i in range(n):
        cid = f"K{i:02d}"
        first = start + dt.timedelta(days=int(rng.integers(0, 547)))
        lam, p, scale = rng.gamma(2.0, 0.25), rng.beta(1.0, 6.0), rng.lognormal(5.0, 0.8)
        day, days = first, [first]
        while True:
            day = day + dt.timedelta(days=max(1, int(round(rng.exponential(1 / lam) * 7))))
            if day > end:
                break
            days.append(day)
            if rng.random() < p:
                break
        days_of[cid] = sorted(set(days))
        for j, d in enumerate(days):
            net = round(float(scale * rng.gamma(4.0, 0.25)), 2)
            cost = f"{round(net * 0.7, 2)}" if i % 2 == 0 else "NULL"
            rows.append(f"('{cid}-{j}', 1, '{d}', '{cid}', 'P1', 1, {net}, {cost})")
    customers = ", ".join(f"('K{i:02d}', 'k{i}')" for i in range(n))
    sql = f"""
        INSERT INTO customers (customer_id, name) VALUES {customers};
        INSERT INTO products (product_id, name, category, business_line) VALUES ('P1', 'p1', 'a', 'A');
        INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, net_value, cost) VALUES
            {", ".join(rows)};
    """
    return sql, days_of



@pytest.fixture(scope="module")
def no_cost(tmp_path_factory):
    from saleskpi.workspace import Workspace

    sql, days_of = no_cost_company()
    ws = Workspace.init(tmp_path_factory.mktemp("clv-no-cost") / "ws")
    raw(ws.con).execute(sql)
    yield ws, days_of
    ws.close()



def independent_summary(days_of):
    """frequency, recency and T (weeks) straight from the purchase days, as FHL 2005 define them."""
    ids = sorted(days_of)
    x = np.array([len(days_of[c]) - 1 for c in ids], dtype=float)
    tx = np.array([(days_of[c][-1] - days_of[c][0]).days / 7 for c in ids])
    big_t = np.array([(NO_COST_AS_OF - days_of[c][0]).days / 7 for c in ids])
    return ids, {"frequency": x, "recency": tx, "T": big_t}



# --- the demo company's truth ---------------------------------------------------------------------

DEMO = {"customers": 1500, "years": 4, "seed": 7}



@pytest.fixture(scope="package")
def demo(tmp_path_factory):
    """1,500 customers x 4 years (2022-11-01 .. 2026-10-31): about 500 acquired in the window."""
    from saleskpi.demo import build_demo

    ws = build_demo(tmp_path_factory.mktemp("clv-demo") / "ws", **DEMO)
    as_of = ws.table("sales").date.max().execute()
    as_of = pd.Timestamp(as_of).date()
    frame, params = scores(ws.table("sales"), ws.table("customers"), as_of, ClvSection())
    truth = ws.table("truth_customers").to_pyarrow().to_pandas()
    yield ws, as_of, frame, params, truth
    ws.close()

