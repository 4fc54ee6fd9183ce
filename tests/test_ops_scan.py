"""Reductions, scans, sorting and norms: zeros in products, extremes, ties, the functions without
a gradient, NumPy and PyTorch semantics, and the errors."""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pytest

from autograd_mini import Tensor
from autograd_mini import functional as F
from autograd_mini.autodiff import grad, hessian
from autograd_mini.backward import backward
from autograd_mini.gradcheck import gradcheck, gradgradcheck

RNG = np.random.default_rng(7)


def _grad(fn: Any, x: Any, u: Any = None) -> np.ndarray:
    t = Tensor(np.asarray(x, dtype=float), requires_grad=True)
    out = fn(t)
    out.backward(np.ones(out.shape) if u is None else u)
    assert t.grad is not None
    return t.grad.data


# --------------------------------------------------------------------------- prod
def _others(x: np.ndarray) -> np.ndarray:
    return np.array([np.prod(np.delete(x, i)) for i in range(x.size)])


def _prod_hessian(x: np.ndarray) -> np.ndarray:
    n = x.size
    return np.array([[0.0 if i == j else np.prod(np.delete(x, [i, j])) for j in range(n)]
                     for i in range(n)])


@pytest.mark.parametrize("x", [[2.0, 0.0, -3.0, 0.5], [0.0, 1.5, 0.0, -2.0], [0.0, 0.0, 0.0, 4.0],
                               [1.5, -2.0, 3.0, 0.25]], ids=["one zero", "two zeros",
                                                             "three zeros", "no zero"])
def test_prod_gradient_and_hessian_with_zeros(x: list[float]) -> None:
    a = np.array(x)
    np.testing.assert_array_equal(_grad(F.prod, a), _others(a))  # no division: exact
    np.testing.assert_allclose(grad(F.prod)(Tensor(a)).data, _others(a), rtol=1e-15)
    np.testing.assert_allclose(hessian(F.prod)(Tensor(a)).data, _prod_hessian(a), atol=1e-15)
    m = np.stack([a, a[::-1], np.roll(a, 1)])
    for axis, keepdims in itertools.product([None, 0, 1, -1, (0, 1), ()], [False, True]):
        f = lambda t, ax=axis, k=keepdims: F.prod(t, axis=ax, keepdims=k)  # noqa: E731
        assert f(Tensor(m)).shape == np.prod(m, axis=axis, keepdims=keepdims).shape
        assert gradcheck(f, [m]) and gradgradcheck(f, [m])


def test_prod_values_dtypes_and_empty() -> None:
    x = RNG.uniform(-2, 2, (3, 4)).astype(np.float32)
    assert F.prod(x, axis=1).dtype == np.float32
    np.testing.assert_allclose(F.prod(x, axis=-1).data, np.prod(x, axis=-1), rtol=1e-6)
    assert F.prod(np.arange(1, 5)).data.dtype == np.prod(np.arange(1, 5)).dtype
    t = Tensor(np.zeros((2, 0)), requires_grad=True)
    y = F.prod(t, axis=1)
    np.testing.assert_array_equal(y.data, [1.0, 1.0])
    y.backward(np.ones(2))
    assert t.grad is not None and t.grad.shape == (2, 0)


# --------------------------------------------------------------------------- cumsum, cumprod
def _cumprod_grad(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """x̄_i = Σ_{k≥i} g_k Π_{j≤k, j≠i} x_j, term by term."""
    n = x.size
    return np.array([sum(g[k] * np.prod([x[j] for j in range(k + 1) if j != i])
                         for k in range(i, n)) for i in range(n)])


@pytest.mark.parametrize("x", [[2.0, 0.0, -3.0, 0.5, 1.5], [0.0, 1.5, 0.0, -2.0, 3.0],
                               [1.5, -2.0, 0.75, 1.25, 0.0], [1e-200, 1e-200, 1e200, 3.0, 1e-300],
                               [1e-323, 2.0, 0.5, 4.0, 1.0]])
def test_cumprod_gradient_with_zeros_and_extremes(x: list[float]) -> None:
    a = np.array(x)
    g = RNG.standard_normal(a.size)
    np.testing.assert_allclose(_grad(F.cumprod, a, g), _cumprod_grad(a, g), rtol=1e-13,
                               atol=1e-300)  # subnormal results round differently
    if np.all(np.abs(a) > 1e-100):
        big = np.stack([a, a[::-1]], axis=1)  # along axis 0, with a second column
        assert gradcheck(lambda t: F.cumprod(t, axis=0), [big])
        assert gradgradcheck(lambda t: F.cumprod(t, axis=0), [big])
        assert gradgradcheck(lambda t: F.cumprod(F.cumprod(t, axis=0), axis=0), [big])


def test_cumsum_cumprod_follow_numpy() -> None:
    x = RNG.uniform(-2, 2, (2, 3, 4))
    for fn, ref in ((F.cumsum, np.cumsum), (F.cumprod, np.cumprod)):
        for axis in (None, 0, 1, -1, -3):
            np.testing.assert_allclose(fn(x, axis=axis).data, ref(x, axis=axis), rtol=1e-13)
        assert fn(np.float32(3.0), axis=0).shape == ref(np.float32(3.0), axis=0).shape == (1,)
        assert fn(x.astype(np.float32), axis=1).dtype == np.float32
        assert fn(np.arange(4)).data.dtype == ref(np.arange(4)).dtype  # integers stay integers
    long = RNG.uniform(0.5, 1.5, 1000)
    np.testing.assert_allclose(_grad(F.cumsum, long, np.ones(1000)), np.arange(1000, 0, -1))
    got, want = _grad(F.cumprod, long[:70]), _cumprod_grad(long[:70], np.ones(70))
    np.testing.assert_allclose(got, want, rtol=1e-12)


# --------------------------------------------------------------------------- logcumsumexp
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logcumsumexp_is_stable_at_extremes(dtype: Any) -> None:
    x = np.array([-1000.0, 1000.0, 1000.0, -1000.0, 0.0], dtype=dtype)
    t = Tensor(x, requires_grad=True)
    y = F.logcumsumexp(t)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, np.logaddexp.accumulate(x), rtol=1e-6)
    np.testing.assert_allclose(y.data[2], 1000 + math.log(2), rtol=1e-6)
    u = np.array([1.0, -2.0, 0.5, 3.0, -1.0], dtype=dtype)
    y.backward(u)
    # x̄_i = Σ_{k≥i} u_k e^{x_i − y_k}: the first −1000 is its own prefix; then the two 1000s
    want = [1.0, -2.0 + (0.5 + 3.0 - 1.0) / 2, (0.5 + 3.0 - 1.0) / 2, 0.0, 0.0]
    np.testing.assert_allclose(t.grad.data, want, atol=1e-4)  # type: ignore[union-attr]
    (g,) = backward(F.sum(F.logcumsumexp(t) * u), create_graph=True, inputs=[t])
    np.testing.assert_allclose(g.data, want, atol=1e-4)
    F.sum(g * g).backward()
    assert np.all(np.isfinite(t.grad.data))  # type: ignore[union-attr]


def test_logcumsumexp_gradients_on_a_wide_range() -> None:
    x = np.stack([np.array([-300.0, 400.0, -20.0, 350.0, 1.0]), RNG.uniform(-2, 2, 5)], axis=1)
    f = lambda t: F.logcumsumexp(t, axis=0)  # noqa: E731
    assert gradcheck(f, [x]) and gradgradcheck(f, [x])
    t = Tensor(np.array([-np.inf, -np.inf, 0.0]), requires_grad=True)
    F.sum(F.logcumsumexp(t)).backward()
    np.testing.assert_array_equal(t.grad.data, [0.0, 0.0, 1.0])  # type: ignore[union-attr]


def test_logcumsumexp_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x = RNG.uniform(-30, 30, (3, 6))
    u = RNG.standard_normal((3, 6))
    for axis in (0, 1, -1):
        tx = torch.tensor(x, requires_grad=True)
        torch.logcumsumexp(tx, dim=axis).backward(torch.tensor(u))
        got = F.logcumsumexp(x, axis=axis)
        np.testing.assert_allclose(got.data, torch.logcumsumexp(tx, axis).detach(), rtol=1e-13)
        np.testing.assert_allclose(_grad(lambda t, a=axis: F.logcumsumexp(t, axis=a), x, u),
                                   tx.grad.numpy(), rtol=1e-10, atol=1e-12)


_INF_VALUES = [0.0, 1.5, np.inf, -np.inf, -1000.0, 1000.0]


def _logcumsumexp_grad(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """x̄_i = Σ_{k≥i} u_k e^{x_i − y_k} term by term: NaN at a +∞ element (e^{∞ − ∞}), and the
    terms of an infinite y_k are 0 (y_k = +∞ weighs e^{x_i − ∞} = 0; y_k = −∞: no gradient)."""
    y = np.logaddexp.accumulate(x)
    return np.array([np.nan if x[i] == np.inf else
                     sum(u[k] * math.exp(x[i] - y[k]) for k in range(i, x.size)
                         if np.isfinite(y[k])) for i in range(x.size)])


def _logcumsumexp_grads(x: np.ndarray, u: np.ndarray, w: np.ndarray, axis: int = 0
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x̄ on the array path, x̄ on the recorded path, and ∂(Σ w x̄)/∂x through the recording."""
    t = Tensor(x, requires_grad=True)
    F.logcumsumexp(t, axis=axis).backward(u)
    first = t.grad.data  # type: ignore[union-attr]
    t = Tensor(x, requires_grad=True)
    (g,) = backward(F.sum(F.logcumsumexp(t, axis=axis) * u), create_graph=True, inputs=[t])
    F.sum(g * w).backward()
    return first, g.data, t.grad.data  # type: ignore[union-attr]


@pytest.mark.parametrize("x", [[0.0, np.inf, 1.0], [np.inf, 0.0, 1.0], [-np.inf, 0.0, np.inf],
                               [1.0, 2.0, np.inf, np.inf, 3.0], [-np.inf, -np.inf, 0.0, 2.0],
                               [0.0, -np.inf, 1.0], [np.inf, -np.inf, 2.0], [-np.inf, -np.inf]])
def test_logcumsumexp_gradient_with_infinite_elements(x: list[float]) -> None:
    """A +∞ element used to make every earlier gradient NaN (∞ − ∞ carried by the scan)."""
    a = np.array(x)
    u = RNG.standard_normal(a.size)
    want = _logcumsumexp_grad(a, u)
    w = np.where(a == np.inf, 0.0, RNG.standard_normal(a.size))  # leave out the NaN gradients
    first, recorded, second = _logcumsumexp_grads(a, u, w)
    for got in (first, recorded):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-300)  # NaN only where +∞
    # Σ_{x_i ≠ +∞} w_i x̄_i: its derivative is finite except at the +∞ elements themselves
    assert np.array_equal(np.isnan(second), a == np.inf)


def test_logcumsumexp_infinite_elements_match_torch() -> None:
    """Every pattern of ±∞, ±1000 and finite values up to length 3, both paths, two orders:
    equal to PyTorch wherever its value is finite; NaN only at +∞ elements, and 0 where
    PyTorch's NaN comes from a prefix of −∞ only (a documented difference)."""
    torch = pytest.importorskip("torch")
    for n in (1, 2, 3):
        for combo in itertools.product(_INF_VALUES, repeat=n):
            x = np.array(combo)
            u, w = RNG.standard_normal(n), RNG.standard_normal(n)
            w[x == np.inf] = 0.0
            tx = torch.tensor(x, requires_grad=True)
            (tg,) = torch.autograd.grad((torch.logcumsumexp(tx, 0) * torch.tensor(u)).sum(), tx,
                                        create_graph=True)
            (th,) = torch.autograd.grad((tg * torch.tensor(w)).sum(), tx)
            first, recorded, second = _logcumsumexp_grads(x, u, w)
            for got, ref in ((first, tg), (recorded, tg), (second, th)):
                ref = ref.detach().numpy()
                fin = np.isfinite(ref)
                np.testing.assert_allclose(got[fin], ref[fin], rtol=1e-10, atol=1e-12,
                                           err_msg=str(combo))
                assert np.array_equal(np.isnan(got), x == np.inf), combo
            empty = np.logaddexp.accumulate(x) == -np.inf
            assert np.all(first[empty] == 0), combo


def test_logcumsumexp_second_order_matches_torch() -> None:
    """Double backward against PyTorch's on finite inputs: wide ranges, ±1000, ties, any axis."""
    torch = pytest.importorskip("torch")
    for trial in range(40):
        shape = tuple(int(d) for d in RNG.integers(1, 6, size=1 + trial % 2))
        x = RNG.uniform(-1, 1, shape) * [1.0, 30.0, 1000.0][trial % 3]
        if trial % 4 == 0:
            x = np.round(x)  # ties
        u, w = RNG.standard_normal(shape), RNG.standard_normal(shape)
        axis = int(RNG.integers(-len(shape), len(shape)))
        tx = torch.tensor(x, requires_grad=True)
        (tg,) = torch.autograd.grad((torch.logcumsumexp(tx, axis) * torch.tensor(u)).sum(), tx,
                                    create_graph=True)
        (th,) = torch.autograd.grad((tg * torch.tensor(w)).sum(), tx)
        first, recorded, second = _logcumsumexp_grads(x, u, w, axis)
        for got, ref in ((first, tg), (recorded, tg), (second, th)):
            np.testing.assert_allclose(got, ref.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_logcumsumexp_float32_with_infinities() -> None:
    x = np.array([-1000.0, 1000.0, 1000.0, -np.inf, 0.0, np.inf, 3.0], np.float32)
    u = np.ones(7, np.float32)
    want = [1.0, 2.5, 1.5, 0.0, 0.0, np.nan, 0.0]
    first, recorded, second = _logcumsumexp_grads(x, u, np.where(x == np.inf, 0, u))
    for got in (first, recorded, second):
        assert got.dtype == np.float32
    np.testing.assert_allclose(first, want, atol=1e-4)  # y = 1000 + log 2 in float32
    np.testing.assert_array_equal(first, recorded)
    assert np.array_equal(np.isnan(second), x == np.inf)


# --------------------------------------------------------------------------- no gradient
def test_arg_and_truth_reductions_follow_numpy() -> None:
    x = RNG.integers(-3, 4, (3, 4, 2)).astype(float)  # with ties: the first one wins
    x[0, 0, 0] = x[2, 3, 1] = 0.0
    fns: list[tuple[Any, Any]] = [(F.argmax, np.argmax), (F.argmin, np.argmin)]
    for axis, keepdims in itertools.product([None, 0, 1, 2, -1, -3], [False, True]):
        for fn, ref in fns:
            got = fn(Tensor(x), axis=axis, keepdims=keepdims)
            assert got.dtype == np.int64 and not got.requires_grad
            np.testing.assert_array_equal(got.data, ref(x, axis=axis, keepdims=keepdims))
    axes: list[Any] = [None, 0, -1, (0, 2), (-1, 1), ()]
    for axis, keepdims in itertools.product(axes, [False, True]):
        for fn, ref in [(F.any, np.any), (F.all, np.all)]:
            got = fn(x, axis=axis, keepdims=keepdims)
            assert got.dtype == np.bool_
            np.testing.assert_array_equal(got.data, ref(x, axis=axis, keepdims=keepdims))
    for axis in (0, 1, -1, None):
        got = F.argsort(x, axis=axis)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got.data, np.argsort(x, axis=axis, kind="stable"))
    assert F.argmax(np.float32(2.0)).shape == ()
    assert {"argmax", "argmin", "argsort", "any", "all"} <= set(F.NOT_DIFFERENTIABLE)


# --------------------------------------------------------------------------- sort, top-k
def test_sort_ties_are_stable_and_the_gradient_goes_back() -> None:
    x = np.array([1.0, 3.0, 1.0, 0.0, 3.0])
    u = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    np.testing.assert_array_equal(F.sort(x).data, [0, 1, 1, 3, 3])
    np.testing.assert_array_equal(F.argsort(x).data, [3, 0, 2, 1, 4])
    np.testing.assert_array_equal(_grad(F.sort, x, u), [20, 40, 30, 10, 50])
    np.testing.assert_array_equal(F.argsort(x, descending=True).data, [1, 4, 0, 2, 3])
    np.testing.assert_array_equal(_grad(lambda t: F.sort(t, descending=True), x, u),
                                  [30, 10, 40, 50, 20])
    m = RNG.standard_normal((3, 4))
    for axis in (0, 1, -2, None):
        np.testing.assert_array_equal(F.sort(m, axis=axis).data, np.sort(m, axis=axis))
        desc = F.sort(m, axis=axis, descending=True).data
        np.testing.assert_array_equal(desc, np.flip(np.sort(m, axis=axis), 0 if axis is None
                                                    else axis))
        f = lambda t, a=axis: F.sort(t, axis=a, descending=True)  # noqa: E731
        assert gradcheck(f, [m]) and gradgradcheck(f, [m])


def test_sort_and_topk_match_torch() -> None:
    torch = pytest.importorskip("torch")
    x = RNG.integers(0, 4, (3, 7)).astype(float)  # many ties
    for axis, desc in itertools.product((0, 1, -1), (False, True)):
        tv, ti = torch.sort(torch.tensor(x), dim=axis, descending=desc, stable=True)
        np.testing.assert_array_equal(F.sort(x, axis=axis, descending=desc).data, tv.numpy())
        np.testing.assert_array_equal(F.argsort(x, axis=axis, descending=desc).data, ti.numpy())
    y = RNG.standard_normal((4, 6))  # distinct: torch.topk's order of ties is unspecified
    for axis, k, largest in itertools.product((0, 1, -1), (1, 3), (True, False)):
        values, idx = F.topk(y, k, axis=axis, largest=largest)
        tv, ti = torch.topk(torch.tensor(y), k, dim=axis, largest=largest, sorted=True)
        np.testing.assert_array_equal(values.data, tv.numpy())
        np.testing.assert_array_equal(idx.data, ti.numpy())
        assert idx.dtype == np.int64


def test_topk_values_and_gradient() -> None:
    x = np.array([[0.5, -1.0, 2.0, 1.5], [3.0, 0.0, -2.0, 1.0]])
    values, idx = F.topk(x, 2)
    np.testing.assert_array_equal(values.data, [[2.0, 1.5], [3.0, 1.0]])
    np.testing.assert_array_equal(idx.data, [[2, 3], [0, 3]])
    small, sidx = F.topk(x, 2, axis=0, largest=False)
    np.testing.assert_array_equal(small.data, np.sort(x, axis=0))
    np.testing.assert_array_equal(sidx.data, np.argsort(x, axis=0))
    u = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(_grad(lambda t: F.topk(t, 2)[0], x, u),
                                  [[0, 0, 1, 2], [3, 0, 0, 4]])
    assert F.topk(x, 0)[0].shape == (2, 0)
    flat, fidx = F.topk(x, 3, axis=None)
    np.testing.assert_array_equal(flat.data, [3.0, 2.0, 1.5])
    np.testing.assert_array_equal(fidx.data, [4, 2, 3])
    f = lambda t: F.topk(t, 3, axis=1, largest=False)[0]  # noqa: E731
    assert gradcheck(f, [x]) and gradgradcheck(f, [x])


# --------------------------------------------------------------------------- norm
VECTOR_ORDS: list[Any] = [None, 2, 1, 3, 0.5, 2.5, -1, -2.5, 0, np.inf, -np.inf]
MATRIX_ORDS: list[Any] = [None, "fro", 1, -1, np.inf, -np.inf]
NORM: Any = np.linalg.norm


def test_norm_matches_numpy_over_ords_axes_and_keepdims() -> None:
    x = RNG.standard_normal((2, 3, 4))
    vector_axes: list[Any] = [0, 1, -1, (2,)]
    for ord_, axis, keepdims in itertools.product(VECTOR_ORDS, vector_axes, [False, True]):
        want = NORM(x, ord=ord_, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(F.norm(x, ord_, axis, keepdims).data, want, rtol=1e-13)
    for ord_, axis, keepdims in itertools.product(MATRIX_ORDS, [(0, 1), (2, 0), (-1, -2)],
                                                  [False, True]):
        want = NORM(x, ord=ord_, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(F.norm(x, ord_, axis, keepdims).data, want, rtol=1e-13)
    for a, ords in ((x[0, 0], VECTOR_ORDS), (x[0], MATRIX_ORDS), (x, [None])):
        for ord_, keepdims in itertools.product(ords, [False, True]):
            np.testing.assert_allclose(F.norm(a, ord_, keepdims=keepdims).data,
                                       NORM(a, ord_, keepdims=keepdims), rtol=1e-13)
    assert F.norm(x.astype(np.float32), 3, axis=1).dtype == np.float32
    assert F.norm(np.arange(3)).dtype == np.float64
    np.testing.assert_allclose(F.norm(np.array([1e200, 1e200])).data, math.sqrt(2) * 1e200)
    np.testing.assert_allclose(F.norm(np.array([3e-200, 4e-200]), 3).data, 91**(1 / 3) * 1e-200)


@pytest.mark.parametrize("ord_", [None, 2, 1, 3, 0.5, np.inf, 0])
def test_norm_gradient_at_zero_is_zero(ord_: Any) -> None:
    for dtype in (np.float64, np.float32):
        t = Tensor(np.zeros(3, dtype=dtype), requires_grad=True)
        (g,) = backward(F.norm(t, ord_), create_graph=True, inputs=[t])
        assert g.dtype == dtype
        np.testing.assert_array_equal(g.data, 0.0)
        if g.requires_grad:  # the 1-, ∞- and 0-norms' gradients are constant: no graph
            F.sum(g * g).backward()
            assert np.all(np.isfinite(t.grad.data))  # type: ignore[union-attr]
    torch = pytest.importorskip("torch")
    tz = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    torch.linalg.vector_norm(tz, 2 if ord_ is None else ord_).backward()
    assert tz.grad is None if ord_ == 0 else np.all(tz.grad.numpy() == 0.0)


def test_norm_gradients_with_some_zero_entries() -> None:
    x = np.array([[3.0, 0.0, -4.0], [0.0, 0.0, 1.5]])
    np.testing.assert_allclose(_grad(lambda t: F.norm(t, axis=1), x), x / [[5.0], [1.5]])
    for f in (lambda t: F.norm(t, axis=1), lambda t: F.norm(t), lambda t: F.norm(t, 3, axis=-1),
              lambda t: F.norm(t, "fro", axis=(1, 0), keepdims=True)):
        assert gradcheck(f, [x]) and gradgradcheck(f, [x])
    np.testing.assert_array_equal(_grad(lambda t: F.norm(t, 0.5, axis=1), x)[:, 1], [0.0, 0.0])


def test_matrix_norm_gradients() -> None:
    x = np.array([[1.0, -2.5, 0.75], [-3.0, 0.5, 2.0]])  # distinct row and column sums of |x|
    for ord_ in (1, -1, np.inf, -np.inf, "fro"):
        for axis in ((0, 1), (1, 0)):
            f = lambda t, o=ord_, a=axis: F.norm(t, o, a)  # noqa: E731
            assert gradcheck(f, [x]) and gradgradcheck(f, [x])
    np.testing.assert_array_equal(_grad(lambda t: F.norm(t, 1), x), [[1, 0, 0], [-1, 0, 0]])


# --------------------------------------------------------------------------- errors
BAD: Any = 1.5  # arguments of the wrong type, as a user might pass them
ERRORS: list[tuple[Any, type[Exception], str]] = [
    (lambda: F.prod(np.ones((2, 3)), axis=2), ValueError, r"prod: axis 2 .*\(shape \(2, 3\)\)"),
    (lambda: F.prod(np.ones(3), axis=1.5), TypeError, "prod: axis"),
    (lambda: F.prod(np.ones(3), keepdims=BAD), TypeError, "prod: keepdims"),
    (lambda: F.cumsum(np.ones((2, 3)), axis=BAD), TypeError, "cumsum: axis"),
    (lambda: F.cumprod(np.ones((2, 3)), axis=-3), ValueError, r"cumprod: .*\(shape \(2, 3\)\)"),
    (lambda: F.argmax(np.ones((2, 3)), axis=BAD), TypeError, "argmax: axis"),
    (lambda: F.argmin(np.ones((2, 0)), axis=1), ValueError, r"argmin: .*empty.*\(2, 0\)"),
    (lambda: F.argmax(np.ones(0)), ValueError, "argmax: .*empty"),
    (lambda: F.any(np.ones(3), axis=(0, 0)), ValueError, "any: repeated axis"),
    (lambda: F.sort(np.float64(1.0)), ValueError, r"sort: a 0-d tensor.*axis=None"),
    (lambda: F.sort(np.ones(3), descending=BAD), TypeError, "sort: descending"),
    (lambda: F.argsort(np.ones((2, 3)), axis=2), ValueError, r"argsort: .*\(shape \(2, 3\)\)"),
    (lambda: F.topk(np.ones((2, 3)), 4), ValueError, r"topk: k must be .*\[0, 3\].*\(2, 3\)"),
    (lambda: F.topk(np.ones(3), -1), ValueError, "topk: k"),
    (lambda: F.topk(np.ones(3), BAD), TypeError, "topk: k must be an int"),
    (lambda: F.norm(np.ones(3), "fro"), ValueError, "norm: invalid norm order 'fro' for vectors"),
    (lambda: F.norm(np.ones((2, 2)), 3), ValueError, "norm: invalid norm order 3 for matrices"),
    (lambda: F.norm(np.ones((2, 2, 2)), 1), ValueError, r"norm: .*1-d or 2-d.*\(2, 2, 2\)"),
    (lambda: F.norm(np.ones((2, 2)), axis=(0, 0)), ValueError, r"norm: axis \(0, 0\)"),
    (lambda: F.norm(np.ones((2, 2, 2)), axis=(0, 1, 2)), ValueError, "norm: .*more than 2"),
    (lambda: F.norm(np.ones((2, 2)), axis=2), ValueError, r"norm: .*\(shape \(2, 2\)\)"),
    (lambda: F.norm(np.ones(2), ord=True), TypeError, "norm: ord"),
    (lambda: F.norm(np.ones(2), ord="x"), ValueError, "norm: invalid norm order 'x'"),
    (lambda: F.norm(np.ones(0), -np.inf), ValueError, "norm: .*empty"),
]


@pytest.mark.parametrize(("call", "exc", "match"), ERRORS, ids=[e[2] for e in ERRORS])
def test_clear_errors(call: Any, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        call()


# --------------------------------------------------------------------------- std and var edges
def test_std_gradient_is_zero_on_a_constant_slice_as_in_pytorch() -> None:
    x = Tensor(np.array([[1.0, 2.0], [1.0, 5.0]]), requires_grad=True)
    F.std(x, axis=0).backward(np.ones(2))
    np.testing.assert_array_equal(x.grad.data, [[0.0, -0.5], [0.0, 0.5]])  # type: ignore[union-attr]
    one = Tensor([5.0], requires_grad=True)
    F.std(one).backward()
    np.testing.assert_array_equal(one.grad.data, [0.0])  # type: ignore[union-attr]
    assert F.std(Tensor([5.0])).data == 0.0
    rng = np.random.default_rng(3)  # elsewhere it is still √var's gradient, to second order
    m = Tensor(np.concatenate([rng.standard_normal((4, 2)), np.ones((4, 1))], axis=1))
    assert gradcheck(lambda t: F.std(t, axis=0, ddof=1), [Tensor(m.data[:, :2])])
    assert gradgradcheck(lambda t: F.std(t, axis=1), [Tensor(m.data[:, :2])])


def test_var_with_ddof_at_least_n_divides_by_zero_as_numpy() -> None:
    a = np.array([1.0, 2.0, 3.0])
    with warnings.catch_warnings():  # NumPy warns "Degrees of freedom <= 0"; the library not
        warnings.simplefilter("ignore")
        want = [np.var(a, ddof=3), np.std(a, ddof=4), np.var(np.ones(3), ddof=3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = [F.var(Tensor(a), ddof=3).data, F.std(Tensor(a), ddof=4).data,
               F.var(Tensor(np.ones(3)), ddof=3).data]
    np.testing.assert_array_equal(got, want)
    assert want[:2] == [np.inf, np.inf] and np.isnan(want[2])
