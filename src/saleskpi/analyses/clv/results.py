"""The results the clv analysis stores, declared (:class:`saleskpi.results.Result`).

All money here is margin in the terms of ``[clv] margin_basis`` (net value − cost, or the sales'
margin column; lines without a cost at an assumed rate; or revenue, labelled so per row).
"""

from __future__ import annotations

from saleskpi.analyses.columns import (
    CURRENCY,
    CUSTOMER_ID,
    CUSTOMERS,
    MEAN_SHARE,
    NOTE,
    PERIOD,
    POTENTIAL_VALUE,
    REP_ID,
    SHARE_OF_WALLET_BY_VALUE,
    TERRITORY_ID,
    YEAR,
)
from saleskpi.results import Result, column

__all__ = ["RESULTS"]

# --- clv ------------------------------------------------------------------------------------------

_FIRST_PURCHASE = column(
    "first_purchase", "date", "First purchase", "Първа покупка",
    "The customer's first purchase day in the data (a day whose lines add up to a positive net value).",
    "Първият ден с покупка на клиента в данните (ден, чиито редове дават положителна нетна стойност).")

_FREQUENCY = column(
    "frequency", "count", "Repeat purchases", "Повторни покупки",
    "Purchase days after the first, up to the as-of date (invoices of one day count once).",
    "Дните с покупка след първия, до отчетната дата (фактурите от един ден се броят веднъж).",
    unit="purchase days")

_RECENCY_WEEKS = column(
    "recency_weeks", "number", "First to last purchase", "От първата до последната покупка",
    "Weeks from the first to the last purchase day (0 without a repeat purchase).",
    "Седмици от първия до последния ден с покупка (0 без повторна покупка).",
    unit="weeks")

_T_WEEKS = column(
    "T_weeks", "number", "Customer age", "Възраст като клиент",
    "Weeks from the first purchase day to the as-of date.",
    "Седмици от първия ден с покупка до отчетната дата.",
    unit="weeks")

_IN_FIT = column(
    "in_fit", "flag", "In the fit", "В оценката на модела",
    "Whether the purchase model was fitted on this customer (by default those acquired inside the sales "
    "history); every customer is scored.",
    "Дали моделът на покупките е оценен и по този клиент (по подразбиране — придобитите в периода на "
    "данните за продажби); прогноза получават всички клиенти.")

_P_ALIVE = column(
    "p_alive", "ratio", "P(alive)", "Вероятност да е активен",
    "Probability that the customer is still active (has not dropped out) at the as-of date, by the purchase "
    "model; empty where the model could not be fitted.",
    "Вероятността клиентът още да е активен (да не е отпаднал) към отчетната дата, по модела на покупките; "
    "празно, където моделът не може да бъде оценен.",
    unit="probability")

_EXPECTED_PURCHASES_12M = column(
    "expected_purchases_12m", "number", "Expected purchases, 12 months", "Очаквани покупки, 12 месеца",
    "Expected repeat purchase days in the 12 months after the as-of date (12 × 4.348 weeks), by the purchase "
    "model; empty where it could not be fitted.",
    "Очакваните дни с повторна покупка през 12-те месеца след отчетната дата (12 × 4,348 седмици), по "
    "модела на покупките; празно, където не може да бъде оценен.",
    unit="purchase days")

_EXPECTED_PURCHASES_36M = column(
    "expected_purchases_36m", "number", "Expected purchases, 36 months", "Очаквани покупки, 36 месеца",
    "Expected repeat purchase days in the 36 months after the as-of date, by the purchase model; empty where "
    "it could not be fitted.",
    "Очакваните дни с повторна покупка през 36-те месеца след отчетната дата, по модела на покупките; "
    "празно, където не може да бъде оценен.",
    unit="purchase days")

_MARGIN_PER_PURCHASE = column(
    "margin_per_purchase", "money", "Margin per purchase", "Марж на покупка",
    "Expected margin per future purchase day (Gamma-Gamma; margin_estimate says how it was set); empty without "
    "a margin model or where the customer's margin is not known.",
    "Очакваният марж на бъдещ ден с покупка (Gamma-Gamma; margin_estimate казва как е определен); празно без "
    "модел на маржа или където маржът на клиента не е известен.")

_MARGIN_ESTIMATE = column(
    "margin_estimate", "class", "Margin estimate", "Оценка на маржа",
    "How margin_per_purchase was set: gamma-gamma (repeat buyers), the population mean, the first purchase "
    "(when the population mean is infinite) or the customer's own mean (when it is not positive).",
    "Как е определен margin_per_purchase: gamma-gamma (повторни купувачи), средното за съвкупността, "
    "първата покупка (когато средното за съвкупността е безкрайно) или собственото средно на клиента "
    "(когато не е положително).")

_MARGIN_BASIS = column(
    "margin_basis", "class", "Margin basis", "Основа на маржа",
    "What the customer's money columns are reckoned in ([clv] margin_basis): cost (net value − cost of its "
    "lines), product margin rate (net value × products.margin_rate), assumed margin rate (net value × the "
    "assumed rate of the settings), the sources its lines have joined in that order (cost and assumed margin "
    "rate ...) or revenue (no cost deducted) — then clv_12m, clv_36m and offer_budget are "
    "revenue, not margin; empty where the margin is not known.",
    "В какво са паричните колони на клиента ([clv] margin_basis): cost (нетна стойност − себестойност на "
    "редовете му), product margin rate (нетна стойност × products.margin_rate), assumed margin rate (нетна "
    "стойност × приетата норма от настройките), източниците на редовете му в този ред (cost and assumed "
    "margin rate ...) или revenue (без приспадната себестойност) — тогава "
    "clv_12m, clv_36m и offer_budget са приход, не марж; празно, където маржът не е известен.")

_CLV_12M = column(
    "clv_12m", "money", "CLV, 12 months", "Стойност на клиента, 12 месеца",
    "Discounted expected margin over the 12 months after the as-of date: margin per purchase × the expected "
    "purchases month by month, discounted at [clv] monthly_rate; empty without it.",
    "Дисконтираният очакван марж за 12-те месеца след отчетната дата: марж на покупка × очакваните покупки "
    "месец по месец, дисконтирани с [clv] monthly_rate; празно, ако няма такъв.")

_CLV_36M = column(
    "clv_36m", "money", "CLV, 36 months", "Стойност на клиента, 36 месеца",
    "Discounted expected margin over the 36 months after the as-of date, likewise; empty without it.",
    "Дисконтираният очакван марж за 36-те месеца след отчетната дата, по същия начин; празно, ако няма такъв.")

_MARGIN_RATE = column(
    "margin_rate", "ratio", "Margin rate", "Норма на маржа",
    "Margin / net value over the 12 months to the as-of date (over the whole history where they have no "
    "positive net value); empty where the net value is not positive.",
    "Маржът / нетната стойност за 12-те месеца до отчетната дата (за цялата история, ако в тях нетната "
    "стойност не е положителна); празно, където нетната стойност не е положителна.")

_TARGET_SHARE = column(
    "target_share", "ratio", "Target share of wallet", "Целеви дял от портфейла",
    "The share of wallet the opportunity assumes we reach ([clv] target_share).",
    "Делът от портфейла, който възможността приема, че ще достигнем ([clv] target_share).")

_OPPORTUNITY_12M = column(
    "opportunity_12m", "money", "Opportunity, 12 months", "Възможност, 12 месеца",
    "Margin the customer would add over 12 months at the target share: max(0, margin_rate × (target_share − "
    "share of wallet) × potential) spread over the months and discounted; 0 at or above the target, empty "
    "where the share or the potential is unknown.",
    "Маржът, който клиентът би добавил за 12 месеца при целевия дял: max(0, margin_rate × (target_share − "
    "дял от портфейла) × потенциал), разпределен по месеци и дисконтиран; 0 при дял на или над целта, "
    "празно, където делът или потенциалът не са известни.")

_OPPORTUNITY_36M = column(
    "opportunity_36m", "money", "Opportunity, 36 months", "Възможност, 36 месеца",
    "The same over 36 months; 0 at or above the target, empty where the share or the potential is unknown.",
    "Същото за 36 месеца; 0 при дял на или над целта, празно, където делът или потенциалът не са известни.")

_OFFER_BUDGET = column(
    "offer_budget", "money", "Offer budget", "Бюджет за оферта",
    "What an offer to the customer may cost: [clv] budget_share × max(0, clv_12m); empty without clv_12m.",
    "Колко може да струва оферта към клиента: [clv] budget_share × max(0, clv_12m); празно без clv_12m.")

_RANK_BY_CLV_36M = column(
    "rank_by_clv_36m", "integer", "Rank by CLV, 36 months", "Място по стойност, 36 месеца",
    "The customer's rank by clv_36m among the customers that have one (1 = highest; ties by customer id); "
    "empty for the others.",
    "Мястото на клиента по clv_36m сред клиентите, които имат такава (1 = най-висока; при равенство по код "
    "на клиента); празно за останалите.",
    unit="rank")

# --- clv-history -----------------------------------------------------------------------------------

_PURCHASES_VALUE = column(
    "purchases_value", "money", "Purchases", "Покупки",
    "Net value of the customer's invoice lines in the year (the as-of year to date; returns and credit notes "
    "included); on the total row their sum.",
    "Нетната стойност на фактурните редове на клиента за годината (годината на отчетната дата — до нея; с "
    "връщанията и кредитните известия); в реда 'общо' — сборът.")

_MARGIN_VALUE = column(
    "margin_value", "money", "Margin", "Марж",
    "Margin of those lines in the terms of [clv] margin_basis (the margin column, else net value − cost); "
    "empty (not 0) where a line of the year has neither; on the total row their sum, empty where a year's is.",
    "Маржът на тези редове според [clv] margin_basis (колоната margin, иначе нетна стойност − себестойност); "
    "празно (не 0), където ред от годината няма нито едното; в реда 'общо' — сборът, празно, ако на някоя "
    "година е празно.")

_PURCHASE_DAYS = column(
    "purchase_days", "count", "Purchase days", "Дни с покупка",
    "Days of the year whose lines add up to a positive net value; on the total row their sum.",
    "Дните от годината, чиито редове дават положителна нетна стойност; в реда 'общо' — сборът.",
    unit="days")

_DISCOUNT_FACTOR = column(
    "discount_factor", "number", "Compounding factor", "Коефициент на олихвяване",
    "(1 + [clv] history_rate)^k for a year k years before the as-of year: what brings its margin to today's "
    "money; empty on the total row.",
    "(1 + [clv] history_rate)^k за година k години преди годината на отчетната дата: превръща маржа ѝ в "
    "днешни пари; празно в реда 'общо'.",
    unit="factor")

_MARGIN_DISCOUNTED = column(
    "margin_discounted", "money", "Margin in today's money", "Марж в днешни пари",
    "margin_value × discount_factor, to the cent; on the total row their sum.",
    "margin_value × discount_factor, до цент; в реда 'общо' — сборът.")

_WEIGHT = column(
    "weight", "ratio", "Weight", "Тегло",
    "The year's weight in the weighted profit ([clv] history_weights, most recent full year first, summing "
    "to 1; 0 for the year to date); empty on the total row.",
    "Теглото на годината в претеглената печалба ([clv] history_weights, от последната пълна година назад, "
    "със сбор 1; 0 за текущата година); празно в реда 'общо'.")

_WEIGHTED_PROFIT = column(
    "weighted_profit", "money", "Weighted profit", "Претеглена печалба",
    "margin_discounted × weight, to the cent; on the total row their exact sum, rounded to the cent: a "
    "weighted average year (Kumar & Reinartz's past customer value).",
    "margin_discounted × weight, до цент; в реда 'общо' — точният им сбор, закръглен до цент: претеглена "
    "средна година (минала стойност на клиента по Kumar и Reinartz).")

_RANK_BY_WEIGHTED_PROFIT = column(
    "rank_by_weighted_profit", "integer", "Rank by weighted profit", "Място по претеглена печалба",
    "On the total row, the customer's rank by weighted profit among the customers that have one (1 = "
    "highest; ties by customer id); empty on year rows and where the weighted profit is empty.",
    "В реда 'общо' — мястото на клиента по претеглена печалба сред клиентите, които имат такава (1 = "
    "най-висока; при равенство по код на клиента); празно в редовете за година и където няма претеглена "
    "печалба.",
    unit="rank")

_HISTORY_COVERAGE = column(
    "history_coverage", "ratio", "Year covered by the data", "Покритие на годината с данни",
    "Share of the year's days (to the as-of date in the year to date) on or after the first invoice date of "
    "the data; on the total row the weights of the full years times their coverage, summed: below 1 the "
    "weighted profit counts years the data do not hold as if nothing was bought (note says which).",
    "Делът от дните на годината (до отчетната дата в текущата година) от първата дата на фактура в данните "
    "нататък; в реда 'общо' — сборът от теглата на пълните години × покритието им: под 1 претеглената "
    "печалба брои години, които данните не съдържат, като без покупки (note казва кои).")

# --- clv-validation --------------------------------------------------------------------------------

_DECILE = column(
    "decile", "integer", "Decile", "Децил",
    "Decile of predicted holdout purchases (1 = lowest, 10 = highest; equal counts, ties by customer id); "
    "empty on the row over all customers.",
    "Децилът по прогнозни покупки в контролния период (1 = най-нисък, 10 = най-висок; равен брой, при "
    "равенство по код на клиента); празно в реда за всички клиенти.",
    unit="decile")

_PREDICTED_PURCHASES_MEAN = column(
    "predicted_purchases_mean", "number", "Predicted purchases, mean", "Прогнозни покупки, средно",
    "Mean repeat purchase days per customer in the holdout weeks, as predicted by the models calibrated "
    "before them.",
    "Средният брой дни с повторна покупка на клиент в контролните седмици, прогнозиран от моделите, "
    "калибрирани преди тях.",
    unit="purchase days per customer")

_ACTUAL_PURCHASES_MEAN = column(
    "actual_purchases_mean", "number", "Actual purchases, mean", "Реални покупки, средно",
    "Mean purchase days per customer actually made in the holdout weeks.",
    "Средният брой дни с покупка на клиент, реално направени в контролните седмици.",
    unit="purchase days per customer")

_PREDICTED_MARGIN_MEAN = column(
    "predicted_margin_mean", "money", "Predicted margin, mean", "Прогнозен марж, средно",
    "Predicted holdout purchases × margin per purchase, the mean over the customers whose margin is known; "
    "empty without a margin model.",
    "Прогнозните покупки в контролния период × марж на покупка, средно за клиентите с известен марж; "
    "празно без модел на маржа.")

_ACTUAL_MARGIN_MEAN = column(
    "actual_margin_mean", "money", "Actual margin, mean", "Реален марж, средно",
    "Margin of the purchase days made in the holdout weeks, the mean over the same customers; empty without "
    "a margin model.",
    "Маржът от дните с покупка в контролните седмици, средно за същите клиенти; празно без модел на маржа.")

_PREDICTED_PURCHASES_TOTAL = column(
    "predicted_purchases_total", "number", "Predicted purchases, total", "Прогнозни покупки, общо",
    "predicted_purchases_mean × customers.",
    "predicted_purchases_mean × брой клиенти.",
    unit="purchase days")

_ACTUAL_PURCHASES_TOTAL = column(
    "actual_purchases_total", "number", "Actual purchases, total", "Реални покупки, общо",
    "actual_purchases_mean × customers: the purchase days made in the holdout weeks.",
    "actual_purchases_mean × брой клиенти: дните с покупка в контролните седмици.",
    unit="purchase days")

_CALIBRATION_END = column(
    "calibration_end", "date", "Calibration end", "Край на калибрирането",
    "The as-of date − holdout_weeks: the last day of the history the models were calibrated on.",
    "Отчетната дата − holdout_weeks: последният ден от историята, по която са калибрирани моделите.")

_HOLDOUT_WEEKS = column(
    "holdout_weeks", "integer", "Holdout weeks", "Контролни седмици",
    "The weeks after the calibration end, up to the as-of date, that the models predict ([clv] "
    "holdout_weeks).",
    "Седмиците след края на калибрирането до отчетната дата, които моделите прогнозират ([clv] "
    "holdout_weeks).",
    unit="weeks")

# --- clv-params ------------------------------------------------------------------------------------

_FIT = column(
    "fit", "class", "Fit", "Оценка",
    "Which fit: main (on the history to the as-of date, behind clv) or calibration (to the calibration end, "
    "behind clv-validation).",
    "Коя оценка: main (по историята до отчетната дата, за clv) или calibration (до края на калибрирането, "
    "за clv-validation).")

_MODEL = column(
    "model", "class", "Model", "Модел",
    "BG/NBD or Pareto/NBD (purchases), Gamma-Gamma (margin per purchase), derived (the means the "
    "parameters imply), left out (customers or purchase days a model did not take, counted per reason in "
    "customers) or check (the drop-out check of the purchase model: value the share of long-inactive "
    "customers it still finds alive, note what it means).",
    "BG/NBD или Pareto/NBD (покупки), Gamma-Gamma (марж на покупка), derived (средните, които следват от "
    "параметрите), left out (клиенти или дни с покупка, които модел не е взел, преброени по причина в "
    "customers) или check (проверката за отпадане на модела на покупките: value е делът на отдавна "
    "неактивните клиенти, които той още смята за активни, note — какво значи това).")

_PARAMETER = column(
    "parameter", "text", "Parameter", "Параметър",
    "The parameter (r, alpha, a, b; r, alpha, s, beta; p, q, gamma) or the derived mean, named; empty where "
    "the model could not be fitted.",
    "Параметърът (r, alpha, a, b; r, alpha, s, beta; p, q, gamma) или производното средно, с името му; "
    "празно, където моделът не може да бъде оценен.")

_VALUE = column(
    "value", "number", "Value", "Стойност",
    "The fitted value, or the derived mean (purchases or drop-outs per week or per purchase, margin per "
    "purchase in the currency); on left out rows about days the days left out, on the check row the share "
    "of long-inactive customers still alive; empty where not fitted or infinite.",
    "Оценената стойност или производното средно (покупки или отпадания на седмица или на покупка, марж на "
    "покупка във валутата); в редовете left out за дни — изпуснатите дни, в реда check — делът на отдавна "
    "неактивните клиенти, които още са активни; празно, където не е оценено или е безкрайно.",
    unit="model parameter")

_STANDARD_ERROR = column(
    "standard_error", "number", "Standard error", "Стандартна грешка",
    "The parameter's standard error (from the inverse Hessian); empty where it cannot be estimated and on "
    "derived rows.",
    "Стандартната грешка на параметъра (от обратния хесиан); празно, където не може да се оцени, и в "
    "производните редове.",
    unit="model parameter")

_LOG_LIKELIHOOD = column(
    "log_likelihood", "number", "Log-likelihood", "Логаритъм на правдоподобието",
    "The log-likelihood of the fit; empty on derived rows and where the model could not be fitted.",
    "Логаритъмът на функцията на правдоподобие на оценката; празно в производните редове и където моделът "
    "не може да бъде оценен.",
    unit="log-likelihood")

# --- clv-wallet ------------------------------------------------------------------------------------

_BAND = column(
    "band", "class", "Share band", "Диапазон на дела",
    "Band of share of wallet: 0-20 %, 20-40 %, 40-60 %, 60-80 %, 80-100 % (a share in [from, to); a negative "
    "share in the first, 1 in the last), no share (no potential estimate) or all with a share.",
    "Диапазон на дела от портфейла: 0-20 %, 20-40 %, 40-60 %, 60-80 %, 80-100 % (дял в [от, до); "
    "отрицателен — в първия, 1 — в последния), no share (няма оценка на потенциала) или all with a share "
    "(всички с дял).")

_SHARE_FROM = column(
    "share_from", "ratio", "Share from", "Дял от",
    "The band's lower share limit (included); empty for no share.",
    "Долната граница на дела за диапазона (включена); празно за no share.")

_SHARE_TO = column(
    "share_to", "ratio", "Share to", "Дял до",
    "The band's upper share limit (excluded, but 1 is in the last band); empty for no share.",
    "Горната граница на дела за диапазона (изключена, но 1 е в последния диапазон); празно за no share.")

_CUSTOMERS_WITH_CLV = column(
    "customers_with_clv", "count", "Customers with CLV", "Клиенти със стойност",
    "Customers in the band that have a clv_12m (the money means are over them).",
    "Клиентите в диапазона, които имат clv_12m (паричните средни са за тях).",
    unit="customers")

_MEAN_P_ALIVE = column(
    "mean_p_alive", "ratio", "Mean P(alive)", "Средна вероятност да е активен",
    "The mean p_alive of the band's customers; empty where none has one.",
    "Средното p_alive на клиентите в диапазона; празно, ако никой няма.",
    unit="probability")

_MEAN_CLV_12M = column(
    "mean_clv_12m", "money", "Mean CLV, 12 months", "Средна стойност, 12 месеца",
    "The mean clv_12m of the band's customers that have one.",
    "Средното clv_12m на клиентите в диапазона, които имат такава.")

_TOTAL_CLV_12M = column(
    "total_clv_12m", "money", "Total CLV, 12 months", "Обща стойност, 12 месеца",
    "The sum of clv_12m over the band's customers; empty where none has one.",
    "Сборът на clv_12m за клиентите в диапазона; празно, ако никой няма.")

_MEAN_CLV_36M = column(
    "mean_clv_36m", "money", "Mean CLV, 36 months", "Средна стойност, 36 месеца",
    "The mean clv_36m of the band's customers that have one.",
    "Средното clv_36m на клиентите в диапазона, които имат такава.")

_TOTAL_OPPORTUNITY_12M = column(
    "total_opportunity_12m", "money", "Total opportunity, 12 months", "Обща възможност, 12 месеца",
    "The sum of opportunity_12m over the band's customers; empty where none has one.",
    "Сборът на opportunity_12m за клиентите в диапазона; празно, ако никой няма.")

_PEARSON_SHARE_CLV_12M = column(
    "pearson_share_clv_12m", "ratio", "Pearson r, share and CLV", "Корелация на Пирсън, дял и стойност",
    "Pearson's correlation of share of wallet and clv_12m over the customers with both; on the all with a "
    "share row only, empty with fewer than 3 or no spread.",
    "Корелацията на Пирсън между дела от портфейла и clv_12m за клиентите с двете; само в реда all with a "
    "share, празно при под 3 клиента или без разсейване.",
    unit="correlation (-1 to 1)")

_SPEARMAN_SHARE_CLV_12M = column(
    "spearman_share_clv_12m", "ratio", "Spearman rho, share and CLV", "Корелация на Спирман, дял и стойност",
    "Spearman's rank correlation of share of wallet and clv_12m over the same customers; on the all with a "
    "share row only.",
    "Ранговата корелация на Спирман между дела от портфейла и clv_12m за същите клиенти; само в реда all "
    "with a share.",
    unit="correlation (-1 to 1)")


CLV = Result(
    "clv",
    ("Customer lifetime value", "Стойност на клиента (CLV)"),
    ("Every customer with a purchase day: the chance it is still active, its expected purchases and "
     "discounted margin over 12 and 36 months, the opportunity at the target share of wallet and an offer "
     "budget.",
     "Всеки клиент с ден с покупка: вероятността още да е активен, очакваните му покупки и дисконтираният "
     "марж за 12 и 36 месеца, възможността при целевия дял от портфейла и бюджет за оферта."),
    (CUSTOMER_ID, TERRITORY_ID, REP_ID, _FIRST_PURCHASE, _FREQUENCY, _RECENCY_WEEKS, _T_WEEKS, _IN_FIT, _P_ALIVE,
     _EXPECTED_PURCHASES_12M, _EXPECTED_PURCHASES_36M, _MARGIN_PER_PURCHASE, _MARGIN_ESTIMATE, _CLV_12M, _CLV_36M,
     _MARGIN_RATE, SHARE_OF_WALLET_BY_VALUE, POTENTIAL_VALUE, _TARGET_SHARE, _OPPORTUNITY_12M, _OPPORTUNITY_36M,
     _OFFER_BUDGET, _RANK_BY_CLV_36M, NOTE, CURRENCY, _MARGIN_BASIS),
    key=("customer_id",),
    scope=("customer_id", "rep_id", "territory_id"),
    notes=(
        ("A purchase day is a customer's day whose lines add up to a positive net value. Repeat purchases by "
         "BG/NBD (Fader, Hardie & Lee 2005) or Pareto/NBD (Schmittlein, Morrison & Colombo 1987), on the "
         "purchase days in weeks; margin per purchase by Gamma-Gamma (Fader, Hardie & Lee 2005) on the "
         "margins of the repeat purchase days. All money is margin, not revenue, unless margin_basis says "
         "revenue ([clv] margin_basis).",
         "Ден с покупка е ден на клиента, чиито редове дават положителна нетна стойност. Повторните покупки "
         "— по BG/NBD (Fader, Hardie и Lee 2005) или Pareto/NBD (Schmittlein, Morrison и Colombo 1987), по "
         "дните с покупка в седмици; маржът на покупка — по Gamma-Gamma (Fader, Hardie и Lee 2005) по маржа "
         "на дните с повторна покупка. Всички суми са марж, не приход, освен ако margin_basis казва revenue "
         "([clv] margin_basis)."),
        ("The opportunity is not weighted by P(alive): read it beside p_alive (a lost customer's wallet is a "
         "win-back case). Where a model cannot be fitted, its columns are empty and note says why.",
         "Възможността не е претеглена с вероятността клиентът да е активен: четете я до p_alive "
         "(портфейлът на загубен клиент е случай за връщане). Където модел не може да бъде оценен, колоните "
         "му са празни и note казва защо."),
    ),
)

CLV_HISTORY = Result(
    "clv-history",
    ("Customer value, history", "Стойност на клиента, история"),
    ("Every customer's purchases, margin and purchase days per calendar year over the last full years and "
     "the year to date, the margin in today's money, and a total row with the weighted profit and its rank.",
     "Покупките, маржът и дните с покупка на всеки клиент по календарни години за последните пълни години и "
     "текущата година до отчетната дата, маржът в днешни пари и ред 'общо' с претеглената печалба и "
     "мястото по нея."),
    (CUSTOMER_ID, TERRITORY_ID, REP_ID, YEAR, PERIOD, _PURCHASES_VALUE, _MARGIN_VALUE, _PURCHASE_DAYS,
     _DISCOUNT_FACTOR, _MARGIN_DISCOUNTED, _WEIGHT, _WEIGHTED_PROFIT, _RANK_BY_WEIGHTED_PROFIT, CURRENCY,
     _HISTORY_COVERAGE, NOTE),
    key=("customer_id", "period"),
    scope=("customer_id", "rep_id", "territory_id"),
    notes=(
        ("Past customer value (Kumar & Reinartz 2012): a year's margin is compounded to today's money at "
         "[clv] history_rate, margin × (1 + d)^k for the year k years back; the weighted profit is Σ w_k × "
         "that over the full years, the weights summing to 1. Year rows exist where the customer has lines "
         "in that year.",
         "Минала стойност на клиента (Kumar и Reinartz 2012): маржът за година се олихвява до днешни пари с "
         "[clv] history_rate, марж × (1 + d)^k за годината k години назад; претеглената печалба е Σ w_k × "
         "това за пълните години, с тегла със сбор 1. Ред за година има, когато клиентът има редове в нея."),
    ),
)

CLV_VALIDATION = Result(
    "clv-validation",
    ("CLV holdout check", "Проверка на CLV върху контролен период"),
    ("The models calibrated on the history before the last holdout weeks and asked to predict them: by "
     "decile of predicted purchases, predicted against actual purchases and margin.",
     "Моделите, калибрирани по историята преди последните контролни седмици, прогнозират тези седмици: по "
     "децили на прогнозните покупки — прогнозни срещу реални покупки и марж."),
    (_DECILE, CUSTOMERS, _PREDICTED_PURCHASES_MEAN, _ACTUAL_PURCHASES_MEAN, _PREDICTED_MARGIN_MEAN,
     _ACTUAL_MARGIN_MEAN, _PREDICTED_PURCHASES_TOTAL, _ACTUAL_PURCHASES_TOTAL, _CALIBRATION_END, _HOLDOUT_WEEKS,
     NOTE, CURRENCY),
    key=("decile",),
    scope=(),
    notes=(
        ("Over the customers first seen by the calibration end. The models are stationary: a holdout in the "
         "high season shows more actual than predicted purchases; a whole year (holdout_weeks = 52) is "
         "season-neutral.",
         "За клиентите с първа покупка до края на калибрирането. Моделите са стационарни: контролен период в "
         "силния сезон показва повече реални от прогнозните покупки; цяла година (holdout_weeks = 52) е "
         "неутрална към сезона."),
    ),
)

CLV_PARAMS = Result(
    "clv-params",
    ("CLV model parameters", "Параметри на CLV моделите"),
    ("The fitted parameters of the main and the calibration fit, with standard errors, log-likelihood and "
     "customers fitted, and the means they imply.",
     "Оценените параметри на основната и на калибриращата оценка, със стандартни грешки, логаритъм на "
     "правдоподобието и брой клиенти, и средните, които следват от тях."),
    (_FIT, _MODEL, _PARAMETER, _VALUE, _STANDARD_ERROR, _LOG_LIKELIHOOD, CUSTOMERS, NOTE),
    key=("fit", "model", "parameter"),
    scope=(),
    notes=(
        ("A model that could not be fitted has one row, with parameter empty and the reason in note.",
         "Модел, който не може да бъде оценен, има един ред, с празно parameter и причината в note."),
    ),
)

CLV_WALLET = Result(
    "clv-wallet",
    ("Share of wallet and CLV", "Дял от портфейла и стойност на клиента"),
    ("This run's share of wallet beside CLV, by share band: customers, mean P(alive), CLV and opportunity, "
     "and the correlations of share and 12-month CLV.",
     "Делът от портфейла в това изчисление до стойността на клиента, по диапазони на дела: клиенти, средна "
     "вероятност да е активен, стойност и възможност, и корелациите между дела и стойността за 12 месеца."),
    (_BAND, _SHARE_FROM, _SHARE_TO, CUSTOMERS, _CUSTOMERS_WITH_CLV, MEAN_SHARE, _MEAN_P_ALIVE, _MEAN_CLV_12M,
     _TOTAL_CLV_12M, _MEAN_CLV_36M, _TOTAL_OPPORTUNITY_12M, _PEARSON_SHARE_CLV_12M, _SPEARMAN_SHARE_CLV_12M,
     CURRENCY),
    key=("band",),
    scope=(),
    notes=(
        ("The share is each customer's share_of_wallet_by_value over all lines (wallet result). A low band "
         "with a high P(alive) and a large total opportunity is the upsell pool.",
         "Делът е share_of_wallet_by_value на всеки клиент за всички линии (резултатът wallet). Нисък "
         "диапазон с висока вероятност да е активен и голяма обща възможност е резервът за допродажби."),
    ),
)

RESULTS: tuple[Result, ...] = (CLV, CLV_HISTORY, CLV_VALIDATION, CLV_PARAMS, CLV_WALLET)
