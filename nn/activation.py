"""Activation modules: ReLU, LeakyReLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax, Identity,
and SiLU, GELU, ELU, CELU, SELU, ReLU6, Hardtanh, Hardsigmoid, Hardswish, Mish, Softsign, Softmin
(PyTorch's formulas, defaults and reprs; Softmin takes ``axis``). PyTorch's ``inplace=`` is
accepted where PyTorch has it: the result is a new tensor either way (same values), as
overwriting the input would lose what its backward needs."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any, Union

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini import functional as AF  # (am.<name> is opaque to type checkers)
from autograd_mini.checks import numpy_names

from ._util import as_tensor, check_axis, check_flag, check_real
from .gated import LogSigmoid
from .module import Module
from .shrink import Hardshrink, Softshrink, Tanhshrink

__all__ = [
    "CELU", "ELU", "GELU", "SELU", "Hardsigmoid", "Hardswish", "Hardtanh", "Identity", "LeakyReLU",
    "LogSoftmax", "Mish", "ReLU", "ReLU6", "SiLU", "Sigmoid", "Softmax", "Softmin", "Softplus",
    "Softsign", "Tanh", "make_activation",
]


class Identity(Module):
    """f(x) = x. Any arguments are ignored, as PyTorch's (a placeholder that keeps the
    constructor call of the layer it replaces)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x, "Identity")


class ReLU(Module):
    """f(x) = max(x, 0), with f'(0) = 0."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "ReLU")  # (PyTorch's; see module doc)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""

    def forward(self, x: Any) -> Tensor:
        return am.relu(x)


class LeakyReLU(Module):
    """f(x) = x for x > 0, negative_slope · x otherwise."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "LeakyReLU")  # (PyTorch's)
        self.negative_slope = check_real(negative_slope, "negative_slope", "LeakyReLU")

    def forward(self, x: Any) -> Tensor:
        return am.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^−x)."""

    def forward(self, x: Any) -> Tensor:
        return am.sigmoid(x)


class Tanh(Module):
    """tanh x."""

    def forward(self, x: Any) -> Tensor:
        return am.tanh(x)


class Softplus(Module):
    """(1/β) log(1 + e^(βx)), and x where βx > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = check_real(beta, "beta", "Softplus")
        if self.beta == 0:
            raise ValueError("Softplus: beta must be nonzero, got 0")
        if isinstance(threshold, (float, np.floating)) and math.isinf(threshold):
            self.threshold = float(threshold)  # ±inf: always or never the identity
        else:
            self.threshold = check_real(threshold, "threshold", "Softplus")

    def forward(self, x: Any) -> Tensor:
        return am.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """e^x / Σ e^x along ``axis``.

    The default ``axis=-1`` is the last axis, NumPy-style. PyTorch's implicit dim (deprecated,
    with a warning) differs: 0 for 0-, 1- and 3-d inputs, 1 otherwise, so it is not the last
    axis of a 3-d or 4-d input (nor of one with more axes); code ported from PyTorch should
    pass the axis (``dim=d`` there is ``axis=d`` here).
    """

    @numpy_names
    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = check_axis(axis, "Softmax")

    def forward(self, x: Any) -> Tensor:
        return am.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """x − logsumexp(x) along ``axis``.

    The default ``axis=-1`` is the last axis, which PyTorch's implicit dim is not for 3-d and
    4-d inputs (see ``Softmax``): pass the axis in code ported from PyTorch.
    """

    @numpy_names
    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = check_axis(axis, "LogSoftmax")

    def forward(self, x: Any) -> Tensor:
        return am.log_softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class SiLU(Module):
    """x σ(x)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "SiLU")  # (PyTorch's; see module doc)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""

    def forward(self, x: Any) -> Tensor:
        return AF.silu(x)


class GELU(Module):
    """x Φ(x) (``approximate="none"``) or PyTorch's tanh approximation (``"tanh"``)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if not isinstance(approximate, str) or approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got "
                             f"{approximate!r:.60}")
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        return AF.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class ELU(Module):
    """x for x > 0, α (e^x − 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "ELU")  # (PyTorch's)
        self.alpha = check_real(alpha, "alpha", "ELU")

    def forward(self, x: Any) -> Tensor:
        return AF.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(Module):
    """max(0, x) + min(0, α (e^(x/α) − 1)); α ≠ 0."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "CELU")  # (PyTorch's)
        self.alpha = check_real(alpha, "alpha", "CELU")
        if self.alpha == 0:
            raise ValueError("CELU: alpha cannot be 0")

    def forward(self, x: Any) -> Tensor:
        return AF.celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(Module):
    """λ x for x > 0, λ α (e^x − 1) otherwise (λ ≈ 1.0507, α ≈ 1.6733)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "SELU")  # (PyTorch's; see module doc)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""

    def forward(self, x: Any) -> Tensor:
        return AF.selu(x)


class ReLU6(Module):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "ReLU6")  # (PyTorch's; see module doc)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""

    def forward(self, x: Any) -> Tensor:
        return AF.relu6(x)


class Hardtanh(Module):
    """min(max(x, min_val), max_val)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "Hardtanh")  # (PyTorch's)
        self.min_val = check_real(min_val, "min_val", "Hardtanh")
        self.max_val = check_real(max_val, "max_val", "Hardtanh")
        if self.min_val > self.max_val:
            raise ValueError(f"Hardtanh: min_val={min_val} is greater than max_val={max_val}")

    def forward(self, x: Any) -> Tensor:
        return AF.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{inplace}"


class Hardsigmoid(Module):
    """min(max(x + 3, 0), 6) / 6."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "Hardsigmoid")  # (PyTorch's; see module doc)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""

    def forward(self, x: Any) -> Tensor:
        return AF.hardsigmoid(x)


class Hardswish(Module):
    """x min(max(x + 3, 0), 6) / 6."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "Hardswish")  # (PyTorch's; see module doc)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""

    def forward(self, x: Any) -> Tensor:
        return AF.hardswish(x)


class Mish(Module):
    """x tanh(softplus(x))."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "Mish")  # (PyTorch's; see module doc)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""

    def forward(self, x: Any) -> Tensor:
        return AF.mish(x)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, x: Any) -> Tensor:
        return AF.softsign(x)


class Softmin(Module):
    """e^−x / Σ e^−x along ``axis``.

    The default ``axis=-1`` is the last axis, which PyTorch's implicit dim is not for 3-d and
    4-d inputs (see ``Softmax``): pass the axis in code ported from PyTorch.
    """

    @numpy_names
    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = check_axis(axis, "Softmin")

    def forward(self, x: Any) -> Tensor:
        return AF.softmin(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


_BY_NAME: dict[str, type[Module]] = {
    "identity": Identity, "linear": Identity, "relu": ReLU, "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid, "tanh": Tanh, "softplus": Softplus, "softmax": Softmax,
    "log_softmax": LogSoftmax, "silu": SiLU, "gelu": GELU, "elu": ELU, "celu": CELU,
    "selu": SELU, "relu6": ReLU6, "hardtanh": Hardtanh, "hardsigmoid": Hardsigmoid,
    "hardswish": Hardswish, "mish": Mish, "softsign": Softsign, "softmin": Softmin,
    "log_sigmoid": LogSigmoid, "logsigmoid": LogSigmoid, "tanhshrink": Tanhshrink,
    "softshrink": Softshrink, "hardshrink": Hardshrink,
}

ActivationSpec = Union[str, Module, Callable[[], Module], None]  # noqa: UP007


def make_activation(spec: ActivationSpec, where: str = "activation") -> Module:
    """A fresh activation module from a name ("relu", "tanh", ...), a Module class or factory,
    a Module (copied, so each layer has its own) or None (Identity)."""
    if spec is None:
        return Identity()
    if isinstance(spec, str):
        cls = _BY_NAME.get(spec.lower()) or {  # a class name too, in any case: "LeakyReLU"
            c.__name__.lower(): c for c in _BY_NAME.values()}.get(spec.lower())
        if cls is None:
            raise ValueError(f"{where}: unknown activation {spec!r}; known: {sorted(_BY_NAME)}")
        return cls()
    if isinstance(spec, Module):
        return copy.deepcopy(spec)
    if callable(spec):
        try:
            made = spec()
        except TypeError as exc:  # e.g. a function such as am.relu, which needs an argument
            raise TypeError(
                f"{where}: {spec!r} is not a Module class or factory (calling it with no "
                f"arguments failed: {exc}); pass a name such as 'relu', nn.ReLU or a Module"
            ) from None
        if isinstance(made, Module):
            return made
        raise TypeError(f"{where}: the factory returned {type(made).__name__}, not a Module")
    raise TypeError(f"{where}: expected a name, a Module, a Module class or None, got {spec!r}")
