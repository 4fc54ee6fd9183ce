"""Linear systems and determinants: inv, solve, det, slogdet, logdet, cholesky and matrix_power,
over stacks of matrices (the last two axes), as numpy.linalg and torch.linalg.

Each VJP is written with ``@``, ``.swapaxes``, ``*`` and ``np.linalg.solve`` / ``np.linalg.inv``
(cholesky's with ``solve_triangular``, from ops/triangular.py):
on ndarrays (``backward()``) these are NumPy's, on Tensors (``create_graph=True``) they reach
this module's functions, so every gradient is differentiable again."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..checks import flag, is_int
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import Tensor
from . import elementwise as E
from .decomp import matrices, right_side
from .triangular import solve_triangular, triangular_solve

__all__ = ["cholesky", "det", "inv", "logdet", "matrix_power", "slogdet", "solve",
           "solve_triangular"]

LinAlgError = np.linalg.LinAlgError
Grads = tuple[Any, ...]


class SlogdetResult(NamedTuple):
    """``slogdet``'s result: det(A) = sign · exp(logabsdet)."""

    sign: Tensor
    logabsdet: Tensor


def _t(x: Any) -> Any:
    """The transpose of each matrix of a stack (an ndarray or a Tensor)."""
    return x.swapaxes(-1, -2)


def _failure(name: str, what: str, a: np.ndarray, test: Any) -> LinAlgError:
    """The error for the first matrix of the stack ``a`` on which ``test`` fails (NumPy's
    gufuncs fail a whole stack without saying where)."""
    where = ""
    for idx in np.ndindex(a.shape[:-2]):
        try:
            test(a[idx])
        except LinAlgError:
            where = f" at batch position {idx}" if a.ndim > 2 else ""
            break
    return LinAlgError(f"{name}: the matrix{where} is {what} (input shape {a.shape})")


# --------------------------------------------------------------------------- inv
def _inv(a: np.ndarray) -> tuple[Any, Any]:
    """Y = A⁻¹;  Ā = −Yᵀ Ḡ Yᵀ"""
    try:
        y = np.linalg.inv(a)
    except LinAlgError:
        raise _failure("linalg.inv", "singular", a, np.linalg.inv) from None
    return y, (y,)


def _inv_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    yt = _t(saved[0])
    return (-(yt @ g @ yt),)


_INV = primitive("linalg.inv", _inv, _inv_vjp, nin=1, floating=True)


def inv(a: Any) -> Tensor:
    """A⁻¹ of each matrix of the stack ``a`` (…, n, n);  Ā = −A⁻ᵀ Ḡ A⁻ᵀ. A singular matrix
    raises ``numpy.linalg.LinAlgError`` naming its batch position."""
    return _INV(matrices(a, "linalg.inv", True))


# --------------------------------------------------------------------------- solve
def _lapack_solve(a: np.ndarray, b: np.ndarray, what: str) -> np.ndarray:
    """np.linalg.solve, except where LAPACK fails on a matrix holding NaN or inf (it fails the
    whole stack): that matrix's solution is NaN and the others are kept, as torch's; a finite
    singular matrix raises, naming its batch position."""
    try:
        return np.linalg.solve(a, b)
    except LinAlgError:
        bad = ~np.isfinite(a).all(axis=(-2, -1))
        try:
            if bad.any():
                out = np.linalg.solve(np.where(bad[..., None, None], np.eye(a.shape[-1]), a), b)
                return np.where(bad[..., None, None], np.nan, out)
        except LinAlgError:
            pass
        raise _failure("linalg.solve", what, a, np.linalg.inv) from None


def _solve(a: np.ndarray, b: np.ndarray) -> tuple[Any, Any]:
    """X = A⁻¹ B (B a stack of matrices, batch axes broadcast);  B̄ = A⁻ᵀ Ḡ, Ā = −B̄ Xᵀ"""
    x = _lapack_solve(a, b, "singular")
    return x, (a, x)


def _solve_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    a, x = saved  # (g has at least a's dimensions: a matrix right side)
    gb = np.linalg.solve(_t(a), g) if isinstance(a, Tensor) else _lapack_solve(
        _t(a), g, "singular (in the gradient's solve with Aᵀ)")
    return (-(gb @ _t(x)) if needs[0] else None), gb


_SOLVE = primitive("linalg.solve", _solve, _solve_vjp, nin=2, floating=True)


def _solve_matrix(a: Tensor, b: Tensor, left: bool, name: str) -> Tensor:
    """X with A X = B (left) or X A = B, for B a stack of matrices."""
    right_side(a, b, left, name, "X A = B")
    if left:
        return _SOLVE(a, b)
    return _t(_SOLVE(_t(a), _t(b)))  # X A = B  ⇔  Aᵀ Xᵀ = Bᵀ


def solve(a: Any, b: Any, *, left: bool = True) -> Tensor:
    """X with A X = B (``left=False``: X A = B), for each matrix of the stack ``a`` (…, n, n).

    ``b`` is a batch of vectors when it is 1-d or its shape is ``a.shape[:-1]`` (torch's rule;
    NumPy 2 takes only a 1-d ``b`` as a vector), else a stack of matrices (…, n, k); batch axes
    broadcast. B̄ = A⁻ᵀ Ḡ (a solve with Aᵀ), Ā = −B̄ Xᵀ. A singular matrix raises
    ``numpy.linalg.LinAlgError`` naming its batch position.
    """
    left = flag(left, "linalg.solve", "left")
    a = matrices(a, "linalg.solve", True, b)
    b = as_tensor(b, a, "linalg.solve")
    if b.ndim == 0:
        raise ValueError(f"linalg.solve: the right-hand side must be at least 1-d, got shape "
                         f"{b.shape} (matrix shape {a.shape})")
    if b.ndim == 1 or b.shape == a.shape[:-1]:  # a (batch of) vector(s)
        if not left:
            raise ValueError(f"linalg.solve: left=False needs a matrix right-hand side (…, k, n),"
                             f" got the vector shape {b.shape} (matrix shape {a.shape})")
        if b.shape[-1] != a.shape[-1]:
            raise ValueError(f"linalg.solve: the vector of shape {b.shape} does not fit the "
                             f"matrix of shape {a.shape}: expected length {a.shape[-1]}")
        return _solve_matrix(a, b[..., None], True, "linalg.solve")[..., 0]
    return _solve_matrix(a, b, left, "linalg.solve")


# --------------------------------------------------------------------------- determinants
def _det(a: np.ndarray) -> tuple[Any, Any]:
    """det A;  Ā = Ḡ cof(A) = Ḡ det(A) A⁻ᵀ (cof(A) = adj(A)ᵀ, finite where A is singular)"""
    d = np.asarray(np.linalg.det(a))
    return d, (a, d)


def _ill_conditioned(a: np.ndarray, ai: np.ndarray) -> np.ndarray:
    """Per matrix, whether its 1-norm condition number exceeds 1/√ε (or is NaN): there
    det(A) A⁻ᵀ is the difference of huge terms, and loses its digits."""
    with np.errstate(all="ignore"):
        kappa = np.abs(a).sum(-2).max(-1, initial=0) * np.abs(ai).sum(-2).max(-1, initial=0)
        return ~(kappa <= 1 / np.sqrt(np.finfo(a.dtype).eps))


def _cofactor(a: np.ndarray, d: np.ndarray) -> np.ndarray:
    """cof(A) = det(A) A⁻ᵀ; for a singular or ill-conditioned matrix (κ₁ > 1/√ε) from the
    SVD A = U diag(s) Vᵀ: cof(A) = det(U) det(V) U diag(∏_{j≠i} s_j) Vᵀ, exact there."""
    with np.errstate(all="ignore"):
        try:
            ai = np.linalg.inv(a)
            cof = d[..., None, None] * _t(ai)
            bad = _ill_conditioned(a, ai)
        except LinAlgError:  # (a singular matrix in the stack: NumPy fails the whole stack)
            cof = np.full_like(a, np.nan)  # (NaN for a NaN matrix; the rest is set below)
            bad = np.ones(a.shape[:-2], bool)
        bad &= np.isfinite(a).all(axis=(-2, -1))  # (NaN stays NaN: the SVD would fail on it)
        if bad.any():
            u, s, vh = np.linalg.svd(a[bad])
            others = np.broadcast_to(s[..., None, :], (*s.shape, s.shape[-1])).copy()
            i = np.arange(s.shape[-1])
            others[..., i, i] = 1
            sign = np.linalg.det(u) * np.linalg.det(vh)
            cof[bad] = sign[..., None, None] * ((u * others.prod(-1)[..., None, :]) @ vh)
    return cof


def _adjugate(a: Tensor) -> Tensor:
    """adj(A) by Faddeev–LeVerrier, a polynomial in A (recorded, for any order): M₁ = I,
    c_{n−1} = −tr A, M_k = A M_{k−1} + c_{n−k+1} I, c_{n−k} = −tr(A M_k)/k; adj(A) = (−1)ⁿ⁻¹ Mₙ."""
    n = a.shape[-1]
    eye = np.eye(n, dtype=a.dtype)
    m: Any = eye
    c = -(a * eye).sum(axis=(-2, -1))  # c_{n−1} = −tr A
    for k in range(2, n + 1):
        m = a @ m + c[..., None, None] * eye
        c = -(a * _t(m)).sum(axis=(-2, -1)) / k
    return m * (-1.0) ** (n - 1)


def _det_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    a, d = saved
    if isinstance(a, np.ndarray):
        return (g[..., None, None] * _cofactor(a, d),)
    # recorded (create_graph=True): det(A) A⁻ᵀ, but the adjugate for the matrices that are
    # singular to working precision (κ₂ ε ≥ 1, where A⁻ᵀ is noise or fails) and small enough
    # for Faddeev–LeVerrier's rounding (n ≤ 8); a larger singular one is refused
    n = a.shape[-1]
    near = np.zeros(a.shape[:-2], bool)
    if a.size:  # (the SVD of a finite stand-in for a matrix with NaN or inf, which stays NaN)
        finite = np.isfinite(a.data).all(axis=(-2, -1))
        s = np.linalg.svd(np.where(finite[..., None, None], a.data, np.eye(n)), compute_uv=False)
        near = ~(s[..., -1] > s[..., 0] * np.finfo(a.dtype).eps)
    if not near.any() or n > 8:
        try:
            return (g[..., None, None] * d[..., None, None] * _t(np.linalg.inv(a)),)
        except LinAlgError:
            raise LinAlgError(f"linalg.det: a recorded backward (create_graph=True) at a "
                              f"singular matrix is exact up to 8×8 (Faddeev–LeVerrier); this "
                              f"one is {n}×{n} (input shape {a.shape})") from None
    mask = near[..., None, None]
    safe = E.select(mask, np.eye(n, dtype=a.dtype), a)  # (those are the adjugate's: no inverse)
    cof = E.select(mask, _t(_adjugate(a)), d[..., None, None] * _t(np.linalg.inv(safe)))
    return (g[..., None, None] * cof,)


_DET = primitive("linalg.det", _det, _det_vjp, nin=1, floating=True)


def det(a: Any) -> Tensor:
    """det A of each matrix of the stack ``a`` (…, n, n) (1 for a 0×0 matrix).

    Ā = Ḡ cof(A), the cofactor matrix adj(A)ᵀ = det(A) A⁻ᵀ where A is invertible, and finite
    where it is not: where A is singular or ill-conditioned (κ₁ > 1/√ε) ``backward()`` takes
    it from the SVD; a recorded backward (``create_graph=True``) takes it from the
    Faddeev–LeVerrier polynomial for the matrices singular to working precision (κ₂ ≥ 1/ε) of
    n ≤ 8, so second derivatives there are right too; elsewhere det(A) A⁻ᵀ, whose second
    derivative loses about κ ε of its digits.
    """
    return _DET(matrices(a, "linalg.det", True))


def _slogdet(a: np.ndarray) -> tuple[Any, Any]:
    """(sign, log|det A|);  Ā = ḡ_logabsdet A⁻ᵀ (the sign has no gradient)"""
    # one output for two results: [..., 0] the sign, [..., 1] log|det A|; slogdet() slices it
    sign, logabs = np.linalg.slogdet(a)
    return np.stack([sign, logabs], axis=-1), (a,)


def _slogdet_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    a = saved[0]
    if isinstance(a, np.ndarray):
        try:
            ai = np.linalg.inv(a)
        except LinAlgError:
            raise _failure("linalg.slogdet", "singular: the gradient of logabsdet (A⁻ᵀ) is "
                           "infinite there", a, np.linalg.inv) from None
    else:
        ai = np.linalg.inv(a)
    return (g[..., 1][..., None, None] * _t(ai),)


_SLOGDET = primitive("linalg.slogdet", _slogdet, _slogdet_vjp, nin=1, floating=True)


def slogdet(a: Any) -> SlogdetResult:
    """(sign, logabsdet) with det A = sign · exp(logabsdet), for each matrix of the stack ``a``
    (sign 0 and logabsdet −∞ for a singular one); the gradient flows through logabsdet:
    Ā = ḡ A⁻ᵀ. Its gradient at a singular A is infinite: ``backward()`` raises
    ``numpy.linalg.LinAlgError`` there (torch gives ±inf)."""
    out = _SLOGDET(matrices(a, "linalg.slogdet", True))
    return SlogdetResult(out[..., 0], out[..., 1])


def logdet(a: Any) -> Tensor:
    """log det A, as torch.logdet: NaN where det A < 0 (with a zero gradient there), −∞ where
    it is 0;  Ā = Ḡ A⁻ᵀ."""
    sign, logabs = slogdet(matrices(a, "linalg.logdet", True))
    return E.where(sign.data < 0, np.asarray(np.nan, logabs.dtype), logabs)


# --------------------------------------------------------------------------- cholesky
def _cholesky(a: np.ndarray) -> tuple[Any, Any]:
    """L (lower) with L Lᵀ = A, reading A's lower triangle only;
    Ā = (P + Pᵀ) ∘ Φ₁, P = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, Φ(X) = X ∘ Φ₁ (the lower triangle, diagonal ½)"""
    sym = np.tril(a) + _t(np.tril(a, -1))
    try:
        lower = np.linalg.cholesky(sym)
    except LinAlgError:
        raise _failure("linalg.cholesky", "not positive definite", sym, np.linalg.cholesky
                       ) from None
    return lower, (lower,)


def _cholesky_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    lower = saved[0]
    n = lower.shape[-1]
    phi = np.tril(np.ones((n, n), g.dtype)) - 0.5 * np.eye(n, dtype=g.dtype)
    y = _upper_solve(_t(lower), (_t(lower) @ g) * phi)  # L⁻ᵀ Φ(Lᵀ L̄)
    p = _t(_upper_solve(_t(lower), _t(y)))  # … L⁻¹
    # A's entry (i, j), i > j, is read for both (i, j) and (j, i): the symmetric part, twice
    return ((p + _t(p)) * phi,)


def _upper_solve(u: Any, b: Any) -> Any:
    """U⁻¹ B for U upper triangular (recorded where U is a Tensor)."""
    if isinstance(u, Tensor):
        return solve_triangular(u, b, upper=True)
    return triangular_solve(u, b, lower=False)


_CHOLESKY = primitive("linalg.cholesky", _cholesky, _cholesky_vjp, nin=1, floating=True)


def cholesky(a: Any, *, upper: bool = False) -> Tensor:
    """L, lower triangular with positive diagonal, with A = L Lᵀ, reading only the lower
    triangle of each matrix of ``a`` (as torch and NumPy); ``upper=True`` gives U = Lᵀ with
    A = Uᵀ U, reading the upper triangle (as torch and NumPy 2).

    VJP: P = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹ (Φ: the lower triangle with the diagonal halved; two triangular
    solves), Ā = Φ(P + Pᵀ): P + Pᵀ below the diagonal, P's diagonal on it, 0 above, the
    derivative with respect to the entries read (torch gives the symmetric ½(P + Pᵀ) over the
    whole matrix; the two agree along symmetric changes). Not positive definite:
    ``numpy.linalg.LinAlgError`` naming the batch position.
    """
    up = flag(upper, "linalg.cholesky", "upper")
    a = matrices(a, "linalg.cholesky", True)
    return _t(_CHOLESKY(_t(a))) if up else _CHOLESKY(a)


# --------------------------------------------------------------------------- matrix_power
def matrix_power(a: Any, n: int) -> Tensor:
    """Aⁿ for an integer n by repeated squaring (about 2 log₂|n| matmuls); n < 0 is (A⁻¹)^|n|,
    n = 0 the identity (of ``a``'s batch shape and dtype, with a zero gradient)."""
    if not is_int(n):
        raise TypeError(f"linalg.matrix_power: n must be an integer, got {n!r:.60}")
    n = int(n)
    a = matrices(a, "linalg.matrix_power", True)
    if n == 0:  # the identity, still on the graph (as torch's): its gradient is 0
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return E.where(np.ones(a.shape, bool), eye, a)
    if n < 0:
        try:
            a = inv(a)
        except LinAlgError as exc:
            raise LinAlgError(str(exc).replace("linalg.inv", "linalg.matrix_power", 1)
                              + f" (n = {n} needs its inverse)") from None
    result = None
    base, k = a, abs(n)
    while k:
        if k & 1:
            result = base if result is None else result @ base
        k >>= 1
        if k:
            base = base @ base
    assert result is not None
    return result if result is not a else a[...]  # (n = ±1: a new tensor, not the input)
