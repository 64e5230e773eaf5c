"""The project's exceptions.

Every error a user can meet is one of these, with a message that names the object, what was
expected, what was found and the fix. The CLI maps them to exit codes: ``UsageError`` -> 2,
``InputDataError`` and ``ConfigError`` -> 3, ``BusyError`` -> 4 (another saleskpi command is
writing the workspace, or reading it while this one wants to write).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class SaleskpiError(Exception):
    """Base class of every error saleskpi raises on purpose."""

    exit_code = 1


class UsageError(SaleskpiError):
    """The command was called wrongly (unknown table, missing workspace, bad option)."""

    exit_code = 2


class ConfigError(SaleskpiError):
    """A hand-written definition (settings, mapping, plan) is invalid. Names file and key."""

    exit_code = 3


class BusyError(SaleskpiError):
    """The workspace is in use by another process and stayed so for the whole wait
    (``[workspace] busy_timeout``): the message names what runs, its pid and since when."""

    exit_code = 4


class NotFittedError(SaleskpiError):
    """A model was asked to predict before ``fit`` was called."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one value of an input file.

    ``row`` is the row as a spreadsheet shows it (the header is row 1), or None for a
    problem with the whole file or a whole column.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        found = "" if self.value is None else f": found {self.value!r}"
        return f"{', '.join(where)}{found}; {self.expected}"


@dataclass
class InputDataError(SaleskpiError):
    """Input data was refused. Carries every problem found (the message lists up to a cap),
    and how many there are of each kind (``kinds``: a kind in words -> lines), which the
    message gives before the list."""

    problems: list[Problem]
    total: int | None = None
    max_listed: int = 50
    summary: str = field(default="")
    kinds: dict[str, int] = field(default_factory=dict)

    exit_code = 3

    def __post_init__(self) -> None:
        super().__init__(self.message())

    @property
    def count(self) -> int:
        return self.total if self.total is not None else len(self.problems)

    def message(self) -> str:
        head = self.summary or "The input was refused; nothing was loaded."
        lines = [f"{head} {self.count} problem(s):"]
        listed = min(len(self.problems), self.max_listed)
        if self.kinds and len(self.kinds) < self.count:  # a summary shorter than the list
            lines.append("  by kind:")
            width = len(f"{max(self.kinds.values()):,}")
            lines += [f"    {n:>{width},}  {kind}" for kind, n in sorted(self.kinds.items(), key=lambda k: -k[1])]
            lines.append(f"  listed: {listed:,} of {self.count:,}:")
        lines += [f"  - {p}" for p in self.problems[: self.max_listed]]
        hidden = self.count - min(len(self.problems), self.max_listed)
        if hidden > 0:
            lines.append(f"  ... and {hidden} more problem(s) not listed.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message()
