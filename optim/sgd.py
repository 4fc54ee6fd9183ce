"""SGD: stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .hyper import check_flag, check_fraction, check_nonnegative
from .optimizer import Optimizer, ParamGroup, Params

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum and weight decay.

    With gradient g, learning rate η, momentum μ, dampening τ and weight decay λ, one step is::

        g ← g + λ θ
        b ← μ b + (1 − τ) g          (b starts at 0; only kept when μ > 0)
        d ← g + μ b   if nesterov else   b   (d = g when μ = 0)
        θ ← θ − η d

    **Mapping to the notes.** With constant η and τ = 0 this is the notes' eq. 2.7,
    ``Δθ ← −η ∇L + μ Δθ; θ ← θ + Δθ`` with Δθ = −η b. The slides' moving-average form
    ``v ← β v + (1 − β) ∇L; w ← w − v`` (v₀ = 0) is exactly ``SGD(lr=1, momentum=β,
    dampening=β)``: the gradient's weight is 1 − dampening, so the dampening that gives the
    slides' 1 − β is β itself (not 1 − β), and then b = v at every step. The same trajectory
    also comes from ``lr=1 − β, momentum=β, dampening=0`` (b = v / (1 − β)).

    **Difference from PyTorch.** PyTorch sets b = g on the first step; here b starts at 0, so
    the first step gives b = (1 − τ) g. The two agree whenever τ = 0 (the default and the only
    value Nesterov allows); with τ > 0 and the same gradients the buffers differ by μᵗ⁻¹ τ g₁
    at step t (a difference that fades at the momentum's rate, but moves the whole path), and
    this choice is what makes the moving-average mapping above exact from the very first step.
    The spelling ``lr=1 − β, momentum=β`` follows the moving average in both libraries.

    Momentum must lie in [0, 1) and dampening in [0, 1]; Nesterov needs μ > 0 and τ = 0.
    ``maximize=True`` ascends instead (g ← −g first), as PyTorch's.
    """

    array_state: ClassVar[tuple[str, ...]] = ("momentum_buffer",)

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "nesterov": nesterov,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check(self, group: ParamGroup) -> ParamGroup:
        group["lr"] = check_nonnegative("lr", group["lr"])
        group["momentum"] = check_fraction("momentum", group["momentum"])
        group["dampening"] = check_fraction("dampening", group["dampening"], closed=True)
        group["nesterov"] = check_flag("nesterov", group["nesterov"])
        group["weight_decay"] = check_nonnegative("weight_decay", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0.0 or group["dampening"] != 0.0):
            raise ValueError(
                "nesterov=True requires momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )
        return group

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        lr = float(group["lr"])
        mu = float(group["momentum"])
        wd = float(group["weight_decay"])
        if wd != 0.0:
            grad = grad + wd * param
        if mu != 0.0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.zeros_like(param)
            buf *= mu
            buf += (1.0 - float(group["dampening"])) * grad
            grad = grad + mu * buf if group["nesterov"] else buf
        param -= lr * grad
