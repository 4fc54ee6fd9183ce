"""Pooling: MaxPool2d, MaxUnpool2d, AvgPool2d and their functional forms (the adaptive ones are
in ``nn.pooling_adaptive``, the 1-d ones in ``nn.pooling1d``).

Max pooling finds each window's first maximum in NumPy (−∞ padding, a sliding-window view,
argmax; PyTorch's choice on ties) and then records one gather of those elements, a private
op whose VJP is the matching scatter-add and vice versa, so both orders are exact (dilation
takes every d-th cell of a wider window; ceil_mode pads −∞ for the last, partial window).
Average pooling is a convolution of each channel with a constant 1/(KH·KW) kernel (nn.conv's
op), or, where windows differ in their divisor (ceil_mode, count_include_pad=False,
divisor_override), a sum kernel times a constant array of 1/divisor.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import autograd_mini as am
from autograd_mini import Primitive, Tensor

from ._util import as_tensor, check_flag
from .conv import CORR, Pair, as_tuple, run
from .module import Module

__all__ = ["GATHER", "AvgPool2d", "MaxPool2d", "MaxUnpool2d", "avg_pool", "avg_pool2d",
           "max_pool", "max_pool2d", "max_unpool2d", "pick_max"]


def _gather(x: np.ndarray, index: Any = None, unique: bool = False) -> tuple[np.ndarray, Any]:
    """y[n,c,k] = x[n,c,index[n,c,k]] over the flattened last axes of x"""
    # explicit sizes, not −1: NumPy cannot infer −1 when another axis is 0 (an empty batch)
    n, c = x.shape[:2]
    flat = index.reshape(n, c, math.prod(index.shape[2:]))
    out = np.take_along_axis(x.reshape(n, c, math.prod(x.shape[2:])), flat, axis=2)
    return out.reshape(index.shape), x.shape


def _gather_vjp(g: Any, shape: Any, needs: Any, index: Any = None,
                unique: bool = False) -> tuple[Any]:
    return (run(SCATTER, g, index=index, shape=shape, unique=unique),)


def _scatter(g: np.ndarray, index: Any = None, shape: Any = (),
             unique: bool = False) -> tuple[np.ndarray, Any]:
    """x̄[n,c,index[n,c,k]] += ȳ[n,c,k]"""
    n, c = shape[:2]
    size, k = math.prod(shape[2:]), math.prod(index.shape[2:])
    idx = index.reshape(n, c, k)
    if unique:  # each position written once (windows that do not overlap; or max_unpool2d,
        # which writes a position overlapping windows share once, as PyTorch's)
        out = np.zeros((n, c, size), dtype=g.dtype)
        np.put_along_axis(out, idx, g.reshape(n, c, k), axis=2)
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


def _shown(sizes: tuple[int, ...], dims: int) -> Any:
    """Sizes as an error states them: the pair, or for a 1-d form (``dims=1``, its input seen
    as one row) the one number along its length."""
    return sizes[-1] if dims == 1 else sizes


def _pool_args(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
               ceil_mode: Any, where: str, dims: int = 2
               ) -> tuple[Tensor, bool, Pair, Pair, Pair, Pair, Pair]:
    """The input as a batched floating Tensor, whether it was unbatched, and kernel, stride,
    padding, dilation (``None``: 1, for a pooling without it) and output size, checked as
    PyTorch does; errors state sizes as ``_shown``."""
    x = as_tensor(x, where)
    if x.ndim not in (3, 4):
        raise ValueError(f"{where}: input must be 4-d (N, C, H, W) or 3-d (C, H, W), got "
                         f"shape {x.shape}")
    k = _pair(kernel_size, "kernel_size", where)
    s = k if stride is None else _pair(stride, "stride", where)
    p = _pair(padding, "padding", where, low=0)
    d = (1, 1) if dilation is None else _pair(dilation, "dilation", where)
    ceil = check_flag(ceil_mode, "ceil_mode", where)
    if any(2 * pi > ki for pi, ki in zip(p, k, strict=True)):
        raise ValueError(f"{where}: padding {_shown(p, dims)} must be at most half the kernel "
                         f"size {_shown(k, dims)}")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.reshape((1, *x.shape))
    size = (pooled_size(x.shape[2], k[0], s[0], p[0], d[0], ceil),
            pooled_size(x.shape[3], k[1], s[1], p[1], d[1], ceil))
    if min(size) < 1:
        dil = "" if dilation is None else f" (dilation {_shown(d, dims)})"
        raise ValueError(f"{where}: kernel size {_shown(k, dims)}{dil} is bigger than the padded "
                         f"input{' length' if dims == 1 else ''} {_shown(x.shape[2:], dims)} "
                         f"(padding {_shown(p, dims)})")
    return x, unbatched, k, s, p, d, size


def pooled_size(n: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    """Windows along an axis of length n: ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1, rounded up with
    ``ceil`` (then a last window must start inside the input or the left padding)."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def max_pool2d(x: Any, kernel_size: int | Pair, stride: int | Pair | None = None,
               padding: int | Pair = 0, dilation: int | Pair = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """y[n,c,h,w] = max_{i,j} xpad[n, c, s h + d i, s w + d j] (−∞ padding; the gradient goes
    to each window's maximum as PyTorch picks it: the first largest value, or the last NaN;
    ``ceil_mode`` adds a last, partial window where the input does not divide evenly). With
    ``return_indices``, ``(y, indices)``: each maximum's flat position h·W + w in its input
    plane (int64), for ``max_unpool2d``."""
    return max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                    "max_pool2d")


def pick_max(windows: np.ndarray) -> np.ndarray:
    """The position along the last axis of each window's maximum as PyTorch picks it: the
    first largest value, or in a window holding NaN the last NaN."""
    at = windows.argmax(axis=-1)
    nan = np.isnan(windows)
    if nan.any():
        last = windows.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
        at = np.where(nan.any(axis=-1), last, at)
    return at


def max_pool(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
             ceil_mode: Any, return_indices: Any, where: str, dims: int = 2) -> Any:
    """``max_pool2d``, its errors naming ``where`` and stating ``dims``-d sizes (the 1-d
    form's too: ``dims=1``)."""
    return_indices = check_flag(return_indices, "return_indices", where)
    x, unbatched, k, s, p, d, (oh, ow) = _pool_args(x, kernel_size, stride, padding, dilation,
                                                   ceil_mode, where, dims)
    n, c, h, w = x.shape
    ext = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)  # a window's extent
    after = ((oh - 1) * s[0] + ext[0] - h - p[0], (ow - 1) * s[1] + ext[1] - w - p[1])
    xp = x.data
    if any(p) or max(after) > 0:
        xp = np.pad(xp, ((0, 0), (0, 0), (p[0], max(after[0], 0)), (p[1], max(after[1], 0))),
                    constant_values=-np.inf)
    win = sliding_window_view(xp, ext, axis=(2, 3))[:, :, ::s[0], ::s[1]]
    win = win[:, :, :oh, :ow, ::d[0], ::d[1]]
    arg = pick_max(win.reshape(n, c, oh, ow, k[0] * k[1]))  # (no −1: N may be 0)
    top, left = np.arange(oh).reshape(oh, 1) * s[0] - p[0], np.arange(ow) * s[1] - p[1]
    row, col = top + arg // k[1] * d[0], left + arg % k[1] * d[1]
    outside = (row < 0) | (row >= h) | (col < 0) | (col >= w)
    empty = None
    if outside.any():  # a padding cell wins only where all the window's values are −∞:
        # then, as in PyTorch, the window's first real cell
        first_row = top + -(np.minimum(top, 0) // d[0]) * d[0]
        first_col = left + -(np.minimum(left, 0) // d[1]) * d[1]
        # a dilated window may hold no real cell at all: −∞ there, and no gradient
        empty = np.broadcast_to((first_row >= h) | (first_col >= w), outside.shape) & outside
        row = np.where(outside, np.minimum(first_row, h - 1), row)
        col = np.where(outside, np.minimum(first_col, w - 1), col)
    unique = s[0] >= ext[0] and s[1] >= ext[1]
    index = row * w + col
    y = GATHER(x, index=index, unique=unique and empty is None)
    if empty is not None and empty.any():
        y = am.where(empty, np.array(-np.inf, dtype=y.dtype), y)
    if unbatched:
        y, index = y.reshape(y.shape[1:]), index.reshape(index.shape[1:])
    return (y, Tensor(index.astype(np.int64))) if return_indices else y


def max_unpool2d(x: Any, indices: Any, kernel_size: int | Pair, stride: int | Pair | None = None,
                 padding: int | Pair = 0, output_size: Any = None) -> Tensor:
    """The inverse placement of ``max_pool2d(..., return_indices=True)``: zeros of size
    (H_out, W_out), default ((H − 1)s − 2p + k, (W − 1)s − 2p + k), and within ``s`` of it as
    PyTorch's, with y[n, c, i] = x[n, c, j] where indices[n, c, j] = i (flat positions in each
    plane; a position given twice, by overlapping windows, is written once, as PyTorch's).
    x̄[n, c, j] = ȳ[n, c, indices[n, c, j]]."""
    where = "max_unpool2d"
    x = as_tensor(x, where)
    idx = as_tensor(indices, f"{where}: indices").data
    if x.ndim not in (3, 4) or idx.shape != x.shape or idx.dtype.kind not in "iu":
        raise ValueError(f"{where}: input (N, C, H, W) or (C, H, W) and integer indices of "
                         f"its shape, got shapes {x.shape} and {idx.shape} ({idx.dtype})")
    k = _pair(kernel_size, "kernel_size", where)
    s = k if stride is None else _pair(stride, "stride", where)
    p = _pair(padding, "padding", where, low=0)
    size = tuple((n - 1) * si - 2 * pi + ki for n, si, pi, ki
                 in zip(x.shape[-2:], s, p, k, strict=True))
    if output_size is not None:
        given = as_tuple(tuple(output_size)[-2:], 2, "output_size", where, 1)
        if any(not n - si < g < n + si for g, n, si in zip(given, size, s, strict=True)):
            raise ValueError(f"{where}: output_size {given} must lie within the stride {s} of "
                             f"the default {size} (exclusive), as PyTorch's")
        size = given
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    unbatched = x.ndim == 3
    if unbatched:
        x, idx = x.reshape((1, *x.shape)), idx.reshape((1, *idx.shape))
    if idx.size and (idx.min() < 0 or idx.max() >= size[0] * size[1]):
        raise ValueError(f"{where}: indices must lie in [0, {size[0] * size[1]}) for the "
                         f"output size {size}, got {idx.min()}..{idx.max()}")
    y = SCATTER(x, index=idx, shape=(*x.shape[:2], *size), unique=True)  # (written, not summed)
    return y.reshape(y.shape[1:]) if unbatched else y


def avg_pool2d(x: Any, kernel_size: int | Pair, stride: int | Pair | None = None,
               padding: int | Pair = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """y[n,c,h,w] = (1 / D) Σ_{i,j} xpad[n, c, s h + i, s w + j], as PyTorch: D = KH·KW with
    zero padding counted (``count_include_pad``; a ``ceil_mode`` window reaching past the
    padding counts only what lies inside it), the number of input cells in the window without
    it, or ``divisor_override``."""
    return avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override, "avg_pool2d")


def avg_pool(x: Any, kernel_size: Any, stride: Any, padding: Any, ceil_mode: Any,
             count_include_pad: Any, divisor_override: Any, where: str, dims: int = 2) -> Tensor:
    """``avg_pool2d``, its errors naming ``where`` and stating ``dims``-d sizes (the 1-d
    form's too: ``dims=1``)."""
    x, unbatched, k, s, p, _, (oh, ow) = _pool_args(x, kernel_size, stride, padding, None,
                                                   ceil_mode, where, dims)
    count_include_pad = check_flag(count_include_pad, "count_include_pad", where)
    if divisor_override is not None:
        divisor_override = check_divisor(divisor_override, where)
    n, c, h, w = x.shape
    after = (max((oh - 1) * s[0] + k[0] - h - p[0], 0), max((ow - 1) * s[1] + k[1] - w - p[1], 0))
    div_h = window_divisors(h, oh, k[0], s[0], p[0], count_include_pad)
    div_w = window_divisors(w, ow, k[1], s[1], p[1], count_include_pad)
    uniform = divisor_override is None and np.all(div_h == k[0]) and np.all(div_w == k[1])
    scale = 1.0 / (k[0] * k[1]) if uniform else 1.0
    kernel = np.full((1, 1, *k), scale, dtype=x.dtype)
    y = CORR(x.reshape((n * c, 1, h, w)), kernel, stride=s,
             pad=(p[0], after[0], p[1], after[1]), dilation=(1, 1), groups=1)
    y = y.reshape((n, c, *y.shape[2:]))
    if not uniform:
        div = (np.full((oh, ow), float(divisor_override)) if divisor_override is not None
               else np.multiply.outer(div_h, div_w))
        y = y * (1.0 / div).astype(x.dtype)
    return y.reshape(y.shape[1:]) if unbatched else y


def check_divisor(value: Any, where: str) -> int:
    """``divisor_override``: one int >= 1 (PyTorch's; not a pair)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: divisor_override must be an int >= 1, got {value!r:.60}")
    return int(value)


def window_divisors(n: int, out: int, k: int, s: int, p: int, count_pad: bool) -> np.ndarray:
    """Each window's cell count along one axis: inside input and padding (``count_pad``), or
    inside the input only (PyTorch's pool_size and its clipped count)."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, n + p)
    if count_pad:
        return end - start
    return np.maximum(np.minimum(end, n) - np.maximum(start, 0), 0)


def _windows(module: Module, kernel_size: Any, stride: Any, padding: Any, ceil_mode: Any
             ) -> str:
    """Set and check a pooling module's ``kernel_size``, ``stride`` (default: the kernel's),
    ``padding`` (at most half the kernel) and ``ceil_mode``; returns its name for errors."""
    where = type(module).__name__
    module.kernel_size = _pair(kernel_size, "kernel_size", where)
    module.stride = module.kernel_size if stride is None else _pair(stride, "stride", where)
    module.padding = _pair(padding, "padding", where, low=0)
    module.ceil_mode = check_flag(ceil_mode, "ceil_mode", where)
    if any(2 * p > k for p, k in zip(module.padding, module.kernel_size, strict=True)):
        raise ValueError(f"{where}: padding {module.padding} must be at most half the kernel "
                         f"size {module.kernel_size}")
    return where


class MaxPool2d(Module):
    """y = max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode): the maximum of
    each window."""

    def __init__(self, kernel_size: int | Pair, stride: int | Pair | None = None,
                 padding: int | Pair = 0, dilation: int | Pair = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        where = _windows(self, kernel_size, stride, padding, ceil_mode)
        self.dilation = _pair(dilation, "dilation", where)
        self.return_indices = check_flag(return_indices, "return_indices", where)

    def forward(self, x: Any) -> Any:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                + (f", dilation={self.dilation}" if self.dilation != (1, 1) else "")
                + (", ceil_mode=True" if self.ceil_mode else ""))


class AvgPool2d(Module):
    """y = avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
    divisor_override): the mean of each window (padding zeros counted by default)."""

    def __init__(self, kernel_size: int | Pair, stride: int | Pair | None = None,
                 padding: int | Pair = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        where = _windows(self, kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = check_flag(count_include_pad, "count_include_pad", where)
        self.divisor_override = (None if divisor_override is None else
                                 check_divisor(divisor_override, where))

    def forward(self, x: Any) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                + (", ceil_mode=True" if self.ceil_mode else "")
                + ("" if self.count_include_pad else ", count_include_pad=False")
                + ("" if self.divisor_override is None
                   else f", divisor_override={self.divisor_override}"))


class MaxUnpool2d(Module):
    """y = max_unpool2d(x, indices, kernel_size, stride, padding, output_size): each value put
    back where ``MaxPool2d(..., return_indices=True)`` found it, zeros elsewhere."""

    def __init__(self, kernel_size: int | Pair, stride: int | Pair | None = None,
                 padding: int | Pair = 0) -> None:
        super().__init__()
        where = type(self).__name__
        self.kernel_size = _pair(kernel_size, "kernel_size", where)
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride", where)
        self.padding = _pair(padding, "padding", where, low=0)

    def forward(self, x: Any, indices: Any, output_size: Any = None) -> Tensor:
        return max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding,
                            output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
