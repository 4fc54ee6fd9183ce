"""Adadelta: steps whose units match the parameter's, from two running averages."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .hyper import check_fraction, check_nonnegative
from .optimizer import Optimizer, ParamGroup, Params

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler): RMSProp whose step size is the running RMS of past steps.

    With gradient g, learning rate η, decay ρ, ε and weight decay λ, per parameter (v, u
    start at 0 and the step count t at 0)::

        t ← t + 1
        g ← g + λ θ
        v ← ρ v + (1 − ρ) g ⊙ g
        Δ ← √(u + ε) / √(v + ε) ⊙ g
        u ← ρ u + (1 − ρ) Δ ⊙ Δ
        θ ← θ − η Δ

    The ratio of the two root-mean-squares gives Δ the units of θ, so the method needs no
    step size of its own: η = 1 (the default) is Zeiler's algorithm and η scales it. ε sits
    inside both roots (it also sets the size of the first steps, √ε |g| / √((1 − ρ) g² + ε)).
    t is counted only because PyTorch's state holds it. The state keeps PyTorch's names
    (``step``, ``square_avg`` = v, ``acc_delta`` = u). ρ lies in [0, 1]. ``maximize=True``
    ascends instead (g ← −g first), as PyTorch's.
    """

    scalar_state: ClassVar[tuple[str, ...]] = ("step",)
    array_state: ClassVar[tuple[str, ...]] = ("square_avg", "acc_delta")
    required_state: ClassVar[tuple[str, ...]] = ("step", "square_avg", "acc_delta")

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check(self, group: ParamGroup) -> ParamGroup:
        group["lr"] = check_nonnegative("lr", group["lr"])
        group["rho"] = check_fraction("rho", group["rho"], closed=True)
        group["eps"] = check_nonnegative("eps", group["eps"])
        group["weight_decay"] = check_nonnegative("weight_decay", group["weight_decay"])
        return group

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        lr = float(group["lr"])
        rho = float(group["rho"])
        eps = float(group["eps"])
        wd = float(group["weight_decay"])
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
            state["acc_delta"] = np.zeros_like(param)
        state["step"] = int(state["step"]) + 1
        if wd != 0.0:
            grad = grad + wd * param
        v = state["square_avg"]
        u = state["acc_delta"]
        v *= rho
        v += (1.0 - rho) * grad * grad  # (scaled first: g² may overflow float32)
        delta = np.sqrt(u + eps)
        delta /= np.sqrt(v + eps)
        delta *= grad
        u *= rho
        u += (1.0 - rho) * (delta * delta)
        param -= lr * delta
