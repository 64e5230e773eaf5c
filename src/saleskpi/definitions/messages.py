"""The sentences every definitions file uses: one shape per kind of problem.

A problem reads ``<key path>: must be <expected>[, such as <example>]; got <found>`` (or
``, got <found>`` when no example is given), ``unknown key; remove it or check its spelling
(did you mean 'x'?)`` or ``missing; add it (<what it is>)``; the file and the count head the
list (``ws/settings.toml: 2 invalid setting(s):``). Values are shown as they would be written in
TOML, strings in single quotes (TOML literal strings), so a user can copy an example back.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from saleskpi.errors import ConfigError

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_LONGEST_SHOWN = 80


def toml_key(key: str) -> str:
    """A TOML key: bare when it may be, else quoted (``"my kpi"``)."""
    return key if _BARE_KEY.fullmatch(key) else toml_string(key, quote='"')


def toml_string(text: str, *, quote: str = '"') -> str:
    """A TOML string; ``quote="'"`` gives a literal string when the text allows one."""
    if quote == "'" and "'" not in text and not any(c in text for c in "\n\r\t"):
        return f"'{text}'"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def toml_value(value: Any, *, quote: str = '"') -> str:
    """``value`` written as TOML (a string, number, boolean, array or inline table)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value, quote=quote)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if value != value else
                                                          ("inf" if value > 0 else "-inf"))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = ", ".join(f"{toml_key(str(k))} = {toml_value(v, quote=quote)}" for k, v in value.items())
        return f"{{ {items} }}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v, quote=quote) for v in value) + "]"
    return repr(value)


def shown(value: Any) -> str:
    """A found value for a message: TOML with single-quoted strings, cut short when long."""
    text = toml_value(value, quote="'")
    return text if len(text) <= _LONGEST_SHOWN else text[: _LONGEST_SHOWN - 3] + "..."


def must_be(expected: str, found: Any = None, *, example: Any = None, has_found: bool = True) -> str:
    """``must be <expected>[, such as <example>]; got <found>`` -- the one 'wrong value' sentence."""
    text = f"must be {expected}"
    if example is not None:
        text += f", such as {shown(example)}"
    if has_found:
        text += ("; got " if example is not None else ", got ") + shown(found)
    return text


def choices(values: Sequence[Any]) -> str:
    """``one of a, b, c``; quoted when any choice is not a plain word (``one of ".", ","``)."""
    plain = all(isinstance(v, str) and _BARE_KEY.fullmatch(v) for v in values)
    return "one of " + ", ".join(str(v) if plain else toml_value(v) for v in values)


def one_of(values: Sequence[Any], found: Any) -> str:
    """``must be one of a, b, c, got 'x'``, with a close spelling when there is one."""
    text = must_be(choices(values), found)
    return text + did_you_mean(found, [v for v in values if isinstance(v, str)], prefix="; ")


def did_you_mean(found: Any, known: Iterable[str], *, prefix: str = " ") -> str:
    """``(did you mean 'x'?)`` for the closest spelling among ``known`` (difflib), else ''."""
    if not isinstance(found, str):
        return ""
    close = difflib.get_close_matches(found, list(known), n=1, cutoff=0.6)
    if not close:
        close = [k for k in known if k.lower() == found.lower()]
    return f"{prefix}did you mean {shown(close[0])}?" if close else ""


def unknown_key(key: str, known: Sequence[str]) -> str:
    """The sentence of a key the definition does not have: a close spelling, else the keys."""
    text = "unknown key; remove it or check its spelling"
    hint = did_you_mean(key, known, prefix="")
    if hint:
        return f"{text} ({hint})"
    return f"{text} (keys: {', '.join(known)})" if known else text


def missing(description: str | None) -> str:
    """The sentence of a required key that is absent."""
    return "missing; add it" + (f" ({description.rstrip('.')})" if description else "")


def not_a_key(key: str, noun: str, expected: str, example: str | None) -> str:
    """``'XYZ' is not a cell: use three letters A/B/C, such as 'CAC'`` -- a key of a table refused."""
    text = f"{shown(key)} is not {noun}: use {expected}"
    return text + (f", such as {shown(example)}" if example is not None else "")


def config_error(source: str, noun: str, problems: Sequence[str]) -> ConfigError:
    """One ConfigError listing every problem of one file: ``<source>: N invalid <noun>(s):``."""
    lines = [f"{source}: {len(problems)} invalid {noun}(s):", *(f"  - {p}" for p in problems)]
    return ConfigError("\n".join(lines))
