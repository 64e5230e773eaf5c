"""The results the wallet analysis stores, declared (:class:`saleskpi.results.Result`)."""

from __future__ import annotations

from saleskpi.analyses.columns import (
    BUSINESS_LINE,
    CURRENCY,
    CUSTOMER_ID,
    CUSTOMERS,
    ESTIMATE_VALUE,
    GAP_VALUE,
    MEAN_SHARE,
    POTENTIAL_VALUE,
    POTENTIAL_VOLUME,
    REP_ID,
    SHARE_OF_WALLET_BY_VALUE,
    SHARE_OF_WALLET_BY_VOLUME,
    STATED_VALUE,
    TERRITORY_ID,
    TURNOVER_VALUE_12M,
    TURNOVER_VOLUME_12M,
)
from saleskpi.results import Result, column

__all__ = ["RESULTS"]

_SURVEY_DATE = column(
    "survey_date", "date", "Survey date", "Дата на анкетата",
    "Date of the customer's latest survey answer up to the as-of date that gives our rank and the brands it "
    "uses; on customer rows only, empty where there is none.",
    "Датата на последния отговор на клиента в анкета до отчетната дата, който дава нашето място и "
    "използваните марки; само в редовете за клиент, празно, ако няма.")

_OUR_RANK = column(
    "our_rank", "integer", "Our rank", "Нашето място",
    "Our rank among the brands the customer uses (1 = best), from that answer.",
    "Нашето място сред марките, които клиентът използва (1 = най-добро), от този отговор.",
    unit="rank")

_BRANDS_USED = column(
    "brands_used", "integer", "Brands used", "Използвани марки",
    "How many brands of the category the customer uses, from that answer.",
    "Колко марки от категорията използва клиентът, от този отговор.",
    unit="brands")

_SHARE_WAR = column(
    "share_war", "ratio", "Share by Wallet Allocation Rule", "Дял по правилото за разпределение на портфейла",
    "(1 − rank / (n + 1)) × 2 / n for our rank among the n brands the customer uses (Keiningham et al. "
    "2011); on customer rows only, empty where the answer is missing or the rank is not within 1..n.",
    "(1 − място / (n + 1)) × 2 / n за нашето място сред n-те марки, които клиентът използва (Keiningham и "
    "др. 2011); само в редовете за клиент, празно, където няма отговор или мястото не е в 1..n.")

_SHARE_RAW_BY_VALUE = column(
    "share_raw_by_value", "ratio", "Share of the estimate", "Дял от оценката",
    "Our 12-month turnover / the potential estimate before its floor at purchases (estimate_value), as it "
    "is: it may exceed 1 (on a customer's row, over its lines that have an estimate); empty where the "
    "estimate is missing or not positive.",
    "Оборотът ни за 12 месеца / оценката на потенциала преди долната граница (estimate_value), както е: "
    "може да надхвърли 1; празно, където оценка няма или не е положителна.")

_ABOVE_POTENTIAL = column(
    "above_potential", "flag", "Bought above the estimate", "Покупки над оценката",
    "Whether share_raw_by_value exceeds 1: the customer bought more than the estimate (it is too low, or "
    "the customer resells).",
    "Дали share_raw_by_value надхвърля 1: клиентът е купил повече от оценката (тя е твърде ниска или "
    "клиентът препродава).")

_SHARE_STATED_BY_VALUE = column(
    "share_stated_by_value", "ratio", "Share of stated potential", "Дял от заявения потенциал",
    "Our 12-month turnover / the stated potential alone (on a customer's row, over its lines with a stated "
    "figure); empty where nothing positive is stated.",
    "Оборотът ни за 12 месеца / само заявения потенциал; празно, където няма положителна заявена стойност.")

_SHARE_MISSING_REASON = column(
    "share_missing_reason", "text", "Why no share", "Защо няма дял",
    "Why share_of_wallet_by_value is empty: 'no potential estimate' or 'potential is zero'; empty where "
    "there is a share.",
    "Защо share_of_wallet_by_value е празно: 'no potential estimate' (няма оценка на потенциала) или "
    "'potential is zero' (потенциалът е нула); празно, където има дял.")

_LINK = column(
    "link", "class", "Grouped by", "Групиране по",
    "What the customers are grouped by: tenure (time since customers.acquired_on) or membership (of the "
    "loyalty programme at the as-of date).",
    "По какво са групирани клиентите: tenure (време от customers.acquired_on) или membership (членство в "
    "програмата за лоялност към отчетната дата).")

_GROUP = column(
    "group", "class", "Group", "Група",
    "The group: for tenure 0-1 years, 1-3 years, 3-5 years, 5+ years or unknown (no acquired_on); for "
    "membership member or non-member.",
    "Групата: за tenure — 0-1 years, 1-3 years, 3-5 years, 5+ years или unknown (няма acquired_on); за "
    "membership — member (член) или non-member (не е член).")

_MEDIAN_SHARE = column(
    "median_share", "ratio", "Median share of wallet", "Медианен дял от портфейла",
    "The median of the customers' share of wallet (their rows over all lines) in the group.",
    "Медианата на дела от портфейла на клиентите (от редовете им за всички линии) в групата.")

_WEIGHTED_SHARE = column(
    "weighted_share", "ratio", "Weighted share of wallet", "Претеглен дял от портфейла",
    "Σ 12-month turnover / Σ potential of the group's customers (0.25 = 25 %); empty where the potential is "
    "not positive.",
    "Σ оборот за 12 месеца / Σ потенциал на клиентите в групата (0,25 = 25 %); празно, където потенциалът "
    "не е положителен.")


WALLET = Result(
    "wallet",
    ("Share of wallet", "Дял от портфейла"),
    ("Every customer in every business line, and every customer over all lines (business_line empty): our "
     "share of its wallet by the potential, by the stated potential and by the Wallet Allocation Rule.",
     "Всеки клиент във всяка бизнес линия и всеки клиент за всички линии (празно business_line): делът ни "
     "от портфейла му по потенциала, по заявения потенциал и по правилото за разпределение на портфейла."),
    (CUSTOMER_ID, BUSINESS_LINE, TERRITORY_ID, REP_ID, TURNOVER_VALUE_12M, TURNOVER_VOLUME_12M, POTENTIAL_VALUE,
     POTENTIAL_VOLUME, ESTIMATE_VALUE, STATED_VALUE, _SURVEY_DATE, _OUR_RANK, _BRANDS_USED, _SHARE_WAR,
     SHARE_OF_WALLET_BY_VALUE, SHARE_OF_WALLET_BY_VOLUME, _SHARE_RAW_BY_VALUE, _ABOVE_POTENTIAL,
     _SHARE_STATED_BY_VALUE, _SHARE_MISSING_REASON, GAP_VALUE, CURRENCY),
    key=("customer_id", "business_line"),
    scope=("customer_id", "rep_id", "territory_id"),
    notes=(
        ("Share of wallet = our turnover over the 12 months to the as-of date / the customer's yearly "
         "potential (its wallet, from the potential result). A customer's row over all lines sums its lines; "
         "its wallet is the sum over the lines that have a potential.",
         "Дял от портфейла = оборотът ни за 12-те месеца до отчетната дата / годишния потенциал на клиента "
         "(портфейла му, от резултата potential). Редът за клиента за всички линии сумира линиите му; "
         "портфейлът му е сборът за линиите с потенциал."),
        ("The Wallet Allocation Rule (Keiningham, Aksoy, Buoye & Cooil, HBR October 2011): a customer who "
         "uses n brands and ranks ours r-th gives us the share (1 − r / (n + 1)) × 2 / n (n = 3: 0.5, "
         "0.333, 0.167); tied brands take the average of their ranks. From the customer's latest survey "
         "answer up to the as-of date.",
         "Правилото за разпределение на портфейла (Keiningham, Aksoy, Buoye и Cooil, HBR, октомври 2011): "
         "клиент, който използва n марки и поставя нашата на място r, ни дава дял (1 − r / (n + 1)) × 2 / n "
         "(n = 3: 0,5, 0,333, 0,167); равните марки получават средното от местата си. От последния отговор "
         "на клиента в анкета до отчетната дата."),
    ),
)

WALLET_LINKS = Result(
    "wallet-links",
    ("Share of wallet by tenure and loyalty", "Дял от портфейла по стаж и лоялност"),
    ("Share of wallet by tenure band and by loyalty-programme membership, over the customers that have a "
     "share: mean, median and turnover-weighted.",
     "Дял от портфейла по стаж като клиент и по членство в програмата за лоялност, за клиентите с дял: "
     "среден, медианен и претеглен с оборота."),
    (_LINK, _GROUP, CUSTOMERS, MEAN_SHARE, _MEDIAN_SHARE, _WEIGHTED_SHARE, TURNOVER_VALUE_12M, POTENTIAL_VALUE,
     CURRENCY),
    key=("link", "group"),
    scope=(),
    notes=(
        ("Tenure runs from customers.acquired_on to the as-of date (years of 365.25 days); membership is "
         "counted at the as-of date.",
         "Стажът тече от customers.acquired_on до отчетната дата (години от 365,25 дни); членството е към "
         "отчетната дата."),
    ),
)

RESULTS: tuple[Result, ...] = (WALLET, WALLET_LINKS)
