"""DataLoader mini-batches and small datasets made without downloads."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .checks import as_array, install_hint
from .random import check_rng
from .tensor import Tensor

__all__ = ["DataLoader", "Subset", "TensorDataset", "check_rng", "digits", "moons",
           "random_split", "spirals", "two_gaussians"]


MAX_COUNT = 2**40  #: more samples or batches than any dataset here could hold


def _count(value: Any, name: str, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{where}: {name} must be an int >= {minimum}, got {value!r:.60}")
    if value > MAX_COUNT:
        raise ValueError(f"{where}: {name}={value} is too large (at most {MAX_COUNT})")
    return int(value)


def _finite(X: np.ndarray, where: str, what: str) -> np.ndarray:
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{where}: {what} are so large that some points are not finite")
    return X


def _flag(value: Any, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be a bool, got {value!r:.60}")
    return bool(value)


def _real(value: Any, name: str, where: str, minimum: float | None = None) -> float:
    """A finite real number (>= ``minimum`` when given)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{where}: {name} must be a real number, got {value!r:.60}")
    out = float(value)
    if not np.isfinite(out) or (minimum is not None and out < minimum):
        bound = "" if minimum is None else f" and >= {minimum:g}"
        raise ValueError(f"{where}: {name} must be finite{bound}, got {value!r}")
    return out


def _floats(value: Any, name: str, where: str) -> np.ndarray:
    """``value`` as a float64 array of finite numbers."""
    arr = np.asarray(as_array(value, copy=False, where=f"{where}: {name}"), dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where}: {name} must hold finite numbers, got {value!r:.80}")
    return arr


def _has_protocol(obj: Any) -> bool:
    """Whether ``obj`` has ``__len__`` and ``__getitem__`` (a map-style dataset's protocol)."""
    return hasattr(type(obj), "__len__") and hasattr(type(obj), "__getitem__")


def _is_dataset(obj: Any) -> bool:
    """Whether DataLoader's first argument is a dataset rather than the inputs X: it has
    ``__len__`` and ``__getitem__`` but is not an ndarray, Tensor, list or tuple (nor a string,
    nor an array-like with ``__array__``, such as a pandas DataFrame, which stay arrays)."""
    return (not isinstance(obj, (np.ndarray, Tensor, list, tuple, str, bytes))
            and not hasattr(type(obj), "__array__") and _has_protocol(obj))


def _dataset_len(dataset: Any, where: str) -> int:
    """``len(dataset)``, refusing objects without a dataset's ``__len__`` and ``__getitem__``."""
    if not _has_protocol(dataset) or isinstance(dataset, (str, bytes)):
        raise TypeError(f"{where}: dataset must have __len__ and __getitem__ (a TensorDataset, a "
                        f"Subset or a Dataset class), got {type(dataset).__name__}")
    return len(dataset)


def _index(index: Any, n: int, where: str) -> int:
    """An int ``index`` into ``n`` samples, made non-negative (IndexError when out of range)."""
    if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"{where}: index must be an int, got {index!r:.60}")
    if not -n <= index < n:
        raise IndexError(f"{where}: index {index} is out of range for {n} samples")
    return int(index) % n


class TensorDataset:
    """Arrays (or Tensors) of one first-dimension length as a dataset, as PyTorch's:
    ``ds[i]`` is the tuple of every array's i-th row, ``len(ds)`` the number of rows.

    The arrays are kept in ``ds.arrays`` (a Tensor as its ndarray ``.data``), not copied; rows
    are NumPy arrays or scalars (views, not copies). ``DataLoader(ds, batch_size=...)`` batches
    them as ``DataLoader(*ds.arrays, ...)`` would, indexing the arrays a batch at a time.
    """

    def __init__(self, *arrays: Any) -> None:
        where = "TensorDataset"
        if not arrays:
            raise ValueError(f"{where}: needs at least one array (TensorDataset(X, y))")
        self.arrays: tuple[np.ndarray, ...] = tuple(
            a.data if isinstance(a, Tensor)
            else as_array(a, copy=False, where=f"{where}: array {i}")
            for i, a in enumerate(arrays))
        for i, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise ValueError(f"{where}: array {i} has no first (sample) dimension (shape ())")
        if len({len(a) for a in self.arrays}) > 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"{where}: the arrays must have the same first (sample) dimension, "
                             f"got shapes {shapes}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        """The i-th row of every array (an int index; slices and index arrays go to NumPy)."""
        if isinstance(index, (bool, np.bool_)):
            raise TypeError(f"TensorDataset: index must be an int, got {index!r}")
        if isinstance(index, (int, np.integer)):
            index = _index(index, len(self), "TensorDataset")
        return tuple(a[index] for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return f"TensorDataset({len(self)} samples, shapes {shapes})"


class Subset:
    """The samples of ``dataset`` at ``indices``, as PyTorch's: ``sub[i]`` is
    ``dataset[indices[i]]`` and ``len(sub)`` is ``len(indices)``.

    ``indices`` (ints in ``range(len(dataset))``, a list, range, array or Tensor) is kept as an
    int64 array ``sub.indices``; ``sub.dataset`` is the dataset.
    """

    def __init__(self, dataset: Any, indices: Any) -> None:
        where = "Subset"
        n = _dataset_len(dataset, where)
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
        return self.dataset[int(self.indices[_index(index, len(self), "Subset")])]

    def __repr__(self) -> str:
        return f"Subset({len(self)} of the {type(self.dataset).__name__}'s samples)"


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
    n = _dataset_len(dataset, where)
    counts = _split_lengths(lengths, n, where)
    order = check_rng(rng, where).permutation(n)
    bounds = np.cumsum([0, *counts])
    return [Subset(dataset, order[bounds[i]:bounds[i + 1]]) for i in range(len(counts))]


def _tensor_rows(dataset: Any) -> tuple[tuple[np.ndarray, ...], np.ndarray | None] | None:
    """For a TensorDataset, or Subsets (nested or not) of one: its arrays and the rows of them
    that ``dataset``'s samples are (None for all, in order); for any other dataset, None."""
    rows: np.ndarray | None = None
    while type(dataset).__getitem__ is Subset.__getitem__ and isinstance(dataset, Subset):
        indices = np.asarray(dataset.indices, dtype=np.int64)  # (a list, if reassigned)
        rows = indices if rows is None else indices[rows]
        dataset = dataset.dataset
    if type(dataset).__getitem__ is TensorDataset.__getitem__ and isinstance(
            dataset, TensorDataset):
        return dataset.arrays, rows
    return None


def _stack(values: list[Any], what: str, rows: Any) -> Tensor:
    """One field of a batch of samples (arrays, numbers or Tensors), stacked as one Tensor."""
    try:
        arrays = [v.data if isinstance(v, Tensor) else np.asarray(v) for v in values]
    except (ValueError, TypeError) as exc:
        raise TypeError(f"DataLoader: cannot make arrays of {what}: {exc}") from None
    for i, a in enumerate(arrays):
        if a.shape != arrays[0].shape:
            raise ValueError(f"DataLoader: {what} must have one shape to be stacked, but "
                             f"dataset[{rows[0]}] gives {arrays[0].shape} and dataset[{rows[i]}]"
                             f" gives {a.shape}")
    return Tensor(as_array(np.stack(arrays), copy=False, where=f"DataLoader: {what}"))


def _field(values: list[Any], what: str, rows: Any) -> Tensor | list[Tensor]:
    """One field of a batch: stacked as one Tensor, or, for a field that is itself a tuple or
    list of arrays/numbers, a list of Tensors, position p stacked from every sample's
    position p (PyTorch's default collate transposes these too)."""
    first = values[0]
    if isinstance(first, dict):
        raise TypeError(f"DataLoader: {what} of dataset[{rows[0]}] is a dict; fields must be "
                        "arrays, numbers, Tensors or tuples of them (or pass collate_fn)")
    if not isinstance(first, (tuple, list)):
        return _stack(values, what, rows)
    m = len(first)
    for i, v in enumerate(values):
        if not isinstance(v, (tuple, list)) or len(v) != m:
            raise ValueError(f"DataLoader: {what} of dataset[{rows[i]}] is {v!r:.60}, but of "
                             f"dataset[{rows[0]}] a {type(first).__name__} of {m} values; "
                             "every sample needs the same structure")
        for p, value in enumerate(v):
            if isinstance(value, (tuple, list, dict)):
                raise TypeError(f"DataLoader: {what} of dataset[{rows[i]}] holds a "
                                f"{type(value).__name__} at position {p}; sequences nested "
                                "two deep are not collated: make them arrays (np.asarray) or "
                                "pass collate_fn")
    return [_stack([v[p] for v in values], f"{what}[{p}]", rows) for p in range(m)]


def _collate(samples: list[Any], rows: Any) -> Any:
    """PyTorch's default collate for samples that are tuples/lists (a tuple: field k stacked
    from every sample's field k, a tuple/list field giving a list of Tensors) or single
    arrays/numbers/Tensors (one Tensor)."""
    first = samples[0]
    if isinstance(first, dict):
        raise TypeError(f"DataLoader: dataset[{rows[0]}] is a dict; samples must be arrays, "
                        "numbers, Tensors or tuples of them (or pass collate_fn)")
    if not isinstance(first, (tuple, list)):
        return _stack(samples, "the samples", rows)
    k = len(first)
    for i, s in enumerate(samples):
        if not isinstance(s, (tuple, list)) or len(s) != k or k == 0:
            what = f"a {type(s).__name__}" + (
                f" of {len(s)} fields" if isinstance(s, (tuple, list)) else "")
            raise ValueError(f"DataLoader: dataset[{rows[i]}] is {what}, but dataset[{rows[0]}] "
                             f"is a {type(first).__name__} of {k} fields; every sample must "
                             "have the same non-zero number of fields")
    return tuple(_field([s[j] for s in samples], f"field {j} of the samples", rows)
                 for j in range(k))


def _sample_list(X: Any, y: Any) -> bool:
    """Whether DataLoader's first argument is a list (or tuple) of samples, as PyTorch reads
    every list: without ``y``, holding tuples or lists (``list(zip(X, y))``). A list of lists
    that also makes a numeric array (``[[1., 2.], [3., 4.]]``) is refused as ambiguous; a list
    of numbers or arrays stays the array X (batched as ``(x,)``)."""
    if (y is not None and type(y) is not int) or not isinstance(X, (list, tuple)) or not any(
            isinstance(s, (tuple, list)) for s in X):
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


def _worker_options(num_workers: Any, timeout: Any, prefetch_factor: Any,
                    persistent_workers: Any) -> tuple[int, float, int | None, bool]:
    """PyTorch's worker keywords, checked by PyTorch's rules (every batch loads in this
    process whatever ``num_workers`` says, so they change nothing else)."""
    where = "DataLoader"
    if isinstance(num_workers, (bool, np.bool_)) or not isinstance(num_workers,
                                                                   (int, np.integer)):
        raise TypeError(f"{where}: num_workers must be an int >= 0, got {num_workers!r:.60}")
    if num_workers < 0:
        raise ValueError(f"{where}: num_workers must be >= 0, got {num_workers} (batches load "
                         "in this process for any value; 0 is PyTorch's default)")
    timeout = _real(timeout, "timeout", where, minimum=0.0)
    if timeout > 0 and num_workers == 0:
        raise ValueError(f"{where}: timeout={timeout:g} needs num_workers > 0, as in PyTorch "
                         "(it bounds the wait for worker processes); leave it 0")
    if prefetch_factor is not None:
        if isinstance(prefetch_factor, (bool, np.bool_)) or not isinstance(
                prefetch_factor, (int, np.integer)):
            raise TypeError(f"{where}: prefetch_factor must be None or an int >= 1, got "
                            f"{prefetch_factor!r:.60}")
        if num_workers == 0:
            raise ValueError(f"{where}: prefetch_factor={prefetch_factor} needs num_workers > 0,"
                             " as in PyTorch; leave it None")
        if prefetch_factor < 1:
            raise ValueError(f"{where}: prefetch_factor must be >= 1, got {prefetch_factor}")
    persistent = _flag(persistent_workers, "persistent_workers", where)
    if persistent and num_workers == 0:
        raise ValueError(f"{where}: persistent_workers=True needs num_workers > 0, as in "
                         "PyTorch")
    prefetch = None if num_workers == 0 else 2 if prefetch_factor is None else int(
        prefetch_factor)
    return int(num_workers), timeout, prefetch, persistent


def _callable(fn: Any, name: str) -> Any:
    if fn is not None and not callable(fn):
        raise TypeError(f"DataLoader: {name} must be None or a callable, got {fn!r:.60}")
    return fn


class DataLoader:
    """Iterate over (X, y) in mini-batches of ``batch_size`` rows, as (Tensor, Tensor) pairs;
    without ``y`` (an autoencoder's inputs alone), as one-element tuples ``(x,)``, as PyTorch's
    ``DataLoader(TensorDataset(X))`` gives them.

    ``X`` and ``y`` are arrays (or Tensors, or nested lists) with the same first dimension; they
    are not copied, each batch is. With ``shuffle`` every epoch (every ``iter``) draws a new
    permutation from ``rng`` (``generator`` is PyTorch's name for it), or with ``rng=None`` from
    the default generator current when the epoch starts (as PyTorch's DataLoader does:
    ``manual_seed`` after building the loader fixes its order); ``drop_last`` skips a final
    short batch. ``len(loader)`` is the number of batches: ⌈n / batch_size⌉, or
    ⌊n / batch_size⌋ with ``drop_last``. dtypes are kept (float32 stays float32, integer labels
    stay integers).

    The first argument may instead be a dataset, as in PyTorch: ``DataLoader(dataset,
    batch_size=32)`` for any object with ``__len__`` and ``__getitem__`` that is not an array or
    Tensor (a TensorDataset, a Subset, a class of your own), or, without ``y``, a list or tuple
    whose elements are samples that are tuples or lists (``list(zip(X, y))``); it holds the
    targets, so ``y`` stays None. Its samples are batched by PyTorch's default collate: samples
    that are tuples (or lists) give a tuple of Tensors, field k stacked from every sample's field
    k (a ``(float32 array, int)`` sample gives a float32 and an int64 Tensor; a field that is
    itself a tuple or list gives a list of Tensors, one per position); samples that are single
    arrays or numbers give one Tensor. A TensorDataset, or a Subset of one, is batched by
    indexing its arrays, with the same batches. ``loader.dataset`` is the dataset (for arrays,
    a TensorDataset of them). A list of lists of numbers without ``y`` is refused as ambiguous
    (PyTorch gives a Tensor per column; write ``np.asarray(X)`` for the array); a list of
    numbers or arrays without ``y`` is the array X (batches ``(x,)``, where PyTorch's are bare
    Tensors).

    ``collate_fn``, as PyTorch's, is called on the list of a batch's samples (``dataset[i]``; for
    arrays X, y, tuples of NumPy rows) and its result is the batch. PyTorch's other keywords
    are accepted and checked as PyTorch checks them, and change nothing: every batch loads in
    this process, whatever ``num_workers``; ``pin_memory`` does nothing (there is no GPU);
    ``worker_init_fn`` is never called (there are no workers); ``timeout``, ``prefetch_factor``
    and ``persistent_workers=True`` need ``num_workers > 0``, as in PyTorch.
    """

    def __init__(self, X: Any, y: Any = None, batch_size: int | None = None,
                 shuffle: bool = False, drop_last: bool = False,
                 rng: np.random.Generator | None = None, *, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None,
                 pin_memory: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], Any] | None = None,
                 generator: np.random.Generator | None = None,
                 prefetch_factor: int | None = None, persistent_workers: bool = False) -> None:
        self.dataset: Any
        # a dataset, or arrays (also for repr); a list of samples with y=32 is a dataset, so
        # the error below says to give batch_size by keyword
        is_dataset = self._given = _sample_list(X, y) or _is_dataset(X)
        if is_dataset:
            if y is not None:
                size = y if type(y) is int else 32
                taken = f" (DataLoader(dataset, {y}) passes {y} as y)" if type(y) is int else ""
                raise TypeError(f"DataLoader: y must be None when the first argument is a "
                                f"dataset ({type(X).__name__}), which holds the targets itself"
                                f"{taken}; give batch_size by keyword: DataLoader(dataset, "
                                f"batch_size={size})")
            _dataset_len(X, "DataLoader")
            self.dataset = X
        if batch_size is None:
            hint = (f" (DataLoader(X, {y}) gives {y} as the targets y; for the inputs alone, "
                    f"DataLoader(X, batch_size={y}))") if type(y) is int else ""
            raise TypeError(f"DataLoader: batch_size is required{hint}")
        if not is_dataset:
            xs = X.data if isinstance(X, Tensor) else as_array(X, copy=False,
                                                               where="DataLoader: X")
            ys = None if y is None else y.data if isinstance(y, Tensor) else as_array(
                y, copy=False, where="DataLoader: y")
            if xs.ndim == 0 or (ys is not None and ys.ndim == 0):
                raise ValueError("DataLoader: X and y need a first (sample) dimension")
            if ys is not None and len(xs) != len(ys):
                raise ValueError(f"DataLoader: X has {len(xs)} samples but y has {len(ys)} "
                                 f"(shapes {xs.shape} and {ys.shape})")
            self.dataset = TensorDataset(xs) if ys is None else TensorDataset(xs, ys)
        self.batch_size = _count(batch_size, "batch_size", "DataLoader")
        self.shuffle = _flag(shuffle, "shuffle", "DataLoader")
        self.drop_last = _flag(drop_last, "drop_last", "DataLoader")
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
        self.rng: np.random.Generator | None = (
            None if rng is None else check_rng(rng, "DataLoader"))
        self.generator = self.rng
        self.num_workers, self.timeout, self.prefetch_factor, self.persistent_workers = (
            _worker_options(num_workers, timeout, prefetch_factor, persistent_workers))
        self.pin_memory = _flag(pin_memory, "pin_memory", "DataLoader")
        self.collate_fn: Callable[[list[Any]], Any] | None = _callable(collate_fn,
                                                                        "collate_fn")
        self.worker_init_fn: Callable[[int], Any] | None = _callable(worker_init_fn,
                                                                      "worker_init_fn")

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n, bs = len(self.dataset), self.batch_size
        order = check_rng(self.rng, "DataLoader").permutation(n) if self.shuffle else None
        stop = n - n % bs if self.drop_last else n
        fast = _tensor_rows(self.dataset) if self.collate_fn is None else None
        for start in range(0, stop, bs):
            if fast is not None:
                arrays, index = fast
                rows: Any = slice(start, start + bs) if order is None else order[start:start + bs]
                yield tuple(Tensor(a[rows if index is None else index[rows]]) for a in arrays)
            else:
                picked = (range(start, min(start + bs, n)) if order is None
                          else order[start:start + bs].tolist())
                samples = [self.dataset[i] for i in picked]
                yield (_collate(samples, picked) if self.collate_fn is None
                       else self.collate_fn(samples))

    def __repr__(self) -> str:
        n = len(self.dataset)
        what = f"{n} samples" if not self._given else (
            f"{type(self.dataset).__name__} of {n} samples")
        return (f"DataLoader({what}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")


def _labels(y01: np.ndarray, labels: str, where: str) -> np.ndarray:
    if not isinstance(labels, str):
        raise TypeError(f"{where}: labels must be 'pm1' or '01', got {labels!r:.60}")
    if labels == "pm1":
        return (2.0 * y01 - 1.0).astype(np.float64)
    if labels == "01":
        return y01.astype(np.int64)
    raise ValueError(f"{where}: labels must be 'pm1' or '01', got {labels!r}")


def two_gaussians(
    n_per_class: int = 100,
    rng: np.random.Generator | None = None,
    labels: str = "pm1",
    mean0: tuple[float, float] = (-1.0, -1.0),
    mean1: tuple[float, float] = (1.0, 1.0),
    cov: tuple[tuple[float, float], tuple[float, float]] = ((1.0, -0.5), (-0.5, 2.0)),
) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian classes in 2-D with different means and the same covariance (the setting in
    which LDA is optimal): ``n_per_class`` points of N(mean0, cov) then of N(mean1, cov).

    Returns (X, y): X float64 of shape (2n, 2); y the labels, float64 −1/+1 (``labels="pm1"``,
    for the logistic loss −Σ log σ(y (w·x + b))) or int64 0/1 (``labels="01"``).
    """
    where = "two_gaussians"
    n = _count(n_per_class, "n_per_class", where)
    gen = check_rng(rng, where)
    if not isinstance(labels, str) or labels not in ("pm1", "01"):
        raise ValueError(f"{where}: labels must be 'pm1' or '01', got {labels!r:.60}")
    c = _floats(cov, "cov", where)
    if c.shape != (2, 2) or not np.allclose(c, c.T):
        raise ValueError(f"{where}: cov must be a symmetric 2x2 matrix, got {cov!r}")
    try:
        chol = np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise ValueError(f"{where}: cov must be positive definite, got {cov!r}") from None
    m0, m1 = _floats(mean0, "mean0", where), _floats(mean1, "mean1", where)
    if m0.shape != (2,) or m1.shape != (2,):
        raise ValueError(f"{where}: mean0 and mean1 must be 2-vectors, got shapes "
                         f"{m0.shape} and {m1.shape}")
    means = np.stack([m0, m1])
    y01 = np.repeat([0, 1], n)
    with np.errstate(over="ignore", invalid="ignore"):
        X = means[y01] + gen.standard_normal((2 * n, 2)) @ chol.T
    _finite(X, where, "mean0, mean1 or cov")
    return X, _labels(y01, labels, where)


def moons(n_samples: int = 200, noise: float = 0.1,
          rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 on (cos t, sin t), class 1 on
    (1 − cos t, 1/2 − sin t), t ∈ [0, π], plus N(0, noise²) jitter.

    Returns X float64 (n_samples, 2) (class 0 first) and int64 labels 0/1.
    """
    where = "moons"
    n = _count(n_samples, "n_samples", where, minimum=2)
    noise = _real(noise, "noise", where, minimum=0.0)
    gen = check_rng(rng, where)
    n0 = n // 2
    n1 = n - n0
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    X = np.concatenate([
        np.stack([np.cos(t0), np.sin(t0)], axis=1),
        np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1),
    ])
    with np.errstate(over="ignore", invalid="ignore"):
        X += noise * gen.standard_normal(X.shape)
    _finite(X, where, "the noise values")
    return X, np.repeat(np.arange(2, dtype=np.int64), [n0, n1])


def spirals(n_per_class: int = 100, n_classes: int = 2, noise: float = 0.1, turns: float = 1.0,
            rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms: arm k has points r (cos θ, sin θ) with r from 0.05
    to 1 and θ = 2πk / K + 2π · turns · r + N(0, noise²).

    Returns X float64 (K · n_per_class, 2) (arm 0 first) and int64 labels 0..K−1.
    """
    where = "spirals"
    n = _count(n_per_class, "n_per_class", where)
    k = _count(n_classes, "n_classes", where, minimum=2)
    noise = _real(noise, "noise", where, minimum=0.0)
    turns = _real(turns, "turns", where)
    gen = check_rng(rng, where)
    r = np.tile(np.linspace(0.05, 1.0, n), k)
    y = np.repeat(np.arange(k, dtype=np.int64), n)
    with np.errstate(over="ignore", invalid="ignore"):
        theta = 2 * np.pi * y / k + 2 * np.pi * turns * r + noise * gen.standard_normal(k * n)
        X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return _finite(X, where, "noise or turns"), y


def digits(scale: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8×8 handwritten digits (no download): X float64 (1797, 64) with
    pixel values 0..16 (divided by 16 when ``scale``), y int64 labels 0..9.

    Needs scikit-learn: ``pip install scikit-learn``, or the ``demo`` extra.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("autograd_mini.data.digits() needs scikit-learn, which is not "
                          f"installed: {install_hint('demo', ['scikit-learn'])}") from None
    scale = _flag(scale, "scale", "digits")
    bunch = load_digits()
    X = np.asarray(bunch.data, dtype=np.float64)
    if scale:
        X = X / 16.0
    return X, np.asarray(bunch.target, dtype=np.int64)
