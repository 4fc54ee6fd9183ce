"""Tensor constructors: zeros, ones, *_like, and seeded random tensors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

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


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return Tensor(np.zeros(_shape(shape, "zeros"), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return Tensor(np.ones(_shape(shape, "ones"), dtype=dtype), requires_grad=requires_grad)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape and dtype."""
    arr = t.data if isinstance(t, Tensor) else np.asarray(t)
    return Tensor(np.zeros_like(arr, dtype=dtype), requires_grad=requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape and dtype."""
    arr = t.data if isinstance(t, Tensor) else np.asarray(t)
    return Tensor(np.ones_like(arr, dtype=dtype), requires_grad=requires_grad)


def _rng(rng: np.random.Generator | None) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def randn(*shape: Any, rng: np.random.Generator | None = None, dtype: Any = np.float64,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples drawn from ``rng`` (a ``np.random.Generator``)."""
    data = _rng(rng).standard_normal(_shape(shape, "randn")).astype(dtype, copy=False)
    return Tensor(data, requires_grad=requires_grad)


def rand(*shape: Any, rng: np.random.Generator | None = None, dtype: Any = np.float64,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1) drawn from ``rng`` (a ``np.random.Generator``)."""
    data = _rng(rng).random(_shape(shape, "rand")).astype(dtype, copy=False)
    return Tensor(data, requires_grad=requires_grad)
