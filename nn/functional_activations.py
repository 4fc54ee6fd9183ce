"""nn.functional's activations with PyTorch's signatures: the library's functions, also taking
PyTorch's ``inplace=``. As the activation modules do, the result is a new tensor either way
(overwriting the input would lose what its backward pass needs). Also ``gumbel_softmax``, the
relaxed (or straight-through) sample of a categorical distribution."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.checks import numpy_names, one_axis

from ._util import as_tensor, check_flag, check_real, check_rng

__all__ = ["celu", "elu", "gumbel_softmax", "hardsigmoid", "hardswish", "hardtanh",
           "leaky_relu", "mish", "relu", "relu6", "selu", "silu"]


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


@numpy_names
def gumbel_softmax(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   axis: int = -1, rng: np.random.Generator | None = None) -> Tensor:
    """A relaxed one-hot sample of the categorical distribution softmax(logits) along
    ``axis``, as PyTorch's ``F.gumbel_softmax``: y = softmax((logits + g) / τ) with Gumbel
    noise g = −log(−log U) = −log E, E ~ Exp(1), drawn from ``rng`` (default: the
    ``manual_seed`` generator at this call). With ``hard`` the value is the one-hot of
    argmax y, its gradient that of y (straight-through: y_hard − stop_gradient(y) + y).
    ``eps`` is PyTorch's deprecated argument, without effect (there, and here); NumPy's
    ``axis`` stands for PyTorch's ``dim``. τ > 0."""
    where = "gumbel_softmax"
    x = as_tensor(logits, where)
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: logits must be floating point, got dtype {x.dtype}")
    tau = check_real(tau, "tau", where, 0.0, open_low=True)
    hard = check_flag(hard, "hard", where)
    check_real(eps, "eps", where)
    ax = one_axis(axis, x.ndim, where)
    if hard and x.ndim and x.shape[ax] == 0:  # (no argmax; PyTorch refuses it as well)
        raise ValueError(f"{where}: hard=True needs a non-empty axis {ax} for its argmax, got "
                         f"logits of shape {x.shape}")
    e = check_rng(rng, where).standard_exponential(x.shape)
    g = -np.log(np.maximum(e, np.finfo(np.float64).tiny))  # (E = 0 has probability 2⁻⁵³)
    y = am.softmax((x + g.astype(x.dtype)) / tau, axis=ax)
    if not hard:
        return y
    one_hot = np.zeros(x.shape, dtype=x.dtype)
    if x.ndim == 0:  # (one category: its one-hot is 1, as PyTorch's)
        one_hot[()] = 1
    else:
        np.put_along_axis(one_hot, np.expand_dims(np.argmax(y.data, axis=ax), ax), 1, axis=ax)
    return (one_hot - y.data) + y  # (PyTorch's order of the sums: the same values)
