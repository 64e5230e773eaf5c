"""How the importer reads dates written as text: the date part of a value, the formats it may
be read with, and their day-month order (docs/import.md, "What is read").

The time of day is dropped, and with it any time zone: ``2024-05-01T23:30:00+02:00`` is the
local date as written, 2024-05-01 (the offset is not applied: a sale is booked on the day the
writer's clock showed). So a column is read with a date-only format whatever times its values
carry, and ``10/01/2024`` and ``10/01/2024 10:00`` are read alike.
"""

from __future__ import annotations

import re

#: Formats tried after the settings' ``[import] date_formats``: ISO 8601 basic (19970101).
ALWAYS_DATE_FORMATS = ("%Y%m%d",)

# A time of day after the date (space or T), with seconds, fractions, AM/PM and a zone optional.
_TIME = (r"^(.+?)[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?([AaPp][Mm])? ?"
         r"(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?)?$")


#: A value whose time of day carries a zone (Z, UTC, +02:00).
ZONED = r"[ T][0-9]{1,2}:[0-9]{2}.*(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?)$"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def date_part_format(fmt: str) -> str:
    """``fmt`` without its time of day: ``%m/%d/%Y %H:%M`` -> ``%m/%d/%Y``."""
    return re.sub(r"[ T]?%[HIMSpfzZ].*$", "", fmt) or fmt


def date_part_sql(value: str) -> str:
    """SQL of the date part of the text ``value`` (the time of day and zone cut off)."""
    # a date alone is at most 10 characters (31.12.2024): only longer values pay for the pattern
    return (f"CASE WHEN length({value}) > 10 AND regexp_matches({value}, {_lit(_TIME)}) THEN "
            f"regexp_extract({value}, {_lit(_TIME)}, 1) ELSE {value} END")


def parse_date_sql(part: str, fmt: str) -> str:
    """SQL reading the date part ``part`` with ``fmt``; NULL where it does not read. A four-digit
    year (``%Y``) must be written with four digits: ``01.11.23`` is not the year 23."""
    parsed = f"CAST(try_strptime({part}, {_lit(fmt)}) AS DATE)"
    if "%Y" in fmt:
        # the parsed year below 1000 can only come from fewer than four digits
        return f"CASE WHEN year({parsed}) >= 1000 THEN {parsed} END"
    return parsed


def date_order(fmt: str) -> str | None:
    """``dmy``, ``mdy`` or ``ymd``: the order of day, month and year in ``fmt`` (None: not all three)."""
    where = {k: fmt.find(code) for k, code in (("d", "%d"), ("m", "%m"), ("y", "%Y"))}
    if where["y"] < 0:
        where["y"] = fmt.find("%y")
    if min(where.values()) < 0:
        return None
    return "".join(sorted(where, key=where.get))


def human_format(fmt: str) -> str:
    """``%d.%m.%Y`` as a person reads it: ``dd.mm.yyyy``."""
    return (fmt.replace("%Y", "yyyy").replace("%y", "yy").replace("%m", "mm").replace("%d", "dd")
            .replace("%H", "HH").replace("%M", "MM").replace("%S", "SS"))


def two_digit_year(value: str) -> bool:
    """Whether a date written as text has a year of two digits only (01.11.23, 11/1/23)."""
    part = re.split(r"[ T]", value.strip(), maxsplit=1)[0]
    groups = re.findall(r"[0-9]+", part)
    return len(groups) == 3 and not any(len(g) == 4 for g in groups) and len(groups[-1]) == 2
