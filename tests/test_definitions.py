"""The one definitions loader: every problem together, named by file and key, with the fix."""

import tomllib
from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import Field

from saleskpi.definitions import (
    Check,
    Definitions,
    IncreasingPair,
    Keys,
    Range,
    Weights,
    load_definitions,
    parse_definitions,
    render_template,
)
from saleskpi.errors import ConfigError


class Limits(Definitions):
    cap: Annotated[float, Range(0)] = Field(default=100.0, description="The most paid per rep.")


class Kpi(Definitions):
    unit: Literal["eur", "count", "share"] = Field(description="what the number counts")
    label: str = ""


class Tier(Definitions):
    rate: Annotated[float, Range(0, 1, closed="right")] = 0.5


class Plan(Definitions):
    """A made-up incentive plan with every kind of table a definitions file may have."""

    file_kind = "plan"
    problem_noun = "plan key"
    if_missing = "Write the plan first."

    name: str = Field(default="plan", description="Shown in reports.")
    period: Literal["year", "quarter", "month"] = "year"
    bands: Annotated[tuple[float, float], IncreasingPair(0, 1, "shares")] = (0.5, 0.9)
    weights: Annotated[dict[str, float], Weights()] = Field(default_factory=dict, examples=[{"revenue": 1.0}])
    currency: Annotated[str, Check("a 3-letter code", lambda v: len(v) == 3, convert=str.upper)] = "EUR"
    limits: Limits = Limits()
    kpis: dict[str, Kpi] = Field(default_factory=dict)
    tiers: tuple[Tier, ...] = ()
    cells: Annotated[dict[str, str], Keys("a cell", "two letters", lambda k: len(k) == 2, example="AB")] = Field(
        default_factory=dict)


def problems(data: dict, model=Plan) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_definitions(data, model, source="plan.toml")
    head, *lines = str(caught.value).split("\n")
    assert head == f"plan.toml: {len(lines)} invalid plan key(s):"
    return [line.removeprefix("  - ") for line in lines]


def test_several_problems_are_reported_together_in_one_error():
    assert problems({"period": "weekly", "bands": [0.9, 0.5], "limits": {"cap": -1},
                     "kpis": {"revenue": {"unit": "usd"}}}) == [
        "period: must be one of year, quarter, month, got 'weekly'",
        "bands: must be two increasing shares in (0, 1), such as [0.5, 0.9]; got [0.9, 0.5]",
        "[limits] cap: must be a number >= 0, such as 100.0; got -1",
        "[kpis.revenue] unit: must be one of eur, count, share, got 'usd'",
    ]


def test_unknown_key_suggests_the_close_spelling_or_lists_the_keys():
    assert problems({"perod": "year", "limits": {"cpa": 1, "colour": "red"}, "limts": {}}) == [
        "[limits] cpa: unknown key; remove it or check its spelling (did you mean 'cap'?)",
        "[limits] colour: unknown key; remove it or check its spelling (keys: cap)",
        "perod: unknown key; remove it or check its spelling (did you mean 'period'?)",
        "[limts]: unknown key; remove it or check its spelling (did you mean 'limits'?)",
    ]


def test_a_close_spelling_of_a_choice_is_offered():
    assert problems({"period": "quartr"}) == [
        "period: must be one of year, quarter, month, got 'quartr'; did you mean 'quarter'?"]


def test_wrong_types_say_what_to_write():
    assert problems({"name": 3, "limits": 5, "tiers": [{"rate": "high"}], "weights": {"a": "x"}}) == [
        "name: must be text, such as 'plan'; got 3",
        "weights: must be a table of weights, each >= 0 and not all zero, such as { revenue = 1.0 }; "
        "got { a = 'x' }",
        "[limits]: must be a table, got 5",
        "[[tiers]] #1 rate: must be a number in (0, 1], such as 0.5; got 'high'",
    ]


def test_out_of_range_names_the_range():
    assert problems({"tiers": [{"rate": 0.5}, {"rate": 0}], "limits": {"cap": -0.5}}) == [
        "[limits] cap: must be a number >= 0, such as 100.0; got -0.5",
        "[[tiers]] #2 rate: must be a number in (0, 1], such as 0.5; got 0",
    ]


def test_nested_tables_arrays_and_free_keys_are_named_as_written_in_toml():
    assert problems({"kpis": {"revenue": {"unit": "eur", "labl": "x"}, "calls": {"label": "Calls"}},
                     "tiers": {"rate": 1}, "cells": {"ABC": "call"}}) == [
        "[kpis.revenue] labl: unknown key; remove it or check its spelling (did you mean 'label'?)",
        "[kpis.calls] unit: missing; add it (what the number counts)",
        "[[tiers]]: must be one or more [[tiers]] tables, got { rate = 1 }",
        "cells: 'ABC' is not a cell: use two letters, such as 'AB'",
    ]


def test_valid_definitions_are_typed_frozen_and_normalised():
    plan = parse_definitions({"currency": "usd", "kpis": {"revenue": {"unit": "eur"}}, "tiers": [{"rate": 1}]},
                             Plan, source="plan.toml")
    assert plan.currency == "USD" and plan.kpis["revenue"].unit == "eur" and plan.tiers[0].rate == 1.0
    assert plan.limits.cap == 100.0
    with pytest.raises(Exception, match="frozen"):
        plan.name = "other"


def test_a_toml_syntax_error_names_the_file_line_and_column(tmp_path: Path):
    path = tmp_path / "plan.toml"
    path.write_text('name = "bonus"\nperiod = quarter\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_definitions(path, Plan)
    assert str(caught.value) == (f"{path}: not valid TOML at line 2, column 10: invalid value. Fix that line:\n"
                                 "    2 | period = quarter\n"
                                 "      |          ^")


def test_a_file_that_does_not_exist_or_is_not_utf8_says_what_to_do(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"plan.toml: plan file not found. Write the plan first.$"):
        load_definitions(tmp_path / "plan.toml", Plan)
    (tmp_path / "plan.toml").write_bytes('name = "Пл"'.encode("cp1251"))
    with pytest.raises(ConfigError, match=r"plan.toml: line 1 is not UTF-8 text \('name = \"Пл\"' read as "
                                          r"Windows-1251\). Save the plan file as UTF-8 \(Notepad: Save As, Encoding: UTF-8\)."):
        load_definitions(tmp_path / "plan.toml", Plan)


def test_load_reads_a_valid_file(tmp_path: Path):
    path = tmp_path / "plan.toml"
    path.write_text('period = "month"\n[limits]\ncap = 5\n[kpis.revenue]\nunit = "eur"\n[[tiers]]\nrate = 0.2\n')
    plan = load_definitions(path, Plan)
    assert (plan.period, plan.limits.cap, plan.kpis["revenue"].unit, plan.tiers[0].rate) == ("month", 5.0, "eur", 0.2)


@pytest.mark.parametrize(("constraint", "phrase"), [
    (Range(0), "a number >= 0"),
    (Range(1, closed="neither"), "a number > 1"),
    (Range(None, 10), "a number <= 10"),
    (Range(0, 1, closed="left"), "a number in [0, 1)"),
    (Range(0, 1, closed="right"), "a number in (0, 1]"),
    (Range(1, 20), "a number in [1, 20]"),
    (IncreasingPair(0, 1, "cut-offs"), "two increasing cut-offs in (0, 1)"),
])
def test_each_constraint_words_its_rule_once(constraint, phrase):
    assert constraint.expected("a number") == phrase


@pytest.mark.parametrize(("constraint", "inside", "outside"), [
    (Range(0, 1, closed="left"), [0, 0.5], [1, -0.1]),
    (Range(0, 1, closed="right"), [1, 0.5], [0, 1.1]),
    (Range(1, closed="neither"), [1.01], [1]),
    (IncreasingPair(0, 1, "x"), [(0.2, 0.5)], [(0.5, 0.2), (0, 0.5), (0.5, 1), (0.5, 0.5)]),
    (Weights(), [{}, {"a": 0, "b": 1}], [{"a": -1, "b": 2}, {"a": 0}]),
])
def test_constraints_accept_the_inside_and_refuse_the_outside(constraint, inside, outside):
    assert all(constraint.check(v) for v in inside)
    assert not any(constraint.check(v) for v in outside)


def test_the_template_writes_each_default_once_and_parses_back_to_them():
    text = render_template(Plan, header="A plan.")
    assert text.startswith('# A plan.\n\n# Shown in reports.\nname = "plan"\n'
                           '# Must be one of year, quarter, month.\nperiod = "year"\n')
    assert "\n[weights]\n# Must be a table of weights, each >= 0 and not all zero.\n# revenue = 1.0\n" in text
    assert "[limits]\n# The most paid per rep.\n# Must be a number >= 0.\ncap = 100.0\n" in text
    assert parse_definitions(tomllib.loads(text), Plan, source="t") == Plan()


def test_template_placeholders_make_a_format_string():
    text = render_template(Plan, placeholders={"name": "name"})
    assert 'name = "{name}"' in text and "bands = [0.5, 0.9]" in text
    assert parse_definitions(tomllib.loads(text.format(name="Q3 bonus")), Plan, source="t") == Plan(name="Q3 bonus")
