"""Elementwise primitives: arithmetic, exp/log family, activations (stable forms)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Primitive, register
from ..tensor import Tensor
from . import dual

__all__: list[str] = []

Grads = tuple[Any, ...]


def _prim(name: str, fwd: Any, vjp: Any, nin: int = 1, **kw: Any) -> Primitive:
    return register(Primitive(name, fwd, vjp, nin=nin, doc=(fwd.__doc__ or "").strip(), **kw))


# --------------------------------------------------------------------------- arithmetic
def _add(a: Any, b: Any) -> tuple[Any, None]:
    """a + b;  ā += ḡ, b̄ += ḡ"""
    return a + b, None


def _add_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    return g, g


def _sub(a: Any, b: Any) -> tuple[Any, None]:
    """a − b;  ā += ḡ, b̄ −= ḡ"""
    return a - b, None


def _sub_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    return g, (-g if needs[1] else None)


def _mul(a: Any, b: Any) -> tuple[Any, None]:
    """a · b;  ā += ḡ b, b̄ += ḡ a"""
    return a * b, None


def _mul_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    a, b = ins
    return (g * b if needs[0] else None), (g * a if needs[1] else None)


def _div(a: Any, b: Any) -> tuple[Any, None]:
    """a / b;  ā += ḡ / b, b̄ −= ḡ (a/b) / b"""
    return a / b, None


def _div_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    _, b = ins
    ga = g / b
    return (ga if needs[0] else None), (-ga * out if needs[1] else None)


def _neg(a: Any) -> tuple[Any, None]:
    """−a;  ā −= ḡ"""
    return -a, None


def _neg_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    return (-g,)


def _pow(a: Any, b: Any) -> tuple[Any, None]:
    """a^b;  ā += ḡ b a^(b−1), b̄ += ḡ a^b log a (0 where a = 0)"""
    return a**b, None


def _pow_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    a, b = ins
    ga = None
    if needs[0]:
        ga = g * b * a ** (b - 1)
        a_data = a.data if isinstance(a, Tensor) else a
        b_data = b.data if isinstance(b, Tensor) else b
        undefined = (b_data == 0) & (a_data == 0)
        if np.any(undefined):  # d(a^0)/da = 0, also at a = 0 where the formula gives 0 · ∞
            ga = dual.masked(ga, ~undefined)
    gb = None
    if needs[1]:
        a_data = a.data if isinstance(a, Tensor) else a
        zero = a_data == 0
        safe_a = dual.masked(a, ~zero) + zero  # log(1) = 0 where a == 0
        gb = dual.masked(g * out * dual.log(safe_a), ~zero)
    return ga, gb


for _name, _f, _v, _kw in (
    ("add", _add, _add_vjp, {"save_inputs": False, "ufunc": np.add, "passes_first": True}),
    ("sub", _sub, _sub_vjp, {"save_inputs": False, "ufunc": np.subtract, "passes_first": True}),
    ("mul", _mul, _mul_vjp, {"cross": True, "ufunc": np.multiply}),
    ("div", _div, _div_vjp, {"save_out": True, "domain": ("real", "nonzero"),
                             "ufunc": np.true_divide}),
    ("pow", _pow, _pow_vjp, {"save_out": True, "domain": ("positive", "real")}),
):
    _prim(_name, _f, _v, nin=2, **_kw)
_prim("neg", _neg, _neg_vjp, save_inputs=False, ufunc=np.negative)


# --------------------------------------------------------------------------- exp / log family
def _exp(x: Any) -> tuple[Any, None]:
    """e^x;  x̄ += ḡ e^x"""
    return np.exp(x), None


def _exp_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    return (g * out,)


def _log(x: Any) -> tuple[Any, None]:
    """log x;  x̄ += ḡ / x"""
    return np.log(x), None


def _log_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    return (g / ins[0],)


def _log1p(x: Any) -> tuple[Any, None]:
    """log(1 + x);  x̄ += ḡ / (1 + x)"""
    return np.log1p(x), None


def _log1p_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    return (g / (1 + ins[0]),)


def _sqrt(x: Any) -> tuple[Any, None]:
    """√x;  x̄ += ḡ / (2√x)"""
    return np.sqrt(x), None


def _sqrt_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    return (g * 0.5 / out,)


def _abs(x: Any) -> tuple[Any, None]:
    """|x|;  x̄ += ḡ sign(x)  (sign(0) = 0)"""
    return np.abs(x), None


def _abs_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    x = ins[0]
    s = np.sign(x.data if isinstance(x, Tensor) else x)
    return (g * s,)


def _tanh(x: Any) -> tuple[Any, None]:
    """tanh x;  x̄ += ḡ (1 − tanh² x)"""
    return np.tanh(x), None


# 1 as a 0-d array per float dtype: on small arrays an array operand is cheaper than a Python
# float, on large ones a scalar operand is cheaper than a second full array (g − g·t·t).
_ONE: dict[np.dtype, Any] = {
    np.dtype(t): np.ones((), t) for t in (np.float16, np.float32, np.float64, np.longdouble)
}
_ZERO = {d: np.zeros((), d) for d in _ONE}
_F64 = np.dtype(np.float64)
_ONE64 = _ONE[_F64]  # looked up by identity first: hashing a dtype costs more than the test


# Smallest array for which a VJP updates its own temporaries in place (first order). From
# there up this saves an allocation per step (about 1 µs of 10 on 100×100); below it NumPy's
# ``out=`` path costs more than it saves (a one-element array pays 0.5 µs more, not less).
_IN_PLACE = 16


def _into(d: Any, g: Any) -> Any:
    """g · d, written into ``d`` (a fresh temporary of the VJP's own) when g has its dtype and
    fits its shape: one array less to allocate and fill, and the same bits as ``g * d``.

    The dtype is compared by identity (NumPy's built-in dtypes are single objects; an equal
    dtype that is another object only takes the ``g * d`` path), and the shape is left to NumPy:
    if ``g`` does not broadcast into ``d``, the in-place product raises before writing anything.
    """
    if type(g) is np.ndarray and g.dtype is d.dtype:
        try:
            return np.multiply(g, d, d)
        except ValueError:
            pass
    return g * d


def _tanh_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    dt = out.dtype
    one = _ONE64 if dt is _F64 else _ONE.get(dt, 1.0)
    if type(out) is np.ndarray and out.size >= _IN_PLACE:  # first order: 1 − t² in one array
        d = out * out
        return (_into(np.subtract(one, d, d), g),)
    return (g * (one - out * out),)


def _sigmoid(x: Any) -> tuple[Any, None]:
    """σ(x) = 1/(1 + e^−x), via e^−|x| (never overflows);  x̄ += ḡ σ(1 − σ)"""
    return dual.sigmoid(x), None


def _sigmoid_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    dt = out.dtype
    one = _ONE64 if dt is _F64 else _ONE.get(dt, 1.0)
    if type(out) is np.ndarray and out.size >= _IN_PLACE:  # first order: σ(1 − σ) in one array
        d = one - out
        return (_into(np.multiply(d, out, d), g),)
    return (g * out * (one - out),)


def _relu(x: Any) -> tuple[Any, None]:
    """max(x, 0);  x̄ += ḡ [x > 0]  (relu'(0) = 0)"""
    zero = _ZERO.get(x.dtype)
    return np.maximum(x, np.zeros((), x.dtype) if zero is None else zero), None


def _relu_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    o = out.data if isinstance(out, Tensor) else out
    return (dual.masked(g, o > 0),)


def _softplus(x: Any) -> tuple[Any, None]:
    """log(1 + e^x) = max(x, 0) + log1p(e^−|x|);  x̄ += ḡ σ(x)"""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))), None


def _softplus_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    return (g * dual.sigmoid(ins[0]),)


def _log_sigmoid(x: Any) -> tuple[Any, None]:
    """log σ(x) = min(x, 0) − log1p(e^−|x|);  x̄ += ḡ σ(−x)"""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))), None


def _log_sigmoid_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any) -> Grads:
    return (g * dual.sigmoid(-ins[0]),)


_prim("exp", _exp, _exp_vjp, save_inputs=False, save_out=True, ufunc=np.exp)
_prim("log", _log, _log_vjp, domain=("positive",), ufunc=np.log)
_prim("log1p", _log1p, _log1p_vjp, domain=("above_minus_one",), ufunc=np.log1p)
_prim("sqrt", _sqrt, _sqrt_vjp, save_inputs=False, save_out=True, domain=("positive",),
      ufunc=np.sqrt)
_prim("abs", _abs, _abs_vjp, smooth=False, domain=("nonzero",), ufunc=np.abs)
_prim("tanh", _tanh, _tanh_vjp, save_inputs=False, save_out=True, ufunc=np.tanh)
_prim("sigmoid", _sigmoid, _sigmoid_vjp, save_inputs=False, save_out=True)
_prim("relu", _relu, _relu_vjp, save_inputs=False, save_out=True, smooth=False,
      domain=("nonzero",))
_prim("softplus", _softplus, _softplus_vjp)
_prim("log_sigmoid", _log_sigmoid, _log_sigmoid_vjp)


# --------------------------------------------------------------------------- binary selections
def _maximum(a: Any, b: Any) -> tuple[Any, Any]:
    """max(a, b);  ā += ḡ w, b̄ += ḡ (1 − w), w = [a > b] + ½[a = b]"""
    w = (a > b) + 0.5 * (a == b)
    return np.maximum(a, b), w


def _minimum(a: Any, b: Any) -> tuple[Any, Any]:
    """min(a, b);  ā += ḡ w, b̄ += ḡ (1 − w), w = [a < b] + ½[a = b]"""
    w = (a < b) + 0.5 * (a == b)
    return np.minimum(a, b), w


def _select_vjp(g: Any, ins: Any, out: Any, w: Any, needs: Any) -> Grads:
    dt = g.dtype
    wa = w.astype(dt, copy=False)
    return (g * wa if needs[0] else None), (g * (1 - wa) if needs[1] else None)


def _clip(x: Any, lo: Any = None, hi: Any = None) -> tuple[Any, Any]:
    """clip(x, lo, hi);  x̄ += ḡ [lo ≤ x ≤ hi]"""
    keep = np.ones(x.shape, dtype=bool)
    if lo is not None:
        keep &= x >= lo
    if hi is not None:
        keep &= x <= hi
    return np.clip(x, lo, hi).astype(x.dtype, copy=False), keep


def _clip_vjp(g: Any, ins: Any, out: Any, keep: Any, needs: Any, lo: Any = None,
              hi: Any = None) -> Grads:
    return (dual.masked(g, keep),)


def _where(a: Any, b: Any, cond: Any = None) -> tuple[Any, None]:
    """where(c, a, b) for a constant condition c;  ā += ḡ [c], b̄ += ḡ [¬c]"""
    return np.where(cond, a, b), None


def _where_vjp(g: Any, ins: Any, out: Any, extra: Any, needs: Any, cond: Any = None) -> Grads:
    return (
        dual.masked(g, cond) if needs[0] else None,
        dual.masked(g, ~cond) if needs[1] else None,
    )


_prim("maximum", _maximum, _select_vjp, nin=2, save_inputs=False, smooth=False)
_prim("minimum", _minimum, _select_vjp, nin=2, save_inputs=False, smooth=False)
_prim("clip", _clip, _clip_vjp, save_inputs=False, smooth=False)
_prim("where", _where, _where_vjp, nin=2, save_inputs=False)
