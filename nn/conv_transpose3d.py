"""3-d transposed convolution: functional ``conv_transpose3d`` and the layer ``ConvTranspose3d``
on (N, C, D, H, W) volumes or unbatched (C, D, H, W) ones, PyTorch's (weight (in, out/groups,
KD, KH, KW)).

y = conv_transpose3d(x, w) is the adjoint in the input of conv3d with the same weight and
settings: each input cell scatters its kernel-weighted value,

    y[n, g·C'/G + c, s₀t + d₀a − p₀, s₁u + d₁i − p₁, s₂v + d₂j − p₂] += x[n, o, t, u, v] ·
    w[o, c, a, i, j]   (o in group g),

so along each axis D' = (D − 1)·s − 2p + d·(k − 1) + output_padding + 1.

Route: Conv3d's, transposed. For depth tap a, the input depths t land on the output depths
s₀t + d₀a − p₀; only those t that fall inside [0, D') are taken (a contiguous range), their
depth folded into the batch, and the 2-d transposed convolution (``conv_transpose2d``, the
fused ``corr_dx`` op of ``nn.conv``) maps them to (H', W') planes with tap a's weight. The
planes are spread s₀ apart along depth (a zero-padded axis of length s₀, then a reshape) and
padded to their place in D'; the taps' volumes are summed. No loop runs over output positions,
and first and second order gradients are those of slicing, padding, reshaping and the 2-d op
(exact). A tap that reaches no output depth still runs on an empty batch, so the output stays
connected to x and w (their gradient there is 0, as PyTorch's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from ._util import as_tensor
from .conv import as_tuple, conv_inputs
from .conv3d import Triple
from .conv_transpose import (
    ConvTransposeNd,
    check_output_padding,
    conv_transpose2d,
    min_sizes,
    padding_for_size,
)

__all__ = ["ConvTranspose3d", "conv_transpose3d"]


def _taps_reaching(depth: int, out: int, s: int, p: int, first: int) -> tuple[int, int]:
    """The range [t0, t1) of input depths t whose output depth s·t + first − p is in [0, out)."""
    t0 = max(-((first - p) // s), 0)  # ⌈(p − first)/s⌉, at least 0
    t1 = min((out - 1 + p - first) // s + 1, depth)  # (floor division: ≤ 0 if none reach)
    return t0, max(t1, t0)


def _conv_transpose3d(x: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                      output_padding: Any, groups: Any, dilation: Any, where: str,
                      output_size: Any = None) -> Tensor:
    x, w, shape0, unbatched, groups, k, s, d = conv_inputs(
        x, weight, groups, stride, dilation, 3, where, "(in, out/groups, kD, kH, kW)")
    p = as_tuple(padding, 3, "padding", where, low=0)
    c, cout = w.shape[0], w.shape[1] * groups
    if cout < 1:
        raise ValueError(f"{where}: weight of shape {w.shape} has no output channels")
    if c % groups:
        raise ValueError(f"{where}: groups={groups} does not divide the {c} input channels of "
                         f"the weight of shape {w.shape}")
    if x.shape[1] != c:
        raise ValueError(f"{where}: input of shape {shape0} has {x.shape[1]} channels, the "
                         f"weight of shape {w.shape} expects {c}")
    n, _, depth, h, wd = x.shape
    smallest = min_sizes((depth, h, wd), k, s, p, d)
    if output_size is None:
        op = as_tuple(output_padding, 3, "output_padding", where, low=0)
        check_output_padding(op, s, d, where)
    else:
        op = padding_for_size(output_size, smallest, s, shape0, 3, where)
    sizes = [m + a for m, a in zip(smallest, op, strict=True)]
    if min(sizes) < 1:
        raise ValueError(f"{where}: the input of shape {shape0} gives an output of size "
                         f"{tuple(sizes)} (kernel {k}, stride {s}, padding {p}, dilation {d}, "
                         f"output_padding {op}): too small")
    out_d = sizes[0]
    # depth next to the batch once, so each tap's slice folds into it with one reshape
    xt = x.transpose(0, 2, 1, 3, 4)  # (N, D, C, H, W)
    y: Tensor | None = None
    for a in range(k[0]):
        first = d[0] * a
        t0, t1 = _taps_reaching(depth, out_d, s[0], p[0], first)
        if t0 == t1 and y is not None:
            continue  # (the first tap runs even when empty: y then exists and depends on x, w)
        part = xt[:, t0:t1]
        # explicit sizes, not −1: NumPy cannot infer −1 when another axis is 0 (an empty batch)
        planes = conv_transpose2d(part.reshape((n * (t1 - t0), c, h, wd)), w[:, :, a], None,
                                  (s[1], s[2]), (p[1], p[2]), (op[1], op[2]), groups,
                                  (d[1], d[2]))
        vol = planes.reshape((n, t1 - t0, cout, sizes[1], sizes[2]))
        span = 0
        if t1 > t0:
            if s[0] > 1:  # planes s₀ apart: each followed by s₀ − 1 zero planes, the last cut
                vol = am.pad(vol.reshape((n, t1 - t0, 1, cout, sizes[1], sizes[2])),
                             ((0, 0), (0, 0), (0, s[0] - 1), (0, 0), (0, 0), (0, 0)))
                vol = vol.reshape((n, (t1 - t0) * s[0], cout, sizes[1], sizes[2]))
                vol = vol[:, :(t1 - t0 - 1) * s[0] + 1]
            span = (t1 - t0 - 1) * s[0] + 1
        start = s[0] * t0 + first - p[0] if t1 > t0 else 0
        vol = am.pad(vol, ((0, 0), (start, out_d - start - span), (0, 0), (0, 0), (0, 0)))
        y = vol if y is None else y + vol
    assert y is not None  # (k[0] ≥ 1: checked by conv_inputs)
    y = y.transpose(0, 2, 1, 3, 4)
    if bias is not None:
        b = as_tensor(bias, f"{where}: bias")
        if b.shape != (cout,):
            raise ValueError(f"{where}: bias of shape {b.shape} does not fit {cout} output "
                             "channels")
        y = y + b.reshape((cout, 1, 1, 1))
    return y.reshape(y.shape[1:]) if unbatched else y


def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: int | Triple = 1,
                     padding: int | Triple = 0, output_padding: int | Triple = 0,
                     groups: int = 1, dilation: int | Triple = 1) -> Tensor:
    """y[n, g·C'/G + c, s t + d a − p, s u + d i − p, s v + d j − p] += x[n, o, t, u, v] ·
    w[o, c, a, i, j] (o in group g), plus b; w (C, C'/G, KD, KH, KW), x (N, C, D, H, W) or
    (C, D, H, W); the adjoint of conv3d in its input. Output
    D' = (D − 1)s − 2p + d(KD − 1) + output_padding + 1 (H', W' alike)."""
    return _conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, "conv_transpose3d")


class ConvTranspose3d(ConvTransposeNd):
    """3-d transposed convolution y = conv_transpose3d(x, W, b) with W (in, out/groups, KD, KH,
    KW) and b (out,), both U(−1/√fan_in, 1/√fan_in) at start with PyTorch's fan_in =
    out/groups·KD·KH·KW, drawn from ``rng`` (default: the ``manual_seed`` generator). Output
    D' = (D − 1)·stride − 2·padding + dilation·(KD − 1) + output_padding + 1 (H', W' alike);
    ``forward(x, output_size)`` picks output_padding for a wanted size (as PyTorch's). Only
    padding_mode="zeros", as PyTorch."""

    nd = 3

    # (its own __init__, so a wrong argument's TypeError names ConvTranspose3d)
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros",
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding,
                         output_padding, groups, bias, dilation, padding_mode, rng, dtype)

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        """The transposed convolution; ``output_size`` (the spatial sizes, or the whole output
        shape) picks the output_padding in [0, stride) that gives it, in place of
        ``self.output_padding``."""
        return _conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding,
                                 self.output_padding, self.groups, self.dilation,
                                 "ConvTranspose3d", output_size)
