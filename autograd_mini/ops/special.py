"""Special functions: erfc, erfinv, logit and xlogy (PyTorch's ``torch.special`` names).

erfc and erfinv are primitives, because the composites would be inaccurate: 1 − erf(x) loses
every digit once erf(x) rounds to 1 (x > 6), and erfinv near ±1 needs erfc to solve for its
root. logit is a composite; xlogy a primitive, so that x = 0 gives exactly 0 and a gradient
without 0 · ∞. Integer inputs are computed in float64; float32 stays float32; the domain edges
(erfinv(±1) = ±∞, logit(0) = −∞, xlogy(0, 0) = 0) give no warnings.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ..checks import real_number
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import FUNCTIONS, Tensor
from . import elementwise as E
from .mathfuncs import erf_array, erf_taylor, taylor_at

__all__ = ["erfc", "erfinv", "logit", "xlogy"]

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ()

Grads = tuple[Any, ...]
TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
HALF_SQRT_PI = math.sqrt(math.pi) / 2

# --------------------------------------------------------------------------- erfc
# erfc(x) = 1 − erf(x) for x < 1/2 (there erfc > 0.47: no cancellation); on [1/2, 6) a degree-14
# Taylor polynomial about the centre of each interval of width 1/16 (|t| ≤ 1/32, so the terms
# (2ct)ʲ/j! of e^(−2ct) are below 1e-19 of the value at degree 15); from 6 on the continued
# fraction erfc x = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))), 60 levels (ample for
# x ≥ 6), with e^(−x²) from an exact split of x² (its rounding error would grow with x²).
_LO, _HI, _STEP, _DEG, _LEVELS = 0.5, 6.0, 1 / 16, 14, 60


@functools.cache  # on first use: importing the package stays cheap
def _erfc_tables() -> tuple[np.ndarray, np.ndarray]:
    """The centres c, and per centre the Taylor coefficients erfc⁽ʲ⁾(c)/j! (columns j = 0 …
    _DEG), from 40-digit decimal arithmetic rounded once."""
    return erf_taylor(_LO, _HI, _STEP, _DEG, complement=True)  # 88 intervals


def _exp_minus_square(x: np.ndarray) -> np.ndarray:
    """e^(−x²) for 0 ≤ x < 2¹⁰, to a few ulp: x = h + l with h of 20 fraction bits, so h² is
    exact and x² = h² + l (x + h) is split without rounding the large part."""
    h = np.ldexp(np.floor(np.ldexp(x, 20)), -20)
    return np.exp(-h * h) * np.exp(-(x - h) * (x + h))


def erfc_array(x: np.ndarray) -> np.ndarray:
    """erfc x = 1 − erf x = (2/√π) ∫ₓ^∞ e^(−t²) dt on an array, to a few ulp (relative) also
    where it is tiny; computed in float64, returned in ``x``'s floating dtype (float64 for
    other inputs); erfc(−∞) = 2, erfc(∞) = 0, NaN for NaN."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    a = x.astype(np.float64)
    out = np.zeros_like(a)  # x ≥ 28: erfc underflows to 0; and NaN is put back below
    low = a < _LO
    if low.any():
        out[low] = 1 - erf_array(a[low])
    mid = (a >= _LO) & (a < _HI)
    if mid.any():
        out[mid] = taylor_at(a[mid], _LO, _STEP, *_erfc_tables())
    tail = (a >= _HI) & (a < 28.0)
    if tail.any():
        z = a[tail]
        f = z.copy()  # the continued fraction, from its deepest level up
        for level in range(_LEVELS, 0, -1):
            f = z + (level / 2) / f
        out[tail] = _exp_minus_square(z) / (f * math.sqrt(math.pi))
    nan = np.isnan(a)
    if nan.any():
        out[nan] = np.nan
    return out.astype(dtype, copy=False)


def _erfc(x: Any) -> tuple[Any, Any]:
    """erfc x = 1 − erf x, without cancellation for large x;  x̄ = −ḡ (2/√π) e^(−x²)"""
    return erfc_array(x), x


erfc = primitive("erfc", _erfc, lambda g, x, needs: (
    g * E.exp_of(-(x * x)) * -TWO_OVER_SQRT_PI,), floating=True)


# --------------------------------------------------------------------------- erfinv
_WINITZKI = 0.147  # the constant of Winitzki's closed-form approximation (relative error < 2e-3)


def erfinv_array(x: np.ndarray) -> np.ndarray:
    """erfinv x, the y with erf y = x, on an array: ±∞ at ±1, NaN outside [−1, 1], computed in
    float64 and returned in ``x``'s floating dtype.

    A closed-form approximation (relative error < 2e-3) refined by three Halley steps, which
    triple the correct digits each: on erf y = |x| for |x| < 1/2, and on erfc y = 1 − |x|
    (exact for |x| ≥ 1/2) above, where erf y − x would lose the digits that fix y."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    a = x.astype(np.float64)
    s = np.abs(a)
    out = np.where(s == 1, np.inf, np.nan)  # NaN: outside [−1, 1], and NaN itself
    inside = s < 1
    if inside.any():
        v = s[inside]
        lg = np.log((1 - v) * (1 + v))  # log(1 − v²), finite for v < 1
        b = 2 / (math.pi * _WINITZKI) + lg / 2
        y = np.sqrt(np.sqrt(b * b - lg / _WINITZKI) - b)
        small, r = v < 0.5, 1 - v
        for _ in range(3):
            # f(y) = erf y − v (or r − erfc y): f' = (2/√π) e^(−y²), f''/f' = −2y; Halley's
            # step y − f/(f' − f f''/(2f')) is y − δ/(1 + yδ) with δ = f/f'
            f = np.where(small, erf_array(y) - v, r - erfc_array(y))
            d = f / (TWO_OVER_SQRT_PI * np.exp(-y * y))
            y = y - d / (1 + y * d)
        out[inside] = y
    return np.copysign(out, a).astype(dtype, copy=False)


def _erfinv(x: Any) -> tuple[Any, Any]:
    """erfinv x, the y ∈ ℝ with erf y = x (±∞ at ±1, NaN outside);  x̄ = ḡ (√π/2) e^(y²)"""
    out = erfinv_array(x)
    return out, out


erfinv = primitive("erfinv", _erfinv, lambda g, y, needs: (g * E.exp_of(y * y) * HALF_SQRT_PI,),
                   floating=True, domain=("unit_open",))


# --------------------------------------------------------------------------- logit
def logit(x: Any, eps: float | None = None) -> Tensor:
    """log(x / (1 − x)) = log x − log(1 − x), x clamped to [eps, 1 − eps] if eps is given;
    x̄ = ḡ / (x (1 − x)), 0 outside [eps, 1 − eps].

    As torch.logit: at 0 and 1 the value is ∓∞ and the gradient ∞; outside [0, 1] (without
    eps) both are NaN. eps must be in [0, 0.5]."""
    x = as_tensor(x, where="logit")
    if x.dtype.kind != "f":  # integers and bools in float64, as the other functions
        x = x.astype(np.float64)
    if eps is not None:
        real_number(eps, "logit", "eps")
        if not 0 <= eps <= 0.5:
            raise ValueError(f"logit: eps must be in [0, 0.5] (x is clamped to [eps, 1 − eps]), "
                             f"got {eps!r}")
        x = E.clip(x, float(eps), 1 - float(eps))
    else:
        outside = ~((x.data >= 0) & (x.data <= 1))  # (and NaN)
        if outside.any():  # NaN in the value and the gradient there, as PyTorch
            x = E.mul(x, np.where(outside, np.nan, 1.0).astype(x.dtype))
    return E.sub(E.log(x), E.log1p(E.neg(x)))


# --------------------------------------------------------------------------- xlogy
def _xlogy(x: Any, y: Any) -> tuple[Any, Any]:
    """x log y, 0 where x = 0 (also for y = 0; NaN for y NaN);  x̄ = ḡ log y (0 where x = 0 and
    y ≤ 0), ȳ = ḡ x / y (as torch.xlogy: NaN at x = y = 0)"""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(y)
    return np.where((x == 0) & ~np.isnan(y), np.zeros((), out.dtype), out), (x, y)


def _xlogy_vjp(g: Any, saved: Any, needs: Any) -> Grads:
    x, y = saved
    gx = gy = None
    if needs[0]:  # ḡ xlogy([x ≠ 0 or y > 0], y): log y, but 0 where x = 0 and y ≤ 0 (as torch)
        live = ((E.raw(x) != 0) | (E.raw(y) > 0)).astype(E.raw(y).dtype)
        gx = g * (xlogy(live, y) if isinstance(y, Tensor) else _xlogy(live, y)[0])
    if needs[1]:
        gy = g * x / y
    return gx, gy


# x off 0 and y > 0: x ↦ x log y is linear, so x̄ = ḡ log y also at x = 0 (as PyTorch's)
xlogy = primitive("xlogy", _xlogy, _xlogy_vjp, nin=2, floating=True,
                  domain=("real", "positive"))

FUNCTIONS.update(erfc=erfc, erfinv=erfinv, logit=logit, xlogy=xlogy)
