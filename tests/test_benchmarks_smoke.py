"""Smoke test: the benchmark suite runs end to end in quick mode and reports every workload."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ["per_op", "deep_chain", "mlp", "mlp_memory", "moons", "hvp", "import", "cnn",
             "embedding", "char_mlp"]


def test_quick_run_writes_every_workload(tmp_path: Path) -> None:
    """``benchmarks/run.py --quick --threads 1`` exits 0 and results.md names every workload."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--threads", "1",
         "--out", str(tmp_path)],
        cwd=str(ROOT), capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = (tmp_path / "results.md").read_text(encoding="utf-8")
    for name in WORKLOADS:
        assert f"| {name} |" in text, f"workload {name} missing from results.md"
    assert "## Errors" not in text
    # every worker runs with the same fixed allocator thresholds, and the table says so
    assert f"MALLOC_MMAP_THRESHOLD_={32 * 2**20}" in text
    # and the share of the CPU other work took during the run (machine.CpuMeter)
    assert "CPU used by other work / stolen" in text
    assert (tmp_path / "results.json").exists()
    # every goal is judged in the targets table (some goals are relative to PyTorch)
    targets = text.split("## Targets", 1)[1].split("## Ratios", 1)[0]
    assert "| CI of the median |" in targets
    judged = ["per_op", "mlp", "mlp_memory"]
    if importlib.util.find_spec("torch") is not None:
        judged += ["deep_chain", "moons", "import"]
    for name in judged:
        assert f"| {name} |" in targets, f"no target row for {name}"


def test_workload_list_matches_the_suite() -> None:
    """The names checked above are exactly the suite's workloads."""
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.workloads import WORKLOADS as registered
    finally:
        sys.path.remove(str(ROOT))
    assert list(registered) == WORKLOADS
