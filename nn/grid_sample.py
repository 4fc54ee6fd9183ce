"""Spatial transformers: ``affine_grid`` (sampling grids from affine maps) and ``grid_sample``
(reading an image or a volume at those grids), PyTorch's ``F.affine_grid`` / ``F.grid_sample``.

Route: ``grid_sample`` is a composite of library ops. The grid is turned into pixel
coordinates (unnormalised, then padded: clipped for 'border', folded for 'reflection') with
elementwise ops; each tap (a corner of the cell, 4 in 2-d and 8 in 3-d for 'bilinear', 16 for
'bicubic', 1 for 'nearest') gets an integer row of the channels-last input and a weight that
is a polynomial in the fractional part of the coordinate. All taps are read by one ``take``
(whose gradient is a scatter-add) and summed with their weights, so the gradients with respect
to the input and to the grid, and those of any order, come from the library's ops. Tap
positions and validity masks are constants, computed as PyTorch 2.13's CPU kernels compute
them: the 2-d kernel unnormalises as (g + 1)·n/2 − ½ and (g + 1)·(n − 1)/2, the 3-d one as
((g + 1)·n − 1)/2 and (g + 1)/2·(n − 1), 'nearest' rounds half to even, and 'border' /
'reflection' give a zero gradient at the edges themselves (PyTorch counts an edge as out of
bounds for the gradient). At an exact integer coordinate the bilinear weights use the cell to
the right (⌊x⌋ and ⌊x⌋ + 1), so the gradient with respect to the grid there is the one-sided
derivative from the right, PyTorch's choice too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_mini import Tensor, einsum, moveaxis, remainder, reshape, stack, take, where

from ._util import as_tensor, check_flag

__all__ = ["MODES", "PADDING_MODES", "affine_grid", "grid_sample"]

#: interpolation modes of grid_sample ('bicubic' on 4-d input only, as PyTorch)
MODES = ("bilinear", "nearest", "bicubic")
#: what grid_sample reads outside the input
PADDING_MODES = ("zeros", "border", "reflection")
_CUBIC_A = -0.75  # PyTorch's (and Keys') cubic convolution parameter


def _align(value: Any, where_: str) -> bool:
    """``align_corners``: a bool, None meaning False (PyTorch's default)."""
    return False if value is None else check_flag(value, "align_corners", where_)


def _base(n: int, align: bool, dtype: np.dtype) -> np.ndarray:
    """The n normalised pixel positions along an axis, (2i − n + 1)/(n − 1) with ``align``
    (linspace(−1, 1, n)) else (2i − n + 1)/n (the pixel centres), each rounded once; [0] for
    n = 1. PyTorch builds them as linspace(−1, 1, n) · (n − 1)/n, which agrees to a rounding
    (its linspace is not exactly symmetric: 5.6e-17 in the middle of 7 points)."""
    if n == 1:
        return np.zeros(1, dtype)
    return ((2 * np.arange(n) - (n - 1)) / (n - 1 if align else n)).astype(dtype)


def affine_grid(theta: Any, size: Sequence[int], align_corners: bool | None = False) -> Tensor:
    """Sampling grid of the affine maps ``theta``: grid[n, h, w] = θₙ · (xᵥ, yₕ, 1) for
    (N, 2, 3) θ and size (N, C, H, W), giving (N, H, W, 2); grid[n, d, h, w] = θₙ · (xᵥ, yₕ,
    z_d, 1) for (N, 3, 4) θ and size (N, C, D, H, W), giving (N, D, H, W, 3). The base
    positions run over [−1, 1] with ``align_corners`` (corner pixels' centres at ±1), else over
    the pixel centres ±(1 − 1/n) (n = 1: 0), as PyTorch. Differentiable in θ. Unlike PyTorch
    an empty batch (N = 0, or C = 0) is allowed and gives an empty grid."""
    where_ = "affine_grid"
    align = _align(align_corners, where_)
    t = as_tensor(theta, where_)
    if t.dtype.kind != "f":
        raise TypeError(f"{where_}: theta must be floating point, got dtype {t.dtype}")
    if not isinstance(size, (list, tuple)) or len(size) not in (4, 5) or any(
            isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer))
            for s in size):
        raise ValueError(f"{where_}: size must be a list or tuple of 4 ints (N, C, H, W) or 5 "
                         f"(N, C, D, H, W), got {size!r:.80}")
    size = tuple(int(s) for s in size)
    d = len(size) - 2
    if t.shape != (size[0], d, d + 1):
        raise ValueError(f"{where_}: theta of shape {t.shape} does not fit size {size}: need "
                         f"({size[0]}, {d}, {d + 1}) for a {d}-d grid")
    if min(size[:2]) < 0 or min(size[2:]) < 1:
        raise ValueError(f"{where_}: size {size} must have N, C >= 0 and spatial sizes >= 1")
    spatial = size[2:]
    # base[..., k]: the k-th coordinate (x first: the last spatial axis), then 1
    axes = [_base(n, align, t.dtype) for n in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")  # one array per spatial axis, in (D,) H, W order
    base = np.stack([*mesh[::-1], np.ones(spatial, t.dtype)], axis=-1).reshape(-1, d + 1)
    grid = einsum("pj,nij->npi", base, t)
    return reshape(grid, (size[0], *spatial, d))


def _zero_from(x: Tensor) -> Tensor:
    """Zeros of x's shape that depend on x (gradient 0, never NaN): keeps x in the graph."""
    return where(np.zeros(x.shape, bool), x, 0.0)


def _unnormalise(g: Tensor, n: int, align: bool, fused: bool) -> Tensor:
    """Pixel coordinate of normalised g ∈ [−1, 1]: (g + 1)(n − 1)/2 with ``align`` (±1 at
    the corner pixels' centres), else ((g + 1) n − 1)/2 (±1 at the outer edges); written as
    PyTorch's 2-d CPU kernel (``fused``) or its 3-d one writes it, for the same rounding."""
    if fused:
        return (g + 1.0) * ((n - 1) / 2) if align else (g + 1.0) * (n / 2) - 0.5
    return (g + 1.0) / 2.0 * (n - 1) if align else ((g + 1.0) * n - 1.0) / 2.0


def _reflect(c: Tensor, lo: float, span: float) -> Tensor:
    """c folded into [lo, lo + span] by reflecting at both ends over and over: with
    a = |c − lo|, lo + (a mod span) after an even number ⌊a/span⌋ of flips, else
    lo + span − (a mod span). The gradient is ±1 (+1 at c = lo), PyTorch's."""
    if span <= 0:
        return _zero_from(c) + lo
    d = c - lo
    a = where(d.data < 0, -d, d)
    with np.errstate(invalid="ignore"):  # (±∞ and NaN fold to NaN)
        odd = np.fmod(np.floor(a.data / span), 2) == 1
    extra = remainder(a, span)
    return where(odd, (span + lo) - extra, extra + lo)


def _clip(c: Tensor, n: int) -> Tensor:
    """c clipped to [0, n − 1], with gradient 1 strictly inside and 0 at or beyond the edges
    (as PyTorch, which counts the edges as out of bounds for the gradient)."""
    with np.errstate(invalid="ignore"):
        inside = (c.data > 0) & (c.data < n - 1)
    return where(inside, c, np.clip(c.data, 0, n - 1))


def _pad(c: Tensor, n: int, padding: str, align: bool) -> Tensor:
    """Pixel coordinate c under ``padding``: unchanged ('zeros'), clipped ('border'), or
    reflected at the corner pixels' centres (``align``) or at the outer edges, then clipped
    ('reflection')."""
    if padding == "zeros":
        return c
    if padding == "reflection":
        c = _reflect(c, 0.0, n - 1.0) if align else _reflect(c, -0.5, float(n))
    return _clip(c, n)


def _pad_taps(p: np.ndarray, n: int, padding: str, align: bool) -> np.ndarray:
    """The integer tap positions p (as floats) under ``padding``, for 'bicubic' (NumPy's twin
    of ``_pad``, for constants)."""
    if padding == "reflection":
        lo, span = (0.0, n - 1.0) if align else (-0.5, float(n))
        if span <= 0:
            return np.zeros_like(p)
        a = np.abs(p - lo)
        with np.errstate(invalid="ignore"):
            odd = np.fmod(np.floor(a / span), 2) == 1
            extra = np.fmod(a, span)
        p = np.where(odd, span + lo - extra, extra + lo)
    return p if padding == "zeros" else np.clip(p, 0, n - 1)


def _cubic(t: Tensor) -> list[Tensor]:
    """Keys' cubic convolution weights (a = −0.75) of the taps at −1, 0, 1, 2 for the
    fraction t: W(1 + t), W(t), W(1 − t), W(2 − t) with W(s) = (a + 2)s³ − (a + 3)s² + 1 on
    [0, 1] and a s³ − 5a s² + 8a s − 4a on [1, 2]."""
    a = _CUBIC_A

    def near(s: Tensor) -> Tensor:
        return ((a + 2) * s - (a + 3)) * s * s + 1.0

    def far(s: Tensor) -> Tensor:
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a

    return [far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)]


def _taps(g: Tensor, n: int, mode: str, padding: str, align: bool, fused: bool
          ) -> tuple[list[np.ndarray], list[Tensor]]:
    """Along one spatial axis: the integer positions (clipped into the input) and the weights
    of each tap for grid coordinate g; a position outside the input gets weight 0 ('zeros')."""
    c = _unnormalise(g, n, align, fused)
    if mode != "bicubic":
        c = _pad(c, n, padding, align)
    with np.errstate(invalid="ignore"):
        base = np.rint(c.data) if mode == "nearest" else np.floor(c.data)
    if mode == "nearest":
        offsets, weights = [0.0], [_zero_from(c) + 1.0]
        if padding != "zeros":  # a NaN coordinate (PyTorch: any pixel) reads NaN
            weights = [where(np.isnan(c.data), np.nan, weights[0])]
    elif mode == "bilinear":
        frac = c - base
        offsets, weights = [0.0, 1.0], [1.0 - frac, frac]
    else:
        offsets, weights = [-1.0, 0.0, 1.0, 2.0], _cubic(c - base)
    positions = []
    for k, off in enumerate(offsets):
        p = base + off
        if mode == "bicubic":
            p = _pad_taps(p, n, padding, align)
        with np.errstate(invalid="ignore"):
            valid = (p >= 0) & (p <= n - 1)
        if not valid.all():
            weights[k] = weights[k] * valid
        positions.append(np.clip(np.nan_to_num(p), 0, n - 1).astype(np.intp))
    return positions, weights


def _check(x: Tensor, grid: Tensor, mode: Any, padding: Any) -> None:
    """grid_sample's argument checks (shapes, dtypes, mode names)."""
    where_ = "grid_sample"
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"{where_}: mode {mode!r:.60} is not supported; choose from "
                         f"{', '.join(map(repr, MODES))}")
    if not isinstance(padding, str) or padding not in PADDING_MODES:
        raise ValueError(f"{where_}: padding_mode {padding!r:.60} is not supported; choose "
                         f"from {', '.join(map(repr, PADDING_MODES))}")
    if x.ndim not in (4, 5):
        raise ValueError(f"{where_}: input must be 4-d (N, C, H, W) or 5-d (N, C, D, H, W), "
                         f"got shape {x.shape}")
    d = x.ndim - 2
    if mode == "bicubic" and d != 2:
        raise ValueError(f"{where_}: mode 'bicubic' needs a 4-d input, got shape {x.shape}")
    for name, t in (("input", x), ("grid", grid)):
        if t.dtype.kind != "f":
            raise TypeError(f"{where_}: {name} must be floating point, got dtype {t.dtype}")
    if x.dtype != grid.dtype:
        raise TypeError(f"{where_}: input ({x.dtype}) and grid ({grid.dtype}) must have the "
                        "same dtype")
    if grid.ndim != x.ndim or grid.shape[-1] != d or grid.shape[0] != x.shape[0]:
        out = "H_out, W_out" if d == 2 else "D_out, H_out, W_out"
        raise ValueError(f"{where_}: grid of shape {grid.shape} does not fit input of shape "
                         f"{x.shape}: need ({x.shape[0]}, {out}, {d})")
    if min(x.shape[2:]) < 1:
        raise ValueError(f"{where_}: input of shape {x.shape} has an empty spatial axis")


def grid_sample(input: Any, grid: Any, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = False) -> Tensor:
    """Sample the input (N, C, H, W) at the grid (N, H_out, W_out, 2) of normalised (x, y)
    positions, giving (N, C, H_out, W_out); a 5-d input (N, C, D, H, W) with a grid (N, D_out,
    H_out, W_out, 3) of (x, y, z) gives (N, C, D_out, H_out, W_out). PyTorch's
    ``F.grid_sample``.

    A grid value g ∈ [−1, 1] is the pixel position (g + 1)(n − 1)/2 with ``align_corners``
    (None means False), else ((g + 1) n − 1)/2. 'bilinear' ('trilinear' in 3-d):
    y = Σ over the cell's corners of Π_axes (1 − t or t) · x[corner], t the fraction of the
    position; 'nearest': x at the position rounded (half to even); 'bicubic' (4-d only): Keys'
    cubic convolution (a = −0.75) over the 4 × 4 pixels around it. ``padding_mode`` says what
    is read outside the input: 'zeros' 0, 'border' the edge pixel (positions clipped),
    'reflection' positions mirrored at the corner pixels' centres (``align_corners``) or at the
    outer edges. Gradients of every order flow to the input and the grid (the grid's is 0 for
    'nearest', and for 'border' / 'reflection' at and beyond the edges, as PyTorch). A NaN or
    infinite grid value gives, as in PyTorch, NaN in 'bicubic' and in 'bilinear' with 'zeros',
    0 in 'nearest' with 'zeros', the edge pixel at ±∞ with 'border'; in the other cases
    ('border' at NaN, 'reflection') it gives NaN, where PyTorch crashes or reads some pixel.
    """
    where_ = "grid_sample"
    align = _align(align_corners, where_)
    x, g = as_tensor(input, where_), as_tensor(grid, where_)
    _check(x, g, mode, padding_mode)
    n_batch, channels, spatial = x.shape[0], x.shape[1], x.shape[2:]
    out_spatial, d = g.shape[1:-1], len(spatial)
    fused = d == 2  # PyTorch's 2-d CPU kernel, with its own rounding of the unnormalisation
    # taps[k] for spatial axis k (grid coordinate d − 1 − k: x is the last axis)
    taps = [_taps(g[..., d - 1 - k], spatial[k], mode, padding_mode, align, fused)
            for k in range(d)]
    rows = x.shape[0] * math.prod(spatial)
    flat_x = reshape(moveaxis(x, 1, -1), (rows, channels))  # one row of channels per pixel
    first = (np.arange(n_batch) * math.prod(spatial)).reshape((-1,) + (1,) * len(out_spatial))
    index, weight = [], []
    for corner in np.ndindex(*(len(t[0]) for t in taps)):  # first axis outermost: PyTorch's order
        pos, w = first, None
        for k, j in enumerate(corner):
            pos = pos + taps[k][0][j] * math.prod(spatial[k + 1:])
            w = taps[k][1][j] if w is None else w * taps[k][1][j]
        index.append(np.broadcast_to(pos, g.shape[:-1]).reshape(-1))
        weight.append(w)
    picked = take(flat_x, np.concatenate(index), axis=0)  # (taps · N · P, C)
    points = n_batch * math.prod(out_spatial)
    picked = reshape(picked, (len(index), points, channels))
    weights = reshape(stack(weight), (len(index), points, 1))
    out = (picked * weights).sum(axis=0)  # (N · P, C)
    return moveaxis(reshape(out, (n_batch, *out_spatial, channels)), -1, 1)
