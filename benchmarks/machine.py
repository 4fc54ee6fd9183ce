"""What the figures were measured on: CPU, BLAS, thread settings and library versions."""

from __future__ import annotations

import os
import platform
import re
import sys
from importlib import metadata
from typing import Any

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: glibc malloc's thresholds for every worker, in bytes. Left alone they move: they rise the
#: first time a large block is freed, so until some framework has freed one (torch does, early)
#: every allocation over 128 KiB is a fresh mmap and every large free hands memory back to the
#: kernel; the page faults that follow double hand NumPy's time on the 100×100 chain. Fixed
#: values give every framework the same allocator, whatever ran before it or is installed.
MALLOC_VARS = {"MALLOC_MMAP_THRESHOLD_": str(32 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(2**27)}
PACKAGES = ("numpy", "torch", "autograd", "mygrad", "matplotlib")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def numpy_blas() -> str:
    """NumPy's BLAS from ``np.show_config(mode="dicts")``: name, version and configuration."""
    import numpy as np

    try:
        info: Any = np.show_config(mode="dicts")
        blas = info["Build Dependencies"]["blas"]
    except Exception as exc:  # the layout of show_config differs between NumPy versions
        return f"unknown ({type(exc).__name__})"
    conf = blas.get("openblas configuration", "")
    return " ".join(str(p) for p in (blas.get("name"), blas.get("version"), conf and f"[{conf}]"))


def load_average() -> str:
    """1, 5 and 15-minute load averages (other work on the machine skews the figures)."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def describe() -> dict[str, str]:
    """Machine and versions, for the header of the results (does not import torch)."""
    cores = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    out = {
        "cpu": _cpu_model(),
        "cores": f"{cores} logical ({usable} usable)",
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "autograd_mini": _version("autograd-mini"),
        "numpy BLAS": numpy_blas(),
        "load average at start": load_average(),
    }
    for name in PACKAGES:
        out[name] = _version(name)
    if out["autograd_mini"] == "not installed":
        out["autograd_mini"] = "from the source tree"
    return out


def threads_info(threads: int) -> dict[str, str]:
    """What a worker process actually runs with: env variables, BLAS pools, torch threads."""
    out = {v: os.environ.get(v, "unset") for v in (*THREAD_VARS, *MALLOC_VARS)}
    out["requested"] = str(threads)
    try:
        from threadpoolctl import threadpool_info

        pools = [f"{p.get('internal_api')}={p.get('num_threads')}" for p in threadpool_info()]
        out["BLAS/OpenMP pools"] = ", ".join(pools) or "none"
    except ImportError:
        pass
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        out["torch threads"] = str(torch.get_num_threads())
        blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
        out["torch BLAS"] = blas.group(1) if blas else "unknown"
    return out
