"""The results the incentives analysis stores, declared: pay data, scoped by rep_id (the team
totals by team_id, as team pay)."""

from __future__ import annotations

from saleskpi.analyses.columns import CURRENCY, NOTE, PERIOD, REP_ID, TEAM_ID
from saleskpi.results import Result, column

__all__ = ["RESULTS", "STATEMENTS", "TEAM_TOTALS", "TOTALS", "VERSION"]

_PLAN = column("plan", "text", "Plan", "План", "The plan's name (its file in DIR/plans).",
               "Името на плана (файлът му в DIR/plans).")
_STEP = column("step", "class", "Step", "Стъпка",
               "component (pay on a measure), contest (a prize by rank), pool (the rep's share of the team's pool), "
               "adjustment or clawback (a manual amount with its reason).",
               "component (възнаграждение по показател), contest (награда по място), pool (делът на търговеца от "
               "фонда на екипа), adjustment или clawback (ръчна сума с причина).")
_COMPONENT = column("component", "text", "Component", "Компонент",
                    "The plan component's name; on a contest run per quarter (or month) its name and the quarter "
                    "ranked (best quarter 2026-Q2); on an adjustment row its number in the plan file (#1...).",
                    "Името на компонента от плана; при състезание по тримесечия (или месеци) името му и "
                    "тримесечието (best quarter 2026-Q2); в ред за корекция — номерът ѝ във файла (#1...).")
_MEASURE = column("measure", "text", "Measure", "Показател",
                  "The measure the component pays on (turnover_value, target_products_share...).",
                  "Показателят, по който плаща компонентът (turnover_value, target_products_share...).")
_BASIS = column("basis", "class", "Basis", "База",
                "attainment (tiers on attainment, rates × target pay) or value (tiers on the measure's value).",
                "attainment (нива по изпълнение, ставки × целево възнаграждение) или value (нива по стойността).")
_MODE = column("mode", "class", "Tiers", "Нива",
               "marginal (each rate on its slice) or retroactive (the reached rate on the whole).",
               "marginal (всяка ставка за своя дял) или retroactive (достигнатата ставка за цялото).")
_MEASURE_VALUE = column("actual", "number", "Actual", "Изпълнено",
                        "The rep's value of the measure in the period to date (in the measure's unit).",
                        "Стойността на показателя за търговеца от началото на периода (в мярката му).")
_TARGET = column("target", "number", "Target", "Цел",
                 "The rep's target for the measure due to date (sales.target_value_to_date for turnover; the "
                 "targets table otherwise); empty where none is set.",
                 "Целта на търговеца за показателя към датата (sales.target_value_to_date за оборот; иначе "
                 "таблицата targets); празно, където няма.")
_ATTAINMENT = column("attainment", "ratio", "Attainment", "Изпълнение",
                     "actual / target (sales.attainment_by_value for turnover); empty without a target.",
                     "actual / target (sales.attainment_by_value за оборот); празно без цел.")
_TIER_FROM = column("tier_from", "number", "Tier reached from", "Достигнато ниво от",
                    "The lower bound of the highest tier reached (an attainment or a value, per basis).",
                    "Долната граница на най-високото достигнато ниво (изпълнение или стойност).")
_TIER_RATE = column("tier_rate", "number", "Rate of the tier", "Ставка на нивото",
                    "The rate of the highest tier reached.", "Ставката на най-високото достигнато ниво.")
_RANK = column("rank", "integer", "Rank", "Място",
               "On a contest's row: the rep's rank (1 = best; tied reps share the best rank of the places they "
               "span); empty when not ranked (note says why) and on other rows.",
               "В ред за състезание: мястото на търговеца (1 = най-добро; равните делят най-доброто от местата "
               "си); празно, ако не е класиран (note казва защо), и в другите редове.")
_TARGET_PAY = column("target_pay", "money", "Target pay", "Целево възнаграждение",
                     "The pay at 100 % attainment, prorated: on a component's row the plan's target pay × the "
                     "component's weight × proration; on a rep's total the plan's target pay × proration; on a "
                     "team's total the sum over its reps.",
                     "Възнаграждението при 100 % изпълнение, пропорционирано: в ред за компонент целевото × "
                     "теглото му × пропорцията; в общия ред за търговеца целевото × пропорцията; в общия ред за "
                     "екип сборът по търговците му.")
_PRORATION = column("proration", "ratio", "Proration", "Пропорция",
                    "Share of the period's days to date the rep was employed (reps.hired_on, left_on); 1 when the "
                    "dates are not known or the plan does not prorate.",
                    "Делът от дните на периода до датата, в които търговецът е бил нает; 1, ако датите не са "
                    "известни или планът не пропорционира.")
_PAY_BEFORE_CAP = column("pay_before_cap", "money", "Pay before cap", "Възнаграждение преди тавана",
                         "The curve's pay before the cap (0 below the threshold).",
                         "Възнаграждението по кривата преди тавана (0 под прага).")
_CAP_APPLIED = column("cap_applied", "flag", "Capped", "Таван", "Whether the cap cut the pay.",
                      "Дали таванът е намалил възнаграждението.")
_POOL_VALUE = column("pool_value", "money", "Team pool", "Фонд на екипа",
                     "On a pool's row: the team's pool, funded by the curve on the team's figure (actual, attainment "
                     "of the team) after the cap; empty on other rows and where the pool is unknown (note says why).",
                     "В ред за фонд: фондът на екипа по кривата върху показателя на екипа (actual, attainment на "
                     "екипа) след тавана; празно в другите редове и където фондът е неизвестен (note казва защо).")
_POOL_SHARE = column("pool_share", "ratio", "Share of the pool", "Дял от фонда",
                     "On a pool's row: the rep's share of the team's pool (equal, pro rata to the contribution, or "
                     "by weights; the shares of a team sum to 1); pay = the share of pool_value to the cent, the "
                     "cents apportioned by largest remainder so that the team's pays sum to the pool.",
                     "В ред за фонд: делът на търговеца от фонда на екипа (поравно, пропорционално на приноса или "
                     "по тегла; делите в екипа дават 1); pay = делът от pool_value до цент, центовете разпределени "
                     "по най-голям остатък, така че сборът в екипа е равен на фонда.")
_PAY = column("pay", "money", "Pay", "Възнаграждение",
              "The row's pay, to the cent (half away from zero); empty where it cannot be computed (note says why).",
              "Възнаграждението по реда, до цент; празно, където не може да бъде изчислено (note казва защо).")

#: The version of a pay row (docs/incentives.md "Locked periods"): shared by incentive-statements,
#: incentive-totals and incentive-team-totals.
VERSION = column(
    "version", "integer", "Version", "Версия",
    "The row's version: 1 as first computed; a recomputation of a closed period ([incentives] closed_through) "
    "that changes the rep's statement (or the team's sums) is stored beside it as the next version, with a note "
    "saying what changed.",
    "Версията на реда: 1 при първото изчисление; преизчисление на приключен период ([incentives] "
    "closed_through), което променя справката на търговеца (или сборовете на екипа), се пази до нея като "
    "следваща версия с бележка какво се е променило.")

STATEMENTS = Result(
    "incentive-statements",
    ("Incentive statements", "Справки за възнаграждение"),
    ("Every step of each rep's variable pay: per plan component the measure, target, attainment, tier, "
     "pay, cap and proration, each contest, the rep's share of each team pool, then each manual adjustment or "
     "clawback with its reason.",
     "Всяка стъпка от променливото възнаграждение на търговеца: по компонент показател, цел, изпълнение, "
     "ниво, сума, таван и пропорция, всяко състезание, делът от всеки фонд на екипа, после всяка ръчна "
     "корекция с причината ѝ."),
    (_PLAN, PERIOD, REP_ID, TEAM_ID, _STEP, _COMPONENT, _MEASURE, _BASIS, _MODE, _MEASURE_VALUE, _TARGET,
     _ATTAINMENT, _TIER_FROM, _TIER_RATE, _RANK, _TARGET_PAY, _PRORATION, _PAY_BEFORE_CAP, _CAP_APPLIED, _POOL_VALUE, _POOL_SHARE,
     _PAY, CURRENCY, VERSION, NOTE),
    key=("plan", "period", "rep_id", "step", "component", "version"),
    scope=("rep_id",),
    pay=True,
)

_COMPONENTS_PAY = column("components_pay", "money", "Pay on components", "По компоненти",
                         "Sum of the components' pay and contest prizes (of a team: of its reps); empty when a "
                         "component's pay is (note says which).",
                         "Сборът по компонентите и наградите от състезания (за екип: на търговците му); празно, ако "
                         "някой компонент е празен (note казва кой).")
_POOLS_PAY = column("pools_pay", "money", "Pay from team pools", "От фондове на екипа",
                    "Sum of the rep's shares of the team pools (0 when none); empty when a pool is unknown (note "
                    "says which).",
                    "Сборът от дяловете на търговеца във фондовете на екипа (0, ако няма); празно, ако фонд е "
                    "неизвестен (note казва кой).")
_ADJUSTMENTS = column("adjustments_value", "money", "Adjustments", "Корекции",
                      "Sum of the manual adjustments and clawbacks (0 when none).",
                      "Сборът на ръчните корекции и възстановявания (0, ако няма).")
_TOTAL = column("total_pay", "money", "Total pay", "Общо възнаграждение",
                "components_pay + pools_pay + adjustments_value; empty when a component's or pool's pay is unknown.",
                "components_pay + pools_pay + adjustments_value; празно, ако възнаграждението по компонент или "
                "фонд е неизвестно.")
_COST_OF_SALES = column("cost_of_sales", "ratio", "Cost of sales", "Разход за продажби",
                        "total_pay / the rep's turnover in the period to date (sales.turnover_value_period; of a "
                        "team: Σ total_pay / Σ turnover of its reps of the plan): the variable pay per unit of "
                        "turnover (0.05 = 5 %); empty where either is empty or the turnover is not positive.",
                        "total_pay / оборота на търговеца от началото на периода (sales.turnover_value_period; за "
                        "екип: Σ total_pay / Σ оборот на търговците му по плана): променливото възнаграждение на "
                        "единица оборот (0,05 = 5 %); празно, където някое е празно или оборотът не е положителен.")

TOTALS = Result(
    "incentive-totals",
    ("Incentive pay per rep", "Възнаграждение по търговци"),
    ("Each rep's variable pay for the period: components, team pools, adjustments and the total.",
     "Променливото възнаграждение на всеки търговец за периода: компоненти, фондове на екипа, корекции и общо."),
    (_PLAN, PERIOD, REP_ID, TEAM_ID, _TARGET_PAY, _COMPONENTS_PAY, _POOLS_PAY, _ADJUSTMENTS, _TOTAL, _COST_OF_SALES, CURRENCY,
     VERSION, NOTE),
    key=("plan", "period", "rep_id", "version"),
    scope=("rep_id",),
    pay=True,
)

_REPS_PAID = column("reps_paid", "count", "Reps paid", "Платени търговци",
                    "The team's reps paid by the plan in the period (those with a row in incentive-totals).",
                    "Търговците от екипа, платени по плана за периода (с ред в incentive-totals).", unit="reps")

TEAM_TOTALS = Result(
    "incentive-team-totals",
    ("Incentive pay per team", "Възнаграждение по екипи"),
    ("Per plan, period and team (reps.team_id) the sums of its reps' variable pay — target pay, components, "
     "team pools, adjustments, total — and the team's cost of sales.",
     "По план, период и екип (reps.team_id) сборовете от променливото възнаграждение на търговците му — целево, "
     "компоненти, фондове, корекции, общо — и разходът за продажби на екипа."),
    (_PLAN, PERIOD, TEAM_ID, _REPS_PAID, _TARGET_PAY, _COMPONENTS_PAY, _POOLS_PAY, _ADJUSTMENTS, _TOTAL,
     _COST_OF_SALES, CURRENCY, VERSION, NOTE),
    key=("plan", "period", "team_id", "version"),
    scope=("team_id",),
    pay=True,
    team_pay=True,
    notes=(("Pay of others summed: compensation, directors, admins and the manager of the team see a team's row, a "
            "rep does not; the reps without a team are summed in a row with team_id empty (whole-company roles "
            "only). Each rep's newest statement version counts; in a closed period a changed team total is a new "
            "version beside the kept one.",
            "Сбор от възнагражденията на други: ред за екип виждат отдел възнаграждения, директорите, "
            "администраторите и мениджърът на екипа, не и търговецът; търговците без екип са в ред с празен team_id "
            "(само ролите с достъп до цялата фирма). Брои се най-новата версия на справката на всеки търговец; в приключен "
            "период променен сбор за екип е нова версия до запазената."),),
)

RESULTS = (STATEMENTS, TOTALS, TEAM_TOTALS)
