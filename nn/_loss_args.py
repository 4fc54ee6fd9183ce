"""Argument checks and reductions shared by the losses in ``nn.functional``: the reduction
names, the input, float and class targets, and per-element or per-class weights."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini import Tensor, astype
from autograd_mini.checks import is_int
from autograd_mini.constants import check_no_graph

from ._util import as_tensor, check_real

__all__ = [
    "REDUCTIONS", "check_reduction", "class_weight", "float_target", "ignore_index_arg",
    "loss_input", "raw_target", "reduce_loss", "smoothing", "weight_like",
]

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str, where: str, extra: tuple[str, ...] = ()) -> str:
    """``reduction`` if it is "mean", "sum" or "none" (or one of ``extra``)."""
    allowed = REDUCTIONS + extra
    if not isinstance(reduction, str) or reduction not in allowed:
        hint = ("; class weights are given by keyword, weight=... (PyTorch's place for them "
                "is reduction's here)") if hasattr(reduction, "__len__") and not isinstance(
                    reduction, str) else ""
        raise ValueError(f"{where}: reduction must be one of {allowed}, got "
                         f"{reduction!r:.60}{hint}")
    return reduction


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """The mean or sum of ``loss``, or ``loss`` itself for "none"."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def loss_input(x: Any, reduction: str, where: str, extra: tuple[str, ...] = (),
               vector: bool = False) -> Tensor:
    """The input of a loss: a floating Tensor (the reduction is checked first).

    An empty batch is refused only where the reduction would divide by zero: "mean" (the mean
    of no terms; PyTorch gives NaN, which silently poisons training) and "batchmean" with no
    samples on axis 0. "sum" of an empty batch is 0 and "none" an empty tensor, as in
    PyTorch, both still connected to the graph (backward gives zero gradients). With
    ``vector`` each term of the loss reduces the last axis (a distance, a cosine), so the
    batch is the other axes: vectors of length 0 still make terms.
    """
    check_reduction(reduction, where, extra)
    x = as_tensor(x, where)
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: input must be floating point, got dtype {x.dtype}")
    if x.size == 0:
        terms = math.prod(x.shape[:-1]) if vector else 0
        if (reduction == "mean" and not terms) or (reduction == "batchmean" and not x.shape[0]):
            raise ValueError(f"{where}: empty batch (input shape {x.shape}); a loss needs "
                             "samples")
    return x


def raw_target(target: Any, where: str) -> np.ndarray:
    """A target's data as an array (a Tensor's own data, not a copy)."""
    if isinstance(target, Tensor):
        return target.data
    check_no_graph(target, where)
    try:
        return np.asarray(target)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{where}: cannot make a target array from "
                        f"{type(target).__name__}: {exc}") from None


def weight_like(w: Any, x: Tensor, name: str, where: str, same_shape: bool = False) -> Tensor:
    """A constant (or differentiable) weight that broadcasts against the input ``x`` (with
    ``same_shape``: that has ``x``'s shape), in ``x``'s dtype (a float64 array weighting a
    float32 loss keeps it float32, as PyTorch's BCE)."""
    t = as_tensor(w, f"{where}: {name}")
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must be numeric, got dtype {t.dtype}")
    if same_shape and t.shape != x.shape:
        raise ValueError(f"{where}: {name} of shape {t.shape} must have the input's shape "
                         f"{x.shape} (one weight per element, as PyTorch)")
    if t.dtype != x.dtype:
        t = astype(t, x.dtype)  # (recorded for a weight that requires grad)
    try:
        if np.broadcast_shapes(t.shape, x.shape) != x.shape:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"{where}: {name} of shape {t.shape} does not broadcast to the input shape {x.shape}"
        ) from None
    return t


def float_target(target: Any, x: Tensor, where: str) -> Tensor:
    """The target as a Tensor of the input's dtype, with the input's shape."""
    raw = raw_target(target, where)
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"{where}: target must be numeric, got dtype {raw.dtype}")
    if raw.shape != x.shape:
        raise ValueError(
            f"{where}: target shape {raw.shape} does not match input shape {x.shape}"
        )
    if isinstance(target, Tensor):
        return astype(target, x.dtype)
    return Tensor(raw, dtype=x.dtype)


def class_weight(weight: Any, c: int, dtype: np.dtype, where: str) -> np.ndarray | None:
    """A per-class rescaling weight: a constant array of ``c`` numbers in ``dtype``.

    As in PyTorch no gradient flows to it, so a Tensor that requires one is refused.
    """
    if weight is None:
        return None
    if isinstance(weight, Tensor) and weight.requires_grad:
        raise ValueError(f"{where}: weight is a constant (no gradient reaches it); pass "
                         "weight.detach()")
    w = raw_target(weight, f"{where}: weight")
    if w.dtype.kind not in "biuf":
        raise TypeError(f"{where}: weight must be numeric, got dtype {w.dtype}")
    if w.shape != (c,):
        raise ValueError(f"{where}: weight must hold one number per class, shape ({c},), "
                         f"got shape {w.shape}")
    return w.astype(dtype)


def ignore_index_arg(value: Any, where: str) -> int:
    """``ignore_index`` as an int."""
    if not is_int(value):
        raise TypeError(f"{where}: ignore_index must be an int, got {value!r:.60}")
    return int(value)


def smoothing(value: Any, where: str) -> float:
    """``label_smoothing`` as a float in [0, 1]."""
    if type(value) is float and 0.0 <= value <= 1.0:  # the common case, checked quickly
        return value
    return check_real(value, "label_smoothing", where, 0.0, 1.0)
