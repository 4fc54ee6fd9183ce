"""Least squares: ``lstsq``, the X minimising ‖A X − B‖ over stacks of matrices, as
torch.linalg.lstsq and numpy.linalg.lstsq, built on ``pinv`` (so differentiable to any order)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..checks import real_number
from ..constants import as_tensor
from ..tensor import Tensor, wrap
from .decomp import pinv, svdvals

__all__ = ["lstsq"]

#: torch.linalg.lstsq's drivers: each gives the same (minimum-norm) solution here
DRIVERS = (None, "gels", "gelsy", "gelsd", "gelss")


class LstsqResult(NamedTuple):
    """lstsq's result, with torch's and NumPy's fields."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def lstsq(a: Any, b: Any, rcond: float | None = None, *, driver: str | None = None
          ) -> LstsqResult:
    """X = A⁺ B, the least-squares solution of A X ≈ B (the one of least norm where A is
    rank-deficient), with singular values ≤ rcond · s_max taken as 0 (rcond None: max(m, n)·ε,
    as torch and NumPy); Ā, B̄ are pinv's and the product's, at constant rank (as torch's).

    ``a`` is (…, m, n); ``b`` (…, m, k), batch axes broadcasting, or (m,) as NumPy's vector.
    Also returned, as NumPy's: the squared residual norms Σ (A X − B)² per column where m > n
    and every matrix has rank n (else empty; torch's default driver gives them empty always),
    the rank (int) and A's singular values. ``driver`` takes torch's names; all give this
    solution (torch's "gels" assumes full rank, where it is the same)."""
    a = as_tensor(a, b if isinstance(b, Tensor) else None, "linalg.lstsq")
    b = as_tensor(b, a, "linalg.lstsq")
    if driver not in DRIVERS:
        raise ValueError(f"linalg.lstsq: driver must be None, 'gels', 'gelsy', 'gelsd' or "
                         f"'gelss', got {driver!r:.60}")
    if rcond is not None:
        real_number(rcond, "linalg.lstsq", "rcond")
    if a.ndim < 2 or b.ndim < 1 or b.shape[-2 if b.ndim > 1 else 0] != a.shape[-2]:
        raise ValueError(f"linalg.lstsq: a must be (…, m, n) and b (…, m, k) or (m,) with the "
                         f"same m, got shapes {a.shape} and {b.shape}")
    vector = b.ndim == 1
    b2 = b[:, None] if vector else b
    try:
        np.broadcast_shapes(a.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise ValueError(f"linalg.lstsq: the batch axes of shapes {a.shape} and {b.shape} do "
                         "not broadcast") from None
    m, n = a.shape[-2:]
    p = pinv(a) if rcond is None else pinv(a, rtol=max(float(rcond), 0.0))
    x = p @ b2
    s = svdvals(a) if a.size else wrap(np.zeros((*a.shape[:-2], 0), x.dtype))
    cut = (max(m, n) * float(np.finfo(x.dtype).eps) if rcond is None else float(rcond))
    top = s.data.max(axis=-1, keepdims=True, initial=0)
    rank = wrap(np.asarray((s.data > cut * top).sum(axis=-1)))
    if m > n and bool(np.all(rank.data == n)):
        residuals = ((a @ x - b2) ** 2).sum(axis=-2)
    else:
        residuals = wrap(np.zeros(0, x.dtype))
    return LstsqResult(x[:, 0] if vector else x, residuals, rank, s)
