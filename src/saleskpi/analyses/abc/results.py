"""The results the ABC analysis stores, declared (:class:`saleskpi.results.Result`)."""

from __future__ import annotations

from saleskpi.analyses.columns import (
    ACTION,
    ASSORTMENT_BREADTH,
    BUSINESS_LINE,
    ATTAINMENT_BY_VALUE,
    CATEGORIES_BOUGHT,
    CELL,
    CLASS_BY_POTENTIAL,
    CLASS_BY_SHARE,
    CLASS_BY_SHARE_VOLUME,
    CLASS_BY_VALUE,
    CLASS_BY_VOLUME,
    CRITERION,
    CURRENCY,
    CUSTOMER_ID,
    CUSTOMERS,
    GAP_VALUE,
    GROWTH_VALUE_VS_LY,
    MARGIN,
    NOTE,
    MISMATCH_SIGNAL,
    PERIOD,
    POTENTIAL_VALUE,
    PREVIOUS_RUN,
    PRODUCTS_BOUGHT,
    REP_ID,
    SHARE_OF_WALLET_BY_VALUE,
    SHARE_OF_WALLET_BY_VOLUME,
    TARGET_PRODUCTS_SHARE,
    TARGET_PRODUCTS_VALUE,
    TARGET_VALUE,
    TEAM_ID,
    TERRITORY_ID,
    TURNOVER_VALUE_12M,
    TURNOVER_VALUE_LY,
    TURNOVER_VALUE_PERIOD,
    TURNOVER_VOLUME_12M,
    TURNOVER_VOLUME_PERIOD,
    VOLUME_VALUE_MISMATCH,
)
from saleskpi.results import Result, column

__all__ = ["RESULTS", "ABC_COLUMNS"]

_CLASSIFICATION_METHOD = column(
    "classification_method", "class", "Classification method", "Метод на класифициране",
    "How the classes were set: pareto (fixed cut-offs on the cumulative share), computed (computed ABC, "
    "Ultsch & Lötsch 2015) or thresholds (fixed share-of-wallet thresholds).",
    "Как са определени класовете: pareto (фиксирани граници на натрупания дял), computed (изчислен ABC, "
    "Ultsch и Lötsch 2015) или thresholds (фиксирани прагове на дела от портфейла).")

_LIMIT_AB = column(
    "limit_ab", "number", "Limit A/B", "Граница A/B",
    "The criterion's value at the A/B boundary: with pareto the smallest value in A, with computed ABC the "
    "value above which a customer is A, with thresholds the share from which it is A; empty where no value "
    "is positive.",
    "Стойността на критерия на границата A/B: при pareto — най-малката стойност в A, при изчислен ABC — "
    "стойността, над която клиентът е A, при прагове — делът, от който е A; празно, ако няма положителна "
    "стойност.",
    unit="the criterion's: currency, product units or share")

_LIMIT_BC = column(
    "limit_bc", "number", "Limit B/C", "Граница B/C",
    "The criterion's value at the B/C boundary: with pareto the smallest value in A or B, with computed ABC "
    "the value from which a customer is B, with thresholds the share from which a customer is B; empty where "
    "no value is positive.",
    "Стойността на критерия на границата B/C: при pareto — най-малката стойност в A или B, при изчислен "
    "ABC — стойността, от която клиентът е B, при прагове — делът, от който клиентът е B; празно, ако няма "
    "положителна стойност.",
    unit="the criterion's: currency, product units or share")

_CUSTOMERS_A = column(
    "customers_a", "count", "Customers in A", "Клиенти в A",
    "Customers in class A by the criterion.", "Клиентите в клас A по критерия.", unit="customers")

_CUSTOMERS_B = column(
    "customers_b", "count", "Customers in B", "Клиенти в B",
    "Customers in class B by the criterion.", "Клиентите в клас B по критерия.", unit="customers")

_CUSTOMERS_C = column(
    "customers_c", "count", "Customers in C", "Клиенти в C",
    "Customers in class C by the criterion (customers without a share have no class by share).",
    "Клиентите в клас C по критерия (клиентите без дял нямат клас по дял).", unit="customers")

_CUSTOMERS_UNCLASSIFIED = column(
    "customers_unclassified", "count", "Customers without a class", "Клиенти без клас",
    "Customers with no class by the criterion: its potential or share is unknown, or it was acquired after "
    "the as-of date (unknown is not class C).",
    "Клиентите без клас по критерия: потенциалът или делът им е неизвестен или са придобити след отчетната "
    "дата (неизвестното не е клас C).", unit="customers")

CLASS_MISSING_REASON = column(
    "class_missing_reason", "text", "Why no class", "Защо няма клас",
    "Why the row's classes, cell, limits or figures are empty (no potential estimate, a potential of zero, "
    "too few shares for the method, acquired after the as-of date); empty where nothing is missing.",
    "Защо класовете, клетката, границите или стойностите на реда са празни (няма оценка на потенциала, "
    "потенциалът е нула, твърде малко дялове за метода, придобит след отчетната дата); празно, където нищо "
    "не липсва.")

_FROM_CLASS = column(
    "from_class", "class", "From class", "От клас",
    "The customer's class by the criterion in the previous run: A, B, C, unknown (no class by it: no potential "
    "or share) or new (not classified then).",
    "Класът на клиента по критерия в предишното изчисление: A, B, C, unknown (без клас по него: няма "
    "потенциал или дял) или new (не е бил класифициран тогава).")

_TO_CLASS = column(
    "to_class", "class", "To class", "Към клас",
    "The customer's class by the criterion in this run: A, B, C, unknown (no class by it: no potential or "
    "share) or gone (not classified now).",
    "Класът на клиента по критерия в това изчисление: A, B, C, unknown (без клас по него: няма потенциал "
    "или дял) или gone (не е класифициран сега).")


#: The columns of ``abc``, which ``class-a`` begins with.
ABC_COLUMNS = (CUSTOMER_ID, TERRITORY_ID, REP_ID, TURNOVER_VALUE_12M, TURNOVER_VOLUME_12M, POTENTIAL_VALUE,
               SHARE_OF_WALLET_BY_VALUE, SHARE_OF_WALLET_BY_VOLUME, CLASS_BY_VALUE, CLASS_BY_VOLUME,
               CLASS_BY_POTENTIAL, CLASS_BY_SHARE, CLASS_BY_SHARE_VOLUME, CELL, ACTION, VOLUME_VALUE_MISMATCH,
               MISMATCH_SIGNAL, CLASS_MISSING_REASON, CURRENCY)

_CLASSES_NOTE = (
    "Customers are classified on their rows over all lines of the wallet result. By purchases (value and "
    "volume) and potential: fixed cut-offs (pareto: A while the cumulative share of the customers before "
    "is below 80 %, B below 95 %; ties by customer id) or computed ABC (Ultsch & Lötsch 2015, as the R "
    "package ABCanalysis). By share of wallet, a ratio: thresholds by default (A from 50 %, B from 20 %).",
    "Клиентите се класифицират по редовете им за всички линии от резултата wallet. По покупки (стойност и "
    "обем) и потенциал: фиксирани граници (pareto: A, докато натрупаният дял на клиентите преди него е под "
    "80 %, B — под 95 %; при равенство по код на клиента) или изчислен ABC (Ultsch и Lötsch 2015, както "
    "R пакета ABCanalysis). По дял от портфейла, който е съотношение: по подразбиране прагове (A от 50 %, "
    "B от 20 %).")

ABC = Result(
    "abc",
    ("ABC classes", "ABC класове"),
    ("Every customer's classes by purchases (value and volume), potential and share of wallet, its cell of "
     "the 27-cell matrix and the recommended action.",
     "Класовете на всеки клиент по покупки (стойност и обем), потенциал и дял от портфейла, клетката му в "
     "матрицата с 27 клетки и препоръчаното действие."),
    ABC_COLUMNS,
    key=("customer_id",),
    scope=("customer_id", "rep_id", "territory_id"),
    notes=(_CLASSES_NOTE,),
)

ABC_LIMITS = Result(
    "abc-limits",
    ("ABC limits", "Граници на ABC класовете"),
    ("For each criterion: the method, the two limits and the customers in each class.",
     "За всеки критерий: методът, двете граници и клиентите във всеки клас."),
    (CRITERION, _CLASSIFICATION_METHOD, _LIMIT_AB, _LIMIT_BC, _CUSTOMERS_A, _CUSTOMERS_B, _CUSTOMERS_C,
     _CUSTOMERS_UNCLASSIFIED, CLASS_MISSING_REASON),
    key=("criterion",),
    scope=(),
    notes=(
        ("Every criterion has a row; where no customer could be classified by it (no potential, too few "
         "shares for the share method), its limits are empty and class_missing_reason says why.",
         "Всеки критерий има ред; където никой клиент не може да се класифицира по него (няма потенциал, "
         "твърде малко дялове за метода), границите са празни и class_missing_reason казва защо."),
    ),
)

ABC_MATRIX = Result(
    "abc-matrix",
    ("ABC matrix", "ABC матрица"),
    ("The 27 cells of classes by purchases, potential and share of wallet: customers, 12-month turnover, "
     "potential, the gap and the recommended action.",
     "27-те клетки от класове по покупки, потенциал и дял от портфейла: клиенти, оборот за 12 месеца, "
     "потенциал, неусвоеният потенциал и препоръчаното действие."),
    (CLASS_BY_VALUE, CLASS_BY_POTENTIAL, CLASS_BY_SHARE, CELL, ACTION, CUSTOMERS, TURNOVER_VALUE_12M,
     POTENTIAL_VALUE, GAP_VALUE, CLASS_MISSING_REASON, CURRENCY),
    key=("cell",),
    scope=(),
    notes=(
        ("Every cell has a row, 0 where it holds no customer. The action is built in by the classes by "
         "potential and share (potential A, share C: grow share, priority) and can be set per cell in "
         "[abc.actions]. Where no customer has a cell (no potential or share), the cells are unknown, not "
         "empty: their figures and actions are empty and class_missing_reason says why.",
         "Всяка клетка има ред, с 0, ако в нея няма клиенти. Действието е вградено според класовете по "
         "потенциал и дял (потенциал A, дял C: увеличаване на дела, приоритет) и може да се зададе за всяка "
         "клетка в [abc.actions]. Където никой клиент няма клетка (няма потенциал или дял), клетките са "
         "неизвестни, а не празни: стойностите и действията им са празни и class_missing_reason казва защо."),
    ),
)

ABC_MIGRATION = Result(
    "abc-migration",
    ("ABC migration", "Движение между ABC класовете"),
    ("Customers by criterion, previous class and class now, against the previous run that stored abc.",
     "Клиентите по критерий, предишен клас и сегашен клас спрямо предишното изчисление, записало abc."),
    (CRITERION, _FROM_CLASS, _TO_CLASS, CUSTOMERS, PREVIOUS_RUN),
    key=("criterion", "from_class", "to_class"),
    scope=(),
    notes=(
        ("On the first run every customer is new. Criteria: value, potential and share. Customers acquired "
         "after the as-of date are not classified, so not counted.",
         "При първото изчисление всички клиенти са нови. Критерии: value, potential и share. Клиентите, "
         "придобити след отчетната дата, не се класифицират и не се броят."),
    ),
)

CLASS_A = Result(
    "class-a",
    ("Class A customers", "Клиенти от клас A"),
    ("Every class-A customer by 12-month turnover, largest first: its classes, share of wallet and action "
     "beside its sales in the period to date — the key-account manager's list.",
     "Всеки клиент от клас A по оборот за 12 месеца, от най-големия: класовете, делът от портфейла и "
     "действието до продажбите му от началото на периода — списъкът на мениджъра ключови клиенти."),
    (*ABC_COLUMNS, TEAM_ID, TURNOVER_VALUE_PERIOD, TURNOVER_VALUE_LY, GROWTH_VALUE_VS_LY, TURNOVER_VOLUME_PERIOD,
     TARGET_VALUE, ATTAINMENT_BY_VALUE, TARGET_PRODUCTS_VALUE, TARGET_PRODUCTS_SHARE, PRODUCTS_BOUGHT,
     CATEGORIES_BOUGHT, ASSORTMENT_BREADTH, MARGIN, PERIOD, NOTE),
    key=("customer_id",),
    scope=("customer_id", "rep_id", "team_id", "territory_id"),
    notes=(
        ("The sales columns are the customer's row over all lines in the sales result (the period to date, "
         "and the same dates last year), and note is that row's: why a sales column is empty (no product "
         "marked as a target product, no cost, no target).",
         "Колоните за продажби са от реда на клиента за всички линии в резултата sales (от началото на "
         "периода и за същите дати миналата година), а note е бележката на този ред: защо колона за продажби "
         "е празна (няма продукт, отбелязан като целеви, няма себестойност, няма цел)."),
    ),
)

TARGET_GAPS = Result(
    "target-gaps",
    ("Target products not yet bought", "Целеви продукти, които още не е купувал"),
    ("Each target product (products.is_target) that a customer who bought in the 12 months to the as-of "
     "date did not buy in them: what to offer whom, with the customer's turnover and gap to potential in the "
     "product's business line and the share of the buying customers who bought the product.",
     "Всеки целеви продукт (products.is_target), който клиент с покупки през 12-те месеца до отчетната дата "
     "не е купил през тях: какво да се предложи на кого, с оборота и неусвоения потенциал на клиента в "
     "бизнес линията на продукта и дела на купувалите клиенти, които са купили продукта."),
    (CUSTOMER_ID, TERRITORY_ID, REP_ID, CLASS_BY_VALUE,
     column("product_id", "id", "Product", "Продукт",
            "The target product's id (products.product_id) that the customer did not buy in the 12 months.",
            "Кодът на целевия продукт (products.product_id), който клиентът не е купил през 12-те месеца."),
     column("product_name", "text", "Product name", "Име на продукта",
            "The product's name (products.name).", "Името на продукта (products.name)."),
     BUSINESS_LINE,
     column("category", "class", "Category", "Категория",
            "The product's category (products.category).", "Категорията на продукта (products.category)."),
     column("line_turnover_value_12m", "money", "Turnover in the line, 12 months", "Оборот в линията, 12 месеца",
            "The customer's 12-month turnover in the product's business line (its wallet row): 0 when it buys "
            "nothing of the line; empty where the customer has no wallet row for the line.",
            "Оборотът на клиента за 12 месеца в бизнес линията на продукта (редът му в wallet): 0, когато не "
            "купува нищо от линията; празно, където клиентът няма ред в wallet за линията."),
     column("line_gap_value", "money", "Gap to potential in the line", "Неусвоен потенциал в линията",
            "The customer's yearly potential in the product's business line − its 12-month turnover there "
            "(wallet.gap_value): the room the offer has; empty where the line has no potential.",
            "Годишният потенциал на клиента в бизнес линията на продукта − оборотът му там за 12 месеца "
            "(wallet.gap_value): мястото, което офертата има; празно, където линията няма потенциал."),
     column("buyers_share", "ratio", "Share of customers buying it", "Дял на клиентите, които го купуват",
            "Of the customers who bought in the 12 months, the share who bought this product (0.40 = 40 %): "
            "a product most customers buy is an easy offer; 0 when none bought it.",
            "От клиентите с покупки през 12-те месеца — делът на купилите този продукт (0,40 = 40 %): продукт, "
            "който повечето купуват, е лесна оферта; 0, когато никой не го е купил."),
     CURRENCY),
    key=("customer_id", "product_id"),
    scope=("customer_id", "rep_id", "territory_id"),
    notes=(
        ("A product counts as bought when the customer's net value of it in the 12 months is positive (a "
         "purchase returned in full is not bought). No row while no product is marked as a target product "
         "(a warning says so); a customer with no purchase in the 12 months has no row (nothing to offer "
         "beside: win it back first, see segments).",
         "Продуктът се счита за купен, когато нетната стойност за клиента през 12-те месеца е положителна "
         "(изцяло върната покупка не е покупка). Няма редове, докато нито един продукт не е отбелязан като "
         "целеви (предупреждение казва това); клиент без покупка през 12-те месеца няма редове (първо да се "
         "върне, вижте segments)."),
    ),
)

RESULTS: tuple[Result, ...] = (ABC, ABC_LIMITS, ABC_MATRIX, ABC_MIGRATION, CLASS_A, TARGET_GAPS)
