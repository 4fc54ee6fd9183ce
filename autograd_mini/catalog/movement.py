"""Specs of movement ops: flips, rolls, pads, repeats, splits, gathers and scatters, each with
an input builder drawing shapes, axes and (often repeated) indices, and a NumPy reference."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .draw import Chooser, Shape, draw_axes, draw_shape
from .spec import OpSpec, spec

__all__ = ["SPECS"]

Built = tuple[list[np.ndarray], dict[str, Any]]


def _values(ch: Chooser, shape: Shape, dtype: Any) -> np.ndarray:
    return np.asarray(2.0 * ch.uniform(shape), dtype=dtype)


def _indices(ch: Chooser, shape: Shape, n: int) -> np.ndarray:
    """Indices in [−n, n) (repeats likely: there are few values to choose from)."""
    return np.array([ch.integer(-n, n - 1) for _ in range(int(np.prod(shape)))],
                    dtype=np.int64).reshape(shape)


def _axis(ch: Chooser, nd: int) -> int:
    return ch.integer(-nd, nd - 1)


# --------------------------------------------------------------------------- builders
def _swapaxes(ch: Chooser, dtype: Any) -> Built:
    shape = draw_shape(ch, 1, 3)
    nd = len(shape)
    return [_values(ch, shape, dtype)], {"axis1": _axis(ch, nd), "axis2": _axis(ch, nd)}


def _moveaxis(ch: Chooser, dtype: Any) -> Built:
    shape = draw_shape(ch, 1, 3)
    nd = len(shape)
    k = ch.integer(1, nd)
    src = [a - nd * ch.integer(0, 1) for a in ch.permutation(nd)[:k]]
    dst = [a - nd * ch.integer(0, 1) for a in ch.permutation(nd)[:k]]
    one = k == 1 and ch.integer(0, 1)
    return [_values(ch, shape, dtype)], {"source": src[0] if one else src,
                                         "destination": dst[0] if one else tuple(dst)}


def _flip(ch: Chooser, dtype: Any) -> Built:
    shape = draw_shape(ch, 0, 3)
    return [_values(ch, shape, dtype)], {"axis": draw_axes(ch, len(shape))}


def _roll(ch: Chooser, dtype: Any) -> Built:
    shape = draw_shape(ch, 0, 3)
    nd = len(shape)
    if nd == 0 or ch.integer(0, 2) == 0:
        return [_values(ch, shape, dtype)], {"shift": ch.integer(-4, 4), "axis": None}
    k = ch.integer(1, 3)
    axis = [_axis(ch, nd) for _ in range(k)]  # repeats allowed: their shifts add up
    shift = [ch.integer(-4, 4) for _ in range(k if ch.integer(0, 1) else 1)]
    return [_values(ch, shape, dtype)], {"shift": tuple(shift), "axis": tuple(axis)}


def _pad(ch: Chooser, dtype: Any) -> Built:
    shape = draw_shape(ch, 0, 3)
    nd = len(shape)
    mode = ("constant", "edge", "reflect", "symmetric", "wrap")[ch.integer(0, 4)]
    form = ch.integer(0, 2 if nd else 1)  # (per-axis pairs of a 0-d tensor: an empty list)
    width: Any = (ch.integer(0, 3) if form == 0 else (ch.integer(0, 3), ch.integer(0, 4))
                  if form == 1 else tuple((ch.integer(0, 4), ch.integer(0, 4)) for _ in range(nd)))
    attrs: dict[str, Any] = {"pad_width": width, "mode": mode}
    if mode == "constant":
        attrs["constant_values"] = float(ch.integer(-4, 4)) / 2
    return [_values(ch, shape, dtype)], attrs


def _repeat(ch: Chooser, dtype: Any) -> Built:
    shape = draw_shape(ch, 0, 3)
    axis = None if not shape or ch.integer(0, 2) == 0 else _axis(ch, len(shape))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    reps: Any = ch.integer(0, 3)
    if ch.integer(0, 1):
        reps = np.array([ch.integer(0, 3) for _ in range(n)], dtype=np.int64)
    return [_values(ch, shape, dtype)], {"repeats": reps, "axis": axis}


def _tile(ch: Chooser, dtype: Any) -> Built:
    shape = draw_shape(ch, 0, 3)
    reps = tuple(ch.integer(0, 2) for _ in range(ch.integer(0, 3)))
    return [_values(ch, shape, dtype)], {"reps": reps[0] if len(reps) == 1 else reps}


def _splitter(equal: bool) -> Callable[[Chooser, Any], Built]:
    def build(ch: Chooser, dtype: Any) -> Built:
        shape = draw_shape(ch, 1, 3, 1, 4)
        axis = _axis(ch, len(shape))
        n = shape[axis]
        how: Any
        if ch.integer(0, 1):
            divisors = [k for k in range(1, n + 1) if n % k == 0]
            how = divisors[ch.integer(0, len(divisors) - 1)] if equal else ch.integer(1, n + 2)
        else:
            how = [ch.integer(-n, n + 1) for _ in range(ch.integer(0, 3))]
        return [_values(ch, shape, dtype)], {"indices_or_sections": how, "axis": axis}

    return build


def _take(ch: Chooser, dtype: Any) -> Built:
    shape = draw_shape(ch, 0, 3)
    axis = None if not shape or ch.integer(0, 2) == 0 else _axis(ch, len(shape))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    idx = _indices(ch, draw_shape(ch, 0, 2, 0, 4), n)
    return [_values(ch, shape, dtype)], {"indices": idx, "axis": axis}


def _along(ch: Chooser, shape: Shape) -> tuple[np.ndarray, int | None]:
    """Indices for take/put_along_axis: same ndim, any length along the axis, the other sides
    x's or 1 (broadcast); or 1-d positions in the flattened x for axis None."""
    if ch.integer(0, 3) == 0:
        return _indices(ch, (ch.integer(0, 5),), int(np.prod(shape))), None
    axis = _axis(ch, len(shape))
    ishape = tuple(ch.integer(0, 4) if d == axis % len(shape) else (1 if ch.integer(0, 2) == 0
                                                                    else s)
                   for d, s in enumerate(shape))
    return _indices(ch, ishape, shape[axis]), axis


def _take_along(ch: Chooser, dtype: Any) -> Built:
    shape = draw_shape(ch, 1, 3)
    idx, axis = _along(ch, shape)
    return [_values(ch, shape, dtype)], {"indices": idx, "axis": axis}


def _put_along(ch: Chooser, dtype: Any) -> Built:
    shape = draw_shape(ch, 1, 3)
    idx, axis = _along(ch, shape)
    vshape = tuple(1 if ch.integer(0, 3) == 0 else s for s in idx.shape)
    vshape = vshape[ch.integer(0, len(vshape)):]
    return [_values(ch, shape, dtype), _values(ch, vshape, dtype)], {"indices": idx, "axis": axis}


def _meshgrid(ch: Chooser, dtype: Any) -> Built:
    shapes = [draw_shape(ch, 1, 1, 1, 4) if ch.integer(0, 3) else draw_shape(ch, 0, 2)
              for _ in range(ch.integer(1, 3))]
    return [_values(ch, s, dtype) for s in shapes], {"indexing": ("xy", "ij")[ch.integer(0, 1)]}


# --------------------------------------------------------------------------- list results
def _joined(pieces: list[Any], axis: int) -> Any:
    """The pieces, each times a different number, joined along ``axis``: every piece's
    gradient shows in the result."""
    scaled = [p * (i + 1) for i, p in enumerate(pieces)]
    return F.concatenate(scaled, axis=axis) if isinstance(pieces[0], Tensor) else \
        np.concatenate(scaled, axis=axis)


def _stacked(grids: list[Any]) -> Any:
    scaled = [p * (i + 1) for i, p in enumerate(grids)]
    return F.stack(scaled) if isinstance(grids[0], Tensor) else np.stack(scaled)


def _put_ref(x: np.ndarray, v: np.ndarray, indices: np.ndarray, axis: int | None) -> np.ndarray:
    out = x.copy()
    np.put_along_axis(out, indices, v, axis)
    return out


_SPLIT = ("getitem",)
_BROADCAST = ("reshape", "broadcast_to")
SPECS: list[OpSpec] = [
    spec("swapaxes", F.swapaxes, np.swapaxes, kind="custom", build=_swapaxes,
         prims=("transpose",)),
    spec("moveaxis", F.moveaxis, np.moveaxis, kind="custom", build=_moveaxis,
         prims=("transpose",)),
    spec("flip", F.flip, np.flip, kind="custom", build=_flip, prims=("getitem",)),
    spec("roll", F.roll, np.roll, kind="custom", build=_roll),
    spec("pad", F.pad, np.pad, kind="custom", build=_pad),
    spec("repeat", F.repeat, np.repeat, kind="custom", build=_repeat, prims=("getitem",)),
    spec("tile", F.tile, np.tile, kind="custom", build=_tile, prims=_BROADCAST),
    spec("split", lambda x, indices_or_sections, axis: _joined(
        F.split(x, indices_or_sections, axis), axis), lambda x, indices_or_sections, axis: _joined(
        np.split(x, indices_or_sections, axis), axis), kind="custom", build=_splitter(True),
         prims=_SPLIT),
    spec("array_split", lambda x, indices_or_sections, axis: _joined(
        F.array_split(x, indices_or_sections, axis), axis),
         lambda x, indices_or_sections, axis: _joined(
        np.array_split(x, indices_or_sections, axis), axis), kind="custom",
         build=_splitter(False), prims=_SPLIT),
    spec("take", F.take, np.take, kind="custom", build=_take, prims=("getitem",)),
    spec("take_along_axis", F.take_along_axis, np.take_along_axis, kind="custom",
         build=_take_along, prims=("getitem",)),
    spec("put_along_axis", lambda x, v, indices, axis: F.put_along_axis(x, indices, v, axis),
         _put_ref, kind="custom", build=_put_along, nin=2),
    spec("meshgrid", lambda *xs, indexing: _stacked(F.meshgrid(*xs, indexing=indexing)),
         lambda *xs, indexing: _stacked(list(np.meshgrid(*xs, indexing=indexing))),
         kind="custom", build=_meshgrid, nin=-1, prims=_BROADCAST),
]
