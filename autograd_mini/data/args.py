"""The argument checks of the data functions: counts, flags, real numbers and finite arrays,
each refused with an error naming the function."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import as_array

__all__ = ["MAX_COUNT", "all_finite", "count_arg", "flag_arg", "floats_arg", "real_arg"]

MAX_COUNT = 2**40  #: more samples or batches than any dataset here could hold


def count_arg(value: Any, name: str, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{where}: {name} must be an int >= {minimum}, got {value!r:.60}")
    if value > MAX_COUNT:
        raise ValueError(f"{where}: {name}={value} is too large (at most {MAX_COUNT})")
    return int(value)


def all_finite(X: np.ndarray, where: str, what: str) -> np.ndarray:
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{where}: {what} are so large that some points are not finite")
    return X


def flag_arg(value: Any, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be a bool, got {value!r:.60}")
    return bool(value)


def real_arg(value: Any, name: str, where: str, minimum: float | None = None) -> float:
    """A finite real number (>= ``minimum`` when given)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{where}: {name} must be a real number, got {value!r:.60}")
    out = float(value)
    if not np.isfinite(out) or (minimum is not None and out < minimum):
        bound = "" if minimum is None else f" and >= {minimum:g}"
        raise ValueError(f"{where}: {name} must be finite{bound}, got {value!r}")
    return out


def floats_arg(value: Any, name: str, where: str) -> np.ndarray:
    """``value`` as a float64 array of finite numbers."""
    arr = np.asarray(as_array(value, copy=False, where=f"{where}: {name}"), dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where}: {name} must hold finite numbers, got {value!r:.80}")
    return arr
