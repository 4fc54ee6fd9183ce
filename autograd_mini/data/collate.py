"""The collate functions of ``torch.utils.data``: ``default_collate`` (a list of samples made
one batch: fields stacked into Tensors) and ``default_convert`` (one sample's arrays made
Tensors, for a DataLoader that does not batch)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..checks import as_array
from ..ops.shape import stack
from ..tensor import Tensor

__all__ = ["collate_samples", "default_collate", "default_convert", "same_structure"]


def _stack(values: list[Any], what: str, rows: Any, where: str) -> Tensor:
    """One field of a batch of samples (arrays, numbers or Tensors), stacked as one Tensor."""
    try:
        arrays = [v.data if isinstance(v, Tensor) else np.asarray(v) for v in values]
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{where}: cannot make arrays of {what}: {exc}") from None
    for i, a in enumerate(arrays):
        if a.shape != arrays[0].shape:
            raise ValueError(f"{where}: {what} must have one shape to be stacked, but "
                             f"dataset[{rows[0]}] gives {arrays[0].shape} and dataset[{rows[i]}]"
                             f" gives {a.shape}")
    if any(isinstance(v, Tensor) and v.requires_grad for v in values):
        return stack(values)  # recorded, so the samples' gradients flow back, as PyTorch's
    return Tensor(as_array(np.stack(arrays), copy=False, where=f"{where}: {what}"))


def _texts(values: list[Any]) -> bool:
    """Whether a batch's values are all strings (or all bytes): kept as a tuple of them."""
    return all(isinstance(v, str) for v in values) or all(isinstance(v, bytes) for v in values)


def _field(values: list[Any], what: str, rows: Any, where: str) -> Any:
    """One field of a batch: stacked as one Tensor; for a field that is itself a tuple or
    list of arrays/numbers, a list of Tensors, position p stacked from every sample's
    position p (PyTorch's default collate transposes these too); strings (or bytes) as a tuple
    of them, also at a position of such a field (PyTorch's keeps them too)."""
    first = values[0]
    if isinstance(first, dict):
        raise TypeError(f"{where}: {what} of dataset[{rows[0]}] is a dict; fields must be "
                        "arrays, numbers, strings, Tensors or tuples of them (or pass "
                        "collate_fn)")
    if _texts(values):  # names, captions: kept as they are
        return tuple(values)
    if not isinstance(first, (tuple, list)):
        return _stack(values, what, rows, where)
    m = len(first)
    for i, v in enumerate(values):
        if not isinstance(v, (tuple, list)) or len(v) != m:
            raise ValueError(f"{where}: {what} of dataset[{rows[i]}] is {v!r:.60}, but of "
                             f"dataset[{rows[0]}] a {type(first).__name__} of {m} values; "
                             "every sample needs the same structure")
        for p, value in enumerate(v):
            if isinstance(value, (tuple, list, dict)):
                raise TypeError(f"{where}: {what} of dataset[{rows[i]}] holds a "
                                f"{type(value).__name__} at position {p}; sequences nested "
                                "two deep are not collated: make them arrays (np.asarray) or "
                                "pass collate_fn")
    return [tuple(vs) if _texts(vs) else _stack(vs, f"{what}[{p}]", rows, where)
            for p, vs in enumerate([v[p] for v in values] for p in range(m))]


def same_structure(samples: list[Any], rows: Any, where: str, singles: bool = False) -> None:
    """Refuse samples that cannot be batched together: dicts with other keys than the first
    sample's, tuples/lists of another (or no) length; with ``singles``, also a tuple, list or
    dict among single values (arrays, numbers)."""
    first = samples[0]
    for i, s in enumerate(samples):
        if isinstance(first, dict):
            if not isinstance(s, dict) or s.keys() != first.keys():
                raise ValueError(f"{where}: dataset[{rows[i]}] is {s!r:.60}, but "
                                 f"dataset[{rows[0]}] a dict with keys {list(first)}; every "
                                 "sample needs the same keys")
        elif isinstance(first, (tuple, list)):
            k = len(first)
            if not isinstance(s, (tuple, list)) or len(s) != k or k == 0:
                what = f"a {type(s).__name__}" + (
                    f" of {len(s)} fields" if isinstance(s, (tuple, list)) else "")
                raise ValueError(f"{where}: dataset[{rows[i]}] is {what}, but "
                                 f"dataset[{rows[0]}] is a {type(first).__name__} of {k} "
                                 "fields; every sample must have the same non-zero number of "
                                 "fields")
        elif singles and isinstance(s, (tuple, list, dict)):
            raise ValueError(f"{where}: dataset[{rows[i]}] is a {type(s).__name__}, but "
                             f"dataset[{rows[0]}] a single {type(first).__name__}; every sample "
                             "needs the same structure")


def collate_samples(samples: list[Any], rows: Any, where: str) -> Any:
    """PyTorch's default collate for samples that are tuples/lists (a tuple: field k stacked
    from every sample's field k, a tuple/list field giving a list of Tensors), dicts (a dict:
    each key's field stacked) or single arrays/numbers/Tensors (one Tensor)."""
    same_structure(samples, rows, where)
    first = samples[0]
    if isinstance(first, dict):  # field by key, as PyTorch's (records: {"x": ..., "y": ...})
        return {key: _field([s[key] for s in samples], f"field {key!r} of the samples", rows,
                            where) for key in first}
    if not isinstance(first, (tuple, list)):
        return tuple(samples) if _texts(samples) else _stack(samples, "the samples", rows, where)
    return tuple(_field([s[j] for s in samples], f"field {j} of the samples", rows, where)
                 for j in range(len(first)))


def default_collate(batch: list[Any]) -> Any:
    """PyTorch's ``default_collate``: a list of samples as one batch. Samples that are arrays,
    numbers or Tensors give one Tensor of shape (len(batch), *sample shape); tuples (or
    lists) give a tuple of such Tensors, field k from every sample's field k; dicts give a
    dict, key by key; strings stay strings (a tuple of them). dtypes are kept (Python floats
    give float64, ints int64). PyTorch gives a list for tuple samples; a tuple here, as the
    DataLoader's batches."""
    if isinstance(batch, (str, bytes)) or not isinstance(batch, (list, tuple)):
        raise TypeError(f"default_collate: batch must be a list of samples, got "
                        f"{type(batch).__name__}")
    if not batch:
        raise ValueError("default_collate: batch is empty (a batch needs at least one sample)")
    return collate_samples(list(batch), range(len(batch)), "default_collate")


def default_convert(data: Any) -> Any:
    """PyTorch's ``default_convert``: one sample with its NumPy arrays and NumPy scalars (of
    bool, integer or floating dtype) made Tensors, inside tuples, lists, named tuples and dicts
    too; Tensors, Python numbers, strings and everything else stay as they are (PyTorch makes
    a plain tuple a list; it stays a tuple here, as the DataLoader's batches)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)):  # (string and object arrays stay)
        arr = np.asarray(data)
        return Tensor(arr) if arr.dtype.kind in "biuf" else data
    if isinstance(data, Mapping):
        items = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(items)  # type: ignore[call-arg]
        except TypeError:  # a mapping type that cannot be made from a dict
            return items
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a named tuple: same type
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return type(data)(default_convert(d) for d in data) if type(data) in (
            tuple, list) else [default_convert(d) for d in data]
    return data
