"""Every optimiser minimises a convex quadratic and the notes' logistic-regression loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini
import optim
from autograd_mini import Tensor
from optim.lr_scheduler import ExponentialLR

Make = Callable[[list[Tensor]], optim.Optimizer]

OPTIMISERS: dict[str, tuple[Make, Make]] = {
    # name: (for the quadratic, for the logistic regression)
    "sgd": (lambda p: optim.SGD(p, 0.2), lambda p: optim.SGD(p, 0.005)),
    "momentum": (
        lambda p: optim.SGD(p, 0.05, momentum=0.8),
        lambda p: optim.SGD(p, 0.002, momentum=0.9),
    ),
    "nesterov": (
        lambda p: optim.SGD(p, 0.05, momentum=0.8, nesterov=True),
        lambda p: optim.SGD(p, 0.002, momentum=0.9, nesterov=True),
    ),
    "ema-momentum": (
        lambda p: optim.SGD(p, 1.0, momentum=0.5, dampening=0.5),
        lambda p: optim.SGD(p, 1.0, momentum=0.9, dampening=0.9),
    ),
    "rmsprop": (lambda p: optim.RMSProp(p, 0.03), lambda p: optim.RMSProp(p, 0.03)),
    "rmsprop-centred-momentum": (
        lambda p: optim.RMSProp(p, 0.01, momentum=0.5, centered=True),
        lambda p: optim.RMSProp(p, 0.005, momentum=0.5, centered=True),
    ),
    "adam": (lambda p: optim.Adam(p, 0.05), lambda p: optim.Adam(p, 0.05)),
    "amsgrad": (
        lambda p: optim.Adam(p, 0.05, amsgrad=True),
        lambda p: optim.Adam(p, 0.1, amsgrad=True),
    ),
    "adamw": (
        lambda p: optim.AdamW(p, 0.05, weight_decay=0.0),
        lambda p: optim.AdamW(p, 0.05, weight_decay=0.0),
    ),
    "adagrad": (lambda p: optim.Adagrad(p, 0.5), lambda p: optim.Adagrad(p, 0.5)),
    "nadam": (lambda p: optim.NAdam(p, 0.1), lambda p: optim.NAdam(p, 0.1)),
    "radam": (  # (its first 5 steps are plain momentum steps on the summed logistic loss)
        lambda p: optim.RAdam(p, 0.2),
        lambda p: optim.RAdam(p, 0.02, betas=(0.5, 0.9)),
    ),
    "adamax": (lambda p: optim.Adamax(p, 0.3), lambda p: optim.Adamax(p, 0.3)),
    "adadelta": (
        lambda p: optim.Adadelta(p, 1.0, eps=1e-3),
        lambda p: optim.Adadelta(p, 1.0, eps=1e-3),
    ),
}
NAMES = list(OPTIMISERS)


def train(make: Make, params: list[Tensor], loss: Callable[[], Tensor], steps: int) -> None:
    opt = make(params)
    # a gentle decay lets the constant-step adaptive methods settle instead of hovering
    sched = ExponentialLR(opt, gamma=0.99)
    for _ in range(steps):
        opt.zero_grad()
        loss().backward()
        opt.step()
        sched.step()


@pytest.mark.parametrize("name", NAMES)
def test_convex_quadratic(name: str) -> None:
    """L(θ) = ½ θᵀHθ − bᵀθ, H ≻ 0 with eigenvalues in [0.5, 4]: reach θ* = H⁻¹ b."""
    rng = np.random.default_rng(7)
    q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    h = q @ np.diag([4.0, 2.5, 1.5, 1.0, 0.5]) @ q.T
    b = rng.normal(size=5)
    target = np.linalg.solve(h, b)
    ht, bt = Tensor(h), Tensor(b)
    p = Tensor(np.zeros(5), requires_grad=True)
    train(OPTIMISERS[name][0], [p], lambda: 0.5 * (p @ (ht @ p)) - (bt * p).sum(), 400)
    np.testing.assert_allclose(p.data, target, atol=1e-3)


def two_gaussians(seed: int = 0, n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The notes' data: two Gaussian classes of n points, same covariance, labels ±1."""
    rng = np.random.default_rng(seed)
    x = np.concatenate(
        [rng.normal([1.0, 0.5], 1.0, size=(n, 2)), rng.normal([-1.0, -0.5], 1.0, size=(n, 2))]
    )
    y = np.concatenate([np.ones(n), -np.ones(n)])
    return x, y


def newton_optimum(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Minimiser (w, b) and minimum of −Σ log σ(y (w·x + b)) by Newton's method, in NumPy."""
    a = np.c_[x, np.ones(len(x))]
    theta = np.zeros(3)
    for _ in range(30):
        s = 1.0 / (1.0 + np.exp(y * (a @ theta)))  # σ(−y (w·x + b))
        grad = -(a * (y * s)[:, None]).sum(axis=0)
        hess = (a * (s * (1.0 - s))[:, None]).T @ a
        theta = theta - np.linalg.solve(hess, grad)
    return theta, float(np.logaddexp(0.0, -y * (a @ theta)).sum())


def logistic_loss(x: Tensor, y: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return -(autograd_mini.log_sigmoid(y * (x @ w + b))).sum()


@pytest.mark.parametrize("name", NAMES)
def test_logistic_regression(name: str) -> None:
    x, y = two_gaussians()
    theta_star, best = newton_optimum(x, y)
    xt, yt = Tensor(x), Tensor(y)
    w = Tensor(np.random.default_rng(1).normal(size=2), requires_grad=True)
    b = Tensor(np.zeros(()), requires_grad=True)
    start = float(logistic_loss(xt, yt, w, b).data)
    train(OPTIMISERS[name][1], [w, b], lambda: logistic_loss(xt, yt, w, b), 300)
    final = float(logistic_loss(xt, yt, w, b).data)
    assert final - best < 1e-3 * (start - best)
    np.testing.assert_allclose(np.r_[w.data, b.data], theta_star, atol=0.05)
    accuracy = np.mean(np.sign(x @ w.data + b.data) == y)
    assert accuracy > 0.75


def test_the_reference_optimum_is_a_minimum() -> None:
    """Guard for the test above: the Newton point has zero gradient through backward."""
    x, y = two_gaussians()
    theta_star, best = newton_optimum(x, y)
    w = Tensor(theta_star[:2].copy(), requires_grad=True)
    b = Tensor(theta_star[2:].reshape(()).copy(), requires_grad=True)
    loss: Any = logistic_loss(Tensor(x), Tensor(y), w, b)
    loss.backward()
    assert w.grad is not None and b.grad is not None
    np.testing.assert_allclose(w.grad.data, 0.0, atol=1e-8)
    np.testing.assert_allclose(b.grad.data, 0.0, atol=1e-8)
    np.testing.assert_allclose(float(loss.data), best, rtol=1e-12)
