"""Incentive plans: the definitions files ``DIR/plans/*.toml``, read by the one loader.

A plan pays each eligible rep, per component, on a measure that a declared result provides
(:data:`MEASURES`), by a payout curve (:mod:`saleskpi.analyses.incentives.curve`), plus manual
adjustments and clawbacks with a reason. docs/incentives.md describes the file; every problem
is reported together, naming the file and the key (:func:`saleskpi.definitions.load_definitions`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from saleskpi.analyses.incentives.curve import check_tiers, raw_pay, to_decimal
from saleskpi.analyses.measures import PAYABLE, Measure
from saleskpi.definitions import Check, Definitions, Range, definition_problem, load_definitions
from saleskpi.errors import UsageError

__all__ = ["MEASURES", "Measure", "Plan", "Component", "Contest", "Adjustment", "PLANS_DIR", "load_plan", "load_plans",
           "EXAMPLE_PLAN"]

#: The folder of a workspace that holds its plans, one TOML file each.
PLANS_DIR = "plans"
#: The example plan shipped with saleskpi (the demo company's plan; docs/incentives.md).
EXAMPLE_PLAN = Path(__file__).with_name("example_plan.toml")


#: The measures a component may pay on: those a rep's row of the ``sales`` result provides, from
#: the one list of measures (:mod:`saleskpi.analyses.measures`, which the KPI catalogue's
#: formulas name too).
MEASURES: dict[str, Measure] = PAYABLE


def _declared() -> dict:
    from saleskpi.analyses import declared_results  # the registry imports this package

    return declared_results()


class Component(Definitions):
    """One ``[[component]]`` of a plan."""

    name: Annotated[str, Check("a name", lambda s: bool(s.strip()), example="quota")] = Field(
        description="The component's name, shown on the statement.")
    measure: str = Field(examples=["turnover_value"], description=(
        "The measure paid on: one of " + ", ".join(MEASURES) + "."))
    weight: Annotated[float, Range(0, 1, closed="right", example=0.7)] = Field(description=(
        "Share of the plan's target pay this component pays at target; the weights sum to 1."))
    basis: Literal["attainment", "value"] = Field(default="attainment", description=(
        "attainment: the tiers' bounds are attainments (1.0 = 100 %) and their rates multiples of the "
        "component's target pay; value: the bounds are the measure's value and the rates pay per unit "
        "(a commission)."))
    mode: Literal["marginal", "retroactive"] = "marginal"
    tiers: list[tuple[float, float]] = Field(examples=[[[0, 1.0], [1.0, 1.5]]], description=(
        "(lower_bound, rate) pairs in ascending order of bound."))
    threshold: Annotated[float, Range(0, None)] | None = Field(default=None, description=(
        "Nothing is paid below it (an attainment with basis attainment, a value with basis value)."))
    cap: Annotated[float, Range(0, None)] | None = Field(default=None, description=(
        "The most the component pays: a multiple of its target pay with basis attainment, an amount with "
        "basis value."))

    @field_validator("measure")
    @classmethod
    def _measure_provided(cls, v: str) -> str:
        measure = MEASURES.get(v)
        declared = _declared()
        if measure is None or measure.result not in declared or measure.column not in declared[
                measure.result].column_names:
            known = [m for m, spec in MEASURES.items() if spec.result in declared]
            raise definition_problem(f"'{v}' is not a measure that a declared result provides; use one of "
                                     f"{', '.join(known)}")
        return v

    @field_validator("tiers")
    @classmethod
    def _tiers_ascending(cls, v: list[tuple[float, float]]) -> list[tuple[float, float]]:
        try:
            check_tiers(v)
        except UsageError as exc:
            raise definition_problem(str(exc).rstrip(".")) from None
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Component":
        measure = MEASURES[self.measure]
        if self.basis == "attainment" and measure.target_from is None:
            raise definition_problem(f"component '{self.name}': the measure {self.measure} has no target, so it "
                                     "cannot be paid on attainment; write basis = \"value\" or choose a measure "
                                     "with a target")
        if self.cap is not None and self.threshold is not None:
            tiers = check_tiers(self.tiers)
            at_threshold = raw_pay(to_decimal(self.threshold, "threshold"), tiers, self.mode)
            if to_decimal(self.cap, "cap") < at_threshold:
                raise definition_problem(f"component '{self.name}': cap = {self.cap} is below the pay at the "
                                         f"threshold ({at_threshold.normalize()}), so nothing above the threshold "
                                         "would be paid by the curve; raise the cap or lower the threshold")
        return self


class Contest(Definitions):
    """One ``[[contest]]``: prizes by rank on a measure among the plan's reps."""

    name: Annotated[str, Check("a name", lambda s: bool(s.strip()), example="best quarter")]
    measure: str = Field(examples=["turnover_value"], description=(
        "The measure ranked on: one of " + ", ".join(MEASURES) + "."))
    rank_on: Literal["value", "attainment"] = Field(default="value", description=(
        "Rank on the measure's value or on its attainment (needs a target)."))
    prizes: list[Annotated[float, Range(0, None, closed="neither")]] = Field(
        min_length=1, examples=[[1000, 500, 250]], description="The prize of rank 1, 2, ..., each > 0.")
    min_value: float | None = Field(default=None, description=(
        "Eligibility: a rep whose ranked figure is below it is not ranked."))

    _measure_provided = field_validator("measure")(Component._measure_provided.__func__)

    @field_validator("prizes")
    @classmethod
    def _prizes_by_rank(cls, v: list[float]) -> list[float]:
        if any(b > a for a, b in zip(v, v[1:])):
            raise definition_problem(f"the prizes {v} rise with the rank; give the prize of rank 1 first, each "
                                     "prize at most the one before it")
        return v

    @model_validator(mode="after")
    def _attainment_needs_target(self) -> "Contest":
        if self.rank_on == "attainment" and MEASURES[self.measure].target_from is None:
            raise definition_problem(f"contest '{self.name}': the measure {self.measure} has no target, so it "
                                     "cannot be ranked on attainment; write rank_on = \"value\"")
        return self


class Adjustment(Definitions):
    """One ``[[adjustment]]``: a manual amount for a rep, with its reason."""

    rep_id: str = Field(examples=["R001"], description="The rep (reps.rep_id).")
    amount: Annotated[float, Check("a non-zero amount", lambda x: x != 0, example=-250.0)] = Field(description=(
        "Added to the rep's pay (negative: deducted), in the workspace currency."))
    kind: Literal["adjustment", "clawback"] = "adjustment"
    reason: Annotated[str, Check("a reason (text that is not empty)", lambda s: bool(s.strip()),
                                 example="returned order 4711")] = Field(description="Why; shown on the statement.")

    @model_validator(mode="after")
    def _clawback_deducts(self) -> "Adjustment":
        if self.kind == "clawback" and self.amount > 0:
            raise definition_problem(f"the clawback for {self.rep_id} has the positive amount {self.amount}; a "
                                     "clawback takes pay back: write a negative amount, or kind = \"adjustment\"")
        return self


class Plan(Definitions):
    """A whole plan file."""

    file_kind: ClassVar[str] = "plan"
    problem_noun: ClassVar[str] = "plan definition"
    if_missing: ClassVar[str] = "Copy the example plan (docs/incentives.md) into the workspace's plans folder."

    name: Annotated[str, Check("a name", lambda s: bool(s.strip()), example="Field sales")]
    period: Literal["year", "quarter", "month"] = Field(description=(
        "The period the plan pays for; it must be the workspace's reporting period ([sales] period)."))
    target_pay: Annotated[float, Range(0, None, closed="neither", example=10000.0)] = Field(description=(
        "Variable pay at target per rep for the period (100 % attainment on every component), in the "
        "workspace currency."))
    target_pay_by_rep: dict[str, Annotated[float, Range(0, None, closed="neither")]] = Field(
        default_factory=dict, examples=[{"R001": 12000.0}], description="Target pay of named reps, instead of target_pay.")
    roles: list[str] | None = Field(default=None, examples=[["rep"]], description=(
        "The eligible roles (reps.role); every role when not given."))
    reps: list[str] | None = Field(default=None, description=(
        "The eligible reps (reps.rep_id); every rep of the eligible roles when not given."))
    prorate: bool = Field(default=True, description=(
        "Prorate the target pay of a rep who joined or left in the period (reps.hired_on, reps.left_on) by "
        "the share of the period's days to date the rep was employed."))
    component: list[Component] = Field(min_length=1, description=(
        "the plan's components, one [[component]] table each, with name, measure, weight and tiers"))
    contest: list[Contest] = Field(default_factory=list, description=(
        "Contests, one [[contest]] table each: prizes by rank on a measure, paid on top of the components."))
    adjustment: list[Adjustment] = Field(default_factory=list, description=(
        "Manual adjustments and clawbacks, one [[adjustment]] table each, with rep_id, amount and reason."))

    @field_validator("component")
    @classmethod
    def _weights_sum_to_one(cls, v: list[Component]) -> list[Component]:
        total = sum(Decimal(repr(c.weight)) for c in v)
        if total != 1:
            raise definition_problem(f"the weights of the components sum to {total.normalize()}; make them sum "
                                     "to 1")
        names = [c.name for c in v]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise definition_problem(f"two components are called {', '.join(doubled)}; give each its own name")
        return v

    def target_pay_of(self, rep_id: str) -> Decimal:
        return to_decimal(self.target_pay_by_rep.get(rep_id, self.target_pay), "target_pay")


def load_plan(path: str | Path) -> Plan:
    """One plan file, validated (ConfigError naming the file and the key on any problem)."""
    return load_definitions(path, Plan)


def load_plans(workspace_dir: str | Path) -> dict[Path, Plan]:
    """Every ``plans/*.toml`` of the workspace, by file, in name order (none: empty)."""
    folder = Path(workspace_dir) / PLANS_DIR
    return {p: load_plan(p) for p in sorted(folder.glob("*.toml"))} if folder.is_dir() else {}
