"""Free functions around Tensor: ``as_array`` (checked conversion), the ``tensor`` and ``wrap``
constructors, and the dtype and comparison helpers (tensor.py imports them back after Tensor)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .tensor import ArrayLike, Tensor

if TYPE_CHECKING:
    from .engine import Node

__all__ = ["as_array", "tensor", "wrap"]


def _is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


def as_array(
    data: ArrayLike, dtype: Any = None, copy: bool = True, where: str = "Tensor"
) -> np.ndarray:
    """Convert ``data`` to an ndarray of a numeric dtype, refusing ragged, object and complex data.

    Python floats become float64; ints and bools keep their kind (they are constants).
    """
    if isinstance(data, Tensor):
        data = data.data
    name = type(data).__name__
    try:
        arr = np.array(data, copy=copy) if copy and dtype is None else np.asarray(data)
        if dtype is not None:
            if arr.dtype.kind == "c":  # a cast would silently drop the imaginary part
                raise TypeError(f"unsupported dtype {arr.dtype} (complex data)")
            with np.errstate(over="ignore", invalid="ignore"):  # overflow gives inf, quietly
                arr = np.array(arr, dtype=dtype, copy=copy) if copy else arr.astype(dtype,
                                                                                     copy=False)
    except (ValueError, TypeError, OverflowError, SyntaxError) as exc:
        raise TypeError(f"{where}: cannot make a numeric array from {name}: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: unsupported dtype {arr.dtype} (need bool, integer or floating data)"
        )
    return arr


def _compare(fn: Any, symbol: str, a: Tensor, other: Any) -> Tensor:
    """``a <symbol> other`` elementwise as a constant bool Tensor; ``other`` must be numeric."""
    b = other.data if isinstance(other, Tensor) else as_array(other, copy=False,
                                                             where=f"comparison {symbol}")
    try:
        np.broadcast_shapes(a.data.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"comparison {symbol}: shapes {a.data.shape} and {b.shape} do not broadcast"
        ) from None
    return Tensor(fn(a.data, b))


def tensor(
    data: ArrayLike, requires_grad: bool = False, dtype: Any = None, name: str | None = None
) -> Tensor:
    """Make a Tensor (copies ``data``); same as ``Tensor(...)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def wrap(data: np.ndarray, node: Node | None = None, name: str | None = None,
         cls: type[Tensor] = Tensor) -> Tensor:
    """A ``cls`` around ``data`` as it is (no copy, no checks): a leaf without gradient, or
    with ``node`` the value that node made (it then requires grad). For arrays the library
    made itself; ``Tensor(...)`` is the checked constructor."""
    t = object.__new__(cls)
    t.data = data
    t._grad = None
    t._rg = node is not None
    t._node = node
    t._name = name
    return t
