"""The results the segments analysis stores, declared (:class:`saleskpi.results.Result`)."""

from __future__ import annotations

from saleskpi.analyses.columns import (
    CURRENCY,
    CUSTOMER_ID,
    CUSTOMERS,
    NOTE,
    PREVIOUS_RUN,
    REP_ID,
    TERRITORY_ID,
    TURNOVER_VALUE_12M,
)
from saleskpi.results import Result, column

__all__ = ["RESULTS", "SEGMENTS", "SEGMENT_QUALITY", "SEGMENT_PROFIT", "SEGMENT_MOVES", "SEGMENT_CLUSTERS"]

SEGMENTATION = column(
    "segmentation", "class", "Segmentation", "Сегментиране",
    "The segmentation: value-share (ABC class by purchases / by share of wallet), industry, size_band, region "
    "(customer attributes), rfm (named RFM groups), clusters (data-driven), or one defined in segments.toml.",
    "Сегментирането: value-share (ABC клас по покупки / по дял от портфейла), industry, size_band, region "
    "(атрибути на клиента), rfm (именувани RFM групи), clusters (от данните) или определено в segments.toml.")
SEGMENT = column(
    "segment", "class", "Segment", "Сегмент",
    "The customer's segment in the segmentation; empty where the customer lacks the data the rule needs "
    "(note says which) or meets no rule.",
    "Сегментът на клиента в сегментирането; празно, където на клиента липсват нужните на правилото данни "
    "(note казва кои) или не отговаря на никое правило.")
_BASIS = column(
    "assigned_by", "text", "Why this segment", "Защо този сегмент",
    "The values that put the customer in the segment (classes, attribute, R/F/M scores, the rule met).",
    "Стойностите, които поставят клиента в сегмента (класове, атрибут, R/F/M оценки, изпълненото правило).")
_PREVIOUS_SEGMENT = column(
    "previous_segment", "class", "Previous segment", "Предишен сегмент",
    "The customer's segment in the previous run that stored segments; empty on the first run.",
    "Сегментът на клиента в предишното изчисление, записало segments; празно при първото.")
_RECENCY = column(
    "recency_days", "number", "Days since the last purchase", "Дни от последната покупка",
    "Days from the customer's last invoice (on or before the as-of date) to the as-of date; empty if it has none.",
    "Дни от последната фактура на клиента до отчетната дата; празно, ако няма.", unit="days")
_ORDERS = column(
    "orders_12m", "count", "Orders, 12 months", "Поръчки, 12 месеца",
    "Distinct invoices of the customer(s) in the 12 months to the as-of date (RFM frequency).",
    "Различни фактури на клиента (клиентите) за 12-те месеца до отчетната дата (RFM честота).", unit="invoices")
_LINES = column(
    "lines_12m", "count", "Invoice lines, 12 months", "Фактурни редове, 12 месеца",
    "Invoice lines of the customer(s) in the 12 months to the as-of date.",
    "Фактурни редове на клиента (клиентите) за 12-те месеца до отчетната дата.", unit="lines")


def _score(letter: str, what_en: str, what_bg: str):
    return column(f"{letter}_score", "integer", f"{letter.upper()} score", f"Оценка {letter.upper()}",
                  f"Quintile score 1..5 of {what_en} among the customers with a purchase (1 + floor(5 (r − 1) / n), "
                  "ties share a score; Hughes 1994); rfm rows only.",
                  f"Квинтилна оценка 1..5 на {what_bg} сред клиентите с покупка (1 + floor(5 (r − 1) / n), при "
                  "равенство еднаква; Hughes 1994); само в редовете rfm.", unit="score 1-5")


SEGMENTS = Result(
    "segments",
    ("Segments", "Сегменти"),
    ("One row per customer per segmentation: its segment, the values that put it there, its previous segment, "
     "and the RFM figures.",
     "По един ред за клиент и сегментиране: сегментът му, стойностите, които го поставят там, предишният му "
     "сегмент и RFM стойностите."),
    (SEGMENTATION, CUSTOMER_ID, TERRITORY_ID, REP_ID, SEGMENT, _BASIS, _PREVIOUS_SEGMENT, _RECENCY, _ORDERS,
     TURNOVER_VALUE_12M, _score("r", "recency (recent = 5)", "давността (скорошна = 5)"),
     _score("f", "orders_12m", "orders_12m"), _score("m", "turnover_value_12m", "turnover_value_12m"),
     CURRENCY, NOTE),
    key=("segmentation", "customer_id"),
    scope=("customer_id", "rep_id", "territory_id"),
    notes=(("Customers acquired after the as-of date are left out. RFM groups by the R and F scores: 5[4-5] "
            "champions, [3-4][4-5] loyal, [4-5][2-3] potential loyalists, 51 new, 41 promising, 33 need attention, "
            "3[1-2] about to sleep, [1-2][3-4] at risk, [1-2]5 can't lose, [1-2][1-2] hibernating.",
            "Клиентите, придобити след отчетната дата, не се включват. RFM групите по оценките R и F: 5[4-5] "
            "champions, [3-4][4-5] loyal, [4-5][2-3] potential loyalists, 51 new, 41 promising, 33 need "
            "attention, 3[1-2] about to sleep, [1-2][3-4] at risk, [1-2]5 can't lose, [1-2][1-2] hibernating."),),
)

_PRINCIPLE = column(
    "principle", "class", "Principle", "Принцип",
    "measurable, substantial, accessible, differentiable or actionable (Kotler's five criteria).",
    "measurable (измерим), substantial (значим), accessible (достъпен), differentiable (различим) или "
    "actionable (приложим) — петте критерия на Kotler.")
_PASSED = column("passed", "flag", "Passed", "Изпълнен",
                 "Whether the segmentation meets the principle (reason says why or why not).",
                 "Дали сегментирането отговаря на принципа (reason казва защо).")
_MEASURE = column(
    "measured", "number", "Measured", "Измерено",
    "What was measured and compared with the threshold: the share of customers with the data (measurable), the smallest "
    "segment's customer share (substantial), the lowest share with a rep (accessible), epsilon-squared "
    "(differentiable), the share of segments with strategy and owner (actionable).",
    "Сравненото с прага: дял клиенти с данните (measurable), дял клиенти на най-малкия сегмент (substantial), "
    "най-малкият дял с търговец (accessible), епсилон-квадрат (differentiable), дял сегменти със стратегия "
    "и отговорник (actionable).", unit="fraction or effect size")
_THRESHOLD = column("threshold", "number", "Threshold", "Праг",
                    "The [segments] setting the measure is compared with.",
                    "Настройката от [segments], с която се сравнява измереното.", unit="fraction or effect size")
_STATISTIC = column("kruskal_h", "number", "Kruskal-Wallis H", "H на Kruskal-Wallis",
                    "The tie-corrected Kruskal-Wallis H of 12-month turnover across segments (differentiable only).",
                    "H на Kruskal-Wallis с корекция за равенства на оборота за 12 месеца (само differentiable).",
                    unit="statistic")
_PVALUE = column("kruskal_pvalue", "number", "p-value", "p-стойност",
                 "The p-value of kruskal_h (χ², segments − 1 degrees of freedom); differentiable only.",
                 "p-стойността на kruskal_h (χ², сегменти − 1 степени на свобода); само differentiable.", unit="probability")
_EFFECT = column("epsilon_squared", "number", "Epsilon-squared", "Епсилон-квадрат",
                 "ε² = H / (n − 1) (Tomczak & Tomczak 2014): 0.01 small, 0.08 medium, 0.26 large.",
                 "ε² = H / (n − 1) (Tomczak и Tomczak 2014): 0,01 малък, 0,08 среден, 0,26 голям ефект.",
                 unit="effect size")
_SEGMENTS_N = column("segments", "count", "Segments", "Сегменти",
                     "Segments of the segmentation that hold customers.",
                     "Сегменти на сегментирането, които имат клиенти.", unit="segments")
_REASON = column("reason", "text", "Reason", "Причина", "Why the principle passes or fails, with the figures.",
                 "Защо принципът е изпълнен или не, със стойностите.")

SEGMENT_QUALITY = Result(
    "segment-quality",
    ("Segment quality: the five principles", "Качество на сегментите: петте принципа"),
    ("For every segmentation, each of the five principles of effective segments passed or failed, with the "
     "figure, the threshold and the reason.",
     "За всяко сегментиране всеки от петте принципа на ефективните сегменти — изпълнен или не, със стойността, "
     "прага и причината."),
    (SEGMENTATION, _PRINCIPLE, _PASSED, _MEASURE, _THRESHOLD, _STATISTIC, _PVALUE, _EFFECT, _SEGMENTS_N, _REASON),
    key=("segmentation", "principle"),
)

_SHARE_N = column("customers_share", "ratio", "Share of customers", "Дял от клиентите",
                  "customers / the segmentation's customers with a segment.",
                  "customers / клиентите със сегмент в сегментирането.")
_MARGIN = column("margin_12m", "money", "Margin, 12 months", "Марж, 12 месеца",
                 "Net value − cost of the invoice lines in the 12 months to the as-of date; empty where a line "
                 "has no cost.",
                 "Нетна стойност − себестойност на фактурните редове за 12-те месеца до отчетната дата; празно, "
                 "където ред няма себестойност.")
_COST = column("cost_to_serve", "money", "Cost to serve", "Разходи за обслужване",
               "orders × [segments] cost_per_order + lines × cost_per_line + visits × cost_per_visit + the "
               "cost_column; empty when none is set.",
               "поръчки × [segments] cost_per_order + редове × cost_per_line + посещения × cost_per_visit + "
               "колоната cost_column; празно, когато нищо не е зададено.")
_PROFIT = column("profit", "money", "Profit", "Печалба", "margin_12m − cost_to_serve; empty where either is.",
                 "margin_12m − cost_to_serve; празно, където някое е празно.")
_TURNOVER_SHARE = column("turnover_share", "ratio", "Share of turnover", "Дял от оборота",
                         "The segment's 12-month turnover / the segmentation's.",
                         "Оборотът на сегмента за 12 месеца / този на сегментирането.")
_PROFIT_SHARE = column("profit_share", "ratio", "Share of profit", "Дял от печалбата",
                       "The segment's profit / the segmentation's; empty where a profit is unknown.",
                       "Печалбата на сегмента / тази на сегментирането; празно, където печалба е неизвестна.")
_STRATEGY = column("strategy", "text", "Strategy", "Стратегия", "The segment's strategy in segments.toml.",
                   "Стратегията на сегмента в segments.toml.")
_OWNER = column("owner", "text", "Owner", "Отговорник", "The segment's owner in segments.toml.",
                "Отговорникът на сегмента в segments.toml.")

SEGMENT_PROFIT = Result(
    "segment-profit",
    ("Profit by segment", "Печалба по сегменти"),
    ("Per segment: customers, turnover, margin, cost to serve and profit over the 12 months to the as-of date, "
     "their shares, and the segment's strategy and owner.",
     "За всеки сегмент: клиенти, оборот, марж, разходи за обслужване и печалба за 12-те месеца до отчетната "
     "дата, дяловете им и стратегията и отговорникът на сегмента."),
    (SEGMENTATION, SEGMENT, CUSTOMERS, _SHARE_N, _ORDERS, _LINES, TURNOVER_VALUE_12M, _TURNOVER_SHARE, _MARGIN,
     _COST, _PROFIT, _PROFIT_SHARE, _STRATEGY, _OWNER, CURRENCY, NOTE),
    key=("segmentation", "segment"),
)

_FROM = column("from_segment", "class", "From segment", "От сегмент",
               "The segment in the previous run ('(new)': not segmented then; '(none)': no segment).",
               "Сегментът в предишното изчисление ('(new)': несегментиран тогава; '(none)': без сегмент).")
_TO = column("to_segment", "class", "To segment", "Към сегмент",
             "The segment now ('(gone)': not segmented now; '(none)': no segment).",
             "Сегментът сега ('(gone)': несегментиран сега; '(none)': без сегмент).")

SEGMENT_MOVES = Result(
    "segment-moves",
    ("Moves between segments", "Движение между сегментите"),
    ("Customers by segmentation, previous segment and segment now, against the previous run that stored "
     "segments.",
     "Клиентите по сегментиране, предишен и сегашен сегмент спрямо предишното изчисление, записало segments."),
    (SEGMENTATION, _FROM, _TO, CUSTOMERS, PREVIOUS_RUN),
    key=("segmentation", "from_segment", "to_segment"),
)

_METHOD = column("cluster_method", "class", "Method", "Метод",
                 "kmeans (k-means, k by silhouette) or gmm (Gaussian mixture, k by BIC): [segments] cluster_method.",
                 "kmeans (k средни, k по силует) или gmm (гаусова смес, k по BIC): [segments] cluster_method.")
_K = column("k", "integer", "Clusters", "Клъстери", "The number of clusters tried.", "Пробваният брой клъстери.",
            unit="clusters")
_CRITERION = column("k_criterion", "class", "Criterion", "Критерий",
                    "silhouette (mean, higher is better; Rousseeuw 1987) or bic (lower is better; Schwarz 1978).",
                    "silhouette (среден силует, по-голям е по-добре; Rousseeuw 1987) или bic (по-малък е по-добре; "
                    "Schwarz 1978).")
_CRITERION_VALUE = column("k_criterion_score", "number", "Criterion value", "Стойност на критерия",
                          "The criterion's value at k.", "Стойността на критерия при k.", unit="silhouette or BIC")
_CHOSEN = column("k_chosen", "flag", "Chosen", "Избран", "Whether this k was chosen by the criterion.",
                 "Дали този k е избран по критерия.")

SEGMENT_CLUSTERS = Result(
    "segment-clusters",
    ("Clusters: the choice of k", "Клъстери: изборът на k"),
    ("Each number of clusters tried for the data-driven segments, with its criterion value and which was chosen.",
     "Всеки пробван брой клъстери за сегментите от данните, със стойността на критерия и кой е избран."),
    (_METHOD, _K, _CRITERION, _CRITERION_VALUE, _CHOSEN, CUSTOMERS),
    key=("k",),
    notes=(("Features: log(1 + x) of 12-month turnover, orders, days since the last purchase and products "
            "bought, each standardised; customers with a purchase up to the as-of date.",
            "Признаци: log(1 + x) на оборота за 12 месеца, поръчките, дните от последната покупка и купените "
            "продукти, всеки стандартизиран; клиентите с покупка до отчетната дата."),),
)

RESULTS: tuple[Result, ...] = (SEGMENTS, SEGMENT_QUALITY, SEGMENT_PROFIT, SEGMENT_MOVES, SEGMENT_CLUSTERS)
