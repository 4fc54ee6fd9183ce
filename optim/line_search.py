"""The strong Wolfe line search of ``optim.LBFGS``: bracketing, then zooming by safeguarded cubic
interpolation (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Algorithms 3.5 and 3.6),
trial for trial as torch.optim.LBFGS's search.

Along a direction d from x, with φ(t) = f(x + t d) and φ'(t) = ∇f(x + t d)ᵀ d (φ'(0) < 0), a
step t is accepted when it satisfies both strong Wolfe conditions::

    φ(t) ≤ φ(0) + c₁ t φ'(0)          (sufficient decrease, c₁ = 1e-4)
    |φ'(t)| ≤ c₂ |φ'(0)|              (curvature, c₂ = 0.9)

A trial whose φ or φ' is not finite (NaN, ±inf: a loss outside its domain) fails the first
condition and is never the point returned while a finite one is known.
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


def _finite(p: Point) -> bool:
    return math.isfinite(p.f) and math.isfinite(p.slope)


def _below(a: Point, b: Point) -> bool:
    """Whether a is strictly lower than b, a point with a non-finite φ or φ' above all others."""
    return _finite(a) and (not _finite(b) or a.f < b.f)


def cubic_minimiser(a: Point, b: Point, lo: float, hi: float) -> float:
    r"""The minimiser of the cubic through (a.t, a.f) and (b.t, b.f) with slopes a.slope and
    b.slope, clamped to [lo, hi] (N&W eq. 3.59)::

        d₁ = φ'ₐ + φ'_b − 3 (φₐ − φ_b) / (tₐ − t_b),   d₂ = sign(t_b − tₐ) √(d₁² − φ'ₐ φ'_b)
        t = t_b − (t_b − tₐ) (φ'_b + d₂ − d₁) / (φ'_b − φ'ₐ + 2 d₂)

    The midpoint of [lo, hi] where the cubic has no minimiser (d₁² < φ'ₐ φ'_b) or the
    arithmetic is not finite (a NaN or infinite φ).
    """
    mid = 0.5 * (lo + hi)
    if a.t == b.t:
        return mid
    d1 = a.slope + b.slope - 3.0 * (a.f - b.f) / (a.t - b.t)
    disc = d1 * d1 - a.slope * b.slope  # (Python floats: an overflow is inf, not an error)
    if not disc >= 0.0 or not math.isfinite(disc):
        return mid
    if b.t < a.t:  # (the formula from the larger step, d₂ ≥ 0: the same rounding as torch's)
        a, b = b, a
    d2 = math.sqrt(disc)
    denom = b.slope - a.slope + 2.0 * d2
    if denom == 0.0:
        return mid
    t = b.t - (b.t - a.t) * ((b.slope + d2 - d1) / denom)
    return min(max(t, lo), hi) if math.isfinite(t) else mid


def _zoom(evaluate: Evaluate, start: Point, ends: list[Point], evals: int, c1: float, c2: float,
          tolerance_change: float, d_max: float, max_evals: int) -> tuple[Point, int]:
    """Algorithm 3.6 on the bracket ``ends`` = [a, b] (kept in this order; its lower end is
    "lo"): evaluate the cubic's minimiser in it; a point that fails sufficient decrease or is
    not below lo replaces the other end ("hi", and lo is again the lower end), else it is
    returned if it meets the curvature condition, or becomes lo (hi ← old lo when φ' points
    from it towards hi). Ends when ‖Δt d‖∞ over the bracket < ``tolerance_change`` or the
    evaluations run out, with lo.

    Safeguard: a trial within 10 % of the bracket's width w from an end is evaluated once (the
    cubic is often right there, e.g. for a quadratic); if the previous trial was also that
    close, or the trial is on an end, it moves to 0.1 w from the nearer end, so that the
    bracket shrinks by at least 10 % every two trials. As in torch's search, lo is the lower
    end even when it fails sufficient decrease (it never is above φ(0)).
    """
    f0, slope0 = start.f, start.slope
    low = 1 if _below(ends[1], ends[0]) else 0
    close_before = False
    while evals < max_evals and abs(ends[1].t - ends[0].t) * d_max >= tolerance_change:
        left, right = min(ends[0].t, ends[1].t), max(ends[0].t, ends[1].t)
        t = cubic_minimiser(ends[0], ends[1], left, right)
        margin = 0.1 * (right - left)
        close = min(right - t, t - left) < margin
        if close and (close_before or t <= left or t >= right):
            t = right - margin if right - t < t - left else left + margin
            close = False
        close_before = close
        new = evaluate(t)
        evals += 1
        lo, hi = ends[low], ends[1 - low]
        if not (_finite(new) and new.f <= f0 + c1 * t * slope0 and new.f < lo.f):
            ends[1 - low] = new
            low = 1 if _below(ends[1], ends[0]) else 0
            continue
        if abs(new.slope) <= -c2 * slope0:
            return new, evals
        if new.slope * (hi.t - lo.t) >= 0.0:
            ends[1 - low] = lo
        ends[low] = new
    return ends[low], evals


def strong_wolfe(evaluate: Evaluate, start: Point, t: float, *, c1: float = 1e-4,
                 c2: float = 0.9, tolerance_change: float = 1e-9, d_max: float = 1.0,
                 max_evals: int = 26) -> tuple[Point, int]:
    """A step meeting the strong Wolfe conditions from ``start`` (t = 0), trying ``t`` first.

    Algorithm 3.5: while the trial decreases φ enough (and, from the third trial on, is lower
    than the previous one) and φ' < 0 but not yet small enough, the step grows, to the cubic
    interpolation's minimiser kept within [t + 0.01 (t − t_prev), 10 t]; once a bracket
    [t_prev, t] holding an acceptable step is found, :func:`_zoom` narrows it. At most
    ``max_evals`` evaluations (≥ 1; torch's ``max_ls`` + 1): when they run out while the step
    still grows, the result is the last trial if it is below φ(0), else t = 0 (the start)
    — the previous trial if the last one is not finite. A bracket on which ‖Δt d‖∞ <
    ``tolerance_change`` (``d_max`` = ‖d‖∞) ends the search. Returns the accepted point (else
    the lowest end of the last bracket) and the number of evaluations.
    """
    if max_evals < 1:
        raise ValueError(f"strong_wolfe: max_evals must be >= 1, got {max_evals!r}")
    f0, slope0 = start.f, start.slope
    prev, new = start, evaluate(t)
    evals = 1
    while evals < max_evals:
        if not (_finite(new) and new.f <= f0 + c1 * t * slope0) or (
                evals > 2 and new.f >= prev.f):
            break
        if abs(new.slope) <= -c2 * slope0:
            return new, evals
        if new.slope >= 0.0:
            break
        bounds = t + 0.01 * (t - prev.t), 10.0 * t
        prev, t = new, cubic_minimiser(prev, new, *bounds)
        new = evaluate(t)
        evals += 1
    else:  # out of evaluations while still extrapolating
        last = new if _finite(new) else prev
        return (last if _below(last, start) else start), evals
    return _zoom(evaluate, start, [prev, new], evals, c1, c2, tolerance_change, d_max, max_evals)
