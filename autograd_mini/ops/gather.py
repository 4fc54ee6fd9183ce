"""Integer-array gathers and their gradients: a gather plan for ``x[idx]``-like indices along
adjacent axes, the gather itself (``np.take``), and ``scatter_rows``, the fast accumulation that
replaces ``np.add.at`` behind every gather's gradient (the routes and their measurements are in
its docstring)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import is_int

__all__ = ["Plan", "gather", "gather_plan", "scatter_axis", "scatter_rows"]


#: A gather along adjacent axes a … a+k−1 of x: (a, k, positions), the positions flat within
#: those axes (x.shape[a:a+k] taken as one axis of their product), non-negative and in range.
Plan = tuple[int, int, np.ndarray]


def scatter_rows(g: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
    """Zeros of shape (n, *g.shape[1:]) with each row g[k] added at row idx[k]: what
    ``np.add.at(z, idx, g)`` gives (idx 1-d, in [0, n)), to rounding, 3–8× faster."""
    # np.add.at walks its index through a generic per-element iterator. Measured (NumPy 2.4,
    # one core; 12,288 rows of 10 into 27 | 65,536 rows of 64 into 50,000), in ms:
    #   np.add.at 2.5 | 97, np.add.at on flat (row, column) positions 0.68 | 40;
    #   np.bincount per column 0.41 | 61, once on flat positions 0.51 | 37 (add.at's order);
    #   sorted, np.add.reduceat over each row's run 0.29 | 210 (it pays per run and column);
    #   sorted, runs summed rank by rank or run by run (_sorted_runs) 0.72 | 21 (per step).
    # So: one repeated row (the adjoint of a sum or mean) is a count; narrow rows hit many
    # times each take reduceat, other narrow rows bincount; wide rows the sorted runs.
    m, d = len(idx), math.prod(g.shape[1:])
    g2 = g.reshape(m, d)
    if m and g2.strides[0] == 0:
        counts = np.bincount(idx, minlength=n)
        if np.all(np.isfinite(g2[0])):
            out = counts[:, None] * g2[0]
        else:  # rows not hit are 0, not 0 · inf
            hit = counts > 0
            out = np.zeros((n, d), np.result_type(counts, g2))
            out[hit] = counts[hit, None] * g2[0]
    elif g.dtype.char not in "fd" or d >= 32:
        out = _sorted_runs(g2, idx, n)
    elif d >= 4 and m >= 32 * n:
        out = _long_runs(g2, idx, n)
    elif m >= n and d <= 10:  # columns contiguous first: bincount would copy each one
        gt, out = np.ascontiguousarray(g2.T, dtype=np.float64), np.empty((d, n))
        for j in range(d):
            out[j] = np.bincount(idx, gt[j], minlength=n)
        out = out.T
    else:
        flat = (idx * d)[:, None] + np.arange(d)
        out = np.bincount(flat.ravel(), g2.ravel(), minlength=n * d).reshape(n, d)
    out = out.astype(g.dtype, copy=False)
    shape = (n, *g.shape[1:])  # (a reshape to the same shape would be a view, which .grad copies)
    return out if out.shape == shape else out.reshape(shape)


def _order(idx: np.ndarray, n: int) -> np.ndarray:
    """A stable argsort of idx (in [0, n)): a radix sort on 8 or 16-bit keys where they fit."""
    keys = idx.astype(np.uint8) if n <= 256 else idx.astype(np.uint16) if n <= 65536 else idx
    return np.argsort(keys, kind="stable")


def _taker(g2: np.ndarray) -> Any:
    """Rows of g2 by index: np.take on a C-contiguous array, fancy indexing (faster) otherwise."""
    return (lambda at: np.take(g2, at, axis=0)) if g2.flags.c_contiguous else g2.__getitem__


def _long_runs(g2: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
    """scatter_rows of narrow rows hit many times each: sorted, then np.add.reduceat over each
    row's run (its pairwise sum: as exact as the sequential one, or more)."""
    counts = np.bincount(idx, minlength=n)
    rows = np.flatnonzero(counts)
    c = counts[rows]
    out = np.zeros((n, g2.shape[1]), g2.dtype)
    out[rows] = np.add.reduceat(_taker(g2)(_order(idx, n)), np.cumsum(c) - c, axis=0)
    return out


def _sorted_runs(g2: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
    """scatter_rows of wide rows: a stable sort of the indices makes each target row a run."""
    take = _taker(g2)
    counts = np.bincount(idx, minlength=n)
    order = _order(idx, n)
    rows = np.flatnonzero(counts)
    c = counts[rows]
    starts = np.cumsum(c) - c
    by = _order(c.max() - c, c.max() + 1) if len(c) else c  # runs by length, longest first
    cs, u = c[by], len(rows)
    h = int(np.argmin(np.arange(u + 1) + np.append(cs, 0)))  # fewest steps: h runs + cs[h] ranks
    sums = np.empty((u + 1, g2.shape[1]), g2.dtype)  # row u stays 0, for the rows not hit
    sums[u] = 0
    for j in range(h):
        s0 = starts[by[j]]
        np.add.reduce(take(order[s0:s0 + cs[j]]), axis=0, out=sums[j])
    if h < u:
        first, rest = starts[by[h:]], cs[h:]
        if g2.flags.c_contiguous:  # straight into place ("clip": no bounds check, no buffer)
            np.take(g2, order[first], axis=0, out=sums[h:u], mode="clip")
        else:
            sums[h:u] = take(order[first])
        for r in range(1, int(rest[0])):
            k = int(np.searchsorted(-rest, -r))  # rows hit more than r times
            sums[h:h + k] += take(order[first[:k] + r])
    where = np.full(n, u)
    where[rows[by]] = np.arange(u)
    return np.take(sums, where, axis=0)


def scatter_axis(g: np.ndarray, plan: Plan, shape: tuple[int, ...]) -> np.ndarray:
    """The adjoint of the gather ``plan`` into ``shape``: ``g`` summed back to the positions it
    was gathered from (repeats accumulate)."""
    a, k, lin = plan
    n = math.prod(shape[a:a + k])
    lead, rest = math.prod(shape[:a]), math.prod(shape[a + k:])
    if lead == 1:
        out = scatter_rows(g.reshape(lin.size, rest), lin.reshape(-1), n)
    else:  # the gathered axis first: each row of the scatter is one (lead, rest) slab
        gt = g.reshape(lead, lin.size, rest).transpose(1, 0, 2).reshape(lin.size, lead * rest)
        out = scatter_rows(gt, lin.reshape(-1), n).reshape(n, lead, rest).transpose(1, 0, 2)
    return out if out.shape == shape else out.reshape(shape)


def gather(x: np.ndarray, plan: Plan) -> np.ndarray:
    """``x`` gathered by ``plan``: np.take on a C-contiguous x (3× faster than the equivalent
    fancy index), fancy indexing otherwise (np.take is slower on strided data)."""
    a, k, lin = plan
    if k > 1:
        x = x.reshape((*x.shape[:a], math.prod(x.shape[a:a + k]), *x.shape[a + k:]))
    if x.flags.c_contiguous:  # ("clip": the plan's positions are checked already)
        return np.take(x, lin, axis=a, mode="clip")
    return x[(slice(None),) * a + (lin,)]



def gather_plan(items: tuple[Any, ...], shape: tuple[int, ...], name: str) -> Plan | None:
    """The gather that ``x[items]`` is when the items are full slices (or one Ellipsis) around
    adjacent integer arrays or ints, at least one an array; out-of-range indices raise. None for
    any other index."""
    if any(i is Ellipsis for i in items):
        at = [j for j, i in enumerate(items) if i is Ellipsis]
        fill = len(shape) - len(items) + 1
        if len(at) > 1 or fill < 0:
            return None
        items = (*items[:at[0]], *(slice(None),) * fill, *items[at[0] + 1:])
    picked = [j for j, i in enumerate(items) if not (isinstance(i, slice) and i == slice(None))]
    if not picked or len(items) > len(shape) or picked[-1] - picked[0] + 1 != len(picked):
        return None
    a, arrays = picked[0], [items[j] for j in picked]
    if all(is_int(i) for i in arrays) or not all(
            is_int(i) or (isinstance(i, np.ndarray) and i.dtype.kind in "iu") for i in arrays):
        return None
    dims = shape[a:a + len(arrays)]
    cols = []
    for ax, (i, n) in enumerate(zip(arrays, dims)):
        arr = np.asarray(i)
        if arr.size:
            lo, hi = int(arr.min()), int(arr.max())
            if lo < -n or hi >= n:
                raise IndexError(f"{name}: index {lo if lo < -n else hi} is out of bounds for "
                                 f"axis {a + ax} with size {n} (tensor shape {shape})")
            if lo < 0:
                arr = np.where(arr < 0, arr + n, arr)
        cols.append(arr.astype(np.intp))  # a copy: changing the caller's array changes no gradient
    if len(cols) == 1:
        return a, 1, cols[0]
    try:
        full = np.broadcast_arrays(*cols)
    except ValueError:
        return None  # NumPy's own check names the shapes
    lin = np.ravel_multi_index(full, dims) if full[0].size else np.zeros(full[0].shape, np.intp)
    return a, len(cols), lin
