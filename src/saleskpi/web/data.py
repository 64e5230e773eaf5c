"""What the pages and the JSON API read: results through the one reader, with the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

from saleskpi.users import User

__all__ = ["NotAllowed", "NotFound", "Scoped", "Shown", "Table", "export_batches", "filtered", "result_page",
           "rows_of", "sees", "table_of", "visible_results"]


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

    scoped = _scoped(con, name, user)
    info = results.run_of(con, name)
    total = _count(con, scoped.sql)
    columns, rows = _fetch(con, scoped.select(limit=limit, offset=offset))
    body = {
        "name": name,
        "title": scoped.declared.title[1 if user.lang == "bg" else 0],
        "run_id": info.run_id if info else None,
        "as_of": info.as_of.isoformat() if info else None,
        "columns": columns,
        "total": total,
        "offset": offset,
        "limit": limit,
        "rows": json_rows(columns, rows),
    }
    return body, exported_data(scoped.declared)


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


@dataclass(frozen=True)
class Scoped:
    """A result as ``user`` may see it, as SQL: its declaration, the SQL of its rows in the
    user's scope (compiled from :func:`saleskpi.results.read` with the user's scope: the one
    reader and the one scoping layer), and the kind of each column."""

    declared: object
    sql: str
    kinds: dict
    #: the table the result is stored in
    table: str = ""
    #: ``(table, its columns)`` of each stored table the SQL reads, the result's first
    reads: tuple = ()

    def select(self, *, where=(), order=(), limit: int | None = None, offset: int = 0, columns=None,
               pick: tuple[str, object] | None = None) -> str:
        """The SQL of the rows where every condition of ``where`` holds (:class:`Condition`s),
        in ``order`` ((column, descending) pairs; empty cells last), then in the declared key;
        only the columns ``columns`` when given.

        ``pick`` = ``(column, value)``: the rows are those of the stored table whose ``column``
        equals ``value``, found first, through the table's index on ``column`` (a snapshot
        copy's, :mod:`saleskpi.web.snapshot`), in a ``MATERIALIZED`` CTE; the run and the
        user's scope are then applied to those few rows by the same SQL as always. DuckDB uses
        an index only for a scan whose one filter is on the indexed column: with the run filter
        beside it, it scans the whole result (6 ms instead of 2 on ``abc`` with two runs
        stored, 17 ms instead of 4 on ``sales``; docs/web.md, "How fast"). Every other table
        the SQL reads that has ``column`` (``customers``, whose ``customer_id`` the scoping
        layer matches a rep's or manager's customers on) is read the same way, for that value
        only: the rows kept all have ``column`` = ``value``, so a key of theirs is in the
        scoping layer's list of that table's keys exactly when it is in the list made of that
        table's rows with ``column`` = ``value`` (a manager's customer page 12 ms -> 6 ms a
        result). Each picked table holds only the stored columns the SQL names (the result's
        whole row when ``columns`` is None): a cell fetched through an index costs by the
        column. Without a ``pick`` (or when the compiled SQL does not name the result's table
        once) the rows are filtered as ``where`` says, the same rows."""
        from saleskpi.engines.reader import condition_sql, sql_literal

        body, found = self.sql, None
        source = f'FROM {_quote(self.table)} AS '
        picked: dict[str, str] = {}
        if pick is not None:
            where = [*where, _equal(*pick)]
            if self.table and pick[1] is not None and body.count(source) == 1:
                found = condition_sql(_quote(pick[0]), where[-1], self.kinds[pick[0]], sql_literal)
                for i, (table, stored) in enumerate(self.reads):
                    if pick[0] in stored and f"FROM {_quote(table)} AS " in body:
                        picked[table] = "picked" if i == 0 else f"picked_{i}"
                        body = body.replace(f"FROM {_quote(table)} AS ", f'FROM "{picked[table]}" AS ')
        shown = "*" if columns is None else ", ".join(_quote(c) for c in columns)
        sql = f"SELECT {shown} FROM ({body}) AS scoped"
        if where:
            sql += " WHERE " + " AND ".join(condition_sql(_quote(c.column), c, self.kinds[c.column], sql_literal)
                                            for c in where)
        named = {c for c, _ in order}
        pairs = list(order) + [(k, False) for k in self.declared.key if k in self.kinds and k not in named]
        if pairs:
            sql += " ORDER BY " + ", ".join(f"{_quote(c)} {'DESC' if d else 'ASC'} NULLS LAST" for c, d in pairs)
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        if picked:
            fences = []
            for table, stored in self.reads:
                if table in picked:
                    whole = table == self.table and columns is None
                    named = "*" if whole else ", ".join(_quote(c) for c in stored if _quote(c) in sql)
                    fences.append(f'"{picked[table]}" AS MATERIALIZED (SELECT {named} FROM {_quote(table)} '
                                  f"WHERE {found})")
            sql = f"WITH {', '.join(fences)} {sql}"
        return sql


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _equal(column: str, value):
    from saleskpi.engines.reader import Condition

    return Condition(column, "=", value)


def _scoped(con, name: str, user: User, *, run: int | None = None, stamped: bool = False, within=None,
            every_run: bool = False) -> Scoped:
    """The result ``name`` in ``user``'s scope (:class:`Scoped`), and within the scope
    ``within`` too when given (a node of the drill-down: the rows both scopes see, by the same
    scoping layer); raises :class:`NotFound` (no such result, or not computed yet) or
    :class:`NotAllowed`. On a snapshot copy (a connection with ``memo``) it is compiled once per
    result, run and scope, not once per request."""
    from saleskpi import results
    from saleskpi.analyses import declared_results

    declared = declared_results().get(name)
    if declared is None:
        raise NotFound(f"No result '{name}'. The results: {', '.join(declared_results())}.")
    if not sees(user, declared):
        raise NotAllowed(f"'{name}' holds company-wide figures only, which the role '{user.role}' does not see.")
    if results.table_name(name) not in con.list_tables():
        raise NotFound(f"'{name}' is not computed yet (saleskpi compute).")

    def compile_() -> Scoped:
        import ibis

        from saleskpi.engines.reader import ibis_kind

        expr = results.read(con, name, run=run, scope=user.scope, stamped=stamped, every_run=every_run)
        if within is not None:
            expr = within.restrict(con, expr, name)
        table, sql = results.table_name(name), ibis.to_sql(expr)
        names = [table, *(t for t in con.list_tables() if t != table and f"FROM {_quote(t)} AS " in sql)]
        return Scoped(declared, sql, {c: ibis_kind(t) for c, t in expr.schema().items()}, table,
                      tuple((t, tuple(con.table(t).columns)) for t in names))

    memo = getattr(con, "memo", None)
    key = ("scoped", name, run, stamped, user.scope, within, every_run)
    return memo(key, compile_) if memo is not None else compile_()


def _fetch(con, sql: str, *, size: int | None = None):
    """``(column names, rows as tuples)`` of ``sql``; with ``size``, the names and an iterator
    of lists of at most ``size`` rows (for an export)."""
    cursor = con.raw_sql(sql)
    names = [d[0] for d in cursor.description]

    def close() -> None:
        # a cursor of its own (PostgreSQL's, a snapshot's) is closed; DuckDB's Ibis answers with
        # its connection itself, which stays open
        if cursor is not getattr(con, "con", None):
            cursor.close()

    if size is None:
        try:
            return names, cursor.fetchall()
        finally:
            close()

    def batches():
        try:
            while batch := cursor.fetchmany(size):
                yield batch
        finally:
            close()

    return names, batches()


def _count(con, sql: str) -> int:
    return int(_fetch(con, f"SELECT count(*) FROM ({sql}) AS counted")[1][0][0])


def filtered(con, name: str, user: User, *, sort=(), where=(), within=None):
    """The rows of ``name`` in ``user``'s scope where every ``where`` condition holds
    (``COLUMN=VALUE``, as ``saleskpi show --where``), ordered by ``sort`` (``col`` or ``-col``,
    then the key), within the scope ``within`` too when given: the :class:`Scoped` result, the
    SQL and the sort pairs. Raises :class:`NotFound`, :class:`NotAllowed`, or UsageError for a
    bad condition or sort."""
    from saleskpi.browse import conditions, order

    scoped = _scoped(con, name, user, within=within)
    conds = conditions(list(where), scoped.kinds)
    pairs = order(list(sort), scoped.kinds)
    return scoped, scoped.select(where=conds, order=pairs), pairs


def export_batches(con, sql: str, *, size: int = 10_000):
    """The column names of ``sql`` and its rows, ``size`` at a time (a CSV download)."""
    return _fetch(con, sql, size=size)


def table_of(con, name: str, user: User, *, offset: int = 0, limit: int = 50, sort=(), where=(),
             within=None) -> Table:
    """One page of ``name`` (see :func:`filtered`), read through the one reader with the
    user's scope and paged in the database (a 100,000-customer list is never read whole)."""
    from saleskpi import results
    from saleskpi.browse import conditions

    scoped, sql, pairs = filtered(con, name, user, sort=sort, where=where, within=within)
    total = _count(con, scoped.select(where=conditions(list(where), scoped.kinds)))
    names, rows = _fetch(con, f"{sql} LIMIT {int(limit)} OFFSET {int(offset)}")
    info = results.run_of(con, name)
    return Table(scoped.declared, scoped.declared.columns, [dict(zip(names, r)) for r in rows], total, offset,
                 limit, pairs, tuple(where), info.run_id if info else None, info.as_of if info else None)


def rows_of(con, name: str, user: User, *, equal: dict | None = None, where=(), sort=(), run: int | None = None,
            stamped: bool = False, every_run: bool = False, columns=None) -> list[dict]:
    """All the rows of ``name`` in ``user``'s scope (of run ``run``, default the newest; of
    every finished run with ``every_run``; with the run stamps when ``stamped``) whose columns
    equal ``equal`` (None: empty) and where ``where`` holds (for the small pieces a page shows:
    one customer's rows, the company row); [] when not computed yet or when the role sees none
    of it. With ``columns``, only those of the declared columns a page shows, with what a row's
    cells are shown with: its currency, its reasons for empty cells (``*_reason``, ``note``)
    and, stamped, its run. A value of ``equal`` on a column the copy is indexed on is looked up
    through the index (:meth:`Scoped.select`'s ``pick``)."""
    from saleskpi.browse import conditions, order

    try:
        scoped = _scoped(con, name, user, run=run, stamped=stamped, every_run=every_run)
    except (NotFound, NotAllowed):
        return []
    equal = dict(equal or {})
    indexed = getattr(con, "indexed", frozenset())
    pick = next(((c, equal.pop(c)) for c in list(equal) if (scoped.table, c) in indexed), None)
    conds = conditions(list(where), scoped.kinds) + [_equal(c, v) for c, v in equal.items()]
    if columns is not None:
        from saleskpi.web.format import is_reason_column

        extra = [c for c in scoped.kinds if c == "currency" or is_reason_column(c)
                 or (c in ("run_id", "as_of") and (stamped or every_run))]
        columns = [c for c in dict.fromkeys([*columns, *extra]) if c in scoped.kinds]
    names, rows = _fetch(con, scoped.select(where=conds, order=order(list(sort), scoped.kinds), columns=columns,
                                            pick=pick))
    return [dict(zip(names, r)) for r in rows]
