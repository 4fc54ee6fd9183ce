"""Movement ops: moveaxis, flip, roll, pad, repeat, tile, split, the gathers take and
take_along_axis, put_along_axis, meshgrid and one_hot, with NumPy's names and rules.

Most are composites of transpose, getitem (whose integer-array form gathers with ``np.take`` and
scatters its gradient with ``gather.scatter_rows``), broadcast_to and reshape; roll, pad and
put_along_axis are primitives of their own.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..checks import axes, broadcasts, integers, is_int, numpy_names, one_axis
from ..constants import as_tensor
from ..engine import primitive
from ..grad_mode import is_grad_enabled
from ..tensor import FUNCTIONS, Tensor, wrap
from .elementwise import masked
from .gather import gather_plan, scatter_axis
from .reduce import broadcast_to
from .shape import getitem, indexed, reshape, scatter_add, swapaxes, transpose

__all__ = ["array_split", "flip", "meshgrid", "moveaxis", "one_hot", "pad", "put_along_axis",
           "repeat", "roll", "split", "swapaxes", "take", "take_along_axis", "tile"]

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ("one_hot",)

Grads = tuple[Any, ...]


def _ints(value: Any, name: str, label: str, error: type[Exception] = TypeError,
          bools: bool = True) -> np.ndarray:
    """An integer index array from an array, a list, a Tensor or a number (bools as 0/1, as
    np.take's; without ``bools`` refused, as NumPy's take_along_axis and torch.gather do)."""
    try:
        arr = np.asarray(value.data if isinstance(value, Tensor) else value)
    except (ValueError, TypeError, OverflowError):
        raise error(f"{name}: {label} must be integers, got {value!r:.60}") from None
    if isinstance(value, (list, tuple)) and arr.size == 0:
        arr = arr.astype(np.intp)  # an empty list is no float array
    if arr.dtype.kind not in "biu":
        raise error(f"{name}: {label} must be integers, got dtype {arr.dtype}")
    if arr.dtype.kind == "b" and not bools:
        raise error(f"{name}: {label} must be integers, got a bool mask of shape {arr.shape} "
                    "(with a mask, x[mask] picks and autograd_mini.where(mask, v, x) writes)")
    return arr.astype(np.intp) if arr.dtype.kind == "b" else arr


def _axis_list(value: Any, ndim: int, name: str, label: str) -> list[int]:
    """An int or a sequence of ints as in-range, non-negative, distinct axes (order kept)."""
    items = [value] if is_int(value) else value
    if not isinstance(items, (list, tuple)) or not all(is_int(a) for a in items):
        raise TypeError(f"{name}: {label} must be an int or a sequence of ints, got {value!r}")
    for a in items:
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}: {label} axis {a} is out of range for {ndim} dims")
    out = [int(a) % ndim for a in items]
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {label} {value!r}")
    return out


# --------------------------------------------------------------------------- rearranging
def moveaxis(x: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """transpose(x, p): axes ``source`` moved to ``destination``, the others in their order."""
    x = as_tensor(x, where="moveaxis")
    src = _axis_list(source, x.ndim, "moveaxis", "source")
    dst = _axis_list(destination, x.ndim, "moveaxis", "destination")
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} need the "
                         "same number of axes")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


@numpy_names
def flip(x: Any, axis: Any = None) -> Tensor:
    """x[…, ::−1, …] along each axis of ``axis`` (None: every axis); x̄ = ḡ flipped back."""
    x = as_tensor(x, where="flip")
    if x.ndim == 0 and not (axis is None or (isinstance(axis, tuple) and not axis)):
        raise ValueError(f"flip: axis {axis!r:.60} is out of range for a 0-d tensor")
    ax = axes(axis, x.ndim, "flip")
    return getitem(x, tuple(slice(None, None, -1) if ax is None or d in ax else slice(None)
                            for d in range(x.ndim)))


def _roll(x: Any, shift: tuple[int, ...] = (), axis: tuple[int, ...] | None = None
          ) -> tuple[Any, None]:
    """x rolled by shift along axis (None: flattened);  x̄ = ḡ rolled back"""
    return np.roll(x, shift[0] if axis is None else shift, axis), None


def _roll_vjp(g: Any, saved: Any, needs: Any, shift: tuple[int, ...] = (),
              axis: tuple[int, ...] | None = None) -> Grads:
    back = tuple(-s for s in shift)
    if isinstance(g, Tensor):
        return (_ROLL(g, shift=back, axis=axis),)
    return (_roll(g, back, axis)[0],)


_ROLL = primitive("roll", _roll, _roll_vjp)


@numpy_names
def roll(x: Any, shift: int | Sequence[int], axis: int | Sequence[int] | None = None) -> Tensor:
    """out[(i + shift) mod n] = x[i] along ``axis`` (None: the flattened x, reshaped back);
    shifts and axes pair up by broadcasting, and shifts of a repeated axis add up."""
    x = as_tensor(x, where="roll")
    shifts = integers(shift, "shift", "roll")
    if axis is None:
        return _ROLL(x, shift=(sum(shifts) % max(x.size, 1),), axis=None)
    if x.ndim == 0:
        raise ValueError(f"roll: axis {axis!r:.60} is out of range for a 0-d tensor")
    ax = [one_axis(a, x.ndim, "roll") for a in integers(axis, "axis", "roll")]
    if len(shifts) != len(ax) and 1 not in (len(shifts), len(ax)):
        raise ValueError(f"roll: {len(shifts)} shifts do not pair up with {len(ax)} axes")
    total = dict.fromkeys(ax, 0)
    for s, a in zip(shifts * len(ax) if len(shifts) == 1 else shifts,
                    ax * len(shifts) if len(ax) == 1 else ax):
        total[a] += s
    return _ROLL(x, shift=tuple(s % max(x.shape[a], 1) for a, s in total.items()),
                 axis=tuple(total))


# --------------------------------------------------------------------------- padding
def _pad(x: Any, width: tuple[tuple[int, int], ...] = (), mode: str = "constant",
         value: Any = 0) -> tuple[Any, Any]:
    """x padded by width (before, after) per axis;  x̄ = ḡ's centre, plus (all but constant)
    the padding summed into the elements it copies"""
    if not width:  # a 0-d x (np.pad refuses an empty pad_width)
        return x.copy(), x.shape
    kw = {"constant_values": value} if mode == "constant" else {}
    return np.pad(x, width, mode=mode, **kw), x.shape  # type: ignore[call-overload]


def _pad_vjp(g: Any, shape: tuple[int, ...], needs: Any, width: tuple[tuple[int, int], ...] = (),
             mode: str = "constant", value: Any = 0) -> Grads:
    if mode == "constant":
        return (g[tuple(slice(b, b + n) for (b, _), n in zip(width, shape))],)
    for d, ((b, a), n) in enumerate(zip(width, shape)):
        if b or a:  # the source of each padded position along d, as np.pad picks it
            src = np.pad(np.arange(n), (b, a), mode=mode)  # type: ignore[call-overload]
            target = (*g.shape[:d], n, *g.shape[d + 1:])
            g = (scatter_add(g, (slice(None),) * d + (src,), target) if isinstance(g, Tensor)
                 else scatter_axis(g, (d, 1, src), target))
    return (g,)


_PAD = primitive("pad", _pad, _pad_vjp)
_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = 0) -> Tensor:
    """out = x with ``pad_width`` elements before and after it along each axis, in NumPy's
    forms (n; (before, after); ((before, after), …)): ``constant_values``, the edge ("edge"),
    the mirror image without the edge ("reflect") or with it ("symmetric"), the other end
    ("wrap", PyTorch's "circular"), repeated for pads wider than x as NumPy's; x̄ sums each
    copy's ḡ into its source."""
    x = as_tensor(x, where="pad")
    if not isinstance(mode, str) or mode not in _PAD_MODES:
        raise ValueError(f"pad: mode {mode!r:.60} is not supported; use one of {_PAD_MODES}")
    if mode != "constant" and not (type(constant_values) is int and constant_values == 0):
        raise ValueError(f"pad: constant_values is for mode 'constant', not {mode!r} (as "
                         "NumPy's pad)")
    if isinstance(constant_values, Tensor) and constant_values.requires_grad and \
            is_grad_enabled():  # (np.asarray would read its values and lose its gradient)
        raise TypeError("pad: constant_values is a tensor that requires grad, but the padding "
                        "is a constant (its gradient would be lost): pass a number or .detach()")
    try:
        w = np.asarray(pad_width.data if isinstance(pad_width, Tensor) else pad_width)
        value = np.asarray(constant_values)
    except (ValueError, TypeError, OverflowError):
        raise TypeError(f"pad: pad_width and constant_values must be numbers, got "
                        f"{pad_width!r:.60} and {constant_values!r:.60}") from None
    if w.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must be integers, got {pad_width!r:.60}")
    if w.size == 1:
        w = w.reshape(())
    elif w.size == 2 and w.shape != (2, 1):
        w = w.ravel()
    try:
        w = np.broadcast_to(w, (x.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r:.60} does not fit a tensor of shape "
                         f"{x.shape}") from None
    if np.any(w < 0):
        raise ValueError(f"pad: pad_width {pad_width!r:.60} has a negative entry")
    width = tuple((int(b), int(a)) for b, a in w)
    for d, ((b, a), n) in enumerate(zip(width, x.shape)):
        if mode != "constant" and n == 0 and b + a:
            raise ValueError(f"pad: cannot pad the empty axis {d} of shape {x.shape} in mode "
                             f"{mode!r}")
    if value.dtype.kind not in "biuf":
        raise TypeError(f"pad: constant_values must be real numbers, got {constant_values!r:.60}")
    return _PAD(x, width=width, mode=mode, value=value)


# --------------------------------------------------------------------------- copies
@numpy_names
def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """out = x[0] r₀ times, x[1] r₁ times, … along ``axis`` (None: of the flattened x), with
    ``repeats`` an int or one count per element; x̄ sums the copies. Float counts raise (NumPy
    truncates them). NumPy's repeat: PyTorch's ``x.repeat(3, 1)`` tiles, which is ``tile``."""
    x = as_tensor(x, where="repeat")
    r = _ints(repeats, "repeat", "repeats")
    x = reshape(x, (-1,)) if axis is None or x.ndim == 0 else x
    ax = 0 if axis is None else one_axis(axis, x.ndim, "repeat")
    try:
        src = np.repeat(np.arange(x.shape[ax]), r)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"repeat: {exc} (axis {ax} of shape {x.shape}, repeats of shape "
                         f"{r.shape})") from None
    return indexed(x, (slice(None),) * ax + (src,), "repeat")


def tile(x: Any, reps: int | Sequence[int]) -> Tensor:
    """out[k·n + i] = x[i] along each axis, k < reps (NumPy's rule: the shorter of x.shape and
    reps gets leading 1s); a broadcast, so x̄ sums the copies."""
    x = as_tensor(x, where="tile")
    r = integers(reps, "reps", "tile")
    if any(k < 0 for k in r) or math.prod(r) * x.size > 2**48:
        raise ValueError(f"tile: reps {r} has a negative entry or makes too many elements")
    nd = max(len(r), x.ndim)
    r = (1,) * (nd - len(r)) + r
    shape = (1,) * (nd - x.ndim) + x.shape
    spread = reshape(x, tuple(itertools.chain.from_iterable((1, n) for n in shape)))
    copies = broadcast_to(spread, tuple(itertools.chain.from_iterable(zip(r, shape))))
    return reshape(copies, tuple(k * n for k, n in zip(r, shape)))


def _pieces(name: str, x: Any, indices_or_sections: Any, axis: int, equal: bool) -> list[Tensor]:
    x = as_tensor(x, where=name)
    if x.ndim == 0:
        raise ValueError(f"{name}: cannot split a 0-d tensor")
    ax = one_axis(axis, x.ndim, name)
    n = x.shape[ax]
    if is_int(indices_or_sections):
        k = int(indices_or_sections)
        if not 0 < k <= max(n, 2**20):
            raise ValueError(f"{name}: the number of sections must be positive and at most "
                             f"max(length, 2**20), got {k}")
        if equal and n % k:
            raise ValueError(f"{name}: axis {ax} of length {n} (shape {x.shape}) does not split "
                             f"into {k} equal sections")
        each, extra = divmod(n, k)
        ends = list(itertools.accumulate([each + 1] * extra + [each] * (k - extra)))
        cuts = list(zip([0, *ends[:-1]], ends))
    else:
        points = integers(indices_or_sections, "indices_or_sections", name)
        cuts = list(zip([0, *points], [*points, n]))
    return [getitem(x, (slice(None),) * ax + (slice(a, b),)) for a, b in cuts]


@numpy_names
def split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """[x[0:i₀], x[i₀:i₁], …, x[iₖ:]] along ``axis``, at the given indices (slicing's rules), or
    for an int that many equal pieces (it must divide the length); each piece differentiable."""
    return _pieces("split", x, indices_or_sections, axis, True)


@numpy_names
def array_split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """[x[0:i₀], x[i₀:i₁], …] as ``split``, but n sections of a length L need not divide it:
    the first L mod n pieces are one longer."""
    return _pieces("array_split", x, indices_or_sections, axis, False)


# --------------------------------------------------------------------------- gathers
@numpy_names
def take(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """out[…, j, …] = x[…, indices[j], …] along ``axis`` (None: of the flattened x), negative
    indices counting from the end, out-of-range ones raising; x̄ sums ḡ over repeats."""
    x = as_tensor(x, where="take")
    idx = _ints(indices, "take", "indices")
    x = reshape(x, (-1,)) if axis is None or x.ndim == 0 else x
    ax = 0 if axis is None else one_axis(axis, x.ndim, "take")
    return indexed(x, (slice(None),) * ax + (idx,), "take")


def _along(name: str, x: Tensor, indices: Any, axis: int | None) -> tuple[Tensor, tuple[Any, ...]]:
    """x (flattened for axis None) and the integer-array index that picks ``indices`` along
    ``axis`` at every position of the other axes (NumPy's take_along_axis index)."""
    idx = _ints(indices, name, "indices", IndexError, bools=False)
    if axis is None:
        if idx.ndim != 1:
            raise ValueError(f"{name}: with axis=None the indices must be 1-d, got shape "
                             f"{idx.shape}")
        x = reshape(x, (-1,))
    if x.ndim == 0 or idx.ndim != x.ndim:
        raise ValueError(f"{name}: indices of shape {idx.shape} need as many dims as the tensor "
                         f"(shape {x.shape}), at least one")
    ax = 0 if axis is None else one_axis(axis, x.ndim, name)
    grid = tuple(idx if d == ax else np.arange(n).reshape([-1 if e == d else 1
                                                           for e in range(x.ndim)])
                 for d, n in enumerate(x.shape))
    try:
        np.broadcast_shapes(*(a.shape for a in grid))
    except ValueError:
        raise ValueError(f"{name}: indices of shape {idx.shape} do not broadcast against the "
                         f"tensor's shape {x.shape} outside axis {ax}") from None
    return x, grid


@numpy_names
def take_along_axis(x: Any, indices: Any, axis: int | None = -1) -> Tensor:
    """out[…, i, …] = x[…, indices[…, i, …], …] along ``axis`` (the other axes broadcast);
    x̄ sums ḡ over repeats. NumPy's gather (PyTorch's torch.gather)."""
    x, grid = _along("take_along_axis", as_tensor(x, where="take_along_axis"), indices, axis)
    return indexed(x, grid, "take_along_axis")


def _put(x: Any, v: Any, pos: Any = None, win: Any = None, keep: Any = None,
         shape: tuple[int, ...] = ()) -> tuple[Any, None]:
    """x with values v put at the flat positions pos (the last write to a position wins);
    x̄ = ḡ with 0 at pos, v̄ = ḡ at pos for the values written, 0 for those overwritten"""
    out = x.copy()
    out.reshape(-1)[pos] = np.broadcast_to(v, shape).reshape(-1)[win]
    return out, None


def _put_vjp(g: Any, saved: Any, needs: Any, pos: Any = None, win: Any = None, keep: Any = None,
             shape: tuple[int, ...] = ()) -> Grads:
    gv: Any = None
    if needs[1] and isinstance(g, Tensor):
        n = math.prod(shape)
        gv = reshape(scatter_add(getitem(reshape(g, (-1,)), pos), win, (n,)), shape)
    elif needs[1]:
        flat = np.zeros(math.prod(shape), g.dtype)
        flat[win] = np.take(g.reshape(-1), pos)
        gv = flat.reshape(shape)
    return (masked(g, keep) if needs[0] else None), gv


_PUT = primitive("put_along_axis", _put, _put_vjp, nin=2)


@numpy_names
def put_along_axis(x: Any, indices: Any, values: Any, axis: int | None) -> Tensor:
    """out = x, then out[…, indices[…, i, …], …] = values[…, i, …] along ``axis``: NumPy's
    in-place put_along_axis on a new tensor (values broadcast to the indices; where indices
    repeat the last value wins). x̄ = ḡ with zeros where values went; a value written gets ḡ
    there, an overwritten one 0."""
    x = as_tensor(x, where="put_along_axis")
    if axis is None:  # positions in the flattened x; the result keeps x's shape
        grid: tuple[Any, ...] = (_ints(indices, "put_along_axis", "indices", IndexError,
                                          bools=False),)
        if grid[0].ndim != 1:
            raise ValueError(f"put_along_axis: with axis=None the indices must be 1-d, got "
                             f"shape {grid[0].shape}")
    else:
        x, grid = _along("put_along_axis", x, indices, axis)
    plan = gather_plan(grid, x.shape if axis is not None else (x.size,), "put_along_axis")
    assert plan is not None  # every item is an integer array
    lin = plan[2]
    flat = lin.reshape(-1)
    _, last = np.unique(flat[::-1], return_index=True)
    win = flat.size - 1 - last  # the last write to each position
    keep = np.ones(x.shape, dtype=bool)
    keep.reshape(-1)[flat[win]] = False
    v = as_tensor(values, x, "put_along_axis")
    if not broadcasts(v.shape, lin.shape) or np.broadcast_shapes(v.shape, lin.shape) != lin.shape:
        raise ValueError(f"put_along_axis: values of shape {v.shape} do not broadcast to the "
                         f"indices' shape {lin.shape}")
    return _PUT(x, v, pos=flat[win], win=win, keep=keep, shape=lin.shape)


# --------------------------------------------------------------------------- grids, codes
def meshgrid(*xs: Any, indexing: str = "xy") -> list[Tensor]:
    """out_i[j₀, j₁, …] = xs[i][j_i] for "ij" (each xs[i] flattened); "xy" (NumPy's default)
    swaps the first two axes. Each is a broadcast, so x̄_i sums the copies."""
    if not isinstance(indexing, str) or indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    if len(xs) == 1 and isinstance(xs[0], (list, tuple)) and any(
            isinstance(x, Tensor) for x in xs[0]):  # PyTorch's list form; NumPy's reading
        raise TypeError("meshgrid: give the tensors as separate arguments, meshgrid(*xs) "
                        "(NumPy's signature: a list is read as one array, flattened)")
    ts = [reshape(as_tensor(x, where="meshgrid"), (-1,)) for x in xs]
    place = list(range(len(ts)))
    if indexing == "xy" and len(ts) > 1:
        place[0], place[1] = 1, 0
    shape = [0] * len(ts)
    for t, p in zip(ts, place):
        shape[p] = t.shape[0]
    return [broadcast_to(reshape(t, tuple(t.shape[0] if e == p else 1 for e in range(len(ts)))),
                         tuple(shape)) for t, p in zip(ts, place)]


def one_hot(indices: Any, num_classes: int = -1, dtype: Any = "float64") -> Tensor:
    """e_{indices}: a new last axis of ``num_classes``, 1 at each index, 0 elsewhere (−1:
    max(indices) + 1, as in PyTorch), in ``dtype`` (float64 by default, where PyTorch's is
    int64: pass float32 beside float32 logits, np.int64 for PyTorch's). Not differentiable."""
    idx = _ints(indices, "one_hot", "indices")
    try:
        dtype = np.dtype(dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"one_hot: dtype {dtype!r:.60} is not a NumPy dtype ({exc})") from None
    if dtype.kind not in "biuf":
        raise TypeError(f"one_hot: dtype must be a bool, integer or floating type, got {dtype}")
    if not is_int(num_classes):
        raise TypeError(f"one_hot: num_classes must be an int, got {num_classes!r}")
    if num_classes == -1:
        if idx.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from empty indices; pass it")
        num_classes = int(idx.max()) + 1
    if not 0 <= num_classes <= 2**31:
        raise ValueError(f"one_hot: num_classes must be −1 or in [0, 2³¹], got {num_classes}")
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise ValueError(f"one_hot: indices from {idx.min()} to {idx.max()} are outside "
                         f"[0, {num_classes})")
    return wrap((idx[..., None] == np.arange(num_classes)).astype(dtype))


FUNCTIONS.update({f.__name__: f for f in (
    moveaxis, flip, roll, pad, repeat, tile, split, array_split, take, take_along_axis,
    put_along_axis, meshgrid, one_hot, swapaxes)})
