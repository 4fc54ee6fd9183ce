"""Reductions and their adjoint: sum and broadcast_to (each other's VJP), max, min, and the
numerically stable softmax family (logsumexp, softmax, log_softmax, cross-entropy from logits)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import axes, flag, integers, numpy_names, one_axis
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import FUNCTIONS, Tensor
from .elementwise import exp_of, raw

__all__ = ["broadcast_to", "log_softmax", "logsumexp", "max", "min", "softmax",
           "softmax_cross_entropy", "sum"]

Axes = tuple[int, ...] | None
Grads = tuple[Any, ...]


def kept(g: Any, shape: tuple[int, ...], axis: Axes, keepdims: bool) -> Any:
    """A reduction's gradient with its reduced axes back (as length 1), ready to broadcast."""
    if keepdims:
        return g
    return g.reshape(tuple(1 if axis is None or i in axis else n for i, n in enumerate(shape)))


def _broadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """g broadcast to ``shape``: recorded on a Tensor; on an array a read-only view, or for
    small results a fresh array (cheaper to make than NumPy's view)."""
    if isinstance(g, Tensor):
        return broadcast_to(g, shape)
    if math.prod(shape) <= 4096:
        out = np.empty(shape, g.dtype)
        out[...] = g
        return out
    return np.broadcast_to(g, shape)


# --------------------------------------------------------------------------- sum and broadcast
def _sum(x: Any, axis: Axes = None, keepdims: bool = False) -> tuple[Any, Any]:
    """Σ_axis x;  x̄ = ḡ broadcast back to x's shape"""
    return x.sum(axis=axis, keepdims=keepdims), x.shape


def _sum_vjp(g: Any, shape: Any, needs: Any, axis: Axes = None, keepdims: bool = False) -> Grads:
    return (_broadcast(kept(g, shape, axis, keepdims), shape),)


def _broadcast_to(x: Any, shape: tuple[int, ...] = ()) -> tuple[Any, None]:
    """broadcast x to shape;  x̄ = ḡ summed over the broadcast axes (by the engine)"""
    return np.broadcast_to(x, shape), None


_SUM = primitive("sum", _sum, _sum_vjp)
_BROADCAST_TO = primitive("broadcast_to", _broadcast_to, lambda g, saved, needs, shape=(): (g,))


@numpy_names
def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Σ over ``axis`` (None: all axes)."""
    x = as_tensor(x, where="sum")
    return _SUM(x, axis=axes(axis, x.ndim, "sum"), keepdims=flag(keepdims, "sum", "keepdims"))


def broadcast_to(x: Any, shape: Any) -> Tensor:
    """Broadcast to ``shape`` (NumPy rules); the gradient sums over the broadcast axes."""
    x = as_tensor(x, where="broadcast_to")
    shp = integers(shape, "shape", "broadcast_to")
    try:
        if len(shp) < x.ndim or any(n < 0 for n in shp):
            raise ValueError
        np.broadcast_to(np.empty(x.shape, dtype=bool), shp)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shp}") from None
    return _BROADCAST_TO(x, shape=shp)


# --------------------------------------------------------------------------- max and min
def _extreme(fn: Any, doc: str) -> Any:
    def forward(x: Any, axis: Axes = None, keepdims: bool = False) -> tuple[Any, Any]:
        outk = fn(x, axis=axis, keepdims=True)
        hit = (x == outk) | (np.isnan(x) & np.isnan(outk))
        weight = (hit / np.sum(hit, axis=axis, keepdims=True)).astype(x.dtype, copy=False)
        return (outk if keepdims else np.squeeze(outk, axis=axis)), weight

    forward.__doc__ = doc
    return forward


def _extreme_vjp(g: Any, weight: Any, needs: Any, axis: Axes = None,
                 keepdims: bool = False) -> Grads:
    return (kept(g, weight.shape, axis, keepdims) * weight,)


_MAX = primitive("max", _extreme(np.max, "max_axis x;  x̄ = ḡ at the maxima, split evenly "
                                 "between ties"), _extreme_vjp, smooth=False)
_MIN = primitive("min", _extreme(np.min, "min_axis x;  x̄ = ḡ at the minima, split evenly "
                                 "between ties"), _extreme_vjp, smooth=False)


def _reduce_extreme(op: Any, x: Any, axis: Any, keepdims: bool) -> Tensor:
    x = as_tensor(x, where=op.name)
    ax = axes(axis, x.ndim, op.name)
    if x.size == 0 and (ax is None or any(x.shape[a] == 0 for a in ax)):
        raise ValueError(f"{op.name}: cannot reduce an empty tensor of shape {x.shape}")
    return op(x, axis=ax, keepdims=flag(keepdims, op.name, "keepdims"))


@numpy_names
def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis``; tied maxima share the gradient evenly."""
    return _reduce_extreme(_MAX, x, axis, keepdims)


@numpy_names
def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis``; tied minima share the gradient evenly."""
    return _reduce_extreme(_MIN, x, axis, keepdims)


# --------------------------------------------------------------------------- softmax family
def _logsumexp(x: Any, axis: Axes = None, keepdims: bool = False) -> tuple[Any, Any]:
    """log Σ e^x = m + log Σ e^(x − m), m = max x;  x̄ = ḡ e^(x − out)"""
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    m = np.where(np.isfinite(m), m, np.zeros((), dtype=x.dtype))
    s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    out = s if keepdims else np.squeeze(s, axis=axis)
    return out, (x, out)


def _logsumexp_vjp(g: Any, saved: Any, needs: Any, axis: Axes = None,
                   keepdims: bool = False) -> Grads:
    x, out = saved
    return (kept(g, x.shape, axis, keepdims) * exp_of(x - kept(out, x.shape, axis, keepdims)),)


def _softmax(x: Any, axis: int = -1) -> tuple[Any, Any]:
    """s = e^(x − m) / Σ e^(x − m);  x̄ = s ⊙ (ḡ − Σ ḡ ⊙ s)"""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True, initial=-np.inf))  # (initial: 0 elements)
    out = e / np.sum(e, axis=axis, keepdims=True)
    return out, out


def _log_softmax(x: Any, axis: int = -1) -> tuple[Any, Any]:
    """x − logsumexp(x);  x̄ = ḡ − e^out Σ ḡ"""
    z = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    out = z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    return out, out


_LOGSUMEXP = primitive("logsumexp", _logsumexp, _logsumexp_vjp, floating=True)
_SOFTMAX = primitive("softmax", _softmax, lambda g, s, needs, axis=-1: (
    s * (g - (g * s).sum(axis=axis, keepdims=True)),), floating=True)
_LOG_SOFTMAX = primitive("log_softmax", _log_softmax, lambda g, out, needs, axis=-1: (
    g - exp_of(out) * g.sum(axis=axis, keepdims=True),), floating=True)


@numpy_names
def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log Σ e^x over ``axis``, computed as m + log Σ e^(x − m) with m the maximum."""
    x = as_tensor(x, where="logsumexp")
    return _LOGSUMEXP(x, axis=axes(axis, x.ndim, "logsumexp"),
                      keepdims=flag(keepdims, "logsumexp", "keepdims"))


def _along(op: Any, x: Any, axis: int) -> Tensor:
    """``op`` along one axis; a 0-d tensor is taken as one element along axis 0."""
    x = as_tensor(x, where=op.name)
    ax = one_axis(axis, x.ndim, op.name)
    if x.ndim == 0:
        return op(x.reshape(1), axis=0).reshape(())
    return op(x, axis=ax)


@numpy_names
def softmax(x: Any, axis: int = -1) -> Tensor:
    """e^x / Σ e^x along ``axis``, shifted by the maximum so it never overflows."""
    return _along(_SOFTMAX, x, axis)


@numpy_names
def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x − logsumexp(x) along ``axis``; finite at any finite logits."""
    return _along(_LOG_SOFTMAX, x, axis)


# --------------------------------------------------------------------------- cross-entropy
def _softmax_xent(x: Any, target: Any = None, reduction: str = "none") -> tuple[Any, Any]:
    """ℓ_n = logsumexp(x_n) − x_n[t_n] for logits x (N, C) and classes t (N,), then reduced
    ("none", "mean" or "sum");  x̄_n = ḡ_n (softmax(x_n) − onehot(t_n)), ḡ_n = ḡ/N for "mean" """
    z = x - (np.maximum.reduce(x, axis=-1, keepdims=True) if x.shape[-1] else  # (no wrapper)
             np.zeros((x.shape[0], 1), x.dtype))  # (an empty batch of no classes: nothing)
    e = np.exp(z)
    s = np.add.reduce(e, axis=-1, keepdims=True)
    loss = np.log(s[:, 0]) - z[np.arange(x.shape[0]), target]
    if reduction == "mean":
        loss = np.add.reduce(loss) / loss.shape[0]
    elif reduction == "sum":
        loss = np.add.reduce(loss)
    e /= s  # the softmax, kept for the backward pass
    return loss, (x, e)


def _softmax_xent_vjp(g: Any, saved: Any, needs: Any, target: Any = None,
                      reduction: str = "none") -> Grads:
    x, p = saved
    n = p.shape[0]
    g = g * (1.0 / n if n else math.nan) if reduction == "mean" else g  # (an empty batch: NaN)
    col = g.reshape(-1, 1) if reduction == "none" else g
    if isinstance(x, Tensor):  # recorded: the softmax must depend on x
        onehot = np.zeros(x.shape, dtype=x.dtype)
        onehot[np.arange(n), target] = 1
        return ((softmax(x, axis=-1) - onehot) * col,)
    grad = p * col
    grad[np.arange(n), target] -= g
    return (grad,)


_SOFTMAX_XENT = primitive("softmax_cross_entropy", _softmax_xent, _softmax_xent_vjp,
                          floating=True)  # (integer logits in float64: x − max would wrap)


def softmax_cross_entropy(logits: Any, target: Any, reduction: str = "none") -> Tensor:
    """Per-sample ℓ_n = logsumexp(x_n) − x_n[t_n] = −log softmax(x_n)[t_n] for logits (N, C)
    and integer classes t (N,), stable at any finite logits, then reduced ("none", "mean",
    "sum") in the same node. x̄_n = ḡ_n (softmax(x_n) − e_{t_n})."""
    name = "softmax_cross_entropy"
    x = as_tensor(logits, where=name)
    if x.ndim != 2:
        raise ValueError(f"{name}: logits must be 2-d (N, C), got {x.shape}")
    try:
        t = np.asarray(raw(target))
    except (ValueError, TypeError):
        raise ValueError(f"{name}: target must be integer classes of shape ({x.shape[0]},), got "
                         f"{type(target).__name__} that is not a rectangular array") from None
    if t.dtype.kind not in "iu" or t.shape != (x.shape[0],):
        raise ValueError(f"{name}: target must be integer classes of shape ({x.shape[0]},), "
                         f"got dtype {t.dtype} and shape {t.shape}")
    if t.size and (np.minimum.reduce(t) < 0 or np.maximum.reduce(t) >= x.shape[1]):
        raise ValueError(f"{name}: classes must lie in [0, {x.shape[1]}), got values from "
                         f"{t.min()} to {t.max()}")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{name}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    return _SOFTMAX_XENT(x, target=t, reduction=reduction)


FUNCTIONS.update({f.__name__: f for f in (
    sum, broadcast_to, max, min, logsumexp, softmax, log_softmax, softmax_cross_entropy)})
