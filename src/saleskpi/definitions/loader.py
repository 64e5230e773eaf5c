"""Read a hand-written TOML file into a typed definitions model, every problem reported at once.

``load_definitions(path, Model)`` reads the file (a TOML syntax error names the line and the
column), validates it into ``Model`` (a :class:`Definitions`: frozen, unknown keys refused) and
raises one :class:`~saleskpi.errors.ConfigError` listing every problem, each with the file,
the key path as the user writes it (``[abc] cutoffs``, ``[[skip]] #1 is``, ``[kpis.revenue]
unit``), what was found and what to write instead, after dbt MetricFlow's habit of
validating definitions apart from computing with them.
"""

from __future__ import annotations

import re
import tomllib
import types
import typing
from collections.abc import Mapping as AbcMapping
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticUndefined

from saleskpi.definitions import messages as say
from saleskpi.definitions.constraints import DEFINITION_ERROR, KEY_ERROR, TEXT_ERROR
from saleskpi.errors import ConfigError


class Definitions(BaseModel):
    """Base of every definitions file and of each of its tables: frozen, unknown keys refused.

    A file's root model names itself in messages with three class variables: ``file_kind``
    (``settings`` -> "settings file not found"), ``problem_noun`` (``setting`` -> "2 invalid
    setting(s)") and ``if_missing`` (the fix when the file does not exist).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    file_kind: ClassVar[str] = "definitions"
    problem_noun: ClassVar[str] = "definition"
    if_missing: ClassVar[str] = "Check the path."


D = TypeVar("D", bound=BaseModel)


def load_definitions(path: str | Path, model: type[D]) -> D:
    """Read the TOML file at ``path`` and validate it into ``model`` (ConfigError on any problem)."""
    return parse_definitions(read_toml(path, model), model, source=str(Path(path)))


def read_toml(path: str | Path, model: type[BaseModel] | None = None) -> dict[str, Any]:
    """The parsed TOML of the file at ``path``, not yet validated (ConfigError when it cannot be
    read, is not UTF-8 or not TOML); ``model`` names the kind of file in the messages. For a
    definitions file merged with another before validation (a catalogue over its defaults)."""
    path = Path(path)
    kind = getattr(model, "file_kind", "definitions")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: {kind} file not found. {getattr(model, 'if_missing', '')}".rstrip()) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {kind} file ({exc.strerror}).") from None
    try:
        text = data.decode("utf-8-sig")  # Notepad's "UTF-8 with BOM" is UTF-8 too
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        shown_line = data.splitlines()[line - 1].decode("cp1251", errors="replace").strip()[:80]
        raise ConfigError(f"{path}: line {line} is not UTF-8 text ({shown_line!r} read as Windows-1251). "
                          f"Save the {kind} file as UTF-8 (Notepad: Save As, Encoding: UTF-8).") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(toml_syntax_error(str(path), exc, text)) from None


def parse_definitions(data: Any, model: type[D], *, source: str) -> D:
    """Validate parsed TOML (a dict) into ``model``; every problem in one ConfigError naming ``source``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [describe(model, err) for err in exc.errors()]
        raise say.config_error(source, getattr(model, "problem_noun", "definition"), problems) from None


_TOML_AT = re.compile(r"^(?P<what>.*?)\s*\(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$", re.S)


def toml_syntax_error(source: str, exc: tomllib.TOMLDecodeError, text: str) -> str:
    """``<file>: not valid TOML at line 3, column 9: invalid value. Fix that line:`` and the line, marked."""
    match = _TOML_AT.match(str(exc))
    if match is None:
        return f"{source}: not valid TOML ({exc}). Fix the line named."
    what = match["what"][:1].lower() + match["what"][1:]
    if match["line"] is None:
        return (f"{source}: not valid TOML at the end of the file: {what}. Check that every bracket "
                "and quote is closed.")
    line, col = int(match["line"]), int(match["col"])
    shown_line = text.splitlines()[line - 1] if line <= len(text.splitlines()) else ""
    margin = " " * len(str(line))
    return (f"{source}: not valid TOML at line {line}, column {col}: {what}. Fix that line:\n"
            f"    {line} | {shown_line}\n    {margin} | {' ' * (col - 1)}^")


# -- where a problem is: the key path as the user writes it ----------------------------------------

@dataclass
class _Place:
    """A problem's location: the TOML table header(s), the key inside, and what the types say."""

    headers: list[str] = field(default_factory=list)
    key: list[str] = field(default_factory=list)
    field_info: FieldInfo | None = None     # the model field the path ends on, if it does
    leaf: Any = None                        # the type at the end of the path
    known: Sequence[str] = ()               # the keys of the table the path ends in

    @property
    def is_array(self) -> bool:
        """The path is a whole array of tables (``[[skip]]``), not one of its tables."""
        return not self.key and bool(self.headers) and self.headers[-1].startswith("[[")

    @property
    def path(self) -> str:
        key = ""
        for part in self.key:
            key += part if not key else (f" {part}" if part.startswith("#") else f".{part}")
        return " ".join([*self.headers, key]).strip()


def unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` down to the type that matters for the path."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _field_of(model: type[BaseModel], step: Any) -> FieldInfo | None:
    for name, f in model.model_fields.items():
        if step in (name, f.alias):
            return f
    return None


def _step(tp: Any, step: Any) -> tuple[str, Any]:
    """The role the container ``tp`` gives the label before ``step`` (table/array/key) and the child type."""
    if is_model(tp):
        f = _field_of(tp, step)
        return "table", (f.annotation if f else None)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (dict, AbcMapping) and len(args) == 2:
        return "table", args[1]
    if origin in (list, tuple, set, frozenset, Sequence) and args and isinstance(step, int):
        item = args[0] if origin is not tuple or args[-1] is Ellipsis else args[min(step, len(args) - 1)]
        return ("array" if is_model(unwrap(item)) else "key"), item
    return "key", None


def locate(model: type[BaseModel], loc: Sequence[Any], *, table_leaf: bool = False) -> _Place:
    """Walk ``loc`` (a pydantic error location) through the types of ``model``.

    A model or a dict entered by the next step is a table (``[abc]``, ``[potential.growth]``), a
    list of models is an array of tables (``[[skip]] #1``); everything after the first plain key
    belongs to the key (``date_formats #2``). ``table_leaf`` writes an unknown last step as a
    table (a misspelt ``[section]``).
    """
    steps = [s for s in loc if s != "[key]"]
    place, tp, dotted, roles = _Place(), model, [], []
    for step in steps:
        tp = unwrap(tp)
        role, child = _step(tp, step)
        roles.append(role)
        if is_model(tp):
            place.field_info, place.known = _field_of(tp, step), _keys_of(tp)
        else:  # inside a list or a table of free keys: the field's default is no example
            place.field_info = None
        tp = child
    place.leaf = unwrap(tp)
    # roles[i] says what labels[i - 1] is; the last label is a table if its own type is one.
    last = "table" if (is_model(place.leaf) or table_leaf) else (
        "array" if _step(place.leaf, 0)[0] == "array" else "key")
    labels = [say.toml_key(s) if isinstance(s, str) else s for s in steps]
    kinds = [*roles[1:], last]
    in_key, written = False, 0
    for label, kind in zip(labels, kinds):
        if isinstance(label, int):
            (place.key if in_key else place.headers).append(f"#{label + 1}")
            continue
        if in_key or kind == "key":
            in_key = True
            place.key.append(label)
            continue
        dotted.append(label)
        if kind == "array":
            place.headers.append(f"[[{'.'.join(dotted)}]]")
            written = len(dotted)
    if len(dotted) > written:
        place.headers.append(f"[{'.'.join(dotted)}]")
    return place


# -- what is wrong, in the one wording -------------------------------------------------------------

_TYPES = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
    "bool_type": "true or false", "bool_parsing": "true or false", "string_type": "text",
    "dict_type": "a table", "model_type": "a table", "model_attributes_type": "a table",
    "list_type": "a list", "tuple_type": "a list", "set_type": "a list", "iterable_type": "a list",
}


def _example(f: FieldInfo | None) -> Any:
    """What to show after 'such as': the field's first example, else its default if it has one."""
    if f is None:
        return None
    if f.examples:
        return f.examples[0]
    default = f.get_default(call_default_factory=True)
    if default is PydanticUndefined or default is None or default in ({}, [], ()) or isinstance(default, BaseModel):
        return None
    return default


def describe(model: type[BaseModel], err: ErrorDetails) -> str:
    """One pydantic error as ``<key path>: <what is wrong and the fix>``."""
    kind, ctx, found = err["type"], err.get("ctx") or {}, err.get("input")
    place = locate(model, err["loc"], table_leaf=kind == "extra_forbidden" and isinstance(found, dict))
    if kind == DEFINITION_ERROR:
        example = ctx.get("example")
        text = say.must_be(ctx["expected"], found, example=example if example is not None else _example(place.field_info))
    elif kind == KEY_ERROR:
        text = say.not_a_key(ctx["key"], ctx["noun"], ctx["expected"], ctx.get("example"))
    elif kind == TEXT_ERROR:
        text = ctx["text"]
    elif kind == "extra_forbidden":
        text = say.unknown_key(str(err["loc"][-1]), place.known)
    elif kind == "missing":
        text = say.missing(place.field_info.description if place.field_info else None)
    elif kind == "literal_error" and typing.get_origin(place.leaf) is typing.Literal:
        text = say.one_of(typing.get_args(place.leaf), found)
    elif kind in _TYPES and place.is_array:
        text = say.must_be(f"one or more {place.headers[-1]} tables", found)
    elif kind in _TYPES:
        example = None if kind.startswith(("dict", "model")) else _example(place.field_info)
        text = say.must_be(_TYPES[kind], found, example=example)
    elif kind in ("too_short", "too_long"):
        bound = "at least" if kind == "too_short" else "at most"
        size = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        text = say.must_be(f"a list of {bound} {size} item(s)", found)
    elif kind == "value_error":
        text = err["msg"].removeprefix("Value error, ")
    else:
        text = f"{err['msg'][:1].lower()}{err['msg'][1:]}, got {say.shown(found)}"
    return f"{place.path}: {text}" if place.path else text
