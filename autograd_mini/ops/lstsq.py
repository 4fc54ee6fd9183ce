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
    as torch and NumPy; a negative rcond, NumPy's legacy −1, is ε, as LAPACK's); Ā, B̄ are
    pinv's and the product's, at constant rank (as torch's).

    ``a`` is (…, m, n); ``b`` (…, m, k), batch axes broadcasting, or vectors: (m,) as NumPy's,
    or of a's batch shape with m, as torch's. Also returned, as NumPy's: the squared residual
    norms Σ (A X − B)² per column where m > n and every matrix has rank n (else empty; torch's
    default driver gives them empty always), the rank (int) and A's singular values, all in
    one floating dtype. ``driver`` takes torch's names; all give this solution (torch's "gels"
    assumes full rank, where it is the same)."""
    a = as_tensor(a, b if isinstance(b, Tensor) else None, "linalg.lstsq")
    b = as_tensor(b, a, "linalg.lstsq")
    if driver not in DRIVERS:
        raise ValueError(f"linalg.lstsq: driver must be None, 'gels', 'gelsy', 'gelsd' or "
                         f"'gelss', got {driver!r:.60}")
    if rcond is not None:
        real_number(rcond, "linalg.lstsq", "rcond")
        if rcond != rcond:
            raise ValueError("linalg.lstsq: rcond must be a number, got nan")
    if a.ndim < 2 or b.ndim < 1:
        raise ValueError(f"linalg.lstsq: a must be (…, m, n) and b (…, m, k) or (…, m), got "
                         f"shapes {a.shape} and {b.shape}")
    # b is a (batch of) vector(s) when 1-d or of a's batch shape with m (torch's rule)
    vector = b.ndim == 1 or b.shape == a.shape[:-1]
    b2 = b[..., None] if vector else b
    if b2.shape[-2] != a.shape[-2]:
        raise ValueError(f"linalg.lstsq: a must be (…, m, n) and b (…, m, k) or (…, m) with the "
                         f"same m, got shapes {a.shape} and {b.shape}")
    try:
        np.broadcast_shapes(a.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise ValueError(f"linalg.lstsq: the batch axes of shapes {a.shape} and {b.shape} do "
                         "not broadcast") from None
    dt = np.result_type(a.dtype, b.dtype)
    if dt == np.float16:  # (NumPy's linalg refuses it too)
        raise TypeError(f"linalg.lstsq: array type float16 is unsupported in linalg (input "
                        f"shapes {a.shape} and {b.shape})")
    dt = dt if dt.kind == "f" else np.dtype(np.float64)
    a, b2 = a.astype(dt), b2.astype(dt)  # (one dtype for every field)
    if not np.isfinite(a.data).all():
        raise np.linalg.LinAlgError(f"linalg.lstsq: a holds NaN or inf, where the SVD does not "
                                    f"converge (shape {a.shape})")
    m, n = a.shape[-2:]
    eps = float(np.finfo(dt).eps)
    # rcond None: max(m, n)·ε; a negative one (NumPy's legacy −1) is ε, as LAPACK's
    cut = max(m, n) * eps if rcond is None else eps if rcond < 0 else float(rcond)
    x = pinv(a, rtol=cut) @ b2
    s = svdvals(a) if a.size else wrap(np.zeros((*a.shape[:-2], min(m, n)), dt))
    top = s.data.max(axis=-1, keepdims=True, initial=0)
    rank = wrap(np.asarray((s.data > cut * top).sum(axis=-1)))
    if m > n and bool(np.all(rank.data == n)):
        residuals = ((a @ x - b2) ** 2).sum(axis=-2)
    else:
        residuals = wrap(np.zeros(0, dt))
    return LstsqResult(x[..., 0] if vector else x, residuals, rank, s)
