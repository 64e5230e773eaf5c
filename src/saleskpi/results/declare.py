"""Declared results: every table an analysis stores, described once.

Each analysis declares the results it stores (:class:`Result`): the columns in order, each
with its kind and unit (:class:`Kind`), an English and a Bulgarian title and a one-line
description; the key; the *scope keys* it carries (``customer_id``, ``rep_id``, ``team_id``,
``territory_id``), by which :mod:`saleskpi.access` filters its rows for a user; and whether it
holds pay data. The compute job checks every returned table against its declaration
(:func:`conform`) before storing it; ``docs/results.md``, the web pages' headers and tooltips
and the Excel sheets read the same declarations, and nothing else holds them.

Money is stored to the cent: a money column summed from the invoice lines is an exact
``decimal(38, 2)``; one that an analysis computed in floating point (a model estimate, a
share of a sum) is rounded to the cent by :func:`conform`. Every result with a money column
has a ``currency`` column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

import ibis
import ibis.expr.datatypes as dt

from saleskpi.errors import SaleskpiError

__all__ = ["Kind", "Column", "Result", "ResultMismatch", "SCOPE_KEYS", "MONEY_TYPE", "conform", "column"]

#: The columns by which rows are scoped to a user (saleskpi.access), in that order.
SCOPE_KEYS = ("customer_id", "rep_id", "team_id", "territory_id")

#: How money is stored: exact decimals, to the cent.
MONEY_TYPE = dt.Decimal(38, 2)


class ResultMismatch(SaleskpiError):
    """An analysis returned a table that differs from its declaration (a bug in saleskpi,
    not in the user's data: the message names the result and the column)."""

    exit_code = 1


class Kind(str, Enum):
    """What a column holds, and so how it is typed, shown and summed."""

    money = "money"  # in the workspace currency (the result's ``currency`` column)
    volume = "volume"  # in product units
    ratio = "ratio"  # a fraction: 0.25 is 25 % (shares 0..1; growth may be negative)
    count = "count"  # a whole number of things (customers, products, purchase days)
    number = "number"  # another measured quantity; its unit says which
    integer = "integer"  # a whole number that is not a count (a year, a rank, a run id)
    date = "date"
    class_label = "class"  # a class or category label (A/B/C, a band, a cell)
    identifier = "id"  # an id of the data contract (customer, rep, territory, line...)
    text = "text"
    flag = "flag"  # yes / no


#: The Ibis types each kind may be computed as (money may come as a float: it is rounded).
_ALLOWED: dict[Kind, tuple[str, ...]] = {
    Kind.money: ("decimal", "floating", "integer"),
    Kind.volume: ("decimal", "floating", "integer"),
    Kind.ratio: ("floating",),
    Kind.count: ("integer",),
    Kind.number: ("floating", "decimal"),
    Kind.integer: ("integer",),
    Kind.date: ("date",),
    Kind.class_label: ("string",),
    Kind.identifier: ("string",),
    Kind.text: ("string",),
    Kind.flag: ("boolean",),
}

#: The unit shown for each kind where the column does not name one.
_DEFAULT_UNIT = {Kind.money: "currency", Kind.volume: "product units", Kind.ratio: "fraction (0.25 = 25 %)",
                 Kind.count: "count"}


def _family(dtype: dt.DataType) -> str:
    if dtype.is_decimal():
        return "decimal"
    if dtype.is_floating():
        return "floating"
    if dtype.is_integer():
        return "integer"
    if dtype.is_string():
        return "string"
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_date():
        return "date"
    return str(dtype)


@dataclass(frozen=True)
class Column:
    """One declared column: its name, kind, unit, and English and Bulgarian title and
    description (``title`` and ``description`` are ``(en, bg)`` pairs)."""

    name: str
    kind: Kind
    title: tuple[str, str]
    description: tuple[str, str]
    unit: str | None = None

    @property
    def unit_text(self) -> str:
        """The unit as the docs and tooltips state it."""
        return self.unit or _DEFAULT_UNIT.get(self.kind, "")

    def allows(self, dtype: dt.DataType) -> bool:
        return _family(dtype) in _ALLOWED[self.kind]


def column(name: str, kind: Kind | str, title_en: str, title_bg: str, text_en: str, text_bg: str,
           *, unit: str | None = None) -> Column:
    """A :class:`Column`, written on one line per language in the declarations."""
    return Column(name, Kind(kind), (title_en, title_bg), (text_en, text_bg), unit)


@dataclass(frozen=True)
class Result:
    """One stored result: its name (``abc-matrix``), titles, columns in order, key, scope
    keys and whether it is pay data.

    ``key`` names the columns that identify a row within one run. ``scope`` lists the scope
    keys among the columns by which :mod:`saleskpi.access` filters rows; a result with none
    holds company-wide figures only. ``pay`` marks pay data (incentive statements), which
    only the rep concerned, the manager of the rep's team, compensation, directors and
    admins may see; ``team_pay`` marks pay data summed per team (scoped by ``team_id``, no
    rep's row): compensation, directors, admins and the manager of the team see it, a rep does
    not (the sum holds the pay of others). ``notes`` are the definitions a reader needs beyond the columns (windows,
    what a count counts), in English and Bulgarian.
    """

    name: str
    title: tuple[str, str]
    description: tuple[str, str]
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()
    pay: bool = False
    notes: tuple[tuple[str, str], ...] = field(default=())
    team_pay: bool = False

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        doubled = sorted({n for n in names if names.count(n) > 1})
        wrong = [k for k in (*self.key, *self.scope) if k not in names]
        odd_scope = [k for k in self.scope if k not in SCOPE_KEYS]
        money = any(c.kind is Kind.money for c in self.columns)
        problems = []
        if doubled:
            problems.append(f"columns declared twice: {', '.join(doubled)}")
        if wrong:
            problems.append(f"key or scope columns not among the columns: {', '.join(wrong)}")
        if odd_scope:
            problems.append(f"scope keys must be among {', '.join(SCOPE_KEYS)}; got {', '.join(odd_scope)}")
        if money and "currency" not in names:
            problems.append("has money columns but no 'currency' column")
        if self.pay and not self.team_pay and "rep_id" not in self.scope:
            problems.append("pay data must be scoped by rep_id")
        if self.team_pay and not (self.pay and self.scope == ("team_id",)):
            problems.append("team pay data must be pay data scoped by team_id alone")
        if problems:
            raise ResultMismatch(f"The declaration of result '{self.name}' is wrong: {'; '.join(problems)}.")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def conform(expr: ibis.Table, declared: Result) -> ibis.Table:
    """``expr`` checked against its declaration and put in the stored form.

    Fails with :class:`ResultMismatch`, naming the result and the column, when a column is
    missing or undeclared, or of a type its kind does not allow. Money columns are
    rounded to the cent (decimals as ``decimal(38, 2)``);
    the columns are put in the declared order.
    """
    schema = expr.schema()
    got, want = list(schema.names), list(declared.column_names)
    missing = [c for c in want if c not in got]
    extra = [c for c in got if c not in want]
    where = f"Result '{declared.name}'"
    if missing or extra:
        parts = ([f"missing declared column(s) {', '.join(missing)}"] if missing else []) + (
            [f"undeclared column(s) {', '.join(extra)}"] if extra else [])
        raise ResultMismatch(f"{where}: {'; '.join(parts)}. Declare them in the analysis's results, or "
                             "return the declared columns.")
    expr = expr.select(*want)  # the declaration sets the order the result is stored and shown in
    for c in declared.columns:
        if not c.allows(schema[c.name]):
            raise ResultMismatch(f"{where}: column '{c.name}' is {schema[c.name]}, which a {c.kind.value} "
                                 f"column cannot be ({', '.join(_ALLOWED[c.kind])} expected).")
    money = {}
    for c in declared.columns:
        if c.kind is not Kind.money or schema[c.name] == MONEY_TYPE:
            continue
        # exact sums stay exact decimals; an estimate computed in floating point is rounded
        # to the cent and stays a float (the nearest double to each cent amount: it prints,
        # and reads back, as the cent amount, up to 90 trillion)
        money[c.name] = (expr[c.name].cast(MONEY_TYPE) if schema[c.name].is_decimal()
                         else expr[c.name].round(2).cast("float64"))
    return expr.mutate(**money) if money else expr


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def results_markdown(declared: Iterable[Result], *, by_analysis: dict[str, tuple[str, list[str]]]) -> str:
    """Every declared result as a Markdown page (docs/results.md is this text; a test keeps it
    so). ``by_analysis`` maps each analysis name to its title and the names of its results."""
    found = {r.name: r for r in declared}
    lines = [
        "# Results",
        "",
        "Generated from the result declarations (`src/saleskpi/analyses/*/results.py`, "
        "`python -m saleskpi.analyses`); do not edit by hand.",
        "Every result is stored run by run (`run_id`, `as_of`), and read back by `saleskpi show DIR NAME` "
        "(the newest finished run; `--run N` for another). Money is in the workspace currency (the "
        "result's `currency` column), exact to the cent; a ratio is a fraction (0.25 = 25 %); an empty "
        "cell means unknown, never 0. Scope keys are the columns by which a user's rows are chosen "
        "(docs/access.md).",
        "",
    ]
    for analysis, (title, names) in by_analysis.items():
        lines += [f"## {title} (`{analysis}`)", ""]
        for name in names:
            r = found[name]
            scope = ", ".join(f"`{k}`" for k in r.scope) or "none (company-wide figures)"
            lines += [f"### `{r.name}` — {r.title[0]}", "", r.description[0], "",
                      f"Key: {', '.join(f'`{k}`' for k in r.key) or '—'}. Scope keys: {scope}."
                      + (" **Pay data.**" if r.pay else ""), ""]
            lines += [f"- {_cell(en)}" for en, _bg in r.notes]
            if r.notes:
                lines.append("")
            lines += ["| column | kind | unit | title | definition | заглавие |", "|---|---|---|---|---|---|"]
            for c in r.columns:
                lines.append(f"| `{c.name}` | {c.kind.value} | {_cell(c.unit_text)} | {_cell(c.title[0])} | "
                             f"{_cell(c.description[0])} | {_cell(c.title[1])} |")
            lines.append("")
    return "\n".join(lines)
