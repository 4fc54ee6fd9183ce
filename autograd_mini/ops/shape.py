"""Shape, indexing, joining and casting ops: reshape, transpose, getitem and its adjoint
scatter_add, concatenate, astype; and the functions built on them (squeeze, expand_dims,
flatten, stack). Integer-array gathers and their fast scatters are in ``gather``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..checks import integers, is_int, numpy_names, one_axis
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import FUNCTIONS, Tensor
from .gather import Plan, gather, gather_plan, scatter_axis

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


def _plan_index(plan: Plan, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """An index equal to ``plan`` on ``shape``, from its own copy of the positions (a recorded
    backward must not see later changes to the caller's index arrays either)."""
    a, k, lin = plan
    return (slice(None),) * a + (np.unravel_index(lin, shape[a:a + k]) if k > 1 else (lin,))


def _getitem(x: Any, index: Any = None, basic: bool = True,
             plan: Plan | None = None) -> tuple[Any, Any]:
    """x[index];  x̄ = zeros(x.shape) with ḡ added at index (repeats accumulate)"""
    return (x[index] if plan is None else gather(x, plan)), x.shape


def _scatter_add(g: Any, index: Any = None, shape: tuple[int, ...] = (), basic: bool = True,
                 plan: Plan | None = None) -> tuple[Any, None]:
    """zeros(shape) with g added at index;  ḡ_in = ḡ[index]"""
    if isinstance(g, Tensor):
        return scatter_add(g, index if plan is None else _plan_index(plan, shape), shape), None
    if plan is not None:
        a, k, lin = plan
        picked = (*shape[:a], *lin.shape, *shape[a + k:])
        return scatter_axis(g if g.shape == picked else np.broadcast_to(g, picked), plan,
                            shape), None
    z = np.zeros(shape, dtype=g.dtype)
    if basic:
        z[index] = g
    else:
        np.add.at(z, index, g)
    return z, None


def _concatenate(*xs: Any, axis: int = 0) -> tuple[Any, Any]:
    """concatenate along axis;  x̄_k = ḡ's k-th slab along axis
    (for axis=None, NumPy's, the public function flattens the inputs first)"""
    return np.concatenate(xs, axis=axis), tuple(x.shape[axis] for x in xs)


def _concatenate_vjp(g: Any, sizes: Any, needs: Any, axis: int = 0) -> Grads:
    grads, start = [], 0
    for n, need in zip(sizes, needs):
        slab = (*(slice(None),) * axis, slice(start, start + n))
        grads.append(g[slab] if need else None)
        start += n
    return tuple(grads)


def _stack(*xs: Any, axis: int = 0) -> tuple[Any, Any]:
    """stack along a new axis;  x̄_k = ḡ's k-th slice along axis"""
    return np.stack(xs, axis=axis), None


def _stack_vjp(g: Any, _: Any, needs: Any, axis: int = 0) -> Grads:
    grads = []
    for k, need in enumerate(needs):
        index = (*(slice(None),) * axis, k)  # g[:, …, :, k]
        grads.append(g[index] if need else None)
    return tuple(grads)


_RESHAPE = primitive("reshape", _reshape,
                     lambda g, old_shape, needs, **attrs: (g.reshape(old_shape),))
_TRANSPOSE = primitive("transpose", _transpose, _transpose_vjp)
_ASTYPE = primitive("astype", _astype, lambda g, old_dtype, needs, **attrs: (g.astype(old_dtype),))
_GETITEM = primitive("getitem", _getitem, lambda g, old_shape, needs, index=None, basic=True,
                     plan=None: (_scatter_add(g, index, old_shape, basic, plan)[0],))
_SCATTER_ADD = primitive("scatter_add", _scatter_add, lambda g, saved, needs, index=None, shape=(),
                         basic=True, plan=None: (g[index] if plan is None else g[_plan_index(
                             plan, shape)] if isinstance(g, Tensor) else gather(g, plan),))
_CONCATENATE = primitive("concatenate", _concatenate, _concatenate_vjp, nin=-1)
_STACK = primitive("stack", _stack, _stack_vjp, nin=-1)


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


def flatten(x: Any, *torch_dims: Any) -> Tensor:
    """A 1-d view of all elements (NumPy's ``flatten``; PyTorch's ``flatten(x, 1)`` is
    ``reshape(x, (x.shape[0], -1))``, which the error says)."""
    if torch_dims:
        raise TypeError(f"flatten({', '.join(map(repr, torch_dims))}): takes the tensor alone "
                        "(all elements in one, in C order); PyTorch's flatten(x, 1) is "
                        "x.reshape(x.shape[0], -1)")
    return reshape(x, (-1,))


def transpose(x: Any, axes: Sequence[int] | None = None, *_pytorch: int) -> Tensor:
    """Permute axes (default: reverse them), NumPy's: ``axes`` is the whole permutation, one
    tuple. (PyTorch's ``transpose(x, 0, 1)`` swaps two axes: here ``swapaxes(x, 0, 1)``.)"""
    if _pytorch:
        spelled = ", ".join(map(str, (axes, *_pytorch)))
        two = len(_pytorch) == 1 and is_int(axes) and is_int(_pytorch[0])
        swap = (f"; to swap two axes as PyTorch's transpose(x, {spelled}) does, use "
                f"swapaxes(x, {spelled})" if two else "")
        raise TypeError(f"transpose(x, axes): NumPy's transpose takes the permutation of all "
                        f"axes as one tuple, transpose(x, ({spelled})){swap}")
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
    if x.ndim == 0:
        raise ValueError("swapaxes: a 0-d tensor has no axes to swap")
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


@numpy_names
def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Drop axes of length 1 (all of them, or those in ``axis``)."""
    x = as_tensor(x, where="squeeze")
    axis = None if axis is None else integers(axis, "axis", "squeeze")
    return reshape(x, _new_shape(np.squeeze, "squeeze", x, axis))


@numpy_names
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
            arr = np.asarray(index)
        except ValueError:
            raise IndexError(f"getitem: the index list {index!r:.80} is ragged") from None
        return arr.astype(np.intp) if arr.size == 0 else arr  # [] picks nothing, as in NumPy
    return index


def _checked_index(index: Any, shape: tuple[int, ...], name: str
                   ) -> tuple[Any, bool, Plan | None]:
    """The cleaned index, whether it is basic (slices, ints, None, Ellipsis only) and its gather
    plan (``gather_plan``) if it has one; refuses float or object index arrays and indices NumPy
    rejects, naming ``name``."""
    index = _clean_index(index)
    items = index if isinstance(index, tuple) else (index,)
    arrays = False
    for i in items:
        if isinstance(i, np.ndarray):
            if i.dtype.kind not in "biu":
                raise IndexError(f"{name}: index arrays must be integer or boolean, got {i.dtype}")
            arrays = True
        if isinstance(i, (float, np.floating)):
            raise IndexError(f"{name}: float index {i!r}; use an integer")
    plan = gather_plan(items, shape, name) if arrays else None
    if plan is None:
        try:
            np.empty(shape, dtype=np.bool_)[index]
        except (IndexError, TypeError, ValueError, OverflowError) as exc:
            raise IndexError(f"{name}: {exc} (tensor shape {shape})") from None
    basic = not arrays and all(
        i is None or i is Ellipsis or isinstance(i, slice) or is_int(i) for i in items)
    return index, basic, plan


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]``: slices, integers, None, Ellipsis, integer arrays (repeats accumulate in the
    gradient) and boolean masks, with NumPy's semantics."""
    return indexed(as_tensor(x, where="getitem"), index, "getitem")


def indexed(x: Tensor, index: Any, name: str) -> Tensor:
    """``x[index]`` recorded as getitem, refusing a bad index with an error naming ``name``."""
    index, basic, plan = _checked_index(index, x.shape, name)
    return _GETITEM(x, index=index, basic=basic, plan=plan)


def scatter_add(g: Any, index: Any, shape: Sequence[int]) -> Tensor:
    """Zeros of ``shape`` with ``g`` added at ``index`` (the adjoint of ``getitem``)."""
    g = as_tensor(g, where="scatter_add")
    shp = integers(shape, "shape", "scatter_add")
    if any(n < 0 for n in shp):
        raise ValueError(f"scatter_add: shape {shp} has a negative entry")
    index, basic, plan = _checked_index(index, shp, "scatter_add")
    if plan is None:
        picked = np.empty(shp, dtype=np.bool_)[index].shape
    else:
        a, k, lin = plan
        picked = (*shp[:a], *lin.shape, *shp[a + k:])
    try:
        np.broadcast_to(np.empty(g.shape, dtype=np.bool_), picked)
    except ValueError:
        raise ValueError(
            f"scatter_add: values of shape {g.shape} do not fit the indexed shape {picked}"
        ) from None
    return _SCATTER_ADD(g, index=index, shape=shp, basic=basic, plan=plan)


def _tensors(tensors: Any, name: str) -> list[Tensor]:
    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise ValueError(f"{name}: need a non-empty list or tuple of tensors")
    first = next((t for t in tensors if isinstance(t, Tensor)), None)
    return [as_tensor(t, first, name) for t in tensors]


@numpy_names
def concatenate(tensors: Sequence[Any], axis: int | None = 0) -> Tensor:
    """Join tensors along an existing ``axis``; axis=None joins them flattened (NumPy's)."""
    ts = _tensors(tensors, "concatenate")
    if axis is None:
        ts, axis = [reshape(t, (-1,)) for t in ts], 0
    if not is_int(axis):
        raise TypeError(f"concatenate: axis must be an int or None, got {axis!r:.60}")
    nd = ts[0].ndim
    if nd == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    ax = one_axis(axis, nd, "concatenate")
    rest = {t.shape[:ax] + t.shape[ax + 1:] if t.ndim == nd else None for t in ts}
    if len(rest) != 1 or None in rest:
        raise ValueError(f"concatenate: shapes {[t.shape for t in ts]} differ outside axis {ax}")
    return _CONCATENATE(*ts, axis=ax)


@numpy_names
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
    return _STACK(*ts, axis=axis % nd)


FUNCTIONS.update({f.__name__: f for f in (
    reshape, flatten, transpose, swapaxes, squeeze, expand_dims, astype, getitem, scatter_add,
    concatenate, stack)})
