"""Adamax: Adam with the root-mean-square replaced by an exponentially weighted infinity norm."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .hyper import check_adam_group
from .optimizer import Optimizer, ParamGroup, Params

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, section 7.1): Adam's L² scaling taken to the L^∞ limit.

    With gradient g, learning rate η, betas (β₁, β₂), ε and weight decay λ, per parameter
    (m, u start at 0 and the step count t at 0)::

        t ← t + 1
        g ← g + λ θ
        m ← β₁ m + (1 − β₁) g
        u ← max(β₂ u, |g| + ε)
        θ ← θ − η m / ((1 − β₁ᵗ) u)

    u is a decaying running maximum of |g|, which needs no bias correction; ε inside the
    maximum keeps it away from 0 (with ε = 0 a parameter whose gradients were all 0 gets
    0 / 0 = NaN, as in PyTorch). The state keeps PyTorch's names (``step``, ``exp_avg`` = m,
    ``exp_inf`` = u). Betas lie in [0, 1). ``maximize=True`` ascends instead (g ← −g first),
    as PyTorch's.
    """

    scalar_state: ClassVar[tuple[str, ...]] = ("step",)
    array_state: ClassVar[tuple[str, ...]] = ("exp_avg", "exp_inf")
    required_state: ClassVar[tuple[str, ...]] = ("step", "exp_avg", "exp_inf")

    def __init__(
        self,
        params: Params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check(self, group: ParamGroup) -> ParamGroup:
        return check_adam_group(group)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        lr = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        wd = float(group["weight_decay"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_inf"] = np.zeros_like(param)
        t = state["step"] = int(state["step"]) + 1
        if wd != 0.0:
            grad = grad + wd * param
        m = state["exp_avg"]
        u = state["exp_inf"]
        m *= beta1
        m += (1.0 - beta1) * grad
        u *= beta2
        np.maximum(u, np.abs(grad) + eps, out=u)
        param -= (lr / (1.0 - beta1**t)) * (m / u)
