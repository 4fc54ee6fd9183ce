"""Public shape, indexing, joining and casting functions (differentiable)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .engine import REGISTRY, apply
from .tensor import Tensor

__all__ = [
    "astype", "broadcast_to", "concatenate", "expand_dims", "flatten", "getitem", "reshape",
    "scatter_add", "squeeze", "stack", "transpose",
]

_P = REGISTRY


def _t(x: Any, name: str) -> Tensor:
    from .functional import _t as conv

    return conv(x, where=name)


def _is_int(n: Any) -> bool:
    return isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_))


def _ints(value: Any, what: str, name: str) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ints) as a tuple of Python ints; TypeError if not."""
    if _is_int(value):
        return (int(value),)
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iu":
        return tuple(int(n) for n in value)
    if isinstance(value, (tuple, list)) and all(_is_int(n) for n in value):
        return tuple(int(n) for n in value)
    raise TypeError(f"{name}: {what} must be an int or a sequence of ints, got {value!r:.80}")


def reshape(x: Any, shape: Sequence[int] | int) -> Tensor:
    """The same elements in a new shape (one entry may be −1)."""
    x = _t(x, "reshape")
    new = _resolve_shape(x.data.size, _ints(shape, "shape", "reshape"), x.shape)
    return apply(_P["reshape"], (x,), {"shape": new})


def _resolve_shape(size: int, shp: tuple[int, ...], old: tuple[int, ...]) -> tuple[int, ...]:
    """Fill in a single −1 entry of ``shp`` and check the element count."""
    unknown = [i for i, n in enumerate(shp) if n == -1]
    known = math.prod(n for n in shp if n != -1)  # Python ints: no overflow
    bad = len(unknown) > 1 or any(n < -1 for n in shp)
    if not bad and unknown:
        if known == 0 or size % known:
            bad = True
        else:
            shp = tuple(size // known if n == -1 else n for n in shp)
    if bad or math.prod(shp) != size:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {old} into {shp}")
    return shp


def flatten(x: Any) -> Tensor:
    """A 1-d view of all elements."""
    return reshape(x, (-1,))


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute axes (default: reverse them)."""
    x = _t(x, "transpose")
    nd = x.ndim
    if axes is None:
        perm = tuple(range(nd - 1, -1, -1))
    else:
        given = _ints(axes, "axes", "transpose")
        if any(not -nd <= a < nd for a in given):
            raise ValueError(f"transpose: axes {given} are out of range for {nd} axes")
        perm = tuple(a % nd for a in given)
        if sorted(perm) != list(range(nd)):
            raise ValueError(f"transpose: axes {given} are not a permutation of {nd} axes")
    return apply(_P["transpose"], (x,), {"axes": perm})


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Drop axes of length 1 (all of them, or those in ``axis``)."""
    x = _t(x, "squeeze")
    if axis is not None:
        axis = _ints(axis, "axis", "squeeze")
    try:
        shape = np.squeeze(x.data, axis=axis).shape
    except (ValueError, OverflowError, np.exceptions.AxisError) as exc:
        raise ValueError(f"squeeze: {exc} (shape {x.shape}, axis {axis!r})") from None
    return reshape(x, shape)


def expand_dims(x: Any, axis: int | Sequence[int]) -> Tensor:
    """Insert axes of length 1 at ``axis``."""
    x = _t(x, "expand_dims")
    axis = _ints(axis, "axis", "expand_dims")
    try:
        shape = np.expand_dims(x.data, axis).shape
    except (ValueError, OverflowError, np.exceptions.AxisError) as exc:
        raise ValueError(f"expand_dims: {exc} (shape {x.shape}, axis {axis!r})") from None
    return reshape(x, shape)


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """Broadcast to ``shape`` (NumPy rules); the gradient sums over the broadcast axes."""
    x = _t(x, "broadcast_to")
    shp = _ints(shape, "shape", "broadcast_to")
    try:
        if len(shp) < x.ndim or any(n < 0 for n in shp):
            raise ValueError
        np.broadcast_shapes(x.shape, shp)
        np.broadcast_to(np.empty(x.shape, dtype=bool), shp)
    except (ValueError, OverflowError):
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shp}") from None
    return apply(_P["broadcast_to"], (x,), {"shape": shp})


def astype(x: Any, dtype: Any) -> Tensor:
    """Cast to ``dtype``; between floating types the gradient is cast back. Same dtype: ``x``."""
    x = _t(x, "astype")
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError) as exc:
        raise TypeError(f"astype: {dtype!r:.60} is not a NumPy dtype ({exc})") from None
    if dt.kind not in "biuf":
        raise TypeError(f"astype: cannot cast to {dt} (need a bool, integer or floating dtype)")
    if dt == x.data.dtype:
        return x
    return apply(_P["astype"], (x,), {"dtype": dt})


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(
        i is None or i is Ellipsis or (isinstance(i, (slice, int, np.integer))
        and not isinstance(i, bool))
        for i in items
    )


def _clean_index(index: Any) -> Any:
    """Replace Tensors in an index by their arrays and lists by arrays."""
    if isinstance(index, tuple):
        return tuple(_clean_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        try:
            return np.asarray(index)
        except ValueError:
            raise IndexError(f"getitem: the index list {index!r:.80} is ragged") from None
    return index


def _check_index(index: Any, shape: tuple[int, ...], name: str) -> None:
    """Refuse float or object index arrays and indices NumPy rejects, naming ``name``."""
    items = index if isinstance(index, tuple) else (index,)
    for i in items:
        if isinstance(i, np.ndarray) and i.dtype.kind not in "biu":
            raise IndexError(f"{name}: index arrays must be integer or boolean, got {i.dtype}")
        if isinstance(i, (float, np.floating)):
            raise IndexError(f"{name}: float index {i!r}; use an integer")
    try:
        np.empty(shape, dtype=np.bool_)[index]
    except (IndexError, TypeError, ValueError, OverflowError) as exc:
        raise IndexError(f"{name}: {exc} (tensor shape {shape})") from None


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]``: slices, integers, None, Ellipsis, integer arrays (repeats accumulate in the
    gradient) and boolean masks, with NumPy's semantics."""
    x = _t(x, "getitem")
    index = _clean_index(index)
    _check_index(index, x.shape, "getitem")
    return apply(_P["getitem"], (x,), {"index": index, "basic": _is_basic(index)})


def scatter_add(g: Any, index: Any, shape: Sequence[int]) -> Tensor:
    """Zeros of ``shape`` with ``g`` added at ``index`` (the adjoint of ``getitem``)."""
    g = _t(g, "scatter_add")
    index = _clean_index(index)
    shp = _ints(shape, "shape", "scatter_add")
    if any(n < 0 for n in shp):
        raise ValueError(f"scatter_add: shape {shp} has a negative entry")
    _check_index(index, shp, "scatter_add")
    picked = np.empty(shp, dtype=np.bool_)[index].shape
    try:
        np.broadcast_to(np.empty(g.shape, dtype=np.bool_), picked)
    except ValueError:
        raise ValueError(
            f"scatter_add: values of shape {g.shape} do not fit the indexed shape {picked}"
        ) from None
    return apply(
        _P["scatter_add"], (g,), {"index": index, "shape": shp, "basic": _is_basic(index)}
    )


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis``."""
    from .functional import _one_axis
    from .functional import _t as conv

    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise ValueError("concatenate: need a non-empty list or tuple of tensors")
    first = next((t for t in tensors if isinstance(t, Tensor)), None)
    ts = tuple(conv(t, first, "concatenate") for t in tensors)
    if not _is_int(axis):
        raise TypeError(f"concatenate: axis must be an int, got {axis!r:.60}")
    nd = ts[0].ndim
    if nd == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    ax = _one_axis(axis, nd, "concatenate")
    for t in ts:
        rest = t.shape[:ax] + t.shape[ax + 1:]
        if t.ndim != nd or rest != ts[0].shape[:ax] + ts[0].shape[ax + 1:]:
            raise ValueError(
                f"concatenate: shapes {[t.shape for t in ts]} differ outside axis {ax}"
            )
    return apply(_P["concatenate"], ts, {"axis": ax})


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join equally shaped tensors along a new ``axis``."""
    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise ValueError("stack: need a non-empty list or tuple of tensors")
    from .functional import _t as conv

    if not _is_int(axis):
        raise TypeError(f"stack: axis must be an int, got {axis!r:.60}")
    first = next((t for t in tensors if isinstance(t, Tensor)), None)
    ts = [conv(t, first, "stack") for t in tensors]
    if len({t.shape for t in ts}) != 1:
        raise ValueError(f"stack: all tensors need the same shape, got {[t.shape for t in ts]}")
    nd = ts[0].ndim + 1
    if not -nd <= axis < nd:
        raise ValueError(f"stack: axis {axis} is out of range for {nd} dims")
    return concatenate([expand_dims(t, axis) for t in ts], axis=axis)
