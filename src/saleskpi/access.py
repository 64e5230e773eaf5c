"""The one scoping layer: who may see which rows of which result.

Every page, JSON endpoint, export and filter list reads results through
:func:`saleskpi.results.read` with the user's :class:`Scope`; nothing filters by itself
(the lesson of Apache Superset's row-level security, whose leaks came from paths that went
around its one query builder). Roles:

``admin``, ``director``, ``compensation``
    every row of every result (compensation plans and audits pay across the company);
``manager``
    the rows of the teams and territories the manager is given: rows of those teams, of the
    reps in them, of those territories, and of the customers those reps own or that lie in
    those territories; pay rows of the reps in those teams only (not by territory), and the pay
    totals of those teams (a result declared ``team_pay``); a manager
    who is also a rep (given a rep id) sees the union of that and the rep's own view;
``rep``
    the rows of the rep's own id and of the customers the rep owns (``customers.rep_id``);
    pay rows of the rep alone (not the team's pay totals: they hold the pay of others).

A row is in scope when any scope key it carries (its declared ``scope`` columns) names
something the user may see; a row whose scope keys are all empty is a company-wide figure,
and so is a result that declares no scope keys: those only the roles that see everything
see. A user whose scope matches nothing sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis

from saleskpi.errors import UsageError
from saleskpi.results import Result

__all__ = ["ROLES", "WHOLE_COMPANY", "Scope", "restrict", "allowed"]

ROLES = ("admin", "director", "manager", "rep", "compensation")
#: The roles that see every row of every result.
WHOLE_COMPANY = frozenset({"admin", "director", "compensation"})


@dataclass(frozen=True)
class Scope:
    """A user's view: the role, and for a rep the rep id, for a manager the teams and
    territories managed."""

    role: str
    rep_id: str | None = None
    team_ids: frozenset[str] = field(default_factory=frozenset)
    territory_ids: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise UsageError(f"Unknown role '{self.role}'. Roles: {', '.join(ROLES)}.")
        if self.role == "rep" and not self.rep_id:
            raise UsageError("A user with the role 'rep' needs a rep id (the rep_id of the reps table).")
        object.__setattr__(self, "team_ids", frozenset(self.team_ids))
        object.__setattr__(self, "territory_ids", frozenset(self.territory_ids))

    def restrict(self, con, rows: ibis.Table, name: str) -> ibis.Table:
        """The rows of result ``name`` this user may see (what :func:`saleskpi.results.read`
        calls): looked up in the declarations of the registered analyses."""
        from saleskpi.analyses import declared_results

        found = declared_results()
        if name not in found:
            # an undeclared result is nobody's to see but the whole company's
            return rows if self.role in WHOLE_COMPANY else rows.filter(ibis.literal(False))
        return restrict(con, rows, found[name], self)


def allowed(con, scope: Scope, *, pay: bool) -> dict[str, ibis.Column | list[str]]:
    """What each scope key may be for ``scope`` (a list of ids or a one-column expression of
    them), for a result that is pay data (``pay``) or not. A key missing from the answer
    matches nothing."""
    if scope.role == "rep":
        if pay:
            return {"rep_id": [scope.rep_id]}
        customers = con.table("customers")
        owned = customers.filter(customers.rep_id == scope.rep_id).customer_id
        return {"rep_id": [scope.rep_id], "customer_id": owned}
    if scope.role == "manager":
        # a manager who is also a rep (a rep id given) sees the union of both views
        reps = con.table("reps")
        managed = []
        if scope.team_ids:
            managed.append(reps.team_id.isin(sorted(scope.team_ids)))
        if scope.rep_id:
            managed.append(reps.rep_id == scope.rep_id)
        team_reps = reps.filter(ibis.or_(*managed)).rep_id if managed else None
        if pay:
            return {"rep_id": team_reps} if team_reps is not None else {}
        found: dict[str, ibis.Column | list[str]] = {}
        customers = con.table("customers")
        owned = []
        if scope.team_ids:
            found["team_id"] = sorted(scope.team_ids)
        if team_reps is not None:
            found["rep_id"] = team_reps
            owned.append(customers.rep_id.isin(team_reps))
        if scope.territory_ids:
            found["territory_id"] = sorted(scope.territory_ids)
            owned.append(customers.territory_id.isin(sorted(scope.territory_ids)))
        if owned:
            found["customer_id"] = customers.filter(ibis.or_(*owned)).customer_id
        return found
    raise UsageError(f"The role '{scope.role}' sees every row; it has no list of allowed keys.")


def restrict(con, rows: ibis.Table, declared: Result, scope: Scope) -> ibis.Table:
    """``rows`` of the result ``declared`` that ``scope`` may see (see the module's rules)."""
    if scope.role in WHOLE_COMPANY:
        return rows
    nothing = rows.filter(ibis.literal(False))
    if not declared.scope:
        return nothing
    keys = allowed(con, scope, pay=declared.pay)
    if declared.team_pay and scope.role == "manager" and scope.team_ids:
        keys["team_id"] = sorted(scope.team_ids)  # a team's pay total: its manager's
    matches = [rows[k].isin(keys[k]) for k in declared.scope if k in keys]
    return rows.filter(ibis.or_(*matches)) if matches else nothing
