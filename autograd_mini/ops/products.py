"""Differences, products and distances, as NumPy's and PyTorch's: diff, cross, kron, cdist,
lerp, and nan_to_num.

Each is a composite of the library's ops (slices, products, norms, where), so its gradient and
its derivatives of every order come from theirs; but cdist, an op that works through blocks
of x2's rows (its VJP too, with norm's forward and VJP on each block), so that the (…, P, R,
M) differences never exist at once, and for p = 2 through a matrix product (PyTorch's form for
many points) a private op whose VJP needs only (P, R)-sized temporaries. Both VJPs run on
Tensors too (second order).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import broadcasts, is_int, numpy_names, one_axis, real_number
from ..constants import as_tensor
from ..engine import Primitive, primitive
from ..tensor import FUNCTIONS, Tensor, wrap
from . import elementwise as E
from . import shape as S
from .norm import norm_forward, norm_vjp
from .reduce import broadcast_to

__all__ = ["cdist", "cross", "diff", "kron", "lerp", "nan_to_num"]

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ()

Grads = tuple[Any, ...]


def _axis(axis: Any, x: Tensor, name: str) -> int:
    try:
        return one_axis(axis, x.ndim, name)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{exc} (shape {x.shape})") from None


def _cut(ndim: int, axis: int, lo: int | None, hi: int | None) -> tuple[slice, ...]:
    return (slice(None),) * axis + (slice(lo, hi),) + (slice(None),) * (ndim - axis - 1)


# --------------------------------------------------------------------------- diff
@numpy_names
def diff(x: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """The n-th forward difference along ``axis``, as np.diff: out_i = x_{i+1} − x_i, n times;
    x̄_i = ḡ_{i−1} − ḡ_i (for n = 1).

    ``prepend`` and ``append`` are joined at the two ends first (a number fills one slice).
    Bool input gives x_{i+1} ≠ x_i, as NumPy."""
    x = as_tensor(x, where="diff")
    if not is_int(n):
        raise TypeError(f"diff: n must be an int, got {n!r:.60}")
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    if x.ndim == 0:
        raise ValueError("diff: needs a tensor of at least one dimension, got a 0-d one")
    ax = _axis(axis, x, "diff")
    ends: list[Tensor | None] = []
    for label, end in (("prepend", prepend), ("append", append)):
        if end is None:
            ends.append(None)
            continue
        e = as_tensor(end, x, f"diff ({label})")
        if e.ndim == 0:  # NumPy's: a number fills one slice
            e = broadcast_to(e, tuple(1 if i == ax else s for i, s in enumerate(x.shape)))
        elif e.ndim != x.ndim or any(a != b for i, (a, b) in enumerate(zip(e.shape, x.shape))
                                     if i != ax):
            raise ValueError(f"diff: {label} of shape {e.shape} must match x's shape {x.shape} "
                             f"except along axis {ax}")
        ends.append(e)
    parts = [t for t in (ends[0], x, ends[1]) if t is not None]
    x = S.concatenate(parts, axis=ax) if len(parts) > 1 else x
    if n == 0:
        return x
    if x.dtype == np.bool_:  # NumPy's: x_{i+1} ≠ x_i, no gradient
        return wrap(np.diff(x.data, n=int(n), axis=ax))
    for _ in range(int(n)):
        x = E.sub(S.getitem(x, _cut(x.ndim, ax, 1, None)),
                  S.getitem(x, _cut(x.ndim, ax, None, -1)))
    return x


# --------------------------------------------------------------------------- cross, kron
_NEXT, _AFTER = np.array([1, 2, 0]), np.array([2, 0, 1])


@numpy_names
def cross(a: Any, b: Any, axis: int = -1) -> Tensor:
    """a × b along ``axis``: c_i = a_{i+1} b_{i+2} − a_{i+2} b_{i+1} (indices mod 3);
    ā = b × ḡ, b̄ = ḡ × a.

    As np.cross and torch.linalg.cross, for 3-vectors, the other axes broadcasting; NumPy's
    2-vector form (deprecated there) is refused."""
    a, b = as_tensor(a, where="cross"), as_tensor(b, where="cross")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"cross: needs vectors, got shapes {a.shape} and {b.shape}")
    if np.bool_ in (a.dtype, b.dtype):  # (as NumPy's and PyTorch's, which refuse bools too)
        raise TypeError(f"cross: bool vectors are not supported (got dtypes {a.dtype} and "
                        f"{b.dtype}); cast them to a number type with .astype first")
    axa, axb = _axis(axis, a, "cross"), _axis(axis, b, "cross")
    if a.shape[axa] != 3 or b.shape[axb] != 3:
        raise ValueError(f"cross: vectors must have 3 components along axis {axis}, got shapes "
                         f"{a.shape} and {b.shape} (NumPy's 2-vector form is not supported: "
                         "append a zero component)")
    am, bm = _last(a, axa), _last(b, axb)
    if not broadcasts(am.shape[:-1], bm.shape[:-1]):
        raise ValueError(f"cross: shapes {a.shape} and {b.shape} do not broadcast outside "
                         f"axis {axis}")

    def pick(t: Tensor, idx: np.ndarray) -> Tensor:
        return S.getitem(t, (Ellipsis, idx))

    c = E.sub(E.mul(pick(am, _NEXT), pick(bm, _AFTER)), E.mul(pick(am, _AFTER), pick(bm, _NEXT)))
    out_axis = _axis(axis, c, "cross")
    if out_axis == c.ndim - 1:
        return c
    order = list(range(c.ndim - 1))
    order.insert(out_axis, c.ndim - 1)
    return S.transpose(c, order)


def _last(t: Tensor, ax: int) -> Tensor:
    """``t`` with axis ``ax`` moved last."""
    if ax == t.ndim - 1:
        return t
    return S.transpose(t, [i for i in range(t.ndim) if i != ax] + [ax])


def kron(a: Any, b: Any) -> Tensor:
    """The Kronecker product, as np.kron: out[i·m + k] = a[i] b[k] along each axis (m: b's
    side); ā_i = Σ_k ḡ[i·m + k] b_k, and so for b.

    The tensor with fewer axes gets leading axes of length 1."""
    a, b = as_tensor(a, where="kron"), as_tensor(b, where="kron")
    nd = max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    # a as (a₀, 1, a₁, 1, …), b as (1, b₀, 1, b₁, …): their product interleaves the axes
    ra = S.reshape(a, tuple(v for s in sa for v in (s, 1)))
    rb = S.reshape(b, tuple(v for s in sb for v in (1, s)))
    return S.reshape(E.mul(ra, rb), tuple(p * q for p, q in zip(sa, sb)))


# --------------------------------------------------------------------------- cdist
#: torch.cdist's compute_mode values: the p = 2 matrix-product form when P or R > 25, always,
#: or never
COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                 "donot_use_mm_for_euclid_dist")


def _euclid(x1: Any, x2: Any) -> tuple[Any, Any]:
    """d_ij = √max(|x1_i|² + |x2_j|² − 2 x1_i · x2_j, 0), one matrix product;  with r = ḡ / d
    (0 where d = 0): x̄1 = x1 Σ_j r_ij − r x2, x̄2 = x2 Σ_i r_ij − rᵀ x1 (batch axes summed by
    the engine)"""
    d = np.matmul(x1, x2.swapaxes(-1, -2))  # (…, P, R): the only large temporary
    d *= -2
    d += np.einsum("...pm,...pm->...p", x1, x1)[..., :, None]
    d += np.einsum("...rm,...rm->...r", x2, x2)[..., None, :]
    np.maximum(d, 0, out=d)
    return np.sqrt(d, out=d), (x1, x2, d)


def _euclid_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    x1, x2, d = saved  # (d arrives as the recorded output when the backward is recorded)
    zero = E.raw(d) == 0
    r = E.masked(g / E.select(zero, np.ones((), g.dtype), d), ~zero)
    g1 = x1 * r.sum(-1, keepdims=True) - r @ x2 if needs[0] else None
    g2 = x2 * r.sum(-2, keepdims=True).swapaxes(-1, -2) - r.swapaxes(-1, -2) @ x1 \
        if needs[1] else None
    return g1, g2


# (private, as nn/conv.py's: cdist's spec covers it through cdist, not as an op of its own)
_EUCLID = Primitive("cdist_euclid", _euclid, _euclid_vjp, nin=2)

#: the most elements of a (…, P, r, M) block of differences that cdist makes at once
CHUNK = 1 << 18


def _blocks(x1: Any, x2: Any) -> list[slice]:
    """Blocks of x2's rows whose differences from x1 hold at most CHUNK elements each (at
    least one row, and one block when x2 has no rows)."""
    per_row = int(np.prod(np.broadcast_shapes(x1.shape[:-1], (*x2.shape[:-2], 1)))) * (
        x1.shape[-1])
    step = max(1, CHUNK // max(per_row, 1))
    return [slice(j, j + step) for j in range(0, max(x2.shape[-2], 1), step)]


def _minkowski(x1: np.ndarray, x2: np.ndarray, *, p: float) -> tuple[Any, Any]:
    """d_ij = ‖x1_i − x2_j‖_p (norm's forward, by blocks of x2's rows, so the (…, P, R, M)
    differences never exist at once);  x̄1 = Σ_j n̄_ij, x̄2 = −Σ_i n̄_ij with n̄_ij norm's VJP
    on the block's differences"""
    out = np.empty((*np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2]), x1.shape[-2],
                    x2.shape[-2]), np.result_type(x1, x2))
    for r in _blocks(x1, x2):
        d = x1[..., :, None, :] - x2[..., None, r, :]
        out[..., r] = norm_forward(d, p, (d.ndim - 1,))[0]
    return out, (x1, x2, out)


def _minkowski_vjp(g: Any, saved: Any, needs: Any, *, p: float) -> Grads:
    x1, x2, out = saved  # (Tensors when the backward is recorded: the same code records it)
    g1, g2 = None, []
    for r in _blocks(x1, x2):
        d = x1[..., :, None, :] - x2[..., None, r, :]
        (gd,) = norm_vjp(g[..., r], (d, out[..., r]), (True,), p, (d.ndim - 1,))
        part = gd.sum(axis=-2)  # (added up as it comes: one (…, P, M) array at a time)
        g1 = part if g1 is None else g1 + part
        g2.append(-gd.sum(axis=-3))
    return g1 if needs[0] else None, np.concatenate(g2, axis=-2)


_MINKOWSKI = primitive("cdist", _minkowski, _minkowski_vjp, nin=2, smooth=False)


@numpy_names
def cdist(x1: Any, x2: Any, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """out[…, i, j] = ‖x1[…, i, :] − x2[…, j, :]‖_p, as torch.cdist; x̄1 = Σ_j ḡ_ij ∂‖d‖/∂d,
    0 at a zero distance (as PyTorch).

    x1 is (…, P, M), x2 (…, R, M), the leading axes broadcasting; p ≥ 0 (0: the count of
    differing coordinates, gradient 0; inf: the largest difference, where ties split the
    gradient; PyTorch gives it to each tied coordinate in full). For p = 2, as PyTorch's
    ``compute_mode``: √max(|x1_i|² + |x2_j|² − 2 x1_i · x2_j, 0) through a matrix product
    (fast) when P > 25 or R > 25 (always with "use_mm_for_euclid_dist", never with
    "donot_use_mm_for_euclid_dist"); it loses digits for nearly equal points: an absolute
    error about √ε |x| (ε the dtype's epsilon), so distances below that may come out 0.
    Otherwise the differences are taken for blocks of x2's rows of at most ``CHUNK`` elements,
    forward and backward, never all (…, P, R, M) at once. float16 is computed in float32."""
    x1, x2 = as_tensor(x1, where="cdist"), as_tensor(x2, where="cdist")
    real_number(p, "cdist", "p")
    if not p >= 0:
        raise ValueError(f"cdist: p must be a non-negative number (or inf), got {p!r}")
    if not isinstance(compute_mode, str) or compute_mode not in COMPUTE_MODES:
        raise ValueError(f"cdist: compute_mode must be one of {', '.join(COMPUTE_MODES)}; got "
                         f"{compute_mode!r:.60}")
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: x1 and x2 must be (…, P, M) and (…, R, M) with the same M, got "
                         f"shapes {x1.shape} and {x2.shape}")
    if not broadcasts(x1.shape[:-2], x2.shape[:-2]):
        raise ValueError(f"cdist: the batch axes of shapes {x1.shape} and {x2.shape} do not "
                         "broadcast")
    for t in (x1, x2):
        if t.dtype.kind != "f":
            raise TypeError(f"cdist: needs floating tensors (as torch.cdist), got {t.dtype} "
                            f"(shapes {x1.shape} and {x2.shape})")
    if np.float16 in (x1.dtype, x2.dtype):  # (squares and powers overflow float16 early)
        out = cdist(x1.astype(np.float32), x2.astype(np.float32), p, compute_mode)
        return out.astype(np.result_type(x1.dtype, x2.dtype))
    if p == 2 and compute_mode != COMPUTE_MODES[2] and (
            compute_mode == COMPUTE_MODES[1] or x1.shape[-2] > 25 or x2.shape[-2] > 25):
        return _EUCLID(x1, x2)
    return _MINKOWSKI(x1, x2, p=float(p))


# --------------------------------------------------------------------------- lerp, nan_to_num
def lerp(start: Any, end: Any, weight: Any) -> Tensor:
    """start + weight (end − start), as torch.lerp; start̄ = ḡ (1 − w), end̄ = ḡ w,
    w̄ = ḡ (end − start).

    weight is a number or a tensor; all three broadcast. As torch's, it is computed as
    end − (end − start)(1 − w) where w ≥ 0.5, so w = 1 gives ``end`` exactly; integer and bool
    inputs are computed in float64."""
    if not isinstance(start, Tensor) and isinstance(end, Tensor):
        start = as_tensor(start, end, "lerp")
    start = as_tensor(start, where="lerp")
    end = as_tensor(end, start, "lerp")
    weight = as_tensor(weight, start, "lerp")
    try:
        np.broadcast_shapes(start.shape, end.shape, weight.shape)
    except ValueError:
        raise ValueError(f"lerp: shapes {start.shape}, {end.shape} and {weight.shape} (start, "
                         "end, weight) do not broadcast") from None
    if np.result_type(start.dtype, end.dtype, weight.dtype).kind != "f":
        start, end, weight = (t.astype(np.float64) for t in (start, end, weight))
    d = E.sub(end, start)
    return E.where(weight.data < 0.5, E.add(start, E.mul(weight, d)),
                   E.sub(end, E.mul(d, E.sub(1.0, weight))))


@numpy_names
def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """x with NaN, +∞ and −∞ replaced by ``nan``, ``posinf`` and ``neginf``, as np.nan_to_num;
    x̄ = ḡ where x is finite, 0 elsewhere (as torch.nan_to_num).

    posinf and neginf None: the largest and the lowest finite number of x's dtype."""
    x = as_tensor(x, where="nan_to_num")
    if nan is None:  # (NumPy refuses it too: only posinf and neginf give None a meaning)
        raise TypeError("nan_to_num: nan must be a real number, got None (posinf and neginf "
                        "take None for the dtype's largest finite values, nan does not)")
    for label, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if v is not None:
            real_number(v, "nan_to_num", label)
    if x.dtype.kind != "f":  # nothing to replace: a copy, as NumPy
        return wrap(x.data.copy())
    info = np.finfo(x.dtype)
    with np.errstate(over="ignore"):  # a replacement beyond float32's range is ±inf, as NumPy
        fill = np.where(np.isnan(x.data), nan, np.where(
            x.data > 0, info.max if posinf is None else posinf,
            info.min if neginf is None else neginf)).astype(x.dtype)
    return E.where(np.isfinite(x.data), x, fill)


FUNCTIONS.update(diff=diff, cross=cross, kron=kron, cdist=cdist, lerp=lerp, nan_to_num=nan_to_num)
