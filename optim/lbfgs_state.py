"""LBFGS's state as a checkpoint holds it: its flat vectors over all parameters cut into one
array per parameter (so ``optim.save`` stores them as it stores any optimiser's), and joined
back from that layout or from ``torch.optim.LBFGS``'s (flat vectors and lists)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .optimizer import saved_index, to_python

__all__ = ["HISTORY", "NUMBERS", "VECTORS", "pack", "unpack"]

#: the state's numbers and its vectors over all parameters (flattened and concatenated)
NUMBERS = ("func_evals", "n_iter", "t", "H_diag", "prev_loss")
VECTORS = ("d", "prev_flat_grad")
HISTORY = ("old_dirs", "old_stps")


def pack(st: Mapping[str, Any], shapes: list[tuple[int, ...]]) -> dict[int, dict[str, Any]]:
    """The saved state: the numbers and ``ro.<k>`` on parameter 0, and each flat vector (``d``,
    ``prev_flat_grad``, ``old_dirs.<k>``, ``old_stps.<k>``) cut into one array per parameter
    of these shapes."""
    entries: list[dict[str, Any]] = [{} for _ in shapes]
    entries[0].update({k: st[k] for k in NUMBERS if k in st})
    vectors = {k: st[k] for k in VECTORS if st.get(k) is not None}
    for name in HISTORY:
        vectors.update({f"{name}.{k}": v for k, v in enumerate(st.get(name, []))})
    entries[0].update({f"ro.{k}": float(r) for k, r in enumerate(st.get("ro", []))})
    start = 0
    for shape, entry in zip(shapes, entries, strict=True):
        size = int(np.prod(shape))
        for name, vec in vectors.items():
            entry[name] = vec[start:start + size].reshape(shape).copy()
        start += size
    return {i: e for i, e in enumerate(entries) if e}


def unpack(saved: Mapping[Any, Mapping[str, Any]], indices: list[int] | None,
           params: list[np.ndarray], history_size: int) -> dict[str, Any]:
    """The runtime state from a saved one (either layout) for the parameters' arrays
    ``params``, or ValueError naming each fault."""
    where = {i: k for k, i in enumerate(indices or [])}
    problems: list[str] = []
    by_pos: dict[int, dict[str, Any]] = {}
    for key, entry in saved.items():
        index = saved_index(key)
        if index is None or index not in where:
            problems.append(f"state for parameter index {key!r:.20}, which no group holds")
        else:
            by_pos[where[index]] = dict(entry)
    first = by_pos.get(0, {})
    st: dict[str, Any] = {}
    for name in NUMBERS if "d" in first else NUMBERS[:2] if by_pos else ():
        st[name] = _saved_number(first.get(name), count=name in NUMBERS[:2])
        if st[name] is None:
            problems.append(f"state {name!r} of parameter 0 must be " + (
                "a count (an int >= 0)" if name in NUMBERS[:2] else "a number") +
                f", got {first.get(name)!r:.40}")
    if "d" in first:
        dtype = np.result_type(*(p.dtype for p in params))
        size = sum(p.size for p in params)
        if any(n in first for n in (*HISTORY, "ro")):  # PyTorch's: flat vectors, lists
            shapes: list[tuple[int, ...]] = [(size,)]
            lists: dict[str, Any] = {n: first.get(n) for n in (*HISTORY, "ro")}
            for name, value in lists.items():
                if not isinstance(value, (list, tuple)):
                    problems.append(f"state {name!r} must be a list, got {value!r:.40}")
                    lists[name] = []
            parts = {n: [first.get(n)] for n in VECTORS}
            parts.update({f"{n}.{k}": [v] for n in HISTORY for k, v in enumerate(lists[n])})
            ro = list(lists["ro"])
        else:  # ours: a piece on every parameter, numbered history entries
            shapes = [p.shape for p in params]
            lists = {n: [k for k in first if k.startswith(n + ".")] for n in (*HISTORY, "ro")}
            parts = {n: [by_pos.get(k, {}).get(n) for k in range(len(params))]
                     for n in (*VECTORS, *(f"{n}.{k}" for n in HISTORY
                                           for k in range(len(lists[n]))))}
            ro = [first.get(f"ro.{k}") for k in range(len(lists["ro"]))]
        for name, part in parts.items():
            st[name] = _joined(part, shapes, dtype)
            if st[name] is None:
                problems.append(f"state {name!r} must hold the {size} parameter values as "
                                + ("one vector" if len(shapes) == 1 else "one array shaped "
                                   "like each parameter"))
        for name in HISTORY:
            st[name] = [st.pop(f"{name}.{k}") for k in range(len(lists[name]))]
        st["ro"] = [_saved_number(r, count=False) for r in ro]
        if len({len(v) for v in lists.values()}) != 1 or None in st["ro"]:
            problems.append("state 'old_dirs', 'old_stps' and 'ro' must be equally long, "
                            "'ro' of numbers")
        elif len(ro) > history_size:
            problems.append(f"state holds {len(ro)} pairs (s, y), more than "
                            f"history_size={history_size}")
    known = {*NUMBERS, *VECTORS, *HISTORY, "ro", "al"}  # (al: PyTorch's scratch, dropped)
    unknown = sorted({n for e in by_pos.values() for n in e if n.split(".")[0] not in known})
    if unknown:
        problems.append(f"unknown state {unknown} for LBFGS (known: {sorted(known)})")
    if problems:
        raise ValueError("cannot load optimizer state dict:\n  " + "\n  ".join(problems))
    return st


def _saved_number(value: Any, count: bool) -> float | None:
    """A saved number as a float (an int ≥ 0 when ``count``), or None if it is not one."""
    value = to_python(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if count and isinstance(value, float) and value.is_integer():
        value = int(value)
    return float(value) if not count else value if isinstance(value, int) and value >= 0 else None


def _joined(parts: list[Any], shapes: list[tuple[int, ...]], dtype: Any) -> np.ndarray | None:
    """Saved arrays of these shapes concatenated flat in ``dtype`` (None: one does not fit)."""
    try:
        arrays = [np.asarray(a) for a in parts]
    except (TypeError, ValueError):
        return None
    if any(a.dtype.kind not in "iuf" or a.shape != s for a, s in zip(arrays, shapes, strict=True)):
        return None
    return np.concatenate([a.ravel() for a in arrays]).astype(dtype)
