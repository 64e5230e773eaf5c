"""Binding a source's headers to the contract's columns and staging its values, typed, in DuckDB
(steps 1 and 2 of an import; :mod:`saleskpi.data.importer`)."""

from __future__ import annotations

import re

from saleskpi.data.importer.dates import (
    ALWAYS_DATE_FORMATS,
    ZONED,
    date_order,
    date_part_format,
    date_part_sql,
    human_format,
    parse_date_sql,
)
from saleskpi.data.importer.state import _STAGE, ImportState, _lit, _q
from saleskpi.data.schema import FALSE_WORDS, TRUE_WORDS, Column, match_headers, normalize_header

#: The product id of every line under ``[generate] product_id = "one"``.
ONE_PRODUCT = "all"
#: Lines read to detect the date format of a column and the decimal comma.
SAMPLE_ROWS = 20_000
#: Staged amounts keep 6 decimals until they are converted and rounded on load. 64-bit
#: decimals are several times faster than 128-bit ones; they hold amounts below 10^12.
_STAGE_AMOUNT = "DECIMAL(18,6)"


def _is_text(duck_type: str) -> bool:
    return duck_type.upper() in ("VARCHAR", "TEXT", "STRING") or duck_type.upper().startswith("VARCHAR")


def _is_float(duck_type: str) -> bool:
    return duck_type.upper() in ("DOUBLE", "FLOAT", "REAL", "FLOAT4", "FLOAT8")


def _is_integer(duck_type: str) -> bool:
    return duck_type.upper() in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                                 "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")


def _is_numeric(duck_type: str) -> bool:
    return _is_float(duck_type) or duck_type.upper().startswith("DECIMAL") or _is_integer(duck_type)


def _stage_type(col: Column) -> str:
    """The type a column has in the staging table (amounts keep 6 decimals until loaded)."""
    return _STAGE_AMOUNT if col.is_amount else col.sql_type


def _guess_delimiter(header: str) -> str | None:
    """The likeliest delimiter of a header line that did not split, or None."""
    counts = {d: header.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def _show_delim(d: str) -> str:
    return "tab" if d == "\t" else f"'{d}'"


class Staging(ImportState):
    """Bind the headers, stage the values, mark the lines that skip rules leave out."""

    def bind(self) -> None:
        """Match headers to contract columns; stop on header-level problems."""
        src, tbl, mapping = self.src, self.tbl, self.mapping
        if not src.headers:
            if not self._point_at_other_sheet():
                self.problem(None, None, None, "the file is empty (no header line). Export it again "
                             "with a header line naming the columns; 'saleskpi schema "
                             f"{tbl.name}' lists them")
            self.refuse()
        norm = [normalize_header(h) for h in src.headers]
        self._refuse_header_clashes(norm)
        taken: set[int] = set()
        for name, header in mapping.columns.items():
            wanted = normalize_header(header)
            # one header may feed two contract columns (the same index bound twice)
            idx = next((i for i, n in enumerate(norm) if n == wanted), None)
            if idx is None:
                self.problem(None, name, None, f"the mapping ({mapping.source}) maps {name} to the header "
                             f"'{header}', which the file does not have; headers: {', '.join(src.headers)}")
            else:
                self.bound[name] = idx
                taken.add(idx)
        rest = [i for i in range(len(src.headers)) if i not in taken]
        found, extra = match_headers(tbl, [src.headers[i] for i in rest])
        by_header = {}
        for i in rest:
            by_header.setdefault(src.headers[i], i)
        for name, header in found.items():
            if name in self.bound or name in mapping.values:
                extra.append(header)
            else:
                self.bound[name] = by_header[header]
        extra = self._bind_alternatives(extra, by_header)
        ignored = {normalize_header(h) for h in mapping.ignore}
        for header in extra:
            if normalize_header(header) in ignored or not header.strip():
                continue
            self.warnings.append(
                f"column '{header}' matches no column of {tbl.name} and was not loaded; rename it "
                f"to a contract column (saleskpi schema {tbl.name}), map it in a mapping file, or "
                "list it under ignore")
        for name, value in mapping.values.items():
            col = tbl.column(name) if name in tbl.column_names else None
            sql_type = col.sql_type if col else "DOUBLE"
            ok = self.q1(f"SELECT TRY_CAST({_lit(value)} AS {sql_type}) IS NOT NULL")[0]
            if not ok:
                self.problem(None, name, value, f"the mapping's [values] {name} must be "
                             f"{col.expected() if col else 'a number'}; fix {mapping.source}")
            elif col is not None and col.choices and value not in col.choices:
                self.problem(None, name, value, f"the mapping's [values] {name} must be one of "
                             f"{', '.join(col.choices)}; fix {mapping.source}")
            else:
                self.fixed[name] = f"CAST({_lit(value)} AS {sql_type})"
        self._generate_ids()
        if len(src.headers) == 1 and not self.bound and src.delimiter is not None:
            guess = _guess_delimiter(src.headers[0])
            if guess and guess != src.delimiter:
                shown = _show_delim(guess)
                self.problem(1, None, src.headers[0][:80],
                             f"the header did not split into columns with the delimiter "
                             f"{_show_delim(src.delimiter)}: it looks like the delimiter is {shown}; "
                             f"use --delimiter {'tab' if guess == chr(9) else shown}")
                self.refuse()
        missing = [col for col in tbl.required if not self.given(col.name)]
        other_sheet = bool(missing) and self._point_at_other_sheet()
        for col in [] if other_sheet else missing:
            self.problem(None, col.name, None, self._missing_column_text(col))
        for group in tbl.one_of:
            if not other_sheet and not any(self.given(c) for c in group):
                self.problem(None, " or ".join(group), None,
                             f"the file must have at least one of the columns {', '.join(group)}")
        for col in tbl.columns:
            if col.name in tbl.key and col.type == "integer" and not col.required \
                    and not self.given(col.name):
                self.generated = col.name
        self.refuse()

    def _bind_alternatives(self, extra: list[str], by_header: dict[str, int]) -> list[str]:
        """Headers that matched nothing, tried by their alternatives (a part of a two-row Excel
        header: ``Value Net`` as ``Net``, then ``Value``); returns those still unmatched."""
        left = []
        for header in extra:
            idx = by_header.get(header)
            for other in self.src.header_alternatives.get(idx, ()) if idx is not None else ():
                name = next(iter(match_headers(self.tbl, [other])[0]), None)
                if name is not None and not self.given(name) and name not in self.mapping.values:
                    self.bound[name] = idx
                    break
            else:
                left.append(header)
        return left

    def _point_at_other_sheet(self) -> bool:
        """When the first sheet of a workbook lacks required columns and another sheet has them
        all, say so (one problem naming that sheet and --sheet); True if one was named."""
        src, tbl = self.src, self.tbl
        for name, headers in (src.other_sheets() if src.other_sheets else {}).items():
            found = match_headers(tbl, headers)[0]
            if all(c.name in found or c.name in self.mapping.columns or c.name in self.fixed
                   for c in tbl.required):
                first = src.label.rsplit(" [", 1)[-1].rstrip("]")
                self.problem(None, None, None, f"the first sheet, '{first}', does not hold the {tbl.name} "
                             f"table, but the sheet '{name}' does; import it with --sheet \"{name}\" (or "
                             f"[read] sheet = \"{name}\" in a mapping file)")
                return True
        return False

    def _refuse_header_clashes(self, norm: list[str]) -> None:
        """Two headers that name the same column (written alike, or alike once normalised) are
        refused: one of them would be dropped without a word."""
        src, mapping = self.src, self.mapping
        wanted = {normalize_header(h) for h in mapping.columns.values()}
        ignored = {normalize_header(h) for h in mapping.ignore}
        seen: dict[str, int] = {}
        for i, n in enumerate(norm):
            if not n or n in ignored:
                continue
            if n not in seen:
                seen[n] = i
                continue
            first = seen[n]
            if n not in wanted and not match_headers(self.tbl, [src.headers[i]])[0]:
                continue  # neither is loaded: each gets the unmatched-column warning
            a, b = src.headers[first], src.headers[i]
            same = (f"the header '{b}' appears twice (columns {first + 1} and {i + 1})" if a == b else
                    f"the headers '{a}' (column {first + 1}) and '{b}' (column {i + 1}) are the same name "
                    "once case, spaces, dots, dashes and underscores are ignored")
            self.problem(1, b, None, f"{same}, so one of them would not be loaded; rename or delete "
                         "one of the two columns")

    def _generate_ids(self) -> None:
        """Ids the file lacks, made by the mapping's ``[generate]`` rule; the report states it."""
        for name, rule in self.mapping.generate.items():
            if name == "invoice_id" and rule == "customer-day":
                self.fixed[name] = (f"({self.col('customer_id')} || '-' || "
                                    f"strftime({self.col('date')}, '%Y%m%d'))")
                self.warnings.append(
                    "invoice_id is not in the file: the lines of one customer on one day form one "
                    "invoice, numbered customer_id-yyyymmdd, its lines numbered in file order (mapping "
                    '[generate] invoice_id = "customer-day"); map an invoice column to use real invoices')
            elif name == "product_id" and rule == "one":
                self.fixed[name] = _lit(ONE_PRODUCT)
                self.warnings.append(
                    f"product_id is not in the file: every line is the one product '{ONE_PRODUCT}' "
                    '(mapping [generate] product_id = "one"); map a product column to tell products apart')

    def _missing_column_text(self, col: Column) -> str:
        text = (f"required column '{col.name}' is missing ({col.description.rstrip('.')}). Add a "
                f"column headed {col.name}")
        if col.aliases:
            text += f" (or one of: {', '.join(col.aliases[:6])})"
        text += ", or map your header to it in a mapping file"
        return text

    def stage(self) -> int:
        """Create the staging table of typed values; return its number of rows."""
        src = self.src
        self.detect()
        selects, bad_parts = [], []
        for name, idx in self.bound.items():
            col = self.tbl.column(name) if name in self.tbl.column_names else None
            raw = f"src.{_q(src.columns[idx])}"
            typed, bad = self.typed_expr(raw, src.types[idx], col)
            selects.append(f"{typed} AS {_q(name)}")
            if bad is not None:
                bad_parts.append(f"CASE WHEN {bad} THEN {_lit(name)} || chr(30) || CAST({raw} AS VARCHAR) END")
        bad_sql = f"NULLIF(concat_ws(chr(31), {', '.join(bad_parts)}), '')" if bad_parts else "CAST(NULL AS VARCHAR)"
        # A line with no value at all (;;;; at the end of an Excel export) is left out.
        empty = " AND ".join(f"src.{_q(c)} IS NULL" for c in src.columns) or "FALSE"
        inner = ", ".join(selects + [f"{bad_sql} AS __bad",
                                     f"CASE WHEN {empty} THEN 'empty line' END AS __skip"])
        self.db.execute(f"CREATE OR REPLACE TEMP TABLE {_STAGE} AS SELECT {inner} FROM {src.relation} AS src")
        rows, empty_lines = self.q1(f"SELECT count(*), count(__skip) FROM {_STAGE}")
        if src.after_scan is not None:
            src.after_scan()
            self.problems += src.problems
            self.total += src.problem_total
            self._line_k = None
        if empty_lines:
            self.skipped["empty line"] = empty_lines
        if rows - empty_lines == 0 and src.kind == "file" and not self.total:
            self.problem(None, None, None, "the file has a header but no data rows; export it again "
                         "with its rows, or check that you chose the right file")
            self.refuse()
        if rows == 0 and src.kind == "data":
            self.warnings.append(f"{src.label} has no rows; nothing was loaded")
        return rows

    def detect(self) -> None:
        """Detect the decimal comma, the thousands separator and each text date column's
        format from a sample; warn where the sample leaves the reading open."""
        src, mapping = self.src, self.mapping
        text_cols = {name: idx for name, idx in self.bound.items() if _is_text(src.types[idx])}
        dates = {n: i for n, i in text_cols.items()
                 if n in self.tbl.column_names and self.tbl.column(n).type == "date"}
        numbers = {n: i for n, i in text_cols.items()
                   if n not in self.tbl.column_names or self.tbl.column(n).type in (
                       "integer", "quantity", "money", "price", "number")}
        if mapping.decimal is not None:
            self.decimal_comma = mapping.decimal == ","
        elif src.decimal_comma is not None:
            self.decimal_comma = src.decimal_comma
        if mapping.thousands is not None:
            self.thousands = mapping.thousands
        detect_numbers = bool(numbers) and (mapping.decimal is None or mapping.thousands is None) \
            and src.delimiter != "," and src.decimal_comma is None
        if not dates and not detect_numbers:
            return
        sample = src.sample or src.relation
        self.db.execute(f"CREATE OR REPLACE TEMP TABLE __saleskpi_sample AS SELECT * FROM {sample} "
                        f"LIMIT {SAMPLE_ROWS}")
        try:
            if detect_numbers:
                self._detect_numbers(numbers)
            for name, idx in dates.items():
                self._detect_date_format(name, idx)
        finally:
            self.db.execute("DROP TABLE IF EXISTS __saleskpi_sample")

    def _detect_numbers(self, numbers: dict[str, int]) -> None:
        """Decimal comma and thousands separator (where the mapping does not state them), from
        the number columns' sampled values."""
        patterns = {
            # only a decimal comma: 1,5  1234,50  1.234,50  1 234,50  1,2345
            "decimals": ("[-+]?[0-9 \u00a0.]*,[0-9]+", r"[-+]?[0-9]{1,3},[0-9]{3}"),
            "one_group": (r"[-+]?[0-9]{1,3},[0-9]{3}", None),        # 1,200: 1.2 or 1200?
            "groups": (r"[-+]?[0-9]{1,3}(,[0-9]{3}){2,}", None),     # 1,234,567: thousands only
            "us": (r"[-+]?[0-9]{1,3}(,[0-9]{3})+\.[0-9]+", None),   # 1,200.50
            "dotted": (r"[-+]?[0-9]{1,3}(\.[0-9]{3})+,[0-9]+|[-+]?[0-9]{1,3}(\.[0-9]{3}){2,}", None),
        }
        cols = [f"trim({_q(self.src.columns[i])})" for i in numbers.values()]
        found = {}
        for kind, (pattern, unless) in patterns.items():
            conds = " OR ".join(f"(regexp_full_match({c}, {_lit(pattern)})"
                                + (f" AND NOT regexp_full_match({c}, {_lit(unless)})" if unless else "") + ")"
                                for c in cols)
            found[kind] = self.q1(f"SELECT count(*) FILTER ({conds}) FROM __saleskpi_sample")[0]
        stated = self.mapping.decimal is not None
        if not stated:
            if not found["decimals"] and (found["us"] or found["groups"]):
                self.decimal_comma = False
            else:
                self.decimal_comma = bool(found["decimals"] or found["one_group"])
        if self.mapping.thousands is not None:
            return
        if not self.decimal_comma and (found["us"] or found["groups"]):
            self.thousands = ","
        elif self.decimal_comma and found["dotted"]:
            self.thousands = "."
        elif self.decimal_comma and not stated and not found["decimals"]:
            example = self._first_match(list(numbers.items()), patterns["one_group"][0])
            self.warnings.append(
                f"column '{example[0]}': values such as '{example[1]}' have three digits after the comma "
                f"and no value has another number of decimals; read with a decimal comma ('{example[1]}' "
                f"= {example[1].replace(',', '.')}). If the comma separates thousands, set [read] "
                'decimal = "." and thousands = "," in a mapping file (--mapping)')

    def _first_match(self, columns: list[tuple[str, int]], pattern: str) -> tuple[str, str]:
        """(header, value) of the first sampled value of ``columns`` matching ``pattern``."""
        for name, idx in columns:
            c = f"trim({_q(self.src.columns[idx])})"
            hit = self.q1(f"SELECT {c} FROM __saleskpi_sample WHERE regexp_full_match({c}, {_lit(pattern)}) "
                          "LIMIT 1")
            if hit:
                return self.header_of(name), hit[0]
        return "", ""

    def _date_formats(self) -> list[str]:
        """The formats a date column may be read with (the date part only: the time is dropped)."""
        if self.mapping.date_format:
            return [date_part_format(self.mapping.date_format)]
        formats = [date_part_format(f) for f in (*self.settings.import_.date_formats, *ALWAYS_DATE_FORMATS)]
        order = self.mapping.date_order
        return [f for f in dict.fromkeys(formats) if order is None or date_order(f) in (order, None)]

    def _detect_date_format(self, name: str, idx: int) -> None:
        """The first format that reads every sampled value wins, else the one that reads most.
        Two formats that both read every value but differ (01/02 as 1 February or 2 January) are
        an ambiguity: the first is taken, with a warning saying how to choose the other."""
        formats = self._date_formats()
        part = date_part_sql(f"NULLIF(trim({_q(self.src.columns[idx])}), '')")
        counts = self.q1("SELECT " + ", ".join(
            f"count({part}) FILTER ({parse_date_sql(part, f)} IS NULL)" for f in formats)
            + f", count({part}) FROM __saleskpi_sample")
        failures, n = counts[:-1], counts[-1]
        if not n:
            return
        best = min(range(len(formats)), key=lambda k: (failures[k], k))
        self.date_formats[name] = formats[best]
        chosen = formats[best]
        raw = f"trim({_q(self.src.columns[idx])})"
        zoned = self.q1(f"SELECT {raw}, {parse_date_sql(part, chosen)} FROM __saleskpi_sample "
                        f"WHERE regexp_matches({raw}, {_lit(ZONED)}) LIMIT 1")
        if zoned is not None and zoned[1] is not None:
            self.warnings.append(
                f"column '{self.header_of(name)}': the dates carry a time zone (e.g. '{zoned[0]}'); the date as "
                f"written is taken ({zoned[1]:%Y-%m-%d}), the time and the offset dropped. If the dates must "
                "be in one zone, convert the values to it before importing")
        for k, other in enumerate(formats):
            if k == best or failures[k] != failures[best]:
                continue
            a, b = parse_date_sql(part, chosen), parse_date_sql(part, other)
            hit = self.q1(f"SELECT {part}, {a}, {b} FROM __saleskpi_sample WHERE {a} <> {b} LIMIT 1")
            if hit is None:
                continue
            value, read, alt = hit
            self.warnings.append(
                f"column '{self.header_of(name)}': every date reads both as {human_format(chosen)} and "
                f"as {human_format(other)} (no day above 12 in the first {SAMPLE_ROWS:,} lines); read "
                f"as {human_format(chosen)}, so '{value}' is {read:%Y-%m-%d}, not {alt:%Y-%m-%d}. If the "
                f'file is {human_format(other)}, set [read] date_order = "{date_order(other)}" (or '
                f'date_format = "{other}") in a mapping file (--mapping)')
            break

    def _number_sql(self, v: str) -> str:
        """SQL of a number written as text in this file's decimal and thousands separators."""
        num, sep = v, self.thousands
        if self.decimal_comma:
            num = f"replace(replace({num}, ' ', ''), chr(160), '')"
        if sep and not (self.decimal_comma and sep == " "):
            dec = "," if self.decimal_comma else r"\."
            grouped = rf"[-+]?[0-9]{{1,3}}({re.escape(sep)}[0-9]{{3}})+({dec}[0-9]*)?"
            num = (f"CASE WHEN NOT contains({num}, {_lit(sep)}) OR regexp_full_match({num}, {_lit(grouped)}) "
                   f"THEN replace({num}, {_lit(sep)}, '') END")
        if self.decimal_comma:
            num = f"replace({num}, ',', '.')"
        return num

    def typed_expr(self, raw: str, src_type: str, col: Column | None) -> tuple[str, str | None]:
        """SQL converting a source value to its staged type, and the condition of a failure.

        Whole-number columns take no fraction (7.5 is refused, not rounded to 8) and number
        columns no NaN or infinity."""
        kind = col.type if col is not None else "number"
        target = _stage_type(col) if col is not None else "DOUBLE"
        if _is_text(src_type):
            v = f"NULLIF(trim({raw}), '')"
            if kind == "string":
                typed = f"lower({v})" if col and col.choices else v
                return typed, None
            if kind == "date":
                fmt = self.date_formats.get(col.name)
                part = date_part_sql(v)
                typed = parse_date_sql(part, fmt) if fmt else f"TRY_CAST({part} AS DATE)"
            elif kind == "boolean":
                low = f"lower({v})"
                typed = (f"CASE WHEN {low} IN ({', '.join(_lit(w) for w in TRUE_WORDS)}) THEN TRUE "
                         f"WHEN {low} IN ({', '.join(_lit(w) for w in FALSE_WORDS)}) THEN FALSE END")
            elif kind == "integer":
                # the double only tests for a fraction (a DECIMAL(38,9) test is 100 times slower)
                num = self._number_sql(v)
                d = f"TRY_CAST({num} AS DOUBLE)"
                typed = f"CASE WHEN {d} = trunc({d}) THEN TRY_CAST({num} AS BIGINT) END"
            else:
                typed = f"TRY_CAST({self._number_sql(v)} AS {target})"
                if target == "DOUBLE":
                    typed = f"CASE WHEN isfinite({typed}) THEN {typed} END"
            return typed, f"({v} IS NOT NULL AND {typed} IS NULL)"
        if kind == "string":
            if _is_float(src_type):
                # 17850.0 in a float id column (a spreadsheet's habit) is the id '17850'.
                return (f"CASE WHEN {raw} = trunc({raw}) AND abs({raw}) < 1e18 THEN "
                        f"CAST(CAST({raw} AS BIGINT) AS VARCHAR) ELSE CAST({raw} AS VARCHAR) END"), None
            typed = f"NULLIF(trim(CAST({raw} AS VARCHAR)), '')"
            return (f"lower({typed})" if col and col.choices else typed), None
        if kind == "integer" and _is_numeric(src_type) and not _is_integer(src_type):
            typed = f"CASE WHEN {raw} = trunc({raw}) THEN TRY_CAST({raw} AS BIGINT) END"
        elif kind == "date":
            typed = f"TRY_CAST({raw} AS DATE)"
        elif kind == "boolean" and _is_numeric(src_type):
            typed = f"({raw} <> 0)"
        else:
            typed = f"TRY_CAST({raw} AS {target})"
            if target == "DOUBLE":
                typed = f"CASE WHEN isfinite({typed}) THEN {typed} END"
        return typed, f"({raw} IS NOT NULL AND {typed} IS NULL)"

    def apply_skip_rules(self) -> None:
        """Mark lines that the mapping's skip rules leave out, first rule first."""
        for rule in self.mapping.skip:
            if not self.given(rule.column):
                self.warnings.append(f"skip rule '{rule.reason}': column {rule.column} is not in the file")
                continue
            c = self.col(rule.column)
            cond = {"empty": f"{c} IS NULL", "not_empty": f"{c} IS NOT NULL", "zero": f"{c} = 0",
                    "negative": f"{c} < 0", "positive": f"{c} > 0"}[rule.is_]
            n = self.q1(f"SELECT count(*) FROM {_STAGE} s WHERE s.__skip IS NULL AND {cond}")[0]
            if n:
                self.db.execute(f"UPDATE {_STAGE} s SET __skip = {_lit(rule.reason)} "
                                f"WHERE s.__skip IS NULL AND {cond}")
            self.skipped[rule.reason] = n
