"""Shared benchmark machinery: settings, paired timing, result records and correctness checks."""

from __future__ import annotations

import gc
import importlib
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

SUBJECT = "autograd_mini"


@dataclass(frozen=True)
class Settings:
    """How hard to measure: repetitions, seconds per repetition and problem sizes."""

    quick: bool
    repeat: int
    rep_seconds: float
    max_number: int
    threads: int
    max_repeat: int = 0
    precision: float = 0.0

    @classmethod
    def make(cls, quick: bool, threads: int) -> Settings:
        """Quick: tiny sizes and 2 repetitions (CI smoke); full: 7 to 21 repetitions of ~0.25 s.

        A full run repeats a case with a target beyond 7 repetitions (up to 21) while the 95 %
        confidence interval of a targeted median ratio is wider than ±2 % of it.
        """
        if quick:
            return cls(quick=True, repeat=2, rep_seconds=0.004, max_number=50, threads=threads)
        return cls(quick=False, repeat=7, rep_seconds=0.25, max_number=100_000, threads=threads,
                   max_repeat=21, precision=0.02)


@dataclass
class Measurement:
    """One benchmark case: per-repetition samples for each framework (lower is better).

    ``samples[name][i]`` is repetition ``i`` (seconds per call, or bytes); repetitions of the
    frameworks are interleaved, so ``samples[SUBJECT][i] / samples[other][i]`` is a paired ratio.
    A displayed value is ``sample * scale`` in ``unit``; ``targets[other]`` is the largest
    acceptable ratio ``subject ÷ other``.
    """

    workload: str
    case: str
    unit: str
    scale: float
    samples: dict[str, list[float]]
    subject: str = SUBJECT
    targets: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        """A plain dict for the JSON hand-over between processes."""
        return {
            "workload": self.workload,
            "case": self.case,
            "unit": self.unit,
            "scale": self.scale,
            "samples": self.samples,
            "subject": self.subject,
            "targets": self.targets,
            "note": self.note,
        }


def optional(name: str) -> ModuleType | None:
    """Import ``name`` if it is installed, else None (torch, autograd and mygrad are optional)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def log(msg: str) -> None:
    """Progress message on stderr (stdout is kept for the results table)."""
    print(msg, file=sys.stderr, flush=True)


def _run_block(fn: Callable[[], object], number: int) -> float:
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def _ci_rank(n: int, level: float) -> tuple[int, float]:
    """The largest rank k ≤ (n + 1)/2 whose pair (x₍ₖ₎, x₍ₙ₊₁₋ₖ₎) covers the median with
    probability 1 − 2·P(B ≤ k − 1) ≥ ``level`` (B ~ Bin(n, ½)), or k = 1; and that coverage."""
    k, below = 1, 1  # below = 2ⁿ·P(B ≤ k − 1), summed as k grows
    while 2 * (k + 1) <= n + 1 and 1 - 2 * (below + math.comb(n, k)) / 2**n >= level:
        below += math.comb(n, k)
        k += 1
    return k, 1 - 2 * below / 2**n


def median_ci(xs: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval of the median of ``xs``: the order statistics
    (x₍ₖ₎, x₍ₙ₊₁₋ₖ₎) with the largest k for which 1 − 2·P(B ≤ k − 1) ≥ ``level``, B ~ Bin(n, ½).

    With fewer than 9 samples the interval is (min, max), which covers the median with
    probability 1 − 2⁻⁽ⁿ⁻¹⁾: 98.4 % for 7, but under 95 % below 6 samples
    (``median_ci_level`` gives the coverage).
    """
    s = sorted(xs)
    n = len(s)
    if n == 0:
        raise ValueError("median_ci: no samples")
    k = _ci_rank(n, level)[0]
    return s[k - 1], s[n - k]


def median_ci_level(n: int, level: float = 0.95) -> float:
    """The probability that ``median_ci`` of ``n`` samples covers the median (0 for n = 1):
    1 − 2·P(B ≤ k − 1) for its rank k; at least ``level`` from 6 samples up."""
    if n < 1:
        raise ValueError("median_ci_level: no samples")
    return _ci_rank(n, level)[1]


def ci_width(xs: Sequence[float]) -> float:
    """Half the width of ``median_ci(xs)`` relative to the median: 0.02 means ±2 %."""
    lo, hi = median_ci(xs)
    med = statistics.median(xs)
    return (hi - lo) / 2 / med if med > 0 else math.inf


def time_paired(fns: dict[str, Callable[[], object]], cfg: Settings,
                pins: Sequence[str] = ()) -> dict[str, list[float]]:
    """Seconds per call of each function: ``cfg.repeat`` repetitions, frameworks interleaved.

    ``pins`` names the baselines whose ratio ``SUBJECT ÷ baseline`` has a target: while the
    confidence interval of any of their median ratios is wider than ``cfg.precision`` (see
    ``ci_width``), whole rounds of repetitions are added, up to ``cfg.max_repeat``. The rule
    looks at the interval's width only, never at where it lies, so it cannot favour a verdict.

    Each function is warmed up and calibrated so that one repetition lasts about
    ``cfg.rep_seconds``. The frameworks run in the orders of ``balanced_orders``, one order per
    repetition, so that none always runs first or always after the same other one; with more
    than one thread each block starts after a busy pause (``SETTLE_SECONDS``, ``_settle``) so
    that no framework runs beside another one's spinning threads. The
    garbage collector stays on (training pays for it too), but objects alive before timing
    starts (modules, inputs) are frozen out of its scans.
    """
    gc.collect()
    gc.freeze()
    numbers: dict[str, int] = {}
    for name, fn in fns.items():
        fn()
        dt = _run_block(fn, 1)
        numbers[name] = max(1, min(cfg.max_number, int(cfg.rep_seconds / max(dt, 1e-9))))
    names = list(fns)
    orders = balanced_orders(len(names))
    samples: dict[str, list[float]] = {name: [] for name in names}
    settle = SETTLE_SECONDS if cfg.threads > 1 and not cfg.quick else 0.0
    pinned = [p for p in pins if p in fns and p != SUBJECT and SUBJECT in fns]
    r = 0
    while r < cfg.repeat or (r < cfg.max_repeat and any(
            ci_width(paired_ratios(samples, p)) > cfg.precision for p in pinned)):
        for i in orders[r % len(orders)]:
            if settle:
                _settle(settle)  # the previous framework's idle threads stop spinning
            samples[names[i]].append(_run_block(fns[names[i]], numbers[names[i]]))
        r += 1
    return samples


def balanced_orders(n: int) -> list[list[int]]:
    """Orders in which to time ``n`` frameworks, one per repetition in turn: each framework
    runs first equally often and comes right after each other one equally often (a Williams
    design: n orders for even n, 2n for odd n). A plain rotation would always put the same
    framework after the same other one, and anything one leaves behind (cold caches, a thread
    pool winding down) would fall on the same neighbour every time."""
    first, lo, hi = [0], 1, n - 1
    while len(first) < n:  # 0, 1, n−1, 2, n−2, …
        if len(first) % 2:
            first.append(lo)
            lo += 1
        else:
            first.append(hi)
            hi -= 1
    rows = [[(x + i) % n for x in first] for i in range(n)]
    return rows + [row[::-1] for row in rows] if n % 2 else rows


def _settle(seconds: float) -> None:
    """Wait ``seconds`` busily. Sleeping instead lets this virtual machine idle both cores, and
    the block after an idle pause runs slower and far less evenly (784-256-10 float32 at
    2 threads, hand NumPy: 0.79–1.57 ms per step across 21 repetitions after sleeps,
    0.75–0.84 ms after busy waits). A training loop does not idle between steps either."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def paired_ratios(samples: dict[str, list[float]], other: str,
                  subject: str = SUBJECT) -> list[float]:
    """Per-repetition ratios subject ÷ other (repetitions are paired by index)."""
    return [a / b if b > 0 else math.inf
            for a, b in zip(samples[subject], samples[other], strict=True)]


#: Pause before each timed block with more than one thread. Thread pools spin for a while
#: after their work (OpenBLAS's workers about 0.1 s, an OpenMP runtime up to 0.2 s); on a
#: 2-core machine a framework timed right after another one would share its cores with them.
SETTLE_SECONDS = 0.3


def rel_err(a: Any, b: Any) -> float:
    """max |a − b| / max(max |b|, tiny): one relative error for a whole array."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return math.inf
    denom = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-300)
    return float(np.max(np.abs(a - b))) / denom if a.size else 0.0


def training_step(opt: Any, loss_of: Callable[..., Any]) -> Callable[..., float]:
    """One training step for any framework: zero the gradients, ``loss_of(*batch)``, backward,
    ``opt.step()``; returns the loss as a float."""
    def step(*batch: Any) -> float:
        opt.zero_grad()
        loss = loss_of(*batch)
        loss.backward()
        opt.step()
        return float(loss.item())
    return step


def check_close(what: str, got: Any, want: Any, rtol: float) -> None:
    """Raise AssertionError unless ``got`` matches the reference ``want`` to ``rtol``."""
    err = rel_err(got, want)
    if not err <= rtol:
        raise AssertionError(f"{what}: relative error {err:.3g} exceeds {rtol:.1g}")


def check_all(what: str, got: dict[str, list[Any]], want: list[Any], rtol: float) -> None:
    """Check each framework's list of arrays against the reference list."""
    for name, arrays in got.items():
        if len(arrays) != len(want):
            raise AssertionError(f"{what} [{name}]: {len(arrays)} arrays, expected {len(want)}")
        for i, (g, w) in enumerate(zip(arrays, want, strict=True)):
            check_close(f"{what} [{name}] #{i}", g, w, rtol)


def tol(dtype: Any) -> float:
    """Relative tolerance for cross-framework agreement: 1e-6 in float64, 2e-4 in float32."""
    return 1e-6 if np.dtype(dtype) == np.float64 else 2e-4


def grad_data(t: Any) -> np.ndarray:
    """The array of an autograd_mini tensor's ``.grad`` (raises if backward left it unset)."""
    g = t.grad
    if g is None:
        raise AssertionError("backward left .grad unset")
    data: np.ndarray = g.data
    return data
