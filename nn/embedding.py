"""Embedding: a learnable lookup table of vectors indexed by integers (PyTorch's Embedding)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini import Tensor, where
from autograd_mini.checks import as_array
from autograd_mini.tensor import READ_ONLY, read_only, writeable

from ._util import check_flag, check_real, check_rng, check_size, float_dtype, positive_int
from .init import normal_
from .module import Module
from .parameter import Parameter

__all__ = ["Embedding", "embedding"]


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


def _padding_index(padding_idx: Any, n: int, where_: str) -> int | None:
    """``padding_idx`` (None, or an int in [−n, n), negative counting from the end) in [0, n)."""
    if padding_idx is None:
        return None
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
        raise TypeError(f"{where_}: padding_idx must be an int or None, got {padding_idx!r:.60}")
    if not -n <= padding_idx < n:
        raise ValueError(f"{where_}: padding_idx {padding_idx} is out of range [-{n}, {n}) "
                         f"(num_embeddings={n})")
    return int(padding_idx) % n


def _dense_only(scale_grad_by_freq: Any, sparse: Any, where_: str) -> None:
    """PyTorch's ``scale_grad_by_freq`` and ``sparse``: taken at False, refused at True."""
    if check_flag(scale_grad_by_freq, "scale_grad_by_freq", where_):
        raise ValueError(f"{where_}: scale_grad_by_freq=True is not supported (each row's "
                         "gradient is the plain sum over its uses)")
    if check_flag(sparse, "sparse", where_):
        raise ValueError(f"{where_}: sparse=True is not supported: gradients are dense "
                         "NumPy arrays (sparse=False gives the same values)")


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """y[..., :] = W[i, :] (PyTorch's ``F.embedding(input, weight, ...)``): rows of ``weight``
    at the integer indices ``input``; W̄[r] = Σ_{p: i[p] = r} ȳ[p], 0 for ``padding_idx``'s row;
    with ``max_norm`` the looked-up rows whose ``norm_type``-norm exceeds it are first scaled
    down to it in place, as PyTorch's (see ``Embedding``)."""
    _dense_only(scale_grad_by_freq, sparse, "embedding")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise TypeError(f"embedding: weight must be a 2-d Tensor (num_embeddings, "
                        f"embedding_dim), got {type(weight).__name__} of shape "
                        f"{getattr(weight, 'shape', None)}")
    n = weight.shape[0]
    padding_idx = _padding_index(padding_idx, n, "embedding")
    idx = _indices(input, n)
    if max_norm is not None:
        _renorm(weight, idx, max_norm, norm_type)
    out = weight[idx]
    if padding_idx is not None:
        pad = (idx == padding_idx)[..., None]
        if pad.any():
            # the padding positions take a constant copy of the stored row: their upstream
            # gradient stops at the ``where``, so the row's gradient is exactly zero
            out = where(pad, np.array(weight.data[padding_idx]), out)
    return out


def _renorm(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale the looked-up rows whose norm exceeds ``max_norm`` down to it, in place."""
    w = weight.data
    rows = np.unique(idx)
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    if not big.any():
        return
    if not writeable(w):
        if (why := read_only(w)) != "saved":
            raise RuntimeError(f"Embedding(max_norm={max_norm:g}): the weight (shape "
                               f"{w.shape}) is {READ_ONLY[why]}")
        raise RuntimeError(
            f"Embedding(max_norm={max_norm:g}): the weight (shape {w.shape}) is read-only: a "
            "live graph saved it (a tied layer's matmul, say), and rescaling its rows would "
            "make that gradient wrong; run that backward first")
    scale = max_norm / (norms[big] + 1e-7)
    w[rows[big]] *= scale[:, None].astype(w.dtype)


class Embedding(Module):
    """y[..., :] = W[i, :] for an integer index array i of any shape: output (*i.shape, dim).

    ``weight`` W (num_embeddings, embedding_dim) starts as N(0, 1) (PyTorch's default), drawn
    from ``rng`` (default: the generator ``autograd_mini.manual_seed`` sets), as
    ``reset_parameters(rng=None)`` draws it again. The gradient of
    W is the scatter-add of the upstream gradient rows: W̄[r] = Σ_{p: i[p] = r} ȳ[p].
    With ``padding_idx`` (negative counts from the end) that row starts at zero, is returned
    as stored and never receives gradient (W̄[padding_idx] = 0), as in PyTorch.

    With ``max_norm``, each forward first rescales, in place, every row it looks up whose
    ``norm_type``-norm exceeds ``max_norm``: W[r] ← W[r] · max_norm / (‖W[r]‖ + 1e-7), as
    PyTorch's. That writes into the weight, so it is refused while a live graph has saved
    the weight (a tied output layer's matmul, say): compute that graph's backward first.
    ``Embedding.from_pretrained(table)`` starts from a given table (frozen by default).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64, *,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: np.ndarray | None = None) -> None:
        super().__init__()
        _dense_only(scale_grad_by_freq, sparse, "Embedding")
        self.num_embeddings = positive_int(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = positive_int(embedding_dim, "embedding_dim", "Embedding")
        n = self.num_embeddings
        self.padding_idx: int | None = _padding_index(padding_idx, n, "Embedding")
        # ∞ is taken as PyTorch does: max_norm=inf renormalises nothing, norm_type=inf is the
        # max-norm (and norm_type=0 counts the non-zeros)
        self.max_norm = None if max_norm is None else math.inf if max_norm == math.inf else \
            check_real(max_norm, "max_norm", "Embedding", low=0.0, open_low=True)
        self.norm_type = (math.inf if norm_type == math.inf else
                          check_real(norm_type, "norm_type", "Embedding", low=0.0))
        if _weight is not None:  # (from_pretrained: the table as given, no draw)
            self.weight = Parameter(_weight)
            return
        dt = float_dtype(dtype, "Embedding")
        gen = check_rng(rng, "Embedding")
        shape = (n, self.embedding_dim)
        check_size(shape, dt, "Embedding")
        self.weight = Parameter(np.empty(shape, dtype=dt))
        self.reset_parameters(gen)

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        """Draw ``weight`` anew from N(0, 1), the ``padding_idx`` row then 0, as at
        construction and PyTorch's, from ``rng`` (default: the ``manual_seed`` generator), in
        place: the same Parameter (an optimiser holding it goes on) and dtype."""
        normal_(self.weight, 0.0, 1.0, rng=check_rng(rng, "Embedding.reset_parameters"))
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0.0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose table is a copy of ``embeddings`` (num_embeddings, embedding_dim),
        a float array or Tensor, kept as given (its padding row too); ``freeze`` turns off its
        gradient (``weight.requires_grad = not freeze``), as PyTorch's."""
        # (a copy: training it leaves the caller's table alone)
        table = as_array(embeddings, where="Embedding.from_pretrained: embeddings")
        if table.ndim != 2 or table.dtype.kind != "f":
            raise ValueError(f"Embedding.from_pretrained: embeddings must be a 2-d float array "
                             f"(num_embeddings, embedding_dim), got shape {table.shape} of "
                             f"dtype {table.dtype}")
        emb = cls(table.shape[0], table.shape[1], padding_idx, max_norm=max_norm,
                  norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse,
                  _weight=table)
        emb.weight.requires_grad = not check_flag(freeze, "freeze", "Embedding.from_pretrained")
        return emb

    def forward(self, indices: Any) -> Tensor:
        """The rows at ``indices`` (``embedding``); the range is the weight's current rows (a
        table assigned anew, say grown, counts as it is)."""
        return embedding(indices, self.weight, self.padding_idx, self.max_norm, self.norm_type)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        norm = "" if self.max_norm is None else f", max_norm={self.max_norm:g}"
        if self.max_norm is not None and self.norm_type != 2.0:
            norm += f", norm_type={self.norm_type:g}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}{norm}"
