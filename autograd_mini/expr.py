"""Safe arithmetic expressions over named scalars, checked against a whitelist with ``ast``.

Nothing is ever passed to ``eval``: the syntax tree is checked node by node and then
interpreted with the library's differentiable functions. Identical subexpressions are built
once, so ``x*y - log(1 + exp(x*y))`` gives one shared ``x*y`` node.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Callable, Collection, Mapping
from typing import Any

from . import functional as F
from .tensor import Tensor

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExprError",
    "evaluate",
    "parse_assignment",
    "parse_expression",
]

MAX_LENGTH = 1000  #: longest expression accepted, in characters
MAX_DEPTH = 32  #: deepest nesting of operations accepted
MAX_NODES = 400  #: most operations, names and numbers in one expression

#: The functions an expression may call (one positional argument each).
FUNCTIONS: dict[str, Callable[[Any], Tensor]] = {
    "exp": F.exp, "log": F.log, "log1p": F.log1p, "sqrt": F.sqrt, "tanh": F.tanh,
    "sigmoid": F.sigmoid, "relu": F.relu, "softplus": F.softplus,
    "log_sigmoid": F.log_sigmoid, "abs": F.abs, "square": F.square,
}

_BINARY: dict[type, Callable[[Any, Any], Tensor]] = {
    ast.Add: F.add, ast.Sub: F.sub, ast.Mult: F.mul, ast.Div: F.div, ast.Pow: F.pow,
}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
           ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
           ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
           ast.Invert: "~", ast.Not: "not"}
_WHAT = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "generator expressions",
    ast.Compare: "comparisons", ast.BoolOp: "'and' / 'or'", ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignments", ast.Starred: "starred arguments", ast.List: "lists",
    ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets", ast.JoinedStr: "f-strings",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
}


class ExprError(ValueError):
    """An expression or a ``name=value`` assignment was refused; the message says why."""


def _refuse(node: ast.AST) -> ExprError:
    if isinstance(node, ast.Constant):
        kind = type(node.value).__name__
        what = {"str": "strings", "bytes": "bytes", "bool": "True / False",
                "NoneType": "None", "complex": "complex numbers"}.get(kind, kind)
        return ExprError(f"not allowed in an expression: {what}")
    what = _WHAT.get(type(node), type(node).__name__)
    return ExprError(f"not allowed in an expression: {what} (only numbers, variables, "
                     "+ - * / ** and the functions " + ", ".join(FUNCTIONS) + ")")


def parse_expression(text: str, variables: Collection[str]) -> ast.expr:
    """Parse and check ``text``; raise ExprError unless every node is on the whitelist."""
    if not isinstance(text, str):
        raise ExprError(f"the expression must be a string, got {type(text).__name__}")
    text = text.strip()
    if not text:
        raise ExprError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    depth = 0
    for ch in text:  # refuse deep brackets before the parser sees them
        depth += (ch in "([{") - (ch in ")]}")
        if depth > MAX_DEPTH:
            raise ExprError(f"the expression nests more than {MAX_DEPTH} levels deep")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"invalid syntax: {exc.msg} (column {exc.offset})") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExprError(f"cannot parse the expression: {type(exc).__name__}") from None
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, level = stack.pop()
        count += 1
        if level > MAX_DEPTH:
            raise ExprError(f"the expression nests more than {MAX_DEPTH} levels deep")
        if count > MAX_NODES:
            raise ExprError(f"the expression has more than {MAX_NODES} parts")
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                sym = _SYMBOL.get(type(node.op), type(node.op).__name__)
                raise ExprError(f"the operator {sym!r} is not allowed (only + - * / **)")
            stack += [(node.left, level + 1), (node.right, level + 1)]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                sym = _SYMBOL.get(type(node.op), type(node.op).__name__)
                raise ExprError(f"the operator {sym!r} is not allowed (only unary - and +)")
            stack.append((node.operand, level + 1))
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExprError("only the library's functions may be called, by name")
            if node.func.id not in FUNCTIONS:
                raise ExprError(f"calling {node.func.id!r} is not allowed; the functions are "
                                + ", ".join(FUNCTIONS))
            if node.keywords:
                raise ExprError(f"{node.func.id}() takes no keyword arguments")
            if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                raise ExprError(f"{node.func.id}() takes exactly one argument")
            stack.append((node.args[0], level + 1))
        elif isinstance(node, ast.Name):
            if node.id not in variables:
                hint = " (it is a function: call it)" if node.id in FUNCTIONS else (
                    f"; give it a value with {node.id}=VALUE")
                raise ExprError(f"unknown name {node.id!r}{hint}")
        elif isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _refuse(node)
        else:
            raise _refuse(node)
    return tree.body


def _float(v: Any) -> float:
    try:
        return float(v)
    except OverflowError:
        raise ExprError("a number in the expression is too large") from None


def evaluate(text: str, variables: Mapping[str, Tensor]) -> Tensor:
    """Check ``text`` and compute it with tensors; equal subexpressions share one node."""
    if not isinstance(variables, Mapping) or not all(
            isinstance(k, str) and isinstance(v, Tensor) for k, v in variables.items()):
        raise TypeError("evaluate: variables must map names (str) to Tensors, got "
                        f"{variables!r:.80}")
    tree = parse_expression(text, frozenset(variables))
    memo: dict[Any, tuple[Any, Tensor]] = {}

    def run(node: ast.expr) -> tuple[Any, Tensor]:
        if isinstance(node, ast.Constant):
            number = _float(node.value)
            key: Any = ("num", repr(number))
            if key not in memo:
                memo[key] = (key, Tensor(number))
            return memo[key]
        if isinstance(node, ast.Name):
            key = ("var", node.id)
            if key not in memo:
                memo[key] = (key, variables[node.id])
            return memo[key]
        if isinstance(node, ast.BinOp):
            (ka, a), (kb, b) = run(node.left), run(node.right)
            key = ("bin", type(node.op).__name__, ka, kb)
            if key not in memo:
                memo[key] = (key, _BINARY[type(node.op)](a, b))
            return memo[key]
        if isinstance(node, ast.UnaryOp):
            ka, a = run(node.operand)
            if isinstance(node.op, ast.UAdd):
                return ka, a
            key = ("neg", ka)
            if key not in memo:
                memo[key] = (key, F.neg(a))
            return memo[key]
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        ka, a = run(node.args[0])
        key = ("call", node.func.id, ka)
        if key not in memo:
            memo[key] = (key, FUNCTIONS[node.func.id](a))
        return memo[key]

    return run(tree)[1]


def parse_assignment(text: str) -> tuple[str, float]:
    """``"x=1.5"`` -> ``("x", 1.5)``; the name must be an identifier that is not a function."""
    if not isinstance(text, str):
        raise ExprError(f"expected NAME=VALUE as a string, got {type(text).__name__}")
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name:
        raise ExprError(f"expected NAME=VALUE, got {text!r}")
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("__"):
        raise ExprError(f"{name!r} is not a valid variable name")
    if name in FUNCTIONS:
        raise ExprError(f"{name!r} is a function name and cannot be a variable")
    try:
        number = float(value)
    except ValueError:
        raise ExprError(f"the value of {name} must be a number, got {value!r}") from None
    return name, number
