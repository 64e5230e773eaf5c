"""The stored texts in Bulgarian (saleskpi.texts): every catalogued text is one the analyses
write, with its values carried over, and what the catalogue does not know is shown as stored."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest

from saleskpi.analyses.abc import DEFAULT_ACTIONS, NO_POTENTIAL, NO_SHARE_VOLUME, SHARE_UNCLASSED, ZERO_POTENTIAL
from saleskpi.texts import BG, translate, translate_array

#: The package's sources, a string literal continued on the next line joined to one.
SOURCES = re.sub(r'"\s*\n\s*f?"', "", "\n".join(
    p.read_text(encoding="utf-8") for p in (Path(__file__).parents[1] / "src" / "saleskpi").rglob("*.py")
    if p.name != "texts.py"))


def test_every_default_action_and_abc_reason_has_its_bulgarian_form():
    for text in (*DEFAULT_ACTIONS.values(), NO_POTENTIAL, ZERO_POTENTIAL, SHARE_UNCLASSED, NO_SHARE_VOLUME):
        shown = translate(text, "bg")
        assert shown != text and re.search("[а-я]", shown), text


@pytest.mark.parametrize("english", sorted(BG))
def test_each_catalogued_text_is_written_by_the_code_with_the_same_values(english):
    # each of its fixed parts is in the sources, so a changed text of an analysis fails here
    # instead of going untranslated
    for fixed in re.split(r"\{\w+\}|[()]", english):
        fixed = fixed.strip(" :;,")
        assert len(fixed) < 4 or fixed in SOURCES, (english, fixed)
    # and the Bulgarian form fills in only values the English text holds
    assert set(re.findall(r"\{(\w+)\}", BG[english])) <= set(re.findall(r"\{(\w+)\}", english))


def test_values_are_carried_into_the_bulgarian_form():
    assert translate("too few responses (n = 7) in 2025", "bg") == "твърде малко отговори (n = 7) за 2025"
    assert translate("team T-NE: split pro rata to turnover_value", "bg") == \
        "екип T-NE: разпределено пропорционално на turnover_value"
    assert translate("2026-Q4 to date: the quarter runs to 2026-12-31, so its ranking may still change", "bg") == \
        "2026-Q4 до момента: периодът продължава до 2026-12-31, така че класирането още може да се промени"


def test_a_note_of_parts_is_translated_part_by_part_and_an_unknown_part_kept():
    margin = ("margin empty: the lines with a cost hold less than 80% of the turnover (cost_coverage; [sales] "
              "min_cost_coverage): import the sales with cost or margin")
    shown = translate(f"{margin}; a note of a newer analysis; too few responses (n = 3)", "bg")
    assert shown == ("маржът е празен: редовете със себестойност носят по-малко от 80% от оборота (cost_coverage; "
                     "[sales] min_cost_coverage): импортирайте продажбите със себестойност или марж; a note of a newer "
                     "analysis; твърде малко отговори (n = 3)")


def test_english_and_what_is_not_a_text_are_as_stored():
    assert translate("serve efficiently", "en") == "serve efficiently"
    assert translate("my own action", "bg") == "my own action"  # a user's [abc.actions]
    assert translate(None, "bg") is None and translate("", "bg") == ""
    got = translate_array(pa.array(["serve efficiently", None, "x", "serve efficiently"]), "bg")
    assert got.to_pylist() == ["ефективно обслужване", None, "x", "ефективно обслужване"]
    assert translate_array(pa.array(["serve efficiently"]), "en").to_pylist() == ["serve efficiently"]
