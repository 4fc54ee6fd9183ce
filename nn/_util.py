"""Small argument checks shared by the layers and losses."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import Tensor

__all__ = ["as_tensor", "check_rng", "float_dtype", "positive_int"]


def as_tensor(x: Any) -> Tensor:
    """``x`` itself if it is a Tensor, else a constant Tensor of it."""
    return x if isinstance(x, Tensor) else Tensor(x)


def check_rng(rng: np.random.Generator | None, where: str) -> np.random.Generator:
    """``rng``, or a fresh unseeded Generator when None; anything else is a TypeError."""
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{where}: rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    return rng


def float_dtype(dtype: Any, where: str) -> np.dtype:
    """``dtype`` as a NumPy floating dtype."""
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{where}: dtype must be a floating type, got {dt}")
    return dt


def positive_int(value: Any, name: str, where: str) -> int:
    """``value`` as an int ≥ 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r}")
    return int(value)
