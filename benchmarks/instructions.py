"""Instructions per op of the per-op chain, counted by valgrind's callgrind.

Wall-clock figures of Python-heavy code on a shared 2-core machine move by ±10 % from run to
run; an instruction count does not. Under ``setarch -R`` (no address randomisation), with
``PYTHONHASHSEED=0`` and one BLAS thread, callgrind gives the same count on every run, so a
change to the engine can be judged by a difference of a few hundred instructions per op.
The count is a proxy: it leaves out cache misses and the CPU's speed per instruction (Python's
instructions run slower than NumPy's streaming loops), so wall-clock runs still decide.

    python -m benchmarks.instructions [--shape 1|100] [--mode fb|fwd] [--cache]

Each framework's chain runs in a child process under callgrind twice, for ``--short`` and
``--long`` repetitions after three warm-ups; the difference divided by the extra ops is the
cost per op with start-up and import left out. Needs valgrind (Debian: ``apt install
valgrind``) and setarch (util-linux).

With ``--cache`` the children run under cachegrind's cache model instead (``--cache-sim=yes``)
and the tool reports, per op, the instructions and the first-level instruction- and data-cache
misses: where Python's instructions cost more than NumPy's, this says whether it is the
instruction cache (more distinct interpreter code per op) or the data.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

import numpy as np

from .machine import MALLOC_VARS

N4 = 250  # blocks of four ops: the 1,000-op chain of workloads/per_op.py
FRAMEWORKS = ("autograd_mini", "numpy")
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def child(framework: str, shape: tuple[int, ...], mode: str, reps: int) -> None:
    """Run the chain ``reps`` times after three warm-ups (the code callgrind counts)."""
    from .workloads.per_op import chain_am, numpy_forward, numpy_grad

    x0 = np.random.default_rng(0).standard_normal(shape)
    seed = np.ones_like(x0)
    if framework == "numpy":
        def run() -> None:
            if mode == "fb":
                numpy_grad(x0, N4, seed)
            else:
                numpy_forward(x0, N4, [])
    else:
        import autograd_mini as am

        x = am.Tensor(x0, requires_grad=True)

        def run() -> None:
            x.grad = None
            y = chain_am(x, N4)
            if mode == "fb":
                y.backward(seed)
    for _ in range(3 + reps):
        run()


def collected(stderr: str) -> int:
    """The total instruction count in callgrind's closing summary."""
    found = _COLLECTED.findall(stderr)
    if not found:
        raise RuntimeError(f"no 'Collected :' line in callgrind's output:\n{stderr[-2000:]}")
    return int(found[-1])


def _valgrind(tool: list[str], framework: str, shape: str, mode: str, reps: int) -> str:
    """valgrind's closing summary (stderr) for one child process under ``tool``."""
    env = {**os.environ, **MALLOC_VARS, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = ["setarch", "-R", "valgrind", *tool, sys.executable, "-m", "benchmarks.instructions",
           "--child", framework, "--shape", shape, "--mode", mode, "--reps", str(reps)]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return done.stderr


def count(framework: str, shape: str, mode: str, reps: int) -> int:
    """Instructions of one child process under callgrind."""
    tool = ["--tool=callgrind", "--callgrind-out-file=/dev/null"]
    return collected(_valgrind(tool, framework, shape, mode, reps))


_CACHE_LINE = re.compile(r"(I\s+refs|I1\s+misses|D1\s+misses):\s+([\d,]+)")
CACHE_EVENTS = ("instructions", "I1 misses", "D1 misses")


def cache_summary(stderr: str) -> dict[str, int]:
    """Instructions and first-level instruction/data cache misses from cachegrind's summary."""
    found = {" ".join(k.split()): int(v.replace(",", "")) for k, v in _CACHE_LINE.findall(stderr)}
    if len(found) != 3:
        raise RuntimeError(f"no cache summary in cachegrind's output:\n{stderr[-2000:]}")
    return dict(zip(CACHE_EVENTS, (found["I refs"], found["I1 misses"], found["D1 misses"]),
                    strict=True))


def cache_counts(framework: str, shape: str, mode: str, reps: int) -> dict[str, int]:
    """``cache_summary`` of one child process under cachegrind's cache model."""
    tool = ["--tool=cachegrind", "--cache-sim=yes", "--cachegrind-out-file=/dev/null"]
    return cache_summary(_valgrind(tool, framework, shape, mode, reps))


def per_op(framework: str, shape: str, mode: str, short: int, long: int) -> float:
    """Instructions per op: (count at ``long`` − count at ``short``) / extra ops."""
    a = count(framework, shape, mode, short)
    b = count(framework, shape, mode, long)
    return (b - a) / ((long - short) * 4 * N4)


def _shape(text: str) -> tuple[int, ...]:
    return (1,) if text == "1" else (int(text), int(text))


def main(argv: list[str] | None = None) -> int:
    """Print instructions per op for each framework and the library's ratio to hand NumPy."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.instructions",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--shape", default="1", help="1 for shape (1,), N for N×N (default 1)")
    ap.add_argument("--mode", choices=["fb", "fwd"], default="fb",
                    help="fb: forward and backward; fwd: recorded forward only")
    ap.add_argument("--short", type=int, default=2, help="repetitions of the shorter run")
    ap.add_argument("--long", type=int, default=12, help="repetitions of the longer run")
    ap.add_argument("--cache", action="store_true",
                    help="count cache misses with cachegrind's cache model as well")
    ap.add_argument("--child", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    ap.add_argument("--reps", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, _shape(args.shape), args.mode, args.reps)
        return 0
    if args.long <= args.short:
        ap.error(f"--long ({args.long}) must be larger than --short ({args.short})")
    missing = [t for t in ("valgrind", "setarch") if shutil.which(t) is None]
    if missing:
        print(f"needs {' and '.join(missing)} (Debian: apt install valgrind)", file=sys.stderr)
        return 2
    label = "(1,)" if args.shape == "1" else f"{args.shape}×{args.shape}"
    if args.cache:
        ops = (args.long - args.short) * 4 * N4
        rows = {}
        for fw in FRAMEWORKS:
            a = cache_counts(fw, args.shape, args.mode, args.short)
            b = cache_counts(fw, args.shape, args.mode, args.long)
            rows[fw] = {k: (b[k] - a[k]) / ops for k in CACHE_EVENTS}
        print(f"1,000-op chain on {label}, {args.mode}: per op (cachegrind's cache model)")
        print(f"  {'':14s} " + " ".join(f"{k:>12s}" for k in CACHE_EVENTS))
        for fw, row in rows.items():
            print(f"  {fw:14s} " + " ".join(f"{row[k]:12,.0f}" for k in CACHE_EVENTS))
        return 0
    counts = {fw: per_op(fw, args.shape, args.mode, args.short, args.long) for fw in FRAMEWORKS}
    print(f"1,000-op chain on {label}, {args.mode}: instructions per op")
    for fw, n in counts.items():
        print(f"  {fw:14s} {n:10,.0f}")
    print(f"  ratio          {counts['autograd_mini'] / counts['numpy']:10.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
