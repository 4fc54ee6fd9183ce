"""Import cost: wall time and peak RSS of a fresh interpreter importing each framework."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ..harness import Measurement, Settings, log, optional

NAME = "import"
#: "Far below PyTorch's import", made a number: at most a quarter of its wall time and of its
#: peak RSS.
FAR_BELOW = {"torch": 0.25}
ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, resource, sys, time
t0 = time.perf_counter()
done = []
for name in sys.argv[1:]:
    try:
        __import__(name)
        done.append(name)
    except Exception as exc:
        done.append(f"{name} failed: {type(exc).__name__}")
t1 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:  # Linux keeps the parent's ru_maxrss across fork+exec; VmHWM is this program's own peak
    with open("/proc/self/status") as fh:
        rss = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
print(json.dumps({"seconds": t1 - t0, "rss_kib": rss, "modules": done}))
"""

SUBJECTS = {
    "autograd_mini": ["autograd_mini", "nn", "optim"],
    "numpy": ["numpy"],
    "torch": ["torch"],
    "python": [],
}


def probe(modules: list[str]) -> dict[str, object]:
    """Run the probe in a fresh interpreter (same environment, repository on the path)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    res = subprocess.run([sys.executable, "-c", _PROBE, *modules], capture_output=True,
                         text=True, env=env, cwd=str(ROOT), timeout=300, check=True)
    found: dict[str, object] = json.loads(res.stdout.strip().splitlines()[-1])
    return found


def run(cfg: Settings) -> list[Measurement]:
    """Import time (ms) and peak RSS (MiB) of autograd_mini + nn + optim vs numpy and torch."""
    subjects = {k: v for k, v in SUBJECTS.items() if k != "torch" or optional("torch")}
    reps = 1 if cfg.quick else 7
    secs: dict[str, list[float]] = {k: [] for k in subjects}
    rss: dict[str, list[float]] = {k: [] for k in subjects}
    failed: set[str] = set()
    log(f"  import ×{reps}")
    for r in range(reps):
        names = list(subjects)
        k = r % len(names)
        for name in names[k:] + names[:k]:
            out = probe(subjects[name])
            secs[name].append(float(out["seconds"]))  # type: ignore[arg-type]
            rss[name].append(float(out["rss_kib"]) * 1024)  # type: ignore[arg-type]
            failed |= {m for m in out["modules"] if "failed" in m}  # type: ignore[attr-defined]
    secs.pop("python")  # nothing imported: ~0 s, only its RSS is a useful baseline
    note = ("; ".join(sorted(failed))) if failed else ""
    return [
        Measurement(NAME, "import autograd_mini, nn, optim: wall time", "ms", 1e3, secs,
                    targets=dict(FAR_BELOW), note=note),
        Measurement(NAME, "import autograd_mini, nn, optim: peak RSS", "MiB", 1 / 2**20, rss,
                    targets=dict(FAR_BELOW)),
    ]
