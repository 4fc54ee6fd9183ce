"""Safe arithmetic expressions over named scalars, checked against a whitelist with ``ast``.

Nothing is ever passed to ``eval``: the syntax tree is checked node by node and then
interpreted with the library's differentiable functions. Identical subexpressions are built
once, so ``x*y - log(1 + exp(x*y))`` gives one shared ``x*y`` node.
"""

from __future__ import annotations

import ast
import keyword
import unicodedata
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
MAX_DEPTH = 32  #: deepest nesting of brackets (parentheses and calls) accepted
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
    lead = len(text) - len(text.lstrip())  # (columns count from what the user typed)
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
        where = (f"column {exc.offset + lead}" if exc.offset and exc.offset <= len(text)
                 else "at the end")
        raise ExprError(f"invalid syntax: {exc.msg} ({where})") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExprError(f"cannot parse the expression: {type(exc).__name__}") from None
    count = 0  # (nesting is bounded by the brackets above; a long flat sum nests nothing)
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExprError(f"the expression has more than {MAX_NODES} parts")
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                sym = _SYMBOL.get(type(node.op), type(node.op).__name__)
                raise ExprError(f"the operator {sym!r} is not allowed (only + - * / **)")
            stack += [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                sym = _SYMBOL.get(type(node.op), type(node.op).__name__)
                raise ExprError(f"the operator {sym!r} is not allowed (only unary - and +)")
            stack.append(node.operand)
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
            stack.append(node.args[0])
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
    memo: dict[Any, Tensor] = {}  # structural key -> its tensor
    keys: dict[int, Any] = {}  # id(AST node) -> its structural key, once computed
    stack: list[tuple[ast.expr, bool]] = [(tree, False)]
    while stack:  # post-order, iteratively: operands before the operation that reads them
        node, ready = stack.pop()
        parts = _operands(node)
        if not ready and parts:
            stack.append((node, True))
            stack += [(p, False) for p in reversed(parts)]
            continue
        ks = [keys[id(p)] for p in parts]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            keys[id(node)] = ks[0]
            continue
        key = _key(node, ks)
        if key not in memo:
            memo[key] = _compute(node, [memo[k] for k in ks], variables)
        keys[id(node)] = key
    return memo[keys[id(tree)]]


def _key(node: ast.expr, operands: list[Any]) -> Any:
    """What ``node`` computes, as a hashable structure: equal keys, equal values."""
    if isinstance(node, ast.Constant):
        return ("num", repr(_float(node.value)))
    if isinstance(node, ast.Name):
        return ("var", node.id)
    if isinstance(node, ast.BinOp):
        return ("bin", type(node.op).__name__, *operands)
    if isinstance(node, ast.UnaryOp):
        return ("neg", *operands)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    return ("call", node.func.id, *operands)


def _compute(node: ast.expr, args: list[Tensor], variables: Mapping[str, Tensor]) -> Tensor:
    """``node``'s value from its operands' values ``args``."""
    if isinstance(node, ast.Constant):
        return Tensor(_float(node.value))
    if isinstance(node, ast.Name):
        return variables[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](*args)
    if isinstance(node, ast.UnaryOp):
        return F.neg(*args)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    return FUNCTIONS[node.func.id](*args)


def _operands(node: ast.expr) -> list[ast.expr]:
    """The sub-expressions ``node`` computes from, in order."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def parse_assignment(text: str) -> tuple[str, float]:
    """``"x=1.5"`` -> ``("x", 1.5)``; the name must be an identifier that is not a function."""
    if not isinstance(text, str):
        raise ExprError(f"expected NAME=VALUE as a string, got {type(text).__name__}")
    name, sep, value = text.partition("=")
    # as Python's parser reads identifiers in the expression (so ℎ and h are one name)
    name, value = unicodedata.normalize("NFKC", name.strip()), value.strip()
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
