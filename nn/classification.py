"""Class-target losses: ``cross_entropy`` (from logits) and ``nll_loss`` (from
log-probabilities), with per-class weights, an ignored class index, label smoothing, and
inputs (C,), (N, C) or (N, C, d1, …) as in PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import Tensor, log_softmax, scatter_add, softmax_cross_entropy, transpose

from ._loss_args import (
    class_weight,
    float_target,
    ignore_index_arg,
    loss_input,
    raw_target,
    reduce_loss,
    smoothing,
)

__all__ = ["cross_entropy", "nll_loss"]


def _class_input(input: Any, reduction: str, where: str) -> Tensor:
    x = loss_input(input, reduction, where)
    if x.ndim == 0:
        raise ValueError(f"{where}: input must be (C,), (N, C) or (N, C, d1, ...), got a 0-d "
                         "tensor")
    return x


def _n_classes(x: Tensor) -> int:
    return x.shape[1] if x.ndim >= 2 else x.shape[0]


def _targets(raw: np.ndarray, x: Tensor, ignore: int, where: str) -> tuple[np.ndarray, bool]:
    """Integer class targets (shape () for input (C,), else (N, d1, …) for (N, C, d1, …)) and
    whether any of them is ``ignore``."""
    expected = x.shape[:1] + x.shape[2:] if x.ndim >= 2 else ()
    if raw.shape != expected:
        raise ValueError(
            f"{where}: class targets must have shape {expected} for input of shape {x.shape} "
            "(the input must be (C,), (N, C) or (N, C, d1, ...) and the targets (), (N,) or "
            f"(N, d1, ...)), got {raw.shape}"
        )
    c = _n_classes(x)
    if not raw.size or (np.minimum.reduce(raw, None) >= 0 and np.maximum.reduce(raw, None) < c):
        return raw, 0 <= ignore < c and bool((raw == ignore).any())
    bad = ((raw < 0) | (raw >= c)) & (raw != ignore)
    if bad.any():
        raise ValueError(f"{where}: class targets must lie in [0, {c}) or equal ignore_index "
                         f"({ignore}), got {raw[bad].reshape(-1)[0]}")
    return raw, True


def _rows(x: Tensor) -> Tensor:
    """The input as rows of class scores (M, C): the class axis moved last, the rest flat."""
    if x.ndim == 1:
        return x.reshape(1, -1)
    if x.ndim == 2:
        return x
    return transpose(x, (0, *range(2, x.ndim), 1)).reshape(-1, x.shape[1])


def _class_loss(logp: Tensor, t: np.ndarray, ignore: int | None, w: np.ndarray | None,
                eps: float, reduction: str) -> Tensor:
    """ℓ_n = (1 − ε) w_{t_n} (−logp_n[t_n]) + (ε/C) Σ_c w_c (−logp_nc) over rows logp (M, C)
    and classes t; rows whose target is ``ignore`` (None: no target is) give 0 and leave the
    mean's divisor."""
    m, c = logp.shape
    flat = t.reshape(-1)
    every = ignore is None
    rows = np.arange(m) if every else np.flatnonzero(flat != ignore)
    cls = flat if every else flat[rows]
    lk = logp if len(rows) == m else logp[rows]
    loss = -lk[np.arange(len(rows)), cls]
    if w is not None:
        loss = loss * w[cls]
    if eps > 0:
        smooth = -(lk if w is None else lk * w).sum(axis=-1)
        loss = loss * (1.0 - eps) + smooth * (eps / max(c, 1))  # (c = 0: no rows, no terms)
    if reduction == "sum" or (reduction == "mean" and w is None and len(rows) == m):
        return reduce_loss(loss, reduction)
    if reduction == "mean":
        total = w[cls].sum() if w is not None else len(rows)
        # nothing kept (Σ w_t = 0): NaN, PyTorch's 0/0, also where smoothing makes the sum ≠ 0
        return loss.sum() / np.asarray(total if total else np.nan, dtype=logp.dtype)
    if len(rows) != m:
        loss = scatter_add(loss, rows, (m,))
    return loss.reshape(t.shape) if t.shape != loss.shape else loss


def cross_entropy(input: Any, target: Any, reduction: str = "mean", *, weight: Any = None,
                  ignore_index: int = -100, label_smoothing: float = 0.0) -> Tensor:
    """ℓ_n = −Σ_c q_nc w_c log softmax(x_n)_c: softmax cross-entropy from logits x.

    x is (C,), (N, C) or (N, C, d1, …) (classes on axis 1, as in PyTorch). Integer class
    targets t of shape (), (N,) or (N, d1, …) give q = (1 − ε) e_t + ε/C with ε =
    ``label_smoothing``, so ℓ_n = (1 − ε) w_t (−log p_n[t]) + (ε/C) Σ_c w_c (−log p_nc);
    targets equal to ``ignore_index`` give 0. "mean" divides by Σ_n w_{t_n} over the targets
    kept (NaN when none is, as in PyTorch). The plain case (no weight, nothing ignored, no
    smoothing) is one fused node that also reduces (the engine's ``softmax_cross_entropy``).
    Float targets of the input's shape are class probabilities q (smoothed as
    (1 − ε) q + ε/C); there "mean" divides by the number of samples N·d1·…. Stable at any
    finite logits (±1000 included). ``weight`` (C,) is a constant. Unlike PyTorch,
    ``reduction`` is the third positional argument and the others are keyword-only.
    """
    where = "cross_entropy"
    x = _class_input(input, reduction, where)
    ignore, eps = ignore_index_arg(ignore_index, where), smoothing(label_smoothing, where)
    c = _n_classes(x)
    w = class_weight(weight, c, x.dtype, where)
    raw = raw_target(target, where)
    if raw.dtype.kind in "iu":
        t, ignored = _targets(raw, x, ignore, where)
        rows = _rows(x)
        if w is None and eps == 0 and not ignored and c:  # (the fused node needs classes)
            loss = softmax_cross_entropy(rows, t.reshape(-1), reduction)
            return loss if reduction != "none" or loss.shape == t.shape else loss.reshape(t.shape)
        return _class_loss(log_softmax(rows, axis=-1), t, ignore if ignored else None, w, eps,
                           reduction)
    if raw.dtype.kind == "f" and raw.shape == x.shape:
        if ignore >= 0:
            raise ValueError(f"{where}: ignore_index ({ignore}) applies to class targets only, "
                             "not to probabilities")
        q = float_target(target, x, where)
        if eps > 0:
            q = q * (1.0 - eps) + eps / max(c, 1)  # (c = 0: q is empty)
        axis = 1 if x.ndim >= 2 else 0
        prod = log_softmax(x, axis=axis) * q
        if w is not None:
            prod = prod * w.reshape((c,) + (1,) * max(x.ndim - 2, 0))
        return reduce_loss(-prod.sum(axis=axis), reduction)
    raise ValueError(
        f"{where}: target must hold integer class indices of shape "
        f"{x.shape[:1] + x.shape[2:] if x.ndim >= 2 else ()} or float probabilities of shape "
        f"{x.shape}; got dtype {raw.dtype} and shape {raw.shape}"
    )


def nll_loss(input: Any, target: Any, reduction: str = "mean", *, weight: Any = None,
             ignore_index: int = -100) -> Tensor:
    """ℓ_n = −w_{t_n} x_n[t_n] for log-probabilities x (e.g. from log_softmax) of shape (C,),
    (N, C) or (N, C, d1, …) and integer class targets t of shape (), (N,) or (N, d1, …).

    Targets equal to ``ignore_index`` give 0; "mean" divides by Σ_n w_{t_n} over the targets
    kept (NaN when none is, as in PyTorch). ``weight`` (C,) is a constant. Unlike PyTorch,
    ``reduction`` is the third positional argument and the others are keyword-only.
    """
    where = "nll_loss"
    x = _class_input(input, reduction, where)
    ignore = ignore_index_arg(ignore_index, where)
    w = class_weight(weight, _n_classes(x), x.dtype, where)
    raw = raw_target(target, where)
    if raw.dtype.kind not in "iu":
        raise TypeError(f"{where}: targets must be integer class indices, got dtype {raw.dtype}")
    t, ignored = _targets(raw, x, ignore, where)
    return _class_loss(_rows(x), t, ignore if ignored else None, w, 0.0, reduction)
