"""A commented TOML file written from a definitions model: each default and rule written once.

Every field becomes ``key = <default>`` under its table, preceded by its ``description`` and
the rule of its value (``Must be a number in (0, 1).``, ``Must be one of year, quarter,
month.``); a field without a value by default is written commented out with its first
``examples`` entry. Parsing the output gives back exactly the model's defaults (tested).
"""

from __future__ import annotations

import textwrap
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from saleskpi.definitions import messages as say
from saleskpi.definitions.constraints import Constraint, Keys, kind_of
from saleskpi.definitions.loader import is_model, unwrap

_WIDTH = 95


def rule_of(f: FieldInfo) -> str | None:
    """The phrase of a field's rule (``one of year, quarter, month``, ``a number in (0, 1)``), or None."""
    tp = unwrap(f.annotation)
    if typing.get_origin(tp) is typing.Literal:
        return say.choices(typing.get_args(tp))
    for meta in f.metadata:
        if isinstance(meta, (Constraint, Keys)):
            return meta.expected(kind_of(tp))
    return None


def render_template(model: type[BaseModel], *, header: str = "",
                    placeholders: Mapping[str, str] | None = None) -> str:
    """``model``'s defaults as a commented TOML file.

    ``placeholders`` maps a dotted field path (``"workspace.name"``) to a ``str.format`` field
    name; the output is then a format string (``name = "{name}"``, every other brace doubled),
    to be filled with ``.format(name=...)``. Without placeholders it is plain TOML.
    """
    holes = dict(placeholders or {})
    out = [*_comment(header, escape=bool(holes)), ""] if header else []
    plain = {n: f for n, f in model.model_fields.items() if not _is_table(f, top=True)}
    tables = {n: f for n, f in model.model_fields.items() if n not in plain}
    _fields(plain, "", out, holes)
    for name, f in tables.items():
        key = f.alias or name
        out += [*_blank(out), f"[{say.toml_key(key)}]"]
        if is_model(unwrap(f.annotation)):
            _table(unwrap(f.annotation), key, out, holes)
        else:
            _entries(f, out, escape=bool(holes))
    return "\n".join(out) + "\n"


def _is_table(f: FieldInfo, *, top: bool) -> bool:
    tp = unwrap(f.annotation)
    return is_model(tp) or (top and typing.get_origin(tp) is dict)


def _table(model: type[BaseModel], dotted: str, out: list[str], holes: dict[str, str]) -> None:
    subs = {n: f for n, f in model.model_fields.items() if _is_table(f, top=False)}
    _fields({n: f for n, f in model.model_fields.items() if n not in subs}, dotted, out, holes)
    for name, f in subs.items():
        key = f"{dotted}.{say.toml_key(f.alias or name)}"
        out += [*_blank(out), f"[{key}]"]
        _table(unwrap(f.annotation), key, out, holes)


def _fields(fields: dict[str, FieldInfo], dotted: str, out: list[str], holes: dict[str, str]) -> None:
    escape = bool(holes)
    for name, f in fields.items():
        key = f.alias or name
        out += _comment(_explain(f), escape=escape)
        path = f"{dotted}.{key}" if dotted else key
        if path in holes:
            out.append(f'{say.toml_key(key)} = "{{{holes[path]}}}"')
            continue
        default = f.get_default(call_default_factory=True)
        if default is None or default in ({}, [], ()):
            if f.examples:
                out.append(_brace(f"# {say.toml_key(key)} = {_toml(f.examples[0])}", escape))
            elif default is not None:
                out.append(_brace(f"{say.toml_key(key)} = {_toml(default)}", escape))
            continue
        out.append(_brace(f"{say.toml_key(key)} = {_toml(default)}", escape))


def _entries(f: FieldInfo, out: list[str], *, escape: bool) -> None:
    """A top-level table of free keys (``[currencies]``): its default entries, or its example commented."""
    out += _comment(_explain(f), escape=escape)
    default = f.get_default(call_default_factory=True) or {}
    shown, prefix = (default, "") if default else ((f.examples or [{}])[0], "# ")
    for k, v in shown.items():
        out.append(_brace(f"{prefix}{say.toml_key(str(k))} = {_toml(v)}", escape))


def _explain(f: FieldInfo) -> str:
    rule = rule_of(f)
    text = (f.description or "").strip()
    return f"{text}\nMust be {rule}.".strip() if rule else text


def _toml(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(by_alias=True)
    return say.toml_value(value)


def _blank(out: list[str]) -> list[str]:
    """One empty line before a table header, none at the very top or after one."""
    return [""] if out and out[-1] != "" else []


def _brace(text: str, escape: bool) -> str:
    return text.replace("{", "{{").replace("}", "}}") if escape else text


def _comment(text: str, *, escape: bool) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        wrapped = textwrap.wrap(para, _WIDTH - 2, break_long_words=False, break_on_hyphens=False)
        lines += [_brace(f"# {w}", escape) for w in wrapped] or ["#"]
    return lines if text else []
