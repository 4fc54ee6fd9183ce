"""Matrix products: matmul with NumPy's rules, and the affine layer x Wᵀ + b as one op (where a
network spends its time)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import broadcasts
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import FUNCTIONS, Tensor

__all__ = ["linear", "matmul"]

Grads = tuple[Any, ...]


def _matmul(a: Any, b: Any) -> tuple[Any, Any]:
    """a @ b (NumPy's rules);  ā = ḡ bᵀ, b̄ = aᵀ ḡ (batch axes summed by the engine)"""
    return np.matmul(a, b), (a, b, a.ndim, b.ndim)


def _matmul_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    a, b, nda, ndb = saved  # a is kept only when b wants a gradient, b only when a does
    if nda == 1 and ndb == 1:  # a dot product
        return (g * b if needs[0] else None), (g * a if needs[1] else None)
    # a vector operand is a row (1, k) on the left or a column (k, 1) on the right
    g2 = g.reshape(*g.shape[:-1], 1, g.shape[-1]) if nda == 1 else g
    g2 = g2.reshape(*g2.shape, 1) if ndb == 1 else g2
    ga = g2 @ (b.reshape(1, -1) if ndb == 1 else b.swapaxes(-1, -2)) if needs[0] else None
    gb = (a.reshape(-1, 1) if nda == 1 else a.swapaxes(-1, -2)) @ g2 if needs[1] else None
    if ndb == 1 and gb is not None:
        gb = gb.reshape(gb.shape[:-1])
    return ga, gb


_MATMUL = primitive("matmul", _matmul, _matmul_vjp, nin=2, cross=True)


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b with NumPy's rules: 1-d vectors, 2-d matrices, batched stacks that broadcast."""
    a = as_tensor(a, b if isinstance(b, Tensor) else None, "matmul")
    b = as_tensor(b, a, "matmul")
    sa, sb = a.shape, b.shape
    if not sa or not sb:
        raise ValueError(f"matmul: operands must be at least 1-d, got shapes {sa} and {sb}")
    kb = sb[-2] if len(sb) > 1 else sb[0]
    if sa[-1] != kb:
        raise ValueError(
            f"matmul: shapes {sa} and {sb} are not aligned: {sa[-1]} (last axis of the first) "
            f"!= {kb} (the second's {'second-to-last' if len(sb) > 1 else 'only'} axis)"
        )
    try:
        return _MATMUL(a, b)
    except ValueError:  # (asked only on failure: NumPy's message for batch axes is cryptic)
        if len(sa) > 2 and len(sb) > 2 and not broadcasts(sa[:-2], sb[:-2]):
            raise ValueError(f"matmul: the batch axes {sa[:-2]} and {sb[:-2]} of shapes {sa} "
                             f"and {sb} do not broadcast") from None
        raise



def _linear(x: Any, w: Any, b: Any = None) -> tuple[Any, Any]:
    """y = x Wᵀ + b (W shaped (out, in));  x̄ = ḡ W, W̄ = ḡᵀ x, b̄ = Σ_rows ḡ"""
    out = np.matmul(x, w.T)
    if b is not None:
        out += b  # a fresh array: adding in place saves an activation-sized temporary
    # W column-major (nn.Linear's layout: Wᵀ is then the row-major matrix BLAS multiplies
    # fastest) gets a column-major W̄ too, so that updates stay contiguous
    return out, (x, w, bool(w.flags.f_contiguous and not w.flags.c_contiguous))


def _linear_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    x, w, column_major = saved  # x is kept only when W wants a gradient, W only when x does
    g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
    gx = g @ w if needs[0] else None
    gw = None
    if needs[1]:
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        if column_major and type(x2) is np.ndarray:
            # W̄ = (xᵀ ḡ)ᵀ into a column-major array of its own (a transposed view would be
            # copied again when it becomes .grad)
            gw = np.empty((g2.shape[1], x2.shape[1]), np.result_type(g2, x2), order="F")
            np.matmul(x2.T, g2, out=gw.T)
        else:
            gw = g2.swapaxes(-1, -2) @ x2
    if len(needs) == 2:  # no bias
        return gx, gw
    return gx, gw, (g2.sum(axis=(0,)) if needs[2] else None)


_LINEAR = primitive("linear", _linear, _linear_vjp, nin=-1, cross=True)


def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """y = x Wᵀ + b for W of shape (out, in) (PyTorch's layout), x of shape (..., in).

    One op: x̄ = ḡ W, W̄ = ḡᵀ x (summed over leading axes), b̄ = Σ ḡ.
    """
    w = as_tensor(weight, where="linear")
    x = as_tensor(x, w, "linear")
    ws, xs = w.shape, x.shape
    if len(ws) != 2:
        raise ValueError(f"linear: weight must be 2-d (out, in), got shape {ws}")
    if not xs or xs[-1] != ws[1]:
        raise ValueError(f"linear: input of shape {xs} does not end in the weight's "
                         f"{ws[1]} input features (weight shape {ws})")
    if bias is None:
        return _LINEAR(x, w)
    b = as_tensor(bias, w, "linear")
    if b.shape != ws[:1]:
        raise ValueError(f"linear: bias of shape {b.shape} does not fit the weight's "
                         f"{ws[0]} outputs (weight shape {ws})")
    return _LINEAR(x, w, b)


FUNCTIONS.update(matmul=matmul, linear=linear)
