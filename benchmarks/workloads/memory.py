"""Peak memory of an MLP training step (tracemalloc) vs hand NumPy, and its flatness over steps."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_mini as am

from ..harness import Measurement, Settings, log, tol
from .mlp import LR, batch, configs
from .nets import NumpyNet, Reference, build_am, targets_for

NAME = "mlp_memory"
MIB = 1.0 / 2**20


def _fns(sizes: list[int], n: int, dtype: Any) -> tuple[dict[str, Callable[[], Any]], str]:
    weights, x, y = batch(sizes, n, dtype)
    ref = Reference.of(weights, "relu", "ce", LR, x, y)
    xa = am.Tensor(x)
    target = targets_for("ce", y, sizes[-1], dtype)
    net, note = build_am(weights, "relu", "ce", LR, xa, y, ref, tol(dtype))
    hand = NumpyNet(weights, "relu", "ce", LR)
    fns = {"autograd_mini": lambda: net.step(xa, y, target), "numpy": lambda: hand.step(x, y)}
    return fns, note or f"autograd_mini via {net.impl}"


def step_peaks(fns: dict[str, Callable[[], Any]], reps: int) -> dict[str, list[float]]:
    """Bytes allocated at the peak of one step above what was live before it, per repetition."""
    out: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()
    for _ in range(reps):
        for name, fn in fns.items():
            gc.collect()
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            fn()
            out[name].append(float(tracemalloc.get_traced_memory()[1] - base))
    return out


def flatness(step: Callable[[], Any], n_steps: int, window: int) -> tuple[float, ...]:
    """Traced bytes: (peak in the first window, peak in the last window, live after each).

    Absolute figures (everything traced since ``tracemalloc.start``, parameters included), so
    a flat run gives ratios of 1.
    """
    gc.collect()
    tracemalloc.reset_peak()
    for _ in range(window):
        step()
    first = tracemalloc.get_traced_memory()[1]
    live_first = tracemalloc.get_traced_memory()[0]
    for _ in range(n_steps - 2 * window):
        step()
    tracemalloc.reset_peak()
    for _ in range(window):
        step()
    last = tracemalloc.get_traced_memory()[1]
    live_last = tracemalloc.get_traced_memory()[0]
    return float(first), float(last), float(live_first), float(live_last)


def run(cfg: Settings) -> list[Measurement]:
    """MiB at the peak of one step for both nets; peak over the first vs last steps."""
    out = []
    tracemalloc.start()
    try:
        for sizes, n, _ in configs(cfg.quick):
            for dtype in (np.float32, np.float64):
                case = f"{'-'.join(map(str, sizes))}, batch {n}, {np.dtype(dtype).name}, step peak"
                log(f"  mlp_memory {case}")
                fns, note = _fns(sizes, n, dtype)
                samples = step_peaks(fns, 3)
                out.append(Measurement(NAME, case, "MiB", MIB, samples,
                                       targets={"numpy": 1.2}, note=note))
        sizes, n, _ = configs(cfg.quick)[0]
        n_steps, window = (40, 10) if cfg.quick else (1000, 100)
        fns, note = _fns(sizes, n, np.float32)
        arch = f"{'-'.join(map(str, sizes))}, batch {n}, float32"
        log(f"  mlp_memory flatness over {n_steps} steps")
        first, last, live_first, live_last = flatness(fns["autograd_mini"], n_steps, window)
        lo, hi = f"steps 1–{window}", f"steps {n_steps - window + 1}–{n_steps}"
        out.append(Measurement(NAME, f"{arch}, peak over {hi} vs {lo}", "MiB", MIB,
                               {hi: [last], lo: [first]}, subject=hi, targets={lo: 1.05},
                               note=note))
        out.append(Measurement(NAME, f"{arch}, live after step {n_steps} vs step {window}",
                               "MiB", MIB, {f"after {n_steps}": [live_last],
                                            f"after {window}": [live_first]},
                               subject=f"after {n_steps}", targets={f"after {window}": 1.05}))
    finally:
        tracemalloc.stop()
    return out
