"""Adaptive pooling: AdaptiveAvgPool2d and AdaptiveMaxPool2d (and their functional forms), whose
windows are PyTorch's: output row i covers input rows ⌊i·H/out⌋ to ⌈(i+1)·H/out⌉.

The windows along an axis are one index array (out, K), K the longest window's length, a shorter
window's row repeating its last cell (``adaptive_windows``): no Python loop that grows with the
output, so the work is a few NumPy arrays of about the input's and the output's size, and an
absurd ``output_size`` fails up front, named (``refuse_oversize`` asks the system for the
working arrays' total first; ``memory_named``). Average pooling takes each window's mean along
the rows, then along the columns (one reshaped mean where the windows tile the axis; up to 16
windows of a large input, one slice's mean each, the cheapest; else one ``take`` of the windows'
cells, the repeats masked to 0 by ``where``, summed directly and divided by each window's
length: a matrix of averaging weights would make an inf or NaN spill into the other windows, as
0 · inf, and differences of cumulative sums cancel).
Max pooling takes every window's cells at once in NumPy, finds each one's maximum as PyTorch
picks it (``pick_max``; a repeated cell comes after the one it repeats, so it changes neither
the first maximum nor the last NaN) and records one gather of those elements (``nn.pooling``'s
op, whose VJP scatter-adds), as ``max_pool2d`` does. An empty batch returns its empty result
at once, as PyTorch does, whatever the output size NumPy can describe.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


def adaptive_windows(n_in: int, n_out: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Window i along an axis, [⌊i n_in / n_out⌋, ⌈(i+1) n_in / n_out⌉), as row i of an index
    array (n_out, K), K the longest window's length, its last cell repeated past its end; and
    each window's length."""
    if n_out * n_in + n_out - 1 > 2**63 - 1:  # (i + 1) n_in + n_out − 1 must fit in int64
        raise ValueError(f"{where}: the windows from {n_in} cells to {n_out} overflow int64")
    i = np.arange(n_out, dtype=np.int64)
    start = i * n_in // n_out
    end = ((i + 1) * n_in + n_out - 1) // n_out
    length = end - start
    index = np.minimum(start[:, None] + np.arange(int(length.max())), end[:, None] - 1)
    return index, length


def longest_window(n_in: int, n_out: int) -> int:
    """A bound on the longest window's length: n_in / n_out where windows tile the axis, else
    ⌈n_in / n_out⌉ + 1."""
    return n_in // n_out if n_in % n_out == 0 else -(-n_in // n_out) + 1


def refuse_oversize(where: str, shown: tuple[int, ...],
                    *arrays: tuple[tuple[int, ...], Any]) -> None:
    """Refuse working arrays, (shape, dtype) pairs, larger than any array can be (NumPy's own
    error there would not say which call asked for them), or together more than the machine
    can give at once: one untouched allocation of their total asks the system first, so an
    output of many gigabytes fails here, named, instead of part-way (where the system may
    kill the process); ``shown``: the output's shape."""
    total = 0
    for shape, dtype in arrays:
        nbytes = math.prod(shape) * np.dtype(dtype).itemsize
        if nbytes > sys.maxsize:
            raise ValueError(f"{where}: an output of shape {shown} needs a working "
                             f"{np.dtype(dtype)} array of {nbytes:.3g} bytes, more than any "
                             "array can hold")
        total += nbytes
    need = _PEAK * total
    if need > _ASK_ABOVE:
        try:
            np.empty(need, np.uint8)  # (not written: the pages are never touched)
        except (MemoryError, ValueError) as exc:
            raise MemoryError(f"{where}: not enough memory for an output of shape {shown} "
                              f"({np.dtype(arrays[0][1])}): its working arrays need about "
                              f"{need:.3g} bytes ({exc})") from None


_ASK_ABOVE = 2**28  # bytes; below this, asking first costs more than it could save
#: a pass's peak memory over its largest working arrays' total (their copies, masks and
#: gradients: about 5 measured); asking for less than the peak never refuses what would fit
_PEAK = 4
#: up to this many windows along an axis of an input of at least ``_LARGE`` elements, one
#: slice's mean per window (cheapest there: the gather copies the input); else one gather of
#: every window's cells (fewer recorded ops, and no Python loop that grows with the output)
_FEW_WINDOWS = 16
_LARGE = 2**18  # (measured: about where the two cost the same)


@contextmanager
def memory_named(where: str, shown: tuple[int, ...], dtype: np.dtype) -> Iterator[None]:
    """NumPy's MemoryError, as one naming the function and the output's shape."""
    try:
        yield
    except MemoryError as exc:
        if str(exc).startswith(f"{where}:"):  # (named already, by refuse_oversize)
            raise
        raise MemoryError(f"{where}: not enough memory for an output of shape {shown} "
                          f"({dtype}): {exc}") from None


def window_means(x: Tensor, axis: int, n_out: int, where: str, shown: tuple[int, ...]
                 ) -> Tensor:
    """Each window's mean along ``axis`` (−2: rows, −1: columns): Σ of its cells / its length."""
    n_in = x.shape[axis]
    if n_out == n_in:
        return x
    if n_in % n_out == 0:  # windows that tile the axis: one mean over a reshaped axis
        shape, i = list(x.shape), x.ndim + axis
        shape[i:i + 1] = [n_out, n_in // n_out]
        return am.mean(x.reshape(tuple(shape)), axis=axis)
    if n_out <= _FEW_WINDOWS and x.data.size >= _LARGE:
        ends = [-((-(i + 1) * n_in) // n_out) for i in range(n_out)]
        parts = [am.mean(x[..., lo:hi, :] if axis == -2 else x[..., lo:hi], axis=axis,
                         keepdims=True) for lo, hi in zip([i * n_in // n_out for i in
                                                           range(n_out)], ends)]
        return am.concatenate(parts, axis=axis)
    longest = longest_window(n_in, n_out)
    refuse_oversize(where, shown,
                    ((*x.shape[:axis], n_out, longest, *x.shape[x.ndim + axis + 1:]), x.dtype),
                    ((n_out, longest), np.int64), ((n_out, longest), np.int64))
    index, length = adaptive_windows(n_in, n_out, where)
    k = index.shape[1]
    cells = am.take(x, index, axis=x.ndim + axis)  # (..., n_out, K[, W])
    tail = (1,) if axis == -2 else ()
    real = (np.arange(k) < length[:, None]).reshape(n_out, k, *tail)
    if not real.all():  # (where, not a product: a repeated inf must not make 0 · inf)
        cells = am.where(real, cells, np.zeros((), x.dtype))
    return am.sum(cells, axis=axis) / length.astype(x.dtype).reshape(n_out, *tail)


def output_size_pair(output_size: Any, where: str) -> tuple[int | None, int | None]:
    """An int >= 1 or a pair of them (None keeps that axis's size)."""
    items = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(items) != 2 or any(v is not None and (isinstance(v, bool) or not isinstance(
            v, (int, np.integer)) or v < 1) for v in items):
        raise ValueError(f"{where}: output_size must be an int >= 1 or a pair of such ints "
                         f"(or None), got {output_size!r:.60}")
    return tuple(None if v is None else int(v) for v in items)  # type: ignore[return-value]


def _input(x: Any, output_size: Any, where: str, dims: int
           ) -> tuple[Tensor, int, int, tuple[int, ...]]:
    """The input as a floating Tensor, checked, the output's height and width, and the
    output's shape as errors state it (``dims=1``: shapes of a 1-d form, without the row
    axis its input was given)."""
    def seen(shape: tuple[int, ...]) -> tuple[int, ...]:
        return (*shape[:-2], shape[-1]) if dims == 1 else shape

    x = as_tensor(x, where)
    if x.ndim not in (3, 4):
        raise ValueError(f"{where}: input must be 4-d (N, C, H, W) or 3-d (C, H, W), got shape "
                         f"{x.shape}")
    oh, ow = output_size_pair(output_size, where)
    h, w = x.shape[-2:]
    if h < 1 or w < 1:
        raise ValueError(f"{where}: input of shape {seen(x.shape)} is empty")
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    oh, ow = h if oh is None else oh, w if ow is None else ow
    # (the output, or the rows' means: the largest array made)
    check_size(seen((*x.shape[:-2], oh, max(ow, w))), x.dtype, where)
    return x, oh, ow, seen((*x.shape[:-2], oh, ow))


def _empty(x: Tensor, oh: int, ow: int, where: str, shown: tuple[int, ...],
           dtypes: tuple[np.dtype, ...]) -> Tensor:
    """The output of an input with no planes (N or C is 0), made without any array of the
    output's size; refused when NumPy cannot even describe it (its strides overflow)."""
    shape = (*x.shape[:-2], oh, ow)
    for dtype in dtypes:
        nbytes = math.prod(d for d in shape if d) * dtype.itemsize
        if nbytes > sys.maxsize:
            raise ValueError(f"{where}: an empty {dtype} output of shape {shown} cannot be made: "
                             f"its strides would span {nbytes:.3g} bytes, more than NumPy allows")
    return x.reshape(shape)


def adaptive_avg_pool2d(x: Any, output_size: Size) -> Tensor:
    """y[n,c,i,j] = mean of x[n, c, ⌊iH/OH⌋:⌈(i+1)H/OH⌉, ⌊jW/OW⌋:⌈(j+1)W/OW⌉]
    (None in ``output_size`` keeps that size)."""
    return adaptive_avg(x, output_size, "adaptive_avg_pool2d")


def adaptive_avg(x: Any, output_size: Size, where: str, dims: int = 2) -> Tensor:
    """``adaptive_avg_pool2d``, its errors naming ``where`` (the 1-d form's too, ``dims=1``:
    stating 1-d shapes)."""
    x, oh, ow, shown = _input(x, output_size, where, dims)
    if x.data.size == 0:
        return _empty(x, oh, ow, where, shown, (x.dtype,))
    with memory_named(where, shown, x.dtype):
        return window_means(window_means(x, -2, oh, where, shown), -1, ow, where, shown)


def adaptive_max_pool2d(x: Any, output_size: Size, return_indices: bool = False) -> Any:
    """y[n,c,i,j] = max of x[n, c, ⌊iH/OH⌋:⌈(i+1)H/OH⌉, ⌊jW/OW⌋:⌈(j+1)W/OW⌉] (the gradient goes
    to the window's maximum as PyTorch picks it: the first largest, or the last NaN); with
    ``return_indices``,
    ``(y, indices)``: each maximum's flat position h·W + w in its plane (int64)."""
    return adaptive_max(x, output_size, return_indices, "adaptive_max_pool2d")


def adaptive_max(x: Any, output_size: Size, return_indices: bool, where: str,
                 dims: int = 2) -> Any:
    """``adaptive_max_pool2d``, its errors naming ``where`` (the 1-d form's too, ``dims=1``:
    stating 1-d shapes)."""
    return_indices = check_flag(return_indices, "return_indices", where)
    x, oh, ow, shown = _input(x, output_size, where, dims)
    if x.data.size == 0:
        y = _empty(x, oh, ow, where, shown, (x.dtype, np.dtype(np.int64)))
        return (y, Tensor(np.zeros(y.shape, dtype=np.int64))) if return_indices else y
    with memory_named(where, shown, x.dtype):
        y, index = _max(x, oh, ow, where, shown)
    return (y, Tensor(index)) if return_indices else y


def _max(x: Tensor, oh: int, ow: int, where: str, shown: tuple[int, ...]
         ) -> tuple[Tensor, np.ndarray]:
    """Each window's maximum (a gather of x) and its flat index h·W + w in the plane."""
    *lead, h, w = x.shape
    most = longest_window(h, oh) * longest_window(w, ow)
    refuse_oversize(where, shown, ((*lead, oh, ow, most), x.dtype), ((oh, ow, most), np.int64),
                    ((*lead, oh, ow), np.int64))
    rows, _ = adaptive_windows(h, oh, where)
    cols, _ = adaptive_windows(w, ow, where)
    kh, kw = rows.shape[1], cols.shape[1]
    # every window's cells, (..., OH, OW, KH·KW) in its row-major order: one take of flat
    # positions (OH, OW, KH, KW) from each plane
    flat = (rows[:, None, :, None] * w + cols[None, :, None, :]).reshape(oh, ow, kh * kw)
    planes = x.data.reshape(math.prod(lead), h * w)
    cells = np.take(planes, flat, axis=1).reshape(*lead, oh, ow, kh * kw)
    at = pick_max(cells)
    del cells  # (the largest array here: gone before the gather's own)
    index = flat[np.arange(oh)[:, None], np.arange(ow), at]
    batched = x if x.ndim == 4 else x.reshape((1, *x.shape))
    tile = h % oh == 0 and w % ow == 0  # windows that tile the plane: each cell picked once
    y = GATHER(batched, index=index.reshape((*batched.shape[:2], oh, ow)), unique=tile)
    return (y if x.ndim == 4 else y.reshape(y.shape[1:])), index


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
