"""3-d pooling: MaxPool3d, AvgPool3d and their functional forms, on (N, C, D, H, W) volumes
or unbatched (C, D, H, W) ones, PyTorch's.

Max pooling is the 2-d one's route with a third axis: each window's maximum is found in NumPy
(−∞ padding, a sliding-window view over the three axes, ``pick_max``: the first largest value
in (depth, row, column) order, or the last NaN, as PyTorch's 3-d kernel picks it too), then
one gather of those elements is recorded (``nn.pooling``'s private op, whose VJP is the
matching scatter-add and vice versa: both orders exact). Its flat position d·H·W + h·W + w
in the input volume is PyTorch's index, so ``return_indices`` comes for free. Average pooling
is ``conv3d``'s route (one 2-d correlation per depth tap) with a constant kernel on each
channel, times 1/divisor where windows differ in their divisor.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import autograd_mini as am
from autograd_mini import Tensor

from ._util import as_tensor, check_flag
from .conv import as_tuple
from .conv3d import Triple, corr3d
from .module import Module
from .pooling import GATHER, _divisor, _divisors, _out, pick_max

__all__ = ["AvgPool3d", "MaxPool3d", "avg_pool3d", "max_pool3d"]


def _triple(value: Any, name: str, where: str, low: int = 1) -> Triple:
    a, b, c = as_tuple(value, 3, name, where, low)
    return a, b, c


def _pool_args(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
               ceil_mode: Any, where: str
               ) -> tuple[Tensor, bool, Triple, Triple, Triple, Triple, Triple]:
    """The input as a batched floating Tensor, whether it was unbatched, and kernel, stride
    (None: the kernel's), padding, dilation (None: 1, for a pooling without it) and output
    size, checked as PyTorch does."""
    x = as_tensor(x, where)
    if x.ndim not in (4, 5):
        raise ValueError(f"{where}: input must be 5-d (N, C, D, H, W) or 4-d (C, D, H, W), "
                         f"got shape {x.shape}")
    k = _triple(kernel_size, "kernel_size", where)
    s = k if stride is None else _triple(stride, "stride", where)
    p = _triple(padding, "padding", where, low=0)
    d = (1, 1, 1) if dilation is None else _triple(dilation, "dilation", where)
    ceil = check_flag(ceil_mode, "ceil_mode", where)
    if any(2 * pi > ki for pi, ki in zip(p, k, strict=True)):
        raise ValueError(f"{where}: padding {p} must be at most half the kernel size {k}")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    unbatched = x.ndim == 4
    if unbatched:
        x = x.reshape((1, *x.shape))
    size = tuple(_out(n, ki, si, pi, di, ceil)
                 for n, ki, si, pi, di in zip(x.shape[2:], k, s, p, d, strict=True))
    if min(size) < 1:
        dil = "" if dilation is None else f" (dilation {d})"
        raise ValueError(f"{where}: kernel size {k}{dil} is bigger than the padded input "
                         f"{x.shape[2:]} (padding {p})")
    return x, unbatched, k, s, p, d, (size[0], size[1], size[2])


def max_pool3d(input: Any, kernel_size: int | Triple, stride: int | Triple | None = None,
               padding: int | Triple = 0, dilation: int | Triple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """y[n,c,t,h,w] = max_{a,i,j} xpad[n, c, s t + d a, s h + d i, s w + d j] (−∞ padding; the
    gradient goes to each window's maximum as PyTorch picks it: the first largest value in
    (depth, row, column) order, or the last NaN; ``ceil_mode`` adds a last, partial window).
    With ``return_indices``, ``(y, indices)``: each maximum's flat position d·H·W + h·W + w
    in its input volume (int64), PyTorch's. A dilated window holding padding only gives −∞
    and no gradient (PyTorch reads outside the input there)."""
    where = "max_pool3d"
    return_indices = check_flag(return_indices, "return_indices", where)
    x, unbatched, k, s, p, d, size = _pool_args(input, kernel_size, stride, padding, dilation,
                                                ceil_mode, where)
    n, c = x.shape[:2]
    spatial = x.shape[2:]
    ext = tuple(di * (ki - 1) + 1 for di, ki in zip(d, k, strict=True))  # a window's extent
    after = [(o - 1) * si + e - length - pi
             for o, si, e, length, pi in zip(size, s, ext, spatial, p, strict=True)]
    xp = x.data
    if any(p) or max(after) > 0:
        xp = np.pad(xp, ((0, 0), (0, 0), *((pi, max(a, 0)) for pi, a in zip(p, after,
                                                                             strict=True))),
                    constant_values=-np.inf)
    win = sliding_window_view(xp, ext, axis=(2, 3, 4))[:, :, ::s[0], ::s[1], ::s[2]]
    win = win[:, :, :size[0], :size[1], :size[2], ::d[0], ::d[1], ::d[2]]
    arg = pick_max(win.reshape(n, c, *size, math.prod(k)))  # (no −1: N may be 0)
    # the tap (a, i, j) of each maximum, and from it its coordinate along each axis
    tap = (arg // (k[1] * k[2]), arg // k[2] % k[1], arg % k[2])
    coords, firsts, outside = [], [], np.zeros(arg.shape, bool)
    for ax in range(3):
        start = (np.arange(size[ax]) * s[ax] - p[ax]).reshape((-1,) + (1,) * (2 - ax))
        at = start + tap[ax] * d[ax]
        outside |= (at < 0) | (at >= spatial[ax])
        coords.append(at)
        firsts.append(start + -(np.minimum(start, 0) // d[ax]) * d[ax])  # its first real cell
    empty = None
    if outside.any():  # a padding cell wins only where all the window's values are −∞:
        # then, as in PyTorch, the window's first real cell
        # a dilated window may hold no real cell at all: −∞ there, and no gradient
        empty = np.zeros(arg.shape, bool)
        for ax in range(3):
            empty |= np.broadcast_to(firsts[ax] >= spatial[ax], arg.shape)
            coords[ax] = np.where(outside, np.minimum(firsts[ax], spatial[ax] - 1), coords[ax])
        empty &= outside
    index = (coords[0] * spatial[1] + coords[1]) * spatial[2] + coords[2]
    unique = all(si >= e for si, e in zip(s, ext, strict=True))
    y = GATHER(x, index=index, unique=unique and empty is None)
    if empty is not None and empty.any():
        y = am.where(empty, np.array(-np.inf, dtype=y.dtype), y)
    if unbatched:
        y, index = y.reshape(y.shape[1:]), index.reshape(index.shape[1:])
    return (y, Tensor(index.astype(np.int64))) if return_indices else y


def avg_pool3d(input: Any, kernel_size: int | Triple, stride: int | Triple | None = None,
               padding: int | Triple = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """y[n,c,t,h,w] = (1 / D) Σ_{a,i,j} xpad[n, c, s t + a, s h + i, s w + j], as PyTorch: D =
    KD·KH·KW with zero padding counted (``count_include_pad``; a ``ceil_mode`` window reaching
    past the padding counts only what lies inside it), the number of input cells in the window
    without it, or ``divisor_override``. As PyTorch's avg_pool3d (unlike its 2-d one), an
    input smaller than the kernel along an axis is refused, padding or not."""
    where = "avg_pool3d"
    x, unbatched, k, s, p, _, size = _pool_args(input, kernel_size, stride, padding, None,
                                                ceil_mode, where)
    count_include_pad = check_flag(count_include_pad, "count_include_pad", where)
    if divisor_override is not None:
        divisor_override = _divisor(divisor_override, where)
    n, c = x.shape[:2]
    spatial = x.shape[2:]
    if any(length < ki for length, ki in zip(spatial, k, strict=True)):
        # PyTorch's avg_pool3d (not its 2-d one, nor max_pool3d) checks the unpadded size
        raise ValueError(f"{where}: input of spatial size {spatial} is smaller than the kernel "
                         f"size {k} (PyTorch's avg_pool3d refuses it, padding or not)")
    pad6: tuple[int, ...] = ()
    divs = []
    for length, o, ki, si, pi in zip(spatial, size, k, s, p, strict=True):
        pad6 += (pi, max((o - 1) * si + ki - length - pi, 0))
        divs.append(_divisors(length, o, ki, si, pi, count_include_pad))
    uniform = divisor_override is None and all(
        np.all(dv == ki) for dv, ki in zip(divs, k, strict=True))
    scale = 1.0 / math.prod(k) if uniform else 1.0
    kernel = np.full((1, 1, *k), scale, dtype=x.dtype)
    y = corr3d(x.reshape((n * c, 1, *spatial)), kernel, s, pad6, (1, 1, 1), 1)
    y = y.reshape((n, c, *size))
    if not uniform:
        div = (np.full(size, float(divisor_override)) if divisor_override is not None
               else np.multiply.outer(np.multiply.outer(divs[0], divs[1]), divs[2]))
        y = y * (1.0 / div).astype(x.dtype)
    return y.reshape(y.shape[1:]) if unbatched else y


def _as_given(value: Any, name: str, where: str, low: int = 1) -> int | Triple:
    """A checked int or triple kept as given (an int stays an int), as PyTorch's pooling
    modules keep and print it."""
    t = _triple(value, name, where, low)
    return t if isinstance(value, (tuple, list)) else t[0]


def _windows(module: Module, kernel_size: Any, stride: Any, padding: Any, ceil_mode: Any
             ) -> str:
    """Set and check a 3-d pooling module's ``kernel_size``, ``stride`` (None: the kernel's),
    ``padding`` (at most half the kernel) and ``ceil_mode``; returns its name for errors."""
    where = type(module).__name__
    module.kernel_size = _as_given(kernel_size, "kernel_size", where)
    module.stride = (module.kernel_size if stride is None
                     else _as_given(stride, "stride", where))
    module.padding = _as_given(padding, "padding", where, low=0)
    module.ceil_mode = check_flag(ceil_mode, "ceil_mode", where)
    k = _triple(module.kernel_size, "kernel_size", where)
    p = _triple(module.padding, "padding", where, low=0)
    if any(2 * pi > ki for pi, ki in zip(p, k, strict=True)):
        raise ValueError(f"{where}: padding {module.padding} must be at most half the kernel "
                         f"size {module.kernel_size}")
    return where


class MaxPool3d(Module):
    """y = max_pool3d(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    the maximum of each window (with ``return_indices``, also its flat d·H·W + h·W + w)."""

    def __init__(self, kernel_size: int | Triple, stride: int | Triple | None = None,
                 padding: int | Triple = 0, dilation: int | Triple = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        where = _windows(self, kernel_size, stride, padding, ceil_mode)
        self.dilation = _as_given(dilation, "dilation", where)
        self.return_indices = check_flag(return_indices, "return_indices", where)

    def forward(self, x: Any) -> Any:
        return max_pool3d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        """PyTorch's text."""
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                f", dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool3d(Module):
    """y = avg_pool3d(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
    divisor_override): the mean of each window (padding zeros counted by default)."""

    def __init__(self, kernel_size: int | Triple, stride: int | Triple | None = None,
                 padding: int | Triple = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        where = _windows(self, kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = check_flag(count_include_pad, "count_include_pad", where)
        self.divisor_override = (None if divisor_override is None else
                                 _divisor(divisor_override, where))

    def forward(self, x: Any) -> Tensor:
        return avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        """PyTorch's text (its AvgPool3d shows these three only)."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
