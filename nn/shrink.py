"""Shrinkage and thresholding activations: Softshrink, Hardshrink, Tanhshrink and Threshold,
each with its functional form (PyTorch's formulas, defaults, argument names and reprs).

Each is written with the library's ops on a constant mask or a clip, so float32 stays
float32, nothing overflows at ±1000 and the gradients are PyTorch's: 1 where the input passes
unchanged or shifted, 0 where it is replaced by a constant (ties at the bounds included, as
PyTorch's backward rules have them). PyTorch's ``inplace=`` is accepted where it has it; the
result is a new tensor either way, as for the other activations.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini import Tensor, clip, tanh, where

from ._util import check_flag, check_real, float_input
from .module import Module

__all__ = ["Hardshrink", "Softshrink", "Tanhshrink", "Threshold", "hardshrink", "softshrink",
           "tanhshrink", "threshold"]


def _lambd(lambd: Any, where_: str) -> float:
    """λ ≥ 0, finite, as PyTorch's softshrink checks it (its hardshrink takes any λ: a
    negative one zeroes nothing)."""
    return check_real(lambd, "lambd", where_, 0.0)


def _limit(value: Any, name: str, where_: str) -> float:
    """A real number; ±inf allowed (an infinite threshold passes all or nothing), NaN not."""
    if isinstance(value, (float, np.floating)) and math.isinf(value):
        return float(value)
    return check_real(value, name, where_)


def softshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """y = x − λ for x > λ, x + λ for x < −λ, 0 otherwise: x − clip(x, −λ, λ); λ ≥ 0.

    The gradient is 1 where |x| > λ and 0 on [−λ, λ] (its ends included), as PyTorch's.
    """
    lam = _lambd(lambd, "softshrink")
    x = float_input(input, "softshrink")
    return x - clip(x, -lam, lam)


def hardshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """y = x for |x| > λ, 0 otherwise (on [−λ, λ], its ends included); any finite λ, as in
    PyTorch (a negative one zeroes nothing).

    The gradient is 1 where the input passes and 0 where it is zeroed; NaN passes, as in
    PyTorch.
    """
    lam = check_real(lambd, "lambd", "hardshrink")
    x = float_input(input, "hardshrink")
    zeroed = (x.data >= -lam) & (x.data <= lam)
    return where(zeroed, 0.0, x)


def tanhshrink(input: Any) -> Tensor:
    """y = x − tanh x, with gradient tanh² x."""
    x = float_input(input, "tanhshrink")
    return x - tanh(x)


def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """y = x for x > threshold, else ``value`` (PyTorch's rule is "value where x ≤ threshold",
    so NaN passes); the gradient is 1 where x passes and 0 where it is replaced.

    A finite threshold or value beyond the input dtype's range (1e300 for float32) raises
    ``OverflowError``, where PyTorch raises its RuntimeError; ±inf is allowed."""
    where_ = "threshold"
    check_flag(inplace, "inplace", where_)
    th = _limit(threshold, "threshold", where_)
    val = _limit(value, "value", where_)
    x = float_input(input, where_)
    top = float(np.finfo(x.dtype).max)
    for name, v in (("threshold", th), ("value", val)):
        if math.isfinite(v) and abs(v) > top:  # (PyTorch's test: ±inf converts, 1e300 not)
            raise OverflowError(f"{where_}: {name} {v!r} cannot be converted to the input's "
                                f"dtype {x.dtype} without overflow")
    return where(x.data <= th, val, x)


class Softshrink(Module):
    """y = x − λ for x > λ, x + λ for x < −λ, 0 otherwise (``lambd`` = λ ≥ 0, default 0.5)."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = _lambd(lambd, "Softshrink")

    def forward(self, x: Any) -> Tensor:
        return softshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Module):
    """y = x for |x| > λ, 0 otherwise (``lambd`` = λ, default 0.5)."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = check_real(lambd, "lambd", "Hardshrink")

    def forward(self, x: Any) -> Tensor:
        return hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Tanhshrink(Module):
    """y = x − tanh x."""

    def forward(self, x: Any) -> Tensor:
        return tanhshrink(x)


class Threshold(Module):
    """y = x for x > threshold, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        w = "Threshold"
        self.threshold = _limit(threshold, "threshold", w)
        self.value = _limit(value, "value", w)
        self.inplace = check_flag(inplace, "inplace", w)  # (PyTorch's; a new tensor anyway)

    def forward(self, x: Any) -> Tensor:
        return threshold(x, self.threshold, self.value)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{inplace}"
