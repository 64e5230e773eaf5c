"""How the pages show a stored value, by the kind its result declares, in the user's language.

Bulgarian: ``1 234,56`` and ``31.12.2026`` (БДС/БНБ usage: a space between thousands, a decimal
comma, day.month.year); English: ``1,234.56`` and ISO dates ``2026-12-31``. Money to the cent
followed by the row's currency; a ratio as a percentage with one decimal; counts whole and
grouped; integers that are not counts (years, ranks, run ids) ungrouped. An unknown value
(null, NaN) is an empty cell, never 0; the page shows the row's reason beside it where the
result has one (:func:`reason_of`).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_EVEN, Decimal

from saleskpi.results import Kind

__all__ = ["number", "date", "cell", "chart_json", "reason_of", "is_unknown"]

_SEPARATORS = {"bg": (" ", ","), "en": (",", ".")}
_FLAGS = {"bg": ("да", "не"), "en": ("yes", "no")}


def is_unknown(value) -> bool:
    """Whether ``value`` is unknown (null or NaN): shown as an empty cell."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def number(value, lang: str, decimals: int = 2, *, group: bool = True) -> str:
    """``value`` with ``decimals`` decimals (half to even, as stored money is exact to the
    cent), thousands grouped, in the separators of ``lang``."""
    thousands, point = _SEPARATORS[lang]
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
    sign = "-" if q < 0 else ""
    whole, _, frac = f"{abs(q):f}".partition(".")
    if group:
        parts = []
        while len(whole) > 3:
            whole, tail = whole[:-3], whole[-3:]
            parts.insert(0, tail)
        whole = thousands.join([whole, *parts])
    return sign + whole + (point + frac if decimals > 0 else "")


def date(value, lang: str) -> str:
    """A date as ``31.12.2026`` (bg) or ``2026-12-31`` (en); a timestamp with its time."""
    if isinstance(value, dt.datetime):
        return date(value.date(), lang) + value.strftime(" %H:%M")
    return value.strftime("%d.%m.%Y") if lang == "bg" else value.isoformat()


def cell(value, kind: Kind | str, lang: str, currency: str | None = None) -> str:
    """``value`` of a column of ``kind`` as the page shows it; "" when unknown."""
    if is_unknown(value):
        return ""
    kind = Kind(kind)
    if kind is Kind.money:
        text = number(value, lang, 2)
        return f"{text} {currency}" if currency else text
    if kind is Kind.ratio:
        return number(float(value) * 100, lang, 1) + " %"
    if kind is Kind.count:
        return number(value, lang, 0)
    if kind is Kind.integer:
        return number(value, lang, 0, group=False)
    if kind in (Kind.volume, Kind.number):
        return number(value, lang, 2)
    if kind is Kind.date:
        return date(value, lang)
    if kind is Kind.flag:
        return _FLAGS[lang][0 if value else 1]
    return str(value)


def is_reason_column(name: str) -> bool:
    """Whether the column ``name`` gives a row's reason for its empty cells (``*_reason``,
    ``note``, as the declarations name them)."""
    return name.endswith("_reason") or name == "note"


def reason_of(row: dict, lang: str = "en") -> str | None:
    """The reason a row gives for its empty cells: its ``*_reason`` or ``note`` column, as the
    declarations name them (``class_missing_reason``, ``share_missing_reason``, ``note``), in
    ``lang`` (:func:`saleskpi.texts.translate`)."""
    from saleskpi.texts import translate

    for name, value in row.items():
        if is_reason_column(name) and value:
            return translate(str(value), lang)
    return None


def chart_json(charts) -> str:
    """The charts' data as the JSON of a page's ``<script type="application/json">`` block:
    ``<``, ``>`` and ``&`` written as JSON escapes, so that no text of the data (a business
    line named ``</script>...``) can end the block."""
    import json

    return json.dumps(charts).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
