"""The KPI catalogue and strategy tree: a definitions file read by the one loader.

The catalogue shipped with saleskpi (``catalogue.toml`` beside this module) defines a KPI for
every capability; a workspace's ``DIR/kpis.toml`` adds KPIs and objectives or replaces them by
name (a ``[kpi.<name>]`` table there replaces the default of that name whole). The merged
catalogue is validated as one file, every problem reported together with the file and the key
(:func:`saleskpi.definitions.parse_definitions`): a formula naming a measure that no declared
result provides, a level a measure does not exist at, an objective that does not exist or a
parent loop.

The balanced scorecard's four perspectives (financial, customer, internal process, learning and
growth) and the strategy map of objectives linked cause to effect are Kaplan & Norton's (*The
Balanced Scorecard*, HBR Jan-Feb 1992; *Strategy Maps*, 2004).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from saleskpi.analyses.kpis.formula import measures_of
from saleskpi.analyses.measures import MEASURES
from saleskpi.definitions import Check, Definitions, definition_problem, parse_definitions, read_toml
from saleskpi.errors import UsageError

__all__ = ["CATALOGUE_FILE", "DEFAULT_CATALOGUE", "PERSPECTIVES", "Catalogue", "Kpi", "Objective", "load_catalogue"]

#: The workspace's own catalogue (added to, and replacing by name, the default one).
CATALOGUE_FILE = "kpis.toml"
#: The catalogue shipped with saleskpi.
DEFAULT_CATALOGUE = Path(__file__).with_name("catalogue.toml")
#: Kaplan & Norton's four perspectives, in the order a scorecard shows them.
PERSPECTIVES = ("financial", "customer", "internal_process", "learning_and_growth")

Level = Literal["company", "business_line", "territory", "team", "rep", "customer"]
Text = Annotated[str, Check("text that is not empty", lambda s: bool(s.strip()), example="Turnover")]


def _declared() -> dict:
    from saleskpi.analyses import declared_results  # the registry imports the analyses

    return declared_results()


class Kpi(Definitions):
    """One ``[kpi.<name>]`` table."""

    title_en: Text = Field(description="The KPI's name in English.")
    title_bg: Text = Field(description="The KPI's name in Bulgarian.")
    description_en: Text = Field(description="What it measures, in English.")
    description_bg: Text = Field(description="What it measures, in Bulgarian.")
    formula: str = Field(examples=["margin / turnover_value"], description=(
        "Arithmetic (+ - * / and parentheses) over measures: " + ", ".join(MEASURES) + "."))
    unit: Text = Field(examples=["currency"], description="The unit of the value (currency, fraction, customers...).")
    direction: Literal["higher", "lower"] = Field(default="higher", description="Which way is better.")
    levels: list[Level] = Field(min_length=1, examples=[["company", "rep"]], description=(
        "The levels the KPI is reported at (each must be a level of every measure it names)."))
    owner: Text = Field(examples=["sales director"], description="Who answers for the KPI.")
    perspective: Literal["financial", "customer", "internal_process", "learning_and_growth"] = Field(
        description="The balanced-scorecard perspective.")
    kind: Literal["leading", "lagging"] = Field(description="leading (drives results ahead) or lagging (an outcome).")
    objective: str | None = Field(default=None, description="The strategy objective it measures ([objective.<name>]).")
    target_kpi: str | None = Field(default=None, description=(
        "The kpi of the targets table that holds its targets; default the KPI's own name."))
    phasing: Literal["seasonal", "none"] = Field(default="none", description=(
        "seasonal: a flow over the period (turnover) whose target is due pro rata to last year's seasonal "
        "share by the as-of date, as sales.target_value_to_date; none: a level (a share) compared with the "
        "whole target."))

    @field_validator("formula")
    @classmethod
    def _measures_provided(cls, v: str) -> str:
        try:
            names = measures_of(v)
        except UsageError as exc:
            raise definition_problem(str(exc)) from None
        declared = _declared()
        known = [m for m, spec in MEASURES.items()
                 if spec.result in declared and spec.column in declared[spec.result].column_names]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise definition_problem(f"{', '.join(repr(n) for n in unknown)} is not a measure that a declared "
                                     f"result provides; use one of {', '.join(known)}")
        if not names:
            raise definition_problem(f"'{v}' names no measure; write a formula over measures, such as "
                                     "'margin / turnover_value'")
        return v

    @model_validator(mode="after")
    def _levels_exist(self) -> "Kpi":
        for name in measures_of(self.formula):
            missing = [lv for lv in self.levels if lv not in MEASURES[name].levels]
            if missing:
                raise definition_problem(f"levels: the measure {name} does not exist at {', '.join(missing)} (only "
                                         f"at {', '.join(MEASURES[name].levels)}); remove those levels")
        return self

    def measures(self) -> list[str]:
        return measures_of(self.formula)


class Objective(Definitions):
    """One ``[objective.<name>]`` table: a node of the strategy tree."""

    title_en: Text = Field(description="The objective in English.")
    title_bg: Text = Field(description="The objective in Bulgarian.")
    perspective: Literal["financial", "customer", "internal_process", "learning_and_growth"]
    parent: str | None = Field(default=None, description=(
        "The objective it serves (cause -> effect: a learning objective serves a process one...); none at the top."))


class Catalogue(Definitions):
    """The whole catalogue: KPIs and the objectives of the strategy tree."""

    file_kind: ClassVar[str] = "KPI catalogue"
    problem_noun: ClassVar[str] = "KPI definition"

    kpi: dict[str, Kpi] = Field(min_length=1, description="The KPIs, one [kpi.<name>] table each.")
    objective: dict[str, Objective] = Field(default_factory=dict, description="The strategy tree's objectives.")

    @model_validator(mode="after")
    def _tree(self) -> "Catalogue":
        problems = []
        for name, k in self.kpi.items():
            if k.objective is not None and k.objective not in self.objective:
                problems.append(f"[kpi.{name}] objective: '{k.objective}' is not an objective; use one of "
                                f"{', '.join(self.objective) or '(none defined)'} or add [objective.{k.objective}]")
        for name, o in self.objective.items():
            if o.parent is not None and o.parent not in self.objective:
                problems.append(f"[objective.{name}] parent: '{o.parent}' is not an objective; use one of "
                                f"{', '.join(self.objective)}")
                continue
            seen, at = {name}, o.parent
            while at is not None and at in self.objective:
                if at in seen:
                    problems.append(f"[objective.{name}] parent: the parents loop back to '{name}'; the top "
                                    "objective has no parent")
                    break
                seen.add(at)
                at = self.objective[at].parent
        if problems:
            raise definition_problem("; ".join(problems))
        return self

    def target_kpi(self, name: str) -> str:
        return self.kpi[name].target_kpi or name


def load_catalogue(workspace_dir: str | Path | None = None) -> tuple[Catalogue, str]:
    """The default catalogue with the workspace's ``kpis.toml`` over it, validated, and the
    source the messages name (the workspace file when there is one)."""
    data = read_toml(DEFAULT_CATALOGUE, Catalogue)
    source = str(DEFAULT_CATALOGUE)
    own = None if workspace_dir is None else Path(workspace_dir) / CATALOGUE_FILE
    if own is not None and own.is_file():
        extra = read_toml(own, Catalogue)
        source = str(own)
        if not isinstance(extra, dict):
            extra = {}
        for section in ("kpi", "objective"):
            if isinstance(extra.get(section), dict):
                data[section] = {**data.get(section, {}), **extra.pop(section)}
        data.update(extra)  # anything else is refused by the model, named in the workspace's file
    return parse_definitions(data, Catalogue, source=source), source

