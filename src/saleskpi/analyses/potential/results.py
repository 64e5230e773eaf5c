"""The results the potential analysis stores, declared (:class:`saleskpi.results.Result`)."""

from __future__ import annotations

from saleskpi.analyses.columns import (
    BUSINESS_LINE,
    CURRENCY,
    CUSTOMER_ID,
    CUSTOMERS,
    ESTIMATE_VALUE,
    LEVEL,
    MARKET_SHARE,
    METHOD,
    POTENTIAL_VALUE,
    POTENTIAL_VOLUME,
    REP_ID,
    STATED_VALUE,
    TERRITORY_ID,
    TURNOVER_VALUE_12M,
    TURNOVER_VALUE_12M_WITH_POTENTIAL,
    TURNOVER_VOLUME_12M,
    YEAR,
)
from saleskpi.results import Result, column

__all__ = ["RESULTS"]

_STATED_VOLUME = column(
    "stated_volume", "volume", "Stated potential, volume", "Заявен потенциал, обем",
    "The stated yearly potential in product units, chosen, carried forward and corrected as stated_value; "
    "empty where none is stated.",
    "Заявеният годишен потенциал в единици продукт, избран, пренесен и коригиран като stated_value; празно, "
    "където няма заявен.")

_STATED_SOURCE = column(
    "stated_source", "class", "Stated by", "Източник на заявения",
    "Where the stated figure comes from: survey, external (research), rep_estimate or other; empty where "
    "none is stated.",
    "Откъде идва заявената стойност: survey (анкета), external (външно проучване), rep_estimate (оценка на "
    "търговец) или other (друго); празно, където няма заявена.")

_STATED_YEAR = column(
    "stated_year", "integer", "Stated for year", "Заявен за година",
    "The year the stated figure was given for (the latest up to the as-of year); empty where none is stated.",
    "Годината, за която е заявена стойността (последната до годината на отчетната дата); празно, където "
    "няма заявена.",
    unit="year")

_STATED_REP_ID = column(
    "stated_rep_id", "id", "Estimated by rep", "Оценка от търговец",
    "The rep who gave the stated figure (potential.rep_id); empty where no rep is named.",
    "Търговецът, дал заявената стойност (potential.rep_id); празно, където не е посочен търговец.")

_STATED_RAW_VALUE = column(
    "stated_raw_value", "money", "Stated potential, uncorrected", "Заявен потенциал, некоригиран",
    "The stated figure carried forward to the as-of year, before a rep estimate is divided by its rep's "
    "bias; empty where none is stated.",
    "Заявената стойност, пренесена към годината на отчетната дата, преди оценката на търговец да се раздели "
    "на отклонението му; празно, където няма заявена.")

_REP_BIAS_FACTOR = column(
    "rep_bias_factor", "number", "Rep bias", "Отклонение на търговеца",
    "For a rep estimate: the rep's median stated / model (potential-rep-bias) where the rep has at least "
    "min_rep_estimates estimates, which the estimate is divided by when debias_reps is on; else empty.",
    "За оценка на търговец: медианата заявено / модел на търговеца (potential-rep-bias), когато той има поне "
    "min_rep_estimates оценки; на нея се дели оценката, когато debias_reps е включено; иначе празно.",
    unit="factor")

_DRIVERS_VALUE = column(
    "drivers_value", "money", "Potential, drivers", "Потенциал по фактор",
    "Bottom-up estimate: the customer's driver × usage rate, scaled to the stated figures where the line "
    "has enough of them; empty where the line has no usable driver or rate.",
    "Оценка отдолу нагоре: факторът на клиента × нормата на потребление, мащабирана към заявените стойности, "
    "където линията има достатъчно от тях; празно, където линията няма използваем фактор или норма.")

_DRIVERS_VOLUME = column(
    "drivers_volume", "volume", "Potential, drivers, volume", "Потенциал по фактор, обем",
    "The same bottom-up estimate in product units (driver × usage rate in units, scaled likewise); empty "
    "where there is none.",
    "Същата оценка отдолу нагоре в единици продукт (фактор × норма в единици, мащабирана по същия начин); "
    "празно, където няма такава.")

_DRIVER = column(
    "driver", "class", "Driver", "Фактор",
    "The customer's driver_* column the drivers method uses in the line (set in [potential] drivers, else "
    "the one whose logarithm correlates best with the stated figures or purchases); empty where none.",
    "Колоната driver_* на клиента, която методът drivers използва в линията (зададена в [potential] "
    "drivers, иначе тази, чийто логаритъм корелира най-добре със заявените стойности или покупките); "
    "празно, ако няма.")

_USAGE_RATE = column(
    "usage_rate", "number", "Usage rate", "Норма на потребление",
    "Purchases per driver unit that the drivers estimate multiplies the driver by, before scaling: set in "
    "[potential] usage_rates, else the usage_quantile (0.9) of 12-month turnover per driver unit among the "
    "industry's buyers (the line's where the industry has fewer than 10); empty where there is none.",
    "Покупки на единица фактор, по които методът drivers умножава фактора, преди мащабирането: зададена в "
    "[potential] usage_rates, иначе квантилът usage_quantile (0,9) на оборота за 12 месеца на единица "
    "фактор сред купувачите в отрасъла (в линията, ако отрасълът има под 10); празно, ако няма.",
    unit="currency per driver unit")

_PEER_VALUE = column(
    "peer_value", "money", "Potential, peers", "Потенциал по сходни клиенти",
    "Peer wallet: the quantile (0.8) of 12-month spend given the customer's drivers, industry and size band "
    "(quantile gradient boosting; Perlich et al. 2007), scaled to the stated figures; empty where the line "
    "has no informative feature (the model would give one figure for all) or fewer than 50 buyers.",
    "Портфейл по сходни клиенти: квантилът (0,8) на покупките за 12 месеца при факторите, отрасъла и "
    "размера на клиента (квантилен градиентен бустинг; Perlich и др. 2007), мащабиран към заявените "
    "стойности; празно, където линията няма информативен признак (моделът би дал една стойност за всички) "
    "или има под 50 купувачи.")

_PEER_VOLUME = column(
    "peer_volume", "volume", "Potential, peers, volume", "Потенциал по сходни клиенти, обем",
    "The same peer wallet in product units; empty where there is none.",
    "Същият портфейл по сходни клиенти в единици продукт; празно, където няма такъв.")

_TOPDOWN_VALUE = column(
    "topdown_value", "money", "Potential, top-down", "Потенциал отгоре надолу",
    "The territory's market in the line allocated to its customers by an index of their drivers (a parent "
    "territory's market split by the buying power index), scaled to the stated figures; empty where the "
    "territory has no market or the customers no drivers.",
    "Пазарът на територията в линията, разпределен между клиентите ѝ по индекс на факторите им (пазарът на "
    "горна територия — разделен по индекса на покупателната способност), мащабиран към заявените "
    "стойности; празно, където територията няма пазар или клиентите — фактори.")

_TOPDOWN_VOLUME = column(
    "topdown_volume", "volume", "Potential, top-down, volume", "Потенциал отгоре надолу, обем",
    "The same allocation of the territory's market in product units; empty where there is none.",
    "Същото разпределение на пазара на територията в единици продукт; празно, където няма такова.")

_MODELLED_VALUE = column(
    "modelled_value", "money", "Potential, chosen method", "Потенциал по избрания метод",
    "The estimate of the method chosen for the line ([potential] method), which the potential takes where "
    "nothing is stated; empty where that method gives none.",
    "Оценката по избрания за линията метод ([potential] method), която потенциалът приема, където няма "
    "заявена стойност; празно, където методът не дава оценка.")

_RAISED_TO_PURCHASES = column(
    "raised_to_purchases", "flag", "Raised to purchases", "Повишен до покупките",
    "Whether the estimate was below our 12-month turnover, so that the potential was raised to it.",
    "Дали оценката е под оборота ни за 12 месеца, така че потенциалът е повишен до него.")

_LOWEST_VALUE = column(
    "lowest_value", "money", "Lowest estimate", "Най-ниска оценка",
    "The smallest of the four methods' estimates (stated, drivers, peer, topdown); empty where none has one.",
    "Най-малката от оценките по четирите метода (stated, drivers, peer, topdown); празно, ако няма оценки.")

_HIGHEST_VALUE = column(
    "highest_value", "money", "Highest estimate", "Най-висока оценка",
    "The largest of the four methods' estimates; empty where none has one.",
    "Най-голямата от оценките по четирите метода; празно, ако няма оценки.")

_METHODS_DISAGREE = column(
    "methods_disagree", "flag", "Methods disagree", "Методите се разминават",
    "Whether at least two methods give an estimate and the largest exceeds disagreement_factor (3) times "
    "the smallest.",
    "Дали поне два метода дават оценка и най-голямата надхвърля disagreement_factor (3) пъти най-малката.")

_ESTIMATES = column(
    "estimates", "count", "Estimates", "Оценки",
    "The rep's current estimates: customer × line pairs whose stated figure is the rep's (rep_estimate).",
    "Текущите оценки на търговеца: двойките клиент × линия, чиято заявена стойност е негова (rep_estimate).",
    unit="estimates")

_STATED_TO_MODEL = column(
    "stated_to_model", "number", "Stated / model", "Заявено / модел",
    "The median, over those estimates, of stated / the chosen method's estimate (1.4: about 40 % above the "
    "model); empty where no model estimate is positive.",
    "Медианата за тези оценки на заявено / оценката по избрания метод (1,4: около 40 % над модела); празно, "
    "където няма положителна оценка по модела.",
    unit="factor")

_STATED_TO_BOUGHT = column(
    "stated_to_bought", "number", "Stated / bought", "Заявено / закупено",
    "The median, over all the rep's estimates of every year, of stated / what the customer bought from us "
    "in the line that year (below 1 / share of wallet: an underestimate); empty where nothing was bought.",
    "Медианата за всички оценки на търговеца за всяка година на заявено / закупеното от клиента от нас в "
    "линията през тази година (под 1 / дял от портфейла: подценяване); празно, където няма покупки.",
    unit="factor")

_CUSTOMERS_ESTIMATED = column(
    "customers_estimated", "count", "Customers estimated", "Оценени клиенти",
    "Customers the method gives a value estimate for in the line.",
    "Клиентите, за които методът дава оценка в стойност в линията.",
    unit="customers")

_PAIRS_WITH_STATED = column(
    "pairs_with_stated", "count", "With a stated figure", "Със заявена стойност",
    "Customers with both a positive estimate by the method and a positive stated figure in the line.",
    "Клиентите с положителна оценка по метода и положителна заявена стойност в линията.",
    unit="customers")

_SPEARMAN_WITH_STATED = column(
    "spearman_with_stated", "ratio", "Rank agreement with stated", "Съгласие с заявените (ранг)",
    "Spearman's rank correlation of the method's estimates with the stated figures over those customers "
    "(scaling keeps ranks); empty with fewer than 3.",
    "Рангова корелация на Спирман между оценките по метода и заявените стойности за тези клиенти "
    "(мащабирането не променя ранговете); празно при под 3.",
    unit="correlation (-1 to 1)")

_SPEARMAN_WITH_PURCHASES = column(
    "spearman_with_purchases", "ratio", "Rank agreement with purchases", "Съгласие с покупките (ранг)",
    "Spearman's rank correlation of the method's estimates with the customers' own 12-month turnover, over "
    "the buyers it estimates: a wallet is share × potential, so a method whose features explain nothing "
    "ranks purchases near 0 (a hint where nothing is stated, not a check); empty with fewer than 3.",
    "Рангова корелация на Спирман между оценките по метода и оборота на клиентите за 12 месеца, за "
    "оценените купувачи: покупките са дял × потенциал, така че метод, чиито признаци не обясняват нищо, "
    "подрежда покупките около 0 (насока, където няма заявени стойности, не проверка); празно при под 3.",
    unit="correlation (-1 to 1)")

_QUALITY = column(
    "quality", "class", "Quality", "Качество",
    "How far the method can be trusted in the line: agrees (it ranks the stated figures with a Spearman "
    "correlation of at least [potential] min_rank_agreement, 0.5), weak (below it, or its ranks say nothing), "
    "not checked (fewer than 3 customers have both its estimate and a stated figure) or no estimate.",
    "Доколко на метода може да се вярва в линията: agrees (подрежда заявените стойности с корелация на "
    "Спирман поне [potential] min_rank_agreement, 0,5), weak (под нея или ранговете му не казват нищо), not "
    "checked (под 3 клиента имат и оценка, и заявена стойност) или no estimate (няма оценка).")

_QUALITY_REASON = column(
    "quality_reason", "text", "Why", "Защо",
    "Why the quality is weak, not checked or no estimate, and what to import to change it; empty where the "
    "method agrees.",
    "Защо качеството е weak, not checked или no estimate и какво да се импортира, за да се промени; празно, "
    "където методът е в съгласие със заявените (agrees).")

_CALIBRATION_FACTOR = column(
    "calibration_factor", "number", "Calibration factor", "Коефициент на калибриране",
    "exp(median log(stated / estimate)) over the customers of the reference source, which the method's "
    "estimates are multiplied by; empty where fewer than min_pairs have both or calibrate is off.",
    "exp(медиана на log(заявено / оценка)) за клиентите от референтния източник, по който се умножават "
    "оценките по метода; празно, ако под min_pairs имат и двете или calibrate е изключено.",
    unit="factor")

_CALIBRATED_ON = column(
    "calibrated_on", "class", "Calibrated on", "Калибриран по",
    "The stated source that sets the level: survey (at least min_pairs survey answers), else external, "
    "else all stated; empty where the method is not calibrated.",
    "Заявеният източник, който задава нивото: survey (поне min_pairs отговора от анкета), иначе external "
    "(външно проучване), иначе all stated (всички заявени); празно, където методът не е калибриран.")

_CHOSEN = column(
    "chosen", "flag", "Used", "Използван",
    "Whether the method is the one the line uses where nothing is stated (never one that estimates no "
    "customer).",
    "Дали методът е този, който линията използва, където няма заявена стойност (никога такъв, който не "
    "оценява нито един клиент).")


POTENTIAL = Result(
    "potential",
    ("Market potential", "Пазарен потенциал"),
    ("Every customer in every business line: the yearly potential (wallet) by four methods and reconciled, "
     "beside our 12-month turnover and market share.",
     "Всеки клиент във всяка бизнес линия: годишният потенциал (портфейл) по четири метода и съгласуваният, "
     "до оборота ни за 12 месеца и пазарния дял."),
    (CUSTOMER_ID, BUSINESS_LINE, TERRITORY_ID, REP_ID, TURNOVER_VALUE_12M, TURNOVER_VOLUME_12M, STATED_VALUE,
     _STATED_VOLUME, _STATED_SOURCE, _STATED_YEAR, _STATED_REP_ID, _STATED_RAW_VALUE, _REP_BIAS_FACTOR,
     _DRIVERS_VALUE, _DRIVERS_VOLUME, _DRIVER, _USAGE_RATE, _PEER_VALUE, _PEER_VOLUME, _TOPDOWN_VALUE,
     _TOPDOWN_VOLUME, _MODELLED_VALUE, ESTIMATE_VALUE, POTENTIAL_VALUE, POTENTIAL_VOLUME, METHOD,
     _RAISED_TO_PURCHASES, _LOWEST_VALUE, _HIGHEST_VALUE, _METHODS_DISAGREE, MARKET_SHARE, CURRENCY, YEAR),
    key=("customer_id", "business_line"),
    scope=("customer_id", "rep_id", "territory_id"),
    notes=(
        ("Four methods: stated (the potential table), drivers (driver × usage rate, bottom-up), peer (a high "
         "quantile of the spend of similar customers; Perlich et al., KDD 2007) and topdown (a territory's "
         "market allocated by a driver index; Sales & Marketing Management's buying power index). The model "
         "methods are scaled, line by line, to the stated figures (survey answers first) where at least "
         "min_pairs customers have both.",
         "Четири метода: stated (таблицата potential), drivers (фактор × норма на потребление, отдолу нагоре), "
         "peer (висок квантил на покупките на сходни клиенти; Perlich и др., KDD 2007) и topdown (пазарът на "
         "територията, разпределен по индекс на факторите; индекс на покупателната способност на Sales & "
         "Marketing Management). Моделните методи се мащабират за всяка линия към заявените стойности "
         "(първо анкетите), където поне min_pairs клиента имат и двете."),
        ("The potential is the stated figure where there is one, else the line's chosen method ([potential] "
         "method; auto: the one that ranks customers most like the stated figures), and never below what the "
         "customer bought from us in the 12 months to the as-of date. Market share = turnover_value_12m / "
         "potential_value.",
         "Потенциалът е заявената стойност, където има такава, иначе по избрания за линията метод "
         "([potential] method; auto: методът, който подрежда клиентите най-близо до заявените стойности), и "
         "никога не е под купеното от нас през 12-те месеца до отчетната дата. Пазарен дял = "
         "turnover_value_12m / potential_value."),
    ),
)

POTENTIAL_ROLLUP = Result(
    "potential-rollup",
    ("Potential and market share by level", "Потенциал и пазарен дял по нива"),
    ("Potential, 12-month turnover, customers and market share for the company, each business line, each "
     "territory and each territory in each line.",
     "Потенциал, оборот за 12 месеца, клиенти и пазарен дял за фирмата, всяка бизнес линия, всяка територия "
     "и всяка територия във всяка линия."),
    (LEVEL, TERRITORY_ID, BUSINESS_LINE, POTENTIAL_VALUE, TURNOVER_VALUE_12M_WITH_POTENTIAL, CUSTOMERS, MARKET_SHARE,
     CURRENCY),
    key=("level", "territory_id", "business_line"),
    scope=("territory_id",),
    notes=(
        ("Only customer × line pairs that have a potential count, in the turnover as in the potential: the "
         "one definition of market share, the same as in sales. A customer counts for the territory of its "
         "customer record.",
         "Броят се само двойките клиент × линия с потенциал, и в оборота, и в потенциала: единното "
         "определение на пазарния дял, същото като в sales. Клиентът се брои към територията от клиентския "
         "си запис."),
    ),
)

POTENTIAL_REP_BIAS = Result(
    "potential-rep-bias",
    ("Rep estimating bias", "Отклонение в оценките на търговците"),
    ("For each rep who gave potential estimates: how they compare with the model and with what the "
     "customers bought from us.",
     "За всеки търговец, дал оценки на потенциала: как се сравняват с модела и с купеното от клиентите от "
     "нас."),
    (REP_ID, _ESTIMATES, _STATED_TO_MODEL, _STATED_TO_BOUGHT),
    key=("rep_id",),
    scope=("rep_id",),
    notes=(
        ("A rep at 1.4 states about 40 % more than the model. With debias_reps on, the rep's estimates are "
         "divided by stated_to_model where the rep has at least min_rep_estimates of them.",
         "Търговец с 1,4 заявява около 40 % повече от модела. При включено debias_reps оценките му се делят "
         "на stated_to_model, когато има поне min_rep_estimates от тях."),
    ),
)

POTENTIAL_METHODS = Result(
    "potential-methods",
    ("Potential methods compared", "Сравнение на методите за потенциал"),
    ("For each business line and model method: how many customers it estimates, how well it ranks them "
     "like the stated figures, its calibration factor and whether it is used.",
     "За всяка бизнес линия и моделен метод: колко клиента оценява, доколко ги подрежда като заявените "
     "стойности, коефициентът му на калибриране и дали се използва."),
    (BUSINESS_LINE, METHOD, _CUSTOMERS_ESTIMATED, _PAIRS_WITH_STATED, _SPEARMAN_WITH_STATED,
     _SPEARMAN_WITH_PURCHASES, _QUALITY,
     _QUALITY_REASON, _CALIBRATION_FACTOR, _CALIBRATED_ON, _CHOSEN),
    key=("business_line", "method"),
    scope=(),
    notes=(
        ("The quality figure of a method is spearman_with_stated over pairs_with_stated customers; a method "
         "whose quality is weak or not checked and which gives the potential of some customers is named in "
         "the run's warnings.",
         "Мярката за качество на метода е spearman_with_stated за pairs_with_stated клиента; метод с "
         "качество weak или not checked, от който идва потенциалът на някои клиенти, се посочва в "
         "предупрежденията на изчислението."),
    ),
)

RESULTS: tuple[Result, ...] = (POTENTIAL, POTENTIAL_ROLLUP, POTENTIAL_REP_BIAS, POTENTIAL_METHODS)
