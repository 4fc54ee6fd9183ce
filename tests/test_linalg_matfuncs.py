"""autograd_mini.linalg's matrix_exp, vector_norm, multi_dot, matrix_rank and cond against
torch.linalg: values and gradients over shapes and options, second order, float32, extremes,
errors and NumPy's protocol."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.graphview import topological_order

L = am.linalg
RNG = np.random.default_rng


def _grad(x: am.Tensor) -> np.ndarray:
    assert x.grad is not None
    return x.grad.data


def _top(a: np.ndarray) -> float:
    """The largest finite |entry| (1 if none)."""
    return float(np.abs(a[np.isfinite(a)]).max(initial=1.0))


def _compare(ours: Callable[..., am.Tensor], theirs: Callable[..., Any],
             arrays: list[np.ndarray], seed: int = 0, tol: float = 1e-12) -> None:
    """Values and gradients (a random upstream gradient) of ours and torch's, float64; the
    tolerance relative to each result's largest entry."""
    torch = pytest.importorskip("torch")
    xs = [am.Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours(*xs), theirs(*ts)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    want = ty.detach().numpy()
    np.testing.assert_allclose(y.data, want, rtol=tol, atol=tol * _top(want))
    g = RNG(seed).standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        want = t.grad.numpy()
        np.testing.assert_allclose(_grad(x), want, rtol=tol, atol=tol * _top(want))


# --------------------------------------------------------------------------- matrix_exp
@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (3, 3), (2, 4, 4), (2, 1, 5, 5)], ids=str)
@pytest.mark.parametrize("scale", [1e-3, 0.1, 0.6, 2.0, 8.0])
def test_matrix_exp_matches_torch(shape: tuple[int, ...], scale: float) -> None:
    """Scales that reach each Padé degree (3 to 13) and several squarings."""
    torch = pytest.importorskip("torch")
    a = RNG(3).standard_normal(shape) * scale
    _compare(L.matrix_exp, torch.linalg.matrix_exp, [a], tol=5e-14)


@pytest.mark.parametrize("n", [2, 3, 6])
@pytest.mark.parametrize("scale", [0.05, 1.0, 5.0, 20.0])
def test_matrix_exp_of_a_symmetric_matrix_is_its_eigendecomposition(n: int, scale: float) -> None:
    """e^S = V diag(e^w) Vᵀ, to a few ulp of the largest entry."""
    m = RNG(4).standard_normal((3, n, n)) * scale
    s = (m + m.swapaxes(-1, -2)) / 2
    w, v = np.linalg.eigh(s)
    want = (v * np.exp(w)[..., None, :]) @ v.swapaxes(-1, -2)
    got = L.matrix_exp(s).data
    top = np.abs(want).max(axis=(-2, -1), keepdims=True)
    assert np.all(np.abs(got - want) <= 64 * np.finfo(float).eps * n * top)
    i = np.arange(n)  # the exact special cases: a diagonal, and 1 × 1
    d = np.zeros((n, n))
    d[i, i] = w[0]
    np.testing.assert_array_equal(L.matrix_exp(s[:1, :1, :1]).data, np.exp(s[:1, :1, :1]))
    np.testing.assert_array_equal(L.matrix_exp(d).data, np.diag(np.exp(w[0])))


def test_matrix_exp_second_order_and_float32() -> None:
    a = RNG(5).standard_normal((2, 3, 3))
    assert am.gradcheck(L.matrix_exp, [a])
    assert am.gradgradcheck(L.matrix_exp, [0.7 * a])
    assert am.gradgradcheck(L.matrix_exp, [4.0 * a[:1]])  # (through squarings)
    x = am.Tensor(a.astype(np.float32), requires_grad=True)
    y = L.matrix_exp(x)
    y.backward(np.ones(y.shape, np.float32))
    assert y.dtype == np.float32 and _grad(x).dtype == np.float32
    np.testing.assert_allclose(y.data, L.matrix_exp(a).data, rtol=2e-6, atol=2e-6)
    # the exponential's group law and inverse, as a check independent of any reference
    e = L.matrix_exp(a).data
    np.testing.assert_allclose(e @ L.matrix_exp(-a).data, np.broadcast_to(np.eye(3), a.shape),
                               atol=1e-13)


def test_matrix_exp_at_extremes_and_empty() -> None:
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for v in (-1000.0, 600.0):  # (e^600 ≈ 4e260: the gradient too is finite)
            _compare(L.matrix_exp, torch.linalg.matrix_exp, [np.array([[v, 1.0], [0.0, 1.0]])])
        x = am.Tensor([[1000.0, 1.0], [0.0, 1.0]], requires_grad=True)
        y = L.matrix_exp(x)  # e^1000 overflows, as torch's: inf, and a gradient not finite
        np.testing.assert_allclose(y.data, torch.linalg.matrix_exp(torch.tensor(x.data)),
                                   rtol=1e-12)
        y.backward(np.ones((2, 2)))
        assert not np.isfinite(_grad(x)).any()
    nan = L.matrix_exp(np.array([[[np.nan, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]]))
    assert np.isnan(nan.data[0]).all()  # (as torch's; the other matrix is untouched)
    np.testing.assert_array_equal(nan.data[1], np.eye(2))
    for shape in [(0, 3, 3), (2, 0, 0)]:
        x = am.Tensor(np.zeros(shape), requires_grad=True)
        y = L.matrix_exp(x)
        y.backward(np.ones(shape))
        assert y.shape == shape and _grad(x).shape == shape
    with pytest.raises(ValueError, match=r"linalg\.matrix_exp: needs square matrices .*\(2, 3\)"):
        L.matrix_exp(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"linalg\.matrix_exp: needs a matrix .*\(3,\)"):
        L.matrix_exp(np.ones(3))


# --------------------------------------------------------------------------- vector_norm
@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, 0, -1, np.inf, -np.inf])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), (1,), ()], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_vector_norm_matches_torch(ord: float, axis: Any, keepdims: bool) -> None:
    torch = pytest.importorskip("torch")
    x = RNG(6).standard_normal((2, 3, 4))

    def theirs(t: Any) -> Any:  # (torch's ord=0 leaves no gradient: as 0)
        out = torch.linalg.vector_norm(t, ord, axis, keepdims)
        return out + 0 * t.sum() if ord == 0 else out
    _compare(lambda t: L.vector_norm(t, ord, axis, keepdims), theirs, [x])


def test_vector_norm_ranks_dtype_and_gradients() -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(7)
    for shape in [(), (5,), (2, 3), (1, 2, 2, 3)]:
        x = rng.standard_normal(shape)
        _compare(lambda t: L.vector_norm(t), lambda t: torch.linalg.vector_norm(t), [x])
        assert L.vector_norm(x, keepdims=True).shape == (1,) * len(shape)
    x32 = am.Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    y = L.vector_norm(x32, 3, 1)
    y.sum().backward()
    assert y.dtype == np.float32 and _grad(x32).dtype == np.float32
    y64 = L.vector_norm(x32, dtype=np.float64)
    want = torch.linalg.vector_norm(torch.tensor(x32.data), dtype=torch.float64)
    assert y64.dtype == np.float64 and y64.item() == pytest.approx(want.item(), rel=1e-15)
    big = np.array([1e200, -1e200, 3e-300])  # scaled: no overflow, no underflow
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert L.vector_norm(big).item() == pytest.approx(np.sqrt(2) * 1e200, rel=1e-15)
        assert L.vector_norm(big[2:], 2).item() == pytest.approx(3e-300, rel=1e-15)
    x = rng.standard_normal((2, 3)) + np.sign(rng.standard_normal((2, 3)))
    for p in (2.0, 3.0, -1.5):
        assert am.gradcheck(lambda t, p=p: L.vector_norm(t, p, (0, 1)), [x])
        assert am.gradgradcheck(lambda t, p=p: L.vector_norm(t, p, 1), [x])
    assert L.vector_norm(np.zeros((0, 3)), np.inf).item() == 0.0  # (NumPy's; torch refuses)


def test_vector_norm_refuses_clearly() -> None:
    x = np.ones((2, 3))
    with pytest.raises(TypeError, match=r"vector_norm\(\) takes NumPy's keywords: dim= is axis="):
        L.vector_norm(x, dim=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"linalg\.vector_norm: ord must be a real number"):
        L.vector_norm(x, "fro")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"linalg\.vector_norm: axis 2 is out of range"):
        L.vector_norm(x, 2, 2)
    with pytest.raises(TypeError, match=r"linalg\.vector_norm: dtype must be a floating dtype"):
        L.vector_norm(x, dtype=np.int64)
    with pytest.raises(ValueError, match=r"linalg\.vector_norm: ord=-inf of an empty slice"):
        L.vector_norm(np.zeros((0, 3)), -np.inf, 0)


# --------------------------------------------------------------------------- multi_dot
CHAINS = [[(3, 4), (4, 2)], [(4,), (4, 3), (3, 2)], [(2, 3), (3, 5), (5,)],
          [(4,), (4, 1), (1, 6), (6,)], [(5, 10), (10, 2), (2, 7), (7, 3), (3, 4)],
          [(3,), (3,)], [(2, 0), (0, 3), (3, 4)]]


@pytest.mark.parametrize("shapes", CHAINS, ids=str)
def test_multi_dot_matches_torch(shapes: list[tuple[int, ...]]) -> None:
    torch = pytest.importorskip("torch")
    arrays = [RNG(8).standard_normal(s) for s in shapes]
    _compare(lambda *ts: L.multi_dot(list(ts)), lambda *ts: torch.linalg.multi_dot(list(ts)),
             arrays)
    assert am.gradcheck(lambda *ts: L.multi_dot(ts), arrays)
    out = np.linalg.multi_dot([am.Tensor(a, requires_grad=True) for a in arrays])
    assert isinstance(out, am.Tensor) and out.requires_grad
    np.testing.assert_allclose(out.data, np.linalg.multi_dot(arrays), rtol=1e-13)


def test_multi_dot_takes_the_cheapest_order() -> None:
    """A (10×100) B (100×5) C (5×50): (AB)C costs 7,500 multiplications, A(BC) 75,000; and
    a (1×3) row times matrices ending in a long one is better taken from the left."""
    rng = RNG(9)
    a, b, c = (am.Tensor(rng.standard_normal(s), requires_grad=True)
               for s in [(10, 100), (100, 5), (5, 50)])
    products = [n.shape for n in topological_order(L.multi_dot([a, b, c]))
                if isinstance(n, am.Node) and n.op.name == "matmul"]
    assert sorted(products) == [(10, 5), (10, 50)]
    row, m1, m2 = rng.standard_normal(3), rng.standard_normal((3, 40)), rng.standard_normal(
        (40, 40))
    products = [n.shape for n in topological_order(L.multi_dot(
        [am.Tensor(row, requires_grad=True), m1, m2])) if isinstance(n, am.Node)]
    assert sorted(products) == [(40,), (40,)]


def test_multi_dot_refuses_clearly() -> None:
    m = np.ones((2, 2))
    with pytest.raises(ValueError, match=r"linalg\.multi_dot: needs at least 2 tensors, got 1"):
        L.multi_dot([m])
    with pytest.raises(TypeError, match=r"linalg\.multi_dot: takes a list or tuple"):
        L.multi_dot(m)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"tensor 1 must be 2-d .*\(2,\)"):
        L.multi_dot([m, np.ones(2), m])
    with pytest.raises(ValueError, match=r"tensor 0 must be 1-d or 2-d, got shape \(1, 2, 2\)"):
        L.multi_dot([np.ones((1, 2, 2)), m])
    with pytest.raises(ValueError, match=r"tensors 0 and 1 of shapes \(2, 2\) and \(3, 2\)"):
        L.multi_dot([m, np.ones((3, 2))])


# --------------------------------------------------------------------------- matrix_rank
def _ranked(rng: np.random.Generator) -> np.ndarray:
    """Four 3 × 5 matrices of rank 3, 1, 0 and 2 (singular values down to 1e-3)."""
    b = rng.standard_normal((4, 3, 5))
    b[1] = np.outer(rng.standard_normal(3), rng.standard_normal(5))
    b[2] = 0
    u, _, vh = np.linalg.svd(b[3], full_matrices=False)
    b[3] = u @ np.diag([2.0, 1e-3, 0.0]) @ vh
    return b


@pytest.mark.parametrize("kw", [{}, {"atol": 0.5}, {"rtol": 0.01}, {"atol": 1.0, "rtol": 0.1},
                                {"atol": 0.0}, {"atol": 1e-20}, {"rtol": 0.0}], ids=str)
def test_matrix_rank_matches_torch(kw: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    b = _ranked(RNG(10))
    for a in (b, b.swapaxes(-1, -2), b.astype(np.float32)):
        r = L.matrix_rank(am.Tensor(a, requires_grad=True), **kw)
        assert r.dtype == np.int64 and not r.requires_grad and r.shape == (4,)
        np.testing.assert_array_equal(r.data, torch.linalg.matrix_rank(torch.tensor(a), **kw))
    sym = b[:, :, :3] + b[:, :, :3].swapaxes(-1, -2)
    sym[1] = np.triu(sym[1], 1) * 7 + np.eye(3)  # (only the lower triangle is read)
    np.testing.assert_array_equal(L.matrix_rank(sym, hermitian=True, **kw).data,
                                  torch.linalg.matrix_rank(torch.tensor(sym), hermitian=True,
                                                           **kw))
    tol = np.array([0.0, 1e-20, 100.0, 0.5])  # a tolerance per matrix
    np.testing.assert_array_equal(L.matrix_rank(b, atol=tol).data, torch.linalg.matrix_rank(
        torch.tensor(b), atol=torch.tensor(tol)))
    assert L.matrix_rank(np.zeros((2, 0, 3))).data.tolist() == [0, 0]


def test_matrix_rank_refuses_clearly() -> None:
    with pytest.raises(ValueError, match=r"linalg\.matrix_rank: needs a matrix .*\(3,\)"):
        L.matrix_rank(np.ones(3))
    with pytest.raises(ValueError, match=r"linalg\.matrix_rank: needs square .*\(2, 3\)"):
        L.matrix_rank(np.ones((2, 3)), hermitian=True)
    with pytest.raises(ValueError, match=r"linalg\.matrix_rank: atol must be >= 0"):
        L.matrix_rank(np.ones((2, 2)), atol=-1.0)
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg\.matrix_rank: the matrix at batch "
                                                    r"position \(1,\) holds NaN"):
        L.matrix_rank(np.array([np.eye(2), [[np.nan, 0], [0, 1]]]))


# --------------------------------------------------------------------------- cond
ORDS: list[Any] = [None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf]


@pytest.mark.parametrize("p", ORDS, ids=str)
def test_cond_matches_torch(p: Any) -> None:
    """torch 2.13's backward of cond fails for 'fro', ±1 and ±inf (an in-place error): there
    the gradient is checked against its definition with torch's matrix_norm and inv."""
    torch = pytest.importorskip("torch")
    rng = RNG(11)

    def theirs(t: Any) -> Any:
        if p in (None, 2, -2, "nuc"):
            return torch.linalg.cond(t, p)
        return torch.linalg.matrix_norm(t, p) * torch.linalg.matrix_norm(torch.linalg.inv(t), p)
    for shape in [(1, 1), (3, 3), (2, 4, 4)] + ([(3, 5), (2, 4, 2)] if p in ORDS[:3] else []):
        a = rng.standard_normal(shape) + (np.eye(shape[-2], shape[-1]) if p not in ORDS[:3] else 0)
        _compare(lambda t: L.cond(t, p), theirs, [a], tol=1e-10)
        np.testing.assert_allclose(L.cond(a, p).data, torch.linalg.cond(torch.tensor(a), p),
                                   rtol=1e-11)
    a = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    if p not in (1, -1, np.inf, -np.inf):  # (the others: in the catalog, off their kinks)
        assert am.gradcheck(lambda t: L.cond(t, p), [a])
        assert am.gradgradcheck(lambda t: L.cond(t, p), [a])
    x = am.Tensor(a.astype(np.float32), requires_grad=True)
    y = L.cond(x, p)
    y.sum().backward()
    assert y.dtype == np.float32 and _grad(x).dtype == np.float32


def test_cond_singular_empty_and_errors() -> None:
    torch = pytest.importorskip("torch")
    s = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [1.0, 3.0]]])
    for p in ("fro", 1, -np.inf):  # inf where singular, the rest kept, with a gradient
        x = am.Tensor(s, requires_grad=True)
        y = L.cond(x, p)
        np.testing.assert_array_equal(y.data, torch.linalg.cond(torch.tensor(s), p))
        assert y.data[0] == np.inf
        y.backward(np.ones(2))
        assert np.all(_grad(x)[0] == 0) and np.all(np.isfinite(_grad(x)[1]))
    assert np.isnan(L.cond(np.zeros((2, 2))).item())  # 0/0, as torch
    for p in ORDS:
        out = L.cond(np.zeros((3, 0, 0)), p)
        np.testing.assert_array_equal(out.data, torch.linalg.cond(torch.zeros(3, 0, 0), p))
    with pytest.raises(ValueError, match=r"linalg\.cond: p must be None or one of .*got 3"):
        L.cond(np.eye(2), 3)
    with pytest.raises(ValueError, match=r"linalg\.cond: needs square matrices .*\(2, 3\)"):
        L.cond(np.ones((2, 3)), "fro")
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg\.cond: the matrix holds NaN"):
        L.cond(np.array([[np.nan, 1.0], [0.0, 1.0]]))


# --------------------------------------------------------------------------- NumPy's protocol
def test_numpy_calls_on_tensors_reach_these_with_numpys_readings() -> None:
    rng = RNG(12)
    b = _ranked(rng)
    t = am.Tensor(b, requires_grad=True)
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((), {}), ((0.5,), {}), ((), {"rtol": 0.01}), ((), {"tol": 1e-2})]
    for args, kw in calls:
        got = np.linalg.matrix_rank(t, *args, **kw)
        assert isinstance(got, am.Tensor) and got.dtype == np.int64
        np.testing.assert_array_equal(got.data, np.linalg.matrix_rank(b, *args, **kw))
    assert np.linalg.matrix_rank(am.Tensor([0.0, 2.0])).item() == 1
    with pytest.raises(ValueError, match="tol and rtol"):
        np.linalg.matrix_rank(t, 0.1, rtol=0.1)
    a = rng.standard_normal((2, 3, 3))
    for p in ORDS:
        got = np.linalg.cond(am.Tensor(a, requires_grad=True), p)
        assert isinstance(got, am.Tensor) and got.requires_grad
        np.testing.assert_allclose(got.data, np.linalg.cond(a, p), rtol=1e-11)
    assert np.linalg.cond(am.Tensor(np.zeros((2, 2)))).item() == np.inf  # NumPy's, not 0/0
    with pytest.raises(np.linalg.LinAlgError, match="empty"):
        np.linalg.cond(am.Tensor(np.zeros((0, 0))))
    x = rng.standard_normal((2, 3))
    options: list[dict[str, Any]] = [{}, {"ord": 1, "axis": 1}, {"axis": (), "ord": 3},
                                     {"ord": np.inf, "keepdims": True}]
    for kw in options:
        got = np.linalg.vector_norm(am.Tensor(x, requires_grad=True), **kw)
        assert isinstance(got, am.Tensor) and got.requires_grad
        np.testing.assert_allclose(got.data, np.linalg.vector_norm(x, **kw), rtol=1e-14)
    assert L.vector_norm(x, 3, ()).shape == ()  # (torch's dim=(): every axis)


def test_matrix_exp_gradient_of_a_huge_upstream_gradient_is_scaled_exactly() -> None:
    """The VJP is linear in Ḡ: Ḡ of 1e300 against an A of size 700 gives 1e300 times the
    gradient of Ḡ/1e300 (the exact power-of-2 scaling reaches past 2^±512)."""
    a = np.array([[-700.0, 1.0], [0.0, -699.0]])
    g = np.array([[1e300, 1.0], [1.0, 1.0]])
    big = am.Tensor(a, requires_grad=True)
    (am.linalg.matrix_exp(big) * am.Tensor(g)).sum().backward()
    small = am.Tensor(a, requires_grad=True)
    (am.linalg.matrix_exp(small) * am.Tensor(g / 1e300)).sum().backward()
    assert big.grad is not None and small.grad is not None
    np.testing.assert_allclose(big.grad.data, small.grad.data * 1e300, rtol=1e-12)
    assert 9e-5 < big.grad.data[0, 0] < 1e-4


def test_matrix_rank_names_a_tolerance_that_does_not_fit_the_batch() -> None:
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"linalg\.matrix_rank: atol of shape \(2,\) does not "
                                         r"broadcast to the batch shape \(2, 3\)"):
        am.linalg.matrix_rank(am.Tensor(a), atol=np.array([0.0, 0.5]))
    with pytest.raises(ValueError, match=r"linalg\.matrix_rank: rtol of shape \(2, 3, 1\)"):
        am.linalg.matrix_rank(am.Tensor(a), rtol=np.zeros((2, 3, 1)))
    ranks = am.linalg.matrix_rank(am.Tensor(a), atol=np.array([[0.0], [1e9]])).data
    np.testing.assert_array_equal(ranks, [[4, 4, 4], [0, 0, 0]])


@pytest.mark.parametrize("size", [1e-262, 1e-30, 1.0])
def test_matrix_exp_second_order_at_tiny_matrices(size: float) -> None:
    """Ḡ is scaled to max(‖A‖₁, 1), not to a tiny A's own size, whose square in the recorded
    backward's block would underflow to 0 (a Hypothesis draw of 1.8e−262 found it)."""
    a = np.array([[size, 0.3 * size], [0.0, -size]])
    assert am.gradgradcheck(L.matrix_exp, [a])
    assert am.gradgradcheck(L.matrix_exp, [a[:1, :1].copy()])
