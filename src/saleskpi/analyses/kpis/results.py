"""The results the kpis analysis stores, declared (:class:`saleskpi.results.Result`)."""

from __future__ import annotations

from saleskpi.analyses.columns import (
    BASE_VALUE,
    CHANGE_VALUE,
    COMPARISON,
    CURRENCY,
    CURRENT_VALUE,
    CUSTOMER_ID,
    KEY,
    KPI,
    LEVEL,
    NOTE,
    PERIOD,
    POTENTIAL_VALUE,
    REP_ID,
    TARGET_VALUE,
    TEAM_ID,
    TERRITORY_ID,
    TURNOVER_VALUE_12M,
)
from saleskpi.results import Result, column

__all__ = ["CONSISTENCY", "KPIS", "PROPOSALS", "RESULTS", "SCORECARD", "TURNOVER_TREE"]

_PERSPECTIVE = column("perspective", "class", "Perspective", "Перспектива",
                      "Balanced-scorecard perspective: financial, customer, internal_process, learning_and_growth.",
                      "Перспектива на балансираната карта: financial, customer, internal_process, learning_and_growth.")
_OBJECTIVE = column("objective", "class", "Objective", "Цел на стратегията",
                    "The strategy objective the KPI measures (catalogue [objective.<name>]); empty if none.",
                    "Целта от стратегията, която показателят измерва; празно, ако няма.")
_KIND = column("kind", "class", "Leading or lagging", "Водещ или изоставащ",
               "leading (drives results ahead) or lagging (an outcome).",
               "leading (води резултатите) или lagging (резултат).")
_VALUE = column("kpi_actual", "number", "Value", "Стойност",
                "The KPI's formula over the node's measures (unit in unit); empty where a measure is unknown or a "
                "denominator is not positive.",
                "Формулата на показателя върху мерките на звеното (мярка в unit); празно, където мярка е "
                "неизвестна или знаменател не е положителен.")
_UNIT = column("unit", "text", "Unit", "Мярка", "The value's unit (currency = the workspace currency; fraction: "
               "0.25 = 25 %).", "Мярката на стойността (currency = валутата на работното пространство; fraction: "
               "0,25 = 25 %).")
_DIRECTION = column("direction", "class", "Better when", "По-добре при", "higher or lower is better.",
                    "higher (по-високо) или lower (по-ниско) е по-добре.")
_TARGET = column("kpi_target", "number", "Target", "Цел",
                 "The target for the whole period (targets: period, level, key, kpi = the KPI's target_kpi); empty "
                 "where none is set.",
                 "Целта за целия период (targets: period, level, key, kpi = target_kpi на показателя); празно, "
                 "където няма.")
_TARGET_TO_DATE = column("target_to_date", "number", "Target due to date", "Цел към датата",
                         "With phasing seasonal the target × the seasonal share due by the as-of date "
                         "(sales.target_value_to_date / target_value); otherwise the target.",
                         "При phasing seasonal целта × сезонния дял към отчетната дата (sales.target_value_to_date "
                         "/ target_value); иначе целта.")
_ATTAINMENT = column("kpi_attainment", "ratio", "Attainment", "Изпълнение",
                     "kpi_actual / target_to_date (target_to_date / kpi_actual where lower is better); empty without a "
                     "positive target (or value).",
                     "value / target_to_date (target_to_date / value, където по-ниско е по-добре); празно без "
                     "положителна цел (или стойност).")
_STATUS = column("status", "class", "Status", "Състояние",
                 "green (attainment ≥ [kpis] green_from), amber (≥ amber_from), red (below); empty without "
                 "attainment.",
                 "green (изпълнение ≥ [kpis] green_from), amber (≥ amber_from), red (под него); празно без "
                 "изпълнение.")
_PREVIOUS = column("previous_actual", "number", "Previous value", "Предишна стойност",
                   "The value in the newest earlier run with an earlier as-of date; empty if none.",
                   "Стойността в най-новото предишно изчисление с по-ранна отчетна дата; празно, ако няма.")
_PREVIOUS_AS_OF = column("previous_as_of", "date", "Previous as of", "Предишна дата",
                         "The as-of date of that run.", "Отчетната дата на това изчисление.")
_CHANGE = column("change", "number", "Change", "Изменение", "kpi_actual − previous_actual.", "kpi_actual − previous_actual.")
_TREND_POINTS = column("trend_points", "count", "Trend points", "Точки на тренда",
                       "Values the trend is fitted on: this run and up to [kpis] trend_runs earlier ones.",
                       "Стойностите, по които е тренда: това изчисление и до [kpis] trend_runs предишни.",
                       unit="runs")
_TREND_SLOPE = column("trend_slope_per_year", "number", "Trend per year", "Тренд на година",
                      "Least-squares slope of the value on the as-of date, per year (unit of value per year); empty "
                      "with fewer than 2 points.",
                      "Наклон по метода на най-малките квадрати на стойността спрямо отчетната дата, на година; "
                      "празно при по-малко от 2 точки.")
_TREND = column("trend", "class", "Trend", "Тренд",
                "improving, worsening (by the KPI's direction) or steady; empty with fewer than 2 points.",
                "improving (подобрение), worsening (влошаване) или steady; празно при по-малко от 2 точки.")

KPIS = Result(
    "kpis",
    ("KPIs", "Показатели"),
    ("Every KPI of the catalogue for each node it is defined at: value, target, attainment, red/amber/green "
     "status and trend over the earlier runs.",
     "Всеки показател от каталога за всяко звено, на което е дефиниран: стойност, цел, изпълнение, "
     "състояние червено/жълто/зелено и тренд спрямо предишните изчисления."),
    (KPI, _PERSPECTIVE, _OBJECTIVE, _KIND, LEVEL, KEY, TERRITORY_ID, TEAM_ID, REP_ID, CUSTOMER_ID, PERIOD, _VALUE,
     _UNIT, _DIRECTION, _TARGET, _TARGET_TO_DATE, _ATTAINMENT, _STATUS, _PREVIOUS, _PREVIOUS_AS_OF, _CHANGE,
     _TREND_POINTS, _TREND_SLOPE, _TREND, NOTE),
    key=("kpi", "level", "key"),
    scope=("customer_id", "rep_id", "team_id", "territory_id"),
    notes=(("The measures come from this run's results (docs/kpis.md lists each measure's result and roll-up); "
            "a KPI's formula is computed on the node's rolled-up measures, so a ratio is a ratio of sums.",
            "Мерките идват от резултатите на това изчисление (docs/kpis.md); формулата се смята върху "
            "сборните мерки на звеното, така че отношението е отношение на сборове."),),
)

_PARENT = column("parent_objective", "class", "Serves", "Служи на",
                 "On an objective's row the objective it serves in the strategy tree; empty at the top.",
                 "В ред за цел — целта, на която служи в дървото на стратегията; празно най-горе.")
_KPIS_COUNT = column("kpis", "count", "KPIs", "Показатели", "KPIs of the row (perspective or objective) at the node.",
                     "Показателите в реда (перспектива или цел) за звеното.", unit="KPIs")
_GREEN = column("green", "count", "Green", "Зелени", "KPIs with status green.", "Показатели със състояние green.",
                unit="KPIs")
_AMBER = column("amber", "count", "Amber", "Жълти", "KPIs with status amber.", "Показатели със състояние amber.",
                unit="KPIs")
_RED = column("red", "count", "Red", "Червени", "KPIs with status red.", "Показатели със състояние red.",
              unit="KPIs")
_NO_STATUS = column("without_status", "count", "Without status", "Без състояние",
                    "KPIs without a status (no target or no value).",
                    "Показатели без състояние (без цел или без стойност).", unit="KPIs")
_ROW_STATUS = column("worst_status", "class", "Status", "Състояние",
                     "The worst status among the row's KPIs (red, then amber, then green); empty when none has one.",
                     "Най-лошото състояние сред показателите в реда (red, после amber, после green); празно, ако "
                     "никой няма.")
_MEAN_ATTAINMENT = column("mean_attainment", "ratio", "Mean attainment", "Средно изпълнение",
                          "Mean attainment of the row's KPIs that have one.",
                          "Средното изпълнение на показателите в реда, които имат такова.")

SCORECARD = Result(
    "scorecard",
    ("Balanced scorecard", "Балансирана карта"),
    ("The KPIs by perspective and by objective of the strategy tree, for the company and each node below: "
     "how many are green, amber and red, and the worst status.",
     "Показателите по перспективи и по цели от дървото на стратегията за фирмата и всяко звено под нея: "
     "колко са зелени, жълти и червени и най-лошото състояние."),
    (LEVEL, KEY, TERRITORY_ID, TEAM_ID, REP_ID, CUSTOMER_ID, _PERSPECTIVE, _OBJECTIVE, _PARENT, _KPIS_COUNT, _GREEN,
     _AMBER, _RED, _NO_STATUS, _ROW_STATUS, _MEAN_ATTAINMENT, PERIOD),
    key=("level", "key", "perspective", "objective"),
    scope=("customer_id", "rep_id", "team_id", "territory_id"),
    notes=(("A perspective's row has an empty objective; an objective's row counts the KPIs that name it.",
            "Редът за перспектива е с празна цел; редът за цел брои показателите, които я посочват."),),
)

_AT_SHARE = column("potential_at_target_share", "money", "Potential at target share", "Потенциал при целевия дял",
                   "potential_value × [kpis] target_share.", "potential_value × [kpis] target_share.")
_GAP = column("gap_to_target_share_value", "money", "Gap to potential", "Разлика до потенциала",
              "Σ over the customers of max(0, potential at target share − 12-month turnover).",
              "Σ по клиентите на max(0, потенциал при целевия дял − оборот за 12 месеца).")
_PROPOSED = column("proposed_target_value", "money", "Proposed target", "Предложена цел",
                   "12-month turnover + [kpis] gap_part × gap_to_target_share_value (a customer without a potential at its "
                   "turnover); empty on a customer row without a potential.",
                   "Оборот за 12 месеца + [kpis] gap_part × gap_to_target_share_value (клиент без потенциал — при оборота си); "
                   "празно в ред за клиент без потенциал.")
_CURRENT_TARGET = column("current_target_value", "money", "Target set", "Зададена цел",
                         "The targets table's turnover_value target of the node for the current period (yearly "
                         "periods only); empty where none is set.",
                         "Целта turnover_value от таблицата targets за текущия период (само при годишни "
                         "периоди); празно, където няма.")
_PROPOSED_VS = column("proposed_vs_current", "ratio", "Proposed / set", "Предложена / зададена",
                      "proposed_target_value / current_target_value.", "proposed_target_value / current_target_value.")
_NO_POTENTIAL = column("customers_without_potential", "count", "Customers without potential",
                       "Клиенти без потенциал", "Customers of the node without a potential (carried at their turnover).",
                       "Клиентите на звеното без потенциал (при оборота си).", unit="customers")

PROPOSALS = Result(
    "target-proposals",
    ("Targets proposed from potential", "Цели, предложени по потенциала"),
    ("A fair yearly turnover target for every customer, rep, team, territory and the company: the current "
     "turnover plus a part of the gap to the potential at the target share, so quotas follow opportunity.",
     "Справедлива годишна цел за оборот за всеки клиент, търговец, екип, територия и фирмата: текущият "
     "оборот плюс част от разликата до потенциала при целевия дял, така че целите следват възможностите."),
    (LEVEL, KEY, TERRITORY_ID, TEAM_ID, REP_ID, CUSTOMER_ID, PERIOD, TURNOVER_VALUE_12M, POTENTIAL_VALUE, _AT_SHARE, _GAP,
     _PROPOSED, _CURRENT_TARGET, _PROPOSED_VS, _NO_POTENTIAL, CURRENCY, NOTE),
    key=("level", "key"),
    scope=("customer_id", "rep_id", "team_id", "territory_id"),
    notes=(("Proposed target = turnover + k × max(0, s × potential − turnover) per customer, summed up the "
            "organisation (k = [kpis] gap_part, s = [kpis] target_share); period is the next year.",
            "Предложена цел = оборот + k × max(0, s × потенциал − оборот) за всеки клиент, сумирано нагоре "
            "(k = [kpis] gap_part, s = [kpis] target_share); period е следващата година."),),
)

_PARENT_LEVEL = column("parent_level", "class", "Parent level", "Ниво на родителя",
                       "The level whose target should equal the sum of its children's.",
                       "Нивото, чиято цел трябва да е равна на сбора от целите на децата.")
_PARENT_KEY = column("parent_key", "id", "Parent", "Родител", "The parent node's key ('' for the company).",
                     "Ключът на родителското звено ('' за фирмата).")
_CHILD_LEVEL = column("child_level", "class", "Children's level", "Ниво на децата",
                      "The level summed (business_line, territory, team, rep, customer).",
                      "Сумираното ниво (business_line, territory, team, rep, customer).")
_PARENT_TARGET = column("parent_target", "number", "Parent's target", "Цел на родителя",
                        "The parent's target.", "Целта на родителя.")
_CHILDREN_SUM = column("children_target_sum", "number", "Sum of children's targets", "Сбор от целите на децата",
                       "Σ of the children's targets.", "Сборът от целите на децата.")
_CHILDREN = column("children_with_target", "count", "Children with a target", "Деца с цел",
                   "Children of the parent that have a target.", "Децата на родителя, които имат цел.", unit="nodes")
_CHILDREN_MISSING = column("children_without_target", "count", "Children without a target", "Деца без цел",
                           "Children of the parent (teams' reps, territories' sub-territories, reps' customers) "
                           "without a target; empty where the children are not listed.",
                           "Деца на родителя без цел; празно, където децата не са изброени.", unit="nodes")
_GAP_T = column("target_gap", "number", "Gap", "Разлика", "parent_target − children_target_sum.",
                "parent_target − children_target_sum.")
_GAP_SHARE = column("target_gap_share", "ratio", "Gap, share", "Разлика, дял", "target_gap / parent_target.",
                    "target_gap / parent_target.")
_CONSISTENT = column("consistent", "flag", "Consistent", "Съгласувано",
                     "|target_gap_share| ≤ [kpis] tolerance.", "|target_gap_share| ≤ [kpis] tolerance.")

CONSISTENCY = Result(
    "target-consistency",
    ("Consistency of targets across levels", "Съгласуваност на целите по нива"),
    ("Whether each parent's target equals the sum of its children's (company = Σ business lines = Σ "
     "territories = Σ teams = Σ reps; team = Σ its reps; territory = Σ its sub-territories; rep = Σ its "
     "customers), per period and kpi, with the gap.",
     "Дали целта на всеки родител е равна на сбора от целите на децата му (фирма = Σ бизнес линии = Σ "
     "територии = Σ екипи = Σ търговци; екип = Σ търговците му; територия = Σ подтериториите ѝ; търговец = Σ "
     "клиентите му), по период и показател, с разликата."),
    (PERIOD, KPI, _PARENT_LEVEL, _PARENT_KEY, _CHILD_LEVEL, TERRITORY_ID, TEAM_ID, REP_ID, _PARENT_TARGET,
     _CHILDREN_SUM, _CHILDREN, _CHILDREN_MISSING, _GAP_T, _GAP_SHARE, _CONSISTENT),
    key=("period", "kpi", "parent_level", "parent_key", "child_level"),
    scope=("rep_id", "team_id", "territory_id"),
)

# --- the multiplicative tree (tree.py) --------------------------------------------------------------

_N_NOW = column("customers_active_current", "count", "Active customers", "Активни клиенти",
                "The node's customers with a net value > 0 in the period to date (as the bridge counts new and "
                "lost customers).",
                "Клиентите на звеното с нетна стойност > 0 от началото на периода (както bridge брои нови и "
                "загубени клиенти).", unit="customers")
_P_NOW = column("potential_per_customer_value", "money", "Potential per active customer",
                "Потенциал на активен клиент",
                "Σ yearly potential / number of the active customers that have a potential (potential.potential_value).",
                "Σ годишен потенциал / броя на активните клиенти, които имат потенциал (potential.potential_value).")
_S_NOW = column("share_of_wallet_current", "ratio", "Share of the active customers' wallet",
                "Дял от портфейла на активните клиенти",
                "Σ turnover in the period to date / Σ yearly potential, over the active customers that have a "
                "potential (a period shorter than a year gives a part of the yearly share).",
                "Σ оборот от началото на периода / Σ годишен потенциал по активните клиенти с потенциал (период, "
                "по-кратък от година, дава част от годишния дял).")
_V_NOW = column("factors_product_value", "money", "Customers × potential × share",
                "Клиенти × потенциал × дял",
                "customers_active_current × potential_per_customer_value × share_of_wallet_current.",
                "customers_active_current × potential_per_customer_value × share_of_wallet_current.")
_RESIDUAL = column("identity_residual_value", "money", "Turnover outside the tree", "Оборот извън дървото",
                   "current_value − factors_product_value: the turnover of active customers without a potential and "
                   "of customers with a net value ≤ 0; 0 where the identity holds.",
                   "current_value − factors_product_value: оборотът на активни клиенти без потенциал и на клиенти "
                   "с нетна стойност ≤ 0; 0, където тъждеството е в сила.")
_HOLDS = column("identity_holds", "flag", "Identity holds", "Тъждеството е в сила",
                "|identity_residual_value| < half a cent.", "|identity_residual_value| < половин цент.")
_N_BASE = column("customers_active_base", "count", "Active customers, base", "Активни клиенти, база",
                 "The node's customers with a net value > 0 in the base window; empty where the data do not cover "
                 "it whole.",
                 "Клиентите на звеното с нетна стойност > 0 в базовия период; празно, където данните не го "
                 "обхващат изцяло.", unit="customers")
_P_BASE = column("base_potential_per_customer_value", "money", "Potential per active customer, base",
                 "Потенциал на активен клиент, база",
                 "As potential_per_customer_value, over the customers active in the base window.",
                 "Като potential_per_customer_value, по клиентите, активни в базовия период.")
_S_BASE = column("share_of_wallet_base", "ratio", "Share of the active customers' wallet, base",
                 "Дял от портфейла на активните клиенти, база",
                 "As share_of_wallet_current, in the base window over the customers active in it.",
                 "Като share_of_wallet_current, в базовия период по активните в него клиенти.")
_V_BASE = column("base_factors_product_value", "money", "Customers × potential × share, base",
                 "Клиенти × потенциал × дял, база",
                 "customers_active_base × base_potential_per_customer_value × share_of_wallet_base.",
                 "customers_active_base × base_potential_per_customer_value × share_of_wallet_base.")
_LMDI = ("L(V1, V0) · ln({x}1/{x}0), L(a, b) = (a − b)/(ln a − ln b), V = factors_product_value (LMDI-I, Ang "
         "2004); empty (never 0) where a factor is 0 or unknown in either window (note).",
         "L(V1, V0) · ln({x}1/{x}0), L(a, b) = (a − b)/(ln a − ln b), V = factors_product_value (LMDI-I, Ang "
         "2004); празно (никога 0), където фактор е 0 или неизвестен в някой от периодите (note).")
_N_EFFECT = column("customers_effect_value", "money", "From the number of customers", "От броя клиенти",
                   "The change due to the active customers: " + _LMDI[0].format(x="N"),
                   "Изменението от активните клиенти: " + _LMDI[1].format(x="N"))
_P_EFFECT = column("potential_effect_value", "money", "From the potential per customer", "От потенциала на клиент",
                   "The change due to the potential per active customer: " + _LMDI[0].format(x="p"),
                   "Изменението от потенциала на активен клиент: " + _LMDI[1].format(x="p"))
_S_EFFECT = column("share_effect_value", "money", "From the share of wallet", "От дела от портфейла",
                   "The change due to the share of the active customers' wallet: " + _LMDI[0].format(x="s"),
                   "Изменението от дела от портфейла на активните клиенти: " + _LMDI[1].format(x="s"))
_UNEXPLAINED = column("unexplained_change_value", "money", "Change outside the tree", "Изменение извън дървото",
                      "change_value − the three effects: the change of identity_residual_value (0 where the "
                      "identity holds in both windows); empty where the effects are.",
                      "change_value − трите ефекта: изменението на identity_residual_value (0, където "
                      "тъждеството е в сила и в двата периода); празно, където ефектите са празни.")
_LARGEST = column("largest_effect", "class", "Factor that moved most", "Фактор с най-голямо влияние",
                  "customers, potential or share: the effect largest in absolute value.",
                  "customers (клиенти), potential (потенциал) или share (дял): ефектът с най-голяма абсолютна "
                  "стойност.")
_T_N = column("target_customers_active", "number", "Target, active customers", "Цел, активни клиенти",
              "The period's target of kpi active_customers at the node (targets); empty where none.",
              "Целта за периода по kpi active_customers за звеното (targets); празно, където няма.",
              unit="customers")
_T_P = column("target_potential_per_customer_value", "money", "Target, potential per customer",
              "Цел, потенциал на клиент",
              "The period's target of kpi potential_per_customer at the node; empty where none.",
              "Целта за периода по kpi potential_per_customer за звеното; празно, където няма.")
_T_S = column("target_share_of_wallet", "ratio", "Target, share of wallet", "Цел, дял от портфейла",
              "The period's target of kpi share_of_wallet at the node, read as the whole period's turnover / the "
              "active customers' yearly potential; empty where none.",
              "Целта за периода по kpi share_of_wallet за звеното, като оборот за целия период / годишния "
              "потенциал на активните клиенти; празно, където няма.")
_T_V = column("target_factors_product_value", "money", "Product of the factors' targets",
              "Произведение на целите на факторите",
              "target_customers_active × target_potential_per_customer_value × target_share_of_wallet.",
              "target_customers_active × target_potential_per_customer_value × target_share_of_wallet.")
_T_GAP = column("target_tree_gap_value", "money", "Gap, tree of targets", "Разлика, дърво на целите",
                "target_value − target_factors_product_value.", "target_value − target_factors_product_value.")
_T_GAP_SHARE = column("target_tree_gap_share", "ratio", "Gap, share", "Разлика, дял",
                      "target_tree_gap_value / target_value.", "target_tree_gap_value / target_value.")
_T_OK = column("targets_consistent", "flag", "Targets consistent", "Целите са съгласувани",
               "|target_tree_gap_share| ≤ [kpis] tolerance; empty without the four targets.",
               "|target_tree_gap_share| ≤ [kpis] tolerance; празно без четирите цели.")

TURNOVER_TREE = Result(
    "turnover-tree",
    ("Turnover tree: customers × potential × share", "Дърво на оборота: клиенти × потенциал × дял"),
    ("Turnover as active customers × potential per active customer × share of their wallet, for the company, "
     "each business line, territory, team and rep: whether the identity holds, which factor moved the change "
     "against the previous period and last year (LMDI), and whether the targets multiply up.",
     "Оборотът като активни клиенти × потенциал на активен клиент × дял от портфейла им за фирмата, всяка "
     "бизнес линия, територия, екип и търговец: дали тъждеството е в сила, кой фактор е движил изменението "
     "спрямо предходния период и миналата година (LMDI) и дали целите се умножават до целта за оборот."),
    (COMPARISON, LEVEL, KEY, TERRITORY_ID, TEAM_ID, REP_ID, PERIOD, CURRENT_VALUE, _N_NOW, _P_NOW, _S_NOW, _V_NOW,
     _RESIDUAL, _HOLDS, BASE_VALUE, _N_BASE, _P_BASE, _S_BASE, _V_BASE, CHANGE_VALUE, _N_EFFECT, _P_EFFECT,
     _S_EFFECT, _UNEXPLAINED, _LARGEST, TARGET_VALUE, _T_N, _T_P, _T_S, _T_V, _T_GAP, _T_GAP_SHARE, _T_OK, CURRENCY,
     NOTE),
    key=("comparison", "level", "key"),
    scope=("rep_id", "team_id", "territory_id"),
    notes=(("A customer belongs to the territory and rep of its customer record and to that rep's team; the "
            "effects add up to the change of factors_product_value exactly (LMDI-I), and with "
            "unexplained_change_value to change_value (each stored to the cent on its own).",
            "Клиентът принадлежи на територията и търговеца по клиентския си запис и на екипа на търговеца; "
            "ефектите дават точно изменението на factors_product_value (LMDI-I), а с unexplained_change_value — "
            "change_value (всеки закръглен до цент поотделно)."),),
)

RESULTS = (KPIS, SCORECARD, PROPOSALS, CONSISTENCY, TURNOVER_TREE)
