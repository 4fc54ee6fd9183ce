"""Matrix functions and the rest of torch.linalg's everyday functions: matrix_exp (scaling and
squaring with a Padé approximant), vector_norm (the norm op over any axes), multi_dot (the
cheapest association order), matrix_rank and cond, over stacks of matrices (the last two axes).

matrix_exp is a primitive whose VJP is matrix_exp again, of a block matrix twice the size
(Mathias 1996), so it runs on ndarrays and, recorded, on Tensors; the others are composites of
recorded ops (norm, matmul, svdvals, inv, matrix_norm), or have no gradient (matrix_rank)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..checks import axes, broadcasts, flag, numpy_names, real_number
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import Tensor
from . import elementwise as E
from . import reduce as R
from . import shape as S
from .decomp import matrices, svdvals
from .linalg import matmul
from .norm import NORM, matrix_norm
from .solve import inv

__all__ = ["cond", "matrix_exp", "matrix_rank", "multi_dot", "vector_norm"]

Grads = tuple[Any, ...]


# --------------------------------------------------------------------------- matrix_exp
def _pade(m: int) -> list[float]:
    """The coefficients c_j = (2m − j)! m! / ((2m)! j! (m − j)!) of the [m/m] Padé numerator
    of eˣ (the denominator's are (−1)ʲ c_j)."""
    c = [1.0]
    for j in range(1, m + 1):
        c.append(c[-1] * (m - j + 1) / (j * (2 * m - j + 1)))
    return c


#: Higham (2005), Table 2.3: the largest ‖A‖₁ for which the [m/m] Padé approximant is exact to
#: the unit roundoff of float64 (float32 input is computed in float64 too)
_THETA = {3: 1.495585217958292e-2, 5: 2.539398330063230e-1, 7: 9.504178996162932e-1,
          9: 2.097847961257068e0, 13: 5.371920351148152e0}
_C = {m: _pade(m) for m in _THETA}


def _pade_ratio(a: np.ndarray, m: int) -> np.ndarray:
    """q(A)⁻¹ p(A) for the [m/m] Padé approximant, p = V + U (V the even powers, U the odd),
    q = V − U; degree 13 in Higham's form with A², A⁴, A⁶ only (six products)."""
    c, eye = _C[m], np.eye(a.shape[-1])
    a2 = a @ a
    if m < 13:
        powers = [eye, a2]
        for _ in range(2, m // 2 + 1):
            powers.append(powers[-1] @ a2)
        u = a @ sum(c[2 * k + 1] * p for k, p in enumerate(powers))
        v = sum(c[2 * k] * p for k, p in enumerate(powers))
    else:
        a4 = a2 @ a2
        a6 = a4 @ a2
        u = a @ (a6 @ (c[13] * a6 + c[11] * a4 + c[9] * a2)
                 + c[7] * a6 + c[5] * a4 + c[3] * a2 + c[1] * eye)
        v = (a6 @ (c[12] * a6 + c[10] * a4 + c[8] * a2)
             + c[6] * a6 + c[4] * a4 + c[2] * a2 + c[0] * eye)
    return np.linalg.solve(v - u, v + u)


def _expm(a: np.ndarray) -> np.ndarray:
    """e^A of each matrix of the stack, in float64: the smallest Padé degree m whose θ_m bounds
    ‖A‖₁, else degree 13 on A/2ˢ (s = ⌈log₂(‖A‖₁/θ₁₃)⌉, exact) squared s times. A matrix
    holding NaN or inf gives NaN (as torch); a diagonal one (1 × 1 too) exp of its diagonal."""
    n = a.shape[-1]
    if a.size == 0:
        return np.zeros(a.shape, a.dtype)
    with np.errstate(all="ignore"):
        if n == 1:  # (exactly rounded, as a diagonal matrix below)
            return np.exp(a.astype(np.float64)).astype(a.dtype, copy=False)
    x = a.reshape(-1, n, n).astype(np.float64)
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        bad = ~np.isfinite(x).all(axis=(-2, -1))
        x[bad] = 0.0
        norm1 = np.abs(x).sum(axis=-2).max(axis=-1, initial=0.0)
        degree = np.full(norm1.shape, 13)
        for m in (9, 7, 5, 3):  # (the smallest degree that suffices, Higham's Algorithm 2.3)
            degree[norm1 <= _THETA[m]] = m
        eye = np.eye(n, dtype=bool)
        diagonal = ~np.any(np.where(eye, 0.0, x) != 0, axis=(-2, -1))
        out[diagonal] = np.where(eye, np.exp(x[diagonal]), 0.0)  # (exactly rounded)
        degree[diagonal] = 0
        for m in _THETA:
            idx = np.flatnonzero(degree == m)
            if not idx.size:
                continue
            s = np.zeros(idx.size, dtype=int)
            if m == 13:
                s = np.maximum(0, np.ceil(np.log2(norm1[idx] / _THETA[13]))).astype(int)
            y = _pade_ratio(np.ldexp(x[idx], -s[:, None, None]), m)
            for i in range(int(s.max(initial=0))):
                y = np.where((s > i)[:, None, None], y @ y, y)
            out[idx] = y
        out[bad] = np.nan
    return out.reshape(a.shape).astype(a.dtype, copy=False)


def _matrix_exp(a: np.ndarray) -> tuple[Any, Any]:
    """e^A = Σ Aᵏ/k!;  Ā = the upper-right block of exp([[Aᵀ, Ḡ], [0, Aᵀ]]) (Mathias 1996)"""
    return _expm(a), (a,)


def _matrix_exp_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    a = saved[0]
    n, at = a.shape[-1], a.swapaxes(-1, -2)
    # The block's upper-right is linear in Ḡ: Ḡ is scaled by a power of 2 (exactly) to
    # max(‖A‖₁, 1), so that Ḡ's size adds no squarings (and their rounding) to the block's
    # exp, and a recorded backward's products of two such entries neither overflow nor
    # underflow (scaling to a tiny A's own size would: 1e−262² is 0)
    with np.errstate(all="ignore"):
        gn = np.abs(E.raw(g)).sum(axis=-2).max(axis=-1, initial=0.0)
        an = np.maximum(np.abs(E.raw(a)).sum(axis=-2).max(axis=-1, initial=0.0), 1.0)
        k = np.where((gn > 0) & np.isfinite(gn) & np.isfinite(an),
                     np.round(np.log2(np.where(gn > 0, an / gn, 1.0))), 0.0)
    # 2^k as two factors 2^h · 2^(k−h), each finite and normal, so |k| may reach twice the
    # exponent range (a Ḡ of 1e300 against an A of 1e−3)
    top = np.finfo(g.dtype).maxexp - 2
    k = np.clip(k, -2 * top, 2 * top).astype(int)[..., None, None]
    one = np.ones((), g.dtype)
    up = (np.ldexp(one, k // 2), np.ldexp(one, k - k // 2))
    down = (np.ldexp(one, -(k // 2)), np.ldexp(one, -(k - k // 2)))
    zero = np.zeros(a.shape, g.dtype)
    if isinstance(a, Tensor) or isinstance(g, Tensor):  # recorded: this op again, on Tensors
        recorded = S.concatenate([S.concatenate([at, g * up[0] * up[1]], axis=-1),
                                  S.concatenate([zero, at], axis=-1)], axis=-2)
        return (_MATRIX_EXP(recorded)[..., :n, n:] * down[0] * down[1],)
    block = np.concatenate([np.concatenate([at, g * up[0] * up[1]], axis=-1),
                            np.concatenate([zero, at], axis=-1)], axis=-2)
    return (_expm(block)[..., :n, n:] * down[0] * down[1],)


_MATRIX_EXP = primitive("linalg.matrix_exp", _matrix_exp, _matrix_exp_vjp, nin=1,
                        floating=True)


def matrix_exp(a: Any) -> Tensor:
    """e^A = Σ Aᵏ/k! of each matrix of the stack ``a`` (…, n, n).

    By scaling and squaring with a Padé approximant of degree 3 to 13 chosen from ‖A‖₁
    (Higham 2005), in float64 (float32 input gives float32). Ā = the upper-right block of
    exp([[Aᵀ, Ḡ], [0, Aᵀ]]), this function again (so differentiable to any order). A matrix
    holding NaN or inf gives NaN."""
    return _MATRIX_EXP(matrices(a, "linalg.matrix_exp", square=True))


# --------------------------------------------------------------------------- vector_norm
@numpy_names
def vector_norm(x: Any, ord: float = 2, axis: Any = None, keepdims: bool = False, *,
                dtype: Any = None) -> Tensor:
    """‖x‖_p = (Σ|x|ᵖ)^(1/p) over ``axis``, as torch.linalg.vector_norm; x̄ = ḡ sign(x)
    (|x|/‖x‖)^(p−1).

    ``axis`` None or () is all axes, whatever the rank (torch's dim); max|x| for p = ∞, min|x|
    for −∞, the count of non-zeros for 0 (gradient 0). The gradient is the norm op's, 0 where
    x = 0 or ‖x‖ = 0. ``dtype`` casts x first (torch's). Over an empty slice p = ∞ gives 0
    (NumPy's), −∞ raises."""
    name = "linalg.vector_norm"
    t = as_tensor(x, where=name)
    real_number(ord, name, "ord")
    keep = flag(keepdims, name, "keepdims")
    if dtype is not None:
        try:
            dt = np.dtype(dtype)
        except (TypeError, ValueError, SyntaxError):
            dt = np.dtype(object)
        if dt.kind != "f":
            raise TypeError(f"{name}: dtype must be a floating dtype, got {dtype!r:.60}")
        t = t.astype(dt)
    ax = None if axis is None or (isinstance(axis, (tuple, list)) and not axis) else axes(
        axis, t.ndim, name)
    if ord == -math.inf and 0 in (t.shape if ax is None else [t.shape[i] for i in ax]):
        raise ValueError(f"{name}: ord=-inf of an empty slice has no minimum (shape "
                         f"{t.shape}, axis {axis!r})")
    return NORM(t, p=float(ord), axis=ax, keepdims=keep)


# --------------------------------------------------------------------------- multi_dot
def _order(dims: list[int]) -> list[list[int]]:
    """split[i][j]: where the cheapest product of matrices i..j (matrix k of dims[k] ×
    dims[k+1]) splits, by the O(n³) dynamic program over chain lengths."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j], split[i][j] = min(
                (cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k)
                for k in range(i, j))
    return split


def multi_dot(tensors: Sequence[Any]) -> Tensor:
    """A₁ A₂ ⋯ Aₙ, recorded as matmuls in the association order with the fewest scalar
    multiplications.

    The order is the dynamic program over the dimensions (as NumPy's). The first may be a
    1-d row vector and the last a 1-d column vector (their axis is then dropped, as matmul
    drops it); the others are matrices; at least two."""
    name = "linalg.multi_dot"
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: takes a list or tuple of tensors, got "
                        f"{type(tensors).__name__}")
    if len(tensors) < 2:
        raise ValueError(f"{name}: needs at least 2 tensors, got {len(tensors)}")
    like = next((t for t in tensors if isinstance(t, Tensor)), None)
    ts = [as_tensor(t, like, name) for t in tensors]
    last = len(ts) - 1
    for i, t in enumerate(ts):
        if t.ndim != 2 and not (t.ndim == 1 and i in (0, last)):
            what = "1-d or 2-d" if i in (0, last) else "2-d (only the first and last may be 1-d)"
            raise ValueError(f"{name}: tensor {i} must be {what}, got shape {t.shape}")
    dims = [1 if ts[0].ndim == 1 else ts[0].shape[0]] + [t.shape[-1] for t in ts[:-1]]
    dims.append(1 if ts[-1].ndim == 1 else ts[-1].shape[-1])
    for i in range(last):
        if ts[i].shape[-1] != ts[i + 1].shape[0]:
            raise ValueError(f"{name}: tensors {i} and {i + 1} of shapes {ts[i].shape} and "
                             f"{ts[i + 1].shape} cannot be multiplied")
    split = _order(dims)
    done: dict[tuple[int, int], Tensor] = {(i, i): t for i, t in enumerate(ts)}
    todo = [(0, last)]  # (post-order with a stack of its own: a split is done after its halves)
    while todo:
        i, j = todo[-1]
        k = split[i][j]
        halves = [h for h in ((i, k), (k + 1, j)) if h not in done]
        if halves:
            todo.extend(halves)
            continue
        done[i, j] = matmul(done[i, k], done[k + 1, j])
        todo.pop()
    return done[0, last]


# --------------------------------------------------------------------------- matrix_rank, cond
def _tolerance(v: Any, label: str, batch: tuple[int, ...]) -> np.ndarray | None:
    """``atol`` / ``rtol`` (a number, or an array or tensor that broadcasts to the ``batch``
    shape) as an array."""
    if v is None:
        return None
    arr = np.asarray(E.raw(v))
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"linalg.matrix_rank: {label} must be a real number or an array of "
                        f"them, got {v!r:.60}")
    if not np.all(arr >= 0):
        raise ValueError(f"linalg.matrix_rank: {label} must be >= 0, got {v!r:.60}")
    if not broadcasts(arr.shape, batch) or np.broadcast_shapes(arr.shape, batch) != batch:
        raise ValueError(f"linalg.matrix_rank: {label} of shape {arr.shape} does not broadcast "
                         f"to the batch shape {batch}")
    return arr.astype(np.float64)


def _refuse_nonfinite(t: Tensor, name: str) -> None:
    bad = ~np.isfinite(t.data).all(axis=(-2, -1))
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        raise np.linalg.LinAlgError(f"{name}: the matrix{f' at batch position {at}' if at else ''}"
                                    f" holds NaN or inf, which has no singular values (shape "
                                    f"{t.shape})")


def matrix_rank(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False
                ) -> Tensor:
    """The number of singular values σ > max(atol, rtol·σ₁) of each matrix (int64, no
    gradient).

    As torch: rtol = max(m, n)·ε when neither is given, 0 where only atol > 0 is;
    ``hermitian=True`` takes |eigenvalues| of the lower triangle's symmetric matrix."""
    name = "linalg.matrix_rank"
    herm = flag(hermitian, name, "hermitian")
    t = matrices(A, name, square=herm)
    _refuse_nonfinite(t, name)
    a = t.data if t.dtype.kind == "f" else t.data.astype(np.float64)
    s = np.abs(np.linalg.eigvalsh(a)) if herm else np.linalg.svd(a, compute_uv=False)
    at, rt = _tolerance(atol, "atol", t.shape[:-2]), _tolerance(rtol, "rtol", t.shape[:-2])
    if rt is None:
        default = max(a.shape[-2:]) * float(np.finfo(a.dtype).eps)
        rt = np.asarray(default) if at is None else np.where(at > 0, 0.0, default)
    tol = np.maximum(0.0 if at is None else at, rt * np.max(s, axis=-1, initial=0.0))
    return Tensor(np.count_nonzero(s > np.asarray(tol)[..., None], axis=-1).astype(np.int64))


_ORDS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def cond(A: Any, p: Any = None) -> Tensor:
    """κ_p(A) = ‖A‖_p ‖A⁻¹‖_p: σ_max/σ_min for p None or 2 (σ_min/σ_max for −2), else
    matrix_norm(A, p) · matrix_norm(inv(A), p).

    The 2-norm's singular values come from svdvals (any m × n; 0/0 is NaN); the other orders
    ('fro', 'nuc', ±1, ±inf) need square A and give inf where A is singular (no gradient
    there). Empty matrices give 0, as torch."""
    name = "linalg.cond"
    if p is not None and (not isinstance(p, (str, int, float, np.integer, np.floating))
                          or isinstance(p, (bool, np.bool_)) or p not in _ORDS):
        raise ValueError(f"{name}: p must be None or one of 'fro', 'nuc', 2, -2, 1, -1, inf, "
                         f"-inf, got {p!r:.60}")
    t = matrices(A, name, square=p not in (None, 2, -2))
    if min(t.shape[-2:]) == 0:  # (still on the graph, as torch's: a zero gradient)
        return R.sum(t, axis=(-2, -1)) * 0.0
    if p in (None, 2, -2):
        _refuse_nonfinite(t, name)
        s = svdvals(t)
        big, small = s[..., 0], s[..., -1]
        return small / big if p == -2 else big / small
    singular = np.zeros(t.shape[:-2], bool)
    try:
        np.linalg.inv(t.data)
    except np.linalg.LinAlgError:  # (NumPy fails the whole stack: which ones are singular)
        for idx in np.ndindex(t.shape[:-2]):
            try:
                np.linalg.inv(t.data[idx])
            except np.linalg.LinAlgError:
                singular[idx] = True
    mask = singular[..., None, None]
    safe = E.where(mask, np.eye(t.shape[-1], dtype=t.dtype), t) if singular.any() else t
    out = matrix_norm(safe, p) * matrix_norm(inv(safe), p)
    return E.where(singular, np.asarray(np.inf, out.dtype), out) if singular.any() else out
