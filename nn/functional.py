"""Functional forms: losses (mean/sum/none reductions), linear, dropout and the activations.

Every loss raises ``ValueError`` on an empty batch (PyTorch would return NaN for the mean, which
silently poisons training) and on target shapes or dtypes that do not fit, naming the loss and
both shapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import (
    Tensor,
    astype,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    softmax_cross_entropy,
    softplus,
    tanh,
)

from ._util import as_tensor
from .dropout import dropout
from .layers import linear

__all__ = [
    "binary_cross_entropy_with_logits", "cross_entropy", "dropout", "leaky_relu", "linear",
    "log_sigmoid", "log_softmax", "mse_loss", "nll_loss", "relu", "sigmoid", "soft_margin_loss",
    "softmax", "softplus", "tanh",
]

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str, where: str) -> str:
    """``reduction`` if it is "mean", "sum" or "none"."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _input(x: Any, reduction: str, where: str) -> Tensor:
    check_reduction(reduction, where)
    x = as_tensor(x, where)
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: input must be floating point, got dtype {x.dtype}")
    if x.size == 0:
        raise ValueError(f"{where}: empty batch (input shape {x.shape}); a loss needs samples")
    return x


def _raw(target: Any, where: str) -> np.ndarray:
    if isinstance(target, Tensor):
        return target.data
    try:
        return np.asarray(target)
    except ValueError as exc:
        raise TypeError(f"{where}: cannot make a target array from "
                        f"{type(target).__name__}: {exc}") from None


def _weight(w: Any, x: Tensor, name: str, where: str) -> Tensor:
    """A constant (or differentiable) weight that broadcasts against the input ``x``."""
    t = as_tensor(w, f"{where}: {name}")
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must be numeric, got dtype {t.dtype}")
    try:
        if np.broadcast_shapes(t.shape, x.shape) != x.shape:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"{where}: {name} of shape {t.shape} does not broadcast to the input shape {x.shape}"
        ) from None
    return t


def _float_target(target: Any, x: Tensor, where: str) -> Tensor:
    """The target as a Tensor of the input's dtype, with the input's shape."""
    raw = _raw(target, where)
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"{where}: target must be numeric, got dtype {raw.dtype}")
    if raw.shape != x.shape:
        raise ValueError(
            f"{where}: target shape {raw.shape} does not match input shape {x.shape}"
        )
    if isinstance(target, Tensor):
        return astype(target, x.dtype)
    return Tensor(raw, dtype=x.dtype)


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """ℓ = (x − y)² per element; target of the input's shape."""
    x = _input(input, reduction, "mse_loss")
    d = x - _float_target(target, x, "mse_loss")
    return _reduce(d * d, reduction)


def binary_cross_entropy_with_logits(
    input: Any, target: Any, weight: Any | None = None, pos_weight: Any | None = None,
    reduction: str = "mean",
) -> Tensor:
    """ℓ = −[p y log σ(x) + (1 − y) log σ(−x)] = (1 − y) x − (1 + (p − 1) y) log σ(x).

    Written with log σ, so it is finite for any logits (±1000 included). Targets y in [0, 1]
    with the input's shape (integers and bools are cast); ``pos_weight`` p (default 1)
    broadcasts over the last axis, ``weight`` rescales each element.
    """
    where = "binary_cross_entropy_with_logits"
    x = _input(input, reduction, where)
    y = _float_target(target, x, where)
    if pos_weight is None:
        loss = (1.0 - y) * x - log_sigmoid(x)
    else:
        p = _weight(pos_weight, x, "pos_weight", where)
        loss = (1.0 - y) * x - (1.0 + (p - 1.0) * y) * log_sigmoid(x)
    if weight is not None:
        loss = loss * _weight(weight, x, "weight", where)
    return _reduce(loss, reduction)


def _classes(target: Any, x: Tensor, where: str) -> np.ndarray:
    """Integer class targets for logits/log-probabilities ``x`` of shape (N, C) or (C,)."""
    t = _raw(target, where)
    c = x.shape[-1]
    if t.shape != x.shape[:-1]:
        raise ValueError(
            f"{where}: class targets must have shape {x.shape[:-1]} for input of shape "
            f"{x.shape}, got {t.shape}"
        )
    if t.size and (np.minimum.reduce(t, None) < 0 or np.maximum.reduce(t, None) >= c):
        raise ValueError(
            f"{where}: class targets must lie in [0, {c}), got values in [{t.min()}, {t.max()}]"
        )
    return t


def _pick(x: Tensor, t: np.ndarray) -> Tensor:
    """x[n, t_n] for every n (or x[t] for one sample)."""
    if x.ndim == 1:
        return x[int(t)]
    return x[np.arange(x.shape[0]), t]


def _check_2d(x: Tensor, where: str) -> None:
    if x.ndim not in (1, 2):
        raise ValueError(f"{where}: input must be (N, C) or (C,), got shape {x.shape}")


def cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy from logits x of shape (N, C) (or (C,)).

    Integer class targets (N,): ℓ_n = −log softmax(x_n)[y_n] = logsumexp(x_n) − x_n[y_n], one
    fused node that also does the reduction (the engine's ``softmax_cross_entropy``, gradient
    (softmax(x_n) − e_{y_n}) ḡ, ḡ/N for "mean").
    Probability targets (N, C) (floats): ℓ_n = −Σ_c y_nc log softmax(x_n)_c. Both are stable:
    logits like ±1000 give exact finite values. "mean" divides by N.
    """
    where = "cross_entropy"
    x = _input(input, reduction, where)
    _check_2d(x, where)
    raw = _raw(target, where)
    if raw.dtype.kind in "iu":
        classes = _classes(raw, x, where)
        if x.ndim == 1:  # one sample: a batch of one, reduced to a scalar
            return _reduce(softmax_cross_entropy(x.reshape(1, -1), classes.reshape(1))[0],
                           reduction)
        return softmax_cross_entropy(x, classes, reduction)  # one node, reduced
    if raw.dtype.kind == "f" and raw.shape == x.shape:
        logp = log_softmax(x, axis=-1)
        return _reduce(-(_float_target(target, x, where) * logp).sum(axis=-1), reduction)
    raise ValueError(
        f"{where}: target must hold integer class indices of shape {x.shape[:-1]} or float "
        f"probabilities of shape {x.shape}; got dtype {raw.dtype} and shape {raw.shape}"
    )


def nll_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """ℓ_n = −x_n[y_n] for log-probabilities x (N, C) (e.g. from log_softmax) and integer
    class targets y (N,)."""
    where = "nll_loss"
    x = _input(input, reduction, where)
    _check_2d(x, where)
    raw = _raw(target, where)
    if raw.dtype.kind not in "iu":
        raise TypeError(f"{where}: targets must be integer class indices, got dtype {raw.dtype}")
    return _reduce(-_pick(x, _classes(raw, x, where)), reduction)


def soft_margin_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Logistic loss for labels y = ±1: ℓ = log(1 + e^(−y x)) = −log σ(y x).

    With x = w·x_n + b and ``reduction="sum"`` this is the notes' L(w, b) = −Σ log σ(y_n (w·x_n
    + b)); "mean" (the default, as in PyTorch) divides it by the number of elements.
    """
    where = "soft_margin_loss"
    x = _input(input, reduction, where)
    y = _float_target(target, x, where)
    if not np.all(np.abs(y.data) == 1):
        raise ValueError(f"{where}: targets must be -1 or +1")
    return _reduce(softplus(-y * x), reduction)
