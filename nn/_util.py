"""Small argument checks shared by the layers and losses."""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from autograd_mini import Tensor
from autograd_mini.constants import check_no_graph
from autograd_mini.data import check_rng

__all__ = [
    "as_tensor", "check_axis", "check_flag", "check_real", "check_rng", "check_size",
    "float_dtype", "float_input", "positive_int",
]


def as_tensor(x: Any, where: str = "Tensor") -> Tensor:
    """``x`` itself if it is a Tensor, else a constant Tensor of it (errors name ``where``)."""
    if isinstance(x, Tensor):
        return x
    check_no_graph(x, where)
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError, OverflowError) as exc:
        raise TypeError(f"{where}: cannot make a numeric array from {type(x).__name__}: "
                        f"{exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: unsupported dtype {arr.dtype} (need bool, integer or "
                        "floating data)")
    return Tensor(arr)




def float_input(x: Any, where: str) -> Tensor:
    """``x`` as a Tensor; integer and bool data become float64 (for formulas on reals)."""
    t = as_tensor(x, where)
    return t if t.dtype.kind == "f" else t.astype(np.float64)


def float_dtype(dtype: Any, where: str) -> np.dtype:
    """``dtype`` as a NumPy floating dtype."""
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError) as exc:
        raise TypeError(f"{where}: dtype {dtype!r:.60} is not a NumPy dtype ({exc})") from None
    if dt.kind != "f":
        raise TypeError(f"{where}: dtype must be a floating type, got {dt}")
    return dt


def positive_int(value: Any, name: str, where: str) -> int:
    """``value`` as an int ≥ 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r:.60}")
    return int(value)


def check_size(shape: tuple[int, ...], dtype: np.dtype, where: str) -> None:
    """Refuse parameter shapes no array can have (more bytes than the address space)."""
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > sys.maxsize:
        raise ValueError(f"{where}: a {dtype} array of shape {shape} would need {nbytes:.3g} "
                         "bytes, more than any array can hold")


def check_flag(value: Any, name: str, where: str) -> bool:
    """``value`` as a bool; other types (1, "yes", arrays) are a TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be a bool, got {value!r:.60}")
    return bool(value)


def check_real(value: Any, name: str, where: str, low: float | None = None,
               high: float | None = None, open_low: bool = False) -> float:
    """``value`` as a finite float in [low, high] (low excluded when ``open_low``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
            or isinstance(value, (complex, np.complexfloating)):
        raise TypeError(f"{where}: {name} must be a real number, got {value!r:.60}")
    out = float(value) + 0.0  # (−0.0 becomes 0.0: a bound of −0.0 would flip a range)
    bad = not math.isfinite(out) or (low is not None and (out < low or (open_low and out == low)))
    if bad or (high is not None and out > high):
        if low is not None and high is not None:
            rng = f" in {'(' if open_low else '['}{low:g}, {high:g}]"
        elif low is not None:
            rng = f" > {low:g}" if open_low else f" >= {low:g}"
        else:
            rng = "" if high is None else f" <= {high:g}"
        raise ValueError(f"{where}: {name} must be a finite number{rng}, got {value!r}")
    return out


def check_axis(value: Any, where: str) -> int:
    """``value`` as an int axis (range is checked when the input is known)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: axis must be an int, got {value!r:.60}")
    return int(value)
