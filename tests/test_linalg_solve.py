"""autograd_mini.linalg's linear systems and determinants (inv, solve, solve_triangular, det,
slogdet, logdet, cholesky, matrix_power) against torch.linalg: values and gradients over
batched shapes, second order, float32, NumPy's protocol, errors and empty stacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am

L = am.linalg
RNG = np.random.default_rng


def _well(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random matrices shifted by n·I: well conditioned."""
    return rng.standard_normal(shape) + shape[-1] * np.eye(shape[-1])


def _grad(x: am.Tensor) -> np.ndarray:
    assert x.grad is not None
    return x.grad.data


def _spd(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    m = rng.standard_normal(shape)
    return m @ m.swapaxes(-1, -2) + np.eye(shape[-1])


def _compare(ours: Callable[..., am.Tensor], theirs: Callable[..., Any],
             arrays: list[np.ndarray], seed: int = 0, tol: float = 1e-10) -> None:
    """Values and gradients (a random upstream gradient) of ours and torch's, float64."""
    torch = pytest.importorskip("torch")
    xs = [am.Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours(*xs), theirs(*ts)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=tol, atol=tol)
    g = RNG(seed).standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        assert x.grad is not None and x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=tol, atol=tol)


SHAPES = [(1, 1), (3, 3), (2, 4, 4), (2, 1, 2, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_inv_det_slogdet_logdet_match_torch(shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(1)
    a = _well(rng, shape)
    a[..., [0, -1], :] = a[..., [-1, 0], :]  # (a negative determinant where n > 1)
    _compare(L.inv, torch.linalg.inv, [a])
    _compare(L.det, torch.linalg.det, [a])
    _compare(lambda x: L.slogdet(x).logabsdet, lambda x: torch.linalg.slogdet(x).logabsdet, [a])
    r = L.slogdet(a)
    np.testing.assert_array_equal(r.sign.data, torch.linalg.slogdet(torch.tensor(a)).sign)
    b = _well(rng, shape)  # logdet: NaN (zero gradient) where det < 0, as torch.logdet
    b[..., :1, :] *= np.where(rng.uniform(size=(*shape[:-2], 1, 1)) < 0.5, -1.0, 1.0)
    _compare(L.logdet, torch.logdet, [b])


@pytest.mark.parametrize(("sa", "sb"), [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3)),
                                        ((2, 1, 3, 3), (4, 3, 2)), ((3, 3, 3), (3, 3)),
                                        ((2, 2), (3, 1, 2, 1))], ids=str)
@pytest.mark.parametrize("left", [True, False])
def test_solve_matches_torch(sa: tuple[int, ...], sb: tuple[int, ...], left: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(2)
    a, b = _well(rng, sa), rng.standard_normal(sb)
    if not left:
        if len(sb) == 1 or sb == sa[:-1]:
            return  # (a vector right side needs left=True: tested with the errors)
        b = b.swapaxes(-1, -2)
    _compare(lambda x, y: L.solve(x, y, left=left),
             lambda x, y: torch.linalg.solve(x, y, left=left), [a, b])


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular_matches_torch(upper: bool, left: bool, unit: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(3)
    a, b = _well(rng, (2, 1, 3, 3)), rng.standard_normal((3, 3, 2) if left else (3, 2, 3))
    _compare(lambda x, y: L.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit),
             lambda x, y: torch.linalg.solve_triangular(x, y, upper=upper, left=left,
                                                        unitriangular=unit), [a, b])


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular_in_several_blocks_matches_torch(upper: bool, left: bool,
                                                          unit: bool) -> None:
    """n = 75 takes the blocked substitution through three blocks of 32 rows (and a batch
    that broadcasts against b's): values and both gradients as torch's."""
    from autograd_mini.ops.triangular import BLOCK
    n = 75
    assert 2 * BLOCK < n < 3 * BLOCK
    torch = pytest.importorskip("torch")
    rng = RNG(11)
    a = rng.standard_normal((2, 1, n, n)) / np.sqrt(n) + 2 * np.eye(n)
    b = rng.standard_normal((3, n, 4) if left else (3, 4, n))
    _compare(lambda x, y: L.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit),
             lambda x, y: torch.linalg.solve_triangular(x, y, upper=upper, left=left,
                                                        unitriangular=unit), [a, b])


def test_solve_triangular_blocks_gradgradcheck_and_cholesky_gradient() -> None:
    """Second order through the blocked solve (n = 40: two blocks), and cholesky's gradient,
    which solves with L by blocks, as torch's at n = 70."""
    rng = RNG(12)
    a = rng.standard_normal((40, 40)) / 7 + 2 * np.eye(40)
    b = rng.standard_normal((40, 2))
    assert am.gradgradcheck(lambda x, y: L.solve_triangular(x, y, upper=False), [a, b])
    assert am.gradgradcheck(lambda x, y: L.solve_triangular(x, y, upper=True, left=False),
                            [a, b.T.copy()])
    spd = _spd(rng, (70, 70))
    torch = pytest.importorskip("torch")
    _compare(L.cholesky, lambda x: torch.linalg.cholesky(
        torch.tril(x) + torch.tril(x, -1).mT), [spd])


def test_solve_triangular_names_a_zero_diagonal_in_a_later_block_and_keeps_nan_local() -> None:
    a = np.stack([np.eye(70), np.eye(70)]) * 2.0
    a[1, 50, 50] = 0.0
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg\.solve_triangular: the matrix at "
                                                    r"batch position \(1,\) is singular: a zero "
                                                    "on its diagonal"):
        L.solve_triangular(a, np.ones((70, 1)), upper=True)
    a[1, 50, 50] = np.inf
    a[1, 60, 3] = np.nan  # (read by the lower solve: the rows from 60 on are NaN)
    x = L.solve_triangular(a, np.ones((70, 1)), upper=False).data
    np.testing.assert_array_equal(x[0], np.full((70, 1), 0.5))  # (the stack's other matrix)
    want = np.full((70, 1), 0.5)  # substitution, as torch's: 1/inf = 0, NaN onwards from 60
    want[50], want[60:] = 0.0, np.nan
    np.testing.assert_array_equal(x[1], want)
    small = np.array([[2.0, 0, 0, 0], [1, 2, 0, 0], [1, 1, np.nan, 0], [1, 1, 1, 2]])
    np.testing.assert_array_equal(  # (a NaN pivot: the rows above it keep their values)
        L.solve_triangular(small, np.ones((4, 1)), upper=False).data[:, 0],
        [0.5, 0.25, np.nan, np.nan])


@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular_is_substitution_on_ill_conditioned_triangles(unit: bool) -> None:
    """Each block is solved by substitution, as LAPACK's trsm: row exchanges (a general
    solve's) lose everything on a triangle with a small diagonal and large entries below it
    (the exact last entry is 3.2e88; LU gave 1.6e22). Checked against exact rational
    substitution."""
    from fractions import Fraction
    rng = RNG(9)
    n = 70
    a = np.tril(rng.standard_normal((n, n)), -1) + (np.eye(n) if unit else 1e-3 * np.eye(n))
    b = rng.standard_normal(n)
    exact: list[Fraction] = []
    for i in range(n):
        r = Fraction(b[i]) - sum(Fraction(a[i, j]) * exact[j] for j in range(i))
        exact.append(r if unit else r / Fraction(a[i, i]))
    want = np.array([float(v) for v in exact])
    # (J A J is upper triangular for the reversal J, and solves for J x from J b)
    for upper, t, rhs in ((False, a, b), (True, a[::-1, ::-1].copy(), b[::-1].copy())):
        got = L.solve_triangular(t, rhs[:, None], upper=upper, unitriangular=unit).data[:, 0]
        np.testing.assert_allclose(got[::-1] if upper else got, want, rtol=1e-12)


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (2, 3, 3)], ids=str)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_matches_torch_reading_one_triangle(shape: tuple[int, ...],
                                                     upper: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(4)
    noise = rng.standard_normal(shape)  # in the triangle that is not read
    a = _spd(rng, shape) + (np.tril(noise, -1) if upper else np.triu(noise, 1))

    def theirs(x: Any) -> Any:  # torch's, on the matrix symmetrised from the triangle read
        tri = torch.triu(x) if upper else torch.tril(x)
        return torch.linalg.cholesky(tri + tri.mT - torch.diag_embed(x.diagonal(0, -2, -1)),
                                     upper=upper)

    _compare(lambda x: L.cholesky(x, upper=upper), theirs, [a])
    # ... which is torch's value on the unsymmetrised matrix, and NumPy's
    want = torch.linalg.cholesky(torch.tensor(a), upper=upper).numpy()
    np.testing.assert_allclose(L.cholesky(a, upper=upper).data, want, atol=1e-12)
    np.testing.assert_allclose(np.linalg.cholesky(a, upper=upper), want, atol=1e-12)


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 5])
def test_matrix_power_matches_torch(n: int) -> None:
    torch = pytest.importorskip("torch")
    a = _well(RNG(5), (2, 3, 3)) / 3
    _compare(lambda x: L.matrix_power(x, n), lambda x: torch.linalg.matrix_power(x, n), [a])


def test_matrix_power_edges() -> None:
    a = am.Tensor(np.arange(8.0, dtype=np.float32).reshape(2, 2, 2), requires_grad=True)
    eye = L.matrix_power(a, 0)
    assert eye.shape == (2, 2, 2) and eye.dtype == np.float32
    np.testing.assert_array_equal(eye.data, np.broadcast_to(np.eye(2), (2, 2, 2)))
    eye.backward(np.ones((2, 2, 2), np.float32))
    np.testing.assert_array_equal(a.grad.data, 0)  # type: ignore[union-attr]
    one = L.matrix_power(a, 1)
    assert one is not a
    np.testing.assert_array_equal(one.data, a.data)
    k = L.matrix_power(np.array([[1, 1], [0, 1]]), 3)  # integers stay integers (as NumPy)
    assert k.dtype.kind == "i" and k.data.tolist() == [[1, 3], [0, 1]]


def test_det_gradient_at_rank_deficient_matrices() -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(6)
    for n, r in ((3, 2), (4, 3), (4, 2), (5, 3)):
        a = np.zeros((n, n))
        while np.linalg.det(a) == 0:  # (rounding leaves det ≈ 1e-16; torch's exact 0: below)
            a = rng.standard_normal((n, r)) @ rng.standard_normal((r, n))
        assert abs(np.linalg.det(a)) < 1e-13
        _compare(L.det, torch.linalg.det, [a], tol=1e-12)
    # exactly singular (det 0): the cofactor matrix, from the minors (torch 2.13 gives 0 here
    # on a plain backward)
    a = np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])
    cof = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1))
                     for j in range(3)] for i in range(3)])
    x = am.Tensor(np.stack([a, _well(rng, (3, 3))]), requires_grad=True)
    L.det(x).backward(np.ones(2))
    np.testing.assert_allclose(x.grad.data[0], cof, atol=1e-13)  # type: ignore[union-attr]
    assert not np.allclose(cof, 0)


def test_det_second_order_at_singular_matrices_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(7)
    for a in (np.array([[1.0, 2], [2, 4]]), rng.standard_normal((3, 2)) @ rng.standard_normal(
            (2, 3)), np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])):
        v = rng.standard_normal(a.shape)
        x = am.Tensor(a, requires_grad=True)
        d = L.det(x)
        d.backward(create_graph=True)
        gx = x.grad
        x.grad = None
        (gx * v).sum().backward()  # type: ignore[operator]
        t = torch.tensor(a, requires_grad=True)
        (tg,) = torch.autograd.grad(torch.linalg.det(t), t, create_graph=True)
        (th,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), t)
        np.testing.assert_allclose(_grad(x), th.numpy(), atol=1e-10)
        assert am.gradgradcheck(L.det, [a], rng=rng)


def test_hessian_vector_product_of_logdet_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(8)
    a, v = _spd(rng, (2, 3, 3)), rng.standard_normal((2, 3, 3))
    x = am.Tensor(a, requires_grad=True)
    L.logdet(x).sum().backward(create_graph=True)
    gx = x.grad
    x.grad = None
    (gx * v).sum().backward()  # type: ignore[operator]
    t = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.logdet(t).sum(), t, create_graph=True)
    (th,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), t)
    np.testing.assert_allclose(_grad(x), th.numpy(), atol=1e-12)


FUNCS: list[tuple[str, Callable[..., am.Tensor], int]] = [
    ("inv", L.inv, 1), ("det", L.det, 1), ("logabsdet", lambda x: L.slogdet(x).logabsdet, 1),
    ("logdet", L.logdet, 1), ("cholesky", L.cholesky, 1),
    ("cholesky_upper", lambda x: L.cholesky(x, upper=True), 1),
    ("matrix_power", lambda x: L.matrix_power(x, -2), 1), ("solve", L.solve, 2),
    ("solve_right", lambda x, y: L.solve(x, y, left=False), 2),
    ("solve_triangular", lambda x, y: L.solve_triangular(x, y, upper=True), 2),
]


def _inputs(name: str, nin: int, dtype: Any = np.float64) -> list[np.ndarray]:
    rng = RNG(9)
    a = _spd(rng, (2, 3, 3)) if name.startswith(("cholesky", "logdet")) else _well(rng, (2, 3, 3))
    return [a.astype(dtype), rng.standard_normal((3, 3)).astype(dtype)][:nin]


@pytest.mark.parametrize(("name", "fn", "nin"), FUNCS, ids=[f[0] for f in FUNCS])
def test_first_and_second_order_by_central_differences(name: str, fn: Any, nin: int) -> None:
    arrays = _inputs(name, nin)
    assert am.gradcheck(fn, arrays, rng=RNG(10))
    assert am.gradgradcheck(fn, arrays, rng=RNG(11))


@pytest.mark.parametrize(("name", "fn", "nin"), FUNCS, ids=[f[0] for f in FUNCS])
def test_float32_kept(name: str, fn: Any, nin: int) -> None:
    xs = [am.Tensor(a, requires_grad=True) for a in _inputs(name, nin, np.float32)]
    y = fn(*xs)
    assert y.dtype == np.float32
    ref = fn(*[a.astype(np.float64) for a in _inputs(name, nin, np.float32)])
    np.testing.assert_allclose(y.data, ref.data, rtol=1e-5, atol=1e-5)
    y.backward(np.ones(y.shape, np.float32))
    assert all(x.grad is not None and x.grad.dtype == np.float32 for x in xs)


def test_numpy_linalg_on_tensors_records() -> None:
    rng = RNG(12)
    a, b = _well(rng, (2, 3, 3)), rng.standard_normal((3, 2))
    for np_fn, ours in ((lambda x, y: np.linalg.solve(x, y), L.solve),
                        (lambda x, y: np.linalg.inv(x) @ y, lambda x, y: L.inv(x) @ y),
                        (lambda x, y: np.linalg.det(x) * y.sum(), lambda x, y: L.det(x) * y.sum()),
                        (lambda x, y: np.linalg.slogdet(x).logabsdet * y.sum(),
                         lambda x, y: L.slogdet(x).logabsdet * y.sum()),
                        (lambda x, y: np.linalg.matrix_power(x, 3) @ y,
                         lambda x, y: L.matrix_power(x, 3) @ y),
                        (lambda x, y: np.linalg.cholesky(x @ x.swapaxes(-1, -2)) @ y,
                         lambda x, y: L.cholesky(x @ x.swapaxes(-1, -2)) @ y)):
        grads = []
        for f in (np_fn, ours):
            x, y = am.Tensor(a, requires_grad=True), am.Tensor(b, requires_grad=True)
            out = f(x, y)
            assert isinstance(out, am.Tensor) and out.requires_grad
            out.sum().backward()
            grads.append((x.grad.data, y.grad.data))  # type: ignore[union-attr]
        for g1, g2 in zip(*grads):
            np.testing.assert_array_equal(g1, g2)


def test_empty_stacks_and_zero_by_zero() -> None:
    for shape in ((0, 3, 3), (2, 0, 0), (0, 0)):
        a = am.Tensor(np.zeros(shape) + (np.eye(shape[-1]) if shape[-1] else 0),
                      requires_grad=True)
        for fn, ref in ((L.inv, np.linalg.inv), (L.det, np.linalg.det),
                        (L.cholesky, np.linalg.cholesky),
                        (lambda x: L.slogdet(x).logabsdet, lambda x: np.linalg.slogdet(x)[1]),
                        (lambda x: L.solve(x, x), lambda x: np.linalg.solve(x, x))):
            a.grad = None
            out = fn(a)
            np.testing.assert_array_equal(out.data, ref(a.data))
            out.backward(np.ones(out.shape))
            assert a.grad is not None and a.grad.shape == shape
    assert L.det(np.zeros((0, 0))).item() == 1.0


def test_large_entries_and_nan_stay_quiet() -> None:
    rng = RNG(13)
    a = am.Tensor(1000 * _well(rng, (2, 4, 4)), requires_grad=True)
    for fn in (L.inv, L.det, L.logdet, lambda x: L.solve(x, x[..., 0])):
        a.grad = None
        fn(a).sum().backward()
        assert np.all(np.isfinite(_grad(a)))
    nan = np.full((2, 2), np.nan)
    for fn in (L.inv, L.det, L.cholesky):
        x = am.Tensor(nan, requires_grad=True)
        y = fn(x)
        assert np.isnan(y.data).any()
        y.backward(np.ones(y.shape))


def test_errors() -> None:
    ok, sing = np.eye(3), np.array([np.eye(2), [[1.0, 2], [2, 4]]])
    for fn in (L.inv, L.det, L.slogdet, L.cholesky, lambda x: L.matrix_power(x, 2)):
        with pytest.raises(ValueError, match=r"linalg\.\w+: needs a matrix or a stack of "
                                             r"matrices .* got shape \(3,\)"):
            fn(np.ones(3))
        with pytest.raises(ValueError, match=r"square .* shape \(2, 3\)"):
            fn(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg\.inv: the matrix at batch "
                                                    r"position \(1,\) is singular"):
        L.inv(sing)
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg\.solve: the matrix at batch "
                                                    r"position \(1,\) is singular"):
        L.solve(sing, np.ones(2))
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg\.matrix_power: the matrix at "
                                                    r"batch position \(1,\) is singular"):
        L.matrix_power(sing, -1)
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg\.solve_triangular: the matrix is "
                                                    "singular"):
        L.solve_triangular(np.zeros((2, 2)), np.ones((2, 1)), upper=True)
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg\.cholesky: the matrix at batch "
                                                    r"position \(0, 1\) is not positive definite"):
        L.cholesky(np.array([[np.eye(2), [[1.0, 2], [2, 1]]]]))
    x = am.Tensor(sing, requires_grad=True)
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg\.slogdet: .*position \(1,\) is "
                                                    "singular: the gradient of logabsdet"):
        L.slogdet(x).logabsdet.sum().backward()
    with pytest.raises(ValueError, match=r"linalg\.solve: the vector of shape \(2,\) does not "
                                         r"fit the matrix of shape \(3, 3\)"):
        L.solve(ok, np.ones(2))
    with pytest.raises(ValueError, match=r"linalg\.solve: the right-hand side of shape \(2, 1\)"
                                         r" does not fit the matrix of shape \(3, 3\)"):
        L.solve(ok, np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"linalg\.solve: left=False needs a matrix"):
        L.solve(ok, np.ones(3), left=False)
    with pytest.raises(ValueError, match=r"linalg\.solve: the batch axes \(2,\) and \(3,\)"):
        L.solve(np.stack([ok, ok]), np.ones((3, 3, 1)))
    with pytest.raises(ValueError, match=r"linalg\.solve: the right-hand side must be at least"):
        L.solve(ok, 1.0)
    with pytest.raises(TypeError, match=r"linalg\.matrix_power: n must be an integer"):
        L.matrix_power(ok, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"linalg\.cholesky: upper must be True or False"):
        L.cholesky(ok, upper=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="upper"):  # (required, as torch's)
        L.solve_triangular(ok, ok)  # type: ignore[call-arg]


def test_integer_input_is_computed_in_float64() -> None:
    a = np.array([[2, 1], [1, 3]])
    for fn in (L.inv, L.det, L.cholesky, lambda x: L.solve(x, np.array([1, 2]))):
        y = fn(a)
        assert y.dtype == np.float64
    np.testing.assert_allclose(L.inv(a).data, np.linalg.inv(a), atol=1e-15)


def test_det_second_order_near_a_singular_matrix_is_not_cancellation_noise() -> None:
    """det(A) A⁻ᵀ was differentiated wherever inv succeeded: at κ ≈ 1e16 its second
    derivative was noise ([64, −128, 192] for the exact [−414, −36, 342])."""
    x = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9 + 1e-15]])
    h = am.grad(lambda t: (am.grad(am.linalg.det)(t) ** 2).sum())(x)  # ∂ Σ cof(A)² / ∂A
    np.testing.assert_allclose(np.asarray(h.data)[0], [-414.0, -36.0, 342.0], atol=1e-6)
    assert am.gradgradcheck(am.linalg.det, [x])


def test_solve_gradient_with_inf_in_a_is_nan_as_the_value() -> None:
    a = am.Tensor(np.array([[1.0, np.inf], [0.0, 1.0]]), requires_grad=True)
    b = am.Tensor(np.ones(2), requires_grad=True)
    x = am.linalg.solve(a, b)
    assert np.isnan(x.data).all()
    x.sum().backward()
    assert a.grad is not None and b.grad is not None
    assert np.isnan(a.grad.data).all() and np.isnan(b.grad.data).all()


def test_det_recorded_backward_keeps_ordinary_matrices_on_the_inverse() -> None:
    """The adjugate is for matrices singular to working precision and small: a float32 20×20
    (κ₁ above 1/√ε) lost digits through it, and a singular one took its stack along."""
    torch = pytest.importorskip("torch")
    a32 = np.random.default_rng(0).standard_normal((20, 20)).astype(np.float32)
    x, xt = am.Tensor(a32, requires_grad=True), torch.tensor(a32, requires_grad=True)
    am.linalg.det(x).backward(create_graph=True)
    torch.linalg.det(xt).backward()
    assert x.grad is not None and xt.grad is not None
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-4,
                               atol=1e-5 * float(np.abs(xt.grad.numpy()).max()))
    stack = np.stack([np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]), np.eye(3) + 0.1])
    y = am.Tensor(stack, requires_grad=True)
    am.linalg.det(y).sum().backward(create_graph=True)
    assert y.grad is not None
    np.testing.assert_allclose(y.grad.data[1], 1.3 * np.linalg.inv(stack[1]).T, rtol=1e-14)
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg.det: a recorded backward .* up "
                                                     r"to 8×8.*9×9"):
        am.linalg.det(am.Tensor(np.zeros((9, 9)), requires_grad=True)).backward(
            create_graph=True)


@pytest.mark.parametrize("create_graph", [False, True])
def test_solve_gradient_of_a_stack_with_one_non_finite_matrix(create_graph: bool) -> None:
    """inf in one matrix made every matrix's gradient NaN (torch keeps the others')."""
    stack = np.stack([np.array([[1.0, np.inf], [0.0, 1.0]]), np.array([[2.0, 1.0], [1.0, 3.0]])])
    a = am.Tensor(stack, requires_grad=True)
    b = am.Tensor(np.ones((2, 2)), requires_grad=True)
    am.linalg.solve(a, b).sum().backward(create_graph=create_graph)
    assert a.grad is not None and b.grad is not None
    np.testing.assert_allclose(a.grad.data[1], [[-0.16, -0.08], [-0.08, -0.04]], rtol=1e-12)
    np.testing.assert_allclose(b.grad.data[1], [0.4, 0.2], rtol=1e-12)
    assert np.isnan(a.grad.data[0]).all() and np.isnan(b.grad.data[0]).all()


def test_solve_with_inf_or_nan_follows_lapack_and_torch() -> None:
    """inf that LAPACK eliminates to a finite solution keeps finite gradients (they were all
    NaN); a NaN pivot that LAPACK fails on gives NaN for that matrix only (it raised for the
    whole stack, saying "singular")."""
    torch = pytest.importorskip("torch")
    for bad in ([[np.inf, 1.0], [1.0, 1.0]], [[np.nan, 1.0], [1.0, 1.0]]):
        a = np.stack([2 * np.eye(2), np.array(bad)])
        x, b = am.Tensor(a, requires_grad=True), am.Tensor(np.ones((2, 2, 1)), requires_grad=True)
        out = am.linalg.solve(x, b)
        out.sum().backward()
        xt = torch.tensor(a, requires_grad=True)
        bt = torch.ones(2, 2, 1, dtype=torch.float64, requires_grad=True)
        ref = torch.linalg.solve(xt, bt)
        ref.sum().backward()
        assert b.grad is not None and bt.grad is not None
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
        np.testing.assert_array_equal(b.grad.data, bt.grad.numpy())
