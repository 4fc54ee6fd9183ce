"""Specs of the differences, products and distances (diff, cross, kron, cdist, lerp,
nan_to_num), with NumPy references; the builders keep cdist's points distinct (no zero
distance, no zero coordinate difference). The samples are finite (the catalog's rule), so the
nan_to_num spec puts NaN and ±∞ in itself, where the constant ``holes`` says."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import elementwise as E
from ..ops import products as P
from ..tensor import Tensor
from .draw import Chooser, distinct, domain_values, draw_broadcastable, draw_shape
from .spec import OpSpec, spec

__all__ = ["SPECS"]


def _diff_ref(x: np.ndarray, n: int = 1, axis: int = -1, prepend: Any = None,
              append: Any = None) -> np.ndarray:
    ends = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    return np.diff(x, n=n, axis=axis, **ends)


def _diff_inputs(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    shape = draw_shape(ch, 1, 3, 1, 4)
    ends = (None, 0.5, -1.25)
    return [np.asarray(domain_values(ch.uniform(shape), "real"), dtype=dtype)], {
        "n": ch.integer(1, 3), "axis": ch.integer(-len(shape), len(shape) - 1),
        "prepend": ends[ch.integer(0, 2)], "append": ends[ch.integer(0, 2)]}


def _cross_inputs(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    """Two stacks of 3-vectors whose other axes broadcast; the vector axis anywhere (the same
    position from the end in both, as NumPy's axis= means)."""
    sa, sb = draw_broadcastable(ch, 2, 0, 2, 1, 3)
    at = ch.integer(0, min(len(sa), len(sb)))  # how many axes follow the vector axis
    sa, sb = ((*s[:len(s) - at], 3, *s[len(s) - at:]) for s in (sa, sb))
    arrays = [np.asarray(domain_values(ch.uniform(s), "real"), dtype=dtype) for s in (sa, sb)]
    return arrays, {"axis": -1 - at}


def _kron_inputs(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    shapes = (draw_shape(ch, 0, 3, 1, 3), draw_shape(ch, 0, 3, 1, 3))
    return [np.asarray(domain_values(ch.uniform(s), "real"), dtype=dtype) for s in shapes], {}


def _cdist_ref(x1: np.ndarray, x2: np.ndarray, p: float = 2.0) -> np.ndarray:
    d = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
    if p == 0:
        return np.sum(d != 0, axis=-1).astype(d.dtype)
    return np.sum(d**p, axis=-1) ** (1 / p)


def _cdist_inputs(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    """(…, P, M) and (…, R, M), every coordinate of either distinct from all others."""
    ba, bb = draw_broadcastable(ch, 2, 0, 2, 1, 2)
    m = ch.integer(1, 3)
    sa, sb = (*ba, ch.integer(1, 3), m), (*bb, ch.integer(1, 3), m)
    na = int(np.prod(sa))
    u = ch.uniform((na + int(np.prod(sb)),))
    v = distinct(u, ch.permutation(u.size))
    p = (2.0, 1.0, 3.0, 0.5, 0.0)[ch.integer(0, 4)]
    return [np.asarray(v[:na].reshape(sa), dtype=dtype),
            np.asarray(v[na:].reshape(sb), dtype=dtype)], {"p": p}


def _nan_to_num_inputs(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    """Values, ``holes`` (codes: 0 none, 1 NaN, 2 +∞, 3 −∞ to put in a value's place; codes,
    since NaN in an attribute would not compare equal to itself) and replacements for them that
    float32 holds."""
    shape = draw_shape(ch, 0, 3, 1, 3)
    x = domain_values(ch.uniform(shape), "real")
    pick = ch.uniform(shape)
    holes = np.where(pick > 0.7, 1, np.where(pick < -0.8, 2, np.where(pick < -0.6, 3, 0)))
    return [np.asarray(x, dtype=dtype)], {"holes": holes, "nan": 0.5, "posinf": 3.0,
                                          "neginf": -3.0}


def _holes(x: Any, holes: np.ndarray) -> Any:
    """x with NaN, +∞, −∞ where ``holes`` is 1, 2, 3 (a constant: x̄ = 0 there)."""
    values = np.array([0.0, np.nan, np.inf, -np.inf])[holes]
    if isinstance(x, Tensor):
        return E.where(holes > 0, values.astype(x.dtype), x)
    return np.where(holes > 0, values, x)


def _nan_to_num(x: Tensor, holes: np.ndarray, **attrs: Any) -> Tensor:
    return P.nan_to_num(_holes(x, holes), **attrs)


def _nan_to_num_ref(x: np.ndarray, holes: np.ndarray, **attrs: Any) -> np.ndarray:
    return np.nan_to_num(_holes(x, holes), **attrs)


SPECS: list[OpSpec] = [
    spec("diff", P.diff, _diff_ref, kind="custom", build=_diff_inputs, prims=("getitem", "sub")),
    spec("cross", P.cross, np.cross, kind="custom", build=_cross_inputs, nin=2,
         prims=("getitem", "mul", "sub")),
    spec("kron", P.kron, np.kron, kind="custom", build=_kron_inputs, nin=2,
         prims=("reshape", "mul")),
    spec("cdist", P.cdist, _cdist_ref, kind="custom", build=_cdist_inputs, nin=2,
         smooth=False),
    spec("lerp", P.lerp, lambda s, e, w: s + w * (e - s), nin=3, prims=("sub", "mul", "add")),
    spec("nan_to_num", _nan_to_num, _nan_to_num_ref, kind="custom", build=_nan_to_num_inputs,
         prims=("where",), smooth=False),
]
