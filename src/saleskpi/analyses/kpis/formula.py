"""KPI formulas: arithmetic over measure names, parsed once and built as table expressions.

A formula is ``+ - * /``, parentheses, numbers and measure names (:data:`saleskpi.analyses.
measures.MEASURES`): ``margin / turnover_value``, ``class_a_customers_served /
class_a_customers``. It is parsed with Python's own expression grammar (``ast``, ``mode="eval"``)
and anything else -- a call, an attribute, a comparison -- is refused. A division is empty
where its denominator is not positive (unknown, never a division error); an empty measure makes
the whole value empty.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import Decimal

import ibis

from saleskpi.errors import UsageError

__all__ = ["measures_of", "build", "evaluate"]

_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def _parse(text: str) -> ast.expr:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise UsageError(f"'{text}' is not a formula: write measures, numbers, + - * / and parentheses, such "
                         "as 'margin / turnover_value'") from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.BinOp, ast.Name, ast.Load, ast.UnaryOp, ast.USub, ast.UAdd,
                             *_OPS)):
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            continue
        raise UsageError(f"'{text}' is not a formula: {ast.unparse(node)!r} is neither a measure, a number nor "
                         "+ - * /; write measures, numbers, + - * / and parentheses")
    return tree.body


def measures_of(text: str) -> list[str]:
    """The measure names in formula ``text``, in order of first use (UsageError if it is no formula)."""
    found = sorted((n.col_offset, n.id) for n in ast.walk(_parse(text)) if isinstance(n, ast.Name))
    return list(dict.fromkeys(name for _, name in found))


def _fold(node: ast.expr, name, number, negate, binary):
    """The value of the parsed formula ``node``: ``name(id)`` for a measure, ``number(x)`` for a
    constant, ``negate(v)`` for a leading minus and ``binary(op, left, right)`` for + - * / --
    the one walk that :func:`build` and :func:`evaluate` share."""
    if isinstance(node, ast.Name):
        return name(node.id)
    if isinstance(node, ast.Constant):
        return number(node.value)
    if isinstance(node, ast.UnaryOp):
        inner = _fold(node.operand, name, number, negate, binary)
        return negate(inner) if isinstance(node.op, ast.USub) else inner
    return binary(_OPS[type(node.op)], _fold(node.left, name, number, negate, binary),
                  _fold(node.right, name, number, negate, binary))


def build(text: str, columns) -> ibis.Value:
    """Formula ``text`` as a float expression over ``columns`` (measure name -> column)."""

    def binary(op: str, left, right):
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        return ibis.cases((right > 0, left / right), else_=ibis.null("float64"))

    return _fold(_parse(text), lambda n: columns[n].cast("float64"), lambda x: ibis.literal(float(x), "float64"),
                 lambda v: -v, binary)


def evaluate(text: str, values: Mapping[str, Decimal | None]) -> Decimal | None:
    """Formula ``text`` on one set of ``values`` (measure name -> exact value; None: unknown), in
    exact decimals, by the rules of :func:`build`: None where a measure is unknown or a
    denominator is not positive. The numbers are read through their shortest decimal form."""

    def binary(op: str, left, right):
        if left is None or right is None:
            return None
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        return left / right if right > 0 else None

    return _fold(_parse(text), lambda n: values[n], lambda x: Decimal(repr(x)),
                 lambda v: None if v is None else -v, binary)
