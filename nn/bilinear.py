"""Bilinear: PyTorch's y = x₁ᵀ A x₂ + b layer and its functional form."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini import Tensor, einsum

from ._util import as_tensor, check_flag, check_rng, check_size, float_dtype, positive_int
from .init import uniform_parameters_
from .members import empty_parameters
from .module import Module
from .parameter import Parameter

__all__ = ["Bilinear", "bilinear"]


def bilinear(x1: Any, x2: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., o] = Σᵢⱼ x1[..., i] W[o, i, j] x2[..., j] + b[o], W shaped (out, in1, in2)."""
    x1, x2 = as_tensor(x1, "bilinear: x1"), as_tensor(x2, "bilinear: x2")
    if not isinstance(weight, Tensor) or weight.ndim != 3:
        raise ValueError(f"bilinear: weight must be a 3-d Tensor (out, in1, in2), got "
                         f"{getattr(weight, 'shape', type(weight).__name__)}")
    _, n1, n2 = weight.shape
    if x1.ndim == 0 or x1.shape[:-1] != x2.shape[:-1] or x1.shape[-1] != n1 or \
            x2.shape[-1] != n2:
        raise ValueError(f"bilinear: inputs of shapes {x1.shape} and {x2.shape} must have the "
                         f"same leading axes and end in {n1} and {n2} features (weight shape "
                         f"{weight.shape})")
    y = einsum("...i,oij,...j->...o", x1, weight, x2)
    return y if bias is None else y + bias


class Bilinear(Module):
    """y = x₁ᵀ A x₂ + b for each output: ``weight`` (out_features, in1_features, in2_features)
    and ``bias`` (out_features,), both U(−1/√in1, 1/√in1) at construction (and
    ``reset_parameters``), as PyTorch's."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, rng: np.random.Generator | None = None,
                 dtype: Any = np.float64) -> None:
        super().__init__()
        w = "Bilinear"
        self.in1_features = positive_int(in1_features, "in1_features", w)
        self.in2_features = positive_int(in2_features, "in2_features", w)
        self.out_features = positive_int(out_features, "out_features", w)
        dt = float_dtype(dtype, w)
        gen = check_rng(rng, w)
        shape = (self.out_features, self.in1_features, self.in2_features)
        check_size(shape, dt, w)
        self.weight = Parameter(np.empty(shape, dtype=dt))
        self.bias: Parameter | None = (
            Parameter(np.empty(self.out_features, dtype=dt))
            if check_flag(bias, "bias", w) else None)
        empty_parameters(self, "bias")  # (slots, as PyTorch registers them)
        self.reset_parameters(gen)

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        """Draw ``weight``, then ``bias``, anew from U(−1/√in1, 1/√in1), as at construction
        and PyTorch's, from ``rng`` (default: the ``manual_seed`` generator), in place."""
        uniform_parameters_((self.weight, self.bias), 1.0 / math.sqrt(self.weight.shape[1]),
                            rng, "Bilinear.reset_parameters")

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return bilinear(x1, x2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
