"""Specs of matrix decompositions (autograd_mini.linalg: eigh, svd, qr, ..., and lstsq, built
on pinv), with samplers that draw matrices whose eigenvalues or singular values are well apart
(and from 0).

Eigenvectors and singular vectors are unique only up to sign: the specs test what a user
differentiates without that freedom, the projectors v_k v_kᵀ and the rank-one terms u_k v_kᵀ."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from .. import linalg as L
from ..ops import einsum as ES
from ..ops import shape as S
from ..tensor import Tensor
from .draw import Chooser, draw_shape, within_bound
from .spec import OpSpec, spec

__all__ = ["SPECS"]

Drawn = tuple[list[np.ndarray], dict[str, Any]]


def _orthonormal(ch: Chooser, batch: tuple[int, ...], m: int, k: int) -> np.ndarray:
    """(..., m, k) with orthonormal columns: Householder QR's Q of a uniform draw (also of
    zeros: then the identity's columns)."""
    return np.linalg.qr(ch.uniform((*batch, m, k)))[0]


def _spread(ch: Chooser, batch: tuple[int, ...], k: int, signed: bool) -> np.ndarray:
    """k values per matrix with magnitudes 1..k, each jittered by ≤ 0.3: gaps ≥ 0.7, ≥ 1 from 0."""
    d = np.arange(1.0, k + 1) + 0.3 * ch.uniform((*batch, k))
    if signed:
        d = d * np.where(ch.uniform((*batch, k)) < 0, -1.0, 1.0)
    return d


def _symmetric(ch: Chooser, dtype: Any) -> np.ndarray:
    """Q diag(d) Qᵀ, eigenvalues d well apart and off 0, exactly symmetric."""
    batch, n = draw_shape(ch, 0, 2, 1, 3), ch.integer(1, 4)
    q = _orthonormal(ch, batch, n, n)
    a = q @ (_spread(ch, batch, n, signed=True)[..., :, None] * q.swapaxes(-1, -2))
    return np.asarray(within_bound((a + a.swapaxes(-1, -2)) / 2), dtype=dtype)


def _general(ch: Chooser, dtype: Any) -> np.ndarray:
    """U diag(s) Vᵀ of m×n (1 ≤ m, n ≤ 4), singular values s well apart and ≥ 0.7."""
    batch, m, n = draw_shape(ch, 0, 2, 1, 3), ch.integer(1, 4), ch.integer(1, 4)
    k = min(m, n)
    u, v = _orthonormal(ch, batch, m, k), _orthonormal(ch, batch, n, k)
    a = u @ (_spread(ch, batch, k, False)[..., :, None] * v.swapaxes(-1, -2))
    return np.asarray(within_bound(a), dtype=dtype)


def _one_triangle(ch: Chooser, dtype: Any) -> Drawn:
    """A symmetric matrix (``_symmetric``) whose triangle the op does not read (the upper for
    UPLO='L') is noise: the gradient there must be 0."""
    a = _symmetric(ch, dtype)
    uplo = "LU"[ch.integer(0, 1)]
    read = np.tri(a.shape[-1], dtype=bool)
    a = np.where(read if uplo == "L" else read.T, a, ch.uniform(a.shape))
    return [np.asarray(a, dtype=dtype)], {"UPLO": uplo}


def _flat(x: Any) -> Any:
    return x.reshape(*x.shape[:-3], -1)


# --------------------------------------------------------------------------- eigh, eigvalsh
def _eigh(a: Tensor, UPLO: str = "L") -> Tensor:
    w, v = L.eigh(a, UPLO=UPLO)
    return S.concatenate([w, _flat(ES.einsum("...ik,...jk->...kij", v, v))], axis=-1)


def _eigh_ref(a: np.ndarray, UPLO: Literal["L", "U"] = "L") -> np.ndarray:
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    proj = v.swapaxes(-1, -2)[..., :, :, None] * v.swapaxes(-1, -2)[..., :, None, :]
    return np.concatenate([w, _flat(proj)], axis=-1)




# --------------------------------------------------------------------------- svd, svdvals, qr
def _svd_build(ch: Chooser, dtype: Any) -> Drawn:
    a = _general(ch, dtype)
    square = a.shape[-1] == a.shape[-2]
    return [a], {"full_matrices": square and ch.integer(0, 1) == 1}


def _svd(a: Tensor, full_matrices: bool = False) -> Tensor:
    u, s, vh = L.svd(a, full_matrices=full_matrices)
    return S.concatenate([s, _flat(ES.einsum("...ik,...kj->...kij", u, vh))], axis=-1)


def _svd_ref(a: np.ndarray, full_matrices: bool = False) -> np.ndarray:
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    terms = u.swapaxes(-1, -2)[..., :, :, None] * vh[..., :, None, :]
    return np.concatenate([s, _flat(terms)], axis=-1)


def _qr_build(ch: Chooser, dtype: Any) -> Drawn:
    """Entries in [0.35, 0.85] plus max(m, n) on the main diagonal: the leading square block
    (R's for m ≥ n, X's for m < n) is diagonally dominant, so invertible, and no column is 0
    below the diagonal, where LAPACK's Householder QR flips the signs of Q's column and R's
    row (a jump, in NumPy and torch alike)."""
    batch, m, n = draw_shape(ch, 0, 2, 1, 3), ch.integer(1, 4), ch.integer(1, 4)
    a = within_bound(0.25 * ch.uniform((*batch, m, n)) + 0.6 + max(m, n) * np.eye(m, n))
    return [np.asarray(a, dtype=dtype)], {
        "mode": "complete" if m <= n and ch.integer(0, 1) else "reduced"}


def _qr(a: Tensor, mode: str = "reduced") -> Tensor:
    q, r = L.qr(a, mode=mode)
    return S.concatenate([q.reshape(*q.shape[:-2], -1), r.reshape(*r.shape[:-2], -1)], axis=-1)


def _qr_ref(a: np.ndarray, mode: Literal["reduced", "complete"] = "reduced") -> np.ndarray:
    q, r = np.linalg.qr(a, mode=mode)
    return np.concatenate([q.reshape(*q.shape[:-2], -1), r.reshape(*r.shape[:-2], -1)], axis=-1)


# --------------------------------------------------------------------------- pinv, matrix_norm
def _pinv_build(ch: Chooser, dtype: Any) -> Drawn:
    """A general matrix, or (hermitian=True) a symmetric one whose upper triangle, which
    pinv's eigh does not read, is noise."""
    if ch.integer(0, 1) == 0:
        return [_general(ch, dtype)], {"hermitian": False}
    a = _symmetric(ch, dtype)
    a = np.where(np.tri(a.shape[-1], dtype=bool), a, ch.uniform(a.shape))
    return [np.asarray(a, dtype=dtype)], {"hermitian": True}


def _lstsq_build(ch: Chooser, dtype: Any) -> Drawn:
    """A general (…, m, n) (singular values well apart from each other and 0) and b (m, k)."""
    a = _general(ch, dtype)
    b = ch.uniform((a.shape[-2], ch.integer(1, 3)))
    if b.shape == a.shape[:-1]:  # (torch's rule would read vectors: a leading 1 keeps a matrix)
        b = b[None]
    return [a, np.asarray(b, dtype=dtype)], {}


def _lstsq(a: Tensor, b: Tensor) -> Tensor:
    return L.lstsq(a, b).solution


_ORDS = ("fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf)


def _norm_build(ch: Chooser, dtype: Any) -> Drawn:
    """For 'nuc', ±2: U diag(s) Vᵀ. Else entries ±(0.2 + 0.5 i + 1.7 j + 0.05 |u|) (row i,
    column j), scaled into the sampling interval: away from |x|'s kink at 0, row sums and
    column sums all well apart. The two matrix axes are then moved to a drawn pair of
    positions."""
    order = _ORDS[ch.integer(0, len(_ORDS) - 1)]
    if order in ("nuc", 2, -2):
        a = _general(ch, np.float64)
    else:
        batch, m, n = draw_shape(ch, 0, 2, 1, 3), ch.integer(1, 4), ch.integer(1, 4)
        u = ch.uniform((*batch, m, n))
        size = 0.2 + 0.5 * np.arange(m)[:, None] + 1.7 * np.arange(n) + 0.05 * np.abs(u)
        a = within_bound(np.where(ch.uniform(u.shape) < 0, -size, size))
    nd = a.ndim
    rows, cols = ch.permutation(nd)[:2]
    a = np.moveaxis(a, (-2, -1), (rows, cols))
    axis = (rows - nd * ch.integer(0, 1), cols - nd * ch.integer(0, 1))
    return [np.asarray(a, dtype=dtype)], {"ord": order, "axis": axis,
                                          "keepdims": ch.integer(0, 1) == 1}


SPECS: list[OpSpec] = [
    spec("linalg.eigh", _eigh, _eigh_ref, kind="custom", prims=("linalg.eigh",),
         build=_one_triangle),
    spec("linalg.eigvalsh", L.eigvalsh, np.linalg.eigvalsh, kind="custom",
         prims=("linalg.eigvalsh",), build=_one_triangle),
    spec("linalg.svd", _svd, _svd_ref, kind="custom", prims=("linalg.svd",), build=_svd_build),
    spec("linalg.svdvals", L.svdvals, lambda a: np.linalg.svd(a, compute_uv=False),
         kind="custom", prims=("linalg.svdvals",),
         build=lambda ch, dtype: ([_general(ch, dtype)], {})),
    spec("linalg.qr", _qr, _qr_ref, kind="custom", prims=("linalg.qr",), build=_qr_build),
    spec("linalg.lstsq", _lstsq, lambda a, b: np.linalg.pinv(a) @ b, kind="custom", nin=2,
         prims=("linalg.pinv", "matmul"), build=_lstsq_build),
    spec("linalg.pinv", L.pinv, np.linalg.pinv, kind="custom", prims=("linalg.pinv",),
         build=_pinv_build),
    # (which primitives it records depends on the drawn ord: none is named)
    spec("linalg.matrix_norm", L.matrix_norm, lambda a, **kw: np.linalg.norm(a, **kw),
         kind="custom", prims=(), build=_norm_build),
]
