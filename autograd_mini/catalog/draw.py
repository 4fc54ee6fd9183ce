"""Random choices for the op catalog: the Chooser protocol, the input domains and their
sampling, and helpers that draw shapes, axes and indices."""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

__all__ = [
    "BOUND", "DOMAINS", "Chooser", "RngChooser", "Shape", "distinct", "domain_values", "draw_axes",
    "draw_broadcastable", "draw_index", "draw_matmul_shapes", "draw_shape", "factor_shape",
    "in_domain", "on_grid", "push_away", "within_bound",
]

Shape = tuple[int, ...]
BOUND = 2.0
#: Lower end of each domain's sampling interval [lo, bound] (for "nonzero", "off_half_grid" and
#: "half_steps": the smallest |x|; "real" samples [−bound, bound]). The margins keep central
#: differences inside the domain. Symmetric domains with an edge of their own: "unit_open",
#: |x| ≤ 0.9 (arcsin); "inside_half_pi", |x| ≤ 1.3 (tan). Grids that keep piecewise-constant
#: functions off their jumps: "off_half_grid", 0.25ℤ + 0.125 ± 0.025, at least 0.1 from every
#: multiple of 0.5 (floor, round, a in a mod b); "half_steps", ±{0.5, 1, 1.5, …} shrunk by at
#: most 1%, whose multiples in [−2, 2] stay within 0.02 of 0.5ℤ (b in a mod b).
DOMAINS: dict[str, float] = {"real": -math.inf, "positive": 0.2, "nonzero": 0.1,
                             "above_minus_one": -0.8, "unit_open": -0.9, "inside_half_pi": -1.3,
                             "off_half_grid": 0.1, "half_steps": 0.5}
_EDGE = {"unit_open": 0.9, "inside_half_pi": 1.3}  # |x| ≤ edge


class Chooser(Protocol):
    """A source of random choices: NumPy's generator for the report, Hypothesis in the tests."""

    def integer(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi]; the simplest choice is ``lo``."""

    def uniform(self, shape: Shape) -> np.ndarray:
        """A float64 array of ``shape`` with values in [−1, 1]; the simplest is zeros."""

    def permutation(self, n: int) -> list[int]:
        """A permutation of range(n)."""


class RngChooser:
    """Choices from a ``numpy.random.Generator``."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def uniform(self, shape: Shape) -> np.ndarray:
        return self.rng.uniform(-1.0, 1.0, shape)

    def permutation(self, n: int) -> list[int]:
        return [int(i) for i in self.rng.permutation(n)]


# --------------------------------------------------------------------------- values and domains
def domain_values(u: np.ndarray, domain: str, bound: float = BOUND) -> np.ndarray:
    """Map u ∈ [−1, 1] into ``domain`` ∩ [−bound, bound], away from the domain's edge."""
    lo = DOMAINS[domain]
    if domain == "real":
        return np.asarray(bound * u)
    if domain in _EDGE:
        return np.asarray(min(bound, _EDGE[domain]) * u)
    if domain == "off_half_grid":
        y = 4 * max(bound - 0.15, 0.0) * u
        k = np.floor(y)
        return np.asarray(0.25 * k + 0.125 + 0.05 * (y - k - 0.5))
    if domain == "half_steps":
        top = max(int(2 * bound), 1)
        y = top * np.abs(u)
        n = np.minimum(np.floor(y), top - 1)
        return np.asarray(np.where(u < 0, -0.5, 0.5) * (n + 1) * (1 - 0.01 * (y - n)))
    if domain == "nonzero":
        return np.asarray(np.where(u < 0, -1.0, 1.0) * (lo + (bound - lo) * np.abs(u)))
    lo = max(lo, -bound)  # (above_minus_one with a bound below 0.8 stays in [−bound, bound])
    return np.asarray(lo + (bound - lo) * np.abs(u))


def within_bound(a: np.ndarray) -> np.ndarray:
    """``a`` scaled down by a positive factor into the sampling interval [−BOUND, BOUND] when
    it leaves it: a custom builder's matrices keep their structure (diagonal dominance,
    definiteness, relative gaps between eigenvalues or singular values, signs)."""
    top = float(np.max(np.abs(a), initial=0.0))
    return a * (0.95 * BOUND / top) if top > 0.95 * BOUND else a


def in_domain(x: np.ndarray, domain: str, bound: float = BOUND) -> bool:
    """Whether all values lie in ``domain``'s sampling interval (float32 rounding allowed)."""
    x = np.asarray(x, dtype=np.float64)
    tol = 1e-6
    if not np.all(np.isfinite(x)) or np.any(np.abs(x) > bound + tol):
        return False
    lo = -bound if domain == "real" else DOMAINS[domain]
    if domain == "nonzero":
        return bool(np.all(np.abs(x) >= lo - tol))
    if domain in _EDGE:
        return bool(np.all(np.abs(x) <= _EDGE[domain] + tol))
    if domain == "off_half_grid":  # at least 0.1 from 0.5ℤ
        return bool(np.all(np.abs(2 * x - np.round(2 * x)) >= 0.2 - tol))
    if domain == "half_steps":  # |x| = n/2 · (1 − δ), n ≥ 1, 0 ≤ δ ≤ 0.01
        n = np.ceil(2 * np.abs(x) - tol)
        return bool(np.all((n >= 1) & (2 * np.abs(x) >= 0.99 * n - tol)))
    return bool(np.all(x >= lo - tol))


def distinct(u: np.ndarray, perm: list[int]) -> np.ndarray:
    """Pairwise gaps > 0.1 within ±1.8: a shuffled grid of step ≤ 0.25 plus a jitter ≤ 0.01."""
    step = min(0.25, 3.6 / max(len(perm), 1))
    grid = (np.asarray(perm, dtype=np.float64) - (len(perm) - 1) / 2) * step
    return grid.reshape(u.shape) + 0.01 * u


def on_grid(x: np.ndarray, offset: float) -> np.ndarray:
    """Snap to the grid 0.25ℤ + offset with a jitter ≤ 0.01: grids 0.125 apart stay > 0.1 apart."""
    r = np.round(4 * x)
    return r / 4 + 0.02 * (4 * x - r) + offset


def push_away(x: np.ndarray, points: list[float], margin: float = 0.1) -> np.ndarray:
    """Move values within ``margin`` of any of ``points`` out to 1.5 · margin."""
    for p in points:
        d = x - p
        x = np.where(np.abs(d) <= margin, p + np.where(d < 0, -1.5, 1.5) * margin, x)
    return x


# --------------------------------------------------------------------------- shapes and attrs
def draw_shape(ch: Chooser, min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
               max_side: int = 3) -> Shape:
    """A shape with min_dims ≤ ndim ≤ max_dims and sides in [min_side, max_side]."""
    nd = ch.integer(min_dims, max_dims)
    return tuple(ch.integer(min_side, max_side) for _ in range(nd))


def draw_broadcastable(ch: Chooser, n: int, min_dims: int = 0, max_dims: int = 3,
                       min_side: int = 1, max_side: int = 3) -> tuple[Shape, ...]:
    """``n`` shapes that broadcast together: suffixes of one shape with some sides set to 1."""
    base = draw_shape(ch, min_dims, max_dims, min_side, max_side)
    out = []
    for _ in range(n):
        nd = ch.integer(min_dims, len(base))
        out.append(tuple(1 if ch.integer(0, 3) == 3 else s for s in base[len(base) - nd:]))
    return tuple(out)


def draw_axes(ch: Chooser, ndim: int) -> Any:
    """A valid ``axis`` argument: None, an int, a negative int or a tuple of distinct axes."""
    kind = ch.integer(0, 3)
    if kind == 0:
        return None
    if ndim == 0:
        return ()
    if kind == 1:
        return ch.integer(0, ndim - 1)
    if kind == 2:
        return ch.integer(-ndim, -1)
    k = ch.integer(0, ndim)
    return tuple(a - ndim if ch.integer(0, 1) else a for a in ch.permutation(ndim)[:k])


def draw_matmul_shapes(ch: Chooser, max_batch_dims: int = 2, max_side: int = 3
                       ) -> tuple[Shape, Shape]:
    """Operand shapes for matmul: vector·vector, vector·matrix, matrix·vector, batched stacks."""
    n, k, m = (ch.integer(1, max_side) for _ in range(3))
    kind = ch.integer(0, 3)
    if kind == 0:
        return (k,), (k,)
    ba, bb = draw_broadcastable(ch, 2, 0, max_batch_dims, 1, max_side)
    if kind == 1:
        return (k,), (*bb, k, m)
    if kind == 2:
        return (*ba, n, k), (k,)
    return (*ba, n, k), (*bb, k, m)


def draw_index(ch: Chooser, shape: Shape) -> Any:
    """An index for an array of ``shape``: ints, slices, None/Ellipsis, int arrays, bool masks
    (on an axis of length 0: slices instead of an int, empty int arrays)."""
    nd = len(shape)
    kind = ch.integer(0, 5) if nd else 2
    if kind == 0 and shape[0]:
        return ch.integer(-shape[0], shape[0] - 1)
    if kind <= 1:
        return tuple(slice(ch.integer(-s, s), ch.integer(-s - 1, s + 1),
                           ch.integer(1, 2) * (1 - 2 * ch.integer(0, 1))) for s in shape)
    if kind == 2:
        return (None, Ellipsis) if ch.integer(0, 1) else (Ellipsis, None)
    if kind == 3:
        ax = ch.integer(0, nd - 1)
        n = shape[ax]
        idx = np.array([ch.integer(-n, n - 1) for _ in range(ch.integer(1, 4) if n else 0)],
                       dtype=np.intp)
        return (*(slice(None),) * ax, idx)
    if kind == 4:
        return ch.uniform(shape) > 0
    rows = np.array([ch.integer(0, shape[0] - 1) for _ in range(ch.integer(1, 3) if shape[0]
                                                                  else 0)], dtype=np.intp)
    return (rows, slice(None, None, -1)) if nd > 1 else rows[::-1]


def factor_shape(ch: Chooser, size: int) -> Shape:
    """A random shape with ``size`` elements, possibly with one −1 entry."""
    factors, rest, p = [], size, 2
    while rest > 1:
        while rest % p == 0:
            factors.append(p)
            rest //= p
        p += 1
    nd = ch.integer(1 if size > 1 else 0, 3)
    dims = [1] * nd
    for f in factors:
        dims[ch.integer(0, nd - 1)] *= f
    if nd and ch.integer(0, 1):
        dims[ch.integer(0, nd - 1)] = -1
    return tuple(dims)
