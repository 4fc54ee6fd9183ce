"""Derivatives of high order at the edges of pow: x^n at and near 0 to order 5 (where the
formula b a^(b−1) differentiated again gave 0 · ∞ = NaN), the exponent's gradient at a = 0,
negative bases, broadcasting, float32, and PyTorch's values over a grid."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from autograd_mini import Tensor
from autograd_mini import functional as F
from autograd_mini.autodiff import grad
from autograd_mini.backward import backward
from autograd_mini.gradcheck import gradcheck, gradgradcheck

#: 0, ±small (also a^−1 and a^−2 overflowing, and subnormal), negative, positive
BASES = [0.0, 1e-3, -1e-3, 1e-300, -1e-300, 5e-324, -2.0, -0.5, 0.7, 2.0]
EXPONENTS = [0, 1, 2, 3, 0.5, 1.5, -1, -2, 0.0, 1.0, 2.0, 3.0]  # ints and integer floats
ORDERS = 5


def _orders(a: Any, b: Any, n: int = ORDERS) -> list[np.ndarray]:
    """d^k/da^k Σ a^b for k = 1 … n, each recorded for the next."""
    x = Tensor(a, requires_grad=True)
    y, out = F.sum(x**b), []
    for _ in range(n):
        (d,) = backward(y, create_graph=True, inputs=[x])
        out.append(d.data)
        y = F.sum(d)
    return out


def _truth(a: float, b: float, k: int) -> float:
    """d^k/da^k a^b = b (b−1) … (b−k+1) a^(b−k): 0 once the coefficient is 0 (integer b)."""
    c = math.prod(b - j for j in range(k))
    if c == 0:
        return 0.0
    with np.errstate(all="ignore"):
        return float(c * np.float64(a) ** (b - k))


def _same(got: Any, want: Any) -> bool:
    """Equal to 1e-12 relative, as infinities of the same sign, or both NaN."""
    g, w = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return bool(np.all((np.isnan(g) & np.isnan(w)) | (g == w) | np.isclose(g, w, rtol=1e-12,
                                                                               atol=0)))


def test_the_reported_nans_are_zeros() -> None:
    assert grad(grad(grad(grad(lambda z: z**2))))(0.0).item() == 0.0
    assert grad(grad(grad(lambda z: z**1.0)))(0.0).item() == 0.0


@pytest.mark.parametrize("b", [0, 1, 2, 3, 0.0, 1.0, 2.0, 3.0])
@pytest.mark.parametrize("a", [0.0, 1e-300, -1e-300, 5e-324, -5e-324, -2.0, 0.5])
def test_integer_powers_are_exact_to_order_five(a: float, b: float) -> None:
    """n!/(n−k)! a^(n−k), then 0: also at 0 and where a^−1 overflows."""
    for k, got in enumerate(_orders(np.float64(a), b), start=1):
        assert _same(got, _truth(a, b, k)), (a, b, k, got)


@pytest.mark.parametrize("b", [0, 1, 2, 3])
def test_integer_powers_keep_float32_at_every_order(b: int) -> None:
    for k, got in enumerate(_orders(np.float32(0.0), b), start=1):
        assert got.dtype == np.float32
        assert got == _truth(0.0, b, k)


def test_pow_orders_match_torch_over_a_grid() -> None:
    """torch.autograd.grad with create_graph, orders 1 … 5 (a result that no longer needs a
    gradient, as after x^0 with a number exponent, is followed by zeros)."""
    torch = pytest.importorskip("torch")
    for a, b in itertools.product(BASES, EXPONENTS):
        x = torch.tensor(a, dtype=torch.float64, requires_grad=True)
        y, ref = x**b, []
        for _ in range(ORDERS):
            y = (torch.autograd.grad(y, x, create_graph=True)[0] if y.requires_grad
                 else torch.zeros((), dtype=torch.float64))
            ref.append(float(y.detach()))
        got = [float(d) for d in _orders(np.float64(a), b)]
        assert _same(got, ref), (a, b, got, ref)
        assert _same(got, [_truth(a, b, k) for k in range(1, ORDERS + 1)]), (a, b, got)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", [((5, 1), (4,)), ((5,), (3, 1))])
def test_broadcast_powers_with_zeros_in_base_and_exponent(dtype: Any, shapes: Any) -> None:
    a = np.array([0.0, 1e-30, -1e-30, -2.0, 0.5], dtype).reshape(shapes[0])
    b = np.array([0.0, 1.0, 2.0, 3.0][:shapes[1][0]], dtype).reshape(shapes[1])
    full = np.broadcast(a, b).shape
    aa, bb = np.broadcast_to(a, full), np.broadcast_to(b, full)
    for k, got in enumerate(_orders(a, b), start=1):
        terms = np.array([_truth(float(p), float(q), k) for p, q in zip(aa.flat, bb.flat)])
        want = terms.reshape(full)
        want = want.sum(axis=tuple(range(len(full) - a.ndim)))  # the sum broadcasting implies
        want = want.sum(axis=tuple(i for i, n in enumerate(a.shape) if n == 1), keepdims=True)
        assert got.dtype == dtype and got.shape == a.shape
        np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("b, want", [(2.0, 0.0), (1.0, 0.0), (0.5, 0.0), (0.0, 0.0),
                                     (-0.5, -np.inf), (-1.0, -np.inf)])
def test_exponent_gradient_at_zero_base(b: float, want: float) -> None:
    """b̄ = a^b log a at a = 0: 0^b ≡ 0 for b > 0, so 0; at b = 0, b ↦ 0^b jumps (1 to 0):
    no derivative, 0 as PyTorch; for b < 0 the limit as a → 0+, −∞, also PyTorch's."""
    x = Tensor(np.array([0.0, 0.0, 0.0]), requires_grad=True)
    y = Tensor(np.array([b, b, b]), requires_grad=True)
    F.sum(x**y).backward()
    np.testing.assert_array_equal(y.grad.data, [want] * 3)  # type: ignore[union-attr]
    torch = pytest.importorskip("torch")
    tx = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    ty = torch.tensor([b], dtype=torch.float64, requires_grad=True)
    (tx**ty).sum().backward()
    assert ty.grad.item() == want
    assert _same(x.grad.data[0], tx.grad.item())  # type: ignore[union-attr]


def test_negative_bases_with_integer_exponents() -> None:
    """Real for integer b (NumPy's and PyTorch's a^b); b̄ = a^b log a is NaN there."""
    a, b = np.array([-2.0, -0.5, -3.0, -1.5]), np.array([2.0, 3.0, 0.0, -1.0])
    assert gradcheck(lambda t: t**b, [a]) and gradgradcheck(lambda t: F.sum(t**b), [a])
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    F.sum(x**y).backward()
    np.testing.assert_allclose(x.grad.data, b * a ** (b - 1))  # type: ignore[union-attr]
    assert np.all(np.isnan(y.grad.data))  # type: ignore[union-attr]


def test_mixed_derivative_at_zero_exponent() -> None:
    """∂²a^b/∂b∂a = a^(b−1) (1 + b log a), a^−1 at b = 0: the base is kept a constant there,
    not the gradient dropped (PyTorch gives 0 at b = 0)."""
    a, b = np.array([0.3, 1.7, 2.5, 0.9]), np.array([0.0, 1.0, 2.0, -1.0])
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    (ga,) = backward(F.sum(x**y), create_graph=True, inputs=[x])
    F.sum(ga).backward()
    assert y.grad is not None
    np.testing.assert_allclose(y.grad.data, a ** (b - 1) * (1 + b * np.log(a)), rtol=1e-13)
    assert gradgradcheck(lambda s, t: F.sum(s**t), [a, b])
