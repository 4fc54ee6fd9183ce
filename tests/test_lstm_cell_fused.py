"""An LSTM step's elementwise part is one recorded node (``lstm_cell``), with a VJP of its own:
first and second derivatives against central differences, values at saturating gates, float32
kept, and one such node per step."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest

import autograd_mini as am
import nn

RNG = np.random.default_rng(0)


def _cell_loss(cell: nn.LSTMCell) -> Callable[..., am.Tensor]:
    def loss(x: am.Tensor, h: am.Tensor, c: am.Tensor) -> am.Tensor:
        h1, c1 = cell(x, (h, c))
        return (h1 ** 2).sum() + (c1 ** 3).sum() + (h1 * c1).sum()
    return loss


def test_first_and_second_derivatives_of_a_step() -> None:
    cell = nn.LSTMCell(3, 4, rng=RNG)
    points = [RNG.normal(size=(2, 3)), RNG.normal(size=(2, 4)), RNG.normal(size=(2, 4))]
    loss = _cell_loss(cell)
    assert am.gradcheck(loss, points)
    assert am.gradgradcheck(loss, points)


def test_the_weights_gradient_matches_the_unfused_formula() -> None:
    cell = nn.LSTMCell(3, 4, rng=RNG)
    x, h, c = (RNG.normal(size=s) for s in ((5, 3), (5, 4), (5, 4)))
    h1, c1 = cell(am.Tensor(x), (am.Tensor(h), am.Tensor(c)))
    (h1.sum() + 2 * c1.sum()).backward()
    fused = [p.grad.data.copy() for p in cell.parameters() if p.grad is not None]
    assert len(fused) == 4
    cell.zero_grad()
    gates = am.linear(am.Tensor(x), cell.weight_ih, cell.bias_ih) + am.linear(
        am.Tensor(h), cell.weight_hh, cell.bias_hh)
    i, f, g, o = (gates[:, k * 4:(k + 1) * 4] for k in range(4))
    c2 = am.sigmoid(f) * am.Tensor(c) + am.sigmoid(i) * am.tanh(g)
    h2 = am.sigmoid(o) * am.tanh(c2)
    np.testing.assert_allclose(h1.data, h2.data, rtol=1e-12)
    np.testing.assert_allclose(c1.data, c2.data, rtol=1e-12)
    (h2.sum() + 2 * c2.sum()).backward()
    for got, p in zip(fused, cell.parameters()):
        assert p.grad is not None
        np.testing.assert_allclose(got, p.grad.data, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturating_gates_stay_finite_and_keep_the_dtype(dtype: type) -> None:
    cell = nn.LSTMCell(2, 3, rng=RNG, dtype=dtype)
    x = am.Tensor(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h1, c1 = cell(x)
        (h1.sum() + c1.sum()).backward()
    assert h1.dtype == c1.dtype == dtype and x.grad is not None and x.grad.dtype == dtype
    assert np.isfinite(h1.data).all() and np.isfinite(x.grad.data).all()
    for p in cell.parameters():
        assert p.grad is not None and p.grad.dtype == dtype and np.isfinite(p.grad.data).all()


def test_one_lstm_cell_node_per_step() -> None:
    m = nn.LSTM(3, 4, rng=RNG)
    y, _ = m(am.Tensor(RNG.normal(size=(6, 2, 3))))
    nodes, seen, todo = [], set(), [y.grad_fn]
    while todo:  # every node of the graph, by its parents
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node.op.name)
        todo.extend(p for p in node.parents if isinstance(p, type(node)))
    assert nodes.count("lstm_cell") == 6 and "sigmoid" not in nodes
    drawn = am.draw_graph(y.sum(), depth=None).source
    assert drawn.count("lstm_cell") >= 6
