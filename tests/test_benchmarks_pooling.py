"""Benchmark measurements pooled from several worker processes (``run --processes K``): the
merge, the split back, and verdicts that take the process as their unit."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import pooling, report, run
from benchmarks.harness import SUBJECT, median_ci, median_ci_level

ROOT = Path(__file__).resolve().parent.parent


def _m(subject: list[float], numpy: list[float], threads: int = 1, note: str = "",
       case: str = "c") -> dict[str, Any]:
    return {"workload": "w", "case": case, "unit": "ms", "scale": 1.0, "subject": SUBJECT,
            "samples": {SUBJECT: subject, "numpy": numpy}, "targets": {"numpy": 1.15},
            "note": note, "threads": threads}


def test_pool_concatenates_samples_and_counts_each_process() -> None:
    a = _m([1.0, 1.1], [1.0, 1.0], note="via nn")
    b = _m([2.4, 2.6, 2.2], [2.0, 2.0, 2.0], note="via nn")
    other = _m([5.0], [5.0], threads=2)
    pooled = pooling.pool([a, other, b])
    assert len(pooled) == 2
    first = pooled[0]
    assert first["samples"] == {SUBJECT: [1.0, 1.1, 2.4, 2.6, 2.2], "numpy": [1.0] * 2 + [2.0] * 3}
    assert first["counts"] == {SUBJECT: [2, 3], "numpy": [2, 3]}
    assert first["note"] == "via nn"  # the same note is not repeated
    assert "counts" not in pooled[1]  # measured once: returned as it was
    assert pooling.split(pooled[1]) == [pooled[1]]
    assert a["samples"][SUBJECT] == [1.0, 1.1]  # the inputs are not changed


def test_split_gives_back_each_process() -> None:
    a, b = _m([1.0, 1.1], [1.0, 1.0]), _m([2.4, 2.6, 2.2], [2.0, 2.0, 2.0])
    parts = pooling.split(pooling.pool([a, b])[0])
    assert [p["samples"] for p in parts] == [a["samples"], b["samples"]]
    assert all("counts" not in p for p in parts)


def test_pool_refuses_processes_that_measured_different_frameworks() -> None:
    a = _m([1.0], [1.0])
    b = {**_m([1.0], [1.0]), "samples": {SUBJECT: [1.0], "torch": [1.0]}}
    with pytest.raises(ValueError, match=r"pool: w, c \(1 thread\(s\)\)"):
        pooling.pool([a, b])


def test_process_ratios_are_each_processes_median() -> None:
    pooled = pooling.pool([_m([1.0, 1.1, 1.2], [1.0] * 3), _m([2.4, 2.6, 2.2], [2.0] * 3)])[0]
    assert pooling.ratios(pooled, "numpy") == pytest.approx([1.0, 1.1, 1.2, 1.2, 1.3, 1.1])
    assert pooling.process_ratios(pooled, "numpy") == pytest.approx([1.1, 1.2])


def test_unpaired_processes_contribute_the_ratio_of_their_medians() -> None:
    a = {**_m([3.0, 1.0, 2.0], [1.0]), "targets": {}}
    b = {**_m([4.0], [2.0, 2.0]), "targets": {}}
    assert pooling.ratios(pooling.pool([a, b])[0], "numpy") == pytest.approx([2.0, 2.0])


def test_pooled_verdict_takes_the_process_as_its_unit() -> None:
    # Process medians 1.10, 1.20, 1.30; pooled repetitions mostly below 1.15 (the first
    # process gave many): the verdict follows the processes, not the repetition count.
    p1 = _m([1.05, 1.1, 1.1, 1.1, 1.12, 1.1, 1.1, 1.08, 1.1], [1.0] * 9)
    p2, p3 = _m([1.2, 1.2, 1.2], [1.0] * 3), _m([1.3, 1.3, 1.3], [1.0] * 3)
    pooled = pooling.pool([p1, p2, p3])
    assert sorted(pooling.ratios(pooled[0], "numpy"))[7] < 1.15  # the pooled median
    row = report.targets_table(pooled)[2]
    assert "| 1.20× (1.10–1.30) |" in row
    assert "1.10–1.30 (75 %, over processes)" in row
    assert "| 15 in 3 processes |" in row
    assert row.endswith("| **no** (not settled) |")
    assert report.judged(pooled[0], "numpy") == pytest.approx([1.1, 1.2, 1.3])
    assert "❌ ≤1.15" in report.ratio_table(pooled)[2]


def test_single_process_rows_show_the_coverage_of_their_interval() -> None:
    row = report.targets_table([_m([1.0 + i / 100 for i in range(7)], [1.0] * 7)])[2]
    assert "| 1.03× (1.00–1.06) | 1.00–1.06 (98 %) | 7 |" in row


def _coverage(n: int, k: int) -> float:
    return 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2**n


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6, 7, 9, 15, 21, 40])
def test_median_ci_level_is_the_coverage_of_median_ci(n: int) -> None:
    k = int(median_ci([float(i) for i in range(1, n + 1)])[0])
    assert median_ci_level(n) == pytest.approx(_coverage(n, k))
    assert (median_ci_level(n) >= 0.95) == (n >= 6)


def test_median_ci_level_known_values() -> None:
    assert median_ci_level(1) == 0.0
    assert median_ci_level(3) == 0.75
    assert median_ci_level(7) == 1 - 2**-6
    with pytest.raises(ValueError, match="median_ci_level"):
        median_ci_level(0)


def test_processes_must_be_positive() -> None:
    assert run.parse_args(["--processes", "3"]).processes == 3
    assert run.parse_args([]).processes == 1
    with pytest.raises(SystemExit):
        run.parse_args(["--processes", "0"])


def test_quick_run_in_two_processes_pools_them(tmp_path: Path) -> None:
    """``--processes 2`` runs two workers and the targets table judges over both."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--threads", "1", "--only",
         "mlp_memory", "--processes", "2", "--out", str(tmp_path)],
        cwd=str(ROOT), capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stderr.count("process 2 of 2") == 1
    text = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "ran in 2 worker processes" in text
    targets = text.split("## Targets", 1)[1].split("## Ratios", 1)[0]
    assert targets.count("in 2 processes |") == 6
    assert "(50 %, over processes)" in targets
