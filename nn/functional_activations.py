"""nn.functional's activations with PyTorch's signatures: the library's functions, also taking
PyTorch's ``inplace=``. As the activation modules do, the result is a new tensor either way
(overwriting the input would lose what its backward pass needs)."""

from __future__ import annotations

from typing import Any

import autograd_mini as am
from autograd_mini import Tensor

from ._util import check_flag

__all__ = ["celu", "elu", "hardsigmoid", "hardswish", "hardtanh", "leaky_relu", "mish", "relu",
           "relu6", "selu", "silu"]


def _accept(inplace: Any, name: str) -> None:
    check_flag(inplace, "inplace", f"nn.functional.{name}")


def relu(input: Any, inplace: bool = False) -> Tensor:
    """max(x, 0) (``autograd_mini.relu``)."""
    _accept(inplace, "relu")
    return am.relu(input)


def relu6(input: Any, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) (``autograd_mini.relu6``)."""
    _accept(inplace, "relu6")
    return am.relu6(input)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope · x otherwise (``autograd_mini.leaky_relu``)."""
    _accept(inplace, "leaky_relu")
    return am.leaky_relu(input, negative_slope)


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, α (eˣ − 1) otherwise (``autograd_mini.elu``)."""
    _accept(inplace, "elu")
    return am.elu(input, alpha)


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, α (e^{x/α} − 1)) (``autograd_mini.celu``)."""
    _accept(inplace, "celu")
    return am.celu(input, alpha)


def selu(input: Any, inplace: bool = False) -> Tensor:
    """λ elu(x, α) with PyTorch's constants (``autograd_mini.selu``)."""
    _accept(inplace, "selu")
    return am.selu(input)


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """clip(x, min_val, max_val) (``autograd_mini.hardtanh``)."""
    _accept(inplace, "hardtanh")
    return am.hardtanh(input, min_val, max_val)


def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:
    """clip(x / 6 + 1/2, 0, 1) (``autograd_mini.hardsigmoid``)."""
    _accept(inplace, "hardsigmoid")
    return am.hardsigmoid(input)


def hardswish(input: Any, inplace: bool = False) -> Tensor:
    """x · hardsigmoid(x) (``autograd_mini.hardswish``)."""
    _accept(inplace, "hardswish")
    return am.hardswish(input)


def silu(input: Any, inplace: bool = False) -> Tensor:
    """x σ(x) (``autograd_mini.silu``)."""
    _accept(inplace, "silu")
    return am.silu(input)


def mish(input: Any, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x)) (``autograd_mini.mish``)."""
    _accept(inplace, "mish")
    return am.mish(input)
