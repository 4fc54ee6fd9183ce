"""Gates and channel-wise activations: GLU (one half of the input gating the other), LogSigmoid
(the log of the sigmoid gate), PReLU (a leaky ReLU whose slope is learned, one per channel)
and Softmax2d (a softmax over the channels at every position), with PyTorch's formulas,
defaults, parameter names and reprs; functional forms ``glu`` and ``prelu``.

Axes follow the library's NumPy naming: ``GLU(axis=-1)`` and ``glu(x, axis=-1)`` are PyTorch's
``dim=``, which is refused with a message naming ``axis=``, as everywhere in ``nn``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import Tensor, log_sigmoid, reshape, sigmoid, softmax, split, where
from autograd_mini.checks import numpy_names, one_axis

from ._util import (
    as_tensor,
    check_axis,
    check_real,
    check_size,
    float_dtype,
    float_input,
    positive_int,
)
from .init import constant_
from .module import Module
from .parameter import Parameter

__all__ = ["GLU", "LogSigmoid", "PReLU", "Softmax2d", "glu", "prelu"]


@numpy_names
def glu(input: Any, axis: int = -1) -> Tensor:
    """y = a ⊗ σ(b), where a and b are the first and second halves of the input along ``axis``
    (which must have an even length); the result is half as long along it."""
    x = float_input(input, "glu")
    if x.ndim == 0:
        raise ValueError("glu: a 0-d input has no axis to halve")
    ax = one_axis(axis, x.ndim, "glu")
    n = x.shape[ax]
    if n % 2:
        raise ValueError(f"glu: axis {axis} of the input of shape {x.shape} has odd length {n}; "
                         "it is halved into the values and their gates, so it must be even")
    a, b = split(x, 2, axis=ax)
    return a * sigmoid(b)


def prelu(input: Any, weight: Any) -> Tensor:
    """y = max(0, x) + a · min(0, x): x where x > 0, a · x elsewhere (gradient a at 0, as
    PyTorch's). ``weight`` a holds one slope, or one per channel: axis 1 of an input with two
    or more axes, axis 0 of a 1-d one."""
    x = float_input(input, "prelu")
    w = as_tensor(weight, "prelu: weight")
    if w.ndim > 1:
        raise ValueError(f"prelu: weight must be a scalar or 1-d (one slope per channel), got "
                         f"shape {w.shape}")
    n = w.size
    if n == 1:
        w = reshape(w, ())
    else:
        if x.ndim == 0:
            raise ValueError(f"prelu: a 0-d input takes a single slope, got weight of shape "
                             f"{w.shape}")
        channels = x.shape[1] if x.ndim >= 2 else x.shape[0]
        if n != channels:
            raise ValueError(f"prelu: weight has {n} slopes but the input of shape {x.shape} "
                             f"has {channels} channels (axis {1 if x.ndim >= 2 else 0})")
        if x.ndim > 2:  # (C,) → (C, 1, …, 1), so the slope runs along axis 1
            w = reshape(w, (n,) + (1,) * (x.ndim - 2))
    return where(x.data > 0, x, w * x)


class PReLU(Module):
    """y = max(0, x) + a · min(0, x) with learned slopes a: ``weight`` of shape
    (num_parameters,), all ``init`` at construction and after ``reset_parameters()``
    (PyTorch's); with num_parameters > 1, one per channel (axis 1 of the input; axis 0 of a
    1-d one, which PyTorch refuses).

    PyTorch's attribute ``num_parameters`` is not kept: it would hide ``Module``'s method of
    that name, ``m.num_parameters()``, which gives the same count (the slopes).
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25,
                 dtype: Any = np.float64) -> None:
        super().__init__()
        w = "PReLU"
        n = positive_int(num_parameters, "num_parameters", w)
        self.init = check_real(init, "init", w)
        dt = float_dtype(dtype, w)
        check_size((n,), dt, w)
        self.weight = Parameter(np.empty(n, dtype=dt))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope ← ``init`` in place (the same Parameter), as at construction and
        PyTorch's."""
        constant_(self.weight, self.init)

    def forward(self, x: Any) -> Tensor:
        return prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.weight.size}"


class GLU(Module):
    """y = a ⊗ σ(b), with a and b the two halves of the input along ``axis`` (default -1)."""

    @numpy_names
    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = check_axis(axis, "GLU")

    def forward(self, x: Any) -> Tensor:
        return glu(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSigmoid(Module):
    """y = log σ(x) = −log(1 + e^−x), finite for any x (``autograd_mini.log_sigmoid``)."""

    def forward(self, x: Any) -> Tensor:
        return log_sigmoid(float_input(x, "LogSigmoid"))


class Softmax2d(Module):
    """y = e^x / Σ_c e^x over the channels at every position: the softmax along axis −3 of a
    (N, C, H, W) or (C, H, W) input."""

    def forward(self, x: Any) -> Tensor:
        t = as_tensor(x, "Softmax2d")
        if t.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-d (C, H, W) or 4-d (N, C, H, W) input, "
                             f"got shape {t.shape}")
        return softmax(float_input(t, "Softmax2d"), axis=-3)
