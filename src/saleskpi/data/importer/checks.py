"""The checks of the data contract on the staged lines, in set-based SQL (step 3 of an import;
:mod:`saleskpi.data.importer`): every problem is collected, any problem refuses the import."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from saleskpi.config import BGN_PER_EUR, Settings
from saleskpi.data.importer.dates import human_format, two_digit_year
from saleskpi.data.importer.state import _STAGE, ImportState, _lit, _q
from saleskpi.data.schema import TABLES, Column
from saleskpi.errors import Problem

@dataclass
class _Check:
    """A row-level rule: lines where ``cond`` holds are problems in ``column``."""

    cond: str
    column: str | None
    value: str | None
    expected: str


#: The largest magnitude (exclusive) a staged value of each type holds: amounts are staged
#: in DECIMAL(18,6) (staging.py), volumes in the contract's DECIMAL(18,3).
_STAGED_LIMITS = {"money": 1e12, "price": 1e12, "quantity": 1e15}


def _exact_rate(settings: Settings, currency: str) -> Fraction | None:
    """Units of ``currency`` per 1 workspace-currency unit as an exact fraction (None: unknown)."""
    home = settings.workspace.currency
    if home == "BGN" and currency == "EUR":
        return 1 / Fraction(str(BGN_PER_EUR))
    rate = settings.rate(currency)
    return None if rate is None else Fraction(repr(rate))


def _show(value: str | None) -> str | None:
    """A staged number as a person writes it (-1, not -1.000000)."""
    if value is not None and "." in value and value.replace("-", "", 1).replace(".", "", 1).isdigit():
        value = value.rstrip("0").rstrip(".")
    return value


def _plain_sql(expr: str) -> str:
    """SQL of a staged decimal as text without trailing zeros (2.500000 -> 2.5)."""
    text = f"CAST({expr} AS VARCHAR)"
    return (f"CASE WHEN contains({text}, '.') THEN rtrim(rtrim({text}, '0'), '.') ELSE {text} END")


class Checks(ImportState):
    """Types, values, keys, duplicates, references and currencies of the staged lines."""

    def check_rows(self) -> None:
        """Types, required values, ranges, choices, future dates and one_of, in one pass."""
        tbl = self.tbl
        checks: list[_Check] = []
        for col in tbl.columns:
            if col.name not in self.bound:
                continue
            c = self.col(col.name)
            shown = self.header_of(col.name)
            not_bad = f"NOT coalesce(contains(chr(31) || s.__bad, chr(31) || {_lit(col.name)} || chr(30)), FALSE)"
            if col.required:
                checks.append(_Check(f"{c} IS NULL AND {not_bad}", shown, None,
                                     f"a value is required ({col.expected()}); fill it in"))
            if col.minimum is not None:
                checks.append(_Check(f"{c} < {col.minimum!r}", shown, c,
                                     f"expected {col.expected()}; a negative value is refused here"
                                     if col.minimum == 0 else f"expected {col.expected()}"))
            if col.maximum is not None:
                checks.append(_Check(f"{c} > {col.maximum!r}", shown, c, f"expected {col.expected()}"))
            if col.at_most is not None:
                top, default = col.at_most
                checks.append(_Check(f"{c} > coalesce({self.col(top)}, {default!r})", shown, c,
                                     f"expected {col.expected()}: the value is above the top of its "
                                     f"scale; correct it, or give {top}"))
            if col.choices:
                checks.append(_Check(f"{c} NOT IN ({', '.join(_lit(x) for x in col.choices)})", shown, c,
                                     f"expected one of {', '.join(col.choices)}"))
            if col.type == "date":
                limit = date.today() + timedelta(days=self.settings.import_.future_days)
                checks.append(_Check(
                    f"{c} > DATE {_lit(limit.isoformat())}", shown, c,
                    f"a date after {limit.isoformat()} (today + {self.settings.import_.future_days} days) "
                    "looks like a typing error; correct it, or raise [import] future_days in settings.toml"))
                checks.append(_Check(f"{c} < DATE '1900-01-01'", shown, c,
                                     "a date before 1900 looks like a typing error; correct it"))
        checks += self._derived_limits()
        for group in tbl.one_of:
            present = [g for g in group if self.given(g)]
            if present and not all(g in self.fixed for g in present):
                checks.append(_Check(" AND ".join(f"{self.col(g)} IS NULL" for g in present)
                                     + " AND s.__bad IS NULL",
                                     " or ".join(present), None,
                                     f"at least one of {', '.join(group)} must be filled in"))
        implausible = self._implausible()
        counts = self.q1("SELECT count(*) FILTER (WHERE s.__bad IS NOT NULL), "
                         "sum(len(string_split(s.__bad, chr(31)))) FILTER (WHERE s.__bad IS NOT NULL)"
                         + "".join(f", count(*) FILTER (WHERE {ch.cond})" for ch in checks)
                         + "".join(f", count(*) FILTER (WHERE {cond}), min(s.rowid) FILTER (WHERE {cond})"
                                   for cond, _ in implausible)
                         + f" FROM {_STAGE} s WHERE {self.active()}")
        seen = counts[2 + len(checks):]
        counts = counts[:2 + len(checks)]
        # (a refused file shows its problems only, so these need not wait for the checks)
        for (_, warning), n, first in zip(implausible, seen[::2], seen[1::2]):
            if n:
                self.warnings.append(warning(n, first))
        if counts[0]:
            self._type_problems(counts[1])
        for ch, n in zip(checks, counts[2:]):
            if not n:
                continue
            value = ch.value if ch.value is not None else "NULL"
            found = self.db.execute(f"SELECT s.rowid, CAST({value} AS VARCHAR) FROM {_STAGE} s "
                                    f"WHERE {self.active()} AND {ch.cond} ORDER BY s.rowid "
                                    f"LIMIT {self.cap}").fetchall()
            for rowid, val in found:
                self.problems.append(Problem(self.src.label, self.row_of(rowid), ch.column, _show(val),
                                             ch.expected))
            self.tally(f"column '{ch.column}': {ch.expected}", n)

    def _derived_limits(self) -> list[_Check]:
        """A value the contract derives (net_value = quantity x unit_price) must fit its column."""
        checks = []
        for rule in self.tbl.derivations:
            col = self.tbl.column(rule.column)
            if not all(self.given(o) for o in rule.operands) or (self.given(col.name) and not rule.per_line):
                continue
            if col.type not in _STAGED_LIMITS or not col.sql_type.startswith("DECIMAL"):
                continue
            precision, scale = (int(x) for x in col.sql_type[8:-1].split(","))
            limit = 10 ** (precision - scale)
            a, b = (f"CAST({self.col(o)} AS DOUBLE)" for o in rule.operands)
            value = f"({a} {'*' if rule.operation == 'product' else '-'} {b})"
            own = f"{self.col(col.name)} IS NULL AND " if self.given(col.name) else ""
            sign = "×" if rule.operation == "product" else "−"
            checks.append(_Check(
                f"{own}abs({value}) >= {limit}", ", ".join(self.header_of(o) for o in rule.operands),
                " || ' × ' || ".join(_plain_sql(self.col(o)) for o in rule.operands),
                f"{rule.operands[0]} {sign} {rule.operands[1]} is too large for {col.name}, which holds "
                f"amounts below 10^{precision - scale}; correct {' or '.join(rule.operands)}"))
        return checks

    def _implausible(self) -> list[tuple[str, Callable[[int, int], str]]]:
        """Lines that load but look wrong, as ``(condition, warning(count, first rowid))``: a value
        far from quantity x unit_price, a return with a positive value. Each warning says what
        was assumed and how to state otherwise; they are counted in the pass of the row checks."""
        found = []
        for rule in self.tbl.derivations:
            names = (rule.column, *rule.operands)
            if rule.operation != "product" or not all(n in self.bound for n in names):
                continue
            v, a, b = (self.col(n) for n in names)
            expected = f"({a} * {b})"
            cond = f"{expected} <> 0 AND (abs({v}) > 2 * abs({expected}) OR abs({v}) < abs({expected}) / 2)"

            def far(n: int, first: int, rule=rule, shown=(a, b, v)) -> str:
                row = self.q1(f"SELECT {', '.join(shown)} FROM {_STAGE} s WHERE s.rowid = {first}")
                return (f"{n:,} line(s) have a {rule.column} more than twice, or less than half, "
                        f"{rule.operands[0]} × {rule.operands[1]} (first: row {self.row_of(first)}, "
                        f"{_show(str(row[0]))} × {_show(str(row[1]))}, {rule.column} {_show(str(row[2]))}); "
                        f"loaded with the file's {rule.column}. If that is wrong, correct the file, or list "
                        f"the header '{self.header_of(rule.column)}' under ignore in a mapping file so that "
                        f"{rule.column} = {rule.operands[0]} × {rule.operands[1]}")
            found.append((cond, far))
        for volume, value in self.tbl.return_signs:
            if not (volume in self.bound and value in self.bound):
                continue

            def positive(n: int, first: int, volume=volume, value=value) -> str:
                return (f"{n:,} line(s) have a negative {volume} (a return) but a positive {value} (first: row "
                        f"{self.row_of(first)}); loaded as given, so they add to turnover. If they are returns, "
                        f"make {value} negative in the file")
            found.append((f"{self.col(volume)} < 0 AND {self.col(value)} > 0", positive))
        return found

    def _type_problems(self, total: int) -> None:
        found = self.db.execute(f"SELECT s.rowid, s.__bad FROM {_STAGE} s WHERE {self.active()} AND "
                                f"s.__bad IS NOT NULL ORDER BY s.rowid LIMIT {self.cap}").fetchall()
        for rowid, bad in found:
            for part in bad.split("\x1f"):
                name, _, value = part.partition("\x1e")
                col = self.tbl.column(name) if name in self.tbl.column_names else None
                self.problems.append(Problem(self.src.label, self.row_of(rowid), self.header_of(name),
                                             value, self._type_expected(name, col, value)))
        self.tally_bad_values()

    def _type_expected(self, name: str, col: Column | None, value: str) -> str:
        number = self._as_number(value)
        if number is not None and not math.isfinite(number):
            return ("expected a finite number: NaN and infinity cannot be summed or compared; leave the "
                    "cell empty where the number is unknown")
        if col is None:
            return f"expected a number (extra column {name} holds numbers)"
        text = f"expected {col.expected()}"
        if col.type == "date" and col.name in self.date_formats:
            fmt = self.date_formats[col.name]
            text = (f"not a valid date in the column's format {human_format(fmt)} (read from its other "
                    f"values); correct it, e.g. {date(2024, 3, 31).strftime(fmt)}")
            if two_digit_year(value):
                text = (f"the year has two digits; write it with four ({date(2023, 11, 1).strftime(fmt)}), "
                        "or give the format in a mapping file with %y ([read] date_format = "
                        f"\"{fmt.replace('%Y', '%y')}\")")
        elif col.type == "integer" and number is not None and abs(number) >= 2 ** 63:
            text = (f"the value is too large: {col.name} holds whole numbers below 2^63 "
                    "(9,223,372,036,854,775,808); check the value")
        elif col.type == "integer" and number is not None and not number.is_integer():
            text += (f": '{value}' has a fraction, and a whole-number column is not rounded; correct "
                     "the value")
        elif col.type in ("quantity", "money", "price") and number is not None \
                and abs(number) >= (limit := _STAGED_LIMITS[col.type]):
            text = (f"the value is too large: {col.name} holds values below {limit:,.0f} (10^"
                    f"{round(math.log10(limit))}); check the value (a missing decimal separator, or "
                    "another column's number?)")
        elif col.type in ("quantity", "money", "price", "number", "integer"):
            sep = "decimal comma" if self.decimal_comma else "decimal point"
            if self.thousands:
                sep += f" and '{self.thousands}' between thousands"
            text += f" (this file uses a {sep}); correct the value"
        return text

    def _as_number(self, value: str | None) -> float | None:
        """A raw value read as a number the way this file writes numbers (None: not a number)."""
        if value is None:
            return None
        text = value.strip()
        if self.decimal_comma:
            text = text.replace(" ", "").replace("\u00a0", "")
        if self.thousands:
            text = text.replace(self.thousands, "")
        if self.decimal_comma:
            text = text.replace(",", ".")
        try:
            return float(text)
        except ValueError:
            return None

    def check_duplicates_and_keys(self) -> None:
        """Exact duplicate lines, key duplicates in the file and key clashes with stored rows."""
        tbl = self.tbl
        key = [k for k in tbl.key if self.given(k) and k != self.generated]
        bound_key = [k for k in key if k in self.bound]
        key_groups: list[list[int]] = []
        if self.generated is None and bound_key:
            key_groups = self._duplicate_groups(bound_key)
        if self.generated is None and bound_key and all(self.given(k) for k in tbl.key):
            # Exact duplicates share the key: compare whole lines among key duplicates only.
            among = [r for g in key_groups for r in g]
            exact = self._duplicate_groups(list(self.bound), among=among) if among else []
        else:
            exact = self._duplicate_groups(list(self.bound)) if self.bound else []
        exact_dup_rows = {r for g in exact for r in g[1:]}
        if exact and self.keep_duplicates and self.generated is not None:
            # the user says they are real: each is loaded, with its own generated line number
            self.duplicates_kept = len(exact_dup_rows)
        elif exact and self.mapping.duplicates == "skip":
            reason = "exact duplicate of an earlier line"
            self.db.execute(f"UPDATE {_STAGE} SET __skip = {_lit(reason)} WHERE rowid IN "
                            f"(SELECT unnest(?::BIGINT[]))", [sorted(exact_dup_rows)])
            self.skipped[reason] = len(exact_dup_rows)
        else:
            keep_hint = (", or import with --keep-duplicates if they are real" if self.generated else
                         "; --keep-duplicates keeps real ones only where the key is numbered on load (sales "
                         "without line_no)" if self.keep_duplicates else "")
            for g in exact:
                for r in g[1:]:
                    self._add_listed(Problem(
                        self.src.label, self.row_of(r), None, None,
                        f"exact duplicate of row {self.row_of(g[0])} (every column is the same); delete "
                        "one of them, or set [duplicates] exact = \"skip\" in a mapping file"
                        + keep_hint),
                        "exact duplicate lines")
        for g in key_groups:
            first = next((r for r in g if r not in exact_dup_rows), g[0])
            for r in g:
                if r == first or r in exact_dup_rows:
                    continue
                self._add_listed(Problem(
                    self.src.label, self.row_of(r), ", ".join(self.header_of(k) for k in key), None,
                    f"the same {' + '.join(key)} as row {self.row_of(first)}; each line needs its own "
                    f"{' + '.join(key)} (the key of {tbl.name}); correct or delete one of them"),
                    f"the same {' + '.join(key)} as an earlier line")
        if key and self.mode == "append" and self.q1(f"SELECT count(*) FROM {self.stored(tbl.name)}")[0]:
            on = " AND ".join(f"t.{_q(k)} IS NOT DISTINCT FROM {self.col(k)}" for k in key)
            n, = self.q1(f"SELECT count(*) FROM {_STAGE} s WHERE {self.active()} AND EXISTS "
                         f"(SELECT 1 FROM {self.stored(tbl.name)} t WHERE {on})")
            if n:
                found = self.db.execute(
                    f"SELECT s.rowid, concat_ws(' + ', {', '.join(f'CAST({self.col(k)} AS VARCHAR)' for k in key)}) "
                    f"FROM {_STAGE} s WHERE {self.active()} AND EXISTS (SELECT 1 FROM {self.stored(tbl.name)} t "
                    f"WHERE {on}) ORDER BY s.rowid LIMIT {self.cap}").fetchall()
                for rowid, val in found:
                    self.problems.append(Problem(
                        self.src.label, self.row_of(rowid), ", ".join(self.header_of(k) for k in key), val,
                        f"{' + '.join(key)} is already stored in {tbl.name} (loaded before); import with "
                        + ("--replace-invoices to replace the stored lines of the invoices in the file"
                           if "invoice_id" in tbl.key else "--replace-invoices to replace the stored rows with these keys")
                        + " (or --replace-import ID, --replace-dates FROM:TO), or leave these lines out"))
                self.tally(f"{' + '.join(key)} already stored in {tbl.name}", n)

    def _add_listed(self, problem: Problem, kind: str) -> None:
        self.problems.append(problem)
        self.tally(kind, 1)

    def _duplicate_groups(self, names: list[str], among: list[int] | None = None) -> list[list[int]]:
        """Groups (rowids, ascending) of active staged lines equal on ``names``.

        ``among`` restricts the search to those rowids. Without it, lines are grouped on a
        64-bit hash first (a small table even for 10 million lines), then the few candidates
        are compared exactly.
        """
        cols = ", ".join(f"s.{_q(n)}" for n in names)
        if among is not None:
            groups = self.db.execute(
                f"SELECT list(s.rowid ORDER BY s.rowid) FROM {_STAGE} s WHERE {self.active()} AND s.rowid IN "
                f"(SELECT unnest(?::BIGINT[])) GROUP BY {cols} HAVING count(*) > 1 ORDER BY min(s.rowid)",
                [among]).fetchall()
            return [g[0] for g in groups]
        self.db.execute(f"CREATE OR REPLACE TEMP TABLE __saleskpi_dups AS SELECT h FROM "
                        f"(SELECT hash({cols}) AS h FROM {_STAGE} s WHERE {self.active()}) "
                        f"GROUP BY h HAVING count(*) > 1")
        try:
            if not self.q1("SELECT count(*) FROM __saleskpi_dups")[0]:
                return []
            groups = self.db.execute(
                f"SELECT list(s.rowid ORDER BY s.rowid) FROM {_STAGE} s SEMI JOIN __saleskpi_dups d "
                f"ON hash({cols}) = d.h WHERE {self.active()} GROUP BY {cols} HAVING count(*) > 1 "
                "ORDER BY min(s.rowid)").fetchall()
            return [g[0] for g in groups]
        finally:
            self.db.execute("DROP TABLE IF EXISTS __saleskpi_dups")

    def check_references(self) -> None:
        """Every referencing value must exist (or be created with create_missing); ids close to
        stored ones (case, spaces) are named, this table's own new ids too."""
        self.warn_near_keys()
        tbl = self.tbl
        for col in tbl.columns:
            if not col.references or not self.given(col.name):
                continue
            target_name, target_key = col.references.split(".")
            target = TABLES[target_name]
            c = self.col(col.name)
            known = [f"SELECT {_q(target_key)} FROM {self.stored(target_name)}"]
            if target_name == tbl.name:
                if self.mode == "replace":
                    known = []
                known.append(f"SELECT {self.col(target_key)} FROM {_STAGE} s WHERE {self.active()}")
            self.db.execute(
                f"CREATE OR REPLACE TEMP TABLE __saleskpi_missing_{col.name} AS "
                f"(SELECT DISTINCT {c} AS v FROM {_STAGE} s WHERE {self.active()} AND {c} IS NOT NULL) "
                + "".join(f"EXCEPT ({k}) " for k in known))
            n_values, = self.q1(f"SELECT count(*) FROM __saleskpi_missing_{col.name}")
            if not n_values:
                continue
            stub_ok = set(c.name for c in target.required) <= {target_key, "name"}
            near = self._near_ids(f"__saleskpi_missing_{col.name}", target_name, target_key)
            if self.create_missing and stub_ok and target_name != tbl.name:
                self.missing_refs[col.name] = n_values
                if near:
                    value, stored = next(iter(near.items()))
                    self.warnings.append(
                        f"{len(near):,} {col.name} value(s) differ from a stored {target_name} {target_key} only "
                        f"in case or spaces (first: '{value}', stored '{stored}'); they were created as new "
                        f"{target_name} (--create-missing). If they are the same, correct them in the file")
                continue
            where = (f"{self.active()} AND {c} IN (SELECT v FROM __saleskpi_missing_{col.name})")
            n, = self.q1(f"SELECT count(*) FROM {_STAGE} s WHERE {where}")
            found = self.db.execute(f"SELECT s.rowid, {c} FROM {_STAGE} s WHERE {where} ORDER BY s.rowid "
                                    f"LIMIT {self.cap}").fetchall()
            if target_name == tbl.name:
                fix = (f"add a line with {target_key} {{val!r}} to this file, or leave {col.name} empty")
            elif not stub_ok:
                fix = (f"import {target_name} first ({target_name} rows cannot be created from an id "
                       f"alone: they need {', '.join(r.name for r in target.required)})")
            else:
                fix = (f"import {target_name} first, or import with --create-missing to create it with "
                       f"its id as name")
            for rowid, val in found:
                hint = (f" (the stored {near[val]!r} differs only in case or spaces: if it is that one, "
                        "correct the value)" if val in near else "")
                self.problems.append(Problem(self.src.label, self.row_of(rowid), self.header_of(col.name), val,
                                             f"no {target_name} has {target_key} {val!r}{hint}; "
                                             + fix.format(val=val)))
            self.tally(f"unknown {target_name} ({n_values:,} {col.name} value(s) not in {target_name})", n)

    def _near_ids(self, values: str, table: str, key: str) -> dict[str, str]:
        """Values of the one-column table ``values`` (``v``) that are not stored in ``table.key``
        but differ from a stored id only in case or spaces: value -> the stored id."""
        def loose(x: str) -> str:
            return f"lower(regexp_replace({x}, '\\s', '', 'g'))"
        found = self.db.execute(
            f"SELECT m.v, min(t.{_q(key)}) FROM {values} m JOIN {self.stored(table)} t ON {loose('m.v')} = "
            f"{loose(f't.{_q(key)}')} WHERE m.v NOT IN (SELECT {_q(key)} FROM {self.stored(table)} WHERE {_q(key)} "
            f"IS NOT NULL) GROUP BY m.v ORDER BY m.v LIMIT {self.cap}").fetchall()
        return dict(found)

    def warn_near_keys(self) -> None:
        """New ids of this table (append) that differ from stored ones only in case or spaces."""
        key = self.tbl.key
        if len(key) != 1 or key[0] not in self.bound or self.mode != "append":
            return
        c = self.col(key[0])
        self.db.execute(f"CREATE OR REPLACE TEMP TABLE __saleskpi_new_keys AS SELECT DISTINCT {c} AS v "
                        f"FROM {_STAGE} s WHERE {self.active()} AND {c} IS NOT NULL")
        try:
            near = self._near_ids("__saleskpi_new_keys", self.tbl.name, key[0])
        finally:
            self.db.execute("DROP TABLE IF EXISTS __saleskpi_new_keys")
        if near:
            value, stored = next(iter(near.items()))
            self.warnings.append(
                f"{len(near):,} new {key[0]} value(s) differ from a stored one only in case or spaces (first: "
                f"'{value}', stored '{stored}'); they were loaded as new {self.tbl.name}. If they are the same, "
                "correct them in the file and import it again with --replace")

    def check_currencies(self) -> dict[str, Fraction]:
        """Rates of the currencies the lines use; an unknown currency is a problem."""
        home = self.settings.workspace.currency
        amounts = [c for c in self.tbl.columns if c.is_amount and self.given(c.name)]
        if not amounts or not self.given("currency"):
            return {}
        cur = f"upper({self.col('currency')})"
        found = self.db.execute(f"SELECT {cur} AS cur, count(*), min(s.rowid) FROM {_STAGE} s "
                                f"WHERE {self.active()} AND {cur} IS NOT NULL GROUP BY cur ORDER BY 3").fetchall()
        rates: dict[str, Fraction] = {}
        for code, n, first in found:
            rate = _exact_rate(self.settings, code) if len(code) == 3 and code.isalpha() else None
            if rate is None:
                rows = self.db.execute(f"SELECT s.rowid FROM {_STAGE} s WHERE {self.active()} AND "
                                       f"{cur} = ? ORDER BY s.rowid LIMIT {self.cap}", [code]).fetchall()
                fix = (f"unknown currency; add it under [currencies] in {self.ws.path / 'settings.toml'} as "
                       f"{code} = <units of {code} per 1 {home}>" if len(code) == 3 and code.isalpha()
                       else f"expected a 3-letter ISO currency code such as {home}")
                for (rowid,) in rows:
                    self.problems.append(Problem(self.src.label, self.row_of(rowid),
                                                 self.header_of("currency"), code, fix))
                self.tally(f"unknown currency {code}", n)
            elif code != home:
                rates[code] = rate
        return rates

    def check_dangling(self) -> None:
        """After a replace, rows of other tables must not refer to ids that are gone."""
        tbl = self.tbl
        for other in TABLES.values():
            for col in other.columns:
                if not col.references or col.references.split(".")[0] != tbl.name:
                    continue
                key = col.references.split(".")[1]
                found = self.db.execute(
                    f"SELECT o.{_q(col.name)}, count(*) FROM {_q(other.name)} o WHERE o.{_q(col.name)} IS NOT NULL "
                    f"AND o.{_q(col.name)} NOT IN (SELECT {_q(key)} FROM {_q(tbl.name)}) GROUP BY 1 ORDER BY 1 "
                    f"LIMIT {self.cap}").fetchall()
                for value, n in found:
                    self.problem(None, key, value, f"{n} row(s) of {other.name} ({col.name}) refer to it, "
                                 f"but the new file lacks it; keep it in the file, or replace {other.name} first")
        if self.total:
            self.refuse(f"{self.src.label} would leave references dangling; nothing was loaded.")
