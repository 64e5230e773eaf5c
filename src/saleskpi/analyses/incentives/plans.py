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

from pydantic import Field, ValidationInfo, field_validator, model_validator

from saleskpi.analyses.incentives.curve import check_tiers, raw_pay, to_decimal
from saleskpi.analyses.kpis.formula import measures_of
from saleskpi.analyses.measures import PAYABLE, Measure
from saleskpi.definitions import Check, Definitions, Range, definition_problem, load_definitions
from saleskpi.errors import UsageError

__all__ = ["MEASURES", "Measure", "Plan", "Component", "Contest", "Adjustment", "Pool", "CreditSplit", "SPLIT_MEASURES",
           "PLANS_DIR", "load_plan", "load_plans", "EXAMPLE_PLAN"]

#: The folder of a workspace that holds its plans, one TOML file each.
PLANS_DIR = "plans"
#: The example plan shipped with saleskpi (the demo company's plan; docs/incentives.md).
EXAMPLE_PLAN = Path(__file__).with_name("example_plan.toml")


#: The months of each period a plan or a contest may run over (a contest's period must divide the plan's).
_MONTHS = {"year": 12, "quarter": 3, "month": 1}


#: The measures a component may pay on: those a rep's row of the ``sales`` result provides, from
#: the one list of measures (:mod:`saleskpi.analyses.measures`, which the KPI catalogue's
#: formulas name too).
MEASURES: dict[str, Measure] = PAYABLE


def split_formula_names() -> dict[str, tuple[str, str]]:
    """The names a pool's split_formula may use: each payable measure that a declared result
    provides (its value) and, for those with a target, ``<measure>_attainment``; name ->
    (measure, "value" or "attainment")."""
    declared = _declared()
    out: dict[str, tuple[str, str]] = {}
    for name, m in MEASURES.items():
        if m.result in declared and m.column in declared[m.result].column_names:
            out[name] = (name, "value")
    for name, m in MEASURES.items():
        if name in out and m.target_from is not None:
            out[f"{name}_attainment"] = (name, "attainment")
    return out


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
    period: Literal["year", "quarter", "month"] | None = Field(default=None, examples=["quarter"], description=(
        "The period ranked and paid: the plan's period when not given; a shorter one (quarter in a yearly "
        "plan) runs the contest once per such period of the plan's period to date, each with its prizes."))

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


class Pool(Definitions):
    """One ``[[pool]]``: a team (or structure) pool funded by the unit's figure of a measure (its
    ``sales`` row of level team, territory or company) through a payout curve, then split among
    the plan's reps of the unit."""

    name: Annotated[str, Check("a name", lambda s: bool(s.strip()), example="team pool")] = Field(
        description="The pool's name, shown on the statement.")
    measure: str = Field(examples=["turnover_value"], description=(
        "The team's figure that funds the pool: one of " + ", ".join(MEASURES) + "."))
    basis: Literal["attainment", "value"] = Field(default="value", description=(
        "value: the tiers' bounds are the team's figure and the rates pay per unit (e.g. 1 % of the team's "
        "turnover); attainment: the bounds are the team's attainment (team target: targets, level team) and "
        "the rates multiples of target_pool."))
    target_pool: Annotated[float, Range(0, None, closed="neither", example=5000.0)] | None = Field(
        default=None, description="With basis attainment: the pool of a team at 100 % attainment.")
    mode: Literal["marginal", "retroactive"] = "marginal"
    tiers: list[tuple[float, float]] = Field(examples=[[[0, 0.01]]], description=(
        "(lower_bound, rate) pairs in ascending order of bound."))
    threshold: Annotated[float, Range(0, None)] | None = Field(default=None, description=(
        "Nothing is funded below it (an attainment with basis attainment, a value with basis value)."))
    cap: Annotated[float, Range(0, None)] | None = Field(default=None, description=(
        "The most a team's pool holds: a multiple of target_pool with basis attainment, an amount with basis "
        "value."))
    level: Literal["team", "territory", "company"] = Field(default="team", description=(
        "The unit funded and split: team (reps.team_id), territory (the reps' home territory, "
        "reps.territory_id; funded by the territory's customers) or company (every rep of the plan)."))
    territories: list[str] | None = Field(default=None, examples=[["T1"]], description=(
        "With level territory: the territories with a pool; every home territory of the plan's reps when "
        "not given."))
    teams: list[str] | None = Field(default=None, examples=[["T01"]], description=(
        "The teams (reps.team_id) with a pool; every team of the plan's reps when not given."))
    split: Literal["equal", "pro_rata", "weights", "formula"] = Field(default="equal", description=(
        "How a team's pool is shared among its reps of the plan: equal (by the share of the period employed "
        "when the plan prorates), pro_rata (to each rep's contribution: split_on), weights (the weights table), "
        "formula (to each rep's value of split_formula)."))
    split_on: str | None = Field(default=None, examples=["turnover_value"], description=(
        "With split pro_rata: the measure whose value is the rep's contribution (the pool's measure when not "
        "given; a negative value counts 0)."))
    split_formula: str | None = Field(default=None, examples=["turnover_value * turnover_value_attainment"],
                                      description=(
        "With split formula: the rep's weight, a formula in the KPI catalogue's language (+ - * / and parentheses) "
        "over the rep's measures (" + ", ".join(MEASURES) + ") and their attainments (<measure>_attainment, for "
        "the measures with a target); a negative value counts 0."))
    weights: dict[str, Annotated[float, Range(0, None)]] = Field(default_factory=dict, examples=[{"R001": 2.0}],
                                                                 description=(
        "With split weights: rep_id -> weight; a rep's share is its weight / the weights of the team's reps "
        "(a rep not listed weighs 0)."))

    _measure_provided = field_validator("measure")(Component._measure_provided.__func__)
    _tiers_ascending = field_validator("tiers")(Component._tiers_ascending.__func__)

    @field_validator("split_formula")
    @classmethod
    def _split_formula_names_measures(cls, v: str | None) -> str | None:
        if v is None:
            return None
        try:
            names = measures_of(v)
        except UsageError as exc:
            raise definition_problem(str(exc)) from None
        known = split_formula_names()
        unknown = [n for n in names if n not in known]
        if unknown:
            raise definition_problem(f"{', '.join(repr(n) for n in unknown)} is not a measure of the rep; use "
                                     f"{', '.join(known)}")
        if not names:
            raise definition_problem(f"'{v}' names no measure; write a formula over the rep's measures, such as "
                                     "'turnover_value * turnover_value_attainment'")
        return v

    @field_validator("split_on")
    @classmethod
    def _split_on_provided(cls, v: str | None) -> str | None:
        return None if v is None else Component._measure_provided.__func__(cls, v)

    @model_validator(mode="after")
    def _consistent(self) -> "Pool":
        if self.basis == "attainment" and MEASURES[self.measure].target_from is None:
            raise definition_problem(f"pool '{self.name}': the measure {self.measure} has no target, so it cannot "
                                     "fund on attainment; write basis = \"value\" or choose a measure with a target")
        if self.basis == "attainment" and self.target_pool is None:
            raise definition_problem(f"pool '{self.name}': basis attainment needs target_pool, the pool of a team "
                                     "at 100 % attainment; add target_pool = <amount>")
        if self.split == "weights" and not any(w > 0 for w in self.weights.values()):
            raise definition_problem(f"pool '{self.name}': split = \"weights\" needs a weights table with a "
                                     "positive weight, e.g. weights = { R001 = 2, R002 = 1 }")
        if self.split != "weights" and self.weights:
            raise definition_problem(f"pool '{self.name}': weights are given but split = \"{self.split}\"; "
                                     "write split = \"weights\" or remove the weights")
        for key, level in (("teams", "team"), ("territories", "territory")):
            if getattr(self, key) is not None and self.level != level:
                raise definition_problem(f"pool '{self.name}': {key} are given but level = \"{self.level}\"; "
                                         f"write level = \"{level}\" or remove {key}")
        if self.split == "formula" and self.split_formula is None:
            raise definition_problem(f"pool '{self.name}': split = \"formula\" needs split_formula, the rep's "
                                     "weight, e.g. split_formula = \"turnover_value * turnover_value_attainment\"")
        if self.split_formula is not None and self.split != "formula":
            raise definition_problem(f"pool '{self.name}': split_formula is given but split = \"{self.split}\"; "
                                     "write split = \"formula\" or remove split_formula")
        if self.split_on is not None and self.split != "pro_rata":
            raise definition_problem(f"pool '{self.name}': split_on is given but split = \"{self.split}\"; "
                                     "write split = \"pro_rata\" or remove split_on")
        return self


#: The measures a credit split re-credits: sums over the customers' invoice lines (a share or a
#: count of a rep is not a sum of its customers' figures, so it is not split).
SPLIT_MEASURES = ("turnover_value", "turnover_volume", "target_products_value")


class CreditSplit(Definitions):
    """One ``[[credit_split]]``: a customer shared by reps, each credited a share of its sales."""

    customer_id: Annotated[str, Check("a customer id", lambda s: bool(s.strip()), example="C00042")] = Field(
        description="The shared customer (customers.customer_id).")
    shares: dict[str, Annotated[float, Range(0, 1, closed="right")]] = Field(
        min_length=1, examples=[{"R001": 0.6, "R002": 0.4}], description=(
            "rep_id -> the share of the customer's sales credited to the rep; the shares sum to 1."))

    @field_validator("shares")
    @classmethod
    def _shares_sum_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        total = sum((Decimal(repr(x)) for x in v.values()), Decimal(0))
        if total != 1:
            raise definition_problem(f"the shares sum to {total.normalize()}; make them sum to 1")
        return v


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
    pool: list[Pool] = Field(default_factory=list, description=(
        "Team pools, one [[pool]] table each: funded by the team's figure, split among its reps, paid on top."))
    credit_split: list[CreditSplit] = Field(default_factory=list, description=(
        "Shared customers, one [[credit_split]] table each: the reps credited and their shares."))

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

    @field_validator("contest")
    @classmethod
    def _contests_within_the_period(cls, v: list[Contest], info: ValidationInfo) -> list[Contest]:
        plan_period = info.data.get("period")
        if plan_period is None:
            return v  # the plan's period is itself refused
        for k in v:
            if k.period is None:
                continue
            if _MONTHS[k.period] > _MONTHS[plan_period]:
                raise definition_problem(f"contest '{k.name}': period = \"{k.period}\" is longer than the plan's "
                                         f"period = \"{plan_period}\"; a contest runs within the plan's period: write "
                                         f"a period of at most a {plan_period}, or remove period")
            if _MONTHS[plan_period] % _MONTHS[k.period]:
                raise definition_problem(f"contest '{k.name}': period = \"{k.period}\" does not divide the plan's "
                                         f"period = \"{plan_period}\"; write a period that does, or remove period")
        names = [k.name for k in v]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise definition_problem(f"two contests are called {', '.join(doubled)}; give each its own name")
        return v

    @field_validator("pool")
    @classmethod
    def _pool_names(cls, v: list[Pool]) -> list[Pool]:
        names = [p.name for p in v]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise definition_problem(f"two pools are called {', '.join(doubled)}; give each its own name")
        return v

    @field_validator("credit_split")
    @classmethod
    def _one_split_per_customer(cls, v: list[CreditSplit]) -> list[CreditSplit]:
        ids = [c.customer_id for c in v]
        doubled = sorted({i for i in ids if ids.count(i) > 1})
        if doubled:
            raise definition_problem(f"customer {', '.join(doubled)} is split twice; give one [[credit_split]] per "
                                     "customer")
        return v

    def measures(self, *, contests_of: str | None = None) -> set[str]:
        """The measures the plan reads of a rep or a pool's unit: its components', contests',
        pools' (the funding measure, split_on, the measures split_formula names). ``contests_of``
        (a period): only the measures of the contests run per that period."""
        if contests_of is not None:
            return {k.measure for k in self.contest if k.period == contests_of}
        names = split_formula_names()
        out = {c.measure for c in self.component} | {k.measure for k in self.contest}
        for pool in self.pool:
            out |= {pool.measure, pool.split_on or pool.measure}
            if pool.split_formula:
                out |= {names[n][0] for n in measures_of(pool.split_formula)}
        return out

    def target_pay_of(self, rep_id: str) -> Decimal:
        return to_decimal(self.target_pay_by_rep.get(rep_id, self.target_pay), "target_pay")


def load_plan(path: str | Path) -> Plan:
    """One plan file, validated (ConfigError naming the file and the key on any problem)."""
    return load_definitions(path, Plan)


def load_plans(workspace_dir: str | Path) -> dict[Path, Plan]:
    """Every ``plans/*.toml`` of the workspace, by file, in name order (none: empty)."""
    folder = Path(workspace_dir) / PLANS_DIR
    return {p: load_plan(p) for p in sorted(folder.glob("*.toml"))} if folder.is_dir() else {}
