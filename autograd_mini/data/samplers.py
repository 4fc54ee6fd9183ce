"""Samplers as ``torch.utils.data``'s: the order in which a DataLoader reads a map-style
dataset's indices (SequentialSampler, RandomSampler, SubsetRandomSampler,
WeightedRandomSampler) and the batches it groups them in (BatchSampler).

``generator`` is a ``numpy.random.Generator``; None means the default generator current when
an iteration starts (``manual_seed`` fixes it), as DataLoader's shuffling. Each ``iter``
draws anew, as PyTorch's samplers do; the draws cannot equal PyTorch's (another generator),
their distributions do."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from ..random import check_rng
from ..tensor import Tensor
from .args import count_arg, flag_arg, floats_arg

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler",
           "SubsetRandomSampler", "WeightedRandomSampler"]

T_co = TypeVar("T_co", covariant=True)


def _sized(data_source: Any, where: str) -> Any:
    if isinstance(data_source, (str, bytes)) or not hasattr(type(data_source), "__len__"):
        raise TypeError(f"{where}: data_source must have __len__ (a dataset), got "
                        f"{type(data_source).__name__}")
    return data_source


def _generator(generator: Any, where: str) -> np.random.Generator | None:
    """``generator`` checked: None (the default generator, looked up at each iteration) or a
    ``numpy.random.Generator``."""
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"{where}: generator must be None or a numpy.random.Generator "
                        f"(np.random.default_rng(seed)), got {type(generator).__name__}")
    return generator


class Sampler(Generic[T_co]):
    """The base class of samplers, as PyTorch's: subclasses override ``__iter__`` (the
    indices, or batches of them, one pass gives) and, when they know it, ``__len__``.
    ``data_source`` is accepted and unused, as in PyTorch."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Sampler should "
                                  "implement __iter__")


class SequentialSampler(Sampler[int]):
    """The indices 0, 1, …, len(data_source) − 1 in order (``len`` read at each iteration)."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = _sized(data_source, "SequentialSampler")

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Random indices into ``data_source`` (n = len(data_source) samples): without
    ``replacement``, a random permutation of range(n) (for ``num_samples`` > n, ⌊num_samples/n⌋
    permutations and then the first num_samples mod n of another, so each index comes up
    equally often); with it, ``num_samples`` independent uniform draws from range(n).
    ``num_samples`` defaults to n (read at each iteration, as PyTorch's)."""

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None,
                 generator: np.random.Generator | None = None) -> None:
        where = "RandomSampler"
        self.data_source = _sized(data_source, where)
        self.replacement = flag_arg(replacement, "replacement", where)
        self._num_samples = None if num_samples is None else count_arg(
            num_samples, "num_samples", where)
        self.generator = _generator(generator, where)
        if self.num_samples < 1:
            raise ValueError(f"{where}: num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples} (the data source is empty)")

    @property
    def num_samples(self) -> int:
        """How many indices one pass gives: as given, or len(data_source)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def draw(self) -> np.ndarray:
        """The indices of one pass (what ``iter`` yields) as an int64 array, newly drawn."""
        n, m = len(self.data_source), self.num_samples
        if n == 0:
            raise ValueError("RandomSampler: the data source is empty; there is nothing to draw")
        gen = check_rng(self.generator, "RandomSampler")
        if self.replacement:
            return gen.integers(0, n, size=m, dtype=np.int64)
        rounds = [gen.permutation(n) for _ in range(m // n)]
        if m % n:
            rounds.append(gen.permutation(n)[:m % n])
        return np.concatenate(rounds).astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[int]:
        yield from self.draw().tolist()  # (drawn at the first next(), as before any batch)

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[Any]):
    """The given ``indices`` in a random order: ``indices[π(0)], indices[π(1)], …`` for a
    permutation π drawn anew at each iteration (a Tensor is kept as its array)."""

    def __init__(self, indices: Any, generator: np.random.Generator | None = None) -> None:
        where = "SubsetRandomSampler"
        indices = indices.data if isinstance(indices, Tensor) else indices
        if isinstance(indices, (str, bytes)) or not (
                hasattr(type(indices), "__len__") and hasattr(type(indices), "__getitem__")):
            raise TypeError(f"{where}: indices must be a sequence of indices (a list, range or "
                            f"array), got {type(indices).__name__}")
        self.indices = indices
        self.generator = _generator(generator, where)

    def __iter__(self) -> Iterator[Any]:
        for i in check_rng(self.generator, "SubsetRandomSampler").permutation(len(self.indices)):
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices into range(len(weights)), index i drawn with probability
    wᵢ / Σⱼ wⱼ: independently (``replacement=True``), or without replacement one after
    another, each from the weights of the indices not yet drawn (then every index appears at
    most once, and ``num_samples`` may not exceed the number of positive weights).
    ``weights`` (finite, ≥ 0, with a positive sum) are kept as a float64 array."""

    def __init__(self, weights: Any, num_samples: int, replacement: bool = True,
                 generator: np.random.Generator | None = None) -> None:
        where = "WeightedRandomSampler"
        w = floats_arg(weights, "weights", where)
        if w.ndim != 1:
            raise ValueError(f"{where}: weights should be a 1d sequence but given weights have "
                             f"shape {w.shape}")
        if np.any(w < 0):
            i = int(np.flatnonzero(w < 0)[0])
            raise ValueError(f"{where}: weights must be >= 0, got {w[i]:g} at index {i}")
        if not np.any(w > 0):
            raise ValueError(f"{where}: weights must have a positive sum (at least one weight "
                             f"> 0), got {len(w)} zero weights")
        self.weights = w
        self.num_samples = count_arg(num_samples, "num_samples", where)
        self.replacement = flag_arg(replacement, "replacement", where)
        self.generator = _generator(generator, where)
        positive = int(np.count_nonzero(w))
        if not self.replacement and self.num_samples > positive:
            raise ValueError(f"{where}: cannot draw num_samples={self.num_samples} indices "
                             f"without replacement from {positive} positive weights")
        p = w / w.max()  # (scaled first: a sum of weights near 1e308 would overflow)
        self._p = p / p.sum()

    def draw(self) -> np.ndarray:
        """The indices of one pass (what ``iter`` yields) as an int64 array, newly drawn."""
        gen = check_rng(self.generator, "WeightedRandomSampler")
        # without replacement, NumPy draws each index from the weights of those not yet drawn
        return gen.choice(len(self._p), size=self.num_samples, replace=self.replacement,
                          p=self._p).astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[int]:
        yield from self.draw().tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[Any]]):
    """The indices of ``sampler`` (any iterable of indices) in lists of ``batch_size``, in
    order; the last list is shorter when len(sampler) is not a multiple of it, or left out
    with ``drop_last``. ``len``: ⌈len(sampler) / batch_size⌉, or ⌊…⌋ with ``drop_last``."""

    def __init__(self, sampler: Iterable[Any], batch_size: int, drop_last: bool) -> None:
        where = "BatchSampler"
        if isinstance(sampler, (str, bytes)) or not isinstance(sampler, Iterable):
            raise TypeError(f"{where}: sampler must be an iterable of indices (a Sampler or a "
                            f"list), got {type(sampler).__name__}")
        self.sampler = sampler
        self.batch_size = count_arg(batch_size, "batch_size", where)
        self.drop_last = flag_arg(drop_last, "drop_last", where)

    def __iter__(self) -> Iterator[list[Any]]:
        batch: list[Any] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if not hasattr(type(self.sampler), "__len__"):
            raise TypeError(f"BatchSampler: len() needs the sampler's __len__, but "
                            f"{type(self.sampler).__name__} has none")
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
