"""The data contract: every input table of saleskpi, defined once.

The importer, the validator, the CSV templates, the storage DDL and ``saleskpi schema`` all
read these definitions; nothing else repeats them. Header aliases are matched after
:func:`normalize_header` (case, spaces, underscores, dots and dashes do not matter), in
English and Bulgarian.

Types (``Column.type``):

=========  =====================  =====================================================
type       stored as              meaning
=========  =====================  =====================================================
string     VARCHAR                identifiers and labels (ids are always text)
integer    BIGINT                 counts, scores on a fixed scale, ranks
quantity   DECIMAL(18,3)          volumes; negative = a return
money      DECIMAL(18,2)          amounts in the workspace currency, rounded to cents
price      DECIMAL(18,4)          unit prices, in the workspace currency
number     DOUBLE                 drivers, indicators and scores where cents do not apply
date       DATE                   calendar dates
boolean    BOOLEAN                yes/no, 1/0, true/false, да/не
=========  =====================  =====================================================

Money is decimal, not float, so that sums are exact and identical on every backend
(ABC boundaries depend on them; ../STACK.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["string", "integer", "quantity", "money", "price", "number", "date", "boolean"]

SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "quantity": "DECIMAL(18,3)",
    "money": "DECIMAL(18,2)",
    "price": "DECIMAL(18,4)",
    "number": "DOUBLE",
    "date": "DATE",
    "boolean": "BOOLEAN",
}

#: What a user is told a value of each type must look like.
TYPE_HINTS: dict[str, str] = {
    "string": "text",
    "integer": "a whole number such as 12",
    "quantity": "a number such as 12 or 12.5 (12,5 with decimal comma)",
    "money": "an amount such as 1234.50 (1234,50 with decimal comma)",
    "price": "a price such as 2.5500 (2,55 with decimal comma)",
    "number": "a number such as 12.5",
    "date": "a date such as 2024-03-31 or 31.03.2024",
    "boolean": "yes/no, true/false, 1/0 or да/не",
}

#: The stored SQL types as Ibis types (what every engine is asked to create); TIMESTAMP is the
#: logs' (``meta_*``).
IBIS_TYPES: dict[str, str] = {
    "VARCHAR": "string", "BIGINT": "int64", "DOUBLE": "float64", "DATE": "date",
    "BOOLEAN": "boolean", "TIMESTAMP": "timestamp",
    "DECIMAL(18,2)": "decimal(18, 2)", "DECIMAL(18,3)": "decimal(18, 3)", "DECIMAL(18,4)": "decimal(18, 4)",
}

TRUE_WORDS = ("1", "true", "yes", "y", "t", "x", "да", "д", "истина")
FALSE_WORDS = ("0", "false", "no", "n", "f", "", "не", "н", "лъжа")


@dataclass(frozen=True)
class Column:
    """One column of an input table."""

    name: str
    type: ColumnType
    description: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    references: str | None = None  # "table.column" that must hold the value
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    example: str = ""
    #: ``(column, default)``: the value may not exceed that column of the same line, or
    #: ``default`` where it is empty (a score and the top of its scale).
    at_most: tuple[str, float] | None = None

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def is_amount(self) -> bool:
        """Amounts in a currency, converted to the workspace currency on import."""
        return self.type in ("money", "price")

    def expected(self) -> str:
        """What a valid value looks like, for error messages and ``saleskpi schema``."""
        parts = [TYPE_HINTS[self.type]]
        if self.choices:
            parts.append("one of " + ", ".join(self.choices))
        if self.minimum is not None and self.maximum is not None:
            parts.append(f"between {self.minimum:g} and {self.maximum:g}")
        elif self.minimum is not None:
            parts.append(f"at least {self.minimum:g}")
        elif self.maximum is not None:
            parts.append(f"at most {self.maximum:g}")
        if self.at_most:
            parts.append(f"at most {self.at_most[0]} ({self.at_most[1]:g} where it is empty)")
        if self.references:
            parts.append(f"an existing {self.references}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Derivation:
    """A column the importer computes from two others of the same line, where the file leaves
    it out: ``column = operands[0] <operation> operands[1]``.

    ``per_line``: also on a line whose own value is empty (the file's value wins where it has
    one); otherwise only when the file has no such column at all. An operand may itself be
    derived (it is then taken as loaded). The rule applies only when both operands are in the
    file (or derived).
    """

    column: str
    operation: Literal["product", "difference"]
    operands: tuple[str, str]
    per_line: bool = False


@dataclass(frozen=True)
class Table:
    """One input table: its columns, key and the rules across columns."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    #: Extra columns whose header starts with this prefix are accepted and stored as numbers
    #: (customer drivers, territory indicators, survey attribute scores).
    extra_prefixes: tuple[str, ...] = ()
    #: Groups of columns of which at least one must be given (header) and filled (row).
    one_of: tuple[tuple[str, ...], ...] = ()
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    #: Columns computed on import from others of the same line (:class:`Derivation`).
    derivations: tuple[Derivation, ...] = ()
    #: ``(volume, value)`` pairs: a line negative in the first (a return) and positive in the
    #: second is loaded, with a warning.
    return_signs: tuple[tuple[str, str], ...] = ()

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table '{self.name}' has no column '{name}'")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def derivation(self, name: str) -> Derivation | None:
        """The rule that computes column ``name`` on import, if the contract has one."""
        return next((d for d in self.derivations if d.column == name), None)

    def is_extra(self, name: str) -> bool:
        return any(name.startswith(p) and len(name) > len(p) for p in self.extra_prefixes)

    def references(self) -> tuple[str, ...]:
        """Tables this one refers to (other than itself), in column order."""
        out: list[str] = []
        for col in self.columns:
            if col.references:
                target = col.references.split(".")[0]
                if target != self.name and target not in out:
                    out.append(target)
        return tuple(out)


def normalize_header(text: str) -> str:
    """Lower case, no BOM, spaces/underscores/dots/dashes collapsed to one underscore."""
    text = text.replace("\ufeff", "").strip().casefold()
    text = re.sub(r"[\s_.\-/№#]+", "_", text)
    return text.strip("_")


# --- the tables --------------------------------------------------------------------------

_ID = "string"

TERRITORIES = Table(
    name="territories",
    description="Sales territories as a hierarchy (country > region > district), with market "
    "indicators for top-down potential (buying power index).",
    key=("territory_id",),
    aliases=("територии",),
    extra_prefixes=("indicator_",),
    columns=(
        Column("territory_id", _ID, "Territory code.", True,
               ("territory", "territory code", "територия", "код територия", "код на територия"),
               example="BG-22"),
        Column("name", "string", "Territory name.", True, ("territory name", "име", "наименование"),
               example="София-град"),
        Column("parent_id", _ID, "The territory this one belongs to (empty at the top).",
               aliases=("parent", "parent territory", "родител", "горна територия"),
               references="territories.territory_id", example="BG"),
        Column("level", "string", "country, region, district or any label of the level.",
               aliases=("ниво",), example="region"),
        Column("population", "number", "Inhabitants.", aliases=("население",), minimum=0,
               example="1280000"),
        Column("buying_income", "number", "Effective buying income (disposable income), in the "
               "workspace currency.", aliases=("income", "доход", "разполагаем доход"), minimum=0),
        Column("retail_sales", "number", "Retail sales in the territory, in the workspace currency.",
               aliases=("търговия на дребно", "оборот на дребно"), minimum=0),
        Column("firms", "number", "Number of firms (or of target firms).", aliases=("фирми", "брой фирми"),
               minimum=0),
        Column("market_value", "money", "Known market size in value per year, if any.",
               aliases=("market size", "пазар стойност", "размер на пазара"), minimum=0),
        Column("market_volume", "quantity", "Known market size in volume per year, if any.",
               aliases=("пазар обем",), minimum=0),
    ),
)

TEAMS = Table(
    name="teams",
    description="Sales teams.",
    key=("team_id",),
    aliases=("екипи",),
    columns=(
        Column("team_id", _ID, "Team code.", True, ("team", "екип", "код екип"), example="T1"),
        Column("name", "string", "Team name.", True, ("team name", "име", "наименование"),
               example="Sofia key accounts"),
        Column("manager_rep_id", _ID, "The rep who manages the team.",
               aliases=("manager", "мениджър", "ръководител"), example="R001"),
        Column("territory_id", _ID, "The territory the team covers.",
               aliases=("territory", "територия"), references="territories.territory_id"),
    ),
)

REPS = Table(
    name="reps",
    description="Sales people (reps, key-account managers, managers), for hierarchy, scoping and pay.",
    key=("rep_id",),
    aliases=("търговци", "служители"),
    columns=(
        Column("rep_id", _ID, "Employee code.", True,
               ("rep", "salesperson", "търговец", "код търговец", "служител"), example="R001"),
        Column("name", "string", "Full name.", True, ("rep name", "име"), example="Иван Петров"),
        Column("team_id", _ID, "Team.", aliases=("team", "екип"), references="teams.team_id"),
        Column("manager_id", _ID, "The rep's manager.", aliases=("manager", "мениджър", "ръководител"),
               references="reps.rep_id"),
        Column("role", "string", "Role.", aliases=("длъжност", "роля"),
               choices=("rep", "key_account_manager", "manager", "director"), example="rep"),
        Column("territory_id", _ID, "Home territory.", aliases=("territory", "територия"),
               references="territories.territory_id"),
        Column("email", "string", "E-mail (also the web login).", aliases=("e-mail", "имейл", "поща")),
        Column("hired_on", "date", "Start date.", aliases=("hired", "постъпил", "дата на постъпване")),
        Column("left_on", "date", "Leaving date.", aliases=("left", "напуснал")),
    ),
)

CUSTOMERS = Table(
    name="customers",
    description="Customers, with their territory, rep, firmographics and free numeric drivers "
    "(driver_beds, driver_outlets, driver_employees, driver_m2 ...) that feed potential.",
    key=("customer_id",),
    aliases=("клиенти",),
    extra_prefixes=("driver_",),
    columns=(
        Column("customer_id", _ID, "Customer code.", True,
               ("customer", "client", "customer code", "клиент", "код клиент", "код на клиент"),
               example="C00001"),
        Column("name", "string", "Customer name.", True, ("customer name", "име", "наименование", "фирма"),
               example="Аптека Здраве ЕООД"),
        Column("territory_id", _ID, "Territory.", aliases=("territory", "територия"),
               references="territories.territory_id", example="BG-22"),
        Column("rep_id", _ID, "Responsible rep.", aliases=("rep", "salesperson", "търговец"),
               references="reps.rep_id", example="R001"),
        Column("industry", "string", "Industry or channel.", aliases=("sector", "отрасъл", "индустрия", "канал"),
               example="pharmacy"),
        Column("size_band", "string", "Size band (S, M, L ...).", aliases=("size", "размер"), example="M"),
        Column("city", "string", "City.", aliases=("град", "населено място")),
        Column("region", "string", "Region.", aliases=("област",)),
        Column("country", "string", "Country.", aliases=("държава",)),
        Column("acquired_on", "date", "Customer since (first purchase or contract).",
               aliases=("customer since", "first purchase", "клиент от", "първа покупка")),
    ),
)

PRODUCTS = Table(
    name="products",
    description="Products, their business line and volume unit, and whether they are target products.",
    key=("product_id",),
    aliases=("продукти", "артикули"),
    notes=(
        "is_target marks the target products; while no product is marked, the target-product set is unknown "
        "and the target-product turnover and share are left empty (not 0).",
        "margin_rate is a share of net value, not an amount, so it needs no currency.",
    ),
    columns=(
        Column("product_id", _ID, "Product code (SKU).", True,
               ("product", "sku", "item", "артикул", "код артикул", "продукт", "код продукт"),
               example="P0001"),
        Column("name", "string", "Product name.", True, ("product name", "description", "име", "наименование"),
               example="Гипсокартон 12,5 мм"),
        Column("category", "string", "Product category.", aliases=("категория", "група", "стокова група")),
        Column("business_line", "string", "Business line (trade direction).",
               aliases=("line", "division", "бизнес линия", "направление"), example="building"),
        Column("unit", "string", "Unit of volume (pcs, kg, l, m2).", aliases=("uom", "мярка", "мерна единица"),
               example="pcs"),
        Column("is_target", "boolean", "A target product of the current plan.",
               aliases=("target", "target product", "целеви", "целеви продукт"), example="no"),
        Column("list_price", "price", "List price per unit.", aliases=("price", "цена", "ценова листа"),
               minimum=0),
        Column("margin_rate", "number",
               "Gross margin rate of the product: the share of a line's net value that is margin (0.25 = 25%). "
               "With [clv] margin_basis = \"assumed\" it gives the margin of its lines without a cost.",
               aliases=("margin rate", "margin share", "gross margin rate", "margin pct", "норма на маржа",
                        "марж процент", "процент марж", "дял марж"),
               minimum=0, maximum=1, example="0.25"),
    ),
)

SALES = Table(
    name="sales",
    description="Invoice lines: the core fact table. Returns and credit notes are negative lines.",
    key=("invoice_id", "line_no"),
    aliases=("продажби", "фактури"),
    one_of=(("net_value", "unit_price"),),
    derivations=(
        Derivation("net_value", "product", ("quantity", "unit_price"), per_line=True),
        Derivation("cost", "difference", ("net_value", "margin")),
    ),
    return_signs=(("quantity", "net_value"),),
    notes=(
        "net_value is the line's net amount; when absent it is quantity x unit_price.",
        "cost is the line's cost of goods; margin = net_value - cost (give cost or margin).",
        "currency is the ISO code of the line's amounts; amounts in BGN become EUR at 1.95583.",
        "Exact duplicate lines are refused; lines with the same invoice and line number too.",
        "A net_value more than twice or less than half of quantity x unit_price, and a return "
        "(negative quantity) with a positive net_value, are loaded with a warning.",
    ),
    columns=(
        Column("invoice_id", _ID, "Invoice (or credit note) number.", True,
               ("invoice", "invoice no", "invoiceno", "document", "фактура", "номер фактура",
                "номер на фактура", "документ"), example="F0000123"),
        Column("line_no", "integer", "Line number within the invoice (optional).",
               aliases=("line", "ред", "номер ред"), minimum=0, example="1"),
        Column("date", "date", "Invoice date.", True, ("invoice date", "invoicedate", "дата", "дата фактура"),
               example="2024-03-31"),
        Column("customer_id", _ID, "Customer.", True, ("customer", "customerid", "клиент", "код клиент"),
               references="customers.customer_id", example="C00001"),
        Column("product_id", _ID, "Product.", True, ("product", "sku", "stockcode", "артикул", "код артикул"),
               references="products.product_id", example="P0001"),
        Column("quantity", "quantity", "Volume in the product's unit; negative for a return.", True,
               ("qty", "volume", "количество", "к-во", "обем"), example="12"),
        Column("unit_price", "price", "Net unit price.", aliases=("price", "unitprice", "ед цена",
               "единична цена", "цена"), minimum=0, example="4.20"),
        Column("net_value", "money", "Net line amount (negative for a return or credit note).",
               aliases=("value", "amount", "net amount", "стойност", "нетна стойност", "сума"),
               example="50.40"),
        Column("cost", "money", "Cost of the goods on the line.", aliases=("cogs", "себестойност"),
               example="38.10"),
        Column("margin", "money", "Gross margin on the line (if cost is not given).",
               aliases=("profit", "марж", "печалба")),
        Column("rep_id", _ID, "Rep who made the sale, if it differs from the customer's rep.",
               aliases=("rep", "salesperson", "търговец"), references="reps.rep_id"),
        Column("currency", "string", "Currency of the amounts (ISO code).", aliases=("валута",),
               example="EUR"),
    ),
)

POTENTIAL = Table(
    name="potential",
    description="Stated potential (the customer's wallet): survey answers, rep estimates, external "
    "research, per customer or territory, year and business line.",
    key=("customer_id", "territory_id", "year", "business_line", "source"),
    aliases=("потенциал",),
    one_of=(("customer_id", "territory_id"), ("volume", "value")),
    columns=(
        Column("customer_id", _ID, "Customer (or give territory_id).", aliases=("customer", "клиент"),
               references="customers.customer_id"),
        Column("territory_id", _ID, "Territory (or give customer_id).", aliases=("territory", "територия"),
               references="territories.territory_id"),
        Column("year", "integer", "Year the potential is for.", True, ("period", "година", "период"),
               minimum=1900, maximum=2200, example="2025"),
        Column("business_line", "string", "Business line (empty = all).", aliases=("line", "бизнес линия",
               "направление")),
        Column("volume", "quantity", "Potential volume per year.", aliases=("обем", "количество"), minimum=0),
        Column("value", "money", "Potential value per year.", aliases=("стойност",), minimum=0),
        Column("source", "string", "Where the figure comes from.", True, ("източник",),
               choices=("survey", "rep_estimate", "external", "other"), example="rep_estimate"),
        Column("rep_id", _ID, "Rep who gave the estimate.", aliases=("rep", "търговец"),
               references="reps.rep_id"),
        Column("currency", "string", "Currency of value.", aliases=("валута",)),
    ),
)

SURVEY_INVITATIONS = Table(
    name="survey_invitations",
    description="Who was invited to a survey, so responders can be compared with non-responders.",
    key=("invitation_id",),
    aliases=("покани",),
    columns=(
        Column("invitation_id", _ID, "Invitation code.", True, ("invitation", "покана"), example="I0001"),
        Column("customer_id", _ID, "Customer invited.", True, ("customer", "клиент"),
               references="customers.customer_id"),
        Column("sent_on", "date", "Date sent.", True, ("date", "sent", "дата", "изпратена")),
        Column("channel", "string", "e-mail, phone, visit ...", aliases=("канал",)),
        Column("selected_by", "string", "How the respondent was chosen.", aliases=("избран от",),
               choices=("random", "rep", "other")),
    ),
)

SURVEYS = Table(
    name="surveys",
    description="Survey responses: NPS, CSAT, CES, attribute scores (score_*), stated importance "
    "(importance_*) and our rank among the brands the customer uses.",
    key=("response_id",),
    aliases=("анкети", "проучване"),
    extra_prefixes=("score_", "importance_"),
    columns=(
        Column("response_id", _ID, "Response code.", True, ("response", "отговор"), example="S0001"),
        Column("invitation_id", _ID, "Invitation answered.", aliases=("invitation", "покана"),
               references="survey_invitations.invitation_id"),
        Column("customer_id", _ID, "Customer.", True, ("customer", "клиент"),
               references="customers.customer_id"),
        Column("date", "date", "Response date.", True, ("дата",)),
        Column("respondent_role", "string", "Respondent's role (owner, buyer, user ...).",
               aliases=("role", "роля", "длъжност")),
        Column("nps", "integer", "Likelihood to recommend, 0-10.", aliases=("recommend", "препоръка"),
               minimum=0, maximum=10),
        Column("csat", "integer", "Satisfaction, 1-5.", aliases=("satisfaction", "удовлетвореност"),
               minimum=1, maximum=5),
        Column("ces", "integer", "Customer effort, 1-7 (1 = very easy).", aliases=("effort", "усилие"),
               minimum=1, maximum=7),
        Column("our_rank", "integer", "Our rank among the brands the customer uses (1 = first).",
               aliases=("rank", "ранг", "място"), minimum=1),
        Column("brands_used", "integer", "How many brands the customer uses in the category.",
               aliases=("brands", "брой марки", "брой доставчици"), minimum=1),
    ),
)

LOYALTY_MEMBERS = Table(
    name="loyalty_members",
    description="Loyalty programme members.",
    key=("customer_id",),
    aliases=("членове",),
    columns=(
        Column("customer_id", _ID, "Customer.", True, ("customer", "member", "клиент", "член"),
               references="customers.customer_id"),
        Column("enrolled_on", "date", "Enrolment date.", True, ("enrolled", "joined", "записан", "дата на записване")),
        Column("tier", "string", "Tier.", aliases=("ниво",)),
        Column("left_on", "date", "Date the member left.", aliases=("left", "напуснал")),
    ),
)

LOYALTY_EVENTS = Table(
    name="loyalty_events",
    description="Loyalty points earned, redeemed and expired.",
    key=("event_id",),
    aliases=("точки",),
    columns=(
        Column("event_id", _ID, "Event code.", True, ("event", "събитие"), example="E000001"),
        Column("customer_id", _ID, "Member.", True, ("customer", "member", "клиент"),
               references="customers.customer_id"),
        Column("date", "date", "Date.", True, ("дата",)),
        Column("kind", "string", "earn, redeem, expire or adjust.", True, ("type", "вид"),
               choices=("earn", "redeem", "expire", "adjust")),
        Column("points", "quantity", "Points (positive).", True, ("точки",), minimum=0),
        Column("cost", "money", "Programme cost of the event (reward cost on redemption).",
               aliases=("разход",), minimum=0),
        Column("currency", "string", "Currency of cost.", aliases=("валута",)),
    ),
)

TARGETS = Table(
    name="targets",
    description="Plan figures: a KPI's target for a period at a level of the organisation.",
    key=("period", "level", "key", "kpi"),
    aliases=("цели", "план"),
    columns=(
        Column("period", "string", "Year (2025), quarter (2025-Q1) or month (2025-03).", True,
               ("период",), example="2025"),
        Column("level", "string", "Level of the organisation.", True, ("ниво",),
               choices=("company", "business_line", "territory", "team", "rep", "customer"),
               example="rep"),
        Column("key", "string", "The id at that level (empty for company).", aliases=("id", "код"),
               example="R001"),
        Column("kpi", "string", "KPI name (turnover_value, turnover_volume, target_products_value ...).",
               True, ("показател",), example="turnover_value"),
        Column("target", "number", "Target value.", True, ("цел", "план"), example="250000"),
        Column("currency", "string", "Currency, for money KPIs.", aliases=("валута",)),
    ),
)

COMPETENCY_ASSESSMENTS = Table(
    name="competency_assessments",
    description="Competency assessments of sales staff.",
    key=("rep_id", "competency", "date"),
    aliases=("компетентности",),
    columns=(
        Column("rep_id", _ID, "Rep assessed.", True, ("rep", "търговец", "служител"),
               references="reps.rep_id"),
        Column("competency", "string", "Competency name.", True, ("компетентност",),
               example="negotiation"),
        Column("date", "date", "Assessment date.", True, ("дата",)),
        Column("score", "number", "Score.", True, ("оценка",), minimum=0, at_most=("scale_max", 5)),
        Column("scale_max", "number", "Top of the scale (default 5).", aliases=("максимум", "скала"),
               minimum=1),
        Column("assessor", "string", "Who assessed.", aliases=("оценител",)),
    ),
)

#: All input tables, in an order in which each table's references come first.
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        TERRITORIES, TEAMS, REPS, CUSTOMERS, PRODUCTS, SALES, POTENTIAL, SURVEY_INVITATIONS,
        SURVEYS, LOYALTY_MEMBERS, LOYALTY_EVENTS, TARGETS, COMPETENCY_ASSESSMENTS,
    )
}


def table(name: str) -> Table:
    """The input table called ``name`` (canonical name or alias), or a UsageError."""
    from saleskpi.errors import UsageError

    wanted = normalize_header(name)
    for t in TABLES.values():
        if wanted == t.name or wanted in (normalize_header(a) for a in t.aliases):
            return t
    raise UsageError(
        f"There is no input table called '{name}'. Input tables: {', '.join(TABLES)}. "
        "Run 'saleskpi schema' to see their columns."
    )


def match_headers(tbl: Table, headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map a file's headers to the contract's columns.

    Returns ``(found, extra)``: ``found`` maps canonical column (or accepted extra column)
    name -> the header as written in the file; ``extra`` lists headers that match nothing.
    The canonical name wins over an alias when both appear.
    """
    lookup: dict[str, str] = {}
    for col in tbl.columns:
        for alias in col.aliases:
            lookup.setdefault(normalize_header(alias), col.name)
    for col in tbl.columns:
        lookup[normalize_header(col.name)] = col.name
    canonical = set(tbl.column_names)
    found: dict[str, str] = {}
    # first the headers that spell a column's own name, so that they win over aliases
    for header in headers:
        norm = normalize_header(header)
        if norm in canonical and norm not in found:
            found[norm] = header
    claimed = set(found.values())
    extra: list[str] = []
    for header in headers:
        if header in claimed:
            continue
        norm = normalize_header(header)
        name = lookup.get(norm)
        if name is None and tbl.is_extra(norm):
            name = norm
        if name is None or name in found:
            extra.append(header)
        else:
            found[name] = header
    return found, extra


def contract_markdown() -> str:
    """The contract as a Markdown page (docs/data-contract.md is this text; a test keeps it so)."""
    lines = [
        "# The data contract",
        "",
        "Generated from `src/saleskpi/data/schema.py` (`python -m saleskpi.data.schema`); do not edit by hand.",
        "Headers are matched without regard to case, spaces, underscores, dots or dashes, in English",
        "or Bulgarian. `saleskpi schema TABLE` shows the same in the terminal.",
        "",
    ]
    for tbl in TABLES.values():
        lines += [f"## {tbl.name}", "", tbl.description, "",
                  f"Key: {', '.join(tbl.key)}." + (f" Also accepted as: {', '.join(tbl.aliases)}." if tbl.aliases else ""),
                  ""]
        lines += ["| column | type | required | expected | other headers accepted |", "|---|---|---|---|---|"]
        for col in tbl.columns:
            lines.append(f"| `{col.name}` | {col.type} | {'yes' if col.required else ''} | {col.expected()} | "
                         f"{', '.join(col.aliases)} |")
        for prefix in tbl.extra_prefixes:
            lines.append(f"| `{prefix}*` | number | | any number of extra numeric columns | |")
        for group in tbl.one_of:
            lines.append("")
            lines.append(f"At least one of {', '.join(f'`{c}`' for c in group)} must be given on every row.")
        for note in tbl.notes:
            lines.append("")
            lines.append(f"- {note}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(contract_markdown(), end="")
