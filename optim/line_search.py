"""The strong Wolfe line search of ``optim.LBFGS``: bracketing, then zooming by safeguarded cubic
interpolation (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Algorithms 3.5 and 3.6).

Along a direction d from x, with φ(t) = f(x + t d) and φ'(t) = ∇f(x + t d)ᵀ d (φ'(0) < 0), a
step t is accepted when it satisfies both strong Wolfe conditions::

    φ(t) ≤ φ(0) + c₁ t φ'(0)          (sufficient decrease, c₁ = 1e-4)
    |φ'(t)| ≤ c₂ |φ'(0)|              (curvature, c₂ = 0.9)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = ["Point", "cubic_minimiser", "strong_wolfe"]


class Point(NamedTuple):
    """One evaluation along the line: step t, φ(t), the full gradient there and φ'(t)."""

    t: float
    f: float
    grad: np.ndarray
    slope: float


#: t -> the evaluation at x + t d
Evaluate = Callable[[float], Point]


def cubic_minimiser(a: Point, b: Point, lo: float, hi: float) -> float:
    r"""The minimiser of the cubic through (a.t, a.f) and (b.t, b.f) with slopes a.slope and
    b.slope, clamped to [lo, hi] (N&W eq. 3.59)::

        d₁ = φ'ₐ + φ'_b − 3 (φₐ − φ_b) / (tₐ − t_b),   d₂ = sign(t_b − tₐ) √(d₁² − φ'ₐ φ'_b)
        t = t_b − (t_b − tₐ) (φ'_b + d₂ − d₁) / (φ'_b − φ'ₐ + 2 d₂)

    The midpoint of [lo, hi] where the cubic has no minimiser (d₁² < φ'ₐ φ'_b) or the
    arithmetic is not finite.
    """
    mid = 0.5 * (lo + hi)
    if a.t == b.t:
        return mid
    d1 = a.slope + b.slope - 3.0 * (a.f - b.f) / (a.t - b.t)
    disc = d1 * d1 - a.slope * b.slope  # (Python floats: an overflow is inf, not an error)
    if not disc >= 0.0 or not math.isfinite(disc):
        return mid
    d2 = math.copysign(math.sqrt(disc), b.t - a.t)
    denom = b.slope - a.slope + 2.0 * d2
    if denom == 0.0:
        return mid
    t = b.t - (b.t - a.t) * (b.slope + d2 - d1) / denom
    return min(max(t, lo), hi) if math.isfinite(t) else mid


def _zoom(evaluate: Evaluate, f0: float, slope0: float, lo: Point, hi: Point, evals: int,
          c1: float, c2: float, width_tol: float, max_evals: int) -> tuple[Point, int]:
    """Algorithm 3.6: shrink the bracket [lo, hi] (lo: the lower φ that decreases enough)
    until a point meets both conditions, the bracket is narrower than ``width_tol`` or the
    evaluations run out; then the best point found so far."""
    while evals < max_evals and abs(hi.t - lo.t) >= width_tol:
        left, right = min(lo.t, hi.t), max(lo.t, hi.t)
        margin = 0.1 * (right - left)  # (never next to an end: the bracket must shrink)
        t = cubic_minimiser(lo, hi, left + margin, right - margin)
        new = evaluate(t)
        evals += 1
        if new.f > f0 + c1 * t * slope0 or new.f >= lo.f:
            hi = new
            continue
        if abs(new.slope) <= -c2 * slope0:
            return new, evals
        if new.slope * (hi.t - lo.t) >= 0.0:
            hi = lo
        lo = new
    return lo, evals


def strong_wolfe(evaluate: Evaluate, start: Point, t: float, *, c1: float = 1e-4,
                 c2: float = 0.9, tolerance_change: float = 1e-9, d_max: float = 1.0,
                 max_evals: int = 25) -> tuple[Point, int]:
    """A step meeting the strong Wolfe conditions from ``start`` (t = 0), trying ``t`` first.

    Algorithm 3.5: while the trial step decreases φ enough, is lower than the previous one and
    φ' < 0 but not yet small enough, the step grows, to the cubic interpolation's minimiser
    kept within [t + 0.01 (t − t_prev), 10 t]; once a bracket holding an acceptable step is
    found, :func:`_zoom` narrows it. At most ``max_evals`` evaluations; a bracket shorter
    than ``tolerance_change`` / ``d_max`` (so ‖t d‖∞ changes by less) ends the search.
    Returns the accepted point (the best found, if none is) and the number of evaluations.
    """
    f0, slope0 = start.f, start.slope
    prev = start
    evals = 0
    width_tol = tolerance_change / d_max if d_max > 0.0 else math.inf
    while True:
        new = evaluate(t)
        evals += 1
        if new.f > f0 + c1 * t * slope0 or (evals > 1 and new.f >= prev.f):
            return _zoom(evaluate, f0, slope0, prev, new, evals, c1, c2, width_tol, max_evals)
        if abs(new.slope) <= -c2 * slope0:
            return new, evals
        if new.slope >= 0.0:
            return _zoom(evaluate, f0, slope0, new, prev, evals, c1, c2, width_tol, max_evals)
        if evals >= max_evals:
            return new, evals
        lo, hi = t + 0.01 * (t - prev.t), 10.0 * t
        prev, t = new, cubic_minimiser(prev, new, lo, hi)
