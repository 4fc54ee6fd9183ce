"""Elementwise ops: arithmetic, the exp/log family, activations in their stable forms, and
selections (maximum, minimum, clip, where).

Each VJP runs on ndarrays, or on Tensors when the backward pass is recorded: it uses operators
and, where NumPy and the library differ, the small dispatching helpers at the top.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import real_number
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import FUNCTIONS, Tensor

__all__ = [
    "abs", "add", "clip", "div", "exp", "log", "log1p", "log_sigmoid", "masked", "maximum",
    "minimum", "mul", "neg", "pow", "relu", "sigmoid", "softplus", "sqrt", "sub", "tanh", "where",
]

Grads = tuple[Any, ...]


def raw(x: Any) -> Any:
    """The array of a Tensor, or the array itself."""
    return x.data if isinstance(x, Tensor) else x


def masked(g: Any, mask: np.ndarray) -> Any:
    """``where(mask, g, 0)`` for a constant boolean mask (an inf or NaN under False gives 0).

    On float arrays of the mask's shape it ANDs g's bits with −mask (all ones or all zeros),
    which is exact and much faster than ``np.where`` on an unpredictable mask.
    """
    if isinstance(g, Tensor):
        return where(mask, g, np.zeros((), g.dtype))
    bits = _SAME_SIZE_INT.get(g.dtype)
    if bits is not None and g.shape == mask.shape and mask.dtype == np.bool_:
        return np.bitwise_and(g.view(bits), np.negative(mask.view(np.int8))).view(g.dtype)
    return np.where(mask, g, np.zeros((), g.dtype))


_SAME_SIZE_INT = {np.dtype(f): np.dtype(i) for f, i in
                  ((np.float16, np.int16), (np.float32, np.int32), (np.float64, np.int64))}


def select(mask: np.ndarray, a: Any, b: Any) -> Any:
    """``a`` where the constant ``mask`` holds, else ``b``: NumPy's on arrays, the recorded
    ``where`` when either is a Tensor."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return where(mask, a, b)
    return np.where(mask, a, b)


def exp_of(x: Any) -> Any:
    """e^x: NumPy's on an array, the recorded op on a Tensor."""
    return exp(x) if isinstance(x, Tensor) else np.exp(x)


def sigmoid_of(x: Any) -> Any:
    """σ(x) = 1 / (1 + e^−x) through e^−|x|, which never overflows."""
    if isinstance(x, Tensor):
        return sigmoid(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _times(g: Any, d: np.ndarray) -> Any:
    """g · d, written into ``d`` (the VJP's own temporary) when g is an array of its dtype that
    fits its shape: one allocation less per step on large arrays; the same bits as g * d.
    (On small arrays NumPy's ``out=`` costs more than the allocation it saves.)"""
    if type(g) is np.ndarray and g.dtype is d.dtype:
        try:
            return np.multiply(g, d, out=d)
        except ValueError:  # g does not broadcast into d: nothing was written
            pass
    return g * d


# --------------------------------------------------------------------------- arithmetic
def _add(a: Any, b: Any) -> tuple[Any, None]:
    """a + b;  ā = ḡ, b̄ = ḡ"""
    return a + b, None


def _sub(a: Any, b: Any) -> tuple[Any, None]:
    """a − b;  ā = ḡ, b̄ = −ḡ"""
    return a - b, None


def _mul(a: Any, b: Any) -> tuple[Any, tuple[Any, Any]]:
    """a · b;  ā = ḡ b, b̄ = ḡ a"""
    return a * b, (a, b)


def _mul_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    a, b = saved
    return (g * b if needs[0] else None), (g * a if needs[1] else None)


def _div(a: Any, b: Any) -> tuple[Any, Any]:
    """a / b;  ā = ḡ / b, b̄ = −ḡ (a/b) / b"""
    out = a / b
    return out, (b, out)


def _div_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    b, out = saved
    ga = g / b
    return (ga if needs[0] else None), (-ga * out if needs[1] else None)


def _neg(a: Any) -> tuple[Any, None]:
    """−a;  ā = −ḡ"""
    return -a, None


def _pow(a: Any, b: Any) -> tuple[Any, Any]:
    """a^b;  ā = ḡ b a^(b−1) (0 where b = 0), b̄ = ḡ a^b log a (0 where a = 0 ≤ b)

    Every order of ā is exact for an integer b = n ≥ 0, also at and near a = 0: n!/(n−k)!
    a^(n−k), then 0 (not 0 · ∞). b̄ at a = 0: 0 for b > 0 (0^b ≡ 0 there); b ↦ 0^b jumps at
    b = 0, no derivative, 0 as PyTorch; for b < 0 the limit from a > 0, −∞, also PyTorch's."""
    out = a**b
    return out, (a, b, out)


def _pow_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    a, b, out = saved
    ga = gb = None
    if needs[0]:
        flat = raw(b) == 0
        if not np.any(flat):
            ga = g * b * a ** (b - 1)
        else:
            # a^0 = 1 has a-derivatives 0 at every order, but b a^(b−1) differentiated in a is
            # 0 · a^(b−2), ∞ near a = 0: NaN at order n + 2 of a^n. So where b = 0 the base
            # enters as a constant: a's value (∂/∂b of b a^(b−1) stays a^−1, which PyTorch
            # drops), or 1 where a^−1 overflows (a = 0 or subnormal: ā = 0 to every order).
            ra = raw(a)
            with np.errstate(divide="ignore", over="ignore"):
                lost = flat & ~np.isfinite(1 / ra)
            base = select(flat, np.where(lost, np.ones((), ra.dtype), ra), a)
            ga = g * b * base ** (b - 1)
            if lost.any():
                ga = masked(ga, ~lost)
    if needs[1]:
        # 0^b is 0 for all b > 0, so b̄ = 0 there; at b = 0 it jumps and 0 is PyTorch's choice;
        # below, b̄ = a^b log a = −∞, its limit as a → 0+ (and PyTorch's)
        zero = (raw(a) == 0) & (raw(b) >= 0)
        safe_a = masked(a, ~zero) + zero  # log 1 = 0 where masked: no ∞ on the graph
        gb = masked(g * out * (log(safe_a) if isinstance(safe_a, Tensor) else np.log(safe_a)),
                    ~zero)
    return ga, gb


add = primitive("add", _add, lambda g, saved, needs: (g, g), nin=2)
sub = primitive("sub", _sub, lambda g, saved, needs: (g, -g if needs[1] else None), nin=2)
mul = primitive("mul", _mul, _mul_vjp, nin=2, cross=True)
div = primitive("div", _div, _div_vjp, nin=2, domain=("real", "nonzero"))
pow = primitive("pow", _pow, _pow_vjp, nin=2, domain=("positive", "real"))
neg = primitive("neg", _neg, lambda g, saved, needs: (-g,))


# --------------------------------------------------------------------------- exp / log family
def _exp_fwd(x: Any) -> tuple[Any, Any]:
    """e^x;  x̄ = ḡ e^x"""
    out = np.exp(x)
    return out, out


def _log(x: Any) -> tuple[Any, Any]:
    """log x;  x̄ = ḡ / x  (the value is −inf at 0 and NaN below, without warnings)"""
    return np.log(x), x


def _log1p(x: Any) -> tuple[Any, Any]:
    """log(1 + x);  x̄ = ḡ / (1 + x)"""
    return np.log1p(x), x


def _sqrt(x: Any) -> tuple[Any, Any]:
    """√x;  x̄ = ḡ / (2√x)"""
    out = np.sqrt(x)
    return out, out


def _abs(x: Any) -> tuple[Any, Any]:
    """|x|;  x̄ = ḡ sign(x)  (abs'(0) = 0)"""
    return np.abs(x), x


def _tanh(x: Any) -> tuple[Any, Any]:
    """tanh x;  x̄ = ḡ (1 − tanh² x)"""
    out = np.tanh(x)
    return out, out


def _tanh_vjp(g: Any, out: Any, needs: Any) -> Grads:
    if type(out) is np.ndarray and out.size >= 16:  # first order: 1 − t² in one temporary
        d = out * out
        return (_times(g, np.subtract(1, d, out=d)),)
    return (g * (1 - out * out),)


def _sigmoid_fwd(x: Any) -> tuple[Any, Any]:
    """σ(x) = 1 / (1 + e^−x), stable for any x;  x̄ = ḡ σ (1 − σ)"""
    out = sigmoid_of(x)
    return out, out


def _sigmoid_vjp(g: Any, out: Any, needs: Any) -> Grads:
    if type(out) is np.ndarray and out.size >= 16:  # first order: σ (1 − σ) in one temporary
        d = 1 - out
        return (_times(g, np.multiply(d, out, out=d)),)
    return (g * out * (1 - out),)


def _relu(x: Any) -> tuple[Any, Any]:
    """max(x, 0);  x̄ = ḡ [x > 0]  (relu'(0) = 0)"""
    out = np.maximum(x, np.zeros((), x.dtype))
    return out, out


def _softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> tuple[Any, Any]:
    """(1/β) log(1 + e^(βx)) (x where βx > threshold);  x̄ = ḡ σ(βx) (ḡ where βx > threshold)

    As (max(βx, 0) + log1p(e^−|βx|)) / β, which never overflows."""
    bx = x * beta if beta != 1 else x
    out = np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))
    return np.where(bx > threshold, x, out / beta if beta != 1 else out), x


def _softplus_vjp(g: Any, x: Any, needs: Any, beta: float = 1.0, threshold: float = 20.0
                  ) -> Grads:
    bx = x * beta if beta != 1 else x
    above = raw(bx) > threshold
    s = sigmoid_of(bx)
    return (g * (masked(s, ~above) + above if above.any() else s),)


def _log_sigmoid(x: Any) -> tuple[Any, Any]:
    """log σ(x) = min(x, 0) − log1p(e^−|x|);  x̄ = ḡ σ(−x)"""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))), x


exp = primitive("exp", _exp_fwd, lambda g, out, needs: (g * out,), floating=True)
log = primitive("log", _log, lambda g, x, needs: (g / x,), floating=True, domain=("positive",))
log1p = primitive("log1p", _log1p, lambda g, x, needs: (g / (1 + x),), floating=True,
                  domain=("above_minus_one",))
sqrt = primitive("sqrt", _sqrt, lambda g, out, needs: (g * 0.5 / out,), floating=True,
                 domain=("positive",))
abs = primitive("abs", _abs, lambda g, x, needs: (g * np.sign(raw(x)),), smooth=False,
                domain=("nonzero",))
tanh = primitive("tanh", _tanh, _tanh_vjp, floating=True)
sigmoid = primitive("sigmoid", _sigmoid_fwd, _sigmoid_vjp, floating=True)
relu = primitive("relu", _relu, lambda g, out, needs: (masked(g, raw(out) > 0),), smooth=False,
                 domain=("nonzero",))
_SOFTPLUS = primitive("softplus", _softplus, _softplus_vjp, floating=True)
log_sigmoid = primitive("log_sigmoid", _log_sigmoid, lambda g, x, needs: (g * sigmoid_of(-x),),
                        floating=True)


# --------------------------------------------------------------------------- selections
def _maximum(a: Any, b: Any) -> tuple[Any, Any]:
    """max(a, b);  ā = ḡ w, b̄ = ḡ (1 − w), w = [a > b] + ½[a = b]"""
    return np.maximum(a, b), (a > b) + 0.5 * (a == b)


def _minimum(a: Any, b: Any) -> tuple[Any, Any]:
    """min(a, b);  ā = ḡ w, b̄ = ḡ (1 − w), w = [a < b] + ½[a = b]"""
    return np.minimum(a, b), (a < b) + 0.5 * (a == b)


def _select_vjp(g: Any, w: Any, needs: Any) -> Grads:
    w = w.astype(g.dtype, copy=False)
    return (g * w if needs[0] else None), (g * (1 - w) if needs[1] else None)


def _clip(x: Any, *bounds: Any, lo: Any = None, hi: Any = None,
          inputs: tuple[str, ...] = ()) -> tuple[Any, Any]:
    """min(max(x, lo), hi);  x̄ = ḡ [lo ≤ x ≤ hi], lō = ḡ [x < lo < hi], hī = ḡ [x > hi ∨ hi < lo]
    (PyTorch's clamp at ties)

    A bound named in ``inputs`` ("lo", "hi") is the next array of ``bounds``, the others the
    numbers ``lo`` and ``hi`` (None: no bound); the residuals are one mask per input."""
    given = dict(zip(inputs, bounds))
    lo, hi = given.get("lo", lo), given.get("hi", hi)
    keep = np.ones(np.broadcast_shapes(x.shape, *(np.shape(b) for b in bounds)), dtype=bool)
    if lo is not None:
        keep &= x >= lo
    if hi is not None:
        keep &= x <= hi
    masks = [keep]
    if "lo" in inputs:
        masks.append((x < lo) & (lo < hi) if hi is not None else x < lo)
    if "hi" in inputs:
        masks.append((x > hi) | (hi < lo) if lo is not None else x > hi)
    return np.clip(x, lo, hi), tuple(masks)  # (NumPy's dtype: ints clipped to 2.5 are floats)


def _clip_vjp(g: Any, masks: Any, needs: Any, lo: Any = None, hi: Any = None,
              inputs: tuple[str, ...] = ()) -> Grads:
    return tuple(masked(g, m) if need else None for m, need in zip(masks, needs))


def _where(a: Any, b: Any, cond: Any = None) -> tuple[Any, None]:
    """where(c, a, b) for a constant condition c;  ā = ḡ [c], b̄ = ḡ [¬c]
    (a numeric c is true where nonzero, as NumPy's)"""
    return np.where(cond, a, b), None


def _where_vjp(g: Any, saved: Any, needs: Any, cond: Any = None) -> Grads:
    return (masked(g, cond) if needs[0] else None), (masked(g, ~cond) if needs[1] else None)


maximum = primitive("maximum", _maximum, _select_vjp, nin=2, smooth=False)
minimum = primitive("minimum", _minimum, _select_vjp, nin=2, smooth=False)
_CLIP = primitive("clip", _clip, _clip_vjp, smooth=False)
_WHERE = primitive("where", _where, _where_vjp, nin=2)


def clip(x: Any, a_min: Any = None, a_max: Any = None, *, min: Any = None,
         max: Any = None) -> Tensor:
    """Clamp to [a_min, a_max] as numpy.clip: each bound None, a number or an array or Tensor
    broadcasting with x (the result has the broadcast shape and NumPy's dtype: an integer
    tensor clipped to a float bound gives floats); where a_min > a_max the result is a_max.
    ``min=``/``max=`` are NumPy 2's other spelling. Gradients as PyTorch's clamp: x gets ḡ
    where a_min ≤ x ≤ a_max (ties included), a Tensor a_min where x < a_min < a_max, a Tensor
    a_max where x > a_max or a_max < a_min (so where a_min = a_max and x is outside, none does)."""
    if min is not None or max is not None:
        if a_min is not None or a_max is not None:
            raise TypeError("clip: give the bounds as a_min/a_max or as min/max, not both")
        a_min, a_max = min, max
    if a_min is None and a_max is None:
        raise ValueError("clip: give at least one of a_min and a_max")
    x = as_tensor(x, where="clip")
    attrs: dict[str, Any] = {}  # number bounds, and which bounds are inputs (arrays, Tensors)
    arrays: dict[str, Tensor] = {}
    for key, label, bound in (("lo", "a_min", a_min), ("hi", "a_max", a_max)):
        if isinstance(bound, (bool, np.bool_)):
            real_number(bound, "clip", label)  # (refused: a bool bound is a mistake)
        if isinstance(bound, (int, float, np.integer, np.floating)):
            attrs[key] = bound  # NumPy's promotion for a Python or NumPy number
        elif bound is not None:
            arrays[label] = as_tensor(bound, x, f"clip ({label})")
    try:
        np.broadcast_shapes(x.shape, *(b.shape for b in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{label} {b.shape}" for label, b in arrays.items())
        raise ValueError(f"clip: the bounds do not broadcast with x (x {x.shape}, "
                         f"{shapes})") from None
    if arrays:
        attrs["inputs"] = tuple("lo" if label == "a_min" else "hi" for label in arrays)
    try:
        return _CLIP(x, *arrays.values(), **attrs)
    except OverflowError:  # a Python int bound NumPy cannot compare with x's integers
        raise ValueError(f"clip: a bound (a_min={a_min!r:.30}, a_max={a_max!r:.30}) does not "
                         f"fit {x.dtype}, whose integers NumPy compares it with") from None


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/β) log(1 + e^(βx)), and x where βx > threshold (PyTorch's); never overflows. β may be
    negative; β = 0 (PyTorch: inf everywhere), an infinite β and a NaN threshold are refused."""
    real_number(beta, "softplus", "beta")
    real_number(threshold, "softplus", "threshold")
    if beta == 0 or not math.isfinite(beta) or threshold != threshold:
        raise ValueError(f"softplus: beta must be finite and nonzero and threshold not NaN, "
                         f"got beta={beta!r}, threshold={threshold!r}")
    if beta == 1 and threshold == 20:
        return _SOFTPLUS(x)
    return _SOFTPLUS(x, beta=float(beta), threshold=float(threshold))


def where(cond: Any, a: Any = None, b: Any = None) -> Any:
    """Elementwise ``a`` where ``cond`` holds, else ``b`` (all three broadcast); ``cond`` is a
    constant mask, and as in NumPy a number is true where it is nonzero (NaN included).
    ``where(cond)`` alone is NumPy's and PyTorch's ``nonzero``: a tuple of integer Tensors, the
    indices of the true elements along each axis."""
    if (a is None) != (b is None):
        raise TypeError("where: give both a and b (the values where cond holds, and where not), "
                        "or neither (the indices where cond holds)")
    try:
        c = np.asarray(raw(cond))
    except (ValueError, TypeError):
        raise TypeError(f"where: the condition must be a rectangular array, got "
                        f"{type(cond).__name__}") from None
    if c.dtype.kind not in "biufc":
        raise TypeError(f"where: the condition must be bool or numbers, got dtype {c.dtype}")
    if a is not None:
        return _WHERE(a, b, cond=c if c.dtype == np.bool_ else c != 0)
    if c.ndim == 0:
        raise ValueError("where: the condition alone (the indices where it holds) must have "
                         "an axis, as NumPy's; got a 0-d condition")
    return tuple(Tensor(i) for i in np.nonzero(c))


FUNCTIONS.update({f.__name__: f for f in (
    add, sub, mul, div, pow, neg, exp, log, log1p, sqrt, abs, tanh, sigmoid, relu, softplus,
    log_sigmoid, maximum, minimum, clip, where)})
