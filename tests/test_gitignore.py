"""Files the demo, the notebooks, the examples and the benchmarks generate are ignored by git;
the committed sources, pictures and results are not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from benchmarks import run

ROOT = Path(__file__).resolve().parents[1]

GENERATED = [
    "demo-output/loss_curves.png",
    "runs/demo-output/notes_example.svg",
    "notebooks/03_logistic_regression.ipynb",
    "notebooks/.ipynb_checkpoints/03_logistic_regression-checkpoint.ipynb",
    "benchmarks/results/quick/results.md",
    ".venv/bin/python",
    "digits.npz",
    "notes.svg",
]
KEPT = [
    "notebooks/03_logistic_regression.py",
    "benchmarks/results/results.md",
    "benchmarks/results/results.png",
    "docs/images/loss_curves.png",
    "docs/images/notes_example.svg",
    "README.md",
]


def _ignored(path: str) -> bool:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        pytest.fail(f"git check-ignore failed: {done.stderr}")
    return done.returncode == 0


@pytest.mark.parametrize("path", GENERATED)
def test_generated_files_are_ignored(path: str) -> None:
    assert _ignored(path), f"{path} would show up in git status"


@pytest.mark.parametrize("path", KEPT)
def test_sources_and_committed_results_are_not_ignored(path: str) -> None:
    assert not _ignored(path)


def test_a_quick_benchmark_run_writes_to_the_ignored_folder() -> None:
    quick = Path(run.parse_args(["--quick"]).out)
    assert quick == ROOT / "benchmarks" / "results" / "quick"
    assert Path(run.parse_args([]).out) == ROOT / "benchmarks" / "results"
