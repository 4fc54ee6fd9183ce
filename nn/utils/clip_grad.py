"""Gradient clipping, as ``torch.nn.utils``: the joint norm of a list of tensors
(``get_total_norm``), gradients rescaled to a maximal joint norm (``clip_grads_with_norm_``,
``clip_grad_norm_``) or clamped entry by entry (``clip_grad_value_``).

Norms are computed in float64 over arrays scaled by their largest magnitude, so float32
gradients of 1e30 give their norm, not inf. Gradients are changed in place (``.grad.data``
keeps its identity and dtype). ``optim.clip_grad_norm_`` and ``optim.clip_grad_value_`` are
these same functions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_mini import Tensor

__all__ = ["CLIP_EPS", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm"]

#: added to the total norm before dividing, so a zero gradient never gives 0 / 0
CLIP_EPS = 1e-6


def _real(value: Any, name: str, where: str) -> float:
    """``value`` as a float; non-numbers (None, strings, arrays, bools) are a TypeError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
            or isinstance(value, (complex, np.complexfloating)):
        raise TypeError(f"{where}: {name} must be a real number, got {value!r:.60}")
    return float(value)


def _max_norm(value: Any, where: str) -> float:
    """``max_norm`` as a float ≥ 0 (inf allowed: nothing is clipped)."""
    out = _real(value, "max_norm", where)
    if math.isnan(out) or out < 0.0:
        raise ValueError(f"{where}: max_norm must be >= 0, got {out!r}")
    return out


def _norm_type(value: Any, where: str) -> float:
    """``norm_type`` as a float p > 0 or inf, given as a number or, as PyTorch allows, the
    string 'inf' (orders ≤ 0 are not norms: see get_total_norm)."""
    if isinstance(value, str):
        if value.strip().lower() not in ("inf", "+inf", "infinity", "+infinity"):
            raise TypeError(f"{where}: norm_type must be a real number or the string 'inf', "
                            f"got {value!r:.60}")
        return math.inf
    out = _real(value, "norm_type", where)
    if math.isnan(out) or out <= 0.0:
        raise ValueError(f"{where}: norm_type must be > 0 or inf, got {out!r} (orders <= 0 "
                         "do not give a norm)")
    return out


def _flag(value: Any, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be a bool, got {value!r:.60}")
    return bool(value)


def _foreach(value: Any, where: str) -> None:
    """Refuse a ``foreach`` that is not None or a bool (PyTorch's kernel choice: no effect)."""
    if value is not None and not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: foreach must be None or a bool, got {value!r:.60}")


def _tensors(items: Tensor | Iterable[Tensor], name: str, where: str) -> list[Tensor]:
    """``items`` as a list of Tensors (a single Tensor is a list of one)."""
    if not isinstance(items, Tensor) and (
            isinstance(items, (str, bytes)) or not hasattr(items, "__iter__")):
        raise TypeError(f"{where}: {name} must be a Tensor or an iterable of Tensors, got "
                        f"{type(items).__name__}")
    out = [items] if isinstance(items, Tensor) else list(items)
    for t in out:
        if not isinstance(t, Tensor):
            raise TypeError(f"{where}: {name} must hold Tensors, got {type(t).__name__}")
    return out


def _grads(parameters: Tensor | Iterable[Tensor], where: str) -> list[np.ndarray]:
    """The gradient arrays of ``parameters`` (skipping None), each listed once and writeable
    (a ``create_graph`` gradient that a later op saved is read-only: its ``.grad`` gets a
    copy, so the graph keeps the values it saved)."""
    out: list[np.ndarray] = []
    seen: set[int] = set()
    for p in _tensors(parameters, "parameters", where):
        if p.grad is not None and id(p.grad.data) not in seen:
            if not p.grad.data.flags.writeable:
                p.grad.data = p.grad.data.copy()
            seen.add(id(p.grad.data))
            out.append(p.grad.data)
    return out


def _total_norm(arrays: list[np.ndarray], norm_type: float) -> float:
    """‖(a₁, …, a_k)‖_p over all entries, computed in float64 and scaled to avoid overflow."""
    biggest = max((float(np.max(np.abs(a))) for a in arrays if a.size), default=0.0)
    if norm_type == math.inf or biggest == 0.0 or not math.isfinite(biggest):
        if any(np.isnan(a).any() for a in arrays):
            return math.nan
        return biggest
    with np.errstate(all="ignore"):
        if norm_type == 2.0:  # the common case as one float64 dot product per array
            scaled = (np.divide(a.ravel(), biggest, dtype=np.float64) for a in arrays)
            power = sum(float(np.dot(v, v)) for v in scaled)
        else:
            power = sum(float(np.sum((np.abs(a.astype(np.float64)) / biggest) ** norm_type))
                        for a in arrays)
    try:
        return biggest * power ** (1.0 / norm_type)
    except OverflowError:  # a tiny norm_type: the norm is beyond the float range
        return math.inf


def _scale(grads: list[np.ndarray], max_norm: float, total: float) -> None:
    """Multiply every gradient in place by c = max_norm / (total + ε) when c < 1 (or NaN)."""
    coef = max_norm / (total + CLIP_EPS)
    if coef < 1.0 or math.isnan(coef):
        with np.errstate(all="ignore"):  # (inf · 0 and NaN: IEEE, no warning)
            for g in grads:
                np.multiply(g, coef, out=g)


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    r"""N = ‖(‖t₁‖_p, …, ‖t_k‖_p)‖_p = (Σ_i Σ_j |t_ij|^p)^(1/p) (max_ij |t_ij| for p = inf):
    the p-norm of the norms of ``tensors`` (their values, not their ``.grad``; pass
    ``[p.grad for p in params if p.grad is not None]`` for gradients).

    Returns a 0-d Tensor that records no graph, of the tensors' promoted floating dtype
    (float64 for an empty list, which gives 0). A NaN entry gives NaN; a non-finite N raises
    RuntimeError when ``error_if_nonfinite``. p is a number or the string 'inf' (as
    PyTorch's); unlike PyTorch, p must be > 0 or inf: its order 0 counts the tensors holding
    a nonzero entry and its negative orders are not norms (other strings are refused too).
    ``foreach`` (PyTorch's choice of kernel) is taken and changes nothing.
    """
    where = "get_total_norm"
    _foreach(foreach, where)
    p = _norm_type(norm_type, where)
    nonfinite = _flag(error_if_nonfinite, "error_if_nonfinite", where)
    arrays = [t.data for t in _tensors(tensors, "tensors", where)]
    for i, a in enumerate(arrays):
        if a.dtype.kind != "f":
            raise TypeError(f"{where}: tensors must hold floating values, tensor {i} has "
                            f"dtype {a.dtype}")
    total = _total_norm(arrays, p)
    if nonfinite and not math.isfinite(total):
        raise RuntimeError(f"{where}: the total norm of order {p} of the tensors is {total}; "
                           "pass error_if_nonfinite=False to return it anyway")
    dtype = np.result_type(*arrays) if arrays else np.dtype(np.float64)
    with np.errstate(over="ignore"):  # beyond float32's range: inf, as PyTorch's
        return Tensor(np.asarray(total, dtype=dtype))


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    total_norm: Tensor | float,
    foreach: bool | None = None,
) -> None:
    """Scale every gradient of ``parameters`` in place by c = min(1, max_norm / (N + 1e-6)),
    N = ``total_norm`` as ``get_total_norm`` gives it (a 0-d Tensor, or a number ≥ 0 such as
    ``clip_grad_norm_``'s result). A NaN N makes the gradients NaN and an infinite one makes
    them 0 (inf · 0 = NaN), as IEEE gives c. Parameters without a gradient are skipped and a
    gradient shared by several parameters is scaled once. ``foreach`` changes nothing.
    """
    where = "clip_grads_with_norm_"
    _foreach(foreach, where)
    bound = _max_norm(max_norm, where)
    if isinstance(total_norm, Tensor):
        if total_norm.size != 1 or total_norm.dtype.kind not in "iuf":
            raise TypeError(f"{where}: total_norm must be a 0-d Tensor or a number, got a "
                            f"Tensor of shape {total_norm.shape} and dtype {total_norm.dtype}")
        total = float(total_norm.data.reshape(()))
    else:
        total = _real(total_norm, "total_norm", where)
    if total < 0.0:
        raise ValueError(f"{where}: total_norm must be >= 0 (a norm), got {total!r}")
    _scale(_grads(parameters, where), bound, total)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> np.float64:
    r"""Scale all gradients together so that their joint p-norm is at most ``max_norm``:
    N = get_total_norm(grads, p), then clip_grads_with_norm_(parameters, max_norm, N).

    N = (Σ_i Σ_j |g_ij|^p)^(1/p) (max |g_ij| for p = inf, also given as 'inf') over every
    gradient of ``parameters`` (each gradient once; parameters without one are skipped); if
    N > ``max_norm`` each gradient is multiplied in place by c = max_norm / (N + 1e-6), so the
    clipped norm sits just below ``max_norm``. Returns N (before clipping) in float64, as a
    NumPy float64 (PyTorch returns a 0-d tensor; ``norm.item()`` works on both). A
    non-finite N raises RuntimeError when ``error_if_nonfinite`` is set; otherwise the
    gradients are scaled by c as IEEE gives it. ``foreach`` changes nothing.
    """
    where = "clip_grad_norm_"
    _foreach(foreach, where)
    bound = _max_norm(max_norm, where)
    p = _norm_type(norm_type, where)
    nonfinite = _flag(error_if_nonfinite, "error_if_nonfinite", where)
    grads = _grads(parameters, where)
    total = _total_norm(grads, p)  # (get_total_norm's float64 value, before any rounding)
    if nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"{where}: the total norm of order {p} of the gradients is {total}, so they "
            "cannot be clipped; pass error_if_nonfinite=False to scale them anyway")
    _scale(grads, bound, total)
    return np.float64(total)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient entry in place to [−clip_value, clip_value] (None grads skipped);
    ``foreach`` changes nothing."""
    where = "clip_grad_value_"
    _foreach(foreach, where)
    bound = _real(clip_value, "clip_value", where)
    if math.isnan(bound) or bound < 0.0:
        raise ValueError(f"{where}: clip_value must be >= 0, got {bound!r}")
    for g in _grads(parameters, where):
        np.clip(g, -bound, bound, out=g)
