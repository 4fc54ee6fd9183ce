"""The ``autograd-mini graph`` command and its whitelisted expression parser."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.cli import main
from autograd_mini.expr import MAX_DEPTH, MAX_LENGTH, ExprError, evaluate, parse_assignment
from autograd_mini.graphview import graph_view

ROOT = Path(__file__).resolve().parents[1]
NOTES = "x*y - log(1 + exp(x*y))"


def need_dot() -> None:
    """Rendering needs Graphviz's dot: a failure under CI, a skip elsewhere."""
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's 'dot' is required for the render tests when CI is set")
        pytest.skip("Graphviz's 'dot' is not installed")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_graph_prints_value_and_gradients(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "notes.dot"
    code, out, err = run(["graph", NOTES, "x=1.5", "y=-0.5", "-o", str(target)], capsys)
    assert (code, err) == (0, "")
    x, y = 1.5, -0.5
    s = 1 / (1 + math.exp(-x * y))
    lines = dict(line.split(" = ", 1) for line in out.splitlines() if " = " in line)
    assert float(lines["f"]) == pytest.approx(x * y - math.log1p(math.exp(x * y)), rel=1e-15)
    assert float(lines["df/dx"]) == pytest.approx((1 - s) * y, rel=1e-14)
    assert float(lines["df/dy"]) == pytest.approx((1 - s) * x, rel=1e-14)
    assert out.rstrip().endswith(f"wrote {target}")
    dot = target.read_text(encoding="utf-8")
    assert dot.startswith("digraph")
    # the notes' DAG: seven variables, x*y built once and used twice
    assert sorted(set(re.findall(r"<B>(v\d+)</B>", dot))) == [f"v{i}" for i in range(1, 8)]
    assert dot.count("<B>mul</B>") == 1 and dot.count("<B>exp</B>") == 1
    assert "v̄7" in dot


@pytest.mark.parametrize(("suffix", "magic"), [
    (".svg", b"<svg"), (".png", b"\x89PNG\r\n\x1a\n"), (".pdf", b"%PDF-"),
])
def test_graph_renders_files(suffix: str, magic: bytes, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    need_dot()
    target = tmp_path / f"g{suffix}"
    code, _, err = run(["graph", NOTES, "x=1.5", "y=-0.5", "-o", str(target)], capsys)
    assert (code, err) == (0, "")
    data = target.read_bytes()
    if suffix == ".svg":
        assert data.startswith(b"<?xml") and magic in data[:500]
    else:
        assert data.startswith(magic)


def test_missing_dot_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(["graph", "x", "x=1", "-o", str(tmp_path / "a.svg")], capsys)
    assert code == 2 and "dot" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "a.svg").exists()


UNSAFE = [
    "__import__('os').system('touch {sentinel}')",
    "open('{sentinel}', 'w')",
    "x.__class__",
    "exp.__globals__",
    "[x for x in (1, 2)]",
    "lambda: x",
    "x[0]",
    "'{sentinel}'",
    "exp(x=1)",
    "exp(*x)",
    "import os",
    "(y := 2)",
    "x if x else 1",
    "x % 2",
    "x // 2",
    "x < 1",
    "{{1: 2}}",
    "eval('1')",
    "print(x)",
    "True + x",
    "unknown + x",
    "x" + "+x" * (MAX_LENGTH // 2),
    "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
    "exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
    "",
]


@pytest.mark.parametrize("expr", UNSAFE)
def test_refuses_unsafe_expressions(expr: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    sentinel = tmp_path / "evaluated"
    target = tmp_path / "out.dot"
    text = expr.format(sentinel=sentinel)
    code, out, err = run(["graph", text, "x=1.0", "-o", str(target)], capsys)
    assert code == 2
    assert err.startswith("autograd-mini: error: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and out == ""
    assert not sentinel.exists() and not target.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["graph", "x", "x"], "NAME=VALUE"),
    (["graph", "x", "x=abc"], "must be a number"),
    (["graph", "x", "x=1", "x=2"], "twice"),
    (["graph", "x", "exp=1"], "function name"),
    (["graph", "x", "for=1"], "not a valid variable name"),
    (["graph", "x", "x=1", "-o", "f.txt"], "format"),
    (["graph", "x", "x=1", "-o", "no/such/folder/f.svg"], "does not exist"),
    (["graph", "x", "x=1", "--precision", "0"], "precision"),
    (["graph", "x", "x=1", "--rankdir", "XY"], "invalid choice"),
    (["nosuchcommand"], "invalid choice"),
    (["demo", "--seed", "-5"], "argument --seed: expected an int >= 0, got '-5'"),
    (["gradcheck", "--seed", "x"], "argument --seed: expected an int >= 0, got 'x'"),
    (["demo", "--out", __file__, "--no-progress"], "File exists"),
    ([], "required"),
])
def test_usage_errors_are_one_line(args: list[str], message: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(args, capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_help_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["graph", "--help"], capsys)
    assert code == 0 and "NAME=VALUE" in out
    code, out, _ = run(["graph", NOTES, "x=1.5", "y=-0.5", "--explain"], capsys)
    assert code == 0 and "v̄3 = 1 − 0.3208 = 0.6792   (from v7, v4)" in out
    code, out, _ = run(["graph", " -x + 2", "x=3", "z=1"], capsys)
    assert code == 0 and "f = -1.0" in out and "df/dx = -1.0" in out
    assert "df/dz = 0.0   (z does not appear in f)" in out


def test_subprocess_entry_point(tmp_path: Path) -> None:
    need_dot()
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    target = tmp_path / "notes.svg"
    ok = subprocess.run(
        [sys.executable, "-m", "autograd_mini.cli", "graph", NOTES, "x=1.5", "y=-0.5",
         "-o", str(target)], capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert "df/dx = -0.33958934958" in ok.stdout
    assert target.read_bytes().lstrip().startswith(b"<?xml")
    bad = subprocess.run(
        [sys.executable, "-m", "autograd_mini.cli", "graph", "__import__('os')", "x=1"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1 and "__import__" in bad.stderr


def test_options_may_come_before_the_values(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["graph", "x*y", "-o", str(tmp_path / "g.dot"), "x=1", "y=2"], capsys)
    assert code == 0 and err == "" and "df/dy = 1.0" in out
    code, out, err = run(["graph", "x*y", "x=1", "--explain", "y=2"], capsys)
    assert code == 0 and "Reverse sweep" in out
    code, out, err = run(["graph", "x", "x=1", "--bogus"], capsys)
    assert code == 2 and "unrecognized arguments: --bogus" in err


def test_a_terminal_that_is_not_utf8_gets_replacement_characters(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "cp1252",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "autograd_mini", "graph", "x*y", "x=1", "y=2",
                           "--explain"], capture_output=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # (it stopped with a codec error)
    assert b"Reverse sweep" in done.stdout


@pytest.mark.parametrize(("expr", "where"), [("x**", "at the end"), (" x +* y", "column 5"),
                                              ("x +* y", "column 4")])
def test_syntax_errors_point_at_what_was_typed(expr: str, where: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["graph", expr, "x=1", "y=2"], capsys)
    assert code == 2 and f"invalid syntax: invalid syntax ({where})" in err


def test_explain_checks_its_precision() -> None:
    x = am.Tensor(1.0, requires_grad=True)
    for bad in (-1, 0, "3", 18):
        with pytest.raises(ValueError, match="explain_backward: precision must be an int"):
            am.explain_backward(x * 2, precision=bad)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- the parser
def test_identical_subexpressions_share_one_node() -> None:
    x = am.Tensor(0.3, requires_grad=True)
    y = am.Tensor(2.0, requires_grad=True)
    f = evaluate("exp(x*y) + exp(x*y) * (x*y) - sqrt(x*y + 1) + (x*y + 1)", {"x": x, "y": y})
    ops = [t._node.op.name for t in graph_view(f).order if t._node is not None]
    assert ops.count("mul") == 2 and ops.count("exp") == 1 and ops.count("sqrt") == 1
    assert ops.count("add") == 3
    g = evaluate("x*y + y*x", {"x": x, "y": y})  # argument order matters: two products
    assert [t._node.op.name for t in graph_view(g).order if t._node].count("mul") == 2


@pytest.mark.parametrize(("expr", "want"), [
    ("x ** 2 / y - -x", lambda x, y: x**2 / y + x),
    ("+x * 1e-3 + 2", lambda x, y: x * 1e-3 + 2),
    ("log1p(abs(x)) + tanh(y) + sigmoid(x)", lambda x, y: (
        math.log1p(abs(x)) + math.tanh(y) + 1 / (1 + math.exp(-x)))),
    ("relu(x) + softplus(y) + log_sigmoid(x)", lambda x, y: (
        max(x, 0) + math.log1p(math.exp(y)) + math.log(1 / (1 + math.exp(-x))))),
    ("square(y) + sqrt(y)", lambda x, y: y * y + math.sqrt(y)),
])
def test_evaluate_matches_python(expr: str, want: object) -> None:
    x, y = 0.7, 1.3
    got = evaluate(expr, {"x": am.Tensor(x), "y": am.Tensor(y)})
    assert got.item() == pytest.approx(want(x, y), rel=1e-14)  # type: ignore[operator]


def test_long_flat_expressions_are_not_nesting(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Nesting is what brackets and calls open: a sum of 100 terms or 40 unary minuses is
    flat, evaluated iteratively (it was refused as "more than 32 levels deep")."""
    names = [f"x{i}" for i in range(100)]
    values = {n: am.Tensor(float(i), requires_grad=True) for i, n in enumerate(names)}
    f = evaluate("+".join(f"{n}*{n}" for n in names), values)
    assert f.item() == sum(i * i for i in range(100))
    f.backward()
    assert [float(values[n].grad) for n in names] == [2.0 * i for i in range(100)]  # type: ignore[arg-type]
    assert evaluate("-" * 41 + "x", {"x": am.Tensor(1.5)}).item() == -1.5
    code, out, err = run(["graph", " + ".join(names[:40]), *(f"{n}=1" for n in names[:40]),
                          "-o", str(tmp_path / "sum.dot")], capsys)
    assert code == 0 and err == "" and "40" in out


def test_explain_on_a_constant_says_there_is_nothing_to_explain(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["graph", "2*3", "--explain"], capsys)
    assert code == 0 and err == "" and out.startswith("f = 6.0")
    assert "no backward pass to explain: f does not depend on any variable" in out


def test_names_are_read_as_python_reads_them(capsys: pytest.CaptureFixture[str]) -> None:
    """The expression's identifiers are NFKC-normalised by Python's parser; NAME=VALUE too."""
    assert parse_assignment("ℎ=2") == ("h", 2.0)
    code, out, err = run(["graph", "ℎ * 3", "ℎ=2"], capsys)
    assert code == 0 and err == "" and "df/dh = 3.0" in out


def test_parse_assignment() -> None:
    assert parse_assignment(" x = -0.5 ") == ("x", -0.5)
    assert parse_assignment("w2=1e3") == ("w2", 1000.0)
    assert np.isinf(parse_assignment("a=inf")[1])
    for bad in ["=1", "x", "1x=2", "x=", "__class__=1", "log=2"]:
        with pytest.raises(ExprError):
            parse_assignment(bad)
    with pytest.raises(ExprError, match="too large"):
        evaluate("1" + "0" * 400, {})


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"autograd-mini {am.__version__}" and not err


@pytest.mark.parametrize(("module", "project"), [("matplotlib", "matplotlib"),
                                                 ("sklearn", "scikit-learn")])
def test_demo_without_its_extra_says_what_to_install(
    module: str, project: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import fails, find_spec finds nothing
    code, out, err = run(["demo", "--out", str(tmp_path / "out"), "--no-progress"], capsys)
    assert code == 2 and not out
    assert err.count("\n") == 1 and project in err
    assert f"pip install {project} (or, in the repository, bash scripts/setup.sh demo)" in err
    assert not (tmp_path / "out").exists()  # refused before doing any work
