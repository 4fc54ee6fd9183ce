"""End to end: logistic regression against LDA on two Gaussians, and an MLP on digits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import nn
from autograd_mini import Tensor, no_grad
from autograd_mini.data import DataLoader, digits, two_gaussians

RNG = np.random.default_rng


def lda(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Fisher's LDA for two classes with a shared covariance and equal priors."""
    m0, m1 = X[y < 0].mean(0), X[y > 0].mean(0)
    cov = (np.cov(X[y < 0].T, bias=True) + np.cov(X[y > 0].T, bias=True)) / 2
    w = np.linalg.solve(cov, m1 - m0)
    return w, float(-0.5 * (m0 + m1) @ w)


def test_logistic_regression_reaches_the_lda_accuracy() -> None:
    X, y = two_gaussians(100, rng=RNG(0), shuffle=False)
    X_test, y_test = two_gaussians(20_000, rng=RNG(1), shuffle=False)
    model = nn.Linear(2, 1, rng=RNG(2))
    eta = 0.1
    losses = []
    for _ in range(1000):
        # the notes' loss −Σ log σ(y (w·x + b)), divided by N: plain gradient descent with
        # η = 0.1 on the sum itself would overshoot (η must stay below 2 / λ_max of the Hessian)
        loss = nn.functional.soft_margin_loss(model(X)[:, 0], y, reduction="mean")
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with no_grad():
            for p in model.parameters():
                p.data -= eta * p.grad.data  # type: ignore[union-attr]
    assert losses[-1] < losses[0] and all(b <= a + 1e-12 for a, b in itertools.pairwise(losses))
    w, b = lda(X, y)

    def accuracy(pred: np.ndarray, truth: np.ndarray) -> float:
        return float(np.mean(np.sign(pred) == truth))

    test_model = accuracy(model(X_test).data[:, 0], y_test)
    test_lda = accuracy(X_test @ w + b, y_test)
    assert test_lda > 0.9
    assert abs(test_model - test_lda) <= 0.01
    assert accuracy(model(X).data[:, 0], y) >= accuracy(X @ w + b, y) - 0.01


def test_mlp_learns_digits() -> None:
    pytest.importorskip("sklearn")
    X, y = digits(scale=True)
    order = RNG(0).permutation(len(X))
    train, test = order[:1347], order[1347:]
    model = nn.MLP([64, 64, 10], rng=RNG(1))
    params = list(model.parameters())
    # Adam written out: m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², θ −= η m̂ / (√v̂ + ε)
    m = [np.zeros_like(p.data) for p in params]
    v = [np.zeros_like(p.data) for p in params]
    lr, b1, b2, eps, t = 3e-3, 0.9, 0.999, 1e-8, 0
    loader = DataLoader(X[train], y[train], 64, shuffle=True, drop_last=True, rng=RNG(2))
    for _ in range(20):
        for xb, yb in loader:
            loss = nn.CrossEntropyLoss()(model(xb), yb)
            model.zero_grad()
            loss.backward()
            t += 1
            for p, mi, vi in zip(params, m, v, strict=True):
                g = p.grad.data  # type: ignore[union-attr]
                mi[...] = b1 * mi + (1 - b1) * g
                vi[...] = b2 * vi + (1 - b2) * g * g
                p.data -= lr * (mi / (1 - b1**t)) / (np.sqrt(vi / (1 - b2**t)) + eps)
    model.eval()
    with no_grad():
        predicted = model(Tensor(X[test])).data.argmax(axis=1)
    assert np.mean(predicted == y[test]) >= 0.95
