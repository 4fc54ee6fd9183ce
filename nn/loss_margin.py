"""Margin and embedding losses, as functions and as modules: ``margin_ranking_loss``,
``hinge_embedding_loss``, ``cosine_embedding_loss``, ``multilabel_soft_margin_loss``,
``multi_margin_loss`` and ``multilabel_margin_loss`` (PyTorch's formulas, defaults and
reductions; ``nn.functional`` re-exports the functions; the triplet losses are in
``nn.loss_distance``).

As in PyTorch the hinges max(0, z) pass the gradient where z ≥ 0 (its clamp) and keep a NaN
z as NaN (with gradient 0), except ``multi_margin_loss``'s and ``multilabel_margin_loss``'s,
where z > 0 and a NaN z gives 0 (PyTorch's kernels). Every loss takes ``reduction`` "mean",
"sum" or "none"; an empty batch gives 0 ("sum") or an empty tensor ("none") and is refused for
"mean" (PyTorch: NaN), vectors of length 0 still making terms of the cosine loss. A second
input or target whose shape does not fit raises ``ValueError`` naming the loss and both
shapes. ±1 targets must be −1 or +1 (PyTorch silently gives 0 or a mixed loss for others)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini import Tensor, astype, log_sigmoid, sqrt, take_along_axis, where

from ._loss_args import (
    class_weight,
    float_target,
    loss_input,
    raw_target,
    reduce_loss,
    weight_like,
)
from ._util import as_tensor, check_real
from .loss import _class_weight, _Loss, _WeightedLoss

__all__ = [
    "CosineEmbeddingLoss", "HingeEmbeddingLoss", "MarginRankingLoss", "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "cosine_embedding_loss",
    "hinge_embedding_loss", "margin_ranking_loss", "multi_margin_loss", "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
]

# PyTorch's constant added to each squared norm of cosine_embedding_loss: 1e-12 as a float32,
# 9.99999996e-13 (the float64 1e-12 would differ at zero vectors from the 9th digit)
_COS_EPS = float(np.float32(1e-12))


def _hinge(z: Tensor) -> Tensor:
    """max(0, z), with gradient 1 where z ≥ 0 (the tie included, as PyTorch's clamp); NaN
    passes with gradient 0, as through PyTorch's clamp (a diverged model shows a NaN loss)."""
    d = z.data
    pos = d >= 0
    if pos.all():
        return z
    # the constant branch is 0, or NaN where z is NaN (NaN ≥ 0 is false)
    return where(pos, z, np.where(np.isnan(d), d, np.zeros_like(d)))


def _partner(value: Any, x: Tensor, name: str, first: str, where_: str) -> Tensor:
    """A second input of the loss: floating, of ``x``'s shape, cast to ``x``'s dtype."""
    t = as_tensor(value, f"{where_}: {name}")
    if t.dtype.kind != "f":
        raise TypeError(f"{where_}: {name} must be floating point, got dtype {t.dtype}")
    if t.shape != x.shape:
        raise ValueError(f"{where_}: {name} shape {t.shape} does not match {first} shape "
                         f"{x.shape}")
    return t if t.dtype == x.dtype else astype(t, x.dtype)


def _signs(target: Any, shape: tuple[int, ...], what: str, where_: str) -> np.ndarray:
    """±1 labels of ``shape`` as a constant array (no gradient reaches them, as in PyTorch)."""
    y = raw_target(target, where_)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"{where_}: target must be numeric, got dtype {y.dtype}")
    if y.shape != shape:
        raise ValueError(f"{where_}: target shape {y.shape} does not match {what} {shape}")
    if not np.all((y == 1) | (y == -1)):
        raise ValueError(f"{where_}: targets must be -1 or +1, got {y[(y != 1) & (y != -1)][0]}")
    return y


def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """ℓ = max(0, −y (x₁ − x₂) + margin) for labels y = ±1 (1: x₁ should rank higher).

    x₁, x₂ and y have one shape (PyTorch also broadcasts inputs of equal ndim). A target that
    requires grad gets −(x₁ − x₂) where the hinge is active, and is not checked to be ±1.
    """
    where_ = "margin_ranking_loss"
    x1 = loss_input(input1, reduction, where_)
    x2 = _partner(input2, x1, "input2", "input1", where_)
    margin = check_real(margin, "margin", where_)
    if not (isinstance(target, Tensor) and target.requires_grad):  # (a learned one may vary)
        _signs(target, x1.shape, "input1 shape", where_)
    y = float_target(target, x1, where_)
    return reduce_loss(_hinge(-y * (x1 - x2) + margin), reduction)


def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0,
                         reduction: str = "mean") -> Tensor:
    """ℓ = x where y = 1, max(0, margin − x) where y = −1 (x typically a distance)."""
    where_ = "hinge_embedding_loss"
    x = loss_input(input, reduction, where_)
    margin = check_real(margin, "margin", where_)
    y = _signs(target, x.shape, "input shape", where_)
    return reduce_loss(where(y == 1, x, _hinge(margin - x)), reduction)


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """ℓ = 1 − cos where y = 1, max(0, cos − margin) where y = −1, with PyTorch's
    cos = x₁·x₂ / √((‖x₁‖² + ε)(‖x₂‖² + ε)) over the last axis, ε = float32(10⁻¹²).

    Inputs (N, D) with targets (N,), or (D,) with a 0-d target. ε keeps cos finite
    (0 for a zero vector), so near-zero vectors give PyTorch's values and large gradients.
    """
    where_ = "cosine_embedding_loss"
    a = loss_input(input1, reduction, where_, vector=True)
    b = _partner(input2, a, "input2", "input1", where_)
    if a.ndim not in (1, 2):
        raise ValueError(f"{where_}: inputs must be (N, D) or (D,), got shape {a.shape}")
    margin = check_real(margin, "margin", where_)
    y = _signs(target, a.shape[:-1], f"input shape {a.shape} without its last axis,", where_)
    sq1, sq2 = (a * a).sum(axis=-1) + _COS_EPS, (b * b).sum(axis=-1) + _COS_EPS
    cos = (a * b).sum(axis=-1) / (sqrt(sq1) * sqrt(sq2))  # (√ each: no overflow of sq1·sq2)
    return reduce_loss(where(y == 1, 1.0 - cos, _hinge(cos - margin)), reduction)


def multilabel_soft_margin_loss(input: Any, target: Any, weight: Any | None = None,
                                reduction: str = "mean") -> Tensor:
    """ℓ_n = −(1/C) Σ_c w_c [y_nc log σ(x_nc) + (1 − y_nc) log σ(−x_nc)] over the last axis
    (C classes) of x (C,) or (N, …, C); targets y in [0, 1] of x's shape.

    Stable for any logits; ``weight`` broadcasts to the input (a Tensor that requires grad
    gets a gradient, as in PyTorch).
    """
    where_ = "multilabel_soft_margin_loss"
    x = loss_input(input, reduction, where_, vector=True)
    if x.ndim == 0:
        raise ValueError(f"{where_}: input must be (C,) or (N, ..., C), got a 0-d tensor")
    y = float_target(target, x, where_)
    if not y.requires_grad and not np.all((y.data >= 0) & (y.data <= 1)):
        raise ValueError(f"{where_}: every element of target must lie in [0, 1], got values "
                         f"from {np.min(y.data)} to {np.max(y.data)}")
    c = x.shape[-1]
    if c == 0 and math.prod(x.shape[:-1]):  # (a mean over no classes: PyTorch gives NaN)
        raise ValueError(f"{where_}: input of shape {x.shape} has no classes (last axis)")
    loss = -(y * log_sigmoid(x) + (1.0 - y) * log_sigmoid(-x))
    if weight is not None:
        loss = loss * weight_like(weight, x, "weight", where_)
    return reduce_loss(loss.sum(axis=-1) * (1.0 / max(c, 1)), reduction)  # (c = 0: no terms)


def _class_rows(x: Tensor, where_: str) -> tuple[Tensor, int]:
    """The input (C,) or (N, C) as rows (M, C) of class scores, and C ≥ 1 (an input without
    classes is refused, as by PyTorch)."""
    if x.ndim not in (1, 2):
        raise ValueError(f"{where_}: input must be (C,) or (N, C), got shape {x.shape}")
    c = x.shape[-1]
    if c == 0:  # (PyTorch refuses it too)
        raise ValueError(f"{where_}: input of shape {x.shape} has no classes (last axis)")
    return x.reshape(-1, c), c


def _int_targets(target: Any, where_: str) -> np.ndarray:
    """Integer class targets as an array (any integer dtype; PyTorch takes int64 only)."""
    t = raw_target(target, where_)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{where_}: targets must be integer class indices, got dtype {t.dtype}")
    return t


def _power(p: Any, where_: str) -> int:
    """``multi_margin_loss``'s power p: 1 or 2."""
    if isinstance(p, (int, float, np.integer, np.floating)) and not isinstance(
            p, (bool, np.bool_)) and p in (1, 2):
        return int(p)
    raise ValueError(f"{where_}: p must be 1 or 2, got {p!r:.60}")


def multi_margin_loss(input: Any, target: Any, p: int = 1, margin: float = 1.0,
                      weight: Any | None = None, reduction: str = "mean") -> Tensor:
    """ℓ_n = (1/C) Σ_{i ≠ y_n} w_{y_n} max(0, margin − x_n[y_n] + x_n[i])^p, p = 1 or 2: the
    multi-class hinge for x (C,) or (N, C) and integer classes y of shape (N,), or () or (1,)
    for a single sample ((C,) or (1, C)), as PyTorch; with reduction "none" ℓ has y's shape.

    ``weight`` (C,) is a constant, applied after the power (PyTorch's computation).
    """
    where_ = "multi_margin_loss"
    x = loss_input(input, reduction, where_, vector=True)  # (samples without classes: named)
    p = _power(p, where_)
    margin = check_real(margin, "margin", where_)
    rows, c = _class_rows(x, where_)
    w = class_weight(weight, c, x.dtype, where_)
    t = _int_targets(target, where_)
    n = x.shape[0] if x.ndim == 2 else 1
    if t.ndim > 1 or t.size != n:  # PyTorch's rule: one class per sample, 0-d or 1-d
        shapes = "() or (1,)" if n == 1 else f"({n},)"
        raise ValueError(f"{where_}: class targets must have shape {shapes} for input of "
                         f"shape {x.shape}, got {t.shape}")
    if t.size and (t.min() < 0 or t.max() >= c):
        raise ValueError(f"{where_}: class targets must lie in [0, {c}), got "
                         f"{t[(t < 0) | (t >= c)][0]}")
    cls = t.reshape(-1, 1)
    z = rows - take_along_axis(rows, cls, axis=1) + margin
    h = where((z.data > 0) & (np.arange(c) != cls), z, 0.0)
    if p == 2:
        h = h * h
    if w is not None:
        h = h * w[cls]
    return reduce_loss(h.sum(axis=1).reshape(t.shape) * (1.0 / c), reduction)


def multilabel_margin_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """ℓ_n = (1/C) Σ_j Σ_{i ∉ Y_n} max(0, 1 − (x_n[y_nj] − x_n[i])): the multi-label hinge for
    x (C,) or (N, C), where the targets y_n of x's shape list the classes of sample n and end
    at the first −1 (Y_n: those classes; j runs over them, a repeated one counting again).

    Every target lies in [−1, C), also after the −1 (PyTorch's checks). As PyTorch's kernel,
    a term counts where its hinge is > 0, so a NaN gives 0. With reduction "none" ℓ is (N,),
    or 0-d for a (C,) input.
    """
    where_ = "multilabel_margin_loss"
    x = loss_input(input, reduction, where_, vector=True)  # (samples without classes: named)
    rows, c = _class_rows(x, where_)
    t = _int_targets(target, where_)
    if t.shape != x.shape:
        raise ValueError(f"{where_}: target shape {t.shape} does not match input shape "
                         f"{x.shape} (class indices ended by -1)")
    if t.size and (t.min() < -1 or t.max() >= c):
        raise ValueError(f"{where_}: targets must lie in [-1, {c}), got "
                         f"{t[(t < -1) | (t >= c)][0]}")
    t = t.reshape(rows.shape)
    valid = np.cumprod(t >= 0, axis=1, dtype=bool)  # the targets before the first -1
    k = int(valid.sum(axis=1).max(initial=0))  # (at most k targets in a row: the rest is -1)
    valid, cls = valid[:, :k], np.where(valid, t, 0)[:, :k]
    others = ~(valid[:, :, None] & (cls[:, :, None] == np.arange(c))).any(axis=1)
    m = rows.shape[0]
    z = 1.0 - take_along_axis(rows, cls, axis=1).reshape(m, k, 1) + rows.reshape(m, 1, c)
    h = where(valid[:, :, None] & others[:, None, :] & (z.data > 0), z, 0.0)
    return reduce_loss(h.sum(axis=(1, 2)).reshape(x.shape[:-1]) / c, reduction)


# --------------------------------------------------------------------------------- modules
class _MarginLoss(_Loss):
    """A loss with a ``margin`` (any finite number), checked at construction."""

    def __init__(self, margin: float, reduction: str) -> None:
        super().__init__(reduction)
        self.margin = check_real(margin, "margin", type(self).__name__)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, reduction={self.reduction!r}"


class MarginRankingLoss(_MarginLoss):
    """ℓ = max(0, −y (x₁ − x₂) + margin), called as ``loss(input1, input2, target)``
    (see ``nn.functional.margin_ranking_loss``)."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(margin, reduction)

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:
        return margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """ℓ = x where y = 1, max(0, margin − x) where y = −1
    (see ``nn.functional.hinge_embedding_loss``)."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(margin, reduction)

    def forward(self, input: Any, target: Any) -> Tensor:
        return hinge_embedding_loss(input, target, self.margin, self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    """ℓ = 1 − cos(x₁, x₂) where y = 1, max(0, cos(x₁, x₂) − margin) where y = −1, called as
    ``loss(input1, input2, target)`` (see ``nn.functional.cosine_embedding_loss``)."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(margin, reduction)

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:
        return cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """ℓ_n = −(1/C) Σ_c w_c [y log σ(x) + (1 − y) log σ(−x)]
    (see ``nn.functional.multilabel_soft_margin_loss``); ``weight`` is a buffer."""

    def __init__(self, weight: Any | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._register_weight("weight", weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return multilabel_soft_margin_loss(input, target, self.weight, self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """ℓ_n = (1/C) Σ_{i ≠ y} w_y max(0, margin − x[y] + x[i])^p
    (see ``nn.functional.multi_margin_loss``); ``weight`` (C,) is a buffer."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        name = type(self).__name__
        self.p, self.margin = _power(p, name), check_real(margin, "margin", name)
        self._register_weight("weight", _class_weight(weight, name))

    def forward(self, input: Any, target: Any) -> Tensor:
        return multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                 self.reduction)

    def extra_repr(self) -> str:
        return f"p={self.p}, margin={self.margin}, reduction={self.reduction!r}"


class MultiLabelMarginLoss(_Loss):
    """ℓ_n = (1/C) Σ_j Σ_{i ∉ Y_n} max(0, 1 − (x[y_j] − x[i])), targets ended by −1
    (see ``nn.functional.multilabel_margin_loss``)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return multilabel_margin_loss(input, target, self.reduction)


def __getattr__(name: str) -> Any:
    """``TripletMarginLoss``, which moved to ``nn.loss_distance``, for pickles that name it
    here (imported on demand: that module imports this one)."""
    if name == "TripletMarginLoss":
        from .loss_distance import TripletMarginLoss

        return TripletMarginLoss
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
