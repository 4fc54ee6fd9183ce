"""Shape, indexing, joining and casting ops: reshape, transpose, getitem and its adjoint
scatter_add, concatenate, astype; and the functions built on them (squeeze, expand_dims, flatten,
stack)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..checks import integers, is_int, one_axis
from ..engine import as_tensor, primitive
from ..tensor import FUNCTIONS, Tensor

__all__ = ["astype", "concatenate", "expand_dims", "flatten", "getitem", "reshape",
           "scatter_add", "squeeze", "stack", "swapaxes", "transpose"]

Grads = tuple[Any, ...]


# --------------------------------------------------------------------------- the primitives
def _reshape(x: Any, shape: tuple[int, ...] = ()) -> tuple[Any, Any]:
    """reshape x;  x̄ = reshape(ḡ, x.shape)"""
    return x.reshape(shape), x.shape


def _transpose(x: Any, axes: tuple[int, ...] = ()) -> tuple[Any, None]:
    """permute axes;  x̄ = transpose(ḡ, argsort(axes))"""
    return x.transpose(axes), None


def _transpose_vjp(g: Any, saved: Any, needs: Any, axes: tuple[int, ...] = ()) -> Grads:
    return (g.transpose(tuple(int(i) for i in np.argsort(axes))),)


def _astype(x: Any, dtype: Any = None) -> tuple[Any, Any]:
    """cast to dtype;  x̄ = ḡ cast back to x's dtype"""
    return x.astype(dtype), x.dtype


def _getitem(x: Any, index: Any = None, basic: bool = True) -> tuple[Any, Any]:
    """x[index];  x̄ = zeros(x.shape) with ḡ added at index (repeats accumulate)"""
    return x[index], x.shape


def _scatter_add(g: Any, index: Any = None, shape: tuple[int, ...] = (),
                 basic: bool = True) -> tuple[Any, None]:
    """zeros(shape) with g added at index;  ḡ_in = ḡ[index]"""
    if isinstance(g, Tensor):
        return scatter_add(g, index, shape), None
    z = np.zeros(shape, dtype=g.dtype)
    if basic:
        z[index] = g
    else:
        np.add.at(z, index, g)
    return z, None


def _concatenate(*xs: Any, axis: int = 0) -> tuple[Any, Any]:
    """concatenate along axis;  x̄_k = ḡ's k-th slab along axis"""
    return np.concatenate(xs, axis=axis), tuple(x.shape[axis] for x in xs)


def _concatenate_vjp(g: Any, sizes: Any, needs: Any, axis: int = 0) -> Grads:
    grads, start = [], 0
    for n, need in zip(sizes, needs):
        slab = (*(slice(None),) * axis, slice(start, start + n))
        grads.append(g[slab] if need else None)
        start += n
    return tuple(grads)


_RESHAPE = primitive("reshape", _reshape,
                     lambda g, old_shape, needs, **attrs: (g.reshape(old_shape),))
_TRANSPOSE = primitive("transpose", _transpose, _transpose_vjp)
_ASTYPE = primitive("astype", _astype, lambda g, old_dtype, needs, **attrs: (g.astype(old_dtype),))
_GETITEM = primitive("getitem", _getitem, lambda g, old_shape, needs, index=None, basic=True: (
    _scatter_add(g, index, old_shape, basic)[0],))
_SCATTER_ADD = primitive("scatter_add", _scatter_add,
                         lambda g, saved, needs, index=None, shape=(), basic=True: (g[index],))
_CONCATENATE = primitive("concatenate", _concatenate, _concatenate_vjp, nin=-1)


# --------------------------------------------------------------------------- public functions
def reshape(x: Any, shape: Sequence[int] | int) -> Tensor:
    """The same elements in a new shape (one entry may be −1)."""
    x = as_tensor(x, where="reshape")
    shp = integers(shape, "shape", "reshape")
    unknown = [i for i, n in enumerate(shp) if n == -1]
    known = math.prod(n for n in shp if n != -1)  # Python ints: no overflow
    bad = len(unknown) > 1 or any(n < -1 for n in shp)
    if not bad and unknown:
        bad = known == 0 or x.size % known != 0
        shp = shp if bad else tuple(x.size // known if n == -1 else n for n in shp)
    if bad or math.prod(shp) != x.size:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} into {shp}")
    return _RESHAPE(x, shape=shp)


def flatten(x: Any) -> Tensor:
    """A 1-d view of all elements."""
    return reshape(x, (-1,))


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute axes (default: reverse them)."""
    x = as_tensor(x, where="transpose")
    nd = x.ndim
    if axes is None:
        return _TRANSPOSE(x, axes=tuple(range(nd - 1, -1, -1)))
    given = integers(axes, "axes", "transpose")
    if any(not -nd <= a < nd for a in given):
        raise ValueError(f"transpose: axes {given} are out of range for {nd} axes")
    perm = tuple(a % nd for a in given)
    if sorted(perm) != list(range(nd)):
        raise ValueError(f"transpose: axes {given} are not a permutation of {nd} axes")
    return _TRANSPOSE(x, axes=perm)


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes (a transpose)."""
    x = as_tensor(x, where="swapaxes")
    perm = list(range(x.ndim))
    a, b = one_axis(axis1, x.ndim, "swapaxes"), one_axis(axis2, x.ndim, "swapaxes")
    perm[a], perm[b] = perm[b], perm[a]
    return _TRANSPOSE(x, axes=tuple(perm))


def _new_shape(fn: Any, name: str, x: Tensor, axis: Any) -> tuple[int, ...]:
    """The shape NumPy's ``fn`` (squeeze, expand_dims) gives, or its refusal naming ``name``."""
    try:
        return fn(np.empty(x.shape, dtype=bool), axis=axis).shape
    except (ValueError, OverflowError, np.exceptions.AxisError) as exc:
        raise ValueError(f"{name}: {exc} (shape {x.shape}, axis {axis!r})") from None


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Drop axes of length 1 (all of them, or those in ``axis``)."""
    x = as_tensor(x, where="squeeze")
    axis = None if axis is None else integers(axis, "axis", "squeeze")
    return reshape(x, _new_shape(np.squeeze, "squeeze", x, axis))


def expand_dims(x: Any, axis: int | Sequence[int]) -> Tensor:
    """Insert axes of length 1 at ``axis``."""
    x = as_tensor(x, where="expand_dims")
    return reshape(x, _new_shape(np.expand_dims, "expand_dims", x,
                                 integers(axis, "axis", "expand_dims")))


def astype(x: Any, dtype: Any) -> Tensor:
    """Cast to ``dtype``; between floating types the gradient is cast back. Same dtype: ``x``."""
    x = as_tensor(x, where="astype")
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError) as exc:
        raise TypeError(f"astype: {dtype!r:.60} is not a NumPy dtype ({exc})") from None
    if dt.kind not in "biuf":
        raise TypeError(f"astype: cannot cast to {dt} (need a bool, integer or floating dtype)")
    return x if dt == x.dtype else _ASTYPE(x, dtype=dt)


def _clean_index(index: Any) -> Any:
    """Tensors in an index become their arrays, lists become arrays."""
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


def _checked_index(index: Any, shape: tuple[int, ...], name: str) -> tuple[Any, bool]:
    """The cleaned index and whether it is basic (slices, ints, None, Ellipsis only); refuses
    float or object index arrays and indices NumPy rejects, naming ``name``."""
    index = _clean_index(index)
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
    basic = all(i is None or i is Ellipsis or isinstance(i, slice) or is_int(i) for i in items)
    return index, basic


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]``: slices, integers, None, Ellipsis, integer arrays (repeats accumulate in the
    gradient) and boolean masks, with NumPy's semantics."""
    x = as_tensor(x, where="getitem")
    index, basic = _checked_index(index, x.shape, "getitem")
    return _GETITEM(x, index=index, basic=basic)


def scatter_add(g: Any, index: Any, shape: Sequence[int]) -> Tensor:
    """Zeros of ``shape`` with ``g`` added at ``index`` (the adjoint of ``getitem``)."""
    g = as_tensor(g, where="scatter_add")
    shp = integers(shape, "shape", "scatter_add")
    if any(n < 0 for n in shp):
        raise ValueError(f"scatter_add: shape {shp} has a negative entry")
    index, basic = _checked_index(index, shp, "scatter_add")
    picked = np.empty(shp, dtype=np.bool_)[index].shape
    try:
        np.broadcast_to(np.empty(g.shape, dtype=np.bool_), picked)
    except ValueError:
        raise ValueError(
            f"scatter_add: values of shape {g.shape} do not fit the indexed shape {picked}"
        ) from None
    return _SCATTER_ADD(g, index=index, shape=shp, basic=basic)


def _tensors(tensors: Any, name: str) -> list[Tensor]:
    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise ValueError(f"{name}: need a non-empty list or tuple of tensors")
    first = next((t for t in tensors if isinstance(t, Tensor)), None)
    return [as_tensor(t, first, name) for t in tensors]


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis``."""
    ts = _tensors(tensors, "concatenate")
    if not is_int(axis):
        raise TypeError(f"concatenate: axis must be an int, got {axis!r:.60}")
    nd = ts[0].ndim
    if nd == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    ax = one_axis(axis, nd, "concatenate")
    rest = {t.shape[:ax] + t.shape[ax + 1:] if t.ndim == nd else None for t in ts}
    if len(rest) != 1 or None in rest:
        raise ValueError(f"concatenate: shapes {[t.shape for t in ts]} differ outside axis {ax}")
    return _CONCATENATE(*ts, axis=ax)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join equally shaped tensors along a new ``axis``."""
    ts = _tensors(tensors, "stack")
    if not is_int(axis):
        raise TypeError(f"stack: axis must be an int, got {axis!r:.60}")
    if len({t.shape for t in ts}) != 1:
        raise ValueError(f"stack: all tensors need the same shape, got {[t.shape for t in ts]}")
    nd = ts[0].ndim + 1
    if not -nd <= axis < nd:
        raise ValueError(f"stack: axis {axis} is out of range for {nd} dims")
    return concatenate([expand_dims(t, axis) for t in ts], axis=axis)


FUNCTIONS.update({f.__name__: f for f in (
    reshape, flatten, transpose, swapaxes, squeeze, expand_dims, astype, getitem, scatter_add,
    concatenate, stack)})
