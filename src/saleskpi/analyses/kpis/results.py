"""The results the kpis analysis stores, declared (:class:`saleskpi.results.Result`)."""

from __future__ import annotations

from saleskpi.analyses.columns import (
    CURRENCY,
    CUSTOMER_ID,
    KEY,
    KPI,
    LEVEL,
    NOTE,
    PERIOD,
    POTENTIAL_VALUE,
    REP_ID,
    TEAM_ID,
    TERRITORY_ID,
    TURNOVER_VALUE_12M,
)
from saleskpi.results import Result, column

__all__ = ["CONSISTENCY", "KPIS", "PROPOSALS", "RESULTS", "SCORECARD"]

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

RESULTS = (KPIS, SCORECARD, PROPOSALS, CONSISTENCY)
