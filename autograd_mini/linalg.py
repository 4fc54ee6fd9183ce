"""Linear algebra, as ``torch.linalg`` (and ``numpy.linalg``): solving, determinants and
decompositions of stacks of matrices (the last two axes), each differentiable to second order.

``np.linalg.<name>(t)`` on a Tensor calls the function of that name here, with NumPy's
readings where the two libraries differ (``qr(mode="r")`` gives R alone, a 2-d ``b`` of
``solve`` is a matrix, ``svd(compute_uv=False)`` gives S)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops.decomp import eigh, eigvalsh, pinv, qr, svd, svdvals
from .ops.linalg import matmul
from .ops.lstsq import lstsq
from .ops.norm import matrix_norm, norm
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
    "cholesky", "det", "eigh", "eigvalsh", "inv", "logdet", "lstsq", "matmul", "matrix_norm",
    "matrix_power", "norm", "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd",
    "svdvals",
]


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


# np.linalg.<name>(t) on a Tensor calls the function here (numpy_protocol reads this table)
FUNCTIONS.update({f"linalg.{name}": globals()[name] for name in __all__})
FUNCTIONS.update({"linalg.qr": _numpy_qr, "linalg.solve": _numpy_solve, "linalg.svd": _numpy_svd})
