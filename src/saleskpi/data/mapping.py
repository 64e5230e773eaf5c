"""Mapping files: how a foreign export's headers, fixed values and known junk map to the contract.

A mapping is a small TOML file kept beside a recurring export (docs/import.md shows every key)::

    table = "sales"                       # optional; checked against the command's table

    [read]                                # optional defaults for reading the file
    encoding = "auto"                     # auto | utf-8 | cp1251 | latin-1
    delimiter = ";"                       # ; , tab |
    sheet = "Sales"                       # Excel sheet
    decimal = ","                         # "." or ","; detected when absent
    date_format = "%d.%m.%Y"              # detected from settings [import] date_formats when absent

    [columns]                             # contract column = header in the file
    invoice_id = "Doc No"

    [values]                              # the same value on every line (for absent columns)
    currency = "GBP"

    ignore = ["Description"]              # headers deliberately not loaded (no warning)

    [[skip]]                              # documented exclusion rules, counted by reason
    reason = "no customer id"
    column = "customer_id"
    is = "empty"                          # empty | zero | negative | positive | not_empty

    [duplicates]
    exact = "error"                       # error (default) | skip: exact duplicate lines

Without a mapping the import is strict: headers are matched by the contract's names and
aliases, and every problem refuses the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saleskpi.data.schema import Table, normalize_header
from saleskpi.errors import ConfigError

#: Conditions a skip rule can test, on the value after it was read into the contract type.
SKIP_CONDITIONS = ("empty", "not_empty", "zero", "negative", "positive")
DUPLICATE_POLICIES = ("error", "skip")
ENCODINGS = ("auto", "utf-8", "cp1251", "latin-1")
_READ_KEYS = ("encoding", "delimiter", "sheet", "decimal", "date_format")


@dataclass(frozen=True)
class SkipRule:
    """Lines whose ``column`` meets the condition ``is_`` are left out, counted under ``reason``."""

    reason: str
    column: str
    is_: str


@dataclass(frozen=True)
class Mapping:
    """A parsed, validated mapping file (see the module docstring for the format)."""

    source: str = "(no mapping)"
    table: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    skip: tuple[SkipRule, ...] = ()
    duplicates: str = "error"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    decimal: str | None = None
    date_format: str | None = None

    def check(self, tbl: Table) -> None:
        """Refuse a mapping that names columns the table does not have (ConfigError)."""
        problems = []
        if self.table is not None and normalize_header(self.table) not in (
                tbl.name, *(normalize_header(a) for a in tbl.aliases)):
            problems.append(f"table: the mapping is for '{self.table}', not '{tbl.name}'; "
                            f"import into {self.table} or use another mapping")
        known = set(tbl.column_names)
        for section, names in (("columns", self.columns), ("values", self.values)):
            for name in names:
                if name not in known and not tbl.is_extra(name):
                    problems.append(f"[{section}] {name}: {tbl.name} has no such column; columns: "
                                    f"{', '.join(tbl.column_names)}")
        for name in set(self.columns) & set(self.values):
            problems.append(f"[values] {name}: also mapped under [columns]; keep one")
        for i, rule in enumerate(self.skip, 1):
            if rule.column not in known and not tbl.is_extra(rule.column):
                problems.append(f"[[skip]] #{i} column: {tbl.name} has no column '{rule.column}'")
        if problems:
            raise ConfigError(f"{self.source}: {len(problems)} invalid mapping key(s):\n"
                              + "\n".join(f"  - {p}" for p in problems))


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file; every problem in one ConfigError naming file and key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: mapping file not found. Check the path given to --mapping.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}). Fix the line named.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text. Save the mapping file as UTF-8.") from None
    return parse_mapping(data, source=str(path))


def parse_mapping(data: dict[str, Any], *, source: str = "mapping") -> Mapping:
    """Validate a mapping given as a dict (the parsed TOML)."""
    problems: list[str] = []
    known = {"table", "read", "columns", "values", "ignore", "skip", "duplicates"}
    for key in data:
        if key not in known:
            problems.append(f"{key}: unknown key; keys: {', '.join(sorted(known))}")

    def strings(key: str) -> dict[str, str]:
        section = data.get(key, {})
        if not isinstance(section, dict):
            problems.append(f"[{key}]: must be a table of name = \"text\"")
            return {}
        out = {}
        for name, value in section.items():
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                problems.append(f"[{key}] {name}: must be text or a number, got {value!r}")
            else:
                out[str(name)] = str(value)
        return out

    columns = strings("columns")
    values = strings("values")
    read = strings("read")
    for key in read:
        if key not in _READ_KEYS:
            problems.append(f"[read] {key}: unknown key; keys: {', '.join(_READ_KEYS)}")
    encoding = read.get("encoding")
    if encoding is not None and encoding.lower() not in ENCODINGS:
        problems.append(f"[read] encoding: '{encoding}' is not one of {', '.join(ENCODINGS)}")
    decimal = read.get("decimal")
    if decimal is not None and decimal not in (".", ","):
        problems.append(f"[read] decimal: must be \".\" or \",\", got {decimal!r}")
    delimiter = read.get("delimiter")
    if delimiter is not None:
        delimiter = "\t" if delimiter.lower() in ("tab", "\\t") else delimiter
        if len(delimiter) != 1:
            problems.append(f"[read] delimiter: must be one character (or \"tab\"), got {delimiter!r}")

    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(h, str) for h in ignore):
        problems.append("ignore: must be a list of headers, e.g. ignore = [\"Description\"]")
        ignore = []

    rules: list[SkipRule] = []
    raw_rules = data.get("skip", [])
    if not isinstance(raw_rules, list):
        problems.append("skip: write each rule as a [[skip]] table with reason, column and is")
        raw_rules = []
    for i, rule in enumerate(raw_rules, 1):
        if not isinstance(rule, dict):
            problems.append(f"[[skip]] #{i}: must be a table with reason, column and is")
            continue
        extra = set(rule) - {"reason", "column", "is"}
        if extra:
            problems.append(f"[[skip]] #{i}: unknown key(s) {', '.join(sorted(extra))}; keys: reason, column, is")
        reason, column, cond = rule.get("reason"), rule.get("column"), rule.get("is")
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"[[skip]] #{i} reason: required; say why these lines are left out")
        if not isinstance(column, str) or not column:
            problems.append(f"[[skip]] #{i} column: required; the contract column tested")
        if cond not in SKIP_CONDITIONS:
            problems.append(f"[[skip]] #{i} is: must be one of {', '.join(SKIP_CONDITIONS)}, got {cond!r}")
        if isinstance(reason, str) and isinstance(column, str) and cond in SKIP_CONDITIONS:
            rules.append(SkipRule(reason.strip(), column, cond))
    if len({r.reason for r in rules}) != len(rules):
        problems.append("[[skip]]: two rules have the same reason; give each rule its own reason")

    duplicates = "error"
    dup = data.get("duplicates", {})
    if not isinstance(dup, dict) or set(dup) - {"exact"}:
        problems.append("[duplicates]: the only key is exact = \"error\" or \"skip\"")
    else:
        duplicates = dup.get("exact", "error")
        if duplicates not in DUPLICATE_POLICIES:
            problems.append(f"[duplicates] exact: must be \"error\" or \"skip\", got {duplicates!r}")

    table = data.get("table")
    if table is not None and not isinstance(table, str):
        problems.append(f"table: must be a table name such as \"sales\", got {table!r}")
    if problems:
        raise ConfigError(f"{source}: {len(problems)} invalid mapping key(s):\n"
                          + "\n".join(f"  - {p}" for p in problems))
    return Mapping(
        source=source, table=table, columns=columns, values=values, ignore=tuple(ignore),
        skip=tuple(rules), duplicates=duplicates,
        encoding=encoding.lower() if encoding else None, delimiter=delimiter,
        sheet=read.get("sheet"), decimal=decimal, date_format=read.get("date_format"),
    )
