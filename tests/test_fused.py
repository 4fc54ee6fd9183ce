"""The fused primitives: linear (one node for x Wᵀ + b) and softmax cross-entropy from logits."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


def test_linear_without_bias_and_on_a_vector() -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4))
    x = rng.standard_normal(4)
    np.testing.assert_allclose(am.linear(x, w).data, w @ x)
    assert am.gradcheck(lambda a, b: am.linear(a, b), [x, w])
    assert am.gradgradcheck(lambda a, b: am.linear(a, b), [x, w])


def test_linear_is_one_node_and_keeps_float32() -> None:
    x = am.Tensor(np.ones((5, 4), np.float32))
    w = am.Tensor(np.ones((3, 4), np.float32), requires_grad=True)
    b = am.Tensor(np.zeros(3, np.float32), requires_grad=True)
    y = am.linear(x, w, b)
    assert y.grad_fn is not None
    assert y.grad_fn.op.name == "linear" and y.grad_fn.parents == (x, w, b)
    y.sum().backward()
    assert w.grad is not None and b.grad is not None
    assert y.dtype == w.grad.dtype == b.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad.data, np.full((3, 4), 5.0))
    np.testing.assert_array_equal(b.grad.data, np.full(3, 5.0))


def test_linear_refuses_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 3\)"):
        am.linear(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"linear: bias of shape \(5,\)"):
        am.linear(np.ones((2, 3)), np.ones((4, 3)), np.ones(5))


def test_softmax_cross_entropy_extremes_match_pytorch() -> None:
    x = am.Tensor([[1000.0, 0.0], [0.0, 1000.0], [-1000.0, 1000.0]], requires_grad=True)
    loss = am.softmax_cross_entropy(x, np.array([0, 0, 1]))
    np.testing.assert_array_equal(loss.data, [0.0, 1000.0, 0.0])  # torch: [0., 1000., 0.]
    loss.sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0], [-1.0, 1.0], [0.0, 0.0]])


def test_softmax_cross_entropy_refuses_bad_targets() -> None:
    with pytest.raises(ValueError, match=r"classes must lie in \[0, 2\)"):
        am.softmax_cross_entropy(np.zeros((2, 2)), np.array([0, 2]))
    with pytest.raises(ValueError, match="integer classes of shape"):
        am.softmax_cross_entropy(np.zeros((2, 2)), np.array([0.0, 1.0]))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_reduces_inside_its_one_node(reduction: str) -> None:
    from nn import functional as F

    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 3))
    cls = np.array([0, 2, 1, 2, 0])
    loss = F.cross_entropy(am.Tensor(x, requires_grad=True), cls, reduction)
    assert loss.grad_fn is not None
    assert loss.grad_fn.op.name == "softmax_cross_entropy" and loss.shape == ()
    per_sample = am.softmax_cross_entropy(x, cls).data
    np.testing.assert_allclose(loss.data, getattr(per_sample, reduction)(), rtol=1e-12)
    assert am.gradcheck(lambda z: F.cross_entropy(z, cls, reduction), [x])
    assert am.gradgradcheck(lambda z: F.cross_entropy(z, cls, reduction), [x])
    x32 = am.Tensor(x.astype(np.float32), requires_grad=True)
    out32 = F.cross_entropy(x32, cls, reduction)
    out32.backward()
    assert x32.grad is not None
    assert out32.dtype == x32.grad.dtype == np.float32
