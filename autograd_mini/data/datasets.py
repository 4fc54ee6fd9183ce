"""Datasets of arrays as ``torch.utils.data``'s: TensorDataset, Subset and random_split."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import as_array
from ..grad_mode import is_grad_enabled
from ..random import check_rng
from ..tensor import Tensor
from .base import Dataset, check_index, dataset_len

__all__ = ["Subset", "TensorDataset", "random_split", "rows_of", "tensor_rows"]


def rows_of(a: Any, index: Any) -> Any:
    """``a[index]``: of a Tensor that requires grad, while recording, a recorded Tensor;
    otherwise the rows of the array (of a Tensor's array)."""
    if not isinstance(a, Tensor):
        return a[index]
    return a[index] if a.requires_grad and is_grad_enabled() else a.data[index]


class TensorDataset(Dataset[tuple[Any, ...]]):
    """Arrays (or Tensors) of one first-dimension length as a dataset, as PyTorch's:
    ``ds[i]`` is the tuple of every array's i-th row, ``len(ds)`` the number of rows.

    The arrays are kept in ``ds.arrays`` (a Tensor as its ndarray ``.data``), not copied, and as
    given in ``ds.tensors`` (PyTorch's name: a Tensor as the Tensor itself); rows are NumPy
    arrays or scalars (views, not copies). While a Tensor requires grad (read at each access),
    its rows, and the batches a DataLoader makes of them, are recorded Tensors that carry
    gradients back to it, as PyTorch's (learned inputs, dataset distillation).
    ``DataLoader(ds, batch_size=...)`` batches them as ``DataLoader(*ds.tensors, ...)`` would,
    indexing the arrays a batch at a time.
    """

    def __init__(self, *arrays: Any) -> None:
        where = "TensorDataset"
        if not arrays:
            raise ValueError(f"{where}: needs at least one array (TensorDataset(X, y))")
        self.tensors: tuple[Any, ...] = tuple(  # ndarrays and Tensors, as given
            a if isinstance(a, Tensor) else as_array(a, copy=False, where=f"{where}: array {i}")
            for i, a in enumerate(arrays))
        for i, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise ValueError(f"{where}: array {i} has no first (sample) dimension (shape ())")
        if len({len(a) for a in self.arrays}) > 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"{where}: the arrays must have the same first (sample) dimension, "
                             f"got shapes {shapes}")

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays of ``tensors`` (a Tensor's as it holds it now)."""
        return tuple(a.data if isinstance(a, Tensor) else a for a in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        """The i-th row of every array (an int index; slices and index arrays go to NumPy)."""
        if isinstance(index, (bool, np.bool_)):
            raise TypeError(f"TensorDataset: index must be an int, got {index!r}")
        if isinstance(index, (int, np.integer)):
            index = check_index(index, len(self), "TensorDataset")
        return tuple(rows_of(a, index) for a in self.tensors)

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return f"TensorDataset({len(self)} samples, shapes {shapes})"


class Subset(Dataset[Any]):
    """The samples of ``dataset`` at ``indices``, as PyTorch's: ``sub[i]`` is
    ``dataset[indices[i]]`` and ``len(sub)`` is ``len(indices)``.

    ``indices`` (ints in ``range(len(dataset))``, a list, range, array or Tensor) is kept as an
    int64 array ``sub.indices``; ``sub.dataset`` is the dataset.
    """

    def __init__(self, dataset: Any, indices: Any) -> None:
        where = "Subset"
        n = dataset_len(dataset, where)
        raw = indices.data if isinstance(indices, Tensor) else indices
        try:
            arr = np.asarray(raw) if not isinstance(raw, (str, bytes)) else None
        except (ValueError, TypeError):
            arr = None
        if arr is not None and arr.size == 0:
            arr = arr.astype(np.int64).reshape(0)
        if arr is None or arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise TypeError(f"{where}: indices must be a 1-D sequence of ints, got "
                            f"{indices!r:.80}")
        bad = arr[(arr < 0) | (arr >= n)]
        if bad.size:
            raise ValueError(f"{where}: indices must be in range(0, {n}) for a dataset of {n} "
                             f"samples, got {bad[0]}")
        self.dataset = dataset
        self.indices: np.ndarray = arr.astype(np.int64)  # a copy: later edits don't leak in

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        """``dataset[indices[index]]``."""
        return self.dataset[int(self.indices[check_index(index, len(self), "Subset")])]

    def __repr__(self) -> str:
        return f"Subset({len(self)} of the {type(self.dataset).__name__}'s samples)"


def tensor_rows(dataset: Any) -> tuple[tuple[Any, ...], np.ndarray | None] | None:
    """For a TensorDataset, or Subsets (nested or not) of one: its arrays and Tensors (as
    given) and the rows of them that ``dataset``'s samples are (None for all, in order); for
    any other dataset, None."""
    rows: np.ndarray | None = None
    while type(dataset).__getitem__ is Subset.__getitem__ and isinstance(dataset, Subset):
        indices = np.asarray(dataset.indices, dtype=np.int64)  # (a list, if reassigned)
        rows = indices if rows is None else indices[rows]
        dataset = dataset.dataset
    if type(dataset).__getitem__ is TensorDataset.__getitem__ and isinstance(
            dataset, TensorDataset):
        return dataset.tensors, rows
    return None


def _split_lengths(lengths: Any, n: int, where: str) -> list[int]:
    """``lengths`` as sample counts summing to ``n``: ints as they are, fractions by PyTorch's
    rule (⌊f · n⌋ each, then the remainder one each round-robin from the first)."""
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, (list, tuple, np.ndarray)):
        raise TypeError(f"{where}: lengths must be a list of ints or of fractions, got "
                        f"{lengths!r:.60}")
    values = list(np.asarray(lengths).ravel()) if isinstance(lengths, np.ndarray) else list(
        lengths)
    if not values:
        raise ValueError(f"{where}: lengths must name at least one split, got {lengths!r}")
    for i, v in enumerate(values):
        if isinstance(v, (bool, np.bool_)) or not isinstance(
                v, (int, float, np.integer, np.floating)):
            raise TypeError(f"{where}: lengths must be ints or fractions, got {v!r:.60} at "
                            f"index {i}")
    if all(isinstance(v, (int, np.integer)) for v in values):
        counts = [int(v) for v in values]
        if min(counts) < 0:
            raise ValueError(f"{where}: lengths must not be negative, got {counts}")
        if sum(counts) != n:
            raise ValueError(f"{where}: lengths {counts} sum to {sum(counts)}, but the dataset "
                             f"has {n} samples (give counts summing to {n}, or fractions "
                             "summing to 1)")
        return counts
    fractions = [float(v) for v in values]
    for i, f in enumerate(fractions):
        if not 0.0 <= f <= 1.0:
            raise ValueError(f"{where}: fraction {values[i]!r} at index {i} is not between 0 "
                             "and 1")
    total = sum(fractions)
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{where}: fractions {fractions} sum to {total:.10g}, not 1 (within "
                         f"1e-6); counts must be ints summing to {n}")
    counts = [math.floor(n * f) for f in fractions]
    remainder = n - sum(counts)
    for i in range(remainder):  # PyTorch's rule: one more each, from the first
        counts[i % len(counts)] += 1
    i = len(counts) - 1
    while remainder < 0:  # fractions summing to a hair over 1: one less each, from the last
        if counts[i] > 0:
            counts[i] -= 1
            remainder += 1
        i = (i - 1) % len(counts)
    return counts


def random_split(dataset: Any, lengths: Any,
                 rng: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into Subsets of the given ``lengths``, as PyTorch's
    ``random_split``: ints summing to ``len(dataset)``, or fractions summing to 1 (each split
    gets ⌊fraction · n⌋ samples, then the remainder goes one each to the splits in turn from
    the first: 10 samples with [0.33, 0.33, 0.34] give 4, 3, 3).

    The subsets are consecutive runs of one permutation drawn from ``rng``, or with
    ``rng=None`` from the default generator (``manual_seed`` fixes it): disjoint, and together
    every sample.
    """
    where = "random_split"
    n = dataset_len(dataset, where)
    counts = _split_lengths(lengths, n, where)
    order = check_rng(rng, where).permutation(n)
    bounds = np.cumsum([0, *counts])
    return [Subset(dataset, order[bounds[i]:bounds[i + 1]]) for i in range(len(counts))]
