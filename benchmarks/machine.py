"""What the figures were measured on: CPU, BLAS, thread settings and library versions."""

from __future__ import annotations

import os
import platform
import re
import sys
import time
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


def _proc_stat() -> tuple[float, float] | None:
    """Seconds of CPU time since boot over all CPUs: (busy, stolen by the hypervisor)."""
    try:
        with open("/proc/stat", encoding="utf-8") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
        tick = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...; guest time is already in user
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / tick, steal / tick


def _own_cpu() -> float:
    """CPU seconds of this process and of the children it has waited for (the workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuMeter:
    """How much of the machine other work took while the benchmarks ran.

    The load average is no measure of that: it counts tasks waiting in the kernel, and on this
    kind of virtual machine a kernel memory monitor keeps it near 0.7–0.8 when nothing runs.
    This meter reads the CPU time of the whole machine from ``/proc/stat`` when it is made and
    at ``stop`` and subtracts the run's own (this process and its finished workers):

        others = (Δbusy − Δown) / (Δwall · cores),   stolen = Δsteal / (Δwall · cores)

    both as shares of the machine's capacity. None where ``/proc/stat`` is missing.
    """

    def __init__(self) -> None:
        self.cores = os.cpu_count() or 1
        self._start = (time.perf_counter(), _proc_stat(), _own_cpu())

    def stop(self) -> dict[str, float] | None:
        """Shares of the machine used by other work and stolen by the hypervisor since start."""
        wall0, stat0, own0 = self._start
        stat1 = _proc_stat()
        if stat0 is None or stat1 is None:
            return None
        capacity = max(time.perf_counter() - wall0, 1e-9) * self.cores
        others = (stat1[0] - stat0[0]) - (_own_cpu() - own0)
        return {"others": max(others, 0.0) / capacity, "stolen": (stat1[1] - stat0[1]) / capacity,
                "seconds": capacity / self.cores}


def busy_warning(use: dict[str, float] | None, limit: float = 0.05) -> str | None:
    """A warning when other work or the hypervisor took more than ``limit`` of the machine."""
    if use is None or use["seconds"] < 5:  # clock ticks are 10 ms: too coarse for short runs
        return None
    if use["others"] <= limit and use["stolen"] <= limit:
        return None
    return (f"the machine was busy: other work used {use['others']:.0%} of its CPU time during "
            f"the run and the hypervisor took {use['stolen']:.0%}; other work skews the figures")


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
