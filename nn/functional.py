"""Functional forms: the losses (mean/sum/none reductions), attention, layer_norm, linear,
dropout, cosine_similarity, the activations and ``pad`` (PyTorch's: pairs from the last axis;
``autograd_mini.pad`` is NumPy's).

On an empty batch every loss gives PyTorch's result for ``reduction="sum"`` (a 0-d zero of the
input's dtype) and ``"none"`` (an empty tensor), both connected to the graph so ``backward``
gives zero gradients, but raises ``ValueError`` for ``"mean"`` (and kl_div's ``"batchmean"``
without samples), where PyTorch's 0/0 = NaN would silently poison training. Target shapes or
dtypes that do not fit raise too, naming the loss and both shapes. The regression losses
live in ``nn.loss_regression``, the class-target losses in ``nn.classification``, the margin,
triplet and likelihood losses in ``nn.loss_margin``, ``nn.loss_distance`` and
``nn.loss_likelihood``, attention in ``nn.attention``; all are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_mini import (
    Tensor,
    broadcast_to,
    clip,
    exp,
    gelu,
    log,
    log1p,
    log_sigmoid,
    log_softmax,
    one_hot,
    sigmoid,
    softmax,
    softmin,
    softplus,
    softsign,
    sqrt,
    tanh,
    where,
)
from autograd_mini.checks import integers, numpy_names, one_axis
from autograd_mini.ops.norm import norm

from ._loss_args import check_reduction as check_reduction  # kept: the loss modules' check
from ._loss_args import float_target, loss_input, reduce_loss, weight_like
from ._util import as_tensor, check_real, float_input
from .attention import scaled_dot_product_attention
from .bilinear import bilinear
from .classification import cross_entropy, nll_loss
from .conv import conv1d, conv2d
from .conv3d import conv3d
from .conv_transpose import conv_transpose1d, conv_transpose2d
from .conv_transpose3d import conv_transpose3d
from .dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from .embedding import embedding
from .fold import fold, unfold
from .functional_activations import (
    celu,
    elu,
    gumbel_softmax,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    mish,
    relu,
    relu6,
    selu,
    silu,
)
from .gated import glu, prelu
from .grid_sample import affine_grid, grid_sample
from .instance_norm import instance_norm
from .layers import linear
from .loss_ctc import ctc_loss
from .loss_distance import (
    pairwise_distance,
    pdist,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from .loss_likelihood import gaussian_nll_loss, poisson_nll_loss
from .loss_margin import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
)
from .loss_regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss
from .normalization import standardize
from .padding import pad
from .pooling import avg_pool2d, max_pool2d, max_unpool2d
from .pooling1d import adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, max_pool1d
from .pooling3d import avg_pool3d, max_pool3d
from .pooling_adaptive import adaptive_avg_pool2d, adaptive_max_pool2d
from .pooling_adaptive3d import adaptive_avg_pool3d, adaptive_max_pool3d
from .rms_norm import local_response_norm, rms_norm
from .shrink import hardshrink, softshrink, tanhshrink, threshold
from .upsample import channel_shuffle, interpolate, pixel_shuffle, pixel_unshuffle

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "affine_grid",
    "alpha_dropout",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "bilinear",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "channel_shuffle",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "cosine_embedding_loss",
    "cosine_similarity",
    "cross_entropy",
    "ctc_loss",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "elu",
    "embedding",
    "feature_alpha_dropout",
    "fold",
    "gaussian_nll_loss",
    "gelu",
    "glu",
    "grid_sample",
    "gumbel_softmax",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hinge_embedding_loss",
    "huber_loss",
    "instance_norm",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "local_response_norm",
    "log_sigmoid",
    "log_softmax",
    "logsigmoid",
    "margin_ranking_loss",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_unpool2d",
    "mish",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "pdist",
    "pixel_shuffle",
    "pixel_unshuffle",
    "poisson_nll_loss",
    "prelu",
    "relu",
    "relu6",
    "rms_norm",
    "scaled_dot_product_attention",
    "selu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "soft_margin_loss",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "unfold",
]


logsigmoid = log_sigmoid  # torch.nn.functional's name for it


def _log_or_floor(z: Tensor, ok: np.ndarray, log_fn: Any, safe: float) -> Tensor:
    """max(log_fn(z), −100), and −100 where ``ok`` is False (z at the log's pole), where the
    gradient is 0 rather than 0 · ∞."""
    if ok.all():
        return clip(log_fn(z), -100.0, None)
    return where(ok, clip(log_fn(where(ok, z, safe)), -100.0, None), -100.0)


def binary_cross_entropy(input: Any, target: Any, weight: Any | None = None,
                         reduction: str = "mean") -> Tensor:
    """ℓ = −w [y max(log x, −100) + (1 − y) max(log(1 − x), −100)] for probabilities x.

    x and y must lie in [0, 1] and have the same shape; ``weight`` broadcasts to the input. The
    −100 floor is PyTorch's, so x = 0 or 1 gives a finite loss. Gradients are those of this
    formula (0 where a log is floored); they equal PyTorch's wherever x(1 − x) ≥ 1e-12, while
    PyTorch's backward divides by max(x(1 − x), 1e-12) there and leaves its target gradient
    unfloored. For logits use ``binary_cross_entropy_with_logits``, which is stable.
    """
    where_ = "binary_cross_entropy"
    x = loss_input(input, reduction, where_)
    y = float_target(target, x, where_)
    for name, arr in (("input", x.data), ("target", y.data)):
        if not np.all((arr >= 0) & (arr <= 1)):
            raise ValueError(f"{where_}: every element of {name} must lie in [0, 1], got values "
                             f"from {np.min(arr)} to {np.max(arr)}")
    log_x = _log_or_floor(x, x.data > 0, log, 1.0)
    log_1mx = _log_or_floor(-x, x.data < 1, log1p, 0.0)
    loss = (y - 1.0) * log_1mx - y * log_x
    if weight is not None:
        loss = loss * weight_like(weight, x, "weight", where_)
    return reduce_loss(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Any, target: Any, weight: Any | None = None, pos_weight: Any | None = None,
    reduction: str = "mean",
) -> Tensor:
    """ℓ = −[p y log σ(x) + (1 − y) log σ(−x)] = (1 − y) x − (1 + (p − 1) y) log σ(x).

    Written with log σ, so it is finite for any logits (±1000 included). Targets y in [0, 1]
    with the input's shape (integers and bools are cast; constant targets outside [0, 1] are
    refused, where PyTorch computes a loss without a minimum); ``pos_weight`` p (default 1)
    broadcasts over the last axis, ``weight`` rescales each element.
    """
    where_ = "binary_cross_entropy_with_logits"
    x = loss_input(input, reduction, where_)
    y = float_target(target, x, where_)
    # Constant targets outside [0, 1] (±1 labels) give a loss falling without bound; a target
    # being learned (distillation) is left alone.
    if not y.requires_grad and not np.all((y.data >= 0) & (y.data <= 1)):
        raise ValueError(f"{where_}: every element of target must lie in [0, 1], got values "
                         f"from {np.min(y.data)} to {np.max(y.data)} (labels ±1 are (y + 1) / 2"
                         " as 0/1 labels)")
    if pos_weight is None:
        loss = (1.0 - y) * x - log_sigmoid(x)
    else:
        p = weight_like(pos_weight, x, "pos_weight", where_)
        loss = (1.0 - y) * x - (1.0 + (p - 1.0) * y) * log_sigmoid(x)
    if weight is not None:
        loss = loss * weight_like(weight, x, "weight", where_)
    return reduce_loss(loss, reduction)


def kl_div(input: Any, target: Any, reduction: str = "mean", log_target: bool = False
           ) -> Tensor:
    """ℓ = y (log y − x) per element (0 where y = 0), with log-probabilities x; with
    ``log_target`` the target is log y too: ℓ = e^y (y − x).

    "batchmean" divides the sum by the batch size (axis 0), the true KL divergence per sample;
    "mean" divides by the number of elements (PyTorch warns about that; this does not). The
    gradient with respect to a target that is exactly 0 is −x (y log y taken as the constant
    0 there) where PyTorch gives NaN.
    """
    where_ = "kl_div"
    x = loss_input(input, reduction, where_, extra=("batchmean",))
    if not isinstance(log_target, (bool, np.bool_)):
        raise TypeError(f"{where_}: log_target must be a bool, got {log_target!r:.60}")
    y = float_target(target, x, where_)
    if log_target:
        loss = exp(y) * (y - x)
    else:
        nz = y.data != 0
        ylogy = y * log(y) if nz.all() else where(nz, y * log(where(nz, y, 1.0)), 0.0)
        loss = ylogy - y * x
    if reduction == "batchmean":
        total = loss.sum()
        return total / np.asarray(x.shape[0], dtype=x.dtype) if x.ndim else total
    return reduce_loss(loss, reduction)


def soft_margin_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Logistic loss for labels y = ±1: ℓ = log(1 + e^(−y x)) = −log σ(y x).

    With x = w·x_n + b and ``reduction="sum"`` this is the notes' L(w, b) = −Σ log σ(y_n (w·x_n
    + b)); "mean" (the default, as in PyTorch) divides it by the number of elements.
    """
    where_ = "soft_margin_loss"
    x = loss_input(input, reduction, where_)
    y = float_target(target, x, where_)
    if not np.all(np.abs(y.data) == 1):
        raise ValueError(f"{where_}: targets must be -1 or +1")
    return reduce_loss(-log_sigmoid(y * x), reduction)  # exact: no softplus threshold


def _clamped_norm(x: Tensor, axis: int, eps: float) -> Tensor:
    """‖x‖ over ``axis`` (kept), with the value raised to ε where it is smaller but the
    gradient of ‖x‖ itself (0 at x = 0), as PyTorch's in-place clamp outside autograd does."""
    m = np.max(np.abs(x.data), axis=axis, keepdims=True, initial=0.0)
    m = np.where((m > 0) & np.isfinite(m), m, 1.0).astype(x.dtype)  # ‖x‖ = m ‖x/m‖: no overflow
    u = x / m
    s = (u * u).sum(axis=axis, keepdims=True)
    pos = s.data > 0
    n = (sqrt(s) if pos.all() else where(pos, sqrt(where(pos, s, 1.0)), 0.0)) * m
    lift = np.where(n.data < eps, eps - n.data, 0.0).astype(x.dtype)
    return n + lift if lift.any() else n


@numpy_names
def cosine_similarity(x1: Any, x2: Any, axis: int = 1, eps: float = 1e-8) -> Tensor:
    """cos = Σ_axis (x₁ / max(‖x₁‖, ε)) (x₂ / max(‖x₂‖, ε)), PyTorch's formula, so |cos| ≤ 1.

    x₁ and x₂ broadcast first (``axis`` indexes the broadcast shape); integer inputs become
    float64 (NumPy's rule). Where a norm is below ε its value is ε but, as in PyTorch, the
    gradient flows as if it were not clamped (and is 0 through a zero vector's norm).
    """
    where_ = "cosine_similarity"
    a, b = float_input(x1, f"{where_}: x1"), float_input(x2, f"{where_}: x2")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{where_}: x1 of shape {a.shape} and x2 of shape {b.shape} do not "
                         "broadcast") from None
    ax = one_axis(axis, len(shape), where_)
    eps = check_real(eps, "eps", where_, 0.0)
    a = a if a.shape == shape else broadcast_to(a, shape)
    b = b if b.shape == shape else broadcast_to(b, shape)
    return ((a / _clamped_norm(a, ax, eps)) * (b / _clamped_norm(b, ax, eps))).sum(axis=ax)


def layer_norm(x: Any, normalized_shape: int | Sequence[int], weight: Any | None = None,
               bias: Any | None = None, eps: float = 1e-5) -> Tensor:
    """y = (x − μ) / √(σ² + ε) · γ + β, with μ and the biased σ² over the last
    ``len(normalized_shape)`` axes; γ (``weight``) and β (``bias``) have that shape."""
    where_ = "layer_norm"
    x = as_tensor(x, where_)
    if x.dtype.kind != "f":
        raise TypeError(f"{where_}: input must be floating point, got dtype {x.dtype}")
    shape = integers(normalized_shape, "normalized_shape", where_)
    k = len(shape)
    if not shape or x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise ValueError(f"{where_}: input of shape {x.shape} does not end in normalized_shape "
                         f"{shape}")
    eps = check_real(eps, "eps", where_, 0.0)
    y, _, _ = standardize(x, tuple(range(x.ndim - k, x.ndim)), eps)
    for name, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        t = as_tensor(p, f"{where_}: {name}")
        if t.shape != shape:
            raise ValueError(f"{where_}: {name} must have shape normalized_shape {shape}, got "
                             f"{t.shape}")
        y = y * t if name == "weight" else y + t
    return y


@numpy_names
def normalize(input: Any, p: float = 2.0, axis: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(‖x‖_p, ε) along ``axis`` (PyTorch's ``F.normalize``, NumPy's keyword ``axis``
    for ``dim``): each slice scaled to unit p-norm, tiny ones left near 0; p = ∞ divides by
    the largest |xᵢ| (−∞: the smallest), as ``norm``'s ``ord``."""
    x = as_tensor(input, "normalize")
    if not (isinstance(p, (float, np.floating)) and math.isinf(p)):
        p = check_real(p, "p", "normalize")
    eps = check_real(eps, "eps", "normalize", 0.0)
    one_axis(axis, x.ndim, "normalize")
    length = norm(x, ord=p, axis=axis, keepdims=True)
    return x / clip(length, eps, None)
