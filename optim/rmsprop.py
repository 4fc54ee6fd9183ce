"""RMSProp as in the notes' eq. 2.8, with optional momentum and a centred variant."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .hyper import check_flag, check_fraction, check_nonnegative
from .optimizer import Optimizer, ParamGroup, Params

__all__ = ["RMSProp"]


class RMSProp(Optimizer):
    r"""RMSProp: divide the step by a running root-mean-square of the gradient.

    With gradient g, learning rate η, decay β, δ = ``eps``, momentum μ and weight decay λ
    (v, ḡ and b start at 0)::

        g ← g + λ θ
        v ← β v + (1 − β) g ⊙ g
        s ← v                       (centered: ḡ ← β ḡ + (1 − β) g;  s ← max(v − ḡ ⊙ ḡ, 0))
        u ← g / √(s + δ)
        θ ← θ − η u                 (momentum μ > 0: b ← μ b + u;  θ ← θ − η b)

    Without momentum, centring or weight decay this is exactly the notes' eq. 2.8:
    ``v = β v + (1 − β) ∇L ⊙ ∇L;  θ = θ − η / √(v + δ) ⊙ ∇L``.

    **δ sits inside the square root**, as in the notes; PyTorch's ``RMSprop`` adds ε outside
    (g / (√v + ε)), so the same ``eps`` is a much larger safeguard here (√1e-8 = 1e-4 in
    gradient units). The centred variant clamps the variance estimate at 0 so that rounding
    cannot make it negative. ``beta`` and ``momentum`` lie in [0, 1). ``beta`` is PyTorch's
    ``alpha``, and its default is the notes' 0.9 where PyTorch's is 0.99. ``maximize=True``
    ascends instead (g ← −g first), as PyTorch's.
    """

    array_state: ClassVar[tuple[str, ...]] = ("square_avg", "grad_avg", "momentum_buffer")

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        beta: float = 0.9,
        eps: float = 1e-8,
        momentum: float = 0.0,
        centered: bool = False,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "beta": beta,
            "eps": eps,
            "momentum": momentum,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check(self, group: ParamGroup) -> ParamGroup:
        group["lr"] = check_nonnegative("lr", group["lr"])
        group["beta"] = check_fraction("beta", group["beta"])
        group["eps"] = check_nonnegative("eps", group["eps"])
        group["momentum"] = check_fraction("momentum", group["momentum"])
        group["centered"] = check_flag("centered", group["centered"])
        group["weight_decay"] = check_nonnegative("weight_decay", group["weight_decay"])
        return group

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        lr = float(group["lr"])
        beta = float(group["beta"])
        eps = float(group["eps"])
        mu = float(group["momentum"])
        wd = float(group["weight_decay"])
        if wd != 0.0:
            grad = grad + wd * param
        v = state.get("square_avg")
        if v is None:
            v = state["square_avg"] = np.zeros_like(param)
        v *= beta
        v += (1.0 - beta) * (grad * grad)
        if group["centered"]:
            gbar = state.get("grad_avg")
            if gbar is None:
                gbar = state["grad_avg"] = np.zeros_like(param)
            gbar *= beta
            gbar += (1.0 - beta) * grad
            s = np.maximum(v - gbar * gbar, 0.0)
        else:
            s = v
        u = grad / np.sqrt(s + eps)
        if mu != 0.0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.zeros_like(param)
            buf *= mu
            buf += u
            u = buf
        param -= lr * u
