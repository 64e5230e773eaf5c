"""What the pages and the JSON API read: results through the one reader, with the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

from saleskpi.users import User

__all__ = ["NotAllowed", "NotFound", "Shown", "Table", "filtered", "result_page", "rows_of", "sees", "table_of",
           "visible_results"]


class NotFound(LookupError):
    """No declared result of that name (or none stored yet)."""


class NotAllowed(PermissionError):
    """The user's role sees no row of that result."""


@dataclass(frozen=True)
class Shown:
    """A result on the home page: its name, title in the user's language, and whether it is stored."""

    name: str
    title: str
    stored: bool


def sees(user: User, declared) -> bool:
    """Whether ``user``'s role may see any row of the result ``declared`` (access.py's rules:
    a result without scope keys holds company-wide figures only)."""
    from saleskpi.access import WHOLE_COMPANY

    return user.role in WHOLE_COMPANY or bool(declared.scope)


def exported_data(declared) -> bool:
    """Whether reading ``declared`` is an export of pay or customer data (audited)."""
    return declared.pay or "customer_id" in declared.scope


def visible_results(con, user: User) -> list[Shown]:
    """The declared results the user may see, in run order, titled in the user's language."""
    from saleskpi.analyses import declared_results
    from saleskpi.results import table_name

    tables = set(con.list_tables())
    i = 1 if user.lang == "bg" else 0
    return [Shown(r.name, r.title[i], table_name(r.name) in tables)
            for r in declared_results().values() if sees(user, r)]


def result_page(con, name: str, user: User, *, offset: int, limit: int) -> tuple[dict, bool]:
    """One page of the result ``name`` as the user may see it: the body of ``/api/results/NAME``
    (name, title, run and as-of date, columns, total rows in scope, the page's rows by
    :func:`saleskpi.browse.json_rows`), and whether it is pay or customer data (audited)."""
    from saleskpi import results
    from saleskpi.browse import json_rows

    declared, expr = _scoped(con, name, user)
    info = results.run_of(con, name)
    total = int(expr.count().execute())
    keys = [k for k in declared.key if k in expr.columns] or list(expr.columns)
    rows = expr.order_by(keys).limit(limit, offset=offset).to_pyarrow()
    columns = rows.column_names
    body = {
        "name": name,
        "title": declared.title[1 if user.lang == "bg" else 0],
        "run_id": info.run_id if info else None,
        "as_of": info.as_of.isoformat() if info else None,
        "columns": columns,
        "total": total,
        "offset": offset,
        "limit": limit,
        "rows": json_rows(columns, (tuple(r.values()) for r in rows.to_pylist())),
    }
    return body, exported_data(declared)


@dataclass(frozen=True)
class Table:
    """One page of a result's table as the user may see it: the declaration, the declared
    columns shown, the rows of the page (dicts), the rows in scope after the filters, and the
    paging, sort and filters that chose them."""

    declared: object
    columns: tuple
    rows: list[dict]
    total: int
    offset: int
    limit: int
    sort: tuple[tuple[str, bool], ...]
    where: tuple[str, ...]
    run_id: int | None
    as_of: object


def _scoped(con, name: str, user: User):
    """The declaration of ``name`` and its rows in ``user``'s scope (the one reader); raises
    :class:`NotFound` (no such result, or not computed yet) or :class:`NotAllowed`."""
    from saleskpi import results
    from saleskpi.analyses import declared_results

    declared = declared_results().get(name)
    if declared is None:
        raise NotFound(f"No result '{name}'. The results: {', '.join(declared_results())}.")
    if not sees(user, declared):
        raise NotAllowed(f"'{name}' holds company-wide figures only, which the role '{user.role}' does not see.")
    if results.table_name(name) not in con.list_tables():
        raise NotFound(f"'{name}' is not computed yet (saleskpi compute).")
    return declared, results.read(con, name, scope=user.scope)


def filtered(con, name: str, user: User, *, sort=(), where=()):
    """The rows of ``name`` in ``user``'s scope where every ``where`` condition holds
    (``COLUMN=VALUE``, as ``saleskpi show --where``), ordered by ``sort`` (``col`` or ``-col``,
    then the key): the declaration, the ibis expression and the sort pairs. Raises
    :class:`NotFound`, :class:`NotAllowed`, or UsageError for a bad condition or sort."""
    from saleskpi.browse import order, select

    declared, expr = _scoped(con, name, user)
    expr = select(expr, where=list(where), name=name)
    pairs = order(list(sort), expr.columns)
    keys = [k for k in declared.key if k in expr.columns and k not in {c for c, _ in pairs}]
    expr = expr.order_by([expr[c].desc() if d else expr[c].asc() for c, d in pairs] + keys)
    return declared, expr, pairs


def table_of(con, name: str, user: User, *, offset: int = 0, limit: int = 50, sort=(), where=()) -> Table:
    """One page of ``name`` (see :func:`filtered`), read through the one reader with the
    user's scope and paged in the database (a 100,000-customer list is never read whole)."""
    from saleskpi import results

    declared, expr, pairs = filtered(con, name, user, sort=sort, where=where)
    total = int(expr.count().execute())
    rows = expr.limit(limit, offset=offset).to_pyarrow().to_pylist()
    info = results.run_of(con, name)
    return Table(declared, declared.columns, rows, total, offset, limit, pairs, tuple(where),
                 info.run_id if info else None, info.as_of if info else None)


def rows_of(con, name: str, user: User, *, equal: dict | None = None, where=(), sort=()) -> list[dict]:
    """All the rows of ``name`` in ``user``'s scope whose columns equal ``equal`` (None: empty)
    and where ``where`` holds (for the small pieces a page shows: one customer's rows, the
    company row); [] when not computed yet or when the role sees none of it."""
    try:
        _declared, expr, _pairs = filtered(con, name, user, sort=sort, where=where)
    except (NotFound, NotAllowed):
        return []
    for column, value in (equal or {}).items():
        expr = expr.filter(expr[column].isnull() if value is None else expr[column] == value)
    return expr.to_pyarrow().to_pylist()
