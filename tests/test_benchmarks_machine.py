"""The benchmarks' busy-machine meter: CPU time of other work, not the load average."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
try:
    from benchmarks import machine
finally:
    sys.path.remove(str(ROOT))

needs_proc = pytest.mark.skipif(machine._proc_stat() is None, reason="no /proc/stat")


def test_meter_arithmetic(monkeypatch: pytest.MonkeyPatch) -> None:
    """others = (Δbusy − Δown) / (Δwall · cores); stolen = Δsteal / (Δwall · cores)."""
    stat = iter([(100.0, 1.0), (112.0, 3.0)])
    own = iter([5.0, 9.0])
    wall = iter([50.0, 60.0])
    monkeypatch.setattr(machine, "_proc_stat", lambda: next(stat))
    monkeypatch.setattr(machine, "_own_cpu", lambda: next(own))
    # the module's own names, so the real time and os modules stay untouched for everyone else
    monkeypatch.setattr(machine, "time", SimpleNamespace(perf_counter=lambda: next(wall)))
    monkeypatch.setattr(machine, "os", SimpleNamespace(cpu_count=lambda: 2))
    use = machine.CpuMeter().stop()
    assert use == pytest.approx({"others": (12 - 4) / 20, "stolen": 2 / 20, "seconds": 10})


def test_busy_warning() -> None:
    assert machine.busy_warning(None) is None
    assert machine.busy_warning({"others": 0.5, "stolen": 0.0, "seconds": 1.0}) is None  # short
    assert machine.busy_warning({"others": 0.01, "stolen": 0.02, "seconds": 60.0}) is None
    msg = machine.busy_warning({"others": 0.2, "stolen": 0.0, "seconds": 60.0})
    assert msg is not None and "other work used 20%" in msg
    msg = machine.busy_warning({"others": 0.0, "stolen": 0.1, "seconds": 60.0})
    assert msg is not None and "hypervisor took 10%" in msg


@needs_proc
def test_meter_sees_a_busy_process_that_is_not_the_run() -> None:
    """A process spinning during the window (not a finished worker) counts as other work."""
    meter = machine.CpuMeter()
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.5)
        use = meter.stop()
    finally:
        spin.kill()
        spin.wait()
    assert use is not None
    assert use["others"] * use["seconds"] * meter.cores > 0.5  # CPU-seconds of the spinner
    assert 0.0 <= use["stolen"] <= 1.0
