"""Constraints as data: the rule of a value, declared once beside its type.

Each constraint is ``Annotated`` metadata (after scikit-learn's ``_parameter_constraints``)::

    quantile: Annotated[float, Range(0, 1, closed="neither")] = 0.8
    cutoffs: Annotated[tuple[float, float], IncreasingPair(0, 1, "cumulative shares")] = (0.8, 0.95)

It validates the value and, when the value is wrong in any way (wrong type, wrong length, out
of range), raises one error whose sentence is built from the constraint's own phrase
(``must be a number in (0, 1), got 1.5``); the settings template prints the same phrase.
Choices are ``Literal[...]`` types; the loader words them the same way (``must be one of ...``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import ValidationError
from pydantic_core import PydanticCustomError, core_schema

#: The error type the loader reads its sentence parts from (ctx: expected, example).
DEFINITION_ERROR = "definition"
#: A key of a table that is not allowed (ctx: key, noun, expected, example).
KEY_ERROR = "definition_key"
#: A sentence written whole by a cross-field rule (ctx: text).
TEXT_ERROR = "definition_text"


def definition_error(expected: str, *, example: Any = None) -> PydanticCustomError:
    """The error a validator raises for a wrong value: worded ``must be <expected>...``."""
    return PydanticCustomError(DEFINITION_ERROR, "must be {expected}",
                               {"expected": expected, "example": example})


def definition_problem(text: str) -> PydanticCustomError:
    """The error of a rule that spans several values (``two rules have the same reason; ...``)."""
    return PydanticCustomError(TEXT_ERROR, "{text}", {"text": text})


def kind_of(source: Any) -> str:
    """The noun of a value type in messages: ``a whole number``, ``a number``, ``text``."""
    return {int: "a whole number", float: "a number", str: "text", bool: "true or false"}.get(source, "a value")


class Constraint:
    """Base of a value's rule: ``expected`` phrase, ``check`` after the type, ``convert`` last.

    Any failure of the wrapped type (a string for a number, three items for a pair) is
    reported with the same phrase, so a user reads one sentence per key.
    """

    example: Any = None

    def expected(self, kind: str) -> str:
        return kind

    def check(self, value: Any) -> bool:
        return True

    def convert(self, value: Any) -> Any:
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: Callable[[Any], core_schema.CoreSchema]):
        inner = handler(source)
        phrase = self.expected(kind_of(source))

        def validate(value: Any, inner_validator: Callable[[Any], Any]) -> Any:
            try:
                result = inner_validator(value)
            except ValidationError:
                raise definition_error(phrase, example=self.example) from None
            if not self.check(result):
                raise definition_error(phrase, example=self.example)
            return self.convert(result)

        return core_schema.no_info_wrap_validator_function(validate, inner)


class Range(Constraint):
    """A number between ``low`` and ``high`` (either may be None for unbounded).

    ``closed`` says which ends belong to the range, as scikit-learn's ``Interval``: "both",
    "left", "right" or "neither".
    """

    def __init__(self, low: float | None, high: float | None = None, *,
                 closed: Literal["both", "left", "right", "neither"] = "both", example: Any = None):
        self.low, self.high, self.closed, self.example = low, high, closed, example

    def expected(self, kind: str) -> str:
        left, right = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.high is None:
            return f"{kind} {'>=' if left else '>'} {self.low}"
        if self.low is None:
            return f"{kind} {'<=' if right else '<'} {self.high}"
        return f"{kind} in {'[' if left else '('}{self.low}, {self.high}{']' if right else ')'}"

    def check(self, value: float) -> bool:
        left, right = self.closed in ("both", "left"), self.closed in ("both", "right")
        low_ok = self.low is None or (value >= self.low if left else value > self.low)
        high_ok = self.high is None or (value <= self.high if right else value < self.high)
        return low_ok and high_ok


class IncreasingPair(Constraint):
    """Two numbers ``low < first < second < high`` (cut-offs, class floors)."""

    def __init__(self, low: float, high: float, what: str, *, example: Any = None):
        self.low, self.high, self.what, self.example = low, high, what, example

    def expected(self, kind: str) -> str:
        return f"two increasing {self.what} in ({self.low}, {self.high})"

    def check(self, value: tuple[float, float]) -> bool:
        return len(value) == 2 and self.low < value[0] < value[1] < self.high


class Weights(Constraint):
    """A table of weights, each >= 0 and not all zero (an empty table means 'the default')."""

    def __init__(self, *, example: Any = None):
        self.example = example

    def expected(self, kind: str) -> str:
        return "a table of weights, each >= 0 and not all zero"

    def check(self, value: dict[str, float]) -> bool:
        return all(w >= 0 for w in value.values()) and (not value or sum(value.values()) > 0)


class Check(Constraint):
    """Any other rule: a phrase, an optional test and an optional normalisation.

    ``Check("a 3-letter ISO currency code", str.isalpha, convert=str.upper, example="EUR")``;
    without a test it only words the type's own failures (``Check("a list of headers")``).
    """

    def __init__(self, expected: str, test: Callable[[Any], bool] | None = None, *,
                 convert: Callable[[Any], Any] | None = None, example: Any = None):
        self._expected, self._test, self._convert, self.example = expected, test, convert, example

    def expected(self, kind: str) -> str:
        return self._expected

    def check(self, value: Any) -> bool:
        return self._test is None or bool(self._test(value))

    def convert(self, value: Any) -> Any:
        return value if self._convert is None else self._convert(value)


class Keys:
    """The keys of a table must each pass ``test``: ``'XYZ' is not a cell: use ..., such as 'CAC'``.

    Runs after the table's own validation, so wrong values are still reported key by key.
    """

    def __init__(self, noun: str, expected: str, test: Callable[[str], bool], *,
                 convert: Callable[[str], str] | None = None, example: str | None = None):
        self.noun, self._expected, self.test, self._convert, self.example = noun, expected, test, convert, example

    def expected(self, kind: str) -> str:
        return f"a table whose keys are each {self._expected}"

    def __get_pydantic_core_schema__(self, source: Any, handler: Callable[[Any], core_schema.CoreSchema]):
        def validate(value: dict[str, Any]) -> dict[str, Any]:
            for key in value:
                if not self.test(key):
                    raise PydanticCustomError(KEY_ERROR, "{key} is not {noun}", {
                        "key": key, "noun": self.noun, "expected": self._expected, "example": self.example})
            return value if self._convert is None else {self._convert(k): v for k, v in value.items()}

        return core_schema.no_info_after_validator_function(validate, handler(source))
