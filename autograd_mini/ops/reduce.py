"""Reductions and the fused, numerically stable softmax family."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Primitive, register
from . import dual

__all__: list[str] = []

Axes = tuple[int, ...] | None
Grads = tuple[Any, ...]


def _raw(x: Any) -> Any:
    return x if isinstance(x, np.ndarray) else x.data


def _sum(x: Any, axis: Axes = None, keepdims: bool = False) -> tuple[Any, tuple[int, ...]]:
    """Σ_axis x;  x̄ += broadcast(ḡ)"""
    return x.sum(axis=axis, keepdims=keepdims), x.shape  # the VJP needs only the shape


def _sum_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any, axis: Axes = None,
             keepdims: bool = False) -> Grads:
    shape = extra
    return (dual.broadcast_to(dual.reduced_to_keepdims(g, shape, axis, keepdims), shape),)


def _extreme(fn: Any) -> Any:
    def forward(x: Any, axis: Axes = None, keepdims: bool = False) -> tuple[Any, Any]:
        outk = fn(x, axis=axis, keepdims=True)
        hit = (x == outk) | (np.isnan(x) & np.isnan(outk))
        weight = hit / np.sum(hit, axis=axis, keepdims=True)
        out = outk if keepdims else np.squeeze(outk, axis=axis)
        return out, weight.astype(x.dtype, copy=False)

    return forward


def _extreme_vjp(g: Any, ins: Any, out: Any, weight: Any, needs: Any, axis: Axes = None,
                 keepdims: bool = False) -> Grads:
    shape = weight.shape
    return (dual.reduced_to_keepdims(g, shape, axis, keepdims) * weight,)


_max = _extreme(np.max)
_max.__doc__ = "max_axis x;  x̄ += ḡ at the maxima, split evenly between ties"
_min = _extreme(np.min)
_min.__doc__ = "min_axis x;  x̄ += ḡ at the minima, split evenly between ties"


def _logsumexp(x: Any, axis: Axes = None, keepdims: bool = False) -> tuple[Any, None]:
    """log Σ e^x = m + log Σ e^(x − m), m = max x;  x̄ += ḡ e^(x − out)"""
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    m = np.where(np.isfinite(m), m, np.zeros((), dtype=x.dtype))
    s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return (s if keepdims else np.squeeze(s, axis=axis)), None


def _logsumexp_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any, axis: Axes = None,
                   keepdims: bool = False) -> Grads:
    x = ins[0]
    outk = dual.reduced_to_keepdims(out, x.shape, axis, keepdims)
    gk = dual.reduced_to_keepdims(g, x.shape, axis, keepdims)
    return (gk * dual.exp(x - outk),)


def _softmax(x: Any, axis: int = -1) -> tuple[Any, None]:
    """s = e^(x − m) / Σ e^(x − m);  x̄ += s ⊙ (ḡ − Σ ḡ ⊙ s)"""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True), None


def _softmax_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any, axis: int = -1) -> Grads:
    return (out * (g - dual.sum(g * out, axis=(axis,), keepdims=True)),)


def _log_softmax(x: Any, axis: int = -1) -> tuple[Any, None]:
    """x − logsumexp(x);  x̄ += ḡ − e^out Σ ḡ"""
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True)), None


def _log_softmax_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any,
                     axis: int = -1) -> Grads:
    return (g - dual.exp(out) * dual.sum(g, axis=(axis,), keepdims=True),)


def _prim(name: str, fwd: Any, vjp: Any, **kw: Any) -> None:
    register(Primitive(name, fwd, vjp, doc=(fwd.__doc__ or "").strip(), **kw))


_prim("sum", _sum, _sum_vjp, save_inputs=False)
_prim("max", _max, _extreme_vjp, save_inputs=False, smooth=False)
_prim("min", _min, _extreme_vjp, save_inputs=False, smooth=False)
_prim("logsumexp", _logsumexp, _logsumexp_vjp, save_out=True)
_prim("softmax", _softmax, _softmax_vjp, save_inputs=False, save_out=True)
_prim("log_softmax", _log_softmax, _log_softmax_vjp, save_inputs=False, save_out=True)
