"""Reductions, scans and orderings: prod, cumulative sums and products, logcumsumexp,
arg-reductions, any/all, sorting and top-k.

Each VJP runs on ndarrays, or on Tensors when the backward pass is recorded. Products never
divide by an input: prod uses exclusive cumulative products from both ends, cumprod and
logcumsumexp a doubling scan of a linear recurrence (``_affine_scan``), all made of sums and
products, so that gradients are exact at zeros and their own derivatives too.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..checks import axes, flag, is_int, numpy_names, one_axis
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import FUNCTIONS, Tensor, wrap
from . import elementwise as E
from . import reduce as R
from . import shape as S

__all__ = ["all", "any", "argmax", "argmin", "argsort", "cumprod", "cumsum", "logcumsumexp",
           "prod", "sort", "topk"]

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ("argmax", "argmin", "argsort", "any", "all")

Axes = tuple[int, ...] | None
Grads = tuple[Any, ...]


def _rec(*xs: Any) -> bool:
    return builtins.any(isinstance(v, Tensor) for v in xs)


def _cut(x: Any, axis: int, lo: int | None, hi: int | None, step: int | None = None) -> Any:
    return x[(slice(None),) * axis + (slice(lo, hi, step),)]


def _cat(parts: list[Any], axis: int) -> Any:
    return S.concatenate(parts, axis=axis) if _rec(*parts) else np.concatenate(parts, axis=axis)


def _fill(x: Any, axis: int, value: float) -> np.ndarray:
    return np.full((*x.shape[:axis], 1, *x.shape[axis + 1:]), value, dtype=E.raw(x).dtype)


def _pad(x: Any, axis: int, value: float, front: bool) -> Any:
    """``x`` less its last (front) or first element along ``axis``, ``value`` at the other end."""
    n = x.shape[axis]
    fill = _fill(x, axis, value)
    return _cat([fill, _cut(x, axis, 0, n - 1)] if front else [_cut(x, axis, 1, n), fill], axis)


def _exclusive(x: Any, axis: int) -> Any:
    """Π_{j<i} x_j along ``axis``: a cumulative product, no division."""
    shifted = _pad(x, axis, 1.0, front=True)
    return _CUMPROD(shifted, axis=axis) if _rec(x) else np.cumprod(shifted, axis=axis)


def _affine_scan(a: Any, b: Any, axis: int) -> Any:
    """s_i = b_i + a_i s_{i+1} along ``axis`` (s = b at the end), in ⌈log2 n⌉ doubling steps:
    after each, b_i sums twice as many terms and a_i is the product of twice as many factors.
    Only products and sums: exact at zeros, no division, differentiable on Tensors."""
    n, d, rec = b.shape[axis], 1, _rec(a, b)
    if not rec:
        a, b = np.array(a), np.array(b)
    while d < n:
        if rec:
            head, tail = _cut(a, axis, 0, n - d), _cut(b, axis, n - d, n)
            b = _cat([_cut(b, axis, 0, n - d) + head * _cut(b, axis, d, n), tail], axis)
            a = _cat([head * _cut(a, axis, d, n), _cut(a, axis, n - d, n)], axis)
        else:
            _cut(b, axis, 0, n - d)[...] += _cut(a, axis, 0, n - d) * _cut(b, axis, d, n)
            _cut(a, axis, 0, n - d)[...] *= _cut(a, axis, d, n)
        d *= 2
    return b


def _checked(fn: Callable[..., Any], *args: Any, shape: tuple[int, ...]) -> Any:
    """``fn(*args)``, its TypeError or ValueError also naming the tensor's shape."""
    try:
        return fn(*args)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{exc} (shape {shape})") from None


# --------------------------------------------------------------------------- scans
def _cs(x: np.ndarray, axis: int, reverse: bool) -> np.ndarray:
    return np.flip(np.cumsum(np.flip(x, axis), axis), axis).copy() if reverse else \
        np.cumsum(x, axis)


def _cumsum(x: Any, axis: int = 0, reverse: bool = False) -> tuple[Any, None]:
    """Σ_{j≤k} x_j along axis (Σ_{j≥k} if reverse);  x̄ = the cumulative sum of ḡ the other way"""
    return _cs(x, axis, reverse), None


def _cumsum_vjp(g: Any, saved: Any, needs: Any, axis: int = 0, reverse: bool = False) -> Grads:
    return (_CUMSUM(g, axis=axis, reverse=not reverse) if _rec(g) else _cs(g, axis, not reverse),)


def _cumprod(x: Any, axis: int = 0) -> tuple[Any, Any]:
    """y_k = Π_{j≤k} x_j along axis;  x̄_i = (Π_{j<i} x_j) s_i, s_i = ḡ_i + x_{i+1} s_{i+1}"""
    return np.cumprod(x, axis), x


def _cumprod_vjp(g: Any, x: Any, needs: Any, axis: int = 0) -> Grads:
    if not x.shape[axis]:
        return (g,)
    return (_exclusive(x, axis) * _affine_scan(_pad(x, axis, 0.0, front=False), g, axis),)


def _logcumsumexp(x: Any, axis: int = 0) -> tuple[Any, Any]:
    """y_k = log Σ_{j≤k} e^{x_j} along axis, by logaddexp;  x̄_i = Σ_{k≥i} ḡ_k e^{x_i − y_k}
    = e^{x_i − y_i} s_i, s_i = ḡ_i + e^{y_i − y_{i+1}} s_{i+1} (every exponent ≤ 0)"""
    out = np.logaddexp.accumulate(x, axis=axis)
    return out, (x, out)


def _logcumsumexp_vjp(g: Any, saved: Any, needs: Any, axis: int = 0) -> Grads:
    x, y = saved
    n = x.shape[axis]
    if not n:
        return (g,)
    gap = _cut(y, axis, 0, n - 1) - _cut(y, axis, 1, n)
    lead = x - y
    # Where y_{i+1} is infinite the link e^{y_i − y_{i+1}} is 0: after a +∞ every later y is
    # +∞ and weighs e^{x_i − ∞} = 0 in x̄_i; before a −∞ the prefix is all −∞ (no gradient).
    # Left as ∞ − ∞ = NaN, the scan would carry it to every earlier element.
    cut = np.isinf(_cut(E.raw(y), axis, 1, n))
    if cut.any():
        gap = E.select(cut, -np.inf, gap)
    # x_i − y_i is −∞ − (−∞) in a prefix of −∞ only (no gradient: e^−∞ = 0) and ∞ − ∞ at a +∞
    # element (NaN, as PyTorch): constants there, so that a second derivative does not carry
    # that NaN to the other elements (a NaN adjoint times a zero link is still NaN)
    empty, top = E.raw(y) == -np.inf, E.raw(x) == np.inf
    if empty.any() or top.any():
        lead = E.select(empty | top, np.where(empty, -np.inf, np.nan).astype(E.raw(y).dtype),
                        lead)
    a = _cat([E.exp_of(gap), _fill(y, axis, 0.0)], axis)
    return (E.exp_of(lead) * _affine_scan(a, g, axis),)


_CUMSUM = primitive("cumsum", _cumsum, _cumsum_vjp)
_CUMPROD = primitive("cumprod", _cumprod, _cumprod_vjp)
_LOGCUMSUMEXP = primitive("logcumsumexp", _logcumsumexp, _logcumsumexp_vjp, floating=True)


def _scan(op: Any, x: Any, axis: Any) -> Tensor:
    """``op`` along ``axis``; None scans the flattened tensor and a 0-d one is one element."""
    x = as_tensor(x, where=op.name)
    if axis is None:
        return op(x if x.ndim == 1 else S.reshape(x, (-1,)), axis=0)
    ax = _checked(one_axis, axis, x.ndim, op.name, shape=x.shape)
    return op(x if x.ndim else S.reshape(x, (1,)), axis=ax)


@numpy_names
def cumsum(x: Any, axis: int | None = None) -> Tensor:
    """Σ_{j≤k} x_j along ``axis`` (None: of the flattened tensor, as NumPy); x̄ = reversed
    cumulative sum of ḡ."""
    return _scan(_CUMSUM, x, axis)


@numpy_names
def cumprod(x: Any, axis: int | None = None) -> Tensor:
    """Π_{j≤k} x_j along ``axis`` (None: flattened); x̄_i = Σ_{k≥i} ḡ_k Π_{j≤k, j≠i} x_j, exact
    also at zeros (no division by a zero), to any order."""
    return _scan(_CUMPROD, x, axis)


@numpy_names
def logcumsumexp(x: Any, axis: int | None = None) -> Tensor:
    """log Σ_{j≤k} e^{x_j} along ``axis`` (None: flattened, as NumPy's cumsum; PyTorch has no
    default), stable at any finite x; x̄_i = Σ_{k≥i} ḡ_k e^{x_i − y_k}.

    Infinite elements, as PyTorch where its gradient is finite: a +∞ element's gradient is NaN
    (e^{∞ − ∞}); the elements before it keep their finite gradient (the +∞ terms weigh 0), the
    finite ones after it get 0. A −∞ element weighs e^{−∞} = 0 in every sum, so a prefix of
    −∞ only has gradient 0, where PyTorch gives NaN (−∞ − (−∞))."""
    return _scan(_LOGCUMSUMEXP, x, axis)


# --------------------------------------------------------------------------- prod
def _prod(x: Any, axis: Axes = None, keepdims: bool = False) -> tuple[Any, Any]:
    """Π_axis x;  x̄_i = ḡ (Π_{j<i} x_j)(Π_{j>i} x_j): exclusive cumulative products from both
    ends of each reduced slice, no division"""
    return np.prod(x, axis=axis, keepdims=keepdims), x


def _others(x: Any, axis: Axes) -> Any:
    """Π_{j≠i} x_j over each reduced slice (flattened into one last axis)."""
    red = tuple(range(x.ndim)) if axis is None else axis
    perm = [a for a in range(x.ndim) if a not in red] + list(red)
    xt = x.transpose(tuple(perm))
    lead = xt.shape[:x.ndim - len(red)]
    flat = xt.reshape((*lead, math.prod(xt.shape[len(lead):])))
    if flat.size == 0:
        return x * 0
    k = len(lead)
    both = _exclusive(flat, k) * _cut(_exclusive(_cut(flat, k, None, None, -1), k), k, None, None,
                                      -1)
    return both.reshape(xt.shape).transpose(tuple(int(i) for i in np.argsort(perm)))


_PROD = primitive("prod", _prod, lambda g, x, needs, axis=None, keepdims=False: (
    R.kept(g, x.shape, axis, keepdims) * _others(x, axis),))


@numpy_names
def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Π over ``axis`` (None: all); x̄_i = ḡ Π_{j≠i} x_j, exact with any number of zeros."""
    x = as_tensor(x, where="prod")
    ax = _checked(axes, axis, x.ndim, "prod", shape=x.shape)
    return _PROD(x, axis=ax, keepdims=flag(keepdims, "prod", "keepdims"))


# --------------------------------------------------------------------------- no gradient
def _arg(fn: Any, name: str, x: Any, axis: Any, keepdims: bool) -> Tensor:
    a = E.raw(as_tensor(x, where=name))
    keepdims = flag(keepdims, name, "keepdims")
    ax = None if axis is None else _checked(one_axis, axis, a.ndim, name, shape=a.shape)
    if a.size == 0 and (ax is None or a.shape[ax] == 0):
        raise ValueError(f"{name}: cannot take the {name} of an empty tensor of shape {a.shape}")
    return wrap(np.asarray(fn(a, axis=ax, keepdims=keepdims), dtype=np.int64))


@numpy_names
def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """argmax_axis x: the index of the first maximum (None: in the flattened tensor), int64."""
    return _arg(np.argmax, "argmax", x, axis, keepdims)


@numpy_names
def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """argmin_axis x: the index of the first minimum (None: in the flattened tensor), int64."""
    return _arg(np.argmin, "argmin", x, axis, keepdims)


def _truth(fn: Any, name: str, x: Any, axis: Any, keepdims: bool) -> Tensor:
    a = E.raw(as_tensor(x, where=name))
    ax = _checked(axes, axis, a.ndim, name, shape=a.shape)
    return wrap(np.asarray(fn(a, axis=ax, keepdims=flag(keepdims, name, "keepdims"))))


@numpy_names
def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """∨ over ``axis``: whether any element is non-zero (bool)."""
    return _truth(np.any, "any", x, axis, keepdims)


@numpy_names
def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """∧ over ``axis``: whether every element is non-zero (bool)."""
    return _truth(np.all, "all", x, axis, keepdims)


# --------------------------------------------------------------------------- sort, top-k
def _take(x: Any, index: Any = None, axis: int = -1) -> tuple[Any, Any]:
    """x at index along axis;  x̄ = ḡ put back at index, 0 elsewhere (for sort and topk)"""
    return np.take_along_axis(x, index, axis=axis), x.shape


def _take_vjp(g: Any, shape: Any, needs: Any, index: Any = None, axis: int = -1) -> Grads:
    if _rec(g):
        grid = tuple(index if d == axis else np.arange(n).reshape(
            [-1 if e == d else 1 for e in range(index.ndim)]) for d, n in enumerate(index.shape))
        return (S.scatter_add(g, grid, shape),)
    z = np.zeros(shape, dtype=g.dtype)
    np.put_along_axis(z, index, g, axis=axis)
    return (z,)


_SORT = primitive("sort", _take, _take_vjp, smooth=False, doc="sort x along axis (stable);  "
                  "x̄ = ḡ scattered back to the sorted elements' positions")
_TOPK = primitive("topk", _take, _take_vjp, smooth=False, doc="the k largest (or smallest) of x "
                  "along axis, sorted;  x̄ = ḡ at their positions, 0 elsewhere")


def _order(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The stable sorting permutation; descending keeps ties in their original order."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    return a.shape[axis] - 1 - np.flip(np.argsort(np.flip(a, axis), axis=axis, kind="stable"), axis)


#: Inputs smaller than this go to the full sort, as fast there as the selection's numpy calls.
_SELECTION_MIN_SIZE = 1 << 14


def _first(a: np.ndarray, axis: int, k: int, descending: bool) -> np.ndarray:
    """The first ``k`` of ``_order(a, axis, descending)`` along ``axis``, without sorting it all.

    A full sort costs O(n log n) per slice whatever k; here a partition finds the k-th value t
    in O(n), the k kept are those ordered before t and then the earliest of those equal to t
    (the stable order's tie rule), and only these k are sorted, by ``_order`` itself. NaN is
    ordered above every number and equal to NaN, as by np.sort and np.partition; t may be NaN.
    Complex values, k near n and small inputs go to ``_order``: selection would not pay."""
    n = a.shape[axis]
    if a.dtype.kind not in "biuf" or not 0 < k <= n // 4 or a.size < _SELECTION_MIN_SIZE:
        return np.take(_order(a, axis, descending), np.arange(k), axis=axis)
    rows = np.moveaxis(a, axis, -1).reshape(-1, n)
    kth = n - k if descending else k - 1
    t = np.partition(rows, kth, axis=-1)[:, kth:kth + 1]  # each row's k-th value
    keep, tie = (rows > t) if descending else (rows < t), rows == t
    if a.dtype.kind == "f" and (nan := np.isnan(rows)).any():
        nan_t = np.isnan(t)
        keep |= (nan & ~nan_t) if descending else (~nan & nan_t)
        tie |= nan & nan_t
    kept, counts = np.count_nonzero(keep, axis=-1), np.count_nonzero(tie, axis=-1)
    if (kept + counts == k).all():  # (every tie is needed: no ranking)
        keep |= tie
    else:  # the earliest ties, as many as each row lacks: nonzero lists them row by row
        r, c = np.nonzero(tie)
        rank = np.arange(r.size) - (np.cumsum(counts) - counts)[r]
        first = rank < (k - kept)[r]
        keep[r[first], c[first]] = True
    cols = np.nonzero(keep)[1].reshape(-1, k)  # in index order: the stable sort keeps ties so
    cols = np.take_along_axis(cols, _order(np.take_along_axis(rows, cols, -1), -1, descending), -1)
    out = cols.reshape(*a.shape[:axis], *a.shape[axis + 1:], k)
    return np.ascontiguousarray(np.moveaxis(out, -1, axis))


def _sort_args(name: str, x: Any, axis: Any, descending: bool) -> tuple[Tensor, int]:
    x = as_tensor(x, where=name)
    flag(descending, name, "descending")
    if axis is None:
        return S.reshape(x, (-1,)), 0
    if x.ndim == 0:
        raise ValueError(f"{name}: a 0-d tensor has no axis {axis!r} (shape ()); use axis=None")
    return x, _checked(one_axis, axis, x.ndim, name, shape=x.shape)


@numpy_names
def sort(x: Any, axis: int | None = -1, descending: bool = False) -> Tensor:
    """x[π], π the stable sorting order along ``axis`` (None: flattened); ``descending`` (not in
    NumPy) keeps equal values in their original order. x̄[π] = ḡ."""
    x, ax = _sort_args("sort", x, axis, descending)
    return _SORT(x, index=_order(x.data, ax, descending), axis=ax)


@numpy_names
def argsort(x: Any, axis: int | None = -1, descending: bool = False) -> Tensor:
    """π with x[π] sorted along ``axis`` (None: flattened), stable, int64."""
    x, ax = _sort_args("argsort", x, axis, descending)
    return wrap(_order(x.data, ax, descending).astype(np.int64, copy=False))


@numpy_names
def topk(x: Any, k: int, axis: int | None = -1, largest: bool = True) -> tuple[Tensor, Tensor]:
    """(x[π[:k]], π[:k]), π the stable descending order along ``axis`` (None: flattened): the k
    largest values, largest first (the k smallest, smallest first, with largest=False), and
    their int64 indices, as torch.topk (ties: the earlier one first). x̄[π[:k]] = ḡ, 0 elsewhere."""
    x, ax = _sort_args("topk", x, axis, flag(largest, "topk", "largest"))
    if not is_int(k):
        raise TypeError(f"topk: k must be an int, got {k!r:.60}")
    if not 0 <= k <= x.shape[ax]:
        raise ValueError(f"topk: k must be an int in [0, {x.shape[ax]}] for axis {ax} of shape "
                         f"{x.shape}, got {k!r}")
    idx = _first(x.data, ax, k, largest)
    return _TOPK(x, index=idx, axis=ax), wrap(idx.astype(np.int64, copy=False))


FUNCTIONS.update({f.__name__: f for f in (
    prod, cumsum, cumprod, logcumsumexp, argmax, argmin, any, all, sort, argsort, topk)})
