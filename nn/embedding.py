"""Embedding: a learnable lookup table of vectors indexed by integers (PyTorch's Embedding)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import Tensor, where

from ._util import check_rng, check_size, float_dtype, positive_int
from .module import Module
from .parameter import Parameter

__all__ = ["Embedding"]


def _indices(indices: Any, num: int) -> np.ndarray:
    """``indices`` as an integer array, every entry in [0, num)."""
    raw = indices.data if isinstance(indices, Tensor) else indices
    try:
        arr = np.asarray(raw)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"Embedding: indices are not an array ({exc})") from None
    if arr.dtype.kind not in "iu":
        raise TypeError(f"Embedding: indices must be an integer array, got dtype {arr.dtype}")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= num:
            bad = lo if lo < 0 else hi
            raise ValueError(f"Embedding: index {bad} is out of range [0, {num}) "
                             f"(num_embeddings={num})")
    return arr


class Embedding(Module):
    """y[..., :] = W[i, :] for an integer index array i of any shape: output (*i.shape, dim).

    ``weight`` W (num_embeddings, embedding_dim) starts as N(0, 1) (PyTorch's default), drawn
    from ``rng`` (default: the generator ``autograd_mini.manual_seed`` sets). The gradient of
    W is the scatter-add of the upstream gradient rows: W̄[r] = Σ_{p: i[p] = r} ȳ[p].
    With ``padding_idx`` (negative counts from the end) that row starts at zero, is returned
    as stored and never receives gradient (W̄[padding_idx] = 0), as in PyTorch.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__()
        self.num_embeddings = positive_int(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = positive_int(embedding_dim, "embedding_dim", "Embedding")
        n = self.num_embeddings
        if padding_idx is not None:
            if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
                raise TypeError(f"Embedding: padding_idx must be an int or None, got "
                                f"{padding_idx!r:.60}")
            if not -n <= padding_idx < n:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range "
                                 f"[-{n}, {n}) (num_embeddings={n})")
            padding_idx = int(padding_idx) % n
        self.padding_idx: int | None = padding_idx
        dt = float_dtype(dtype, "Embedding")
        gen = check_rng(rng, "Embedding")
        shape = (n, self.embedding_dim)
        check_size(shape, dt, "Embedding")
        w = gen.standard_normal(shape).astype(dt)
        if padding_idx is not None:
            w[padding_idx] = 0.0
        self.weight = Parameter(w)

    def forward(self, indices: Any) -> Tensor:
        idx = _indices(indices, self.num_embeddings)
        out = self.weight[idx]
        if self.padding_idx is not None:
            pad = (idx == self.padding_idx)[..., None]
            if pad.any():
                # the padding positions take a constant copy of the stored row: their upstream
                # gradient stops at the ``where``, so the row's gradient is exactly zero
                row = np.array(self.weight.data[self.padding_idx])
                out = where(pad, row, out)
        return out

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
