"""Specs of linear systems and determinants (autograd_mini.linalg: inv, solve, det, ...), with
samplers that draw well-conditioned matrices and references from numpy.linalg."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import linalg as L
from ..ops.elementwise import where
from ..ops.shape import stack
from ..tensor import Tensor
from .draw import Chooser, draw_broadcastable, draw_shape, within_bound
from .spec import OpSpec, spec

__all__ = ["SPECS"]

Inputs = tuple[list[np.ndarray], dict[str, Any]]


def _matrices(ch: Chooser, batch: tuple[int, ...], n: int) -> np.ndarray:
    """A stack of n × n matrices U + (n + 1) I, U uniform in [−1, 1], scaled into the sampling
    interval: strictly diagonally dominant, so well conditioned, and det > 0."""
    return within_bound(ch.uniform((*batch, n, n)) + (n + 1) * np.eye(n))


def _square_build(ch: Chooser, dtype: Any) -> Inputs:
    a = _matrices(ch, draw_shape(ch, 0, 2, 1, 3), ch.integer(1, 4))
    if ch.integer(0, 1):  # now and then a negative determinant (a row swapped)
        a = a[..., ::-1, :]
    return [np.asarray(a, dtype=dtype)], {}


def _positive_build(ch: Chooser, dtype: Any) -> Inputs:
    """M Mᵀ + I, M uniform, scaled into the sampling interval: symmetric positive definite; the
    other triangle (unread) is noise of its own."""
    batch, n = draw_shape(ch, 0, 2, 1, 3), ch.integer(1, 4)
    m = ch.uniform((*batch, n, n))
    a = within_bound(m @ m.swapaxes(-1, -2) + np.eye(n))
    a = np.where(np.tri(n, dtype=bool), a, ch.uniform((*batch, n, n)))
    return [np.asarray(a, dtype=dtype)], {"upper": False}


def _solve_build(ch: Chooser, dtype: Any) -> Inputs:
    """A well-conditioned stack and a right side: a vector, a batch of vectors, or matrices
    with broadcasting batch axes; left or right."""
    n, form = ch.integer(1, 4), ch.integer(0, 3)
    ba, bb = draw_broadcastable(ch, 2, 0, 2, 1, 3)
    a = _matrices(ch, ba, n)
    left = form != 3
    if form == 0:
        b = ch.uniform((n,))
    elif form == 1:
        b = ch.uniform((*ba, n))
    else:
        k = ch.integer(1, 3)
        b = ch.uniform((*bb, n, k) if left else (*bb, k, n))
        if not left and b.shape == a.shape[:-1]:  # (torch's rule would read vectors: refused)
            b = b[None]
    return [np.asarray(a, dtype=dtype), np.asarray(b, dtype=dtype)], {"left": left}


def _solve_ref(a: np.ndarray, b: np.ndarray, left: bool = True) -> np.ndarray:
    if b.ndim == 1 or b.shape == a.shape[:-1]:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b) if left else np.linalg.solve(
        a.swapaxes(-1, -2), b.swapaxes(-1, -2)).swapaxes(-1, -2)


def _triangular_build(ch: Chooser, dtype: Any) -> Inputs:
    n, left = ch.integer(1, 4), bool(ch.integer(0, 1))
    ba, bb = draw_broadcastable(ch, 2, 0, 2, 1, 3)
    k = ch.integer(1, 3)
    b = ch.uniform((*bb, n, k) if left else (*bb, k, n))
    return [np.asarray(_matrices(ch, ba, n), dtype=dtype), np.asarray(b, dtype=dtype)], {
        "upper": bool(ch.integer(0, 1)), "left": left, "unitriangular": bool(ch.integer(0, 1))}


def _triangular_ref(a: np.ndarray, b: np.ndarray, upper: bool, left: bool,
                    unitriangular: bool) -> np.ndarray:
    t = np.triu(a) if upper else np.tril(a)
    if unitriangular:
        i = np.arange(a.shape[-1])
        t[..., i, i] = 1
    return np.linalg.solve(t, b) if left else np.linalg.solve(
        t.swapaxes(-1, -2), b.swapaxes(-1, -2)).swapaxes(-1, -2)


def _slogdet(a: Tensor) -> Tensor:
    sign, logabs = L.slogdet(a)
    return stack([sign, logabs], axis=-1)


def _logdet_ref(a: np.ndarray) -> np.ndarray:
    sign, logabs = np.linalg.slogdet(a)
    return np.where(sign < 0, np.nan, logabs)


def _logdet(a: Tensor) -> Tensor:
    """logdet where det > 0, 0 where it is not (NaN, which gradcheck cannot compare)."""
    out = L.logdet(a)
    return where(np.isnan(out.data), 0.0, out)


def _cholesky_ref(a: np.ndarray, upper: bool = False) -> np.ndarray:
    return np.linalg.cholesky(np.tril(a) + np.tril(a, -1).swapaxes(-1, -2))


def _power_ref(a: np.ndarray, n: int) -> np.ndarray:
    return np.linalg.matrix_power(a, n)


_SQUARE: dict[str, Any] = {"kind": "custom", "build": _square_build}
SPECS: list[OpSpec] = [
    spec("linalg.inv", L.inv, np.linalg.inv, **_SQUARE),
    spec("linalg.det", L.det, np.linalg.det, **_SQUARE),
    spec("linalg.slogdet", _slogdet, lambda a: np.stack(np.linalg.slogdet(a), axis=-1),
         prims=("linalg.slogdet",), **_SQUARE),
    spec("linalg.logdet", _logdet, lambda a: np.nan_to_num(_logdet_ref(a), nan=0.0),
         prims=("linalg.slogdet", "where"), **_SQUARE),
    spec("linalg.solve", L.solve, _solve_ref, kind="custom", build=_solve_build, nin=2),
    spec("linalg.solve_triangular", L.solve_triangular, _triangular_ref, kind="custom",
         build=_triangular_build, nin=2),
    spec("linalg.cholesky", L.cholesky, _cholesky_ref, kind="custom", build=_positive_build),
    spec("linalg.matrix_power", L.matrix_power, _power_ref, kind="custom",
         build=lambda ch, dtype: ([np.asarray(_matrices(ch, draw_shape(ch, 0, 2, 1, 3),
                                                        ch.integer(1, 4)) / 3, dtype=dtype)],
                                  {"n": (-3, -2, 2, 3)[ch.integer(0, 3)]}),
         prims=("matmul",)),
]
