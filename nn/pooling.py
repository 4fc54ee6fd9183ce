"""Pooling: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and their functional forms.

Max pooling finds each window's first maximum in NumPy (−∞ padding, a sliding-window view,
argmax; PyTorch's choice on ties) and then records one gather of those elements, a private
op whose VJP is the matching scatter-add and vice versa, so both orders are exact. Average
pooling (count_include_pad) is a convolution of each channel with a constant 1/(KH·KW)
kernel (nn.conv's op); adaptive average pooling is Aₕ x Aᵥᵀ with constant averaging matrices
built from PyTorch's start/end indices ⌊i·H/out⌋ and ⌈(i+1)·H/out⌉.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import autograd_mini as am
from autograd_mini import Primitive, Tensor

from ._util import as_tensor
from .conv import CORR, Pair, as_tuple, run
from .module import Module

__all__ = ["AdaptiveAvgPool2d", "AvgPool2d", "MaxPool2d", "adaptive_avg_pool2d",
           "avg_pool2d", "max_pool2d"]


def _gather(x: np.ndarray, index: Any = None, unique: bool = False) -> tuple[np.ndarray, Any]:
    """y[n,c,k] = x[n,c,index[n,c,k]] over the flattened last axes of x"""
    n, c = x.shape[:2]
    out = np.take_along_axis(x.reshape(n, c, -1), index.reshape(n, c, -1), axis=2)
    return out.reshape(index.shape), x.shape


def _gather_vjp(g: Any, shape: Any, needs: Any, index: Any = None,
                unique: bool = False) -> tuple[Any]:
    return (run(SCATTER, g, index=index, shape=shape, unique=unique),)


def _scatter(g: np.ndarray, index: Any = None, shape: Any = (),
             unique: bool = False) -> tuple[np.ndarray, Any]:
    """x̄[n,c,index[n,c,k]] += ȳ[n,c,k]"""
    n, c = shape[:2]
    size = int(np.prod(shape[2:]))
    idx = index.reshape(n, c, -1)
    if unique:  # windows that do not overlap: each element receives at most one share
        out = np.zeros((n, c, size), dtype=g.dtype)
        np.put_along_axis(out, idx, g.reshape(n, c, -1), axis=2)
    else:
        flat = (idx + (np.arange(n * c) * size).reshape(n, c, 1)).ravel()
        out = np.bincount(flat, weights=g.ravel(), minlength=n * c * size).astype(g.dtype)
    return out.reshape(shape), None


def _scatter_vjp(a: Any, saved: Any, needs: Any, index: Any = None, shape: Any = (),
                 unique: bool = False) -> tuple[Any]:
    return (run(GATHER, a, index=index, unique=unique),)


GATHER = Primitive("max_pool_gather", _gather, _gather_vjp, smooth=False)
SCATTER = Primitive("max_pool_scatter", _scatter, _scatter_vjp)


def _pair(value: Any, name: str, where: str, low: int = 1) -> Pair:
    a, b = as_tuple(value, 2, name, where, low)
    return a, b


def _pool_args(x: Any, kernel_size: Any, stride: Any, padding: Any, where: str
               ) -> tuple[Tensor, bool, Pair, Pair, Pair]:
    x = as_tensor(x, where)
    if x.ndim not in (3, 4):
        raise ValueError(f"{where}: input must be 4-d (N, C, H, W) or 3-d (C, H, W), got "
                         f"shape {x.shape}")
    k = _pair(kernel_size, "kernel_size", where)
    s = k if stride is None else _pair(stride, "stride", where)
    p = _pair(padding, "padding", where, low=0)
    if any(2 * pi > ki for pi, ki in zip(p, k, strict=True)):
        raise ValueError(f"{where}: padding {p} must be at most half the kernel size {k}")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.reshape((1, *x.shape))
    for ax in range(2):
        if k[ax] > x.shape[2 + ax] + 2 * p[ax]:
            raise ValueError(f"{where}: kernel size {k} is bigger than the padded input "
                             f"{x.shape[2:]} (padding {p})")
    return x, unbatched, k, s, p


def max_pool2d(x: Any, kernel_size: int | Pair, stride: int | Pair | None = None,
               padding: int | Pair = 0) -> Tensor:
    """y[n,c,h,w] = max_{i,j} xpad[n, c, s h + i, s w + j] (−∞ padding; the gradient goes to
    the first maximum of each window, as in PyTorch)."""
    x, unbatched, k, s, p = _pool_args(x, kernel_size, stride, padding, "max_pool2d")
    n, c, h, w = x.shape
    xp = x.data
    if any(p):
        xp = np.pad(xp, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=-np.inf)
    win = sliding_window_view(xp, k, axis=(2, 3))[:, :, ::s[0], ::s[1]]
    oh, ow = win.shape[2:4]
    arg = win.reshape(n, c, oh, ow, -1).argmax(axis=4)
    top, left = np.arange(oh).reshape(oh, 1) * s[0] - p[0], np.arange(ow) * s[1] - p[1]
    row, col = top + arg // k[1], left + arg % k[1]
    if any(p):  # a padding cell wins only where all the window's values are −∞: then, as in
        # PyTorch, the window's first real cell
        outside = (row < 0) | (row >= h) | (col < 0) | (col >= w)
        row = np.where(outside, np.maximum(top, 0), row)
        col = np.where(outside, np.maximum(left, 0), col)
    unique = s[0] >= k[0] and s[1] >= k[1]
    y = GATHER(x, index=row * w + col, unique=unique)
    return y.reshape(y.shape[1:]) if unbatched else y


def avg_pool2d(x: Any, kernel_size: int | Pair, stride: int | Pair | None = None,
               padding: int | Pair = 0) -> Tensor:
    """y[n,c,h,w] = (1 / KH KW) Σ_{i,j} xpad[n, c, s h + i, s w + j] (zero padding counted,
    PyTorch's count_include_pad=True)."""
    x, unbatched, k, s, p = _pool_args(x, kernel_size, stride, padding, "avg_pool2d")
    n, c, h, w = x.shape
    kernel = np.full((1, 1, *k), 1.0 / (k[0] * k[1]), dtype=x.dtype)
    y = CORR(x.reshape((n * c, 1, h, w)), kernel, stride=s,
             pad=(p[0], p[0], p[1], p[1]), dilation=(1, 1), groups=1)
    y = y.reshape((n, c, *y.shape[2:]))
    return y.reshape(y.shape[1:]) if unbatched else y


def _averaging(n_in: int, n_out: int, dtype: np.dtype) -> np.ndarray:
    """(n_out, n_in) matrix averaging x[⌊i n_in / n_out⌋ : ⌈(i+1) n_in / n_out⌉] into row i."""
    a = np.zeros((n_out, n_in), dtype=dtype)
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def _output_size(output_size: Any, where: str) -> tuple[int | None, int | None]:
    items = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(items) != 2 or any(v is not None and (isinstance(v, bool) or not isinstance(
            v, (int, np.integer)) or v < 1) for v in items):
        raise ValueError(f"{where}: output_size must be an int >= 1 or a pair of such ints "
                         f"(or None), got {output_size!r:.60}")
    return tuple(None if v is None else int(v) for v in items)  # type: ignore[return-value]


def adaptive_avg_pool2d(x: Any, output_size: int | tuple[int | None, int | None]) -> Tensor:
    """y[n,c,i,j] = mean of x[n, c, ⌊iH/OH⌋:⌈(i+1)H/OH⌉, ⌊jW/OW⌋:⌈(j+1)W/OW⌉]
    (None in ``output_size`` keeps that size)."""
    x = as_tensor(x, "adaptive_avg_pool2d")
    if x.ndim not in (3, 4):
        raise ValueError("adaptive_avg_pool2d: input must be 4-d (N, C, H, W) or 3-d "
                         f"(C, H, W), got shape {x.shape}")
    oh, ow = _output_size(output_size, "adaptive_avg_pool2d")
    h, w = x.shape[-2:]
    if h < 1 or w < 1:
        raise ValueError(f"adaptive_avg_pool2d: input of shape {x.shape} is empty")
    dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    ah = _averaging(h, h if oh is None else oh, dt)
    aw = _averaging(w, w if ow is None else ow, dt)
    return am.matmul(am.matmul(ah, x.astype(dt)), aw.T)


class MaxPool2d(Module):
    """y = max_pool2d(x, kernel_size, stride, padding): the maximum of each window."""

    def __init__(self, kernel_size: int | Pair, stride: int | Pair | None = None,
                 padding: int | Pair = 0) -> None:
        super().__init__()
        where = type(self).__name__
        self.kernel_size = _pair(kernel_size, "kernel_size", where)
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride", where)
        self.padding = _pair(padding, "padding", where, low=0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size, strict=True)):
            raise ValueError(f"{where}: padding {self.padding} must be at most half the kernel "
                             f"size {self.kernel_size}")

    def forward(self, x: Any) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(MaxPool2d):
    """y = avg_pool2d(x, kernel_size, stride, padding): the mean of each window, padding
    zeros counted."""

    def forward(self, x: Any) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool2d(Module):
    """y = adaptive_avg_pool2d(x, output_size): means over PyTorch's adaptive windows."""

    def __init__(self, output_size: int | tuple[int | None, int | None]) -> None:
        super().__init__()
        self.output_size = _output_size(output_size, type(self).__name__)

    def forward(self, x: Any) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
