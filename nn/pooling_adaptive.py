"""Adaptive pooling: AdaptiveAvgPool2d and AdaptiveMaxPool2d (and their functional forms), whose
windows are PyTorch's: output row i covers input rows ⌊i·H/out⌋ to ⌈(i+1)·H/out⌉.

Average pooling takes each window's mean along the rows, then along the columns (one reshaped
mean where the windows tile the axis, else one mean per window: a matrix of averaging weights
would make an inf or NaN spill into the other windows, as 0 · inf); max pooling finds each
window's maximum in NumPy and records one gather of those elements (``nn.pooling``'s op, whose
VJP scatter-adds), as ``max_pool2d`` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from ._util import as_tensor, check_flag, check_size
from .module import Module
from .pooling import GATHER, pick_max

__all__ = ["AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "adaptive_avg", "adaptive_avg_pool2d",
           "adaptive_max", "adaptive_max_pool2d", "output_size_pair"]

Size = int | tuple[int | None, int | None]


def _bounds(n_in: int, n_out: int) -> list[tuple[int, int]]:
    """Window i along an axis: [⌊i n_in / n_out⌋, ⌈(i+1) n_in / n_out⌉)."""
    return [((i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)) for i in range(n_out)]


def _window_means(x: Tensor, axis: int, n_out: int) -> Tensor:
    """Each window's mean along ``axis`` (−2: rows, −1: columns)."""
    n_in = x.shape[axis]
    if n_out == n_in:
        return x
    if n_in % n_out == 0:  # windows that tile the axis: one mean over a reshaped axis
        shape, i = list(x.shape), x.ndim + axis
        shape[i:i + 1] = [n_out, n_in // n_out]
        return am.mean(x.reshape(tuple(shape)), axis=axis)
    parts = [am.mean(x[..., lo:hi, :] if axis == -2 else x[..., lo:hi], axis=axis, keepdims=True)
             for lo, hi in _bounds(n_in, n_out)]
    return am.concatenate(parts, axis=axis)


def output_size_pair(output_size: Any, where: str) -> tuple[int | None, int | None]:
    """An int >= 1 or a pair of them (None keeps that axis's size)."""
    items = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(items) != 2 or any(v is not None and (isinstance(v, bool) or not isinstance(
            v, (int, np.integer)) or v < 1) for v in items):
        raise ValueError(f"{where}: output_size must be an int >= 1 or a pair of such ints "
                         f"(or None), got {output_size!r:.60}")
    return tuple(None if v is None else int(v) for v in items)  # type: ignore[return-value]


def _input(x: Any, output_size: Any, where: str) -> tuple[Tensor, int, int]:
    """The input as a floating Tensor, checked, and the output's height and width."""
    x = as_tensor(x, where)
    if x.ndim not in (3, 4):
        raise ValueError(f"{where}: input must be 4-d (N, C, H, W) or 3-d (C, H, W), got shape "
                         f"{x.shape}")
    oh, ow = output_size_pair(output_size, where)
    h, w = x.shape[-2:]
    if h < 1 or w < 1:
        raise ValueError(f"{where}: input of shape {x.shape} is empty")
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    oh, ow = h if oh is None else oh, w if ow is None else ow
    check_size((*x.shape[:-2], oh, max(ow, w)), x.dtype, where)  # (the largest array made)
    return x, oh, ow


def adaptive_avg_pool2d(x: Any, output_size: Size) -> Tensor:
    """y[n,c,i,j] = mean of x[n, c, ⌊iH/OH⌋:⌈(i+1)H/OH⌉, ⌊jW/OW⌋:⌈(j+1)W/OW⌉]
    (None in ``output_size`` keeps that size)."""
    return adaptive_avg(x, output_size, "adaptive_avg_pool2d")


def adaptive_avg(x: Any, output_size: Size, where: str) -> Tensor:
    """``adaptive_avg_pool2d``, its errors naming ``where`` (the 1-d form's too)."""
    x, oh, ow = _input(x, output_size, where)
    return _window_means(_window_means(x, -2, oh), -1, ow)


def adaptive_max_pool2d(x: Any, output_size: Size, return_indices: bool = False) -> Any:
    """y[n,c,i,j] = max of x[n, c, ⌊iH/OH⌋:⌈(i+1)H/OH⌉, ⌊jW/OW⌋:⌈(j+1)W/OW⌉] (the gradient goes
    to the window's maximum as PyTorch picks it: the first largest, or the last NaN); with
    ``return_indices``,
    ``(y, indices)``: each maximum's flat position h·W + w in its plane (int64)."""
    return adaptive_max(x, output_size, return_indices, "adaptive_max_pool2d")


def adaptive_max(x: Any, output_size: Size, return_indices: bool, where: str) -> Any:
    """``adaptive_max_pool2d``, its errors naming ``where`` (the 1-d form's too)."""
    return_indices = check_flag(return_indices, "return_indices", where)
    x, oh, ow = _input(x, output_size, where)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.reshape((1, *x.shape))
    n, c, h, w = x.shape
    index = np.empty((n, c, oh, ow), dtype=np.int64)
    for i, (r0, r1) in enumerate(_bounds(h, oh)):
        for j, (c0, c1) in enumerate(_bounds(w, ow)):
            width = c1 - c0
            win = x.data[:, :, r0:r1, c0:c1].reshape(n, c, (r1 - r0) * width)
            at = pick_max(win)
            index[:, :, i, j] = (r0 + at // width) * w + c0 + at % width
    y = GATHER(x, index=index, unique=False)
    if unbatched:
        y, index = y.reshape(y.shape[1:]), index.reshape(index.shape[1:])
    return (y, Tensor(index)) if return_indices else y


class AdaptiveAvgPool2d(Module):
    """y = adaptive_avg_pool2d(x, output_size): means over PyTorch's adaptive windows."""

    def __init__(self, output_size: Size) -> None:
        super().__init__()
        self.output_size = output_size_pair(output_size, type(self).__name__)

    def forward(self, x: Any) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """y = adaptive_max_pool2d(x, output_size, return_indices): maxima over PyTorch's adaptive
    windows."""

    def __init__(self, output_size: Size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size_pair(output_size, type(self).__name__)
        self.return_indices = check_flag(return_indices, "return_indices", type(self).__name__)

    def forward(self, x: Any) -> Any:
        return adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
