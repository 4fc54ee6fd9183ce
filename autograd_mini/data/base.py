"""What a dataset is, as ``torch.utils.data``'s: the base classes Dataset (map-style:
``__getitem__``, usually ``__len__``) and IterableDataset (``__iter__``), the datasets made of
others (ConcatDataset, StackDataset, ChainDataset), and the checks the loader uses."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar

import numpy as np

from ..tensor import Tensor

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "StackDataset",
           "check_index", "dataset_len", "get_worker_info", "is_dataset"]

T_co = TypeVar("T_co", covariant=True)


def _has_protocol(obj: Any) -> bool:
    """Whether ``obj`` has ``__len__`` and ``__getitem__`` (a map-style dataset's protocol)."""
    return hasattr(type(obj), "__len__") and hasattr(type(obj), "__getitem__")


def is_dataset(obj: Any) -> bool:
    """Whether DataLoader's first argument is a dataset rather than the inputs X: a Dataset or
    IterableDataset, or an object with ``__len__`` and ``__getitem__`` that is not an ndarray,
    Tensor, list or tuple (nor a string, nor an array-like with ``__array__``, such as a pandas
    DataFrame, which stay arrays)."""
    return isinstance(obj, Dataset) or (
        not isinstance(obj, (np.ndarray, Tensor, list, tuple, str, bytes))
        and not hasattr(type(obj), "__array__") and _has_protocol(obj))


def dataset_len(dataset: Any, where: str) -> int:
    """``len(dataset)``, refusing objects without a dataset's ``__len__`` and ``__getitem__``."""
    if not _has_protocol(dataset) or isinstance(dataset, (str, bytes)):
        raise TypeError(f"{where}: dataset must have __len__ and __getitem__ (a TensorDataset, a "
                        f"Subset or a Dataset class), got {type(dataset).__name__}")
    return len(dataset)


def check_index(index: Any, n: int, where: str) -> int:
    """An int ``index`` into ``n`` samples, made non-negative (IndexError when out of range)."""
    if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"{where}: index must be an int, got {index!r:.60}")
    if not -n <= index < n:
        raise IndexError(f"{where}: index {index} is out of range for {n} samples")
    return int(index) % n


def get_worker_info() -> Any:
    """PyTorch's ``get_worker_info()`` as seen in the main process: None (every sample here
    loads in this process, so an IterableDataset never needs to split its stream)."""
    return None


class Dataset(Generic[T_co]):
    """A map-style dataset, as PyTorch's: subclasses override ``__getitem__(index)`` (the
    sample at ``index``) and usually ``__len__``; ``a + b`` is ``ConcatDataset([a, b])``."""

    def __getitem__(self, index: Any) -> T_co:
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Dataset should "
                                  "implement __getitem__")

    def __add__(self, other: Dataset[Any]) -> ConcatDataset:
        """``ConcatDataset([self, other])``: the samples of ``self``, then of ``other``."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A dataset that is a stream of samples, as PyTorch's: subclasses override ``__iter__``;
    a DataLoader batches the samples in the order they come (no shuffling, no sampler), and
    ``a + b`` is ``ChainDataset([a, b])``."""

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__}: subclasses of IterableDataset "
                                  "should implement __iter__")

    def __add__(self, other: Dataset[Any]) -> ChainDataset:  # type: ignore[override]
        """``ChainDataset([self, other])``: the samples of ``self``, then of ``other``."""
        return ChainDataset([self, other])


def _dataset_list(datasets: Any, where: str) -> list[Any]:
    if isinstance(datasets, (str, bytes, Dataset)) or not isinstance(datasets, Iterable):
        raise TypeError(f"{where}: datasets must be an iterable of datasets (a list), got "
                        f"{type(datasets).__name__}")
    out = list(datasets)
    if not out:
        raise ValueError(f"{where}: datasets should not be an empty iterable")
    return out


class ConcatDataset(Dataset[T_co]):
    """The samples of several map-style datasets one after another, as PyTorch's: with
    ``cumulative_sizes`` c (cᵢ = len(d₀) + … + len(dᵢ)), sample k is ``datasets[i][k − cᵢ₋₁]``
    for the first i with k < cᵢ; negative k counts from the end; ``len`` is the last cᵢ.

    ``datasets`` (the list) and ``cumulative_sizes`` are read when built, as PyTorch's.
    """

    def __init__(self, datasets: Iterable[Dataset[Any]]) -> None:
        where = "ConcatDataset"
        self.datasets: list[Any] = _dataset_list(datasets, where)
        sizes = []
        for i, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(f"{where}: ConcatDataset does not support IterableDataset "
                                f"(datasets[{i}] is a {type(d).__name__}; use ChainDataset)")
            sizes.append(dataset_len(d, f"{where}: datasets[{i}]"))
        self.cumulative_sizes: list[int] = np.cumsum(sizes).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: Any) -> T_co:
        """``datasets[i][k − cumulative_sizes[i − 1]]`` for the dataset i that holds k."""
        k = check_index(index, len(self), "ConcatDataset")
        i = bisect.bisect_right(self.cumulative_sizes, k)
        return self.datasets[i][k - (self.cumulative_sizes[i - 1] if i else 0)]

    def __repr__(self) -> str:
        return f"ConcatDataset({len(self.datasets)} datasets, {len(self)} samples)"


class StackDataset(Dataset[Any]):
    """Several datasets of one length side by side, as PyTorch's: ``StackDataset(a, b)[i]`` is
    ``(a[i], b[i])``; ``StackDataset(x=a, y=b)[i]`` is ``{"x": a[i], "y": b[i]}`` (one form or
    the other, not both); ``datasets`` is that tuple or dict of datasets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        where = "StackDataset"
        if args and kwargs:
            raise ValueError(f"{where}: supported either tuple- (via args) or dict- (via kwargs) "
                             "like input/output, but both types are given")
        if not args and not kwargs:
            raise ValueError(f"{where}: at least one dataset should be passed")
        named = dict(kwargs) if kwargs else {f"datasets[{i}]": d for i, d in enumerate(args)}
        lengths = {name: dataset_len(d, f"{where}: {name}") for name, d in named.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"{where}: size mismatch between datasets: lengths {lengths}")
        self.datasets: tuple[Any, ...] | dict[str, Any] = dict(kwargs) if kwargs else args
        self._length = next(iter(lengths.values()))

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> Any:
        """The tuple (or dict) of every dataset's sample at ``index``."""
        check_index(index, self._length, "StackDataset")
        if isinstance(self.datasets, dict):
            return {key: d[index] for key, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __repr__(self) -> str:
        return f"StackDataset({len(self.datasets)} datasets, {self._length} samples)"


class ChainDataset(IterableDataset[T_co]):
    """Iterable datasets one after another, as PyTorch's: iterating gives every sample of
    ``datasets[0]``, then of ``datasets[1]``, …; ``len`` is the sum of their lengths (each must
    have one). The datasets are read at iteration, so streams that change are followed."""

    def __init__(self, datasets: Iterable[Dataset[Any]]) -> None:
        self.datasets: list[Any] = _dataset_list(datasets, "ChainDataset")
        for i, d in enumerate(self.datasets):
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset: ChainDataset only supports IterableDataset, "
                                f"but datasets[{i}] is a {type(d).__name__} (use "
                                "ConcatDataset for map-style datasets)")

    def __iter__(self) -> Iterator[T_co]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        total = 0
        for i, d in enumerate(self.datasets):
            if not hasattr(type(d), "__len__"):
                raise TypeError(f"ChainDataset: len() needs every dataset's __len__, but "
                                f"datasets[{i}] ({type(d).__name__}) has none")
            total += len(d)
        return total

    def __repr__(self) -> str:
        return f"ChainDataset({len(self.datasets)} datasets)"
