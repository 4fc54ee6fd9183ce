"""Fuzz the command line's expression parser: it accepts exactly its whitelist, safely."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import expr
from autograd_mini.cli import main
from autograd_mini.expr import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExprError, evaluate

ROOT = Path(__file__).resolve().parents[1]
VARIABLES = ("x", "y")

HOSTILE = [
    "__import__('os').system('echo pwned > {sentinel}')",
    "open('{sentinel}', 'w').write('x')",
    "x.__class__.__mro__[-1].__subclasses__()",
    "x.__class__", "x.data", "exp.__globals__", "(lambda: 1)()", "lambda: x",
    "[c for c in ()]", "{{c for c in ()}}", "(c for c in ())", "{{1: c for c in ()}}",
    "__builtins__", "globals()", "exec('1')", "eval('x')", "compile('1', '', 'eval')",
    "x if 1 else y", "(x := 1)", "x[0]", "x[::-1]", "f'{{x}}'", "'a' * 10**9", "b'x'",
    "[x] * 10**9", "(1, 2)", "{{}}", "x and y", "not x", "~x", "x @ y", "x << 100",
    "x ^ y", "x == y", "*x", "exp(*[x])", "exp(x=1)", "exp()", "exp(x, y)", "1j * x",
    "True * x", "None", "...", "await x", "x; y", "x\ny", "import os", "del x",
    "9" * (MAX_LENGTH + 1), "x" + " + x" * (MAX_LENGTH // 4), "(" * 100_000 + "x" + ")" * 100_000,
    "-" * 100_000 + "x", "exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
    "1" + "0" * 400, "x" * 10_000_000, "\x00", "x\x00", "\ufeffx +", "x +# comment",
]
#: allowed by the whitelist: arithmetic in float64, so even a tower of powers is instant
FLOAT_ONLY = ["9**9**9", "9.0**9**9**9", "-(2**1024)", "10**308 * 10**308"]


def test_hostile_input_is_refused_without_side_effects(tmp_path: Path) -> None:
    """Every snippet runs in a child process watched by an audit hook and a time bound:
    refused with ExprError, no file opened, no process started, nothing imported or executed.
    Float towers such as 9**9**9 are whitelisted arithmetic and give IEEE inf at once."""
    sentinel = tmp_path / "pwned"
    snippets = [s.format(sentinel=sentinel) for s in HOSTILE] + FLOAT_ONLY
    child = textwrap.dedent("""
        import json, sys
        import autograd_mini as am
        from autograd_mini.expr import ExprError, evaluate
        events = []
        WATCH = ("open", "os.", "subprocess", "exec", "import", "ctypes", "socket", "shutil")
        armed = False
        def hook(event, args):
            if armed and event.startswith(WATCH):
                events.append(event)
        sys.addaudithook(hook)
        snippets = json.loads(sys.stdin.read())
        results = []
        for text in snippets:
            x = am.Tensor(1.5, requires_grad=True)
            y = am.Tensor(-0.5, requires_grad=True)
            armed = True
            try:
                out = evaluate(text, {"x": x, "y": y})
                kind, value = "value", float(out.item())
            except ExprError as exc:
                kind, value = "refused", str(exc)
            except Exception as exc:
                kind, value = type(exc).__name__, str(exc)
            armed = False
            results.append([kind, repr(value)[:200], events[:]])
            events.clear()
        print(json.dumps(results))
    """)
    proc = subprocess.run([sys.executable, "-c", child], input=json.dumps(snippets),
                          capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout)
    for text, (kind, value, events) in zip(snippets, results, strict=True):
        assert events == [], f"{text[:60]!r} triggered {events}"
        if text in FLOAT_ONLY:
            assert kind == "value" and not np.isfinite(float(value)), (text, kind, value)
        else:
            assert kind == "refused", f"{text[:60]!r} gave {kind}: {value}"
    assert not sentinel.exists()


# ----------------------------------------------------------------------------- an oracle
def whitelisted(text: str) -> bool | None:
    """Independent judgement: True if every node of ``text`` is allowed, False if some node is
    not (or it does not parse), None if it is allowed but near the size limits."""
    if not text.strip() or len(text.strip()) > MAX_LENGTH:
        return False if not text.strip() else None
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    nodes = list(ast.walk(tree.body))
    for node in nodes:
        if isinstance(node, ast.BinOp):
            ok = isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow))
        elif isinstance(node, ast.UnaryOp):
            ok = isinstance(node.op, (ast.UAdd, ast.USub))
        elif isinstance(node, ast.Call):
            ok = (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
                  and len(node.args) == 1 and not node.keywords
                  and not isinstance(node.args[0], ast.Starred))
        elif isinstance(node, ast.Name):
            ok = node.id in VARIABLES or (node.id in FUNCTIONS and any(
                isinstance(c, ast.Call) and c.func is node for c in nodes))
        elif isinstance(node, ast.Constant):
            ok = isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
        else:
            ok = isinstance(node, (ast.operator, ast.unaryop, ast.Load))
        if not ok:
            return False
    return None if len(nodes) > 40 or text.count("(") > MAX_DEPTH // 2 else True


# allowed pieces are listed several times so that about half of the expressions pass
_ATOMS = st.sampled_from(["x", "y", "1", "2.5", "0", "1e308"] * 6 + [
    "z", "True", "'s'", "None", "1j", "x.data", "[x]", "exp", "()"])
_BINOPS = st.sampled_from(["+", "-", "*", "/", "**"] * 8 + ["%", "//", "@", "<", "and", "|"])
_FUNCS = st.sampled_from([*FUNCTIONS] * 3 + ["eval", "print", "__import__", "x.__class__"])


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(inner, _BINOPS, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    call = st.tuples(_FUNCS, inner).map(lambda t: f"{t[0]}({t[1]})")
    return st.one_of(
        binary, call, binary, call,
        st.tuples(st.sampled_from(["-", "+", "-", "+", "not ", "~"]), inner).map("".join),
        st.tuples(_FUNCS, inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(inner, st.sampled_from(["[0]", ".real", "()", " if x else y"])).map("".join),
    )


EXPRESSIONS = st.recursive(_ATOMS, _grow, max_leaves=12)


def _check(text: str) -> None:
    variables = {"x": am.Tensor(0.7, requires_grad=True), "y": am.Tensor(1.3, requires_grad=True)}
    verdict = whitelisted(text)
    try:
        out = evaluate(text, variables)
    except ExprError:
        assert verdict is not True, f"{text!r} is whitelisted but was refused"
        return
    assert verdict is not False, f"{text!r} is not whitelisted but was evaluated"
    assert isinstance(out, am.Tensor) and out.shape == ()
    if out.requires_grad:
        out.backward()


@given(EXPRESSIONS)
def test_generated_expressions_are_accepted_exactly_when_whitelisted(text: str) -> None:
    _check(text)


@given(st.text(max_size=60) | st.text(alphabet="xy()+-*/*.,0123456789eaxp_ ", max_size=60))
def test_random_text_is_refused_or_evaluated(text: str) -> None:
    _check(text)


def test_no_evaluation_happens_before_the_whole_expression_is_checked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def spy(name: str, fn: Any) -> Any:
        return lambda *args: calls.append(name) or fn(*args)  # type: ignore[func-returns-value]

    monkeypatch.setattr(expr, "FUNCTIONS", {k: spy(k, f) for k, f in FUNCTIONS.items()})
    monkeypatch.setattr(expr, "_BINARY", {k: spy(k.__name__, f) for k, f in expr._BINARY.items()})
    x = am.Tensor(1.0)
    for text in ["exp(x) + x.__class__", "exp(x) * 2 + (lambda: 1)()", "log(x) - eval('1')",
                 "tanh(x) + x[0]", "x * 2 + unknown"]:
        with pytest.raises(ExprError):
            evaluate(text, {"x": x})
        assert calls == [], f"{text!r} ran {calls} before being refused"
    assert evaluate("exp(x) * 2", {"x": x}).item() == pytest.approx(2 * np.e)
    assert calls == ["exp", "Mult"]


@given(st.one_of(st.text(max_size=30), st.none(), st.integers(), st.binary(max_size=5)))
def test_parse_assignment_refuses_junk(text: Any) -> None:
    try:
        name, value = expr.parse_assignment(text)
    except ExprError:
        return
    assert isinstance(text, str) and name.isidentifier() and isinstance(value, float)


@given(variables=st.one_of(st.none(), st.just({"x": 1.5}), st.just({1: am.Tensor(1.0)}),
                           st.just([("x", am.Tensor(1.0))])))
def test_evaluate_refuses_variables_that_are_not_tensors(variables: Any) -> None:
    with pytest.raises(TypeError, match="evaluate: variables"):
        evaluate("x + 1", variables)


@given(args=st.lists(st.one_of(
    st.sampled_from(["graph", "x*y", "x=1.5", "y=-0.5", "--plain", "--explain", "--rankdir",
                     "LR", "--precision", "-3", "0", "99", "--help", "x=nan", "y=inf"]),
    st.text(max_size=12)), max_size=7))
def test_command_line_never_shows_a_traceback(args: list[str]) -> None:
    # never let it write a file: -o, -oFILE, --output and its abbreviations
    args = [a for a in args if not a.startswith(("-o", "--o"))]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    assert code in (0, 2)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    if code == 2:
        text = err.getvalue()
        assert text.startswith("autograd-mini: error: ") and len(text.strip().splitlines()) == 1
