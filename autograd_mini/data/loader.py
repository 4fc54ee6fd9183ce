"""DataLoader: mini-batches of arrays, of a dataset or of a list of samples, by PyTorch's default
collate."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..checks import as_array
from ..ops.shape import stack
from ..random import check_rng
from ..tensor import Tensor
from .args import count_arg, flag_arg, real_arg
from .datasets import Subset, TensorDataset, dataset_len, is_dataset, rows_of

__all__ = ["DataLoader"]


def _tensor_rows(dataset: Any) -> tuple[tuple[Any, ...], np.ndarray | None] | None:
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
    if any(isinstance(v, Tensor) and v.requires_grad for v in values):
        return stack(values)  # recorded, so the samples' gradients flow back, as PyTorch's
    return Tensor(as_array(np.stack(arrays), copy=False, where=f"DataLoader: {what}"))


def _texts(values: list[Any]) -> bool:
    """Whether a batch's values are all strings (or all bytes): kept as a tuple of them."""
    return all(isinstance(v, str) for v in values) or all(isinstance(v, bytes) for v in values)


def _field(values: list[Any], what: str, rows: Any) -> Any:
    """One field of a batch: stacked as one Tensor; for a field that is itself a tuple or
    list of arrays/numbers, a list of Tensors, position p stacked from every sample's
    position p (PyTorch's default collate transposes these too); strings (or bytes) as a tuple
    of them, also at a position of such a field (PyTorch's keeps them too)."""
    first = values[0]
    if isinstance(first, dict):
        raise TypeError(f"DataLoader: {what} of dataset[{rows[0]}] is a dict; fields must be "
                        "arrays, numbers, strings, Tensors or tuples of them (or pass "
                        "collate_fn)")
    if _texts(values):  # names, captions: kept as they are
        return tuple(values)
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
    return [tuple(vs) if _texts(vs) else _stack(vs, f"{what}[{p}]", rows)
            for p, vs in enumerate([v[p] for v in values] for p in range(m))]


def _collate(samples: list[Any], rows: Any) -> Any:
    """PyTorch's default collate for samples that are tuples/lists (a tuple: field k stacked
    from every sample's field k, a tuple/list field giving a list of Tensors), dicts (a dict:
    each key's field stacked) or single arrays/numbers/Tensors (one Tensor)."""
    first = samples[0]
    if isinstance(first, dict):  # field by key, as PyTorch's (records: {"x": ..., "y": ...})
        for i, s in enumerate(samples):
            if not isinstance(s, dict) or s.keys() != first.keys():
                raise ValueError(f"DataLoader: dataset[{rows[i]}] is {s!r:.60}, but "
                                 f"dataset[{rows[0]}] a dict with keys {list(first)}; every "
                                 "sample needs the same keys")
        return {key: _field([s[key] for s in samples], f"field {key!r} of the samples", rows)
                for key in first}
    if not isinstance(first, (tuple, list)):
        return tuple(samples) if _texts(samples) else _stack(samples, "the samples", rows)
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
    timeout = real_arg(timeout, "timeout", where, minimum=0.0)
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
    persistent = flag_arg(persistent_workers, "persistent_workers", where)
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
        given = self._given = _sample_list(X, y) or is_dataset(X)
        if given:
            if y is not None:
                size = y if type(y) is int else 32
                taken = f" (DataLoader(dataset, {y}) passes {y} as y)" if type(y) is int else ""
                raise TypeError(f"DataLoader: y must be None when the first argument is a "
                                f"dataset ({type(X).__name__}), which holds the targets itself"
                                f"{taken}; give batch_size by keyword: DataLoader(dataset, "
                                f"batch_size={size})")
            dataset_len(X, "DataLoader")
            self.dataset = X
        if batch_size is None:
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
        self.batch_size = count_arg(batch_size, "batch_size", "DataLoader")
        self.shuffle = flag_arg(shuffle, "shuffle", "DataLoader")
        self.drop_last = flag_arg(drop_last, "drop_last", "DataLoader")
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
        self.pin_memory = flag_arg(pin_memory, "pin_memory", "DataLoader")
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
                picks = rows if index is None else index[rows]
                batch = [rows_of(a, picks) for a in arrays]  # (recorded: see rows_of)
                yield tuple(b if isinstance(b, Tensor) else Tensor(b) for b in batch)
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
