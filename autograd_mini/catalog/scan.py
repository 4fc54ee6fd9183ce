"""Specs of reductions, scans, sorting and norms, with their NumPy references and the input
builders that keep samples off ties (sorting, top-k, max-like norms)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import norm as norm_ops
from ..ops import scan
from .draw import Chooser, distinct, domain_values, draw_shape
from .spec import OpSpec, spec

__all__ = ["SPECS"]


# --------------------------------------------------------------------------- references
def _prefix(x: np.ndarray, axis: int | None, reduce: Any, fill: float) -> np.ndarray:
    """reduce(x_0 … x_k) for every k along ``axis`` (None: flattened), by an n × n mask."""
    x, axis = (x.reshape(-1), 0) if axis is None else (np.atleast_1d(x), axis)
    xt: Any = np.moveaxis(x, axis, -1)
    n = xt.shape[-1]
    upto = np.arange(n)[:, None] <= np.arange(n)  # [j ≤ k]
    return np.moveaxis(reduce(np.where(upto, xt[..., :, None], fill), axis=-2), -1, axis)


def _lcse_ref(x: np.ndarray, axis: int | None) -> np.ndarray:
    """log Σ_{j≤k} e^{x_j} directly: exact enough for samples in [−2, 2]."""
    return np.log(_prefix(np.exp(x), axis, np.sum, 0.0))


def _sort_ref(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    s = np.sort(x, axis=axis)
    return np.flip(s, axis) if descending else s


def _topk_ref(x: np.ndarray, k: int, axis: int, largest: bool) -> np.ndarray:
    return np.take(_sort_ref(x, axis, largest), np.arange(k), axis=axis)


def _topk_values(x: Any, k: int, axis: int, largest: bool) -> Any:
    return scan.topk(x, k, axis=axis, largest=largest)[0]


# --------------------------------------------------------------------------- builders
def _scan_build(ch: Chooser, dtype: Any, zeros: bool = False) -> tuple[list[np.ndarray], dict]:
    """A tensor of 0–3 dims and axis None or an int (negative too); with ``zeros``, some entries
    exactly 0 (a product is linear in each factor: central differences stay exact there)."""
    shape = draw_shape(ch, 0, 3, 1, 3)
    nd = max(len(shape), 1)
    axis = None if ch.integer(0, 2) == 0 else ch.integer(-nd, nd - 1)
    x = domain_values(ch.uniform(shape), "real")
    if zeros and ch.integer(0, 1):
        x = np.where(ch.uniform(shape) > 0.3, 0.0, x)
    return [np.asarray(x, dtype=dtype)], {"axis": axis}


def _topk_build(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict]:
    shape = draw_shape(ch, 1, 3, 1, 4)
    u = ch.uniform(shape)
    axis = ch.integer(-len(shape), len(shape) - 1)
    k = ch.integer(1, shape[axis])
    x = np.asarray(distinct(u, ch.permutation(u.size)), dtype=dtype)
    return [x], {"k": k, "axis": axis, "largest": bool(ch.integer(0, 1))}


_VECTOR_ORDS = (None, 2, 1, 3, 0.5, 1.5, -1.5, 0, np.inf, -np.inf)
_MATRIX_ORDS = (None, "fro", 1, -1, np.inf, -np.inf)


def _norm_build(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict]:
    """|x| in [0.15, 1.96], pairwise > 0.05 apart, random signs (no kink of |x|, no tie of a
    max); for the matrix norms ±1 (±∞) each column (row) takes its |x| from a band of its own,
    so that their sums of |x| are > 0.3 apart."""
    shape = draw_shape(ch, 1, 3, 1, 3)
    nd = len(shape)
    mag = 0.15 + (distinct(ch.uniform(shape), ch.permutation(math.prod(shape))) + 1.81) / 2
    axis: Any
    if nd >= 2 and ch.integer(0, 1):
        a, b = ch.permutation(nd)[:2]
        axis = None if nd == 2 and ch.integer(0, 2) == 0 else (a - nd * ch.integer(0, 1), b)
        ord_ = _MATRIX_ORDS[ch.integer(0, len(_MATRIX_ORDS) - 1)]
        if ord_ in (1, -1, np.inf, -np.inf):  # the max is over axis b for ±1, over a for ±∞
            rows, cols = (0, 1) if axis is None else (a, b)
            apart = cols if ord_ in (1, -1) else rows
            rank = np.asarray(ch.permutation(shape[apart]), dtype=np.float64)
            rank = rank.reshape([-1 if i == apart else 1 for i in range(nd)])
            mag = 0.15 + 1.8 / shape[apart] * (rank + 0.1 + 0.4 * np.abs(ch.uniform(shape)))
    else:
        ord_ = _VECTOR_ORDS[ch.integer(0, len(_VECTOR_ORDS) - 1)]
        axis = ch.integer(-nd, nd - 1) if nd > 1 or ch.integer(0, 1) else None
        axis = (axis,) if axis is not None and ch.integer(0, 3) == 0 else axis
        if axis is None and nd != 1:
            ord_ = None  # NumPy: an ord needs a vector or a matrix when axis is None
    sign = np.where(ch.uniform(shape) < 0, -1.0, 1.0)
    return [np.asarray(sign * mag, dtype=dtype)], {"ord": ord_, "axis": axis,
                                                   "keepdims": bool(ch.integer(0, 1))}


SPECS: list[OpSpec] = [
    spec("prod", scan.prod, np.prod, kind="reduce"),
    spec("cumsum", scan.cumsum, lambda x, axis: _prefix(x, axis, np.sum, 0.0),
         kind="custom", build=_scan_build),
    spec("cumprod", scan.cumprod, lambda x, axis: _prefix(x, axis, np.prod, 1.0), kind="custom",
         build=lambda ch, dtype: _scan_build(ch, dtype, zeros=True)),
    spec("logcumsumexp", scan.logcumsumexp, _lcse_ref, kind="custom", build=_scan_build),
    spec("sort", scan.sort, _sort_ref, kind="axis1", kink="ties",
         choices=(("descending", (False, True)),)),
    spec("topk", _topk_values, _topk_ref, kind="custom", build=_topk_build),
    spec("norm", norm_ops.norm, np.linalg.norm, kind="custom", build=_norm_build),
]
