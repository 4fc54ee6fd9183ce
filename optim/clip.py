"""Gradient clipping: rescale all gradients to a maximal total norm, or clamp each entry."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_mini import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]

#: added to the total norm before dividing, so a zero gradient never gives 0 / 0
CLIP_EPS = 1e-6


def _real(value: Any, name: str, where: str) -> float:
    """``value`` as a float; non-numbers (None, strings, arrays, bools) are a TypeError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
            or isinstance(value, (complex, np.complexfloating)):
        raise TypeError(f"{where}: {name} must be a real number, got {value!r:.60}")
    return float(value)


def _grads(params: Tensor | Iterable[Tensor], where: str) -> list[np.ndarray]:
    """The gradient arrays of ``params`` (skipping None), each listed once and writeable (a
    ``create_graph`` gradient that a later op saved is read-only: its ``.grad`` gets a copy)."""
    if not isinstance(params, Tensor) and (
            isinstance(params, (str, bytes)) or not hasattr(params, "__iter__")):
        raise TypeError(f"{where}: params must be a Tensor or an iterable of Tensors, got "
                        f"{type(params).__name__}")
    items = [params] if isinstance(params, Tensor) else list(params)
    out: list[np.ndarray] = []
    seen: set[int] = set()
    for p in items:
        if not isinstance(p, Tensor):
            raise TypeError(f"{where}: expected Tensors, got {type(p).__name__}")
        if p.grad is not None and id(p.grad.data) not in seen:
            if not p.grad.data.flags.writeable:  # a recorded .grad an op saved: clip a copy
                p.grad.data = p.grad.data.copy()
            seen.add(id(p.grad.data))
            out.append(p.grad.data)
    return out


def _total_norm(grads: list[np.ndarray], norm_type: float) -> float:
    """‖(g₁, …, g_k)‖_p over all entries, computed in float64 and scaled to avoid overflow."""
    biggest = max((float(np.max(np.abs(g))) for g in grads if g.size), default=0.0)
    if norm_type == math.inf or biggest == 0.0 or not math.isfinite(biggest):
        if any(np.isnan(g).any() for g in grads):
            return math.nan
        return biggest
    with np.errstate(all="ignore"):
        if norm_type == 2.0:  # the common case as one float64 dot product per gradient
            scaled = (np.divide(g.ravel(), biggest, dtype=np.float64) for g in grads)
            power = sum(float(np.dot(v, v)) for v in scaled)
        else:
            power = sum(float(np.sum((np.abs(g.astype(np.float64)) / biggest) ** norm_type))
                        for g in grads)
    try:
        return biggest * power ** (1.0 / norm_type)
    except OverflowError:  # a tiny norm_type: the norm is beyond the float range
        return math.inf


def clip_grad_norm_(
    params: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> np.float64:
    r"""Scale all gradients together so that their joint p-norm is at most ``max_norm``.

    N = (Σ_i Σ_j |g_ij|^p)^(1/p) (max |g_ij| for p = inf) over every gradient of ``params``;
    if N > ``max_norm`` each gradient is multiplied in place by c = max_norm / (N + 1e-6),
    so the clipped norm sits just below ``max_norm``. Parameters without a gradient are
    skipped. Returns N (before clipping) as a float (a NumPy float64, so PyTorch's
    ``norm.item()`` works too). A non-finite N raises RuntimeError when
    ``error_if_nonfinite`` is set; otherwise the gradients are scaled by c as IEEE gives it.
    ``foreach`` (PyTorch's choice of kernel) is taken and changes nothing.
    """
    _foreach(foreach, "clip_grad_norm_")
    max_norm = _real(max_norm, "max_norm", "clip_grad_norm_")
    norm_type = _real(norm_type, "norm_type", "clip_grad_norm_")
    if not isinstance(error_if_nonfinite, (bool, np.bool_)):
        raise TypeError(f"clip_grad_norm_: error_if_nonfinite must be a bool, got "
                        f"{error_if_nonfinite!r:.60}")
    if math.isnan(max_norm) or max_norm < 0.0:
        raise ValueError(f"invalid max_norm: {max_norm!r} (must be >= 0)")
    if math.isnan(norm_type) or norm_type <= 0.0:
        raise ValueError(f"invalid norm_type: {norm_type!r} (must be > 0 or inf)")
    grads = _grads(params, "clip_grad_norm_")
    if not grads:
        return np.float64(0.0)
    total = _total_norm(grads, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"the total norm of order {norm_type} of the gradients is {total}, "
            "so they cannot be clipped; pass error_if_nonfinite=False to scale them anyway"
        )
    coef = max_norm / (total + CLIP_EPS)
    if not coef < 1.0 and not math.isnan(coef):
        return np.float64(total)
    with np.errstate(all="ignore"):
        for g in grads:
            np.multiply(g, coef, out=g)
    return np.float64(total)


def clip_grad_value_(params: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient entry in place to [−clip_value, clip_value] (None grads skipped);
    ``foreach`` as in :func:`clip_grad_norm_`."""
    _foreach(foreach, "clip_grad_value_")
    clip_value = _real(clip_value, "clip_value", "clip_grad_value_")
    if math.isnan(clip_value) or clip_value < 0.0:
        raise ValueError(f"invalid clip_value: {clip_value!r} (must be >= 0)")
    for g in _grads(params, "clip_grad_value_"):
        np.clip(g, -clip_value, clip_value, out=g)


def _foreach(value: Any, where: str) -> None:
    """Refuse a ``foreach`` that is not None or a bool (PyTorch's kernel choice: no effect)."""
    if value is not None and not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: foreach must be None or a bool, got {value!r:.60}")
