"""Segment definitions: the workspace's ``segments.toml``, read by the one definitions loader.

Each ``[[segmentation]]`` is either one of the built-in segmentations (:data:`BUILT_IN`), whose
segments the analysis computes and the file only gives a strategy and an owner, or one of the
user's own, whose segments are rules over customer attributes and results (:data:`FIELDS`):
``when.industry = ["pharmacy"]`` (the value is one of these) or ``when.turnover_value_12m =
{min = 10000}`` (a number in [min, max)). A customer joins the first segment whose rules it
meets (a segment with no ``when`` takes everyone left: "everyone else"). Every problem is
reported together, naming the file and the key (:func:`saleskpi.definitions.load_definitions`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar

import pandas as pd
from pydantic import Field, field_validator, model_validator

from saleskpi.definitions import Check, Definitions, definition_problem, load_definitions
from saleskpi.definitions.messages import shown

__all__ = ["BUILT_IN", "FIELDS", "SEGMENTS_FILE", "EXAMPLE_SEGMENTS", "Bounds", "Segment", "Segmentation",
           "SegmentDefinitions", "load_segments", "matches"]

#: The definitions file of a workspace (in its folder).
SEGMENTS_FILE = "segments.toml"
#: The example shipped with saleskpi (the demo company's file; docs/segments.md).
EXAMPLE_SEGMENTS = Path(__file__).with_name("example_segments.toml")

#: The segmentations the analysis computes, and what each needs (measurable: the data its rule reads).
BUILT_IN: dict[str, str] = {
    "value-share": "abc.class_by_value and abc.class_by_share (ABC class by purchases x by share of wallet)",
    "industry": "customers.industry",
    "size_band": "customers.size_band",
    "region": "customers.region",
    "rfm": "a purchase up to the as-of date (recency, frequency and monetary value)",
    "clusters": "a purchase in the 12 months to the as-of date (the clustering features)",
}

#: The fields a rule may test: text fields take a list of values, number fields a {min, max}.
FIELDS: dict[str, str] = {
    "industry": "text", "size_band": "text", "region": "text", "city": "text", "country": "text",
    "territory_id": "text", "rep_id": "text",
    "class_by_value": "text", "class_by_potential": "text", "class_by_share": "text", "rfm_group": "text",
    "turnover_value_12m": "number", "margin_12m": "number", "orders_12m": "number", "recency_days": "number",
    "potential_value": "number", "share_of_wallet_by_value": "number", "p_alive": "number", "clv_36m": "number",
}
_NAME = Check("a name (text that is not empty)", lambda s: bool(s.strip()), example="key accounts")


class Bounds(Definitions):
    """A number rule: min <= value < max (either may be left out; checked in :class:`Segment`)."""

    min: float | None = None
    max: float | None = None


class Segment(Definitions):
    """One ``[[segmentation.segment]]``."""

    name: Annotated[str, _NAME] = Field(description="The segment's name, as the results show it.")
    strategy: str | None = Field(default=None, examples=["grow share: offer the target products"], description=(
        "How the segment is managed (actionable)."))
    owner: str | None = Field(default=None, examples=["key-account manager"], description=(
        "Who is responsible for the segment (actionable)."))
    when: dict[str, Any] = Field(default_factory=dict, examples=[{"industry": ["pharmacy"]}], description=(
        "The rules, for a segmentation of your own: a text field takes a list of values, a number field "
        "{ min = ..., max = ... }."))

    @field_validator("when")
    @classmethod
    def _rules(cls, v: dict) -> dict:
        out = {}
        for key, rule in v.items():
            kind = FIELDS.get(key) or ("number" if key.startswith("driver_") else None)
            if kind is None:
                raise definition_problem(f"'{key}' is not a field a rule can test; use one of {', '.join(FIELDS)} "
                                         "or a driver_ column of the customers")
            if kind == "number":
                if not isinstance(rule, dict):
                    raise definition_problem(f"{key} is a number: write {{ min = ..., max = ... }}, got {shown(rule)}")
                odd = sorted(set(rule) - {"min", "max"})
                bad = [k for k in ("min", "max") if k in rule and (isinstance(rule[k], bool)
                                                                   or not isinstance(rule[k], (int, float)))]
                if odd or bad:
                    raise definition_problem(f"{key}: write {{ min = ..., max = ... }} with numbers, got {shown(rule)}")
                b = Bounds.model_construct(min=rule.get("min"), max=rule.get("max"))
                if b.min is None and b.max is None:
                    raise definition_problem(f"{key}: give min, max or both, such as {{ min = 10000 }}")
                if b.min is not None and b.max is not None and b.max <= b.min:
                    raise definition_problem(f"{key}: max = {b.max} is not above min = {b.min}; swap them")
                out[key] = b
            else:
                if not isinstance(rule, list) or not rule or not all(isinstance(x, str) for x in rule):
                    raise definition_problem(f"{key} is text: write a list of one or more values, such as "
                                             f"[\"A\", \"B\"], got {shown(rule)}")
                out[key] = list(rule)
        return out


class Segmentation(Definitions):
    """One ``[[segmentation]]``: a built-in one (strategies and owners) or a rule-based one."""

    name: Annotated[str, _NAME] = Field(examples=["value-share"], description=(
        "The segmentation: one of " + ", ".join(BUILT_IN) + ", or a name of your own (rules in when)."))
    segment: list[Segment] = Field(min_length=1, description=(
        "its segments, one [[segmentation.segment]] table each, with name, strategy and owner"))

    @model_validator(mode="after")
    def _consistent(self) -> "Segmentation":
        names = [s.name for s in self.segment]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise definition_problem(f"segmentation '{self.name}': two segments are called {', '.join(doubled)}; "
                                     "give each its own name")
        ruled = [s.name for s in self.segment if s.when]
        if self.name in BUILT_IN and ruled:
            raise definition_problem(f"segmentation '{self.name}' is built in, so its segments are computed: "
                                     f"remove when from {', '.join(ruled)}, or give the segmentation a name of "
                                     "your own")
        if self.name not in BUILT_IN:
            catch_all = [s.name for s in self.segment if not s.when]
            if not ruled:
                raise definition_problem(f"segmentation '{self.name}' is not built in ({', '.join(BUILT_IN)}) and "
                                         "none of its segments has rules: add when to them, such as "
                                         "when.industry = [\"pharmacy\"]")
            if len(catch_all) > 1 or (catch_all and self.segment[-1].when):
                raise definition_problem(f"segmentation '{self.name}': only the last segment may leave out when "
                                         f"(it takes everyone else); {', '.join(catch_all)} have no rules")
        return self


class SegmentDefinitions(Definitions):
    """The whole ``segments.toml``."""

    file_kind: ClassVar[str] = "segments"
    problem_noun: ClassVar[str] = "segment definition"
    if_missing: ClassVar[str] = "Copy the example segments file (docs/segments.md) into the workspace."

    segmentation: list[Segmentation] = Field(default_factory=list, description=(
        "The segmentations, one [[segmentation]] table each, with name and segments"))

    @field_validator("segmentation")
    @classmethod
    def _unique(cls, v: list[Segmentation]) -> list[Segmentation]:
        names = [s.name for s in v]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise definition_problem(f"two segmentations are called {', '.join(doubled)}; merge them")
        return v

    def of(self, name: str) -> Segmentation | None:
        return next((s for s in self.segmentation if s.name == name), None)


def load_segments(workspace_dir: str | Path) -> SegmentDefinitions:
    """The workspace's segments.toml, validated (none: no definitions)."""
    path = Path(workspace_dir) / SEGMENTS_FILE
    return load_definitions(path, SegmentDefinitions) if path.exists() else SegmentDefinitions()


def matches(segment: Segment, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(meets the rules, has the data the rules need) per row of ``frame`` (one row per customer,
    a column per field). A text rule: the value is in the list; a number rule: min <= value < max."""
    meets = pd.Series(True, index=frame.index)
    known = pd.Series(True, index=frame.index)
    for key, rule in segment.when.items():
        col = frame[key]
        known &= col.notna()
        if isinstance(rule, Bounds):
            x = pd.to_numeric(col, errors="coerce")
            ok = x.notna()
            if rule.min is not None:
                ok &= x >= rule.min
            if rule.max is not None:
                ok &= x < rule.max
        else:
            ok = col.astype("string").isin(rule).fillna(False).astype(bool)
        meets &= ok
    return meets, known
