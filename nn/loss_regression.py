"""The regression losses ``mse_loss``, ``l1_loss``, ``smooth_l1_loss`` and ``huber_loss``,
with PyTorch's formulas, defaults and reductions (``nn.functional`` re-exports them; the
modules ``MSELoss``, ``L1Loss``, ``SmoothL1Loss`` and ``HuberLoss`` are in ``nn.loss``).

``mse_loss``, ``l1_loss`` and ``huber_loss`` take PyTorch 2.13's ``weight=``: one weight per
element (another shape raises ``ValueError``, as in PyTorch) that multiplies each term. With
it "mean" is Σ w ℓ / Σ w for ``mse_loss`` and ``l1_loss`` but mean(w ℓ) for ``huber_loss``
(PyTorch's rules: weights summing to 0 make the first two's mean NaN or ±inf). The weight is
cast to the input's dtype (PyTorch's result takes a float64 weight's dtype), and one that
requires grad gets its gradient. The modules take no weight, as PyTorch's."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import Tensor, abs, where

from ._loss_args import float_target, loss_input, reduce_loss, weight_like
from ._util import check_real

__all__ = ["huber_loss", "l1_loss", "mse_loss", "smooth_l1_loss"]


def _reduce_weighted(loss: Tensor, x: Tensor, weight: Any | None, reduction: str, where_: str,
                     mean_over_weights: bool) -> Tensor:
    """``loss`` times ``weight`` (of x's shape) reduced: "mean" is Σ w ℓ / Σ w when
    ``mean_over_weights``, else mean(w ℓ); without a weight the plain reduction."""
    if weight is None:
        return reduce_loss(loss, reduction)
    w = weight_like(weight, x, "weight", where_, same_shape=True)
    loss = loss * w
    if reduction == "mean" and mean_over_weights:
        return loss.sum() / w.sum()
    return reduce_loss(loss, reduction)


def _quadratic_then_linear(d: Tensor, bound: float, scale: float, slope: float) -> Tensor:
    """½ d² / scale where |d| < bound, else slope · (|d| − ½ bound).

    The quadratic branch is computed on d masked to 0 outside it, so an infinite d (a residual
    that overflowed) gets the linear branch's gradient ±slope, not 0 · ∞ = NaN (PyTorch's);
    it divides d by ``scale`` (smooth-L1's β) first, as 0.5 / β overflows for a tiny β."""
    small = np.abs(d.data) < bound
    if small.all():
        return (d / scale) * d * 0.5
    ds = where(small, d, 0.0)
    linear = abs(d) - 0.5 * bound
    return where(small, (ds / scale) * ds * 0.5, linear if slope == 1.0 else linear * slope)


def mse_loss(input: Any, target: Any, reduction: str = "mean", weight: Any | None = None
             ) -> Tensor:
    """ℓ = w (x − y)² per element (w = 1 without ``weight``); target of the input's shape.

    With ``weight`` (the input's shape), "mean" is Σ w ℓ / Σ w, as PyTorch's.
    """
    where_ = "mse_loss"
    x = loss_input(input, reduction, where_)
    d = x - float_target(target, x, where_)
    return _reduce_weighted(d * d, x, weight, reduction, where_, True)


def l1_loss(input: Any, target: Any, reduction: str = "mean", weight: Any | None = None
            ) -> Tensor:
    """ℓ = w |x − y| per element (gradient w sign(x − y), 0 where x = y); target of the
    input's shape.

    With ``weight`` (the input's shape), "mean" is Σ w ℓ / Σ w, as PyTorch's.
    """
    where_ = "l1_loss"
    x = loss_input(input, reduction, where_)
    return _reduce_weighted(abs(x - float_target(target, x, where_)), x, weight, reduction,
                            where_, True)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0
                   ) -> Tensor:
    """ℓ = ½ d²/β where |d| < β, else |d| − ½β, with d = x − y; β = 0 gives |d| (PyTorch's
    rule); β < 0 is refused. Where d is infinite the gradient is ±1, as PyTorch's."""
    where_ = "smooth_l1_loss"
    x = loss_input(input, reduction, where_)
    beta = check_real(beta, "beta", where_, 0.0)
    d = x - float_target(target, x, where_)
    if beta == 0.0:
        return reduce_loss(abs(d), reduction)
    return reduce_loss(_quadratic_then_linear(d, beta, beta, 1.0), reduction)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Any | None = None) -> Tensor:
    """ℓ = w · ½ d² where |d| < δ, else w · δ (|d| − ½δ), with d = x − y, δ > 0 and w = 1
    without ``weight``. Where d is infinite the gradient is ±w δ, as PyTorch's.

    With ``weight`` (the input's shape), "mean" is mean(w ℓ), as PyTorch's (not Σ w ℓ / Σ w
    as for ``mse_loss`` and ``l1_loss``).
    """
    where_ = "huber_loss"
    x = loss_input(input, reduction, where_)
    delta = check_real(delta, "delta", where_, 0.0, open_low=True)
    d = x - float_target(target, x, where_)
    return _reduce_weighted(_quadratic_then_linear(d, delta, 1.0, delta), x, weight, reduction,
                            where_, False)
