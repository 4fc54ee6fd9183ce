"""Elementwise mathematics: trigonometric and hyperbolic functions, exp2/expm1/log2/log10,
rounding (zero gradient), logaddexp, hypot, erf, remainder, and predicates.

Names, signatures and result dtypes follow NumPy (integer inputs of ``reciprocal``, the rounding
functions, ``remainder`` and ``floor_divide`` give NumPy's integer results, which carry no
gradient); the transcendental functions compute integer inputs in float64.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal, localcontext
from typing import Any

import numpy as np

from ..checks import as_array, is_int
from ..engine import Primitive, primitive
from ..tensor import FUNCTIONS, Tensor, wrap
from .elementwise import exp_of, raw, sigmoid_of

__all__ = [
    "arccos", "arcsin", "arctan", "arctan2", "ceil", "cos", "cosh", "erf", "exp2", "expm1",
    "floor", "floor_divide", "hypot", "isfinite", "isinf", "isnan", "log2", "log10",
    "logaddexp", "logical_and", "logical_not", "logical_or", "reciprocal", "remainder", "round",
    "sign", "sin", "sinh", "tan", "trunc",
]

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = (
    "isfinite", "isinf", "isnan", "logical_and", "logical_not", "logical_or",
)

Grads = tuple[Any, ...]
LN2, LN10 = math.log(2.0), math.log(10.0)
TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


# --------------------------------------------------------------------------- erf
# erf(x) for |x| < 1/2 is x·P(x²) (its Maclaurin series); on [1/2, 6) it is a degree-14 Taylor
# polynomial about the centre of each interval of width 1/4 (|t| ≤ 1/8); from 6 on it rounds to
# ±1. The coefficients are computed on first use in 40-digit decimal arithmetic and rounded once,
# so the result is within 2 ulp of erf (the tests measure it against math.erf on a dense grid).
_LO, _HI, _STEP, _DEG = 0.5, 6.0, 0.25, 14
_TWO_OVER_SQRT_PI = "1.128379167095512573896158903121545171688"  # 2/√π to 40 digits


def erf_taylor(lo: float, hi: float, step: float, deg: int, complement: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
    """The centres c of the intervals of width ``step`` that cover [lo, hi), and per centre the
    Taylor coefficients f⁽ʲ⁾(c)/j! of f = erf (erfc = 1 − erf with ``complement``) as columns
    j = 0 … deg, from 40-digit decimal arithmetic rounded once (erfc(c) too, however small)."""
    with localcontext() as ctx:
        ctx.prec = 40
        k = Decimal(_TWO_OVER_SQRT_PI)
        sign = -1 if complement else 1
        centres, rows = [], []
        for i in range(int((hi - lo) / step)):  # (the quotient is exact)
            c = Decimal(lo) + (i + Decimal("0.5")) * Decimal(step)  # exact in binary too
            # erf(c) = (2/√π) e^(−c²) Σ 2ⁿ c^(2n+1) / (1·3···(2n+1)): all terms positive
            term = total = c
            n = 0
            while term > total * Decimal("1e-40"):
                n += 1
                term = term * 2 * c * c / (2 * n + 1)
                total += term
            d1 = k * (-c * c).exp()  # erf'(c) = −erfc'(c)
            # erf⁽ʲ⁺¹⁾(c)/(j+1)! = erf'(c) hⱼ / (j+1) with hⱼ = (−1)ʲ Hⱼ(c)/j! (Hermite Hⱼ):
            # h₀ = 1, h₁ = −2c, hⱼ₊₁ = −2 (c hⱼ + hⱼ₋₁) / (j+1)
            h = [Decimal(1), -2 * c]
            for j in range(1, deg):
                h.append(-2 * (c * h[j] + h[j - 1]) / (j + 1))
            centres.append(float(c))
            value = 1 - d1 * total if complement else d1 * total
            rows.append([float(value)] + [float(sign * d1 * h[j] / (j + 1)) for j in range(deg)])
    return np.array(centres), np.ascontiguousarray(np.array(rows).T)


def taylor_at(m: np.ndarray, lo: float, step: float, centres: np.ndarray,
              taylor: np.ndarray) -> np.ndarray:
    """The Taylor polynomial (``erf_taylor``'s columns) of m's interval of width ``step`` from
    ``lo``, about its centre, by Horner's rule."""
    i = ((m - lo) * (1 / step)).astype(np.intp)
    t = m - centres[i]  # exact (Sterbenz): m and its centre are within a factor 2
    r = taylor[-1][i]
    for col in taylor[-2::-1]:
        r *= t
        r += col[i]
    return r


@functools.cache  # on first use: importing the package stays cheap
def _erf_tables() -> tuple[list[float], np.ndarray, np.ndarray]:
    """The Maclaurin coefficients of erf(x)/x in x², the centres, and per centre c the Taylor
    coefficients erf⁽ʲ⁾(c)/j! (as columns j = 0 … _DEG)."""
    with localcontext() as ctx:
        ctx.prec = 40
        k = Decimal(_TWO_OVER_SQRT_PI)
        series, fact = [], Decimal(1)
        for n in range(15):  # the first term left out is below 0.25¹⁵ / (15! · 31) < 1e-22
            fact *= max(n, 1)
            series.append(float(k * (-1) ** n / (fact * (2 * n + 1))))
    return (series, *erf_taylor(_LO, _HI, _STEP, _DEG))  # 22 intervals


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf x = (2/√π) ∫₀ˣ e^(−t²) dt on an array, within 2 ulp; computed in float64 and returned
    in ``x``'s floating dtype (float64 for other inputs); erf(±∞) = ±1, erf(−0) = −0."""
    series, centres, taylor = _erf_tables()
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    a = np.abs(x).astype(np.float64)
    out = np.ones_like(a)  # erf rounds to 1 from 6 on
    small = a < _LO
    if small.any():  # each branch runs on its own elements only: no overflow, no warning
        s = a[small]
        z = s * s
        p = np.full_like(z, series[-1])
        for c in reversed(series[:-1]):
            p *= z
            p += c
        out[small] = s * p
    mid = (a >= _LO) & (a < _HI)
    if mid.any():
        out[mid] = taylor_at(a[mid], _LO, _STEP, centres, taylor)
    np.copysign(out, x, out=out)
    nan = np.isnan(a)
    if nan.any():
        out[nan] = np.nan
    return out.astype(dtype, copy=False)


def _erf(x: Any) -> tuple[Any, Any]:
    """erf x = (2/√π) ∫₀ˣ e^(−t²) dt;  x̄ = ḡ (2/√π) e^(−x²)"""
    return erf_array(x), x


erf = primitive("erf", _erf, lambda g, x, needs: (g * exp_of(-(x * x)) * TWO_OVER_SQRT_PI,),
                floating=True)


# --------------------------------------------------------------------------- trigonometry
def _of(op: Any, np_fn: Any, x: Any) -> Any:
    """The recorded ``op`` on a Tensor (a recorded VJP), NumPy's ``np_fn`` on an array."""
    return op(x) if isinstance(x, Tensor) else np_fn(x)


def _unary(name: str, np_fn: Any, doc: str, vjp: Any, keep: str = "x",
           **options: Any) -> Primitive:
    """A floating unary primitive ``np_fn`` whose VJP gets x (``keep="x"``) or the output."""
    def forward(x: Any) -> tuple[Any, Any]:
        out = np_fn(x)
        return out, (x if keep == "x" else out)

    forward.__doc__ = doc
    return primitive(name, forward, vjp, floating=True, **options)


sin = _unary("sin", np.sin, "sin x;  x̄ = ḡ cos x", lambda g, x, needs: (g * _of(cos, np.cos, x),))
cos: Primitive = _unary("cos", np.cos, "cos x;  x̄ = −ḡ sin x",
                        lambda g, x, needs: (-g * _of(sin, np.sin, x),))
tan = _unary("tan", np.tan, "tan x;  x̄ = ḡ (1 + tan² x)",
             lambda g, out, needs: (g * (1 + out * out),), keep="out",
             domain=("inside_half_pi",))
def _root_one_minus_square(x: Any) -> Any:
    """√((1 − x)(1 + x)) = √(1 − x²), exact near |x| = 1; NaN for every |x| > 1 (a power
    −½ would give 0 once x² overflows)."""
    d = (1 - x) * (1 + x)
    return FUNCTIONS["sqrt"](d) if isinstance(d, Tensor) else np.sqrt(d)


arcsin = _unary("arcsin", np.arcsin, "arcsin x;  x̄ = ḡ / √(1 − x²)",
                lambda g, x, needs: (g / _root_one_minus_square(x),), domain=("unit_open",))
arccos = _unary("arccos", np.arccos, "arccos x;  x̄ = −ḡ / √(1 − x²)",
                lambda g, x, needs: (-g / _root_one_minus_square(x),), domain=("unit_open",))
arctan = _unary("arctan", np.arctan, "arctan x;  x̄ = ḡ / (1 + x²)",
                lambda g, x, needs: (g / (1 + x * x),))


def _arctan2(y: Any, x: Any) -> tuple[Any, Any]:
    """arctan2(y, x), the angle of (x, y) in (−π, π];  ȳ = ḡ x / (x² + y²), x̄ = −ḡ y / (x² + y²),
    0 at the origin (as PyTorch)"""
    return np.arctan2(y, x), (y, x)


def _arctan2_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    y, x = saved
    r2 = x * x + y * y
    w = g / (r2 + (raw(r2) == 0))  # r² = 0 only at the origin: 0 / 1 = 0 there
    return (w * x if needs[0] else None), (-w * y if needs[1] else None)


# y off zero keeps samples off the branch cut (x < 0, y = 0) and the origin
arctan2 = primitive("arctan2", _arctan2, _arctan2_vjp, nin=2, floating=True,
                    domain=("nonzero", "real"))

# --------------------------------------------------------------------------- hyperbolic, exp, log
sinh = _unary("sinh", np.sinh, "sinh x;  x̄ = ḡ cosh x",
              lambda g, x, needs: (g * _of(cosh, np.cosh, x),))
cosh: Primitive = _unary("cosh", np.cosh, "cosh x;  x̄ = ḡ sinh x",
                         lambda g, x, needs: (g * _of(sinh, np.sinh, x),))
exp2 = _unary("exp2", np.exp2, "2^x;  x̄ = ḡ 2^x log 2",
              lambda g, out, needs: (g * out * LN2,), keep="out")
expm1 = _unary("expm1", np.expm1, "e^x − 1 (exact near 0);  x̄ = ḡ e^x = ḡ (out + 1)",
               lambda g, out, needs: (g * (out + 1),), keep="out")
log2 = _unary("log2", np.log2, "log₂ x;  x̄ = ḡ / (x log 2)",
              lambda g, x, needs: (g / (x * LN2),), domain=("positive",))
log10 = _unary("log10", np.log10, "log₁₀ x;  x̄ = ḡ / (x log 10)",
               lambda g, x, needs: (g / (x * LN10),), domain=("positive",))


def _reciprocal(x: Any) -> tuple[Any, Any]:
    """1 / x (NumPy's: integer division for integer x);  x̄ = −ḡ / x²"""
    out = np.reciprocal(x)
    return out, out


reciprocal = primitive("reciprocal", _reciprocal, lambda g, out, needs: (-g * out * out,),
                       domain=("nonzero",))


def _logaddexp(a: Any, b: Any) -> tuple[Any, Any]:
    """log(e^a + e^b), without overflow;  ā = ḡ e^a / (e^a + e^b) = ḡ σ(a − b), b̄ = ḡ σ(b − a)
    (so an infinite input gets all of ḡ, as in PyTorch)"""
    return np.logaddexp(a, b), (a, b)


def _logaddexp_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    a, b = saved
    return (g * sigmoid_of(a - b) if needs[0] else None), \
        (g * sigmoid_of(b - a) if needs[1] else None)


def _hypot(a: Any, b: Any) -> tuple[Any, Any]:
    """√(a² + b²) without overflow;  ā = ḡ a / h, b̄ = ḡ b / h, 0 at the origin
    (where PyTorch gives NaN)"""
    out = np.hypot(a, b)
    return out, (a, b, out)


def _hypot_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    a, b, h = saved
    h = h + (raw(h) == 0)  # h = 0 only where a = b = 0: the gradient is 0 / 1 = 0 there
    return (g * a / h if needs[0] else None), (g * b / h if needs[1] else None)


logaddexp = primitive("logaddexp", _logaddexp, _logaddexp_vjp, nin=2, floating=True)
# a off zero keeps samples off the kink at the origin
hypot = primitive("hypot", _hypot, _hypot_vjp, nin=2, floating=True, smooth=False,
                  domain=("nonzero", "real"))


# --------------------------------------------------------------------------- piecewise constant
def _zero_vjp(g: Any, saved: Any, needs: Any, **attrs: Any) -> Grads:
    # zeros, not 0·ḡ: an infinite ḡ still gives 0; one array per input, each owned by its .grad
    zeros = [np.zeros(g.shape, g.dtype) if n else None for n in needs]
    if isinstance(g, Tensor):
        return tuple(None if z is None else wrap(z) for z in zeros)
    return tuple(zeros)


def _constant(name: str, np_fn: Any, formula: str, torch: str = "as in PyTorch",
              **options: Any) -> Any:
    def unary(x: Any) -> tuple[Any, None]:
        return np_fn(x), None

    def binary(a: Any, b: Any) -> tuple[Any, None]:
        return np_fn(a, b), None

    forward = binary if options.get("nin") == 2 else unary
    forward.__doc__ = f"{formula};  piecewise constant: gradient 0, {torch}"
    return primitive(name, forward, _zero_vjp, smooth=False, **options)


_GRID = ("off_half_grid",)
sign = _constant("sign", np.sign, "sign x ∈ {−1, 0, 1}, NaN for NaN (as NumPy; PyTorch: 0)",
                 domain=("nonzero",))
floor = _constant("floor", np.floor, "⌊x⌋", domain=_GRID)
ceil = _constant("ceil", np.ceil, "⌈x⌉", domain=_GRID)
trunc = _constant("trunc", np.trunc, "x rounded towards 0", domain=_GRID)
floor_divide = _constant("floor_divide", np.floor_divide, "⌊a / b⌋ (NumPy's, as Python's //)",
                         "where PyTorch has none", nin=2, domain=("off_half_grid", "half_steps"))


def _round(x: Any, decimals: int = 0) -> tuple[Any, None]:
    """x rounded to ``decimals`` digits;  piecewise constant: gradient 0, as in PyTorch
    (halves go to even, as NumPy)"""
    return np.round(x, decimals), None


_ROUND = primitive("round", _round, _zero_vjp, smooth=False)


def round(x: Any, decimals: int = 0) -> Tensor:
    """x rounded to ``decimals`` decimal digits (negative: to tens, hundreds…), halves to even
    as ``np.round``;  piecewise constant: gradient 0, as in PyTorch."""
    if not is_int(decimals):
        raise TypeError(f"round: decimals must be an int, got {decimals!r:.60}")
    if not -2**31 < decimals < 2**31:
        raise ValueError(f"round: decimals={decimals} is out of range")
    return _ROUND(x, decimals=int(decimals))


def _remainder(a: Any, b: Any) -> tuple[Any, Any]:
    """a − b ⌊a/b⌋ (NumPy's, as Python's %: the sign of b);  ā = ḡ, b̄ = −ḡ ⌊a/b⌋
    (as PyTorch)"""
    return np.remainder(a, b), np.floor_divide(a, b)


remainder = primitive("remainder", _remainder,
                      lambda g, q, needs: (g if needs[0] else None, -g * q if needs[1] else None),
                      nin=2, smooth=False, domain=("off_half_grid", "half_steps"))


# --------------------------------------------------------------------------- predicates
def _array(x: Any, name: str) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else as_array(x, copy=False, where=name)


def _both(a: Any, b: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    xa, xb = _array(a, name), _array(b, name)
    try:
        np.broadcast_shapes(xa.shape, xb.shape)
    except ValueError:
        raise ValueError(f"{name}: shapes {xa.shape} and {xb.shape} do not broadcast") from None
    return xa, xb


def _predicate(name: str, np_fn: Any, doc: str) -> Any:
    def fn(x: Any) -> Tensor:
        return wrap(np_fn(_array(x, name)))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{doc}, elementwise: a constant bool Tensor (never recorded)."
    return fn


isnan = _predicate("isnan", np.isnan, "x ≠ x")
isinf = _predicate("isinf", np.isinf, "|x| = ∞")
isfinite = _predicate("isfinite", np.isfinite, "x neither infinite nor NaN")
logical_not = _predicate("logical_not", np.logical_not, "¬x (x = 0 is False)")


def logical_and(a: Any, b: Any) -> Tensor:
    """a ∧ b (nonzero is True), elementwise with broadcasting; a constant bool Tensor."""
    return wrap(np.logical_and(*_both(a, b, "logical_and")))


def logical_or(a: Any, b: Any) -> Tensor:
    """a ∨ b (nonzero is True), elementwise with broadcasting; a constant bool Tensor."""
    return wrap(np.logical_or(*_both(a, b, "logical_or")))


FUNCTIONS.update({f.__name__: f for f in (
    sin, cos, tan, arcsin, arccos, arctan, arctan2, sinh, cosh, exp2, expm1, log2, log10,
    reciprocal, logaddexp, hypot, erf, sign, floor, ceil, trunc, round, floor_divide, remainder,
    isnan, isinf, isfinite, logical_not, logical_and, logical_or)})
