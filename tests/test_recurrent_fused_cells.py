"""The elementwise part of an LSTM or GRU step is one recorded node (``lstm_cell``,
``gru_cell``), with a VJP of its own: first and second derivatives against central differences,
the same values and gradients as the step written op by op, values at saturating gates, float32
kept, and one such node per step."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini.engine import Node

RNG = np.random.default_rng(0)


def _lstm_loss(cell: Any) -> Callable[..., am.Tensor]:
    def loss(x: am.Tensor, h: am.Tensor, c: am.Tensor) -> am.Tensor:
        h1, c1 = cell(x, (h, c))
        return (h1 ** 2).sum() + (c1 ** 3).sum() + (h1 * c1).sum()
    return loss


def _gru_loss(cell: Any) -> Callable[..., am.Tensor]:
    def loss(x: am.Tensor, h: am.Tensor) -> am.Tensor:
        h1 = cell(x, h)
        return (h1 ** 3).sum() + (h1 * h).sum()
    return loss


@pytest.mark.parametrize(("make", "loss", "states"), [
    (nn.LSTMCell, _lstm_loss, 2), (nn.GRUCell, _gru_loss, 1)], ids=["lstm", "gru"])
def test_first_and_second_derivatives_of_a_step(make: Any, loss: Any, states: int) -> None:
    f = loss(make(3, 4, rng=RNG))
    points = [RNG.normal(size=(2, 3))] + [RNG.normal(size=(2, 4)) for _ in range(states)]
    assert am.gradcheck(f, points)
    assert am.gradgradcheck(f, points)


def _unfused_lstm(cell: Any, x: am.Tensor, h: am.Tensor, c: am.Tensor) -> tuple[Any, Any]:
    gates = am.linear(x, cell.weight_ih, cell.bias_ih) + am.linear(h, cell.weight_hh,
                                                                   cell.bias_hh)
    i, f, g, o = (gates[:, k * 4:(k + 1) * 4] for k in range(4))
    c2 = am.sigmoid(f) * c + am.sigmoid(i) * am.tanh(g)
    return am.sigmoid(o) * am.tanh(c2), c2


def _unfused_gru(cell: Any, x: am.Tensor, h: am.Tensor) -> tuple[Any, None]:
    gi = am.linear(x, cell.weight_ih, cell.bias_ih)
    gh = am.linear(h, cell.weight_hh, cell.bias_hh)
    r = am.sigmoid(gi[:, :4] + gh[:, :4])
    z = am.sigmoid(gi[:, 4:8] + gh[:, 4:8])
    n = am.tanh(gi[:, 8:] + r * gh[:, 8:])
    return (1 - z) * n + z * h, None


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_the_same_values_and_gradients_as_the_step_op_by_op(kind: str) -> None:
    cell: Any = nn.LSTMCell(3, 4, rng=RNG) if kind == "lstm" else nn.GRUCell(3, 4, rng=RNG)
    x, h, c = (am.Tensor(RNG.normal(size=s), requires_grad=True)
               for s in ((5, 3), (5, 4), (5, 4)))
    results = []
    for fused in (True, False):
        if kind == "lstm":
            out, c1 = cell(x, (h, c)) if fused else _unfused_lstm(cell, x, h, c)
            loss = out.sum() + 2 * (c1 ** 2).sum()
        else:
            out, _ = (cell(x, h), None) if fused else _unfused_gru(cell, x, h)
            loss = (out ** 2).sum()
        loss.backward()
        tensors = [x, h, c, *cell.parameters()]
        results.append([out.data] + [t.grad.data.copy() for t in tensors if t.grad is not None])
        for t in tensors:
            t.grad = None
    assert len(results[0]) == len(results[1]) == (8 if kind == "lstm" else 7)
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_saturating_gates_stay_finite_and_keep_the_dtype(kind: str, dtype: type) -> None:
    cell: Any = (nn.LSTMCell if kind == "lstm" else nn.GRUCell)(2, 3, rng=RNG, dtype=dtype)
    x = am.Tensor(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = cell(x)
        outs = out if isinstance(out, tuple) else (out,)
        sum(o.sum() for o in outs).backward()
    assert all(o.dtype == dtype and np.isfinite(o.data).all() for o in outs)
    assert x.grad is not None and x.grad.dtype == dtype and np.isfinite(x.grad.data).all()
    for p in cell.parameters():
        assert p.grad is not None and p.grad.dtype == dtype and np.isfinite(p.grad.data).all()


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_one_cell_node_per_step(kind: str) -> None:
    m: Any = (nn.LSTM if kind == "lstm" else nn.GRU)(3, 4, rng=RNG)
    y, _ = m(am.Tensor(RNG.normal(size=(6, 2, 3))))
    nodes, seen, todo = [], set(), [y.grad_fn]
    while todo:  # every node of the graph, by its parents
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node.op.name)
        todo.extend(p for p in node.parents if isinstance(p, Node))
    assert nodes.count(f"{kind}_cell") == 6 and "sigmoid" not in nodes
    assert am.draw_graph(y.sum(), depth=None).source.count(f"{kind}_cell") >= 6


def test_an_lstm_cells_states_take_in_place_updates() -> None:
    """h' and c' were slices of one [h' | c'] array, so ``c *= mask`` (resetting finished
    sequences) was refused as an update of a view; PyTorch's cell allows it."""
    cell = nn.LSTMCell(3, 4, rng=RNG)
    x = am.Tensor(RNG.normal(size=(2, 3)), requires_grad=True)
    h, c = cell(x)
    keep = am.Tensor(np.array([[1.0], [0.0]]))
    c *= keep
    h += 1.0
    with am.no_grad():
        h[1] = 0.0
    (h.sum() + c.sum()).backward()
    assert x.grad is not None and np.isfinite(x.grad.data).all()
    assert np.all(c.data[1] == 0) and np.all(h.data[1] == 0)


@pytest.mark.parametrize("make", [nn.LSTMCell, nn.GRUCell, nn.RNNCell])
def test_unbatched_cell_outputs_take_in_place_updates(make: Any) -> None:
    """An unbatched cell returned its state reshaped: a view, which refused ``h += b``."""
    cell = make(3, 4, rng=RNG)
    x = am.Tensor(RNG.normal(size=3), requires_grad=True)
    out = cell(x)
    h = out[0] if isinstance(out, tuple) else out
    h += 1.0
    h.sum().backward()
    assert h.shape == (4,) and x.grad is not None
