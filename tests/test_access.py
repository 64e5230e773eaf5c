"""The scoping layer: every declared result x every role on a demo company.

For each role, the rows that come back through the one reader are exactly the rows the rules
of saleskpi/access.py allow, worked out here independently in Python from the workspace's
customers, reps and teams: nothing outside the scope comes back, nothing inside it is lost.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pytest

from saleskpi import results
from saleskpi.access import ROLES, Scope, restrict
from saleskpi.analyses import declared_results
from saleskpi.compute import compute
from saleskpi.errors import UsageError
from saleskpi.results import Result, column


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from saleskpi.demo import build_demo

    ws = build_demo(tmp_path_factory.mktemp("access") / "ws", customers=300, years=3, seed=5, gaming=True)
    compute(ws)
    yield ws
    ws.close()


def _frame(ws, name):
    return ws.table(name).to_pyarrow().to_pandas()


def _scopes(ws) -> dict[str, Scope]:
    reps = _frame(ws, "reps")
    customers = _frame(ws, "customers")
    team = sorted(reps.team_id.dropna().unique())[0]
    territory = sorted(customers.territory_id.dropna().unique())[0]
    rep = sorted(customers.rep_id.dropna().unique())[0]
    return {
        "admin": Scope("admin"), "director": Scope("director"), "compensation": Scope("compensation"),
        "manager of a team": Scope("manager", team_ids={team}),
        "manager of a territory": Scope("manager", territory_ids={territory}),
        "manager of both": Scope("manager", team_ids={team}, territory_ids={territory}),
        "rep": Scope("rep", rep_id=rep),
        "rep matching nothing": Scope("rep", rep_id="NOBODY"),
        "manager matching nothing": Scope("manager", team_ids={"NO-TEAM"}),
    }


def expected_keys(ws, scope: Scope, *, pay: bool, team_pay: bool = False) -> dict[str, set] | None:
    """The allowed values per scope key, worked out in Python (None: everything). Team pay (a
    team's pay total): only its manager, besides the whole-company roles."""
    if scope.role in ("admin", "director", "compensation"):
        return None
    customers, reps = _frame(ws, "customers"), _frame(ws, "reps")
    if scope.role == "rep":
        mine = set(customers.customer_id[customers.rep_id == scope.rep_id])
        return {"rep_id": {scope.rep_id}} if pay else {"rep_id": {scope.rep_id}, "customer_id": mine}
    team_reps = set(reps.rep_id[reps.team_id.isin(scope.team_ids)])
    if pay:
        return {"rep_id": team_reps} | ({"team_id": set(scope.team_ids)} if team_pay else {})
    owned = customers.rep_id.isin(team_reps) | customers.territory_id.isin(scope.territory_ids)
    return {"team_id": set(scope.team_ids), "rep_id": team_reps, "territory_id": set(scope.territory_ids),
            "customer_id": set(customers.customer_id[owned])}


def visible(frame, declared: Result, keys: dict[str, set] | None):
    if keys is None:
        return frame
    if not declared.scope:
        return frame.iloc[0:0]
    mask = None
    for k in declared.scope:
        hit = frame[k].isin(keys.get(k, set())) & frame[k].notna()
        mask = hit if mask is None else (mask | hit)
    return frame[mask]


def _cell(v) -> str:
    # a whole-number column with empty cells reads back as floats when some rows are empty and as
    # integers when none of the rows chosen is: 1.0 and 1 are the same cell
    if v is None or v != v:
        return ""
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _rows(frame):
    return sorted(tuple(_cell(v) for v in row) for row in frame.itertuples(index=False))


@pytest.mark.parametrize("name", sorted(declared_results()))
def test_every_result_for_every_role_holds_exactly_the_rows_in_scope(demo, name):
    declared = declared_results()[name]
    everything = results.read(demo.con, name).to_pyarrow().to_pandas()
    assert len(everything) > 0, f"{name}: the demo should fill every result"
    scopes = _scopes(demo)
    assert {s.role for s in scopes.values()} == set(ROLES)
    for label, scope in scopes.items():
        got = results.read(demo.con, name, scope=scope).to_pyarrow().to_pandas()
        want = visible(everything, declared, expected_keys(demo, scope, pay=declared.pay, team_pay=declared.team_pay))
        assert _rows(got) == _rows(want), f"{name} for {label}: {len(got)} rows, expected {len(want)}"
        if "nothing" in label:
            assert len(got) == 0, f"{name}: a scope that matches nothing must see nothing"


def test_a_rep_sees_only_own_customers_and_the_reps_rows(demo):
    scope = _scopes(demo)["rep"]
    customers = _frame(demo, "customers")
    mine = set(customers.customer_id[customers.rep_id == scope.rep_id])
    assert mine
    for name in ("potential", "wallet", "abc", "clv"):
        got = results.read(demo.con, name, scope=scope).to_pyarrow().to_pandas()
        assert set(got.customer_id) == mine & set(results.read(demo.con, name).to_pyarrow().to_pandas().customer_id)
    sales = results.read(demo.con, "sales", scope=scope).to_pyarrow().to_pandas()
    assert set(sales.level) == {"rep", "customer"}
    assert set(sales.rep_id.dropna()) == {scope.rep_id}
    # company-wide results are not a rep's to see
    assert results.read(demo.con, "abc-limits", scope=scope).count().execute() == 0


def test_pay_is_visible_to_the_rep_it_concerns_the_team_manager_and_compensation(demo):
    """A pay result (declared so): the rep's own rows, the manager of the rep's team (not a
    manager of the rep's territory alone), compensation, directors and admins."""
    reps = _frame(demo, "reps")
    customers = _frame(demo, "customers")
    rep = reps[reps.rep_id.isin(customers.rep_id)].sort_values("rep_id").iloc[0]
    other = reps[reps.team_id != rep.team_id].sort_values("rep_id").iloc[0]
    territory = customers.territory_id[customers.rep_id == rep.rep_id].iloc[0]
    pay = Result("payout", ("Payout", "Изплащане"), ("Pay.", "Възнаграждение."),
                 (column("rep_id", "id", "Rep", "Търговец", "The rep.", "Търговецът."),
                  column("customer_id", "id", "Customer", "Клиент", "A customer.", "Клиент."),
                  column("payout_value", "money", "Payout", "Изплащане", "Pay.", "Възнаграждение."),
                  column("currency", "text", "Currency", "Валута", "Currency.", "Валута.")),
                 key=("rep_id",), scope=("rep_id", "customer_id"), pay=True)
    rows = ibis.memtable({"rep_id": [rep.rep_id, other.rep_id], "customer_id": [None, None],
                          "payout_value": [100.0, 200.0], "currency": ["EUR", "EUR"]})

    def who(scope):
        return sorted(restrict(demo.con, rows, pay, scope).rep_id.to_pyarrow().to_pylist())

    assert who(Scope("rep", rep_id=rep.rep_id)) == [rep.rep_id]
    assert who(Scope("manager", team_ids={rep.team_id})) == [rep.rep_id]
    assert who(Scope("manager", territory_ids={territory})) == []
    for role in ("compensation", "director", "admin"):
        assert who(Scope(role)) == sorted([rep.rep_id, other.rep_id])


def test_a_teams_pay_total_is_its_managers_and_no_reps(demo):
    """incentive-team-totals (team pay: the pay of others summed): the manager of the team sees its
    rows, a rep not even those of their own team, a territory's manager none; the whole company all."""
    reps = _frame(demo, "reps")
    rep = reps[reps.role == "rep"].sort_values("rep_id").iloc[0]
    everything = results.read(demo.con, "incentive-team-totals").to_pyarrow().to_pandas()
    assert rep.team_id in set(everything.team_id) and everything.team_id.nunique() >= 2

    def teams(scope):
        return sorted(results.read(demo.con, "incentive-team-totals", scope=scope).team_id.to_pyarrow().to_pylist())

    assert teams(Scope("rep", rep_id=rep.rep_id)) == []
    assert teams(Scope("manager", team_ids={rep.team_id})) == [rep.team_id] * int((everything.team_id == rep.team_id).sum())
    assert teams(Scope("manager", rep_id=rep.rep_id)) == []  # a manager's own pay is not their team's total
    assert teams(Scope("manager", territory_ids={rep.territory_id})) == []
    for role in ("compensation", "director", "admin"):
        assert len(teams(Scope(role))) == len(everything)
    with pytest.raises(Exception, match="team pay data must be pay data scoped by team_id alone"):
        Result("x", ("X", "X"), ("X.", "X."), (column("team_id", "id", "Team", "Екип", "T.", "Е."),
                                               column("rep_id", "id", "Rep", "Търговец", "R.", "Т.")),
               scope=("team_id", "rep_id"), pay=True, team_pay=True)


def test_a_scope_must_name_a_known_role_and_a_rep_its_id():
    with pytest.raises(UsageError, match="Unknown role 'boss'. Roles: admin, director, manager, rep, compensation."):
        Scope("boss")
    with pytest.raises(UsageError, match="needs a rep id"):
        Scope("rep")


def test_reading_a_given_run_keeps_its_stamps(demo):
    info = results.run_of(demo.con, "abc")
    assert info.as_of == dt.date(2026, 10, 31)
    stamped = results.read(demo.con, "abc", run=info.run_id, stamped=True)
    assert set(stamped.run_id.to_pyarrow().to_pylist()) == {info.run_id}


def test_a_manager_who_is_also_a_rep_sees_exactly_the_union(demo):
    """A rep of one team who manages another: every result (pay too) holds exactly the rows of
    the manager's view and of the rep's own view together."""
    reps = _frame(demo, "reps")
    customers = _frame(demo, "customers")
    rep = reps[reps.rep_id.isin(customers.rep_id)].sort_values("rep_id").iloc[0]
    team = sorted(set(reps.team_id.dropna()) - {rep.team_id})[0]
    both = Scope("manager", rep_id=rep.rep_id, team_ids={team})
    parts = (Scope("manager", team_ids={team}), Scope("rep", rep_id=rep.rep_id))

    def rows(name, scope):
        frame = results.read(demo.con, name, scope=scope).to_pyarrow().to_pandas()
        return {tuple(map(str, r)) for r in frame[list(declared_results()[name].key)].itertuples(index=False)}

    checked = 0
    for name, declared in declared_results().items():
        if declared.scope and results.table_name(name) in demo.con.list_tables():
            assert rows(name, both) == rows(name, parts[0]) | rows(name, parts[1]), name
            checked += 1
    assert checked > 10
    # the rep's own customers are not the managed team's: the union is more than either part
    assert rows("abc", parts[1]) - rows("abc", parts[0]) and rows("abc", parts[0]) - rows("abc", parts[1])
