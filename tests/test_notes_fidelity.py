"""The notebooks' settings are the notes' (read from their source, without running them), and
the notes' equations that the notebooks reproduce hold for the library directly.

The notebooks themselves pin the numbers that depend on these settings (tests/test_notebooks.py
runs them); this file makes a changed setting fail fast and by name.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn.functional as F
from autograd_mini import data, demo

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def constants(name: str) -> dict[str, Any]:
    """Module-level NAME = literal (and NAME, NAME = literal, literal) of a notebook."""
    found: dict[str, Any] = {}
    for node in ast.parse((NOTEBOOKS / name).read_text()).body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            continue
        if isinstance(target, ast.Name) and target.id.isupper():
            found[target.id] = value
        elif isinstance(target, ast.Tuple) and all(isinstance(t, ast.Name) for t in target.elts):
            for t, v in zip(target.elts, value):
                assert isinstance(t, ast.Name)
                found[t.id] = v
    return found


def test_notebook_1_step_sizes_and_frames() -> None:
    """Slides 002 / lecture 3.5: η = 0.125 from two starts, η = 0.5, frames w0 … w11."""
    c = constants("01_gradient_descent_1d.py")
    assert c["ETA_SMALL"] == 0.125 and c["ETA_LARGE"] == 0.5
    assert len(c["FRAMES_SMALL"]) == len(c["FRAMES_LARGE"]) == 12
    assert c["FRAMES_SMALL"][0] == c["FRAMES_LARGE"][0] == c["W0_GLOBAL"]


def test_notebook_3_is_the_notes_logistic_regression() -> None:
    """Lecture 3.5: η = 0.1, 100 points per class, stages 0, 10, 10², 10³, 10⁴; the same data
    as the demo; the pinned accuracy at every stage and rising from one to the next."""
    c = constants("03_logistic_regression.py")
    assert c["ETA"] == demo.ETA == 0.1
    assert c["STAGES"] == demo.STAGES == (0, 10, 100, 1_000, 10_000)
    assert c["N_PER_CLASS"] == demo.N_PER_CLASS == 100
    assert c["MEANS"] == demo.MEANS and c["COV"] == demo.COV
    accuracy = c["STAGE_TEST_ACCURACY"]
    assert tuple(accuracy) == c["STAGES"]
    assert all(a < b for a, b in zip(list(accuracy.values()), list(accuracy.values())[1:]))


def test_notebook_5_uses_a_steepness_other_than_one() -> None:
    """Slides 003: ∂y/∂z = λ y (1 − y) is checked with λ = 1 and with λ ≠ 1."""
    lambdas = constants("05_backprop_two_layer.py")["STEEPNESSES"]
    assert 1.0 in lambdas and any(lam != 1.0 for lam in lambdas)


def test_notebook_8_estimators() -> None:
    """Notes eq. 2.5 / Algorithm 1 on N = 200 points, single examples and a mini-batch."""
    c = constants("08_stochastic_gradient.py")
    assert c["N_PER_CLASS"] == 100 and 1 in c["BATCH_SIZES"] and c["MINI_BATCH"] > 1
    assert c["DRAWS"] >= 10_000


@pytest.fixture(scope="module")
def two_classes() -> tuple[np.ndarray, np.ndarray]:
    return data.two_gaussians(50, rng=np.random.default_rng(4), shuffle=False)


def test_zero_one_label_gradient_is_the_librarys(two_classes: tuple[np.ndarray, np.ndarray],
                                                 ) -> None:
    """Slides 001: ∇ NLL = −Σ (yₙ − σ(w·xₙ + b)) (xₙ, 1) with labels 0/1, against the library's
    gradient of the 0/1 loss and of the notes' ±1 loss."""
    X, y = two_classes
    y01 = (y + 1) / 2
    Xt = am.Tensor(X)

    def bce(w: am.Tensor, b: am.Tensor) -> am.Tensor:
        return F.binary_cross_entropy_with_logits(Xt @ w + b, y01, reduction="sum")

    def pm1(w: am.Tensor, b: am.Tensor) -> am.Tensor:
        return -am.log_sigmoid(am.Tensor(y) * (Xt @ w + b)).sum()

    rng = np.random.default_rng(5)
    for _ in range(4):
        w, b = 2 * rng.normal(size=2), float(rng.normal())
        r = y01 - 1 / (1 + np.exp(-(X @ w + b)))
        by_hand = (-(X * r[:, None]).sum(axis=0), -r.sum())
        for loss in (bce, pm1):
            gw, gb = am.grad(loss, argnums=(0, 1))(w, b)
            np.testing.assert_allclose(gw.numpy(), by_hand[0], rtol=1e-11, atol=1e-12)
            assert gb.item() == pytest.approx(by_hand[1], rel=1e-11, abs=1e-12)


def test_single_example_estimator_is_unbiased(two_classes: tuple[np.ndarray, np.ndarray],
                                              ) -> None:
    """Notes eq. 2.5, Exercise 2.3: E_π[∇l_I] = ∇L_N exactly (the π-average of the N values)
    and within 4 standard errors for a sample of draws; without the factor N it is biased."""
    X, y = two_classes
    N = len(X)
    Xt, yt = am.Tensor(X), am.Tensor(y)

    def losses(theta: am.Tensor) -> am.Tensor:
        return -am.log_sigmoid(yt * (Xt @ theta[:2] + theta[2]))

    theta = np.array([0.4, -0.3, 0.2])
    per_example = am.jacobian(losses)(theta).numpy()
    full = am.grad(lambda t: losses(t).sum())(theta).numpy()
    np.testing.assert_allclose((N * per_example).mean(axis=0), full, rtol=1e-12, atol=1e-12)
    draws = N * per_example[np.random.default_rng(6).integers(N, size=20_000)]
    se = draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - full) < 4 * se)
    assert np.max(np.abs(draws.mean(axis=0) / N - full) / se) > 20


def test_notebooks_readme_names_the_notes() -> None:
    """Each reproduced item is listed with the equation or slide it comes from."""
    text = (NOTEBOOKS / "README.md").read_text()
    for needle in ("08_stochastic_gradient.py", "eq. 2.5", "Algorithm 1", "Exercise 2.3",
                   "lecture 3.5 slides 6–8", "the optimisation slides",
                   "the gradient-descent slides", "frame sequences w0 … w11", "λ",
                   '"The notes" are'):
        assert needle in text, needle
