"""Fused primitives for the two places where a network spends its time: the affine layer and
softmax cross-entropy from logits. One node each instead of three, with the textbook VJPs."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Primitive, register
from ..tensor import Tensor
from . import dual

__all__: list[str] = []

Grads = tuple[Any, ...]
_max, _sum = np.maximum.reduce, np.add.reduce


def _linear(x: Any, w: Any, b: Any = None) -> tuple[Any, bool]:
    """y = x Wᵀ + b (W shaped (out, in));  x̄ += ḡ W, W̄ += ḡᵀ x, b̄ += Σ_rows ḡ"""
    out = np.matmul(x, w.T)
    if b is not None:
        out += b  # a fresh array: adding in place saves one activation-sized temporary
    # extra: W is column-major (nn.Linear's layout: Wᵀ is a plain row-major matrix, which
    # BLAS multiplies fastest), so W̄ is made column-major too and updates stay contiguous
    return out, bool(w.flags.f_contiguous and not w.flags.c_contiguous)


def _linear_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    x, w = ins[0], ins[1]  # x is kept only if W needs a gradient, W only if x does
    g2 = dual.reshape(g, (-1, g.shape[-1])) if g.ndim != 2 else g
    gx = gw = gb = None
    if needs[0]:
        gx = g @ w
    if needs[1]:
        x2 = dual.reshape(x, (-1, x.shape[-1])) if x.ndim != 2 else x
        if extra and not isinstance(g2, Tensor):  # W column-major: W̄ = (xᵀ ḡ)ᵀ, same layout
            gw = np.empty((g2.shape[1], x2.shape[1]), np.result_type(g2, x2), order="F")
            np.matmul(x2.T, g2, out=gw.T)
        else:
            gw = dual.swap_last(g2) @ x2
    if len(ins) > 2 and needs[2]:
        gb = dual.sum(g2, axis=(0,))
    return (gx, gw) if len(ins) == 2 else (gx, gw, gb)


def _softmax_xent(x: Any, target: Any = None, reduction: str = "none") -> tuple[Any, Any]:
    """ℓ_n = logsumexp(x_n) − x_n[t_n] for logits x (N, C) and class indices t (N,), then
    reduced ("none", "mean" or "sum"); x̄ += ḡ_n (softmax(x_n) − onehot(t_n)), with
    ḡ_n = ḡ/N for "mean" and ḡ for "sum" """
    z = x - _max(x, axis=-1, keepdims=True)  # ufunc reductions: no Python wrapper per call
    e = np.exp(z)
    s = _sum(e, axis=-1, keepdims=True)
    rows = np.arange(x.shape[0])
    loss = np.log(s[:, 0]) - z[rows, target]
    if reduction == "mean":
        loss = _sum(loss) / loss.shape[0]  # ndarray.mean's own arithmetic
    elif reduction == "sum":
        loss = _sum(loss)
    e /= s  # the softmax, kept for the backward pass
    return loss, e


def _softmax_xent_vjp(g: Any, ins: Any, out: Any, p: Any, needs: Any,
                      target: Any = None, reduction: str = "none") -> Grads:
    n = p.shape[0]
    if reduction == "mean":
        g = g * (1.0 / n)  # one scalar ḡ_n for every sample
    if isinstance(g, Tensor):  # recorded backward: the softmax must depend on x
        from .. import functional as F

        onehot = np.zeros(ins[0].shape, dtype=ins[0].dtype)
        onehot[np.arange(n), target] = 1
        col = F.reshape(g, (-1, 1)) if reduction == "none" else g
        return ((F.softmax(ins[0], axis=-1) - onehot) * col,)
    grad = p * (g[:, None] if reduction == "none" else g)
    grad[np.arange(n), target] -= g
    return (grad,)


register(Primitive("linear", _linear, _linear_vjp, nin=-1, cross=True,
                   doc=(_linear.__doc__ or "").strip()))
register(Primitive("softmax_cross_entropy", _softmax_xent, _softmax_xent_vjp,
                   doc=(_softmax_xent.__doc__ or "").strip()))
