"""The results the sales analysis stores, declared (:class:`saleskpi.results.Result`)."""

from __future__ import annotations

from saleskpi.analyses.columns import (
    ASSORTMENT_BREADTH,
    ATTAINMENT_BY_VALUE,
    BASE_VALUE,
    BUSINESS_LINE,
    CATEGORIES_BOUGHT,
    CHANGE_VALUE,
    COMPARISON,
    CURRENCY,
    CURRENT_VALUE,
    CUSTOMER_ID,
    GROWTH_VALUE_VS_LY,
    KEY,
    LEVEL,
    MARGIN,
    MARKET_SHARE,
    NOTE,
    PERIOD,
    POTENTIAL_VALUE,
    PRODUCTS_BOUGHT,
    REP_ID,
    TARGET_PRODUCTS_SHARE,
    TARGET_PRODUCTS_VALUE,
    TARGET_VALUE,
    TEAM_ID,
    TERRITORY_ID,
    TURNOVER_VALUE_12M,
    TURNOVER_VALUE_12M_WITH_POTENTIAL,
    TURNOVER_VALUE_LY,
    TURNOVER_VALUE_PERIOD,
    TURNOVER_VOLUME_PERIOD,
)
from saleskpi.results import Result, column

__all__ = ["RESULTS"]

_TURNOVER_VALUE_PREV = column(
    "turnover_value_prev", "money", "Turnover, previous period", "Оборот, предходен период",
    "Net value invoiced in the previous period over the same number of days from its start (at most to its "
    "end).",
    "Нетна стойност, фактурирана в предходния период за същия брой дни от началото му (най-много до края "
    "му).")

_TURNOVER_VOLUME_PREV = column(
    "turnover_volume_prev", "volume", "Volume, previous period", "Обем, предходен период",
    "Net quantity invoiced in the previous period over the same number of days from its start, in product "
    "units.",
    "Нетно количество, фактурирано в предходния период за същия брой дни от началото му, в единици продукт.")

_TURNOVER_VOLUME_LY = column(
    "turnover_volume_ly", "volume", "Volume, same dates last year", "Обем, същите дати миналата година",
    "Net quantity invoiced over the same dates one year earlier, in product units.",
    "Нетно количество, фактурирано за същите дати година по-рано, в единици продукт.")

_COST = column(
    "cost", "money", "Cost, period to date", "Себестойност от началото на периода",
    "Cost of the invoice lines of the period to date that have one (sales.cost); empty where no line has one.",
    "Себестойността на фактурните редове от началото на периода, които имат такава (sales.cost); празно, "
    "където никой ред няма.")

_TURNOVER_VALUE_WITH_COST = column(
    "turnover_value_with_cost", "money", "Turnover with a cost, period to date",
    "Оборот със себестойност от началото на периода",
    "Net value of the invoice lines of the period to date that have a cost (sales.cost, or a margin); empty "
    "where none has: the turnover the margin is computed over.",
    "Нетната стойност на фактурните редове от началото на периода, които имат себестойност (sales.cost или "
    "марж); празно, където никой няма: оборотът, върху който се смята маржът.")

_COST_COVERAGE = column(
    "cost_coverage", "ratio", "Cost coverage", "Покритие със себестойност",
    "turnover_value_with_cost / turnover_value_period: the share of the turnover whose cost is known (1 = "
    "every line has one); empty where the turnover is not positive.",
    "turnover_value_with_cost / turnover_value_period: делът от оборота с известна себестойност (1 = всеки "
    "ред има); празно, където оборотът не е положителен.")

_COVERAGE_PREV = column(
    "coverage_prev", "ratio", "Previous period covered", "Покритие на предходния период",
    "Share of the days of the previous period's comparison window that the sales data cover (on or after the "
    "first invoice date); below 1 growth vs the previous period is empty and note says what to import.",
    "Делът от дните на сравнителния прозорец на предходния период, обхванат от данните за продажби (от първата "
    "дата на фактура нататък); под 1 ръстът спрямо предходния период е празен и note казва какво да се внесе.")

_COVERAGE_LY = column(
    "coverage_ly", "ratio", "Last year covered", "Покритие на миналата година",
    "Share of the days of the same dates last year that the sales data cover; below 1 the growth vs last year "
    "is empty and note says what to import (0: the turnover last year is unknown, so empty too).",
    "Делът от дните на същите дати миналата година, обхванат от данните за продажби; под 1 ръстът спрямо "
    "миналата година е празен и note казва какво да се внесе (0: оборотът миналата година е неизвестен, "
    "затова също празен).")

_BASE_COVERAGE = column(
    "base_coverage", "ratio", "Base window covered", "Покритие на базовия период",
    "Share of the days of the base window that the sales data cover (on or after the first invoice date); "
    "below 1 the five parts and the customer counts are empty and note says what to import (at 0 the base "
    "and the change too: unknown, not 0).",
    "Делът от дните на базовия период, обхванат от данните за продажби (от първата дата на фактура нататък); "
    "под 1 петте части и броят клиенти са празни и note казва какво да се внесе (при 0 — и базата, и "
    "изменението: неизвестни, не 0).")

_CUSTOMERS_ACTIVE = column(
    "customers_active", "count", "Active customers", "Активни клиенти",
    "Customers with a positive net value on at least one product in the period to date (on a customer's "
    "row: 1 or 0).",
    "Клиенти с положителна нетна стойност по поне един продукт от началото на периода (в ред за клиент: "
    "1 или 0).",
    unit="customers")

_PRODUCTS_OFFERED = column(
    "products_offered", "count", "Products offered", "Предлагани продукти",
    "Products in the product list in the row's business line (in all lines on a row over all lines).",
    "Продуктите в номенклатурата в бизнес линията на реда (във всички линии в ред за всички линии).",
    unit="products")

_TARGET_VOLUME = column(
    "target_volume", "volume", "Target, volume", "Цел, обем",
    "The volume target for the whole reporting period (targets, kpi turnover_volume), on rows over all "
    "lines and on business-line rows; empty where none is set.",
    "Целта за обем за целия отчетен период (targets, kpi turnover_volume) в редовете за всички линии и в "
    "редовете за бизнес линия; празно, където не е зададена.")

_GROWTH_VALUE_VS_PREV = column(
    "growth_value_vs_prev", "ratio", "Growth vs previous period", "Ръст спрямо предходния период",
    "Turnover in the period to date / turnover in the previous period over the same number of days − 1, a "
    "fraction (0.12 = +12 %); empty where the previous turnover is not positive or the data do not cover the "
    "previous period's window (coverage_prev < 1).",
    "Оборотът от началото на периода / оборота в предходния период за същия брой дни − 1, като дроб "
    "(0,12 = +12 %); празно, където предходният оборот не е положителен или данните не обхващат "
    "прозореца му (coverage_prev < 1).")

_GROWTH_VOLUME_VS_LY = column(
    "growth_volume_vs_ly", "ratio", "Volume growth vs last year", "Ръст на обема спрямо миналата година",
    "Volume in the period to date / volume over the same dates last year − 1, a fraction (0.12 = +12 %); "
    "empty where last year's volume is not positive or the data do not cover last year (coverage_ly < 1).",
    "Обемът от началото на периода / обема за същите дати миналата година − 1, като дроб (0,12 = +12 %); "
    "празно, където миналогодишният обем не е положителен или данните не обхващат миналата година "
    "(coverage_ly < 1).")

_TARGET_VALUE_TO_DATE = column(
    "target_value_to_date", "money", "Target due to date", "Цел към датата",
    "The part of the period's target due by the as-of date: the target × the share of last year's whole "
    "period turnover that fell by the same date (the elapsed share of days when last year is empty).",
    "Частта от целта за периода, дължима към отчетната дата: целта × дела от оборота за целия миналогодишен "
    "период, реализиран до същата дата (изтеклият дял от дните, ако миналата година няма оборот).")

_TARGET_VOLUME_TO_DATE = column(
    "target_volume_to_date", "volume", "Volume target due to date", "Цел за обем към датата",
    "The part of the period's volume target due by the as-of date, by the same seasonal share.",
    "Частта от целта за обем за периода, дължима към отчетната дата, по същия сезонен дял.")

_ATTAINMENT_BY_VOLUME = column(
    "attainment_by_volume", "ratio", "Attainment, volume", "Изпълнение, обем",
    "Volume in the period to date / the part of the volume target due by the as-of date (0.95 = 95 %); empty "
    "where there is no volume target.",
    "Обемът от началото на периода / частта от целта за обем, дължима към отчетната дата (0,95 = 95 %); "
    "празно, където няма цел за обем.")

# --- the bridge ----------------------------------------------------------------------------------

_NEW_CUSTOMERS_VALUE = column(
    "new_customers_value", "money", "From new customers", "От нови клиенти",
    "The change from customers new to the node: net value ≤ 0 in the base window and > 0 in the period to "
    "date (their current minus base value).",
    "Изменението от клиенти, нови за звеното: нетна стойност ≤ 0 в базовия период и > 0 от началото на "
    "периода (текущата им минус базовата стойност).")

_LOST_CUSTOMERS_VALUE = column(
    "lost_customers_value", "money", "From lost customers", "От загубени клиенти",
    "The change from customers the node lost: net value > 0 in the base window and ≤ 0 in the period to "
    "date (their current minus base value, so negative).",
    "Изменението от клиенти, загубени за звеното: нетна стойност > 0 в базовия период и ≤ 0 от началото на "
    "периода (текущата им минус базовата стойност, т.е. отрицателна).")

_PRICE_EFFECT_VALUE = column(
    "price_effect_value", "money", "Price effect", "Ценови ефект",
    "Retained customers: Σ (price now − base price) × quantity now over each customer × product bought with "
    "a positive quantity in both windows (price = value / quantity), to the cent.",
    "Задържани клиенти: Σ (цена сега − базова цена) × количество сега по всяка двойка клиент × продукт, "
    "купувана с положително количество и в двата периода (цена = стойност / количество), до цент.")

_VOLUME_EFFECT_VALUE = column(
    "volume_effect_value", "money", "Volume effect", "Ефект на обема",
    "Retained customers: (quantity now − base quantity) × the base average price (base value / base "
    "quantity), to the cent.",
    "Задържани клиенти: (количество сега − базово количество) × базовата средна цена (базова стойност / "
    "базово количество), до цент.")

_MIX_EFFECT_VALUE = column(
    "mix_effect_value", "money", "Mix effect", "Ефект на микса",
    "The rest of the retained customers' change (product mix; products they started or stopped buying); it "
    "takes the rounding, so that the parts add up to the change.",
    "Остатъкът от изменението при задържаните клиенти (продуктов микс; продукти, които са започнали или "
    "спрели да купуват); поема закръглението, така че частите да дават изменението.")

_CUSTOMERS_NEW = column(
    "customers_new", "count", "New customers", "Нови клиенти",
    "Customers new to the node: net value ≤ 0 in the base window and > 0 in the period to date.",
    "Клиенти, нови за звеното: нетна стойност ≤ 0 в базовия период и > 0 от началото на периода.",
    unit="customers")

_CUSTOMERS_LOST = column(
    "customers_lost", "count", "Lost customers", "Загубени клиенти",
    "Customers the node lost: net value > 0 in the base window and ≤ 0 in the period to date.",
    "Клиенти, загубени за звеното: нетна стойност > 0 в базовия период и ≤ 0 от началото на периода.",
    unit="customers")


SALES = Result(
    "sales",
    ("Sales by node", "Продажби по звена"),
    ("Turnover, growth, targets, margin, assortment and market share for the company, each business line "
     "and each territory, team, rep and customer, over all lines and per line.",
     "Оборот, ръст, цели, марж, асортимент и пазарен дял за фирмата, всяка бизнес линия и всяка територия, "
     "екип, търговец и клиент — за всички линии и по линии."),
    (LEVEL, KEY, BUSINESS_LINE, TERRITORY_ID, TEAM_ID, REP_ID, CUSTOMER_ID, TURNOVER_VALUE_PERIOD,
     _TURNOVER_VALUE_PREV, TURNOVER_VALUE_LY, TURNOVER_VOLUME_PERIOD, _TURNOVER_VOLUME_PREV, _TURNOVER_VOLUME_LY,
     _COST, _TURNOVER_VALUE_WITH_COST, TARGET_PRODUCTS_VALUE, _CUSTOMERS_ACTIVE, PRODUCTS_BOUGHT, CATEGORIES_BOUGHT, _PRODUCTS_OFFERED,
     TARGET_VALUE, _TARGET_VOLUME, POTENTIAL_VALUE, TURNOVER_VALUE_12M_WITH_POTENTIAL, MARKET_SHARE, PERIOD, MARGIN,
     _GROWTH_VALUE_VS_PREV, GROWTH_VALUE_VS_LY, _GROWTH_VOLUME_VS_LY, _TARGET_VALUE_TO_DATE,
     _TARGET_VOLUME_TO_DATE, TARGET_PRODUCTS_SHARE, ASSORTMENT_BREADTH, CURRENCY, ATTAINMENT_BY_VALUE,
     _ATTAINMENT_BY_VOLUME, _COST_COVERAGE, _COVERAGE_PREV, _COVERAGE_LY, NOTE),
    key=("level", "key", "business_line"),
    scope=("customer_id", "rep_id", "team_id", "territory_id"),
    notes=(
        ("The period to date runs from the start of the year, quarter or month that holds the as-of date "
         "([sales] period) to the as-of date. It is compared like for like: with the previous period over "
         "the same number of days, and with the same dates one year earlier (29 February falls back to 28 "
         "February).",
         "Периодът тече от началото на годината, тримесечието или месеца на отчетната дата ([sales] period) "
         "до отчетната дата. Сравнява се при равни условия: с предходния период за същия брой дни и със "
         "същите дати година по-рано (29 февруари се заменя с 28 февруари)."),
        ("A target is for the whole period; the part due by the as-of date is the target × the share of last "
         "year's whole period turnover that fell by the same date. Attainment = turnover / target due to "
         "date.",
         "Целта е за целия период; дължимата към отчетната дата част е целта × дела от оборота за целия "
         "миналогодишен период, реализиран до същата дата. Изпълнение = оборот / цел към датата."),
        ("Turnover is credited to the invoice line's rep, else the customer's rep, and to that rep's team. "
         "Market share is a 12-month figure whatever the period, because the potential is yearly: a customer "
         "counts for the territory and rep of its customer record, and only customer × line pairs that have a "
         "potential count.",
         "Оборотът се отчита на търговеца от фактурния ред, иначе на търговеца на клиента, и на екипа му. "
         "Пазарният дял е за 12 месеца независимо от периода, защото потенциалът е годишен: клиентът се брои "
         "към територията и търговеца от клиентския си запис и се броят само двойките клиент × линия с "
         "потенциал."),
    ),
)

BRIDGE = Result(
    "bridge",
    ("Turnover bridge", "Мост на оборота"),
    ("Why turnover changed against the previous period and against last year, for the company, each "
     "business line, territory and rep: new customers, lost customers, price, volume and mix.",
     "Защо се е променил оборотът спрямо предходния период и спрямо миналата година — за фирмата, всяка "
     "бизнес линия, територия и търговец: нови клиенти, загубени клиенти, цена, обем и микс."),
    (COMPARISON, LEVEL, KEY, TERRITORY_ID, REP_ID, BASE_VALUE, CURRENT_VALUE, CHANGE_VALUE,
     _NEW_CUSTOMERS_VALUE, _LOST_CUSTOMERS_VALUE, _PRICE_EFFECT_VALUE, _VOLUME_EFFECT_VALUE, _MIX_EFFECT_VALUE,
     _CUSTOMERS_NEW, _CUSTOMERS_LOST, CURRENCY, _BASE_COVERAGE, NOTE),
    key=("comparison", "level", "key"),
    scope=("rep_id", "territory_id"),
    notes=(
        ("A price-volume-mix analysis with new and lost customers split out: change = new + lost + price + "
         "volume + mix, exactly to the cent. Within a node a customer is new if its net value was ≤ 0 in the "
         "base window and > 0 now, lost in the opposite case, retained otherwise; new and lost customers "
         "bring their whole change.",
         "Анализ цена–обем–микс с отделени нови и загубени клиенти: изменение = нови + загубени + цена + обем "
         "+ микс, точно до цент. В рамките на звеното клиентът е нов, ако нетната му стойност е била ≤ 0 "
         "в базовия период и > 0 сега, загубен — в обратния случай, задържан — иначе; новите и загубените "
         "клиенти внасят цялото си изменение."),
        ("Each part is rounded to the cent and the mix takes the rounding. territory_id and rep_id are set on "
         "the territory and rep rows only.",
         "Всяка част се закръглява до цент и миксът поема закръглението. territory_id и rep_id са "
         "попълнени само в редовете за територия и търговец."),
    ),
)

RESULTS: tuple[Result, ...] = (SALES, BRIDGE)
