"""Files the demo, the notebooks, the examples and the benchmarks generate are ignored by git;
the committed sources, pictures and results are not."""

from __future__ import annotations

import re
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
    "notes.svg",  # written by the examples in README.md and docs/, run from the root:
    "model.safetensors",
    "optim.safetensors",
    "digits.safetensors",
    "from_torch.safetensors",
    "backprop.gif",
    "backprop.html",
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


def test_every_file_the_documents_examples_write_is_ignored() -> None:
    """A file name quoted in a README or docs/ example (run from the repository's root, where
    a reader runs them) must not show up in git status."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    names = {m for page in pages for m in re.findall(
        r"[\"' ]([\w.-]+\.(?:svg|png|gif|html|npz|safetensors|pdf))[\"' ]",
        page.read_text(encoding="utf-8"))}
    assert "model.safetensors" in names  # (the pattern finds them)
    assert [n for n in sorted(names) if not _ignored(n)] == []
