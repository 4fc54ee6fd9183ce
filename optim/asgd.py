"""ASGD: averaged stochastic gradient descent (Polyak–Ruppert averaging), as PyTorch's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from .hyper import check_nonnegative
from .optimizer import Optimizer, ParamGroup, Params
from .state_numbers import NumberChecks, load_with_numbers

__all__ = ["ASGD"]

#: the state entries that are real numbers (not counts, not arrays): name -> (check, wanted)
_NUMBERS: NumberChecks = {"eta": (lambda v: v >= 0.0, "a finite number >= 0"),
            "mu": (lambda v: 0.0 < v <= 1.0, "a number in (0, 1]")}


class ASGD(Optimizer):
    r"""Averaged SGD (Polyak & Juditsky; Bottou's schedule), PyTorch's single-tensor algorithm.

    With gradient g, learning rate η₀ = ``lr``, decay λ = ``lambd``, power α, averaging start
    t₀ and weight decay w; per parameter the step count t starts at 0, the current rate η at
    η₀, the averaging weight μ at 1 and the average a (``ax``) at 0::

        t ← t + 1
        g ← g + w θ
        θ ← θ (1 − λ η)              (the decay term)
        θ ← θ − η g
        a ← a + μ (θ − a)            (a ← θ while μ = 1)
        η ← η₀ / (1 + λ η₀ t)^α
        μ ← 1 / max(1, t − t₀)

    The parameter follows SGD with a slowly decaying rate; a is the running mean of the
    iterates since step t₀ (before it a simply tracks θ), the averaged solution: read it from
    ``opt.state[p]["ax"]`` (copy it into the model to evaluate it). η₀ is the group's lr at
    each step, so a schedule changes η from the next step on. The state keeps PyTorch's names
    ``step``, ``eta``, ``mu`` (Python floats here) and ``ax``.

    **Differences from PyTorch.** η and μ are float64 numbers; PyTorch keeps them as tensors
    of its default dtype (float32 unless ``torch.set_default_dtype(torch.float64)``), so under
    its float32 default its steps differ from ours by about 1e-8 of η. ``lambd``, ``alpha``
    and ``t0`` must be finite and ≥ 0 (PyTorch does not check them). ``foreach``,
    ``capturable`` and ``differentiable`` are not provided. ``maximize=True`` ascends instead
    (g ← −g first), as PyTorch's.
    """

    scalar_state: ClassVar[tuple[str, ...]] = ("step",)
    array_state: ClassVar[tuple[str, ...]] = ("ax",)
    required_state: ClassVar[tuple[str, ...]] = ("step", "ax")

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _check(self, group: ParamGroup) -> ParamGroup:
        try:
            for name in ("lr", "lambd", "alpha", "t0", "weight_decay"):
                group[name] = check_nonnegative(name, group[name])
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"ASGD: {exc}") from None
        return group

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        lr = float(group["lr"])
        lambd = float(group["lambd"])
        if not state:
            state["step"] = 0
            state["eta"] = lr
            state["mu"] = 1.0
            state["ax"] = np.zeros_like(param)
        t = state["step"] = int(state["step"]) + 1
        wd = float(group["weight_decay"])
        if wd != 0.0:
            grad = grad + wd * param
        eta = float(state["eta"])
        param *= 1.0 - lambd * eta
        param -= eta * grad
        ax = state["ax"]
        mu = float(state["mu"])
        if mu != 1.0:
            ax += (param - ax) * mu
        else:
            ax[...] = param
        state["eta"] = lr / ((1.0 + lambd * lr * t) ** float(group["alpha"]))
        state["mu"] = 1.0 / max(1.0, t - float(group["t0"]))

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """As :meth:`Optimizer.load_state_dict`, and each stepped parameter's ``eta`` (a
        number ≥ 0) and ``mu`` (in (0, 1]) are checked too (PyTorch's 0-d tensors become
        floats): every problem is reported in one ValueError and nothing changes on error."""
        load_with_numbers(self, state_dict, _NUMBERS, "ASGD keeps step, eta, mu and ax")
