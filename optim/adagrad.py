"""Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .hyper import check_nonnegative
from .optimizer import Optimizer, ParamGroup, Params

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer), with PyTorch's learning-rate decay.

    With gradient g, learning rate η, decay κ = ``lr_decay``, ε and weight decay λ; the sum
    G starts at ``initial_accumulator_value`` and the step count t at 0::

        t ← t + 1
        g ← g + λ θ
        η_t ← η / (1 + (t − 1) κ)
        G ← G + g ⊙ g
        θ ← θ − η_t g / (√G + ε)

    It is eq. 2.8 of the notes with the running average replaced by a running sum (β = 1 and
    no (1 − β) factor), so the effective step only shrinks; ε is outside the square root.
    ``maximize=True`` ascends instead (g ← −g first), as PyTorch's.
    """

    scalar_state: ClassVar[tuple[str, ...]] = ("step",)
    array_state: ClassVar[tuple[str, ...]] = ("sum",)
    required_state: ClassVar[tuple[str, ...]] = ("step", "sum")

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check(self, group: ParamGroup) -> ParamGroup:
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            group[name] = check_nonnegative(name, group[name])
        return group

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param, float(group["initial_accumulator_value"]))
        t = state["step"] = int(state["step"]) + 1
        wd = float(group["weight_decay"])
        if wd != 0.0:
            grad = grad + wd * param
        clr = float(group["lr"]) / (1.0 + (t - 1) * float(group["lr_decay"]))
        acc = state["sum"]
        acc += grad * grad
        param -= clr * grad / (np.sqrt(acc) + float(group["eps"]))
