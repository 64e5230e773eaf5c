"""The satisfaction results on drivers, response styles, selection and behaviour, declared."""

from __future__ import annotations

from saleskpi.analyses.columns import CUSTOMER_ID, GROWTH_VALUE_VS_LY, NOTE, REP_ID, SHARE_OF_WALLET_BY_VALUE, \
    TERRITORY_ID
from saleskpi.analyses.satisfaction.results import _NPS_COLS, P_VALUE, SIGNIFICANT, SURVEY_YEAR, _estimate
from saleskpi.results import Result, column

__all__ = ["DRIVERS", "RESPONSE_STYLES", "SURVEY_SELECTION", "MISMATCH", "LINKS", "BEHAVIOUR_RESULTS"]

_NPS_UNIT = "NPS points (-100..100)"
_R2 = "share of the NPS answer's variance (0..1)"

_ATTRIBUTE = column(
    "attribute", "class", "Attribute", "Показател",
    "The attribute rated: the name after score_ in the surveys table (score_delivery -> delivery).",
    "Оцененият показател: името след score_ в таблицата surveys (score_delivery -> delivery).")
_RESPONSES = column(
    "complete_answers", "count", "Answers used", "Използвани отговори",
    "Answers up to the as-of date with an nps answer and every attribute score: derived importance rests on "
    "them.",
    "Отговори до отчетната дата с оценка nps и всички оценки на показатели: производната важност се основава "
    "на тях.", unit="answers")
_STATED_N = column(
    "stated_responses", "count", "Answers stating importance", "Отговори със заявена важност",
    "Answers with an importance_<attribute> answer.", "Отговори с оценка importance_<показател>.",
    unit="answers")
_STATED = column(
    "stated_importance", "number", "Stated importance", "Заявена важност",
    "The mean importance_<attribute> answer: how important the customers say the attribute is; empty "
    "where nobody was asked.",
    "Средният отговор importance_<показател>: колко важен клиентите казват, че е показателят; празно, "
    "където никой не е питан.", unit="the importance scale (1-5 in the demo)")
_STATED_RANK = column(
    "stated_rank", "integer", "Rank by stated importance", "Място по заявена важност",
    "1 = the attribute the customers call the most important.",
    "1 = показателят, който клиентите наричат най-важен.", unit="rank")
_RW = column(
    "relative_weight", "number", "Derived importance (relative weight)", "Производна важност (относително тегло)",
    "Johnson's (2000) relative weight of the attribute score in explaining the nps answer: its share of R²; "
    "the attributes' weights add up to r_squared.",
    "Относителното тегло на Johnson (2000) на оценката на показателя в обяснението на отговора nps: неговият "
    "дял от R²; теглата на показателите се сумират до r_squared.", unit=_R2)
_RW_SHARE = column(
    "relative_weight_share", "ratio", "Share of the explained variance", "Дял от обяснената дисперсия",
    "relative_weight / r_squared (the attributes' shares add up to 1).",
    "relative_weight / r_squared (дяловете на показателите се сумират до 1).", unit="fraction (0.25 = 25 %)")
_LMG = column(
    "lmg_weight", "number", "Derived importance (LMG)", "Производна важност (LMG)",
    "The LMG / Shapley share of R² (Lindeman, Merenda & Gold 1980; Grömping 2006): the attribute's gain in "
    "R² averaged over every order of entering the attributes; empty beyond 10 attributes.",
    "Делът от R² по LMG / Shapley (Lindeman, Merenda и Gold 1980; Grömping 2006): нарастването на R² от "
    "показателя, осреднено по всички редове на въвеждане; празно при повече от 10 показателя.", unit=_R2)
_R2_COL = column(
    "r_squared", "number", "R²", "R²",
    "R² of the linear regression of the nps answer on all attribute scores (the same on every row).",
    "R² на линейната регресия на отговора nps върху всички оценки на показатели (едно и също във всеки ред).",
    unit=_R2)
_DERIVED_RANK = column(
    "derived_rank", "integer", "Rank by derived importance", "Място по производна важност",
    "1 = the attribute whose score explains the most of the nps answer (by relative_weight).",
    "1 = показателят, чиято оценка обяснява най-много от отговора nps (по relative_weight).", unit="rank")

DRIVERS = Result(
    "drivers",
    ("Drivers: stated and derived importance", "Движещи фактори: заявена и производна важност"),
    ("Each attribute's stated importance (what customers say matters) beside its derived importance (how "
     "much its score explains of the NPS answer), by relative weights and LMG.",
     "Заявената важност на всеки показател (какво клиентите казват, че е важно) до производната му важност "
     "(колко от отговора NPS обяснява оценката му) по относителни тегла и LMG."),
    (_ATTRIBUTE, _RESPONSES, _STATED_N, _STATED, _STATED_RANK, _RW, _RW_SHARE, _LMG, _R2_COL, _DERIVED_RANK, NOTE),
    key=("attribute",),
    scope=(),
    notes=(
        ("All answers up to the as-of date, each answer one row (a customer answering twice counts twice). "
         "Stated importance sits near the top of the scale for everything (the ceiling); where the two ranks "
         "differ, trust the derived one for what moves the score and the stated one for what customers "
         "expect as given.",
         "Всички отговори до отчетната дата, всеки отговор — един ред (клиент, отговорил два пъти, се брои "
         "два пъти). Заявената важност е близо до върха на скалата за всичко (таван); където двете места се "
         "различават, производното показва какво движи оценката, заявеното — какво клиентите приемат за "
         "даденост."),
    ),
)

_RESPONSE_ID = column("response_id", "id", "Response", "Отговор", "The answer (surveys.response_id).",
                      "Отговорът (surveys.response_id).")
_ITEMS = column("items", "count", "Items answered", "Отговорени въпроси",
                "The answer's score_* and importance_* items with a value.",
                "Въпросите score_* и importance_* с отговор.", unit="items")
_STRAIGHT = column(
    "straight_lining", "flag", "Straight-lining", "Еднакви отговори",
    "Every attribute score (score_*, at least 3) has the same value: the respondent may not have read the "
    "questions.",
    "Всички оценки на показатели (score_*, поне 3) са еднакви: анкетираният може да не е чел въпросите.")
_ARS = column(
    "acquiescence_index", "number", "Acquiescence index", "Индекс на съгласяване",
    "Baumgartner & Steenkamp's (2001) ARS: the mean agreement over the items, x − midpoint above the scale's "
    "midpoint, 0 at or below it (on 1-5: 4 -> 1, 5 -> 2); empty below 3 items.",
    "ARS на Baumgartner и Steenkamp (2001): средното съгласие по въпросите, x − средата над средата на "
    "скалата, 0 до нея (при 1-5: 4 -> 1, 5 -> 2); празно при по-малко от 3 въпроса.", unit="scale points")
_ERS = column(
    "extreme_index", "ratio", "Extreme-response index", "Индекс на крайни отговори",
    "Baumgartner & Steenkamp's (2001) ERS: the share of items answered at either end of the scale; empty "
    "below 3 items.",
    "ERS на Baumgartner и Steenkamp (2001): делът въпроси с отговор в единия от краищата на скалата; празно "
    "при по-малко от 3 въпроса.", unit="fraction (0.25 = 25 %)")
_ACQ = column(
    "acquiescence", "flag", "Acquiescent", "Склонен да се съгласява",
    "acquiescence_index more than 2 standard deviations above the mean of all answers.",
    "acquiescence_index с повече от 2 стандартни отклонения над средното за всички отговори.")
_EXT = column(
    "extreme_response", "flag", "Extreme responder", "Дава крайни отговори",
    "extreme_index more than 2 standard deviations above the mean of all answers.",
    "extreme_index с повече от 2 стандартни отклонения над средното за всички отговори.")
_SCALE = column("scale", "text", "Scale", "Скала",
                "The items' scale as seen in the answers (lowest-highest value of all score_* and importance_*).",
                "Скалата на въпросите според отговорите (най-ниска-най-висока стойност на score_* и importance_*).")

RESPONSE_STYLES = Result(
    "response-styles",
    ("Response styles", "Стилове на отговаряне"),
    ("Per answer: straight-lining, acquiescence and extreme-response indices and flags (Baumgartner & "
     "Steenkamp 2001), over the attribute scores and stated importance.",
     "За всеки отговор: еднакви отговори, индекси и флагове за съгласяване и крайни отговори (Baumgartner и "
     "Steenkamp 2001) по оценките на показатели и заявената важност."),
    (_RESPONSE_ID, CUSTOMER_ID, SURVEY_YEAR, TERRITORY_ID, REP_ID, _ITEMS, _STRAIGHT, _ARS, _ERS, _ACQ, _EXT, _SCALE,
     NOTE),
    key=("response_id",),
    scope=("customer_id", "territory_id", "rep_id"),
    notes=(
        ("The items here are all keyed one way (a higher score is better), so acquiescence cannot be told "
         "apart from real satisfaction; B&S measure it on heterogeneous items. Read the flags as a reason to "
         "look at the answer, not to drop it.",
         "Въпросите тук са в една посока (по-висока оценка е по-добре), така че съгласяването не може да се "
         "отличи от истинска удовлетвореност; B&S го измерват по разнородни въпроси. Флаговете са повод да "
         "се погледне отговорът, не да се изключи."),
    ),
)

_SELECTED_BY = column(
    "selected_by", "class", "Chosen by", "Избран от",
    "Who chose the invitee (survey_invitations.selected_by): random, rep, other, or '(not recorded)'.",
    "Кой е избрал поканения (survey_invitations.selected_by): random (случайно), rep (търговецът), other или "
    "'(not recorded)' (не е записано).")
_INV = column("invitations", "count", "Invitations", "Покани", "Invitations sent in the year so chosen.",
              "Изпратени покани в годината, избрани така.", unit="invitations")
_INV_C = column("invited_customers", "count", "Customers invited", "Поканени клиенти",
                "Distinct customers among them.", "Различни клиенти сред тях.", unit="customers")
_BASE = column("base_customers", "count", "Customers in the base", "Клиенти в базата",
               "Customers of the abc result at the as-of date.", "Клиенти в резултата abc към отчетната дата.",
               unit="customers")
_ANS = column("answered", "count", "Answers", "Отговори", "Invitations so chosen that were answered.",
              "Поканите, избрани така, на които е отговорено.", unit="answers")
_INV_T = column("invitees_turnover_mean", "number", "Invitees' mean turnover", "Среден оборот на поканените",
                "Mean abc.turnover_value_12m of the invitations' customers.",
                "Среден abc.turnover_value_12m на поканените клиенти.", unit="workspace currency")
_BASE_T = column("base_turnover_mean", "number", "Base's mean turnover", "Среден оборот в базата",
                 "Mean abc.turnover_value_12m of all customers in the base.",
                 "Среден abc.turnover_value_12m на всички клиенти в базата.", unit="workspace currency")
_INV_A = column("invitees_class_a_share", "ratio", "Invitees in class A", "Поканени в клас A",
                "Share of the invitations whose customer is in class A by purchases.",
                "Дял на поканите, чийто клиент е в клас A по покупки.", unit="fraction (0.25 = 25 %)")
_BASE_A = column("base_class_a_share", "ratio", "Base in class A", "База в клас A",
                 "Share of the base's customers in class A by purchases.",
                 "Дял на клиентите в базата в клас A по покупки.", unit="fraction (0.25 = 25 %)")
_SEL_NPS = _NPS_COLS  # the answers to invitations so chosen; adjusted-Wald interval (Rocks 2016)
_GAP = column("nps_gap_vs_random", "number", "NPS gap to random invitees", "Разлика в NPS спрямо случайните",
              "This row's NPS − the NPS of the randomly chosen invitees' answers of the same year (z test in "
              "pvalue).",
              "NPS на реда − NPS на отговорите на случайно избраните от същата година (z-тест в pvalue).",
              unit=_NPS_UNIT)

SURVEY_SELECTION = Result(
    "survey-selection",
    ("Who chose the respondents", "Кой избира анкетираните"),
    ("Survey invitations by who chose the invitee (random or the rep) each year, against the customer base: "
     "turnover and class A share of the invitees, the NPS of their answers and its gap to the random ones.",
     "Поканите за анкета по това кой е избрал поканения (случайно или търговецът) за всяка година спрямо "
     "клиентската база: оборот и дял в клас A на поканените, NPS на отговорите и разликата спрямо "
     "случайните."),
    (SURVEY_YEAR, _SELECTED_BY, _INV, _INV_C, _BASE, _ANS, _INV_T, _BASE_T, _INV_A, _BASE_A, *_SEL_NPS, _GAP,
     P_VALUE, NOTE),
    key=("survey_year", "selected_by"),
    scope=(),
    notes=(
        ("A rep who picks the respondents picks the customers who like them, and they answer in front of "
         "the rep: their NPS says little about the base. Only randomly invited answers estimate it.",
         "Търговец, който избира анкетираните, избира клиентите, които го харесват, а те отговарят пред "
         "него: техният NPS казва малко за базата. Само случайно поканените я оценяват."),
    ),
)

_ANSWERED_ON = column("answered_on", "date", "Answered on", "Дата на отговора",
                      "Date of the customer's latest answer (surveys.date).",
                      "Датата на последния отговор на клиента (surveys.date).")
_NPS_ANSWER = column("nps_answer", "integer", "NPS answer", "Отговор NPS",
                     "The customer's latest likelihood to recommend, 0-10.",
                     "Последният отговор на клиента за вероятност да ни препоръча, 0-10.", unit="score (0-10)")
_KIND = column(
    "mismatch", "class", "Mismatch", "Несъответствие",
    "promoter, behaving like a leaver (answered 9-10 but buys at least [satisfaction] mismatch_change less "
    "than on the same dates last year, or P(alive) below 0.5) or detractor, buying more (answered 0-6 but "
    "buys at least mismatch_change more).",
    "promoter, behaving like a leaver (отговорил 9-10, но купува поне [satisfaction] mismatch_change по-малко "
    "от същите дати миналата година или P(alive) под 0,5) или detractor, buying more (отговорил 0-6, но "
    "купува поне mismatch_change повече).")
_P_ALIVE = column(
    "p_alive", "ratio", "P(alive)", "Вероятност да е активен",
    "Probability that the customer is still active (has not dropped out) at the as-of date, by the purchase "
    "model; empty where the model could not be fitted.",
    "Вероятността клиентът още да е активен (да не е отпаднал) към отчетната дата, по модела на покупките; "
    "празно, където моделът не може да бъде оценен.",
    unit="probability")

_EVIDENCE = column("evidence", "text", "Evidence", "Доказателства",
                   "The answer and the behaviour that contradict each other, in words.",
                   "Отговорът и поведението, които си противоречат, с думи.")

MISMATCH = Result(
    "mislead",
    ("Customers whose answer and behaviour disagree", "Клиенти, чийто отговор и поведение се разминават"),
    ("Customers who mislead us without meaning to: promoters who buy less or look lost, detractors who buy "
     "more, each with the evidence, for follow-up.",
     "Клиенти, които ни подвеждат, без да искат: промоутъри, които купуват по-малко или изглеждат загубени, "
     "и детрактори, които купуват повече, всеки с доказателствата, за проследяване."),
    (CUSTOMER_ID, TERRITORY_ID, REP_ID, _ANSWERED_ON, _NPS_ANSWER, _KIND, GROWTH_VALUE_VS_LY, _P_ALIVE,
     SHARE_OF_WALLET_BY_VALUE, _EVIDENCE),
    key=("customer_id",),
    scope=("customer_id", "territory_id", "rep_id"),
    notes=(
        ("Each customer's latest answer against its growth (the sales result's customer row: the period to "
         "date against the same dates last year) and clv.p_alive. A fall in share of wallet is not used: the "
         "wallet result holds the current share only.",
         "Последният отговор на всеки клиент спрямо ръста му (редът на клиента в резултата sales: периодът "
         "до момента спрямо същите дати миналата година) и clv.p_alive. Спад на дела от портфейла не се "
         "използва: резултатът wallet съдържа само текущия дял."),
    ),
)

_LINK = column("satisfaction_link", "class", "Link", "Връзка",
               "What the latest NPS answer is set against: share_of_wallet, p_alive or growth_vs_last_year.",
               "С какво се сравнява последният отговор NPS: share_of_wallet, p_alive или growth_vs_last_year.")
_BEHAVIOUR = column("behaviour", "text", "Behaviour column", "Колона на поведението",
                    "The column it is read from: abc.share_of_wallet_by_value, clv.p_alive, sales.growth_value_vs_ly.",
                    "Колоната, от която се чете: abc.share_of_wallet_by_value, clv.p_alive, sales.growth_value_vs_ly.")
_CUSTOMERS = column("customers_compared", "count", "Customers", "Клиенти",
                    "Customers with an answer and the behaviour figure.",
                    "Клиенти с отговор и стойност на поведението.", unit="customers")
_RHO = _estimate("link_rho", ("Spearman's ρ", "ρ на Spearman"),
                 ("Spearman's rank correlation of the latest NPS answer with the behaviour (-1..1), with a "
                  "Fisher-z interval (SE 1.03/√(n − 3), Fieller, Hartley & Pearson 1957); empty below "
                  "[satisfaction] min_responses customers.",
                  "Рангова корелация на Spearman между последния отговор NPS и поведението (-1..1), с "
                  "интервал по Fisher z (SE 1.03/√(n − 3), Fieller, Hartley и Pearson 1957); празно под "
                  "[satisfaction] min_responses клиенти."), "correlation (-1..1)")

LINKS = Result(
    "satisfaction-links",
    ("Satisfaction and behaviour: how strong the link is", "Удовлетвореност и поведение: колко силна е връзката"),
    ("How closely the NPS answer follows share of wallet, the chance of still buying (P(alive)) and growth: "
     "a rank correlation with its interval and test.",
     "Колко тясно отговорът NPS следва дела от портфейла, вероятността клиентът още да купува (P(alive)) и "
     "ръста: рангова корелация с интервал и тест."),
    (_LINK, _BEHAVIOUR, _CUSTOMERS, *_RHO, P_VALUE, SIGNIFICANT, NOTE),
    key=("satisfaction_link",),
    scope=(),
)

BEHAVIOUR_RESULTS = (DRIVERS, RESPONSE_STYLES, SURVEY_SELECTION, MISMATCH, LINKS)
