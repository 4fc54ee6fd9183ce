"""Higher order, drawn: the graph a recorded backward pass (create_graph=True) builds, with its
VJP nodes told apart from the forward pass and the second derivative shown on the input."""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.backward import backward
from autograd_mini.graphview import VJP_SCOPE
from autograd_mini.viz import draw_graph
from autograd_mini.viz_labels import STYLES
from autograd_mini.viz_steps import backprop_steps

VJP_FILL = STYLES["vjp_op"]["fillcolor"]
OP_FILL = STYLES["op"]["fillcolor"]


def variables(source: str) -> dict[str, list[str]]:
    """DOT node id -> the plain-text cells of a variable's label."""
    out = {}
    for node, label in re.findall(r"^\s*(t\d+) \[label=(<<TABLE.*?</TABLE>>)", source, re.M):
        out[node] = [html.unescape(re.sub(r"<[^>]*>", "", c)).strip()
                     for c in re.findall(r"<TD[^>]*>(.*?)</TD>", label)]
    return out


def ops(source: str) -> list[tuple[str, bool]]:
    """(op name, drawn as a VJP node) for every op node, in drawing order."""
    found = re.findall(r"^\s*op\d+ \[label=<<B>(\w+)</B>(.*?)> .*fillcolor=\"(#\w+)\"", source,
                       re.M)
    for _, extra, fill in found:
        assert ("vjp" in extra) == (fill == VJP_FILL) and fill in (VJP_FILL, OP_FILL)
    return [(name, fill == VJP_FILL) for name, _, fill in found]


def cube_at_two() -> tuple[am.Tensor, am.Tensor]:
    x = am.Tensor(2.0, requires_grad=True, name="x")
    y = x**3
    y.backward(create_graph=True)
    return x, y


def test_grad_of_grad_of_cube_is_drawn_with_the_second_derivative() -> None:
    x, y = cube_at_two()
    assert x.grad is not None and x.grad.requires_grad
    src = draw_graph(x.grad, forward=y, precision=12).source
    var = variables(src)
    leaf = next(c for c in var.values() if c[0] == "x")
    out = var[max(var, key=lambda n: int(n[1:]))]
    assert float(out[out.index("value") + 1]) == pytest.approx(12.0)  # f'(2) = 3·2²
    assert float(leaf[leaf.index("adjoint") + 1]) == pytest.approx(12.0)  # f''(2) = 6·2
    (want,) = backward(x.grad, inputs=[x], retain_graph=True)
    assert float(want) == pytest.approx(12.0)
    drawn = ops(src)
    assert drawn and all(is_vjp for _, is_vjp in drawn)  # x³'s VJP uses x only: all VJP
    assert "vjp" in src


def test_vjp_scope_marks_the_backward_pass_without_forward() -> None:
    x = am.Tensor(2.0, requires_grad=True, name="x")
    y = x**3
    with am.name_scope(VJP_SCOPE):
        y.backward(create_graph=True)
    assert x.grad is not None
    src = draw_graph(x.grad).source
    assert all(is_vjp for _, is_vjp in ops(src))
    assert "cluster" not in src  # the marker is not drawn as a module scope
    assert src == draw_graph(x.grad, forward=y).source


def test_a_recorded_backward_runs_in_the_vjp_scope_by_itself() -> None:
    x, y = cube_at_two()  # a plain backward(create_graph=True), no scope by hand
    assert x.grad is not None and x.grad.grad_fn is not None
    assert VJP_SCOPE in x.grad.grad_fn.scope
    assert am.current_scope() == ()  # the scope ends with the backward pass
    src = draw_graph(x.grad).source
    assert all(is_vjp for _, is_vjp in ops(src)) and "cluster" not in src
    assert src == draw_graph(x.grad, forward=y).source


@pytest.mark.parametrize("x0", [-1.0, 0.5, 2.0])
def test_forward_nodes_stay_forward(x0: float) -> None:
    x = am.Tensor(x0, requires_grad=True, name="x")
    y = am.exp(x) * x  # exp's VJP reuses its output: the forward exp node is in x.grad's graph
    y.backward(create_graph=True)
    assert x.grad is not None
    src = draw_graph(x.grad, forward=y, precision=15).source
    drawn = ops(src)
    assert ("exp", False) in drawn
    assert sum(is_vjp for _, is_vjp in drawn) == len(drawn) - 1
    leaf = next(c for c in variables(src).values() if c[0] == "x")
    assert float(leaf[leaf.index("adjoint") + 1]) == pytest.approx(math.exp(x0) * (x0 + 2))
    assert not any(is_vjp for _, is_vjp in ops(draw_graph(y).source))


def test_frames_of_the_backward_graph() -> None:
    x, y = cube_at_two()
    assert x.grad is not None
    frames = [g.source for g in backprop_steps(x.grad, forward=y)]
    assert frames[-1] == draw_graph(x.grad, forward=y).source
    assert all(VJP_FILL in f for f in frames)


def test_vector_grad_of_grad() -> None:
    w = am.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True, name="w")
    y = am.sum(w**3)
    y.backward(create_graph=True)
    assert w.grad is not None
    src = draw_graph(w.grad, forward=y, grad=np.ones(3), precision=12).source
    leaf = next(c for c in variables(src).values() if c[0] == "w")
    got = [float(s) for s in re.findall(r"-?\d+\.?\d*", leaf[leaf.index("adjoint") + 1])]
    np.testing.assert_allclose(got, 6 * w.data)


def test_forward_must_be_a_tensor() -> None:
    x, _ = cube_at_two()
    assert x.grad is not None
    with pytest.raises(TypeError, match="forward must be a Tensor"):
        draw_graph(x.grad, forward=3.0)  # type: ignore[arg-type]
