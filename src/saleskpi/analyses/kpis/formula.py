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

import ibis

from saleskpi.errors import UsageError

__all__ = ["measures_of", "build"]

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


def build(text: str, columns) -> ibis.Value:
    """Formula ``text`` as a float expression over ``columns`` (measure name -> column)."""

    def expr(node: ast.expr):
        if isinstance(node, ast.Name):
            return columns[node.id].cast("float64")
        if isinstance(node, ast.Constant):
            return ibis.literal(float(node.value), "float64")
        if isinstance(node, ast.UnaryOp):
            inner = expr(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        left, right = expr(node.left), expr(node.right)
        op = _OPS[type(node.op)]
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        return ibis.cases((right > 0, left / right), else_=ibis.null("float64"))

    return expr(_parse(text))
