"""3-d pooling: MaxPool3d, AvgPool3d and their functional forms, on (N, C, D, H, W) volumes
or unbatched (C, D, H, W) ones, PyTorch's.

Neither copies its windows nor pads its input: both are separable, one axis at a time, each
tap along an axis one strided slice read by every window whose tap lies in the input (the
padding, −∞ or 0, is skipped). Extra memory stays a few output sizes, where a window array
held K_D·K_H·K_W of them.

Max pooling: a running maximum along each axis, where a tap wins if strictly larger, or
NaN, keeps the first largest value in (depth, row, column) order or the last NaN, as
PyTorch's kernel picks it; then one gather of those elements is recorded (``nn.pooling``'s
private op, whose VJP is the matching scatter-add and vice versa: both orders exact). Its
flat position d·H·W + h·W + w is PyTorch's index, so ``return_indices`` comes for free.
Average pooling: a box sum, a private op whose VJP is its adjoint (ȳ spread back over each
window's taps) and vice versa, so both orders are exact; times 1/divisor as PyTorch's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Primitive, Tensor

from ._util import as_tensor, check_flag
from .conv import as_tuple, run
from .conv3d import Triple
from .module import Module
from .pooling import GATHER, check_divisor, pooled_size, window_divisors

__all__ = ["AvgPool3d", "MaxPool3d", "avg_pool3d", "max_pool3d"]

Given = int | Triple | list[int]


def _triple(value: Any, name: str, where: str, low: int = 1) -> Triple:
    a, b, c = as_tuple(value, 3, name, where, low)
    return a, b, c


def _taps(length: int, size: int, k: int, s: int, p: int, d: int
          ) -> list[tuple[slice, slice] | None]:
    """Along one axis, for each tap q: (the windows o whose tap reads an input cell, those
    cells), as slices; window o's tap q reads cell s·o + d·q − p, inside for 0 ≤ it < length.
    None where no window's tap q does."""
    out: list[tuple[slice, slice] | None] = []
    for q in range(k):
        off = d * q - p
        lo, hi = max(0, -(off // s)), min(size, (length - 1 - off) // s + 1)
        out.append((slice(lo, hi), slice(lo * s + off, (hi - 1) * s + off + 1, s))
                   if lo < hi else None)
    return out


def _box(x: np.ndarray, k: Triple = (1, 1, 1), s: Triple = (1, 1, 1), p: Triple = (0, 0, 0),
         size: Triple = (1, 1, 1), scale: float = 1.0) -> tuple[np.ndarray, Any]:
    """y[n,c,t,h,w] = scale · Σ_{a,i,j} xpad[n, c, s₀t + a, s₁h + i, s₂w + j] (zero padding),
    summed along depth, then rows, then columns"""
    y = x
    for ax in range(2, 5):
        out = np.zeros((*y.shape[:ax], size[ax - 2], *y.shape[ax + 1:]), x.dtype)
        lead = (slice(None),) * ax
        for tap in _taps(x.shape[ax], size[ax - 2], k[ax - 2], s[ax - 2], p[ax - 2], 1):
            if tap is not None:
                into, at = (*lead, tap[0]), (*lead, tap[1])
                out[into] += y[at]
        y = out
    if scale != 1.0:
        y *= scale
    return y, x.shape


def _box_vjp(g: Any, shape: Any, needs: Any, **attrs: Any) -> tuple[Any]:
    return (run(BOX_T, g, shape=shape, **attrs),)


def _box_t(g: np.ndarray, shape: tuple[int, ...] = (), k: Triple = (1, 1, 1),
           s: Triple = (1, 1, 1), p: Triple = (0, 0, 0), size: Triple = (1, 1, 1),
           scale: float = 1.0) -> tuple[np.ndarray, Any]:
    """x̄[n,c,s₀t + a − p₀, s₁h + i − p₁, s₂w + j − p₂] += scale · ȳ[n,c,t,h,w] (taps in the
    padding dropped): the adjoint of the box sum, spread along columns, rows, then depth"""
    x = g
    for ax in range(4, 1, -1):
        out = np.zeros((*x.shape[:ax], shape[ax], *x.shape[ax + 1:]), g.dtype)
        lead = (slice(None),) * ax
        for tap in _taps(shape[ax], size[ax - 2], k[ax - 2], s[ax - 2], p[ax - 2], 1):
            if tap is not None:
                into, at = (*lead, tap[1]), (*lead, tap[0])
                out[into] += x[at]
        x = out
    if scale != 1.0:
        x *= scale
    return x, None


def _box_t_vjp(a: Any, saved: Any, needs: Any, shape: Any = (), **attrs: Any) -> tuple[Any]:
    return (run(BOX, a, **attrs),)


BOX = Primitive("avg_pool3d_box", _box, _box_vjp)
BOX_T = Primitive("avg_pool3d_box_t", _box_t, _box_t_vjp)


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
    size = tuple(pooled_size(n, ki, si, pi, di, ceil)
                 for n, ki, si, pi, di in zip(x.shape[2:], k, s, p, d, strict=True))
    if min(size) < 1:
        dil = "" if dilation is None else f" (dilation {d})"
        raise ValueError(f"{where}: kernel size {k}{dil} is bigger than the padded input "
                         f"{x.shape[2:]} (padding {p})")
    return x, unbatched, k, s, p, d, (size[0], size[1], size[2])


def _running_max(x: np.ndarray, k: Triple, s: Triple, p: Triple, d: Triple, size: Triple
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Each window's maximum (−∞ padding) and its tap (a·K_H + i)·K_W + j as PyTorch picks it:
    the first largest value in (depth, row, column) order, or the last NaN. Separable: the
    maximum along columns, then of those along rows, then along depth (``_axis_max``); the
    tap found so far rides along (the first largest row holds its first largest column)."""
    itype = np.min_scalar_type(-math.prod(k))  # (int8 for up to 128 taps)
    has_nan = bool(x.size) and bool(np.isnan(x.max()))  # (max: NaN if any)
    best, arg, inner = x, np.zeros((), itype), 1
    for ax in (4, 3, 2):
        j = ax - 2
        taps = _taps(x.shape[ax], size[j], k[j], s[j], p[j], d[j])
        best, arg = _axis_max(best, arg, inner, ax, size[j], taps, has_nan)
        inner *= k[j]
    return best, arg


def _axis_max(x: np.ndarray, arg: np.ndarray, inner: int, ax: int, size: int,
              taps: list[tuple[slice, slice] | None], has_nan: bool
              ) -> tuple[np.ndarray, np.ndarray]:
    """The running maximum along axis ``ax`` over its taps q, where a tap wins if strictly
    larger than the maximum so far, or NaN; and the winner's q·inner + arg[its cell] (``arg``:
    the tap over the axes done so far, each below ``inner``; a 0-d zero before any)."""
    shape = (*x.shape[:ax], size, *x.shape[ax + 1:])
    top, pick = np.full(shape, -np.inf, x.dtype), np.zeros(shape, arg.dtype)
    wins = np.empty(shape, arg.dtype)
    code = np.empty(shape, arg.dtype) if arg.ndim else None
    nan = np.empty(shape, bool) if has_nan else None
    lead = (slice(None),) * ax
    for q, tap in enumerate(taps):
        if tap is None:  # no window reads an input cell at this tap: −∞ never wins
            continue
        at, src = (*lead, tap[0]), (*lead, tap[1])
        v, most, won = x[src], top[at], wins[at]
        np.greater(v, most, out=won)
        if nan is not None:  # (v ≠ v: NaN; NumPy 2.4's isnan fills a strided bool out wrongly)
            np.logical_or(won, np.not_equal(v, v, out=nan[at]), out=won)
        np.maximum(most, v, out=most)  # (NaN stays: later taps win only as NaN)
        tap_code = q if code is None else np.add(arg[src], q * inner, out=code[at])
        # pick = the tap where won: it exceeds every earlier one, so max(pick, won·tap)
        np.maximum(pick[at], np.multiply(won, tap_code, out=won), out=pick[at])
    return top, pick


def _first_real_cells(index: np.ndarray, arg: np.ndarray, at: tuple[np.ndarray, ...],
                      k: Triple, s: Triple, p: Triple, d: Triple, spatial: tuple[int, ...]
                      ) -> tuple[bool, np.ndarray | None]:
    """Where a window of −∞ values only (``at``) has its tap ``arg`` in the padding, set its
    ``index`` to the window's first real cell, as PyTorch's; returns whether any moved, and
    where a dilated window holds no real cell at all (−∞ there, and no gradient), or None."""
    if not at[0].size:
        return False, None
    tap = arg[at].astype(np.int64)
    per = (tap // (k[1] * k[2]), tap // k[2] % k[1], tap % k[2])
    outside, firsts = np.zeros(tap.shape, bool), []
    for ax in range(3):  # the tap's cell, and the window's first real one, on each axis
        start = at[2 + ax] * s[ax] - p[ax]
        cell = start + per[ax] * d[ax]
        outside |= (cell < 0) | (cell >= spatial[ax])
        firsts.append(start + -(np.minimum(start, 0) // d[ax]) * d[ax])
    if not outside.any():
        return False, None
    sel = tuple(a[outside] for a in at)
    real = [np.minimum(f[outside], n - 1) for f, n in zip(firsts, spatial, strict=True)]
    index[sel] = (real[0] * spatial[1] + real[1]) * spatial[2] + real[2]
    hollow = np.zeros(len(sel[0]), bool)
    for f, n in zip(firsts, spatial, strict=True):
        hollow |= f[outside] >= n
    if not hollow.any():
        return True, None
    empty = np.zeros(index.shape, bool)
    empty[tuple(a[hollow] for a in sel)] = True
    return True, empty


def max_pool3d(input: Any, kernel_size: Given, stride: Given | None = None,
               padding: Given = 0, dilation: Given = 1, ceil_mode: bool = False,
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
    spatial = x.shape[2:]
    best, arg = _running_max(x.data, k, s, p, d, size)
    # flat index = the window's first cell (padding counted) + the winning tap's offset
    step = (spatial[1] * spatial[2], spatial[2], 1)
    first = [(np.arange(o) * si - pi) * st for o, si, pi, st in zip(size, s, p, step,
                                                                     strict=True)]
    base = first[0][:, None, None] + first[1][:, None] + first[2]  # (one output volume)
    taps = [np.arange(ki) * di * st for ki, di, st in zip(k, d, step, strict=True)]
    offset = (taps[0][:, None, None] + taps[1][:, None] + taps[2]).ravel()
    wide = max(-base.min(initial=0), base.max(initial=0) + offset.max()) >= 2 ** 31
    itype = np.int64 if wide else np.int32  # (half the memory the recorded gather keeps)
    index = offset.astype(itype)[arg]
    index += base.astype(itype)
    # a tap in the padding wins only where all the window's values are −∞
    moved, empty = _first_real_cells(index, arg, np.nonzero(best == -np.inf), k, s, p, d,
                                     spatial)
    del best, arg
    unique = not moved and all(si >= di * (ki - 1) + 1 for si, ki, di in zip(s, k, d,
                                                                              strict=True))
    index.setflags(write=False)  # (so the recorded op keeps it, not a copy)
    y = GATHER(x, index=index, unique=unique)
    if empty is not None:
        y = am.where(empty, np.array(-np.inf, dtype=y.dtype), y)
    if unbatched:
        y, index = y.reshape(y.shape[1:]), index.reshape(index.shape[1:])
    return (y, Tensor(index.astype(np.int64))) if return_indices else y


def avg_pool3d(input: Any, kernel_size: Given, stride: Given | None = None,
               padding: Given = 0, ceil_mode: bool = False,
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
        divisor_override = check_divisor(divisor_override, where)
    spatial = x.shape[2:]
    if any(length < ki for length, ki in zip(spatial, k, strict=True)):
        # PyTorch's avg_pool3d (not its 2-d one, nor max_pool3d) checks the unpadded size
        raise ValueError(f"{where}: input of spatial size {spatial} is smaller than the kernel "
                         f"size {k} (PyTorch's avg_pool3d refuses it, padding or not)")
    divs = [window_divisors(length, o, ki, si, pi, count_include_pad)
            for length, o, ki, si, pi in zip(spatial, size, k, s, p, strict=True)]
    uniform = divisor_override is None and all(
        np.all(dv == ki) for dv, ki in zip(divs, k, strict=True))
    y = BOX(x, k=k, s=s, p=p, size=size, scale=1.0 / math.prod(k) if uniform else 1.0)
    if not uniform:
        div = (np.full(size, float(divisor_override)) if divisor_override is not None
               else np.multiply.outer(np.multiply.outer(divs[0], divs[1]), divs[2]))
        y = y * (1.0 / div).astype(x.dtype)
    return y.reshape(y.shape[1:]) if unbatched else y


def _as_given(value: Any, name: str, where: str, low: int = 1) -> Given:
    """A checked int, triple or list of three kept as given (an int stays an int, a list a
    list), as PyTorch's pooling modules keep and print it."""
    t = _triple(value, name, where, low)
    return list(t) if isinstance(value, list) else t if isinstance(value, tuple) else t[0]


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

    def __init__(self, kernel_size: Given, stride: Given | None = None,
                 padding: Given = 0, dilation: Given = 1,
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

    def __init__(self, kernel_size: Given, stride: Given | None = None,
                 padding: Given = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        where = _windows(self, kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = check_flag(count_include_pad, "count_include_pad", where)
        self.divisor_override = (None if divisor_override is None else
                                 check_divisor(divisor_override, where))

    def forward(self, x: Any) -> Tensor:
        return avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        """PyTorch's text (its AvgPool3d shows these three only)."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
