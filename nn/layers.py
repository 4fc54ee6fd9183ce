"""Linear and MLP (``Sequential``, a container, lives in ``nn.containers``)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_mini import Tensor, matmul
from autograd_mini import linear as fused_linear

from ._util import as_tensor, check_flag, check_rng, check_size, float_dtype, positive_int
from .activation import ActivationSpec, make_activation
from .containers import Sequential
from .dropout import Dropout
from .init import reset_fan_in_uniform
from .members import empty_parameters
from .module import Module
from .parameter import Parameter

__all__ = ["MLP", "Linear", "Sequential", "linear"]


def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b with W shaped (out, in) as in PyTorch: one fused graph node (the engine's
    ``linear``), so no transposed copy of W's gradient and one activation per layer.

    A 1-d weight w (in,) gives y = x · w + b, shape (...,): the last axis contracted, as
    PyTorch's, with a bias of one number (0-d)."""
    if not isinstance(weight, Tensor):
        raise TypeError(f"linear: weight must be a Tensor, got {type(weight).__name__}")
    if weight.ndim not in (1, 2):
        raise ValueError(f"linear: weight must be 2-d (out, in) or 1-d (in,), got shape "
                         f"{weight.shape}")
    x = as_tensor(x, "linear")
    if weight.ndim == 1:
        if x.ndim == 0 or x.shape[-1] != weight.shape[0]:
            raise ValueError(f"linear: input of shape {x.shape} does not end in the 1-d "
                             f"weight's {weight.shape[0]} input features")
        y = matmul(x, weight)
        if bias is None:
            return y
        b = as_tensor(bias, "linear: bias")
        if b.shape != ():
            raise ValueError(f"linear: with a 1-d weight (shape {weight.shape}) the bias is one "
                             f"number (shape ()), as in PyTorch; got shape {b.shape}")
        return y + b
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} does not end in the weight's "
                         f"{weight.shape[1]} input features (weight shape {weight.shape})")
    if bias is None:
        return fused_linear(x, weight)
    b = as_tensor(bias, "linear: bias")
    if b.shape not in ((weight.shape[0],), ()):
        raise ValueError(f"linear: bias of shape {b.shape} does not fit the weight's "
                         f"{weight.shape[0]} outputs")
    return fused_linear(x, weight, b) if b.ndim else fused_linear(x, weight) + b


class Linear(Module):
    """Affine layer y = x Wᵀ + b.

    ``weight`` has PyTorch's shape (out_features, in_features), stored column-major (so x Wᵀ
    multiplies a row-major matrix; its gradient and optimiser state follow the same layout),
    and ``bias`` shape (out_features,). Both start as U(−1/√in, 1/√in), PyTorch's default,
    drawn from ``rng`` (a ``np.random.Generator``; weight first, then bias), by default from
    the generator ``autograd_mini.manual_seed`` sets, at construction, and again by
    ``reset_parameters(rng=None)``. ``dtype`` sets the
    parameters' dtype: with float32 parameters and float32 inputs everything stays float32.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__()
        self.in_features = positive_int(in_features, "in_features", "Linear")
        self.out_features = positive_int(out_features, "out_features", "Linear")
        dt = float_dtype(dtype, "Linear")
        gen = check_rng(rng, "Linear")
        bias = check_flag(bias, "bias", "Linear")
        shape = (self.out_features, self.in_features)
        check_size(shape, dt, "Linear")
        # Stored column-major: Wᵀ is then a row-major (in, out) matrix, the operand BLAS
        # multiplies fastest in x Wᵀ; the shape, values and indexing are PyTorch's.
        self.weight = Parameter(np.empty(shape, dtype=dt, order="F"))
        self.bias: Parameter | None = (
            Parameter(np.empty(self.out_features, dtype=dt)) if bias else None)
        empty_parameters(self, "bias")  # (slots, as PyTorch registers them)
        self.reset_parameters(gen)

    reset_parameters = reset_fan_in_uniform

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x, "Linear")
        xs = x.data.shape
        if not xs or xs[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}): input of shape {xs} "
                f"does not end in {self.in_features} features"
            )
        w, b = self.weight, self.bias
        return fused_linear(x, w) if b is None else fused_linear(x, w, b)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class MLP(Module):
    """Multi-layer perceptron: Linear layers of ``sizes`` with an activation after each hidden
    layer (and Dropout when ``dropout`` > 0), then ``output_activation`` (None: raw outputs).

    ``sizes = [2, 16, 16, 1]`` gives ``layers = [Linear(2, 16), ReLU, Linear(16, 16), ReLU,
    Linear(16, 1)]`` (parameter names ``layers.0.weight``, ``layers.2.weight``, ...).
    ``activation`` is a name ("relu", "tanh", "sigmoid", "leaky_relu", ...), a Module class,
    a factory or a Module (copied per layer). ``rng`` seeds the weights and the dropout masks;
    with ``rng=None`` the weights come from the default generator (``manual_seed``) at
    construction and the masks from the one current at each forward.
    """

    def __init__(self, sizes: Sequence[int], activation: ActivationSpec = "relu",
                 output_activation: ActivationSpec = None, dropout: float = 0.0,
                 rng: np.random.Generator | None = None, bias: bool = True,
                 dtype: Any = np.float64) -> None:
        super().__init__()
        if not isinstance(sizes, (list, tuple, np.ndarray)):
            raise TypeError(f"MLP: sizes must be a list of layer widths, got {sizes!r:.60}")
        sizes = [positive_int(s, "sizes entries", "MLP") for s in sizes]
        bias = check_flag(bias, "bias", "MLP")
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, got {sizes}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MLP: dropout must be a number in [0, 1], got {dropout!r}")
        gen = check_rng(rng, "MLP")
        self.sizes = sizes
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            layers.append(Linear(n_in, n_out, bias=bias, rng=gen, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(make_activation(activation, "MLP activation"))
                if dropout > 0:
                    # the caller's rng, not ``gen``: with None the masks follow manual_seed
                    # calls made after construction
                    layers.append(Dropout(dropout, rng=rng))
        if output_activation is not None:
            layers.append(make_activation(output_activation, "MLP output_activation"))
        self.layers = layers

    def forward(self, x: Any) -> Any:
        for mod in self.layers:
            x = mod(x)
        return x

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}"
