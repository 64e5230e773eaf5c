"""The results the satisfaction analysis stores, declared (:class:`saleskpi.results.Result`)."""

from __future__ import annotations

from saleskpi.analyses.columns import NOTE, REP_ID, TERRITORY_ID
from saleskpi.results import Result, column

__all__ = ["RESULTS", "NPS", "NPS_CHANGE", "NONRESPONSE", "NONRESPONSE_TEST"]

_NPS_UNIT = "NPS points (-100..100)"

GROUPED_BY = column(
    "grouped_by", "class", "Grouped by", "Групиране по",
    "What the row's answers or invitations are grouped by: company (all), class (the customer's ABC class by "
    "purchases, abc.class_by_value), territory or rep (the customer's, from its customer record), industry "
    "(customers.industry; in nonresponse).",
    "По какво са групирани отговорите или поканите в реда: company (всички), class (ABC класът на клиента по "
    "покупки, abc.class_by_value), territory (територия) или rep (търговец) — тези на клиента по клиентския "
    "му запис, industry (customers.industry, отрасъл; в nonresponse).")

GROUP_ID = column(
    "group_id", "id", "Group", "Група",
    "The group: the class (A, B, C; '(none)' for a customer without one), the territory or rep id, the "
    "industry ('(unknown)' where the customer has none); empty for the company.",
    "Групата: класът (A, B, C; '(none)' за клиент без клас), кодът на територията или търговеца, отрасълът "
    "('(unknown)', където клиентът няма); празно за фирмата.")

SURVEY_YEAR = column(
    "survey_year", "integer", "Survey year", "Година на анкетата",
    "The calendar year of the survey answers (surveys.date) or invitations (survey_invitations.sent_on), up "
    "to the as-of date; in nonresponse the latest year with invitations.",
    "Календарната година на отговорите (surveys.date) или поканите (survey_invitations.sent_on), до "
    "отчетната дата; в nonresponse — последната година с покани.", unit="year")

_RESPONSES = column(
    "responses", "count", "Responses", "Отговори",
    "Survey answers in the group and period (all answers with a date up to the as-of date).",
    "Отговори в анкети в групата и периода (всички с дата до отчетната дата).", unit="answers")


def _estimate(name: str, title: tuple[str, str], text: tuple[str, str], unit: str, kind: str = "number"):
    """A figure and its interval bounds, declared alike."""
    value = column(name, kind, title[0], title[1], text[0], text[1], unit=unit)
    low = column(f"{name}_ci_low", kind, f"{title[0]}, interval low", f"{title[1]}, долна граница",
                 f"Lower bound of the confidence interval of {name} ([satisfaction] level, default 95 %).",
                 f"Долната граница на доверителния интервал на {name} ([satisfaction] level, по подразбиране 95 %).",
                 unit=unit)
    high = column(f"{name}_ci_high", kind, f"{title[0]}, interval high", f"{title[1]}, горна граница",
                  f"Upper bound of the confidence interval of {name}.",
                  f"Горната граница на доверителния интервал на {name}.", unit=unit)
    return value, low, high


_EMPTY_EN = "; empty, with the reason in note, when the group has fewer answers than [satisfaction] min_responses"
_EMPTY_BG = "; празно, с причината в note, когато групата има по-малко отговори от [satisfaction] min_responses"

_NPS_COLS = _estimate(
    "nps", ("NPS", "NPS"),
    ("Net Promoter Score: 100 × (share of 9-10 answers − share of 0-6 answers) of the nps column" + _EMPTY_EN
     + ".", "Нетен промоутърски индекс: 100 × (дял на отговорите 9-10 − дял на отговорите 0-6) от колоната nps"
     + _EMPTY_BG + "."), _NPS_UNIT)
_NPS_SE = column(
    "nps_se", "number", "NPS standard error", "Стандартна грешка на NPS",
    "100 × √((p + d − (p − d)²) / n) (Rocks 2016), of the method of [satisfaction] nps_interval.",
    "100 × √((p + d − (p − d)²) / n) (Rocks 2016), по метода от [satisfaction] nps_interval.", unit=_NPS_UNIT)
_CSAT_COLS = _estimate(
    "csat_top2", ("CSAT top-2-box", "CSAT (горни две оценки)"),
    ("Share of csat answers of 4 or 5 (of 1-5), with the Wilson interval" + _EMPTY_EN + ".",
     "Дял на отговорите csat с оценка 4 или 5 (от 1-5), с интервала на Wilson" + _EMPTY_BG + "."),
    "fraction (0.25 = 25 %)", kind="ratio")
_CES_COLS = _estimate(
    "ces", ("CES", "CES (усилие)"),
    ("Mean customer effort score (1 = very easy .. 7), with the t interval" + _EMPTY_EN + ".",
     "Средна оценка на усилието на клиента (1 = много лесно .. 7), с t-интервала" + _EMPTY_BG + "."),
    "effort score (1-7)")
_NPS_W_COLS = _estimate(
    "nps_weighted", ("NPS, weighted to the customer base", "NPS, претеглен към клиентската база"),
    ("NPS of the answers weighted by raking to the customer base's counts by class, territory and industry "
     "(the period's answers raked together; variance with Kish's effective n).",
     "NPS на отговорите, претеглени чрез raking към броя клиенти в базата по клас, територия и отрасъл "
     "(отговорите от периода заедно; дисперсия с ефективния брой на Kish)."), _NPS_UNIT)
_NPS_V_COLS = _estimate(
    "nps_value_weighted", ("NPS, value-weighted", "NPS, претеглен със стойността"),
    ("NPS of the answers weighted by the customer's 12-month turnover (abc.turnover_value_12m): the "
     "share of our sales that recommends us.",
     "NPS на отговорите, претеглени с 12-месечния оборот на клиента (abc.turnover_value_12m): делът от "
     "продажбите ни, който ни препоръчва."), _NPS_UNIT)
_EFFECTIVE = column(
    "effective_responses", "number", "Effective responses (weighted)", "Ефективен брой отговори (претеглени)",
    "Kish's effective number of answers under the raking weights, (Σw)² / Σw² (Kish 1992).",
    "Ефективният брой отговори на Kish при тегла от raking, (Σw)² / Σw² (Kish 1992).", unit="answers")

NPS = Result(
    "nps",
    ("NPS, CSAT and CES", "NPS, CSAT и CES"),
    ("NPS, CSAT (top-2-box) and CES by year for the company, each ABC class, territory and rep, with the "
     "number of answers, confidence intervals, and the NPS weighted to the customer base and by value.",
     "NPS, CSAT (горни две оценки) и CES по години за фирмата, всеки ABC клас, територия и търговец, с "
     "броя отговори, доверителни интервали и NPS, претеглен към клиентската база и със стойността."),
    (GROUPED_BY, GROUP_ID, SURVEY_YEAR, TERRITORY_ID, REP_ID, _RESPONSES, *_NPS_COLS, _NPS_SE, *_CSAT_COLS, *_CES_COLS,
     *_NPS_W_COLS, _EFFECTIVE, *_NPS_V_COLS, NOTE),
    key=("grouped_by", "group_id", "survey_year"),
    scope=("territory_id", "rep_id"),
    notes=(
        ("A group with fewer answers than [satisfaction] min_responses (default 30) shows no figures and the "
         "note 'too few responses (n = 7)'. The intervals are at [satisfaction] level; the NPS interval by "
         "[satisfaction] nps_interval (adjusted Wald, Rocks 2016, by default).",
         "Група с по-малко отговори от [satisfaction] min_responses (по подразбиране 30) няма стойности, а "
         "бележка 'too few responses (n = 7)'. Интервалите са при [satisfaction] level; интервалът на NPS — "
         "по [satisfaction] nps_interval (по подразбиране коригиран Wald, Rocks 2016)."),
    ),
)

_PREVIOUS_YEAR = column(
    "previous_year", "integer", "Previous survey year", "Предишна година на анкетата",
    "The group's latest survey year before survey_year with answers: the change is measured from it.",
    "Последната година преди survey_year, в която групата има отговори: промяната се измерва от нея.",
    unit="year")
_PREVIOUS_NPS = column(
    "previous_nps", "number", "NPS, previous period", "NPS, предишен период",
    "The group's NPS in the previous period.", "NPS на групата в предишния период.", unit=_NPS_UNIT)
_CHANGE = column(
    "nps_change", "number", "NPS change", "Промяна на NPS",
    "nps − previous_nps; empty when either period has too few answers.",
    "nps − previous_nps; празно, когато някой от периодите има твърде малко отговори.", unit=_NPS_UNIT)
_Z = column(
    "z", "number", "z statistic", "z статистика",
    "nps_change / √(SE² + SE_previous²): the two years' answers taken as independent samples.",
    "nps_change / √(SE² + SE_previous²): отговорите от двете години като независими извадки.", unit="z")
P_VALUE = column(
    "pvalue", "number", "p-value", "p-стойност",
    "Two-sided p-value of the row's test: the probability of a difference at least this large if there were "
    "none.",
    "Двустранна p-стойност на теста в реда: вероятността за поне толкова голяма разлика, ако разлика няма.",
    unit="probability")
SIGNIFICANT = column(
    "significant", "flag", "Significant", "Значимо",
    "Whether pvalue is below [satisfaction] significance (default 0.05).",
    "Дали pvalue е под [satisfaction] significance (по подразбиране 0,05).")

NPS_CHANGE = Result(
    "nps-change",
    ("NPS change between periods", "Промяна на NPS между периодите"),
    ("Each group's NPS against its previous year, with the change, a z test and its p-value.",
     "NPS на всяка група спрямо предишната година, с промяната, z-тест и p-стойността му."),
    (GROUPED_BY, GROUP_ID, SURVEY_YEAR, _PREVIOUS_YEAR, TERRITORY_ID, REP_ID, _NPS_COLS[0], _PREVIOUS_NPS, _CHANGE, _Z,
     P_VALUE, SIGNIFICANT, NOTE),
    key=("grouped_by", "group_id", "survey_year"),
    scope=("territory_id", "rep_id"),
)

_INVITED = column(
    "invited", "count", "Invited", "Поканени",
    "Survey invitations sent in the period (survey_invitations.sent_on).",
    "Изпратени покани за анкета в периода (survey_invitations.sent_on).", unit="invitations")
_RESPONDED = column(
    "responded", "count", "Answered", "Отговорили",
    "Of those invitations, the ones a survey answer names (surveys.invitation_id).",
    "От тези покани — тези, които отговор в анкета посочва (surveys.invitation_id).", unit="invitations")
_RATE_COLS = _estimate(
    "response_rate", ("Response rate", "Дял на отговорилите"),
    ("responded / invited, with the Wilson interval.", "responded / invited, с интервала на Wilson."),
    "fraction (0.25 = 25 %)", kind="ratio")

NONRESPONSE = Result(
    "nonresponse",
    ("Survey response rate", "Дял на отговорилите на анкетата"),
    ("The response rate of the latest period's survey invitations, for the company and by class, territory "
     "and industry.",
     "Делът на отговорилите на поканите за анкета от последния период, за фирмата и по клас, територия и "
     "отрасъл."),
    (GROUPED_BY, GROUP_ID, SURVEY_YEAR, TERRITORY_ID, _INVITED, _RESPONDED, *_RATE_COLS),
    key=("grouped_by", "group_id"),
    scope=("territory_id",),
)

_MEASURE = column(
    "compared_on", "class", "Compared on", "Сравнение по",
    "The CRM figure compared: turnover_value_12m, share_of_wallet_by_value, tenure_years (since "
    "customers.acquired_on) or class_a_share (share in class A by purchases).",
    "Сравняваната стойност от CRM: turnover_value_12m, share_of_wallet_by_value, tenure_years (от "
    "customers.acquired_on) или class_a_share (дял в клас A по покупки).")
_RESPONDERS = column(
    "responders", "count", "Responders", "Отговорили",
    "Invitations answered whose customer has the figure.", "Отговорени покани, чийто клиент има стойността.",
    unit="invitations")
_NON_RESPONDERS = column(
    "non_responders", "count", "Non-responders", "Неотговорили",
    "Invitations not answered whose customer has the figure.",
    "Неотговорени покани, чийто клиент има стойността.", unit="invitations")
_RESPONDERS_MEAN = column(
    "responders_mean", "number", "Responders' mean", "Средно за отговорилите",
    "The mean of the figure over the responders (class_a_share: the share in class A).",
    "Средната стойност за отговорилите (class_a_share: делът в клас A).", unit="the measure's unit")
_NON_RESPONDERS_MEAN = column(
    "non_responders_mean", "number", "Non-responders' mean", "Средно за неотговорилите",
    "The mean of the figure over the non-responders.", "Средната стойност за неотговорилите.",
    unit="the measure's unit")
_TEST = column(
    "test", "text", "Test", "Тест",
    "mann-whitney (Mann & Whitney 1947, two-sided) for figures, chi-square (Pearson, class x answered) for "
    "the class.",
    "mann-whitney (Mann и Whitney 1947, двустранен) за стойности, chi-square (Pearson, клас x отговорил) за "
    "класа.")
_STATISTIC = column(
    "statistic", "number", "Test statistic", "Статистика на теста",
    "The test's statistic: U of the responders (mann-whitney) or χ² (chi-square).",
    "Статистиката на теста: U на отговорилите (mann-whitney) или χ² (chi-square).", unit="statistic")

NONRESPONSE_TEST = Result(
    "nonresponse-test",
    ("Responders against non-responders", "Отговорили срещу неотговорили"),
    ("Do the customers who answered the latest period's survey differ from those who did not, on CRM data "
     "(turnover, share of wallet, tenure, class)? Each with a test and its p-value.",
     "Различават ли се клиентите, отговорили на анкетата от последния период, от неотговорилите по данни "
     "от CRM (оборот, дял от портфейла, стаж, клас)? Всяко с тест и p-стойност."),
    (_MEASURE, SURVEY_YEAR, _RESPONDERS, _NON_RESPONDERS, _RESPONDERS_MEAN, _NON_RESPONDERS_MEAN, _TEST, _STATISTIC,
     P_VALUE, SIGNIFICANT),
    key=("compared_on",),
    scope=(),
    notes=(
        ("The CRM figures are those at the as-of date (abc, customers); one row per invitation, so a customer "
         "invited twice counts twice.",
         "Стойностите от CRM са към отчетната дата (abc, customers); един ред на покана, така че клиент, "
         "поканен два пъти, се брои два пъти."),
    ),
)

RESULTS = (NPS, NPS_CHANGE, NONRESPONSE, NONRESPONSE_TEST)
