"""3-d adaptive pooling: AdaptiveAvgPool3d and AdaptiveMaxPool3d and their functional forms, on
(N, C, D, H, W) volumes or unbatched (C, D, H, W) ones, with PyTorch's windows: output depth
t covers input depths ⌊t·D/OD⌋ to ⌈(t+1)·D/OD⌉, rows and columns alike.

The 2-d forms' route (``nn.pooling_adaptive``) with a third axis. Average pooling is separable:
each window's mean along depth (the volume seen as (…, D, H·W), so the 2-d forms' row means
serve), then along rows, then along columns, each a reshaped mean, a few slices' means or one
gather of the windows' cells with the repeats masked, as there. Max pooling takes every
window's cells at once in NumPy (one ``take`` of flat positions d·H·W + h·W + w from each
volume), finds each one's maximum as PyTorch picks it (``pick_max``: the first largest in
(depth, row, column) order, or the last NaN) and records one gather of those elements
(``nn.pooling``'s op, whose VJP scatter-adds); that flat position is PyTorch's index, so
``return_indices`` comes for free. No Python loop grows with the output; an absurd
``output_size`` is refused up front, named.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from autograd_mini import Tensor

from ._util import as_tensor, check_flag, check_size
from .module import Module
from .pooling import GATHER, pick_max
from .pooling_adaptive import (
    adaptive_windows,
    longest_window,
    memory_named,
    refuse_oversize,
    window_means,
)

__all__ = ["AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "adaptive_avg_pool3d",
           "adaptive_max_pool3d", "output_size_triple"]

Size3 = int | tuple[int | None, int | None, int | None] | list[int | None]


def output_size_triple(output_size: Any, where: str) -> tuple[int | None, int | None, int | None]:
    """An int >= 1 or a triple of them (None keeps that axis's size)."""
    items = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 3
    if len(items) != 3 or any(v is not None and (isinstance(v, bool) or not isinstance(
            v, (int, np.integer)) or v < 1) for v in items):
        raise ValueError(f"{where}: output_size must be an int >= 1 or a triple of such ints "
                         f"(or None), got {output_size!r:.60}")
    return tuple(None if v is None else int(v) for v in items)  # type: ignore[return-value]


def _input(x: Any, output_size: Any, where: str
           ) -> tuple[Tensor, tuple[int, int, int], tuple[int, ...]]:
    """The input as a floating Tensor, checked, and the output's (OD, OH, OW) and shape."""
    x = as_tensor(x, where)
    if x.ndim not in (4, 5):
        raise ValueError(f"{where}: input must be 5-d (N, C, D, H, W) or 4-d (C, D, H, W), "
                         f"got shape {x.shape}")
    want = output_size_triple(output_size, where)
    if min(x.shape[-3:]) < 1:
        raise ValueError(f"{where}: input of shape {x.shape} is empty along depth, height or "
                         "width")
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    od, oh, ow = (n if o is None else o for n, o in zip(x.shape[-3:], want, strict=True))
    shown = (*x.shape[:-3], od, oh, ow)
    # (the output, or the depth means, or the rows' means: the largest arrays made)
    h, w = x.shape[-2:]
    check_size((*x.shape[:-3], od, max(oh, h), max(ow, w)), x.dtype, where)
    return x, (od, oh, ow), shown


def _empty(x: Tensor, shown: tuple[int, ...], where: str,
           dtypes: tuple[np.dtype, ...]) -> Tensor:
    """The output of an input with no volumes (N or C is 0), made without any array of the
    output's size; refused when NumPy cannot even describe it (its strides overflow)."""
    for dtype in dtypes:
        nbytes = math.prod(d for d in shown if d) * dtype.itemsize
        if nbytes > sys.maxsize:
            raise ValueError(f"{where}: an empty {dtype} output of shape {shown} cannot be made: "
                             f"its strides would span {nbytes:.3g} bytes, more than NumPy allows")
    return x.reshape(shown)


def adaptive_avg_pool3d(input: Any, output_size: Size3) -> Tensor:
    """y[n,c,t,i,j] = mean of x[n, c, ⌊tD/OD⌋:⌈(t+1)D/OD⌉, ⌊iH/OH⌋:⌈(i+1)H/OH⌉,
    ⌊jW/OW⌋:⌈(j+1)W/OW⌉] (None in ``output_size`` keeps that size)."""
    where = "adaptive_avg_pool3d"
    x, (od, oh, ow), shown = _input(input, output_size, where)
    if x.data.size == 0:
        return _empty(x, shown, where, (x.dtype,))
    *lead, d, h, w = x.shape
    with memory_named(where, shown, x.dtype):
        # depth first, on the volume as (…, D, H·W): the 2-d forms' row means
        y = window_means(x.reshape((*lead, d, h * w)), -2, od, where, shown)
        y = y.reshape((*lead, od, h, w))
        return window_means(window_means(y, -2, oh, where, shown), -1, ow, where, shown)


def adaptive_max_pool3d(input: Any, output_size: Size3, return_indices: bool = False) -> Any:
    """y[n,c,t,i,j] = max of x[n, c, ⌊tD/OD⌋:⌈(t+1)D/OD⌉, ⌊iH/OH⌋:⌈(i+1)H/OH⌉,
    ⌊jW/OW⌋:⌈(j+1)W/OW⌉] (the gradient goes to the window's maximum as PyTorch picks it: the
    first largest, or the last NaN); with ``return_indices``, ``(y, indices)``: each
    maximum's flat position d·H·W + h·W + w in its volume (int64)."""
    where = "adaptive_max_pool3d"
    return_indices = check_flag(return_indices, "return_indices", where)
    x, out, shown = _input(input, output_size, where)
    if x.data.size == 0:
        y = _empty(x, shown, where, (x.dtype, np.dtype(np.int64)))
        return (y, Tensor(np.zeros(y.shape, dtype=np.int64))) if return_indices else y
    with memory_named(where, shown, x.dtype):
        y, index = _max(x, out, where, shown)
    return (y, Tensor(index)) if return_indices else y


def _max(x: Tensor, out: tuple[int, int, int], where: str, shown: tuple[int, ...]
         ) -> tuple[Tensor, np.ndarray]:
    """Each window's maximum (a gather of x) and its flat index d·H·W + h·W + w."""
    *lead, d, h, w = x.shape
    od, oh, ow = out
    most = longest_window(d, od) * longest_window(h, oh) * longest_window(w, ow)
    refuse_oversize(where, shown, ((*lead, od, oh, ow, most), x.dtype),
                    ((od, oh, ow, most), np.int64), ((*lead, od, oh, ow), np.int64))
    deps, _ = adaptive_windows(d, od, where)
    rows, _ = adaptive_windows(h, oh, where)
    cols, _ = adaptive_windows(w, ow, where)
    kd, kh, kw = deps.shape[1], rows.shape[1], cols.shape[1]
    # every window's cells, (…, OD, OH, OW, KD·KH·KW) in (depth, row, column) order: one take
    # of flat positions (OD, OH, OW, KD, KH, KW) from each volume
    flat = (deps[:, None, None, :, None, None] * (h * w)
            + rows[None, :, None, None, :, None] * w
            + cols[None, None, :, None, None, :]).reshape(od, oh, ow, kd * kh * kw)
    volumes = x.data.reshape(math.prod(lead), d * h * w)
    cells = np.take(volumes, flat, axis=1).reshape(*lead, od, oh, ow, kd * kh * kw)
    at = pick_max(cells)
    del cells  # (the largest array here: gone before the gather's own)
    index = flat[np.arange(od)[:, None, None], np.arange(oh)[:, None], np.arange(ow), at]
    batched = x if x.ndim == 5 else x.reshape((1, *x.shape))
    # windows that tile the volume: each cell picked once
    tile = d % od == 0 and h % oh == 0 and w % ow == 0
    y = GATHER(batched, index=index.reshape((*batched.shape[:2], od, oh, ow)), unique=tile)
    return (y if x.ndim == 5 else y.reshape(y.shape[1:])), index


class AdaptiveAvgPool3d(Module):
    """y = adaptive_avg_pool3d(x, output_size): means over PyTorch's adaptive windows
    (``output_size`` kept as given, checked, so the repr is PyTorch's)."""

    def __init__(self, output_size: Size3) -> None:
        super().__init__()
        output_size_triple(output_size, type(self).__name__)
        self.output_size = output_size

    def forward(self, input: Any) -> Tensor:
        return adaptive_avg_pool3d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool3d(Module):
    """y = adaptive_max_pool3d(x, output_size, return_indices): maxima over PyTorch's adaptive
    windows (``output_size`` kept as given, checked, so the repr is PyTorch's)."""

    def __init__(self, output_size: Size3, return_indices: bool = False) -> None:
        super().__init__()
        output_size_triple(output_size, type(self).__name__)
        self.output_size = output_size
        self.return_indices = check_flag(return_indices, "return_indices", type(self).__name__)

    def forward(self, input: Any) -> Any:
        return adaptive_max_pool3d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
