"""Normalisations without batch statistics, with PyTorch's signatures: ``rms_norm`` /
``RMSNorm`` (each sample scaled by its root mean square) and ``local_response_norm`` /
``LocalResponseNorm`` (each channel divided by the energy of its neighbouring channels).

Both are composed of differentiable ops, so gradients of any order flow to the input (and
to ``RMSNorm``'s ``weight``); neither has running statistics, so training and eval agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_mini import Tensor, pad
from autograd_mini.checks import integers

from ._util import as_tensor, check_flag, check_real, check_size, float_dtype, positive_int
from .init import ones_
from .members import empty_parameters
from .module import Module
from .parameter import Parameter

__all__ = ["LocalResponseNorm", "RMSNorm", "local_response_norm", "rms_norm"]


def _shape(normalized_shape: Any, where: str) -> tuple[int, ...]:
    """``normalized_shape`` (an int or a sequence of ints ≥ 1, not empty) as a tuple."""
    shape = integers(normalized_shape, "normalized_shape", where)
    if not shape:
        raise ValueError(f"{where}: normalized_shape must not be empty")
    for n in shape:
        positive_int(n, "normalized_shape", where)
    return shape


def _float_input(input: Any, where: str) -> Tensor:
    x = as_tensor(input, where)
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: input must be floating point, got dtype {x.dtype}")
    return x


def _eps(eps: Any, dtype: np.dtype, where: str) -> float:
    """ε ≥ 0, or None: the machine epsilon of the input's dtype (PyTorch's default)."""
    if eps is None:
        return float(np.finfo(dtype).eps)
    return check_real(eps, "eps", where, 0.0)


def _rms_scale(x: Tensor, k: int, eps: float) -> Tensor:
    """x / √(mean(x², last k axes) + ε), computed as u / √(mean(u²) + ε/m²) with u = x/m and
    m = max(1, max|x|) per sample, a constant: the same function of x (so the same gradient),
    but x² cannot overflow (PyTorch's squares do from |x| ≈ 1.3e154 in float64, giving 0).
    float16 is computed in float32, as PyTorch does."""
    if x.dtype == np.float16:
        return _rms_scale(x.astype(np.float32), k, eps).astype(np.float16)
    axes = tuple(range(x.ndim - k, x.ndim))
    m = np.max(np.abs(x.data), axis=axes, keepdims=True, initial=0.0)
    m = np.where((m > 1) & np.isfinite(m), m, 1.0).astype(x.dtype)
    u = x / m
    ms = (u * u).mean(axis=axes, keepdims=True)
    return u * (ms + (eps / m) / m) ** -0.5  # ((ε/m)/m: m² itself may overflow)


def rms_norm(input: Any, normalized_shape: int | Sequence[int], weight: Any | None = None,
             eps: float | None = None) -> Tensor:
    """y = x / √(mean(x²) + ε) · γ, the mean over the last ``len(normalized_shape)`` axes, as
    PyTorch's ``F.rms_norm``; γ (``weight``) has shape ``normalized_shape``; ε None means
    the machine epsilon of the input's dtype (``np.finfo(dtype).eps``, as PyTorch's). Stable
    for any finite input (see ``_rms_scale``)."""
    where = "rms_norm"
    x = _float_input(input, where)
    shape = _shape(normalized_shape, where)
    k = len(shape)
    if x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise ValueError(f"{where}: input of shape {x.shape} does not end in normalized_shape "
                         f"{shape}")
    y = _rms_scale(x, k, _eps(eps, x.dtype, where))
    if weight is None:
        return y
    w = as_tensor(weight, f"{where}: weight")
    if w.shape != shape:
        raise ValueError(f"{where}: weight must have shape normalized_shape {shape}, got "
                         f"{w.shape}")
    return y * w


class RMSNorm(Module):
    """y = x / √(mean(x²) + ε) · γ over the last ``len(normalized_shape)`` axes of each
    sample, as PyTorch's ``nn.RMSNorm``: γ (``weight``, shape ``normalized_shape``) is 1 at
    start, absent with ``elementwise_affine=False``; ``eps=None`` uses the machine epsilon
    of the input's dtype at each call."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, dtype: Any = np.float64) -> None:
        super().__init__()
        where = "RMSNorm"
        self.normalized_shape = _shape(normalized_shape, where)
        self.eps = None if eps is None else check_real(eps, "eps", where, 0.0)
        self.elementwise_affine = check_flag(elementwise_affine, "elementwise_affine", where)
        dt = float_dtype(dtype, where)
        check_size(self.normalized_shape, dt, where)
        self.weight: Parameter | None = (Parameter(np.empty(self.normalized_shape, dtype=dt))
                                         if self.elementwise_affine else None)
        empty_parameters(self, "weight")  # (a slot, as PyTorch registers it)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """γ ← 1 in place (the same Parameter), as at construction and PyTorch's."""
        if self.weight is not None:
            ones_(self.weight)

    def forward(self, x: Any) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


def local_response_norm(input: Any, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """y[n, c] = x[n, c] / (k + α/size · Σ_{c'} x[n, c']²)^β, the sum over the channels
    c' ∈ [c − ⌊size/2⌋, c + ⌊(size − 1)/2⌋] that exist (the others count as zeros, and the
    sum is still divided by ``size``), as PyTorch's ``F.local_response_norm``. Input
    (N, C, *) with at least 3 axes. The window sum adds shifted slices of the zero-padded
    squares, one per channel offset the window can reach (at most 2C − 1)."""
    where = "local_response_norm"
    x = _float_input(input, where)
    size = positive_int(size, "size", where)
    alpha = check_real(alpha, "alpha", where)
    beta = check_real(beta, "beta", where)
    k = check_real(k, "k", where)
    if x.ndim < 3:
        raise ValueError(f"{where}: expected input (N, C, *) with at least 3 axes, got shape "
                         f"{x.shape}")
    c = x.shape[1]
    # channels beyond the ends are zeros: pads wider than C − 1 would add only zeros
    before, after = (max(0, min(w, c - 1)) for w in (size // 2, (size - 1) // 2))
    sq = pad(x * x, ((0, 0), (before, after)) + ((0, 0),) * (x.ndim - 2))
    energy = sq[:, :c]
    for j in range(1, before + after + 1):
        energy = energy + sq[:, j:j + c]
    return x / (energy * x.dtype.type(alpha / size) + k) ** beta


class LocalResponseNorm(Module):
    """``local_response_norm(x, size, alpha, beta, k)`` as a layer (PyTorch's
    ``nn.LocalResponseNorm``): x / (k + α/size · Σ_window x²)^β across channels (axis 1)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        where = "LocalResponseNorm"
        self.size = positive_int(size, "size", where)
        self.alpha = check_real(alpha, "alpha", where)
        self.beta = check_real(beta, "beta", where)
        self.k = check_real(k, "k", where)

    def forward(self, input: Any) -> Tensor:
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
