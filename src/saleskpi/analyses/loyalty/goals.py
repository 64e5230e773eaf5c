"""Programme goals: the definitions file ``DIR/loyalty.toml``, read by the one loader.

Each ``[[goal]]`` names a KPI of the ``loyalty`` result (:data:`KPIS`), a target and
whether the KPI should be at least or at most the target; every problem is reported together,
naming the file and the key (:func:`saleskpi.definitions.load_definitions`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator

from saleskpi.definitions import Check, Definitions, definition_problem, load_definitions

__all__ = ["KPIS", "GOALS_FILE", "EXAMPLE_GOALS", "Goal", "Programme", "load_goals"]

#: The goals file of a workspace.
GOALS_FILE = "loyalty.toml"
#: The example goals shipped with saleskpi (the demo company's; docs/loyalty.md).
EXAMPLE_GOALS = Path(__file__).with_name("example_goals.toml")

#: Every KPI of the loyalty result, with its unit: what a goal may name.
KPIS: dict[str, str] = {
    "customers": "customers",
    "members": "customers",
    "enrolment_rate": "fraction",
    "active_rate": "fraction",
    "participation_rate": "fraction",
    "non_participation_rate": "fraction",
    "points_issued_12m": "points",
    "points_redeemed_12m": "points",
    "points_expired_12m": "points",
    "points_issued_to_date": "points",
    "points_redeemed_to_date": "points",
    "points_expired_to_date": "points",
    "points_outstanding": "points",
    "redemption_rate": "fraction",
    "breakage_rate": "fraction",
    "cost_per_point": "currency per point",
    "liability_value": "currency",
    "reward_cost_12m": "currency",
    "churn_rate_members": "fraction",
    "churn_rate_non_members": "fraction",
    "churn_gap": "fraction",
    "purchases_lift": "fraction",
    "margin_lift": "fraction",
    "share_of_wallet_lift": "share points",
    "incremental_margin_12m": "currency",
    "programme_cost_12m": "currency",
    "roi": "ratio",
}


class Goal(Definitions):
    """One ``[[goal]]``: a programme goal mapped to a KPI and its target."""

    name: Annotated[str, Check("a name", lambda s: bool(s.strip()), example="grow members' purchases")] = Field(
        description="The goal, in the programme's words.")
    kpi: str = Field(examples=["purchases_lift"], description="The KPI that measures it: one of " + ", ".join(KPIS) + ".")
    target: float = Field(examples=[0.05], description=(
        "The KPI's target, in the KPI's unit (a fraction: 0.05 = 5 %)."))
    direction: Literal["at_least", "at_most"] = Field(default="at_least", description=(
        "at_least: met when the KPI is the target or more; at_most: when it is the target or less."))

    @field_validator("kpi")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in KPIS:
            from saleskpi.definitions.messages import did_you_mean

            hint = did_you_mean(v, KPIS, prefix=" (") + (")" if did_you_mean(v, KPIS) else "")
            raise definition_problem(f"'{v}' is not a KPI of loyalty{hint}; use one of {', '.join(KPIS)}")
        return v


class Programme(Definitions):
    """The whole goals file."""

    file_kind: ClassVar[str] = "loyalty goals"
    problem_noun: ClassVar[str] = "loyalty goal definition"
    if_missing: ClassVar[str] = "Copy the example goals (docs/loyalty.md) to DIR/loyalty.toml."

    programme: Annotated[str, Check("a name", lambda s: bool(s.strip()), example="Bonus club")] = Field(
        description="The programme's name.")
    goal: list[Goal] = Field(min_length=1, description="the programme's goals, one [[goal]] table each, with "
                                                       "name, kpi and target")

    @field_validator("goal")
    @classmethod
    def _names_differ(cls, v: list[Goal]) -> list[Goal]:
        names = [g.name for g in v]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise definition_problem(f"two goals are called {', '.join(doubled)}; give each its own name")
        return v


def load_goals(workspace_dir: str | Path) -> Programme | None:
    """The workspace's ``loyalty.toml``, validated (ConfigError naming file and key); None if absent."""
    path = Path(workspace_dir) / GOALS_FILE
    return load_definitions(path, Programme) if path.exists() else None
