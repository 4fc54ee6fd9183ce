"""Run the benchmark suite:
``python -m benchmarks.run [--quick] [--threads N] [--only NAME] [--processes K]``.

Each thread count runs in a fresh worker process whose OMP/OpenBLAS/MKL thread variables are
set before NumPy is imported (and ``torch.set_num_threads`` to the same count); with
``--processes K`` in K of them, one after another (pooling.py says how they are combined). The
parent merges the workers' measurements and writes ``results.md``, ``results.json`` and
``results.png`` to ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path[0] = str(ROOT)

from benchmarks.machine import MALLOC_VARS, THREAD_VARS  # noqa: E402
from benchmarks.pooling import pool  # noqa: E402
from benchmarks.workloads import WORKLOADS  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (``--worker`` and ``--json`` are internal)."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes and 2 repetitions (CI smoke test; figures not meaningful)")
    p.add_argument("--threads", default="1,2",
                   help="thread count(s) for BLAS and torch, comma-separated (default: 1,2)")
    p.add_argument("--only", default="",
                   help=f"comma-separated workloads to run, from: {', '.join(WORKLOADS)}")
    p.add_argument("--processes", type=int, default=1,
                   help="worker processes per thread count, pooled (default: 1)")
    p.add_argument("--out", default=None,
                   help="output directory (default: benchmarks/results, or the untracked "
                   "benchmarks/results/quick for --quick)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--json", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    args.names = names
    if args.out is None:  # a smoke run must not overwrite the committed results
        args.out = str(ROOT / "benchmarks" / "results" / ("quick" if args.quick else ""))
    try:
        args.thread_counts = [int(t) for t in str(args.threads).split(",") if t.strip()]
    except ValueError:
        p.error(f"--threads must be integers, got {args.threads!r}")
    if not args.thread_counts or min(args.thread_counts) < 1:
        p.error("--threads must be at least 1")
    if args.processes < 1:
        p.error(f"--processes must be at least 1, got {args.processes}")
    return args


# ----------------------------------------------------------------------------- worker
def worker(args: argparse.Namespace) -> int:
    """Run the workloads in this process (thread variables already set) and write JSON."""
    from benchmarks.harness import Settings, log, optional
    from benchmarks.machine import threads_info
    from benchmarks.workloads import runner

    threads = args.thread_counts[0]
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(threads)
    cfg = Settings.make(args.quick, threads)
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for name in args.names:
        log(f"[{threads} thread(s)] {name}")
        t0 = time.perf_counter()
        try:
            for m in runner(name)(cfg):
                results.append({**m.to_json(), "threads": threads})
            log(f"  {name} done in {time.perf_counter() - t0:.1f} s")
        except Exception:
            errors.append({"workload": name, "threads": threads, "error": traceback.format_exc()})
            log(f"  {name} FAILED:\n{traceback.format_exc()}")
    payload = {"results": results, "errors": errors, "threads_info": threads_info(threads)}
    Path(args.json).write_text(json.dumps(payload), encoding="utf-8")
    return 0


def run_worker(args: argparse.Namespace, threads: int, names: list[str]) -> dict[str, Any]:
    """Start a worker for one thread count and return its JSON payload."""
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    for var, value in MALLOC_VARS.items():
        env.setdefault(var, value)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.json"
        cmd = [sys.executable, "-m", "benchmarks.run", "--worker", "--threads", str(threads),
               "--only", ",".join(names), "--json", str(path)]
        if args.quick:
            cmd.append("--quick")
        proc = subprocess.run(cmd, env=env, cwd=str(ROOT), check=False)
        if proc.returncode != 0 or not path.exists():
            err = f"worker exited with status {proc.returncode}"
            return {"results": [], "threads_info": {},
                    "errors": [{"workload": ",".join(names), "threads": threads, "error": err}]}
        payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return payload


def main(argv: list[str] | None = None) -> int:
    """Run every configuration, write the results and print the tables."""
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    from benchmarks.machine import CpuMeter, busy_warning, describe, load_average
    from benchmarks.report import markdown, plot

    machine = describe()
    meter = CpuMeter()
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    thread_meta: dict[str, Any] = {}
    for round_ in range(args.processes):
        # thread counts in turn, the order reversed every other round (drift hits all alike)
        turn = list(enumerate(args.thread_counts))
        for i, threads in turn if round_ % 2 == 0 else turn[::-1]:
            names = [n for n in args.names if i == 0 or WORKLOADS[n][1]]
            if not names:
                continue
            if args.processes > 1:
                print(f"process {round_ + 1} of {args.processes}, {threads} thread(s)",
                      file=sys.stderr, flush=True)
            payload = run_worker(args, threads, names)
            results += payload["results"]
            errors += payload["errors"]
            thread_meta[str(threads)] = payload["threads_info"]
    results = pool(results)
    order = {n: i for i, n in enumerate(WORKLOADS)}
    results.sort(key=lambda m: (order[m["workload"]], m["threads"]))
    cmd = "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:])
    meta: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "processes": args.processes,
        "date": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "command": cmd.strip(),
        "machine": {**machine, "load average at end": load_average()},
        "threads": thread_meta,
        "errors": errors,
    }
    use = meter.stop()
    if use is not None:
        meta["machine"]["CPU used by other work / stolen"] = (
            f"{use['others']:.1%} / {use['stolen']:.1%} of the machine during the run")
    warning = busy_warning(use)
    if warning:
        meta["warning"] = warning
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(results, meta)
    (out / "results.md").write_text(text, encoding="utf-8")
    (out / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1),
                                      encoding="utf-8")
    title = f"{meta['mode']} run, {meta['date']}, {meta['machine']['cores']}"
    msg = plot(results, out / "results.png", title)
    print(text)
    print(msg)
    print(f"results written to {out / 'results.md'}")
    if errors:
        print(f"{len(errors)} workload(s) failed; see the Errors section", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
