"""Transposed convolutions: functional ``conv_transpose1d``/``conv_transpose2d`` and the layers
``ConvTranspose1d``/``ConvTranspose2d``, PyTorch's (weight (in, out/groups, *kernel)).

y = conv_transpose2d(x, w) is the adjoint in the input of conv2d with the same weight and
settings: ⟨conv2d(a, w), x⟩ = ⟨a, conv_transpose2d(x, w)⟩. Each input pixel scatters its
kernel-weighted value: y[n, g·C'/G + c, s·t + d·i − p, s·u + d·j − p] += x[n, o, t, u] ·
w[o, c, i, j] for o in group g, so along each axis
H' = (H − 1)·s − 2p + d·(k − 1) + output_padding + 1 (output_padding adds rows at the end).

It is ``nn.conv``'s fused ``corr_dx`` op (x̄ of a convolution), recorded as one node whose VJP
is written with the same three bilinear ops, so first and second order gradients are exact.
corr_dx crops ``pad`` before/after from its padded buffer and its VJP convolves with that
``pad``; the "after" padding q = max(p − output_padding, 0) is chosen so that this
convolution has exactly H outputs. Only when output_padding − p ≥ s (possible with
output_padding < dilation) would it have more: then the last output_padding − p rows, which no
tap reaches, are computed as zeros by ``autograd_mini.pad``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from ._util import as_tensor, check_flag, check_rng, check_size, float_dtype, positive_int
from .conv import CORR_DX, as_tuple, conv_inputs
from .init import reset_fan_in_uniform
from .members import empty_parameters
from .module import Module
from .parameter import Parameter

__all__ = ["ConvTranspose1d", "ConvTranspose2d", "conv_transpose1d", "conv_transpose2d"]


def check_output_padding(op: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...],
                          where: str) -> None:
    """PyTorch's rule: along each axis output_padding < stride or output_padding < dilation."""
    for a, b, c in zip(op, s, d, strict=True):
        if a >= b and a >= c:
            raise ValueError(f"{where}: output_padding must be smaller than either stride or "
                             f"dilation, got output_padding={op}, stride={s}, dilation={d}")


def min_sizes(spatial: Sequence[int], k: Sequence[int], s: Sequence[int], p: Sequence[int],
               d: Sequence[int]) -> list[int]:
    """(L − 1)·s − 2p + d·(k − 1) + 1 per axis: the output size with output_padding 0."""
    return [(n - 1) * si - 2 * pi + di * (ki - 1) + 1
            for n, ki, si, pi, di in zip(spatial, k, s, p, d, strict=True)]


def _conv_transpose(x: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                    output_padding: Any, groups: Any, dilation: Any, nd: int, where: str,
                    output_size: Any = None) -> Tensor:
    x, w, shape0, unbatched, groups, k, s, d = conv_inputs(
        x, weight, groups, stride, dilation, nd, where, "(in, out/groups, *kernel)")
    p = as_tuple(padding, nd, "padding", where, low=0)
    c, cout = w.shape[0], w.shape[1] * groups
    if cout < 1:
        raise ValueError(f"{where}: weight of shape {w.shape} has no output channels")
    if c % groups:
        raise ValueError(f"{where}: groups={groups} does not divide the {c} input channels of "
                         f"the weight of shape {w.shape}")
    if x.shape[1] != c:
        raise ValueError(f"{where}: input of shape {shape0} has {x.shape[1]} channels, the "
                         f"weight of shape {w.shape} expects {c}")
    spatial = x.shape[2:]
    smallest = min_sizes(spatial, k, s, p, d)
    if output_size is None:
        op = as_tuple(output_padding, nd, "output_padding", where, low=0)
        check_output_padding(op, s, d, where)
    else:
        op = padding_for_size(output_size, smallest, s, shape0, nd, where)
    sizes = [m + a for m, a in zip(smallest, op, strict=True)]
    if min(sizes) < 1:
        raise ValueError(f"{where}: the input of shape {shape0} gives an output of size "
                         f"{tuple(sizes)} (kernel {k}, stride {s}, padding {p}, dilation {d}, "
                         f"output_padding {op}): too small")
    pads: tuple[int, ...] = ()
    crop: list[int] = []
    extra: list[int] = []
    for ax in range(nd):
        after = max(p[ax] - op[ax], 0)
        r = after - p[ax] + op[ax]  # rows past the last tap kept in corr_dx's buffer
        extra.append(r if r >= s[ax] else 0)
        crop.append(sizes[ax] - extra[-1])
        pads += (p[ax], after)
    n = x.shape[0]
    if nd == 1:  # a height-1 image
        x = x.reshape((n, c, 1, spatial[0]))
        w = w.reshape((c, w.shape[1], 1, k[0]))
        s, d, pads, crop, extra = (1, *s), (1, *d), (0, 0, *pads), [1, *crop], [0, *extra]
    y = CORR_DX(x, w, shape=(n, cout, *crop), stride=s, pad=pads, dilation=d, groups=groups)
    if any(extra):
        y = am.pad(y, ((0, 0), (0, 0), *((0, e) for e in extra)))
    if nd == 1:
        y = y.reshape((n, cout, sizes[0]))
    if bias is not None:
        b = as_tensor(bias, f"{where}: bias")
        if b.shape != (cout,):
            raise ValueError(f"{where}: bias of shape {b.shape} does not fit {cout} output "
                             "channels")
        y = y + b.reshape((cout,) + (1,) * nd)
    return y.reshape(y.shape[1:]) if unbatched else y


def padding_for_size(output_size: Any, smallest: list[int], s: tuple[int, ...],
                      shape0: tuple[int, ...], nd: int, where: str) -> tuple[int, ...]:
    """The output_padding giving ``output_size`` (its spatial sizes, or the whole shape)."""
    size: list[int] = []
    try:
        size = [int(v) for v in output_size]
        ok = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                 for v in output_size)
    except (TypeError, ValueError, OverflowError):
        ok = False
    lead = len(shape0) - nd
    if ok and len(size) == lead + nd:
        size = size[lead:]
    if not ok or len(size) != nd:
        raise ValueError(f"{where}: output_size must be {nd} or {lead + nd} ints for an input "
                         f"of shape {shape0}, got {output_size!r:.60}")
    largest = [m + si - 1 for m, si in zip(smallest, s, strict=True)]
    if any(not lo <= v <= hi for v, lo, hi in zip(size, smallest, largest, strict=True)):
        raise ValueError(f"{where}: requested an output size of {tuple(size)}, but valid sizes "
                         f"range from {tuple(smallest)} to {tuple(largest)} (for an input of "
                         f"spatial size {tuple(shape0[-nd:])})")
    return tuple(v - lo for v, lo in zip(size, smallest, strict=True))


def conv_transpose2d(x: Any, weight: Any, bias: Any = None, stride: int | tuple[int, int] = 1,
                     padding: int | tuple[int, int] = 0,
                     output_padding: int | tuple[int, int] = 0, groups: int = 1,
                     dilation: int | tuple[int, int] = 1) -> Tensor:
    """y[n, g·C'/G + c, s t + d i − p, s u + d j − p] += x[n, o, t, u] w[o, c, i, j] (o in
    group g), plus b; w (C, C'/G, KH, KW), x (N, C, H, W) or (C, H, W); the adjoint of conv2d
    in its input. Output H' = (H − 1)s − 2p + d(KH − 1) + output_padding + 1 (W' alike)."""
    return _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation,
                           2, "conv_transpose2d")


def conv_transpose1d(x: Any, weight: Any, bias: Any = None, stride: int | tuple[int] = 1,
                     padding: int | tuple[int] = 0, output_padding: int | tuple[int] = 0,
                     groups: int = 1, dilation: int | tuple[int] = 1) -> Tensor:
    """y[n, g·C'/G + c, s t + d i − p] += x[n, o, t] w[o, c, i] (o in group g), plus b;
    w (C, C'/G, K), x (N, C, L) or (C, L); L' = (L − 1)s − 2p + d(K − 1) + output_padding + 1."""
    return _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation,
                           1, "conv_transpose1d")


class ConvTransposeNd(Module):
    nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros",
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__()
        where, nd = type(self).__name__, self.nd
        if not isinstance(padding_mode, str) or padding_mode != "zeros":  # (PyTorch's rule)
            raise ValueError(f"{where}: only padding_mode='zeros' is supported for transposed "
                             f"convolutions, got {padding_mode!r:.60}")
        self.padding_mode = padding_mode
        self.in_channels = positive_int(in_channels, "in_channels", where)
        self.out_channels = positive_int(out_channels, "out_channels", where)
        self.groups = positive_int(groups, "groups", where)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(f"{where}: groups={groups} must divide in_channels={in_channels} "
                             f"and out_channels={out_channels}")
        self.kernel_size = as_tuple(kernel_size, nd, "kernel_size", where)
        self.stride = as_tuple(stride, nd, "stride", where)
        self.padding = as_tuple(padding, nd, "padding", where, low=0)
        self.output_padding = as_tuple(output_padding, nd, "output_padding", where, low=0)
        self.dilation = as_tuple(dilation, nd, "dilation", where)
        # refused here already (PyTorch waits for the first forward without output_size)
        check_output_padding(self.output_padding, self.stride, self.dilation, where)
        dt = float_dtype(dtype, where)
        gen = check_rng(rng, where)
        has_bias = check_flag(bias, "bias", where)
        shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        check_size(shape, dt, where)
        # PyTorch's kaiming_uniform(a=√5) with its fan_in = weight.shape[1]·prod(kernel), that
        # is out/groups·prod(kernel) here: U(−1/√fan_in, 1/√fan_in), weight first, then bias
        self.weight = Parameter(np.empty(shape, dtype=dt))
        self.bias: Parameter | None = (
            Parameter(np.empty(self.out_channels, dtype=dt)) if has_bias else None)
        empty_parameters(self, "bias")  # (slots, as PyTorch registers them)
        self.reset_parameters(gen)

    reset_parameters = reset_fan_in_uniform

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        """The transposed convolution; ``output_size`` (the spatial sizes, or the whole output
        shape) picks the output_padding in [0, stride) that gives it, in place of
        ``self.output_padding``."""
        return _conv_transpose(x, self.weight, self.bias, self.stride, self.padding,
                               self.output_padding, self.groups, self.dilation, self.nd,
                               type(self).__name__, output_size)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self.nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.bias is not None else ", bias=False")


class ConvTranspose2d(ConvTransposeNd):
    """2-d transposed convolution y = conv_transpose2d(x, W, b) with W (in, out/groups, KH, KW)
    and b (out,), both U(−1/√fan_in, 1/√fan_in) at start with PyTorch's fan_in =
    out/groups·KH·KW, drawn from ``rng`` (default: the ``manual_seed`` generator). Output
    H' = (H − 1)·stride − 2·padding + dilation·(KH − 1) + output_padding + 1;
    ``forward(x, output_size)`` picks output_padding for a wanted size (as PyTorch's). Only
    padding_mode="zeros", as PyTorch."""

    nd = 2

    # (its own __init__, so a wrong argument's TypeError names ConvTranspose2d)
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros",
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding,
                         output_padding, groups, bias, dilation, padding_mode, rng, dtype)


class ConvTranspose1d(ConvTransposeNd):
    """1-d transposed convolution y = conv_transpose1d(x, W, b) with W (in, out/groups, K);
    see ConvTranspose2d (L' = (L − 1)·stride − 2·padding + dilation·(K − 1) +
    output_padding + 1)."""

    nd = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros",
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding,
                         output_padding, groups, bias, dilation, padding_mode, rng, dtype)
