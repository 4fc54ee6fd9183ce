"""Public differentiable functions: thin checked wrappers over primitives, plus composites."""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import ops as _ops  # noqa: F401  (registers every primitive)
from .engine import REGISTRY, apply
from .fastpath import apply_ufunc
from .functional_args import (
    _CONSTS,
    _CONSTS64,
    _F64,
    Axis,
    _axes,
    _count,
    _flag,
    _leaf,
    _one_axis,
    _pair,
    _real_number,
    _t,
)
from .functional_args import _const as _const
from .tensor import Tensor
from .tensor import as_array as as_array
from .tensor import wrap as wrap

__all__ = [
    "abs",
    "add",
    "astype",
    "broadcast_to",
    "clip",
    "concatenate",
    "div",
    "exp",
    "expand_dims",
    "flatten",
    "getitem",
    "leaky_relu",
    "linear",
    "log",
    "log1p",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "neg",
    "pow",
    "relu",
    "reshape",
    "scatter_add",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "softplus",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sum",
    "tanh",
    "transpose",
    "var",
    "where",
]

_P = REGISTRY


def _binary_function(name: str, doc: str) -> Callable[[Any, Any], Tensor]:
    """The public function for a broadcasting binary primitive.

    Written as one frame on the way to ``apply`` (``fastpath.apply_ufunc`` for ufunc ops), with
    the cached-constant lookup inline for the most common mixed call (``tensor ⊕ float``; a
    float64 constant is found by the number alone): per-op overhead is what small graphs pay.
    """
    prim = _P[name]
    consts, consts64, f64 = _CONSTS, _CONSTS64, _F64
    fast = prim.ufunc is not None and not prim.casts

    def function(a: Any, b: Any) -> Tensor:
        if type(b) is float and type(a) is Tensor:
            dt = a.data.dtype
            c = consts64.get(b) if dt is f64 else consts.get((b, dt))
            if c is not None:
                return apply_ufunc(prim, a, c) if fast else apply(prim, (a, c))
        if not isinstance(a, Tensor) or not isinstance(b, Tensor):
            a, b = _pair(a, b, name)
        return apply_ufunc(prim, a, b) if fast else apply(prim, (a, b))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


def _unary_function(name: str, doc: str, real: bool = True) -> Callable[[Any], Tensor]:
    """The public function for an elementwise unary primitive (one frame on the way to ``apply``,
    or to ``fastpath.apply_ufunc`` for ufunc ops).

    With ``real``, bool and integer inputs (constants) are computed in float64, as the math
    asks (NumPy alone would give float16 for bools, or fail on their negation).
    """
    prim = _P[name]
    fast = prim.ufunc is not None and not prim.casts

    def function(x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = _t(x, where=name)
        if real and x.data.dtype.kind != "f":
            x = _leaf(x.data.astype(np.float64))
        return apply_ufunc(prim, x) if fast else apply(prim, (x,))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


# --------------------------------------------------------------------------- arithmetic
add = _binary_function("add", "a + b (broadcasting).")
sub = _binary_function("sub", "a − b (broadcasting).")
mul = _binary_function("mul", "a · b elementwise (broadcasting).")
div = _binary_function("div", "a / b elementwise (broadcasting).")
pow = _binary_function("pow", "a^b elementwise; the exponent may be a constant or a tensor.")
maximum = _binary_function("maximum", "Elementwise max(a, b); ties split the gradient evenly.")
minimum = _binary_function("minimum", "Elementwise min(a, b); ties split the gradient evenly.")


def neg(x: Any) -> Tensor:
    """−x."""
    return apply(_P["neg"], (_t(x, where="neg"),))


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b with NumPy's rules: 1-d vectors, 2-d matrices, batched stacks that broadcast."""
    if not isinstance(a, Tensor):
        a = _t(a, b if isinstance(b, Tensor) else None, "matmul")
    if not isinstance(b, Tensor):
        b = _t(b, a, "matmul")
    sa, sb = a.data.shape, b.data.shape
    if not sa or not sb:
        raise ValueError(f"matmul: operands must be at least 1-d, got shapes {sa} and {sb}")
    kb = sb[-2] if len(sb) > 1 else sb[0]
    if sa[-1] != kb:
        raise ValueError(
            f"matmul: shapes {sa} and {sb} are not aligned: {sa[-1]} (last axis of the first) "
            f"!= {kb} (the second's {'second-to-last' if len(sb) > 1 else 'only'} axis)"
        )
    return apply(_P["matmul"], (a, b))


exp = _unary_function("exp", "e^x.")
log = _unary_function("log", "Natural logarithm log x (−inf at 0, NaN below, without warnings).")
log1p = _unary_function("log1p", "log(1 + x), accurate for small x.")
sqrt = _unary_function("sqrt", "√x.")
abs = _unary_function("abs", "|x|; its derivative at 0 is taken as 0.", real=False)
tanh = _unary_function("tanh", "tanh x.")
sigmoid = _unary_function(
    "sigmoid", "σ(x) = 1 / (1 + e^−x), stable for any x (σ(−1000) = 0, σ(1000) = 1)."
)
relu = _unary_function("relu", "max(x, 0); relu'(0) = 0.", real=False)
softplus = _unary_function(
    "softplus", "log(1 + e^x) = max(x, 0) + log1p(e^−|x|); softplus' = σ."
)
log_sigmoid = _unary_function(
    "log_sigmoid", "log σ(x) = min(x, 0) − log1p(e^−|x|); finite for every finite x."
)


def square(x: Any) -> Tensor:
    """x² (as x · x, so its graph is the product node)."""
    x = _t(x, where="square")
    return mul(x, x)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope · x otherwise."""
    x = _t(x, where="leaky_relu")
    _real_number(negative_slope, "leaky_relu", "negative_slope")
    return where(x.data > 0, x, mul(x, negative_slope))


# --------------------------------------------------------------------------- selections
def clip(x: Any, a_min: float | None = None, a_max: float | None = None) -> Tensor:
    """Clamp to [a_min, a_max]; the gradient passes where a_min ≤ x ≤ a_max."""
    if a_min is None and a_max is None:
        raise ValueError("clip: give at least one of a_min and a_max")
    for label, bound in (("a_min", a_min), ("a_max", a_max)):
        if bound is not None:
            _real_number(bound, "clip", label)
    if a_min is not None and a_max is not None and a_min > a_max:
        raise ValueError(f"clip: a_min={a_min} is greater than a_max={a_max}")
    return apply(_P["clip"], (_t(x, where="clip"),), {"lo": a_min, "hi": a_max})


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a`` where ``cond`` holds, else ``b``; ``cond`` is a constant boolean mask."""
    c = np.asarray(cond.data if isinstance(cond, Tensor) else cond)
    if c.dtype != bool:
        raise TypeError(f"where: condition must be boolean, got dtype {c.dtype}")
    if not isinstance(a, Tensor):
        a = _t(a, b if isinstance(b, Tensor) else None, "where")
    if not isinstance(b, Tensor):
        b = _t(b, a, "where")
    return apply(_P["where"], (a, b), {"cond": c})


# --------------------------------------------------------------------------- fused layers
def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """y = x Wᵀ + b for W of shape (out, in) (PyTorch's layout), x of shape (..., in).

    One fused node: x̄ = ḡ W, W̄ = ḡᵀ x (summed over leading axes), b̄ = Σ ḡ.
    """
    w = _t(weight, where="linear")
    x = _t(x, w, "linear")
    ws, xs = w.data.shape, x.data.shape
    if len(ws) != 2:
        raise ValueError(f"linear: weight must be 2-d (out, in), got shape {ws}")
    if not xs or xs[-1] != ws[1]:
        raise ValueError(f"linear: input of shape {xs} does not end in the weight's "
                         f"{ws[1]} input features (weight shape {ws})")
    if bias is None:
        return apply(_LINEAR, (x, w))
    b = _t(bias, w, "linear")
    if b.data.shape != ws[:1]:
        raise ValueError(f"linear: bias of shape {b.data.shape} does not fit the weight's "
                         f"{ws[0]} outputs (weight shape {ws})")
    return apply(_LINEAR, (x, w, b))


def _linear_checked(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``linear`` for tensors whose shapes the caller has checked already (``nn.Linear``)."""
    return apply(_LINEAR, (x, weight) if bias is None else (x, weight, bias))


_LINEAR = _P["linear"]


def softmax_cross_entropy(logits: Any, target: Any) -> Tensor:
    """Per-sample ℓ_n = logsumexp(x_n) − x_n[t_n] = −log softmax(x_n)[t_n] for logits (N, C)
    and integer classes t (N,); stable at any finite logits. x̄_n = ḡ_n (softmax(x_n) − e_{t_n}).
    """
    x = _t(logits, where="softmax_cross_entropy")
    try:
        t = np.asarray(target.data if isinstance(target, Tensor) else target)
    except (ValueError, TypeError):
        raise ValueError(
            f"softmax_cross_entropy: target must be integer classes of shape ({x.shape[0]},), "
            f"got {type(target).__name__} that is not a rectangular array"
        ) from None
    if x.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: logits must be 2-d (N, C), got {x.shape}")
    if t.dtype.kind not in "iu" or t.shape != (x.shape[0],):
        raise ValueError(
            f"softmax_cross_entropy: target must be integer classes of shape ({x.shape[0]},), "
            f"got dtype {t.dtype} and shape {t.shape}"
        )
    if t.size and (t.min() < 0 or t.max() >= x.shape[1]):
        raise ValueError(
            f"softmax_cross_entropy: classes must lie in [0, {x.shape[1]}), got values from "
            f"{t.min()} to {t.max()}"
        )
    return _softmax_cross_entropy_checked(x, t)


def _softmax_cross_entropy_checked(x: Tensor, t: np.ndarray, reduction: str = "none") -> Tensor:
    """``softmax_cross_entropy`` for logits and classes the caller has validated already,
    reduced in the same node ("none", "mean" or "sum")."""
    return apply(_P["softmax_cross_entropy"], (x,), {"target": t, "reduction": reduction})


# --------------------------------------------------------------------------- reductions
def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Σ over ``axis`` (None: all axes)."""
    x = _t(x, where="sum")
    axes = _axes(axis, x.ndim, "sum")
    return apply(_P["sum"], (x,), {"axis": axes, "keepdims": _flag(keepdims, "sum", "keepdims")})


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """(1/n) Σ over ``axis``; NaN for an empty reduction."""
    x = _t(x, where="mean")
    axes = _axes(axis, x.ndim, "mean")
    n = _count(x, axes)
    return mul(sum(x, axes, keepdims), 1.0 / n if n else math.nan)


def var(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Σ (x − mean)² / (n − ddof) over ``axis`` (NumPy's default ddof = 0)."""
    x = _t(x, where="var")
    axes = _axes(axis, x.ndim, "var")
    if not isinstance(ddof, (int, np.integer)) or isinstance(ddof, bool) or ddof < 0:
        raise TypeError(f"var: ddof must be a non-negative int, got {ddof!r}")
    d = sub(x, mean(x, axes, keepdims=True))
    n = _count(x, axes) - ddof
    return mul(sum(mul(d, d), axes, keepdims), 1.0 / n if n > 0 else math.nan)


def std(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """√var(x)."""
    return sqrt(var(x, axis, keepdims, ddof))


def _extreme(name: str, x: Any, axis: Axis, keepdims: bool) -> Tensor:
    x = _t(x, where=name)
    axes = _axes(axis, x.ndim, name)
    if x.data.size == 0 and (axes is None or builtins.any(x.shape[a] == 0 for a in axes)):
        raise ValueError(f"{name}: cannot reduce an empty tensor of shape {x.shape}")
    return apply(_P[name], (x,), {"axis": axes, "keepdims": _flag(keepdims, name, "keepdims")})


def max(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis``; tied maxima share the gradient evenly."""
    return _extreme("max", x, axis, keepdims)


def min(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis``; tied minima share the gradient evenly."""
    return _extreme("min", x, axis, keepdims)


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """log Σ e^x over ``axis``, computed as m + log Σ e^(x − m) with m the maximum."""
    x = _t(x, where="logsumexp")
    axes = _axes(axis, x.ndim, "logsumexp")
    keep = _flag(keepdims, "logsumexp", "keepdims")
    if x.data.dtype.kind != "f":
        x = _leaf(x.data.astype(np.float64))
    return apply(_P["logsumexp"], (x,), {"axis": axes, "keepdims": keep})


def softmax(x: Any, axis: int = -1) -> Tensor:
    """e^x / Σ e^x along ``axis``, shifted by the maximum so it never overflows."""
    x = _t(x, where="softmax")
    ax = _one_axis(axis, x.ndim, "softmax")
    if x.data.dtype.kind != "f":
        x = _leaf(x.data.astype(np.float64))
    return apply(_P["softmax"], (x,), {"axis": ax})


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x − logsumexp(x) along ``axis``; finite at any finite logits."""
    x = _t(x, where="log_softmax")
    ax = _one_axis(axis, x.ndim, "log_softmax")
    if x.data.dtype.kind != "f":
        x = _leaf(x.data.astype(np.float64))
    return apply(_P["log_softmax"], (x,), {"axis": ax})


from . import tensor as _tensor_module  # noqa: E402
from .shaping import (  # noqa: E402  (shaping imports helpers defined above)
    astype,
    broadcast_to,
    concatenate,
    expand_dims,
    flatten,
    getitem,
    reshape,
    scatter_add,
    squeeze,
    stack,
    transpose,
)

_tensor_module.F = __import__(__name__, fromlist=["_"])

# Tensor's arithmetic operators are these functions themselves (``a + b`` calls ``add(a, b)``):
# one Python frame less on every operator, which small graphs feel.
for _dunder, _function in (("__add__", add), ("__sub__", sub), ("__mul__", mul),
                           ("__truediv__", div), ("__pow__", pow), ("__matmul__", matmul)):
    setattr(Tensor, _dunder, _function)
