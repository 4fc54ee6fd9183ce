"""Norms, as numpy.linalg.norm and torch.linalg.matrix_norm: vector p-norms (any real p, ±inf,
0) and matrix norms (Frobenius, 1, −1, ±inf; 2, −2 and 'nuc' from the singular values), scaled
so that they neither overflow nor underflow, with gradients that are 0 (a subgradient) where
the norm is not differentiable."""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from ..checks import flag, is_int, numpy_names, one_axis, real_number
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import FUNCTIONS, Tensor
from . import elementwise as E
from . import reduce as R
from . import shape as S
from .decomp import matrices, svdvals
from .movement import moveaxis

# (matrix_norm is linalg's: autograd_mini.linalg imports it; products.cdist uses norm_forward
# and norm_vjp, the pair of norm's op, on blocks)
__all__ = ["norm"]

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ()

Axes = tuple[int, ...] | None
Grads = tuple[Any, ...]


def _one_axis(a: int, ndim: int, shape: tuple[int, ...]) -> int:
    """``one_axis`` with the tensor's shape in its error."""
    try:
        return one_axis(a, ndim, "norm")
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{exc} (shape {shape})") from None


def norm_forward(x: Any, p: float = 2.0, axis: Axes = None,
                 keepdims: bool = False) -> tuple[Any, Any]:
    """(Σ|x|^p)^(1/p) over axis (max|x| for p = ∞, min|x| for −∞, the count of non-zeros for 0);
    x̄ = ḡ sign(x) (|x|/‖x‖)^(p−1), 0 where x = 0 or ‖x‖ = 0 (±∞: ḡ sign(x) at the extreme,
    split between ties; 0 for p = 0)"""
    a = np.abs(x)
    if p == 0:
        out = np.sum(a != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    elif math.isinf(p):  # (max: 0 over an empty slice, as NumPy; norm refuses an empty min)
        out = np.max(a, axis, keepdims=keepdims, initial=0) if p > 0 else \
            np.min(a, axis=axis, keepdims=keepdims)
    elif p == 1:
        out = np.sum(a, axis=axis, keepdims=keepdims)
    else:
        out = np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims)) if p == 2 else None
        fi = np.finfo(x.dtype)
        if out is None or not np.all((out > np.sqrt(fi.smallest_normal / fi.eps)) &
                                     (out < np.sqrt(fi.max))):
            # scaled by the largest |x| (the smallest for p < 0): no overflow, no underflow
            s = np.max(a, axis, keepdims=True, initial=0) if p > 0 else \
                np.min(a, axis, keepdims=True, initial=np.inf)
            s = np.where((s > 0) & np.isfinite(s), s, np.ones((), x.dtype))
            out = s * np.sum((a / s) ** p, axis=axis, keepdims=True) ** (1 / p)
            out = out if keepdims else np.squeeze(out, axis=axis)
    return out, (x, out)


def norm_vjp(g: Any, saved: Any, needs: Any, p: float = 2.0, axis: Axes = None,
              keepdims: bool = False) -> Grads:
    x, out = saved
    xr, shape = E.raw(x), E.raw(x).shape
    gk, o = R.kept(g, shape, axis, keepdims), R.kept(out, shape, axis, keepdims)
    if p == 0:
        return (gk * np.zeros(shape, xr.dtype),)
    if math.isinf(p):
        hit = np.abs(xr) == E.raw(o)
        return (gk * (np.sign(xr) * hit / np.sum(hit, axis, keepdims=True)).astype(xr.dtype),)
    if p == 1:
        return (gk * np.sign(xr),)
    # the 2-norm's x/‖x‖ is smooth at x_i = 0; for p > 2 the derivative there is 0, below 2 ∞
    zero = (E.raw(o) == 0) | ((xr == 0) & (p != 2))
    r = E.select(zero, 1.0, x) / E.select(E.raw(o) == 0, 1.0, o)  # finite everywhere, also masked
    d = r if p == 2 else r * (E.abs(r) if isinstance(r, Tensor) else np.abs(r)) ** (p - 2)
    return (E.masked(gk * d, ~zero),)


NORM = primitive("norm", norm_forward, norm_vjp, floating=True, smooth=False,
                  domain=("nonzero",))
_LINES = {-1: "columns", -np.inf: "rows"}  # what ord −1, −inf take the minimum over


@numpy_names
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """‖x‖ as numpy.linalg.norm: over one axis ord None/2, 1, ±inf, 0 (the count of non-zeros,
    gradient 0) or any real p, (Σ|x|^p)^(1/p); over two axes (or axis=None on a matrix) ord
    None/'fro' (√Σx²), 1, −1 (max, min column sum of |x|), inf, −inf (row sums), and 2, −2,
    'nuc' (max, min, sum of the singular values: ``linalg.matrix_norm``). axis=None with
    ord=None: 2-norm of all elements. x̄ = ḡ x / ‖x‖ for the 2-norm, 0 at x = 0 (a
    subgradient, as PyTorch). Empty slices as NumPy: the maxima (ord inf; matrix 1, inf) are
    0, a minimum over nothing (ord −inf; matrix −1, −inf) raises ValueError; a negative p gives
    inf."""
    x = as_tensor(x, where="norm")
    keepdims, nd = flag(keepdims, "norm", "keepdims"), x.ndim
    if not (ord is None or isinstance(ord, str)):
        real_number(ord, "norm", "ord")
    if axis is None:
        if ord is None:
            return NORM(x, p=2.0, axis=None, keepdims=keepdims)
        if nd not in (1, 2):
            raise ValueError(f"norm: ord={ord!r} with axis=None needs a 1-d or 2-d tensor "
                             f"(NumPy's rule), got shape {x.shape}")
    items = tuple(range(nd)) if axis is None else (axis,) if is_int(axis) else axis
    if not isinstance(items, (tuple, list)) or not items or not builtins.all(map(is_int, items)):
        raise TypeError(f"norm: axis must be None, an int or a tuple of ints, got {axis!r}")
    if len(items) > 2:
        raise ValueError(f"norm: axis {axis!r} has more than 2 axes (shape {x.shape})")
    ax = tuple(_one_axis(a, nd, x.shape) for a in items)
    if nd == 0 or (len(ax) == 2 and ax[0] == ax[1]):
        raise ValueError(f"norm: axis {axis!r} is invalid for shape {x.shape}")
    if len(ax) == 1:
        if isinstance(ord, str):
            raise ValueError(f"norm: invalid norm order {ord!r} for vectors (shape {x.shape})")
        if ord == -np.inf and x.shape[ax[0]] == 0:  # (ord=inf: 0, the max with initial 0)
            raise ValueError(f"norm: ord=-inf of an empty slice has no minimum (shape {x.shape}, "
                             f"axis {ax[0]})")
        return NORM(x, p=2.0 if ord is None else float(ord), axis=ax, keepdims=keepdims)
    if ord in (None, "fro"):
        return NORM(x, p=2.0, axis=tuple(sorted(ax)), keepdims=keepdims)
    if ord in (2, -2, "nuc"):  # the singular values
        return matrix_norm(x, ord, (ax[0], ax[1]), keepdims)
    if ord not in (1, -1, np.inf, -np.inf):
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices (shape {x.shape})")
    rows, cols = ax if ord in (1, -1) else ax[::-1]  # 1: max over columns of Σ_rows |x|
    if x.shape[cols] == 0:  # NumPy: the max of no sums is 0 (initial=0), the min raises
        if ord < 0:
            raise ValueError(f"norm: ord={ord} of a matrix with no {_LINES[ord]} has no minimum "
                             f"(shape {x.shape}, axes {ax})")
        return NORM(x, p=1.0, axis=tuple(sorted(ax)), keepdims=keepdims)  # zeros, as x is empty
    sums = NORM(x, p=1.0, axis=(rows,), keepdims=True)
    out = (R.max if ord > 0 else R.min)(sums, axis=cols, keepdims=True)
    return out if keepdims else S.reshape(out, tuple(n for i, n in enumerate(x.shape)
                                                     if i not in ax))


_ORDS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


@numpy_names
def matrix_norm(a: Any, ord: Any = "fro", axis: tuple[int, int] = (-2, -1),
                keepdims: bool = False) -> Tensor:
    """Matrix norm over the two axes ``axis``, as torch.linalg.matrix_norm: 'fro' √Σa², 'nuc'
    Σs, 2 max s, −2 min s (s the singular values, through svdvals: Ā = U diag(S̄) Vh), 1/−1 the
    max/min column sum of |a|, inf/−inf the max/min row sum (as linalg.norm: subgradient 0 at
    a = 0, ties split evenly)."""
    t = matrices(a, "linalg.matrix_norm")
    keepdims = flag(keepdims, "linalg.matrix_norm", "keepdims")
    if not isinstance(ord, (str, int, float, np.integer, np.floating)) or isinstance(
            ord, (bool, np.bool_)) or ord not in _ORDS:
        raise ValueError(f"linalg.matrix_norm: ord must be one of 'fro', 'nuc', 2, -2, 1, -1, "
                         f"inf, -inf, got {ord!r:.60}")
    if not (isinstance(axis, (tuple, list)) and len(axis) == 2 and all(map(is_int, axis))):
        raise TypeError(f"linalg.matrix_norm: axis must be a pair of ints, got {axis!r}")
    nd = t.ndim
    ax = tuple(int(i) % nd if -nd <= i < nd else nd for i in axis)
    if nd in ax or ax[0] == ax[1]:
        raise ValueError(f"linalg.matrix_norm: axis {tuple(axis)!r} is invalid for shape "
                         f"{t.shape} (two different axes needed)")
    if ord not in ("nuc", 2, -2):
        return norm(t, ord, ax, keepdims)
    x = moveaxis(t, ax, (-2, -1))
    if min(x.shape[-2:]) == 0:  # no singular values: 0 as torch, no minimum (torch: an error)
        if ord == -2:
            raise ValueError(f"linalg.matrix_norm: ord=-2 of an empty matrix has no minimum "
                             f"(shape {t.shape}, axis {tuple(axis)})")
        out = R.sum(x, axis=(-2, -1))
    else:
        s = svdvals(x)
        out = (R.sum if ord == "nuc" else R.max if ord == 2 else R.min)(s, axis=-1)
    if keepdims:
        out = out.reshape(*(1 if i in ax else k for i, k in enumerate(t.shape)))
    return out


FUNCTIONS.update(norm=norm)
