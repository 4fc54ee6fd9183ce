"""Resampling: ``interpolate`` (PyTorch's ``F.interpolate``), the layers ``Upsample``,
``UpsamplingNearest2d`` and ``UpsamplingBilinear2d``, ``pixel_shuffle`` /
``pixel_unshuffle`` with their layers ``PixelShuffle`` / ``PixelUnshuffle``, and
``channel_shuffle`` / ``ChannelShuffle`` (a reshape and a transpose, as pixel_shuffle).

Route: every spatial axis is resampled on its own (the modes are separable), with integer
gathers (``take``, whose gradient adds up repeats) and, for the linear modes, a weighted sum of
two gathers per axis; axes are done last to first, so bilinear is PyTorch's
h₀(w₀x₀₀ + w₁x₀₁) + h₁(w₀x₁₀ + w₁x₁₁). Everything is built from differentiable ops, so
gradients of any order flow to the input. Source positions are computed as PyTorch 2.13's CPU
kernels compute them (see ``_nearest_index`` and ``_linear_taps``: float64 for float64 inputs,
else float32), so the picked indices agree with it also for non-integer scale factors. Its
4-d nearest kernel has its own rules while H_out + W_out ≤ 128 (float32 positions for every
dtype; in 'nearest' a kept axis is copied and a doubled one takes ⌊i/2⌋); they are copied.
The nearest gradient is the exact adjoint of the forward. PyTorch's is too in 4-d at those
sizes; elsewhere its nearest backward picks indices by other rules, so for some sizes (say
2 → 2 at scale_factor 1.0001 in 3-d) its gradient is not that of its own forward, and differs
from this one. ``area`` is the adaptive average pool to the output size, as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_mini import Tensor, take

from ._util import as_tensor, check_flag, check_real, positive_int
from .module import Module
from .pooling1d import adaptive_avg_pool1d
from .pooling_adaptive import adaptive_avg_pool2d
from .pooling_adaptive3d import adaptive_avg_pool3d

__all__ = ["ChannelShuffle", "PixelShuffle", "PixelUnshuffle", "Upsample",
           "UpsamplingBilinear2d", "UpsamplingNearest2d", "channel_shuffle", "interpolate",
           "pixel_shuffle", "pixel_unshuffle"]

#: the modes, and the input ranks each accepts
MODES: dict[str, tuple[int, ...]] = {
    "nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "linear": (3,), "bilinear": (4,),
    "trilinear": (5,), "area": (3, 4, 5),
}
_LINEAR = ("linear", "bilinear", "trilinear")
_RANKS = {3: "3-d (N, C, L)", 4: "4-d (N, C, H, W)", 5: "5-d (N, C, D, H, W)"}


def _per_axis(value: Any, d: int, name: str, check: Any) -> list[Any]:
    """``value`` (one for all spatial axes, or a sequence of ``d``) as a list of ``d``."""
    if isinstance(value, (list, tuple)):
        if len(value) != d:
            raise ValueError(f"interpolate: {name} {tuple(value)} must have one entry per "
                             f"spatial axis ({d}) of the input")
        return [check(v) for v in value]
    return [check(value)] * d


def _nearest_index(n_in: int, n_out: int, scale: float | None, exact: bool, wide: bool,
                   short: bool) -> np.ndarray:
    """Source index of each output position, as PyTorch 2.13's CPU kernels pick it:
    min(⌊i·s⌋, n_in − 1) ('nearest') or min(⌊(i + ½)·s⌋, n_in − 1) ('nearest-exact'), with
    s = 1/scale_factor when given, else n_in/n_out. s and the product are computed in float64
    for float64 inputs (``wide``), else in float32, and the position is rounded to float32
    before the floor. With ``short`` (PyTorch's 4-d kernel when H_out + W_out ≤ 128) the
    arithmetic is float32 for every dtype and 'nearest' copies an axis whose size is kept and
    takes ⌊i/2⌋ on one exactly doubled, whatever the scale factor."""
    i = np.arange(n_out)
    if short and not exact:
        if n_out == n_in:
            return i
        if n_out == 2 * n_in:
            return i // 2
    p = np.float64 if wide and not short else np.float32
    s = p(1.0 / scale) if scale is not None else p(n_in) / p(n_out)
    src = np.floor(((i + 0.5 if exact else i).astype(p) * s).astype(np.float32))
    return np.minimum(src.astype(np.intp), n_in - 1)


def _linear_taps(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                 dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i₀, i₁, λ) with output[i] = (1 − λ) x[i₀] + λ x[i₁]: the source position is
    p = i (n_in − 1)/(n_out − 1) with ``align_corners``, else max((i + ½) s − ½, 0) with
    s = 1/scale_factor (given) or n_in/n_out; i₀ = min(⌊p⌋, n_in − 1), i₁ = i₀ + 1 but
    within the input, λ = p − i₀ clipped to [0, 1]. Computed in float64 for float64 inputs,
    else in float32 (as PyTorch: float16 positions are wrong past 2048), λ then cast to
    ``dtype``."""
    w = np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)
    one, half = w.type(1), w.type(0.5)
    i = np.arange(n_out).astype(w)
    if align_corners:
        s = w.type(n_in - 1) / w.type(n_out - 1) if n_out > 1 else w.type(0)
        src = s * i
    else:
        s = w.type(1.0 / scale) if scale is not None and scale > 0 else \
            w.type(n_in) / w.type(n_out)
        src = np.maximum(s * (i + half) - half, w.type(0))
    i0 = np.minimum(np.floor(src).astype(np.intp), n_in - 1)
    lam = np.clip(src - i0.astype(w), 0, one).astype(dtype)
    return i0, np.where(i0 < n_in - 1, i0 + 1, i0), lam


def interpolate(input: Any, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resample the spatial axes of an (N, C, *spatial) input to ``size``, or to
    ⌊n · scale_factor⌋ (exactly one of the two), as PyTorch's ``F.interpolate``.

    'nearest': y[i] = x[min(⌊i s⌋, n − 1)], 'nearest-exact': x[min(⌊(i + ½) s⌋, n − 1)], with
    s = 1/scale_factor when given (PyTorch's rule, so ⌊n·f⌋ outputs at a non-integer f are
    spaced 1/f apart, not n/out), else n/out, rounded as PyTorch's kernels (4-d short-cuts
    included: see ``_nearest_index``); 'linear' (3-d), 'bilinear' (4-d), 'trilinear'
    (5-d): y = (1 − λ) x[i₀] + λ x[i₁] along each axis (see ``_linear_taps``;
    ``align_corners=True`` maps the corner pixels' centres onto each other, None means False);
    'area': the adaptive average pool to the output size (3-d, 4-d, 5-d). With
    ``recompute_scale_factor=True`` the scale is out/n from the computed size. Gradients (of
    any order) flow to the input: a gather's adds up repeats (the exact adjoint, where
    PyTorch's nearest backward sometimes is not: see the module docstring).
    ``antialias=False`` is PyTorch's default; True (its anti-aliased downsampling) is refused.
    """
    where = "interpolate"
    if check_flag(antialias, "antialias", where):
        raise ValueError(f"{where}: antialias=True is not supported (PyTorch's anti-aliased "
                         "'bilinear'/'bicubic' downsampling); pass antialias=False, or "
                         "mode='area' to average over each output cell when downsampling")
    x = as_tensor(input, where)
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"{where}: mode {mode!r:.60} is not supported; choose from "
                         f"{', '.join(map(repr, MODES))}")
    ranks = MODES[mode]
    if x.ndim not in ranks:
        need = " or ".join(_RANKS[r] for r in ranks)
        raise ValueError(f"{where}: mode {mode!r} needs a {need} input, got shape {x.shape}")
    d, align = x.ndim - 2, False
    if mode in _LINEAR:
        align = align_corners is not None and check_flag(align_corners, "align_corners", where)
        if x.dtype.kind != "f":
            raise TypeError(f"{where}: mode {mode!r} needs a floating input, got dtype "
                            f"{x.dtype}")
    elif align_corners is not None:
        raise ValueError(f"{where}: align_corners can only be set with the modes 'linear', "
                         f"'bilinear' and 'trilinear', not {mode!r}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{where}: give exactly one of size and scale_factor, got "
                         f"{'neither' if size is None else 'both'}")
    recompute = recompute_scale_factor is not None and check_flag(
        recompute_scale_factor, "recompute_scale_factor", where)
    sizes_in = x.shape[2:]
    scales: list[float | None]
    if size is not None:
        if recompute:
            raise ValueError(f"{where}: recompute_scale_factor is meaningless with an "
                             "explicit size")
        sizes = _per_axis(size, d, "size", lambda v: positive_int(v, "size", where))
        scales = [None] * d
    else:
        factors = _per_axis(scale_factor, d, "scale_factor",
                            lambda v: check_real(v, "scale_factor", where, 0.0, open_low=True))
        sizes = [math.floor(n * f) for n, f in zip(sizes_in, factors)]
        scales = [None] * d if recompute else list(factors)
    if any(n < 1 for n in (*sizes, *sizes_in)):
        raise ValueError(f"{where}: input spatial sizes {tuple(sizes_in)} and output sizes "
                         f"{tuple(sizes)} must all be at least 1")
    if mode == "area":
        return (adaptive_avg_pool1d(x, sizes[0]) if d == 1 else
                adaptive_avg_pool2d(x, (sizes[0], sizes[1])) if d == 2 else
                adaptive_avg_pool3d(x, (sizes[0], sizes[1], sizes[2])))
    y = x
    short = d == 2 and sum(sizes) <= 128  # (PyTorch's 4-d kernel switches rules there)
    for k in range(d - 1, -1, -1):  # last axis first: PyTorch's order of the weighted sums
        n_in, n_out, axis = sizes_in[k], sizes[k], 2 + k
        if mode in _LINEAR:
            if n_out == n_in:  # (PyTorch copies the axis: no weights, whatever the scale)
                continue
            i0, i1, lam = _linear_taps(n_in, n_out, scales[k], align, x.dtype)
            shape = (n_out,) + (1,) * (d - 1 - k)
            y = (take(y, i0, axis=axis) * (1 - lam).reshape(shape)
                 + take(y, i1, axis=axis) * lam.reshape(shape))
        else:
            index = _nearest_index(n_in, n_out, scales[k], mode == "nearest-exact",
                                   x.dtype == np.float64, short)
            if not np.array_equal(index, np.arange(n_in)):
                y = take(y, index, axis=axis)
    return y if y is not x else take(x, np.arange(sizes_in[0]), axis=2)  # (a new tensor)


class Upsample(Module):
    """``interpolate(x, size, scale_factor, mode, align_corners, recompute_scale_factor)`` as
    a layer (PyTorch's ``nn.Upsample``): no parameters."""

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(mode, str) or mode not in MODES:
            raise ValueError(f"{name}: mode {mode!r:.60} is not supported; choose from "
                             f"{', '.join(map(repr, MODES))}")
        if (size is None) == (scale_factor is None):
            raise ValueError(f"{name}: give exactly one of size and scale_factor, got "
                             f"{'neither' if size is None else 'both'}")
        if align_corners is not None and mode not in _LINEAR:
            raise ValueError(f"{name}: align_corners can only be set with the modes "
                             f"'linear', 'bilinear' and 'trilinear', not {mode!r}")
        self.size = size

        def factor(f: Any) -> float:
            return check_real(f, "scale_factor", name, 0.0, open_low=True)

        self.scale_factor = (tuple(factor(f) for f in scale_factor)
                             if isinstance(scale_factor, (list, tuple)) else
                             None if scale_factor is None else factor(scale_factor))
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Any) -> Tensor:
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')``: y[i, j] = x[⌊i s_h⌋, ⌊j s_w⌋]."""

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode='bilinear', align_corners=True)``, as PyTorch's:
    the corner pixels keep their values."""

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


def _pixel_input(x: Any, factor: Any, name: str, where: str) -> tuple[Tensor, int]:
    t = as_tensor(x, where)
    r = positive_int(factor, name, where)
    if t.ndim < 3:
        raise ValueError(f"{where}: input must have at least 3 axes (*, C, H, W), got shape "
                         f"{t.shape}")
    return t, r


def pixel_shuffle(input: Any, upscale_factor: int) -> Tensor:
    """(*, C·r², H, W) → (*, C, H·r, W·r): y[…, c, h·r + i, w·r + j] = x[…, c·r² + i·r + j, h, w]
    (a reshape and a transpose), as PyTorch's."""
    where = "pixel_shuffle"
    x, r = _pixel_input(input, upscale_factor, "upscale_factor", where)
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise ValueError(f"{where}: the channel axis (-3) of input shape {x.shape} must be "
                         f"divisible by upscale_factor² = {r * r}")
    k, oc = len(lead), c // (r * r)
    y = x.reshape((*lead, oc, r, r, h, w))
    y = y.transpose((*range(k), k, k + 3, k + 1, k + 4, k + 2))
    return y.reshape((*lead, oc, h * r, w * r))


def pixel_unshuffle(input: Any, downscale_factor: int) -> Tensor:
    """(*, C, H·r, W·r) → (*, C·r², H, W), the inverse of ``pixel_shuffle``:
    y[…, c·r² + i·r + j, h, w] = x[…, c, h·r + i, w·r + j], as PyTorch's."""
    where = "pixel_unshuffle"
    x, r = _pixel_input(input, downscale_factor, "downscale_factor", where)
    *lead, c, h, w = x.shape
    if h % r or w % r:
        raise ValueError(f"{where}: the height and width of input shape {x.shape} must be "
                         f"divisible by downscale_factor {r}")
    k, oh, ow = len(lead), h // r, w // r
    y = x.reshape((*lead, c, oh, r, ow, r))
    y = y.transpose((*range(k), k, k + 2, k + 4, k + 1, k + 3))
    return y.reshape((*lead, c * r * r, oh, ow))


class PixelShuffle(Module):
    """``pixel_shuffle(x, upscale_factor)`` as a layer: (*, C·r², H, W) → (*, C, H·r, W·r)."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = positive_int(upscale_factor, "upscale_factor", "PixelShuffle")

    def forward(self, input: Any) -> Tensor:
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``pixel_unshuffle(x, downscale_factor)`` as a layer: (*, C, H·r, W·r) →
    (*, C·r², H, W)."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = positive_int(downscale_factor, "downscale_factor",
                                             "PixelUnshuffle")

    def forward(self, input: Any) -> Tensor:
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


def channel_shuffle(input: Any, groups: int) -> Tensor:
    """(N, C, *) → (N, C, *) with y[:, i·g + j] = x[:, j·(C/g) + i] for the g = ``groups``
    groups of C/g channels (ShuffleNet's shuffle: a reshape to (N, g, C/g, *), a transpose
    of the two group axes and a reshape back), as PyTorch's ``F.channel_shuffle``."""
    where = "channel_shuffle"
    x = as_tensor(input, where)
    g = positive_int(groups, "groups", where)
    if x.ndim < 3:
        raise ValueError(f"{where}: input must have at least 3 axes (N, C, *), got shape "
                         f"{x.shape}")
    n, c, *rest = x.shape
    if c % g:
        raise ValueError(f"{where}: the {c} channels (axis 1) of input shape {x.shape} must be "
                         f"divisible by groups {g}")
    y = x.reshape((n, g, c // g, *rest)).swapaxes(1, 2)
    return y.reshape(x.shape)


class ChannelShuffle(Module):
    """``channel_shuffle(x, groups)`` as a layer (PyTorch's ``nn.ChannelShuffle``): the
    channels of (N, C, *) inputs regrouped as y[:, i·g + j] = x[:, j·(C/g) + i]."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = positive_int(groups, "groups", "ChannelShuffle")

    def forward(self, input: Any) -> Tensor:
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
