"""Triangular systems: ``linalg.solve_triangular`` by blocked substitution, which
``linalg.cholesky``'s gradient uses too.

NumPy has no triangular solver, and a general solve (LU) costs O(n³) even for one right-hand
side. Here the matrix is taken in diagonal blocks of ``BLOCK`` rows: each block of X is a small
solve with its diagonal block after subtracting what the blocks already solved contribute, so
the work is O(n² k) matrix products plus n/BLOCK small LU solves."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import flag
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import Tensor
from .decomp import matrices

__all__ = ["solve_triangular", "triangular_solve"]

#: rows per diagonal block (32 was quickest for n from 50 to 1000, one to n right-hand sides)
BLOCK = 32


def triangular_solve(t: np.ndarray, b: np.ndarray, lower: bool) -> np.ndarray:
    """X with T X = B, T a stack of lower (``lower``) or upper triangular matrices (the other
    triangle must be zero) with a nonzero diagonal, B (…, n, k); batch axes broadcast.
    Block i: Xᵢ = Tᵢᵢ⁻¹ (Bᵢ − Σ_{j<i} Tᵢⱼ Xⱼ)."""
    if not lower:  # J T J is lower for the reversal J: solve (J T J)(J X) = J B
        t, b = t[..., ::-1, ::-1], b[..., ::-1, :]
    n = t.shape[-1]
    x = np.empty((*np.broadcast_shapes(t.shape[:-2], b.shape[:-2]), n, b.shape[-1]),
                 np.result_type(t, b))
    for i in range(0, n, BLOCK):
        j = min(i + BLOCK, n)
        rhs = b[..., i:j, :] - t[..., i:j, :i] @ x[..., :i, :] if i else b[..., i:j, :]
        x[..., i:j, :] = _block_solve(t[..., i:j, i:j], rhs)
    return x if lower else x[..., ::-1, :]


def _block_solve(t: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.linalg.solve, except that a block holding NaN or inf (on which LAPACK may fail the
    whole stack) gives NaN, as elimination through it does, and the others are kept."""
    try:
        return np.linalg.solve(t, b)
    except np.linalg.LinAlgError:
        bad = ~np.isfinite(t).all(axis=(-2, -1))[..., None, None]
        eye = np.eye(t.shape[-1], dtype=t.dtype)
        return np.where(bad, np.nan, np.linalg.solve(np.where(bad, eye, t), b))


def _triangle(a: Any, lower: bool, unit: bool) -> Any:
    """The triangle of ``a`` that is read (an ndarray or a Tensor; ``unit``: without the
    diagonal)."""
    if lower:
        return np.tril(a, -1 if unit else 0)
    return np.triu(a, 1 if unit else 0)


def _forward(a: np.ndarray, b: np.ndarray, *, lower: bool, unit: bool) -> tuple[Any, Any]:
    """X = T⁻¹ B, T the triangle of A read (ones on the diagonal if ``unit``);
    B̄ = T⁻ᵀ Ḡ, Ā = −B̄ Xᵀ on the triangle read"""
    t = _triangle(a, lower, unit)
    diag = np.einsum("...ii->...i", t)
    if unit:
        diag[...] = 1  # (t is a new array: the diagonal view writes into it)
    elif not diag.all():
        at = tuple(int(i) for i in np.argwhere(~diag.all(axis=-1))[0])
        where = f" at batch position {at}" if at else ""
        raise np.linalg.LinAlgError(f"linalg.solve_triangular: the matrix{where} is singular: a "
                                    f"zero on its diagonal (input shape {a.shape})")
    x = triangular_solve(t, b, lower)
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
    n = a.shape[-1]
    if b.ndim < 2 or b.shape[-2 if left else -1] != n:
        side = "(…, n, k)" if left else "(…, k, n)"
        raise ValueError(f"{name}: the right-hand side of shape {b.shape} does not fit the "
                         f"matrix of shape {a.shape}: expected {side} with n = {n}"
                         + ("" if left else " (left=False solves X T = B)"))
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"{name}: the batch axes {a.shape[:-2]} and {b.shape[:-2]} of shapes "
                         f"{a.shape} and {b.shape} do not broadcast") from None
    if left:
        return _SOLVE(a, b, lower=not upper, unit=unit)
    # X T = B  ⇔  Tᵀ Xᵀ = Bᵀ, and Tᵀ is the other triangle of Aᵀ
    return _SOLVE(a.swapaxes(-1, -2), b.swapaxes(-1, -2), lower=upper, unit=unit
                  ).swapaxes(-1, -2)
