"""The notes' worked example f(x, y) = xy − log(1 + exp(xy)) with instrumental variables v1..v7."""

from __future__ import annotations

from typing import cast

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.backward import backward
from autograd_mini.graphview import graph_view, vertex_key


def build(x0: float, y0: float) -> tuple[am.Tensor, am.Tensor, list[am.Tensor]]:
    v1 = am.Tensor(x0, requires_grad=True, name="x")
    v2 = am.Tensor(y0, requires_grad=True, name="y")
    v3 = v1 * v2
    v4 = am.exp(v3)
    v5 = 1 + v4
    v6 = am.log(v5)
    v7 = v3 - v6
    return v1, v2, [v1, v2, v3, v4, v5, v6, v7]


@pytest.mark.parametrize("x0, y0", [(1.5, -0.5), (0.3, 2.0), (-2.0, -1.25)])
def test_adjoints_match_eq_2_11(x0: float, y0: float) -> None:
    _, _, v = build(x0, y0)
    adj = backward(v[6], retain_graph=True, inputs=v)
    v1, v2, v3, _, v5, _, _ = (float(t.item()) for t in v)
    expected = [
        (1 - np.exp(v3) / v5) * v2,  # v̄1
        (1 - np.exp(v3) / v5) * v1,  # v̄2
        -np.exp(v3) / v5 + 1,  # v̄3
        -1 / v5,  # v̄4
        -1 / v5,  # v̄5
        -1.0,  # v̄6
        1.0,  # v̄7
    ]
    np.testing.assert_allclose([float(a) for a in adj], expected, rtol=1e-12)


def test_gradient_closed_form() -> None:
    x0, y0 = 1.5, -0.5
    x, y, v = build(x0, y0)
    v[6].backward()
    s = 1 / (1 + np.exp(-x0 * y0))
    assert x.grad is not None and y.grad is not None
    np.testing.assert_allclose(x.grad.item(), (1 - s) * y0, rtol=1e-12)
    np.testing.assert_allclose(y.grad.item(), (1 - s) * x0, rtol=1e-12)


def test_dag_has_seven_variables_in_notes_order() -> None:
    _, _, v = build(1.5, -0.5)
    order = [t for t in graph_view(v[6]).order if t.requires_grad]
    assert len(order) == 7
    assert all(vertex_key(a) == vertex_key(b) for a, b in zip(order, v))
    assert [t.grad_fn for t in order] == [t.grad_fn for t in v]
    leaves = [t for t in order if t.is_leaf]
    assert [t.name for t in leaves] == ["x", "y"]
    ops = [cast(am.Node, t.grad_fn).op.name for t in order[2:]]  # non-leaves: grad_fn is set
    assert ops == ["mul", "exp", "add", "log", "sub"]
