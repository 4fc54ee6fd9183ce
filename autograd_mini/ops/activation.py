"""Activations beyond the core ones, each in a numerically stable form: silu, gelu, the ELU
family (elu, celu, selu), the piecewise-linear ones (hardtanh, relu6, hardsigmoid, hardswish),
mish, softsign and softmin.

Formulas, defaults and the gradient at each kink follow PyTorch (there is no NumPy function to
follow); softmin takes NumPy's ``axis`` where PyTorch has ``dim``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import numpy_names, one_axis, real_number
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import FUNCTIONS, Tensor
from .elementwise import abs, exp_of, masked, neg, raw, select, sigmoid_of, softplus, tanh
from .mathfuncs import erf, erf_array
from .reduce import softmax

__all__ = ["celu", "elu", "gelu", "hardsigmoid", "hardswish", "hardtanh", "mish", "relu6", "selu",
           "silu", "softmin", "softsign"]

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ()

Grads = tuple[Any, ...]
SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)  # φ(0)
_SQRT_8_OVER_PI = 2 * math.sqrt(2 / math.pi)
_KAPPA = 0.044715  # the cubic term of GELU's tanh approximation


def _tanh_of(x: Any) -> Any:
    return tanh(x) if isinstance(x, Tensor) else np.tanh(x)


def _softplus_of(x: Any) -> Any:
    """log(1 + e^x) without overflow: the recorded op on a Tensor."""
    if isinstance(x, Tensor):
        return softplus(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _number(value: Any, name: str, label: str) -> float:
    """A finite real argument as a Python float (so float32 inputs stay float32)."""
    real_number(value, name, label)
    if not math.isfinite(value):
        raise ValueError(f"{name}: {label} must be finite, got {value!r}")
    return float(value)


# --------------------------------------------------------------------------- smooth gates
# silu, mish and gelu save the gate they computed (σ(x), tanh(softplus(x)), Φ(x)) next to x, so
# a plain backward does not compute it again; a recorded backward gets the saved gate as a
# constant, so it computes the gate from the Tensor x instead.
def _silu(x: Any) -> tuple[Any, Any]:
    """x σ(x);  x̄ = ḡ σ(x) (1 + x (1 − σ(x)))"""
    s = sigmoid_of(x)
    return x * s, (x, s)


def _silu_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    x, s = saved
    if isinstance(x, Tensor):
        s = sigmoid_of(x)
    return (g * (s * (1 + x * (1 - s))),)


def _mish(x: Any) -> tuple[Any, Any]:
    """x tanh(softplus(x));  x̄ = ḡ (t + x σ(x) (1 − t²)), t = tanh(softplus(x))"""
    t = np.tanh(_softplus_of(x))
    return x * t, (x, t)


def _mish_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    x, t = saved
    if isinstance(x, Tensor):
        t = _tanh_of(_softplus_of(x))
    return (g * (t + x * sigmoid_of(x) * (1 - t * t)),)


def _softsign(x: Any) -> tuple[Any, Any]:
    """x / (1 + |x|);  x̄ = ḡ / (1 + |x|)²"""
    return x / (1 + np.abs(x)), x


def _softsign_vjp(g: Any, x: Any, needs: Any) -> Grads:
    d = 1 + (abs(x) if isinstance(x, Tensor) else np.abs(x))
    return (g / d / d,)  # twice rather than d², which would overflow for |x| > 1e154


silu = primitive("silu", _silu, _silu_vjp, floating=True)
mish = primitive("mish", _mish, _mish_vjp, floating=True)
# softsign'' jumps at 0 (from 2 to −2): second-order checks sample away from it
softsign = primitive("softsign", _softsign, _softsign_vjp, floating=True, domain=("nonzero",))


def _gelu(x: Any, approximate: str = "none") -> tuple[Any, Any]:
    """x Φ(x) = x/2 (1 + erf(x/√2));  x̄ = ḡ (Φ(x) + x φ(x))

    With approximate="tanh", Φ(x) is taken as (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2, computed
    as σ(z) with z = 2√(2/π) (x + 0.044715 x³), and x̄ is that form's exact derivative."""
    if x.dtype == np.float16:  # Φ in float32, as PyTorch (float16's loses the tail's digits)
        out, (_, cdf) = _gelu(x.astype(np.float32), approximate)
        return out.astype(np.float16), (x, cdf)
    cdf = _gelu_cdf(x, approximate)
    return x * cdf, (x, cdf)


def _gelu_cdf(x: Any, approximate: str) -> Any:
    """Φ(x), or for "tanh" (1 + tanh(z/2)) / 2 as σ(z): no cancellation where tanh is near −1,
    so the negative tail keeps its digits."""
    if approximate == "tanh":
        z = _SQRT_8_OVER_PI * (x + _KAPPA * (x * x * x))
        return sigmoid_of(z)
    xs = x * _SQRT_HALF
    return 0.5 * (1 + (erf(xs) if isinstance(xs, Tensor) else erf_array(xs)))


def _gelu_vjp(g: Any, saved: Any, needs: Any, approximate: str = "none") -> Grads:
    x, cdf = saved
    if x.dtype == np.float16:  # x² overflows float16 from |x| = 256 (inf · 0 = NaN)
        (grad,) = _gelu_vjp(g.astype(np.float32), (x.astype(np.float32), cdf.astype(np.float32)),
                            needs, approximate)
        return (grad.astype(np.float16),)
    if isinstance(x, Tensor):
        cdf = _gelu_cdf(x, approximate)
    x2 = x * x
    if approximate == "tanh":  # d σ(z) / dx = σ(z) (1 − σ(z)) z'
        d = cdf + x * (cdf * (1 - cdf)) * (_SQRT_8_OVER_PI * (1 + 3 * _KAPPA * x2))
    else:
        d = cdf + x * (exp_of(-0.5 * x2) * _INV_SQRT_2PI)
    return (g * d,)


_GELU = primitive("gelu", _gelu, _gelu_vjp, floating=True)


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """x Φ(x) = x/2 (1 + erf(x/√2)), Φ the standard normal CDF; ``approximate="tanh"`` gives
    x/2 (1 + tanh(√(2/π) (x + 0.044715 x³))) (PyTorch's two forms)."""
    if not isinstance(approximate, str) or approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r:.60}")
    return _GELU(x, approximate=approximate)


# --------------------------------------------------------------------------- the ELU family
def _elu_core(x: Any, alpha: float, scale: float, input_scale: float) -> tuple[Any, Any]:
    """scale · x for x > 0, else scale · α (e^(x · input_scale) − 1); expm1 of min(x, 0) keeps
    the branch that is thrown away from overflowing."""
    neg_part = np.expm1(np.minimum(x, 0) * input_scale) * (alpha * scale)
    return np.where(x > 0, x * scale if scale != 1 else x, neg_part), x


def _elu_grad(g: Any, x: Any, alpha: float, scale: float, input_scale: float) -> Grads:
    # e^(x input_scale) from x itself: from the output (out/α + 1) it would lose all its
    # digits far out on the negative side
    pos = raw(x) > 0
    e = exp_of(masked(x, ~pos) * input_scale if input_scale != 1 else masked(x, ~pos))
    return (g * select(pos, scale, e * (alpha * scale * input_scale)),)


def _elu(x: Any, alpha: float = 1.0) -> tuple[Any, Any]:
    """x for x > 0, α (e^x − 1) otherwise;  x̄ = ḡ for x > 0, ḡ α e^x otherwise"""
    return _elu_core(x, alpha, 1.0, 1.0)


def _celu(x: Any, alpha: float = 1.0) -> tuple[Any, Any]:
    """x for x > 0, α (e^(x/α) − 1) otherwise;  x̄ = ḡ for x > 0, ḡ e^(x/α) otherwise"""
    return _elu_core(x, alpha, 1.0, 1.0 / alpha)


def _selu(x: Any) -> tuple[Any, Any]:
    """λ x for x > 0, λ α (e^x − 1) otherwise;  x̄ = ḡ λ for x > 0, ḡ λ α e^x otherwise

    λ = SELU_SCALE ≈ 1.0507 and α = SELU_ALPHA ≈ 1.6733, PyTorch's constants."""
    return _elu_core(x, SELU_ALPHA, SELU_SCALE, 1.0)


# at 0 the derivative jumps (celu's, and elu's for α = 1, only the second): samples stay off 0
_ELU = primitive("elu", _elu, lambda g, x, needs, alpha=1.0: _elu_grad(
    g, x, alpha, 1.0, 1.0), floating=True, smooth=False, domain=("nonzero",))
_CELU = primitive("celu", _celu, lambda g, x, needs, alpha=1.0: _elu_grad(
    g, x, alpha, 1.0, 1.0 / alpha), floating=True, smooth=False, domain=("nonzero",))
selu = primitive("selu", _selu, lambda g, x, needs: _elu_grad(
    g, x, SELU_ALPHA, SELU_SCALE, 1.0), floating=True, smooth=False, domain=("nonzero",))


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, α (e^x − 1) otherwise; the gradient at 0 is α (PyTorch's)."""
    return _ELU(x, alpha=_number(alpha, "elu", "alpha"))


def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, α (e^(x/α) − 1)); α = 0 is refused, as PyTorch does."""
    a = _number(alpha, "celu", "alpha")
    if a == 0:
        raise ValueError("celu: alpha cannot be 0 (x/α would divide by zero)")
    return _CELU(x, alpha=a)


# --------------------------------------------------------------------------- piecewise linear
def _hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> tuple[Any, Any]:
    """min(max(x, min_val), max_val);  x̄ = ḡ [min_val < x < max_val]"""
    return np.minimum(np.maximum(x, min_val), max_val), (x > min_val) & (x < max_val)


def _hardsigmoid(x: Any) -> tuple[Any, Any]:
    """min(max(x + 3, 0), 6) / 6;  x̄ = ḡ/6 [−3 < x < 3]"""
    return np.minimum(np.maximum(x + 3, 0), 6) / 6, (x > -3) & (x < 3)


def _hardswish(x: Any) -> tuple[Any, Any]:
    """x min(max(x + 3, 0), 6) / 6;  x̄ = 0 for x ≤ −3, ḡ (x/3 + ½) for −3 < x < 3, ḡ for x ≥ 3"""
    return x * np.minimum(np.maximum(x + 3, 0), 6) / 6, x


def _hardswish_vjp(g: Any, x: Any, needs: Any) -> Grads:
    v = raw(x)
    return (g * select((v > -3) & (v < 3), x / 3 + 0.5, (v >= 3).astype(v.dtype)),)


_HARDTANH = primitive("hardtanh", _hardtanh, lambda g, keep, needs, min_val=-1.0, max_val=1.0: (
    masked(g, keep),), floating=True, smooth=False)
hardsigmoid = primitive("hardsigmoid", _hardsigmoid, lambda g, keep, needs: (
    masked(g / 6, keep),), floating=True, smooth=False)
hardswish = primitive("hardswish", _hardswish, _hardswish_vjp, floating=True, smooth=False)


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """min(max(x, min_val), max_val); the gradient is 0 at both bounds (PyTorch's)."""
    lo = _number(min_val, "hardtanh", "min_val")
    hi = _number(max_val, "hardtanh", "max_val")
    if lo > hi:
        raise ValueError(f"hardtanh: min_val={min_val} is greater than max_val={max_val}")
    return _HARDTANH(x, min_val=lo, max_val=hi)


def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6), i.e. hardtanh(x, 0, 6); the gradient is 0 at 0 and at 6."""
    return _HARDTANH(as_tensor(x, where="relu6"), min_val=0.0, max_val=6.0)


# --------------------------------------------------------------------------- softmin
@numpy_names
def softmin(x: Any, axis: int = -1) -> Tensor:
    """softmax(−x) along ``axis``: e^−x / Σ e^−x, shifted so it never overflows."""
    x = as_tensor(x, where="softmin")
    one_axis(axis, x.ndim, "softmin")
    if x.dtype.kind != "f":  # (−x of a bool array is an error; of unsigned ints, a wrap-around)
        x = as_tensor(x.data.astype(np.float64))
    return softmax(neg(x), axis=axis)


FUNCTIONS.update({f.__name__: f for f in (
    silu, gelu, mish, softsign, elu, celu, selu, hardtanh, relu6, hardsigmoid, hardswish, softmin)})
