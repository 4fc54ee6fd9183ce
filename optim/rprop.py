"""Rprop: resilient backpropagation, steps of a per-coordinate size in the gradient's sign."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from .hyper import check_nonnegative
from .optimizer import Optimizer, ParamGroup, Params

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Rprop (Riedmiller & Braun), as PyTorch's: only the gradient's sign is used, and each
    coordinate has its own step size that grows while the sign holds and shrinks when it flips.

    With gradient g, the previous (possibly zeroed) gradient g′ (0 at first), step sizes Δ
    (η = ``lr`` at first), ``etas`` = (η−, η+) and ``step_sizes`` = (Δ_min, Δ_max), per
    coordinate::

        t ← t + 1
        f ← η+  if g g′ > 0,   η−  if g g′ < 0,   1  otherwise (0, or NaN)
        Δ ← clip(f Δ, Δ_min, Δ_max)
        g ← 0   where g g′ < 0          (a sign flip: no step this time)
        θ ← θ − sign(g) Δ               (sign(NaN) = 0: no move)
        g′ ← g

    so after a flip the next step starts afresh (f = 1), and a NaN gradient entry (or ∞ then
    0) moves nothing and keeps its Δ, as PyTorch's. ``lr`` only sets the first step size:
    a later change of it (a schedule) does not reach a parameter already stepped, as in
    PyTorch. The state keeps PyTorch's names: ``step``, ``prev`` (g′) and ``step_size`` (Δ).
    Requires 0 < η− < 1 < η+ and 0 ≤ Δ_min ≤ Δ_max (Δ_max = inf: no bound).
    ``maximize=True`` ascends instead (g ← −g first), as PyTorch's. PyTorch's ``foreach``,
    ``capturable`` and ``differentiable`` are not provided.
    """

    scalar_state: ClassVar[tuple[str, ...]] = ("step",)
    array_state: ClassVar[tuple[str, ...]] = ("prev", "step_size")
    required_state: ClassVar[tuple[str, ...]] = ("step", "prev", "step_size")

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "maximize": maximize}
        super().__init__(params, defaults)

    def _check(self, group: ParamGroup) -> ParamGroup:
        try:
            return _checked(group)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"Rprop: {exc}") from None

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        if not state:
            state["step"] = 0
            state["prev"] = np.zeros_like(param)
            state["step_size"] = np.full_like(param, float(group["lr"]))
        state["step"] = int(state["step"]) + 1
        minus, plus = group["etas"]
        low, high = group["step_sizes"]
        prev, size = state["prev"], state["step_size"]
        agree = grad * prev  # (its sign, as PyTorch's: a product that underflows counts as 0)
        # f: η+ where the sign held, η− where it flipped, 1 where either is 0 or the product
        # is NaN (a NaN gradient, or ∞ · 0: no sign to go by, as PyTorch's sign(NaN) = 0)
        factor = np.where(agree > 0, plus, np.where(agree < 0, minus, 1.0)).astype(
            param.dtype, copy=False)
        size *= factor
        np.clip(size, low, high, out=size)
        grad = np.where(agree < 0, 0, grad).astype(param.dtype, copy=False)
        param -= np.nan_to_num(np.sign(grad), nan=0.0) * size  # (no move where g is NaN)
        prev[...] = grad


def _pair(name: str, value: Any) -> tuple[Any, Any]:
    """``value``, checked to be a pair (a tuple or list of two)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"invalid {name}: {value!r:.60} (must be a pair)")
    return value[0], value[1]


def _checked(group: ParamGroup) -> ParamGroup:
    """Rprop's hyper-parameters of ``group``, checked and normalised in place."""
    group["lr"] = check_nonnegative("lr", group["lr"])
    minus, plus = (check_nonnegative(f"etas[{i}]", v)
                   for i, v in enumerate(_pair("etas", group["etas"])))
    if not 0.0 < minus < 1.0 < plus:
        raise ValueError(f"invalid etas {group['etas']!r} (need 0 < etas[0] < 1 < "
                         "etas[1]: a shrinking and a growing factor)")
    group["etas"] = (minus, plus)
    low, high = _pair("step_sizes", group["step_sizes"])
    low = check_nonnegative("step_sizes[0]", low)
    # (an infinite largest step means no upper bound, as PyTorch takes it)
    high = math.inf if high == math.inf else check_nonnegative("step_sizes[1]", high)
    if low > high:
        raise ValueError(f"invalid step_sizes {group['step_sizes']!r} (need "
                         "step_sizes[0] <= step_sizes[1], the least and the largest step)")
    group["step_sizes"] = (low, high)
    return group
