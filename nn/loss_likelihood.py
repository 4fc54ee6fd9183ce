"""Negative log-likelihood losses of a predicted distribution: ``poisson_nll_loss`` (counts
under a Poisson rate) and ``gaussian_nll_loss`` (values under a normal with predicted
variance), as functions and as the modules ``PoissonNLLLoss`` and ``GaussianNLLLoss``, with
PyTorch's formulas, defaults and reductions (``nn.functional`` re-exports the functions).

An empty batch gives 0 ("sum") or an empty tensor ("none") and is refused for "mean" (PyTorch:
NaN); a target whose shape is not the input's, or a variance whose shape does not fit
(PyTorch's rules), raises ``ValueError`` naming the loss and the shapes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini import Tensor, astype, exp, expand_dims, log, where

from ._loss_args import float_target, loss_input, reduce_loss
from ._util import as_tensor, check_flag, check_real
from .loss import _Loss

__all__ = ["GaussianNLLLoss", "PoissonNLLLoss", "gaussian_nll_loss", "poisson_nll_loss"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _stirling(y: Tensor) -> Tensor:
    """y log y − y + ½ log(2πy) where y > 1, else 0: Stirling's approximation of log(y!), the
    term ``full`` adds (PyTorch's mask). Evaluated at 2 elsewhere, so no log(0) is taken and a
    target that requires grad gets 0 there (PyTorch: NaN at y = 0)."""
    big = y.data > 1
    ys = y if big.all() else where(big, y, 2.0)
    term = ys * log(ys) - ys + 0.5 * log(ys * (2.0 * math.pi))
    return term if big.all() else where(big, term, 0.0)


def poisson_nll_loss(input: Any, target: Any, log_input: bool = True, full: bool = False,
                     eps: float = 1e-8, reduction: str = "mean") -> Tensor:
    """ℓ = e^x − y x for a log-rate x (``log_input``), else ℓ = x − y log(x + ε) for a rate
    x ≥ 0; ``full`` adds y log y − y + ½ log(2πy) where y > 1 (0 where y ≤ 1).

    This is −log Poisson(y; λ) up to log(y!) (approximated by the Stirling term with
    ``full``), with λ = e^x or x. Counts y ≥ 0 of the input's shape; ε > 0. With ``log_input``
    a log-rate beyond the float range gives inf (e^x), as in PyTorch, without warnings. Unlike
    PyTorch (whose third positional argument is the deprecated ``size_average``), ``eps`` and
    ``reduction`` follow ``full``.
    """
    where_ = "poisson_nll_loss"
    x = loss_input(input, reduction, where_)
    log_input = check_flag(log_input, "log_input", where_)
    full = check_flag(full, "full", where_)
    eps = check_real(eps, "eps", where_, 0.0, open_low=True)
    y = float_target(target, x, where_)
    if np.any(y.data < 0):
        raise ValueError(f"{where_}: targets are counts and must be >= 0, got {np.min(y.data)}")
    if log_input:
        loss = exp(x) - y * x
    else:
        if np.any(x.data < 0):
            raise ValueError(f"{where_}: with log_input=False the input is a rate and must be "
                             f">= 0, got {np.min(x.data)} (log_input=True takes log-rates)")
        loss = x - y * log(x + eps)
    return reduce_loss(loss + _stirling(y) if full else loss, reduction)


def _variance(var: Any, x: Tensor, where_: str) -> Tensor:
    """``var`` as a Tensor of ``x``'s dtype that broadcasts to ``x``: a number (one variance
    for all), x's shape, x's shape without its last axis (then given a last axis of 1), or x's
    shape with one axis of size 1 (PyTorch's rules)."""
    if isinstance(var, (int, float, np.integer, np.floating)) and not isinstance(
            var, (bool, np.bool_)):
        v = Tensor(np.asarray(var, dtype=x.dtype))
    else:
        v = as_tensor(var, f"{where_}: var")
        if v.dtype.kind not in "biuf":
            raise TypeError(f"{where_}: var must be numeric, got dtype {v.dtype}")
        vs, xs = v.shape, x.shape
        if vs != xs:
            if x.ndim and vs == xs[:-1]:
                v = expand_dims(v, -1)
            elif len(vs) != len(xs) or [b for a, b in zip(xs, vs) if a != b] != [1]:
                raise ValueError(
                    f"{where_}: var of shape {vs} does not fit input of shape {xs}: it must "
                    f"have the input's shape, the input's shape without its last axis "
                    f"{xs[:-1]}, or the input's shape with one axis of size 1")
        if v.dtype != x.dtype:
            v = astype(v, x.dtype)  # (recorded for a var that requires grad)
    if np.any(v.data < 0):
        raise ValueError(f"{where_}: var has negative entries (smallest {np.min(v.data)}); "
                         "variances must be >= 0")
    return v


def gaussian_nll_loss(input: Any, target: Any, var: Any, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """ℓ = ½ (log max(v, ε) + (x − y)² / max(v, ε)), plus ½ log 2π with ``full``: the negative
    log-likelihood of y under N(x, v).

    ``var`` v ≥ 0 is a number or has x's shape (one variance per prediction), x's shape
    without its last axis, or x's shape with one axis of size 1 (shared along it). As in
    PyTorch, v is clamped at ε > 0 outside the graph: the value is max(v, ε), but the gradient
    is that of the formula in v evaluated there, ½ (1/v' − (x − y)²/v'²) with v' = max(v, ε),
    also where v < ε. Gradients flow to x, y and v.
    """
    where_ = "gaussian_nll_loss"
    x = loss_input(input, reduction, where_)
    y = float_target(target, x, where_)
    full = check_flag(full, "full", where_)
    eps = check_real(eps, "eps", where_, 0.0, open_low=True)
    v = _variance(var, x, where_)
    lift = np.where(v.data < eps, eps - v.data, 0.0).astype(x.dtype)
    if lift.any():
        v = v + lift  # raised to ε; the gradient passes as if it were not (PyTorch's no_grad)
    d = x - y
    loss = (log(v) + d * d / v) * 0.5
    return reduce_loss(loss + _HALF_LOG_2PI if full else loss, reduction)


class PoissonNLLLoss(_Loss):
    """ℓ = e^x − y x (``log_input``) or x − y log(x + ε), plus the Stirling term for y > 1
    with ``full`` (see ``nn.functional.poisson_nll_loss``)."""

    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        name = type(self).__name__
        self.log_input = check_flag(log_input, "log_input", name)
        self.full = check_flag(full, "full", name)
        self.eps = check_real(eps, "eps", name, 0.0, open_low=True)

    def forward(self, log_input: Any, target: Any) -> Tensor:
        return poisson_nll_loss(log_input, target, self.log_input, self.full, self.eps,
                                self.reduction)

    def extra_repr(self) -> str:
        return (f"log_input={self.log_input}, full={self.full}, eps={self.eps}, "
                f"reduction={self.reduction!r}")


class GaussianNLLLoss(_Loss):
    """ℓ = ½ (log max(v, ε) + (x − y)² / max(v, ε)) (+ ½ log 2π with ``full``), called as
    ``loss(input, target, var)``; arguments keyword-only, as in PyTorch
    (see ``nn.functional.gaussian_nll_loss``)."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"
                 ) -> None:
        super().__init__(reduction)
        name = type(self).__name__
        self.full = check_flag(full, "full", name)
        self.eps = check_real(eps, "eps", name, 0.0, open_low=True)

    def forward(self, input: Any, target: Any, var: Any) -> Tensor:
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)

    def extra_repr(self) -> str:
        return f"full={self.full}, eps={self.eps}, reduction={self.reduction!r}"
