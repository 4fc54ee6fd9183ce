"""Shape and indexing primitives, and matmul."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Primitive, register, sum_to
from . import dual

__all__: list[str] = []

Grads = tuple[Any, ...]


# Shape ops keep the input's shape (or dtype) as ``extra``, not the input itself.
def _reshape(x: Any, shape: tuple[int, ...] = ()) -> tuple[Any, tuple[int, ...]]:
    """reshape x;  x̄ += reshape(ḡ, x.shape)"""
    return x.reshape(shape), x.shape


def _reshape_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any, shape: Any = ()) -> Grads:
    return (dual.reshape(g, extra),)


def _transpose(x: Any, axes: tuple[int, ...] | None = None) -> tuple[Any, None]:
    """permute axes;  x̄ += transpose(ḡ, argsort(axes))"""
    return x.transpose(axes), None


def _transpose_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any,
                   axes: tuple[int, ...] | None = None) -> Grads:
    inv = None if axes is None else tuple(int(i) for i in np.argsort(axes))
    return (dual.transpose(g, inv),)


def _broadcast_to(x: Any, shape: tuple[int, ...] = ()) -> tuple[Any, tuple[int, ...]]:
    """broadcast x to shape;  x̄ += ḡ summed over the broadcast axes"""
    return np.broadcast_to(x, shape), x.shape


def _broadcast_to_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any,
                      shape: Any = ()) -> Grads:
    return (sum_to(g, extra),)


def _astype(x: Any, dtype: Any = None) -> tuple[Any, np.dtype]:
    """cast to dtype;  x̄ += ḡ cast back to x's dtype"""
    return x.astype(dtype), x.dtype


def _astype_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any, dtype: Any = None) -> Grads:
    return (dual.astype(g, extra),)


def _getitem(x: Any, index: Any = None, basic: bool = True) -> tuple[Any, tuple[int, ...]]:
    """x[index];  x̄ += scatter-add of ḡ at index (repeated indices accumulate)"""
    return x[index], x.shape


def _getitem_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any, index: Any = None,
                 basic: bool = True) -> Grads:
    return (dual.scatter_add(g, index, extra, basic),)


def _scatter_add(g: Any, index: Any = None, shape: tuple[int, ...] = (),
                 basic: bool = True) -> tuple[Any, None]:
    """zeros(shape) with g added at index;  ḡ_in += ḡ[index]"""
    return dual.scatter_add(g, index, shape, basic), None


def _scatter_add_vjp(gg: Any, ins: Any, out: Any, extra: Any, needs: Any, index: Any = None,
                     shape: Any = (), basic: bool = True) -> Grads:
    return (dual.getitem(gg, index),)


def _concatenate(*xs: Any, axis: int = 0) -> tuple[Any, None]:
    """concatenate along axis;  x̄_k += ḡ's k-th slab along axis"""
    return np.concatenate(xs, axis=axis), None


def _concatenate_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any, axis: int = 0) -> Grads:
    grads = []
    start = 0
    lead = (slice(None),) * axis
    for x, need in zip(ins, needs):
        stop = start + x.shape[axis]
        grads.append(dual.getitem(g, (*lead, slice(start, stop))) if need else None)
        start = stop
    return tuple(grads)


def _matmul(a: Any, b: Any) -> tuple[Any, None]:
    """a @ b (NumPy matmul rules);  ā += ḡ @ bᵀ, b̄ += aᵀ @ ḡ (batch axes summed)"""
    return np.matmul(a, b), None


def _matmul_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    a, b = ins
    ga = gb = None
    if a.ndim == 1 and b.ndim == 1:
        return (g * b if needs[0] else None), (g * a if needs[1] else None)
    if a.ndim == 1:  # (k,) @ (..., k, m) -> (..., m): treat a as a row (1, k)
        grow = dual.reshape(g, (*g.shape[:-1], 1, g.shape[-1]))
        if needs[0]:
            ga = grow @ dual.swap_last(b)  # (..., 1, k): summed to (k,) by the engine
        if needs[1]:
            gb = dual.reshape(a, (a.shape[0], 1)) @ grow
        return ga, gb
    if b.ndim == 1:  # (..., n, k) @ (k,) -> (..., n): treat b as a column (k, 1)
        gcol = dual.reshape(g, (*g.shape, 1))
        if needs[0]:
            ga = gcol @ dual.reshape(b, (1, b.shape[0]))
        if needs[1]:
            gb = dual.swap_last(a) @ gcol  # (..., k, 1)
            gb = dual.reshape(gb, gb.shape[:-1])
        return ga, gb
    if needs[0]:
        ga = g @ dual.swap_last(b)
    if needs[1]:
        gb = dual.swap_last(a) @ g
    return ga, gb


def _prim(name: str, fwd: Any, vjp: Any, **kw: Any) -> None:
    register(Primitive(name, fwd, vjp, doc=(fwd.__doc__ or "").strip(), **kw))


_prim("reshape", _reshape, _reshape_vjp, save_inputs=False)
_prim("transpose", _transpose, _transpose_vjp, save_inputs=False)
_prim("broadcast_to", _broadcast_to, _broadcast_to_vjp, save_inputs=False)
_prim("astype", _astype, _astype_vjp, save_inputs=False, casts=True)
_prim("getitem", _getitem, _getitem_vjp, save_inputs=False)
_prim("scatter_add", _scatter_add, _scatter_add_vjp, save_inputs=False)
_prim("concatenate", _concatenate, _concatenate_vjp, nin=-1)
_prim("matmul", _matmul, _matmul_vjp, nin=2)
