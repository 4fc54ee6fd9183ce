"""The main job: ``autograd-mini demo`` reaches its numbers and writes its pictures."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from autograd_mini.cli import main
from autograd_mini.data import two_gaussians
from autograd_mini.demo import lda, logistic_regression, run_demo


def test_demo_numbers_and_files(tmp_path: Path) -> None:
    lines: list[str] = []
    res = run_demo(tmp_path, progress=False, log=lines.append)
    assert res.mlp_accuracy >= 0.95
    assert res.logreg_accuracy >= res.lda_accuracy - 0.01
    assert set(res.files) == {"loss curves", "decision boundary", "computational graph"}
    for key in ("loss curves", "decision boundary"):
        assert res.files[key].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = res.files["computational graph"].read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "v7" in svg
    text = "\n".join(lines)
    assert str(res.files["loss curves"].resolve()) in text and "LDA" in text


def test_demo_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "held-out accuracy" in out and (tmp_path / "out" / "loss_curves.png").exists()


def test_lda_and_gradient_descent_agree_on_direction() -> None:
    X, y = two_gaussians(100, rng=np.random.default_rng(1))
    w_lda, _ = lda(X, y)
    losses, snaps = logistic_regression(X, y, steps=300)
    w, _ = snaps[max(snaps)]
    assert losses[-1] < losses[0]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(losses))
    cos = w @ w_lda / np.linalg.norm(w) / np.linalg.norm(w_lda)
    assert cos > 0.95
