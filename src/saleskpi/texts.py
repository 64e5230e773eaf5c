"""The stored texts of the results in Bulgarian: actions, notes and reasons as the pages and the
Excel report show them (docs/web.md, "Numbers, dates and unknowns").

The analyses store their texts in English, one language in the database whatever the reader's
(a stored row is the same for every user; ``saleskpi show`` and the CSV keep it so). What a
reader sees in Bulgarian is the text translated here at display time, by a catalogue of the
texts the analyses write: each entry an English text whose ``{name}`` parts are the values the
analysis filled in (a number, a period, a team), and its Bulgarian form with the same parts.
A note of several parts joined by ``"; "`` is translated part by part. A text the catalogue
does not know (an action a user set in ``[abc.actions]``, a note of a newer analysis) is shown
as it is stored, never dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["BG", "TEXT_COLUMNS", "is_text_column", "translate", "translate_array"]

#: English text (``{name}``: a value filled in) -> its Bulgarian form.
BG: dict[str, str] = {
    # the ABC matrix's default actions (analyses/abc DEFAULT_ACTIONS)
    "defend: key-account plan, retain": "защита: план за ключов клиент, задържане",
    "grow share: widen the assortment and target products": "ръст на дела: по-широк асортимент и целеви продукти",
    "grow share: priority": "ръст на дела: приоритет",
    "retain: service and loyalty": "задържане: обслужване и лоялност",
    "develop: widen the assortment": "развитие: по-широк асортимент",
    "grow share selectively": "ръст на дела избирателно",
    "serve efficiently": "ефективно обслужване",
    "maintain at low cost": "поддържане с ниски разходи",
    "serve at the lowest cost (phone, online)": "обслужване с най-ниски разходи (телефон, онлайн)",
    # the ABC classes' reasons (analyses/abc)
    "no potential estimate: no class by potential or share, no cell":
        "няма оценка на потенциала: няма клас по потенциал и по дял, няма клетка",
    "potential is zero: no class by share, no cell": "потенциалът е нула: няма клас по дял, няма клетка",
    "too few customers have a share for [abc] share_method: no class by share, no cell":
        "твърде малко клиенти имат дял за [abc] share_method: няма клас по дял, няма клетка",
    "no potential in volume: no class by share in volume": "няма потенциал в количество: няма клас по дял в количество",
    # sales and what reads its margin
    "margin empty: the lines with a cost hold less than {share} of the turnover (cost_coverage; "
    "[sales] min_cost_coverage): import the sales with cost or margin":
        "маржът е празен: редовете със себестойност носят по-малко от {share} от оборота (cost_coverage; "
        "[sales] min_cost_coverage): импортирайте продажбите със себестойност или марж",
    # satisfaction
    "too few responses (n = {n})": "твърде малко отговори (n = {n})",
    "too few responses (n = {n}) in {period}": "твърде малко отговори (n = {n}) за {period}",
    # KPIs and the scorecard
    "no target for {period}: add one to the targets table (period {label}, this level and key, kpi = the KPI's "
    "target_kpi) to get attainment and status":
        "няма цел за {period}: добавете я в таблицата targets (period {label}, това ниво и ключ, kpi = target_kpi "
        "на показателя), за да има изпълнение и статус",
    "value empty: a measure of its formula is unknown for the node, or a denominator is not positive (see the "
    "measure's result)":
        "стойността е празна: мярка от формулата ѝ е неизвестна за възела или знаменател не е положителен "
        "(вижте резултата на мярката)",
    # segments
    "no purchase in the 12 months to the as-of date": "няма покупка през 12-те месеца до датата на отчета",
    "no purchase up to the as-of date": "няма покупка до датата на отчета",
    # customer value
    "the data do not hold the whole year": "данните не обхващат цялата година",
    "the data do not hold the whole year (the data begin on {date})":
        "данните не обхващат цялата година (данните започват на {date})",
    # incentives
    "{period} to date: the {unit} runs to {end}, so its ranking may still change":
        "{period} до момента: периодът продължава до {end}, така че класирането още може да се промени",
    "team {team}: split pro rata to {measure}": "екип {team}: разпределено пропорционално на {measure}",
    # loyalty
    "members minus non-members; members chose to join, so the gap is not all the programme's doing":
        "членове минус нечленове; членовете сами са избрали да се включат, така че разликата не е изцяло "
        "заслуга на програмата",
}

#: The stored columns whose values are texts of the catalogue (and ``*_reason`` columns).
TEXT_COLUMNS = frozenset({"action", "note", "reason"})


def is_text_column(name: str) -> bool:
    """Whether the column ``name`` holds the analyses' texts (translated for the reader)."""
    return name in TEXT_COLUMNS or name.endswith("_reason")


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str]]:
    found = []
    for english, bulgarian in BG.items():
        parts = re.split(r"\{(\w+)\}", english)
        regex = "".join(re.escape(p) if k % 2 == 0 else f"(?P<{p}>.+?)" for k, p in enumerate(parts))
        found.append((re.compile(regex + r"\Z"), bulgarian))
    return found


@lru_cache(maxsize=4096)
def _one(text: str) -> str | None:
    for pattern, bulgarian in _patterns():
        m = pattern.match(text)
        if m:
            return bulgarian.format(**m.groupdict())
    return None


def translate(text, lang: str):
    """``text`` (a stored action, note or reason) in ``lang``: in Bulgarian by the catalogue,
    part by part for a note of parts joined by "; ", a part it does not know kept as stored;
    anything else (English, not a string) as it is."""
    if lang != "bg" or not isinstance(text, str) or not text:
        return text
    pieces = text.split("; ")
    out, i = [], 0
    while i < len(pieces):
        # the longest run of pieces from here that is one text of the catalogue (a text may
        # hold "; " itself), else this piece as it is stored
        for j in range(len(pieces), i, -1):
            found = _one("; ".join(pieces[i:j]))
            if found is not None:
                out.append(found)
                i = j
                break
        else:
            out.append(pieces[i])
            i += 1
    return "; ".join(out)


def translate_array(array, lang: str):
    """A pyarrow string array of stored texts in ``lang`` (each distinct text translated once)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if lang != "bg" or len(array) == 0:
        return array
    encoded = pc.dictionary_encode(array)
    words = pa.array([translate(w, lang) for w in encoded.dictionary.to_pylist()], array.type)
    return pc.take(words, encoded.indices)
