"""Activation modules: ReLU, LeakyReLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax, Identity."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Union

import autograd_mini as am
from autograd_mini import Tensor

from ._util import as_tensor, check_axis, check_real
from .module import Module

__all__ = [
    "Identity", "LeakyReLU", "LogSoftmax", "ReLU", "Sigmoid", "Softmax", "Softplus", "Tanh",
    "make_activation",
]


class Identity(Module):
    """f(x) = x."""

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x, "Identity")


class ReLU(Module):
    """f(x) = max(x, 0), with f'(0) = 0."""

    def forward(self, x: Any) -> Tensor:
        return am.relu(x)


class LeakyReLU(Module):
    """f(x) = x for x > 0, negative_slope · x otherwise."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_real(negative_slope, "negative_slope", "LeakyReLU")

    def forward(self, x: Any) -> Tensor:
        return am.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^−x)."""

    def forward(self, x: Any) -> Tensor:
        return am.sigmoid(x)


class Tanh(Module):
    """tanh x."""

    def forward(self, x: Any) -> Tensor:
        return am.tanh(x)


class Softplus(Module):
    """log(1 + e^x)."""

    def forward(self, x: Any) -> Tensor:
        return am.softplus(x)


class Softmax(Module):
    """e^x / Σ e^x along ``axis``."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = check_axis(axis, "Softmax")

    def forward(self, x: Any) -> Tensor:
        return am.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """x − logsumexp(x) along ``axis``."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = check_axis(axis, "LogSoftmax")

    def forward(self, x: Any) -> Tensor:
        return am.log_softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


_BY_NAME: dict[str, type[Module]] = {
    "identity": Identity, "linear": Identity, "relu": ReLU, "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid, "tanh": Tanh, "softplus": Softplus, "softmax": Softmax,
    "log_softmax": LogSoftmax,
}

ActivationSpec = Union[str, Module, Callable[[], Module], None]  # noqa: UP007


def make_activation(spec: ActivationSpec, where: str = "activation") -> Module:
    """A fresh activation module from a name ("relu", "tanh", ...), a Module class or factory,
    a Module (copied, so each layer has its own) or None (Identity)."""
    if spec is None:
        return Identity()
    if isinstance(spec, str):
        cls = _BY_NAME.get(spec.lower())
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
