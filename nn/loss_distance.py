"""Triplet losses and the distances they use, as functions and as modules:
``pairwise_distance`` / ``PairwiseDistance``, ``pdist`` (the distances between the rows of a
matrix), ``triplet_margin_loss`` / ``TripletMarginLoss``
and ``triplet_margin_with_distance_loss`` / ``TripletMarginWithDistanceLoss``, with PyTorch's
formulas, defaults and reductions (``nn.functional`` re-exports the functions).

The hinge max(0, z) passes the gradient where z ≥ 0 and keeps a NaN z as NaN, as PyTorch's
clamp; ``swap`` takes min(d(a, n), d(p, n)), splitting the gradient at a tie. "mean" of an
empty batch raises ``ValueError`` (PyTorch: NaN), as for every loss here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_mini import Tensor, cdist, concatenate, minimum, norm
from autograd_mini.checks import numpy_names

from ._loss_args import check_reduction, loss_input, reduce_loss
from ._util import as_tensor, check_flag, check_real
from .loss import _Loss
from .loss_margin import _hinge, _partner
from .module import Module

__all__ = [
    "PairwiseDistance", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
    "pairwise_distance", "pdist", "triplet_margin_loss", "triplet_margin_with_distance_loss",
]

Distance = Callable[[Tensor, Tensor], Tensor]


def _norm_order(p: Any, where_: str) -> float:
    """The order p > 0 of the distances' p-norm (inf allowed: the largest |difference|)."""
    if isinstance(p, (float, np.floating)) and p == np.inf:
        return float(p)
    return check_real(p, "p", where_, 0.0, open_low=True)


def _distance(a: Tensor, b: Tensor, p: float, eps: float, keepdims: bool = False) -> Tensor:
    """PyTorch's pairwise_distance: ‖a − b + ε‖_p over the last axis (a − b broadcast)."""
    d = a - b + eps
    if d.ndim == 0:  # (PyTorch's: a 0-d difference is a vector of one element)
        return norm(d.reshape(1), ord=p, axis=-1)
    return norm(d, ord=p, axis=-1, keepdims=keepdims)


@numpy_names
def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6,
                      keepdims: bool = False) -> Tensor:
    """d = ‖x₁ − x₂ + ε‖_p = (Σ_i |x₁ᵢ − x₂ᵢ + ε|^p)^(1/p) over the last axis (p = ∞: the
    largest |x₁ᵢ − x₂ᵢ + ε|), PyTorch's ``pairwise_distance`` (NumPy's ``keepdims`` for its
    ``keepdim``).

    x₁ and x₂ are floating and broadcast; (N, D) inputs give (N,), (D,) or 0-d ones a 0-d
    distance. p > 0 and ε ≥ 0 (PyTorch also takes p ≤ 0 and a negative ε).
    """
    where_ = "pairwise_distance"
    a, b = as_tensor(x1, f"{where_}: x1"), as_tensor(x2, f"{where_}: x2")
    for name, t in (("x1", a), ("x2", b)):
        if t.dtype.kind != "f":
            raise TypeError(f"{where_}: {name} must be floating point, got dtype {t.dtype}")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{where_}: x1 of shape {a.shape} and x2 of shape {b.shape} do not "
                         "broadcast") from None
    p = _norm_order(p, where_)
    eps = check_real(eps, "eps", where_, 0.0)
    return _distance(a, b, p, eps, check_flag(keepdims, "keepdims", where_))


#: pdist's blocks of rows hold about this many input elements (rows × M)
PDIST_BLOCK = 1 << 12


def pdist(input: Any, p: float = 2.0) -> Tensor:
    """d = (‖xᵢ − xⱼ‖_p for i < j), the N(N − 1)/2 distances between the rows of an (N, M)
    input in row-major order of the pairs (0, 1), (0, 2), …, (N − 2, N − 1), as PyTorch's
    ``F.pdist`` (the condensed upper triangle of ``cdist(x, x, p)``). p ≥ 0: p = 0 counts the
    differing coordinates, p = ∞ takes the largest |difference|.

    Exact differences (never the matrix-product form), by blocks of rows: for rows a..b−1,
    ``cdist(x[a:b], x[a:], p)`` and the entries j > i of it, so forward and backward hold
    O(N² + block) memory, never the N(N − 1)/2 × M differences. The gradient is the p-norm's,
    0 at a zero distance, as PyTorch's; but for p = ∞ the k coordinates tied for the largest
    |xᵢ − xⱼ| share it, sign · ḡ/k each (a subgradient), where PyTorch gives each the full
    sign · ḡ."""
    where_ = "pdist"
    x = as_tensor(input, where_)
    if x.dtype.kind != "f":
        raise TypeError(f"{where_}: input must be floating point, got dtype {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"{where_}: input must be 2-d (N, M), got shape {x.shape}")
    if not (isinstance(p, (float, np.floating)) and p == np.inf):
        p = check_real(p, "p", where_, 0.0)
    n, m = x.shape
    if n < 2:
        return x.reshape(-1)[:0]
    # (a small x1 keeps cdist's per-block gradient partials small: (rows, M) each)
    rows = max(1, min(n - 1, PDIST_BLOCK // max(m, 1)))
    parts = []
    for a in range(0, n - 1, rows):
        b = min(a + rows, n - 1)
        block = cdist(x[a:b], x[a:], p, compute_mode="donot_use_mm_for_euclid_dist")
        r, c = np.triu_indices(b - a, 1, n - a)  # (pairs i < j of these rows, row-major)
        parts.append(block.reshape(-1)[r * (n - a) + c])
    return parts[0] if len(parts) == 1 else concatenate(parts)


def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0,
                        p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                        reduction: str = "mean") -> Tensor:
    """ℓ = max(0, margin + d(a, p) − d(a, n)) with d(u, v) = ‖u − v + ε‖_p over the last axis
    (PyTorch's pairwise_distance); ``swap`` uses min(d(a, n), d(p, n)) for d(a, n).

    The three inputs have one shape (D,) or (N, …, D); margin > 0, p > 0 (∞ too), ε ≥ 0.
    """
    where_ = "triplet_margin_loss"
    a = loss_input(anchor, reduction, where_, vector=True)
    pos = _partner(positive, a, "positive", "anchor", where_)
    neg = _partner(negative, a, "negative", "anchor", where_)
    if a.ndim == 0:
        raise ValueError(f"{where_}: inputs must be (D,) or (N, ..., D), got a 0-d tensor")
    margin = check_real(margin, "margin", where_, 0.0, open_low=True)
    p = _norm_order(p, where_)
    eps = check_real(eps, "eps", where_, 0.0)
    swap = check_flag(swap, "swap", where_)
    d_neg = _distance(a, neg, p, eps)
    if swap:
        d_neg = minimum(d_neg, _distance(pos, neg, p, eps))
    # (PyTorch's order of the sum: the same rounding at a tie z = 0)
    return reduce_loss(_hinge(margin + _distance(a, pos, p, eps) - d_neg), reduction)


def _distance_function(fn: Any, where_: str) -> Distance | None:
    """``distance_function``: None (``pairwise_distance``) or a callable."""
    if fn is not None and not callable(fn):
        raise TypeError(f"{where_}: distance_function must be callable (or None for "
                        f"pairwise_distance), got {type(fn).__name__}")
    return fn


def _measure(fn: Distance, u: Tensor, v: Tensor, where_: str) -> Tensor:
    """fn(u, v), which must be a floating Tensor (a plain array would cut the graph)."""
    d = fn(u, v)
    if not isinstance(d, Tensor) or d.dtype.kind != "f":
        got = f"dtype {d.dtype}" if isinstance(d, Tensor) else type(d).__name__
        raise TypeError(f"{where_}: distance_function must return a floating Tensor, got {got}")
    return d


def triplet_margin_with_distance_loss(
    anchor: Any, positive: Any, negative: Any, *, distance_function: Distance | None = None,
    margin: float = 1.0, swap: bool = False, reduction: str = "mean",
) -> Tensor:
    """ℓ = max(0, margin + d(a, p) − d(a, n)) for any distance d (``distance_function``,
    default ``pairwise_distance``: ‖u − v + 10⁻⁶‖₂ over the last axis); ``swap`` uses
    min(d(a, n), d(p, n)) for d(a, n). Arguments after the inputs are keyword-only, as
    PyTorch's.

    The inputs must have one number of axes (PyTorch's rule); the distance decides the shape
    of ℓ ((N, D) inputs give (N,) with the default, (D,) ones a 0-d ℓ). margin > 0. The
    gradient flows through d to every input that requires grad.
    """
    where_ = "triplet_margin_with_distance_loss"
    check_reduction(reduction, where_)
    fn = _distance_function(distance_function, where_)
    if fn is None:
        fn = pairwise_distance
    margin = check_real(margin, "margin", where_, 0.0, open_low=True)
    swap = check_flag(swap, "swap", where_)
    a, pos, neg = (as_tensor(t, f"{where_}: {name}") for t, name in
                   ((anchor, "anchor"), (positive, "positive"), (negative, "negative")))
    for t, name in ((a, "anchor"), (pos, "positive"), (neg, "negative")):
        if distance_function is None and t.dtype.kind != "f":  # (pairwise_distance's rule)
            raise TypeError(f"{where_}: {name} must be floating point for the default "
                            f"distance, got dtype {t.dtype}")
    if not a.ndim == pos.ndim == neg.ndim:
        raise ValueError(f"{where_}: anchor, positive and negative must have the same number "
                         f"of axes, got shapes {a.shape}, {pos.shape} and {neg.shape}")
    d_neg = _measure(fn, a, neg, where_)
    if swap:
        d_neg = minimum(d_neg, _measure(fn, pos, neg, where_))
    loss = _hinge(margin + _measure(fn, a, pos, where_) - d_neg)
    if reduction == "mean" and loss.size == 0:
        raise ValueError(f"{where_}: empty batch (input shape {a.shape}); a loss needs "
                         "samples")
    return reduce_loss(loss, reduction)


# --------------------------------------------------------------------------------- modules
class PairwiseDistance(Module):
    """d = ‖x₁ − x₂ + ε‖_p over the last axis, called as ``dist(x1, x2)``
    (see ``nn.functional.pairwise_distance``)."""

    @numpy_names
    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdims: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        self.p = _norm_order(p, name)
        self.eps = check_real(eps, "eps", name, 0.0)
        self.keepdims = check_flag(keepdims, "keepdims", name)

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return pairwise_distance(x1, x2, self.p, self.eps, self.keepdims)

    def extra_repr(self) -> str:
        return f"p={self.p}, eps={self.eps}, keepdims={self.keepdims}"


class TripletMarginLoss(_Loss):
    """ℓ = max(0, margin + ‖a − p + ε‖_p − ‖a − n + ε‖_p), called as
    ``loss(anchor, positive, negative)`` (see ``nn.functional.triplet_margin_loss``)."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction)
        name = type(self).__name__
        self.margin = check_real(margin, "margin", name, 0.0, open_low=True)
        self.p = _norm_order(p, name)
        self.eps = check_real(eps, "eps", name, 0.0)
        self.swap = check_flag(swap, "swap", name)

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        return triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                   self.swap, self.reduction)

    def extra_repr(self) -> str:
        return (f"margin={self.margin}, p={self.p}, eps={self.eps}, swap={self.swap}, "
                f"reduction={self.reduction!r}")


class TripletMarginWithDistanceLoss(_Loss):
    """ℓ = max(0, margin + d(a, p) − d(a, n)), called as ``loss(anchor, positive, negative)``
    (see ``nn.functional.triplet_margin_with_distance_loss``); arguments keyword-only, as
    PyTorch's. The distance is ``distance_function`` (a Module given is a sub-module, its
    parameters the loss's), by default a ``PairwiseDistance()`` sub-module, as PyTorch's."""

    def __init__(self, *, distance_function: Distance | None = None, margin: float = 1.0,
                 swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction)
        name = type(self).__name__
        fn = _distance_function(distance_function, name)
        self.distance_function: Distance = PairwiseDistance() if fn is None else fn
        self.margin = check_real(margin, "margin", name, 0.0, open_low=True)
        self.swap = check_flag(swap, "swap", name)

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, swap={self.swap}, reduction={self.reduction!r}"
