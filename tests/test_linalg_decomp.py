"""autograd_mini.linalg's decompositions (eigh, eigvalsh, svd, svdvals, qr, pinv, matrix_norm)
against torch.linalg: values and gradients over batched shapes (signs of singular vectors and
eigenvectors aligned first), second order, float32, NumPy's dispatch, errors, empty stacks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import linalg as L
from autograd_mini.backward import backward

LOOSE: Any = L  # (for calls with arguments of the wrong type)


def _close(actual: Any, desired: Any) -> None:
    np.testing.assert_allclose(actual, desired, rtol=1e-10, atol=1e-11)


def _leaf(a: np.ndarray) -> am.Tensor:
    return am.Tensor(a, requires_grad=True)


def _read(sym: np.ndarray, uplo: str = "L") -> np.ndarray:
    """torch's symmetric gradient of a one-triangle op as the derivative with respect to the
    entries read (ours): doubled in that triangle, kept on the diagonal, 0 in the other."""
    n = sym.shape[-1]
    w = 2.0 * np.tri(n, k=-1) + np.eye(n)
    return sym * (w if uplo == "L" else w.T)


def _signs(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """±1 per column so that ours · signs matches theirs (singular/eigen vectors' gauge)."""
    return np.where(np.sum(ours * theirs, axis=-2) < 0, -1.0, 1.0)


# --------------------------------------------------------------------------- eigh, eigvalsh
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4), (2, 1, 2, 2)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_matches_torch(shape: tuple[int, ...], uplo: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)  # not symmetric: only the UPLO triangle is read, as torch
    x, xt = _leaf(a), torch.tensor(a, requires_grad=True)
    w, v = L.eigh(x, UPLO=uplo)
    wt, vt = torch.linalg.eigh(xt, UPLO=uplo)
    d = _signs(v.data, vt.detach().numpy())[..., None, :]
    _close(w.data, wt.detach().numpy())
    _close(v.data * d, vt.detach().numpy())
    gw, gv = rng.standard_normal(w.shape), rng.standard_normal(v.shape)
    (am.sum(w * gw) + am.sum(v * gv)).backward()
    ((wt * torch.tensor(gw)).sum() + (vt * torch.tensor(gv * d)).sum()).backward()
    assert x.grad is not None and xt.grad is not None
    _close(x.grad.data, _read(xt.grad.numpy(), uplo))
    np.testing.assert_allclose(xt.grad.numpy(), np.swapaxes(xt.grad.numpy(), -1, -2), atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 4, 4)])
def test_eigvalsh_matches_torch(shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape)
    x, xt = _leaf(a), torch.tensor(a, requires_grad=True)
    y, yt = L.eigvalsh(x, UPLO="U"), torch.linalg.eigvalsh(xt, UPLO="U")
    _close(y.data, yt.detach().numpy())
    g = rng.standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    _close(x.grad.data, _read(xt.grad.numpy(), "U"))  # type: ignore[union-attr]


def test_gradients_of_one_triangle_ops_are_the_derivatives_of_the_entries_read() -> None:
    """eigh, eigvalsh and pinv(hermitian=True) read one triangle: the other's entries change
    nothing, so their gradient is 0, and central differences agree entry by entry."""
    a = np.random.default_rng(3).standard_normal((2, 3, 3))
    for f in (lambda t: L.eigh(t).eigenvalues, lambda t: L.eigh(t, UPLO="U").eigenvectors ** 2,
              lambda t: L.eigvalsh(t, UPLO="U"), lambda t: L.pinv(t, hermitian=True)):
        am.gradcheck(f, [a])
        x = _leaf(a)
        am.sum(f(x) * np.arange(1.0, 1 + f(x).size).reshape(f(x).shape)).backward()
        assert x.grad is not None and np.count_nonzero(x.grad.data) == 12  # 2 × 6 entries


def test_repeated_eigenvalues_finite_for_eigvalsh_not_for_eigh() -> None:
    x = _leaf(np.eye(3))
    L.eigvalsh(x).backward(np.array([1.0, 2.0, 3.0]))
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, np.diag([1.0, 2.0, 3.0]), atol=1e-15)
    x = _leaf(np.eye(3))
    v = L.eigh(x).eigenvectors  # 1/(w_j − w_i) = 1/0 there: not finite, as in torch
    v.backward(np.arange(9.0).reshape(3, 3))
    assert not np.all(np.isfinite(x.grad.data))  # type: ignore[union-attr]


# --------------------------------------------------------------------------- svd, svdvals
SHAPES = [(5, 3), (3, 5), (4, 4), (2, 5, 3), (2, 3, 5), (1, 2, 1, 4)]


@pytest.mark.parametrize("shape", SHAPES)
def test_svd_matches_torch(shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a = rng.standard_normal(shape)
    x, xt = _leaf(a), torch.tensor(a, requires_grad=True)
    u, s, vh = L.svd(x, full_matrices=False)
    ut, st, vht = torch.linalg.svd(xt, full_matrices=False)
    d = _signs(u.data, ut.detach().numpy())
    _close(s.data, st.detach().numpy())
    _close(u.data * d[..., None, :], ut.detach().numpy())
    _close(vh.data * d[..., :, None], vht.detach().numpy())
    gu, gs, gvh = (rng.standard_normal(t.shape) for t in (u, s, vh))
    am.sum(u * gu).backward(retain_graph=True)
    s.backward(gs, retain_graph=True)
    vh.backward(gvh)
    ((ut * torch.tensor(gu * d[..., None, :])).sum() + (st * torch.tensor(gs)).sum()
     + (vht * torch.tensor(gvh * d[..., :, None])).sum()).backward()
    _close(x.grad.data, xt.grad.numpy())  # type: ignore[union-attr]


@pytest.mark.parametrize("shape", SHAPES)
def test_svdvals_matches_torch(shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = rng.standard_normal(shape)
    x, xt = _leaf(a), torch.tensor(a, requires_grad=True)
    y, yt = L.svdvals(x), torch.linalg.svdvals(xt)
    _close(y.data, yt.detach().numpy())
    g = rng.standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    _close(x.grad.data, xt.grad.numpy())  # type: ignore[union-attr]


def test_svd_full_matrices() -> None:
    a = np.random.default_rng(4).standard_normal((2, 4, 3))
    u, s, vh = L.svd(a)  # a constant: full_matrices=True (the default) as NumPy
    nu, ns, _ = np.linalg.svd(a)
    assert u.shape == (2, 4, 4) and vh.shape == (2, 3, 3)
    np.testing.assert_allclose(np.abs(u.data), np.abs(nu), atol=1e-12)
    np.testing.assert_allclose(s.data, ns, atol=1e-12)
    x, x2 = _leaf(a), _leaf(a)  # recorded: S and U's first 3 columns have the gradients of
    u, s, vh = L.svd(x)         # full_matrices=False
    am.sum(s * s + u[..., :3].sum(axis=-2) * s + vh.sum(axis=-2)).backward()
    u, s, vh = L.svd(x2, full_matrices=False)
    am.sum(s * s + u.sum(axis=-2) * s + vh.sum(axis=-2)).backward()
    assert x.grad is not None and x2.grad is not None
    np.testing.assert_allclose(x.grad.data, x2.grad.data, rtol=1e-12)
    for wide, extra in ((False, lambda r: r.U[..., 3]), (True, lambda r: r.Vh[..., 3, :])):
        y = _leaf(np.swapaxes(a, -1, -2) if wide else a)
        with pytest.raises(ValueError, match=r"linalg.svd: a gradient reached (U's columns|Vh's "
                                             r"rows) beyond min\(m, n\) = 3 of full_matrices=True "
                                             r"for (4×3|3×4).*use full_matrices=False"):
            am.sum(extra(L.svd(y))).backward()
        assert y.grad is None
    with am.no_grad():
        assert L.svd(_leaf(a)).U.shape == (2, 4, 4)
    sq = _leaf(a[..., :3, :])  # square: full and reduced are the same, both differentiable
    am.sum(L.svd(sq).U * a[..., :3, :]).backward()
    g_full = sq.grad.data  # type: ignore[union-attr]
    sq.grad = None
    am.sum(L.svd(sq, full_matrices=False).U * a[..., :3, :]).backward()
    assert sq.grad is not None
    np.testing.assert_array_equal(g_full, sq.grad.data)


def test_repeated_singular_values_finite_for_svdvals() -> None:
    x = _leaf(np.eye(3)[:, :2] * 2.0)
    L.svdvals(x).backward(np.array([1.0, 3.0]))
    assert x.grad is not None and np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(x.grad.data @ np.ones(2), [1.0, 3.0, 0.0], atol=1e-15)


# --------------------------------------------------------------------------- qr
@pytest.mark.parametrize(("shape", "mode"), [((5, 3), "reduced"), ((3, 3), "reduced"),
                                             ((3, 5), "reduced"), ((2, 4, 2), "reduced"),
                                             ((2, 2, 4), "complete"), ((3, 3), "complete")])
def test_qr_matches_torch(shape: tuple[int, ...], mode: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a = rng.standard_normal(shape)
    x, xt = _leaf(a), torch.tensor(a, requires_grad=True)
    q, r = L.qr(x, mode=mode)
    qt, rt = torch.linalg.qr(xt, mode=mode)
    _close(q.data, qt.detach().numpy())
    _close(r.data, rt.detach().numpy())
    gq, gr = rng.standard_normal(q.shape), rng.standard_normal(r.shape)
    (am.sum(q * gq) + am.sum(r * gr)).backward()
    ((qt * torch.tensor(gq)).sum() + (rt * torch.tensor(gr)).sum()).backward()
    _close(x.grad.data, xt.grad.numpy())  # type: ignore[union-attr]


def test_qr_modes_r_and_complete() -> None:
    """mode='r' gives R with the reduced gradient; 'complete' with m > n records, and refuses
    only a gradient reaching Q's columns beyond n, which are not unique."""
    a = np.random.default_rng(6).standard_normal((4, 3))
    q, r = L.qr(a, mode="r")  # Q empty, as torch
    assert q.shape == (0,)
    np.testing.assert_allclose(r.data, np.linalg.qr(a, mode="r"), atol=1e-14)
    assert L.qr(a, mode="complete").Q.shape == (4, 4)
    g = np.random.default_rng(7).standard_normal((3, 3))
    grads = []
    for mode in ("reduced", "r", "complete"):
        x = _leaf(a)
        q, r = L.qr(x, mode=mode)
        (am.sum(r[:3] * g) + (am.sum(q[:, :3] * a) if mode != "r" else 0.0)).backward()
        grads.append(x.grad.data)  # type: ignore[union-attr]
    r_only = _leaf(a)
    am.sum(L.qr(r_only).R * g).backward()
    np.testing.assert_allclose(grads[1], r_only.grad.data, rtol=1e-12)  # type: ignore[union-attr]
    assert not np.allclose(grads[0], grads[1])  # (Q's term counts in the other two)
    np.testing.assert_allclose(grads[2], grads[0], rtol=1e-12)
    x = _leaf(a)
    with pytest.raises(ValueError, match=r"linalg.qr: a gradient reached Q's columns beyond n = 3 "
                                         r"of mode='complete' for 4×3 matrices.*mode='reduced'"):
        am.sum(L.qr(x, mode="complete").Q[:, 3]).backward()
    assert x.grad is None
    with pytest.raises(ValueError, match=r"linalg.qr: mode must be 'reduced', 'complete' or 'r', "
                                         r"got 'raw'"):
        L.qr(a, mode="raw")


# --------------------------------------------------------------------------- pinv
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)])
def test_pinv_matches_torch(shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    a = rng.standard_normal(shape)
    cases: list[tuple[np.ndarray, dict[str, Any]]] = [(a, {})]
    if shape[-1] == shape[-2]:
        cases.append((a + np.swapaxes(a, -1, -2), {"hermitian": True}))
    low = a[..., :, :1] @ a[..., :1, :]  # rank 1: the gradient at constant rank
    cases.append((low, {"rtol": 1e-9}))
    cases.append((low, {"atol": 1e-9}))
    for b, kw in cases:
        x, xt = _leaf(b), torch.tensor(b, requires_grad=True)
        y, yt = L.pinv(x, **kw), torch.linalg.pinv(xt, **kw)
        _close(y.data, yt.detach().numpy())
        g = rng.standard_normal(y.shape)
        y.backward(g)
        yt.backward(torch.tensor(g))
        tg = xt.grad.numpy()
        if kw.get("hermitian"):  # (torch's gradient along symmetric changes; ours of the lower)
            tg = _read((tg + np.swapaxes(tg, -1, -2)) / 2)
        _close(x.grad.data, tg)  # type: ignore[union-attr]


# --------------------------------------------------------------------------- matrix_norm
@pytest.mark.parametrize("order", ["fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf])
@pytest.mark.parametrize(("axis", "keepdims"), [((-2, -1), False), ((0, 2), True),
                                                ((2, -3), False)])
def test_matrix_norm_matches_torch(order: Any, axis: tuple[int, int], keepdims: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    a = rng.standard_normal((3, 2, 4))
    x, xt = _leaf(a), torch.tensor(a, requires_grad=True)
    y = L.matrix_norm(x, order, axis=axis, keepdims=keepdims)
    yt = torch.linalg.matrix_norm(xt, order, dim=axis, keepdim=keepdims)
    _close(y.data, yt.detach().numpy())
    g = rng.standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    _close(x.grad.data, xt.grad.numpy())  # type: ignore[union-attr]


@pytest.mark.parametrize("order", [2, -2, "nuc"])
def test_norm_takes_the_singular_value_orders_as_numpy(order: Any) -> None:
    """am.norm / np.linalg.norm refused ord 2, −2 and 'nuc' of a matrix before linalg had
    singular values; they are matrix_norm's now (torch.linalg.norm(A, 2) too)."""
    a = np.random.default_rng(9).standard_normal((2, 3, 4))
    x, y = _leaf(a), _leaf(a)
    out = np.linalg.norm(x, order, axis=(1, 2))
    np.testing.assert_allclose(out.data, np.linalg.norm(a, order, axis=(1, 2)), rtol=1e-13)
    out.sum().backward()
    L.matrix_norm(y, order).sum().backward()
    assert x.grad is not None and y.grad is not None
    np.testing.assert_allclose(x.grad.data, y.grad.data, rtol=1e-13)
    np.testing.assert_allclose(am.norm(a[0], order).data, np.linalg.norm(a[0], order), rtol=1e-13)


# --------------------------------------------------------------------------- second order
def _sym(x: Any) -> Any:
    return (x + x.swapaxes(-1, -2)) / 2


SECOND = [
    (lambda x: L.eigh(_sym(x)).eigenvalues, (2, 3, 3)),
    (lambda x: am.einsum("...ik,...jk->...ij", *[L.eigh(_sym(x)).eigenvectors] * 2) * x, (3, 3)),
    (lambda x: L.eigvalsh(_sym(x)), (2, 3, 3)),
    (lambda x: am.einsum("...ik,...k,...kj->...ij", *L.svd(x, full_matrices=False)) ** 2,
     (2, 4, 3)),
    (lambda x: am.einsum("...ik,...kj->...ij", L.svd(x, full_matrices=False).U,
                         L.svd(x, full_matrices=False).Vh), (3, 4)),
    (L.svdvals, (2, 3, 4)),
    (lambda x: am.concatenate([t.reshape(-1) for t in L.qr(x)]), (4, 3)),
    (lambda x: am.concatenate([t.reshape(-1) for t in L.qr(x)]), (2, 4)),
    (L.pinv, (2, 3, 4)),
    (lambda x: L.matrix_norm(x, "nuc"), (3, 4)),
]


@pytest.mark.parametrize(("fn", "shape"), SECOND, ids=range(len(SECOND)))
def test_first_and_second_order(fn: Any, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(9)
    a = rng.standard_normal(shape) + 3 * np.eye(shape[-2], shape[-1])
    am.gradcheck(fn, [a], rng=rng)
    am.gradgradcheck(fn, [a], rng=rng)


def test_hessian_vector_product_with_create_graph() -> None:
    """H v of f(A) = Σ σ(A)³ against central differences of the recorded gradient."""
    rng = np.random.default_rng(10)
    a, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))

    def grad(b: np.ndarray, create: bool) -> tuple[am.Tensor, Any]:
        x = _leaf(b)
        (g,) = backward(am.sum(L.svdvals(x) ** 3), create_graph=create, inputs=[x])
        return x, g

    x, g = grad(a, True)
    assert isinstance(g, am.Tensor)
    am.sum(g * v).backward()
    eps = 1e-6
    fd = (np.asarray(grad(a + eps * v, False)[1]) - np.asarray(grad(a - eps * v, False)[1])) / (
        2 * eps)
    np.testing.assert_allclose(x.grad.data, fd, rtol=1e-6, atol=1e-7)  # type: ignore[union-attr]


# --------------------------------------------------------------------------- dtype, NumPy, errors
def _all_results(a: Any) -> list[am.Tensor]:
    sq = a[..., :3, :3]
    return [*L.eigh(sq), L.eigvalsh(sq), *L.svd(a, full_matrices=False), L.svdvals(a),
            *L.qr(a), L.pinv(a), L.matrix_norm(a, 2), L.matrix_norm(a, "nuc")]


def test_float32_kept_in_values_and_gradients() -> None:
    a = np.random.default_rng(11).standard_normal((2, 4, 3)).astype(np.float32)
    for out in _all_results(a):
        assert out.dtype == np.float32
    for k in range(len(_all_results(a))):
        x = _leaf(a)
        y = _all_results(x)[k]
        y.backward(np.ones(y.shape, np.float32))
        assert x.grad is not None and x.grad.dtype == np.float32, k
    ints = np.arange(9).reshape(3, 3) + 5 * np.eye(3, dtype=np.int64)
    assert L.svdvals(ints).dtype == np.float64  # integers computed in float64, as NumPy


def test_numpy_linalg_on_a_tensor_records() -> None:
    rng = np.random.default_rng(12)
    a = rng.standard_normal((2, 3, 3))
    calls = [
        (lambda m, x: m.eigh(x).eigenvalues, lambda x: L.eigh(x).eigenvalues),
        (lambda m, x: m.eigvalsh(x, UPLO="U"), lambda x: L.eigvalsh(x, UPLO="U")),
        (lambda m, x: m.svd(x, full_matrices=False).S, lambda x: L.svd(x, False).S),
        (lambda m, x: m.svdvals(x), L.svdvals),
        (lambda m, x: m.qr(x).R, lambda x: L.qr(x).R),
        (lambda m, x: m.pinv(x), L.pinv),
        (lambda m, x: m.matrix_norm(x, ord="nuc"), lambda x: L.matrix_norm(x, "nuc")),
    ]
    for through_numpy, ours in calls:
        x, y = _leaf(a), _leaf(a)
        out = through_numpy(np.linalg, x)
        assert isinstance(out, am.Tensor) and out.requires_grad
        g = rng.standard_normal(out.shape)
        out.backward(g)
        ours(y).backward(g)
        np.testing.assert_allclose(out.data, through_numpy(np.linalg, a), atol=1e-12)
        np.testing.assert_array_equal(x.grad.data, y.grad.data)  # type: ignore[union-attr]


def test_large_entries_are_stable() -> None:
    torch = pytest.importorskip("torch")
    a = 1000 * np.random.default_rng(13).standard_normal((3, 3))
    x, xt = _leaf(a), torch.tensor(a, requires_grad=True)
    (am.sum(L.svdvals(x)) + am.sum(L.eigvalsh(x)) + am.sum(L.pinv(x))).backward()
    (torch.linalg.svdvals(xt).sum() + torch.linalg.eigvalsh(xt).sum()
     + torch.linalg.pinv(xt).sum()).backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-9)  # type: ignore[union-attr]


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: L.eigh(np.ones(3)), ValueError, r"linalg.eigh: needs a matrix .* got shape \(3,\)"),
    (lambda: L.eigvalsh(np.ones((2, 3))), ValueError, r"linalg.eigvalsh: needs square .*\(2, 3\)"),
    (lambda: L.eigh(np.eye(2), UPLO="X"), ValueError, "linalg.eigh: UPLO must be 'L' or 'U'"),
    (lambda: L.svd(np.ones(2)), ValueError, r"linalg.svd: needs a matrix .*\(2,\)"),
    (lambda: LOOSE.svd(np.eye(2), full_matrices=1), TypeError, "linalg.svd: full_matrices must be"),
    (lambda: L.svdvals(np.stack([np.eye(2), [[1, np.nan], [0, 1]]])), np.linalg.LinAlgError,
     r"linalg.svdvals: the matrix at batch position \(1,\) holds NaN or inf"),
    (lambda: L.pinv(np.eye(2), rtol=-1.0), ValueError, "linalg.pinv: rtol must be >= 0"),
    (lambda: L.pinv(np.ones((2, 3)), hermitian=True), ValueError, "linalg.pinv: needs square"),
    (lambda: L.matrix_norm(np.eye(2), 3), ValueError, "linalg.matrix_norm: ord must be one of"),
    (lambda: L.matrix_norm(np.eye(2), axis=(0, 0)), ValueError,
     r"linalg.matrix_norm: axis \(0, 0\) is invalid for shape \(2, 2\)"),
    (lambda: LOOSE.matrix_norm(np.eye(2), axis=1), TypeError, "axis must be a pair of ints"),
    (lambda: LOOSE.matrix_norm(np.eye(2), dim=(0, 1)), TypeError, "dim= is axis="),
    (lambda: L.matrix_norm(np.zeros((2, 0)), -2), ValueError, "ord=-2 of an empty matrix"),
])
def test_bad_input_errors(call: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_linalg_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="SVD does not converge"):
        L.svd(np.full((2, 2), np.inf))
    w = L.eigvalsh(np.full((2, 2), np.nan))  # as NumPy: NaN out, no error
    assert np.all(np.isnan(w.data))


@pytest.mark.parametrize("shape", [(0, 3, 3), (2, 0, 0), (0, 2, 3), (2, 0, 3), (2, 3, 0)])
def test_empty_stacks(shape: tuple[int, ...]) -> None:
    a = np.zeros(shape)
    outs: list[Any] = [L.svdvals, lambda x: L.svd(x, full_matrices=False).U, L.pinv,
                       lambda x: L.qr(x).R, lambda x: L.matrix_norm(x, "nuc")]
    if shape[-1] == shape[-2]:
        outs += [L.eigvalsh, lambda x: L.eigh(x).eigenvectors]
    for fn in outs:
        x = _leaf(a)
        y = fn(x)
        assert y.shape == fn(a).shape
        y.backward(np.ones(y.shape))
        assert x.grad is not None and x.grad.shape == shape
    np.testing.assert_array_equal(L.pinv(a).data, np.linalg.pinv(a))


def test_values_alone_have_finite_gradients_where_they_repeat() -> None:
    """Only w (or S) used: the packed output's zero adjoint for V (U, Vh) made 0/0 = NaN at
    repeated values (an orthogonal or identity start); torch skips the unused term."""
    torch = pytest.importorskip("torch")
    x = _leaf(np.eye(3))
    L.eigh(x).eigenvalues.sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, np.eye(3))
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((6, 6)))[0]
    for a in (q, np.array([[1.0, 0, 0], [0, 0, 0]])):  # equal S; a zero S off the square
        x, xt = _leaf(a), torch.tensor(a, requires_grad=True)
        ((L.svd(x, full_matrices=False).S - 1.1) ** 2).sum().backward()
        ((torch.linalg.svd(xt, full_matrices=False).S - 1.1) ** 2).sum().backward()
        assert x.grad is not None and xt.grad is not None
        _close(x.grad.data, xt.grad.numpy())
    x = _leaf(np.eye(3))  # the vectors used: still not finite there, as torch
    L.eigh(x).eigenvectors.backward(np.arange(9.0).reshape(3, 3))
    assert not np.all(np.isfinite(x.grad.data))  # type: ignore[union-attr]


def test_qr_gradient_at_dependent_columns_is_refused_by_name() -> None:
    a = _leaf(np.stack([np.eye(2), [[1.0, 0.0], [2.0, 0.0]]]))
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg.qr: the gradient needs R "
                                                     r"invertible.*batch position \(1,\).*"
                                                     r"dependent columns"):
        L.qr(a).R.sum().backward()
    assert a.grad is None


def test_pinv_with_atol_zero_keeps_the_default_rtol_as_torch() -> None:
    x = np.diag([1.0, 1e-17, 0.0])
    np.testing.assert_array_equal(np.diag(L.pinv(x, atol=0.0).data), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(np.diag(L.pinv(x, atol=1e-20).data), [1.0, 1e17, 0.0])


def test_second_order_at_repeated_eigenvalues_is_not_a_finite_guess() -> None:
    """Taking 0/0 as 0 wherever it appeared made the Hessian of Σw³ at I a wrong 6·I; only an
    unused factor's term is skipped now, so it is not finite there, as torch's."""
    def f(t: am.Tensor) -> am.Tensor:
        return (L.eigh(t).eigenvalues ** 3).sum()
    h = am.hessian(f)(np.eye(2))
    assert not np.isfinite(np.asarray(h.data)).all()
    x = _leaf(np.eye(2))
    f(x).backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 3 * np.eye(2))  # first order: finite, 3A²


def test_matrix_orders_take_numpy_scalars() -> None:
    for order in (np.int64(2), np.int32(-2), np.float32(2.0)):
        np.testing.assert_allclose(am.norm(np.diag([3.0, 1.0]), order).data,
                                   np.linalg.norm(np.diag([3.0, 1.0]), order))
        L.matrix_norm(np.eye(2), order)


def test_hessian_at_a_minimum_of_a_loss_on_the_vectors_matches_torch() -> None:
    """There the vectors' adjoint is 0 by value but not a constant: skipping their term
    (dividing by 1 for the whole matrix) made the Hessians wrong by O(1)."""
    torch = pytest.importorskip("torch")
    a0 = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, -1.0]])
    b0 = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.2]])
    v0 = np.linalg.eigh(a0)[1][:, :1]
    u0 = np.linalg.svd(b0, full_matrices=False)[0][:, :1]

    def f(lib: Any, a: Any) -> Any:  # the first eigenprojector's distance from its value at a0
        v = lib.linalg.eigh((a + a.T) / 2)[1][:, :1]
        return (((v @ v.T) - lib.tensor(v0 @ v0.T)) ** 2).sum()

    def g(lib: Any, b: Any) -> Any:
        u = lib.linalg.svd(b, full_matrices=False)[0][:, :1]
        return (((u @ u.T) - lib.tensor(u0 @ u0.T)) ** 2).sum()

    for fn, x0 in ((f, a0), (g, b0)):
        ours = np.asarray(am.hessian(lambda x, fn=fn: fn(am, x))(x0).data)
        theirs = torch.autograd.functional.hessian(lambda x, fn=fn: fn(torch, x),
                                                   torch.tensor(x0)).numpy()
        np.testing.assert_allclose(ours, theirs, atol=1e-9)


# --------------------------------------------------------------------------- lstsq
@pytest.mark.parametrize(("sa", "sb"), [((5, 3), (5, 2)), ((3, 5), (3, 2)), ((2, 5, 3), (5, 1)),
                                        ((4, 4), (4, 3))])
def test_lstsq_matches_torch(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    x, y = _leaf(a), _leaf(b)
    out = L.lstsq(x, y)
    xt, yt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ref = torch.linalg.lstsq(xt, yt.expand(*sa[:-2], *sb), driver="gelsd")
    _close(out.solution.data, ref.solution.detach().numpy())
    g = rng.standard_normal(out.solution.shape)
    out.solution.backward(g)
    ref.solution.backward(torch.tensor(g))
    assert x.grad is not None and y.grad is not None and xt.grad is not None
    _close(x.grad.data, xt.grad.numpy())
    assert yt.grad is not None
    _close(y.grad.data, yt.grad.numpy())
    np.testing.assert_array_equal(out.rank.data, ref.rank.numpy())
    if sa[-2] > sa[-1]:
        _close(out.residuals.data, ref.residuals.detach().numpy())


def test_lstsq_as_numpy() -> None:
    """np.linalg.lstsq on a Tensor: NumPy's vector b, residuals, rank and singular values; a
    rank-deficient A gives the minimum-norm solution and no residuals."""
    rng = np.random.default_rng(12)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal(5)
    x = _leaf(a)
    out: Any = np.linalg.lstsq(x, b)  # (NumPy's stubs type it a tuple of arrays)
    sol, res, rank, s = np.linalg.lstsq(a, b)
    _close(out.solution.data, sol)
    _close(out.residuals.data, res)
    assert int(out.rank.item()) == rank
    _close(out.singular_values.data, s)
    out.solution.sum().backward()
    assert x.grad is not None
    low = L.lstsq(np.ones((4, 3)), np.arange(4.0)[:, None])
    _close(low.solution.data, np.linalg.lstsq(np.ones((4, 3)), np.arange(4.0)[:, None])[0])
    assert int(low.rank.item()) == 1 and low.residuals.shape == (0,)
    assert am.gradgradcheck(lambda p, q: L.lstsq(p, q).solution,
                            [rng.standard_normal((5, 3)), rng.standard_normal((5, 2))])
    with pytest.raises(ValueError, match=r"linalg.lstsq: driver must be None, 'gels'"):
        L.lstsq(a, b, driver="qr")
    with pytest.raises(ValueError, match=r"linalg.lstsq: a must be .* same m, got shapes "
                                         r"\(5, 3\) and \(4,\)"):
        L.lstsq(a, b[:4])


def test_lstsq_vectors_rcond_and_fields() -> None:
    """Review fixes: a batched a with a 1-d b kept one entry per solution (x[:, 0]); a b of a's
    batch shape is vectors (torch's rule); a negative rcond (NumPy's legacy −1) is ε, not "keep
    everything"; the fields share one dtype; errors name lstsq."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(13)
    a = rng.standard_normal((2, 5, 3))
    out = L.lstsq(a, rng.standard_normal(5))
    assert out.solution.shape == (2, 3)
    a2, b2 = rng.standard_normal((3, 3, 2)), rng.standard_normal((3, 3))
    ref = torch.linalg.lstsq(torch.tensor(a2), torch.tensor(b2), driver="gelsd").solution
    _close(L.lstsq(a2, b2).solution.data, ref.numpy())
    d = np.diag([1.0, 1e-17, 1.0])
    np.testing.assert_array_equal(L.lstsq(d, np.eye(3), rcond=-1).solution.data,
                                  np.linalg.lstsq(d, np.eye(3), rcond=-1)[0])
    assert int(L.lstsq(np.diag([1.0, 0.0, 1.0]), np.eye(3), rcond=-1).rank.item()) == 2
    assert L.lstsq(np.zeros((0, 4, 3)), np.zeros((0, 4, 1))).singular_values.shape == (0, 3)
    mixed = L.lstsq(np.eye(3, dtype=np.float32), np.ones((3, 1)))
    assert mixed.solution.dtype == mixed.singular_values.dtype == np.float64
    with pytest.raises(ValueError, match=r"linalg.lstsq: rcond must be a number, got nan"):
        L.lstsq(np.eye(2), np.ones(2), rcond=float("nan"))
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg.lstsq: a holds NaN or inf"):
        L.lstsq(np.array([[1.0, np.nan], [0.0, 1.0]]), np.ones(2))
    with pytest.raises(TypeError, match=r"linalg.lstsq: array type float16"):
        L.lstsq(np.eye(2, dtype=np.float16), np.ones(2, np.float16))
