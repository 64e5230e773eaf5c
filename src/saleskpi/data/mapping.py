"""Mapping files: how a foreign export's headers, fixed values and known junk map to the contract.

A mapping is a small TOML file kept beside a recurring export (docs/import.md shows every key)::

    table = "sales"                       # optional; checked against the command's table

    [read]                                # optional defaults for reading the file
    encoding = "auto"                     # auto | utf-8 | cp1251 | latin-1
    delimiter = ";"                       # ; , tab |
    sheet = "Sales"                       # Excel sheet
    decimal = ","                         # "." or ","; detected when absent
    thousands = "."                       # "." "," " " "'" or "none"; detected when absent
    date_format = "%d.%m.%Y"              # detected from settings [import] date_formats when absent
    date_order = "dmy"                    # dmy | mdy | ymd: which formats detection may choose
    missing = ["NA"]                      # cell values that mean no value (besides the empty cell)

    [columns]                             # contract column = header in the file
    invoice_id = "Doc No"                 # one header may feed two columns

    [generate]                            # ids the file does not have, made by a stated rule
    invoice_id = "customer-day"           # one invoice per customer and day
    product_id = "one"                    # every line is the one product 'all'

    [values]                              # the same value on every line (for absent columns)
    currency = "GBP"

    ignore = ["Description"]              # headers deliberately not loaded (no warning)

    [[skip]]                              # documented exclusion rules, counted by reason
    reason = "no customer id"
    column = "customer_id"
    is = "empty"                          # empty | zero | negative | positive | not_empty

    [duplicates]
    exact = "error"                       # error (default) | skip | keep (where line_no is numbered on load)

Without a mapping the import is strict: headers are matched by the contract's names and
aliases, and every problem refuses the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator

from saleskpi.config import DateFormat
from saleskpi.data.schema import Table, normalize_header
from saleskpi.definitions import (
    Check,
    Definitions,
    config_error,
    definition_problem,
    load_definitions,
    parse_definitions,
)
from saleskpi.definitions.messages import did_you_mean

SkipCondition = Literal["empty", "not_empty", "zero", "negative", "positive"]
DuplicatePolicy = Literal["error", "skip", "keep"]
DateOrder = Literal["dmy", "mdy", "ymd"]
Thousands = Literal[".", ",", " ", "'", "none"]
#: Rules that make an id the file lacks (``[generate]``), by column.
GENERATE_RULES: dict[str, tuple[str, ...]] = {"invoice_id": ("customer-day",), "product_id": ("one",)}
Encoding = Literal["auto", "utf-8", "cp1251", "latin-1"]
#: Conditions a skip rule can test, on the value after it was read into the contract type.
SKIP_CONDITIONS: tuple[str, ...] = get_args(SkipCondition)
DUPLICATE_POLICIES: tuple[str, ...] = get_args(DuplicatePolicy)
ENCODINGS: tuple[str, ...] = get_args(Encoding)

#: A header or fixed value: TOML text, or a number written without quotes (read as its text).
Text = Annotated[str, Check("text or a number")]


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _tab(value: str) -> str:
    return "\t" if value.lower() in ("tab", "\\t") else value


class SkipRule(Definitions):
    """Lines whose ``column`` meets the condition ``is_`` are left out, counted under ``reason``."""

    reason: Annotated[str, Check("a reason in words", str.strip, convert=str.strip, example="no customer id")] = Field(
        description="say why these lines are left out; they are counted under it")
    column: Annotated[str, Check("a contract column", bool, example="customer_id")] = Field(
        description="the contract column tested, after [columns]")
    is_: SkipCondition = Field(alias="is", description="the condition: " + ", ".join(get_args(SkipCondition)))


class ReadOptions(Definitions):
    """``[read]``: defaults for reading the file; command-line options win."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    encoding: Annotated[Encoding | None, BeforeValidator(_lower)] = None
    delimiter: Annotated[str, Check('one character, or "tab"', lambda v: len(_tab(v)) == 1, convert=_tab,
                                    example=";")] | None = None
    sheet: Text | None = None
    decimal: Literal[".", ","] | None = None
    thousands: Thousands | None = None
    date_format: DateFormat | None = None
    date_order: Annotated[DateOrder | None, BeforeValidator(_lower)] = None
    #: Cell values that mean "no value" besides the empty cell (R's exports write NA).
    missing: list[Text] = []


class DuplicateOptions(Definitions):
    """``[duplicates]``: what to do with exact duplicate lines."""

    exact: DuplicatePolicy = "error"


class Mapping(Definitions):
    """A parsed, validated mapping file (see the module docstring for the format).

    The ``[read]`` and ``[duplicates]`` keys are also attributes (``encoding``, ``duplicates``).
    """

    file_kind = "mapping"
    problem_noun = "mapping key"
    if_missing = "Check the path given to --mapping."
    model_config = ConfigDict(coerce_numbers_to_str=True)

    table: Annotated[str, Check("a table name", example="sales")] | None = None
    read: ReadOptions = ReadOptions()
    columns: dict[str, Text] = Field(default_factory=dict)
    values: dict[str, Text] = Field(default_factory=dict)
    generate: dict[str, Text] = Field(default_factory=dict)
    ignore: Annotated[tuple[str, ...], Check("a list of headers", example=["Description"])] = ()
    skip: tuple[SkipRule, ...] = ()
    duplicate_options: DuplicateOptions = Field(default=DuplicateOptions(), alias="duplicates")
    _source: str = PrivateAttr(default="(no mapping)")

    @field_validator("skip")
    @classmethod
    def _one_reason_per_rule(cls, rules: tuple[SkipRule, ...]) -> tuple[SkipRule, ...]:
        if len({r.reason for r in rules}) != len(rules):
            raise definition_problem("two rules have the same reason; give each rule its own reason")
        return rules

    @property
    def source(self) -> str:
        """The file the mapping was read from (messages name it)."""
        return self._source

    @property
    def duplicates(self) -> str:
        """``error``, ``skip`` or ``keep``: the ``[duplicates] exact`` policy."""
        return self.duplicate_options.exact

    @property
    def encoding(self) -> str | None:
        return self.read.encoding

    @property
    def delimiter(self) -> str | None:
        return self.read.delimiter

    @property
    def sheet(self) -> str | None:
        return self.read.sheet

    @property
    def decimal(self) -> str | None:
        return self.read.decimal

    @property
    def date_format(self) -> str | None:
        return self.read.date_format

    @property
    def missing(self) -> tuple[str, ...]:
        """Cell values read as empty (``[read] missing``), besides the empty cell."""
        return tuple(self.read.missing)

    @property
    def date_order(self) -> str | None:
        return self.read.date_order

    @property
    def thousands(self) -> str | None:
        """The thousands separator (``""`` for none), or None to detect it."""
        return None if self.read.thousands is None else self.read.thousands.replace("none", "")

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
                    problems.append(f"[{section}] {name}: {tbl.name} has no such column{_close(name, tbl)}; "
                                    f"columns: {', '.join(tbl.column_names)}")
        for name in set(self.columns) & set(self.values):
            problems.append(f"[values] {name}: also mapped under [columns]; keep one")
        for name, rule in self.generate.items():
            rules = GENERATE_RULES.get(name)
            if rules is None:
                problems.append(f"[generate] {name}: only {', '.join(GENERATE_RULES)} can be generated; "
                                f"give {name} under [columns] or [values]")
            elif rule not in rules:
                problems.append(f"[generate] {name}: the rule must be one of {', '.join(rules)}, got '{rule}'")
            elif name not in known:
                problems.append(f"[generate] {name}: {tbl.name} has no such column")
            elif name in self.columns or name in self.values:
                problems.append(f"[generate] {name}: also given under [columns] or [values]; keep one")
        if self.read.decimal is not None and self.read.decimal == self.read.thousands:
            problems.append(f"[read] thousands: the same character as decimal ('{self.read.decimal}'); "
                            "they must differ")
        for i, rule in enumerate(self.skip, 1):
            if rule.column not in known and not tbl.is_extra(rule.column):
                problems.append(f"[[skip]] #{i} column: {tbl.name} has no column '{rule.column}'"
                                f"{_close(rule.column, tbl)}")
        if problems:
            raise config_error(self.source, self.problem_noun, problems)


def _close(name: str, tbl: Table) -> str:
    hint = did_you_mean(name, tbl.column_names, prefix="")
    return f" ({hint})" if hint else ""


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file; every problem in one ConfigError naming file and key."""
    mapping = load_definitions(path, Mapping)
    mapping._source = str(path)
    return mapping


def parse_mapping(data: dict[str, Any], *, source: str = "mapping") -> Mapping:
    """Validate a mapping given as a dict (the parsed TOML)."""
    mapping = parse_definitions(data, Mapping, source=source)
    mapping._source = source
    return mapping
