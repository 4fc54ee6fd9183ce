"""RAdam: Adam with its adaptive step rectified by the variance of the early estimates."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from .hyper import check_adam_group, check_flag, decay_weights, update_moments
from .optimizer import Optimizer, ParamGroup, Params

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam (Liu et al.): Adam that runs as momentum SGD until v is trustworthy.

    With gradient g, learning rate η, betas (β₁, β₂), ε and weight decay λ, per parameter
    (m, v start at 0 and the step count t at 0)::

        t ← t + 1
        g ← g + λ θ                 (decoupled_weight_decay: θ ← θ (1 − η λ) instead)
        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g ⊙ g
        m̂ ← m / (1 − β₁ᵗ)
        ρ_∞ ← 2 / (1 − β₂) − 1;   ρ_t ← ρ_∞ − 2 t β₂ᵗ / (1 − β₂ᵗ)
        if ρ_t > 5:
            r ← √[(ρ_t − 4)(ρ_t − 2) ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2) ρ_t)]
            θ ← θ − η m̂ r √(1 − β₂ᵗ) / (√v + ε)
        else:
            θ ← θ − η m̂

    ρ_t is the length of the simple moving average that v approximates after t steps; while
    it is at most 5 the variance of the adaptive rate is unbounded and the step is plain
    bias-corrected momentum; after that the rectifier r (→ 1 as t grows) scales Adam's step.
    With the default β₂ = 0.999 the first 5 steps are momentum steps. The state keeps
    PyTorch's names (``step``, ``exp_avg`` = m, ``exp_avg_sq`` = v). Betas lie in [0, 1).
    ``maximize=True`` ascends instead (g ← −g first), as PyTorch's.
    """

    scalar_state: ClassVar[tuple[str, ...]] = ("step",)
    array_state: ClassVar[tuple[str, ...]] = ("exp_avg", "exp_avg_sq")
    required_state: ClassVar[tuple[str, ...]] = ("step", "exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check(self, group: ParamGroup) -> ParamGroup:
        check_adam_group(group)
        group["decoupled_weight_decay"] = check_flag(
            "decoupled_weight_decay", group["decoupled_weight_decay"])
        return group

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
            state["exp_avg_sq"] = np.zeros_like(param)
        t = state["step"] = int(state["step"]) + 1
        grad = decay_weights(param, grad, lr, wd, group["decoupled_weight_decay"])
        m, v = update_moments(state, grad, beta1, beta2)
        m_hat = m / (1.0 - beta1**t)
        bc2 = 1.0 - beta2**t
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        rho_t = rho_inf - 2.0 * t * beta2**t / bc2
        if rho_t > 5.0:
            r = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                          / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
            denom = np.sqrt(v)
            denom += eps
            param -= (lr * r * math.sqrt(bc2)) * m_hat / denom
        else:
            param -= lr * m_hat
