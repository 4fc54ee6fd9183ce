"""Adam (L2 weight decay in the gradient) and AdamW (decoupled weight decay), both with AMSGrad."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from .hyper import check_adam_group, check_flag, decay_weights, update_moments
from .optimizer import Optimizer, ParamGroup, Params

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam: momentum on the gradient and RMSProp-style scaling, both bias-corrected.

    With gradient g, learning rate η, betas (β₁, β₂), ε and weight decay λ, per parameter
    (m, v, v_max start at 0 and the step count t at 0)::

        t ← t + 1
        g ← g + λ θ                            (L2 penalty folded into the gradient)
        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g ⊙ g
        v_max ← max(v_max, v);  w ← v_max  if amsgrad  else  w ← v
        m̂ ← m / (1 − β₁ᵗ);  ŵ ← w / (1 − β₂ᵗ)
        θ ← θ − η m̂ / (√ŵ + ε)

    computed as PyTorch's: (1 − β₂) g first scaled, then times g, and √ŵ as √w / √(1 − β₂ᵗ),
    so that float32 moments stay finite up to |g| ≈ 1e20.

    The notes present Adam as RMSProp (eq. 2.8) plus a momentum term: v is eq. 2.8's running
    average of g ⊙ g and m the moving-average momentum of the slides, each divided by its
    bias correction because it starts at 0. Unlike eq. 2.8, ε is added *outside* the square
    root (as in the Adam paper and PyTorch). Betas lie in [0, 1). ``maximize=True`` ascends
    instead (g ← −g first), as PyTorch's. ``decoupled_weight_decay=True`` (a group's own key,
    as PyTorch 2.13's) decays as :class:`AdamW` does, so a state dict of either loads into
    either and continues as it was saved.
    """

    scalar_state: ClassVar[tuple[str, ...]] = ("step",)
    array_state: ClassVar[tuple[str, ...]] = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    required_state: ClassVar[tuple[str, ...]] = ("step", "exp_avg", "exp_avg_sq")
    added_later: ClassVar[dict[str, Any]] = {"maximize": False, "decoupled_weight_decay": False}

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _check(self, group: ParamGroup) -> ParamGroup:
        check_adam_group(group)
        group["amsgrad"] = check_flag("amsgrad", group["amsgrad"])
        group["decoupled_weight_decay"] = check_flag("decoupled_weight_decay",
                                                     group["decoupled_weight_decay"])
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
        w = v
        if group["amsgrad"]:
            vmax = state.get("max_exp_avg_sq")
            if vmax is None:
                vmax = state["max_exp_avg_sq"] = np.zeros_like(param)
            np.maximum(vmax, v, out=vmax)
            w = vmax
        m_hat = m / (1.0 - beta1**t)
        root_w_hat = np.sqrt(w) / math.sqrt(1.0 - beta2**t)  # (√ first: ŵ may overflow float32)
        param -= lr * m_hat / (root_w_hat + eps)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter).

    The same moments as :class:`Adam` computed from the raw gradient g (no λθ term), and
    before the Adam step the parameter shrinks by the decay::

        θ ← θ − η λ θ          (computed as θ ← θ (1 − η λ))
        θ ← θ − η m̂ / (√ŵ + ε)

    Default ``weight_decay=1e-2``. This is ``Adam(decoupled_weight_decay=True)``, as in
    PyTorch 2.13: a group's own ``decoupled_weight_decay`` key (from a loaded state dict)
    decides.
    """

    added_later: ClassVar[dict[str, Any]] = {"maximize": False, "decoupled_weight_decay": True}

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True)
