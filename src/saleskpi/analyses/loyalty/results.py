"""The results the loyalty analysis stores, declared (:class:`saleskpi.results.Result`)."""

from __future__ import annotations

from saleskpi.analyses.columns import NOTE
from saleskpi.results import Result, column

__all__ = ["RESULTS", "KPIS_RESULT", "LIFT"]

_KPI = column(
    "programme_kpi", "class", "KPI", "Показател",
    "The programme KPI (docs/loyalty.md lists each with its formula): enrolment_rate, active_rate, "
    "participation_rate, points, redemption_rate, breakage_rate, liability_value, churn, the lifts and roi.",
    "Показателят на програмата (docs/loyalty.md дава формулата на всеки): enrolment_rate, active_rate, "
    "participation_rate, точки, redemption_rate, breakage_rate, liability_value, отлив, ефектите и roi.")
_VALUE = column(
    "programme_figure", "number", "Value", "Стойност",
    "The KPI's value in its unit; empty (with the reason in note) when the data cannot give it.",
    "Стойността на показателя в мерната му единица; празно (с причината в note), когато данните не я дават.",
    unit="the KPI's unit")
_UNIT = column(
    "kpi_unit", "text", "Unit", "Мерна единица",
    "The KPI's unit: fraction (0.25 = 25 %), points, customers, currency (the workspace currency), ratio.",
    "Мерната единица: fraction (дял, 0,25 = 25 %), points (точки), customers (клиенти), currency (валутата "
    "на работното пространство), ratio (отношение).")
_NUMERATOR = column(
    "numerator", "number", "Numerator", "Числител",
    "For a rate: what is counted (members who bought, points redeemed...); else empty.",
    "За дял: какво се брои (купили членове, осребрени точки...); иначе празно.", unit="the KPI's counts")
_DENOMINATOR = column(
    "denominator", "number", "Denominator", "Знаменател",
    "For a rate: what it is counted among (members, points issued...); else empty.",
    "За дял: от какво се брои (членове, издадени точки...); иначе празно.", unit="the KPI's counts")
_GOAL = column(
    "goal", "text", "Goal", "Цел",
    "The programme goal of DIR/loyalty.toml that this KPI measures; empty when no goal names it.",
    "Целта на програмата от DIR/loyalty.toml, която този показател измерва; празно, ако никоя цел не го сочи.")
_TARGET = column(
    "goal_target", "number", "Target", "Цел (стойност)",
    "The goal's target, in the KPI's unit.", "Целевата стойност, в мерната единица на показателя.",
    unit="the KPI's unit")
_DIRECTION = column(
    "goal_direction", "class", "Direction", "Посока",
    "at_least: the goal is met when value >= target; at_most: when value <= target.",
    "at_least: целта е изпълнена при value >= target; at_most: при value <= target.")
_MET = column(
    "target_met", "flag", "Target met", "Целта е изпълнена",
    "Whether the value meets the target; empty when there is no goal or no value.",
    "Дали стойността изпълнява целта; празно, когато няма цел или стойност.")

KPIS_RESULT = Result(
    "loyalty",
    ("Loyalty programme KPIs", "Показатели на програмата за лоялност"),
    ("Enrolment, activity, participation, points issued, redeemed and expired, redemption, breakage, "
     "liability, churn of members against non-members, the lift and ROI, each programme goal against its "
     "target.",
     "Записване, активност, участие, издадени, осребрени и изтекли точки, осребряване, неосребрени точки "
     "(breakage), задължение, отлив на членове спрямо нечленове, ефект и възвръщаемост, всяка цел на "
     "програмата спрямо стойността ѝ."),
    (_KPI, _VALUE, _UNIT, _NUMERATOR, _DENOMINATOR, _GOAL, _TARGET, _DIRECTION, _MET, NOTE),
    key=("programme_kpi",),
    scope=(),
    notes=(("Windows: '_12m' KPIs and the rates are over the 12 months to the as-of date; '_to_date' since the "
            "first loyalty event.",
            "Периоди: показателите '_12m' и дяловете са за 12-те месеца до отчетната дата; '_to_date' — от "
            "първото събитие в програмата."),),
)

_MEASURE = column(
    "outcome", "class", "Measure", "Мярка",
    "What the lift is measured in: purchases (net value per month), margin (per month), share_of_wallet "
    "(purchases × 12 / the customer's yearly potential, abc.potential_value).",
    "В какво е измерен ефектът: purchases (нетни покупки на месец), margin (марж на месец), share_of_wallet "
    "(покупки × 12 / годишния потенциал на клиента, abc.potential_value).")
_MEMBERS = column(
    "members", "count", "Members compared", "Сравнени членове",
    "Members with a full window before and after enrolment and matched non-members.",
    "Членове с пълен период преди и след записването и съпоставени нечленове.", unit="customers")
_CONTROLS = column(
    "controls", "count", "Matched non-members", "Съпоставени нечленове",
    "Distinct customers used as matched non-members (one may serve several members).",
    "Различни клиенти, използвани като съпоставени нечленове (един може да служи на няколко члена).",
    unit="customers")


def _bounds(name, title_en, title_bg, text_en, text_bg, unit):
    value = column(name, "number", title_en, title_bg, text_en, text_bg, unit=unit)
    low = column(f"{name}_ci_low", "number", f"{title_en}, interval low", f"{title_bg}, долна граница",
                 f"Lower bound of the confidence interval of {name} ([loyalty] level, default 95 %).",
                 f"Долната граница на доверителния интервал на {name} ([loyalty] level, по подразбиране 95 %).",
                 unit=unit)
    high = column(f"{name}_ci_high", "number", f"{title_en}, interval high", f"{title_bg}, горна граница",
                  f"Upper bound of the confidence interval of {name}.",
                  f"Горната граница на доверителния интервал на {name}.", unit=unit)
    return value, low, high


_PER_MONTH = "the measure's unit per member and month (share_of_wallet: share points)"
_LIFT = _bounds(
    "lift", "Lift (difference-in-differences)", "Ефект (разлика в разликите)",
    "(members after − members before) − (matched non-members after − before), per member and month, "
    "conditional on the level before (docs/loyalty.md); CI with errors clustered on the customer.",
    "(членове след − членове преди) − (съпоставени нечленове след − преди), на член и месец, при равно "
    "ниво преди (docs/loyalty.md); интервал с грешки, клъстерирани по клиент.", _PER_MONTH)
_PVALUE = column(
    "lift_pvalue", "number", "p-value", "p-стойност",
    "Two-sided p-value of lift = 0.", "Двустранна p-стойност на ефект = 0.", unit="probability")
_COUNTERFACTUAL = column(
    "counterfactual", "number", "Without the programme", "Без програмата",
    "What the members would have had after enrolment without the programme: members' level before + the "
    "matched non-members' change.",
    "Какво биха имали членовете след записването без програмата: нивото им преди + промяната при "
    "съпоставените нечленове.", unit=_PER_MONTH)
_RELATIVE = _bounds(
    "relative_lift", "Relative lift", "Относителен ефект",
    "lift / counterfactual (0.10 = members buy 10 % more than without the programme), delta-method "
    "interval.", "lift / counterfactual (0,10 = членовете купуват с 10 % повече), интервал по делта метода.",
    "fraction (0.10 = 10 %)")
_NAIVE = column(
    "naive_gap", "number", "Naive member vs non-member gap", "Наивна разлика членове − нечленове",
    "Members' monthly mean after enrolment minus that of all non-members in the same months: mostly "
    "self-selection (heavier buyers join first), not the programme's effect.",
    "Средното на месец на членовете след записването минус това на всички нечленове в същите месеци: "
    "главно самоподбор (по-големите купувачи се записват първи), не ефект на програмата.", unit=_PER_MONTH)
_PRETREND = _bounds(
    "pretrend_difference", "Pre-enrolment trend difference", "Разлика в тенденцията преди записване",
    "The placebo DiD of the second half of the window before enrolment against the first half: near 0 "
    "when members and matched non-members moved in parallel before.",
    "Плацебо DiD на втората половина на периода преди записването спрямо първата: около 0, когато "
    "членовете и съпоставените нечленове са се движели успоредно преди.", _PER_MONTH)
_PRETREND_P = column(
    "pretrend_pvalue", "number", "Pre-trend p-value", "p-стойност на тенденцията",
    "Two-sided p-value of pretrend_difference = 0.", "Двустранна p-стойност на pretrend_difference = 0.",
    unit="probability")
_PARALLEL = column(
    "parallel_trends", "flag", "Parallel trends", "Успоредни тенденции",
    "False when pretrend_pvalue is below [loyalty] significance: the lift is then not to be trusted.",
    "False, когато pretrend_pvalue е под [loyalty] significance: тогава на ефекта не може да се вярва.")
_INCREMENTAL = _bounds(
    "incremental_margin_12m", "Incremental margin, 12 months", "Допълнителен марж, 12 месеца",
    "On the margin row: lift × the member-months in the 12 months to the as-of date.",
    "В реда на маржа: ефектът × член-месеците в 12-те месеца до отчетната дата.", "workspace currency")
_COST = column(
    "programme_cost_12m", "number", "Programme cost, 12 months", "Разход за програмата, 12 месеца",
    "On the margin row: reward cost of the redemptions in the 12 months + [loyalty] fixed_cost_per_year.",
    "В реда на маржа: разходът за наградите при осребряванията за 12 месеца + [loyalty] "
    "fixed_cost_per_year.", unit="workspace currency")
_COST_SOURCE = column(
    "cost_source", "text", "Cost source", "Източник на разхода",
    "Where programme_cost_12m comes from.", "Откъде идва programme_cost_12m.")
_ROI = _bounds(
    "roi", "ROI", "Възвръщаемост (ROI)",
    "(incremental margin − programme cost) / programme cost, over the 12 months to the as-of date.",
    "(допълнителен марж − разход) / разход, за 12-те месеца до отчетната дата.", "ratio (1.0 = 100 %)")

LIFT = Result(
    "loyalty-lift",
    ("Loyalty programme lift", "Ефект на програмата за лоялност"),
    ("Members against matched non-members by difference-in-differences, in purchases, margin and share of "
     "wallet, with intervals, a parallel-trends check, the naive gap beside it and the ROI.",
     "Членове срещу съпоставени нечленове по метода разлика в разликите, в покупки, марж и дял от "
     "портфейла, с интервали, проверка на успоредните тенденции, наивната разлика до тях и ROI."),
    (_MEASURE, _MEMBERS, _CONTROLS, *_LIFT, _PVALUE, _COUNTERFACTUAL, *_RELATIVE, _NAIVE, *_PRETREND, _PRETREND_P,
     _PARALLEL, *_INCREMENTAL, _COST, _COST_SOURCE, *_ROI, NOTE),
    key=("outcome",),
    scope=(),
    notes=(("The naive gap is shown for comparison only: members chose to join, and heavier buyers join first "
            "(self-selection), so it overstates the programme's effect.",
            "Наивната разлика е само за сравнение: членовете сами избират да се запишат, а по-големите "
            "купувачи се записват първи (самоподбор), така че тя преувеличава ефекта на програмата."),),
)

RESULTS = (KPIS_RESULT, LIFT)
