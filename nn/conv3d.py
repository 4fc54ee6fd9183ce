"""3-d convolution: functional ``conv3d`` and the layer ``Conv3d`` on (N, C, D, H, W) volumes.

Route: the 2-d fused correlation of ``nn.conv`` (one recorded node, its VJPs written with its
sibling ops, so first and second order are exact), once per depth tap. With the input padded
along depth, output depth t of tap a reads input depth s·t + d·a, so

    y[n, o, t] = Σ_a corr2d(xpad[n, :, s·t + d·a], w[:, :, a])

and each tap is one 2-d correlation over a batch of N·OD images: the depth-strided slice of
the padded input, its depth axis folded into the batch. The taps' outputs are summed. No
loop runs over output positions; each tap's work is the 2-d op's batched matmul (K_D of them
instead of one larger one, so the im2col buffers stay K_D times smaller), and the gradients
are those of slicing, reshaping and the 2-d op. (The 3-d pools, nn/pooling3d.py, are
separable instead: one axis at a time.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from ._util import as_tensor
from .conv import CORR, ConvNd, conv_padding, convolve
from .padding import pad

__all__ = ["Conv3d", "Triple", "conv3d", "corr3d"]

Triple = tuple[int, int, int]


def corr3d(x: Tensor, w: Any, stride: tuple[int, ...], pad6: tuple[int, ...],
           dilation: tuple[int, ...], groups: int) -> Tensor:
    """y[n,o,t,h,v] = Σ_{c,a,i,j} w[o,c,a,i,j] xpad[n, g·C/G + c, s₀t + d₀a, s₁h + d₁i, s₂v + d₂j]
    for x (N, C, D, H, W), w (O, C/G, KD, KH, KW), zero padding ``pad6`` = (before, after)
    per axis, depth first; arguments already checked. One 2-d correlation per depth tap."""
    n, c, depth, h, wd = x.shape
    o, kd = w.shape[0], w.shape[2]
    od = (depth + pad6[0] + pad6[1] - dilation[0] * (kd - 1) - 1) // stride[0] + 1
    if pad6[0] or pad6[1]:
        x = am.pad(x, ((0, 0), (0, 0), (pad6[0], pad6[1]), (0, 0), (0, 0)))
    # depth next to the batch once, so each tap's slice folds into it with one reshape
    xt = x.transpose(0, 2, 1, 3, 4)  # (N, Dpad, C, H, W)

    def tap(a: int) -> Tensor:
        first = a * dilation[0]
        taps = xt[:, first:first + stride[0] * (od - 1) + 1:stride[0]]
        # explicit sizes, not −1: NumPy cannot infer −1 when another axis is 0 (an empty batch)
        return CORR(taps.reshape((n * od, c, h, wd)), w[:, :, a], stride=tuple(stride[1:]),
                    pad=tuple(pad6[2:]), dilation=tuple(dilation[1:]), groups=groups)

    y = tap(0)  # (KD ≥ 1: checked by the callers)
    for a in range(1, kd):
        y = y + tap(a)
    return y.reshape((n, od, o, y.shape[2], y.shape[3])).transpose(0, 2, 1, 3, 4)


def conv3d(input: Any, weight: Any, bias: Any = None, stride: int | Triple = 1,
           padding: int | Triple | str = 0, dilation: int | Triple = 1,
           groups: int = 1) -> Tensor:
    """y[n,o,t,h,v] = b[o] + Σ_{c,a,i,j} w[o,c,a,i,j]
    x[n, g·C/G + c, s t + d a − p, s h + d i − p, s v + d j − p] (cross-correlation as
    PyTorch's, zero padding); x (N, C, D, H, W) or (C, D, H, W), w (O, C/G, KD, KH, KW);
    ``padding`` an int, a triple, "valid" or "same" (stride 1; an odd total puts the extra
    one after)."""
    return convolve(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d", corr3d)


class Conv3d(ConvNd):
    """3-d convolution y = conv3d(x, W, b) with W (out, in/groups, KD, KH, KW) and b (out,),
    both U(−1/√fan_in, 1/√fan_in) at start (fan_in = in/groups·KD·KH·KW), drawn from ``rng``
    (default: the ``manual_seed`` generator), as PyTorch's. ``padding`` and ``padding_mode``
    as Conv2d's: a mode other than "zeros" pads with ``nn.functional.pad`` first, then
    convolves without padding."""

    nd = 3

    # (its own __init__, so a wrong argument's TypeError names Conv3d, not ConvNd)
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", rng: np.random.Generator | None = None,
                 dtype: Any = np.float64) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, rng, dtype)

    def forward(self, x: Any) -> Tensor:
        where = "Conv3d"
        if self.padding_mode == "zeros":
            return convolve(x, self.weight, self.bias, self.stride, self.padding,
                            self.dilation, self.groups, 3, where, corr3d)
        # PyTorch's route: pad in the mode first, then convolve without padding
        per_axis = conv_padding(self.padding, self.kernel_size, self.stride, self.dilation, where)
        last_first = (*per_axis[4:], *per_axis[2:4], *per_axis[:2])
        x = as_tensor(x, where)
        if x.ndim not in (4, 5):  # (before pad, which takes any rank)
            raise ValueError(f"{where}: input must be 5-d (N, C, D, H, W) or 4-d unbatched, "
                             f"got shape {x.shape}")
        try:
            x = pad(x, last_first, self.padding_mode)
        except ValueError as exc:
            raise ValueError(f"{where}: padding={self.padding!r} in padding_mode="
                             f"{self.padding_mode!r} does not fit the input of shape "
                             f"{x.shape}: {exc}") from None
        return convolve(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups,
                        3, where, corr3d)

    def extra_repr(self) -> str:
        """PyTorch's text: strings unquoted, padding, dilation, groups, bias and the mode
        shown only when not their defaults."""
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        s += "" if self.bias is not None else ", bias=False"
        return s + ("" if self.padding_mode == "zeros" else
                    f", padding_mode={self.padding_mode}")
