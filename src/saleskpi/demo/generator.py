"""The demo company: a seeded, vectorised generator of every input table and of the hidden truth.

A Bulgarian distributor of building materials (insulation, drywall, dry mixes, paints) with
customers in the 28 oblasts. Everything follows from ``DemoSpec(customers, years, seed, end)``
through ``numpy.random.default_rng`` streams derived from the seed, so the same spec always
gives the same tables, whatever the consumer does with them.

How the company works (the generative model; docs/demo.md has the long version):

* Each customer firm has a **true wallet** (potential) per business line and calendar year:
  an industry usage rate × the firm's sizing driver (employees, or m² for retailers) × noise,
  moved by market growth, the firm's own trend and the year's prices.
* The customer buys from us a **true share of wallet** per line and year (a logistic function
  of the line, its satisfaction, its rep's competencies and persistent noise). Expected
  purchases while active = share × potential; yearly purchases never exceed the potential
  except for a few documented one-off project orders (``truth_outliers``).
* When it buys follows **BG/NBD** (Fader, Hardie & Lee 2005, Marketing Science 24(2)):
  purchases are Poisson with rate λ ~ Gamma(r, α) per week; after each repeat purchase the
  customer drops out with probability p ~ Beta(a, b). λ is tied to size and p to
  dissatisfaction through Gaussian copulas, which keep the marginals exactly Gamma and Beta.
  Time runs in *operational* weeks (the building season and weekdays warp the calendar;
  an operational year has as many operational weeks as a calendar year).
* Each purchase is an invoice with 1 + Poisson(μ) lines; value per line is set so that the
  yearly expectation is share × potential; products follow popularity within the customer's
  assortment breadth; prices change every 1 January; customers get a size discount; cost
  follows the category margin. Before 2026-01-01 invoices are in BGN, afterwards in EUR.
* A loyalty programme starts 40 % into the history; heavier buyers enrol sooner; a member's
  spend per purchase rises by a true lift (larger for light buyers).
* Surveys go to a random sample and to customers the reps pick (happier ones); whether a
  customer answers depends on its satisfaction and size.

Public entry points: :class:`DemoSpec` and :func:`generate`, which yields ``(table_name,
pyarrow.Table)`` pairs, the input tables in the data contract's types and the ``truth_*``
tables. Sales come in several chunks (one per block of customers) so a very large company can
be written out without holding all its invoice lines in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import special, stats

from saleskpi.config import BGN_PER_EUR
from saleskpi.data.schema import TABLES
from saleskpi.demo import catalogue as cat
from saleskpi.demo import places
from saleskpi.errors import UsageError

#: Population parameters of the purchase process (BG/NBD), time unit one week.
CLV_R, CLV_ALPHA, CLV_A, CLV_B = 1.4, 3.0, 0.7, 80.0
#: Copula correlations: purchase rate with firm size, dropout with satisfaction.
RATE_SIZE_RHO, DROPOUT_SATISFACTION_RHO = 0.5, -0.4
#: Customers per chunk of invoice lines. Fixed (not a parameter) so the tables never depend
#: on how they are consumed.
CHUNK_CUSTOMERS = 5000
#: Bulgaria adopts the euro: invoices from this day are in EUR, before it in BGN.
EURO_DAY = dt.date(2026, 1, 1)
#: Years of customer history before the window (old customers were acquired in it).
PRE_YEARS = 4
#: Satisfaction attributes: true weight in satisfaction, mean stated importance (1-5).
ATTRIBUTES: tuple[tuple[str, float, float], ...] = (
    ("delivery", 0.38, 4.0),
    ("quality", 0.27, 4.5),
    ("service", 0.20, 3.9),
    ("range", 0.10, 3.6),
    ("price", 0.05, 4.7),
)
#: Competencies: true effect of one scale point (above 3 of 5) on the share-of-wallet logit
#: of the rep's customers.
COMPETENCIES: tuple[tuple[str, float], ...] = (
    ("product_knowledge", 0.10),
    ("negotiation", 0.12),
    ("customer_focus", 0.08),
    ("planning", 0.04),
    ("communication", 0.02),
    ("crm_discipline", 0.00),
)
#: Loyalty programme: points per EUR, points per reward, reward cost per point in EUR.
POINTS_PER_EUR, REDEEM_BLOCK, COST_PER_POINT_EUR = 1.0, 500, 0.006
#: Share of invoice lines returned later (credit notes), and of line×year pairs with a
#: one-off project order above the customer's potential.
RETURN_RATE, OUTLIER_RATE = 0.015, 0.002
#: Response to a random survey invitation: logit = c0 + c1 × satisfaction + c2 × size (z).
RESPONSE_LOGIT = (-0.6, 0.5, 0.3)
#: Gaming planted in the demo (``truth_gaming``, docs/demo.md): one field rep dates the orders of
#: the first PULL_DAYS days of a year on the last working days of the year before, at PULL_DISCOUNT
#: more off, and has a turnover target that those orders just carry past 100 % (PULL_ATTAINMENT),
#: the example plan's accelerator. PULL_WINDOW is how many days before the year's end they land in.
PULL_DAYS, PULL_DISCOUNT, PULL_ATTAINMENT, PULL_WINDOW = 45, 0.10, 1.02, 7
#: Public holidays (month, day) without invoices.
HOLIDAYS = ((1, 1), (3, 3), (5, 1), (5, 6), (5, 24), (9, 6), (9, 22), (12, 24), (12, 25), (12, 26))

_STREAMS = ("territories", "customers", "reps", "process", "shares", "prices", "loyalty",
            "surveys", "potential", "targets", "competencies", "sales", "names", "market", "gaming")


@dataclass(frozen=True)
class DemoSpec:
    """Size and seed of a demo company. The history runs ``years`` years up to ``end``."""

    customers: int = 2000
    years: int = 5
    seed: int = 7
    end: dt.date = dt.date(2026, 10, 31)
    #: Multiplies the mean number of extra lines per invoice (1 + Poisson(μ)); values and the
    #: truth do not change, only how finely purchases are split into lines.
    basket_scale: float = 1.0
    #: Plant a gaming rep (``truth_gaming``, docs/demo.md). Off by default: it moves invoice dates and
    #: so every figure the docs quote of the demo company.
    gaming: bool = False
    #: Customers per field rep (the reps table's size; key-account managers are among them). The
    #: default 50 is the demo company; benchmarks of larger territories per rep raise it.
    customers_per_rep: int = 50

    def __post_init__(self) -> None:
        _check_int("customers", self.customers, 50, 999_999)
        _check_int("customers_per_rep", self.customers_per_rep, 5, 100_000)
        _check_int("years", self.years, 1, 20)
        _check_int("seed", self.seed, 0, 2**63 - 1)
        if not isinstance(self.end, dt.date) or not dt.date(2000, 1, 1) <= self.end <= dt.date(2100, 1, 1):
            raise UsageError(f"The 'end' parameter of the demo must be a date between 2000-01-01 "
                             f"and 2100-01-01. Got {self.end!r} instead.")
        if not isinstance(self.basket_scale, (int, float)) or not 0 < self.basket_scale <= 10:
            raise UsageError(f"The 'basket_scale' parameter of the demo must be a number in (0, 10]. "
                             f"Got {self.basket_scale!r} instead.")

    @property
    def start(self) -> dt.date:
        """First day of the history (the day after ``end`` minus ``years`` years)."""
        try:
            back = self.end.replace(year=self.end.year - self.years)
        except ValueError:  # 29 February
            back = self.end.replace(year=self.end.year - self.years, day=28)
        return back + dt.timedelta(days=1)


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise UsageError(f"The '{name}' parameter of the demo must be an integer between {low} "
                         f"and {high}. Got {value!r} instead.")


INPUT_TABLES = ("territories", "teams", "reps", "customers", "products", "sales", "potential",
                "survey_invitations", "surveys", "loyalty_members", "loyalty_events", "targets",
                "competency_assessments")
TRUTH_TABLES = ("truth_potential", "truth_share_of_wallet", "truth_customers", "truth_clv_params",
                "truth_market", "truth_rep_bias", "truth_reps", "truth_competency_effect",
                "truth_satisfaction", "truth_survey_waves", "truth_attribute_importance",
                "truth_loyalty", "truth_outliers", "truth_gaming", "truth_summary")


def generate(spec: DemoSpec | None = None, *, tables: Iterable[str] | None = None,
             **kwargs) -> Iterator[tuple[str, pa.Table]]:
    """Generate the demo company table by table.

    ``spec`` (or the keyword arguments of :class:`DemoSpec`: customers, years, seed, end)
    fixes the company. ``tables`` limits the output to these names (default: every input and
    truth table); the rest is still simulated where other tables depend on it.

    Yields ``(name, table)`` pairs in an order where referenced tables come first. ``sales``
    and ``loyalty_events`` may come in several chunks (same name, consecutive); all other
    names come once. Input tables use the data contract's column names and types
    (money DECIMAL(18,2), quantities DECIMAL(18,3), prices DECIMAL(18,4)); amounts are in
    the row's ``currency`` (BGN before 2026-01-01). Truth tables are in EUR.
    """
    if spec is None:
        spec = DemoSpec(**kwargs)
    elif kwargs:
        raise UsageError("Give either a DemoSpec or its fields (customers, years, seed, end), not both.")
    known = set(INPUT_TABLES) | set(TRUTH_TABLES)
    wanted = set(known if tables is None else tables)
    unknown = wanted - known
    if unknown:
        raise UsageError(f"The demo has no table(s) {', '.join(sorted(unknown))}. "
                         f"Tables: {', '.join(INPUT_TABLES + TRUTH_TABLES)}.")
    return _Company(spec).tables(wanted)


# --------------------------------------------------------------------------------------------
# helpers


def _arrow(name: str, columns: dict[str, object]) -> pa.Table:
    """A pyarrow table of an input table with the contract's types (extras as DOUBLE)."""
    tbl = TABLES[name]
    fields, arrays = [], []
    for col_name, values in columns.items():
        if col_name in tbl.column_names:
            kind = tbl.column(col_name).type
        elif tbl.is_extra(col_name):
            kind = "number"
        else:
            raise KeyError(f"{name}.{col_name} is not in the data contract")
        typ = _ARROW_TYPES[kind]
        arrays.append(_to_arrow(values, typ))
        fields.append(pa.field(col_name, typ))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


_ARROW_TYPES = {
    "string": pa.string(), "integer": pa.int64(), "quantity": pa.decimal128(18, 3),
    "money": pa.decimal128(18, 2), "price": pa.decimal128(18, 4), "number": pa.float64(),
    "date": pa.date32(), "boolean": pa.bool_(),
}


def _to_arrow(values, typ: pa.DataType) -> pa.Array:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.cast(typ) if values.type != typ else values
    if pa.types.is_decimal(typ):
        arr = np.asarray(values, dtype=float)
        # Round in float first so the cast to decimal is exact (no precision is lost).
        return pa.array(np.round(arr, typ.scale), mask=np.isnan(arr)).cast(typ)
    if typ == pa.date32():
        return pa.array(np.asarray(values, dtype="datetime64[D]"), type=pa.date32())
    if isinstance(values, np.ndarray) and values.dtype.kind == "f" and typ == pa.int64():
        return pa.array(values, mask=np.isnan(values)).cast(typ)
    return pa.array(values, type=typ)


def _truth(columns: dict[str, object]) -> pa.Table:
    """A truth table; arrays keep their natural types (dates as date32)."""
    arrays = {}
    for k, v in columns.items():
        if isinstance(v, np.ndarray) and v.dtype.kind == "M":
            arrays[k] = pa.array(v.astype("datetime64[D]"), type=pa.date32())
        elif isinstance(v, np.ndarray) and v.dtype.kind == "f":
            arrays[k] = pa.array(v, mask=np.isnan(v))
        else:
            arrays[k] = pa.array(v) if not isinstance(v, pa.Array) else v
    return pa.table(arrays)


def _ids(prefix: str, n: int, width: int) -> pa.Array:
    return pa.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], type=pa.string())


def _prefixed(prefix: str, numbers: np.ndarray) -> pa.Array:
    """Strings ``prefix + str(number)`` for an int64 array, vectorised in Arrow."""
    return pc.binary_join_element_wise(prefix, pa.array(numbers, type=pa.int64()).cast(pa.string()), "")


def _logistic(x):
    return special.expit(x)


def _round_half(x: np.ndarray) -> np.ndarray:
    return np.round(x * 2.0) / 2.0


def _group_rank(keys: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal (sorted) keys: 0, 1, 2 ..."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(keys[1:] != keys[:-1]) + 1]
    counts = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, counts)


# --------------------------------------------------------------------------------------------
# the company


class _Company:
    """All the state of one demo company; properties are computed once, in dependency order."""

    def __init__(self, spec: DemoSpec):
        self.spec = spec
        seeds = np.random.SeedSequence(spec.seed).spawn(len(_STREAMS))
        self._seeds = dict(zip(_STREAMS, seeds))
        self.N = spec.customers
        self.start = spec.start
        self.end = spec.end
        self.years = np.arange(self.start.year, self.end.year + 1)
        self.ny = len(self.years)
        self.L = len(cat.BUSINESS_LINES)
        self.lines = [b[0] for b in cat.BUSINESS_LINES]
        self.cust_width = max(5, len(str(self.N)))
        self.outliers: list[dict] = []
        #: The gaming rep's turnover (EUR) in the gaming year and in its last PULL_WINDOW days,
        #: summed over the sales chunks (the target is set from them).
        self.gaming_value = self.gaming_window = 0.0

    def rng(self, name: str, *extra: int) -> np.random.Generator:
        seq = self._seeds[name]
        if extra:
            seq = np.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key + tuple(extra))
        return np.random.default_rng(seq)

    # --- calendar ----------------------------------------------------------------------

    @cached_property
    def cal(self) -> dict:
        """Calendar days, their operational-time intensity and cumulative operational time."""
        first = np.datetime64(self.start, "D") - np.timedelta64(PRE_YEARS * 365, "D")
        last = np.datetime64(dt.date(self.end.year, 12, 31), "D")
        days = np.arange(first, last + np.timedelta64(1, "D"))
        months = days.astype("datetime64[M]")
        month = months.astype(int) % 12
        dom = (days - months.astype("datetime64[D]")).astype(int) + 1
        weekday = (days.astype(int) + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
        w = np.asarray(cat.SEASONALITY)[month] * np.array([1, 1, 1, 1, 1, 0.12, 0.0])[weekday]
        for m, d in HOLIDAYS:
            w[(month == m - 1) & (dom == d)] = 0.0
        w *= len(w) / w.sum()  # one operational day per calendar day on average
        cum = np.cumsum(w)
        year = months.astype("datetime64[Y]").astype(int) + 1970
        ymd = year.astype(np.int64) * 10000 + (month + 1) * 100 + dom
        idx = {"start": self._day(self.start, first), "end": self._day(self.end, first),
               "euro": self._day(EURO_DAY, first)}
        op_start = cum - w  # operational time at the start of each day
        year_first = {int(y): self._day(dt.date(int(y), 1, 1), first) for y in self.years}
        year_len = np.zeros(len(self.years))
        for k, y in enumerate(self.years):
            a = op_start[year_first[int(y)]]
            b = op_start[year_first[int(y) + 1]] if int(y) + 1 in year_first else cum[-1]
            year_len[k] = b - a
        return {"first": first, "days": days, "w": w, "cum": cum, "op_start": op_start,
                "year": year, "month_no": months.astype(int), "ymd": ymd, "idx": idx,
                "year_first": year_first, "year_len": year_len,
                "U0": op_start[idx["start"]], "U1": cum[idx["end"]]}

    @staticmethod
    def _day(d: dt.date, first: np.datetime64) -> int:
        return int((np.datetime64(d, "D") - first).astype(int))

    def day_of(self, u: np.ndarray) -> np.ndarray:
        """Calendar day index of operational times ``u``."""
        return np.searchsorted(self.cal["cum"], u, side="right")

    def year_index(self, day: np.ndarray) -> np.ndarray:
        return self.cal["year"][day] - self.years[0]

    def dates(self, day: np.ndarray) -> np.ndarray:
        return self.cal["first"] + day.astype("timedelta64[D]")

    def overlap(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Operational length of [a, b) within each calendar year of the window, shape (n, ny),
        as a fraction of that year's operational length."""
        c = self.cal
        U0, U1 = c["U0"], c["U1"]
        out = np.zeros((len(a), self.ny))
        for k, y in enumerate(self.years):
            ys = max(c["op_start"][c["year_first"][int(y)]], U0)
            nxt = c["year_first"].get(int(y) + 1)
            ye = min(c["op_start"][nxt] if nxt is not None else c["cum"][-1], U1)
            out[:, k] = np.clip(np.minimum(b, ye) - np.maximum(a, ys), 0, None) / c["year_len"][k]
        return out

    # --- products and prices -------------------------------------------------------------

    @cached_property
    def products(self) -> dict:
        rng = self.rng("prices")
        line_of_cat = {c: l for l, c, _ in cat.CATEGORIES}
        margin_of_cat = {c: m for _, c, m in cat.CATEGORIES}
        rows = []
        for category, name, price, pop, target, launch in cat.PRODUCTS:
            for brand, pf, popf in cat.BRANDS:
                rows.append((line_of_cat[category], category, f"{name} {brand}", price * pf, pop * popf,
                             target, launch, margin_of_cat[category] + (0.04 if pf > 1 else 0.0)))
        n = len(rows)
        line = np.array([self.lines.index(r[0]) for r in rows])
        base = np.array([r[3] for r in rows])
        # Yearly price index per line, 1.0 in the final year, built backwards.
        changes = np.array([cat.PRICE_CHANGES.get(int(y), cat.DEFAULT_PRICE_CHANGE) for y in self.years])
        index = np.ones((self.L, self.ny))
        for li, code in enumerate(self.lines):
            step = 1 + cat.PRICE_SENSITIVITY[code] * changes + rng.normal(0, 0.01, self.ny)
            for k in range(self.ny - 2, -1, -1):
                index[li, k] = index[li, k + 1] / step[k + 1]
        list_eur = np.round(base[:, None] * index[line], 2)  # (product, year)
        launch_year = np.array([self.years[-1] + r[6] if r[6] is not None else -9999 for r in rows])
        avail = self.years[None, :] >= launch_year[:, None]
        pop = np.array([r[4] for r in rows])
        since = np.clip(self.years[None, :] - launch_year[:, None], 0, 3)
        is_target = np.array([r[5] for r in rows])
        weight = pop[:, None] * np.where(is_target[:, None] & (launch_year[:, None] > 0), 1 + 0.5 * since, 1.0)
        weight = np.where(avail, weight, 0.0)
        # Popularity-weighted list price of each line and year: the price level of the wallet.
        level = np.zeros((self.L, self.ny))
        for li in range(self.L):
            m = line == li
            level[li] = (weight[m] * list_eur[m]).sum(0) / weight[m].sum(0)
        return {"n": n, "rows": rows, "line": line, "list_eur": list_eur,
                "list_bgn": np.round(list_eur * BGN_PER_EUR, 2), "weight": weight,
                "is_target": is_target, "margin": np.array([r[7] for r in rows]),
                "level": level, "index": index, "launch_year": launch_year}

    @cached_property
    def product_choice(self) -> dict:
        """Per line and year: products ordered by popularity and their cumulative weights."""
        P = self.products
        order, cum = {}, {}
        for li in range(self.L):
            members = np.flatnonzero(P["line"] == li)
            for k in range(self.ny):
                w = P["weight"][members, k]
                o = np.argsort(-w, kind="stable")
                order[li, k] = members[o]
                cum[li, k] = np.cumsum(w[o])
        return {"order": order, "cum": cum}

    # --- territories ---------------------------------------------------------------------

    @cached_property
    def territories(self) -> dict:
        rng = self.rng("territories")
        codes = [o[0] for o in places.OBLASTS]
        pop = np.array([o[2] for o in places.OBLASTS], dtype=float)
        inc = np.array([o[3] for o in places.OBLASTS])
        income = pop * 7200.0 * inc * np.exp(rng.normal(0, 0.03, len(pop)))
        retail = pop * 3400.0 * inc ** 1.25 * np.exp(rng.normal(0, 0.05, len(pop)))
        firms = np.round(pop * 0.055 * inc ** 0.8 * np.exp(rng.normal(0, 0.05, len(pop))))
        dwellings = np.round(pop * 0.0028 * inc ** 1.6 * np.exp(rng.normal(0, 0.2, len(pop))))
        permits = np.round(dwellings * 0.22 * np.exp(rng.normal(0, 0.15, len(pop))))
        bpi = 0.5 * income / income.sum() + 0.3 * retail / retail.sum() + 0.2 * pop / pop.sum()
        # Where the company's customers sit: buying power with a little noise.
        attract = bpi * np.exp(rng.normal(0, 0.15, len(bpi)))
        return {"codes": codes, "names": [o[1] for o in places.OBLASTS], "pop": pop,
                "income": income, "retail": retail, "firms": firms, "dwellings": dwellings,
                "permits": permits, "bpi": bpi, "attract": attract / attract.sum(),
                "region": [o[4] for o in places.OBLASTS], "cities": [o[5] for o in places.OBLASTS]}

    # --- customers -----------------------------------------------------------------------

    @cached_property
    def customers(self) -> dict:
        rng = self.rng("customers")
        N, T = self.N, self.territories
        c = self.cal
        # Acquisition: old customers before the window, new ones during it (growing intake).
        n_new = int(round(N * self.spec.years / (self.spec.years + 6)))
        n_old = N - n_new
        u_old = rng.uniform(c["op_start"][0], c["U0"], n_old)
        g, span = 0.12 / 365.0, c["U1"] - c["U0"]
        u_new = c["U0"] + np.log1p(rng.random(n_new) * np.expm1(g * span * 0.98)) / g
        u_acq = np.sort(np.r_[u_old, u_new])  # ids follow acquisition order, as in an ERP
        acq_day = self.day_of(u_acq)
        in_window = u_acq >= c["U0"]
        # Size: Pareto-tailed latent size; drivers follow from it by industry.
        size = np.minimum((1 - rng.random(N)) ** (-1 / 1.3), 400.0)
        ind_p = np.array([i[1] for i in cat.INDUSTRIES])
        industry = rng.choice(len(cat.INDUSTRIES), N, p=ind_p / ind_p.sum())
        is_retail = np.array([i[2] == "m2" for i in cat.INDUSTRIES])[industry]
        noise = np.exp(rng.normal(0, 0.25, (N, 3)))
        m2_retail = 120.0 * size * noise[:, 0]
        emp_other = 2.0 + 4.0 * size * noise[:, 0]
        employees = np.where(is_retail, 2.0 + m2_retail / 80.0 * noise[:, 1], emp_other)
        m2 = np.where(is_retail, m2_retail, 25.0 * emp_other * noise[:, 1])
        employees, m2 = np.round(employees), np.round(m2)
        outlets = 1 + rng.poisson(0.12 * size)
        driver = np.where(is_retail, m2, employees)
        size_band = np.select([employees < 10, employees < 50, employees < 250], ["S", "M", "L"], "XL")
        size_pct = stats.rankdata(size, method="ordinal") / N
        # Territory, city.
        terr = rng.choice(len(T["codes"]), N, p=T["attract"])
        city = np.empty(N, dtype=object)
        u = rng.random(N)
        for t, cities in enumerate(T["cities"]):
            m = terr == t
            cw = np.r_[0.55, np.full(len(cities) - 1, 0.45 / (len(cities) - 1))]
            city[m] = np.asarray(cities, dtype=object)[np.searchsorted(np.cumsum(cw), u[m] * 0.999999)]
        # Satisfaction from attribute perceptions with a halo (common) factor.
        K = len(ATTRIBUTES)
        halo = rng.normal(0, 1, N)
        attr = 0.55 * halo[:, None] + np.sqrt(1 - 0.55**2) * rng.normal(0, 1, (N, K))
        wts = np.array([a[1] for a in ATTRIBUTES])
        cov = 0.55**2 + (1 - 0.55**2) * np.eye(K)
        sat = (attr @ wts + rng.normal(0, 0.5, N)) / np.sqrt(wts @ cov @ wts + 0.25)
        # Purchase process parameters through Gaussian copulas (exact Gamma / Beta marginals).
        z_size = (np.log(size) - np.log(size).mean()) / np.log(size).std()
        z1 = RATE_SIZE_RHO * z_size + np.sqrt(1 - RATE_SIZE_RHO**2) * rng.normal(0, 1, N)
        z2 = DROPOUT_SATISFACTION_RHO * sat + np.sqrt(1 - DROPOUT_SATISFACTION_RHO**2) * rng.normal(0, 1, N)
        lam = stats.gamma.ppf(stats.norm.cdf(z1), CLV_R, scale=1.0 / CLV_ALPHA)
        p = np.clip(stats.beta.ppf(stats.norm.cdf(z2), CLV_A, CLV_B), 1e-9, 1 - 1e-9)
        discount = np.clip(0.02 + 0.10 * size_pct + rng.normal(0, 0.01, N), 0, 0.15)
        breadth = np.clip(0.45 + 0.35 * size_pct + rng.normal(0, 0.12, N), 0.3, 1.0)
        # Extra lines per invoice, per business line bought (larger firms order wider baskets).
        mu_lines = (1.0 + 0.9 * (0.6 + 0.4 * size_pct)) * self.spec.basket_scale
        names = self._customer_names(rng)
        return {"u_acq": u_acq, "acq_day": acq_day, "in_window": in_window, "size": size,
                "size_pct": size_pct, "industry": industry, "employees": employees, "m2": m2,
                "outlets": outlets, "driver": driver, "size_band": size_band, "terr": terr,
                "city": city, "sat": sat, "attr": attr, "halo": halo, "lam": lam, "p": p,
                "discount": discount, "breadth": breadth, "mu_base": mu_lines, "names": names,
                "z_size": z_size}

    def _customer_names(self, rng: np.random.Generator) -> list[str]:
        n = self.N
        picks = zip(rng.integers(0, len(places.NAME_ROOTS), n), rng.integers(0, len(places.NAME_ENDINGS), n),
                    rng.integers(0, len(places.NAME_PLACES), n), rng.integers(0, len(places.LEGAL_FORMS), n))
        out = []
        for a, b, c, d in picks:
            ending = places.NAME_ENDINGS[b]
            joined = places.NAME_ROOTS[a] + (ending if ending[0].islower() else " " + ending)
            out.append(joined + places.NAME_PLACES[c] + places.LEGAL_FORMS[d])
        return out

    # --- reps and teams ------------------------------------------------------------------

    @cached_property
    def reps(self) -> dict:
        rng = self.rng("reps")
        C, T = self.customers, self.territories
        N = self.N
        region_of_terr = np.array([[r[0] for r in places.PLANNING_REGIONS].index(reg) for reg in T["region"]])
        cust_team = region_of_terr[C["terr"]]
        n_teams = len(places.PLANNING_REGIONS)
        n_field = max(n_teams, int(round(N / self.spec.customers_per_rep)))
        team_n = np.bincount(cust_team, minlength=n_teams)
        alloc = np.maximum(1, np.round(n_field * team_n / N)).astype(int)
        alloc[team_n == 0] = 0
        total_pot = self.base_value.sum(1)
        rows: list[tuple[int, str]] = []  # (team, role)
        rep_of_cust = np.full(N, -1)
        for t in range(n_teams):
            rows.append((t, "manager"))
        for t in range(n_teams):
            members = np.flatnonzero(cust_team == t)
            if len(members) == 0:
                continue
            k = alloc[t]
            n_kam = int(k * 0.15) if k >= 4 else 0
            order = members[np.argsort(-total_pot[members], kind="stable")]
            kam_cust = order[: n_kam * 20]
            rest = np.setdiff1d(members, kam_cust)
            for j in range(n_kam):
                rid = len(rows)
                rows.append((t, "key_account_manager"))
                rep_of_cust[kam_cust[j::n_kam]] = rid
            # Field reps cover neighbouring customers: sort by territory and city, cut evenly.
            rest = rest[np.lexsort((rng.random(len(rest)), C["city"][rest].astype(str), C["terr"][rest]))]
            n_rep = k - n_kam
            for block in np.array_split(rest, n_rep):
                rid = len(rows)
                rows.append((t, "rep"))
                rep_of_cust[block] = rid
        rows.append((-1, "director"))
        n = len(rows)
        team = np.array([r[0] for r in rows])
        role = np.array([r[1] for r in rows], dtype=object)
        # Home territory: where most of the rep's customers are; managers sit in the team's oblast.
        centre = {i: [o[0] for o in places.OBLASTS].index(r[3]) for i, r in enumerate(places.PLANNING_REGIONS)}
        nt = len(T["codes"])
        counts = np.bincount(rep_of_cust * nt + C["terr"], minlength=n * nt).reshape(n, nt)
        home = np.where(counts.sum(1) > 0, counts.argmax(1),
                        np.array([centre.get(int(t), -1) for t in team]))
        # Competencies and their effect; estimate bias.
        K = len(COMPETENCIES)
        ability = rng.normal(0, 1, n)
        comp = np.clip(3.0 + 0.55 * ability[:, None] + 0.45 * rng.normal(0, 1, (n, K)), 1.0, 5.0)
        beta = np.array([c[1] for c in COMPETENCIES])
        effect = (comp - 3.0) @ beta
        kam = role == "key_account_manager"
        bias = np.exp(np.where(kam, rng.normal(0, 0.12, n), rng.normal(0, 0.25, n)))
        noise_sigma = rng.uniform(0.15, 0.35, n)
        male = rng.random(n) < 0.55
        first = np.where(male, rng.choice(places.MALE_FIRST, n), rng.choice(places.FEMALE_FIRST, n))
        last = rng.choice(places.SURNAMES, n)
        last = np.array([s if m else s + "а" for s, m in zip(last, male)], dtype=object)
        hired = np.datetime64(self.start, "D") - rng.integers(180, 12 * 365, n).astype("timedelta64[D]")
        return {"n": n, "team": team, "role": role, "home": home, "rep_of_cust": rep_of_cust,
                "comp": comp, "effect": effect, "bias": bias, "noise_sigma": noise_sigma,
                "first": first, "last": last, "hired": hired, "cust_team": cust_team,
                "width": max(3, len(str(n)))}

    # --- wallets and shares --------------------------------------------------------------

    @cached_property
    def base_value(self) -> np.ndarray:
        """Wallet per customer and line at final-year list prices, EUR/year, shape (N, L)."""
        rng = self.rng("shares", 0)
        C = self.customers
        usage = np.array([i[3] for i in cat.INDUSTRIES])[C["industry"]]  # (N, L)
        sigma = 0.35
        return usage * C["driver"][:, None] * np.exp(rng.normal(-sigma**2 / 2, sigma, (self.N, self.L)))

    @cached_property
    def wallet(self) -> dict:
        """True potential (value, volume) and share of wallet per customer, year and line."""
        rng = self.rng("shares", 1)
        C, P = self.customers, self.products
        N, L, ny = self.N, self.L, self.ny
        rel = (self.years - self.years[-1]).astype(float)
        trend = rng.normal(0.02, 0.04, N)
        vol_factor = (1.025 ** rel)[None, :, None] * np.exp(trend[:, None, None] * rel[None, :, None]) \
            * np.exp(rng.normal(0, 0.05, (N, ny, L)))
        base_vol = self.base_value / P["level"][:, -1][None, :]
        pot_volume = base_vol[:, None, :] * vol_factor  # (N, ny, L)
        net_level = P["level"].T[None, :, :] * (1 - C["discount"])[:, None, None]
        pot_value = pot_volume * net_level
        # Which lines the customer buys from us at all (at least one).
        buy_p = np.array([b[4] for b in cat.BUSINESS_LINES])[None, :] * (0.75 + 0.25 * C["size_pct"][:, None])
        buys = rng.random((N, L)) < buy_p
        best = np.argmax(self.base_value * rng.random((N, L)), axis=1)
        buys[np.arange(N), best] = True
        mu = np.array([b[3] for b in cat.BUSINESS_LINES])
        rep_effect = self.reps["effect"][self.reps["rep_of_cust"]]
        persistent = rng.normal(0, 0.6, N)[:, None] + rng.normal(0, 0.35, (N, L))
        drift = np.cumsum(rng.normal(0, 0.12, (N, ny, L)), axis=1)
        logit = mu[None, None, :] + 0.5 * C["sat"][:, None, None] + rep_effect[:, None, None] \
            + persistent[:, None, :] + drift
        share = 0.85 * _logistic(logit) * buys[:, None, :]
        # The same share without the rep's effect: what a plan built on averages expects.
        plan_share = 0.85 * _logistic(logit - rep_effect[:, None, None]) * buys[:, None, :]
        return {"pot_value": pot_value, "pot_volume": pot_volume, "share": share, "buys": buys,
                "plan_share": plan_share, "net_level": net_level}

    # --- purchase process ----------------------------------------------------------------

    @cached_property
    def process(self) -> dict:
        """BG/NBD draws per customer: dropout, churn time and what the sales chunks need."""
        rng = self.rng("process")
        C, c = self.customers, self.cal
        N = self.N
        lam_day = C["lam"] / 7.0
        J = rng.geometric(C["p"]).astype(np.int64)  # repeat purchases up to and incl. dropout
        u_acq, old = C["u_acq"], ~C["in_window"]
        death = np.full(N, np.inf)
        # Before the window (old customers): did they drop out already?
        L1 = np.where(old, c["U0"] - u_acq, 0.0)
        N1 = rng.poisson(lam_day * L1)
        died_before = old & (N1 >= J)
        bb = rng.beta(np.maximum(J, 1), np.maximum(N1 - J + 1, 1))
        death = np.where(died_before, u_acq + L1 * bb, death)
        j_left = np.where(old, J - N1, J)
        # In the window.
        u_from = np.where(old, c["U0"], u_acq)
        L2 = c["U1"] - u_from
        N2 = np.where(died_before, 0, rng.poisson(lam_day * L2))
        dies = ~died_before & (N2 >= j_left)
        bb2 = rng.beta(np.maximum(j_left, 1), np.maximum(N2 - j_left + 1, 1))
        death = np.where(dies, u_from + L2 * bb2, death)
        n_draw = np.where(died_before, 0, np.where(dies, j_left - 1, N2))
        span = np.where(dies, death - u_from, L2)
        active_from = np.where(died_before, np.inf, u_from)
        active_to = np.where(died_before, -np.inf, np.minimum(death, c["U1"]))
        return {"J": J, "death": death, "died_before": died_before, "dies": dies,
                "n_draw": n_draw.astype(np.int64), "span": span, "u_from": u_from,
                "active_from": active_from, "active_to": active_to,
                "alive_end": ~np.isfinite(death)}

    @cached_property
    def activity(self) -> np.ndarray:
        """Fraction of each window year the customer is active (N, ny)."""
        P = self.process
        a = np.where(np.isfinite(P["active_from"]), P["active_from"], 0.0)
        b = np.where(np.isfinite(P["active_from"]), P["active_to"], 0.0)
        return self.overlap(a, b)

    # --- loyalty programme ---------------------------------------------------------------

    @cached_property
    def loyalty(self) -> dict:
        rng = self.rng("loyalty")
        C, c, P, Wt = self.customers, self.cal, self.process, self.wallet
        N = self.N
        s, e = c["idx"]["start"], c["idx"]["end"]
        mid = c["first"] + np.timedelta64(int(s + 0.4 * (e - s)), "D")
        launch_date = mid.astype("datetime64[M]").astype("datetime64[D]")
        launch_day = int((launch_date - c["first"]).astype(int))
        yk = int(self.year_index(np.array([launch_day]))[0])
        value = (Wt["share"][:, yk] * Wt["pot_value"][:, yk]).sum(1)  # expected yearly purchases
        rel = value / max(np.median(value[value > 0]), 1e-9) if (value > 0).any() else value
        hazard = 0.55 * np.sqrt(np.maximum(rel, 1e-6))  # per year: heavier buyers join sooner
        eligible_day = np.maximum(launch_day, C["acq_day"])
        delay = np.ceil(rng.exponential(1.0, N) / hazard * 365.0)
        enrol_day = np.minimum(eligible_day + delay, 10**8).astype(np.int64)
        # Members enrol on a working day: move to the next day with invoices.
        w = c["w"]
        for _ in range(7):
            closed = enrol_day < len(w)
            closed[closed] = w[enrol_day[closed]] == 0
            enrol_day = enrol_day + closed
        death_day = np.where(np.isfinite(P["death"]), self.day_of(np.where(np.isfinite(P["death"]), P["death"], 0)), 10**9)
        member = (enrol_day < np.minimum(death_day, e)) & (value > 0)
        enrol_day = np.where(member, enrol_day, -1)
        q = stats.rankdata(value) / N
        lift = np.clip(0.06 + 0.20 * (1 - q) + rng.normal(0, 0.02, N), 0.0, 0.4) * member
        u_enrol = np.where(member, c["op_start"][np.clip(enrol_day, 0, len(w) - 1)], np.inf)
        # Tiers by expected purchases among members: top 10 % gold, next 25 % silver.
        tier = np.full(N, "standard", dtype=object)
        if member.any():
            rank = stats.rankdata(value[member]) / member.sum()
            tier[member] = np.select([rank > 0.9, rank > 0.65], ["gold", "silver"], "standard")
        left_day = np.where(member & np.isfinite(P["death"]), death_day + 180, -1)
        left_day = np.where(left_day > e, -1, left_day)
        return {"launch_day": launch_day, "member": member, "enrol_day": enrol_day,
                "u_enrol": u_enrol, "lift": lift, "tier": tier, "left_day": left_day,
                "value_at_launch": value}

    @cached_property
    def member_overlap(self) -> np.ndarray:
        """Fraction of each window year the customer is an active member (N, ny)."""
        P, Lo = self.process, self.loyalty
        a = np.where(Lo["member"], np.maximum(Lo["u_enrol"], np.where(np.isfinite(P["active_from"]), P["active_from"], 0)), 0.0)
        b = np.where(Lo["member"], P["active_to"], 0.0)
        return self.overlap(a, np.maximum(a, b))

    @cached_property
    def expected(self) -> dict:
        """Expected purchases (EUR) per customer, year and line, with and without the lift.

        While active a customer buys share × potential a year, spread over λ purchases a
        year; a customer acquired in the window also makes its first purchase (BG/NBD's
        purchase at time 0), one purchase's worth more in its first year."""
        W, Lo, C = self.wallet, self.loyalty, self.customers
        base = W["share"] * W["pot_value"]
        act = self.activity[:, :, None]
        mem = self.member_overlap[:, :, None]
        with_lift = base * (act + Lo["lift"][:, None, None] * mem)
        new = np.flatnonzero(C["in_window"])
        yk = self.year_index(C["acq_day"][new])
        per_year = C["lam"][new] / 7.0 * self.cal["year_len"][yk]
        with_lift[new, yk] += base[new, yk] / per_year[:, None]
        return {"base": base, "with_lift": with_lift, "member_no_lift": base * mem,
                "member_with_lift": base * mem * (1 + Lo["lift"][:, None, None])}

    @cached_property
    def gaming(self) -> dict | None:
        """The planted gaming: which rep, which year, which days move where (None: not asked for
        (``DemoSpec.gaming``), or the history has no complete year followed by PULL_DAYS days with a
        plan, so nothing is planted)."""
        if not self.spec.gaming:
            return None
        c, R, W = self.cal, self.reps, self.wallet
        for k in self.plan_years[::-1]:
            y = int(self.years[k])
            if y + 1 not in c["year_first"] or dt.date(y, 1, 1) < self.start:
                continue
            pull_from = c["year_first"][y + 1]
            if pull_from + PULL_DAYS - 1 > c["idx"]["end"]:
                continue
            last = np.arange(pull_from - PULL_WINDOW, pull_from)
            dest = last[c["w"][last] > 0.5]  # working days (not weekends or holidays)
            field = np.flatnonzero(R["role"] == "rep")
            if not len(dest) or not len(field):
                return None
            # The field rep with the largest expected turnover in the year: the pattern stands out
            # of the least noise.
            expected = np.bincount(R["rep_of_cust"], weights=(W["share"][:, k] * W["pot_value"][:, k]).sum(1),
                                   minlength=R["n"])
            rep = int(field[np.argmax(expected[field])])
            return {"rep": rep, "k": int(k), "year": y, "year_from": c["year_first"][y], "pull_from": pull_from,
                    "pull_to": pull_from + PULL_DAYS, "dest": dest}
        return None

    def _gaming_rep_on(self, cust: np.ndarray, day: np.ndarray, first: int, stop: int) -> np.ndarray:
        """Which of (customer, day) are the gaming rep's customer on a day in [first, stop) (all
        False when no gaming is planted)."""
        if self.gaming is None:
            return np.zeros(len(cust), dtype=bool)
        return (self.reps["rep_of_cust"][cust] == self.gaming["rep"]) & (day >= first) & (day < stop)

    # --- sales ---------------------------------------------------------------------------

    def sales_chunks(self, want: bool) -> Iterator[pa.Table]:
        """Invoice lines, one table per block of CHUNK_CUSTOMERS customers.

        Also fills ``self.member_month`` (member spend per month, for the loyalty events)."""
        Lo = self.loyalty
        n_months = int(self.cal["month_no"][self.cal["idx"]["end"]] - self.cal["month_no"][self.cal["idx"]["start"]]) + 1
        self.members = np.flatnonzero(Lo["member"])
        self.member_pos = np.full(self.N, -1)
        self.member_pos[self.members] = np.arange(len(self.members))
        self.member_month = np.zeros(len(self.members) * n_months)
        self.n_months = n_months
        for k, c0 in enumerate(range(0, self.N, CHUNK_CUSTOMERS)):
            c1 = min(self.N, c0 + CHUNK_CUSTOMERS)
            out = self._sales_chunk(k, c0, c1, want)
            if want:
                yield out

    def _sales_chunk(self, k: int, c0: int, c1: int, want: bool) -> pa.Table | None:
        rng = self.rng("sales", k)
        C, c, P, W, Pr, Lo = self.customers, self.cal, self.process, self.wallet, self.products, self.loyalty
        cust_ids = np.arange(c0, c1)
        # 1. Purchase times: Poisson arrivals, the dropout purchase, the first purchase.
        cnt = P["n_draw"][c0:c1]
        who = np.repeat(cust_ids, cnt)
        u = P["u_from"][who] + rng.random(len(who)) * P["span"][who]
        dead = cust_ids[P["dies"][c0:c1]]
        new = cust_ids[C["in_window"][c0:c1]]
        who = np.r_[who, dead, new]
        u = np.r_[u, P["death"][dead], C["u_acq"][new]]
        day = self.day_of(u)
        # The planted gaming: the rep's orders of the next year's first days, dated this year.
        G = self.gaming
        pulled = self._gaming_rep_on(who, day, G["pull_from"], G["pull_to"]) if G else np.zeros(len(who), dtype=bool)
        # (not a customer's first purchase: that is its acquisition)
        pulled &= C["acq_day"][who] < (G["dest"][0] if G else 0)
        if pulled.any():
            day[pulled] = self.rng("gaming", k).choice(self.gaming["dest"], int(pulled.sum()))
        # 2. One invoice per customer and day; lines per purchase 1 + Poisson(mu).
        n_bought = W["buys"][who].sum(1)
        k_lines = 1 + rng.poisson(C["mu_base"][who] * n_bought)
        key = who.astype(np.int64) * len(c["days"]) + day
        inv_key, inv_of = np.unique(key, return_inverse=True)
        inv_lines = np.bincount(inv_of, weights=k_lines).astype(np.int64)
        inv_cust = (inv_key // len(c["days"])).astype(np.int64)
        inv_day = (inv_key % len(c["days"])).astype(np.int64)
        line_inv = np.repeat(np.arange(len(inv_key)), inv_lines)
        line_no = _group_rank(line_inv) + 1
        cust = inv_cust[line_inv]
        lday = inv_day[line_inv]
        yi = self.year_index(lday)
        # 3. Business line by the customer's expected purchases in the year; product by
        #    popularity within the customer's assortment breadth.
        exp_il = W["share"][cust, yi] * W["pot_value"][cust, yi]  # (lines, L)
        cw = np.cumsum(exp_il, axis=1)
        r = rng.random(len(cust)) * cw[:, -1]
        bl = (r[:, None] >= cw[:, :-1]).sum(1)
        prod = np.empty(len(cust), dtype=np.int64)
        ub = rng.random(len(cust)) * C["breadth"][cust]
        choice = self.product_choice
        for li in range(self.L):
            for y in range(self.ny):
                m = (bl == li) & (yi == y)
                if m.any():
                    cs = choice["cum"][li, y]
                    pos = np.searchsorted(cs, ub[m] * cs[-1], side="right")
                    prod[m] = choice["order"][li, y][np.minimum(pos, len(cs) - 1)]
        # 4. Value: yearly expectation share × potential spread over the expected lines;
        #    loyalty members spend (1 + lift) times more per purchase after enrolment.
        mu_k = 1 + C["mu_base"][cust] * W["buys"][cust].sum(1)
        per_year = C["lam"][cust] / 7.0 * c["year_len"][yi] * mu_k
        mean_line = exp_il.sum(1) / per_year
        after = Lo["member"][cust] & (lday >= Lo["enrol_day"][cust])
        mean_line = mean_line * np.where(after, 1 + Lo["lift"][cust], 1.0)
        value = mean_line * rng.gamma(2.0, 0.5, len(cust))
        price_eur = Pr["list_eur"][prod, yi] * (1 - C["discount"][cust])
        # Whole units, rounded at random so the expected value is kept (a fixed minimum of one
        # unit would inflate small customers' purchases and hide their loyalty lift).
        q_raw = value / price_eur
        qty = np.floor(q_raw + rng.random(len(q_raw)))
        # 5. Yearly purchases stay within the potential (a customer cannot buy more than it
        #    needs): scale down the rare customer-line-years that would exceed it.
        grp = (cust - c0) * (self.ny * self.L) + yi * self.L + bl
        ng = (c1 - c0) * self.ny * self.L
        sums = np.bincount(grp, weights=qty * price_eur, minlength=ng)
        pot = W["pot_value"][c0:c1].reshape(-1)  # (cust, year, line) in the same order as grp
        factor = np.where(sums > 0.985 * pot, 0.985 * pot / np.maximum(sums, 1e-9), 1.0)
        qty = np.where(factor[grp] < 1, np.floor(qty * factor[grp] + rng.random(len(qty)) * 0.5), qty)
        # Lines rounded to nothing go; an invoice keeps at least its cheapest line (one unit),
        # so every purchase of the process is an invoice.
        keep = qty > 0
        empty = np.bincount(line_inv, weights=keep, minlength=len(inv_key)) == 0
        if empty.any():
            o = np.lexsort((price_eur, line_inv))
            firsts = o[np.r_[0, np.flatnonzero(line_inv[o][1:] != line_inv[o][:-1]) + 1]]
            firsts = firsts[empty[line_inv[firsts]]]
            qty[firsts], keep[firsts] = 1.0, True
        line_inv, cust, lday, yi, bl, prod, price_eur, qty, grp = (
            a[keep] for a in (line_inv, cust, lday, yi, bl, prod, price_eur, qty, grp))
        line_no = _group_rank(line_inv) + 1
        # 6. Rare documented outliers: a one-off project order above the potential.
        sums = np.bincount(grp, weights=qty * price_eur, minlength=ng)
        cand = np.flatnonzero(sums > 0)
        pick = cand[rng.random(len(cand)) < OUTLIER_RATE]
        extra_rows = []
        if len(pick):
            first_line = np.full(ng, -1)
            order = np.argsort(grp, kind="stable")
            gs = grp[order]
            starts = np.r_[0, np.flatnonzero(gs[1:] != gs[:-1]) + 1]
            first_line[gs[starts]] = order[starts]
            last_no = np.bincount(line_inv, minlength=len(inv_key)).astype(np.int64)
            for g in pick:
                src = first_line[g]
                target_value = pot[g] * rng.uniform(1.05, 1.35)
                q = max(1.0, np.ceil((target_value - sums[g]) / price_eur[src]))
                last_no[line_inv[src]] += 1
                extra_rows.append((line_inv[src], last_no[line_inv[src]], src, q))
        if extra_rows:
            e_inv = np.array([x[0] for x in extra_rows])
            e_src = np.array([x[2] for x in extra_rows])
            line_inv = np.r_[line_inv, e_inv]
            line_no = np.r_[line_no, np.array([x[1] for x in extra_rows])]
            cust, lday, yi, bl = (np.r_[a, a[e_src]] for a in (cust, lday, yi, bl))
            prod = np.r_[prod, prod[e_src]]
            price_eur = np.r_[price_eur, price_eur[e_src]]
            qty = np.r_[qty, np.array([x[3] for x in extra_rows])]
        n_sale = len(qty)
        is_credit = np.zeros(n_sale, dtype=bool)
        price_year = yi.copy()
        # 7. Returns: credit notes some days later for part of a line bought.
        ret = np.flatnonzero(rng.random(n_sale) < RETURN_RATE)
        rday = lday[ret] + rng.integers(2, 46, len(ret))
        ok = rday <= c["idx"]["end"]
        ret, rday = ret[ok], rday[ok]
        full = rng.random(len(ret)) < 0.2
        rqty = np.where(full, qty[ret], np.maximum(1.0, np.round(qty[ret] * rng.uniform(0.05, 0.6, len(ret)))))
        # Credit-note line numbers: per customer and day.
        rkey = cust[ret] * len(c["days"]) + rday
        o = np.argsort(rkey, kind="stable")
        ret, rday, rqty, rkey = ret[o], rday[o], rqty[o], rkey[o]
        rline = _group_rank(rkey) + 1
        cust = np.r_[cust, cust[ret]]
        all_day = np.r_[lday, rday]
        prod = np.r_[prod, prod[ret]]
        price_year = np.r_[price_year, price_year[ret]]
        bl = np.r_[bl, bl[ret]]
        qty = np.r_[qty, -rqty]
        is_credit = np.r_[is_credit, np.ones(len(ret), dtype=bool)]
        no = np.r_[line_no, rline]
        # 8. Prices and amounts in the currency of the invoice date.
        bgn = all_day < c["idx"]["euro"]
        disc = 1 - C["discount"][cust]
        # The gaming rep's year-end orders go out at PULL_DISCOUNT more off (their returns with them).
        if G is not None:
            pushed = self._gaming_rep_on(cust, np.r_[lday, lday[ret]], G["dest"][0], G["pull_from"])
            disc = np.where(pushed, disc * (1 - PULL_DISCOUNT), disc)
        list_c = np.where(bgn, Pr["list_bgn"][prod, price_year], Pr["list_eur"][prod, price_year])
        unit_price = np.round(list_c * disc, 4)
        net = np.round(qty * unit_price, 2)
        cost = np.round(qty * np.round(list_c * (1 - Pr["margin"][prod]), 4), 2)
        value_eur = np.where(bgn, net / BGN_PER_EUR, net)
        if G is not None:
            mine = self._gaming_rep_on(cust, all_day, G["year_from"], G["pull_from"])
            self.gaming_value += float(value_eur[mine].sum())
            self.gaming_window += float(value_eur[mine & (all_day >= G["pull_from"] - PULL_WINDOW)].sum())
        # Record the outliers (EUR as stored after conversion, approximately).
        for (inv, no_, src, q), g in zip(extra_rows, pick):
            ci = cust[src]
            self.outliers.append({
                "customer_id": int(ci), "business_line": self.lines[bl[src]],
                "year": int(self.years[yi[src]]),
                "invoice_day": int(inv_day[inv]), "cust_no": int(ci), "line_no": int(no_),
                "potential_value_eur": float(pot[g])})
        # Loyalty: member spend per month after enrolment (returns included).
        mp = self.member_pos[cust]
        m = (mp >= 0) & (all_day >= Lo["enrol_day"][cust])
        if m.any():
            month = c["month_no"][all_day[m]] - c["month_no"][c["idx"]["start"]]
            self.member_month += np.bincount(mp[m] * self.n_months + month, weights=value_eur[m],
                                             minlength=len(self.member_month))
        if not want:
            return None
        # 9. The table, in date order.
        order = np.lexsort((no, is_credit, cust, all_day))
        cust, all_day, prod, qty, unit_price, net, cost, is_credit, no, bgn = (
            a[order] for a in (cust, all_day, prod, qty, unit_price, net, cost, is_credit, no, bgn))
        inv_num = c["ymd"][all_day] * 1_000_000 + cust + 1
        invoice_id = pc.if_else(pa.array(is_credit), _prefixed("CN", inv_num), _prefixed("F", inv_num))
        rep = self.reps["rep_of_cust"][cust]
        return _arrow("sales", {
            "invoice_id": invoice_id,
            "line_no": no.astype(np.int64),
            "date": self.dates(all_day),
            "customer_id": self.customer_ids.take(pa.array(cust)),
            "product_id": self.product_ids.take(pa.array(prod)),
            "quantity": qty,
            "unit_price": unit_price,
            "net_value": net,
            "cost": cost,
            "rep_id": self.rep_ids.take(pa.array(rep)),
            "currency": pc.if_else(pa.array(bgn), "BGN", "EUR"),
        })

    # --- ids -----------------------------------------------------------------------------

    @cached_property
    def customer_ids(self) -> pa.Array:
        return _ids("C", self.N, self.cust_width)

    @cached_property
    def product_ids(self) -> pa.Array:
        return _ids("P", self.products["n"], 4)

    @cached_property
    def rep_ids(self) -> pa.Array:
        return _ids("R", self.reps["n"], self.reps["width"])

    def money(self, eur: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """EUR amounts written in the currency of their date: (amounts, currency codes)."""
        bgn = day < self.cal["idx"]["euro"]
        return np.where(bgn, np.round(eur * BGN_PER_EUR, 2), np.round(eur, 2)), np.where(bgn, "BGN", "EUR")

    # --- the tables ----------------------------------------------------------------------

    def tables(self, wanted: set[str]) -> Iterator[tuple[str, pa.Table]]:
        for name in ("territories", "teams", "reps", "customers", "products"):
            if name in wanted:
                yield name, getattr(self, f"_table_{name}")()
        # with gaming planted the targets and truth_gaming need the gaming rep's turnover, summed over the sales
        need_sales = bool(wanted & {"sales", "loyalty_events", "truth_outliers"}) or (
            self.spec.gaming and bool(wanted & {"targets", "truth_gaming"}))
        if need_sales:
            for chunk in self.sales_chunks("sales" in wanted):
                yield "sales", chunk
        for name in ("potential", "survey_invitations", "surveys", "loyalty_members",
                     "loyalty_events", "targets", "competency_assessments") + TRUTH_TABLES:
            if name in wanted:
                yield name, getattr(self, f"_table_{name}")()

    def _table_territories(self) -> pa.Table:
        T = self.territories
        mv = self.market["value"][:, :, self.market_year].sum(1)  # (territories,)
        n = len(T["codes"])
        return _arrow("territories", {
            "territory_id": ["BG"] + T["codes"],
            "name": ["България"] + T["names"],
            "parent_id": [None] + ["BG"] * n,
            "level": ["country"] + ["oblast"] * n,
            "population": np.r_[T["pop"].sum(), T["pop"]],
            "buying_income": np.round(np.r_[T["income"].sum(), T["income"]], 0),
            "retail_sales": np.round(np.r_[T["retail"].sum(), T["retail"]], 0),
            "firms": np.r_[T["firms"].sum(), T["firms"]],
            "market_value": np.r_[mv.sum(), mv],
            "indicator_dwellings_completed": np.r_[T["dwellings"].sum(), T["dwellings"]],
            "indicator_building_permits": np.r_[T["permits"].sum(), T["permits"]],
        })

    @cached_property
    def market_year(self) -> int:
        """Year index of the territories' market_value: the last full calendar year."""
        last_full = self.end.year if (self.end.month, self.end.day) == (12, 31) else self.end.year - 1
        return int(max(0, last_full - self.years[0]))

    @cached_property
    def market(self) -> dict:
        """Market size per territory, line and year: our customers' wallets are part of it."""
        rng = self.rng("market")
        T, W, C = self.territories, self.wallet, self.customers
        nt = len(T["codes"])
        coverage = 0.35
        nat_value = W["pot_value"].sum(0).T / coverage  # (L, ny)
        nat_volume = W["pot_volume"].sum(0).T / coverage
        split = T["bpi"][:, None] * np.exp(rng.normal(0, 0.12, (nt, self.L)))
        split = split / split.sum(0)
        value = split[:, :, None] * nat_value[None, :, :]  # (nt, L, ny)
        volume = split[:, :, None] * nat_volume[None, :, :]
        ours = np.zeros((nt, self.L, self.ny))
        for li in range(self.L):
            for k in range(self.ny):
                ours[:, li, k] = np.bincount(C["terr"], weights=W["pot_value"][:, k, li], minlength=nt)
        return {"value": np.round(value, 2), "volume": np.round(volume, 3), "ours": ours}

    def _table_teams(self) -> pa.Table:
        R = self.reps
        regions = places.PLANNING_REGIONS
        manager = [int(np.flatnonzero((R["team"] == t) & (R["role"] == "manager"))[0]) for t in range(len(regions))]
        return _arrow("teams", {
            "team_id": [r[1] for r in regions],
            "name": [r[2] for r in regions],
            "manager_rep_id": self.rep_ids.take(pa.array(manager)),
            "territory_id": [r[3] for r in regions],
        })

    def _table_reps(self) -> pa.Table:
        R = self.reps
        n = R["n"]
        team_codes = [r[1] for r in places.PLANNING_REGIONS]
        director = int(np.flatnonzero(R["role"] == "director")[0])
        mgr_of_team = {t: int(np.flatnonzero((R["team"] == t) & (R["role"] == "manager"))[0])
                       for t in range(len(team_codes))}
        manager = [director if R["role"][i] == "manager" else (None if R["role"][i] == "director"
                   else mgr_of_team[R["team"][i]]) for i in range(n)]
        ids = self.rep_ids.to_pylist()
        emails = [f"{places.transliterate(f)}.{places.transliterate(l)}@stroymat.example"
                  for f, l in zip(R["first"], R["last"])]
        # Same names happen: make e-mails unique with the rep number.
        seen: dict[str, int] = {}
        for i, e in enumerate(emails):
            if e in seen:
                emails[i] = e.replace("@", f"{i + 1}@")
            seen[emails[i]] = i
        return _arrow("reps", {
            "rep_id": ids,
            "name": [f"{f} {l}" for f, l in zip(R["first"], R["last"])],
            "team_id": [team_codes[t] if t >= 0 else None for t in R["team"]],
            "manager_id": [ids[m] if m is not None else None for m in manager],
            "role": list(R["role"]),
            "territory_id": [self.territories["codes"][h] if h >= 0 else "BG" for h in R["home"]],
            "email": emails,
            "hired_on": R["hired"],
        })

    def _table_customers(self) -> pa.Table:
        C, T = self.customers, self.territories
        return _arrow("customers", {
            "customer_id": self.customer_ids,
            "name": C["names"],
            "territory_id": pa.array(T["codes"]).take(pa.array(C["terr"])),
            "rep_id": self.rep_ids.take(pa.array(self.reps["rep_of_cust"])),
            "industry": [cat.INDUSTRIES[i][0] for i in C["industry"]],
            "size_band": C["size_band"].tolist(),
            "city": C["city"].tolist(),
            "region": pa.array(T["names"]).take(pa.array(C["terr"])),
            "country": ["BG"] * self.N,
            "acquired_on": self.dates(C["acq_day"]),
            "driver_employees": C["employees"],
            "driver_m2": C["m2"],
            "driver_outlets": C["outlets"].astype(float),
        })

    def _table_products(self) -> pa.Table:
        P = self.products
        rows = P["rows"]
        return _arrow("products", {
            "product_id": self.product_ids,
            "name": [r[2] for r in rows],
            "category": [r[1] for r in rows],
            "business_line": [r[0] for r in rows],
            "unit": [cat.BUSINESS_LINES[self.lines.index(r[0])][2] for r in rows],
            "is_target": P["is_target"].tolist(),
            "list_price": P["list_eur"][:, -1],
        })

    # --- potential (stated) --------------------------------------------------------------

    @cached_property
    def plan_years(self) -> np.ndarray:
        """Year indexes with a plan: years that start inside the window, and the last year."""
        ks = [k for k, y in enumerate(self.years) if dt.date(int(y), 1, 1) >= self.start]
        if self.ny - 1 not in ks:
            ks.append(self.ny - 1)
        return np.array(sorted(ks))

    def _table_potential(self) -> pa.Table:
        rng = self.rng("potential")
        W, R = self.wallet, self.reps
        parts = []
        # Rep estimates: each rep states the wallet of its larger customers, with its own bias.
        rep = R["rep_of_cust"]
        chosen = np.zeros(self.N, dtype=bool)
        for r_ in np.unique(rep):
            mine = np.flatnonzero(rep == r_)
            k = max(1, int(round(0.3 * len(mine))))
            chosen[mine[np.argsort(-self.base_value[mine].sum(1), kind="stable")[:k]]] = True
        ci = np.flatnonzero(chosen)
        for k in self.plan_years:
            err = np.exp(rng.normal(0, R["noise_sigma"][rep[ci]][:, None], (len(ci), self.L)))
            factor = R["bias"][rep[ci]][:, None] * err
            parts.append((ci, k, factor, "rep_estimate", rep[ci]))
        # Survey answers: unbiased but noisy, from responders who gave figures.
        resp = self.survey["responses"]
        if len(resp["cust"]):
            gave = rng.random(len(resp["cust"])) < 0.5
            rc, rk = resp["cust"][gave], resp["year_k"][gave]
            # One figure per customer and year.
            _, first = np.unique(rc * 100 + rk, return_index=True)
            rc, rk = rc[first], rk[first]
            factor = np.exp(rng.normal(0, 0.3, (len(rc), self.L)))
            for k in np.unique(rk):
                m = rk == k
                parts.append((rc[m], int(k), factor[m], "survey", np.full(m.sum(), -1)))
        cols: dict[str, list] = {k: [] for k in ("customer", "year_k", "line", "value", "volume", "source", "rep")}
        for ci_, k, factor, source, reps_ in parts:
            for li in range(self.L):
                cols["customer"].append(ci_)
                cols["year_k"].append(np.full(len(ci_), k))
                cols["line"].append(np.full(len(ci_), li))
                cols["value"].append(W["pot_value"][ci_, k, li] * factor[:, li])
                cols["volume"].append(W["pot_volume"][ci_, k, li] * factor[:, li])
                cols["source"].append(np.full(len(ci_), source, dtype=object))
                cols["rep"].append(reps_)
        cu = np.concatenate(cols["customer"])
        yk = np.concatenate(cols["year_k"])
        li = np.concatenate(cols["line"])
        year = self.years[yk]
        # A rep writes an estimate in the currency of the year it is for (lev before 2026).
        bgn = year < EURO_DAY.year
        value = np.concatenate(cols["value"])
        value = np.where(bgn, np.round(value * BGN_PER_EUR, -1), np.round(value, -1))  # round tens
        volume = np.round(np.concatenate(cols["volume"]), 0)
        rp = np.concatenate(cols["rep"])
        src = np.concatenate(cols["source"])
        # Territory market sizes from an external study (EUR), per line and plan year.
        M = self.market
        nt = len(self.territories["codes"])
        t_idx, l_idx, k_idx = np.meshgrid(np.arange(nt), np.arange(self.L), self.plan_years, indexing="ij")
        t_idx, l_idx, k_idx = t_idx.ravel(), l_idx.ravel(), k_idx.ravel()
        n_c, n_t = len(cu), len(t_idx)
        return _arrow("potential", {
            "customer_id": pa.concat_arrays([self.customer_ids.take(pa.array(cu)), pa.nulls(n_t, pa.string())]),
            "territory_id": pa.concat_arrays([pa.nulls(n_c, pa.string()),
                                              pa.array(self.territories["codes"]).take(pa.array(t_idx))]),
            "year": np.r_[year, self.years[k_idx]].astype(np.int64),
            "business_line": pa.array(self.lines).take(pa.array(np.r_[li, l_idx])),
            "volume": np.r_[volume, np.round(M["volume"][t_idx, l_idx, k_idx], 0)],
            "value": np.r_[value, M["value"][t_idx, l_idx, k_idx]],
            "source": np.r_[src, np.full(n_t, "external", dtype=object)].tolist(),
            "rep_id": pa.concat_arrays([
                pc.if_else(pa.array(rp >= 0), self.rep_ids.take(pa.array(np.maximum(rp, 0))),
                           pa.scalar(None, pa.string())),
                pa.nulls(n_t, pa.string())]),
            "currency": np.r_[np.where(bgn, "BGN", "EUR"), np.full(n_t, "EUR")].tolist(),
        })

    # --- surveys -------------------------------------------------------------------------

    @cached_property
    def survey(self) -> dict:
        rng = self.rng("surveys")
        C, c, P, R = self.customers, self.cal, self.process, self.reps
        waves = []
        for y in self.years:
            d = dt.date(int(y), 3, 10)
            if self.start <= d <= self.end:
                waves.append(d)
        inv = {k: [] for k in ("cust", "day", "channel", "selected", "wave")}
        resp = {k: [] for k in ("cust", "day", "inv", "rep_sel", "wave", "year_k")}
        wave_rows = []
        first = c["first"]
        death_day = np.where(np.isfinite(P["death"]), self.day_of(np.where(np.isfinite(P["death"]), P["death"], 0)), 10**9)
        n_inv = 0
        for wv, d in enumerate(waves):
            day = self._day(d, first)
            base = np.flatnonzero((C["acq_day"] <= day) & (death_day > day))
            rand = base[rng.random(len(base)) < 0.30]
            # Reps pick a few customers of their own, the happier ones.
            rest = np.setdiff1d(base, rand)
            score = rng.gumbel(size=len(rest)) + 1.0 * C["sat"][rest]
            repsel = []
            rr = R["rep_of_cust"][rest]
            order = np.lexsort((-score, rr))
            rank = _group_rank(rr[order])
            repsel = np.sort(rest[order][rank < 3])
            cust = np.r_[rand, repsel]
            selected = np.r_[np.full(len(rand), "random", dtype=object), np.full(len(repsel), "rep", dtype=object)]
            channel = np.where(selected == "rep", "visit",
                               rng.choice(np.array(["email", "phone"], dtype=object), len(cust), p=[0.65, 0.35]))
            sent = day + rng.integers(0, 5, len(cust))
            # Response: more likely when satisfied and when large (non-response bias).
            p_resp = np.where(selected == "rep", _logistic(1.0 + 0.5 * C["sat"][cust]),
                              _logistic(RESPONSE_LOGIT[0] + RESPONSE_LOGIT[1] * C["sat"][cust] + RESPONSE_LOGIT[2] * C["z_size"][cust]))
            answered = rng.random(len(cust)) < p_resp
            rday = np.minimum(sent + rng.integers(1, 22, len(cust)), c["idx"]["end"])
            ids = np.arange(n_inv, n_inv + len(cust))
            n_inv += len(cust)
            for k, v in (("cust", cust), ("day", sent), ("channel", channel), ("selected", selected),
                         ("wave", np.full(len(cust), wv))):
                inv[k].append(v)
            a = answered
            for k, v in (("cust", cust[a]), ("day", rday[a]), ("inv", ids[a]),
                         ("rep_sel", selected[a] == "rep"), ("wave", np.full(a.sum(), wv)),
                         ("year_k", np.full(a.sum(), int(self.year_index(np.array([day]))[0])))):
                resp[k].append(v)
            pp, pd = self.nps_probabilities(C["sat"][base])
            wave_rows.append((wv + 1, d, len(base), 100 * (pp.mean() - pd.mean()),
                              100 * (self.csat_top2(C["sat"][base]).mean()), len(cust), int(a.sum())))
        cat_ = lambda xs, dt_=None: np.concatenate(xs) if xs else np.zeros(0, dtype=dt_ or np.int64)
        inv = {k: cat_(v, object if k in ("channel", "selected") else None) for k, v in inv.items()}
        resp = {k: cat_(v, bool if k == "rep_sel" else None) for k, v in resp.items()}
        return {"waves": waves, "inv": inv, "responses": resp, "wave_rows": wave_rows}

    #: A response is 7.9 + 2 × (satisfaction + answer noise); the noise has this spread.
    NPS_CENTRE, NPS_SCALE, ANSWER_SD = 7.9, 2.0, 0.6

    def nps_probabilities(self, sat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """P(promoter), P(detractor) of customers with latent satisfaction ``sat``."""
        # nps = round(centre + scale·(sat + e)) ≥ 9  <=>  e ≥ (8.5 − centre)/scale − sat
        hi = (8.5 - self.NPS_CENTRE) / self.NPS_SCALE
        lo = (6.5 - self.NPS_CENTRE) / self.NPS_SCALE
        return stats.norm.sf((hi - sat) / self.ANSWER_SD), stats.norm.cdf((lo - sat) / self.ANSWER_SD)

    def csat_top2(self, sat: np.ndarray) -> np.ndarray:
        """P(CSAT ≥ 4): CSAT = round(3.7 + 0.9 (sat + e))."""
        return stats.norm.sf(((3.5 - 3.7) / 0.9 - sat) / self.ANSWER_SD)

    def _table_survey_invitations(self) -> pa.Table:
        S = self.survey["inv"]
        n = len(S["cust"])
        return _arrow("survey_invitations", {
            "invitation_id": _ids("I", n, 6) if n else pa.array([], pa.string()),
            "customer_id": self.customer_ids.take(pa.array(S["cust"], type=pa.int64())),
            "sent_on": self.dates(S["day"]),
            "channel": S["channel"].tolist(),
            "selected_by": S["selected"].tolist(),
        })

    def _table_surveys(self) -> pa.Table:
        rng = self.rng("surveys", 1)
        C, W = self.customers, self.wallet
        R = self.survey["responses"]
        cu = R["cust"]
        n = len(cu)
        sat = C["sat"][cu]
        social = np.where(R["rep_sel"], 0.25, 0.0)  # answering in front of the rep
        style = rng.normal(0, 0.3, n)  # response style: some answer high, some low
        nps = np.clip(np.round(self.NPS_CENTRE + self.NPS_SCALE * (sat + social + rng.normal(0, self.ANSWER_SD, n))), 0, 10)
        csat = np.clip(np.round(3.7 + 0.9 * (sat + social + rng.normal(0, self.ANSWER_SD, n))), 1, 5)
        ces = np.clip(np.round(3.2 - 0.9 * (0.7 * C["attr"][cu, 0] + 0.3 * sat) + rng.normal(0, 0.7, n)), 1, 7)
        cols: dict[str, object] = {
            "response_id": _ids("S", n, 6) if n else pa.array([], pa.string()),
            "invitation_id": pa.array([f"I{i + 1:06d}" for i in R["inv"]], type=pa.string()),
            "customer_id": self.customer_ids.take(pa.array(cu, type=pa.int64())),
            "date": self.dates(R["day"]),
            "respondent_role": rng.choice(np.array(["owner", "buyer", "site_manager"], dtype=object), n,
                                          p=[0.4, 0.35, 0.25]).tolist(),
            "nps": nps.astype(np.int64), "csat": csat.astype(np.int64), "ces": ces.astype(np.int64),
        }
        # Our rank among the brands used, consistent with the true share (Wallet Allocation Rule).
        yk = R["year_k"]
        share = (W["share"][cu, yk] * W["pot_value"][cu, yk]).sum(1) / W["pot_value"][cu, yk].sum(1)
        rank, brands = self.war_rank(share, rng)
        cols["our_rank"] = rank
        cols["brands_used"] = brands
        for k, (attr, _, stated) in enumerate(ATTRIBUTES):
            cols[f"score_{attr}"] = np.clip(np.round(3.6 + 0.8 * C["attr"][cu, k] + style + rng.normal(0, 0.4, n)), 1, 5)
        for k, (attr, _, stated) in enumerate(ATTRIBUTES):
            cols[f"importance_{attr}"] = np.clip(np.round(stated + 0.5 * style + rng.normal(0, 0.6, n)), 1, 5)
        return _arrow("surveys", cols)

    @staticmethod
    def war_rank(share: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(our_rank, brands_used) whose Wallet Allocation Rule share is nearest the true share.

        WAR (Keiningham et al. 2011): share = (1 − rank/(n + 1)) · 2/n. Among the (n, rank)
        pairs within 0.08 of the true share one is drawn, favouring 2-4 brands; a share with no
        pair that near (between 2/3 and 1) gets the nearest pair.
        """
        ns = np.arange(1, 7)
        prior = np.log(np.array([0.10, 0.30, 0.30, 0.18, 0.08, 0.04]))
        cand_n, cand_r, cand_s = [], [], []
        for n_ in ns:
            for r_ in range(1, n_ + 1):
                cand_n.append(n_)
                cand_r.append(r_)
                cand_s.append((1 - r_ / (n_ + 1)) * 2 / n_)
        cand_n, cand_r, cand_s = map(np.array, (cand_n, cand_r, cand_s))
        err = np.abs(share[:, None] - cand_s[None, :])
        score = -err / 0.03 + prior[cand_n - 1][None, :] + rng.gumbel(size=err.shape)
        score = np.where(err <= 0.08, score, -1e6 * err)  # none near: the nearest pair
        best = np.argmax(score, axis=1)
        return cand_r[best].astype(np.int64), cand_n[best].astype(np.int64)

    # --- loyalty tables ------------------------------------------------------------------

    def _table_loyalty_members(self) -> pa.Table:
        Lo = self.loyalty
        m = np.flatnonzero(Lo["member"])
        left = Lo["left_day"][m]
        return _arrow("loyalty_members", {
            "customer_id": self.customer_ids.take(pa.array(m)),
            "enrolled_on": self.dates(Lo["enrol_day"][m]),
            "tier": Lo["tier"][m].tolist(),
            "left_on": pa.array(np.where(left >= 0, self.dates(np.maximum(left, 0)), np.datetime64("NaT")),
                                type=pa.date32()),
        })

    def _table_loyalty_events(self) -> pa.Table:
        """Earn (monthly, 1 point per EUR), redeem (blocks of 500), expire (FIFO, after the
        year following the year earned, or when the member leaves)."""
        rng = self.rng("loyalty", 1)
        c, Lo = self.cal, self.loyalty
        mem = self.members
        nm, nmo = len(mem), self.n_months
        spend = self.member_month.reshape(nm, nmo) if nm else np.zeros((0, nmo))
        m0 = c["month_no"][c["idx"]["start"]]
        # Earn-year buckets for FIFO expiry.
        years = self.years
        bucket = np.zeros((nm, len(years)))
        left_month = np.where(Lo["left_day"][mem] >= 0, c["month_no"][np.maximum(Lo["left_day"][mem], 0)] - m0, 10**6)
        # Members differ in how keen they are to redeem; a fifth never do (breakage).
        keen = np.where(rng.random(nm) < 0.2, 0.0, rng.beta(1.2, 3.0, nm))
        ev = {k: [] for k in ("who", "month", "kind", "points")}

        def add(who, month, kind, pts):
            ev["who"].append(who)
            ev["month"].append(np.full(len(who), month))
            ev["kind"].append(np.full(len(who), kind, dtype=object))
            ev["points"].append(pts)

        for mo in range(nmo):
            cal_month = m0 + mo
            y = cal_month // 12 + 1970
            yk = y - years[0]
            pts = np.floor(np.maximum(spend[:, mo], 0) * POINTS_PER_EUR)
            active = mo <= left_month
            earn = (pts > 0) & active
            add(np.flatnonzero(earn), mo, "earn", pts[earn])
            bucket[earn, yk] += pts[earn]
            bal = bucket.sum(1)
            red = active & (bal >= REDEEM_BLOCK) & (rng.random(nm) < keen)
            blocks = np.floor(bal[red] / REDEEM_BLOCK * rng.uniform(0.5, 1.0, red.sum()))
            amt = np.maximum(1, blocks) * REDEEM_BLOCK
            add(np.flatnonzero(red), mo, "redeem", amt)
            # Consume the oldest points first.
            rem = amt.copy()
            rows = np.flatnonzero(red)
            for j in range(len(years)):
                take = np.minimum(bucket[rows, j], rem)
                bucket[rows, j] -= take
                rem -= take
            # In December, points earned the year before last expire; leavers lose all.
            if cal_month % 12 == 11 and yk >= 1:
                exp_ = bucket[:, yk - 1] > 0
                add(np.flatnonzero(exp_), mo, "expire", bucket[exp_, yk - 1])
                bucket[exp_, yk - 1] = 0
            gone = (left_month == mo) & (bucket.sum(1) > 0)
            if gone.any():
                add(np.flatnonzero(gone), mo, "expire", bucket[gone].sum(1))
                bucket[gone] = 0
        who = np.concatenate(ev["who"]) if ev["who"] else np.zeros(0, np.int64)
        month = np.concatenate(ev["month"]) if ev["month"] else np.zeros(0, np.int64)
        kind = np.concatenate(ev["kind"]) if ev["kind"] else np.zeros(0, object)
        points = np.concatenate(ev["points"]) if ev["points"] else np.zeros(0)
        # Event date: the last working day of the month (or the leaving day / the end).
        month_start = (np.datetime64(self.start, "M") + month.astype("timedelta64[M]")).astype("datetime64[D]")
        next_start = (np.datetime64(self.start, "M") + (month + 1).astype("timedelta64[M]")).astype("datetime64[D]")
        day = (next_start - c["first"]).astype(int) - 1
        day = np.minimum(day, c["idx"]["end"])
        left = Lo["left_day"][mem][who] if len(who) else np.zeros(0, np.int64)
        day = np.where((kind == "expire") & (left >= 0) & (left < day), left, day)
        day = np.maximum(day, (month_start - c["first"]).astype(int))
        kind_order = np.select([kind == "earn", kind == "redeem"], [0, 1], 2)
        order = np.lexsort((kind_order, mem[who] if len(who) else who, day))
        who, day, kind, points = who[order], day[order], kind[order], points[order]
        cost_eur = np.where(kind == "redeem", points * COST_PER_POINT_EUR, np.nan)
        amount, currency = self.money(np.nan_to_num(cost_eur), day)
        n = len(who)
        return _arrow("loyalty_events", {
            "event_id": _ids("E", n, 7) if n else pa.array([], pa.string()),
            "customer_id": self.customer_ids.take(pa.array(mem[who] if n else who, type=pa.int64())),
            "date": self.dates(day),
            "kind": kind.tolist(),
            "points": points,
            "cost": np.where(kind == "redeem", amount, np.nan),
            "currency": currency.tolist(),
        })

    # --- targets and competencies ----------------------------------------------------------

    def _table_targets(self) -> pa.Table:
        """Yearly plans built on average shares (not on each rep's skill) × an ambition."""
        rng = self.rng("targets")
        W, R, C, P = self.wallet, self.reps, self.customers, self.products
        act = self.activity
        plan = W["plan_share"] * W["pot_value"] * act[:, :, None]  # EUR (N, ny, L)
        plan_vol = W["plan_share"] * W["pot_volume"] * act[:, :, None]
        # Target products: their share of the line's popularity in the year.
        tp = np.zeros((self.L, self.ny))
        for li in range(self.L):
            m = P["line"] == li
            tp[li] = (P["weight"][m] * P["is_target"][m][:, None]).sum(0) / P["weight"][m].sum(0)
        plan_tp = (plan * tp.T[None, :, :]).sum(2)
        rows: list[tuple] = []
        rep, terr = R["rep_of_cust"], C["terr"]
        codes = self.territories["codes"]
        team_codes = [r[1] for r in places.PLANNING_REGIONS]
        for k in self.plan_years:
            period = str(int(self.years[k]))
            def amb(n: int) -> np.ndarray:
                # Ambition over the plan: +7 % on average, set unevenly (planning is not exact).
                return np.exp(rng.normal(np.log(1.07), 0.10, n))

            v = plan[:, k].sum(1)
            rows.append((period, "company", None, "turnover_value", v.sum() * amb(1)[0], "EUR"))
            rows.append((period, "company", None, "target_products_value", plan_tp[:, k].sum() * 1.25, "EUR"))
            a = amb(self.L)
            for li, code in enumerate(self.lines):
                rows.append((period, "business_line", code, "turnover_value", plan[:, k, li].sum() * a[li], "EUR"))
                rows.append((period, "business_line", code, "turnover_volume", plan_vol[:, k, li].sum() * a[li], None))
            tv = np.bincount(terr, weights=v, minlength=len(codes))
            a = amb(len(codes))
            for t in np.flatnonzero(tv > 0):
                rows.append((period, "territory", codes[t], "turnover_value", tv[t] * a[t], "EUR"))
            team = R["cust_team"]
            tv = np.bincount(team, weights=v, minlength=len(team_codes))
            a = amb(len(team_codes))
            for t in np.flatnonzero(tv > 0):
                rows.append((period, "team", team_codes[t], "turnover_value", tv[t] * a[t], "EUR"))
            rv = np.bincount(rep, weights=v, minlength=R["n"])
            rt = np.bincount(rep, weights=plan_tp[:, k], minlength=R["n"])
            a = amb(R["n"])
            rvol = np.stack([np.bincount(rep, weights=plan_vol[:, k, li], minlength=R["n"])
                             for li in range(self.L)], axis=1)
            rep_names = self.rep_ids.to_pylist()
            G = self.gaming
            if G is not None and G["k"] == k:
                # the gaming rep's target: what the pulled orders just carry past 100 %
                rv[G["rep"]] = self.gaming_value / PULL_ATTAINMENT / a[G["rep"]]
            for r_ in np.flatnonzero(rv > 0):
                rid = rep_names[r_]
                rows.append((period, "rep", rid, "turnover_value", rv[r_] * a[r_], "EUR"))
                rows.append((period, "rep", rid, "target_products_value", rt[r_] * a[r_] * 1.2, "EUR"))
                for li, code in enumerate(self.lines):
                    if rvol[r_, li] > 0:
                        rows.append((period, "rep", rid, f"turnover_volume_{code}", rvol[r_, li] * a[r_], None))
        return _arrow("targets", {
            "period": [r[0] for r in rows], "level": [r[1] for r in rows], "key": [r[2] for r in rows],
            "kpi": [r[3] for r in rows],
            "target": np.round(np.array([r[4] for r in rows]), -2),
            "currency": [r[5] for r in rows],
        })

    def _table_competency_assessments(self) -> pa.Table:
        rng = self.rng("competencies")
        R = self.reps
        c = self.cal
        days = [self._day(dt.date(int(y), 12, 15), c["first"]) for y in self.years
                if self.start <= dt.date(int(y), 12, 15) <= self.end]
        if not days:
            days = [c["idx"]["end"]]
        assessed = np.flatnonzero(R["role"] != "director")
        director = int(np.flatnonzero(R["role"] == "director")[0])
        mgr = {t: int(np.flatnonzero((R["team"] == t) & (R["role"] == "manager"))[0]) for t in range(len(places.PLANNING_REGIONS))}
        cols = {k: [] for k in ("rep", "comp", "day", "score", "assessor")}
        for d in days:
            for k, (name, _) in enumerate(COMPETENCIES):
                score = np.clip(_round_half(R["comp"][assessed, k] + rng.normal(0, 0.35, len(assessed))), 1, 5)
                cols["rep"].append(assessed)
                cols["comp"].append(np.full(len(assessed), name, dtype=object))
                cols["day"].append(np.full(len(assessed), d))
                cols["score"].append(score)
                boss = np.array([director if R["role"][i] == "manager" else mgr[R["team"][i]] for i in assessed])
                cols["assessor"].append(boss)
        rep = np.concatenate(cols["rep"])
        boss = np.concatenate(cols["assessor"])
        names = [f"{f} {l}" for f, l in zip(R["first"], R["last"])]
        return _arrow("competency_assessments", {
            "rep_id": self.rep_ids.take(pa.array(rep)),
            "competency": np.concatenate(cols["comp"]).tolist(),
            "date": self.dates(np.concatenate(cols["day"])),
            "score": np.concatenate(cols["score"]),
            "scale_max": np.full(len(rep), 5.0),
            "assessor": [names[b] for b in boss],
        })

    # --- truth ---------------------------------------------------------------------------

    def _long(self, arr: np.ndarray) -> np.ndarray:
        """(N, ny, L) -> flat in customer, line, year order."""
        return arr.transpose(0, 2, 1).reshape(-1)

    def _cly_keys(self) -> dict:
        n = self.N
        ci = np.repeat(np.arange(n), self.L * self.ny)
        li = np.tile(np.repeat(np.arange(self.L), self.ny), n)
        yk = np.tile(np.arange(self.ny), n * self.L)
        return {"customer_id": self.customer_ids.take(pa.array(ci)),
                "business_line": pa.array(self.lines).take(pa.array(li)),
                "year": pa.array(self.years[yk].astype(np.int64))}

    def _table_truth_potential(self) -> pa.Table:
        W = self.wallet
        return _truth({**self._cly_keys(),
                       "potential_value_eur": np.round(self._long(W["pot_value"]), 2),
                       "potential_volume": np.round(self._long(W["pot_volume"]), 3)})

    def _table_truth_share_of_wallet(self) -> pa.Table:
        W, E = self.wallet, self.expected
        act = np.repeat(self.activity[:, :, None], self.L, axis=2)
        mem = np.repeat(self.member_overlap[:, :, None], self.L, axis=2)
        return _truth({**self._cly_keys(),
                       "share_of_wallet": np.round(self._long(W["share"]), 6),
                       "active_fraction": np.round(self._long(act), 6),
                       "member_fraction": np.round(self._long(mem), 6),
                       "expected_purchases_eur": np.round(self._long(E["with_lift"]), 2)})

    def _table_truth_customers(self) -> pa.Table:
        C, P, W = self.customers, self.process, self.wallet
        death = P["death"]
        churn_day = self.day_of(np.where(np.isfinite(death), death, 0))
        churned = np.where(np.isfinite(death), self.dates(churn_day), np.datetime64("NaT"))
        expected_year = (W["share"][:, -1] * W["pot_value"][:, -1]).sum(1)
        return _truth({
            "customer_id": self.customer_ids,
            "acquired_on": self.dates(C["acq_day"]),
            "acquired_in_window": C["in_window"],
            "purchase_rate_per_week": C["lam"],
            "dropout_probability": C["p"],
            "repeat_purchases_until_dropout": P["J"],
            "churned_on": churned,
            "alive_at_end": P["alive_end"],
            "latent_size": C["size"],
            "discount": np.round(C["discount"], 6),
            "lines_per_purchase_mean": 1 + C["mu_base"] * W["buys"].sum(1),
            "rep_share_logit_effect": self.reps["effect"][self.reps["rep_of_cust"]],
            "expected_annual_purchases_eur": np.round(expected_year, 2),
        })

    def _table_truth_clv_params(self) -> pa.Table:
        return _truth({
            "r": [CLV_R], "alpha": [CLV_ALPHA], "a": [CLV_A], "b": [CLV_B], "time_unit": ["week"],
            "rate_size_correlation": [RATE_SIZE_RHO],
            "dropout_satisfaction_correlation": [DROPOUT_SATISFACTION_RHO],
            "calibration_start": pa.array([self.start], type=pa.date32()),
            "note": ["BG/NBD (Fader, Hardie & Lee 2005): purchase rate ~ Gamma(r, alpha) per week, "
                     "dropout after each repeat purchase ~ Beta(a, b). Fit on customers acquired in "
                     "the window (truth_customers.acquired_in_window); time is operational weeks "
                     "(season and weekdays warp the calendar), so calendar-week fits are close, not exact."],
        })

    def _table_truth_market(self) -> pa.Table:
        M, T = self.market, self.territories
        nt = len(T["codes"])
        ti, li, yk = (a.ravel() for a in np.meshgrid(np.arange(nt), np.arange(self.L), np.arange(self.ny), indexing="ij"))
        ours = M["ours"][ti, li, yk]
        value = M["value"][ti, li, yk]
        return _truth({
            "territory_id": pa.array(T["codes"]).take(pa.array(ti)),
            "business_line": pa.array(self.lines).take(pa.array(li)),
            "year": self.years[yk].astype(np.int64),
            "market_value_eur": value, "market_volume": M["volume"][ti, li, yk],
            "customers_potential_eur": np.round(ours, 2),
            "coverage": np.round(ours / np.maximum(value, 1e-9), 6),
            "bpi": T["bpi"][ti],
        })

    def _table_truth_rep_bias(self) -> pa.Table:
        R = self.reps
        return _truth({"rep_id": self.rep_ids, "bias_factor": np.round(R["bias"], 6),
                       "noise_sigma": np.round(R["noise_sigma"], 6)})

    def _table_truth_reps(self) -> pa.Table:
        R = self.reps
        cols: dict[str, object] = {"rep_id": self.rep_ids, "role": list(R["role"]),
                                   "share_logit_effect": np.round(R["effect"], 6),
                                   "customers": np.bincount(R["rep_of_cust"], minlength=R["n"])}
        for k, (name, _) in enumerate(COMPETENCIES):
            cols[f"true_{name}"] = np.round(R["comp"][:, k], 4)
        return _truth(cols)

    def _table_truth_competency_effect(self) -> pa.Table:
        return _truth({
            "competency": [c[0] for c in COMPETENCIES],
            "effect_on_share_logit": [c[1] for c in COMPETENCIES],
            "note": ["share-of-wallet logit of the rep's customers rises by this much per scale "
                     "point of the rep's true competency above 3 (scale 1-5)"] * len(COMPETENCIES),
        })

    def _table_truth_satisfaction(self) -> pa.Table:
        C = self.customers
        pp, pd = self.nps_probabilities(C["sat"])
        return _truth({
            "customer_id": self.customer_ids,
            "latent_satisfaction": np.round(C["sat"], 6),
            "p_promoter": np.round(pp, 6), "p_detractor": np.round(pd, 6),
            "expected_nps_score": np.round(self.NPS_CENTRE + self.NPS_SCALE * C["sat"], 4),
            "p_csat_top2": np.round(self.csat_top2(C["sat"]), 6),
            "response_probability": np.round(_logistic(RESPONSE_LOGIT[0] + RESPONSE_LOGIT[1] * C["sat"] + RESPONSE_LOGIT[2] * C["z_size"]), 6),
            "response_probability_rep_selected": np.round(_logistic(1.0 + 0.5 * C["sat"]), 6),
        })

    def _table_truth_survey_waves(self) -> pa.Table:
        rows = self.survey["wave_rows"]
        return _truth({
            "wave": np.array([r[0] for r in rows], dtype=np.int64),
            "sent_on": pa.array([r[1] for r in rows], type=pa.date32()),
            "base_customers": np.array([r[2] for r in rows], dtype=np.int64),
            "true_nps": np.round(np.array([r[3] for r in rows], dtype=float), 4),
            "true_csat_top2_pct": np.round(np.array([r[4] for r in rows], dtype=float), 4),
            "invited": np.array([r[5] for r in rows], dtype=np.int64),
            "responded": np.array([r[6] for r in rows], dtype=np.int64),
        })

    def _table_truth_attribute_importance(self) -> pa.Table:
        return _truth({"attribute": [a[0] for a in ATTRIBUTES],
                       "true_weight": [a[1] for a in ATTRIBUTES],
                       "stated_importance_mean": [a[2] for a in ATTRIBUTES]})

    def _table_truth_loyalty(self) -> pa.Table:
        Lo, E = self.loyalty, self.expected
        m = np.flatnonzero(Lo["member"])
        no_lift = E["member_no_lift"][m].sum((1, 2))
        with_lift = E["member_with_lift"][m].sum((1, 2))
        return _truth({
            "customer_id": self.customer_ids.take(pa.array(m)),
            "enrolled_on": self.dates(Lo["enrol_day"][m]),
            "lift": np.round(Lo["lift"][m], 6),
            "annual_value_at_launch_eur": np.round(Lo["value_at_launch"][m], 2),
            "expected_after_enrolment_without_lift_eur": np.round(no_lift, 2),
            "expected_after_enrolment_with_lift_eur": np.round(with_lift, 2),
        })

    def _table_truth_outliers(self) -> pa.Table:
        o = self.outliers
        c = self.cal
        return _truth({
            "customer_id": pa.array([self.customer_ids[x["customer_id"]].as_py() for x in o], type=pa.string()),
            "business_line": pa.array([x["business_line"] for x in o], type=pa.string()),
            "year": pa.array([x["year"] for x in o], type=pa.int64()),
            "invoice_id": pa.array([f"F{int(c['ymd'][x['invoice_day']]) * 1_000_000 + x['cust_no'] + 1}" for x in o],
                                   type=pa.string()),
            "line_no": pa.array([x["line_no"] for x in o], type=pa.int64()),
            "potential_value_eur": pa.array([round(x["potential_value_eur"], 2) for x in o], type=pa.float64()),
            "reason": pa.array(["one-off project order above the yearly potential"] * len(o), type=pa.string()),
        })

    def _table_truth_gaming(self) -> pa.Table:
        """The planted gaming, one row per flag gaming-flags must raise (empty when none planted)."""
        G = self.gaming
        flags = ("period_end_shift", "discount_past_accelerator") if G is not None else ()
        n = len(flags)

        def each(v):
            return [v] * n

        def date(day):
            return self.dates(np.array([day]))[0].astype(dt.date) if G else None

        target = round(self.gaming_value / PULL_ATTAINMENT, -2) if G is not None else None
        return _truth({
            "rep_id": pa.array(each(self.rep_ids[G["rep"]].as_py() if G else None), type=pa.string()),
            "period": pa.array(each(str(G["year"]) if G else None), type=pa.string()),
            "flag": pa.array(list(flags), type=pa.string()),
            "orders_of": pa.array(each(date(G and G["pull_from"])), type=pa.date32()),
            "orders_until": pa.array(each(date(G and G["pull_to"] - 1)), type=pa.date32()),
            "dated_from": pa.array(each(date(G and G["dest"][0])), type=pa.date32()),
            "dated_until": pa.array(each(date(G and G["dest"][-1])), type=pa.date32()),
            "extra_discount": pa.array(each(PULL_DISCOUNT), type=pa.float64()),
            "turnover_value_eur": pa.array(each(round(self.gaming_value, 2)), type=pa.float64()),
            "window_value_eur": pa.array(each(round(self.gaming_window, 2)), type=pa.float64()),
            "target_value_eur": pa.array(each(target), type=pa.float64()),
        })

    def _table_truth_summary(self) -> pa.Table:
        Lo, E, P, C = self.loyalty, self.expected, self.process, self.customers
        m = Lo["member"]
        no_lift = E["member_no_lift"][m].sum((1, 2))
        with_lift = E["member_with_lift"][m].sum((1, 2))
        rows = [
            ("customers", self.N, "customers in the customer table"),
            ("history_start", float(self.start.strftime("%Y%m%d")), "first day of the history (yyyymmdd)"),
            ("history_end", float(self.end.strftime("%Y%m%d")), "last day of the history (yyyymmdd)"),
            ("alive_at_end_share", float(P["alive_end"].mean()), "share of customers still active at the end"),
            ("acquired_in_window_share", float(C["in_window"].mean()), "share of customers acquired during the history"),
            ("loyalty_members", int(m.sum()), "members of the loyalty programme"),
            ("loyalty_lift_mean", float(Lo["lift"][m].mean()) if m.any() else 0.0,
             "average true lift over members (multiplies spend per purchase after enrolment)"),
            ("loyalty_lift_value_weighted", float(with_lift.sum() / no_lift.sum() - 1) if no_lift.sum() > 0 else 0.0,
             "true lift of members' purchases after enrolment, weighted by what they would have bought"),
            ("loyalty_launch", float(str(self.dates(np.array([Lo["launch_day"]]))[0]).replace("-", "")),
             "programme launch date (yyyymmdd)"),
            ("market_coverage", 0.35, "customers' total potential / market size, nationally"),
            ("bgn_per_eur", BGN_PER_EUR, "fixed conversion rate used for lines before 2026-01-01"),
        ]
        for wave in self.survey["wave_rows"]:
            rows.append((f"true_nps_wave_{wave[0]}", float(wave[3]), f"true NPS of all active customers on {wave[1]}"))
        return _truth({"name": [r[0] for r in rows], "value": [float(r[1]) for r in rows],
                       "description": [r[2] for r in rows]})
