"""Specs of matrix functions and their neighbours in autograd_mini.linalg (matrix_exp,
vector_norm, multi_dot, cond), with samplers that keep off the norms' kinks and references
independent of the library (matrix_exp's a Taylor series in extended precision)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .. import linalg as L
from ..tensor import Tensor
from .draw import Chooser, draw_axes, draw_shape, within_bound
from .spec import OpSpec, spec

__all__ = ["SPECS"]

Drawn = tuple[list[np.ndarray], dict[str, Any]]


# --------------------------------------------------------------------------- matrix_exp
def _exp_build(ch: Chooser, dtype: Any) -> Drawn:
    """A stack of n × n matrices (n ≤ 4) of a drawn size: ‖A‖₁ from about 0.01 (the lowest
    Padé degree) to 8 (degree 13 after a squaring)."""
    batch, n = draw_shape(ch, 0, 2, 1, 3), ch.integer(1, 4)
    size = (0.01, 0.2, 0.8, 2.0)[ch.integer(0, 3)]
    return [np.asarray(within_bound(size * ch.uniform((*batch, n, n))), dtype=dtype)], {}


def _expm_ref(a: np.ndarray) -> np.ndarray:
    """e^A by its Taylor series (30 terms) on A/2ˢ with ‖A/2ˢ‖₁ ≤ 1/4, squared s times, in
    NumPy's extended precision."""
    x = a.astype(np.longdouble)
    top = float(np.abs(a).sum(axis=-2).max(initial=0.0))
    s = max(0, int(np.ceil(np.log2(top / 0.25)))) if top > 0 else 0
    x = x / np.longdouble(2.0) ** s
    term = np.broadcast_to(np.eye(a.shape[-1], dtype=np.longdouble), a.shape).copy()
    out = term.copy()
    for k in range(1, 30):
        term = term @ x / k
        out = out + term
    for _ in range(s):
        out = out @ out
    return out.astype(np.float64)


# --------------------------------------------------------------------------- vector_norm
_VECTOR_ORDS = (2, 1, 3, 0.5, -1, 0, np.inf, -np.inf)


def _vector_build(ch: Chooser, dtype: Any) -> Drawn:
    """Magnitudes 0.15 + h·k (k a permutation, h ≤ 1/4 so that they stay ≤ 1.9, jittered by
    ≤ h/100), random signs: all |x| well apart (no tie at ±inf) and away from 0 (|x|'s
    kink)."""
    shape = draw_shape(ch, 0, 3, 1, 3)
    u = ch.uniform(shape)
    k = np.asarray(ch.permutation(u.size), dtype=np.float64).reshape(shape)
    h = min(0.25, 1.7 / max(u.size - 1, 1))
    size = 0.15 + h * (k + 0.01 * u)
    x = np.where(ch.uniform(shape) < 0, -size, size)
    axis = draw_axes(ch, len(shape))
    return [np.asarray(x, dtype=dtype)], {"ord": _VECTOR_ORDS[ch.integer(0, 7)], "axis": axis,
                                          "keepdims": ch.integer(0, 1) == 1}


def _vector_ref(x: np.ndarray, ord: float = 2, axis: Any = None, keepdims: bool = False
                ) -> np.ndarray:
    """NumPy's, with torch's reading of axis=() (all axes)."""
    axis = None if axis == () else axis
    return np.asarray(np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord))


# --------------------------------------------------------------------------- multi_dot
def _chain_build(ch: Chooser, dtype: Any) -> Drawn:
    """2 to 5 factors of chained sides 1..4; the first may be a 1-d row, the last a 1-d
    column."""
    count = ch.integer(2, 5)
    sides = [ch.integer(1, 4) for _ in range(count + 1)]
    shapes: list[tuple[int, ...]] = [(sides[i], sides[i + 1]) for i in range(count)]
    if ch.integer(0, 1):
        shapes[0] = shapes[0][1:]
    if ch.integer(0, 1):
        shapes[-1] = shapes[-1][:1]
    return [np.asarray(ch.uniform(s), dtype=dtype) for s in shapes], {}


def _multi_dot(*ts: Tensor) -> Tensor:
    return L.multi_dot(list(ts))


def _multi_dot_ref(*arrays: np.ndarray) -> np.ndarray:
    out = arrays[0]
    for a in arrays[1:]:
        out = out @ a
    return np.asarray(out)


# --------------------------------------------------------------------------- cond
def _fits(b: np.ndarray, margin: float) -> bool:
    """Whether B and B⁻¹ both keep ``margin`` off the kinks of the 1- and inf-norms (entries
    off 0, column sums and row sums of |·| apart) and B's singular values apart."""
    for m in (b, np.linalg.inv(b)):
        if np.abs(m).min() < margin or np.abs(m).max() > 3:
            return False
        for sums in (np.abs(m).sum(axis=0), np.abs(m).sum(axis=1)):
            if len(sums) > 1 and np.diff(np.sort(sums)).min() < margin:
                return False
    s = np.linalg.svd(b, compute_uv=False)
    return len(s) == 1 or bool(np.diff(s).min() < -margin)


@functools.cache
def _kinkless(n: int) -> np.ndarray:
    """A fixed n × n matrix that ``_fits`` with margin 0.15 (the first of a seeded sequence)."""
    seed = 0
    while True:
        b = np.random.default_rng(seed).uniform(-1.0, 1.0, (n, n))
        if abs(np.linalg.det(b)) > 0.1 and _fits(b, 0.15):
            return b
        seed += 1


def _cond_build(ch: Chooser, dtype: Any) -> Drawn:
    """p None, ±2: an m × n matrix U diag(s) Vᵀ with s apart (1..k, jittered). Else a square
    stack from ``_kinkless``: rows and columns permuted and their signs flipped (which keeps
    B⁻¹'s entries and sums up to order), plus a jitter ≤ 0.003."""
    p = (None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf)[ch.integer(0, 8)]
    batch = draw_shape(ch, 0, 2, 1, 3)
    if p in (None, 2, -2):
        m, n = ch.integer(1, 4), ch.integer(1, 4)
        k = min(m, n)
        u = np.linalg.qr(ch.uniform((*batch, m, k)))[0]
        v = np.linalg.qr(ch.uniform((*batch, n, k)))[0]
        s = np.arange(k, 0, -1.0) + 0.3 * ch.uniform((*batch, k))
        a = u @ (s[..., :, None] * v.swapaxes(-1, -2))
    else:
        n = ch.integer(1, 4)
        b = _kinkless(n)[ch.permutation(n)][:, ch.permutation(n)]
        signs = np.where(ch.uniform((*batch, n, 2)) < 0, -1.0, 1.0)
        a = signs[..., :, :1] * b * signs[..., None, :, 1] + 0.003 * ch.uniform((*batch, n, n))
    return [np.asarray(within_bound(a), dtype=dtype)], {"p": p}


SPECS: list[OpSpec] = [
    spec("linalg.matrix_exp", L.matrix_exp, _expm_ref, kind="custom", build=_exp_build),
    spec("linalg.vector_norm", L.vector_norm, _vector_ref, kind="custom", prims=("norm",),
         build=_vector_build, domain=("nonzero",), smooth=False),
    spec("linalg.multi_dot", _multi_dot, _multi_dot_ref, kind="custom", prims=("matmul",),
         build=_chain_build, nin=-1),
    # (which primitives it records depends on the drawn p: none is named)
    spec("linalg.cond", L.cond, lambda a, p=None: np.linalg.cond(a, p), kind="custom",
         prims=(), build=_cond_build),
]
