"""Workspace settings: one human-readable TOML file, validated into typed objects.

The file is a definitions file (:mod:`saleskpi.definitions`): every problem is collected and
reported together, naming the file and the key (``settings.toml: [import] future_days: ...``).
Each default, its meaning and its rule are written once, here: the commented ``settings.toml``
that ``saleskpi init`` writes (:data:`SETTINGS_TEMPLATE`) is generated from these classes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from saleskpi.definitions import (
    Check,
    Definitions,
    IncreasingPair,
    Keys,
    Range,
    Weights,
    definition_problem,
    load_definitions,
    parse_definitions,
    render_template,
)
from saleskpi.definitions.messages import shown
from saleskpi.errors import ConfigError  # noqa: F401 -- re-exported: callers catch it from here

#: Bulgaria's fixed conversion rate (Council Decision (EU) 2025/1407): 1 EUR = 1.95583 BGN.
BGN_PER_EUR = 1.95583

SETTINGS_FILE = "settings.toml"

Share = Annotated[float, Range(0, 1, closed="neither")]
Rate = Annotated[float, Range(0, 1, closed="left")]
CurrencyCode = Annotated[str, Check("a 3-letter ISO currency code", lambda v: len(v) == 3 and v.isalpha(),
                                    convert=str.upper)]
_CELL_LETTERS = "ABC"

#: The directives DuckDB's strptime reads (``%-d``: without a leading zero).
_DIRECTIVE = re.compile(r"%(-?)(.)", re.S)
_DIRECTIVES = set("abcdfghjmnpuwxyzABGHIMSTUVWXYZ%")
_NO_PAD = set("djmyHIMS")


def is_date_format(fmt: str) -> bool:
    """A strptime format that names a whole date: every directive one DuckDB reads, a year,
    and a day of the year or a month and a day (``%d.%m.%Y``; ``dd.mm.yyyy`` is refused)."""
    found = set()
    for dash, letter in _DIRECTIVE.findall(fmt):
        if letter not in _DIRECTIVES or (dash and letter not in _NO_PAD):
            return False
        found.add(letter)
    if fmt.replace("%%", "").endswith("%"):
        return False
    has_year = bool(found & set("yYG"))
    has_day = "j" in found or (bool(found & set("mbBh")) and "d" in found) or {"V", "u"} <= found
    return has_year and has_day


#: A date format of settings and mapping files, checked when the file is read.
DateFormat = Annotated[str, Check("a date format of % codes (%d day, %m month, %Y year, %H:%M:%S time)",
                                  is_date_format, example="%d.%m.%Y")]

_MEMORY = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>[KMGT]i?B)\s*$", re.I)
_BYTES = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
#: The least memory an import runs in: DuckDB's CSV reader alone takes about 160 MB.
MIN_MEMORY = 256 * 10**6


def memory_bytes(text: str) -> int | None:
    """``"1GB"`` -> 1000000000 (DuckDB's units: KB MB GB TB, KiB MiB GiB TiB); None if unreadable."""
    match = _MEMORY.match(text)
    return None if match is None else int(float(match["n"]) * _BYTES[match["unit"].upper()])


def _normal_memory(text: str) -> str:
    match = _MEMORY.match(text)
    assert match is not None
    unit = match["unit"].upper().replace("IB", "iB")
    return f"{match['n']}{unit}"


class WorkspaceSection(Definitions):
    name: str = Field(default="saleskpi workspace", description="Shown in reports.")
    backend: str = Field(default="duckdb://saleskpi.duckdb", description=(
        "Where the data lives. The default is a DuckDB file inside this folder. Other engines: "
        "postgres://user@host:5432/db?schema=saleskpi or pyspark://local[2]?warehouse=/path"))
    currency: CurrencyCode = Field(default="EUR", description=(
        "The company currency: every stored amount is in it. Amounts in BGN are converted to EUR at "
        "the fixed rate 1 EUR = 1.95583 BGN (Bulgaria joined the euro on 2026-01-01)."))
    as_of: str | None = Field(default=None, examples=["2025-12-31"], description=(
        "The date the analyses treat as today (YYYY-MM-DD). Default: the last invoice date."))
    keep_runs: Annotated[int, Range(1)] | None = Field(default=None, examples=[5], description=(
        "Keep only the newest N finished runs: each compute deletes the older ones once it has "
        "finished. Default: keep every run ('saleskpi runs DIR --keep N' deletes by hand)."))
    busy_timeout: Annotated[float, Range(0)] = Field(default=30, description=(
        "Seconds a command waits while another one is writing this workspace (or reading it, "
        "when this one writes), before it stops with 'the workspace is busy' (exit code 4)."))


class ImportSection(Definitions):
    future_days: Annotated[int, Range(0)] = Field(default=31, description=(
        "Dates more than this many days after today are refused as typing errors."))
    date_formats: Annotated[list[DateFormat], Check("a list of at least one date format of % codes (%d day, %m month, %Y year, %H:%M:%S time)", bool,
                                                                example=["%d.%m.%Y"])] = Field(
        default_factory=lambda: ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S",
                                 "%d.%m.%Y %H:%M", "%m/%d/%Y %H:%M"],
        description="Date formats tried, in order, on date columns (the first that reads every value wins).")
    max_listed: Annotated[int, Range(1)] = Field(default=50, description=(
        "How many problems an import lists before it only counts them."))
    memory_limit: Annotated[str, Check(
        "an amount of memory of at least 256MB in KB, MB, GB, TB (or KiB, MiB, GiB, TiB)",
        lambda v: (memory_bytes(v) or 0) >= MIN_MEMORY, convert=_normal_memory, example="1GB")] = Field(
        default="1GB", description="Memory the engine may use while importing; it spills to disk beyond this.")


def _compute_memory(text: str) -> str:
    return text if text == "auto" else _normal_memory(text)


class ComputeSection(Definitions):
    memory_limit: Annotated[str, Check(
        "\"auto\" or an amount of memory of at least 256MB in KB, MB, GB, TB (or KiB, MiB, GiB, TiB)",
        lambda v: v == "auto" or (memory_bytes(v) or 0) >= MIN_MEMORY, convert=_compute_memory,
        example="4GB")] = Field(default="auto", description=(
            "Memory the engine may use while computing (DuckDB); it spills to disk beyond this. auto: "
            "the engine's own limit (DuckDB: 80 % of the machine's memory)."))


class SalesSection(Definitions):
    period: Literal["year", "quarter", "month"] = Field(default="year", description=(
        "The period the sales analysis reports on. It is the period that holds the as-of date, to "
        "date, compared with the previous period and the same dates a year before."))
    min_cost_coverage: Annotated[float, Range(0, 1)] = Field(default=0.8, description=(
        "The margin of a node is over its invoice lines with a cost; below this share of its turnover "
        "with a cost (cost_coverage) the margin is left empty, as it would describe too little of it."))


class PotentialSection(Definitions):
    method: Literal["auto", "drivers", "peer", "topdown"] = Field(default="auto", description=(
        "Where no stated potential exists, the estimate used: auto (per business line, the method "
        "that agrees best with the stated figures), peer (a high quantile of spend among similar "
        "customers), drivers (driver x usage rate) or topdown (territory market allocated)."))
    calibrate: bool = Field(default=True, description=(
        "Scale the fitted methods to the stated potentials where at least min_pairs customers have both."))
    min_pairs: Annotated[int, Range(3)] = Field(default=30, description=(
        "Customers with both a stated and a fitted potential needed to calibrate a method."))
    min_rank_agreement: Annotated[float, Range(-1, 1)] = Field(default=0.5, description=(
        "A fitted method is trusted where it ranks the stated potentials with a Spearman rank "
        "correlation of at least this (potential-methods quality); below it, or unchecked, compute warns."))
    debias_reps: bool = Field(default=True, description=(
        "Correct rep estimates by each rep's measured bias (median of stated / model) once the rep "
        "has made at least min_rep_estimates estimates."))
    growth: dict[str, float] = Field(default_factory=dict, examples=[{"building": 0.04}], description=(
        "Yearly market growth per business line, to carry stated figures of earlier years forward "
        "(default: our like-for-like turnover growth in the line)."))
    min_rep_estimates: Annotated[int, Range(1)] = Field(default=5, description=(
        "Estimates a rep must have made before the rep's bias is corrected."))
    quantile: Share = Field(default=0.8, description=(
        "Peer wallet: the conditional quantile of spend among similar customers (Perlich et al. "
        "2007 use 0.8 to 0.9)."))
    usage_quantile: Share = Field(default=0.9, description=(
        "Drivers: the quantile of purchases per driver unit that sets a learned usage rate."))
    disagreement_factor: Annotated[float, Range(1, closed="neither")] = Field(default=3.0, description=(
        "Flag a customer when its largest estimate exceeds its smallest by more than this factor."))
    drivers: dict[str, str] = Field(default_factory=dict, examples=[{"building": "driver_m2"}], description=(
        "Drivers: the driver column that feeds each business line (default: the best correlated)."))
    usage_rates: dict[str, float] = Field(default_factory=dict, examples=[{"building": 12.5}], description=(
        "Drivers: fixed usage rates, value per driver unit, keyed by business line, instead of "
        "learning them."))
    topdown_weights: Annotated[dict[str, float], Weights()] = Field(
        default_factory=dict, examples=[{"driver_employees": 0.5, "driver_m2": 0.3, "driver_outlets": 0.2}],
        description="Top-down: weights of the customer drivers in the allocation index (default: equal).")
    territory_weights: Annotated[dict[str, float], Weights()] = Field(
        default_factory=lambda: {"buying_income": 0.5, "retail_sales": 0.3, "population": 0.2},
        description="Top-down: buying power index weights of the territory indicators (the classic 0.5/0.3/0.2).")


def _is_cell(key: str) -> bool:
    return len(key) == 3 and all(c in _CELL_LETTERS for c in key.upper())


class AbcSection(Definitions):
    method: Literal["pareto", "computed"] = Field(default="pareto", description=(
        "pareto: A up to the first cut-off of the cumulative total, B up to the second; computed: "
        "the cut-offs of Ultsch & Lötsch (2015)."))
    cutoffs: Annotated[tuple[float, float], IncreasingPair(0, 1, "cumulative shares")] = Field(
        default=(0.8, 0.95), description="The pareto cut-offs: A up to 80 % of the cumulative total, B up to 95 %.")
    share_method: Literal["thresholds", "pareto", "computed"] = Field(default="thresholds", description=(
        "Share of wallet is a ratio, not a quantity that adds up: by default its classes are "
        "thresholds, or the same methods as the others."))
    share_thresholds: Annotated[tuple[float, float], IncreasingPair(
        0, 1, "shares (the B floor, then the A floor)")] = Field(default=(0.2, 0.5), description=(
            "Share-of-wallet thresholds: B from 20 %, A from 50 %."))
    actions: Annotated[dict[str, str], Keys("a cell", "three letters A/B/C (value, potential, share)", _is_cell,
                                            convert=str.upper, example="CAC")] = Field(
        default_factory=dict, examples=[{"CAC": "grow share: priority visit plan"}], description=(
            "The recommended action of a cell of the ABC matrix, keyed by the classes by purchases, "
            "potential and share of wallet; overrides the built-in table."))


class ClvSection(Definitions):
    model: Literal["bgnbd", "pareto"] = Field(default="bgnbd", description=(
        "Purchase model: bgnbd (BG/NBD, Fader, Hardie & Lee 2005) or pareto (Pareto/NBD); margin "
        "per purchase: Gamma-Gamma."))
    penalizer: Annotated[float, Range(0)] = Field(default=0.0, description=(
        "L2 penalty of the model fits (lifetimes' convention). A small one (e.g. 0.001) helps a fit "
        "that does not converge; 0 = plain maximum likelihood."))
    fit_customers: Literal["acquired_in_history", "all"] = Field(default="acquired_in_history", description=(
        "Fit the purchase model on customers acquired inside the sales history (older ones are "
        "left-truncated), or on all."))
    history_years: Annotated[int, Range(1, 20)] = Field(default=5, description=(
        "Historical value: full years shown besides the year to date."))
    history_rate: Rate = Field(default=0.08, description=(
        "Historical value: the yearly rate that brings a past year's margin to today's money."))
    history_weights: list[float] | None = Field(
        default=None, examples=[[0.35, 0.25, 0.2, 0.12, 0.08]], description=(
            "Weights of the full years in the weighted profit, one per history year, the most recent "
            "first (normalised to sum 1). Default: the weights of this example, cut to history_years "
            "or padded with the last one."))
    monthly_rate: Rate = Field(default=0.01, description=(
        "Monthly discount rate of the predicted 12- and 36-month margin."))
    target_share: Annotated[float, Range(0, 1, closed="right")] = Field(default=0.5, description=(
        "Opportunity: the share of wallet to reach."))
    budget_share: Annotated[float, Range(0, 1)] = Field(default=0.10, description=(
        "Offer budget: this share of the 12-month margin."))
    holdout_weeks: Annotated[int, Range(1)] = Field(default=26, description=(
        "Validation: weeks before the as-of date held out of the calibration."))
    margin_basis: Literal["cost", "assumed", "revenue"] = Field(default="cost", description=(
        "What the value is reckoned in: cost (margin = net value - cost, from the sales' cost or margin; "
        "empty where they lack it), assumed (the same, and lines without a cost at a margin rate: the "
        "products' margin_rate, else assumed_margin_by_product, else assumed_margin_by_line, else "
        "assumed_margin) or revenue (net value, no cost deducted: a revenue-based CLV, labelled so)."))
    assumed_margin: Annotated[float, Range(0, 1, closed="right")] = Field(default=0.25, description=(
        "With margin_basis \"assumed\": the margin rate (margin / net value) of a line without a cost."))
    assumed_margin_by_line: dict[str, Annotated[float, Range(0, 1, closed="right")]] = Field(
        default_factory=dict, examples=[{"building": 0.3}], description=(
            "With margin_basis \"assumed\": the margin rate per business line, instead of assumed_margin."))
    assumed_margin_by_product: dict[str, Annotated[float, Range(0, 1, closed="right")]] = Field(
        default_factory=dict, examples=[{"P0001": 0.4}], description=(
            "With margin_basis \"assumed\": the margin rate per product, before the business line's "
            "(after the products' own margin_rate)."))

    @field_validator("history_weights")
    @classmethod
    def _one_weight_per_year(cls, v: list[float] | None, info: ValidationInfo) -> list[float] | None:
        years = info.data.get("history_years")  # absent when history_years itself is wrong
        wrong_length = years is not None and len(v or ()) != years
        if v is not None and (wrong_length or any(w < 0 for w in v) or not sum(v) > 0):
            per_year = f"one weight per full year ({years}, history_years)" if years else "one weight per full year"
            example = cls.model_fields["history_weights"].examples[0]
            raise definition_problem(f"give {per_year}, the most recent first, each >= 0 and not all zero, "
                                     f"such as {shown(example)}; got {shown(v)}")
        return v


class SatisfactionSection(Definitions):
    nps_interval: Literal["wald", "adjusted-wald"] = Field(default="adjusted-wald", description=(
        "The interval of each NPS: wald (NPS ± z·SE) or adjusted-wald (Rocks 2016: three answers "
        "added, ¾ promoter and ¾ detractor; better when a group has few answers)."))
    level: Annotated[float, Range(0, 1, closed="neither")] = Field(default=0.95, description=(
        "Confidence level of every interval of the satisfaction results."))
    min_responses: Annotated[int, Range(1)] = Field(default=30, description=(
        "A group (class, territory, rep, period) with fewer survey answers than this shows "
        "'too few responses (n = ...)' instead of its NPS, CSAT and CES."))
    min_response_rate: Rate = Field(default=0.2, description=(
        "Below this share of invitations answered, the run warns that the responders may not speak "
        "for the customer base."))
    significance: Annotated[float, Range(0, 1, closed="neither")] = Field(default=0.05, description=(
        "The p-value below which a change between periods, or a difference between responders and "
        "non-responders, is called significant."))
    mismatch_change: Annotated[float, Range(0, None, closed="neither")] = Field(default=0.1, description=(
        "mislead lists a promoter whose turnover fell by at least this fraction against the "
        "same dates last year (0.1 = 10 %), and a detractor whose turnover grew by at least as much."))


class LoyaltySection(Definitions):
    cost_per_point: Annotated[float, Range(0)] | None = Field(default=None, examples=[0.006], description=(
        "What one outstanding point will cost when redeemed, in the workspace currency: the liability is "
        "the outstanding points times it. Not given: the reward cost per point redeemed so far "
        "(loyalty_events.cost / points redeemed)."))
    fixed_cost_per_year: Annotated[float, Range(0)] = Field(default=0.0, description=(
        "The programme's running cost per year besides the rewards (platform, staff, marketing), in the "
        "workspace currency; added to the reward cost in the ROI."))
    window_months: Annotated[int, Range(3, 36)] = Field(default=12, description=(
        "Months before and after enrolment compared in the lift (the enrolment month itself is left out)."))
    neighbours: Annotated[int, Range(1, 50)] = Field(default=5, description=(
        "Non-members matched to each member in the lift (nearest on behaviour before enrolment)."))
    level: Annotated[float, Range(0, 1, closed="neither")] = Field(default=0.95, description=(
        "Confidence level of the lift's intervals."))
    significance: Annotated[float, Range(0, 1, closed="neither")] = Field(default=0.05, description=(
        "The p-value below which the pre-enrolment trends of members and matched non-members are called "
        "different (parallel trends rejected)."))


class SegmentsSection(Definitions):
    min_customer_share: Rate = Field(default=0.05, description=(
        "Substantial: a segment passes with at least this share of the segmentation's customers, "
        "or min_turnover_share of its turnover, or min_profit_share of its profit."))
    min_turnover_share: Rate = Field(default=0.05, description=(
        "Substantial: the least share of the 12-month turnover that makes a small segment substantial."))
    min_profit_share: Rate = Field(default=0.05, description=(
        "Substantial: the least share of the profit (margin - cost to serve) that makes a small segment "
        "substantial."))
    min_measurable: Rate = Field(default=0.9, description=(
        "Measurable: the least share of customers with the data the segmentation's rule needs."))
    min_reachable: Rate = Field(default=0.9, description=(
        "Accessible: the least share of a segment's customers that have a rep (customers.rep_id)."))
    significance: Annotated[float, Range(0, 1, closed="neither")] = Field(default=0.05, description=(
        "Differentiable: the Kruskal-Wallis p-value must be below this."))
    min_effect: Rate = Field(default=0.01, description=(
        "Differentiable: the least effect size epsilon-squared (0.01 small, 0.08 medium, 0.26 large)."))
    cluster_method: Literal["kmeans", "gmm"] = Field(default="kmeans", description=(
        "The data-driven clusters: kmeans (k chosen by the mean silhouette) or gmm (a Gaussian mixture, "
        "k chosen by the lowest BIC)."))
    cluster_k_min: Annotated[int, Range(2)] = Field(default=2, description="The fewest clusters tried.")
    cluster_k_max: Annotated[int, Range(2)] = Field(default=8, description="The most clusters tried.")
    cluster_sample: Annotated[int, Range(100)] = Field(default=3000, description=(
        "Customers sampled (seeded) to fit each k and judge it (silhouette or BIC); every customer is "
        "then assigned to a cluster."))
    cost_per_order: Annotated[float, Range(0)] | None = Field(default=None, examples=[12.0], description=(
        "Cost to serve per order (distinct invoice) in the 12 months, in the workspace currency."))
    cost_per_line: Annotated[float, Range(0)] | None = Field(default=None, examples=[1.5], description=(
        "Cost to serve per invoice line in the 12 months."))
    cost_per_visit: Annotated[float, Range(0)] | None = Field(default=None, examples=[40.0], description=(
        "Cost to serve per rep visit; needs visits_column."))
    visits_column: str | None = Field(default=None, examples=["driver_visits"], description=(
        "The customers column holding each customer's rep visits in the 12 months (a driver_ column)."))
    cost_column: str | None = Field(default=None, examples=["driver_cost_to_serve"], description=(
        "The customers column holding each customer's other cost to serve in the 12 months, in the "
        "workspace currency (a driver_ column)."))

    @field_validator("cluster_k_max")
    @classmethod
    def _k_range(cls, v: int, info: ValidationInfo) -> int:
        low = info.data.get("cluster_k_min")
        if low is not None and v < low:
            raise definition_problem(f"cluster_k_max = {v} is below cluster_k_min = {low}; make it at least {low}")
        return v

    @model_validator(mode="after")
    def _visits_priced(self) -> "SegmentsSection":
        if self.cost_per_visit is not None and self.visits_column is None:
            raise definition_problem("cost_per_visit is set but visits_column is not; name the customers column "
                                     "that holds the visits, such as 'driver_visits', or remove cost_per_visit")
        return self


class KpisSection(Definitions):
    green_from: Annotated[float, Range(0, None, closed="neither")] = Field(default=1.0, description=(
        "A KPI is green at this attainment or more (1.0 = on target; attainment = value / target, or "
        "target / value for a KPI where lower is better)."))
    amber_from: Annotated[float, Range(0, None, closed="neither")] = Field(default=0.9, description=(
        "A KPI is amber from this attainment up to green_from, red below it."))
    trend_runs: Annotated[int, Range(1, 24)] = Field(default=3, description=(
        "Trend: the KPI's value in up to this many earlier runs with an earlier as-of date."))
    gap_part: Annotated[float, Range(0, 1)] = Field(default=0.3, description=(
        "Target proposals: the part of the gap to potential at target_share added to the current 12-month "
        "turnover (fair target = turnover + gap_part × (potential × target_share − turnover))."))
    target_share: Annotated[float, Range(0, 1, closed="right")] = Field(default=0.5, description=(
        "Target proposals: the share of wallet a customer's potential is reckoned at."))
    tolerance: Annotated[float, Range(0, 1)] = Field(default=0.005, description=(
        "Target consistency: a parent's target and the sum of its children's may differ by this share of "
        "the parent's before they are called inconsistent (rounding)."))

    @field_validator("amber_from")
    @classmethod
    def _amber_below_green(cls, v: float, info: ValidationInfo) -> float:
        green = info.data.get("green_from")
        if green is not None and v > green:
            raise definition_problem(f"must be at most green_from ({green}): amber is the band just below green; "
                                     f"got {shown(v)}")
        return v


class CompetenciesSection(Definitions):
    min_reps: Annotated[int, Range(3)] = Field(default=10, description=(
        "competency-links: with fewer reps having both a score and the KPI, no association is concluded."))
    level: Annotated[float, Range(0, 1, closed="neither")] = Field(default=0.95, description=(
        "Confidence level of the intervals of competency-links."))
    focus_count: Annotated[int, Range(1)] = Field(default=2, description=(
        "The development focus per rep: this many largest gaps on competencies linked to KPIs the rep misses."))


class IncentivesSection(Definitions):
    closed_through: str | None = Field(default=None, examples=["2026-06"], description=(
        "The last closed pay period, as the period is labelled (\"2025\", \"2025-Q2\" or \"2025-06\", per "
        "[sales] period): the statements of it and every earlier period are locked; recomputing one gives a "
        "new version beside the stored one, never a silent change (docs/incentives.md)."))
    whatif_periods: Annotated[int, Range(1, 36)] = Field(default=3, description=(
        "plan-whatif replays each proposed plan (DIR/plans/proposed/*.toml) on this many complete periods "
        "before the current one."))


class Settings(Definitions):
    """The whole ``settings.toml``; ``rate`` converts currencies (EUR/BGN built in)."""

    file_kind = "settings"
    problem_noun = "setting"
    if_missing = "Create the workspace with 'saleskpi init DIR'."

    workspace: WorkspaceSection = WorkspaceSection()
    # "import" is a Python keyword; the TOML section keeps the user's word.
    import_: ImportSection = Field(default=ImportSection(), alias="import")
    compute: ComputeSection = ComputeSection()
    sales: SalesSection = SalesSection()
    potential: PotentialSection = PotentialSection()
    abc: AbcSection = AbcSection()
    clv: ClvSection = ClvSection()
    satisfaction: SatisfactionSection = SatisfactionSection()
    segments: SegmentsSection = SegmentsSection()
    loyalty: LoyaltySection = LoyaltySection()
    kpis: KpisSection = KpisSection()
    competencies: CompetenciesSection = CompetenciesSection()
    incentives: IncentivesSection = IncentivesSection()
    currencies: Annotated[dict[str, Annotated[float, Range(0, closed="neither")]],
                          Keys("a currency code", "3 letters", lambda k: len(k) == 3 and k.isalpha(),
                               convert=str.upper, example="USD")] = Field(
        default_factory=dict, examples=[{"USD": 1.08}], description=(
            "Other currencies your files may use: units of that currency per 1 unit of the workspace "
            "currency. BGN is built in at the fixed rate and cannot be overridden."))

    def rate(self, currency: str) -> float | None:
        """Units of ``currency`` per 1 unit of the workspace currency, or None if unknown.

        EUR/BGN is built in at the fixed 1.95583 and cannot be overridden.
        """
        home = self.workspace.currency
        currency = currency.strip().upper()
        if currency == home:
            return 1.0
        if home == "EUR" and currency == "BGN":
            return BGN_PER_EUR
        if home == "BGN" and currency == "EUR":
            return 1.0 / BGN_PER_EUR
        return self.currencies.get(currency)


def parse_settings(data: dict[str, Any], *, source: str) -> Settings:
    """Validate a settings mapping; every problem in one ConfigError naming ``source`` and key."""
    return parse_definitions(data, Settings, source=source)


def load_settings(path: Path) -> Settings:
    """Read and validate a workspace's settings file."""
    return load_definitions(path, Settings)


def workspace_settings(folder: Path) -> Settings:
    """The validated settings of the workspace ``folder``; refused when it is not a workspace."""
    from saleskpi.errors import UsageError

    if not (folder / SETTINGS_FILE).exists():
        raise UsageError(f"{folder} is not a saleskpi workspace (no {SETTINGS_FILE}). "
                         "Create one with 'saleskpi init DIR' or 'saleskpi demo DIR'.")
    return load_settings(folder / SETTINGS_FILE)


def settings_template() -> str:
    """The commented ``settings.toml`` of a new workspace, generated from :class:`Settings`.

    A ``str.format`` template with the fields ``{name}``, ``{backend}`` and ``{currency}``.
    """
    return render_template(Settings, header=_TEMPLATE_HEADER, placeholders={
        "workspace.name": "name", "workspace.backend": "backend", "workspace.currency": "currency"})


_TEMPLATE_HEADER = (
    "saleskpi workspace settings. Lines starting with # are comments.\n"
    "Change a value by removing the # and editing it; 'saleskpi compute' reads this file each run. "
    "Each value is checked when the file is read: a wrong one is refused with its section and key.")

#: The commented settings file ``saleskpi init`` writes; fill it with ``.format(name=, backend=, currency=)``.
SETTINGS_TEMPLATE = settings_template()
