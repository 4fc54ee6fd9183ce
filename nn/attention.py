"""Scaled dot-product attention (PyTorch's ``scaled_dot_product_attention``), built from
matmul and a softmax that gives all-masked rows zero weight."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini import Tensor, astype, matmul, softmax, transpose, where

from ._util import as_tensor, check_flag, check_real, check_rng
from .dropout import dropout

__all__ = ["scaled_dot_product_attention", "softmax_rows"]

WHERE = "scaled_dot_product_attention"


def _operand(x: Any, name: str) -> Tensor:
    t = as_tensor(x, f"{WHERE}: {name}")
    if t.dtype.kind != "f":
        raise TypeError(f"{WHERE}: {name} must be floating point, got dtype {t.dtype}")
    if t.ndim < 2:
        raise ValueError(f"{WHERE}: {name} must have at least 2 dims (..., length, features), "
                         f"got shape {t.shape}")
    return t


def _mask(attn_mask: Any, shape: tuple[int, ...], dtype: np.dtype
          ) -> tuple[np.ndarray | None, Tensor | None]:
    """(boolean mask, additive mask): one of them set, checked to broadcast to ``shape``."""
    raw = attn_mask.data if isinstance(attn_mask, Tensor) else as_tensor(
        attn_mask, f"{WHERE}: attn_mask").data
    if raw.dtype.kind not in "bf":
        raise TypeError(f"{WHERE}: attn_mask must be bool (True = may attend) or floating "
                        f"(added to the scores), got dtype {raw.dtype}")
    try:
        fits = np.broadcast_shapes(raw.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{WHERE}: attn_mask of shape {raw.shape} does not broadcast to the "
                         f"attention weights' shape {shape} (..., L, S)")
    if raw.dtype.kind == "b":
        return raw, None
    if isinstance(attn_mask, Tensor):
        return None, astype(attn_mask, dtype)
    return None, Tensor(raw, dtype=dtype)


def softmax_rows(scores: Tensor) -> Tensor:
    """softmax over the last axis; a row with no finite score (all masked) gets weights 0,
    as PyTorch gives, instead of 0/0."""
    if scores.shape[-1] == 0:
        return scores
    dead = np.max(scores.data, axis=-1, keepdims=True) == -np.inf
    if not dead.any():
        return softmax(scores, axis=-1)
    return softmax(where(dead, 0.0, scores), axis=-1) * (~dead).astype(scores.dtype)


def scaled_dot_product_attention(
    query: Any, key: Any, value: Any, attn_mask: Any = None, dropout_p: float = 0.0,
    is_causal: bool = False, scale: float | None = None,
    rng: np.random.Generator | None = None,
) -> Tensor:
    """softmax(Q Kᵀ s + M) V over the last two axes, s = ``scale`` (default 1/√E).

    Q (..., L, E), K (..., S, E), V (..., S, Ev) give (..., L, Ev); the leading axes broadcast
    (NumPy's matmul rules, as do the dtypes). ``attn_mask`` broadcasts to (..., L, S): bool
    (True = may attend, False sets the score to −∞) or floating (added to the scores, and
    differentiable). ``is_causal`` lets query i attend to keys j ≤ i (top-left aligned, as in
    PyTorch) and may not be combined with ``attn_mask``. A query row that may attend to no
    key gets zero weights and so a zero output and zero gradients, matching PyTorch 2.13 (a
    plain softmax would give NaN). ``dropout_p`` > 0 drops attention weights with inverted
    scaling, drawn from ``rng`` (default: the generator ``autograd_mini.manual_seed`` sets).
    """
    q, k, v = _operand(query, "query"), _operand(key, "key"), _operand(value, "value")
    if k.shape[-1] != q.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{WHERE}: query {q.shape}, key {k.shape} and value {v.shape} do not "
                         "fit (..., L, E), (..., S, E) and (..., S, Ev)")
    try:
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(f"{WHERE}: the leading axes of query {q.shape}, key {k.shape} and "
                         f"value {v.shape} do not broadcast") from None
    dropout_p = check_real(dropout_p, "dropout_p", WHERE, 0.0, 1.0)
    is_causal = check_flag(is_causal, "is_causal", WHERE)
    gen = check_rng(rng, WHERE)
    e, n_q, n_k = q.shape[-1], q.shape[-2], k.shape[-2]
    s = (1.0 / math.sqrt(e) if e else 1.0) if scale is None else check_real(scale, "scale", WHERE)
    if is_causal and attn_mask is not None:
        raise ValueError(f"{WHERE}: attn_mask must be None when is_causal=True (the causal "
                         "mask is built from L and S)")
    scores = matmul(q, transpose(k, (*range(k.ndim - 2), k.ndim - 1, k.ndim - 2)))
    if e and s != 1.0:  # with E = 0 every score is 0 whatever the scale (PyTorch's too)
        scores = scores * s
    allowed, added = None, None
    if is_causal:
        allowed = np.tri(n_q, n_k, dtype=bool)
    elif attn_mask is not None:
        allowed, added = _mask(attn_mask, (*batch, n_q, n_k), scores.dtype)
    if allowed is not None and not allowed.all():
        scores = where(allowed, scores, -np.inf)
    if added is not None:
        scores = scores + added
    weights = softmax_rows(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True, gen)
    return matmul(weights, v)
