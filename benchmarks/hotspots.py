"""Profile autograd_mini with cProfile: ``python -m benchmarks.hotspots [--top N] [--only NAME]``.

Prints the functions with the most own time (``tottime``) for the 1,000-op chain on shape (1,)
(forward+backward) and for the 784-256-10 MLP training step at batch 128 (float32).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path[0] = str(ROOT)


def per_op_step() -> tuple[Callable[[], Any], int, str]:
    """Forward+backward of the 1,000-op chain on shape (1,)."""
    import numpy as np

    import autograd_mini as am
    from benchmarks.workloads.per_op import chain_am

    x = am.Tensor(np.random.default_rng(0).standard_normal(1), requires_grad=True)

    def step() -> None:
        x.grad = None
        chain_am(x, 250).backward()

    return step, 200, "per_op: 1,000-op chain, shape (1,), fwd+bwd ×200"


def mlp_step() -> tuple[Callable[[], Any], int, str]:
    """One training step of the 784-256-10 net at batch 128, float32."""
    import numpy as np

    import autograd_mini as am
    from benchmarks.harness import tol
    from benchmarks.workloads.mlp import LR, batch
    from benchmarks.workloads.nets import Reference, build_am, targets_for

    sizes, n = [784, 256, 10], 128
    weights, x, y = batch(sizes, n, np.float32)
    ref = Reference.of(weights, "relu", "ce", LR, x, y)
    xa = am.Tensor(x)
    net, _ = build_am(weights, "relu", "ce", LR, xa, y, ref, tol(np.float32))
    target = targets_for("ce", y, sizes[-1], np.float32)
    return (lambda: net.step(xa, y, target)), 300, (
        f"mlp: 784-256-10, batch 128, float32, one step ×300 ({net.impl})")


def profile(make: Callable[[], tuple[Callable[[], Any], int, str]], top: int) -> str:
    """Warm up, profile ``n`` calls and return the top-``top`` table by own time."""
    step, n, title = make()
    for _ in range(3):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        step()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    return f"== {title}\n{buf.getvalue()}"


def main(argv: list[str] | None = None) -> int:
    """Print the hot spots of each profiled workload."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.hotspots", description=__doc__)
    p.add_argument("--top", type=int, default=10, help="rows per table (default 10)")
    p.add_argument("--only", choices=["per_op", "mlp"], help="profile one workload")
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    args = p.parse_args(argv)
    if "numpy" in sys.modules:
        print("note: NumPy was imported already; --threads may not apply", file=sys.stderr)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    makers = {"per_op": per_op_step, "mlp": mlp_step}
    for name, make in makers.items():
        if args.only in (None, name):
            print(profile(make, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
