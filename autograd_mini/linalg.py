"""Linear algebra, as ``torch.linalg`` (and ``numpy.linalg``): solving, determinants,
decompositions, norms and matrix functions of stacks of matrices (the last two axes), each
differentiable to second order (``matrix_rank``, an integer, has no gradient).

``np.linalg.<name>(t)`` on a Tensor calls the function of that name here, with NumPy's
readings where the two libraries differ (``qr(mode="r")`` gives R alone, a 2-d ``b`` of
``solve`` is a matrix, ``svd(compute_uv=False)`` gives S, ``matrix_rank``'s ``tol`` is absolute,
``cond`` is inf where torch's is 0/0, ``vector_norm``'s ``axis=()`` reduces nothing), and
NumPy 2's array-API names
(``np.linalg.cross``, ``outer``, ``tensordot``, ``vecdot``, ``trace`` and ``diagonal`` of the
last two axes, ``matrix_transpose``) the library's functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from .constants import as_tensor
from .ops import elementwise as E
from .ops.decomp import eigh, eigvalsh, pinv, qr, svd, svdvals
from .ops.einsum import diagonal, outer, tensordot, trace
from .ops.linalg import matmul
from .ops.lstsq import lstsq
from .ops.matfuncs import cond, matrix_exp, matrix_rank, multi_dot, vector_norm
from .ops.norm import matrix_norm, norm
from .ops.products import cross
from .ops.solve import (
    cholesky,
    det,
    inv,
    logdet,
    matrix_power,
    slogdet,
    solve,
    solve_triangular,
)
from .tensor import FUNCTIONS, Tensor

__all__ = [
    "cholesky", "cond", "det", "eigh", "eigvalsh", "inv", "logdet", "lstsq", "matmul",
    "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv",
    "qr", "slogdet", "solve", "solve_triangular", "svd", "svdvals", "vector_norm",
]
#: Public functions with integer results: no gradient, so no catalog spec (docs/ops.md says
#: "none" for them)
NOT_DIFFERENTIABLE: tuple[str, ...] = ("matrix_rank",)


def _numpy_qr(a: Any, mode: str = "reduced") -> Any:
    """np.linalg.qr: mode='r' gives R alone (torch's linalg.qr gives an empty Q beside it)."""
    out = qr(a, mode)
    return out.R if mode == "r" else out


def _numpy_solve(a: Any, b: Any) -> Tensor:
    """np.linalg.solve: b is a vector only when 1-d (NumPy 2's rule; torch's also reads a b of
    a's batch shape as a batch of vectors)."""
    b = b if isinstance(b, Tensor) else np.asarray(b)
    if b.ndim > 1 and b.shape == np.shape(a)[:-1]:
        return solve(a, b[None])  # (a leading 1 makes it a matrix; it broadcasts away)
    return solve(a, b)


def _numpy_svd(a: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """np.linalg.svd: compute_uv=False gives S alone (``svdvals``)."""
    return svd(a, full_matrices) if compute_uv else svdvals(a)


def _numpy_trace(x: Any, *, offset: int = 0, dtype: Any = None) -> Tensor:
    """np.linalg.trace: over the last two axes (the array API's; np.trace's are the first)."""
    if dtype is not None:
        raise TypeError("np.linalg.trace on a Tensor takes no dtype=: cast with .astype(dtype)")
    return trace(x, offset, -2, -1)


def _numpy_diagonal(x: Any, *, offset: int = 0) -> Tensor:
    """np.linalg.diagonal: of the last two axes (the array API's; np.diagonal's are the first)."""
    return diagonal(x, offset, -2, -1)


def _numpy_vecdot(x1: Any, x2: Any, *, axis: int = -1) -> Tensor:
    """np.linalg.vecdot: Σ x1 x2 along ``axis`` (real input)."""
    return (as_tensor(x1, x2 if isinstance(x2, Tensor) else None, "vecdot") * x2).sum(axis=axis)


def _numpy_matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *,
                       rtol: Any = None) -> Any:
    """np.linalg.matrix_rank: ``tol`` absolute (σ > tol), else σ > rtol·σ₁ (rtol max(m, n)·ε
    by default); a 1-d A has rank 1 unless it is all 0."""
    if tol is not None and rtol is not None:
        raise ValueError("np.linalg.matrix_rank: tol and rtol cannot both be set")
    a = as_tensor(A, where="linalg.matrix_rank")
    if a.ndim < 2:
        return Tensor(np.asarray(int(not np.all(a.data == 0)), np.int64))
    return matrix_rank(a, atol=tol, rtol=0.0 if tol is not None else rtol, hermitian=hermitian)


def _numpy_cond(x: Any, p: Any = None) -> Tensor:
    """np.linalg.cond: refused for empty matrices; inf where torch's is NaN (0/0) unless the
    matrix holds NaN."""
    t = as_tensor(x, where="linalg.cond")
    if t.ndim >= 2 and t.shape[-1] * t.shape[-2] == 0:
        raise np.linalg.LinAlgError(f"linalg.cond: not defined on empty matrices (shape "
                                    f"{t.shape}), as NumPy's")
    out = cond(t, p)
    nan = np.isnan(out.data) & ~np.isnan(t.data).any(axis=(-2, -1))
    return E.where(nan, np.asarray(np.inf, out.dtype), out) if nan.any() else out


def _numpy_vector_norm(x: Any, *, axis: Any = None, keepdims: bool = False,
                       ord: float = 2) -> Tensor:
    """np.linalg.vector_norm: ``axis=()`` reduces no axis (|x|; torch's dim=() is all axes)."""
    if isinstance(axis, tuple) and not axis:
        return vector_norm(as_tensor(x, where="linalg.vector_norm")[..., None], ord, -1)
    return vector_norm(x, ord, axis, keepdims)


# np.linalg.<name>(t) on a Tensor calls the function here (numpy_protocol reads this table)
FUNCTIONS.update({f"linalg.{name}": globals()[name] for name in __all__})
FUNCTIONS.update({"linalg.qr": _numpy_qr, "linalg.solve": _numpy_solve, "linalg.svd": _numpy_svd,
                  "linalg.matrix_rank": _numpy_matrix_rank, "linalg.cond": _numpy_cond,
                  "linalg.vector_norm": _numpy_vector_norm,
                  "linalg.trace": _numpy_trace, "linalg.diagonal": _numpy_diagonal,
                  "linalg.vecdot": _numpy_vecdot, "linalg.cross": cross, "linalg.outer": outer,
                  "linalg.tensordot": tensordot, "linalg.matrix_transpose": lambda x: x.mT})
