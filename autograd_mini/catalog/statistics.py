"""Specs of the order statistics and NaN-skipping reductions (median, quantile, percentile,
nanmedian, nansum, nanmean), with NumPy's functions as references; the builders keep values
distinct (no ties, where the gradient jumps). The samples are finite (the catalog's rule), so
the nan* specs put NaN in themselves, at the positions of a constant mask ``nan_at``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..ops import elementwise as E
from ..ops import statistics as St
from ..tensor import Tensor
from .draw import Chooser, distinct, draw_axes, draw_shape
from .spec import OpSpec, spec

__all__ = ["SPECS"]


def _reduction(ch: Chooser, dtype: Any, nans: bool = False, all_nan: bool = True
               ) -> tuple[list[np.ndarray], dict[str, Any]]:
    """Distinct values in a 0–3-d tensor, an axis (None, an int or a tuple, not empty) and
    keepdims; with ``nans`` a mask ``nan_at`` of positions to be NaN, none filling a whole
    slice unless ``all_nan``."""
    shape = draw_shape(ch, 0, 3, 1, 3)
    axis = draw_axes(ch, len(shape))
    axis = None if axis == () else axis
    u = ch.uniform(shape)
    x = distinct(u, ch.permutation(u.size))
    attrs = {"axis": axis, "keepdims": bool(ch.integer(0, 1))}
    if nans:
        mask = ch.uniform(shape) > 0.4
        if not all_nan:
            mask &= ~np.all(mask, axis=axis, keepdims=True)
        attrs["nan_at"] = mask
    return [np.asarray(x, dtype=dtype)], attrs


def _quantile_inputs(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    arrays, attrs = _reduction(ch, dtype)
    k = ch.integer(0, 3)
    q = (ch.uniform((k,)) + 1) / 2 if k else float((ch.uniform(()) + 1) / 2)
    method = St.METHODS[ch.integer(0, len(St.METHODS) - 1)]
    return arrays, {**attrs, "q": q, "method": method}


def _percent(arrays: list[np.ndarray], attrs: dict[str, Any]
             ) -> tuple[list[np.ndarray], dict[str, Any]]:
    """quantile's inputs with q in percent."""
    return arrays, {**attrs, "q": np.asarray(attrs["q"]) * 100}


def _with_nan(fn: Any) -> Any:
    """``fn`` of x with NaN put where the mask ``nan_at`` holds (a constant: x̄ = 0 there)."""
    def call(x: Tensor, nan_at: np.ndarray, **attrs: Any) -> Tensor:
        return fn(E.where(nan_at, np.asarray(np.nan, x.dtype), x), **attrs)
    return call


def _nan_ref(fn: Any) -> Any:
    """NumPy's ``fn`` of x with NaN where ``nan_at`` holds, without NumPy's warning for an
    all-NaN slice (NaN is the answer)."""
    def ref(x: np.ndarray, nan_at: np.ndarray, **attrs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(np.where(nan_at, np.nan, x), **attrs)
    return ref


SPECS: list[OpSpec] = [
    spec("median", St.median, np.median, kind="custom", build=_reduction),
    spec("nanmedian", _with_nan(St.nanmedian), _nan_ref(np.nanmedian), kind="custom",
         prims=("median",), smooth=False,
         build=lambda ch, dtype: _reduction(ch, dtype, nans=True, all_nan=False)),
    spec("quantile", St.quantile, np.quantile, kind="custom", build=_quantile_inputs,
         prims=("reshape", "getitem"), smooth=False),
    spec("percentile", St.percentile, np.percentile, kind="custom", prims=("reshape", "getitem"),
         smooth=False, build=lambda ch, dtype: _percent(*_quantile_inputs(ch, dtype))),
    spec("nansum", _with_nan(St.nansum), _nan_ref(np.nansum), kind="custom", prims=("sum",),
         build=lambda ch, dtype: _reduction(ch, dtype, nans=True)),
    spec("nanmean", _with_nan(St.nanmean), _nan_ref(np.nanmean), kind="custom",
         prims=("sum", "mul"),
         build=lambda ch, dtype: _reduction(ch, dtype, nans=True, all_nan=False)),
]
