"""A safe arithmetic evaluator: numbers, + - * / // % **, parentheses and signs, nothing else.

The expression is parsed into Python's syntax tree and walked here, node by node; it is
never given to ``eval`` or ``exec``. Any node other than a number, one of the operators
above, or a sign is refused with a message that says what is allowed, so a model reading the
error can correct its call. Sizes are bounded before they are computed: an integer result
may have at most ``MAX_BITS`` bits (a power is checked from the sizes of its operands, so
``9**9**9`` is refused at once instead of running for hours), a float result must be finite,
and the expression itself at most ``MAX_LENGTH`` characters.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

MAX_LENGTH = 500
MAX_BITS = 4096
"""About 1,233 decimal digits: plenty for arithmetic, far from a hung process."""

_ALLOWED = "numbers, + - * / // % **, parentheses and signs"
Number = int | float

_BINARY: dict[type[ast.operator], tuple[str, Callable[[Number, Number], Number]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.FloorDiv: ("//", operator.floordiv),
    ast.Mod: ("%", operator.mod),
    ast.Pow: ("**", operator.pow),
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_REFUSED: dict[type[ast.AST], str] = {
    ast.Name: "names",
    ast.Attribute: "attributes",
    ast.Call: "function calls",
    ast.Subscript: "subscripts",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and' and 'or'",
    ast.Lambda: "lambdas",
}


class CalculationError(ValueError):
    """The expression is not allowed, not valid, or its result is out of bounds."""


def evaluate(expression: str) -> Number:
    """The value of ``expression``; raises ``CalculationError`` saying what is wrong."""
    if not isinstance(expression, str):
        raise CalculationError(f"the expression must be text, not {type(expression).__name__}")
    text = expression.strip()
    if not text:
        raise CalculationError(f"the expression is empty; write one with {_ALLOWED}")
    if len(text) > MAX_LENGTH:
        raise CalculationError(f"the expression is longer than {MAX_LENGTH} characters")
    text = text.replace("\u00d7", "*").replace("\u00f7", "/").replace("\u2212", "-")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise CalculationError(
            f"{expression!r} is not a valid arithmetic expression; use {_ALLOWED}"
        ) from None
    try:
        value = _value(tree.body)
    except ZeroDivisionError:
        raise CalculationError("division by zero") from None
    except (OverflowError, RecursionError):
        raise CalculationError("the result is too large to compute") from None
    return _checked(value)


def format_number(value: Number) -> str:
    """``5`` for 5 and 5.0, ``0.3`` for 0.1 + 0.2: twelve significant digits for floats."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".12g")
    return str(value)


def _value(node: ast.expr) -> Number:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CalculationError(f"{value!r} is not a number; only {_ALLOWED} are allowed")
        return _checked(value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_value(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        symbol, apply = _BINARY[type(node.op)]
        left, right = _value(node.left), _value(node.right)
        if symbol == "**":
            _check_power(left, right)
        return _checked(apply(left, right))
    raise CalculationError(_refusal(node))


def _check_power(base: Number, exponent: Number) -> None:
    # |base| >= 2**(bits - 1), so the result has at least (bits - 1) * exponent bits.
    whole = isinstance(base, int) and isinstance(exponent, int) and exponent > 0
    if whole and (abs(int(base)).bit_length() - 1) * exponent > MAX_BITS:
        raise CalculationError(
            f"the result of {_short(base)} ** {_short(exponent)} would have more than "
            f"{MAX_BITS} bits; use smaller numbers"
        )
    if base < 0 and isinstance(exponent, float) and not exponent.is_integer():
        raise CalculationError(
            "a negative number to a fractional power is not a real number; "
            "only real results are supported"
        )


def _checked(value: Number) -> Number:
    if isinstance(value, float) and not math.isfinite(value):
        raise CalculationError("the result is too large to compute (it is not finite)")
    if isinstance(value, int) and value.bit_length() > MAX_BITS:
        raise CalculationError(f"the result has more than {MAX_BITS} bits; use smaller numbers")
    return value


def _refusal(node: ast.AST) -> str:
    shown = _short(ast.unparse(node))
    for kind, label in _REFUSED.items():
        if isinstance(node, kind):
            return f"{label} are not allowed ({shown}); only {_ALLOWED} are"
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        return f"the operator in {shown!r} is not allowed; only {_ALLOWED} are"
    return f"{shown!r} is not allowed; only {_ALLOWED} are"


def _short(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
