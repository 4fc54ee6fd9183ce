"""Triangular systems: ``linalg.solve_triangular`` by blocked substitution, which
``linalg.cholesky``'s gradient uses too.

NumPy has no triangular solver, and a general solve (LU with row exchanges) costs O(n³) even
for one right-hand side, and is not substitution: on an ill-conditioned triangle its row
exchanges lose what substitution keeps. Here the matrix is taken in diagonal blocks of
``BLOCK`` rows: each block of X is solved by substitution after subtracting with one matrix
product what the blocks above contribute (LAPACK's trsm, in NumPy). The work is O(n² k). A
block whose elimination would exchange no rows is solved by ``np.linalg.solve`` (the same
substitution, in C); any other row by row in Python."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import flag
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import Tensor
from .decomp import matrices, right_side

__all__ = ["solve_triangular", "triangular_solve"]

#: rows per diagonal block: the rows below a block are updated by one matrix product
BLOCK = 32


def triangular_solve(t: np.ndarray, b: np.ndarray, lower: bool,
                     unit: bool = False) -> np.ndarray:
    """X with T X = B, T the lower (``lower``) or upper triangle of the stack ``t`` (the other
    triangle is not read; ``unit``: ones on the diagonal, which is not read either), B
    (…, n, k); batch axes broadcast. Block i: Xᵢ = Tᵢᵢ⁻¹ (Bᵢ − Σ_{j<i} Tᵢⱼ Xⱼ), Tᵢᵢ⁻¹ by
    substitution."""
    if not lower:  # J T J is lower for the reversal J: solve (J T J)(J X) = J B
        t, b = t[..., ::-1, ::-1], b[..., ::-1, :]
    n = t.shape[-1]
    x = np.empty((*np.broadcast_shapes(t.shape[:-2], b.shape[:-2]), n, b.shape[-1]),
                 np.result_type(t, b))
    for i in range(0, n, BLOCK):
        j = min(i + BLOCK, n)
        x[..., i:j, :] = b[..., i:j, :] - t[..., i:j, :i] @ x[..., :i, :] if i else \
            b[..., i:j, :]
        block, rhs = t[..., i:j, i:j], x[..., i:j, :]
        if _no_exchanges(block, unit) and np.isfinite(rhs).all():  # (then LU's elimination is
            x[..., i:j, :] = np.linalg.solve(_lower(block, unit), rhs)  # substitution, in C)
        else:
            _substitute(block, x[..., i:j, :], unit)
    return x if lower else x[..., ::-1, :]


def _no_exchanges(t: np.ndarray, unit: bool) -> bool:
    """Whether LU with partial pivoting exchanges no rows on the lower triangle of ``t``:
    every entry below the diagonal is at most its column's diagonal entry in size (for a
    lower triangle elimination leaves the columns to the right unchanged, so these are the
    pivots it compares), and all are finite (LU's back substitution would carry a NaN or an
    inf·0 up to rows that substitution leaves alone)."""
    d = np.ones((), t.dtype) if unit else np.abs(np.einsum("...ii->...i", t))[..., None, :]
    return bool((np.abs(np.tril(t, -1)) <= d).all()) and bool(np.isfinite(d).all())


def _lower(t: np.ndarray, unit: bool) -> np.ndarray:
    """The lower triangle of the block ``t`` as a matrix (ones on the diagonal if ``unit``)."""
    out = np.tril(t, -1 if unit else 0)
    if unit:
        np.einsum("...ii->...i", out)[...] = 1
    return out


def _substitute(t: np.ndarray, x: np.ndarray, unit: bool) -> None:
    """Solve T Y = X in place in ``x`` for the lower triangle of the block ``t``, row by row:
    yⱼ = xⱼ / tⱼⱼ, then xᵢ −= tᵢⱼ yⱼ below it (no row exchanges)."""
    for j in range(x.shape[-2]):
        if not unit:
            x[..., j, :] /= t[..., j, j, None]
        x[..., j + 1:, :] -= t[..., j + 1:, j, None] * x[..., j, None, :]


def _triangle(a: Any, lower: bool, unit: bool) -> Any:
    """The triangle of ``a`` that is read (an ndarray or a Tensor; ``unit``: without the
    diagonal)."""
    if lower:
        return np.tril(a, -1 if unit else 0)
    return np.triu(a, 1 if unit else 0)


def _forward(a: np.ndarray, b: np.ndarray, *, lower: bool, unit: bool) -> tuple[Any, Any]:
    """X = T⁻¹ B, T the triangle of A read (ones on the diagonal if ``unit``);
    B̄ = T⁻ᵀ Ḡ, Ā = −B̄ Xᵀ on the triangle read"""
    diag = np.einsum("...ii->...i", a)
    if not unit and not diag.all():
        at = tuple(int(i) for i in np.argwhere(~diag.all(axis=-1))[0])
        where = f" at batch position {at}" if at else ""
        raise np.linalg.LinAlgError(f"linalg.solve_triangular: the matrix{where} is singular: a "
                                    f"zero on its diagonal (input shape {a.shape})")
    x = triangular_solve(a, b, lower, unit)
    return x, (a, x)


def _vjp(g: Any, saved: Any, needs: Any, *, lower: bool, unit: bool) -> tuple[Any, Any]:
    a, x = saved
    if isinstance(a, Tensor):  # (recorded: Aᵀ's triangle read is the other one)
        gb = _SOLVE(a.swapaxes(-1, -2), g, lower=not lower, unit=unit)
    else:
        gb, _ = _forward(a.swapaxes(-1, -2), g, lower=not lower, unit=unit)
    ga = _triangle(-(gb @ x.swapaxes(-1, -2)), lower, unit) if needs[0] else None
    return ga, gb


_SOLVE = primitive("linalg.solve_triangular", _forward, _vjp, nin=2, floating=True)


def solve_triangular(a: Any, b: Any, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """X with T X = B (``left=False``: X T = B), T the upper (``upper=True``) or lower triangle
    of ``a``, with ones on the diagonal if ``unitriangular`` (the diagonal of ``a`` unread);
    ``b`` a stack of matrices, batch axes broadcast (torch's signature).

    Solved by blocked substitution, O(n² k); B̄ = T⁻ᵀ Ḡ, T̄ = −B̄ Xᵀ on the triangle read. A zero
    on the diagonal raises ``numpy.linalg.LinAlgError`` naming its batch position.
    """
    name = "linalg.solve_triangular"
    upper, left = flag(upper, name, "upper"), flag(left, name, "left")
    unit = flag(unitriangular, name, "unitriangular")
    a = matrices(a, name, True, b)
    b = as_tensor(b, a, name)
    right_side(a, b, left, name, "X T = B")
    if left:
        return _SOLVE(a, b, lower=not upper, unit=unit)
    # X T = B  ⇔  Tᵀ Xᵀ = Bᵀ, and Tᵀ is the other triangle of Aᵀ
    return _SOLVE(a.swapaxes(-1, -2), b.swapaxes(-1, -2), lower=upper, unit=unit
                  ).swapaxes(-1, -2)
