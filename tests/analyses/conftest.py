"""A hand-worked company shared by the analyses' tests (its figures are worked out in them)."""

import pytest

from saleskpi.engines import raw
from saleskpi.workspace import Workspace

SMALL_COMPANY = """
    INSERT INTO territories (territory_id, name) VALUES ('T1', 'North'), ('T2', 'South');
    INSERT INTO teams (team_id, name) VALUES ('M1', 'Team 1'), ('M2', 'Team 2');
    INSERT INTO reps (rep_id, name, team_id) VALUES ('R1', 'Rep 1', 'M1'), ('R2', 'Rep 2', 'M2');
    INSERT INTO customers (customer_id, name, territory_id, rep_id) VALUES
        ('C1', 'c1', 'T1', 'R1'), ('C2', 'c2', 'T1', 'R1'), ('C3', 'c3', 'T2', 'R2'), ('C4', 'c4', 'T2', 'R2');
    INSERT INTO products (product_id, name, category, business_line, is_target) VALUES
        ('P1', 'p1', 'a1', 'A', true), ('P2', 'p2', 'a2', 'A', false), ('P3', 'p3', 'b1', 'B', false);
    INSERT INTO sales (invoice_id, date, customer_id, product_id, quantity, net_value, cost) VALUES
        -- the base half-year 2024
        ('B1', '2024-03-10', 'C1', 'P1', 10, 100, 70), ('B1', '2024-03-10', 'C1', 'P2', 5, 50, 35),
        ('B2', '2024-04-02', 'C2', 'P1', 4, 40, 28), ('B3', '2024-05-20', 'C3', 'P3', 10, 200, 140),
        -- after the comparison window, before the year ends (counts only for seasonality)
        ('B4', '2024-09-15', 'C1', 'P1', 10, 100, 70),
        -- the current half-year 2025: C1 pays 11 instead of 10 for P1 and tries P3; C2 is lost;
        -- C3 pays 22 instead of 20 but buys 8 instead of 10; C4 is new
        ('N1', '2025-02-01', 'C1', 'P1', 12, 132, 92.4), ('N1', '2025-02-01', 'C1', 'P2', 5, 50, 35),
        ('N2', '2025-03-01', 'C1', 'P3', 1, 20, 14), ('N3', '2025-04-01', 'C3', 'P3', 8, 176, 123.2),
        ('N4', '2025-05-05', 'C4', 'P1', 3, 30, 21);
    INSERT INTO targets (period, level, key, kpi, target) VALUES
        ('2025', 'company', NULL, 'turnover_value', 1000), ('2025', 'rep', 'R1', 'turnover_value', 500),
        ('2024', 'rep', 'R1', 'turnover_value', 99999);
"""

#: Survey answers and invitations of the small company (worked out in
#: tests/analyses/satisfaction/test_analysis.py; not in SMALL_COMPANY, whose figures other tests fix).
SMALL_SURVEYS = """
    INSERT INTO survey_invitations (invitation_id, customer_id, sent_on) VALUES
        ('I1', 'C1', '2025-03-01'), ('I2', 'C1', '2025-03-01'), ('I3', 'C2', '2025-03-01'),
        ('I4', 'C3', '2025-03-01'), ('I5', 'C4', '2025-03-01'), ('I6', 'C2', '2025-03-01'),
        ('I7', 'C3', '2025-03-01'), ('I8', 'C4', '2025-03-01');
    INSERT INTO surveys (response_id, invitation_id, customer_id, date, nps, csat, ces) VALUES
        ('S1', 'I1', 'C1', '2025-03-15', 10, 5, 2), ('S2', 'I2', 'C1', '2025-03-15', 9, 4, 3),
        ('S3', 'I3', 'C2', '2025-03-15', 6, 3, 5), ('S4', 'I4', 'C3', '2025-03-15', 8, 4, 1),
        ('S5', 'I5', 'C4', '2025-03-15', 10, 5, 2),
        ('S6', NULL, 'C1', '2024-03-15', 5, NULL, NULL), ('S7', NULL, 'C2', '2024-03-15', 3, NULL, NULL),
        ('S8', NULL, 'C3', '2024-03-15', 10, NULL, NULL);
"""


@pytest.fixture(scope="module")
def small_company(tmp_path_factory):
    """A fresh workspace holding the hand-worked company (one per test module)."""
    ws = Workspace.init(tmp_path_factory.mktemp("company") / "ws")
    raw(ws.con).execute(SMALL_COMPANY)
    yield ws
    ws.close()
