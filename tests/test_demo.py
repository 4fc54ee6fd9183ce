"""The main job: ``autograd-mini demo`` reaches its numbers and writes its pictures, and its
logistic regression is the notes' one (lecture 3.5): the summed loss, w ~ N(0, 1) and b = 0,
η = 0.1, 100 points per class, the boundary at n = 0, 10, 10², 10³, 10⁴."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from autograd_mini import demo
from autograd_mini.cli import main
from autograd_mini.demo import lda, logistic_regression, notes_data, run_demo

# What the default run (seed 0) shows at each stage; any change of the loss, the step size,
# the data, the initialisation or the stages moves these.
STAGE_ACCURACY = {0: 0.455, 10: 0.70, 100: 0.89, 1_000: 0.95, 10_000: 0.95}
STAGE_LOSS = {0: 169.2376, 10: 178.5069, 100: 74.2371, 1_000: 26.7321, 10_000: 26.7302}


def test_demo_numbers_and_files(tmp_path: Path) -> None:
    lines: list[str] = []
    res = run_demo(tmp_path, progress=False, log=lines.append)
    assert res.mlp_accuracy >= 0.95
    assert res.logreg_accuracy >= res.lda_accuracy - 0.01
    assert res.stage_accuracy == pytest.approx(STAGE_ACCURACY, abs=1e-12)
    assert res.stage_loss == pytest.approx(STAGE_LOSS, abs=1e-4)
    assert res.lda_accuracy == pytest.approx(0.95, abs=1e-12)
    assert set(res.files) == {"loss curves", "decision boundary", "computational graph"}
    for key in ("loss curves", "decision boundary"):
        assert res.files[key].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = res.files["computational graph"].read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "v7" in svg
    text = "\n".join(lines)
    assert str(res.files["loss curves"].resolve()) in text and "LDA" in text
    assert "η = 0.1" in text and "w ~ N(0, 1), b = 0" in text and "n =  10000" in text


def test_demo_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "held-out accuracy" in out and (tmp_path / "out" / "loss_curves.png").exists()


def test_the_settings_are_the_notes() -> None:
    assert demo.ETA == 0.1
    assert demo.STAGES == (0, 10, 100, 1_000, 10_000)
    assert demo.N_PER_CLASS == 100
    X, y = notes_data(np.random.default_rng(0))
    assert X.shape == (200, 2) and np.sum(y == 1) == np.sum(y == -1) == 100
    # different means, one shared covariance: the setting in which LDA is optimal
    assert demo.MEANS[0] != demo.MEANS[1] and np.allclose(demo.COV, np.transpose(demo.COV))


def _summed_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> float:
    return float(np.logaddexp(0.0, -y * (X @ w + b)).sum())


def test_initialisation_loss_and_step_are_the_notes() -> None:
    """w₀ is the generator's standard normal draw and b₀ = 0; the recorded loss is the sum
    −Σ log σ(y(w·x + b)); one step is (w, b) − 0.1 ∇L with the notes' hand gradient."""
    X, y = notes_data(np.random.default_rng(3))
    losses, snaps = logistic_regression(X, y, np.random.default_rng(7), stages=(0, 1))
    w0 = np.random.default_rng(7).standard_normal(2)
    np.testing.assert_array_equal(snaps[0][0], w0)
    assert snaps[0][1] == 0.0
    assert losses[0] == pytest.approx(_summed_loss(X, y, w0, 0.0), rel=1e-12)
    u = y / (1 + np.exp(y * (X @ w0)))                  # y_n σ(−y_n(w·x_n + b))
    w1, b1 = w0 + 0.1 * (X * u[:, None]).sum(axis=0), 0.1 * u.sum()
    np.testing.assert_allclose(snaps[1][0], w1, rtol=1e-12)
    assert snaps[1][1] == pytest.approx(b1, rel=1e-12)
    assert losses[1] == pytest.approx(_summed_loss(X, y, w1, b1), rel=1e-12)


def test_gradient_descent_reaches_the_lda_boundary() -> None:
    X, y = notes_data(np.random.default_rng(1))
    w_lda, b_lda = lda(X, y)
    losses, snaps = logistic_regression(X, y, np.random.default_rng(2),
                                        stages=(0, 3_000))
    w, b = snaps[3_000]
    assert losses[-1] < losses[0]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(losses[2_000:]))
    cos = w @ w_lda / np.linalg.norm(w) / np.linalg.norm(w_lda)
    assert cos > 0.99
    assert np.mean(np.sign(X @ w + b) == y) >= np.mean(np.sign(X @ w_lda + b_lda) == y) - 0.01
