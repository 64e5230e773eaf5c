"""Columns that more than one result carries, declared once (one name per concept).

A column name means one thing in every result that has it: the same kind, unit, titles and
definition. The results modules (``<analysis>/results.py``) take these declarations as they
are; a column that only one result has is declared in that result's module. Where the same
word would mean two things, the columns have two names (``turnover_value_period``, the period
to date, against ``turnover_value_12m``, the 12 months to the as-of date).

Windows, as the descriptions name them: *the period to date* runs from the start of the
reporting period (the year, quarter or month that holds the as-of date, ``[sales] period``) to
the as-of date; *the same dates last year* are those dates one year earlier (29 February falls
back to 28 February); *the 12 months to the as-of date* are the rolling year that ends on it.
"""

from __future__ import annotations

from saleskpi.results import column


# --- who and where ------------------------------------------------------------------------------

CUSTOMER_ID = column(
    "customer_id", "id", "Customer", "Клиент",
    "The customer's id (customers.customer_id); empty on a row that sums several customers.",
    "Кодът на клиента (customers.customer_id); празно в ред, който сумира няколко клиента.")

TERRITORY_ID = column(
    "territory_id", "id", "Territory", "Територия",
    "The territory's id: the customer's territory (its customer record) on a customer's row, the territory "
    "the row sums on a territory's row; empty where the row belongs to no territory.",
    "Кодът на територията: територията на клиента (по клиентския му запис) в ред за клиент, територията, "
    "която редът сумира, в ред за територия; празно, където редът не е на територия.")

REP_ID = column(
    "rep_id", "id", "Rep", "Търговец",
    "The sales rep's id: the customer's rep (its customer record) on a customer's row; on a rep's row the rep "
    "it is about (in sales and bridge the rep credited with the invoice lines: the line's rep, else the "
    "customer's); empty where the row belongs to no rep.",
    "Кодът на търговския представител: търговецът на клиента (по клиентския му запис) в ред за клиент; в ред "
    "за търговец — търговецът, за когото е редът (в sales и bridge търговецът, на когото се отчитат "
    "фактурните редове: този от реда, иначе този на клиента); празно, където редът не е на търговец.")

TEAM_ID = column(
    "team_id", "id", "Team", "Екип",
    "The sales team's id (the team of the rep, reps.team_id) on a team's row; empty where the row belongs to "
    "no team.",
    "Кодът на търговския екип (екипът на търговеца, reps.team_id) в ред за екип; празно, където редът не е "
    "на екип.")

BUSINESS_LINE = column(
    "business_line", "id", "Business line", "Бизнес линия",
    "The business line (products.business_line; '(none)' for products without one); empty on a row over "
    "all lines.",
    "Бизнес линията (products.business_line; '(none)' за продукти без линия); празно в ред за всички линии.")

CURRENCY = column(
    "currency", "text", "Currency", "Валута",
    "The workspace currency that every money column of the row is in (its code, e.g. EUR).",
    "Валутата на работното пространство, в която са всички парични колони на реда (кодът ѝ, напр. EUR).")

LEVEL = column(
    "level", "class", "Level", "Ниво",
    "What the row sums: company, business_line, territory, team, rep or customer (territory_line: one "
    "territory in one business line).",
    "Какво сумира редът: company (фирмата), business_line (бизнес линия), territory (територия), team (екип), "
    "rep (търговец) или customer (клиент); territory_line — една територия в една бизнес линия.")

KEY = column(
    "key", "id", "Key", "Ключ",
    "The id of the row's node at its level: the business line, territory, team, rep or customer id; empty "
    "for the company.",
    "Кодът на звеното на реда на неговото ниво: код на бизнес линия, територия, екип, търговец или клиент; "
    "празно за фирмата.")

CUSTOMERS = column(
    "customers", "count", "Customers", "Клиенти",
    "How many customers the row covers: those in its group, cell, band or decile; in potential-rollup those "
    "with a potential, in wallet-links those with a share of wallet, in abc-migration those that moved from "
    "the one class to the other, in clv-params those the model was fitted on (left out: those the reason concerns; "
    "check: the long-inactive ones).",
    "Колко клиента обхваща редът: тези в групата, клетката, диапазона или децила му; в potential-rollup — "
    "тези с потенциал, в wallet-links — тези с дял от портфейла, в abc-migration — преминалите от единия "
    "клас в другия, в clv-params — тези, по които е оценен моделът (left out: тези, за които се отнася "
    "причината; check: отдавна неактивните).",
    unit="customers")

PERIOD = column(
    "period", "text", "Period", "Период",
    "The period the row's figures cover, as a label: the reporting period that holds the as-of date, to "
    "date (2026, 2026-Q4 or 2026-10); in clv-history the calendar year (the as-of year to date: "
    "'2026 YTD') or 'total'.",
    "Периодът, за който са стойностите в реда: отчетният период, в който попада отчетната дата, до нея "
    "(2026, 2026-Q4 или 2026-10); в clv-history — календарната година (годината на отчетната дата — до "
    "нея: '2026 YTD') или 'total' (общо).")

YEAR = column(
    "year", "integer", "Year", "Година",
    "The calendar year the row's figures are for: in potential the as-of year, to which stated figures "
    "are carried forward; in clv-history the year of the purchases (empty on the total row).",
    "Календарната година, за която са стойностите в реда: в potential — годината на отчетната дата, към "
    "която се пренасят заявените стойности; в clv-history — годината на покупките (празно в реда 'общо').",
    unit="year")

PREVIOUS_RUN = column(
    "previous_run", "integer", "Previous run", "Предишно изчисление",
    "The id of the previous run compared with: the one that stored the result the moves are counted from "
    "(abc in abc-migration, segments in segment-moves); empty on the first run.",
    "Номерът на предишното изчисление, с което се сравнява: това, записало резултата, от който се броят "
    "движенията (abc в abc-migration, segments в segment-moves); празно при първото.",
    unit="run id")
KPI = column(
    "kpi", "class", "KPI", "Показател",
    "The KPI's name: in the KPI catalogue (docs/kpis.md; DIR/kpis.toml), or on a targets row the targets "
    "table's kpi.",
    "Името на показателя: в каталога на показателите (docs/kpis.md; DIR/kpis.toml) или в ред за цели — kpi "
    "от таблицата targets.")

NOTE = column(
    "note", "text", "Note", "Бележка",
    "Why figures of the row are empty or partial (a model that could not be fitted, margins that are not "
    "known); empty when nothing is missing.",
    "Защо стойности в реда са празни или непълни (модел, който не може да бъде оценен, неизвестен марж); "
    "празно, когато нищо не липсва.")

# --- turnover, potential and share ------------------------------------------------------------

TURNOVER_VALUE_12M = column(
    "turnover_value_12m", "money", "Turnover, 12 months", "Оборот, 12 месеца",
    "Net value invoiced to the row's customer(s) in its business line(s) over the 12 months to the as-of "
    "date.",
    "Нетна стойност, фактурирана на клиента (клиентите) от реда в бизнес линията (линиите) му, за 12-те "
    "месеца до отчетната дата.")

TURNOVER_VALUE_12M_WITH_POTENTIAL = column(
    "turnover_value_12m_with_potential", "money", "Turnover with a potential, 12 months",
    "Оборот с потенциал, 12 месеца",
    "Net value invoiced over the 12 months to the as-of date, summed over the node's customer × line pairs "
    "that have a potential only (as market share counts it: a pair without an estimate adds neither "
    "turnover nor wallet).",
    "Нетна стойност, фактурирана за 12-те месеца до отчетната дата, сумирана само за двойките клиент × "
    "линия от възела, които имат потенциал (както се смята пазарният дял: двойка без оценка не добавя нито "
    "оборот, нито портфейл).")

TURNOVER_VOLUME_12M = column(
    "turnover_volume_12m", "volume", "Volume, 12 months", "Обем, 12 месеца",
    "Net quantity invoiced to the row's customers in its business line(s) over the 12 months to the as-of "
    "date, in product units.",
    "Нетно количество, фактурирано на клиентите от реда в бизнес линията (линиите) му, за 12-те месеца до "
    "отчетната дата, в единици продукт.")

POTENTIAL_VALUE = column(
    "potential_value", "money", "Potential", "Потенциал",
    "The reconciled yearly potential (the wallet: what the customer could buy in the line a year from all "
    "suppliers): stated where given, else the line's chosen method, never below the 12-month turnover; "
    "summed over the row's customer × line pairs that have one, empty where none has.",
    "Съгласуваният годишен потенциал (портфейлът: колко клиентът може да купи в линията годишно от всички "
    "доставчици): заявеният, където има такъв, иначе по избрания за линията метод, никога под оборота за "
    "12 месеца; сбор за двойките клиент × линия от реда, които имат потенциал, празно, ако никоя няма.")

POTENTIAL_VOLUME = column(
    "potential_volume", "volume", "Potential, volume", "Потенциал, обем",
    "The reconciled yearly potential in product units: stated where given, else the line's chosen method, "
    "never below the 12-month volume; summed over the row's lines that have one, empty where none has.",
    "Съгласуваният годишен потенциал в единици продукт: заявеният, където има такъв, иначе по избрания за "
    "линията метод, никога под обема за 12 месеца; сбор за линиите от реда с потенциал, празно, ако няма.")

ESTIMATE_VALUE = column(
    "estimate_value", "money", "Potential estimate", "Оценка на потенциала",
    "The yearly potential before the floor at our 12-month turnover: stated where given, else the line's "
    "chosen method; summed over the row's lines that have one, empty where none has.",
    "Годишният потенциал преди долната граница (оборотът ни за 12 месеца): заявеният, където има такъв, "
    "иначе по избрания за линията метод; сбор за линиите от реда с оценка, празно, ако няма.")

STATED_VALUE = column(
    "stated_value", "money", "Stated potential", "Заявен потенциал",
    "The stated yearly potential (potential table: the latest year up to the as-of year; survey before "
    "external research before rep estimate before other; a figure over all lines, for a customer that states "
    "no line of its own, split by the company's line mix), carried forward to the as-of year at the line's "
    "growth, a rep estimate divided by its rep's bias when debias_reps is on; empty where nothing is stated.",
    "Заявеният годишен потенциал (таблица potential: последната година до годината на отчетната дата; "
    "анкета преди външно проучване преди оценка на търговец преди друго; стойност за всички линии, за клиент "
    "без стойност за отделна линия, се разделя по асортиментния микс на фирмата), пренесен към годината на "
    "отчетната дата с ръста на линията, а оценка на търговец — разделена на отклонението му, когато "
    "debias_reps е включено; празно, където няма заявена стойност.")

MARKET_SHARE = column(
    "market_share", "ratio", "Market share", "Пазарен дял",
    "Our 12-month turnover / the yearly potential, both summed over the row's customer × line pairs that "
    "have a potential (0.25 = 25 %); empty where that potential is not positive.",
    "Оборотът ни за 12 месеца / годишния потенциал, двата като сбор за двойките клиент × линия от реда с "
    "потенциал (0,25 = 25 %); празно, където този потенциал не е положителен.")

SHARE_OF_WALLET_BY_VALUE = column(
    "share_of_wallet_by_value", "ratio", "Share of wallet", "Дял от портфейла",
    "Our 12-month turnover / the reconciled yearly potential (0.25 = 25 %; at most 1 for a customer in a "
    "line); on a customer's row over all lines, both summed over its lines that have a potential (as "
    "market share is); empty where there is no potential or it is zero.",
    "Оборотът ни за 12 месеца / съгласувания годишен потенциал (0,25 = 25 %; най-много 1 за клиент в една "
    "линия); в ред за клиента за всички линии — двете като сбор за линиите му с потенциал (както пазарният "
    "дял); празно, където потенциал няма или е нула.")

SHARE_OF_WALLET_BY_VOLUME = column(
    "share_of_wallet_by_volume", "ratio", "Share of wallet, volume", "Дял от портфейла, обем",
    "Our 12-month volume / the reconciled yearly potential in product units (0.25 = 25 %); empty where "
    "there is no volume potential or it is zero.",
    "Обемът ни за 12 месеца / съгласувания годишен потенциал в единици продукт (0,25 = 25 %); празно, "
    "където потенциал в обем няма или е нула.")

GAP_VALUE = column(
    "gap_value", "money", "Gap to potential", "Неусвоен потенциал",
    "Yearly potential − our 12-month turnover, over the row's customers and lines that have a potential: "
    "what is left to win; empty where there is no potential.",
    "Годишният потенциал − оборотът ни за 12 месеца, за клиентите и линиите от реда с потенциал: колко "
    "остава да се спечели; празно, където няма потенциал.")

MEAN_SHARE = column(
    "mean_share", "ratio", "Mean share of wallet", "Среден дял от портфейла",
    "The mean of the customers' share of wallet (share_of_wallet_by_value of their rows over all lines) in "
    "the row's group or band; empty where none has a share.",
    "Средният дял от портфейла на клиентите (share_of_wallet_by_value от редовете им за всички линии) в "
    "групата или диапазона на реда; празно, където никой няма дял.")

METHOD = column(
    "method", "class", "Method", "Метод",
    "The potential estimating method: stated, drivers (driver × usage rate), peer (a high quantile of similar "
    "customers' spend) or topdown (a territory's market allocated); in potential the one the potential "
    "comes from (empty where there is none), in potential-methods the one the row rates.",
    "Методът за оценка на потенциала: stated (заявен), drivers (фактор × норма на потребление), peer (висок "
    "квантил на покупките на сходни клиенти) или topdown (разпределен пазар на територията); в potential — "
    "методът, от който идва потенциалът (празно, ако няма), в potential-methods — методът, който редът оценява.")

# --- the ABC classes ----------------------------------------------------------------------------

CLASS_BY_VALUE = column(
    "class_by_value", "class", "Class by turnover", "Клас по оборот",
    "ABC class (A, B or C) by 12-month turnover over all lines ([abc] method: fixed cut-offs on the "
    "cumulative share, 80 % / 95 % by default, or computed ABC); a customer without positive turnover is C; "
    "empty for a customer acquired after the as-of date (not classified).",
    "ABC клас (A, B или C) по оборота за 12 месеца във всички линии ([abc] method: фиксирани граници на "
    "натрупания дял, по подразбиране 80 % / 95 %, или изчислен ABC); клиент без положителен оборот е C; "
    "празно за клиент, придобит след отчетната дата (не се класифицира).")

CLASS_BY_VOLUME = column(
    "class_by_volume", "class", "Class by volume", "Клас по обем",
    "ABC class (A, B or C) by 12-month volume over all lines, by the same method; a customer without "
    "positive volume is C; empty for a customer acquired after the as-of date.",
    "ABC клас (A, B или C) по обема за 12 месеца във всички линии, по същия метод; клиент без положителен "
    "обем е C; празно за клиент, придобит след отчетната дата.")

CLASS_BY_POTENTIAL = column(
    "class_by_potential", "class", "Class by potential", "Клас по потенциал",
    "ABC class (A, B or C) by yearly potential over all lines, by the same method, among the customers "
    "that have a potential; a potential of zero is C; empty where the potential is unknown (unknown is not "
    "C) or the customer was acquired after the as-of date.",
    "ABC клас (A, B или C) по годишния потенциал във всички линии, по същия метод, сред клиентите с "
    "потенциал; потенциал нула е C; празно, където потенциалът е неизвестен (неизвестното не е C) или "
    "клиентът е придобит след отчетната дата.")

CLASS_BY_SHARE = column(
    "class_by_share", "class", "Class by share of wallet", "Клас по дял от портфейла",
    "Class (A, B or C) by share of wallet over all lines ([abc] share_method; by default thresholds: A from "
    "50 %, B from 20 %, else C); empty where the customer has no share, or fewer than 3 customers have one "
    "with share_method pareto or computed.",
    "Клас (A, B или C) по дял от портфейла във всички линии ([abc] share_method; по подразбиране прагове: "
    "A от 50 %, B от 20 %, иначе C); празно, където клиентът няма дял или под 3 клиента имат дял при "
    "share_method pareto или computed.")

CLASS_BY_SHARE_VOLUME = column(
    "class_by_share_volume", "class", "Class by share, volume", "Клас по дял, обем",
    "Class (A, B or C) by share of wallet in volume over all lines, by the same method as the share in "
    "value; empty where the customer has no share in volume.",
    "Клас (A, B или C) по дял от портфейла в обем във всички линии, по метода на дела в стойност; празно, "
    "където клиентът няма дял в обем.")

CELL = column(
    "cell", "class", "Cell", "Клетка",
    "The cell of the 27-cell matrix: the classes by turnover, potential and share of wallet (CAC = turnover "
    "C, potential A, share C); empty where one of the three classes is missing.",
    "Клетката от матрицата с 27 клетки: класовете по оборот, потенциал и дял от портфейла (CAC = оборот C, "
    "потенциал A, дял C); празно, където някой от трите класа липсва.")

ACTION = column(
    "action", "text", "Recommended action", "Препоръчано действие",
    "The action recommended for the cell (built in by the classes by potential and share, set per cell in "
    "[abc.actions]); empty where there is no cell, and in abc-matrix where no customer has one.",
    "Препоръчаното за клетката действие (вградено според класовете по потенциал и дял, може да се зададе за "
    "всяка клетка в [abc.actions]); празно, където няма клетка, а в abc-matrix — където никой клиент няма.")

VOLUME_VALUE_MISMATCH = column(
    "volume_value_mismatch", "flag", "Value and volume classes differ", "Различни класове по стойност и обем",
    "Whether the class by turnover differs from the class by volume: a price or mix signal; empty for a "
    "customer not classified.",
    "Дали класът по оборот се различава от класа по обем: сигнал за цените или асортиментния микс; празно "
    "за некласифициран клиент.")

MISMATCH_SIGNAL = column(
    "mismatch_signal", "text", "Price or mix signal", "Сигнал за цена или микс",
    "What the mismatch suggests: value above volume (high prices or a rich mix) or value below volume (low "
    "prices or a poor mix); empty where the two classes agree.",
    "Какво показва разминаването: стойност над обема (високи цени или богат микс) или стойност под обема "
    "(ниски цени или беден микс); празно, където двата класа съвпадат.")

CRITERION = column(
    "criterion", "class", "Criterion", "Критерий",
    "What the customers are classified by: value (12-month turnover), volume (12-month volume), potential, "
    "share (share of wallet) or share_volume (share of wallet in volume).",
    "По какво се класифицират клиентите: value (оборот за 12 месеца), volume (обем за 12 месеца), potential "
    "(потенциал), share (дял от портфейла) или share_volume (дял от портфейла в обем).")

# --- sales in the period to date --------------------------------------------------------------

TURNOVER_VALUE_PERIOD = column(
    "turnover_value_period", "money", "Turnover, period to date", "Оборот от началото на периода",
    "Net value invoiced from the start of the reporting period (the year, quarter or month that holds the "
    "as-of date) to the as-of date.",
    "Нетна стойност, фактурирана от началото на отчетния период (годината, тримесечието или месеца на "
    "отчетната дата) до отчетната дата.")

TURNOVER_VALUE_LY = column(
    "turnover_value_ly", "money", "Turnover, same dates last year", "Оборот, същите дати миналата година",
    "Net value invoiced over the same dates one year earlier (29 February falls back to 28 February).",
    "Нетна стойност, фактурирана за същите дати година по-рано (29 февруари се заменя с 28 февруари).")

TURNOVER_VOLUME_PERIOD = column(
    "turnover_volume_period", "volume", "Volume, period to date", "Обем от началото на периода",
    "Net quantity invoiced from the start of the reporting period to the as-of date, in product units.",
    "Нетно количество, фактурирано от началото на отчетния период до отчетната дата, в единици продукт.")

GROWTH_VALUE_VS_LY = column(
    "growth_value_vs_ly", "ratio", "Growth vs last year", "Ръст спрямо миналата година",
    "Turnover in the period to date / turnover over the same dates last year − 1, a fraction (0.12 = +12 %); "
    "empty where last year's turnover is not positive or the data do not cover last year (coverage_ly < 1).",
    "Оборотът от началото на периода / оборота за същите дати миналата година − 1, като дроб "
    "(0,12 = +12 %); празно, където миналогодишният оборот не е положителен или данните не обхващат "
    "миналата година (coverage_ly < 1).")

TARGET_VALUE = column(
    "target_value", "money", "Target", "Цел",
    "The turnover target for the whole reporting period (targets, kpi turnover_value), on rows over all "
    "lines and on business-line rows; empty where none is set.",
    "Целта за оборот за целия отчетен период (targets, kpi turnover_value) в редовете за всички линии и в "
    "редовете за бизнес линия; празно, където не е зададена.")

ATTAINMENT_BY_VALUE = column(
    "attainment_by_value", "ratio", "Attainment", "Изпълнение",
    "Turnover in the period to date / the part of the target due by the as-of date (0.95 = 95 %); empty "
    "where there is no target.",
    "Оборотът от началото на периода / частта от целта, дължима към отчетната дата (0,95 = 95 %); празно, "
    "където няма цел.")

TARGET_PRODUCTS_VALUE = column(
    "target_products_value", "money", "Target products turnover", "Оборот от целеви продукти",
    "Net value of the target products (products.is_target) invoiced in the period to date; empty (not 0) "
    "while no product is marked as a target product, with the reason in note.",
    "Нетна стойност на целевите продукти (products.is_target), фактурирани от началото на периода; празно "
    "(не 0), докато нито един продукт не е отбелязан като целеви, с причината в note.")

TARGET_PRODUCTS_SHARE = column(
    "target_products_share", "ratio", "Target products share", "Дял на целевите продукти",
    "Target products' turnover / turnover, both in the period to date (0.25 = 25 %); empty where turnover "
    "is not positive or no product is marked as a target product.",
    "Оборотът от целеви продукти / оборота, двата от началото на периода (0,25 = 25 %); празно, където "
    "оборотът не е положителен или нито един продукт не е отбелязан като целеви.")

PRODUCTS_BOUGHT = column(
    "products_bought", "count", "Products bought", "Закупени продукти",
    "Distinct products that a customer of the row bought with a positive net quantity in the period to "
    "date.",
    "Различни продукти, които клиент от реда е купил с положително нетно количество от началото на периода.",
    unit="products")

CATEGORIES_BOUGHT = column(
    "categories_bought", "count", "Categories bought", "Закупени категории",
    "Distinct product categories of those products.",
    "Различни продуктови категории на тези продукти.",
    unit="categories")

ASSORTMENT_BREADTH = column(
    "assortment_breadth", "ratio", "Assortment breadth", "Широчина на асортимента",
    "Products bought in the period to date / products offered in the row's business line (in all lines on a "
    "row over all lines); empty where nothing is offered.",
    "Закупените от началото на периода продукти / предлаганите в бизнес линията на реда (във всички линии в "
    "ред за всички линии); празно, където нищо не се предлага.")

MARGIN = column(
    "margin", "money", "Margin, period to date", "Марж от началото на периода",
    "Turnover − cost of the invoice lines of the period to date that have a cost (turnover_value_with_cost − "
    "cost); empty where those lines hold less than [sales] min_cost_coverage of the turnover (cost_coverage) "
    "or none has a cost.",
    "Оборотът − себестойността на фактурните редове от началото на периода, които имат себестойност "
    "(turnover_value_with_cost − cost); празно, където тези редове са под [sales] min_cost_coverage от "
    "оборота (cost_coverage) или никой няма себестойност.")

# --- a change against a base window (bridge, turnover-tree) ------------------------------------

COMPARISON = column(
    "comparison", "class", "Compared with", "Сравнение с",
    "The base window: previous (the previous period over the same number of days) or last_year (the same "
    "dates one year earlier).",
    "Базовият период: previous (предходният период за същия брой дни) или last_year (същите дати година "
    "по-рано).")

BASE_VALUE = column(
    "base_value", "money", "Turnover, base", "Оборот, база",
    "Net value invoiced to the node's customers in the base window.",
    "Нетна стойност, фактурирана на клиентите на звеното в базовия период.")

CURRENT_VALUE = column(
    "current_value", "money", "Turnover, period to date", "Оборот от началото на периода",
    "Net value invoiced to the node's customers in the period to date.",
    "Нетна стойност, фактурирана на клиентите на звеното от началото на периода.")

CHANGE_VALUE = column(
    "change_value", "money", "Change", "Изменение",
    "current_value − base_value; in bridge the five effects add up to it exactly, to the cent; in turnover-tree "
    "the three factors' effects and unexplained_change_value (each stored to the cent on its own).",
    "current_value − base_value; в bridge сборът на петте ефекта е точно равен на него, до цент; в "
    "turnover-tree — ефектите на трите фактора и unexplained_change_value (всеки закръглен до цент поотделно).")
