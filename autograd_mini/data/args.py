"""The argument checks of the data functions: counts, flags, real numbers, finite arrays,
DataLoader's worker keywords and the indices samplers give, each refused with an error naming
the function."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..checks import as_array
from ..tensor import Tensor

__all__ = ["CONTAINERS", "MAX_COUNT", "all_finite", "callable_arg", "count_arg", "flag_arg",
           "floats_arg", "index_array", "real_arg", "sampler_arg", "worker_options"]

MAX_COUNT = 2**40  #: more samples or batches than any dataset here could hold


def count_arg(value: Any, name: str, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{where}: {name} must be an int >= {minimum}, got {value!r:.60}")
    if value > MAX_COUNT:
        raise ValueError(f"{where}: {name}={value} is too large (at most {MAX_COUNT})")
    return int(value)


def all_finite(X: np.ndarray, where: str, what: str) -> np.ndarray:
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{where}: {what} are so large that some points are not finite")
    return X


def flag_arg(value: Any, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be a bool, got {value!r:.60}")
    return bool(value)


def real_arg(value: Any, name: str, where: str, minimum: float | None = None) -> float:
    """A finite real number (>= ``minimum`` when given)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{where}: {name} must be a real number, got {value!r:.60}")
    out = float(value)
    if not np.isfinite(out) or (minimum is not None and out < minimum):
        bound = "" if minimum is None else f" and >= {minimum:g}"
        raise ValueError(f"{where}: {name} must be finite{bound}, got {value!r}")
    return out


def floats_arg(value: Any, name: str, where: str) -> np.ndarray:
    """``value`` as a float64 array of finite numbers."""
    arr = np.asarray(as_array(value, copy=False, where=f"{where}: {name}"), dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where}: {name} must hold finite numbers, got {value!r:.80}")
    return arr


def worker_options(num_workers: Any, timeout: Any, prefetch_factor: Any,
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


def callable_arg(fn: Any, name: str) -> Any:
    """``fn``: None or a callable (DataLoader's collate_fn, worker_init_fn)."""
    if fn is not None and not callable(fn):
        raise TypeError(f"DataLoader: {name} must be None or a callable, got {fn!r:.60}")
    return fn


#: the containers a sampler or batch sampler may be given as, checked whole when given
CONTAINERS = (list, tuple, range, np.ndarray, set, frozenset, dict)


def sampler_arg(sampler: Any, name: str) -> Any:
    """DataLoader's ``sampler`` or ``batch_sampler``: an iterable (a Sampler, or a container
    of indices, or of lists of them); a Tensor as its array (its elements are then ints)."""
    if isinstance(sampler, Tensor):
        sampler = sampler.data
    if isinstance(sampler, (str, bytes)) or not isinstance(sampler, Iterable) or getattr(
            sampler, "ndim", 1) == 0:
        what = "lists of indices (a BatchSampler)" if name == "batch_sampler" else (
            "indices (a Sampler)")
        raise TypeError(f"DataLoader: {name} must be None or an iterable of {what}, got "
                        f"{type(sampler).__name__}")
    return sampler


def index_array(picks: Any, n: int, name: str) -> np.ndarray:
    """A batch of indices a sampler gave as an int64 array, each in [−n, n) (as the dataset's
    own indexing takes them); anything else is refused, naming ``name``."""
    if isinstance(picks, (str, bytes)) or not isinstance(picks, Iterable):
        arr = None
    else:
        try:
            arr = np.asarray(picks if isinstance(picks, np.ndarray) else [
                i.data if isinstance(i, Tensor) else i for i in picks])
        except (ValueError, TypeError):
            arr = None
    if arr is not None and arr.size == 0 and arr.ndim == 1:
        arr = arr.astype(np.int64)
    if arr is None or arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise TypeError(f"DataLoader: {name} gave {picks!r:.80}, not a batch of int indices")
    bad = arr[(arr < -n) | (arr >= n)]
    if bad.size:
        raise IndexError(f"DataLoader: {name} gave index {bad[0]}, out of range for a dataset "
                         f"of {n} samples")
    return arr.astype(np.int64, copy=False)
