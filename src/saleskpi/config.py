"""Workspace settings: one human-readable TOML file, validated into typed objects.

Every problem is collected and reported together, naming the file and the key
(``settings.toml: [import] future_days: ...``), after dbt MetricFlow's habit of validating
definitions apart from computing them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from saleskpi.errors import ConfigError

#: Bulgaria's fixed conversion rate (Council Decision (EU) 2025/1407): 1 EUR = 1.95583 BGN.
BGN_PER_EUR = 1.95583

SETTINGS_FILE = "settings.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkspaceSection(_Section):
    name: str = "saleskpi workspace"
    backend: str = "duckdb://saleskpi.duckdb"
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    as_of: str | None = None

    @field_validator("currency")
    @classmethod
    def _upper(cls, v: str) -> str:
        if not v.isalpha():
            raise ValueError("must be a 3-letter ISO currency code such as EUR")
        return v.upper()


class ImportSection(_Section):
    future_days: int = Field(default=31, ge=0)
    date_formats: list[str] = Field(
        default_factory=lambda: ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S",
                                 "%d.%m.%Y %H:%M", "%m/%d/%Y %H:%M"],
        min_length=1,
    )
    max_listed: int = Field(default=50, ge=1)
    memory_limit: str = "1GB"


class SalesSection(_Section):
    # The period the sales analysis reports on: the one that holds the as-of date, to date.
    period: Literal["year", "quarter", "month"] = "year"


class PotentialSection(_Section):
    # The estimate used where no stated potential exists: auto (per line, the method that agrees
    # best with the stated figures), drivers, peer or topdown.
    method: Literal["auto", "drivers", "peer", "topdown"] = "auto"
    # Scale each fitted method to the stated potentials where at least min_pairs customers have both.
    calibrate: bool = True
    min_pairs: int = Field(default=30, ge=3)
    # Divide rep estimates by their rep's bias (median stated / model) once a rep has made
    # at least min_rep_estimates estimates.
    debias_reps: bool = True
    # Yearly market growth per business line, to carry stated figures of earlier years forward
    # (default: our like-for-like turnover growth in the line).
    growth: dict[str, float] = Field(default_factory=dict)
    min_rep_estimates: int = Field(default=5, ge=1)
    # Peer wallet: the conditional quantile of spend (Perlich et al. 2007 use 0.8 to 0.9).
    quantile: float = Field(default=0.8, gt=0, lt=1)
    # Drivers: the quantile of purchases per driver unit that sets a learned usage rate.
    usage_quantile: float = Field(default=0.9, gt=0, lt=1)
    # Flag a customer when its largest estimate exceeds its smallest by more than this factor.
    disagreement_factor: float = Field(default=3.0, gt=1)
    # Drivers: which driver column feeds each business line (default: the best correlated).
    drivers: dict[str, str] = Field(default_factory=dict)
    # Drivers: fixed usage rates, value per driver unit, keyed by business line.
    usage_rates: dict[str, float] = Field(default_factory=dict)
    # Top-down: weights of the customer drivers in the allocation index (default: equal).
    topdown_weights: dict[str, float] = Field(default_factory=dict)
    # Top-down: buying power index weights of the territory indicators (the classic 0.5/0.3/0.2).
    territory_weights: dict[str, float] = Field(
        default_factory=lambda: {"buying_income": 0.5, "retail_sales": 0.3, "population": 0.2})

    @field_validator("topdown_weights", "territory_weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in v.values()):
            raise ValueError("weights must not be negative")
        if v and not sum(v.values()) > 0:
            raise ValueError("weights must not all be zero")
        return v


def _increasing_pair(v: tuple[float, float], what: str) -> tuple[float, float]:
    if not (0 < v[0] < v[1] < 1):
        raise ValueError(f"must be two increasing {what} in (0, 1), such as [0.8, 0.95]; got {list(v)}")
    return v


class AbcSection(_Section):
    # pareto: fixed cut-offs on the cumulative share of the total; computed: Ultsch & Lötsch 2015.
    method: Literal["pareto", "computed"] = "pareto"
    cutoffs: tuple[float, float] = (0.8, 0.95)
    # Share of wallet is a ratio, not a quantity that adds up: by default its classes are
    # thresholds (A: at least 50 %, B: at least 20 %), or the same methods as the others.
    share_method: Literal["thresholds", "pareto", "computed"] = "thresholds"
    share_thresholds: tuple[float, float] = (0.2, 0.5)
    # Recommended action per cell, keyed by the classes by value, potential and share
    # ("CAC": purchases C, potential A, share C); overrides the built-in table.
    actions: dict[str, str] = Field(default_factory=dict)

    @field_validator("cutoffs")
    @classmethod
    def _cutoffs(cls, v: tuple[float, float]) -> tuple[float, float]:
        return _increasing_pair(v, "cumulative shares")

    @field_validator("share_thresholds")
    @classmethod
    def _thresholds(cls, v: tuple[float, float]) -> tuple[float, float]:
        return _increasing_pair(v, "shares (the B floor, then the A floor)")

    @field_validator("actions")
    @classmethod
    def _cells(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            if len(key) != 3 or any(c not in "ABC" for c in key.upper()):
                raise ValueError(f"'{key}' is not a cell: use three letters A/B/C (value, potential, share), "
                                 "such as \"CAC\"")
        return {k.upper(): a for k, a in v.items()}


class ClvSection(_Section):
    # Purchase model: bgnbd (BG/NBD, Fader, Hardie & Lee 2005) or pareto (Pareto/NBD).
    model: Literal["bgnbd", "pareto"] = "bgnbd"
    # L2 penalty of the model fits (lifetimes' convention); 0 = plain maximum likelihood.
    penalizer: float = Field(default=0.0, ge=0)
    # Fit the purchase model on customers acquired inside the sales history (older ones are
    # left-truncated), or on all.
    fit_customers: Literal["acquired_in_history", "all"] = "acquired_in_history"
    # Historical value: full years shown besides the year to date, the yearly rate that brings a
    # past year's margin to today's money, and the weights of the full years (most recent first).
    history_years: int = Field(default=5, ge=1, le=20)
    history_rate: float = Field(default=0.08, ge=0, lt=1)
    history_weights: list[float] | None = None
    # Predicted value: monthly discount rate of the 12- and 36-month margin.
    monthly_rate: float = Field(default=0.01, ge=0, lt=1)
    # Opportunity: the share of wallet to reach; offer budget: share of the 12-month margin.
    target_share: float = Field(default=0.5, gt=0, le=1)
    budget_share: float = Field(default=0.10, ge=0, le=1)
    # Validation: weeks before the as-of date held out of the calibration.
    holdout_weeks: int = Field(default=26, ge=1)

    @field_validator("history_weights")
    @classmethod
    def _history_weights(cls, v: list[float] | None, info) -> list[float] | None:
        if v is None:
            return v
        years = info.data.get("history_years")
        if years is not None and len(v) != years:
            raise ValueError(f"give one weight per full year ({years}, history_years), the most recent "
                             f"first; got {len(v)}")
        if any(w < 0 for w in v) or not sum(v) > 0:
            raise ValueError("weights must be >= 0 and not all zero")
        return v


class Settings(_Section):
    workspace: WorkspaceSection = WorkspaceSection()
    sales: SalesSection = SalesSection()
    potential: PotentialSection = PotentialSection()
    abc: AbcSection = AbcSection()
    clv: ClvSection = ClvSection()
    # "import" is a Python keyword; the TOML section keeps the user's word.
    import_: ImportSection = Field(default=ImportSection(), alias="import")
    currencies: dict[str, float] = Field(default_factory=dict)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("currencies")
    @classmethod
    def _rates(cls, v: dict[str, float]) -> dict[str, float]:
        for code, rate in v.items():
            if len(code) != 3 or not code.isalpha():
                raise ValueError(f"'{code}' is not a 3-letter currency code")
            if not rate > 0:
                raise ValueError(f"the rate of {code} must be positive, got {rate}")
        return {k.upper(): float(r) for k, r in v.items()}

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
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None


def load_settings(path: Path) -> Settings:
    """Read and validate a workspace's settings file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: settings file not found. Create the workspace with 'saleskpi init DIR'."
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}). Fix the line named.") from None
    return parse_settings(data, source=str(path))


def _describe(exc: ValidationError, source: str) -> str:
    lines = [f"{source}: {exc.error_count()} invalid setting(s):"]
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        section = f"[{loc[0]}] " if len(loc) > 1 else ""
        key = ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc)
        if err["type"] == "extra_forbidden":
            msg = "unknown key; remove it or check its spelling"
        else:
            msg = err["msg"].removeprefix("Value error, ")
        got = err.get("input")
        shown = ("" if err["type"] in ("extra_forbidden", "value_error") or isinstance(got, dict)
                 else f" (got {got!r})")
        lines.append(f"  - {section}{key}: {msg}{shown}")
    return "\n".join(lines)


SETTINGS_TEMPLATE = """\
# saleskpi workspace settings. Lines starting with # are comments.
# Change a value by removing the # and editing it; 'saleskpi compute' reads this file each run.

[workspace]
name = "{name}"
# Where the data lives. The default is a DuckDB file inside this folder. Other engines:
#   postgres://user@host:5432/db?schema=saleskpi     pyspark://local[2]?warehouse=/path
backend = "{backend}"
# The company currency: every stored amount is in it. Amounts in BGN are converted to EUR at
# the fixed rate 1 EUR = 1.95583 BGN (Bulgaria joined the euro on 2026-01-01).
currency = "{currency}"
# The date the analyses treat as today (YYYY-MM-DD). Default: the last invoice date.
# as_of = "2025-12-31"

[import]
# Dates more than this many days after today are refused as typing errors.
future_days = 31
# Date formats tried, in order, on date columns (the first that reads every value wins).
date_formats = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M", "%m/%d/%Y %H:%M"]
# How many problems an import lists before it only counts them.
max_listed = 50
# Memory the engine may use while importing; it spills to disk beyond this.
memory_limit = "1GB"

[sales]
# The period the sales analysis reports on: year, quarter or month. It is the period that holds
# the as-of date, to date, compared with the previous period and the same dates a year before.
period = "year"

[potential]
# Where no stated potential exists, the estimate used: auto (per business line, the method that
# agrees best with the stated figures), peer (a high quantile of spend among similar customers),
# drivers (driver x usage rate) or topdown (territory market allocated).
method = "auto"
# Scale the fitted methods to the stated potentials (where min_pairs customers have both).
calibrate = true
min_pairs = 30
# Correct rep estimates by each rep's measured bias (median of stated / model).
debias_reps = true
min_rep_estimates = 5
quantile = 0.8
usage_quantile = 0.9
disagreement_factor = 3.0
# drivers = {{ building = "driver_m2" }}          # the driver of each business line
# usage_rates = {{ building = 12.5 }}             # value per driver unit, instead of learning it
# topdown_weights = {{ driver_employees = 0.5, driver_m2 = 0.3, driver_outlets = 0.2 }}
territory_weights = {{ buying_income = 0.5, retail_sales = 0.3, population = 0.2 }}

[abc]
# pareto: A up to 80 % of the cumulative total, B up to 95 %; computed: Ultsch & Lötsch (2015).
method = "pareto"
cutoffs = [0.8, 0.95]
# Share-of-wallet classes: thresholds (B from 20 %, A from 50 %), or pareto / computed.
share_method = "thresholds"
share_thresholds = [0.2, 0.5]

[abc.actions]
# The recommended action of a cell of the ABC matrix, keyed by the classes by purchases,
# potential and share of wallet. Uncomment to override the built-in table, for example:
# CAC = "grow share: priority visit plan"

[clv]
# Purchase model: bgnbd (BG/NBD) or pareto (Pareto/NBD); margin per purchase: Gamma-Gamma.
model = "bgnbd"
# A small L2 penalty (e.g. 0.001) helps a fit that does not converge; 0 = plain maximum likelihood.
penalizer = 0.0
# Fit on customers acquired inside the sales history (acquired_in_history) or on all.
fit_customers = "acquired_in_history"
# Historical value: full years besides the year to date, and the yearly rate that brings a past
# year's margin to today's money.
history_years = 5
history_rate = 0.08
# Weights of the full years in the weighted profit, the most recent first (normalised to sum 1).
# history_weights = [0.35, 0.25, 0.20, 0.12, 0.08]
# Monthly discount rate of the predicted 12- and 36-month margin.
monthly_rate = 0.01
# Opportunity: the share of wallet to reach. Offer budget: this share of the 12-month margin.
target_share = 0.5
budget_share = 0.10
# Validation: weeks before the as-of date held out of the calibration.
holdout_weeks = 26

[currencies]
# Other currencies your files may use: units of that currency per 1 {currency}.
# USD = 1.08
"""
