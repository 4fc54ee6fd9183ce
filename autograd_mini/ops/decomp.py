"""Matrix decompositions: eigh, svd, qr and what is built on them (eigvalsh, svdvals, pinv),
over stacks of matrices (the last two axes), as numpy.linalg and torch.linalg.

A decomposition with several results is one op whose single output array packs them; the
public function returns a named tuple of recorded slices of it, so gradients flowing into any
of the results reach the one VJP, which unpacks the output it saved (also as a Tensor)."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np

from ..checks import broadcasts, flag, real_number
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import Tensor
from . import elementwise as E
from . import shape as S

__all__ = ["eigh", "eigvalsh", "pinv", "qr", "svd", "svdvals"]

Grads = tuple[Any, ...]


class EighResult(NamedTuple):
    """eigh's result: A = V diag(w) Vᵀ, w ascending, V's columns the eigenvectors."""
    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    """svd's result: A = U diag(S) Vh, S descending."""
    U: Tensor
    S: Tensor
    Vh: Tensor


class QRResult(NamedTuple):
    """qr's result: A = QR."""
    Q: Tensor
    R: Tensor


def _mT(x: Any) -> Any:
    """The matrices of a stack transposed (an array or a Tensor)."""
    return x.swapaxes(-1, -2)


def _rows(x: np.ndarray) -> np.ndarray:
    """Each matrix of a stack as one row (also for an empty stack)."""
    return x.reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])


def matrices(a: Any, name: str, square: bool = False, like: Any = None) -> Tensor:
    """``a`` as a Tensor (numbers taking ``like``'s dtype), refused, naming ``name``, unless a
    matrix or a stack of matrices (at least 2-d), square if asked."""
    t = as_tensor(a, like if isinstance(like, Tensor) else None, name)
    if t.ndim < 2:
        raise ValueError(f"{name}: needs a matrix or a stack of matrices (at least 2-d), got "
                         f"shape {t.shape}")
    if square and t.shape[-1] != t.shape[-2]:
        raise ValueError(f"{name}: needs square matrices (…, n, n: the last two axes equal), "
                         f"got shape {t.shape}")
    return t


def right_side(a: Tensor, b: Tensor, left: bool, name: str, equation: str) -> None:
    """Refuse, naming ``name``, a right-hand side ``b`` that is not a stack of matrices fitting
    the square stack ``a`` ((…, n, k), or (…, k, n) for ``left=False``, which solves
    ``equation``), or whose batch axes do not broadcast with a's."""
    n = a.shape[-1]
    if b.ndim < 2 or b.shape[-2 if left else -1] != n:
        side = "(…, n, k)" if left else "(…, k, n)"
        raise ValueError(f"{name}: the right-hand side of shape {b.shape} does not fit the "
                         f"matrix of shape {a.shape}: expected {side} with n = {n}"
                         + ("" if left else f" (left=False solves {equation})"))
    if not broadcasts(a.shape[:-2], b.shape[:-2]):
        raise ValueError(f"{name}: the batch axes {a.shape[:-2]} and {b.shape[:-2]} of shapes "
                         f"{a.shape} and {b.shape} do not broadcast")


def _finite(t: Tensor, fn: str) -> None:
    """Refuse NaN or inf, as LAPACK's SVD does (NumPy: "SVD did not converge"), saying where."""
    bad = ~np.isfinite(t.data).all(axis=(-2, -1))
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at batch position {at}" if at else ""
        raise np.linalg.LinAlgError(f"linalg.{fn}: the matrix{where} holds NaN or inf, where "
                                    f"the SVD does not converge (shape {t.shape})")


def _uplo(UPLO: Any, fn: str) -> str:
    if not isinstance(UPLO, str) or UPLO not in ("L", "U"):
        raise ValueError(f"linalg.{fn}: UPLO must be 'L' or 'U', got {UPLO!r:.60}")
    return str(UPLO)


def _read(ga: Any, uplo: str) -> Any:
    """The derivative with respect to the entries a one-triangle op reads, from the symmetric
    Ā of a symmetric matrix: 2Ā_ij in the triangle read (each entry stands for two),
    Ā_ii on the diagonal, 0 in the other triangle (whose entries change nothing)."""
    n = ga.shape[-1]
    w = 2.0 * np.tri(n, k=-1) + np.eye(n)
    return ga * (w if uplo == "L" else w.T).astype(ga.dtype)


def _ratio(num: Any, den: Any, unused: np.ndarray) -> Any:
    """num / den, with 0/0 taken as 0 in the matrices of the stack whose vectors are ``unused``
    (their adjoint all 0, so num is 0): torch skips an unused result's term, which would
    divide 0 by 0 at repeated values. Only the zero divisors are replaced: num still carries
    derivatives in a recorded backward (an adjoint 0 at a minimum is not a constant).
    Elsewhere a repeated value gives inf or NaN, as torch's."""
    zero = unused[..., None, None] & (E.raw(den) == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / (E.select(zero, 1.0, den) if zero.any() else den)


def _unused(*gs: Any) -> np.ndarray:
    """Per matrix of the stack, whether all of these adjoints are 0 (their result not used)."""
    return ~np.any([np.any(E.raw(g) != 0, axis=(-2, -1)) for g in gs], axis=0)


def _off(w: Any, eye: np.ndarray) -> Any:
    """w_j − w_i (i the row), 1 on the diagonal: the divisor of the off-diagonal terms."""
    return E.select(eye, 1.0, w[..., None, :] - w[..., :, None])


# --------------------------------------------------------------------------- eigh, eigvalsh
def _eigh(a: Any, UPLO: Literal["L", "U"] = "L") -> tuple[Any, Any]:
    """A = V diag(w) Vᵀ (one triangle read);  P = V (diag(w̄) + F ∘ (X − Xᵀ)/2) Vᵀ, X = Vᵀ V̄,
    F_ij = 1/(w_j − w_i), 0 on the diagonal; Ā = 2P in the triangle read, P on the diagonal,
    0 in the other"""
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    out = np.concatenate([w[..., None, :], v], axis=-2)  # (..., n+1, n): row 0 w, rows 1.. V
    return out, out


def _eigh_vjp(g: Any, out: Any, needs: Any, UPLO: str = "L") -> Grads:
    n = out.shape[-1]
    w, v, gw, gv = out[..., 0, :], out[..., 1:, :], g[..., 0, :], g[..., 1:, :]
    eye = np.eye(n, dtype=bool)
    x = _mT(v) @ gv  # (the symmetric part below: its diagonal is 0)
    inner = _ratio(x - _mT(x), 2.0 * _off(w, eye), _unused(gv))
    inner = inner + gw[..., None, :] * np.eye(n, dtype=inner.dtype)
    return (_read(v @ inner @ _mT(v), UPLO),)


_EIGH = primitive("linalg.eigh", _eigh, _eigh_vjp, nin=1, floating=True)


def eigh(a: Any, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric A = V diag(w) Vᵀ, reading
    the lower (UPLO='L') or upper triangle. With P = V (diag(w̄) + F ∘ (X − Xᵀ)/2) Vᵀ,
    X = Vᵀ V̄, F_ij = 1/(w_j − w_i) off the diagonal (inf/NaN at repeated eigenvalues, where
    eigenvectors are not unique, as torch): Ā is the derivative with respect to the entries
    read, 2P_ij in that triangle, P_ii on the diagonal, 0 in the other (torch gives the
    symmetric P; the two agree along every symmetric change of A)."""
    t = matrices(a, "linalg.eigh", square=True)
    out = _EIGH(t, UPLO=_uplo(UPLO, "eigh"))
    return EighResult(out[..., 0, :], out[..., 1:, :])


def _eigvalsh(a: Any, UPLO: Literal["L", "U"] = "L") -> tuple[Any, Any]:
    """w of A = V diag(w) Vᵀ (ascending; one triangle read);  P = V diag(w̄) Vᵀ, Ā = 2P in
    the triangle read, P on the diagonal, 0 in the other"""
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return w, (a, v)


def _eigvalsh_vjp(g: Any, saved: Any, needs: Any, UPLO: str = "L") -> Grads:
    a, v = saved
    if isinstance(a, Tensor):  # recorded: V as a function of A (the saved V is a constant)
        v = eigh(a, UPLO).eigenvectors
    return (_read(v @ (g[..., :, None] * _mT(v)), UPLO),)


_EIGVALSH = primitive("linalg.eigvalsh", _eigvalsh, _eigvalsh_vjp, nin=1, floating=True)


def eigvalsh(a: Any, UPLO: str = "L") -> Tensor:
    """Eigenvalues (ascending) of symmetric A, reading one triangle as eigh; Ā from
    P = V diag(w̄) Vᵀ as eigh's (2P in the triangle read, P on the diagonal), finite also at
    repeated eigenvalues (no division by w_j − w_i)."""
    return _EIGVALSH(matrices(a, "linalg.eigvalsh", square=True), UPLO=_uplo(UPLO, "eigvalsh"))


# --------------------------------------------------------------------------- svd, svdvals
def _svd_parts(p: Any, m: int, n: int, full: bool) -> tuple[Any, Any, Any]:
    """U, S, Vh from the packed output (..., m·ku + k + kv·n): U, S, Vh flattened in turn."""
    k, batch = min(m, n), p.shape[:-1]
    ku, kv = (m, n) if full else (k, k)
    return (p[..., :m * ku].reshape(*batch, m, ku), p[..., m * ku:m * ku + k],
            p[..., m * ku + k:].reshape(*batch, kv, n))


def _svd(a: Any, full_matrices: bool = False) -> tuple[Any, Any]:
    """A = U diag(S) Vh;  with F_ij = 1/(s_j² − s_i²),
    J = UᵀŪ, K = Vh V̄hᵀ: Ā = U [(F∘(J − Jᵀ)) S + diag(S̄) + S (F∘(K − Kᵀ))] Vh
    + (I − UUᵀ) Ū S⁻¹ Vh + U S⁻¹ V̄h (I − VhᵀVh)"""
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    out = np.concatenate([_rows(u), s, _rows(vh)], axis=-1)  # flat: (..., m·ku + k + kv·n)
    return out, (out, *a.shape[-2:])


def _svd_vjp(g: Any, saved: Any, needs: Any, full_matrices: bool = False) -> Grads:
    out, m, n = saved
    u, s, vh = _svd_parts(out, m, n, full_matrices)
    gu, gs, gvh = _svd_parts(g, m, n, full_matrices)
    k = min(m, n)
    if full_matrices and m != n:  # only U's first k columns and Vh's first k rows are unique
        _refuse_extra((gu[..., k:], gvh[..., k:, :]), "svd", f"{'U' if m > n else 'Vh'}'s "
                      f"{'columns' if m > n else 'rows'} beyond min(m, n) = {k} of "
                      f"full_matrices=True for {m}×{n} matrices", "full_matrices=False")
        u, gu, vh, gvh = u[..., :k], gu[..., :k], vh[..., :k, :], gvh[..., :k, :]
    eye = np.eye(k, dtype=bool)
    j, kk = _mT(u) @ gu, vh @ _mT(gvh)
    d, no = _off(s * s, eye), _unused(gu, gvh)  # (repeated values: inf, as torch)
    inner = _ratio(j - _mT(j), d, no) * s[..., None, :] + s[..., :, None] * _ratio(
        kk - _mT(kk), d, no)
    inner = inner + gs[..., None, :] * np.eye(k, dtype=inner.dtype)
    ga = u @ inner @ vh
    if m > k:  # (I − UUᵀ) Ū S⁻¹ Vh: what U's columns leave of Ū (rank-deficient: inf)
        ga = ga + _ratio(gu - u @ j, s[..., None, :], no) @ vh
    if n > k:  # U S⁻¹ V̄h (I − VhᵀVh)
        ga = ga + u @ _ratio(gvh - _mT(kk) @ vh, s[..., :, None], no)
    return (ga,)


def _refuse_extra(grads: tuple[Any, ...], fn: str, what: str, fix: str) -> None:
    """Refuse a gradient reaching the part of a factor that is not unique (the columns of
    full_matrices=True or mode='complete' beyond the reduced ones: any orthonormal completion
    would do there, so no gradient is defined; torch takes it as 0)."""
    if any(np.any(x.data if isinstance(x, Tensor) else x) for x in grads):
        raise ValueError(f"linalg.{fn}: a gradient reached {what}, which are not unique (any "
                         f"orthonormal completion would do): use {fix}")


_SVD = primitive("linalg.svd", _svd, _svd_vjp, nin=1, floating=True)


def svd(a: Any, full_matrices: bool = True) -> SVDResult:
    """A = U diag(S) Vh, S descending (torch's and NumPy's default full_matrices=True: U m×m,
    Vh n×n; False: k = min(m, n) columns). With F_ij = 1/(s_j² − s_i²), J = UᵀŪ,
    K = Vh V̄hᵀ: Ā = U [(F∘(J − Jᵀ)) S + diag(S̄) + S (F∘(K − Kᵀ))] Vh + (I − UUᵀ) Ū S⁻¹ Vh
    + U S⁻¹ V̄h (I − VhᵀVh): inf/NaN at repeated (or, off the square, zero) singular values,
    as torch. With full_matrices=True on a non-square A, U's columns (or Vh's rows) beyond
    min(m, n) are not unique: a backward that reaches them raises, naming
    full_matrices=False (torch silently takes their gradient as 0)."""
    t = matrices(a, "linalg.svd")
    full = flag(full_matrices, "linalg.svd", "full_matrices")
    _finite(t, "svd")
    m, n = t.shape[-2:]
    u, s, vh = _svd_parts(_SVD(t, full_matrices=full), m, n, full)
    return SVDResult(u, s, vh)


def _svdvals(a: Any) -> tuple[Any, Any]:
    """S of A = U diag(S) Vh (descending);  Ā = U diag(S̄) Vh"""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return s, (a, u, vh)


def _svdvals_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    a, u, vh = saved
    if isinstance(a, Tensor):  # recorded: U and Vh as functions of A
        u, _, vh = svd(a, full_matrices=False)
    return (u @ (g[..., :, None] * vh),)


_SVDVALS = primitive("linalg.svdvals", _svdvals, _svdvals_vjp, nin=1, floating=True)


def svdvals(a: Any) -> Tensor:
    """Singular values of A, descending;  Ā = U diag(S̄) Vh, finite also where they repeat."""
    t = matrices(a, "linalg.svdvals")
    _finite(t, "svdvals")
    return _SVDVALS(t)


# --------------------------------------------------------------------------- qr
def _qr_square(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """Ā for A = QR with R square: (Q̄ + Q copyltu(M)) R⁻ᵀ, M = R R̄ᵀ − Q̄ᵀ Q, copyltu(M) the
    symmetric matrix with M's lower triangle."""
    mm = r @ _mT(gr) - _mT(gq) @ q
    n = mm.shape[-1]
    low = E.masked(mm, np.broadcast_to(np.tri(n, k=-1, dtype=bool), mm.shape))
    sym = low + _mT(low) + E.masked(mm, np.broadcast_to(np.eye(n, dtype=bool), mm.shape))
    try:
        return _mT(np.linalg.solve(r, _mT(gq + q @ sym)))  # (on Tensors: linalg.solve, recorded)
    except np.linalg.LinAlgError:
        rd = E.raw(r)
        at = np.argwhere(~(np.abs(np.diagonal(rd, 0, -2, -1)) > 0).all(axis=-1))
        where = f" at batch position {tuple(int(i) for i in at[0])}" if rd.ndim > 2 else ""
        raise np.linalg.LinAlgError(
            f"linalg.qr: the gradient needs R invertible, and the matrix{where} has linearly "
            f"dependent columns (of its leading square block, when wide): a zero on R's "
            f"diagonal (R of shape {rd.shape})") from None


def _qr(a: Any, mode: Literal["reduced", "complete"] = "reduced") -> tuple[Any, Any]:
    """A = QR;  m ≥ n: Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ with
    M = R R̄ᵀ − Q̄ᵀ Q; m < n, A = [X | Y], R = [U | V]: Ȳ = Q V̄, X̄ as m = n with
    Q̄ + Y V̄ᵀ for Q̄ and Ū for R̄"""
    q, r = np.linalg.qr(a, mode=mode)
    out = np.concatenate([_rows(q), _rows(r)], axis=-1)  # flat: (..., m·kq + kr·n)
    return out, (a, out)


def _qr_parts(p: Any, m: int, n: int, mode: str) -> tuple[Any, Any]:
    kq = m if mode == "complete" else min(m, n)
    batch = p.shape[:-1]
    return p[..., :m * kq].reshape(*batch, m, kq), p[..., m * kq:].reshape(*batch, kq, n)


def _qr_vjp(g: Any, saved: Any, needs: Any, mode: str = "reduced") -> Grads:
    a, out = saved
    m, n = a.shape[-2:]
    q, r = _qr_parts(out, m, n, mode)
    gq, gr = _qr_parts(g, m, n, mode)
    if mode == "complete" and m > n:  # Q's last m − n columns are not unique (R's rows are 0)
        _refuse_extra((gq[..., n:],), "qr", f"Q's columns beyond n = {n} of mode='complete' for "
                      f"{m}×{n} matrices", "mode='reduced'")
        q, r, gq, gr = q[..., :n], r[..., :n, :], gq[..., :n], gr[..., :n, :]
    if m >= n:
        return (_qr_square(q, r, gq, gr),)
    y, gv = a[..., m:], gr[..., m:]
    gx = _qr_square(q, r[..., :m], gq + y @ _mT(gv), gr[..., :m])
    return (S.concatenate([gx, q @ gv], axis=-1),)


_QR = primitive("linalg.qr", _qr, _qr_vjp, nin=1, floating=True)


def qr(a: Any, mode: str = "reduced") -> QRResult:
    """A = QR, Q with orthonormal columns, R upper triangular (LAPACK's signs, as NumPy and
    torch). mode 'reduced' (k = min(m, n) columns), 'complete' (Q m×m), 'r' (R, and Q empty
    as torch's; R's gradient is the reduced one). Ā (R invertible): see the op's formula. With
    'complete' and m > n, Q's last m − n columns are not unique: a backward that reaches them
    raises, naming mode='reduced' (torch refuses any backward of it)."""
    t = matrices(a, "linalg.qr")
    if not isinstance(mode, str) or mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got "
                         f"{mode!r:.60}")
    m, n = t.shape[-2:]
    if mode == "r":
        r = _QR(t, mode="reduced")[..., m * min(m, n):].reshape(*t.shape[:-2], min(m, n), n)
        return QRResult(Tensor(np.zeros(0, r.dtype)), r)
    q, r = _qr_parts(_QR(t, mode=mode), m, n, mode)
    return QRResult(q, r)


# --------------------------------------------------------------------------- pinv, matrix_norm
def _pinv(a: Any, atol: float = 0.0, rtol: float = 0.0, hermitian: bool = False
          ) -> tuple[Any, Any]:
    """A⁺ (singular values s ≤ max(atol, rtol·s_max) taken as 0);
    Ā = −A⁺ᵀ Ḡ A⁺ᵀ + (I − A A⁺) Ḡᵀ A⁺ A⁺ᵀ + A⁺ᵀ A⁺ Ḡᵀ (I − A⁺ A)"""
    if a.size == 0:
        return np.zeros((*a.shape[:-2], a.shape[-1], a.shape[-2]), a.dtype), (a, None)
    if hermitian:
        s, u = np.linalg.eigh(a)
        vh = _mT(u) * np.sign(s)[..., :, None]  # A = U diag(|s|) (sign(s) Uᵀ)
        s = np.abs(s)
    else:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
    cut = np.maximum(atol, rtol * s.max(axis=-1, keepdims=True))
    with np.errstate(divide="ignore"):
        inv = np.where(s > cut, 1.0 / np.where(s > cut, s, 1.0), 0.0).astype(s.dtype)
    out = _mT(vh) @ (inv[..., :, None] * _mT(u))
    return out, (a, out)


def _pinv_vjp(g: Any, saved: Any, needs: Any, hermitian: bool = False, **attrs: Any) -> Grads:
    a, p = saved
    if p is None:
        return (_mT(g),)  # (no entries: any array of A's shape)
    if hermitian:  # the symmetric matrix of A's lower triangle is the one inverted
        a = np.tril(a) + _mT(np.tril(a, -1))
    gt, pt = _mT(g), _mT(p)
    ga = -(pt @ g @ pt) + (gt - a @ (p @ gt)) @ (p @ pt) + (pt @ p) @ (gt - (gt @ p) @ a)
    return (_read((ga + _mT(ga)) / 2, "L") if hermitian else ga,)


_PINV = primitive("linalg.pinv", _pinv, _pinv_vjp, nin=1, floating=True)


def pinv(a: Any, *, atol: float | None = None, rtol: float | None = None,
         hermitian: bool = False) -> Tensor:
    """Moore–Penrose pseudo-inverse A⁺ = V diag(1/s) Uᵀ over the singular values s >
    max(atol, rtol·s_max), as torch (rtol = max(m, n)·eps when both are None, else 0 if only
    atol is given); hermitian=True reads A's lower triangle (eigh). Ā (constant rank) =
    −A⁺ᵀ Ḡ A⁺ᵀ + (I − A A⁺) Ḡᵀ A⁺ A⁺ᵀ + A⁺ᵀ A⁺ Ḡᵀ (I − A⁺ A); hermitian: its symmetric part
    P, taken as eigh's (2P below the diagonal, P on it, 0 above)."""
    herm = flag(hermitian, "linalg.pinv", "hermitian")
    t = matrices(a, "linalg.pinv", square=herm)
    for label, v in (("atol", atol), ("rtol", rtol)):
        if v is not None:
            real_number(v, "linalg.pinv", label)
            if not v >= 0:
                raise ValueError(f"linalg.pinv: {label} must be >= 0, got {v!r}")
    if not herm:
        _finite(t, "pinv")
    eps = float(np.finfo(t.dtype if t.dtype.kind == "f" else np.float64).eps)
    if rtol is None:  # torch's rule: the default rtol unless atol > 0 is given
        rtol = max(t.shape[-2:]) * eps if not atol else 0.0
    return _PINV(t, atol=float(atol or 0.0), rtol=float(rtol), hermitian=herm)
