"""Tensor constructors: zeros, ones, *_like, and seeded random tensors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .checks import as_array
from .data import check_rng
from .tensor import Tensor

__all__ = ["ones", "ones_like", "rand", "randn", "zeros", "zeros_like"]

Shape = int | Sequence[int]


def _shape(shape: tuple[Any, ...], name: str) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    out = []
    for n in shape:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"{name}: shape entries must be non-negative ints, got {shape!r}")
        out.append(int(n))
    return tuple(out)


def _dtype(dtype: Any, name: str, kinds: str = "biuf") -> np.dtype:
    """``dtype`` as a NumPy dtype of one of ``kinds`` (bool, ints, floats by default)."""
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError) as exc:
        raise TypeError(f"{name}: dtype {dtype!r:.60} is not a NumPy dtype ({exc})") from None
    if dt.kind not in kinds:
        need = "a floating" if kinds == "f" else "a bool, integer or floating"
        raise TypeError(f"{name}: dtype must be {need} type, got {dt}")
    return dt


def _make(fill: Callable[[], np.ndarray], shape: tuple[int, ...], name: str,
          requires_grad: bool) -> Tensor:
    """A tensor owning the array ``fill()`` (not copied again); sizes NumPy refuses are named."""
    try:
        arr = fill()
    except (ValueError, OverflowError, MemoryError) as exc:
        raise ValueError(f"{name}: cannot make a tensor of shape {shape}: "
                         f"{type(exc).__name__}: {exc}") from None
    t = Tensor(np.empty(0, dtype=arr.dtype))
    t.data = arr
    if requires_grad is not False:
        t.requires_grad = requires_grad
    return t


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    shp, dt = _shape(shape, "zeros"), _dtype(dtype, "zeros")
    return _make(lambda: np.zeros(shp, dtype=dt), shp, "zeros", requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    shp, dt = _shape(shape, "ones"), _dtype(dtype, "ones")
    return _make(lambda: np.ones(shp, dtype=dt), shp, "ones", requires_grad)


def _like(t: Any, dtype: Any, name: str) -> tuple[np.ndarray, np.dtype]:
    arr = t.data if isinstance(t, Tensor) else as_array(t, copy=False, where=name)
    return arr, (arr.dtype if dtype is None else _dtype(dtype, name))


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape and dtype."""
    arr, dt = _like(t, dtype, "zeros_like")
    return _make(lambda: np.zeros(arr.shape, dtype=dt), arr.shape, "zeros_like", requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape and dtype."""
    arr, dt = _like(t, dtype, "ones_like")
    return _make(lambda: np.ones(arr.shape, dtype=dt), arr.shape, "ones_like", requires_grad)


def randn(*shape: Any, rng: np.random.Generator | None = None, dtype: Any = np.float64,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples drawn from ``rng`` (a ``np.random.Generator``)."""
    shp, dt, gen = _shape(shape, "randn"), _dtype(dtype, "randn", "f"), check_rng(rng, "randn")
    return _make(lambda: gen.standard_normal(shp).astype(dt, copy=False), shp, "randn",
                 requires_grad)


def rand(*shape: Any, rng: np.random.Generator | None = None, dtype: Any = np.float64,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1) drawn from ``rng`` (a ``np.random.Generator``)."""
    shp, dt, gen = _shape(shape, "rand"), _dtype(dtype, "rand", "f"), check_rng(rng, "rand")
    return _make(lambda: gen.random(shp).astype(dt, copy=False), shp, "rand", requires_grad)
