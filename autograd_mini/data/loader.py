"""DataLoader: mini-batches of arrays, of a dataset or of a list of samples, by PyTorch's default
collate, in the order of a sampler; or the samples of an IterableDataset, batched as they
come."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any, Final

import numpy as np

from ..checks import as_array
from ..random import check_rng
from ..tensor import Tensor
from .args import (
    CONTAINERS,
    callable_arg,
    count_arg,
    flag_arg,
    index_array,
    sampler_arg,
    worker_options,
)
from .base import IterableDataset, check_index, dataset_len, is_dataset
from .collate import collate_samples, default_convert, same_structure
from .datasets import TensorDataset, rows_of, tensor_rows
from .samplers import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader"]


class _Required:
    """The default of DataLoader's ``batch_size``: not given (None means no batching)."""

    def __repr__(self) -> str:
        return "<required>"


REQUIRED: Final = _Required()


def _sample_list(X: Any, y: Any) -> bool:
    """Whether DataLoader's first argument is a list (or tuple) of samples, as PyTorch reads
    every list: without ``y``, holding tuples or lists (``list(zip(X, y))``). A list of lists
    that also makes a numeric array (``[[1., 2.], [3., 4.]]``) is refused as ambiguous; a list
    of numbers or arrays stays the array X (batched as ``(x,)``)."""
    if (y is not None and type(y) is not int) or not isinstance(X, (list, tuple)) or not any(
            isinstance(s, (tuple, list, dict)) for s in X):
        return False
    if all(isinstance(s, list) for s in X):
        try:
            numeric = np.asarray(X).dtype.kind in "biuf"
        except (ValueError, TypeError):
            numeric = False
        if numeric:
            raise TypeError(
                "DataLoader: a list of lists of numbers (or arrays) without y is ambiguous: "
                "PyTorch reads each inner list as one sample's fields (giving a Tensor per "
                "column), but it also reads as the array X of inputs. Write "
                "DataLoader(np.asarray(X), batch_size=...) for the inputs alone, DataLoader(X, "
                "y, batch_size=...) or DataLoader(TensorDataset(X, y), ...) with targets, or a "
                "list of tuples [(x, y), ...] for samples")
    return True


def _arrays_arg(a: Any, name: str) -> Any:
    """DataLoader's X or y as an array; a Tensor as it is (TensorDataset keeps it, so that
    batches of one that requires grad are recorded)."""
    return a if isinstance(a, Tensor) else as_array(a, copy=False, where=f"DataLoader: {name}")


class DataLoader:
    """Iterate over (X, y) in mini-batches of ``batch_size`` rows, as (Tensor, Tensor) pairs;
    without ``y`` (an autoencoder's inputs alone), as one-element tuples ``(x,)``, as PyTorch's
    ``DataLoader(TensorDataset(X))`` gives them.

    ``X`` and ``y`` are arrays (or Tensors, or nested lists: without ``y``, see below) with the
    same first dimension; they are not copied, each batch is. With ``shuffle`` every epoch
    (every ``iter``) draws a new permutation from ``rng`` (``generator`` is PyTorch's name for
    it), or with ``rng=None`` from the default generator current when the epoch starts (as
    PyTorch's DataLoader does:
    ``manual_seed`` after building the loader fixes its order); ``drop_last`` skips a final
    short batch. ``len(loader)`` is the number of batches: ⌈n / batch_size⌉, or
    ⌊n / batch_size⌋ with ``drop_last``. dtypes are kept (float32 stays float32, integer labels
    stay integers).

    The first argument may instead be a dataset, as in PyTorch: ``DataLoader(dataset,
    batch_size=32)`` for any object with ``__len__`` and ``__getitem__`` that is not an array or
    Tensor (a TensorDataset, a Subset, a class of your own), or, without ``y``, a list or tuple
    whose elements are samples that are tuples, lists or dicts (``list(zip(X, y))``); it holds the
    targets, so ``y`` stays None. Its samples are batched by PyTorch's default collate: samples
    that are tuples (or lists) give a tuple of Tensors, field k stacked from every sample's field
    k (a ``(float32 array, int)`` sample gives a float32 and an int64 Tensor; a field that is
    itself a tuple or list gives a list of Tensors, one per position); samples that are dicts
    with the same keys give a dict, each key's field batched so; samples that are single
    arrays or numbers give one Tensor. A TensorDataset, or a Subset of one, is batched by
    indexing its arrays, with the same batches. ``loader.dataset`` is the dataset (for arrays,
    a TensorDataset of them). Strings in a field stay strings, a tuple of them per batch, as
    PyTorch's. Without ``y``, a tuple in a list is a sample (a record, as ``zip`` makes), even
    of plain numbers: ``[(0., 1.), (2., 3.)]`` gives a Tensor per field, as PyTorch's; a list of
    lists of numbers is refused as ambiguous (PyTorch gives a Tensor per column, NumPy reads the
    array X; write ``np.asarray(X)`` for the array); a list of numbers or arrays is the array X
    (batches ``(x,)``, where PyTorch's are bare Tensors).

    ``collate_fn``, as PyTorch's, is called on the list of a batch's samples (``dataset[i]``; for
    arrays X, y, tuples of NumPy rows) and its result is the batch. PyTorch's other keywords
    are accepted and checked as PyTorch checks them, and change nothing: every batch loads in
    this process, whatever ``num_workers``; ``pin_memory`` does nothing (there is no GPU);
    ``worker_init_fn`` is never called (there are no workers); ``timeout``, ``prefetch_factor``
    and ``persistent_workers=True`` need ``num_workers > 0``, as in PyTorch.

    Sampling, as PyTorch's: ``sampler`` (an iterable of the dataset's indices, such as a
    RandomSampler or a WeightedRandomSampler; not with ``shuffle``) sets the order, taken
    ``batch_size`` at a time by a BatchSampler; ``batch_sampler`` (an iterable of lists of
    indices) gives the batches themselves, and excludes ``batch_size`` (other than 1),
    ``shuffle``, ``sampler`` and ``drop_last``, as in PyTorch. ``loader.sampler`` and
    ``loader.batch_sampler`` are those used: by default a SequentialSampler, or with
    ``shuffle`` a RandomSampler drawing from ``rng``, in a BatchSampler (the batches then are
    slices of range(n), or runs of one permutation, as without them). ``batch_size=None``
    (given so: leaving it out is an error) turns batching off, for a dataset: each sample comes
    alone, with its NumPy arrays made Tensors by ``default_convert`` (``collate_fn`` is given
    the sample itself), and ``len(loader)`` is the number of samples. An IterableDataset is
    read in its own order (``shuffle``, ``sampler`` and ``batch_sampler`` are refused, as in
    PyTorch), its samples batched as they come, the last batch short or, with ``drop_last``,
    left out; ``len(loader)`` needs the dataset's ``__len__``.
    """

    def __init__(self, X: Any, y: Any = None, batch_size: int | _Required | None = REQUIRED,
                 shuffle: bool | None = False, drop_last: bool = False,
                 rng: np.random.Generator | None = None, *, sampler: Any = None,
                 batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[Any], Any] | None = None,
                 pin_memory: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], Any] | None = None,
                 generator: np.random.Generator | None = None,
                 prefetch_factor: int | None = None, persistent_workers: bool = False) -> None:
        where = "DataLoader"
        self.dataset: Any
        # a dataset, or arrays (also for repr); a list of samples with y=32 is a dataset, so
        # the error below says to give batch_size by keyword
        listed = _sample_list(X, y)
        given = self._given = listed or is_dataset(X)
        self._iterable = isinstance(X, IterableDataset)
        if given:
            if y is not None:
                size = y if type(y) is int else 32
                taken = f" (DataLoader(dataset, {y}) passes {y} as y)" if type(y) is int else ""
                raise TypeError(f"DataLoader: y must be None when the first argument is a "
                                f"dataset ({type(X).__name__}), which holds the targets itself"
                                f"{taken}; give batch_size by keyword: DataLoader(dataset, "
                                f"batch_size={size})")
            if not self._iterable and sampler is None and batch_sampler is None:
                dataset_len(X, where)  # (a sampler of one's own may index a dataset without)
            self.dataset = X
            if listed and collate_fn is None and len(X):  # (batches need one structure)
                same_structure(list(X), range(len(X)), where, singles=True)
        if batch_size is REQUIRED and batch_sampler is None:
            hint = (f" (DataLoader(X, {y}) gives {y} as the targets y; for the inputs alone, "
                    f"DataLoader(X, batch_size={y}))") if type(y) is int else ""
            raise TypeError(f"DataLoader: batch_size is required{hint}")
        if not given:
            xs = _arrays_arg(X, "X")
            ys = None if y is None else _arrays_arg(y, "y")
            if xs.ndim == 0 or (ys is not None and ys.ndim == 0):
                raise ValueError("DataLoader: X and y need a first (sample) dimension")
            if ys is not None and len(xs) != len(ys):
                raise ValueError(f"DataLoader: X has {len(xs)} samples but y has {len(ys)} "
                                 f"(shapes {xs.shape} and {ys.shape})")
            self.dataset = TensorDataset(xs) if ys is None else TensorDataset(xs, ys)
        # (None is PyTorch's default: unspecified, so False)
        self.shuffle = shuffle is not None and flag_arg(shuffle, "shuffle", where)
        self.drop_last = flag_arg(drop_last, "drop_last", where)
        if generator is not None:  # PyTorch's name for the shuffling generator
            if not isinstance(generator, np.random.Generator):
                raise TypeError(f"DataLoader: generator must be a numpy.random.Generator "
                                f"(np.random.default_rng(seed)), got {type(generator).__name__}")
            if rng is not None:
                raise TypeError("DataLoader: give the shuffling generator as rng or as "
                                "generator, not both")
            rng = generator
        # None stays None: the default generator is looked up per epoch (manual_seed may
        # replace it after construction)
        self.rng: np.random.Generator | None = None if rng is None else check_rng(rng, where)
        self.generator = self.rng
        self.num_workers, self.timeout, self.prefetch_factor, self.persistent_workers = (
            worker_options(num_workers, timeout, prefetch_factor, persistent_workers))
        self.pin_memory = flag_arg(pin_memory, "pin_memory", where)
        self.collate_fn: Callable[[Any], Any] | None = callable_arg(collate_fn, "collate_fn")
        self.worker_init_fn: Callable[[int], Any] | None = callable_arg(worker_init_fn,
                                                                         "worker_init_fn")
        self._set_sampling(batch_size, sampler, batch_sampler)

    def _set_sampling(self, batch_size: Any, sampler: Any, batch_sampler: Any) -> None:
        """``batch_size``, ``sampler`` and ``batch_sampler`` checked by PyTorch's rules, and
        the samplers used set (a whole container of indices checked now)."""
        if self._iterable:
            for name, value in (("shuffle", self.shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value is not None and value is not False:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value!r:.60}")
        if sampler is not None and self.shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        self.batch_size: int | None = None
        if batch_sampler is not None:
            one = isinstance(batch_size, (int, np.integer)) and not isinstance(
                batch_size, bool) and batch_size == 1
            if not (batch_size is REQUIRED or one) or self.shuffle or sampler is not None or \
                    self.drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
        elif batch_size is None:
            if self.drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching and "
                                 "is mutually exclusive with drop_last")
            if not self._given:
                raise ValueError("DataLoader: batch_size=None (each sample alone, unbatched) is "
                                 "for a dataset, as PyTorch's DataLoader(dataset, batch_size="
                                 "None); for arrays X, y give batch_size=1, or pass "
                                 "DataLoader(TensorDataset(X, y), batch_size=None)")
        else:
            self.batch_size = count_arg(batch_size, "batch_size", "DataLoader")
        self._custom = sampler is not None or batch_sampler is not None
        self.sampler: Any = None if sampler is None else sampler_arg(sampler, "sampler")
        self.batch_sampler: Any = None if batch_sampler is None else sampler_arg(
            batch_sampler, "batch_sampler")
        if not self._custom and not self._iterable:
            self.sampler = (RandomSampler(self.dataset, generator=self.rng)
                            if self.shuffle and len(self.dataset) else
                            SequentialSampler(self.dataset))
        if self.sampler is not None and self.batch_size is not None:
            self.batch_sampler = BatchSampler(self.sampler, self.batch_size, self.drop_last)
        fast = tensor_rows(self.dataset) is not None
        if isinstance(self.sampler, CONTAINERS) and fast:
            index_array(list(self.sampler), len(self.dataset), "sampler")
        if isinstance(self.batch_sampler, CONTAINERS) and batch_sampler is not None:
            for batch in self.batch_sampler:
                self._batch_rows(batch, fast, "batch_sampler")

    def _batch_rows(self, picks: Any, fast: bool, name: str) -> Any:
        """A batch's indices from a sampler: for a TensorDataset (or Subsets of one) an int
        array of rows in range; otherwise as given (an iterable that is not a string)."""
        if isinstance(picks, (str, bytes)) or not hasattr(type(picks), "__iter__"):
            raise TypeError(f"DataLoader: {name} gave {picks!r:.60}, not a list of indices")
        rows = index_array(picks, len(self.dataset), name) if fast else list(picks)
        if len(rows) == 0:
            raise ValueError(f"DataLoader: {name} gave an empty batch (a batch needs at least "
                             "one index)")
        return rows

    def __len__(self) -> int:
        """The number of batches: ⌈n / batch_size⌉ (⌊n / batch_size⌋ with ``drop_last``) for n
        samples (the dataset's, or the sampler's), len(batch_sampler) when one is given, n
        without batching."""
        if self.sampler is None and self.batch_sampler is not None:
            source, name = self.batch_sampler, "batch_sampler"
        else:
            source, name = (self.dataset, "dataset") if not self._custom else (
                self.sampler, "sampler")
        if not hasattr(type(source), "__len__"):
            raise TypeError(f"DataLoader: len() needs the {name}'s __len__, but "
                            f"{type(source).__name__} has none")
        n, bs = len(source), self.batch_size
        if name == "batch_sampler" or bs is None:
            return n
        return n // bs if self.drop_last else math.ceil(n / bs)

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return self._stream()
        return self._unbatched() if self.batch_sampler is None else self._batches()

    def _collate(self, samples: list[Any], rows: Any) -> Any:
        return (collate_samples(samples, rows, "DataLoader") if self.collate_fn is None
                else self.collate_fn(samples))

    def _convert(self, sample: Any) -> Any:
        return default_convert(sample) if self.collate_fn is None else self.collate_fn(sample)

    def _index_batches(self) -> Iterator[Any]:
        """Each batch's indices: the batch sampler's lists; by default (no sampler given)
        slices of range(n), or runs of one permutation with ``shuffle`` (no list per batch)."""
        if self._custom:
            yield from self.batch_sampler
            return
        n, bs = len(self.dataset), self.batch_sampler.batch_size  # (our BatchSampler's)
        order = None
        if self.shuffle:
            order = (self.sampler.draw() if isinstance(self.sampler, RandomSampler) else
                     check_rng(self.rng, "DataLoader").permutation(n))  # (empty when built)
        stop = n - n % bs if self.drop_last else n
        for start in range(0, stop, bs):
            yield slice(start, start + bs) if order is None else order[start:start + bs]

    def _batches(self) -> Iterator[Any]:
        tensors = tensor_rows(self.dataset)
        fast = tensors if self.collate_fn is None else None
        name = "sampler" if self.sampler is not None else "batch_sampler"
        for picks in self._index_batches():
            if self._custom:
                picks = self._batch_rows(picks, tensors is not None, name)
            if fast is not None:
                arrays, index = fast
                chosen = picks if index is None else index[picks]
                batch = [rows_of(a, chosen) for a in arrays]  # (recorded: see rows_of)
                yield tuple(b if isinstance(b, Tensor) else Tensor(b) for b in batch)
            else:
                picked = (range(len(self.dataset))[picks] if isinstance(picks, slice) else
                          picks.tolist() if isinstance(picks, np.ndarray) else picks)
                yield self._collate([self.dataset[i] for i in picked], picked)

    def _unbatched(self) -> Iterator[Any]:
        n = len(self.dataset) if tensor_rows(self.dataset) is not None else None
        for i in self.sampler:
            if n is not None:  # (a TensorDataset would take a slice or an array, too)
                check_index(i, n, "DataLoader: sampler")
            yield self._convert(self.dataset[i])

    def _stream(self) -> Iterator[Any]:
        """An IterableDataset's samples, ``batch_size`` at a time (or one by one)."""
        bs, count = self.batch_size, 0
        batch: list[Any] = []
        for sample in self.dataset:
            if bs is None:
                yield self._convert(sample)
                continue
            batch.append(sample)
            if len(batch) == bs:
                yield self._collate(batch, range(count, count + bs))
                batch, count = [], count + bs
        if batch and not self.drop_last:
            yield self._collate(batch, range(count, count + len(batch)))

    def __repr__(self) -> str:
        try:
            n = f"{len(self.dataset)} samples"
        except TypeError:  # (an IterableDataset without a length)
            n = ""
        what = n if not self._given else (f"{type(self.dataset).__name__} of {n}" if n else
                                          type(self.dataset).__name__)
        custom = "" if not self._custom else (
            f", sampler={type(self.sampler).__name__}" if self.sampler is not None else
            f", batch_sampler={type(self.batch_sampler).__name__}")
        return (f"DataLoader({what}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}{custom})")
