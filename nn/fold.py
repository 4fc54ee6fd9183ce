"""Sliding blocks: ``unfold`` (im2col) and ``fold`` (col2im), and the layers ``Unfold``/``Fold``.

For a kernel (kh, kw), dilation d, padding p and stride s, block (a, b), column l = a·bw + b
(row-major over bh × bw blocks, ⌊(size + 2p − d(k − 1) − 1) / s⌋ + 1 along each axis), covers
the cells (s₀a + d₀i − p₀, s₁b + d₁j − p₁) of the image, i < kh, j < kw, and

    unfold(x)[n, (c·kh + i)·kw + j, l] = xpad[n, c, s₀ a + d₀ i, s₁ b + d₁ j]

(rows channel-major, then kernel row, then kernel column: PyTorch's order). ``fold`` is its
adjoint, ⟨unfold(x), y⟩ = ⟨x, fold(y)⟩: each column's values are added back where they were
read, overlapping blocks summing, and the padding cropped. Both are linear, so each is the
other's VJP: two private ops (``am.Primitive``, unregistered, as nn.conv's) whose VJPs call
each other, recorded when the upstream gradient is a Tensor, so every order is exact.
``unfold`` copies one strided window view of the padded image; ``fold`` adds one strided
slice per kernel tap (kh·kw NumPy additions, whatever the number of blocks).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from autograd_mini import Primitive, Tensor

from ._util import as_tensor
from .conv import Pair, as_tuple, run
from .module import Module

__all__ = ["FOLD", "UNFOLD", "Fold", "Unfold", "fold", "unfold"]

#: a size argument: an int for both axes, or a pair (a tuple or, as PyTorch allows, a list)
Size = int | Pair | list[int]


def _blocks(size: Pair, k: Pair, d: Pair, p: Pair, s: Pair) -> Pair:
    """Blocks along each axis: ⌊(size + 2p − d(k − 1) − 1) / s⌋ + 1 (≤ 0: none fit)."""
    bh = (size[0] + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    bw = (size[1] + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    return bh, bw


def _unfold(x: np.ndarray, kernel: Pair = (1, 1), dilation: Pair = (1, 1),
            padding: Pair = (0, 0), stride: Pair = (1, 1)) -> tuple[np.ndarray, Any]:
    """y[n, (c kh + i) kw + j, a bw + b] = xpad[n, c, s₀ a + d₀ i, s₁ b + d₁ j]"""
    n, c, h, w = x.shape
    k, d, p, s = kernel, dilation, padding, stride
    bh, bw = _blocks((h, w), k, d, p, s)
    if p != (0, 0):
        xp = np.zeros((n, c, h + 2 * p[0], w + 2 * p[1]), dtype=x.dtype)
        xp[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = x
    else:
        xp = np.ascontiguousarray(x)  # (the strides below assume nothing of x's layout)
    sn, sc, sh, sw = xp.strides
    # a read-only view (N, C, kh, kw, bh, bw) of the padded image, copied once into an array
    # of its own (a reshape would copy into a 6-d base, or not at all for a 1×1 kernel)
    view = as_strided(xp, (n, c, k[0], k[1], bh, bw),
                      (sn, sc, d[0] * sh, d[1] * sw, s[0] * sh, s[1] * sw), writeable=False)
    out = np.empty((n, c * k[0] * k[1], bh * bw), dtype=x.dtype)
    out.reshape(view.shape)[...] = view
    return out, (h, w)


def _unfold_vjp(g: Any, size: Pair, needs: Any, **attrs: Any) -> tuple[Any]:
    return (run(FOLD, g, size=tuple(size), **attrs),)


def _fold(cols: np.ndarray, size: Pair = (1, 1), kernel: Pair = (1, 1),
          dilation: Pair = (1, 1), padding: Pair = (0, 0), stride: Pair = (1, 1)
          ) -> tuple[np.ndarray, Any]:
    """y[n, c, s₀ a + d₀ i − p₀, s₁ b + d₁ j − p₁] += x[n, (c kh + i) kw + j, a bw + b]"""
    k, d, p, s = kernel, dilation, padding, stride
    bh, bw = _blocks(size, k, d, p, s)
    n, c = cols.shape[0], cols.shape[1] // (k[0] * k[1])
    blocks = cols.reshape(n, c, k[0], k[1], bh, bw)
    out = np.zeros((n, c, size[0] + 2 * p[0], size[1] + 2 * p[1]), dtype=cols.dtype)
    for i in range(k[0]):  # one strided addition per kernel tap, none per block
        rows = slice(d[0] * i, d[0] * i + s[0] * (bh - 1) + 1, s[0])
        for j in range(k[1]):
            columns = slice(d[1] * j, d[1] * j + s[1] * (bw - 1) + 1, s[1])
            out[:, :, rows, columns] += blocks[:, :, i, j]
    if p != (0, 0):
        out = np.ascontiguousarray(out[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]])
    return out, None


def _fold_vjp(g: Any, saved: Any, needs: Any, size: Pair = (1, 1), **attrs: Any) -> tuple[Any]:
    return (run(UNFOLD, g, **attrs),)


UNFOLD = Primitive("unfold", _unfold, _unfold_vjp, nin=1)
FOLD = Primitive("fold", _fold, _fold_vjp, nin=1)


def _options(kernel_size: Any, dilation: Any, padding: Any, stride: Any, where: str
             ) -> dict[str, Pair]:
    """The ops' attributes: each argument an int or a pair, checked (padding may be 0)."""
    out = {}
    for name, value, low in (("kernel_size", kernel_size, 1), ("dilation", dilation, 1),
                             ("padding", padding, 0), ("stride", stride, 1)):
        a, b = as_tuple(value, 2, name, where, low)
        out["kernel" if name == "kernel_size" else name] = (a, b)
    return out


def _input(x: Any, ndims: tuple[int, int], layout: str, where: str) -> Tensor:
    """``x`` as a floating Tensor of ``ndims`` axes (integer and bool data: float64), every
    axis but a batch axis non-empty, as PyTorch requires."""
    t = as_tensor(x, where)
    if t.ndim not in ndims or 0 in t.shape[t.ndim - ndims[0]:]:
        raise ValueError(f"{where}: input must be {ndims[1]}-d {layout} (N may be 0) or "
                         f"{ndims[0]}-d unbatched, with no other axis empty, got shape {t.shape}")
    return t if t.dtype.kind == "f" else t.astype(np.float64)


def _described(o: dict[str, Pair]) -> str:
    return (f"kernel_size={o['kernel']}, dilation={o['dilation']}, padding={o['padding']}, "
            f"stride={o['stride']}")


def unfold(input: Any, kernel_size: Size, dilation: Size = 1,
           padding: Size = 0, stride: Size = 1) -> Tensor:
    """im2col: y[n, (c·kh + i)·kw + j, a·bw + b] = xpad[n, c, s₀a + d₀i, s₁b + d₁j], the
    sliding blocks of x (N, C, H, W) as columns (N, C·kh·kw, L = bh·bw), PyTorch's order;
    (C, H, W) gives (C·kh·kw, L). b = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 per axis (≥ 1)."""
    where = "unfold"
    x = _input(input, (3, 4), "(N, C, H, W)", where)
    o = _options(kernel_size, dilation, padding, stride, where)
    size = (x.shape[-2], x.shape[-1])
    blocks = _blocks(size, o["kernel"], o["dilation"], o["padding"], o["stride"])
    if min(blocks) < 1:
        raise ValueError(f"{where}: {_described(o)} do not fit the input of spatial size "
                         f"{size}: the sliding blocks would number {blocks}, each must be >= 1")
    unbatched = x.ndim == 3
    y = UNFOLD(x.reshape((1, *x.shape)) if unbatched else x, **o)
    return y.reshape(y.shape[1:]) if unbatched else y


def fold(input: Any, output_size: Size, kernel_size: Size,
         dilation: Size = 1, padding: Size = 0, stride: Size = 1) -> Tensor:
    """col2im, unfold's adjoint: y[n, c, s₀a + d₀i − p₀, s₁b + d₁j − p₁] += x[n, (c·kh + i)·kw
    + j, a·bw + b] (overlapping blocks sum; padding cropped): (N, C·kh·kw, L) → (N, C, *
    output_size), (C·kh·kw, L) → (C, *output_size); L must be bh·bw for output_size."""
    where = "fold"
    x = _input(input, (2, 3), "(N, C·kh·kw, L)", where)
    oh, ow = as_tuple(output_size, 2, "output_size", where)
    size = (oh, ow)
    o = _options(kernel_size, dilation, padding, stride, where)
    k = o["kernel"]
    if x.shape[-2] % (k[0] * k[1]):
        raise ValueError(f"{where}: the input's C·kh·kw axis ({x.shape[-2]}, input shape "
                         f"{x.shape}) must be divisible by the product of kernel_size {k}, "
                         f"{k[0] * k[1]}")
    bh, bw = _blocks(size, k, o["dilation"], o["padding"], o["stride"])
    if min(bh, bw) < 1 or x.shape[-1] != bh * bw:
        raise ValueError(f"{where}: output_size={size}, {_described(o)} give {bh} × {bw} "
                         f"sliding blocks, but the input of shape {x.shape} has L = "
                         f"{x.shape[-1]}" + ("" if min(bh, bw) >= 1 else
                                             " (no block fits the output)"))
    unbatched = x.ndim == 2
    y = FOLD(x.reshape((1, *x.shape)) if unbatched else x, size=size, **o)
    return y.reshape(y.shape[1:]) if unbatched else y


def _given(value: Any, name: str, where: str, low: int = 1) -> Size:
    """A size argument checked, kept as given (an int, a tuple, or a list, copied): PyTorch's
    repr shows it so."""
    a, b = as_tuple(value, 2, name, where, low)
    if isinstance(value, list):
        return [a, b]
    return (a, b) if isinstance(value, tuple) else a


class Unfold(Module):
    """``unfold(x, kernel_size, dilation, padding, stride)`` as a layer: (N, C, H, W) →
    (N, C·kh·kw, L), each column one sliding block (im2col). No parameters."""

    def __init__(self, kernel_size: Size, dilation: Size = 1,
                 padding: Size = 0, stride: Size = 1) -> None:
        super().__init__()
        where = "Unfold"
        self.kernel_size = _given(kernel_size, "kernel_size", where)
        self.dilation = _given(dilation, "dilation", where)
        self.padding = _given(padding, "padding", where, low=0)
        self.stride = _given(stride, "stride", where)

    def forward(self, input: Any) -> Tensor:
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """``fold(x, output_size, kernel_size, dilation, padding, stride)`` as a layer: (N,
    C·kh·kw, L) → (N, C, *output_size), overlapping blocks summed (col2im). No parameters."""

    def __init__(self, output_size: Size, kernel_size: Size,
                 dilation: Size = 1, padding: Size = 0,
                 stride: Size = 1) -> None:
        super().__init__()
        where = "Fold"
        self.output_size = _given(output_size, "output_size", where)
        self.kernel_size = _given(kernel_size, "kernel_size", where)
        self.dilation = _given(dilation, "dilation", where)
        self.padding = _given(padding, "padding", where, low=0)
        self.stride = _given(stride, "stride", where)

    def forward(self, input: Any) -> Tensor:
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
