"""Helpers that accept an ndarray or a Tensor, so each VJP is written once for both paths.

On ndarrays they call NumPy (the fast first-order path); on Tensors they call the recorded
functions, which is how ``create_graph=True`` makes gradients differentiable.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = [
    "astype",
    "broadcast_to",
    "exp",
    "getitem",
    "log",
    "masked",
    "reduced_to_keepdims",
    "reshape",
    "scatter_add",
    "sigmoid",
    "sum",
    "swap_last",
    "transpose",
]


def _F() -> Any:
    from .. import functional

    return functional


def exp(x: Any) -> Any:
    return _F().exp(x) if isinstance(x, Tensor) else np.exp(x)


def log(x: Any) -> Any:
    return _F().log(x) if isinstance(x, Tensor) else np.log(x)


def sigmoid(x: Any) -> Any:
    """σ(x) = 1 / (1 + e^{−x}), evaluated without overflow."""
    if isinstance(x, Tensor):
        return _F().sigmoid(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def sum(x: Any, axis: tuple[int, ...] | None = None, keepdims: bool = False) -> Any:
    if isinstance(x, Tensor):
        return _F().sum(x, axis=axis, keepdims=keepdims)
    return x.sum(axis=axis, keepdims=keepdims)  # the method: no Python wrapper in between


def reshape(x: Any, shape: tuple[int, ...]) -> Any:
    return _F().reshape(x, shape) if isinstance(x, Tensor) else x.reshape(shape)


def transpose(x: Any, axes: tuple[int, ...] | None) -> Any:
    return _F().transpose(x, axes) if isinstance(x, Tensor) else x.transpose(axes)


def swap_last(x: Any) -> Any:
    """Swap the last two axes (matrix transpose of a batch)."""
    if isinstance(x, Tensor):
        perm = (*range(x.ndim - 2), x.ndim - 1, x.ndim - 2)
        return _F().transpose(x, perm)
    return x.swapaxes(-1, -2)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """x broadcast to ``shape``: a read-only view, or for small results a fresh array (cheaper
    to make than NumPy's view)."""
    if isinstance(x, Tensor):
        return _F().broadcast_to(x, shape)
    if math.prod(shape) <= 4096:
        out = np.empty(shape, x.dtype)
        out[...] = x
        return out
    return np.broadcast_to(x, shape)


def astype(x: Any, dtype: np.dtype) -> Any:
    return _F().astype(x, dtype) if isinstance(x, Tensor) else x.astype(dtype)


def masked(g: Any, mask: np.ndarray) -> Any:
    """``where(mask, g, 0)`` with a constant boolean mask (no NaN from inf·0).

    For float16/32/64 it is computed on the bits: g's bit pattern AND (−mask as an integer),
    all ones where the mask holds and zero elsewhere. That is exactly ``where`` (an inf or NaN
    under a False mask gives +0.0) at nearly the cost of multiplying by the mask (which would
    give inf·0 = NaN), and 2–3.5× faster than ``where`` on an unpredictable mask.
    """
    if isinstance(g, Tensor):
        return _F().where(mask, g, np.zeros((), dtype=g.dtype))
    bits = _SAME_SIZE_INT.get(g.dtype)
    if bits is not None and g.shape == mask.shape and mask.dtype == np.bool_:
        return np.bitwise_and(g.view(bits), np.negative(mask.view(np.int8))).view(g.dtype)
    return np.where(mask, g, np.zeros((), dtype=g.dtype))


_SAME_SIZE_INT = {np.dtype(f): np.dtype(i) for f, i in
                  ((np.float16, np.int16), (np.float32, np.int32), (np.float64, np.int64))}


def getitem(x: Any, index: Any) -> Any:
    return _F().getitem(x, index) if isinstance(x, Tensor) else x[index]


def scatter_add(g: Any, index: Any, shape: tuple[int, ...], basic: bool) -> Any:
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeated indices accumulate)."""
    if isinstance(g, Tensor):
        return _F().scatter_add(g, index, shape)
    z = np.zeros(shape, dtype=g.dtype)
    if basic:
        z[index] = g
    else:
        np.add.at(z, index, g)
    return z


def reduced_to_keepdims(g: Any, in_shape: tuple[int, ...], axis: tuple[int, ...] | None,
                        keepdims: bool) -> Any:
    """Give a reduction's output gradient back its reduced axes (as size 1) for broadcasting."""
    if keepdims:
        return g
    if axis is None:
        kshape: tuple[int, ...] = (1,) * len(in_shape)
    else:
        kshape = tuple(1 if i in axis else n for i, n in enumerate(in_shape))
    return reshape(g, kshape)
