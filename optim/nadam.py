"""NAdam: Adam with Nesterov momentum (Dozat), with PyTorch's momentum schedule μ_t."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from .hyper import check_adam_group, check_flag, check_nonnegative, decay_weights, update_moments
from .optimizer import Optimizer, ParamGroup, Params
from .state_numbers import NumberChecks, load_with_numbers

__all__ = ["NAdam"]

#: the number a stepped parameter keeps besides its arrays (see ``load_state_dict``)
_NUMBERS: NumberChecks = {"mu_product": (lambda v: 0.0 <= v <= 1.0, "a number in [0, 1]")}


class NAdam(Optimizer):
    r"""NAdam: Adam whose momentum looks one step ahead, with a warming-up momentum μ_t.

    With gradient g, learning rate η, betas (β₁, β₂), ε, weight decay λ and momentum decay
    ψ, per parameter (m, v start at 0, the product P of the μ's at 1, the step count t at 0)::

        t ← t + 1
        g ← g + λ θ                 (decoupled_weight_decay: θ ← θ (1 − η λ) instead)
        μ_t ← β₁ (1 − ½ · 0.96^(t ψ));   μ_{t+1} ← β₁ (1 − ½ · 0.96^((t + 1) ψ))
        P ← P μ_t
        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g ⊙ g
        v̂ ← v / (1 − β₂ᵗ)
        θ ← θ − η [(1 − μ_t) g / (1 − P) + μ_{t+1} m / (1 − P μ_{t+1})] / (√v̂ + ε)

    The bracket is the bias-corrected Nesterov look-ahead: the current gradient weighted by
    what the momentum leaves of it, plus the momentum as the next step will see it. μ_t
    rises from about β₁/2 towards β₁ as t ψ grows (ψ = 0 keeps μ_t = β₁/2). The state keeps
    PyTorch's names (``step``, ``mu_product`` = P, a Python float, ``exp_avg`` = m,
    ``exp_avg_sq`` = v). Betas lie in [0, 1). ``maximize=True`` ascends instead (g ← −g
    first), as PyTorch's.
    """

    scalar_state: ClassVar[tuple[str, ...]] = ("step",)
    array_state: ClassVar[tuple[str, ...]] = ("exp_avg", "exp_avg_sq")
    required_state: ClassVar[tuple[str, ...]] = ("step", "exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check(self, group: ParamGroup) -> ParamGroup:
        check_adam_group(group)
        group["momentum_decay"] = check_nonnegative("momentum_decay", group["momentum_decay"])
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
        psi = float(group["momentum_decay"])
        if not state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
        t = state["step"] = int(state["step"]) + 1
        grad = decay_weights(param, grad, lr, wd, group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        product = state["mu_product"] = float(state["mu_product"]) * mu
        m, v = update_moments(state, grad, beta1, beta2)
        denom = np.sqrt(v / (1.0 - beta2**t))
        denom += eps
        c_grad = lr * (1.0 - mu) / (1.0 - product)
        c_avg = lr * mu_next / (1.0 - product * mu_next)
        param -= (c_grad * grad + c_avg * m) / denom

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """As :meth:`Optimizer.load_state_dict`, and each stepped parameter's ``mu_product``
        (the running product P = ∏ μᵢ, a number in [0, 1]) is checked too: every problem is
        reported in one ValueError and nothing changes on error."""
        load_with_numbers(self, state_dict, _NUMBERS,
                          "NAdam keeps it with step, exp_avg and exp_avg_sq")
