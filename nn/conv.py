"""Convolutions: functional ``conv1d``/``conv2d`` and the layers ``Conv1d``/``Conv2d``.

Route: three fused ops on NCHW arrays, each bilinear in its two inputs, whose VJPs are
expressed with the same three ops, so first and second order gradients are exact:

- ``corr(x, w)``: y = Σ_{c,i,j} w[o,c,i,j] · xpad[n, c, s·h + d·i, s·w + d·j] (per group),
  forward by im2col (zero padding, then one strided slice copied per kernel tap, channels
  last; tap-major with one channel per group) and one batched matmul over the groups;
- ``corr_dx(g, w)``: ∂⟨g, corr(x, w)⟩/∂x, the transposed convolution: matmul, then a
  col2im scatter-add of one strided slice per kernel tap, then the padding cropped (with
  one output channel per group, each tap adds g times its weight, no matmul);
- ``corr_dw(x, g)``: ∂⟨g, corr(x, w)⟩/∂w, a matmul of the windows with g.

For y = corr(x, w): x̄ = corr_dx(ȳ, w), w̄ = corr_dw(x, ȳ); the VJPs of corr_dx and corr_dw
follow from ⟨a, corr_dx(g, w)⟩ = ⟨corr(a, w), g⟩ and ⟨b, corr_dw(x, g)⟩ = ⟨corr(x, b), g⟩.
Composing pad, strided getitem and einsum would also give second order, but records a dozen
nodes per layer and scatters through getitem's generic VJP; the fused ops record one node.
Measured on the digits CNN (batch 128 of 8×8, float32, one thread) a training step costs
about what the same net written by hand with im2col NumPy costs; copying per tap into a
channels-last buffer was twice as fast as reshaping a 6-d sliding-window view.
conv1d is conv2d on a height-1 image. The ops are private (``am.Primitive``, not
registered in the op catalogue): they only make sense with their attributes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from autograd_mini import Primitive, Tensor

from ._util import as_tensor, check_flag, check_rng, check_size, float_dtype, positive_int
from .init import reset_fan_in_uniform
from .members import empty_parameters
from .module import Module
from .padding import pad
from .parameter import Parameter

__all__ = ["CORR", "PADDING_MODES", "Conv1d", "Conv2d", "Pair", "as_tuple", "conv1d", "conv2d",
           "conv_inputs", "run"]

Pair = tuple[int, int]


def _taps(k: Pair, stride: Pair, dilation: Pair, oh: int, ow: int
          ) -> Iterator[tuple[int, int, slice, slice]]:
    """For each kernel tap (i, j): the strided slices of the padded image it reads."""
    for i in range(k[0]):
        h0 = i * dilation[0]
        for j in range(k[1]):
            w0 = j * dilation[1]
            yield i, j, slice(h0, h0 + stride[0] * (oh - 1) + 1, stride[0]), \
                slice(w0, w0 + stride[1] * (ow - 1) + 1, stride[1])


def _out_size(size: int, k: int, s: int, before: int, after: int, d: int) -> int:
    return (size + before + after - d * (k - 1) - 1) // s + 1


def _windows(x: np.ndarray, k: Pair, stride: Pair, pad: tuple[int, int, int, int],
             dilation: Pair, groups: int) -> np.ndarray:
    """im2col of x: (G, N·OH·OW, KH·KW·C/G), channels last.

    The padded image is laid out (G, N, H, W, C/G) first, so each tap copies contiguous
    channel runs: about twice as fast as reshaping a 6-d sliding-window view. With one
    channel per group (depthwise, a one-channel signal, avg_pool's kernel) a run is a single
    float and the copies would write at a stride of KH·KW: there the columns are laid out
    tap-major, (G, KH·KW, N·OH·OW), each tap copying whole rows, and returned as the
    transposed view, which matmul hands to BLAS as it is."""
    n, c, h, w = x.shape
    cg = c // groups
    xh = np.zeros((groups, n, h + pad[0] + pad[1], w + pad[2] + pad[3], cg), x.dtype)
    xh[:, :, pad[0]:pad[0] + h, pad[2]:pad[2] + w] = \
        x.reshape(n, groups, cg, h, w).transpose(1, 0, 3, 4, 2)
    oh = _out_size(h, k[0], stride[0], pad[0], pad[1], dilation[0])
    ow = _out_size(w, k[1], stride[1], pad[2], pad[3], dilation[1])
    # explicit sizes, not −1: NumPy cannot infer −1 when another axis is 0 (an empty batch)
    if cg == 1:
        by_tap = np.empty((groups, k[0], k[1], n, oh, ow), x.dtype)
        for i, j, rows, columns in _taps(k, stride, dilation, oh, ow):
            by_tap[:, i, j] = xh[:, :, rows, columns, 0]
        return by_tap.reshape(groups, k[0] * k[1], n * oh * ow).transpose(0, 2, 1)
    cols = np.empty((groups, n, oh, ow, k[0], k[1], cg), x.dtype)
    for i, j, rows, columns in _taps(k, stride, dilation, oh, ow):
        cols[:, :, :, :, i, j] = xh[:, :, rows, columns]
    return cols.reshape(groups, n * oh * ow, k[0] * k[1] * cg)


def _wmat(w: np.ndarray, groups: int) -> np.ndarray:
    """w (O, C/G, KH, KW) as (G, O/G, KH·KW·C/G), the layout of _windows' columns."""
    o, cg, kh, kw = w.shape
    return w.transpose(0, 2, 3, 1).reshape(groups, o // groups, kh * kw * cg)


def _corr(x: np.ndarray, w: np.ndarray, stride: Pair = (1, 1),
          pad: tuple[int, int, int, int] = (0, 0, 0, 0), dilation: Pair = (1, 1),
          groups: int = 1) -> tuple[np.ndarray, Any]:
    """y[n,o,h,w] = Σ_{c,i,j} w[o,c,i,j] xpad[n, c, s h + d i, s w + d j]"""
    o, k = w.shape[0], w.shape[2:]
    cols = _windows(x, k, stride, pad, dilation, groups)
    y = np.matmul(cols, _wmat(w, groups).transpose(0, 2, 1))  # (G, N·OH·OW, O/G)
    n = x.shape[0]
    oh = _out_size(x.shape[2], k[0], stride[0], pad[0], pad[1], dilation[0])
    ow = _out_size(x.shape[3], k[1], stride[1], pad[2], pad[3], dilation[1])
    y = y.reshape(groups, n, oh, ow, o // groups).transpose(1, 0, 4, 2, 3)
    # the columns are kept for w̄ on a plain backward (one im2col less); x and w for the rest
    return np.ascontiguousarray(y.reshape(n, o, oh, ow)), (x, w, cols)


def run(op: Primitive, *args: Any, **attrs: Any) -> Any:
    """``op`` recorded when an argument is a Tensor (a VJP under create_graph), else its
    forward alone: a plain backward then stays on ndarrays, with no Tensor wrapping."""
    if any(isinstance(a, Tensor) for a in args):
        return op(*args, **attrs)
    return op.forward(*args, **attrs)[0]


def _corr_vjp(g: Any, saved: Any, needs: Any, **attrs: Any) -> tuple[Any, Any]:
    x, w, cols = saved
    gx = run(CORR_DX, g, w, shape=tuple(x.shape), **attrs) if needs[0] else None
    gw: Any = None
    if needs[1] and not isinstance(g, Tensor):
        gw = _dw_from_cols(cols, g, tuple(w.shape), attrs["groups"])
    elif needs[1]:  # recorded (create_graph): through the op, so it has a VJP itself
        gw = CORR_DW(x, g, kshape=tuple(w.shape), **attrs)
    return gx, gw


def _corr_dx(g: np.ndarray, w: np.ndarray, shape: tuple[int, ...] = (), stride: Pair = (1, 1),
             pad: tuple[int, int, int, int] = (0, 0, 0, 0), dilation: Pair = (1, 1),
             groups: int = 1) -> tuple[np.ndarray, Any]:
    """x̄ = col2im(ȳ W): the transposed convolution of ȳ with w"""
    n, o, oh, ow = g.shape
    cg, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    h, wd = shape[2], shape[3]
    hp, wp = h + pad[0] + pad[1], wd + pad[2] + pad[3]
    out = np.zeros((groups, n, hp, wp, cg), dtype=np.result_type(g, w))
    taps = _taps((kh, kw), stride, dilation, oh, ow)
    if o == groups:
        # One output channel per group (depthwise, a one-channel signal): ȳ W contracts an
        # axis of size 1, an outer product that np.matmul runs outside BLAS, and its columns
        # would be read back at a stride of KH·KW. Each tap adds ȳ times its weight instead:
        # the same products, summed in the same order.
        gg = g.reshape(n, groups, oh, ow, 1).transpose(1, 0, 2, 3, 4)  # (G, N, OH, OW, 1)
        for i, j, rows, columns in taps:
            out[:, :, rows, columns] += gg * w[:, None, None, None, :, i, j]
    else:
        gg = g.reshape(n, groups, o // groups, oh * ow).transpose(1, 0, 3, 2)
        cols = np.matmul(gg, _wmat(w, groups)[:, None])  # (G, N, OH·OW, KH·KW·C/G)
        cols = cols.reshape(groups, n, oh, ow, kh, kw, cg)
        for i, j, rows, columns in taps:
            out[:, :, rows, columns] += cols[:, :, :, :, i, j]
    out = out[:, :, pad[0]:pad[0] + h, pad[2]:pad[2] + wd].transpose(1, 0, 4, 2, 3)
    return np.ascontiguousarray(out).reshape(shape), (g, w)


def _corr_dx_vjp(a: Any, saved: Any, needs: Any, shape: tuple[int, ...] = (),
                 **attrs: Any) -> tuple[Any, Any]:
    g, w = saved
    gg = run(CORR, a, w, **attrs) if needs[0] else None
    gw = run(CORR_DW, a, g, kshape=tuple(w.shape), **attrs) if needs[1] else None
    return gg, gw


def _corr_dw(x: np.ndarray, g: np.ndarray, kshape: tuple[int, ...] = (), stride: Pair = (1, 1),
             pad: tuple[int, int, int, int] = (0, 0, 0, 0), dilation: Pair = (1, 1),
             groups: int = 1) -> tuple[np.ndarray, Any]:
    """w̄[o,c,i,j] = Σ_{n,h,w} ȳ[n,o,h,w] xpad[n, c, s h + d i, s w + d j]"""
    cols = _windows(x, kshape[2:], stride, pad, dilation, groups)  # type: ignore[arg-type]
    return _dw_from_cols(cols, g, kshape, groups), (x, g)


def _dw_from_cols(cols: np.ndarray, g: np.ndarray, kshape: tuple[int, ...],
                  groups: int) -> np.ndarray:
    o, cg, kh, kw = kshape
    n, _, oh, ow = g.shape
    gg = g.reshape(n, groups, o // groups, oh * ow).transpose(1, 2, 0, 3)
    # ȳ as handed down may be a zero-stride broadcast (the VJP of .sum()), which these
    # reshapes keep as a view; np.matmul leaves BLAS for such an operand, so it is made
    # contiguous here (a no-op when the reshape already copied)
    gg = np.ascontiguousarray(gg.reshape(groups, o // groups, n * oh * ow))
    # with N = 0 the sum over n, h, w is empty: w̄ = 0, the weight's shape and dtype
    gw = np.matmul(gg, cols)  # (G, O/G, KH·KW·C/G)
    return np.ascontiguousarray(gw.reshape(o, kh, kw, cg).transpose(0, 3, 1, 2))


def _corr_dw_vjp(b: Any, saved: Any, needs: Any, kshape: tuple[int, ...] = (),
                 **attrs: Any) -> tuple[Any, Any]:
    x, g = saved
    gx = run(CORR_DX, g, b, shape=tuple(x.shape), **attrs) if needs[0] else None
    gg = run(CORR, x, b, **attrs) if needs[1] else None
    return gx, gg


CORR = Primitive("conv", _corr, _corr_vjp, nin=2)
CORR_DX = Primitive("conv_transpose", _corr_dx, _corr_dx_vjp, nin=2)
CORR_DW = Primitive("conv_weight_grad", _corr_dw, _corr_dw_vjp, nin=2)


def as_tuple(value: Any, n: int, name: str, where: str, low: int = 1) -> tuple[int, ...]:
    """An int or an n-tuple of ints ≥ ``low`` as an n-tuple."""
    items = value if isinstance(value, (tuple, list)) else (value,) * n
    if len(items) != n or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                              or v < low for v in items):
        raise ValueError(f"{where}: {name} must be an int >= {low} or a tuple of {n} such ints, "
                         f"got {value!r:.60}")
    return tuple(int(v) for v in items)


def conv_padding(padding: Any, k: tuple[int, ...], stride: tuple[int, ...],
             dilation: tuple[int, ...], where: str) -> tuple[int, ...]:
    """Padding per side (before, after) for each spatial axis."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0) * len(k)
        if padding != "same":
            raise ValueError(f"{where}: padding must be an int, a tuple, 'same' or 'valid', "
                             f"got {padding!r:.60}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{where}: padding='same' is not supported for strided "
                             f"convolutions (stride={stride})")
        out: tuple[int, ...] = ()
        for ki, di in zip(k, dilation, strict=True):
            total = di * (ki - 1)  # the extra one, when odd, goes after: PyTorch's split
            out += (total // 2, total - total // 2)
        return out
    p = as_tuple(padding, len(k), "padding", where, low=0)
    return tuple(v for q in p for v in (q, q))


def conv_inputs(x: Any, weight: Any, groups: Any, stride: Any, dilation: Any, nd: int,
                where: str, layout: str) -> tuple[Tensor, Tensor, tuple[int, ...], bool, int,
                                                   tuple[int, ...], tuple[int, ...],
                                                   tuple[int, ...]]:
    """The arguments a convolution and a transposed one check alike: (x batched, w, x's shape
    as given, whether it was unbatched, groups, kernel, stride, dilation); ``layout`` names
    the weight's axes in errors."""
    x, w = as_tensor(x, where), as_tensor(weight, f"{where}: weight")
    # Integer or bool data alone computes in float64, as pooling (an int8 sum of 100s would
    # wrap around); beside a float weight, NumPy's promotion (uint8 images stay float32).
    if x.dtype.kind != "f" and w.dtype.kind != "f":
        x = x.astype(np.float64)
    if w.ndim != nd + 2:
        raise ValueError(f"{where}: weight must be {nd + 2}-d {layout}, got shape {w.shape}")
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{where}: input must be {nd + 2}-d (N, C, *spatial) or {nd + 1}-d "
                         f"unbatched, got shape {x.shape}")
    shape0, unbatched = x.shape, x.ndim == nd + 1
    if unbatched:
        x = x.reshape((1, *x.shape))
    groups = positive_int(groups, "groups", where)
    k = tuple(w.shape[2:])
    if min(k) < 1:
        raise ValueError(f"{where}: weight of shape {w.shape} has an empty kernel")
    s = as_tuple(stride, nd, "stride", where)
    d = as_tuple(dilation, nd, "dilation", where)
    return x, w, shape0, unbatched, groups, k, s, d


def convolve(x: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any,
             groups: Any, nd: int, where: str, corr: Any = None) -> Tensor:
    """The checked ``nd``-d convolution (``corr``: the correlation of 3-d volumes, conv3d's,
    called as corr(x, w, stride, pad, dilation, groups); 1-d and 2-d use ``CORR``)."""
    x, w, shape0, unbatched, groups, k, s, d = conv_inputs(
        x, weight, groups, stride, dilation, nd, where,
        "(out, in/groups, kD, kH, kW)" if nd == 3 else "(out, in/groups, *kernel)")
    p = conv_padding(padding, k, s, d, where)
    o, c = w.shape[0], x.shape[1]
    if o < 1:  # PyTorch refuses it too (an empty batch or zero input channels are fine)
        raise ValueError(f"{where}: weight of shape {w.shape} has no output channels")
    if o % groups:
        raise ValueError(f"{where}: groups={groups} does not divide the {o} output channels")
    if c != w.shape[1] * groups:
        raise ValueError(f"{where}: input of shape {shape0} has {c} channels, the weight of "
                         f"shape {w.shape} with groups={groups} expects {w.shape[1] * groups}")
    for ax in range(nd):
        padded = x.shape[2 + ax] + p[2 * ax] + p[2 * ax + 1]
        if d[ax] * (k[ax] - 1) + 1 > padded:
            raise ValueError(f"{where}: kernel size {k} (dilation {d}) is bigger than the "
                             f"padded input {shape0[-nd:]} (padding {padding!r})")
    if nd == 1:  # a height-1 image
        x = x.reshape((x.shape[0], c, 1, x.shape[2]))
        w = w.reshape((o, w.shape[1], 1, k[0]))
        s, d, p = (1, *s), (1, *d), (0, 0, *p)
    y = corr(x, w, s, p, d, groups) if corr else CORR(x, w, stride=s, pad=p, dilation=d,
                                                       groups=groups)
    if nd == 1:
        y = y.reshape((y.shape[0], o, y.shape[3]))
    if bias is not None:
        b = as_tensor(bias, f"{where}: bias")
        if b.shape != (o,):
            raise ValueError(f"{where}: bias of shape {b.shape} does not fit {o} output channels")
        y = y + b.reshape((o,) + (1,) * nd)
    return y.reshape(y.shape[1:]) if unbatched else y


def conv2d(x: Any, weight: Any, bias: Any = None, stride: int | Pair = 1,
           padding: int | Pair | str = 0, dilation: int | Pair = 1, groups: int = 1) -> Tensor:
    """y[n,o] = b[o] + Σ_{c,i,j} w[o,c,i,j] x[n, g·C/G + c, s h + d i − p, s w + d j − p]
    (cross-correlation as PyTorch's, zero padding); x (N, C, H, W) or (C, H, W)."""
    return convolve(x, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv1d(x: Any, weight: Any, bias: Any = None, stride: int | tuple[int] = 1,
           padding: int | tuple[int] | str = 0, dilation: int | tuple[int] = 1,
           groups: int = 1) -> Tensor:
    """y[n,o,t] = b[o] + Σ_{c,i} w[o,c,i] x[n, g·C/G + c, s t + d i − p];
    x (N, C, L) or (C, L)."""
    return convolve(x, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
#: other libraries' names for the modes, named in the error that refuses them
_MODE_HINTS = {"constant": "zeros", "edge": "replicate", "wrap": "circular",
               "symmetric": None}


def _padding_mode(mode: Any, where: str) -> str:
    """``mode`` if it is one of PyTorch's padding modes."""
    if isinstance(mode, str) and mode in PADDING_MODES:
        return mode
    hint = ""
    if isinstance(mode, str) and mode in _MODE_HINTS:
        alias = _MODE_HINTS[mode]
        hint = (f" (PyTorch's name for {mode!r} is {alias!r})" if alias else
                f" ({mode!r} has no PyTorch counterpart)")
    raise ValueError(f"{where}: padding_mode must be one of {PADDING_MODES}, got "
                     f"{mode!r:.60}{hint}")


class ConvNd(Module):
    nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", rng: np.random.Generator | None = None,
                 dtype: Any = np.float64) -> None:
        super().__init__()
        where, nd = type(self).__name__, self.nd
        self.padding_mode = _padding_mode(padding_mode, where)
        self.in_channels = positive_int(in_channels, "in_channels", where)
        self.out_channels = positive_int(out_channels, "out_channels", where)
        self.groups = positive_int(groups, "groups", where)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(f"{where}: groups={groups} must divide in_channels={in_channels} "
                             f"and out_channels={out_channels}")
        self.kernel_size = as_tuple(kernel_size, nd, "kernel_size", where)
        self.stride = as_tuple(stride, nd, "stride", where)
        self.dilation = as_tuple(dilation, nd, "dilation", where)
        conv_padding(padding, self.kernel_size, self.stride, self.dilation, where)  # checks it
        self.padding = padding if isinstance(padding, str) else as_tuple(
            padding, nd, "padding", where, low=0)
        dt = float_dtype(dtype, where)
        gen = check_rng(rng, where)
        has_bias = check_flag(bias, "bias", where)
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        check_size(shape, dt, where)
        # PyTorch's kaiming_uniform(a=√5): U(−1/√fan_in, 1/√fan_in), weight first, then bias
        self.weight = Parameter(np.empty(shape, dtype=dt))
        self.bias: Parameter | None = (
            Parameter(np.empty(self.out_channels, dtype=dt)) if has_bias else None)
        empty_parameters(self, "bias")  # (slots, as PyTorch registers them)
        self.reset_parameters(gen)

    reset_parameters = reset_fan_in_uniform

    def forward(self, x: Any) -> Tensor:
        where = type(self).__name__
        if self.padding_mode == "zeros":
            return convolve(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                         self.groups, self.nd, where)
        # PyTorch's route: pad in the mode first, then convolve without padding
        per_axis = conv_padding(self.padding, self.kernel_size, self.stride, self.dilation, where)
        last_first = tuple(v for ax in reversed(range(self.nd))
                           for v in per_axis[2 * ax:2 * ax + 2])
        x = as_tensor(x, where)
        if x.ndim not in (self.nd + 1, self.nd + 2):  # (before pad, which takes any rank)
            raise ValueError(f"{where}: input must be {self.nd + 2}-d (N, C, *spatial) or "
                             f"{self.nd + 1}-d unbatched, got shape {x.shape}")
        try:
            x = pad(x, last_first, self.padding_mode)
        except ValueError as exc:
            raise ValueError(f"{where}: padding={self.padding!r} in padding_mode="
                             f"{self.padding_mode!r} does not fit the input of shape "
                             f"{x.shape}: {exc}") from None
        return convolve(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups,
                     self.nd, where)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self.nd:
            s += f", padding={self.padding!r}"
        if self.dilation != (1,) * self.nd:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        s += "" if self.bias is not None else ", bias=False"
        return s + ("" if self.padding_mode == "zeros" else
                    f", padding_mode={self.padding_mode!r}")


class Conv2d(ConvNd):
    """2-d convolution (cross-correlation) y = conv2d(x, W, b) with W (out, in/groups, KH, KW)
    and b (out,), both U(−1/√fan_in, 1/√fan_in) at start (fan_in = in/groups·KH·KW), drawn
    from ``rng`` (default: the ``manual_seed`` generator). ``padding``: an int, a pair,
    "valid" or "same" (stride 1; an odd total puts the extra one after). ``padding_mode``,
    PyTorch's: "zeros" (default), "reflect" (mirror without the edge), "replicate" (the
    edge, NumPy's "edge") or "circular" (wrap around, NumPy's "wrap"); a mode other than
    zeros pads with ``nn.functional.pad`` first, then convolves without padding."""

    nd = 2

    # (its own __init__, so a wrong argument's TypeError names Conv2d, not ConvNd)
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", rng: np.random.Generator | None = None,
                 dtype: Any = np.float64) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, rng, dtype)


class Conv1d(ConvNd):
    """1-d convolution y = conv1d(x, W, b) with W (out, in/groups, K); see Conv2d (the same
    ``padding`` and ``padding_mode``)."""

    nd = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", rng: np.random.Generator | None = None,
                 dtype: Any = np.float64) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, rng, dtype)
