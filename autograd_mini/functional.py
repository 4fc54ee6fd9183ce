"""Every public differentiable function in one namespace: the op families' functions, and the
composites built from them here (mean, var, std, square, leaky_relu)."""

# ruff: noqa: F405  (the families' names come by star import, and __all__ lists them all)
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .checks import Axis, axes, count, flag, is_int, numpy_names, real_number
from .constants import as_tensor
from .ops import activation, mathfuncs, movement, scan
from .ops import einsum as einsum_ops  # the modules; their functions of the same name are
from .ops import norm as norm_ops  # imported below
from .ops.activation import *  # noqa: F403  (each family's __all__, listed below)
from .ops.einsum import *  # noqa: F403
from .ops.elementwise import (
    abs,
    add,
    clip,
    div,
    exp,
    log,
    log1p,
    log_sigmoid,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    softplus,
    sqrt,
    sub,
    tanh,
    where,
)
from .ops.linalg import linear, matmul
from .ops.mathfuncs import *  # noqa: F403
from .ops.movement import *  # noqa: F403
from .ops.norm import *  # noqa: F403
from .ops.products import *  # noqa: F403
from .ops.reduce import (
    broadcast_to,
    log_softmax,
    logsumexp,
    max,
    min,
    softmax,
    softmax_cross_entropy,
    sum,
)
from .ops.scan import *  # noqa: F403
from .ops.shape import (
    astype,
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
from .ops.special import *  # noqa: F403
from .ops.statistics import *  # noqa: F403
from .tensor import FUNCTIONS, Tensor

# Every public function, spelled out (type checkers read a literal list, not one built from
# the families' __all__; tests check that it lists each family's names exactly).
__all__ = [
    "abs", "add", "all", "any", "arccos", "arcsin", "arctan", "arctan2", "argmax", "argmin",
    "argsort", "array_split", "astype", "broadcast_to", "cdist", "ceil", "celu", "clip",
    "concatenate", "cos", "cosh", "cross", "cumprod", "cumsum", "diag", "diagonal", "diff",
    "div", "dot", "einsum", "elu", "erf", "erfc", "erfinv", "exp", "exp2", "expand_dims",
    "expm1", "flatten", "flip", "floor", "floor_divide", "gelu", "getitem", "hardsigmoid",
    "hardswish", "hardtanh", "hypot", "isfinite", "isinf", "isnan", "kron", "leaky_relu",
    "lerp", "linear", "log", "log1p", "log2", "log10", "log_sigmoid", "log_softmax",
    "logaddexp", "logcumsumexp", "logical_and", "logical_not", "logical_or", "logit",
    "logsumexp", "matmul", "max", "maximum", "mean", "median", "meshgrid", "min", "minimum",
    "mish", "moveaxis", "mul", "nan_to_num", "nanmean", "nanmedian", "nansum", "neg", "norm",
    "one_hot", "outer", "pad", "percentile", "pow", "prod", "put_along_axis", "quantile",
    "reciprocal", "relu", "relu6", "remainder", "repeat", "reshape", "roll", "round",
    "scatter_add", "selu", "sigmoid", "sign", "silu", "sin", "sinh", "softmax",
    "softmax_cross_entropy", "softmin", "softplus", "softsign", "sort", "split", "sqrt",
    "square", "squeeze", "stack", "std", "sub", "sum", "swapaxes", "take", "take_along_axis",
    "tan", "tanh", "tensordot", "tile", "topk", "trace", "transpose", "tril", "triu", "trunc",
    "var", "where", "xlogy",
]

#: Public functions with integer or bool results (argmax, isnan, …): not differentiable.
NOT_DIFFERENTIABLE = (*mathfuncs.NOT_DIFFERENTIABLE, *scan.NOT_DIFFERENTIABLE,
                      *norm_ops.NOT_DIFFERENTIABLE, *movement.NOT_DIFFERENTIABLE,
                      *activation.NOT_DIFFERENTIABLE, *einsum_ops.NOT_DIFFERENTIABLE)


def _moment_axes(axis: Axis, ndim: int, name: str, keepdims: Any) -> tuple[int, ...] | None:
    """``axes`` with NumPy's rule for mean, var and std: a 0-d tensor has no axis 0 or −1
    (sum takes them, as NumPy's sum does; NumPy's mean raises AxisError). ``keepdims`` is
    checked here too, so an error names the function called, not the sum inside it."""
    ax = axes(axis, ndim, name)
    flag(keepdims, name, "keepdims")
    if ndim == 0 and axis is not None and not (isinstance(axis, (tuple, list)) and not axis):
        raise np.exceptions.AxisError(f"{name}: axis {axis!r} is out of bounds for a 0-d "
                                      "tensor (NumPy's AxisError)")
    return ax


@numpy_names
def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """(1/n) Σ over ``axis``; NaN for an empty reduction. float16 is summed in float32, as
    NumPy does (a float16 sum of 100 × 1000 overflows)."""
    x = as_tensor(x, where="mean")
    ax = _moment_axes(axis, x.ndim, "mean", keepdims)
    if x.dtype == np.float16:
        return astype(mean(astype(x, np.float32), ax, keepdims), np.float16)
    n = count(x.shape, ax)
    return mul(sum(x, ax, keepdims), 1.0 / n if n else math.nan)


@numpy_names
def var(x: Any, axis: Axis = None, keepdims: bool = False, ddof: float = 0) -> Tensor:
    """Σ (x − mean)² / (n − ddof) over ``axis``, so x̄ = ḡ 2 (x − mean) / (n − ddof); ddof any
    real number, as NumPy (default 0; a bool is refused). Where n − ddof ≤ 0, as NumPy, the
    sum is divided by 0: inf, or NaN where it is 0 (without warnings). float16 is computed
    in float32, as PyTorch does ((x − mean)² overflows float16 from a spread of 256)."""
    x = as_tensor(x, where="var")
    ax = _moment_axes(axis, x.ndim, "var", keepdims)
    real_number(ddof, "var", "ddof")
    if x.dtype == np.float16:
        return astype(var(astype(x, np.float32), ax, keepdims, ddof), np.float16)
    # (as a Python number: a NumPy integer would make n a NumPy integer, and uint8 wraps)
    n = count(x.shape, ax) - (int(ddof) if is_int(ddof) else float(ddof))
    d = sub(x, mean(x, ax, keepdims=True))
    squares = sum(mul(d, d), ax, keepdims)
    if n > 0:
        return mul(squares, 1.0 / n)
    return mul(squares, math.nan) if n != n else div(squares, 0.0)  # (NaN ddof: NaN, as NumPy)


@numpy_names
def std(x: Any, axis: Axis = None, keepdims: bool = False, ddof: float = 0) -> Tensor:
    """√var(x) (ddof as in var); where var(x) = 0 (a constant slice) the gradient is 0, as in
    PyTorch, not the NaN of 1/(2√0)·0. float16 is computed in float32, as var."""
    x = as_tensor(x, where="std")
    ax = _moment_axes(axis, x.ndim, "std", keepdims)  # (its errors name std, not var)
    if x.dtype == np.float16:
        return astype(std(astype(x, np.float32), ax, keepdims, ddof), np.float16)
    v = var(x, axis, keepdims, ddof)
    zero = v.data == 0
    if not zero.any():
        return sqrt(v)
    return where(zero, 0.0, sqrt(add(v, zero.astype(v.dtype))))  # √1 where 0: no 1/0


def square(x: Any) -> Tensor:
    """x² (as x · x, so its graph is the product node); NumPy's dtype: int8 for bool."""
    x = as_tensor(x, where="square")
    if x.dtype == np.bool_:  # (bool · bool is bool, logical and; np.square gives int8)
        x = astype(x, np.int8)
    return mul(x, x)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope · x otherwise."""
    x = as_tensor(x, where="leaky_relu")
    real_number(negative_slope, "leaky_relu", "negative_slope")
    return where(x.data > 0, x, mul(x, negative_slope))


FUNCTIONS.update(mean=mean, var=var, std=std, square=square, leaky_relu=leaky_relu)
