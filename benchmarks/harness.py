"""Shared benchmark machinery: settings, paired timing, result records and correctness checks."""

from __future__ import annotations

import gc
import importlib
import math
import sys
import time
from collections.abc import Callable
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

    @classmethod
    def make(cls, quick: bool, threads: int) -> Settings:
        """Quick: tiny sizes and 2 repetitions (CI smoke); full: 7 repetitions of ~0.25 s."""
        if quick:
            return cls(quick=True, repeat=2, rep_seconds=0.004, max_number=50, threads=threads)
        return cls(quick=False, repeat=7, rep_seconds=0.25, max_number=100_000, threads=threads)


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


def time_paired(fns: dict[str, Callable[[], object]], cfg: Settings) -> dict[str, list[float]]:
    """Seconds per call of each function: ``cfg.repeat`` repetitions, frameworks interleaved.

    Each function is warmed up and calibrated so that one repetition lasts about
    ``cfg.rep_seconds``. The order of the frameworks rotates between repetitions so that no
    framework always runs first; with more than one thread each block starts after a pause
    (``SETTLE_SECONDS``) so that no framework runs beside another one's spinning threads. The
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
    samples: dict[str, list[float]] = {name: [] for name in names}
    settle = SETTLE_SECONDS if cfg.threads > 1 and not cfg.quick else 0.0
    for r in range(cfg.repeat):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            if settle:
                time.sleep(settle)  # the previous framework's idle threads stop spinning
            samples[name].append(_run_block(fns[name], numbers[name]))
    return samples


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
