"""Drawings and traces after a plain backward(): every adjoint, recomputed from the leaves, and a
caption (not stale numbers) when a leaf changed since the forward pass."""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.explain import explain_backward, trace_backward
from autograd_mini.graphview import graph_view
from autograd_mini.viz import draw_graph
from autograd_mini.viz_steps import backprop_steps
from optim import SGD

BAR = "\u0304"
NUM = r"-?\d+(?:\.\d*)?(?:e[+-]?\d+)?"


def notes_example() -> tuple[am.Tensor, am.Tensor, am.Tensor]:
    x = am.Tensor(1.5, requires_grad=True, name="x")
    y = am.Tensor(-0.5, requires_grad=True, name="y")
    v3 = x * y
    return x, y, v3 - am.log(1 + am.exp(v3))


def eq_2_11(x: float = 1.5, y: float = -0.5) -> tuple[list[float], list[float]]:
    """v1..v7 (eq. 2.10) and v̄1..v̄7 (eq. 2.11) of the notes."""
    v3 = x * y
    v5 = 1 + math.exp(v3)
    b3 = 1 - math.exp(v3) / v5
    values = [x, y, v3, math.exp(v3), v5, math.log(v5), v3 - math.log(v5)]
    return values, [b3 * y, b3 * x, b3, -1 / v5, -1 / v5, -1.0, 1.0]


def cells_by_variable(source: str) -> dict[str, list[str]]:
    """v-number -> the plain-text cells of that variable's label in the DOT text."""
    out = {}
    for label in re.findall(r"\[label=(<<TABLE.*?</TABLE>>)", source):
        cells = [html.unescape(re.sub(r"<[^>]*>", "", c)).strip()
                 for c in re.findall(r"<TD[^>]*>(.*?)</TD>", label)]
        out[cells[0].split()[0]] = cells
    return out


def check_drawing(source: str) -> None:
    values, adjoints = eq_2_11()
    var = cells_by_variable(source)
    for i in range(1, 8):
        cells = var[f"v{i}"]
        assert float(cells[cells.index("value") + 1]) == pytest.approx(values[i - 1], rel=1e-12)
        assert float(cells[cells.index(f"v{BAR}{i}") + 1]) == pytest.approx(
            adjoints[i - 1], rel=1e-12)


def test_draw_graph_after_plain_backward_shows_all_values_and_adjoints() -> None:
    x, y, f = notes_example()
    before = draw_graph(f, textbook=True, precision=15).source
    f.backward()
    grads = (x.grad.item(), y.grad.item())  # type: ignore[union-attr]
    after = draw_graph(f, textbook=True, precision=15).source
    check_drawing(after)
    assert cells_by_variable(after) == cells_by_variable(before)
    assert "recomputed from the leaves" in after
    assert (x.grad.item(), y.grad.item()) == grads  # type: ignore[union-attr]  # untouched
    assert graph_view(f).freed and not graph_view(f).stale


def test_last_frame_after_plain_backward_equals_the_drawing() -> None:
    *_, f = notes_example()
    n_before = len(list(backprop_steps(f, textbook=True)))
    f.backward()
    frames = [g.source for g in backprop_steps(f, textbook=True, precision=15)]
    assert len(frames) == n_before == 9
    check_drawing(frames[-1])
    assert frames[-1] == draw_graph(f, textbook=True, precision=15).source


def test_explain_backward_after_plain_backward() -> None:
    *_, f = notes_example()
    before = explain_backward(f, precision=12)
    f.backward()
    text = explain_backward(f, precision=12)
    assert text == before
    values, adjoints = eq_2_11()
    for i in range(1, 8):
        head = re.search(rf"^v{i}\b.*? = ({NUM})   \[", text, re.M)
        adj = re.search(rf"^  v{BAR}{i} = (?:.* = )?({NUM})   \(", text, re.M)
        assert head is not None and adj is not None, i
        assert float(head.group(1)) == pytest.approx(values[i - 1], rel=1e-10)
        assert float(adj.group(1)) == pytest.approx(adjoints[i - 1], rel=1e-10)


def test_changed_leaf_is_reported_not_drawn_with_stale_numbers() -> None:
    x, _, f = notes_example()
    f.backward()
    with am.no_grad():
        x -= 0.1
    src = draw_graph(f, textbook=True).source
    assert "leaves changed since the forward pass" in src
    assert f"v{BAR}" not in src and ">grad<" not in src  # no adjoint, no stale .grad
    var = cells_by_variable(src)  # the values are all at the current leaves
    values, _ = eq_2_11(1.4, -0.5)
    for i in range(1, 8):
        cells = var[f"v{i}"]
        assert float(cells[cells.index("value") + 1]) == pytest.approx(values[i - 1], rel=1e-3)
    assert "leaves changed" in draw_graph(f, adjoints=False).source
    assert "leaves changed" in explain_backward(f)
    frames = [g.source for g in backprop_steps(f)]
    assert len(frames) == 1 and "leaves changed" in frames[0]
    with pytest.raises(RuntimeError, match="leaves changed"):
        trace_backward(f)


def test_an_optimiser_step_is_noticed() -> None:
    w = am.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True, name="w")
    loss = am.sum(am.tanh(w) ** 2)
    loss.backward()
    SGD([w], lr=0.1).step()
    assert graph_view(loss).stale
    assert "leaves changed since the forward pass" in draw_graph(loss).source


def test_a_change_before_backward_is_noticed_too() -> None:
    # add saves nothing, so its leaves are not locked: x can change while the graph is live
    x = am.Tensor(np.array([1.0, 2.0]), requires_grad=True, name="x")
    f = am.sum(x + 1.0)
    with am.no_grad():
        x += 1.0
    assert graph_view(f).changed
    assert "leaves changed" in draw_graph(f).source


def test_unchanged_leaves_are_not_reported() -> None:
    rng = np.random.default_rng(0)
    w = am.Tensor(rng.normal(size=(4, 3)), requires_grad=True, name="w")
    xb = am.Tensor(rng.normal(size=(5, 4)))
    loss = am.sum(am.tanh(am.matmul(xb, w)) ** 2) / 5.0
    want = trace_backward(loss).adjoint(w)
    loss.backward()
    assert not graph_view(loss).stale
    np.testing.assert_allclose(trace_backward(loss).adjoint(w), want, rtol=1e-13)  # type: ignore[arg-type]
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, want, rtol=1e-13)  # type: ignore[arg-type]


def test_a_leaf_replaced_by_a_shorter_array_and_a_random_op_are_explained() -> None:
    """x.data swapped for a shorter array: the intended message, not NumPy's IndexError; an
    op whose forward is random: the note says it may be the op, not a leaf."""
    x = am.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    f = x[2] * 2
    f.backward()
    x.data = np.array([5.0, 6.0])
    for show in (draw_graph, explain_backward):
        with pytest.raises(RuntimeError, match="no longer runs on the current leaf values"):
            show(f)
    rng = np.random.default_rng(0)
    noisy = am.primitive("noisy_for_note", lambda a: (a + rng.normal(size=a.shape), None),
                         lambda g, s, n: (g,))
    try:
        y = am.Tensor([1.0], requires_grad=True)
        assert "forward of 'noisy_for_note' is not deterministic" in explain_backward(
            am.sum(noisy(y) * y))
    finally:
        del am.REGISTRY["noisy_for_note"]
