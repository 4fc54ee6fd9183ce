"""Argument handling shared by the public functions: inputs to Tensors (with cached 0-d
constants), axis normalisation, and checks of flags and real-number parameters."""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .locks import FROZEN
from .tensor import Tensor, as_array, wrap

Axis = None | int | Sequence[int]


_leaf = wrap  # a constant leaf around an array the library made or checked


# Cached 0-d constants, in two disjoint stores: float64 ones keyed by the number alone (the
# common ``tensor ⊕ float`` call then builds no key and hashes no dtype — NumPy's dtype hash is
# the dearer part), every other dtype by (number, dtype). A dtype goes to the first store when
# it *is* NumPy's float64 object; lookups and inserts use the same test.
_F64 = np.dtype(np.float64)
_CONSTS64: dict[float, Tensor] = {}
_CONSTS: dict[tuple[float, np.dtype], Tensor] = {}


def _const(x: float, dtype: np.dtype) -> Tensor:
    """A cached read-only 0-d constant (Python numbers recur: ``1 + …``, ``x * 2``)."""
    arr = np.asarray(x, dtype=dtype)
    arr.flags.writeable = False
    t = _leaf(arr)
    if x != 0 and x == x:  # 0.0 and −0.0 compare equal and NaN never does: keep them uncached
        if len(_CONSTS) + len(_CONSTS64) > 4096:
            _CONSTS.clear()
            _CONSTS64.clear()
            FROZEN.clear()  # their arrays may go now, and the ids be reused
        # setdefault: if another thread cached this number first, use its constant, so that
        # FROZEN names only arrays the cache keeps alive
        t = _CONSTS64.setdefault(x, t) if dtype is _F64 else _CONSTS.setdefault((x, dtype), t)
        FROZEN.add(id(t.data))
    return t


def _t(x: Any, like: Tensor | None = None, where: str = "op") -> Tensor:
    """``x`` as a Tensor; Python numbers take ``like``'s floating dtype so float32 stays float32."""
    if isinstance(x, Tensor):
        return x
    tx = type(x)
    if (tx is float or tx is int) and like is not None and like.data.dtype.kind == "f":
        dt = like.data.dtype
        c = _CONSTS64.get(x) if dt is _F64 else _CONSTS.get((x, dt))
        return c if c is not None else _const(x, dt)
    return _leaf(as_array(x, copy=False, where=where))


def _pair(a: Any, b: Any, name: str) -> tuple[Tensor, Tensor]:
    if not isinstance(a, Tensor):
        a = _t(a, b if isinstance(b, Tensor) else None, name)
    if not isinstance(b, Tensor):
        b = _t(b, a, name)
    return a, b


def _axes(axis: Axis, ndim: int, name: str) -> tuple[int, ...] | None:
    """Normalise ``axis`` (None, int, negative int or tuple) to sorted non-negative ints."""
    if axis is None:
        return None
    if isinstance(axis, (int, np.integer)):
        items: tuple[Any, ...] = (axis,)
    elif isinstance(axis, (tuple, list)):
        items = tuple(axis)
    else:
        raise TypeError(f"{name}: axis must be None, an int or a tuple of ints, got {axis!r}")
    out = []
    for a in items:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{name}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < builtins.max(ndim, 0) and not (ndim == 0 and a in (0, -1)):
            raise ValueError(f"{name}: axis {a} is out of range for a tensor with {ndim} dims")
        out.append(int(a) % builtins.max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(sorted(out)) if ndim else None


def _one_axis(axis: int, ndim: int, name: str) -> int:
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{name}: axis must be one int, got {axis!r}")
    ax = _axes(axis, builtins.max(ndim, 1), name)
    return 0 if ax is None else ax[0]


def _flag(value: Any, name: str, label: str) -> bool:
    if type(value).__name__ not in ("bool", "bool_"):
        raise TypeError(f"{name}: {label} must be True or False, got {value!r}")
    return bool(value)


def _real_number(value: Any, name: str, label: str) -> None:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok:
        raise TypeError(f"{name}: {label} must be a real number, got {value!r}")


def _count(x: Tensor, axes: tuple[int, ...] | None) -> int:
    if axes is None:
        return x.data.size
    return math.prod(x.data.shape[a] for a in axes)
