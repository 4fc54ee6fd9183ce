"""The optimisers' shared hyper-parameter checks (finite, non-negative, fractions, Adam's
betas) and the update steps several of them take (decoupled weight decay, Adam's moments)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["ParamGroup", "check_adam_group", "check_betas", "check_flag", "check_fraction",
           "check_nonnegative", "decay_weights", "update_moments"]

ParamGroup = dict[str, Any]


def _number(name: str, value: Any) -> float:
    """``value`` as a Python float, refusing non-numbers, booleans and NaN/inf."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"invalid {name}: {value!r} (must be finite)")
    return out


def check_nonnegative(name: str, value: Any) -> float:
    """Validate ``0 <= value < inf`` and return it as a float."""
    out = _number(name, value)
    if out < 0.0:
        raise ValueError(f"invalid {name}: {value!r} (must be >= 0)")
    return out


def check_fraction(name: str, value: Any, closed: bool = False) -> float:
    """Validate ``0 <= value < 1`` (``<= 1`` when ``closed``) and return it as a float."""
    out = _number(name, value)
    if out < 0.0 or out > 1.0 or (out == 1.0 and not closed):
        interval = "[0, 1]" if closed else "[0, 1)"
        raise ValueError(f"invalid {name}: {value!r} (must be in {interval})")
    return out


def check_betas(betas: Any) -> tuple[float, float]:
    """Validate the Adam family's pair (β₁, β₂), each in [0, 1), and return it as floats."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"invalid betas: {betas!r} (must be a pair (beta1, beta2))")
    return check_fraction("betas[0]", betas[0]), check_fraction("betas[1]", betas[1])


def check_adam_group(group: ParamGroup) -> ParamGroup:
    """The Adam family's ``lr``, ``betas``, ``eps`` and ``weight_decay``, checked in place."""
    group["lr"] = check_nonnegative("lr", group["lr"])
    group["betas"] = check_betas(group["betas"])
    group["eps"] = check_nonnegative("eps", group["eps"])
    group["weight_decay"] = check_nonnegative("weight_decay", group["weight_decay"])
    return group


def decay_weights(param: np.ndarray, grad: np.ndarray, lr: float, wd: float,
                  decoupled: bool) -> np.ndarray:
    """Weight decay λ: the gradient g + λθ, or with ``decoupled`` (AdamW's) θ ← θ (1 − ηλ) in
    place and g unchanged; returns the gradient to use."""
    if wd == 0.0:
        return grad
    if decoupled:
        param *= 1.0 - lr * wd
        return grad
    return grad + wd * param


def update_moments(state: dict[str, Any], grad: np.ndarray, beta1: float,
                   beta2: float) -> tuple[np.ndarray, np.ndarray]:
    """Adam's moments, in place: m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g ⊙ g (state
    ``exp_avg``, ``exp_avg_sq``); returns (m, v)."""
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m *= beta1
    m += (1.0 - beta1) * grad
    v *= beta2
    v += (1.0 - beta2) * grad * grad  # (scaled first, as PyTorch's: g² may overflow float32)
    return m, v


def check_flag(name: str, value: Any) -> bool:
    """Validate a boolean option."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r}")
    return bool(value)
