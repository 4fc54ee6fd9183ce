"""NAdam: Adam with Nesterov momentum (Dozat), with PyTorch's momentum schedule μ_t."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from .hyper import check_adam_group, check_flag, check_nonnegative, decay_weights, update_moments
from .optimizer import Optimizer, ParamGroup, Params, saved_index, saved_indices, to_python

__all__ = ["NAdam"]


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
        saved = state_dict.get("state") if isinstance(state_dict, Mapping) else None
        if not isinstance(saved, Mapping) or not all(
                isinstance(e, Mapping) for e in saved.values()):
            super().load_state_dict(state_dict)  # (the base explains what is malformed)
            return
        problems: list[str] = []
        products: dict[int, float] = {}
        stripped: dict[Any, dict[str, Any]] = {}
        for key, entries in saved.items():
            rest = dict(entries)
            stripped[key] = rest
            index = saved_index(key)
            if index is None:
                continue  # (the base reports the key)
            if "mu_product" not in rest:
                problems.append(f"state of parameter {index} lacks ['mu_product'] (a stepped "
                                "NAdam keeps it with step, exp_avg and exp_avg_sq)")
                continue
            value = to_python(rest.pop("mu_product"))
            if (isinstance(value, bool) or not isinstance(value, (int, float))
                    or not math.isfinite(value) or not 0.0 <= value <= 1.0):
                problems.append(f"state 'mu_product' of parameter {index} must be a number in "
                                f"[0, 1], got {value!r:.40}")
                continue
            products[index] = float(value)
        old_groups, old_state = self.param_groups, self.state
        try:
            super().load_state_dict({**state_dict, "state": stripped})
        except ValueError as exc:
            if not problems:
                raise
            raise ValueError("\n  ".join([str(exc), *problems])) from None
        if problems:  # the base accepted the rest: undo it
            self.param_groups, self.state = old_groups, old_state
            raise ValueError("cannot load optimizer state dict:\n  " + "\n  ".join(problems))
        by_index: dict[int, Any] = {}
        for group, current in zip(state_dict["param_groups"], self.param_groups, strict=True):
            by_index.update(zip(saved_indices(group["params"]) or [], current["params"],
                                strict=True))
        for index, product in products.items():
            st = self.state[by_index[index]]
            self.state[by_index[index]] = {"step": st.pop("step"), "mu_product": product, **st}
