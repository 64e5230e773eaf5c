"""The competency model: ``DIR/competencies.toml``, a definitions file read by the one loader.

Per role (reps.role) the competencies it needs, the level required on the model's scale and the
KPIs of the catalogue each serves. The KPI names are checked against the workspace's catalogue
(:func:`check_kpis`, given the KPI names of this run's ``kpis`` result), every problem reported
with the file and the key.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from saleskpi.definitions import Check, Definitions, Range, config_error, definition_problem, load_definitions

__all__ = ["MODEL_FILE", "EXAMPLE_MODEL", "CompetencyModel", "Requirement", "Role", "check_kpis", "load_model"]

#: The workspace's competency model.
MODEL_FILE = "competencies.toml"
#: The example model shipped with saleskpi (the demo company's; docs/competencies.md).
EXAMPLE_MODEL = Path(__file__).with_name("example_model.toml")


class Requirement(Definitions):
    """One ``[role.<role>.competency.<name>]`` table."""

    required: Annotated[float, Range(0, None, closed="neither", example=4)] = Field(description=(
        "The level the role requires, on the model's scale (1 .. scale_max)."))
    kpis: list[Annotated[str, Check("a KPI name", lambda s: bool(s.strip()), example="turnover")]] = Field(
        min_length=1, examples=[["turnover", "share_of_wallet"]], description=(
            "The KPIs of the catalogue (docs/kpis.md) the competency serves."))


class Role(Definitions):
    """One ``[role.<role>]`` table."""

    competency: dict[str, Requirement] = Field(min_length=1, description=(
        "The role's competencies, one [role.<role>.competency.<name>] table each."))


class CompetencyModel(Definitions):
    """The whole file."""

    file_kind: ClassVar[str] = "competency model"
    problem_noun: ClassVar[str] = "competency definition"
    if_missing: ClassVar[str] = "Copy the example model (docs/competencies.md) to DIR/competencies.toml."

    scale_max: Annotated[float, Range(1, None, example=5)] = Field(default=5, description=(
        "The top of the scale the required levels are written on."))
    role: dict[str, Role] = Field(min_length=1, description="The roles, one [role.<role>] table each.")

    @model_validator(mode="after")
    def _required_on_the_scale(self) -> "CompetencyModel":
        wrong = [f"[role.{r}.competency.{c}] required = {q.required}"
                 for r, role in self.role.items() for c, q in role.competency.items() if q.required > self.scale_max]
        if wrong:
            raise definition_problem(f"{'; '.join(wrong)}: above scale_max = {self.scale_max}; write a level from "
                                     f"1 to {self.scale_max}, or raise scale_max")
        return self

    def competencies(self) -> list[str]:
        return sorted({c for role in self.role.values() for c in role.competency})


def load_model(path: str | Path) -> CompetencyModel:
    """The model at ``path``, validated (ConfigError naming the file and the key)."""
    return load_definitions(path, CompetencyModel)


def check_kpis(model: CompetencyModel, source: str, kpis: Collection[str]) -> None:
    """Refuse a KPI the catalogue does not define (ConfigError naming the file and each key)."""
    problems = [f"[role.{r}.competency.{c}] kpis: '{k}' is not a KPI of the catalogue; use one of "
                f"{', '.join(sorted(kpis))} (or define it in DIR/kpis.toml)"
                for r, role in model.role.items() for c, q in role.competency.items() for k in q.kpis if k not in kpis]
    if problems:
        raise config_error(source, CompetencyModel.problem_noun, problems)
