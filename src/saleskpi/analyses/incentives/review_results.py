"""The results that review a plan, declared: the what-if replay of a proposed plan (pay data,
scoped by rep_id; its summary rows have an empty rep_id, so only whole-company roles see them)."""

from __future__ import annotations

from saleskpi.analyses.columns import CURRENCY, NOTE, PERIOD, REP_ID, TEAM_ID
from saleskpi.analyses.incentives.results import _COMPONENT, _PLAN
from saleskpi.results import Result, column

__all__ = ["GAMING", "REVIEW_RESULTS", "WHATIF"]

_TURNOVER = column(
    "period_turnover_value", "money", "Turnover of the period", "Оборот за периода",
    "Net value invoiced in the whole replayed period (the sales result on its last day); on a summary row the "
    "sum over the reps in it.",
    "Нетна стойност, фактурирана за целия преизигран период (резултатът sales към последния му ден); в "
    "обобщаващ ред — сборът за търговците в него.")
_ATTAINMENT = column(
    "period_attainment", "ratio", "Attainment of the period", "Изпълнение за периода",
    "The rep's turnover / the whole period's turnover target (sales.attainment_by_value on the period's last "
    "day); empty without a target.",
    "Оборотът на търговеца / целта за оборот за целия период (sales.attainment_by_value към последния ден); "
    "празно без цел.")
_CURRENT = column(
    "current_pay", "money", "Pay by the current plan", "По действащия план",
    "The rep's total pay by the plan in force, replayed on the period without manual adjustments (0 when the "
    "plan does not pay the rep); on a summary row the total cost; empty when unknown (note says why).",
    "Общото възнаграждение по действащия план, преизиграно за периода без ръчни корекции (0, ако планът не "
    "плаща на търговеца); в обобщаващ ред — общият разход; празно, ако е неизвестно (note казва защо).")
_PROPOSED = column(
    "proposed_pay", "money", "Pay by the proposed plan", "По предложения план",
    "The same by the proposed plan (DIR/plans/proposed).",
    "Същото по предложения план (DIR/plans/proposed).")
_CHANGE = column(
    "pay_change", "money", "Change", "Промяна",
    "proposed_pay − current_pay: positive for a rep who gains, negative for one who loses.",
    "proposed_pay − current_pay: положително за спечелилия, отрицателно за загубилия.")
_COS_CURRENT = column(
    "current_cost_of_sales", "ratio", "Cost of sales, current", "Разход за продажби, действащ",
    "current_pay / period_turnover_value (0.05 = 5 %); empty where the turnover is not positive.",
    "current_pay / period_turnover_value (0,05 = 5 %); празно, където оборотът не е положителен.")
_COS_PROPOSED = column(
    "proposed_cost_of_sales", "ratio", "Cost of sales, proposed", "Разход за продажби, предложен",
    "proposed_pay / period_turnover_value.", "proposed_pay / period_turnover_value.")
_REPS = column(
    "reps_compared", "count", "Reps compared", "Сравнени търговци",
    "On a summary row: the reps whose pay is known by both plans (those the summary is over).",
    "В обобщаващ ред: търговците с известно възнаграждение по двата плана (тези, за които е обобщението).")
_ABOVE = column(
    "reps_above_target_share", "ratio", "Share at or above target", "Дял на изпълнилите целта",
    "On a summary row: the share of those reps with a target whose period_attainment is at least 1.",
    "В обобщаващ ред: делът на търговците с цел, чието period_attainment е поне 1.")
_GAINERS = column("gainers", "count", "Reps who gain", "Печелят",
                  "On a summary row: the reps whose pay_change is positive.",
                  "В обобщаващ ред: търговците с положителна pay_change.")
_LOSERS = column("losers", "count", "Reps who lose", "Губят",
                 "On a summary row: the reps whose pay_change is negative.",
                 "В обобщаващ ред: търговците с отрицателна pay_change.")


def _quantile(name: str, en: str, bg: str, what_en: str, what_bg: str):
    return column(name, "money", en, bg,
                  f"On a summary row: {what_en} of the reps' pay (Hyndman & Fan 1996 definition 7, linear).",
                  f"В обобщаващ ред: {what_bg} на възнагражденията (Hyndman & Fan 1996, дефиниция 7, линейна).")


WHATIF = Result(
    "plan-whatif",
    ("What-if of a proposed plan", "Какво ако: предложен план"),
    ("A proposed plan (DIR/plans/proposed) replayed on past periods beside the plan in force of the same name: "
     "per rep the pay by each and the difference; per period a summary row (empty rep_id, whole company only) "
     "with the total cost, cost of sales, share of reps at target, gainers, losers and the payout distribution.",
     "Предложен план (DIR/plans/proposed), преизигран за минали периоди до действащия план със същото име: по "
     "търговец възнаграждението по всеки и разликата; по период обобщаващ ред (празен rep_id, само за цялата "
     "компания) с общия разход, разхода за продажби, дела на изпълнилите целта, печелившите, губещите и "
     "разпределението на възнагражденията."),
    (_PLAN, PERIOD, REP_ID, TEAM_ID, _TURNOVER, _ATTAINMENT, _CURRENT, _PROPOSED, _CHANGE, _COS_CURRENT,
     _COS_PROPOSED, _REPS, _ABOVE, _GAINERS, _LOSERS,
     _quantile("proposed_pay_p10", "Proposed pay, 10th percentile", "Предложен, 10-и перцентил",
               "the 10th percentile by the proposed plan", "10-ият перцентил по предложения план"),
     _quantile("proposed_pay_median", "Proposed pay, median", "Предложен, медиана",
               "the median by the proposed plan", "медианата по предложения план"),
     _quantile("proposed_pay_p90", "Proposed pay, 90th percentile", "Предложен, 90-и перцентил",
               "the 90th percentile by the proposed plan", "90-ият перцентил по предложения план"),
     _quantile("current_pay_median", "Current pay, median", "Действащ, медиана",
               "the median by the plan in force", "медианата по действащия план"),
     CURRENCY, NOTE),
    key=("plan", "period", "rep_id"),
    scope=("rep_id",),
    pay=True,
)

_FLAG = column(
    "flag", "class", "Flag", "Сигнал",
    "period_end_shift (the period's last days carried the rep just across a bound, at a spike in sales, "
    "followed by a slow start), return_after_payout (returns dated after the period would take the rep below a "
    "bound reached) or discount_past_accelerator (the last days' lines carried the rep past an accelerator at a "
    "higher discount); docs/incentives.md gives the rules.",
    "period_end_shift (последните дни на периода изкарват търговеца точно над граница при скок в продажбите и "
    "бавно начало след това), return_after_payout (върнатото след периода би го свалило под достигната граница) "
    "или discount_past_accelerator (редовете от последните дни го изкарват над ускорител с по-висока отстъпка); "
    "правилата са в docs/incentives.md.")
_BOUND = column("tier_bound", "number", "Bound", "Граница",
                "The component's bound concerned (a tier's lower bound or the threshold; an attainment with basis "
                "attainment, a turnover with basis value).",
                "Границата на компонента (долна граница на ниво или прагът; изпълнение при база attainment, оборот "
                "при база value).")
_FIGURE = column("flagged_figure", "number", "Figure", "Стойност",
                 "The rep's attainment of the period's turnover target (basis attainment) or turnover (basis value).",
                 "Изпълнението на целта за оборот за периода (база attainment) или оборотът (база value).")
_WITHOUT = column("figure_without", "number", "Figure without", "Стойност без",
                  "The same without the lines in question: the last days' sales, or the later returns.",
                  "Същото без въпросните редове: продажбите от последните дни или по-късните връщания.")
_WINDOW = column("window_value", "money", "Lines in question", "Въпросни редове",
                 "The turnover of the period's last days (returns: the value returned after the period).",
                 "Оборотът от последните дни на периода (при връщания: върнатата след периода стойност).")
_RATIO = column("rate_ratio", "ratio", "Last days' rate", "Темп в последните дни",
                "The rep's daily turnover in the period's last days / over the whole period.",
                "Дневният оборот на търговеца в последните дни / за целия период.")
_COMPANY_RATIO = column("company_rate_ratio", "ratio", "Company's last days' rate", "Темп на компанията",
                        "The same ratio for the whole company (its own end-of-period pattern).",
                        "Същото отношение за цялата компания (нейният обичаен край на период).")
_NEXT_RATIO = column("next_rate_ratio", "ratio", "Next period's start rate", "Темп в началото на следващия",
                     "The rep's daily turnover in the first days after the period / over the period; empty while "
                     "the next period has not run that long.",
                     "Дневният оборот в първите дни след периода / за периода; празно, докато следващият период не "
                     "е продължил толкова.")
_DISC_WINDOW = column("discount_window", "ratio", "Discount, last days", "Отстъпка, последни дни",
                      "1 − Σ net value / Σ quantity × list price over the last days' lines with a list price.",
                      "1 − Σ нетна стойност / Σ количество × ценова листа за редовете от последните дни с цена.")
_DISC_USUAL = column("discount_usual", "ratio", "Discount, rest of the period", "Отстъпка, останалата част",
                     "The same over the rest of the period's lines.", "Същото за останалите редове на периода.")

GAMING = Result(
    "gaming-flags",
    ("Gaming flags", "Сигнали за нагласяне"),
    ("Patterns around a plan's tier bounds worth a look: sales shifted across a period's end, returns after the "
     "payout, discounts just past an accelerator; each with its evidence. A pattern, not a finding: the data "
     "show when lines were dated, not why.",
     "Модели около границите на нивата на плана, които си струва да се проверят: продажби, преместени през края "
     "на периода, връщания след изплащането, отстъпки точно над ускорител; всеки с доказателствата си. Модел, а "
     "не заключение: данните показват кога са датирани редовете, не защо."),
    (_PLAN, PERIOD, REP_ID, TEAM_ID, _FLAG, _COMPONENT, _BOUND, _FIGURE, _WITHOUT, _WINDOW, _RATIO, _COMPANY_RATIO,
     _NEXT_RATIO, _DISC_WINDOW, _DISC_USUAL, CURRENCY, NOTE),
    key=("plan", "period", "rep_id", "flag", "component", "tier_bound"),
    scope=("rep_id",),
    pay=True,
)

REVIEW_RESULTS = (WHATIF, GAMING)
